/**
 * Date handling for `$entraDate` and for row values: Entra only lets dates flow with a time part and a
 * zone (`2021-05-01T00:00:00Z`), while HR exports hold ISO text, Excel serial numbers or local text such
 * as `01/05/2021`. Everything here is UTC wall-clock: exceljs hands over dates as UTC, and an HR date has
 * no time zone of its own.
 */

/** A date pattern compiled once: the regular expression and which capture holds which part. */
export interface DatePattern {
  readonly source: string;
  readonly regex: RegExp;
  readonly groups: { day: number; month: number; year: number; hour?: number; minute?: number; second?: number };
  /** True when the pattern itself has no time: a trailing ` HH:mm[:ss]` in the text is still accepted. */
  readonly timeOptional: boolean;
}

/** The pattern tokens we understand; anything else made of letters is refused so a typo is not silently literal. */
const TOKENS: Record<string, { part: keyof DatePattern['groups']; re: string }> = {
  d: { part: 'day', re: '(\\d{1,2})' },
  dd: { part: 'day', re: '(\\d{1,2})' },
  M: { part: 'month', re: '(\\d{1,2})' },
  MM: { part: 'month', re: '(\\d{1,2})' },
  yyyy: { part: 'year', re: '(\\d{4})' },
  H: { part: 'hour', re: '(\\d{1,2})' },
  HH: { part: 'hour', re: '(\\d{1,2})' },
  mm: { part: 'minute', re: '(\\d{2})' },
  ss: { part: 'second', re: '(\\d{2})' },
};

export const SUPPORTED_DATE_TOKENS = 'd, dd, M, MM, yyyy, H, HH, mm, ss';

const patternCache = new Map<string, DatePattern>();

/**
 * Compiles a pattern such as `dd/MM/yyyy` or `d.M.yyyy HH:mm`. Throws an Error whose message says what
 * is wrong with the pattern (unknown letters, a missing day, month or year, a part given twice).
 */
export function compileDatePattern(pattern: string): DatePattern {
  const cached = patternCache.get(pattern);
  if (cached) return cached;
  let re = '';
  const groups: Partial<DatePattern['groups']> = {};
  let group = 0;
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern.charAt(i);
    if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (j < pattern.length && pattern.charAt(j) === ch) j++;
      const token = pattern.slice(i, j);
      const known = TOKENS[token];
      if (!known) {
        throw new Error(
          `the date pattern "${pattern}" contains "${token}", which is not a date part; use ${SUPPORTED_DATE_TOKENS} (for example dd/MM/yyyy)`,
        );
      }
      if (groups[known.part] !== undefined) {
        throw new Error(`the date pattern "${pattern}" gives the ${known.part} twice`);
      }
      groups[known.part] = ++group;
      re += known.re;
      i = j;
    } else {
      re += /\s/.test(ch) ? '\\s+' : ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      i++;
    }
  }
  if (groups.day === undefined || groups.month === undefined || groups.year === undefined) {
    throw new Error(`the date pattern "${pattern}" must contain a day (dd), a month (MM) and a four-digit year (yyyy)`);
  }
  if (groups.minute !== undefined && groups.hour === undefined) {
    throw new Error(`the date pattern "${pattern}" has minutes (mm) but no hours (HH)`);
  }
  const timeOptional = groups.hour === undefined;
  if (timeOptional) {
    groups.hour = ++group;
    groups.minute = ++group;
    groups.second = ++group;
    re += '(?:(?:\\s+|T)(\\d{1,2}):(\\d{2})(?::(\\d{2}))?)?';
  }
  const compiled: DatePattern = {
    source: pattern,
    regex: new RegExp(`^${re}$`),
    groups: groups as DatePattern['groups'],
    timeOptional,
  };
  patternCache.set(pattern, compiled);
  return compiled;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DDTHH:mm:ssZ` from UTC parts. */
function formatParts(p: Parts): string {
  return `${String(p.year).padStart(4, '0')}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}Z`;
}

/** The form Entra wants (`2021-05-01T00:00:00Z`, no milliseconds) for a JavaScript Date, read as UTC. */
export function formatEntraDate(date: Date): string {
  return formatParts({
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  });
}

/** Null when the parts do not name a real moment (31 February, hour 25, …). */
function checkParts(p: Parts): Parts | null {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.hour > 23 || p.minute > 59 || p.second > 59) return null;
  const probe = new Date(Date.UTC(p.year, p.month - 1, p.day));
  if (probe.getUTCDate() !== p.day || probe.getUTCMonth() !== p.month - 1) return null;
  return p;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function digitAt(text: string, at: number): number {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

/**
 * The commonest cell, a real `yyyy-MM-dd` date, read without the regular expression or a Date: the same
 * result as `parseIso`, else undefined (and `parseIso` has the last word, errors included). Years before
 * 100 are left to it, as Date.UTC reads them as 19xx.
 */
function plainIsoDate(text: string): string | undefined {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digitAt(text, 0) * 1000 + digitAt(text, 1) * 100 + digitAt(text, 2) * 10 + digitAt(text, 3);
  const month = digitAt(text, 5) * 10 + digitAt(text, 6);
  const day = digitAt(text, 8) * 10 + digitAt(text, 9);
  if (!(year >= 100) || !(month >= 1 && month <= 12) || !(day >= 1)) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (day > days) return undefined;
  return `${text}T00:00:00Z`;
}

/** Parses ISO 8601 dates and date-times; undefined when the text is not ISO, throws when it is ISO but impossible. */
function parseIso(text: string): string | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const parts = checkParts({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
  });
  if (!parts) throw new Error(`"${text}" is not a real date`);
  const zone = m[7];
  if (!zone || zone.toUpperCase() === 'Z') return formatParts(parts);
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  const utc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - offsetMinutes * 60_000;
  return formatEntraDate(new Date(utc));
}

function parseWithPattern(text: string, pattern: DatePattern): string | undefined {
  const m = pattern.regex.exec(text);
  if (!m) return undefined;
  const g = pattern.groups;
  const at = (index: number | undefined): number => (index === undefined ? 0 : Number(m[index] ?? 0));
  const parts = checkParts({
    year: at(g.year),
    month: at(g.month),
    day: at(g.day),
    hour: at(g.hour),
    minute: at(g.minute),
    second: at(g.second),
  });
  if (!parts) throw new Error(`"${text}" is not a real date (read with the pattern ${pattern.source})`);
  return formatParts(parts);
}

/** Largest serial Excel accepts: 9999-12-31. */
const EXCEL_MAX_SERIAL = 2_958_465;

/**
 * Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 is the 29 February 1900 that never
 * existed (kept by Excel for Lotus compatibility), so days from 61 on are counted from 1899-12-30.
 */
export function excelSerialToEntraDate(serial: number): string {
  if (!Number.isFinite(serial) || serial < 1 || serial >= EXCEL_MAX_SERIAL + 1) {
    throw new Error(`${serial} is not an Excel date serial number (Excel dates run from 1 to ${EXCEL_MAX_SERIAL})`);
  }
  const day = Math.floor(serial);
  if (day === 60) throw new Error('60 is the Excel serial of 29 February 1900, a date that does not exist');
  const epoch = day < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  const seconds = Math.round((serial - day) * 86_400);
  return formatEntraDate(new Date(epoch + day * 86_400_000 + seconds * 1000));
}

/**
 * Converts a cell value to Entra's date-time form. Returns undefined for an empty value; throws an Error
 * naming the value and the pattern when the value is not a date.
 */
export function toEntraDate(value: unknown, pattern?: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.length === 10) {
    const plain = plainIsoDate(value);
    if (plain !== undefined) return plain;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('the date is not valid');
    return formatEntraDate(value);
  }
  if (typeof value === 'number') return excelSerialToEntraDate(value);
  if (typeof value !== 'string') {
    throw new Error(`${JSON.stringify(value)} is not a date`);
  }
  const text = value.trim();
  if (text === '') return undefined;
  const iso = parseIso(text);
  if (iso !== undefined) return iso;
  if (pattern !== undefined && pattern !== '') {
    const byPattern = parseWithPattern(text, compileDatePattern(pattern));
    if (byPattern !== undefined) return byPattern;
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    const serial = Number(text);
    if (serial >= 1 && serial <= EXCEL_MAX_SERIAL) return excelSerialToEntraDate(serial);
  }
  if (pattern !== undefined && pattern !== '') {
    throw new Error(`"${text}" does not match the date pattern ${pattern}`);
  }
  throw new Error(
    `"${text}" is not a date in a form that can be read without a pattern; write it as yyyy-MM-dd, ` +
      `or give the pattern (for example $entraDate(HireDate, 'dd/MM/yyyy')) or set input.dateFormat in the profile`,
  );
}
