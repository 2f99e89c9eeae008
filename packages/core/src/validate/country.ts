/**
 * Country values as HR systems write them (`UK`, `USA`, `Germany`, `gb`) against the two-letter codes Entra
 * accepts for a country and a usage location (ISO 3166-1 alpha-2). A finding that says "use `GB`" is one a
 * person can act on; "not an ISO 3166-1 alpha-2 code" is not.
 */

/** What is wrong with a country value, and the code meant when it is clear. */
export type CountryVerdict =
  /** A code or name of one country, written another way: `meant` is its two-letter code. */
  | { kind: 'meant'; meant: string }
  /** A grouping of countries (EU, UN), not one country. */
  | { kind: 'region' }
  /** Nothing recognisable. */
  | { kind: 'unknown' };

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

/**
 * Codes ICU accepts that are not countries Entra takes, and values HR exports commonly hold in their place.
 * `EN` is a language code people type for England; the suggestion is only a suggestion (a warning), so a
 * likely guess is kinder than none.
 */
const ALIASES: Readonly<Record<string, string>> = {
  UK: 'GB', EN: 'GB', ENGLAND: 'GB', SCOTLAND: 'GB', WALES: 'GB', 'NORTHERN IRELAND': 'GB', 'GREAT BRITAIN': 'GB',
  BRITAIN: 'GB', 'U.K.': 'GB', 'UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND': 'GB',
  USA: 'US', 'U.S.': 'US', 'U.S.A.': 'US', 'UNITED STATES OF AMERICA': 'US', AMERICA: 'US',
  HOLLAND: 'NL', 'THE NETHERLANDS': 'NL', DEUTSCHLAND: 'DE', UAE: 'AE', 'SOUTH KOREA': 'KR', 'KOREA, REPUBLIC OF': 'KR',
  'CZECH REPUBLIC': 'CZ', RUSSIA: 'RU', 'IVORY COAST': 'CI', SWITZERLAND: 'CH', SCHWEIZ: 'CH', ESPAÑA: 'ES', ÖSTERREICH: 'AT',
  // Three-letter (alpha-3) codes of the countries HR exports hold most often.
  GBR: 'GB', DEU: 'DE', FRA: 'FR', ESP: 'ES', ITA: 'IT', NLD: 'NL', BEL: 'BE', CHE: 'CH', AUT: 'AT', SWE: 'SE',
  NOR: 'NO', DNK: 'DK', FIN: 'FI', IRL: 'IE', PRT: 'PT', POL: 'PL', CZE: 'CZ', HUN: 'HU', ROU: 'RO', GRC: 'GR',
  CAN: 'CA', MEX: 'MX', BRA: 'BR', ARG: 'AR', CHL: 'CL', COL: 'CO', IND: 'IN', CHN: 'CN', JPN: 'JP', KOR: 'KR',
  SGP: 'SG', AUS: 'AU', NZL: 'NZ', ZAF: 'ZA', ARE: 'AE', SAU: 'SA', ISR: 'IL', TUR: 'TR', PHL: 'PH', MYS: 'MY',
  IDN: 'ID', THA: 'TH', VNM: 'VN', HKG: 'HK', TWN: 'TW', EGY: 'EG', NGA: 'NG', KEN: 'KE', UKR: 'UA', LUX: 'LU',
};

/** Groupings ICU knows as regions that are not one country. */
const NOT_COUNTRIES: ReadonlySet<string> = new Set(['EU', 'UN', 'EZ', 'ZZ', 'QO']);

/** English country names → code, built once from ICU's region names (`Germany` → DE). */
let byName: Map<string, string> | undefined;

function names(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  const A = 'A'.charCodeAt(0);
  for (let i = 0; i < 26; i++) {
    for (let j = 0; j < 26; j++) {
      const code = String.fromCharCode(A + i, A + j);
      if (!isCountryCode(code)) continue;
      const name = REGION_NAMES.of(code);
      if (name) byName.set(name.toUpperCase(), code);
    }
  }
  return byName;
}

/** True when `code` is a two-letter upper-case code of a country (or territory) Entra accepts. */
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  if (NOT_COUNTRIES.has(code) || Object.hasOwn(ALIASES, code)) return false;
  // User-assigned and reserved ranges; ICU echoes the code back for regions it does not know.
  if (/^(Q[M-Z]|X[A-Z]|AA)$/.test(code)) return false;
  return REGION_NAMES.of(code) !== code;
}

// Files repeat the same few countries on every row: decide each value once.
const verdicts = new Map<string, CountryVerdict | undefined>();

/** Undefined when `value` is a country code Entra accepts; otherwise what is wrong and what was meant. */
export function countryVerdict(value: string): CountryVerdict | undefined {
  if (verdicts.has(value)) return verdicts.get(value);
  const verdict = decide(value);
  if (verdicts.size < 10_000) verdicts.set(value, verdict);
  return verdict;
}

function decide(value: string): CountryVerdict | undefined {
  if (isCountryCode(value)) return undefined;
  const key = value.trim().replace(/\s+/g, ' ').toUpperCase();
  if (NOT_COUNTRIES.has(key)) return { kind: 'region' };
  const alias = ALIASES[key];
  if (alias) return { kind: 'meant', meant: alias };
  // `gb`, ` DE ` — the right code written in lower case or with spaces.
  if (isCountryCode(key)) return { kind: 'meant', meant: key };
  const named = names().get(key);
  if (named) return { kind: 'meant', meant: named };
  return { kind: 'unknown' };
}

/** The country's English name (`GB` → United Kingdom), for advice such as "use `GB` (United Kingdom)". */
export function countryName(code: string): string {
  return REGION_NAMES.of(code) ?? code;
}
