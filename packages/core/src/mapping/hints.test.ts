import { describe, expect, it } from 'vitest';
import { mappingHints, type MappingHint } from './hints';

const HEADERS = ['WorkerID', 'WorkerStatus', 'First Name', 'LastName', 'Email', 'HireDate'];
const only = (text: string): MappingHint => {
  const hints = mappingHints(text, HEADERS);
  expect(hints).toHaveLength(1);
  return hints[0] as MappingHint;
};
const apply = (text: string, h: MappingHint): string => text.slice(0, h.from) + (h.replacement ?? '') + text.slice(h.to);

describe('mappingHints', () => {
  it('finds nothing wrong in a good mapping', () => {
    expect(mappingHints("{ \"userName\": Email, \"active\": WorkerStatus = 'Active', \"x\": $upn(`First Name`, LastName, 'contoso.com') }", HEADERS)).toEqual([]);
  });

  it('names a column that is not in the file and suggests the closest', () => {
    const text = '{ "externalId": WorkerId }';
    const h = only(text);
    expect(h).toMatchObject({ code: 'column.unknown', replacement: 'WorkerID', message: 'There is no column “WorkerId” in this file. Did you mean “WorkerID”?' });
    expect(text.slice(h.from, h.to)).toBe('WorkerId');
    expect(mappingHints(apply(text, h), HEADERS)).toEqual([]);
  });

  it('underlines a back-quoted column whole', () => {
    const text = '{ "givenName": `Frist Name` }';
    const h = only(text);
    expect(text.slice(h.from, h.to)).toBe('`Frist Name`');
    expect(h.replacement).toBe('`First Name`');
  });

  it('says that a header in single quotes is text, and offers the back-quoted column', () => {
    const text = "{ \"givenName\": 'First Name', \"active\": WorkerStatus = 'Active' }";
    const h = only(text);
    expect(h).toMatchObject({ code: 'text.singleQuoted', severity: 'warning', replacement: '`First Name`' });
    expect(h.message).toContain('every person would get the words “First Name”');
    expect(text.slice(h.from, h.to)).toBe("'First Name'");
  });

  it('suggests a known function for a misspelt one', () => {
    const text = '{ "displayName": $titel(LastName) }';
    const h = only(text);
    expect(h).toMatchObject({ code: 'function.unknown', replacement: '$title' });
    expect(text.slice(h.from, h.to)).toBe('$titel');
  });

  it('translates Excel habits', () => {
    const concat = '{ "displayName": =CONCATENATE(`First Name`, " ", LastName) }';
    const hints = mappingHints(concat, HEADERS);
    expect(hints.map((h) => h.code)).toEqual(['excel.leadingEquals', 'excel.concatenate']);
    expect(hints[1]?.replacement).toBe("`First Name` & ' ' & LastName");
    const fixed = apply(apply(concat, hints[1] as MappingHint), hints[0] as MappingHint);
    expect(fixed).toBe("{ \"displayName\": `First Name` & ' ' & LastName }");
    expect(mappingHints(fixed, HEADERS)).toEqual([]);

    expect(mappingHints('{ "a": PROPER(LastName) }', HEADERS)).toMatchObject([{ code: 'excel.function', replacement: '$title' }]);
    expect(mappingHints('{ "a": TEXT(HireDate, "yyyy-mm-dd") }', HEADERS)).toMatchObject([{ code: 'excel.text', replacement: '$entraDate(HireDate)' }]);
    expect(mappingHints('{ "a": IF(WorkerStatus = "Active", true, false) }', HEADERS)).toMatchObject([
      { code: 'excel.if', replacement: 'WorkerStatus = "Active" ? true : false' },
    ]);
    expect(mappingHints("{ \"a\": WorkerStatus <> 'Active' }", HEADERS)).toMatchObject([{ code: 'excel.notEqual', replacement: '!=' }]);
  });

  it('rewrites parser language into what to type', () => {
    const text = '{\n  "userName": Email\n  "externalId": WorkerID\n}';
    const h = only(text);
    expect(h.code).toBe('syntax.missingComma');
    expect(h.message).toBe('A comma is missing before “externalId”: put a comma at the end of the line above.');
    expect(apply(text, h)).toBe('{\n  "userName": Email,\n  "externalId": WorkerID\n}');
    expect(only('{ "userName": , "x": Email }').code).toBe('syntax.emptyValue');
    expect(only('{ "userName": Email').message).toContain('ends too soon');
    expect(only("{ \"userName\": 'abc }").code).toBe('syntax.unclosedText');
  });
});
