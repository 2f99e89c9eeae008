/**
 * Attribute tables built once from Microsoft's SCIM schema representations (./schemas) and from a
 * profile's custom extension. Validation looks attributes up in these maps instead of running a JSON
 * schema engine per row: a lookup per key keeps 100k users well under a second of validation.
 */
import userSchemaJson from './schemas/User.json' with { type: 'json' };
import enterpriseSchemaJson from './schemas/EnterpriseUser.json' with { type: 'json' };
import type { ProfileExtension } from '../profile/types';
import { SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '../types';

export type ScimType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

export interface AttributeDef {
  /** Name as the schema spells it (the spelling Entra's attribute mapping expects). */
  name: string;
  type: ScimType;
  multiValued: boolean;
  required: boolean;
  mutability: Mutability;
  /** Empty when the schema sets no canonical values. */
  canonicalValues: readonly string[];
  /** Sub-attributes of a complex attribute. */
  sub?: AttributeTable;
  /** Extra plausibility check beyond the SCIM type. */
  format?: 'email';
}

export interface AttributeTable {
  /** The schema URN the table describes (for messages). */
  urn: string;
  byName: ReadonlyMap<string, AttributeDef>;
  /** Lower-cased name → definition, to tell a case slip (`username`) from an unknown name. */
  byLower: ReadonlyMap<string, AttributeDef>;
  names: readonly string[];
}

interface RawAttribute {
  name: string;
  type: string;
  multiValued?: boolean;
  required?: boolean;
  mutability?: string;
  canonicalValues?: readonly string[];
  subAttributes?: readonly RawAttribute[];
}

interface RawSchema {
  id: string;
  attributes: readonly RawAttribute[];
}

const SCIM_TYPES: ReadonlySet<string> = new Set<ScimType>([
  'string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex',
]);
const MUTABILITIES: ReadonlySet<string> = new Set<Mutability>(['readOnly', 'readWrite', 'immutable', 'writeOnly']);

function toDef(raw: RawAttribute, urn: string): AttributeDef {
  // The schema files can be swapped for a newer copy; fail loudly at load time if one is not what we expect.
  if (!SCIM_TYPES.has(raw.type)) throw new Error(`SCIM schema ${urn}: attribute ${raw.name} has unknown type ${raw.type}`);
  const mutability = raw.mutability ?? 'readWrite';
  if (!MUTABILITIES.has(mutability)) throw new Error(`SCIM schema ${urn}: attribute ${raw.name} has unknown mutability ${mutability}`);
  const def: AttributeDef = {
    name: raw.name,
    type: raw.type as ScimType,
    multiValued: raw.multiValued === true,
    required: raw.required === true,
    mutability: mutability as Mutability,
    canonicalValues: raw.canonicalValues ?? [],
  };
  if (raw.subAttributes) def.sub = makeTable(urn, raw.subAttributes.map((s) => toDef(s, urn)));
  return def;
}

export function makeTable(urn: string, defs: readonly AttributeDef[]): AttributeTable {
  const byName = new Map<string, AttributeDef>();
  const byLower = new Map<string, AttributeDef>();
  for (const def of defs) {
    byName.set(def.name, def);
    byLower.set(def.name.toLowerCase(), def);
  }
  return { urn, byName, byLower, names: defs.map((d) => d.name) };
}

function simple(name: string, type: ScimType, mutability: Mutability = 'readWrite'): AttributeDef {
  return { name, type, multiValued: false, required: false, mutability, canonicalValues: [] };
}

function buildCore(): AttributeTable {
  const raw = userSchemaJson as unknown as RawSchema;
  const defs = raw.attributes.map((a) => toDef(a, raw.id));
  const find = (name: string) => defs.find((d) => d.name === name);

  // RFC 7643 §4.1.2 gives addresses a `primary` flag, but the published schema representation (and
  // Microsoft's copy of it) leaves it out; Microsoft's own sample payloads send it.
  const addresses = find('addresses');
  if (addresses?.sub && !addresses.sub.byName.has('primary')) {
    const subs = [...addresses.sub.byName.values(), simple('primary', 'boolean')];
    addresses.sub = makeTable(raw.id, subs);
  }
  const emails = find('emails');
  const emailValue = emails?.sub?.byName.get('value');
  if (emailValue) emailValue.format = 'email';

  // Common attributes (RFC 7643 §3.1) are not part of the User schema representation.
  const meta: AttributeDef = {
    ...simple('meta', 'complex', 'readOnly'),
    sub: makeTable(raw.id, [
      simple('resourceType', 'string', 'readOnly'),
      simple('created', 'dateTime', 'readOnly'),
      simple('lastModified', 'dateTime', 'readOnly'),
      simple('location', 'reference', 'readOnly'),
      simple('version', 'string', 'readOnly'),
    ]),
  };
  const common = [
    simple('id', 'string', 'readOnly'),
    simple('externalId', 'string'),
    { ...simple('schemas', 'reference'), multiValued: true },
    meta,
  ];
  return makeTable(raw.id, [...common, ...defs]);
}

function buildEnterprise(): AttributeTable {
  const raw = enterpriseSchemaJson as unknown as RawSchema;
  return makeTable(raw.id, raw.attributes.map((a) => toDef(a, raw.id)));
}

/** The core User table, including the common attributes `id`, `externalId`, `schemas` and `meta`. */
export const CORE_TABLE: AttributeTable = buildCore();
/** The enterprise extension table. */
export const ENTERPRISE_TABLE: AttributeTable = buildEnterprise();

if (CORE_TABLE.urn !== SCIM_CORE_USER || ENTERPRISE_TABLE.urn !== SCIM_ENTERPRISE_USER) {
  throw new Error('The bundled SCIM schema files do not describe the core User and enterprise User schemas.');
}

const customTables = new WeakMap<ProfileExtension, AttributeTable>();

/**
 * The table of a profile's custom extension, built once per extension object (validation runs per row
 * with the same profile, so the cache turns this into a lookup).
 */
export function customTable(extension: ProfileExtension): AttributeTable {
  let table = customTables.get(extension);
  if (!table) {
    table = makeTable(
      extension.namespace,
      extension.attributes.map((a) => ({
        name: a.name,
        type: a.type,
        multiValued: a.multiValued === true,
        required: a.required === true,
        mutability: 'readWrite',
        canonicalValues: [],
      })),
    );
    customTables.set(extension, table);
  }
  return table;
}
