import { describe, expect, it } from 'vitest';
import { CoreError } from '../errors';
import type { Profile } from '../profile/types';
import { compileMapping } from './compile';
import { foldForUpn, HELPER_FUNCTIONS, numberToText } from './helpers';

function run(expression: string, input: Record<string, unknown> = {}, profile: Partial<Profile> = {}): Promise<unknown> {
  return compileMapping({ mapping: expression, ...profile }).evaluate(input);
}

async function failure(expression: string, input: Record<string, unknown> = {}, profile: Partial<Profile> = {}): Promise<CoreError> {
  try {
    await run(expression, input, profile);
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error('expected the mapping to fail');
}

describe('$entraDate', () => {
  it('converts ISO text, serials and text in a pattern', async () => {
    expect(await run('$entraDate(D)', { D: '2021-05-01' })).toBe('2021-05-01T00:00:00Z');
    expect(await run('$entraDate(D)', { D: 44317 })).toBe('2021-05-01T00:00:00Z');
    expect(await run("$entraDate(D, 'dd/MM/yyyy')", { D: '01/05/2021' })).toBe('2021-05-01T00:00:00Z');
  });

  it('uses the profile dateFormat by default, and an explicit pattern over it', async () => {
    const input = { dateFormat: 'MM/dd/yyyy' };
    expect(await run('$entraDate(D)', { D: '05/01/2021' }, { input })).toBe('2021-05-01T00:00:00Z');
    expect(await run("$entraDate(D, 'dd/MM/yyyy')", { D: '05/01/2021' }, { input })).toBe('2021-01-05T00:00:00Z');
  });

  it('is absent for empty input and fails loudly on bad dates', async () => {
    expect(await run('$entraDate(Missing)')).toBeUndefined();
    expect(await run('$entraDate(D)', { D: ' ' })).toBeUndefined();
    const err = await failure("$entraDate(D, 'dd/MM/yyyy')", { D: '31/02/2021' });
    expect(err.code).toBe('MAPPING_RUNTIME');
    expect(err.message).toBe('$entraDate: "31/02/2021" is not a real date (read with the pattern dd/MM/yyyy)');
    expect((await failure('$entraDate(D)', { D: 'soon' }, { input: { dateFormat: 'd.M.yyyy' } })).message).toBe(
      '$entraDate: "soon" does not match the date pattern d.M.yyyy',
    );
  });
});

describe('$lookup', () => {
  const lookups = { departments: { S: 'Sales', 'Product Engineering': 'Engineering', '10': 'Ten' }, empty: {} };

  it('finds keys exactly, then ignoring case and spaces; numbers are read as text', async () => {
    expect(await run("$lookup('departments', D)", { D: 'S' }, { lookups })).toBe('Sales');
    expect(await run("$lookup('departments', D)", { D: ' product engineering ' }, { lookups })).toBe('Engineering');
    expect(await run("$lookup('departments', D)", { D: 10 }, { lookups })).toBe('Ten');
  });

  it('gives the default or nothing for missing keys', async () => {
    expect(await run("$lookup('departments', D)", { D: 'X' }, { lookups })).toBeUndefined();
    expect(await run("$lookup('departments', D, 'Other')", { D: 'X' }, { lookups })).toBe('Other');
    expect(await run("$lookup('departments', Missing, 'Other')", {}, { lookups })).toBe('Other');
  });

  it('names the unknown table and the tables that exist', async () => {
    expect((await failure("$lookup('dept', D)", { D: 'S' }, { lookups })).message).toBe(
      '$lookup: there is no lookup table "dept"; the profile has "departments", "empty"',
    );
    expect((await failure("$lookup('dept', D)", { D: 'S' })).message).toMatch(/the profile has no lookup tables/);
  });

  it("still behaves as JSONata's $lookup(object, key)", async () => {
    expect(await run("$lookup({'a': 1, 'b': 2}, 'b')")).toBe(2);
    expect(await run("$lookup($, 'First Name')", { 'First Name': 'Ann' })).toBe('Ann');
    expect(await run("$lookup([{'a': 1}, {'a': 2}, {'b': 3}], 'a')")).toEqual([1, 2]);
  });
});

describe('text helpers', () => {
  it('$title capitalises words, hyphenated parts and name prefixes', async () => {
    expect(await run(`$title("ginnie O'NEIL-SMITH")`)).toBe("Ginnie O'Neil-Smith");
    expect(await run("$title('émile zola')")).toBe('Émile Zola');
    expect(await run(`$title("don't stop")`)).toBe("Don't Stop");
    expect(await run('$title(Missing)')).toBeUndefined();
    expect(await run("$title('')")).toBeUndefined();
  });

  it('$upper and $lower exist beside $uppercase and $lowercase', async () => {
    expect(await run("$upper('Ann') & $lower('LEE')")).toBe('ANNlee');
    expect(await run('$upper(Missing)')).toBeUndefined();
  });

  it('$blank turns empty and blank values into nothing', async () => {
    expect(await run("{'a': $blank('  '), 'b': $blank(''), 'c': $blank(null), 'd': $blank(' x ')}")).toEqual({ d: ' x ' });
    expect(await run('$blank(0)')).toBe(0);
  });

  it('$upn folds accents, removes what a UPN cannot hold and lower-cases', async () => {
    expect(await run("$upn('Renée', 'Groß', 'Contoso.com')")).toBe('renee.gross@contoso.com');
    expect(await run(`$upn('Mary Ann', "O'Brien-Søndergaard", '@contoso.com')`)).toBe("maryann.o'brien-sondergaard@contoso.com");
    expect(await run("$upn('Łukasz', 'Żółć (HR)', 'contoso.com')")).toBe('lukasz.zolchr@contoso.com');
    expect(await run("$upn('', 'Madonna', 'contoso.com')")).toBe('madonna@contoso.com');
    expect(await run("$upn('Ann', 'Lee', Missing)")).toBeUndefined();
    expect(await run("$upn(Missing, ' ', 'contoso.com')")).toBeUndefined();
    expect((await failure("$upn('Ann', 'Lee', 'not a domain')")).message).toBe('$upn: "not a domain" is not a domain name such as contoso.com');
    expect((await failure("$upn('王', '伟', 'contoso.com')")).message).toMatch(/no letters usable in a user name remain of "王" and "伟"/);
    expect((await failure(`$upn('${'a'.repeat(40)}', '${'b'.repeat(30)}', 'contoso.com')`)).message).toMatch(/longer than the 64 characters/);
    expect(foldForUpn('..Æsir..Þór..')).toBe('aesir.thor');
  });

  it('$bool reads yes/no words in any case and refuses anything else', async () => {
    const truthy = ['true', 'Yes', 'Y', '1', 'ACTIVE'];
    const falsy = ['false', 'no', 'n', '0', 'Inactive'];
    for (const v of truthy) expect(await run('$bool(V)', { V: v })).toBe(true);
    for (const v of falsy) expect(await run('$bool(V)', { V: v })).toBe(false);
    // Casings and spaces outside the usual forms take the long way, with the same answers.
    expect(await run('$bool(V)', { V: ' yEs ' })).toBe(true);
    expect(await run('$bool(V)', { V: 'inACTIVE\t' })).toBe(false);
    expect(await run('$bool(V)', { V: 1 })).toBe(true);
    expect(await run('$bool(V)', { V: false })).toBe(false);
    expect(await run('$bool(V)', { V: '' })).toBeUndefined();
    expect(await run('$bool(Missing)')).toBeUndefined();
    const err = await failure('$bool(V)', { V: 'maybe' });
    expect(err.code).toBe('MAPPING_RUNTIME');
    expect(err.message).toBe('$bool: "maybe" is not a yes/no value; use true/false, yes/no, y/n, 1/0 or active/inactive');
  });

  it('$digits keeps leading zeros, pads and refuses non-digits', async () => {
    expect(await run('$digits(V)', { V: '00042' })).toBe('00042');
    expect(await run('$digits(V, 6)', { V: 42 })).toBe('000042');
    expect(await run('$digits(V, 2)', { V: '12345' })).toBe('12345');
    expect(await run('$digits(V)', { V: '1234.0' })).toBe('1234');
    expect(await run('$digits(Missing, 6)')).toBeUndefined();
    expect((await failure('$digits(V)', { V: 'EMP-42' })).message).toBe('$digits: "EMP-42" holds characters other than digits');
    expect((await failure('$digits(V)', { V: 4.5 })).message).toMatch(/4\.5 is not a whole, non-negative number/);
    expect((await failure('$digits(V, 0)', { V: 4 })).message).toMatch(/width 0/);
  });

  it('$str writes whole numbers without ".0" and float noise', async () => {
    expect(await run('$str(V)', { V: 1234 })).toBe('1234');
    expect(await run('$str(V)', { V: 1234.5 })).toBe('1234.5');
    expect(await run('$str(0.1 + 0.2)')).toBe('0.3');
    expect(await run('$str(V)', { V: true })).toBe('true');
    expect(await run('$str(V)', { V: 'EMP1' })).toBe('EMP1');
    expect(await run('$str(V)', { V: '' })).toBeUndefined();
    expect(numberToText(1e21)).toBe('1000000000000000000000');
  });

  it('$pad keeps its JSONata meaning', async () => {
    expect(await run("$pad('7', -3, '0')")).toBe('007');
    expect(await run("$pad('ab', 5)")).toBe('ab   ');
    expect(await run("$pad('ab', 6, '-+')")).toBe('ab-+-+');
    expect(await run("$pad('abcd', 2)")).toBe('abcd');
    expect(await run('$pad(Missing, 2)')).toBeUndefined();
  });
});

describe('HELPER_FUNCTIONS', () => {
  it('documents every helper with its signature', () => {
    expect(HELPER_FUNCTIONS.map((f) => f.name)).toEqual(['$entraDate', '$lookup', '$title', '$upper', '$lower', '$blank', '$upn', '$bool', '$digits', '$str']);
    for (const f of HELPER_FUNCTIONS) {
      expect(f.signature.startsWith(`${f.name}(`)).toBe(true);
      expect(f.description.length).toBeGreaterThan(20);
    }
  });
});
