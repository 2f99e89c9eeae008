import type { Profile } from '../profile/types';
import { t } from '@scimport/messages';
import { CoreError } from '../errors';
import { SCIM_ENTERPRISE_USER } from '../types';
import { bin, call, col, exprNode, printMapping, str, type Expr, type MapEntry, type MapNode } from './jsonata-text';
import { editDistance, normaliseHeader } from './normalise';
import { EMPLOYEE_NUMBER_PATH, NEAR_MISSES, SCIMPORT_EXTENSION, SLOTS, type Slot, type SlotId } from './synonyms';

/** One header placed on one SCIM attribute. */
export interface AutoMapPlacement {
  header: string;
  /** SCIM path, e.g. `name.givenName`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department`. */
  path: string;
  /** `exact`: the header is the attribute's own name; `synonym`: a known HR-export name; `fuzzy`: a near spelling. */
  confidence: 'exact' | 'synonym' | 'fuzzy';
}

export interface AutoMapResult {
  profile: Profile;
  placements: AutoMapPlacement[];
  /** Headers it could not place, in file order. */
  unplaced: string[];
  /** Required attributes no column was found for: `externalId`, `userName`. */
  missingRequired: string[];
  /** Sentences for the person reviewing the draft: choices made from the sample, columns set aside and why. */
  notes: string[];
}

export interface AutoMapOptions {
  /** Profile name; default `Auto-mapped from <n> columns`. */
  name?: string;
  /** A few rows (keyed by header) used to check guesses: status words, date order, IDs versus names. */
  sample?: Record<string, unknown>[];
}

type Confidence = AutoMapPlacement['confidence'];
const CONFIDENCE_ORDER: Record<Confidence, number> = { exact: 0, synonym: 1, fuzzy: 2 };

/** A slot's rendering, decided while checking the header against the sample. */
type Render = { kind: 'plain' } | { kind: 'active'; expr: (column: string) => Expr } | { kind: 'date'; pattern?: string };

interface Candidate {
  header: string;
  headerIndex: number;
  slot: Slot;
  confidence: Confidence;
  rank: number;
  render: Render;
}

// Words `$bool` understands (and that make a column a yes/no status rather than a list of states).
const BOOL_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n', '1', '0', 'active', 'inactive']);
// A status column is only trusted when one of its values says "active" in some language.
const ACTIVE_WORDS = new Set(['active', 'aktiv', 'actif', 'activo', 'attivo', 'actief']);

/**
 * Drafts a profile from a file's header row: each header is matched (after folding case, spaces,
 * punctuation and accents) against a vocabulary of common HR exports, then near spellings. Each SCIM
 * attribute takes at most one column; a few sample rows, when given, refine guesses (status words, date
 * order) and veto implausible ones (a manager column holding names). The result is a draft to review, not
 * a finished profile: see `notes`, `unplaced` and `missingRequired`.
 */
export function autoMap(headers: string[], options: AutoMapOptions = {}): AutoMapResult {
  if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string')) {
    throw new CoreError('INVALID_ARGUMENT', 'autoMap needs the header row as a list of texts.', {
      location: { field: 'headers' },
    });
  }
  const notes: string[] = [];
  const sample = options.sample ?? [];
  const candidates: Candidate[] = [];
  const seen = new Set<string>();

  headers.forEach((header, headerIndex) => {
    const norm = normaliseHeader(header);
    if (norm === '' || seen.has(header)) return;
    seen.add(header);
    for (const found of matchHeader(header, norm, notes)) {
      const verdict = checkAgainstSample(found.slot.id, header, valuesOf(sample, header));
      if ('reject' in verdict) {
        notes.push(verdict.reject);
        continue;
      }
      if (verdict.note) notes.push(verdict.note);
      candidates.push({ ...found, header, headerIndex, render: verdict.render });
    }
  });

  candidates.sort(
    (a, b) =>
      CONFIDENCE_ORDER[a.confidence] - CONFIDENCE_ORDER[b.confidence] || a.rank - b.rank || a.headerIndex - b.headerIndex,
  );
  const bySlot = new Map<SlotId, Candidate>();
  const usedHeaders = new Set<string>();
  for (const c of candidates) {
    if (bySlot.has(c.slot.id) || usedHeaders.has(c.header)) continue;
    bySlot.set(c.slot.id, c);
    usedHeaders.add(c.header);
  }
  for (const c of candidates) {
    const winner = bySlot.get(c.slot.id);
    if (winner && !usedHeaders.has(c.header) && winner.header !== c.header) {
      notes.push(`"${c.header}" also looks like ${c.slot.path}, which already comes from "${winner.header}"; it was left unplaced.`);
    }
  }

  // A mobile number is recognised (so "Mobile" is never taken for the office phone) but never proposed: Entra
  // processes only work-type phone numbers and ignores the rest (entra-docs inbound-provisioning-api-issues).
  const mobile = bySlot.get('mobilePhone');
  if (mobile) {
    bySlot.delete('mobilePhone');
    usedHeaders.delete(mobile.header);
    notes.push(t('mapping.automap.notWork', { header: mobile.header }));
  }

  const placements: AutoMapPlacement[] = [...bySlot.values()].map((c) => ({
    header: c.header,
    path: c.slot.path,
    confidence: c.confidence,
  }));

  // Without a UPN-like column, the work email is the usual sign-in name (Entra's own default maps mail to
  // userPrincipalName): a person then starts from a mapping that sends, and the note says what was chosen.
  const emailSlot = bySlot.get('email');
  const userNameSlot = SLOTS.find((s) => s.id === 'userName');
  if (!bySlot.has('userName') && emailSlot && userNameSlot) {
    bySlot.set('userName', { ...emailSlot, slot: userNameSlot });
    placements.push({ header: emailSlot.header, path: userNameSlot.path, confidence: emailSlot.confidence });
    notes.push(t('mapping.automap.emailAsSignIn', { header: emailSlot.header }));
  }

  // employeeNumber is the same identifier as externalId in every export seen, unless the file has a
  // column named after the attribute itself (as CSV2SCIM's sample files do).
  let employeeNumberHeader: string | undefined;
  const ownColumn = headers.find((h) => normaliseHeader(h) === 'employeenumber' && !usedHeaders.has(h));
  const externalId = bySlot.get('externalId');
  if (ownColumn !== undefined) {
    employeeNumberHeader = ownColumn;
    usedHeaders.add(ownColumn);
    placements.push({ header: ownColumn, path: EMPLOYEE_NUMBER_PATH, confidence: 'exact' });
  } else if (externalId) {
    employeeNumberHeader = externalId.header;
    placements.push({ header: externalId.header, path: EMPLOYEE_NUMBER_PATH, confidence: externalId.confidence });
  }

  const headerOrder = new Map(headers.map((h, i) => [h, i] as const));
  placements.sort((a, b) => (headerOrder.get(a.header) ?? 0) - (headerOrder.get(b.header) ?? 0));

  const unplaced = headers.filter((h, i) => !usedHeaders.has(h) || headers.indexOf(h) !== i);
  const missingRequired = (['externalId', 'userName'] as const).filter((id) => !bySlot.has(id));
  for (const id of missingRequired) {
    notes.push(
      id === 'externalId'
        ? 'No column looks like the employee ID; choose the column that identifies each person for externalId before uploading.'
        : 'No column looks like the user name (UPN); map userName, or let Entra build it from the provisioning job\'s expression.',
    );
  }

  const { root, usesExtension } = buildTree(bySlot, employeeNumberHeader);
  const profile: Profile = {
    name: options.name ?? `Auto-mapped from ${headers.length} columns`,
    version: 1,
    mapping: printMapping(root),
    tests: [],
  };
  if (usesExtension) {
    profile.extension = {
      namespace: SCIMPORT_EXTENSION,
      attributes: [{ name: 'hireDate', type: 'dateTime', description: 'Hire date, for Entra\'s employeeHireDate.' }],
    };
  }
  return { profile, placements, unplaced, missingRequired, notes };
}

/** Exact or synonym matches, else the single closest fuzzy match (ties are ambiguous and left alone). */
function matchHeader(header: string, norm: string, notes: string[]): Omit<Candidate, 'header' | 'headerIndex' | 'render'>[] {
  const direct: Omit<Candidate, 'header' | 'headerIndex' | 'render'>[] = [];
  for (const slot of SLOTS) {
    const e = slot.exact.indexOf(norm);
    if (e >= 0) direct.push({ slot, confidence: 'exact', rank: e });
    const s = slot.synonyms.indexOf(norm);
    if (s >= 0) direct.push({ slot, confidence: 'synonym', rank: s });
  }
  if (direct.length > 0 || NEAR_MISSES.has(norm) || norm.length < 6) return direct;

  // One typing error for short names, two for long ones: `Frist Name`, `Departmnet`, `Cost Centres`.
  const max = norm.length >= 9 ? 2 : 1;
  let best = max + 1;
  let bestSlots: Slot[] = [];
  for (const slot of SLOTS) {
    for (const form of [...slot.exact, ...slot.synonyms]) {
      if (form.length < 6) continue;
      const d = editDistance(norm, form, max);
      if (d < best) {
        best = d;
        bestSlots = [slot];
      } else if (d === best && d <= max && !bestSlots.includes(slot)) {
        bestSlots.push(slot);
      }
    }
  }
  const [only] = bestSlots;
  if (bestSlots.length === 1 && only) return [{ slot: only, confidence: 'fuzzy', rank: best }];
  if (bestSlots.length > 1) {
    notes.push(`"${header}" is close to both ${bestSlots.map((s) => s.path).join(' and ')}; it was left unplaced.`);
  }
  return [];
}

function valuesOf(sample: Record<string, unknown>[], header: string): unknown[] {
  const out: unknown[] = [];
  for (const row of sample) {
    const v = row?.[header];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) continue;
    out.push(typeof v === 'string' ? v.trim() : v);
  }
  return out;
}

const distinctText = (values: unknown[]): string[] => [...new Set(values.map((v) => String(v)))];
const listed = (values: string[]): string => values.slice(0, 5).join(', ') + (values.length > 5 ? ', …' : '');

type Verdict = { render: Render; note?: string } | { reject: string };

/** Vetoes or refines a match using the sample values of its column. */
function checkAgainstSample(slot: SlotId, header: string, values: unknown[]): Verdict {
  switch (slot) {
    case 'active':
      return activeVerdict(header, values);
    case 'manager':
      if (values.some((v) => typeof v === 'string' && /[\s,]/.test(v))) {
        return {
          reject: `"${header}" holds names (${listed(distinctText(values))}), but manager.value must be the manager's employee ID; it was left unplaced.`,
        };
      }
      return { render: { kind: 'plain' } };
    case 'email':
      if (values.length > 0 && !values.some((v) => typeof v === 'string' && v.includes('@'))) {
        return { reject: `"${header}" has no e-mail addresses in the sample rows; it was not used as the work e-mail.` };
      }
      return { render: { kind: 'plain' } };
    case 'hireDate':
      return dateVerdict(header, values);
    default:
      return { render: { kind: 'plain' } };
  }
}

function activeVerdict(header: string, values: unknown[]): Verdict {
  const boolish = (v: unknown): boolean => typeof v === 'boolean' || BOOL_WORDS.has(String(v).toLowerCase());
  if (values.length === 0 || values.every(boolish)) {
    return { render: { kind: 'active', expr: (c) => call('$bool', col(c)) } };
  }
  const words = distinctText(values);
  const activeSpellings = words.filter((w) => ACTIVE_WORDS.has(w.toLowerCase()));
  const [spelling] = activeSpellings;
  if (spelling === undefined) {
    return {
      reject: `"${header}" has values (${listed(words)}) that do not say whether a person is active; it was not used for active.`,
    };
  }
  const others = words.filter((w) => !activeSpellings.includes(w));
  const caseInsensitive = new Set(activeSpellings).size > 1;
  // Guarded by $exists: a blank status cell must not disable an account, it leaves `active` out instead.
  const expr = (c: string): Expr => ({
    k: 'cond',
    test: call('$exists', col(c)),
    then: caseInsensitive
      ? bin('=', call('$lowercase', col(c)), str(spelling.toLowerCase()))
      : bin('=', col(c), str(spelling)),
  });
  return {
    render: { kind: 'active', expr },
    note: `active: "${header}" = '${spelling}' means active; ${others.length > 0 ? `${listed(others)} and any other value` : 'any other value'} means inactive (the account is disabled).`,
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ].*)?$/;
const DMY = /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$/;
const DMY_SHORT_YEAR = /^\d{1,2}([./-])\d{1,2}\1\d{2}$/;

function dateVerdict(header: string, values: unknown[]): Verdict {
  if (values.length === 0) return { render: { kind: 'date' } };
  const texts = values.filter((v): v is string => typeof v === 'string');
  const looksLikeDate = (v: unknown): boolean =>
    v instanceof Date ||
    (typeof v === 'number' && v > 1000 && v < 80000) ||
    (typeof v === 'string' && (ISO_DATE.test(v) || DMY.test(v) || DMY_SHORT_YEAR.test(v)));
  if (!values.some(looksLikeDate)) {
    return { reject: `"${header}" does not hold dates in the sample rows (${listed(distinctText(values))}); it was not used as the hire date.` };
  }
  const short = texts.find((t) => DMY_SHORT_YEAR.test(t));
  if (short !== undefined) {
    return {
      render: { kind: 'date' },
      note: `hireDate: "${header}" has two-digit years (${short}), which cannot be read safely; export the dates with four-digit years.`,
    };
  }
  const parts = texts.map((t) => DMY.exec(t)).filter((m): m is RegExpExecArray => m !== null);
  const [first] = parts;
  if (first === undefined) return { render: { kind: 'date' } };
  // dd and MM also read single digits, so one pattern covers 1/4/2019 and 01/04/2019.
  const sep = first[2] ?? '/';
  const dayFirst = parts.some((p) => Number(p[1]) > 12);
  const monthFirst = parts.some((p) => Number(p[3]) > 12);
  if (dayFirst && monthFirst) {
    return { reject: `"${header}" mixes day-first and month-first dates in the sample rows; it was not used as the hire date.` };
  }
  // Dotted dates are day-first wherever they are written (de, at, ch, pl, ru, …).
  if (dayFirst || (!monthFirst && sep === '.')) return { render: { kind: 'date', pattern: `dd${sep}MM${sep}yyyy` } };
  if (monthFirst) return { render: { kind: 'date', pattern: `MM${sep}dd${sep}yyyy` } };
  return {
    render: { kind: 'date' },
    note: `hireDate: dates in "${header}" such as ${first[0]} could be day-first or month-first; set the profile's date format before uploading.`,
  };
}

/** Builds the SCIM object tree in the order people expect to read it. */
function buildTree(
  bySlot: Map<SlotId, Candidate>,
  employeeNumberHeader: string | undefined,
): { root: MapNode & { k: 'object' }; usesExtension: boolean } {
  const header = (id: SlotId): string | undefined => bySlot.get(id)?.header;
  // Identifiers and codes go through $str so that a number cell from Excel becomes text, as Entra expects.
  const text = (id: SlotId): MapNode | undefined => {
    const h = header(id);
    return h === undefined ? undefined : exprNode(call('$str', col(h)));
  };
  const plain = (id: SlotId): MapNode | undefined => {
    const h = header(id);
    return h === undefined ? undefined : exprNode(col(h));
  };
  const object = (entries: [string, MapNode | undefined][]): MapNode | undefined => {
    const kept: MapEntry[] = entries.flatMap(([key, node]) => (node ? [{ key, node }] : []));
    return kept.length > 0 ? { k: 'object', entries: kept } : undefined;
  };
  const typed = (type: string, entries: [string, MapNode | undefined][]): MapNode | undefined => {
    if (!entries.some(([, node]) => node)) return undefined;
    return object([['type', exprNode(str(type))], ...entries]);
  };
  const array = (items: (MapNode | undefined)[]): MapNode | undefined => {
    const kept = items.filter((i): i is MapNode => i !== undefined);
    return kept.length > 0 ? { k: 'array', items: kept } : undefined;
  };

  const active = bySlot.get('active');
  const activeNode =
    active && active.render.kind === 'active' ? exprNode(active.render.expr(active.header)) : undefined;
  const hire = bySlot.get('hireDate');
  const hireNode =
    hire === undefined
      ? undefined
      : exprNode(
          hire.render.kind === 'date' && hire.render.pattern
            ? call('$entraDate', col(hire.header), str(hire.render.pattern))
            : call('$entraDate', col(hire.header)),
        );

  const email = header('email');
  const enterprise = object([
    ['employeeNumber', employeeNumberHeader === undefined ? undefined : exprNode(call('$str', col(employeeNumberHeader)))],
    ['costCenter', plain('costCenter')],
    ['organization', plain('organization')],
    ['division', plain('division')],
    ['department', plain('department')],
    ['manager', object([['value', text('manager')]])],
  ]);
  const extension = object([['hireDate', hireNode]]);

  const top: [string, MapNode | undefined, boolean?][] = [
    ['externalId', text('externalId')],
    ['userName', plain('userName')],
    ['active', activeNode],
    ['displayName', plain('displayName')],
    ['name', object([['givenName', plain('givenName')], ['familyName', plain('familyName')], ['middleName', plain('middleName')]])],
    ['title', plain('title')],
    ['userType', plain('userType')],
    ['preferredLanguage', plain('preferredLanguage')],
    [
      'emails',
      email === undefined
        ? undefined
        : array([object([['type', exprNode(str('work'))], ['primary', exprNode({ k: 'bool', value: true })], ['value', plain('email')]])]),
    ],
    ['phoneNumbers', array([typed('work', [['value', text('workPhone')]])])],
    [
      'addresses',
      array([
        typed('work', [
          ['streetAddress', plain('streetAddress')],
          ['locality', plain('locality')],
          ['region', plain('region')],
          ['postalCode', text('postalCode')],
          ['country', plain('country')],
        ]),
      ]),
    ],
    // Never empty in practice (employeeNumber is the externalId column), so a guard would only add noise.
    [SCIM_ENTERPRISE_USER, enterprise, true],
    [SCIMPORT_EXTENSION, extension],
  ];
  const entries: MapEntry[] = top.flatMap(([key, node, noGuard]) => (node ? [{ key, node, ...(noGuard ? { noGuard } : {}) }] : []));
  return { root: { k: 'object', entries }, usesExtension: extension !== undefined };
}
