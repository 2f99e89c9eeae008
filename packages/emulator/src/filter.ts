import type { ProvisioningLogEntry } from './types';

type Op = 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt';
export type LogPredicate = (entry: ProvisioningLogEntry) => boolean;

const STRING_FIELDS: Record<string, (e: ProvisioningLogEntry) => string | undefined> = {
  id: (e) => e.id,
  tenantid: (e) => e.tenantId,
  jobid: (e) => e.jobId,
  cycleid: (e) => e.cycleId,
  changeid: (e) => e.changeId,
  'sourceidentity/id': (e) => e.sourceIdentity.id,
  'sourceidentity/displayname': (e) => e.sourceIdentity.displayName,
  'targetidentity/id': (e) => e.targetIdentity.id,
  'targetidentity/displayname': (e) => e.targetIdentity.displayName,
  'serviceprincipal/id': (e) => e.servicePrincipal.id,
  'serviceprincipal/displayname': (e) => e.servicePrincipal.displayName,
  'initiatedby/displayname': (e) => e.initiatedBy?.displayName,
  'sourcesystem/displayname': (e) => e.sourceSystem?.displayName,
  'targetsystem/displayname': (e) => e.targetSystem?.displayName,
  'statusinfo/status': (e) => e.provisioningStatusInfo.status,
  'provisioningstatusinfo/status': (e) => e.provisioningStatusInfo.status,
  'provisioningstatusinfo/errorinformation/errorcode': (e) => e.provisioningStatusInfo.errorInformation?.errorCode,
  provisioningaction: (e) => e.provisioningAction,
};

export const SUPPORTED_FILTER_FIELDS = [...Object.keys(STRING_FIELDS), 'activityDateTime'];

/**
 * Parse the OData `$filter` Graph's provisioning logs support: clauses `field eq 'value'`, `contains(field,'value')`
 * and `activityDateTime gt|lt|eq <date-time>` joined by `and` (ne, ge, le are kept for older clients). Property names
 * are read in any case; values compare case-sensitively, as the provisioningObjectSummary page says they do.
 * Source: Graph reference provisioningobjectsummary (Properties: "Supports $filter (eq, contains)", "(eq, gt, lt)").
 * Throws a plain Error with a message fit for the 400 reply.
 */
export function parseLogFilter(filter: string): LogPredicate {
  const tokens = tokenize(filter);
  const clauses: LogPredicate[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (tokens[i]?.toLowerCase() === 'contains' && tokens[i + 1] === '(') {
      const field = tokens[i + 2];
      const value = tokens[i + 4];
      if (field === undefined || tokens[i + 3] !== ',' || value === undefined || tokens[i + 5] !== ')') {
        throw new Error(`Invalid $filter near '${tokens.slice(i).join(' ')}': expected contains(<property>,'<text>').`);
      }
      clauses.push(containsClause(field, value));
      i += 6;
    } else {
      const field = tokens[i];
      const op = tokens[i + 1]?.toLowerCase();
      const value = tokens[i + 2];
      if (field === undefined || op === undefined || value === undefined) {
        throw new Error(`Invalid $filter near '${tokens.slice(i).join(' ')}': expected "<property> <operator> <value>" or contains(<property>,'<text>').`);
      }
      if (!['eq', 'ne', 'ge', 'gt', 'le', 'lt'].includes(op)) throw new Error(`Invalid $filter: operator '${op}' is not supported (eq, gt, lt, contains()).`);
      clauses.push(clause(field, op as Op, value));
      i += 3;
    }
    if (i < tokens.length) {
      if (tokens[i]?.toLowerCase() !== 'and') throw new Error(`Invalid $filter: only 'and' may join clauses (found '${tokens[i]}').`);
      i += 1;
      if (i >= tokens.length) throw new Error("Invalid $filter: a clause must follow 'and'.");
    }
  }
  return (entry) => clauses.every((c) => c(entry));
}

function stringField(field: string): (e: ProvisioningLogEntry) => string | undefined {
  const get = STRING_FIELDS[field.toLowerCase()];
  if (!get) throw new Error(`Invalid $filter: property '${field}' is not supported; use one of ${SUPPORTED_FILTER_FIELDS.join(', ')}.`);
  return get;
}

function containsClause(field: string, raw: string): LogPredicate {
  const get = stringField(field);
  if (!raw.startsWith("'")) throw new Error(`Invalid $filter: the text in contains(${field}, …) must be quoted ('...').`);
  const want = unquote(raw);
  return (e) => (get(e) ?? '').includes(want);
}

function clause(field: string, op: Op, raw: string): LogPredicate {
  const key = field.toLowerCase();
  if (key === 'activitydatetime') {
    const text = unquote(raw);
    const at = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at)) {
      throw new Error(`Invalid $filter: '${raw}' is not a date-time like 2026-01-31T00:00:00Z.`);
    }
    return (e) => compare(Date.parse(e.activityDateTime) - at, op);
  }
  const get = stringField(field);
  if (!raw.startsWith("'")) throw new Error(`Invalid $filter: the value of ${field} must be quoted ('...').`);
  if (op !== 'eq' && op !== 'ne') throw new Error(`Invalid $filter: ${field} supports only eq and contains().`);
  const want = unquote(raw);
  return (e) => ((get(e) ?? '') === want) === (op === 'eq');
}

/**
 * `$orderby`: Graph documents it for activityDateTime. Returns 'desc' (newest first, also the default) or 'asc'.
 */
export function parseOrderBy(text: string | null): 'asc' | 'desc' {
  if (text === null || text.trim() === '') return 'desc';
  const match = /^\s*activityDateTime(?:\s+(asc|desc))?\s*$/i.exec(text);
  if (!match) throw new Error(`Invalid $orderby '${text}': the provisioning logs sort only by activityDateTime (asc or desc).`);
  return (match[1]?.toLowerCase() as 'asc' | 'desc' | undefined) ?? 'asc';
}

function compare(diff: number, op: Op): boolean {
  switch (op) {
    case 'eq': return diff === 0;
    case 'ne': return diff !== 0;
    case 'ge': return diff >= 0;
    case 'gt': return diff > 0;
    case 'le': return diff <= 0;
    case 'lt': return diff < 0;
  }
}

function unquote(raw: string): string {
  return raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) { i += 1; continue; }
    if (ch === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Error('Invalid $filter: a quoted value is not closed.');
        if (text[j] === "'") {
          if (text[j + 1] === "'") { j += 2; continue; }
          break;
        }
        j += 1;
      }
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push(ch);
      i += 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s(),']/.test(text[j] as string)) j += 1;
    tokens.push(text.slice(i, j));
    i = j;
  }
  return tokens;
}
