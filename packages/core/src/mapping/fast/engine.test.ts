import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoreError } from '../../errors';
import { compileMapping } from '../compile';
import type { MappingLimits } from '../compile';

function failure(run: () => unknown): CoreError {
  try {
    run();
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error('expected the evaluation to fail');
}

describe('which engine a mapping gets', () => {
  it('compiles the constructs mappings use', () => {
    const mapping = compileMapping({
      mapping: `($domain := "contoso.com"; {
        "externalId": $str(WorkerID),
        "userName": $upn(FirstName, LastName, $domain),
        "active": $lowercase(WorkerStatus) in ["active", "on leave"],
        "name": $exists(FirstName) ? {"givenName": $title(FirstName), "familyName": \`Last Name\`},
        "emails": [{"type": "work", "value": Email ~> $trim() ~> $lowercase()}],
        "title": $split(FullName, " ")[0] & " " & $substringAfter(FullName, " ")
      })`,
    });
    expect(mapping.engine).toBe('compiled');
    expect(mapping.fallbackReason).toBeUndefined();
    expect(mapping.evaluateSync).toBeTypeOf('function');
  });

  it.each([
    ['{"a": $replace(Name, /a+/, "b")}', /regular expression/],
    ['{"a": $map(Names, function($n) { $uppercase($n) })}', /\$map .*is not covered/],
    ['($f := function($x) { $x }; $f(1))', /function definition/],
    ['{"a": Names^($)}', /sorting/],
    ['{"a": Name ~> $uppercase}', /\$uppercase used as a value/],
    ['{"a": Name ~> ($x := 1; $x)}', /~> to something other than a function call/],
    ['{"a": *}', /wildcard/],
    ['{"a": **.x}', /descendant/],
    ['{"a": [1..3]}', /the \.\. operator/],
    ['{"a": $now()}', /\$now .*is not covered/],
    ['{"a": $lowercas(Name)}', /\$lowercas .*is not a known function/],
    ['{"a": Items{type: value}}', /grouping/],
    ['{"a": Items[]}', /kept array/],
    ['{"a": Items#$i.value}', /position variable/],
    ['{"a": Items@$x.value}', /focus variable/],
    ['{"a": $string}', /\$string used as a value/],
    ['{"a": $x := 1}', /assignment outside a block/],
    ['{"a": $ ~> |$|{"b": 1}|}', /transform/],
  ])('keeps %s with the interpreter', async (expression, reason) => {
    const mapping = compileMapping({ mapping: expression });
    expect(mapping.engine).toBe('interpreter');
    expect(mapping.fallbackReason).toMatch(reason);
    expect(mapping.evaluateSync).toBeUndefined();
  });

  it('evaluates a fallback mapping with the interpreter', async () => {
    const mapping = compileMapping({ mapping: '{"a": $replace(Name, /a+/, "b"), "n": $count([1..3])}' });
    expect(await mapping.evaluate({ Name: 'baaad' })).toEqual({ a: 'bbd', n: 3 });
  });

  it('leaves expressions nested past the depth limit to the interpreter, which reports them', async () => {
    const deep = `{"a": ${'('.repeat(60)}1${')'.repeat(60)}}`;
    const mapping = compileMapping({ mapping: deep }, { maxDepth: 50 });
    expect(mapping.engine).toBe('interpreter');
    expect(mapping.fallbackReason).toMatch(/nests deeper than 50 levels/);
    await expect(mapping.evaluate({})).rejects.toMatchObject({ code: 'MAPPING_TOO_DEEP' });
    expect(compileMapping({ mapping: deep }).engine).toBe('compiled');
  });

  it('can be asked for the interpreter', () => {
    const mapping = compileMapping({ mapping: '{"a": Name}' }, {}, { engine: 'interpreter' });
    expect(mapping.engine).toBe('interpreter');
    expect(mapping.evaluateSync).toBeUndefined();
  });
});

describe('the compiled engine', () => {
  const mapping = compileMapping({
    mapping: '{"id": $str(Id), "name": Name, "tags": $split(Tags, ","), "n": $count($split(Tags, ","))}',
  });

  it('evaluates synchronously and asynchronously alike', async () => {
    const input = { Id: 7, Name: 'Ann', Tags: 'a,b' };
    const expected = { id: '7', name: 'Ann', tags: ['a', 'b'], n: 2 };
    expect(mapping.evaluateSync?.(input)).toEqual(expected);
    expect(await mapping.evaluate(input)).toEqual(expected);
  });

  it('takes one row object; a list goes to the interpreter in evaluate and is refused by evaluateSync', async () => {
    const list = [{ Name: 'a' }, { Name: 'b' }] as unknown as Record<string, unknown>;
    expect(() => mapping.evaluateSync?.(list)).toThrow(/takes one row as an object/);
    const names = compileMapping({ mapping: 'Name' });
    expect([...((await names.evaluate(list)) as unknown[])]).toEqual(['a', 'b']);
  });

  it('builds objects that inherit nothing, as jsonata does', () => {
    const built = compileMapping({ mapping: '{"__proto__": {"x": 1}, "toString": 2}' }).evaluateSync?.({}) as Record<string, unknown>;
    expect(Object.keys(built)).toEqual(['__proto__', 'toString']);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(built))).toBeNull();
    expect(() => String(built)).toThrow(TypeError);
  });

  it('treats a row carrying jsonata function markers as jsonata does', async () => {
    const marked = compileMapping({ mapping: '{"a": Name, "b": $string(Inner), "c": $boolean(Inner)}' });
    const slow = compileMapping({ mapping: '{"a": Name, "b": $string(Inner), "c": $boolean(Inner)}' }, {}, { engine: 'interpreter' });
    for (const input of [
      { Name: 'x', _jsonata_function: true },
      { Name: 'x', Inner: { _jsonata_lambda: true, y: 1 } },
      { Name: 'x', Inner: { y: 1 } },
    ]) {
      const expected = await slow.evaluate(input).catch((err: Error) => err.message);
      let actual: unknown;
      try {
        actual = marked.evaluateSync?.(input);
      } catch (err) {
        actual = (err as Error).message;
      }
      expect(actual).toEqual(expected);
    }
  });
});

describe('the compiled engine keeps the hostile-mapping limits', () => {
  const fail = (expression: string, limits?: MappingLimits, input: Record<string, unknown> = {}) => {
    const mapping = compileMapping({ mapping: expression }, limits);
    expect(mapping.engine).toBe('compiled');
    return failure(() => mapping.evaluateSync?.(input));
  };

  it('stops a row that runs past its time', () => {
    const err = fail('($l := $split($pad("", 3000, "x"), ""); {"n": $count($l.($count($l.($count($l)))))})', { timeoutMs: 100 });
    expect(err.code).toBe('MAPPING_TIMEOUT');
    expect(err.message).toBe('The mapping ran longer than 100 ms on one row and was stopped');
  });

  it('stops text that grows past the output limit, naming the attribute', () => {
    const err = fail('($s := $pad("", 30000, "x"); {"id": 1, "a": $s & $s & $s})');
    expect(err.code).toBe('MAPPING_TOO_LARGE');
    expect(err.message).toBe('The mapping built more than 64 KiB of text for one row and was stopped');
    expect(err.location.field).toBe('a');
  });

  it('stops many small strings once they add up', () => {
    const err = fail('($s := $pad("", 60000, "x"); {"a": $count($split($pad("", 40, "y"), "").($s & $))})');
    expect(err.code).toBe('MAPPING_TOO_LARGE');
  });

  it('stops lists longer than the sequence limit', () => {
    const err = fail('($l := $split($pad("", 1000, "x"), ""); {"n": $count($l.$l)})');
    expect(err.code).toBe('MAPPING_TOO_LARGE');
    expect(err.message).toBe('The mapping built a list of more than 100000 items for one row and was stopped');
  });

  it('stops $pad and $append past their caps', () => {
    expect(fail("{'a': $pad('', 20000000)}").location.field).toBe('a');
    const err = fail('($l := $split($pad("", 60000, "x"), ""); {"n": $count($append($l, $l))})');
    expect(err.code).toBe('MAPPING_TOO_LARGE');
  });

  it('stops an output larger than the limit', () => {
    const err = fail('{"a": $split($pad("", 3000, "x"), "")}', { maxOutputBytes: 4096 });
    expect(err.code).toBe('MAPPING_TOO_LARGE');
    expect(err.message).toBe('The mapping produced more than 4 KiB of output for one row');
  });

  it('measures output with multi-byte characters exactly when it is near the limit', () => {
    const mapping = compileMapping({ mapping: '{"a": $pad("", N, "é")}' }, { maxOutputBytes: 4096 });
    // 2,040 × 2 bytes plus {"a":""} is 4,088 bytes: under the limit, though the quick bound is far above it.
    expect((mapping.evaluateSync?.({ N: 2040 }) as { a: string }).a).toHaveLength(2040);
    expect(failure(() => mapping.evaluateSync?.({ N: 2050 })).code).toBe('MAPPING_TOO_LARGE');
  });
});

describe('the compiled engine builds no code from text', () => {
  it('uses neither eval nor the Function constructor (profiles are shared; the app CSP forbids it)', () => {
    const dir = import.meta.dirname;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(source, file).not.toMatch(/\beval\s*\(|new\s+Function\b|\bFunction\s*\(/);
    }
  });
});
