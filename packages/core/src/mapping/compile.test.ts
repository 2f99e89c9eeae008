import { describe, expect, it } from 'vitest';
import { CoreError } from '../errors';
import { compileMapping } from './compile';
import type { MappingLimits } from './compile';

function syntaxFailure(mapping: string): CoreError {
  try {
    compileMapping({ mapping });
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error('expected a syntax error');
}

async function evaluationFailure(mapping: string, limits?: MappingLimits, input: Record<string, unknown> = {}): Promise<CoreError> {
  const compiled = compileMapping({ mapping }, limits);
  try {
    await compiled.evaluate(input);
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error('expected the evaluation to fail');
}

describe('compileMapping: syntax errors', () => {
  it('shows the line and a caret under the offending token', () => {
    const mapping = '{\n  "externalId": WorkerID,\n  "userName": $lower(UserID}\n}';
    const err = syntaxFailure(mapping);
    expect(err.code).toBe('MAPPING_SYNTAX');
    expect(err.location).toEqual({ field: '/mapping', position: mapping.indexOf('}') });
    expect(err.message).toBe(
      'The mapping has a syntax error at line 3, column 28: Expected ")", got "}".\n' +
        '    "userName": $lower(UserID}\n' +
        '                             ^\n' +
        'Correct the mapping at the caret and save the profile again.',
    );
  });

  it('points past the end when the expression stops too early', () => {
    const err = syntaxFailure('{"a": FirstName');
    expect(err.location.position).toBe(15);
    expect(err.message).toContain('at line 1, column 16: Expected "}" before end of expression');
    expect(err.message).toContain('  {"a": FirstName\n                 ^');
  });

  it('keeps tabs so the caret lines up', () => {
    const err = syntaxFailure('{\n\t"a": ,\n}');
    expect(err.message).toContain('\t"a": ,\n  \t     ^');
  });

  it('refuses an empty mapping and bad limits', () => {
    expect(syntaxFailure('  ').message).toMatch(/The mapping is empty/);
    expect(() => compileMapping({ mapping: '{}' }, { timeoutMs: 0 })).toThrow(/timeoutMs must be a positive number/);
  });
});

describe('compileMapping: evaluation', () => {
  it('compiles once and evaluates many rows', async () => {
    const compiled = compileMapping({ mapping: '{"externalId": $str(WorkerID), "userName": $lower(UserID)}' });
    expect(compiled.expression).toContain('externalId');
    expect(await compiled.evaluate({ WorkerID: 1, UserID: 'EMP1' })).toEqual({ externalId: '1', userName: 'emp1' });
    expect(await compiled.evaluate({ WorkerID: 2, UserID: 'EMP2' })).toEqual({ externalId: '2', userName: 'emp2' });
  });

  it('runs rows concurrently without mixing their budgets', async () => {
    const compiled = compileMapping({ mapping: '{"id": Id, "pad": $pad("", 40000)}' });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => compiled.evaluate({ Id: i })));
    expect(results.map((r) => (r as { id: number }).id)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('reports runtime errors with their position and output path', async () => {
    const mapping = '{"name": {"givenName": $uppercase(FirstName)}, "age": Age + 1}';
    const err = await evaluationFailure(mapping, undefined, { FirstName: 'Ann', Age: 'forty' });
    expect(err.code).toBe('MAPPING_RUNTIME');
    expect(err.message).toMatch(/must evaluate to a number/);
    expect(err.location.field).toBe('age');
    expect(err.location.position).toBe(mapping.indexOf('+'));
  });

  it('names a misspelt function', async () => {
    const err = await evaluationFailure('{"userName": $lowercas(UserID)}', undefined, { UserID: 'A' });
    expect(err.message).toMatch(/^\$lowercas is not a function: check its spelling/);
    expect(err.location.field).toBe('userName');
  });
});

describe('compileMapping: hostile mappings end within their limits', () => {
  it('stops tail recursion that never ends on time', async () => {
    const err = await evaluationFailure('($f := function($x){$f($x)}; $f(1))', { timeoutMs: 150 });
    expect(err.code).toBe('MAPPING_TIMEOUT');
    expect(err.message).toBe('The mapping ran longer than 150 ms on one row and was stopped');
  });

  it('stops deep recursion on depth', async () => {
    const err = await evaluationFailure('($f := function($x){1 + $f($x)}; {"a": $f(1)})', { maxDepth: 100 });
    expect(err.code).toBe('MAPPING_TOO_DEEP');
    expect(err.message).toBe('The mapping nested deeper than 100 levels and was stopped');
  });

  it('stops huge ranges before they are allocated', async () => {
    for (const mapping of ['$sum([1..10000000])', '{"n": $count([1..9999999])}', '$sum([1..100001])']) {
      const err = await evaluationFailure(mapping);
      expect(err.code).toBe('MAPPING_TOO_LARGE');
      expect(err.message).toBe('The mapping built a list of more than 100000 items for one row and was stopped');
    }
  });

  it('stops a mapping that builds a 20-million-character string', async () => {
    const err = await evaluationFailure("{'a': $pad('', 20000000)}");
    expect(err.code).toBe('MAPPING_TOO_LARGE');
    expect(err.location.field).toBe('a');
  });

  it('stops strings that grow by concatenation', async () => {
    const err = await evaluationFailure('($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; {"a": $f("ab", 40)})');
    expect(err.code).toBe('MAPPING_TOO_LARGE');
    expect(err.message).toBe('The mapping built more than 64 KiB of text for one row and was stopped');
  });

  it('stops many strings that are each small enough, once they add up', async () => {
    const err = await evaluationFailure('{"a": $count([1..50000].$pad("", 60000))}');
    expect(err.code).toBe('MAPPING_TOO_LARGE');
  });

  it('stops an output larger than the limit', async () => {
    const err = await evaluationFailure('{"a": [1..2000].($string($) & "-----")}', { maxOutputBytes: 4096 });
    expect(err.code).toBe('MAPPING_TOO_LARGE');
    expect(err.message).toBe('The mapping produced more than 4 KiB of output for one row');
  });

  it('still lets an ordinary mapping with loops and large-ish text through', async () => {
    const compiled = compileMapping({ mapping: '{"codes": $join([1..500].$string($), ","), "note": $pad("x", 5000)}' });
    const result = (await compiled.evaluate({})) as { codes: string; note: string };
    expect(result.codes.split(',')).toHaveLength(500);
    expect(result.note).toHaveLength(5000);
  });
});
