/**
 * End to end in Chromium against the browser bridge: the whole flow an HR person goes through, on Microsoft's
 * sample CSV and on an Excel workbook. Each screen is checked with axe-core and photographed for the README.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { ensureRenderer } from '../../scripts/renderer';
import { startWebBridge, type WebBridge } from '../main/web-bridge';
import { MemorySecretStore } from '../main/services/secrets';
import { startServiceWorker, type ServiceWorker } from '../main/services/host';
import { SAMPLE_CSV } from '../__tests__/services';
import { browserUnavailable, launchChromium, seriousViolations } from './browser';

// Tests write only under ignored folders: the README's pictures are refreshed on purpose, with
// `pnpm --filter @scimport/desktop screenshots`, which sets SCIMPORT_UPDATE_SCREENSHOTS.
const SCREENSHOTS = fileURLToPath(new URL(process.env.SCIMPORT_UPDATE_SCREENSHOTS === '1' ? '../../screenshots' : '../../out/screenshots', import.meta.url));
const skip = browserUnavailable();
if (skip) console.warn(skip);

describe.skipIf(Boolean(skip))('the app in Chromium, through the browser bridge', () => {
  let browser: Browser;
  let services: ServiceWorker;
  let dataDir: string;
  let bridge: WebBridge;
  /** Requests that left the bridge's origin: there must be none (no CDN, no web fonts, nothing). */
  const offsite: string[] = [];

  beforeAll(async () => {
    const rendererDir = await ensureRenderer();
    // As `dev:web` runs it: the services on their worker thread behind the bridge.
    dataDir = await mkdtemp(join(tmpdir(), 'scimport-e2e-'));
    services = await startServiceWorker({ mode: 'web', version: 'test', dataDir, secrets: new MemorySecretStore() });
    bridge = await startWebBridge({ dispatch: services.dispatch, rendererDir });
    browser = await launchChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    expect(offsite).toEqual([]);
    await browser?.close();
    await bridge?.close();
    await services?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    // Offline: any request that is not to the bridge itself is a failure of the "nothing from the network" rule.
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(bridge.origin) && !url.startsWith('blob:') && !url.startsWith('data:')) offsite.push(url);
    });
    await page.goto(bridge.url);
    return page;
  }

  async function screen(page: Page, n: number, name: string | undefined, heading: string | RegExp): Promise<void> {
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    const violations = await seriousViolations(page);
    expect(violations, `${name ?? heading}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    if (name) await page.screenshot({ path: join(SCREENSHOTS, `${n}-${name}.png`), fullPage: true });
  }

  it('takes Microsoft\'s sample CSV from opening to the sandbox\'s results', async () => {
    const page = await newPage();
    await screen(page, 1, 'start', 'Open an HR export');

    await page.getByLabel('Spreadsheet file').setInputFiles(SAMPLE_CSV);
    await page.getByText('2 rows read.').waitFor();
    await page.getByRole('cell', { name: 'Talya', exact: true }).first().waitFor();
    await screen(page, 2, 'file', 'csv-with-2-records.csv');

    await page.getByRole('button', { name: 'Next: map the columns automatically' }).click();
    await page.getByRole('heading', { name: 'Mapping', level: 1 }).waitFor();
    const output = page.getByLabel('The person this row becomes (SCIM)');
    await output.filter({ hasText: '"externalId": "1222"' }).waitFor();

    // Edit the mapping: a new attribute, typed with the keyboard, shows in the preview as it is typed.
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('"nickName": $upper(FirstName),', { delay: 5 });
    await page.keyboard.press('Escape');
    await output.filter({ hasText: '"nickName": "TALYA"' }).waitFor();
    await screen(page, 3, 'mapping', 'Mapping');

    // A mistake is underlined where it is and said in words; removing it brings the preview back.
    await page.keyboard.press('Enter');
    await page.keyboard.type('"preferredLanguage": ,', { delay: 5 });
    await page.keyboard.press('Escape');
    const problem = page.locator('.banner.error').filter({ hasText: 'line 3' });
    await problem.waitFor();
    expect(await page.locator('.cm-lintRange-error').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Next: check the whole file' }).isDisabled()).toBe(true);
    await screen(page, 4, 'mapping-error', 'Mapping');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.getByText('No mistakes in the mapping.').waitFor();
    await output.filter({ hasText: '"nickName": "TALYA"' }).waitFor();

    // A custom attribute, added in the editor and saved with the profile.
    await page.locator('summary', { hasText: 'Custom attributes' }).click();
    const attributes = await page.getByLabel(/^Name of custom attribute/).count();
    await page.getByRole('button', { name: 'Add a custom attribute' }).click();
    await page.getByText(/the name must start with a letter/).waitFor();
    await page.getByLabel(`Name of custom attribute ${attributes + 1}`).fill('costCenter');
    await page.getByText(/the name must start with a letter/).waitFor({ state: 'detached' });
    await screen(page, 9, 'custom-attributes', 'Mapping');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as version 2/).waitFor();

    await page.getByRole('button', { name: 'Next: check the whole file' }).click();
    await page.getByRole('group', { name: 'Counts' }).waitFor();
    const firstFinding = page.getByRole('list', { name: 'Problems found' }).getByRole('button').first();
    if (await firstFinding.count()) {
      await firstFinding.click();
      await page.locator('dt.hit').first().waitFor();
    }
    await screen(page, 5, 'validation', 'Check the whole file');

    await page.getByRole('button', { name: 'Next: see what changes' }).click();
    await page.getByRole('group', { name: 'Counts' }).waitFor();
    await page.getByRole('cell', { name: /Talya Fleeta/ }).first().waitFor();
    await screen(page, 6, 'diff', 'What changes');

    await page.getByRole('button', { name: 'Next: upload' }).click();
    await page.getByText(/This upload needs/).waitFor();
    // The job panel: pause the sandbox's job, see the preflight's warning (sending stays possible), start it again.
    const job = page.getByRole('region', { name: 'Provisioning job' });
    const checks = page.getByRole('list', { name: 'Checks before sending' });
    const sendOne = page.getByRole('button', { name: 'Send one person first' });
    await job.getByLabel('Job status: Running').waitFor();
    await checks.locator('li[data-status="pass"]').filter({ hasText: 'Job running' }).waitFor();
    await checks.locator('li[data-status="pass"]').filter({ hasText: `all ${attributes + 1} custom attribute(s)` }).waitFor();
    await job.getByRole('button', { name: 'Pause the job' }).click();
    await job.getByLabel('Job status: Paused').waitFor();
    await checks.locator('li[data-status="warn"]').filter({ hasText: /Job running.*paused/ }).waitFor();
    await page.getByText(/One note above: sending is possible/).waitFor();
    expect(await sendOne.isEnabled()).toBe(true);
    await job.getByLabel('Notification email').fill('hr-team@contoso.com');
    await job.getByRole('button', { name: 'Save the email' }).click();
    await job.getByText(/Entra will email hr-team@contoso.com when the job fails/).waitFor();
    await job.getByRole('button', { name: 'Start the job' }).click();
    await job.getByLabel('Job status: Running').waitFor();
    await checks.locator('li[data-status="pass"]').filter({ hasText: 'Job running' }).waitFor();
    await sendOne.click();
    const rest = page.getByRole('button', { name: 'Send the other 1 person' });
    await rest.waitFor({ timeout: 60_000 });
    await screen(page, 7, 'upload', 'Upload');
    await rest.click();
    await page.getByRole('button', { name: 'See the results' }).click({ timeout: 60_000 });

    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('cell', { name: 'UnableToResolveReferenceAttributeValue' }).or(page.getByText(/could not be set/).first()).first().waitFor();
    await screen(page, 8, 'results', 'Results');
    await page.close();
  });

  it('takes an Excel workbook through the same flow', async () => {
    const workbook = new ExcelJS.Workbook();
    const notes = workbook.addWorksheet('Notes');
    notes.addRow(['Exported from the HR system']);
    const sheet = workbook.addWorksheet('Staff');
    sheet.addRow(['Employee ID', 'First Name', 'Last Name', 'Email', 'Department', 'Hire Date', 'Status']);
    sheet.addRow(['00417', 'Ana', 'Lima', 'ana.lima@contoso.com', 'Finance', new Date(Date.UTC(2021, 4, 1)), 'Active']);
    sheet.addRow(['00418', 'Bruno', 'Costa', 'bruno.costa@contoso.com', 'Sales', new Date(Date.UTC(2022, 0, 15)), 'Active']);
    const path = join(dataDir, 'staff.xlsx');
    await workbook.xlsx.writeFile(path);

    const page = await newPage();
    await page.getByLabel("Or type the file's full path").fill(path);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('heading', { name: 'staff.xlsx', level: 1 }).waitFor();
    // The first visible sheet opens; the sheet picker offers the others.
    await page.getByLabel('Sheet').selectOption('Staff');
    await page.getByText('2 rows read.').waitFor();
    await page.getByRole('cell', { name: '00417' }).first().waitFor();
    await screen(page, 0, undefined, 'staff.xlsx');

    await page.getByRole('button', { name: 'Next: map the columns automatically' }).click();
    const output = page.getByLabel('The person this row becomes (SCIM)');
    await output.filter({ hasText: '"externalId": "00417"' }).waitFor();
    // No column was recognised as the sign-in name: the preview says so, and the person maps Email to it.
    const rowProblems = page.getByRole('list', { name: 'Problems with this row' });
    await rowProblems.filter({ hasText: '`userName` is missing' }).waitFor();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('"userName": ', { delay: 5 });
    await page.getByRole('button', { name: 'Email', exact: true }).click();
    await page.keyboard.type(',', { delay: 5 });
    await page.getByText('This row is ready to send.').waitFor();
    await output.filter({ hasText: '"userName": "ana.lima@contoso.com"' }).waitFor();
    await page.getByRole('button', { name: 'Next: check the whole file' }).click();
    await page.getByRole('group', { name: 'Counts' }).waitFor();
    await page.getByRole('button', { name: 'Next: see what changes' }).click();
    await page.getByRole('group', { name: 'Counts' }).waitFor();
    await page.getByRole('button', { name: 'Next: upload' }).click();
    await page.getByRole('button', { name: /Send everyone/ }).click();
    await page.getByRole('button', { name: 'See the results' }).click({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('group', { name: 'Outcomes' }).filter({ hasText: '2provisioned' }).waitFor();
    await screen(page, 0, undefined, 'Results');
    await page.close();
  });
});
