/**
 * Test-only stand-ins for the scimport JSONata helper functions ($str, $bool, $entraDate) so the
 * auto-map and CSV2SCIM-import tests can evaluate generated mappings with plain `jsonata` while the real
 * helper library is written in parallel. They cover only the inputs these tests use; the tests assert
 * the generated expression text separately, so nothing here stands in for the real functions' behaviour.
 */
import jsonata from 'jsonata';

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return v instanceof Date ? v.toISOString() : String(v);
}

function bool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  const t = String(v).trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 'active'].includes(t)) return true;
  if (['false', 'no', 'n', '0', 'inactive'].includes(t)) return false;
  throw new Error(`stand-in $bool cannot read ${t}`);
}

function entraDate(v: unknown, pattern?: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  const t = String(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(t);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}T00:00:00Z`;
  const dmy = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(t);
  if (dmy && pattern) {
    const [a, b] = [dmy[1]?.padStart(2, '0'), dmy[2]?.padStart(2, '0')];
    const [day, month] = /^d/.test(pattern) ? [a, b] : [b, a];
    return `${dmy[3]}-${month}-${day}T00:00:00Z`;
  }
  throw new Error(`stand-in $entraDate cannot read ${t}`);
}

export const STANDIN_BINDINGS = { str, bool, entraDate } as const;

/** Compiles `mapping` with plain jsonata and evaluates it on `row` with the stand-ins bound. */
export async function evaluateWithStandins(mapping: string, row: Record<string, unknown>): Promise<unknown> {
  return jsonata(mapping).evaluate(row, STANDIN_BINDINGS);
}

/** What the row readers hand to a mapping: empty cells are absent. */
export function withoutEmptyCells(row: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v.trim() !== ''));
}
