// The YAML editor: CodeMirror 6 with YAML highlighting and live lint from
// the lab's own apiserver (lab/labs/lint.py): each diagnostic is marked from
// the line and column the server gives to the end of the key or value there.
import { basicSetup } from "codemirror";
import { EditorView, keymap } from "@codemirror/view";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { yaml } from "@codemirror/lang-yaml";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { oneDark } from "@codemirror/theme-one-dark";

const LINT_DELAY_MS = 400;

/** Character range of a 1-based (line, column): the token that starts there. */
export function markRange(doc, line, column) {
  const number = Math.min(Math.max(line, 1), doc.lines);
  const row = doc.line(number);
  const start = Math.min(row.from + Math.max(column, 1) - 1, row.to);
  const rest = doc.sliceString(start, row.to);
  const token = rest.match(/^(- )?[^\s:]+/);
  const end = token ? start + token[0].length : row.to;
  return { from: start, to: Math.max(end, Math.min(start + 1, row.to)) };
}

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "12.5px", backgroundColor: "#0d1117" },
  ".cm-scroller": { fontFamily: '"DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace' },
  ".cm-gutters": { backgroundColor: "#0d1117", borderRight: "1px solid #262c36" },
  ".cm-tooltip-lint": { maxWidth: "36rem" },
  ".cm-diagnostic": { whiteSpace: "pre-wrap", fontFamily: '"DejaVu Sans Mono", ui-monospace, monospace', fontSize: "12px" },
}, { dark: true });

export class YamlEditor {
  /**
   * @param parent     where the editor goes
   * @param lint       async (text) => [{line, column, message, severity, source}] or null (no lint)
   * @param onChange   (text) => void after every edit
   * @param onSave     () => void on Ctrl-S / Cmd-S
   * @param onLint     (diagnostics) => void with every lint result
   */
  constructor(parent, { lint, onChange, onSave, onLint }) {
    this.lintFn = lint;
    this.onLint = onLint;
    this.lintable = new Compartment();
    this.readOnly = new Compartment();
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: "",
        extensions: [
          basicSetup,
          yaml(),
          oneDark,
          theme,
          EditorState.tabSize.of(2),
          lintGutter(),
          this.lintable.of([]),
          this.readOnly.of(EditorState.readOnly.of(false)),
          Prec.high(keymap.of([{ key: "Mod-s", preventDefault: true, run: () => { onSave?.(); return true; } }])),
          EditorView.updateListener.of((update) => { if (update.docChanged) onChange?.(update.state.doc.toString()); }),
        ],
      }),
    });
  }

  get text() { return this.view.state.doc.toString(); }

  /** Show `text` (replacing the document); lint it when `lint` is true. */
  load(text, { lint = true, readOnly = false } = {}) {
    const view = this.view;
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: text },
      effects: [
        this.lintable.reconfigure(lint ? linter((v) => this.diagnostics(v), { delay: LINT_DELAY_MS }) : []),
        this.readOnly.reconfigure(EditorState.readOnly.of(readOnly)),
      ],
      selection: { anchor: 0 },
      scrollIntoView: true,
    });
    if (lint) forceLinting(view);
  }

  async diagnostics(view) {
    const text = view.state.doc.toString();
    let found;
    try {
      found = await this.lintFn(text);
    } catch {
      return [];
    }
    if (!found || view.state.doc.toString() !== text) return [];
    this.onLint?.(found);
    const doc = view.state.doc;
    return found.map((d) => ({
      ...markRange(doc, d.line, d.column),
      severity: d.severity === "warning" ? "warning" : "error",
      source: d.field ? `${d.source} · ${d.field}` : d.source,
      message: d.message,
    }));
  }

  focus() { this.view.focus(); }
}
