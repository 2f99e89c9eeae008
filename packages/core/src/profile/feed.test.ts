import { describe, expect, it } from 'vitest';
import { CoreError } from '../errors';
import { deriveFeedName, feedOf, isFeedDerived, normalizeFeed, parseProfile } from './index';

const minimal = { name: 'Contoso HR', version: 1, mapping: '{"externalId": WorkerID}' };

function problems(value: unknown): string[] {
  try {
    parseProfile(value, 'team.json');
  } catch (err) {
    if (err instanceof CoreError) return err.details as string[];
    throw err;
  }
  throw new Error('parseProfile accepted the document');
}

describe('profile feed and precedence', () => {
  it('accepts a feed name and a rank', () => {
    const profile = parseProfile({ ...minimal, feed: 'contractors', precedence: 2 });
    expect(profile).toMatchObject({ feed: 'contractors', precedence: 2 });
    expect(parseProfile({ ...minimal, feed: 'EU_Interns.2025-a' }).feed).toBe('EU_Interns.2025-a');
  });

  it('says in words what a feed and a precedence must be, and catches a misspelt field', () => {
    expect(problems({ ...minimal, feed: 'my feed!' })).toEqual([
      'field /feed must be a short name of letters, digits, ".", "_" or "-" (at most 64 characters, starting with a letter or digit), such as "contractors"',
    ]);
    expect(problems({ ...minimal, feed: 'x'.repeat(65) })[0]).toMatch(/^field \/feed must be a short name/);
    expect(problems({ ...minimal, precedence: 0 })).toEqual([
      'field /precedence must be a whole number from 1 to 1000: the rank of this feed when two feeds list the same person (1 wins over 2)',
    ]);
    expect(problems({ ...minimal, precedence: 1.5 })[0]).toMatch(/^field \/precedence must be a whole number/);
    expect(problems({ ...minimal, feeds: 'interns' })).toEqual(['field /feeds is not a profile field; did you mean /feed?']);
  });

  it('derives a short feed name from the profile name, and uses the given one first', () => {
    expect(deriveFeedName('Contractors (EU)')).toBe('contractors-eu');
    expect(deriveFeedName('  Praktikanten Zürich ')).toBe('praktikanten-zurich');
    expect(deriveFeedName('Imported from sample1-AttributeMapping.Intern.psd1')).toBe('imported-from-sample1-attributemapping-intern-psd1');
    expect(deriveFeedName('***')).toBe('default');
    const long = deriveFeedName(`${'Human Resources '.repeat(6)}Export`);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^human-resources(-human-resources)*$/);
    // Whatever the name, the derived feed passes the schema.
    for (const name of ['Contractors (EU)', '***', `${'Ä'.repeat(80)}`, long]) {
      expect(() => parseProfile({ ...minimal, feed: deriveFeedName(name) })).not.toThrow();
    }
    expect(feedOf({ name: 'Contoso HR' })).toBe('contoso-hr');
    expect(feedOf({ name: 'Contoso HR', feed: ' Employees ' })).toBe('employees');
    expect(isFeedDerived({})).toBe(true);
    expect(isFeedDerived({ feed: 'employees' })).toBe(false);
    expect(() => normalizeFeed('  ')).toThrow(/cannot be empty/);
  });
});
