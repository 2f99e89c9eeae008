/**
 * The one message catalogue. Every sentence a person reads — on a screen of the app, in a finding, in an
 * annotated workbook — is looked up here by key and filled with its values, so that a translation is a new
 * catalogue folder, not a rewrite of components. Messages are ICU MessageFormat (intl-messageformat), which
 * handles plurals and number formatting per language.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import { en } from './en/index';

export type MessageKey = keyof typeof en;
export type MessageValues = Record<string, string | number | boolean | Date | null | undefined>;
export type Catalogue = { readonly [K in MessageKey]: string };

const catalogues: Record<string, Catalogue> = { en };
let current = 'en';
const compiled = new Map<string, IntlMessageFormat>();

/** Adds (or replaces) the catalogue of a language, e.g. `addCatalogue('fr', fr)`. */
export function addCatalogue(locale: string, catalogue: Catalogue): void {
  catalogues[locale] = catalogue;
  compiled.clear();
}

/** Chooses the language of every message from now on; an unknown language falls back to English. */
export function setLocale(locale: string): void {
  current = catalogues[locale] ? locale : 'en';
  compiled.clear();
}

export function locale(): string {
  return current;
}

/** True when `key` names a message of the catalogue. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/**
 * The message `key` in the current language with `values` filled in. A value missing from `values` is a
 * programming mistake, and is shown as `{name}` rather than thrown, so a person still reads the rest.
 */
export function t(key: MessageKey, values?: MessageValues): string {
  const source = catalogues[current]?.[key] ?? en[key];
  let format = compiled.get(key);
  if (!format) {
    format = new IntlMessageFormat(source, current, undefined, { ignoreTag: true });
    compiled.set(key, format);
  }
  try {
    return String(format.format(values as Record<string, string | number | boolean | Date | null | undefined>));
  } catch {
    return source;
  }
}
