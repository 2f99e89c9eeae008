/**
 * Profiles: draft one from the open file (auto-map), import a CSV2SCIM .psd1 or a shared profile, load and
 * save. Saving always raises the version and writes atomically; a profile with a secret in it is refused by
 * the core before anything is written.
 */
import { access, mkdir, readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { autoMap, importPsd1, loadProfile, parseProfile, saveProfile, type Profile } from '@scimport/core';
import type { ProfileData, Responses } from '../../shared/contract';
import { fail } from './errors';
import type { RecentStore } from './recent';
import type { TableService } from './tables';

function slug(name: string): string {
  const s = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 60) || 'profile';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** `dir/base.json`, or `dir/base-2.json`, `-3`… when taken: saving a new profile never overwrites another. */
async function freeName(dir: string, base: string): Promise<string> {
  let target = join(dir, `${base}.json`);
  for (let n = 2; await exists(target); n++) target = join(dir, `${base}-${n}.json`);
  return target;
}

export class ProfileService {
  constructor(
    private readonly dataDir: string,
    private readonly tables: TableService,
    private readonly recent: RecentStore,
  ) {}

  get folder(): string {
    return join(this.dataDir, 'profiles');
  }

  autoMap(tableId: string, name?: string): Responses['profile:autoMap'] {
    const table = this.tables.get(tableId);
    const result = autoMap(
      table.columns.map((c) => c.header),
      { name: name ?? `${table.info.file.replace(/\.[^.]+$/, '')} profile`, sample: this.tables.sample(tableId) },
    );
    const input = { ...result.profile.input, ...(table.info.sheet ? { sheet: table.info.sheet } : {}), headerRow: table.info.headerRow };
    return { profile: { ...result.profile, input } as ProfileData, notes: result.notes, unplaced: result.unplaced, missingRequired: result.missingRequired, placements: result.placements };
  }

  importPsd1(text: string, fileName?: string): Responses['profile:importPsd1'] {
    const result = importPsd1(text, fileName ? { file: basename(fileName) } : {});
    return { profile: result.profile as ProfileData, untranslated: result.untranslated };
  }

  parse(text: string, fileName?: string): ProfileData {
    let value: unknown;
    const name = basename(fileName ?? 'profile.json');
    try {
      value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      fail('PROFILE', `${name} is not a profile: it is not JSON. Choose a profile saved by scimport (a .json file), or import a CSV2SCIM .psd1 file instead.`, { file: name });
    }
    return parseProfile(value, name) as ProfileData;
  }

  async load(path: string): Promise<{ profile: ProfileData; path: string }> {
    const profile = await loadProfile(path);
    await this.recent.addProfile(path, profile.name, profile.version);
    return { profile: profile as ProfileData, path };
  }

  /**
   * Saves with the version raised by one. Without a path, into the app's profiles folder under a name made
   * from the profile's name; `saveAs` never overwrites an existing file there (a number is added instead).
   */
  async save(profile: ProfileData, path: string | undefined, saveAs: boolean): Promise<{ profile: ProfileData; path: string }> {
    if (path !== undefined && extname(path).toLowerCase() !== '.json') {
      fail('PROFILE', `Profiles are saved as .json files; ${basename(path)} does not end in .json. Choose a name ending in .json.`, { file: basename(path) });
    }
    let target: string;
    if (path === undefined) target = await freeName(this.folder, slug(profile.name));
    else if (saveAs && (await exists(path))) target = await freeName(dirname(path), slug(basename(path, extname(path))));
    else target = path;
    await mkdir(dirname(target), { recursive: true });
    const saved = await saveProfile(target, profile as unknown as Profile, { bumpVersion: true });
    await this.recent.addProfile(target, saved.name, saved.version);
    return { profile: saved as ProfileData, path: target };
  }

  async list(): Promise<{ path: string; name: string; version: number }[]> {
    let names: string[];
    try {
      names = (await readdir(this.folder)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const out: { path: string; name: string; version: number }[] = [];
    for (const name of names) {
      try {
        const p = await loadProfile(join(this.folder, name));
        out.push({ path: join(this.folder, name), name: p.name, version: p.version });
      } catch {
        // A damaged profile file is listed by the core's error when someone opens it, not here.
      }
    }
    return out;
  }
}
