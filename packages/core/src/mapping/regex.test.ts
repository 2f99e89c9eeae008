import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { isCoreError } from '../errors';
import type { Profile } from '../profile/types';
import type { ColumnInfo, SourceRow } from '../types';
import { compileMapping } from './compile';
import { mapRow } from './map-row';
import { runProfileTests } from './profile-tests';
import { LinearRegExp } from './regex';

const columns: ColumnInfo[] = [{ header: 'Name', letter: 'A', index: 0 }];
const row = (Name: string): SourceRow => ({ origin: { file: 'staff.csv', row: 2 }, values: { Name } });
/** 65 characters that almost match: JavaScript's engine tries 2^64 ways to split the a's before giving up. */
const EVIL_CELL = `${'a'.repeat(64)}!`;

const ENGINES = ['interpreter', 'auto'] as const;

describe('a backtracking pattern', () => {
  for (const engine of ENGINES) {
    it(`maps in milliseconds through compileMapping and mapRow (engine: ${engine})`, async () => {
      const mapping = compileMapping(
        {
          mapping:
            '{ "userName": "u@contoso.com", "externalId": "1", "title": $match(Name, /^(a+)+$/) ? "yes" : "no",' +
            ' "nickName": $replace(Name, /(a|a)+$/, "x"), "displayName": $join($split(Name, /(a*)*b/), "-"),' +
            ' "profileUrl": $contains(Name, /^(a|aa)+$/) ? "y" : "n" }',
        },
        {},
        { engine },
      );
      const started = performance.now();
      const { user, findings } = await mapRow(mapping, row(EVIL_CELL), columns);
      const elapsed = performance.now() - started;
      expect(findings).toEqual([]);
      expect(user).toMatchObject({ title: 'no', nickName: EVIL_CELL, displayName: EVIL_CELL, profileUrl: 'n' });
      expect(elapsed).toBeLessThan(500);
    });
  }

  it('runs in the profile tests without blocking', async () => {
    const profile = {
      name: 'Hostile',
      version: 1,
      mapping: '{ "userName": "u@contoso.com", "externalId": "1", "title": $match(Name, /^(a+)+$/) ? "yes" : "no" }',
      tests: [{ name: 'evil cell', row: { Name: EVIL_CELL }, expect: { userName: 'u@contoso.com', externalId: '1', title: 'no' } }],
    } as unknown as Profile;
    const started = performance.now();
    const results = await runProfileTests(profile);
    expect(performance.now() - started).toBeLessThan(500);
    expect(results.map((r) => r.passed)).toEqual([true]);
  });
});

/** A mapping evaluated by jsonata with JavaScript's own RegExp: the reference for ordinary patterns. */
async function withJavaScriptRegExp(expression: string, input: Record<string, unknown>): Promise<string> {
  return shape(await jsonata(expression).evaluate(input));
}

/** JSON that tells an absent group (`undefined`) from `null`, and ignores jsonata's sequence markers. */
function shape(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v === undefined ? '<undefined>' : v)) ?? '<undefined>';
}

describe('ordinary patterns give JavaScript\'s results', () => {
  const cases: [string, string][] = [
    ['$match(Name, /(\\w+)@(\\w+)\\.com/)', 'ann@contoso.com, bob@fabrikam.com'],
    ['$match(Name, /x(y)?z/)', 'xz xyz'],
    ['$match(Name, /^b/m)', 'a\nb\nbb'],
    ['$match(Name, /ÉLÈVE/i)', 'élève'],
    ['$replace(Name, /\\s+/, " ")', 'Ann\u00a0 Marie\t\u2003Smith'],
    ['$replace(Name, /(\\w+) (\\w+)/, "$2, $1")', 'Ann Smith'],
    ['$replace(Name, /[^A-Za-z0-9.\\-]/, "")', "O'Brien-Smith Jr."],
    ['$replace(Name, /a/i, "o", 2)', 'AaAa'],
    ['$split(Name, /[,;]\\s*/)', 'a, b;c'],
    ['$split(Name, /,/, 2)', 'a,b,c'],
    ['$contains(Name, /^\\d{4}-\\d{2}$/)', '2024-05'],
    ['$contains(Name, /^.$/)', '\r'],
    ['$match(Name, /\\S+/)', 'two\u00a0words'],
    ['$match(Name, /(?<first>[A-Z])[a-z]+/)', 'Ann Bob'],
    ['$replace(Name, /[\\u00C0-\\u017F]/, "_")', 'Zoë Ångström'],
    ['$replace(Name, /\\./, "")', 'a.b.c'],
    ['$match(Name, /😀/)', 'x😀y😀'],
  ];
  for (const [expression, value] of cases) {
    it(expression, async () => {
      const expected = await withJavaScriptRegExp(expression, { Name: value });
      const mapping = compileMapping({ mapping: expression });
      expect(shape(await mapping.evaluate({ Name: value }))).toBe(expected);
    });
  }

  it('keeps jsonata\'s refusal of a pattern that matches the empty text forever', async () => {
    const mapping = compileMapping({ mapping: '$match(Name, /x*/)' });
    await expect(mapping.evaluate({ Name: 'abc' })).rejects.toMatchObject({ code: 'MAPPING_RUNTIME' });
  });
});

describe('what RE2 does not run', () => {
  const refused: [string, string][] = [
    ['$match(Name, /(a)\\1/)', 'a backreference'],
    ['$match(Name, /(?<x>a)\\k<x>/)', 'a backreference'],
    ['$replace(Name, /a(?=b)/, "")', 'a lookahead or lookbehind'],
    ['$replace(Name, /(?<!x)b/, "")', 'a lookahead or lookbehind'],
    ['$contains(Name, /a{1001}/)', 'a repeat count above 1000'],
  ];
  for (const [expression, feature] of refused) {
    it(`refuses ${expression} when the mapping is compiled, with a sentence and a caret`, () => {
      let error: unknown;
      try {
        compileMapping({ mapping: `{ "title": ${expression} }` });
      } catch (err) {
        error = err;
      }
      expect(isCoreError(error)).toBe(true);
      if (!isCoreError(error)) return;
      expect(error.code).toBe('MAPPING_SYNTAX');
      expect(error.message).toContain(`this pattern uses ${feature}`);
      expect(error.message).toContain('which scimport does not run');
      expect(error.message).toMatch(/at line 1, column \d+/);
      // The caret sits under the literal's opening slash.
      expect(`{ "title": ${expression} }`[error.location.position ?? -1]).toBe('/');
    });
  }

  it('refuses such a pattern at run time too when it is built by $eval', async () => {
    const mapping = compileMapping({ mapping: '$eval("$match(\\"aa\\", /(a)\\\\1/)")' });
    await expect(mapping.evaluate({})).rejects.toThrow(/this pattern uses a backreference/);
  });

  it('does not call a `\\1` inside a class a backreference (an octal escape there, which RE2 does not read)', () => {
    expect(() => new LinearRegExp('[\\1]')).toThrow(/cannot run: invalid escape sequence/);
  });
});

describe('LinearRegExp', () => {
  it('follows exec with the global flag: lastIndex moves on, and resets after a miss', () => {
    const re = new LinearRegExp(/o/g);
    expect(re.exec('foo')?.index).toBe(1);
    expect(re.lastIndex).toBe(2);
    expect(re.exec('foo')?.index).toBe(2);
    expect(re.exec('foo')).toBeNull();
    expect(re.lastIndex).toBe(0);
    re.lastIndex = 9;
    expect(re.exec('foo')).toBeNull();
  });

  it('matches the empty text at the end, as JavaScript does', () => {
    const re = new LinearRegExp('$');
    re.lastIndex = 3;
    expect(re.exec('abc')?.index).toBe(3);
  });
});
