import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalize, hashUser } from './canonical';

/** JSON-like values including the awkward strings (quotes, controls, lone surrogates) and empty spellings. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, '', [], {}),
    fc.string({ unit: 'binary' }),
    fc.double({ noDefaultInfinity: false }),
    fc.integer(),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (seed % 2) entries.reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, seed >> 1)]));
}

describe('canonical form', () => {
  it('writes exactly JSON.stringify of the canonical value', () => {
    fc.assert(fc.property(jsonish, (value) => {
      const c = canonicalize(value);
      expect(canonicalJson(value)).toBe(c === undefined ? '' : JSON.stringify(c));
    }), { numRuns: 500 });
  });

  it('hashes alike whatever the key order', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), jsonish), fc.nat(), (value, seed) => {
      expect(hashUser(shuffleKeys(value, seed))).toBe(hashUser(value));
    }), { numRuns: 300 });
  });

  it('treats schemas as a set at the top level only', () => {
    expect(canonicalJson({ schemas: ['b', 'a', 'b', ''] })).toBe('{"schemas":["a","b"]}');
    expect(canonicalJson({ x: { schemas: ['b', 'a'] } })).toBe('{"x":{"schemas":["b","a"]}}');
    expect(canonicalJson(JSON.parse('{"__proto__":{"a":1}}'))).toBe(JSON.stringify(canonicalize(JSON.parse('{"__proto__":{"a":1}}'))));
    expect(canonicalJson({ when: new Date('2021-05-01T00:00:00Z'), n: NaN })).toBe('{"when":"2021-05-01T00:00:00.000Z"}');
  });
});
