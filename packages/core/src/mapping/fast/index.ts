/**
 * The compiled fast path of mappings: a profile's JSONata expression turned into synchronous closures
 * that give jsonata's results without its per-step awaiting. Expressions outside the covered subset
 * are reported as unsupported (with the reason) and stay with the interpreter.
 */
import type { RegisteredFunction } from './builtins';
import { functionTable } from './builtins';
import type { AstNode, FastProgram } from './compiler';
import { compileAst, Unsupported } from './compiler';
import type { FastLimits } from './runtime';
import { RunContext } from './runtime';

export type { RegisteredFunction } from './builtins';
export type { FastLimits } from './runtime';
export { EvalError } from './values';
export { jsonSizeBound } from './output-size';

/** A mapping compiled to closures. */
export interface FastMapping {
  /** Evaluates one input object synchronously; errors are shaped like jsonata's (code, position, token). */
  evaluate(input: Record<string, unknown>): unknown;
}

export type FastCompileResult = { ok: true; mapping: FastMapping } | { ok: false; reason: string };

export interface FastCompileOptions {
  /** Functions registered on the mapping (helpers and overrides), as given to jsonata's registerFunction. */
  helpers: readonly RegisteredFunction[];
  limits: FastLimits;
  /** jsonata's `stack` option: deeper expressions stay with the interpreter, which reports them. */
  maxDepth: number;
}

/**
 * Compiles a parsed expression (`jsonata(text).ast()`), or says why it cannot: the first construct
 * outside the covered subset (regular expressions, function definitions, sorting, grouping, …).
 */
export function compileFast(ast: unknown, options: FastCompileOptions): FastCompileResult {
  let program: FastProgram;
  try {
    program = compileAst(ast as AstNode, { functions: functionTable(options.helpers), maxDepth: options.maxDepth });
  } catch (err) {
    if (err instanceof Unsupported) return { ok: false, reason: err.message };
    throw err;
  }
  const { limits } = options;
  return {
    ok: true,
    mapping: {
      evaluate(input) {
        return program.run(input, new RunContext(limits, program.slots, input));
      },
    },
  };
}
