import { describe, expect, it } from 'vitest';
import { countryName, countryVerdict, isCountryCode } from './country';

describe('countryVerdict', () => {
  it('accepts the two-letter codes Entra takes', () => {
    for (const code of ['US', 'GB', 'DE', 'FR', 'IN', 'JP', 'BR']) expect(countryVerdict(code)).toBeUndefined();
  });

  it.each([
    ['UK', 'GB'], ['EN', 'GB'], ['England', 'GB'], ['USA', 'US'], ['U.S.A.', 'US'], ['United States', 'US'],
    ['Germany', 'DE'], ['germany', 'DE'], ['DEU', 'DE'], ['gb', 'GB'], [' FR ', 'FR'], ['Netherlands', 'NL'], ['Holland', 'NL'],
  ])('reads %j as the country %s', (value, meant) => {
    expect(countryVerdict(value)).toEqual({ kind: 'meant', meant });
  });

  it('tells a grouping of countries from a country, and says nothing it cannot place', () => {
    expect(countryVerdict('EU')).toEqual({ kind: 'region' });
    expect(countryVerdict('UN')).toEqual({ kind: 'region' });
    for (const value of ['XX', 'AA', 'QZ', 'Europe', 'Congo', '12', '']) expect(countryVerdict(value)).toEqual({ kind: 'unknown' });
  });

  it('names countries for advice', () => {
    expect(countryName('GB')).toBe('United Kingdom');
    expect(isCountryCode('UK')).toBe(false);
  });
});
