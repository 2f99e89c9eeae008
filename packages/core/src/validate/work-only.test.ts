import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoMap } from '../automap';
import { evaluateWithStandins } from '../__tests__/mapping-standins';
import { transformFile } from '../pipeline';
import { loadProfile } from '../profile';
import type { Profile } from '../profile/types';
import type { Finding, ScimUser } from '../types';
import { groupFindings } from './group';
import { validateUser } from './index';

// Entra processes only work-type addresses, emails and phone numbers (entra-docs inbound-provisioning-api-issues);
// anything else is dropped without a word. These tests run the rule on Microsoft's own sample files.

const DATA = new URL('../../../../test-data/', import.meta.url);
const SAMPLE = fileURLToPath(new URL('microsoft/csv-with-1000-records.csv', DATA));
const PROFILE = fileURLToPath(new URL('profiles/microsoft-attribute-mapping.json', DATA));

const ctx = { file: 'sample.json', row: 2, cellsFor: () => [] };
const notWork = (findings: Finding[]): Finding[] => findings.filter((f) => f.code === 'entry.notWork');

function sampleUsers(): ScimUser[] {
  const url = new URL('microsoft/Extended-SCIM-bulk-request-Core+Enterprise.json', DATA);
  const request = JSON.parse(readFileSync(url, 'utf8')) as { Operations: { data: ScimUser }[] };
  return request.Operations.map((op) => op.data);
}

async function transform(profile: Profile): Promise<{ findings: Finding[]; invalid: number; valid: number }> {
  const findings: Finding[] = [];
  const summary = await transformFile({ input: SAMPLE, profile, keepFindings: 0, onFinding: (f) => findings.push(f) });
  return { findings, invalid: summary.invalid, valid: summary.valid };
}

describe("work-only entries on Microsoft's sample payload", () => {
  it('finds nothing to say about its work email, address and phone', () => {
    const users = sampleUsers();
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) expect(notWork(validateUser(user, {}, ctx))).toEqual([]);
  });

  it('warns, in HR words, about each entry Entra would ignore, and keeps the person', () => {
    const [user] = sampleUsers();
    const retyped: ScimUser = {
      ...user!,
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@home.example', type: 'home' }],
      phoneNumbers: [{ value: '555-555-5555' }],
      addresses: [{ type: 'other', locality: 'Hollywood', country: 'US' }],
    };
    const findings = notWork(validateUser(retyped, {}, ctx));
    expect(findings.map((f) => [f.severity, f.path, f.value])).toEqual([
      ['warning', 'emails[1].value', 'home'],
      ['warning', 'phoneNumbers[0].value', ''],
      ['warning', 'addresses[0]', 'other'],
    ]);
    expect(findings.map((f) => f.message)).toEqual([
      'Email `babs@home.example` is marked `home`, and Entra only takes work email addresses: it ignores this one. Mark it work on the Mapping screen, or leave it out; the person is still sent.',
      'Phone number `555-555-5555` has no type, and Entra only takes work phone numbers: it ignores this one. Mark it work on the Mapping screen; the person is still sent.',
      'Address `Hollywood` is marked `other`, and Entra only takes work addresses: it ignores this one. Mark it work on the Mapping screen, or leave it out; the person is still sent.',
    ]);
  });

  it('says nothing of an entry with nothing in it (an empty column), whatever its type', () => {
    expect(notWork(validateUser({ ...sampleUsers()[0]!, phoneNumbers: [{ type: 'mobile', value: '' }] }, {}, ctx))).toEqual([]);
  });
});

describe("work-only entries on Microsoft's 1,000-row sample", () => {
  let profile: Profile;
  beforeAll(async () => {
    profile = await loadProfile(PROFILE);
  });

  it("raises nothing with Microsoft's own mapping (it sends only work entries)", async () => {
    const { findings } = await transform(profile);
    expect(findings.length).toBeGreaterThan(0);
    expect(notWork(findings)).toEqual([]);
  });

  it('warns on every person whose office phone the mapping marks mobile, in one group, and sends them all the same', async () => {
    const mobile: Profile = { ...profile, mapping: profile.mapping.replace(/"phoneNumbers": \[\s*\{\s*"type": "work"/, '"phoneNumbers": [{ "type": "mobile"') };
    expect(mobile.mapping).not.toBe(profile.mapping);
    const before = await transform(profile);
    const after = await transform(mobile);
    const rows = parse(readFileSync(SAMPLE, 'utf8'), { columns: true }) as Record<string, string>[];
    const withPhone = rows.filter((r) => (r.OfficePhone ?? '').trim() !== '').length;
    expect(withPhone).toBeGreaterThan(900);
    // Rows that are held back for other reasons (duplicate WorkerIDs) still carry the warning.
    expect(notWork(after.findings)).toHaveLength(withPhone);
    expect(after.invalid).toBe(before.invalid);
    expect(after.valid).toBe(before.valid);
    const group = groupFindings(after.findings).find((g) => g.code === 'entry.notWork');
    expect(group?.title).toBe(`Phone numbers marked mobile are ignored by Entra (${withPhone.toLocaleString('en')} people)`);
    expect(group?.advice).toBe('Entra only takes work phone numbers. Mark them work on the Mapping screen, or leave them out. These people are still sent.');
  });
});

describe('auto-map never proposes a non-work entry', () => {
  const text = readFileSync(SAMPLE, 'utf8');
  const headers = [...((parse(text, { to_line: 1 }) as string[][])[0] ?? []), 'Mobile Phone'];
  const rows = (parse(text, { columns: true, to_line: 6 }) as Record<string, string>[]).map((r) => ({ ...r, 'Mobile Phone': '+1 555 0100' }));

  it("on Microsoft's sample with a mobile column added: the office phone is mapped as work, the mobile left out with a note", async () => {
    const result = autoMap(headers, { sample: rows });
    expect(result.placements.filter((p) => p.path.startsWith('phoneNumbers'))).toEqual([
      { header: 'OfficePhone', path: 'phoneNumbers[type eq "work"].value', confidence: 'synonym' },
    ]);
    expect(result.unplaced).toContain('Mobile Phone');
    expect(result.notes.some((n) => n.includes('“Mobile Phone” looks like a mobile number'))).toBe(true);
    const user = (await evaluateWithStandins(result.profile.mapping, rows[0]!)) as ScimUser;
    for (const list of ['emails', 'phoneNumbers', 'addresses'] as const) {
      for (const entry of (user[list] as Record<string, unknown>[] | undefined) ?? []) expect(entry.type, list).toBe('work');
    }
    expect(notWork(validateUser(user, result.profile, ctx))).toEqual([]);
  });
});
