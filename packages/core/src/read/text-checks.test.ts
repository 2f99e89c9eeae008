import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { openTable } from './index';
import { csvTable } from './csv';
import { failure, readAll } from './test-support';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimport-text-checks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, bytes: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const JAPANESE = 'Id,Name,Email\r\n1,山田 太郎,taro@contoso.com\r\n2,鈴木 花子,hanako@contoso.com\r\n';

describe('encodings guessed from the bytes', () => {
  it("never reads Shift-JIS '山田 太郎' as Windows-1252: it stops and names the candidates, each with how it reads the name", async () => {
    const path = await file('japanese.csv', iconv.encode(JAPANESE, 'shift_jis'));
    const error = await failure(openTable(path).then(readAll));
    expect(error.code).toBe('ENCODING_UNSUPPORTED');
    expect(error.message).toMatch(/^japanese\.csv: the text encoding could not be told for certain: its first name with non-English letters reads as "山田 太郎" in shift_jis, as "[^"]+" in gbk, as "[^"]+" in big5, as "[^"]+" in euc-kr\. Set "encoding" under "input" in the profile to the one that reads right \(for example "shift_jis"\)/);
    expect(error.message).toContain('Set "encoding" under "input" in the profile');
    expect(error.message).not.toContain('ŽR“c');
    expect(error.details).toContain('shift_jis');

    const rows = await readAll(await openTable(path, { encoding: 'shift_jis' }));
    expect(rows.map((r) => r.values.Name)).toEqual(['山田 太郎', '鈴木 花子']);
  });

  it('detects a GBK or Big5 export when that is the only East Asian encoding that reads it, and asks for one name alone', async () => {
    for (const encoding of ['gbk', 'big5']) {
      const table = await openTable(await file(`${encoding}.csv`, iconv.encode(JAPANESE, encoding)));
      expect(table.encoding).toBe(encoding);
      expect((await readAll(table)).map((r) => r.values.Name)).toEqual(['山田 太郎', '鈴木 花子']);
    }
    const one = await failure(openTable(await file('one-name.csv', iconv.encode('Id,Name\n1,山田 太郎\n', 'gbk'))));
    expect(one.message).toContain('"山田 太郎" in gbk');
  });

  it('still reads a Windows-1252 export of Western names without asking (those bytes make no East Asian words)', async () => {
    const path = await file('latin.csv', iconv.encode('Id,Name\n1,Müller Zoë\n2,José\n3,Ångström\n4,Ærø Søren\n', 'windows-1252'));
    const table = await openTable(path);
    expect(table.encoding).toBe('windows-1252');
    expect((await readAll(table)).map((r) => r.values.Name)).toEqual(['Müller Zoë', 'José', 'Ångström', 'Ærø Søren']);
  });

  it('stops at the line where a file guessed as UTF-8 stops being UTF-8, instead of writing U+FFFD into a name', async () => {
    const head = 'Id,Name\n' + Array.from({ length: 4000 }, (_, i) => `${i + 1},Person ${i + 1}`).join('\n') + '\n';
    const tail = iconv.encode('4001,Müller\n', 'windows-1252');
    const path = await file('mixed.csv', Buffer.concat([Buffer.from(head, 'utf8'), tail]));
    const error = await failure(openTable(path).then(readAll));
    expect(error.code).toBe('ENCODING_UNSUPPORTED');
    expect(error.message).toMatch(/^mixed\.csv, line 4002: this line holds characters that are not utf-8/);
  });

  it('says "this is not a text export" for random bytes named .csv instead of reading hundreds of garbage rows', async () => {
    const error = await failure(openTable(await file('random.csv', randomBytes(64 * 1024))));
    expect(error.code).toBe('FILE_UNREADABLE');
    expect(error.message).toMatch(/^random\.csv is not a text export: [\d,]+ of its first [\d,]+ characters are binary codes/);
  });
});

describe('line ends', () => {
  it('reads a lone CR in an LF file as a line break: no person joins the one before', async () => {
    const table = await csvTable(Readable.from([Buffer.from('Id,Name\n1,Ann\r2,Bob\n3,Cy\n')]), 'lone-cr.csv', {});
    const rows = await readAll(table);
    expect(rows.map((r) => [r.origin.row, r.values.Id, r.values.Name])).toEqual([[2, '1', 'Ann'], [3, '2', 'Bob'], [4, '3', 'Cy']]);
  });

  it('reads a CR-only file (old Mac line ends) row by row, also with a CRLF split across chunks elsewhere', async () => {
    const rows = await readAll(await csvTable(Readable.from([Buffer.from('Id,Name\r1,Ann\r2,Bob\r')]), 'mac.csv', {}));
    expect(rows.map((r) => r.values.Name)).toEqual(['Ann', 'Bob']);
    const split = await readAll(await csvTable(Readable.from([Buffer.from('Id,Name\r'), Buffer.from('\n1,Ann\r'), Buffer.from('\n2,Bob\r\n')]), 'split.csv', {}));
    expect(split.map((r) => [r.origin.row, r.values.Name])).toEqual([[2, 'Ann'], [3, 'Bob']]);
  });
});

describe('paths', () => {
  it('names a loop of symbolic links as such, not as "not found"', async () => {
    const a = join(dir, 'loop-a.csv');
    await symlink(join(dir, 'loop-b.csv'), a);
    await symlink(a, join(dir, 'loop-b.csv'));
    const error = await failure(openTable(a));
    expect(error.message).toMatch(/^loop-a\.csv cannot be opened: .*loop-a\.csv is a shortcut \(symbolic link\) that leads back to itself in a loop\./);
  });
});
