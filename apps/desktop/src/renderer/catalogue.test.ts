/// <reference types="vite/types/importMeta.d.ts" />
/**
 * Every word the renderer shows comes from the message catalogue (@scimport/messages), so that a translation is a
 * catalogue, not a rewrite. This test holds the line: it parses each renderer source with the TypeScript compiler
 * and names (file:line) any English written straight into a component, any literal key the catalogue does not
 * have, and any key of the app's sections that nothing uses any more.
 *
 * The sources are read through Vite's `import.meta.glob(…, { query: '?raw' })` rather than `node:fs`: the
 * renderer's lint rules forbid Node imports there, and the glob needs none. Nothing is written anywhere.
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { isMessageKey } from '@scimport/messages';

type Sources = Record<string, string>;

// Tests are not shown to anyone, and this one quotes the very things it looks for.
const renderer = import.meta.glob(['./**/*.ts', './**/*.tsx', '!./**/*.test.ts', '!./**/*.test.tsx'], { query: '?raw', import: 'default', eager: true }) as Sources;
// The contract the renderer shares with the services: its messages reach the screens too (openEnvelope's error).
const shared = import.meta.glob(['../shared/*.ts', '!../shared/*.test.ts'], { query: '?raw', import: 'default', eager: true }) as Sources;
// The catalogue sections that belong to the renderer alone: a key there that nothing uses is dead weight.
const sections = import.meta.glob(['../../../../packages/messages/src/en/app.ts', '../../../../packages/messages/src/en/editors.ts'], { query: '?raw', import: 'default', eager: true }) as Sources;

/** Attributes a person reads or hears (a screen reader announces aria-label and label, a tooltip shows title). */
const WORDY_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label']);

/**
 * Texts that are not words for people and may stay in the code: the product name in the brand (a name, the same
 * in every language). CSS class names and key names need no entry: the checks skip `className`, comparisons,
 * `case` labels, index keys and whatever goes through `t(…)`, which is where those live.
 */
const ALLOWED_TEXT = new Set(['scimport']);

const LETTER = /\p{L}/u;

interface Finding {
  where: string;
  text: string;
}

// Each source is parsed once, whichever checks read it.
const parsed = new Map<string, ts.SourceFile>();
function parse(file: string, text: string): ts.SourceFile {
  const cached = parsed.get(file);
  if (cached?.text === text) return cached;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  parsed.set(file, source);
  return source;
}

function where(source: ts.SourceFile, node: ts.Node): string {
  const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return `${source.fileName.replace(/^\.\//, '')}:${line + 1}`;
}

/** True for a call to the catalogue's `t(…)`. */
function isT(node: ts.Node): node is ts.CallExpression {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 't';
}

/** The literal text of a string or template (its fixed parts), or undefined for any other expression. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('…');
  return undefined;
}

/**
 * The literals with a letter inside an expression a person reads, skipping what is not words: whatever goes
 * through `t(…)`, the key of an index (`labels['x']`) and the side of a comparison (`kind === 'error'`).
 */
function wordsIn(expression: ts.Node): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (isT(node)) return;
    if (ts.isElementAccessExpression(node)) return visit(node.expression);
    if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(node.operatorToken.kind)) return;
    const text = literalText(node);
    if (text !== undefined) {
      if (LETTER.test(text) && !ALLOWED_TEXT.has(text.trim())) found.push(node);
      // A template's substitutions may hold `t(…)` calls or more literals; look inside them too.
      if (ts.isTemplateExpression(node)) node.templateSpans.forEach((s) => visit(s.expression));
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return found;
}

/**
 * Sentences written into code rather than JSX (a problem pushed onto a list, an error's message, a label in a
 * table): any literal of two words or more. Skipped: the argument of `t(…)`, imports, types, comparisons and
 * `case` labels (codes, not words), `className` (CSS classes), and `new Error(…)`, a programming mistake that
 * the screens never show (they show a BridgeError's message or a sentence of the catalogue).
 */
function sentencesInCode(file: string, text: string): Finding[] {
  const source = parse(file, text);
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (isT(node) || ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isLiteralTypeNode(node) || ts.isCaseClause(node)) return;
    if (ts.isJsxAttribute(node) && node.name.getText(source) === 'className') return;
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Error') return;
    if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(node.operatorToken.kind)) return;
    const literal = literalText(node);
    if (literal !== undefined && /\p{L}{2,}\s+\p{L}{2,}/u.test(literal)) findings.push({ where: where(source, node), text: node.getText(source) });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** The name of a called function when it is `confirm`, `alert` or `prompt`, bare or on `window`. */
function dialogName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'window' ? callee.name.text : undefined;
  return name && ['confirm', 'alert', 'prompt'].includes(name) ? name : undefined;
}

/** English written into the renderer instead of taken from the catalogue. */
function hardCodedWords(file: string, text: string): Finding[] {
  const source = parse(file, text);
  const findings: Finding[] = [];
  const report = (node: ts.Node, shown: string) => findings.push({ where: where(source, node), text: shown.replace(/\s+/g, ' ').trim() });
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node) && LETTER.test(node.text) && !ALLOWED_TEXT.has(node.text.trim())) report(node, node.text);
    if (ts.isJsxAttribute(node) && WORDY_ATTRIBUTES.has(node.name.getText(source)) && node.initializer) {
      const value = ts.isJsxExpression(node.initializer) ? node.initializer.expression : node.initializer;
      if (value) for (const literal of wordsIn(value)) report(literal, `${node.name.getText(source)}=${literal.getText(source)}`);
    }
    if (ts.isCallExpression(node)) {
      const dialog = dialogName(node);
      if (dialog) for (const argument of node.arguments) for (const literal of wordsIn(argument)) report(literal, `${dialog}(${literal.getText(source)})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** Every string literal in a source (keys are often kept in tables, typed MessageKey, before they reach `t`). */
function stringLiterals(file: string, text: string): string[] {
  const literals: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literals.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(parse(file, text));
  return literals;
}

/** Keys built at run time (`t(\`mapping.form.kind.${k}\`)`), as patterns of the keys they can be. */
function keyPatterns(file: string, text: string): RegExp[] {
  const patterns: RegExp[] = [];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const visit = (node: ts.Node): void => {
    if (isT(node) && node.arguments[0] && ts.isTemplateExpression(node.arguments[0])) {
      const template = node.arguments[0];
      patterns.push(new RegExp(`^${[template.head.text, ...template.templateSpans.map((s) => s.literal.text)].map(escape).join('[\\w.-]+')}$`));
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file, text));
  return patterns;
}

/** The literal keys given to `t(…)`, with where they are. */
function literalKeys(file: string, text: string): Finding[] {
  const source = parse(file, text);
  const keys: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (isT(node) && node.arguments[0]) {
      const argument = node.arguments[0];
      // `t(cond ? 'a' : 'b')` names two keys.
      const candidates = ts.isConditionalExpression(argument) ? [argument.whenTrue, argument.whenFalse] : [argument];
      for (const c of candidates) if (ts.isStringLiteral(c) || ts.isNoSubstitutionTemplateLiteral(c)) keys.push({ where: where(source, c), text: c.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return keys;
}

/** The keys a catalogue section declares (the string-named properties of its one exported object). */
function sectionKeys(file: string, text: string): string[] {
  const keys: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.name)) keys.push(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(parse(file, text));
  return keys;
}

const show = (findings: Finding[]) => findings.map((f) => `${f.where}: ${f.text}`);

describe('the renderer takes its words from the catalogue', () => {
  it('reads the renderer and the catalogue sections (a glob that matched nothing would pass every check below)', () => {
    expect(Object.keys(renderer).length).toBeGreaterThan(20);
    expect(Object.keys(renderer)).toContain('./App.tsx');
    expect(Object.keys(shared)).toContain('../shared/contract.ts');
    expect(Object.keys(sections).map((f) => f.split('/').pop())).toEqual(['app.ts', 'editors.ts']);
  });

  it('writes no English into a component: no JSX text, no wordy attribute, no dialog text that is a literal', () => {
    const findings = Object.entries(renderer).flatMap(([file, text]) => hardCodedWords(file, text));
    expect(show(findings)).toEqual([]);
  });

  it('writes no sentence into code: problems, errors and labels come from the catalogue too', () => {
    const findings = Object.entries(renderer).flatMap(([file, text]) => sentencesInCode(file, text));
    expect(show(findings)).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    const sample = [
      'export const A = () => <p title="Tip" aria-label={`Row ${n}`} className="quiet">Hello {name}</p>;',
      'export const B = () => <p title={t(\'app.x\')} aria-label={ok ? t(\'app.y\') : \'Nope\'}>{t(\'app.z\')} · 1</p>;',
      'export const C = () => <p className="brand">scimport</p>;',
      'if (window.confirm(\'Sure?\')) alert(t(\'app.x\'));',
    ].join('\n');
    expect(show(hardCodedWords('./sample.tsx', sample))).toEqual([
      'sample.tsx:1: title="Tip"',
      'sample.tsx:1: aria-label=`Row ${n}`',
      'sample.tsx:1: Hello',
      "sample.tsx:2: aria-label='Nope'",
      "sample.tsx:4: confirm('Sure?')",
    ]);
    const code = [
      "problems.push(`Line ${n} has no value.`, t('app.x'), 'two words' === kind ? 'ok' : 'bad');",
      "throw new Error('useApp outside AppContext');",
      "export const D = () => <p className=\"row spread\" />;",
    ].join('\n');
    expect(show(sentencesInCode('./code.tsx', code))).toEqual(['code.tsx:1: `Line ${n} has no value.`']);
  });

  it('asks the catalogue only for keys it has', () => {
    const unknown = Object.entries({ ...renderer, ...shared })
      .flatMap(([file, text]) => literalKeys(file, text))
      .filter((k) => !isMessageKey(k.text));
    expect(show(unknown)).toEqual([]);
  });

  it('uses every key of the app’s sections (app.ts, editors.ts) somewhere', () => {
    const users = Object.entries({ ...renderer, ...shared });
    const used = new Set(users.flatMap(([file, text]) => stringLiterals(file, text)));
    const patterns = users.flatMap(([file, text]) => keyPatterns(file, text));
    const unused = Object.entries(sections)
      .flatMap(([file, text]) => sectionKeys(file, text).map((key) => `${file.split('/').pop()}: ${key}`))
      .filter((entry) => {
        const key = entry.slice(entry.indexOf(': ') + 2);
        return !used.has(key) && !patterns.some((p) => p.test(key));
      });
    expect(unused).toEqual([]);
  });
});
