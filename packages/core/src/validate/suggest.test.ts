import { describe, it, expect } from 'vitest';
import { editDistance, suggest } from './suggest';

const NAMES = ['userName', 'name', 'displayName', 'nickName', 'emails', 'phoneNumbers', 'addresses', 'title', 'active', 'externalId'];

describe('editDistance', () => {
  it('counts substitutions, insertions, deletions and neighbour swaps as one edit each', () => {
    expect(editDistance('email', 'email')).toBe(0);
    expect(editDistance('emial', 'email')).toBe(1);
    expect(editDistance('emai', 'email')).toBe(1);
    expect(editDistance('emaill', 'email')).toBe(1);
    expect(editDistance('emeil', 'email')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('stops early past the limit', () => {
    expect(editDistance('abcdefgh', 'zzzzzzzz', 2)).toBe(3);
  });
});

describe('suggest', () => {
  it.each([
    ['username', 'userName'],
    ['user_name', 'userName'],
    ['User Name', 'userName'],
    ['dispalyName', 'displayName'],
    ['emial', 'emails'],
    ['phonenumber', 'phoneNumbers'],
    ['adresses', 'addresses'],
    ['externalID', 'externalId'],
  ])('%s → %s', (typed, expected) => {
    expect(suggest(typed, NAMES)).toBe(expected);
  });

  it.each(['favouriteColour', 'x', '', 'salary'])('suggests nothing for %j', (typed) => {
    expect(suggest(typed, NAMES)).toBeUndefined();
  });

  it('suggests nothing when two candidates are equally close', () => {
    expect(suggest('ab', ['aa', 'bb'])).toBeUndefined();
  });
});
