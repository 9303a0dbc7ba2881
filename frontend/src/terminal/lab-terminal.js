// One terminal: an xterm.js screen on one login shell of the lab, over the
// terminal websocket (docs/protocol.md). The line is edited here (printable
// input, Backspace, history with the arrow keys, Ctrl-C, Ctrl-L) and sent
// whole; the server answers with output as it is written, the next prompt,
// `> ` continuation prompts, and `edit` when `kubectl edit` opens the page's
// editor (answered with `edit-save` or `edit-cancel`).
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";
import { LineEditor } from "./line-editor.js";

const THEME = {
  background: "#0d1117",
  foreground: "#d6dde6",
  cursor: "#d6dde6",
  cursorAccent: "#0d1117",
  selectionBackground: "#264f78",
  black: "#484f58", red: "#ff7b72", green: "#3fb950", yellow: "#d29922",
  blue: "#58a6ff", magenta: "#bc8cff", cyan: "#39c5cf", white: "#b1bac4",
  brightBlack: "#6e7681", brightRed: "#ffa198", brightGreen: "#56d364", brightYellow: "#e3b341",
  brightBlue: "#79c0ff", brightMagenta: "#d2a8ff", brightCyan: "#56d4dd", brightWhite: "#f0f6fc",
};
export const DIM = (text) => `\x1b[2m${text}\x1b[0m`;
const RED = (text) => `\x1b[31m${text}\x1b[0m`;

export class LabTerminal {
  /**
   * @param element  where the screen goes
   * @param options  {wsPath, host, onHello(hello), onClock(iso), onState(state), onPrompt(text),
   *                  onEdit(request), onEditClosed(id)}
   */
  constructor(element, options) {
    Object.assign(this, { onHello: null, onClock: null, onState: null, onPrompt: null, onEdit: null,
                          onEditClosed: null }, options);
    this.element = element;
    this.editor = new LineEditor();
    this.state = "connecting"; // connecting | ready | running | closed
    this.prompt = "";
    this.queue = []; // lines entered (or sent by the page) while a command runs
    this.watchers = []; // {resolve, output}: page-run commands waiting for their output
    this.editing = null; // the open `kubectl edit` request, if any
    this.term = new Terminal({
      convertEol: true, // the shell writes \n; the terminal needs \r\n
      cursorBlink: true,
      fontFamily: '"DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace',
      fontSize: 13.5,
      lineHeight: 1.15,
      scrollback: 5000,
      theme: THEME,
    });
    this.fit = new FitAddon();
    this.term.loadAddon(this.fit);
    this.term.open(element);
    this.refit();
    this.resizer = new ResizeObserver(() => this.refit());
    this.resizer.observe(element);
    this.term.onData((data) => this.input(data));
    this.connect();
  }

  refit() {
    if (this.element.offsetWidth > 0 && this.element.offsetHeight > 0) this.fit.fit();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${this.wsPath}?host=${encodeURIComponent(this.host)}`;
  }

  connect() {
    this.setState("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onmessage = (event) => this.receive(JSON.parse(event.data));
    ws.onclose = () => {
      if (this.ws !== ws) return; // replaced by a new connection
      this.closeEdit();
      if (this.state !== "closed") {
        this.term.write(`\r\n${DIM("[disconnected: press Enter to reconnect]")}\r\n`);
      }
      this.setState("closed");
    };
  }

  /** End this terminal's shell for good (its tab closed). */
  dispose() {
    const ws = this.ws;
    this.ws = null;
    this.closeEdit();
    ws?.close();
    this.resizer.disconnect();
    this.term.dispose();
  }

  setState(state) {
    this.state = state;
    this.onState?.(state);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  receive(message) {
    switch (message.type) {
      case "hello":
        this.promptNews = true; // a fresh login shell
        this.onHello?.(message);
        this.onClock?.(message.clock);
        break;
      case "output":
        this.term.write(message.text);
        for (const w of this.watchers) w.output.push(message.text);
        break;
      case "result":
        this.promptNews = true; // the next prompt tells which shell the terminal is in
        this.onClock?.(message.clock);
        this.closeEdit();
        if (this.watchers.length) {
          const w = this.watchers.shift();
          w.resolve({ status: message.status, output: w.output.join("") });
        }
        break;
      case "prompt":
        this.prompt = message.text;
        if (this.promptNews) this.onPrompt?.(message.text, message.exec || null);
        this.promptNews = false;
        this.term.write(message.text);
        this.setState("ready");
        if (this.queue.length) {
          // A line typed ahead was not echoed while the command ran: show it at its prompt.
          const { line, watcher } = this.queue.shift();
          this.term.write(line + "\r\n");
          this.submit(line, watcher);
        } else if (this.editor.line) {
          this.term.write(this.editor.line);
        }
        break;
      case "edit":
        if (this.editing) this.onEditClosed?.(this.editing.id); // kubectl reopened it: a new file
        this.editing = message;
        this.term.write(DIM(`[${message.path} is open in the editor: save to apply it, cancel to leave it as it was]`) + "\r\n");
        this.onEdit?.(message, this);
        break;
      case "exit":
        this.term.write(DIM(`[the shell exited with status ${message.status}: press Enter for a new one]`) + "\r\n");
        this.setState("closed");
        break;
      case "error":
        if (message.code === "busy") break; // the queue keeps type-ahead on this side
        this.term.write(RED(`lab: ${message.message}`) + "\r\n");
        break;
      default:
        break;
    }
  }

  /** The page's editor answers an `edit`: the saved text, or null to cancel. */
  answerEdit(id, text) {
    if (!this.editing || this.editing.id !== id || this.editing.answered) return false;
    this.editing.answered = true; // the editor shows it until kubectl has finished with it
    this.send(text === null ? { type: "edit-cancel", id } : { type: "edit-save", id, text });
    return true;
  }

  closeEdit() {
    if (!this.editing) return;
    const id = this.editing.id;
    this.editing = null;
    this.onEditClosed?.(id);
  }

  /** Keys and pasted text from xterm.js. */
  input(data) {
    if (this.state === "closed") {
      if (data.includes("\r")) {
        this.term.write("\r\n");
        this.connect();
      }
      return;
    }
    const keys = data.match(/\x1b\[[0-9;]*[A-Za-z~]|\x1bO[A-Za-z]|\x1b.|[\s\S]/gu) || [];
    for (const key of keys) this.key(key);
  }

  key(key) {
    const editor = this.editor;
    switch (key) {
      case "\r":
        this.enter();
        return;
      case "\x7f":
      case "\b":
        // SIMPLIFICATION: erasing across a wrapped line's edge is not redrawn.
        if (editor.backspace() && this.state === "ready") this.term.write("\b \b");
        return;
      case "\x03":
        this.interrupt();
        return;
      case "\x0c":
        this.term.clear(); // keeps the current (prompt) line at the top
        return;
      case "\x1b[A":
      case "\x1bOA":
        this.recall(-1);
        return;
      case "\x1b[B":
      case "\x1bOB":
        this.recall(1);
        return;
      default:
        if (key.startsWith("\x1b") || key < " ") return; // other keys are not bound
        editor.insert(key);
        if (this.state === "ready") this.term.write(key);
    }
  }

  recall(step) {
    const before = this.editor.line;
    const line = this.editor.recall(step);
    if (line === null || this.state !== "ready") return;
    this.term.write("\b \b".repeat([...before].length) + line);
  }

  enter() {
    const line = this.editor.take();
    if (this.state === "ready") {
      this.term.write("\r\n");
      this.submit(line);
    } else {
      this.queue.push({ line });
    }
  }

  /**
   * Run `line` as if typed (queued while a command runs); resolves with
   * {status, output} when it finishes.
   */
  run(line) {
    return new Promise((resolve) => {
      const watcher = { resolve, output: [] };
      if (this.editor.history[this.editor.history.length - 1] !== line) this.editor.history.push(line);
      this.editor.index = this.editor.history.length;
      if (this.state === "ready") {
        this.term.write(line + "\r\n");
        this.submit(line, watcher);
      } else {
        this.queue.push({ line, watcher });
      }
    });
  }

  submit(line, watcher = null) {
    if (!line.trim()) {
      watcher?.resolve({ status: 0, output: "" });
      watcher = null;
    } else if (watcher) {
      this.watchers.push(watcher);
    }
    this.setState("running");
    this.send({ type: "input", line });
  }

  interrupt() {
    this.term.write("^C\r\n");
    this.editor.reset();
    this.queue = [];
    if (this.editing) {
      // Ctrl-C while the page's editor has the file: as leaving the editor without saving.
      this.answerEdit(this.editing.id, null);
    }
    this.send({ type: "interrupt" });
  }

  focus() { this.term.focus(); }
}
