import { describe, expect, it } from 'vitest';
import { compileDatePattern, excelSerialToEntraDate, formatEntraDate, toEntraDate } from './dates';

describe('toEntraDate', () => {
  it('reads ISO dates and date-times, converting zones to UTC', () => {
    expect(toEntraDate('2021-05-01')).toBe('2021-05-01T00:00:00Z');
    expect(toEntraDate(' 2021-05-01T08:30 ')).toBe('2021-05-01T08:30:00Z');
    expect(toEntraDate('2021-05-01 08:30:15')).toBe('2021-05-01T08:30:15Z');
    expect(toEntraDate('2021-05-01T08:30:15.123Z')).toBe('2021-05-01T08:30:15Z');
    expect(toEntraDate('2021-05-01T01:00:00+02:00')).toBe('2021-04-30T23:00:00Z');
    expect(toEntraDate('2021-05-01T22:00:00-0230')).toBe('2021-05-02T00:30:00Z');
  });

  it('reads text in the declared patterns, with an optional time', () => {
    expect(toEntraDate('01/05/2021', 'dd/MM/yyyy')).toBe('2021-05-01T00:00:00Z');
    expect(toEntraDate('05/01/2021', 'MM/dd/yyyy')).toBe('2021-05-01T00:00:00Z');
    expect(toEntraDate('1.5.2021', 'd.M.yyyy')).toBe('2021-05-01T00:00:00Z');
    expect(toEntraDate('2021-05-01', 'yyyy-MM-dd')).toBe('2021-05-01T00:00:00Z');
    expect(toEntraDate('01/05/2021 14:05', 'dd/MM/yyyy HH:mm')).toBe('2021-05-01T14:05:00Z');
    expect(toEntraDate('01/05/2021 14:05:09', 'dd/MM/yyyy HH:mm:ss')).toBe('2021-05-01T14:05:09Z');
    // A pattern without time still accepts the time Excel adds to exported dates.
    expect(toEntraDate('1/5/2021 0:00', 'dd/MM/yyyy')).toBe('2021-05-01T00:00:00Z');
    expect(toEntraDate('01/05/2021 09:15:30', 'dd/MM/yyyy')).toBe('2021-05-01T09:15:30Z');
  });

  it('reads Excel serial numbers, including fractions of a day', () => {
    expect(toEntraDate(44317)).toBe('2021-05-01T00:00:00Z');
    expect(toEntraDate(44317.5)).toBe('2021-05-01T12:00:00Z');
    expect(toEntraDate('44317')).toBe('2021-05-01T00:00:00Z');
    expect(excelSerialToEntraDate(1)).toBe('1900-01-01T00:00:00Z');
    expect(excelSerialToEntraDate(59)).toBe('1900-02-28T00:00:00Z');
    expect(excelSerialToEntraDate(61)).toBe('1900-03-01T00:00:00Z');
    expect(() => excelSerialToEntraDate(60)).toThrow(/29 February 1900/);
    expect(() => toEntraDate(0)).toThrow('0 is not an Excel date serial number');
    expect(() => toEntraDate(-3)).toThrow(/not an Excel date serial/);
  });

  it('refuses impossible dates and text that does not match, naming value and pattern', () => {
    expect(() => toEntraDate('31/02/2021', 'dd/MM/yyyy')).toThrow('"31/02/2021" is not a real date (read with the pattern dd/MM/yyyy)');
    expect(() => toEntraDate('13/13/2021', 'MM/dd/yyyy')).toThrow(/not a real date/);
    expect(() => toEntraDate('2021-02-29')).toThrow('"2021-02-29" is not a real date');
    expect(() => toEntraDate('01/05/2021 25:00', 'dd/MM/yyyy HH:mm')).toThrow(/not a real date/);
    expect(() => toEntraDate('May 1st', 'dd/MM/yyyy')).toThrow('"May 1st" does not match the date pattern dd/MM/yyyy');
    expect(() => toEntraDate('01/05/2021')).toThrow(/without a pattern.*input\.dateFormat/);
    expect(() => toEntraDate(true)).toThrow('true is not a date');
    expect(toEntraDate('2020-02-29')).toBe('2020-02-29T00:00:00Z');
  });

  it('gives undefined for empty values and formats Date objects as UTC', () => {
    expect(toEntraDate(undefined)).toBeUndefined();
    expect(toEntraDate(null)).toBeUndefined();
    expect(toEntraDate('   ')).toBeUndefined();
    expect(toEntraDate(new Date(Date.UTC(2013, 0, 1, 7, 8, 9, 999)))).toBe('2013-01-01T07:08:09Z');
    expect(formatEntraDate(new Date(Date.UTC(812, 11, 25)))).toBe('0812-12-25T00:00:00Z');
  });
});

describe('compileDatePattern', () => {
  it('refuses unknown tokens and incomplete patterns', () => {
    expect(() => compileDatePattern('dd/MM/yy')).toThrow(/contains "yy", which is not a date part/);
    expect(() => compileDatePattern('dd/MMM/yyyy')).toThrow(/"MMM"/);
    expect(() => compileDatePattern('MM/yyyy')).toThrow(/must contain a day/);
    expect(() => compileDatePattern('dd/MM/yyyy mm')).toThrow(/minutes \(mm\) but no hours/);
    expect(() => compileDatePattern('dd/dd/yyyy')).toThrow(/gives the day twice/);
  });

  it('treats punctuation literally', () => {
    const p = compileDatePattern('d.M.yyyy');
    expect(p.regex.test('1.5.2021')).toBe(true);
    expect(p.regex.test('1x5x2021')).toBe(false);
  });
});

describe('toEntraDate on plain yyyy-MM-dd text', () => {
  it('accepts exactly the real dates, leap days included, and leaves the rest to the full reader', () => {
    expect(toEntraDate('2024-02-29')).toBe('2024-02-29T00:00:00Z');
    expect(toEntraDate('2000-02-29')).toBe('2000-02-29T00:00:00Z');
    expect(toEntraDate('0150-12-31')).toBe('0150-12-31T00:00:00Z');
    expect(() => toEntraDate('2023-02-29')).toThrow(/not a real date/);
    expect(() => toEntraDate('1900-02-29')).toThrow(/not a real date/);
    expect(() => toEntraDate('2021-04-31')).toThrow(/not a real date/);
    expect(() => toEntraDate('2021-13-01')).toThrow(/not a real date/);
    expect(() => toEntraDate('2021-00-10')).toThrow(/not a real date/);
    // Years before 100 go through Date.UTC, which reads them as 19xx: 1950 has no 29 February.
    expect(() => toEntraDate('0050-02-29')).toThrow(/not a real date/);
    expect(toEntraDate('0048-02-29')).toBe('0048-02-29T00:00:00Z');
    expect(toEntraDate('01/05/2021', 'dd/MM/yyyy')).toBe('2021-05-01T00:00:00Z');
    expect(() => toEntraDate('2021-05-0x')).toThrow(/not a date/);
  });
});
