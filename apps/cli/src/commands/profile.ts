import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { autoMap, importPsd1, loadProfile, openTable, runProfileTests, saveProfile, CoreError } from '@scimport/core';
import type { CliIo } from '../io';
import { EXIT } from '../errors';
import { plural } from '../format';

const SAMPLE_ROWS = 20;

/** `scimport profile init <input> --out p.json`: propose a profile from the file's headers. */
export async function profileInitCommand(io: CliIo, args: { input: string; out: string; sheet?: string; headerRow?: number; json?: boolean }): Promise<number> {
  const sheet = args.sheet === undefined ? undefined : /^\d+$/.test(args.sheet) ? Number(args.sheet) : args.sheet;
  const table = await openTable(resolve(io.cwd, args.input), {
    ...(sheet !== undefined ? { sheet } : {}),
    ...(args.headerRow !== undefined ? { headerRow: args.headerRow } : {}),
  });
  const sample: Record<string, unknown>[] = [];
  try {
    for await (const row of table.rows()) {
      sample.push(row.values);
      if (sample.length >= SAMPLE_ROWS) break;
    }
  } finally {
    await table.close();
  }
  const result = autoMap(
    table.columns.map((c) => c.header),
    { name: `Auto-mapped from ${basename(args.input)}`, sample },
  );
  const profile = {
    ...result.profile,
    input: {
      ...result.profile.input,
      ...(table.sheet ? { sheet: table.sheet } : {}),
      headerRow: table.headerRow,
    },
  };
  const out = resolve(io.cwd, args.out);
  await saveProfile(out, profile);
  if (args.json) {
    io.out(JSON.stringify({ out, placements: result.placements, unplaced: result.unplaced, missingRequired: result.missingRequired }, null, 2) + '\n');
  } else {
    io.out(`Wrote ${out}: placed ${plural(result.placements.length, 'column')}.\n`);
    for (const p of result.placements) io.out(`  ${p.header} → ${p.path}${p.confidence === 'fuzzy' ? ' (guess, please check)' : ''}\n`);
    if (result.unplaced.length) io.out(`Not placed (add them to the mapping if they matter): ${result.unplaced.join(', ')}\n`);
    if (result.missingRequired.length) io.out(`Missing, needed by Entra: ${result.missingRequired.join(', ')} — edit the mapping before uploading.\n`);
  }
  return EXIT.OK;
}

/** `scimport profile import-psd1 <file> --out p.json`: migrate a CSV2SCIM attribute mapping. */
export async function profileImportPsd1Command(io: CliIo, args: { file: string; out: string; name?: string; json?: boolean }): Promise<number> {
  const path = resolve(io.cwd, args.file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CoreError('FILE_NOT_FOUND', `${args.file}: cannot read this file. Check the path.`, { location: { file: args.file } });
  }
  const result = importPsd1(text, { name: args.name ?? basename(args.file).replace(/\.psd1$/i, ''), file: basename(args.file) });
  const out = resolve(io.cwd, args.out);
  await saveProfile(out, result.profile);
  if (args.json) {
    io.out(JSON.stringify({ out, untranslated: result.untranslated }, null, 2) + '\n');
  } else {
    io.out(`Wrote ${out}.\n`);
    if (result.untranslated.length === 0) io.out('Every attribute was translated.\n');
    for (const u of result.untranslated) io.out(`  not translated: ${u.key} = ${u.source} (${u.reason})\n`);
  }
  return EXIT.OK;
}

/** `scimport profile test <p.json>`: run the profile's own sample rows through its mapping. */
export async function profileTestCommand(io: CliIo, args: { profile: string; json?: boolean }): Promise<number> {
  const profile = await loadProfile(resolve(io.cwd, args.profile));
  const results = await runProfileTests(profile);
  const failed = results.filter((r) => !r.passed);
  if (args.json) {
    io.out(JSON.stringify(results, null, 2) + '\n');
  } else {
    for (const r of results) {
      io.out(`${r.passed ? 'pass' : 'FAIL'}  ${r.name}\n`);
      if (r.error) io.out(`      ${r.error}\n`);
      for (const d of r.differences) io.out(`      ${d}\n`);
    }
    io.out(results.length === 0 ? 'This profile has no tests.\n' : `${plural(results.length - failed.length, 'test')} passed, ${failed.length} failed.\n`);
  }
  return failed.length > 0 ? EXIT.FINDINGS : EXIT.OK;
}
