import { CoreError } from '../errors';
import type { ExtensionAttribute, Profile } from '../profile/types';
import { SCIM_ENTERPRISE_USER } from '../types';
import { col, columnsOfNode, exprNode, printMapping, type MapEntry, type MapNode } from '../automap/jsonata-text';
import { parsePsd1, type Psd1Value } from './parse';
import { translateScriptBlock, Untranslatable } from './scriptblock';

/** A mapping entry the importer could not express in JSONata; nothing was written for its key. */
export interface Psd1Untranslated {
  /** SCIM path of the entry, e.g. `active`, `addresses[0].type`, `urn:…:enterprise:2.0:User.manager.value`. */
  key: string;
  /** The entry's value exactly as written in the .psd1 file. */
  source: string;
  /** Why it was not translated, as a sentence for the person finishing the profile. */
  reason: string;
}

export interface Psd1ImportResult {
  profile: Profile;
  untranslated: Psd1Untranslated[];
}

export interface Psd1ImportOptions {
  /** Profile name; default `Imported from <file>`. */
  name?: string;
  /** File name, for messages and the default profile name. */
  file?: string;
}

// Object guards list every column they read; beyond this many an extension object is left unguarded.
const MAX_GUARD_COLUMNS = 3;

/**
 * Turns a CSV2SCIM attribute mapping (`Import-PowerShellDataFile` format) into a scimport profile.
 * A text value names a column (even when it equals the key, as in `externalId = 'externalId'`); script
 * blocks are translated when they are in the understood subset (see `translateScriptBlock`); nested
 * tables become objects, lists become arrays, the enterprise extension keeps its URN key, and a custom
 * extension URN becomes the profile's extension with its attributes declared as strings (CSV2SCIM's
 * `-UpdateSchema` declares them as strings too). Entries that cannot be translated are left out of the
 * mapping and listed in `untranslated`; the file's syntax errors throw CoreError `PSD1_SYNTAX`.
 */
export function importPsd1(text: string, options: Psd1ImportOptions = {}): Psd1ImportResult {
  const file = options.file;
  const root = parsePsd1(text, file);
  if (root.type !== 'hashtable') {
    const where = `${file ?? 'The .psd1 file'}, line ${root.at.line}, column ${root.at.column}`;
    throw new CoreError('PSD1_SYNTAX', `${where}: a CSV2SCIM mapping is one @{ … } table, not a ${root.type}. Wrap the entries in @{ }.`, {
      location: { ...(file ? { file } : {}), row: root.at.line, column: String(root.at.column) },
    });
  }

  const untranslated: Psd1Untranslated[] = [];
  const skip = (key: string, value: Psd1Value, reason: string): undefined => {
    untranslated.push({ key, source: value.source, reason });
    return undefined;
  };

  const translate = (value: Psd1Value, path: string): MapNode | undefined => {
    switch (value.type) {
      case 'string': {
        if (value.expandable) {
          return skip(path, value, `PowerShell would expand the variables in ${value.source}; write the column name in single quotes.`);
        }
        const name = value.value.trim();
        if (name === '') return skip(path, value, 'The column name is empty; write the name of the column that holds this attribute.');
        return exprNode(col(name));
      }
      case 'scriptblock':
        try {
          return exprNode(translateScriptBlock(value.body).expr);
        } catch (err) {
          if (!(err instanceof Untranslatable)) throw err;
          return skip(path, value, `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}; write this attribute in the JSONata mapping by hand.`);
        }
      case 'hashtable': {
        const entries: MapEntry[] = [];
        for (const e of value.entries) {
          const node = translate(e.value, `${path}.${e.key}`);
          if (node) entries.push({ key: e.key, node });
        }
        return entries.length > 0 ? { k: 'object', entries } : undefined;
      }
      case 'array': {
        const items = value.items.flatMap((item, i) => translate(item, `${path}[${i}]`) ?? []);
        return items.length > 0 ? { k: 'array', items } : undefined;
      }
      default:
        return skip(
          path,
          value,
          `CSV2SCIM reads a column named by this ${value.type === 'number' ? 'number' : 'value'}; write the column name in quotes ('Column'), or a fixed value in a script block ({ 'value' }).`,
        );
    }
  };

  const entries: MapEntry[] = [];
  let extension: { namespace: string; attributes: ExtensionAttribute[] } | undefined;
  for (const entry of root.entries) {
    const isUrn = /^urn:/i.test(entry.key);
    const isEnterprise = entry.key.toLowerCase() === SCIM_ENTERPRISE_USER.toLowerCase();
    const key = isEnterprise ? SCIM_ENTERPRISE_USER : entry.key;
    if (isUrn && entry.value.type !== 'hashtable') {
      skip(key, entry.value, `An extension (${key}) must be a table of attributes: @{ attribute = 'Column' }.`);
      continue;
    }
    if (isUrn && !isEnterprise) {
      if (extension) {
        skip(key, entry.value, `A profile holds one custom extension and ${extension.namespace} came first; move these attributes into it.`);
        continue;
      }
      extension = { namespace: key, attributes: [] };
      const custom: MapEntry[] = [];
      for (const attr of entry.value.type === 'hashtable' ? entry.value.entries : []) {
        const path = `${key}.${attr.key}`;
        if (attr.value.type === 'hashtable' || attr.value.type === 'array') {
          skip(path, attr.value, 'Custom extension attributes hold single values; map this to one column or one script block.');
          continue;
        }
        const node = translate(attr.value, path);
        if (!node) continue;
        custom.push({ key: attr.key, node });
        extension.attributes.push({ name: attr.key, type: 'string' });
      }
      if (custom.length > 0) entries.push(topEntry(key, { k: 'object', entries: custom }));
      continue;
    }
    const node = translate(entry.value, key);
    if (node) entries.push(isUrn ? topEntry(key, node) : { key, node });
  }

  const baseName = file?.split(/[\\/]/).pop();
  const profile: Profile = {
    name: options.name ?? `Imported from ${baseName ?? 'a CSV2SCIM mapping'}`,
    version: 1,
    description: `Translated from the CSV2SCIM attribute mapping${baseName ? ` ${baseName}` : ''}.`,
    mapping: printMapping({ k: 'object', entries }),
    tests: [],
  };
  if (extension && extension.attributes.length > 0) profile.extension = extension;
  return { profile, untranslated };
}

function topEntry(key: string, node: MapNode): MapEntry {
  return columnsOfNode(node).length > MAX_GUARD_COLUMNS ? { key, node, noGuard: true } : { key, node };
}
