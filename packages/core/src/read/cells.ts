/**
 * Turning stored xlsx numbers into what Excel displays: a date format makes a Date, any other non-General
 * format makes the formatted text (so an id formatted `000000` keeps its leading zeros), General stays a
 * number. Decisions are made once per style id and once per format string, never per cell.
 */
import { format as formatNumber, getFormatInfo, isValidFormat } from 'numfmt';

/** What to do with a number stored under some style. */
export type NumberDecision =
  | { kind: 'number' }
  | { kind: 'date' }
  | { kind: 'text'; pattern: string };

const AS_NUMBER: NumberDecision = { kind: 'number' };
const AS_DATE: NumberDecision = { kind: 'date' };

const byPattern = new Map<string, NumberDecision>();

/** The decision for a number format string (cached across workbooks: formats do not change meaning). */
export function decideFormat(pattern: string | undefined): NumberDecision {
  if (pattern === undefined || pattern === '' || pattern === 'General') return AS_NUMBER;
  let decision = byPattern.get(pattern);
  if (decision) return decision;
  if (!isValidFormat(pattern)) {
    // A format numfmt cannot read would render as "######"; the bare number is the honest fallback.
    decision = AS_NUMBER;
  } else {
    const info = getFormatInfo(pattern);
    if (info.type === 'date' || info.type === 'datetime') decision = AS_DATE;
    // Time-only formats ("h:mm", "[h]:mm") have no calendar day; the displayed text is what people mean.
    else if (info.type === 'general' || info.type === 'text') decision = AS_NUMBER;
    else decision = { kind: 'text', pattern };
  }
  byPattern.set(pattern, decision);
  return decision;
}

/** Excel's largest date serial (9999-12-31); beyond it Excel shows ##### rather than a date. */
const MAX_SERIAL = 2958466;

/**
 * A date serial as a UTC Date (midnight UTC for whole days, so 2021-05-01 in a cell becomes
 * 2021-05-01T00:00:00.000Z whatever the machine's time zone). Rounded to the second, as Excel displays.
 * Returns undefined for serials Excel cannot show as a date.
 */
export function serialToDate(serial: number, date1904: boolean): Date | undefined {
  if (!Number.isFinite(serial) || serial < 0 || serial >= MAX_SERIAL) return undefined;
  let days = serial;
  if (date1904) days += 1462;
  // Excel keeps Lotus 1-2-3's non-existent 29 Feb 1900 (serial 60): serials before it sit one day later.
  else if (serial < 60) days += 1;
  return new Date(Math.round((days - 25569) * 86400) * 1000);
}

/** Applies a decision to a stored number. */
export function displayNumber(value: number, decision: NumberDecision, date1904: boolean): string | number | Date {
  switch (decision.kind) {
    case 'number':
      return value;
    case 'date':
      return serialToDate(value, date1904) ?? value;
    case 'text':
      return formatNumber(decision.pattern, value, { throws: false });
  }
}
