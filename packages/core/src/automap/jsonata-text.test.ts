import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { bin, call, col, fieldRef, printExpr, printMapping, str, stringLiteral } from './jsonata-text';

describe('JSONata text generation', () => {
  it('writes plain identifiers bare and back-quotes everything else, including reserved words', async () => {
    expect(fieldRef('WorkerID')).toBe('WorkerID');
    expect(fieldRef('First Name')).toBe('`First Name`');
    expect(fieldRef('in')).toBe('`in`');
    expect(fieldRef('true')).toBe('`true`');
    expect(fieldRef('2nd Phone')).toBe('`2nd Phone`');
    expect(fieldRef('$amount')).toBe('`$amount`');
    const row = { in: 'a', true: 'b', '2nd Phone': 'c', $amount: 'd', 'x`y': 'e' };
    const expr = `[${['in', 'true', '2nd Phone', '$amount', 'x`y'].map(fieldRef).join(', ')}]`;
    expect(await jsonata(expr).evaluate(row)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('writes string literals JSONata reads back unchanged', async () => {
    for (const s of ['work', "O'Brien", 'back\\slash', 'line\nbreak', 'tab\there', '"quoted"', 'é€']) {
      expect(await jsonata(stringLiteral(s)).evaluate({})).toBe(s);
    }
    expect(stringLiteral('work')).toBe("'work'");
  });

  it('keeps PowerShell-style left-to-right logic when JSONata would bind "and" tighter than "or"', async () => {
    const t = { k: 'bool', value: true } as const;
    const f = { k: 'bool', value: false } as const;
    // (true or x) and false must be false; without parentheses JSONata would read true or (x and false).
    const e = bin('and', bin('or', t, t), f);
    expect(printExpr(e)).toBe('(true or true) and false');
    expect(await jsonata(printExpr(e)).evaluate({})).toBe(false);
    expect(printExpr(bin('=', bin('&', col('A'), str(' ')), call('$lowercase', col('B'))))).toBe("A & ' ' = $lowercase(B)");
    expect(printExpr({ k: 'cond', test: bin('or', col('A'), col('B')), then: str('x'), else: { k: 'cond', test: col('C'), then: str('y') } })).toBe(
      "A or B ? 'x' : (C ? 'y')",
    );
  });

  it('prints an empty mapping as an empty object', () => {
    expect(printMapping({ k: 'object', entries: [] })).toBe('{}');
  });
});
