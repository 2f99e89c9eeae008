/**
 * End to end in Chromium against the browser bridge: the journey an HR person goes through, with no JSONata
 * typed — Microsoft's 1,000-row sample mapped with the form, checked (findings grouped, people named),
 * compared, uploaded to the sandbox, the results read back by name — and a profile that remembers the shape
 * of a multi-sheet workbook. Every screen is checked with axe-core at 1366×768 and 1024×700, for sideways
 * scrolling and for the footer bar's next step being in view, and photographed for the README.
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
import { SAMPLE_1000, SAMPLE_CSV } from '../__tests__/services';
import { browserUnavailable, launchChromium, seriousViolations } from './browser';

// Tests write only under ignored folders: the README's pictures are refreshed on purpose, with
// `pnpm --filter @scimport/desktop screenshots`, which sets SCIMPORT_UPDATE_SCREENSHOTS.
const SCREENSHOTS = fileURLToPath(new URL(process.env.SCIMPORT_UPDATE_SCREENSHOTS === '1' ? '../../screenshots' : '../../out/screenshots', import.meta.url));
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1024, height: 700 },
];
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
    // Entra's 5–10 minutes of log lag, compressed to 2.5–5 s: the app waits for results as it would for Entra.
    services = await startServiceWorker({ mode: 'web', version: 'test', dataDir, secrets: new MemorySecretStore(), sandbox: { timeScale: 120 } });
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
    const page = await browser.newPage({ viewport: SIZES[0]!, locale: 'en-GB', acceptDownloads: true });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    // Offline: any request that is not to the bridge itself is a failure of the "nothing from the network" rule.
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(bridge.origin) && !url.startsWith('blob:') && !url.startsWith('data:')) offsite.push(url);
    });
    await page.goto(bridge.url);
    return page;
  }

  /**
   * The screen with this heading, at both window sizes: no serious accessibility problem, nothing wider than
   * the window, and the footer bar (the next step) in view. Photographed at the larger size when named.
   */
  async function screen(page: Page, n: number, name: string | undefined, heading: string | RegExp): Promise<void> {
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      const violations = await seriousViolations(page);
      expect(violations, `${name ?? heading} at ${size.width}×${size.height}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
      const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: document.documentElement.clientWidth }));
      expect(widths.page, `${name ?? heading} scrolls sideways at ${size.width}×${size.height}`).toBeLessThanOrEqual(widths.window);
      const footer = page.locator('.footer-bar');
      if (await footer.count()) {
        const box = await footer.boundingBox();
        expect(box, `${name ?? heading}: the footer bar is shown`).not.toBeNull();
        expect(box!.y + box!.height, `${name ?? heading}: the next step is in view at ${size.width}×${size.height}`).toBeLessThanOrEqual(size.height + 1);
      }
    }
    await page.setViewportSize(SIZES[0]!);
    // The window as the person sees it (the footer bar sticks to its bottom).
    if (name) await page.screenshot({ path: join(SCREENSHOTS, `${n}-${name}.png`) });
  }

  it('maps Microsoft\'s 1,000-row sample with the form, checks it, uploads it and reads the results by name', async () => {
    const page = await newPage();
    await screen(page, 1, 'start', 'Open an HR export');

    await page.getByLabel('Spreadsheet file').setInputFiles(SAMPLE_1000);
    await page.getByText('1,000 rows read.').waitFor({ timeout: 30_000 });
    await screen(page, 2, 'file', 'csv-with-1000-records.csv');

    // The form: auto-map fills it; the person then sets three lines by hand with the column pickers.
    await page.getByRole('button', { name: 'Next: map the columns automatically' }).click();
    await page.getByRole('heading', { name: 'Mapping', level: 1 }).waitFor();
    const output = page.getByLabel('The person this row becomes (SCIM)');
    await output.filter({ hasText: '"externalId": "1222"' }).waitFor();
    for (const attribute of ['Sign-in name', 'Account enabled', 'Manager']) {
      await page.getByLabel(`${attribute}: how it is filled`).selectOption({ label: 'Not mapped' });
    }
    await page.getByText(/required attribute is not mapped yet: Sign-in name/).waitFor();
    await page.getByLabel('Sign-in name: column').selectOption('UserID');
    await page.getByLabel('Account enabled: column').selectOption('WorkerStatus');
    await page.getByLabel('Account enabled: enabled when the column says').fill('Active');
    await page.getByLabel('Manager: column').selectOption('ManagerID');
    await output.filter({ hasText: '"userName": "EMP1222"' }).filter({ hasText: '"active": false' }).filter({ hasText: '"value": "1684"' }).waitFor();
    await screen(page, 3, 'mapping', 'Mapping');

    // A mistake is caught where it is made, in words: a column name in single quotes is text, not the column.
    await page.getByLabel('Department: how it is filled').selectOption({ label: 'Expression (advanced)' });
    await page.getByLabel('Department: expression (JSONata)').fill("'Department'");
    await page.getByText(/in quotes is text, not the column/).first().waitFor();
    await screen(page, 4, 'mapping-error', 'Mapping');
    await page.getByRole('list', { name: 'Mistakes in the mapping' }).getByRole('button', { name: /^Use / }).first().click();
    await page.getByText(/in quotes is text, not the column/).waitFor({ state: 'detached' });
    await output.filter({ hasText: '"department": "Sales"' }).waitFor();

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as version/).waitFor();

    // Check: one card per problem, with the people named.
    await page.getByRole('button', { name: 'Next: check the whole file' }).click();
    await page.getByRole('group', { name: 'Counts' }).waitFor({ timeout: 60_000 });
    await page.getByText(/359 people can be sent; 641 rows are held back/).waitFor();
    const groups = page.getByRole('list', { name: 'Problems found, one per kind' });
    const duplicate = groups.getByRole('listitem').filter({ hasText: '1222' }).first();
    await duplicate.waitFor();
    await duplicate.getByRole('button', { name: /Talya Fleeta \(row 2\)/ }).click();
    await page.locator('dt.hit').first().waitFor();
    // A short list an HR person can read: the 3,110 per-row findings gathered into a few kinds of problem.
    expect(await groups.locator(':scope > li').count()).toBeLessThan(12);
    await screen(page, 5, 'validation', 'Check the whole file');

    // Changes: who is sent, and the rows held back are counted, not dropped from view.
    await page.getByRole('button', { name: 'Next: see what changes' }).click();
    await page.getByText(/359 people will be sent.*641 rows are held back/).waitFor();
    await screen(page, 6, 'diff', 'What changes');

    // Upload: one line when ready; the particulars are folded away.
    await page.getByRole('button', { name: 'Next: upload' }).click();
    await page.getByText(/^Ready to send 359 people to .* — 8 of today’s 2,000 calls\./).waitFor({ timeout: 30_000 });
    await screen(page, 7, 'upload', 'Upload');
    const sendAll = page.getByRole('button', { name: /^Send everyone/ });
    await sendAll.click();
    // Afterwards the plan is the recomputed one: nobody is offered a second time.
    await page.getByRole('button', { name: 'Send everyone (0 people)' }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Send everyone (0 people)' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'See the results' }).click();

    // Results: people by name, grouped by outcome, failures first and explained.
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('heading', { name: /^Accounts created \(\d+\)/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('cell', { name: /\(employee id \d+\)/ }).first().waitFor();
    await screen(page, 8, 'results', 'Results');

    // Changes shows, at once, what a next upload would send: nobody.
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Changes' }).click();
    await page.getByText(/^Nothing to send/).first().waitFor();
    expect(await page.getByRole('button', { name: 'Next: upload' }).isDisabled()).toBe(true);

    // Undo this upload (issue 16): Results → history → the preview with its counts, calls and checks → confirm → the
    // undo runs as an upload and the history lists it as the undo of its run. The upload created everyone: the 170 it
    // created active are disabled; the 189 it created inactive are already as they should be.
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Results' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('button', { name: 'Undo this upload' }).first().click();
    const undo = page.getByRole('region', { name: 'Undo this upload' });
    const groupsOfUndo = undo.getByRole('group', { name: 'What the undo does' });
    await groupsOfUndo.waitFor({ timeout: 30_000 });
    await groupsOfUndo.getByText('Disabled (created by that upload)').waitFor();
    expect(await groupsOfUndo.locator('.stat-value').allTextContents()).toEqual(['0', '0', '170', '189', '0']);
    await undo.getByText(/^Calls needed: 4; [\d,]+ of today’s 2,000 calls left\./).waitFor();
    await undo.getByRole('list', { name: 'Checks before the undo' }).waitFor({ timeout: 30_000 });
    await screen(page, 9, undefined, 'Results');
    await undo.getByRole('button', { name: 'Undo: send 170 people' }).click();
    await page.getByText(/^Undo of the upload \d{8}-\d{6}-[0-9a-f]{4}$/).first().waitFor({ timeout: 60_000 });
    await screen(page, 9, undefined, 'Results');
    await page.close();
  }, 300_000);

  it('remembers the workbook\'s sheet and header row in the profile, and opens the first sheet of people without one', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Read me').addRow(['Exported from the HR system. Staff are on the "Staff" sheet.']);
    const contractors = workbook.addWorksheet('Contractors');
    contractors.addRow(['Contractor', 'Agency']);
    contractors.addRow(['C-1', 'Acme']);
    const staff = workbook.addWorksheet('Staff');
    staff.addRow(['Staff list']);
    staff.addRow(['Run on 2026-11-30']);
    staff.addRow(['Employee ID', 'First Name', 'Last Name', 'Email', 'Department', 'Hire Date', 'Status']);
    staff.addRow(['00417', 'Ana', 'Lima', 'ana.lima@contoso.com', 'Finance', new Date(Date.UTC(2021, 4, 1)), 'Active']);
    staff.addRow(['00418', 'Bruno', 'Costa', 'bruno.costa@contoso.com', 'Sales', new Date(Date.UTC(2022, 0, 15)), 'Active']);
    const path = join(dataDir, 'staff.xlsx');
    await workbook.xlsx.writeFile(path);

    const page = await newPage();
    await page.getByLabel('Or type the file’s full path').fill(path);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('heading', { name: 'staff.xlsx', level: 1 }).waitFor();
    // Without a profile: the first sheet with a header and rows of people, said in words.
    await page.getByText(/Contractors/).first().waitFor();
    await page.getByLabel('Sheet').selectOption('Staff');
    // The column names are found past the two title rows.
    await page.getByText('2 rows read.').waitFor();
    expect(await page.getByLabel('Row with the column names').inputValue()).toBe('3');
    await page.getByRole('cell', { name: '00417' }).first().waitFor();

    await page.getByRole('button', { name: 'Next: map the columns automatically' }).click();
    const output = page.getByLabel('The person this row becomes (SCIM)');
    // No sign-in-name column: auto-map places the email column there, and says so.
    await output.filter({ hasText: '"userName": "ana.lima@contoso.com"' }).waitFor();
    await page.getByText(/the email column “Email” is used as the sign-in name/).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as version/).waitFor();
    await page.close();

    // A new window: the saved profile first, then the workbook — it opens on the profile's sheet and row.
    const again = await newPage();
    const profiles = again.locator('.panel', { has: again.getByRole('heading', { name: 'Profiles' }) });
    await profiles.getByRole('button', { name: /staff/i }).first().click();
    await again.getByText(/is ready\. Open the HR file it is for/).waitFor();
    await again.getByLabel('Or type the file’s full path').fill(path);
    await again.getByRole('button', { name: 'Open', exact: true }).click();
    await again.getByRole('heading', { name: 'staff.xlsx', level: 1 }).waitFor();
    expect(await again.getByLabel('Sheet').inputValue()).toBe('Staff');
    expect(await again.getByLabel('Row with the column names').inputValue()).toBe('3');
    await again.getByText('2 rows read.').waitFor();

    // The same profile with a file it was not made for: said at once, with auto-map offered, never carried over silently.
    await again.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Start' }).click();
    await again.getByLabel('Spreadsheet file').setInputFiles(SAMPLE_CSV);
    await again.getByText(/The current mapping does not fit this file/).waitFor();
    await again.getByText(/Missing: .*Employee ID/).waitFor();
    await again.getByRole('button', { name: 'Map this file automatically' }).click();
    await again.getByLabel('The person this row becomes (SCIM)').filter({ hasText: '"externalId": "1222"' }).waitFor();
    await again.close();
  });
});
