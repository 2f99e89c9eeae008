/**
 * The JSONata editor (CodeMirror 6): highlighting, the mistake underlined where the parser stopped, completion
 * of the file's column names and the helper functions, and insertion at the cursor from the columns list.
 * Tab moves focus on (it is not captured), so the editor never traps a keyboard user.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching } from '@codemirror/language';
import { autocompletion, closeBrackets, completionKeymap, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { t } from '@scimport/messages';
import type { MappingSyntaxProblem } from '../../shared/contract';

interface JsonataState {
  comment: boolean;
}

/** A small tokenizer for JSONata: enough for highlighting (strings, numbers, $functions, `quoted names`, comments). */
const jsonata = StreamLanguage.define<JsonataState>({
  name: 'jsonata',
  startState: () => ({ comment: false }),
  token(stream, state) {
    if (state.comment) {
      if (stream.skipTo('*/')) {
        stream.pos += 2;
        state.comment = false;
      } else stream.skipToEnd();
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('/*')) {
      state.comment = true;
      return 'comment';
    }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      stream.next();
      let escaped = false;
      while (!stream.eol()) {
        const c = stream.next();
        if (c === ch && !escaped) break;
        escaped = !escaped && c === '\\';
      }
      return 'string';
    }
    if (ch === '`') {
      stream.next();
      if (stream.skipTo('`')) stream.next();
      else stream.skipToEnd();
      return 'variableName';
    }
    if (stream.match(/^\d+(\.\d+)?([eE][+-]?\d+)?/)) return 'number';
    if (stream.match(/^\$[A-Za-z_]\w*/)) return 'keyword';
    if (stream.match(/^(and|or|in|true|false|null|function)\b/)) return 'atom';
    if (stream.match(/^[A-Za-z_][\w]*/)) return 'variableName';
    if (stream.match(/^[{}[\]()]/)) return 'bracket';
    stream.next();
    return 'operator';
  },
});

/** How a column name is written in JSONata: bare when it is a plain name, in backticks otherwise. */
export function columnReference(header: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(header) ? header : `\`${header.replace(/`/g, '')}\``;
}

export interface JsonataEditorHandle {
  insert(text: string): void;
  focus(): void;
}

interface Props {
  value: string;
  onChange(value: string): void;
  columns: string[];
  helpers: { name: string; signature: string; description: string }[];
  /** The current syntax problem (from the services), underlined in the text. */
  problem?: MappingSyntaxProblem | undefined;
  /** Mistakes found by `mapping:hints` (unknown columns, Excel habits, …), underlined with their words. */
  hints?: { from: number; to: number; severity: 'error' | 'warning'; message: string }[] | undefined;
  label: string;
  describedBy?: string;
}

export const JsonataEditor = forwardRef<JsonataEditorHandle, Props>(function JsonataEditor({ value, onChange, columns, helpers, problem, hints, label, describedBy }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const words = useRef({ columns, helpers });
  words.current = { columns, helpers };

  useImperativeHandle(ref, () => ({
    insert(text: string) {
      const v = view.current;
      if (!v) return;
      const { from, to } = v.state.selection.main;
      v.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length }, scrollIntoView: true });
      v.focus();
    },
    focus() {
      view.current?.focus();
    },
  }));

  useEffect(() => {
    const complete = (context: CompletionContext): CompletionResult | null => {
      const word = context.matchBefore(/[$`]?[\w ]*$/);
      if (!word || (word.from === word.to && !context.explicit)) return null;
      const typed = word.text.trimStart();
      const from = word.to - typed.length;
      const { columns: cols, helpers: fns } = words.current;
      return {
        from,
        options: [
          ...cols.map((c) => ({ label: columnReference(c), detail: t('app.editors.jsonata.column'), type: 'variable' })),
          ...fns.map((h) => ({ label: h.name, detail: h.signature, info: h.description, type: 'function', apply: `${h.name}(` })),
        ],
        validFor: /^[$`]?[\w]*$/,
      };
    };
    const state = EditorState.create({
      doc: value,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        closeBrackets(),
        jsonata,
        syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [complete] }),
        lintGutter(),
        keymap.of([...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': label, ...(describedBy ? { 'aria-describedby': describedBy } : {}) }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChangeRef.current(update.state.doc.toString());
        }),
      ],
    });
    view.current = new EditorView({ state, parent: host.current! });
    // An explicit tab stop on the text itself, so checkers (and some screen readers) see the scroll area's content as focusable.
    view.current.contentDOM.tabIndex = 0;
    return () => view.current?.destroy();
    // The editor is created once; later values arrive through the effect below.
  }, []);

  // A value set from outside (a profile opened, auto-map) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  // The problem comes from the services after each change; show it as an underline with its message.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const diagnostics: Diagnostic[] = [];
    if (problem) {
      const length = v.state.doc.length;
      // Underline the character where the parser stopped (the last one when it stopped at the end).
      const from = Math.max(0, Math.min(problem.position, length - 1));
      diagnostics.push({ from, to: Math.min(length, from + 1), severity: 'error', message: problem.message });
    } else {
      // Hints are only shown once the mapping reads: a syntax problem is already underlined above.
      const length = v.state.doc.length;
      for (const h of hints ?? []) {
        const from = Math.max(0, Math.min(h.from, length));
        diagnostics.push({ from, to: Math.max(from, Math.min(h.to, length)), severity: h.severity, message: h.message });
      }
    }
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [problem, hints]);

  return <div className="editor" ref={host} />;
});
