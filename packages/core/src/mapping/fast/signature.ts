/**
 * Function signatures (`<s-nn?:s>`) checked the way jsonata checks them: each argument gets a type
 * letter, the letters must match the signature's pattern, a missing argument marked `-` takes the
 * context value, and an argument declared as an array is wrapped when it is a single value. The matching
 * is done once per combination of argument types and remembered, so a call costs a map lookup.
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

/** A parsed signature: `validate` returns the arguments the implementation receives, or throws T0410/T0411/T0412. */
export class Signature {
  private readonly params: Param[];
  private readonly regex: RegExp;
  /** Match of the pattern per string of argument type letters (null: no match). */
  private readonly matches = new Map<string, RegExpExecArray | null>();

  constructor(readonly definition: string) {
    this.params = parseParams(definition);
    this.regex = new RegExp(`^${this.params.map((p) => `(${p.regex})`).join('')}$`);
  }

  validate(args: unknown[], context: unknown): unknown[] {
    let letters = '';
    for (const arg of args) letters += typeLetter(arg);
    let match = this.matches.get(letters);
    if (match === undefined) {
      match = this.regex.exec(letters);
      if (this.matches.size < 256) this.matches.set(letters, match);
    }
    if (match === null) this.fail(args, letters);
    const validated: unknown[] = [];
    let argIndex = 0;
    for (let index = 0; index < this.params.length; index++) {
      const param = this.params[index] as Param;
      const matched = match[index + 1] ?? '';
      if (matched === '') {
        if (param.context && param.contextRegex) {
          if (!param.contextRegex.test(typeLetter(context))) throw new EvalError('T0411', context, undefined, undefined, argIndex + 1);
          validated.push(context);
        } else {
          validated.push(args[argIndex]);
          argIndex++;
        }
        continue;
      }
      for (const single of matched) {
        let arg = args[argIndex];
        if (param.type === 'a') {
          if (single === 'm') {
            arg = undefined;
          } else {
            let ok = true;
            if (param.subtype !== undefined) {
              if (single !== 'a' && matched !== param.subtype) {
                ok = false;
              } else if (single === 'a') {
                const items = arg as unknown[];
                if (items.length > 0) {
                  const itemType = typeLetter(items[0]);
                  if (itemType !== param.subtype.charAt(0)) ok = false;
                  else ok = items.every((v) => typeLetter(v) === itemType);
                }
              }
            }
            if (!ok) throw new EvalError('T0412', arg, undefined, undefined, argIndex + 1);
            if (single !== 'a') arg = [arg];
          }
        }
        validated.push(arg);
        argIndex++;
      }
    }
    return validated;
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
