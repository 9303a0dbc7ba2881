// The lab page's terminal, as the page had it before its terminal tabs:
// one xterm.js terminal on the lab's shell over a websocket, with a host
// picker. lab.js mounts it into #terminals until the tabbed terminals
// (frontend/src/terminal/) take its place.
//
// The line is edited here (printable input, Backspace, history with the
// arrow keys, Ctrl-C, Ctrl-L) and sent whole; the server answers with
// output, the next prompt, and `> ` continuation prompts while a command is
// unfinished. The messages are described in docs/protocol.md.
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";

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
const HISTORY_LIMIT = 500;
const DIM = (text) => `\x1b[2m${text}\x1b[0m`;
const RED = (text) => `\x1b[31m${text}\x1b[0m`;

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

/** One terminal on one host of the lab. */
class LabTerminal {
  constructor(element, { wsPath, host, onHello, onClock, onState }) {
    this.element = element;
    this.wsPath = wsPath;
    this.host = host;
    this.onHello = onHello;
    this.onClock = onClock;
    this.onState = onState;
    this.editor = new LineEditor();
    this.state = "connecting"; // connecting | ready | running | closed
    this.prompt = "";
    this.queue = []; // lines entered (or pasted) while a command runs
    this.term = new Terminal({
      convertEol: true, // the shell writes \n; the terminal needs \r\n
      cursorBlink: true,
      fontFamily: '"DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace',
      fontSize: 14,
      lineHeight: 1.15,
      scrollback: 5000,
      theme: THEME,
    });
    this.fit = new FitAddon();
    this.term.loadAddon(this.fit);
    this.term.open(element);
    this.fit.fit();
    new ResizeObserver(() => this.fit.fit()).observe(element);
    this.term.onData((data) => this.input(data));
    this.connect();
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
      if (this.state !== "closed") {
        this.term.write(`\r\n${DIM("[disconnected: press Enter to reconnect]")}\r\n`);
      }
      this.setState("closed");
    };
  }

  /** Open a new shell on `host` (the old one ends). */
  switchHost(host) {
    this.host = host;
    const old = this.ws;
    this.ws = null;
    if (old) old.close();
    this.editor.reset();
    this.queue = [];
    this.term.write(`\r\n${DIM(`── ${host} ──`)}\r\n`);
    this.connect();
    this.term.focus();
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
        this.onHello?.(message);
        this.onClock?.(message.clock);
        break;
      case "output":
        this.term.write(message.text);
        break;
      case "result":
        this.onClock?.(message.clock);
        break;
      case "prompt":
        this.prompt = message.text;
        this.term.write(message.text);
        this.setState("ready");
        if (this.queue.length) {
          // A line typed ahead was not echoed while the command ran: show it at its prompt.
          const line = this.queue.shift();
          this.term.write(line + "\r\n");
          this.submit(line);
        } else if (this.editor.line) {
          this.term.write(this.editor.line);
        }
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
        if (editor.backspace()) this.term.write("\b \b");
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
      this.queue.push(line);
    }
  }

  submit(line) {
    this.setState("running");
    this.send({ type: "input", line });
  }

  interrupt() {
    this.term.write("^C\r\n");
    this.editor.reset();
    this.queue = [];
    this.send({ type: "interrupt" });
  }
}

/** Mount one terminal with a host picker into `element` (#terminals). */
export function mountTerminals(element, ctx) {
  element.classList.add("basic-terminals");
  const bar = document.createElement("div");
  bar.className = "panel-bar";
  const picker = document.createElement("label");
  picker.className = "host-picker";
  picker.textContent = "host ";
  const hostSelect = document.createElement("select");
  hostSelect.id = "host";
  hostSelect.setAttribute("aria-label", "host");
  for (const h of ctx.hosts) hostSelect.append(Object.assign(document.createElement("option"), { value: h, textContent: h }));
  hostSelect.value = ctx.defaultHost;
  picker.append(hostSelect);
  bar.append(picker);
  const box = document.createElement("div");
  box.id = "terminal";
  box.className = "lab-terminal";
  element.append(bar, box);
  const conn = document.getElementById("conn");
  const terminal = new LabTerminal(box, {
    wsPath: ctx.urls.terminal,
    host: ctx.defaultHost,
    onClock: (iso) => ctx.bus.dispatchEvent(new CustomEvent("terminal-clock", { detail: { now: iso } })),
    onHello: (hello) => { hostSelect.value = hello.host; },
    onState: (state) => {
      if (!conn || typeof ctx.live?.play === "function") return; // the live socket owns the indicator
      const label = { connecting: "connecting", ready: "connected", running: "running", closed: "disconnected" };
      conn.dataset.state = state === "closed" ? "closed" : state === "connecting" ? "connecting" : "open";
      conn.textContent = label[state];
    },
  });
  hostSelect.addEventListener("change", () => terminal.switchHost(hostSelect.value));
  terminal.term.focus();
  window.serviceLab = { ...(window.serviceLab || {}), terminal };
  return terminal;
}
