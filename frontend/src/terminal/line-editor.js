// The line being typed in a terminal: its text, the shell history and where
// the arrow keys are in it. The page edits lines itself and sends them whole.
const HISTORY_LIMIT = 500;

/** The line being typed: text, the shell's history and where we are in it. */
export class LineEditor {
  constructor() {
    this.line = "";
    this.history = [];
    this.index = 0; // == history.length: the new line
    this.draft = "";
  }
  insert(text) { this.line += text; }
  backspace() {
    if (!this.line) return false;
    this.line = [...this.line].slice(0, -1).join("");
    return true;
  }
  /** Move through history (-1 older, +1 newer); the line to show, or null. */
  recall(step) {
    const next = this.index + step;
    if (next < 0 || next > this.history.length) return null;
    if (this.index === this.history.length) this.draft = this.line;
    this.index = next;
    this.line = next === this.history.length ? this.draft : this.history[next];
    return this.line;
  }
  /** The line is entered: remember it (not blanks, not a repeat) and start anew. */
  take() {
    const line = this.line;
    if (line.trim() && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > HISTORY_LIMIT) this.history.shift();
    }
    this.line = "";
    this.draft = "";
    this.index = this.history.length;
    return line;
  }
  reset() { this.line = ""; this.draft = ""; this.index = this.history.length; }
}
