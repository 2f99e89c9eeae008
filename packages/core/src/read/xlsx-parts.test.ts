import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { readSharedStrings } from './xlsx-parts';
import { LimitExceeded } from './xlsx-limits';

/** A part as the zip layer hands it over: bytes, cut into chunks of `size` (a character may be split). */
function part(xml: string, size: number): Readable {
  const bytes = Buffer.from(xml, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

const TABLE = [
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n',
  '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">',
  '<si><t>Zoë Müller</t></si>',
  // Rich text: the runs joined, their formatting ignored.
  '<si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r></si>',
  // A phonetic guide (Japanese furigana) is not part of the value.
  '<si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh><phoneticPr fontId="1"/></si>',
  '<si><t>a &amp; b &lt;c&gt; &#233;\r\nline</t></si>',
  '<si><t/></si>',
  '<x:si xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:t>prefixed</x:t></x:si>',
  // Plain entries, as nearly every writer stores them (read without the scanner when they fit in one chunk).
  '<si><t>EMP100001</t></si><si><t xml:space="preserve">  padded  </t></si><si><t>a > b</t></si>',
  '<!-- <si><t>in a comment</t></si> -->\n  <si><t>after a comment and a line break</t></si>',
  '<si><t></t></si><si><t>last</t></si>',
  '</sst>',
].join('');

describe('readSharedStrings', () => {
  it('reads every entry as its plain text: runs joined, phonetic guides left out, entities and line ends decoded', async () => {
    const expected = ['Zoë Müller', 'Bold and plain', '山田', 'a & b <c> é\nline', '', 'prefixed', 'EMP100001', '  padded  ', 'a > b', 'after a comment and a line break', '', 'last'];
    expect(await readSharedStrings(part(TABLE, 1 << 16))).toEqual(expected);
    // The same whatever the chunks: tags, entities and multi-byte characters cut in two.
    for (const size of [1, 2, 3, 7, 64, 100, 333]) expect(await readSharedStrings(part(TABLE, size))).toEqual(expected);
  });

  it('reads an indented table as the same table', async () => {
    const indented = TABLE.replaceAll('<si>', '\n  <si>').replace('</sst>', '\n</sst>');
    for (const size of [5, 64, 1 << 16]) expect(await readSharedStrings(part(indented, size))).toEqual(await readSharedStrings(part(TABLE, 1 << 16)));
  });

  it('refuses an entry longer than an Excel cell can hold, and a damaged table', async () => {
    const long = `<sst><si><t>${'x'.repeat(20_000)}</t><t>${'y'.repeat(20_000)}</t></si></sst>`;
    await expect(readSharedStrings(part(long, 4096))).rejects.toBeInstanceOf(LimitExceeded);
    await expect(readSharedStrings(part('<sst><si><t>cut off', 4096))).rejects.toThrow();
    await expect(readSharedStrings(part('<sst><si><t>x</si></t></sst>', 4096))).rejects.toThrow();
    // A plain entry after the root element is no part of the table.
    await expect(readSharedStrings(part('<sst></sst><si><t>x</t></si>', 4096))).rejects.toThrow();
    await expect(readSharedStrings(part(`<sst><si><t>${'z'.repeat(40_000)}</t></si></sst>`, 1 << 20))).rejects.toBeInstanceOf(LimitExceeded);
  });
});
