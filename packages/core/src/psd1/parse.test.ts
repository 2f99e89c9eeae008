import { describe, expect, it } from 'vitest';
import { isCoreError } from '../errors';
import { parsePsd1, type Psd1Value } from './parse';

/** The tree without positions and source text, for readable expectations. */
function plain(v: Psd1Value): unknown {
  switch (v.type) {
    case 'hashtable':
      return Object.fromEntries(v.entries.map((e) => [e.key, plain(e.value)]));
    case 'array':
      return v.items.map(plain);
    case 'scriptblock':
      return { script: v.body };
    case 'null':
      return null;
    default:
      return v.value;
  }
}

function syntaxError(text: string, file?: string): { message: string; row?: number; column?: string } {
  try {
    parsePsd1(text, file);
  } catch (err) {
    if (!isCoreError(err) || err.code !== 'PSD1_SYNTAX') throw err;
    return { message: err.message, row: err.location.row, column: err.location.column };
  }
  throw new Error('expected a PSD1_SYNTAX error');
}

describe('parsePsd1', () => {
  it('reads tables, lists, strings, numbers, booleans, null and script blocks', () => {
    const tree = parsePsd1(`
# CSV2SCIM mapping
<# a block
   comment #>
@{
    externalId = 'WorkerID'          # trailing comment
    'quoted key' = "double ""quoted"" with a \`ttab"
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" = @{ employeeNumber = 'WorkerID'; costCenter = 'CC' }
    list = @(
        @{ type = { 'work' }; value = 'OfficePhone' }
        'a', 'b'
    )
    inline = 'x', 'y'
    count = 42; ratio = -1.5; hex = 0x1F
    yes = $TRUE; no = $false; none = $null
    it = 'O''Brien'
    nested = { if ($_.A -eq '}') { 'brace' } } # braces inside strings do not end the block
}
`);
    expect(plain(tree)).toEqual({
      externalId: 'WorkerID',
      'quoted key': 'double "quoted" with a \ttab',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: 'WorkerID', costCenter: 'CC' },
      list: [{ type: { script: " 'work' " }, value: 'OfficePhone' }, 'a', 'b'],
      inline: ['x', 'y'],
      count: 42,
      ratio: -1.5,
      hex: 31,
      yes: true,
      no: false,
      none: null,
      it: "O'Brien",
      nested: { script: " if ($_.A -eq '}') { 'brace' } " },
    });
  });

  it('keeps positions and the original text of each value', () => {
    const tree = parsePsd1("@{\n  a = 'x'\n  active = { $_.'WorkerStatus' -eq 'Active' }\n}");
    if (tree.type !== 'hashtable') throw new Error('expected a table');
    const [, active] = tree.entries;
    expect(active?.keyAt).toEqual({ line: 3, column: 3 });
    expect(active?.value.at).toEqual({ line: 3, column: 12 });
    expect(active?.value.source).toBe("{ $_.'WorkerStatus' -eq 'Active' }");
  });

  it('accepts typographic quotes pasted from Word, a BOM, CRLF line ends and line continuations', () => {
    const tree = parsePsd1("\uFEFF@{\r\n  a = \u2018WorkerID\u2019\r\n  b = \u201cFull Name\u201d\r\n  c = `\r\n 'x'\r\n}\r\n");
    expect(plain(tree)).toEqual({ a: 'WorkerID', b: 'Full Name', c: 'x' });
  });

  it('marks double-quoted strings PowerShell would expand', () => {
    const tree = parsePsd1('@{ a = "$name"; b = "cost `$5"; c = "$(1)" }');
    if (tree.type !== 'hashtable') throw new Error('expected a table');
    expect(tree.entries.map((e) => (e.value.type === 'string' ? e.value.expandable : undefined))).toEqual([true, false, true]);
  });

  it('reports syntax errors with file, line and column and what to do', () => {
    expect(syntaxError("@{\n  externalId 'WorkerID'\n}", 'Mapping.psd1')).toEqual({
      message: 'Mapping.psd1, line 2, column 14: expected \'=\' after the key "externalId" but found "\'". Write entries as key = \'value\'.',
      row: 2,
      column: '14',
    });
    expect(syntaxError("@{\n  a = 'x\n}")).toMatchObject({ row: 2, column: '7', message: expect.stringContaining('never closed') });
    expect(syntaxError("@{\n  a = @{ b = 'x'\n")).toMatchObject({ row: 2, column: '7', message: expect.stringContaining('@{ is never closed') });
    expect(syntaxError("@{\n  a = { $_.X -eq 'y'\n")).toMatchObject({ row: 2, column: '7', message: expect.stringContaining('script block is never closed') });
    // The } meant for the table closes the script block instead; the error then points at the table.
    expect(syntaxError("@{\n  a = { $_.X -eq 'y'\n}")).toMatchObject({ row: 1, column: '1', message: expect.stringContaining('@{ is never closed') });
    expect(syntaxError("@{ a = 'x' 'y' }")).toMatchObject({ row: 1, column: '12', message: expect.stringContaining('after the value of "a"') });
    expect(syntaxError('@{ a = WorkerID }')).toMatchObject({ row: 1, column: '8', message: "The .psd1 file, line 1, column 8: the value WorkerID is not in quotes. Write a column name in quotes, like 'WorkerID'." });
    expect(syntaxError('@{ a = $env:USERNAME }')).toMatchObject({ column: '8', message: expect.stringContaining('variables cannot be used') });
    expect(syntaxError("@{\n a = 'x'\n A = 'y'\n}")).toMatchObject({ row: 3, column: '2', message: expect.stringContaining('appears twice') });
    expect(syntaxError("@{ a = 'x' }\n}")).toMatchObject({ row: 2, column: '1', message: expect.stringContaining('after the end of the mapping') });
    expect(syntaxError('@{ a = }')).toMatchObject({ message: expect.stringContaining('a value is missing') });
    expect(syntaxError('  # only a comment\n')).toMatchObject({ message: expect.stringContaining('the file is empty') });
    expect(syntaxError("@{ <# open comment\n a = 'x' }")).toMatchObject({ row: 1, column: '4', message: expect.stringContaining('<# comment is never closed') });
  });

  it('never throws anything but a CoreError on hostile input', () => {
    const inputs = ['@', '@{', '@(', '{', '"', "'", '@{ = }', '@{ a = @( @{ } ', '@{ a = 1e }', '\u0000', '@{ a = [x] }', '}'.repeat(10)];
    for (const input of inputs) {
      try {
        parsePsd1(input);
      } catch (err) {
        expect(isCoreError(err), `input ${JSON.stringify(input)}`).toBe(true);
      }
    }
  });
});
