import { t } from '@scimport/messages';
import type { Finding } from '../types';
import { SCIM_ENTERPRISE_USER } from '../types';

/** A user ready to send: its row, where it sits in the spool, its externalId and its manager's. */
export interface OrderEntry {
  row: number;
  offset: number;
  length: number;
  externalId: string;
  manager: string | undefined;
}

export interface ManagerOrder {
  /** The entries, managers before the people who report to them, otherwise in file order. */
  entries: OrderEntry[];
  /** Warnings for manager chains that loop back on themselves. */
  findings(file: string, sheet: string | undefined): Finding[];
}

/**
 * Entra resolves `manager.value` against users it already holds, so a person sent before their manager
 * loses the reference. Orders users by depth in the reporting tree (people whose manager is not in the
 * upload first, then their reports, and so on), keeping file order within a level. Members of a cycle
 * (A reports to B reports to A) cannot be ordered; they go last and are reported.
 */
export function managerFirstOrder(entries: OrderEntry[]): ManagerOrder {
  // externalIds compare case-insensitively, as the duplicate check does.
  const byId = new Map<string, number>();
  entries.forEach((entry, index) => byId.set(entry.externalId.toLowerCase(), index));
  const UNKNOWN = -1;
  const VISITING = -2;
  const CYCLE = Number.MAX_SAFE_INTEGER;
  const depth = new Array<number>(entries.length).fill(UNKNOWN);
  const inCycle: number[] = [];

  for (let start = 0; start < entries.length; start++) {
    if (depth[start] !== UNKNOWN) continue;
    // Walk up the chain iteratively (chains can be thousands deep), then assign depths on the way back.
    const chain: number[] = [];
    let current: number | undefined = start;
    let base = 0;
    while (current !== undefined) {
      const known: number = depth[current]!;
      if (known === VISITING) {
        base = CYCLE;
        break;
      }
      if (known !== UNKNOWN) {
        base = known === CYCLE ? CYCLE : known + 1;
        break;
      }
      depth[current] = VISITING;
      chain.push(current);
      const manager: string | undefined = entries[current]!.manager;
      const parent: number | undefined = manager === undefined ? undefined : byId.get(manager.toLowerCase());
      current = parent === current ? undefined : parent;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const index = chain[i]!;
      depth[index] = base;
      if (base === CYCLE) inCycle.push(index);
      else base++;
    }
  }

  const ordered = entries.map((entry, index) => ({ entry, depth: depth[index]!, index }));
  ordered.sort((a, b) => a.depth - b.depth || a.index - b.index);
  return {
    entries: ordered.map((o) => o.entry),
    findings(file, sheet) {
      return inCycle
        .sort((a, b) => a - b)
        .map((index) => {
          const entry = entries[index]!;
          return {
            severity: 'warning' as const,
            code: 'manager.cycle',
            message: t('finding.manager.cycle', { id: entry.externalId, manager: entry.manager ?? '' }),
            ...(entry.manager !== undefined ? { value: entry.manager } : {}),
            path: `${SCIM_ENTERPRISE_USER}.manager.value`,
            file,
            ...(sheet ? { sheet } : {}),
            row: entry.row,
          };
        });
    },
  };
}
