/**
 * Function signatures (`<s-nn?:s>`) checked the way jsonata checks them: each argument gets a type
 * letter, the letters must match the signature's pattern, a missing argument marked `-` takes the
 * context value, and an argument declared as an array is wrapped when it is a single value. The matching
 * is done once per combination of argument types and remembered as a plan, so a call costs a map lookup
 * (and, in the usual case of arguments passed as given, nothing more).
 */
import { EvalError, isFunctionValue } from './values';

interface Param {
  regex: string;
  type: string;
  array: boolean;
  context: boolean;
  contextRegex?: RegExp;
  subtype?: string;
}

/** The type letter jsonata gives a value; `m` is missing (undefined). */
export function typeLetter(value: unknown): string {
  if (isFunctionValue(value)) return 'f';
  switch (typeof value) {
    case 'string':
      return 's';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'function':
      return 'f';
    case 'object':
      return value === null ? 'l' : Array.isArray(value) ? 'a' : 'o';
    default:
      return 'm';
  }
}

function closing(text: string, start: number, open: string, close: string): number {
  let depth = 1;
  let at = start;
  while (at < text.length) {
    at++;
    const c = text.charAt(at);
    if (c === close) {
      depth--;
      if (depth === 0) break;
    } else if (c === open) {
      depth++;
    }
  }
  return at;
}

function parseParams(signature: string): Param[] {
  const params: Param[] = [];
  let param: Partial<Param> = {};
  let prev: Partial<Param> = param;
  const next = (): void => {
    params.push({ array: false, context: false, ...param } as Param);
    prev = params[params.length - 1] as Param;
    param = {};
  };
  for (let at = 1; at < signature.length; at++) {
    const symbol = signature.charAt(at);
    if (symbol === ':') break;
    switch (symbol) {
      case 's':
      case 'n':
      case 'b':
      case 'l':
      case 'o':
        param.regex = `[${symbol}m]`;
        param.type = symbol;
        next();
        break;
      case 'a':
        param.regex = '[asnblfom]';
        param.type = symbol;
        param.array = true;
        next();
        break;
      case 'f':
        param.regex = 'f';
        param.type = symbol;
        next();
        break;
      case 'j':
        param.regex = '[asnblom]';
        param.type = symbol;
        next();
        break;
      case 'x':
        param.regex = '[asnblfom]';
        param.type = symbol;
        next();
        break;
      case '-':
        prev.context = true;
        prev.contextRegex = new RegExp(prev.regex ?? '');
        prev.regex += '?';
        break;
      case '?':
      case '+':
        prev.regex += symbol;
        break;
      case '(': {
        const end = closing(signature, at, '(', ')');
        const choice = signature.substring(at + 1, end);
        param.regex = `[${choice}m]`;
        param.type = `(${choice})`;
        at = end;
        next();
        break;
      }
      case '<': {
        const end = closing(signature, at, '<', '>');
        prev.subtype = signature.substring(at + 1, end);
        at = end;
        break;
      }
    }
  }
  return params;
}

/** What one validated argument is made of; a plan lists them for one combination of argument types. */
const enum Step {
  /** The argument as given. */
  Arg,
  /** The value in context, when its type fits (else T0411). */
  Context,
  /** Nothing (an array parameter given no value). */
  Missing,
  /** A single value wrapped in an array for an array parameter. */
  Wrap,
  /** An array whose items must all be of the parameter's item type (else T0412). */
  Items,
  /** A single value of the wrong type for a typed array parameter: always T0412. */
  WrongItem,
}

interface PlanStep {
  step: Step;
  /** Index of the argument the step reads. */
  arg: number;
  regex?: RegExp;
  subtype?: string;
}

/** How to turn arguments of one combination of types into the implementation's arguments. */
interface Plan {
  steps: PlanStep[];
  /** The arguments pass through unchanged (the usual case): no new array. */
  identity: boolean;
}

const LETTERS = 'fsnblaom';

/** Index of a value's type letter in LETTERS (the same letters as `typeLetter`). */
function typeCode(value: unknown): number {
  if (isFunctionValue(value)) return 0;
  switch (typeof value) {
    case 'string':
      return 1;
    case 'number':
      return 2;
    case 'boolean':
      return 3;
    case 'function':
      return 0;
    case 'object':
      return value === null ? 4 : Array.isArray(value) ? 5 : 6;
    default:
      return 7;
  }
}

/** Argument lists up to this long get a numeric cache key (one decimal digit per argument). */
const MAX_KEYED_ARGS = 14;

/** A parsed signature: `validate` returns the arguments the implementation receives, or throws T0410/T0411/T0412. */
export class Signature {
  private readonly params: Param[];
  private readonly regex: RegExp;
  /** The plan per combination of argument types (null: the types do not match), keyed by their digits. */
  private readonly plans = new Map<number, Plan | null>();
  /** `passesAlone` per type code. */
  private readonly alone: (boolean | undefined)[] = new Array<boolean | undefined>(LETTERS.length).fill(undefined);

  constructor(readonly definition: string) {
    this.params = parseParams(definition);
    this.regex = new RegExp(`^${this.params.map((p) => `(${p.regex})`).join('')}$`);
  }

  /**
   * True when a single argument of this value's type passes through validation unchanged (so the
   * implementation may be called with it directly); false when `validate` has to see it.
   */
  passesAlone(value: unknown): boolean {
    const code = typeCode(value);
    let known = this.alone[code];
    if (known === undefined) {
      const plan = this.plan([value]);
      known = plan !== null && plan.identity;
      this.alone[code] = known;
    }
    return known;
  }

  validate(args: unknown[], context: unknown): unknown[] {
    let plan: Plan | null | undefined;
    if (args.length <= MAX_KEYED_ARGS) {
      // Digits 1–8 per argument, so lists of different lengths never share a key.
      let key = 0;
      for (let i = 0; i < args.length; i++) key = key * 10 + typeCode(args[i]) + 1;
      plan = this.plans.get(key);
      if (plan === undefined) {
        plan = this.plan(args);
        if (this.plans.size < 256) this.plans.set(key, plan);
      }
    } else {
      plan = this.plan(args);
    }
    if (plan === null) {
      let letters = '';
      for (const arg of args) letters += LETTERS.charAt(typeCode(arg));
      this.fail(args, letters);
    }
    if (plan.identity) return args;
    const { steps } = plan;
    const validated = new Array<unknown>(steps.length);
    for (let i = 0; i < steps.length; i++) {
      const { step, arg, regex, subtype } = steps[i] as PlanStep;
      const value = args[arg];
      switch (step) {
        case Step.Arg:
          validated[i] = value;
          break;
        case Step.Context:
          if (!(regex as RegExp).test(typeLetter(context))) throw new EvalError('T0411', context, undefined, undefined, arg + 1);
          validated[i] = context;
          break;
        case Step.Missing:
          validated[i] = undefined;
          break;
        case Step.Wrap:
          validated[i] = [value];
          break;
        case Step.Items: {
          const items = value as unknown[];
          if (items.length > 0) {
            const itemType = typeLetter(items[0]);
            const ok = itemType === (subtype as string).charAt(0) && items.every((v) => typeLetter(v) === itemType);
            if (!ok) throw new EvalError('T0412', value, undefined, undefined, arg + 1);
          }
          validated[i] = value;
          break;
        }
        default:
          throw new EvalError('T0412', value, undefined, undefined, arg + 1);
      }
    }
    return validated;
  }

  /** Works out, once per combination of argument types, what jsonata's validation does with them. */
  private plan(args: unknown[]): Plan | null {
    let letters = '';
    for (const arg of args) letters += LETTERS.charAt(typeCode(arg));
    const match = this.regex.exec(letters);
    if (match === null) return null;
    const steps: PlanStep[] = [];
    let argIndex = 0;
    for (let index = 0; index < this.params.length; index++) {
      const param = this.params[index] as Param;
      const matched = match[index + 1] ?? '';
      if (matched === '') {
        if (param.context && param.contextRegex) {
          steps.push({ step: Step.Context, arg: argIndex, regex: param.contextRegex });
        } else {
          steps.push({ step: Step.Arg, arg: argIndex });
          argIndex++;
        }
        continue;
      }
      for (const single of matched) {
        if (param.type !== 'a') steps.push({ step: Step.Arg, arg: argIndex });
        else if (single === 'm') steps.push({ step: Step.Missing, arg: argIndex });
        else if (param.subtype !== undefined && single !== 'a' && matched !== param.subtype) steps.push({ step: Step.WrongItem, arg: argIndex });
        else if (single !== 'a') steps.push({ step: Step.Wrap, arg: argIndex });
        else if (param.subtype !== undefined) steps.push({ step: Step.Items, arg: argIndex, subtype: param.subtype });
        else steps.push({ step: Step.Arg, arg: argIndex });
        argIndex++;
      }
    }
    const identity = steps.length === args.length && steps.every((s, i) => s.step === Step.Arg && s.arg === i);
    return { steps, identity };
  }

  private fail(args: unknown[], letters: string): never {
    // Find the first argument the pattern stops matching at, as jsonata reports it.
    let partial = '^';
    let goodTo = 0;
    for (const param of this.params) {
      partial += param.regex;
      const m = new RegExp(partial).exec(letters);
      if (m === null) throw new EvalError('T0410', args[goodTo], undefined, undefined, goodTo + 1);
      goodTo = m[0].length;
    }
    throw new EvalError('T0410', args[goodTo], undefined, undefined, goodTo + 1);
  }
}
