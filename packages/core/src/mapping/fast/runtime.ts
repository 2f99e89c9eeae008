/**
 * The state of one row's evaluation by the compiled fast path, and the bounds it enforces. The compiled
 * code is synchronous, so instead of jsonata's check at every step it counts loop iterations and looks at
 * the clock every few thousand, and it counts the text that operators and functions build.
 */
import { EvalError, isFunctionValue } from './values';
import type { Sequence } from './values';

/** Bounds shared by every row of one compiled mapping. */
export interface FastLimits {
  timeoutMs: number;
  /** Longest single string, and the unit of the per-row text budget. */
  maxOutputBytes: number;
  /** Longest sequence (jsonata's `sequence` option). */
  maxSequence: number;
  /** Text all operators and functions of one row may build together. */
  textBudget: number;
  /** Thrown when a string or the text budget is exceeded (the same error the interpreter path raises). */
  tooLarge: () => Error;
}

/** How many loop iterations pass between two looks at the clock (a power of two). */
const TICKS_PER_CHECK = 1024;

export class RunContext {
  /** Values of the block variables (`$x := …`), one slot per binding in the expression. */
  readonly vars: unknown[];
  private ticks = 0;
  private built = 0;
  private readonly deadline: number;
  private rootFunction: boolean | undefined;

  constructor(
    readonly limits: FastLimits,
    slots: number,
    /** The input of the evaluation, which `$$` names. */
    readonly root: unknown,
  ) {
    this.vars = slots === 0 ? EMPTY : new Array<unknown>(slots);
    this.deadline = performance.now() + limits.timeoutMs;
  }

  /** Called once per loop iteration: stops a row that runs past its time. */
  tick(): void {
    if ((++this.ticks & (TICKS_PER_CHECK - 1)) === 0 && performance.now() > this.deadline) {
      throw new EvalError('D1012', this.limits.timeoutMs);
    }
  }

  /** `isFunctionValue(root)`, worked out on first use: most field reads are of the row itself. */
  rootIsFunction(): boolean {
    if (this.rootFunction === undefined) this.rootFunction = isFunctionValue(this.root);
    return this.rootFunction;
  }

  /** Called with each string an operator or function built: the same rule as the interpreter's exit hook. */
  text(value: string, position: number | undefined): void {
    this.built += value.length;
    if (value.length > this.limits.maxOutputBytes || this.built > this.limits.textBudget) {
      throw Object.assign(this.limits.tooLarge(), { position });
    }
  }

  /** Appends to a sequence within the sequence limit (jsonata's D2015). */
  push(seq: Sequence | unknown[], value: unknown): void {
    if (seq.length + 1 > this.limits.maxSequence) throw new EvalError('D2015', this.limits.maxSequence);
    seq.push(value);
  }
}

const EMPTY: unknown[] = [];
