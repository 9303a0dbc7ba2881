// The Files tab: each host's files in a tree, the YAML editor with live lint,
// and the open file's kubectl buttons.
//
//   mountFiles(element, ctx)
//
// Apply / Create / Delete run `kubectl apply|create|delete -f <path>` in a
// terminal on the file's host (bus "run-command"), so the command is run,
// saved and broadcast like a typed one; its output is shown under the editor.
// `kubectl edit` typed in a terminal opens its temp file here (bus
// "edit-open"); Save sends the text back ("edit-answer"), Cancel leaves it.
// bus events it listens to: open-file {host, path}, edit-open, edit-closed,
// command-done; it sends run-command and edit-answer.
import { FilesApi } from "./api.js";
import { FileTree } from "./tree.js";
import { YamlEditor } from "./yaml-editor.js";
import "./editor.css";

const LINTED = /\.(ya?ml|json)$/i;
const MIN_SIDE_PX = 460;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, title) {
  const b = el("button", className, label);
  b.type = "button";
  if (title) b.title = title;
  return b;
}

function shellQuote(text) {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

export class FilesPanel {
  constructor(element, ctx) {
    this.element = element;
    this.ctx = ctx;
    this.api = new FilesApi(ctx.labName);
    this.host = ctx.defaultHost;
    this.entries = new Map(); // host -> entries
    this.buffer = null; // {kind: "file"|"new"|"edit", host, path, saved, id}
    this.parked = null; // the buffer an edit took the place of
    this.requests = 0;
    this.build();
    this.refresh();
    const bus = ctx.bus;
    bus.addEventListener("open-file", (e) => this.openFile(e.detail.host || this.host, e.detail.path));
    bus.addEventListener("edit-open", (e) => this.openEdit(e.detail));
    bus.addEventListener("edit-closed", (e) => this.editClosed(e.detail.id));
    bus.addEventListener("command-done", (e) => this.commandDone(e.detail));
    ctx.live?.addEventListener?.("command", () => this.refreshSoon());
  }

  build() {
    const root = this.element;
    root.classList.add("files-panel");
    const bar = el("div", "panel-bar files-bar");
    const picker = el("label", "host-picker", "host ");
    this.hostSelect = el("select", "files-host");
    this.hostSelect.setAttribute("aria-label", "host of the files");
    for (const h of this.ctx.hosts) this.hostSelect.append(Object.assign(el("option"), { value: h, textContent: h }));
    this.hostSelect.value = this.host;
    this.hostSelect.addEventListener("change", () => { this.host = this.hostSelect.value; this.showTree(); });
    picker.append(this.hostSelect);
    const newButton = button("New file", "files-new-button", "a new file on this host");
    newButton.addEventListener("click", () => this.askNewPath());
    const reload = button("↻", "files-reload", "read the files again");
    reload.addEventListener("click", () => this.refresh());
    bar.append(picker, newButton, reload);

    this.newRow = el("form", "files-new");
    this.newRow.hidden = true;
    this.newPath = el("input", "files-new-path");
    this.newPath.type = "text";
    this.newPath.setAttribute("aria-label", "path of the new file");
    this.newPath.spellcheck = false;
    const make = button("Open", "files-new-open");
    make.type = "submit";
    const dismiss = button("×", "files-new-cancel", "never mind");
    dismiss.addEventListener("click", () => { this.newRow.hidden = true; });
    this.newRow.append(this.newPath, make, dismiss);
    this.newRow.addEventListener("submit", (e) => { e.preventDefault(); this.newFile(this.newPath.value.trim()); });

    this.treeBox = el("div", "files-tree");
    this.tree = new FileTree(this.treeBox, { onOpen: (path) => this.openFile(this.host, path) });

    this.editorBox = el("div", "files-editor");
    this.editorBox.hidden = true;
    const head = el("div", "editor-head");
    this.pathLabel = el("span", "editor-path");
    this.stateLabel = el("span", "editor-state");
    this.closeButton = button("×", "editor-close", "close the file");
    this.closeButton.addEventListener("click", () => this.closeFile());
    head.append(this.pathLabel, this.stateLabel, this.closeButton);
    this.actions = el("div", "editor-actions");
    this.saveButton = button("Save", "editor-save", "save the file (Ctrl-S)");
    this.saveButton.addEventListener("click", () => this.save());
    this.kubectlButtons = ["apply", "create", "delete"].map((verb) => {
      const b = button(verb, `editor-${verb}`, `kubectl ${verb} -f this file, in a terminal on its host`);
      b.dataset.verb = verb;
      b.addEventListener("click", () => this.kubectl(verb));
      return b;
    });
    this.editSave = button("Save and apply", "editor-edit-save", "save: kubectl edit applies it");
    this.editSave.addEventListener("click", () => this.answerEdit(true));
    this.editCancel = button("Cancel", "editor-edit-cancel", "close without saving: kubectl edit changes nothing");
    this.editCancel.addEventListener("click", () => this.answerEdit(false));
    this.actions.append(this.saveButton, ...this.kubectlButtons, this.editSave, this.editCancel);
    this.lintSummary = el("div", "editor-lint");
    this.cmBox = el("div", "editor-cm");
    this.output = el("pre", "editor-output");
    this.output.hidden = true;
    this.editorBox.append(head, this.actions, this.lintSummary, this.cmBox, this.output);
    this.editor = new YamlEditor(this.cmBox, {
      lint: (text) => this.lint(text),
      onChange: () => this.showState(),
      onSave: () => (this.buffer?.kind === "edit" ? this.answerEdit(true) : this.save()),
      onLint: (found) => this.showLint(found),
    });

    this.empty = el("p", "files-empty muted", "Open a file from the tree, or make a new one.");
    root.append(bar, this.newRow, this.treeBox, this.editorBox, this.empty);
  }

  // -- the tree -------------------------------------------------------------
  async refresh() {
    try {
      const answer = await this.api.tree();
      this.entries = new Map(answer.hosts.map((h) => [h.name, h.entries]));
      this.showTree();
      this.followOpenFile();
    } catch (error) {
      this.treeBox.replaceChildren(el("p", "files-error", `the files could not be read: ${error.message}`));
    }
  }

  /** The open file changed on its host (`sed -i` in a terminal): show the new text, unless it has edits here. */
  async followOpenFile() {
    const b = this.buffer;
    if (!b || b.kind !== "file" || this.editor.text !== b.saved) return;
    const entry = (this.entries.get(b.host) || []).find((e) => e.path === b.path);
    if (!entry || entry.mtime === b.mtime) return;
    const file = await this.api.read(b.host, b.path).catch(() => null);
    if (!file || this.buffer !== b || this.editor.text !== b.saved) return;
    b.saved = file.content;
    b.mtime = file.mtime;
    if (file.content !== this.editor.text) this.editor.load(file.content, { lint: LINTED.test(b.path) });
    this.showState();
  }

  refreshSoon() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 300);
  }

  showTree() {
    this.tree.show(this.entries.get(this.host) || []);
  }

  // -- buffers ----------------------------------------------------------------
  widen() {
    // The editor needs room: widen the side pane when it is narrower.
    const lab = document.getElementById("lab");
    const side = document.getElementById("side");
    if (lab && side && side.getBoundingClientRect().width < MIN_SIDE_PX) {
      this.narrowWidth = lab.style.getPropertyValue("--side-w");
      lab.style.setProperty("--side-w", `${MIN_SIDE_PX}px`);
    }
    document.querySelector('#side [role=tab][data-tab="files"]')?.click();
  }

  show(buffer, text) {
    this.buffer = buffer;
    this.editorBox.hidden = false;
    this.empty.hidden = true;
    this.editorBox.dataset.kind = buffer.kind;
    this.pathLabel.textContent = buffer.kind === "edit" ? `kubectl edit · ${buffer.path}` : buffer.path;
    this.pathLabel.title = `${buffer.host}:${buffer.path}`;
    this.output.hidden = true;
    this.lintSummary.replaceChildren();
    this.editor.load(text, { lint: buffer.kind === "edit" || LINTED.test(buffer.path) });
    this.showState();
    this.widen();
    if (buffer.kind !== "edit" && buffer.host === this.host) this.tree.select(buffer.path);
    this.editor.focus();
  }

  closeFile() {
    const b = this.buffer;
    if (!b || b.kind === "edit") return;
    if ((b.kind === "new" || this.editor.text !== b.saved) && !window.confirm(`Close ${b.path} without saving?`)) return;
    this.buffer = null;
    this.editorBox.hidden = true;
    this.empty.hidden = false;
    this.tree.select("");
    this.narrow();
  }

  /** Give the side pane back the width it had before an edit widened it. */
  narrow() {
    if (this.narrowWidth === undefined) return;
    const lab = document.getElementById("lab");
    if (this.narrowWidth) lab?.style.setProperty("--side-w", this.narrowWidth);
    else lab?.style.removeProperty("--side-w");
    this.narrowWidth = undefined;
  }

  showState() {
    const b = this.buffer;
    if (!b) return;
    const dirty = this.editor.text !== b.saved;
    this.stateLabel.textContent = b.kind === "edit" ? (b.sent ? "applying…" : "editing")
      : b.kind === "new" ? "new" : dirty ? "modified" : "saved";
    this.stateLabel.dataset.state = b.kind === "edit" ? "edit" : b.kind === "new" || dirty ? "dirty" : "clean";
    const editing = b.kind === "edit";
    this.saveButton.hidden = editing;
    this.closeButton.hidden = editing;
    for (const k of this.kubectlButtons) { k.hidden = editing; k.disabled = b.kind === "new" && !this.editor.text; }
    this.editSave.hidden = this.editCancel.hidden = !editing;
    this.editSave.disabled = this.editCancel.disabled = Boolean(b.sent);
  }

  async openFile(host, path) {
    if (!path) return;
    if (this.buffer?.kind === "edit") {
      this.say("kubectl edit is waiting for this file: Save and apply, or Cancel, first.", "bad");
      return;
    }
    try {
      const file = await this.api.read(host, path);
      if (host !== this.host) { this.host = host; this.hostSelect.value = host; this.showTree(); }
      this.show({ kind: "file", host, path, saved: file.content, mtime: file.mtime }, file.content);
    } catch (error) {
      this.say(`${path}: ${error.message}`);
    }
  }

  askNewPath() {
    if (this.buffer?.kind === "edit") return;
    this.newRow.hidden = false;
    const dir = this.buffer && this.buffer.kind !== "edit" ? this.buffer.path.replace(/\/[^/]*$/, "") : "/root";
    this.newPath.value = `${dir || "/root"}/`;
    this.newPath.focus();
  }

  newFile(path) {
    if (!path.startsWith("/") || path.endsWith("/")) {
      this.newPath.setCustomValidity("an absolute path to a file, e.g. /root/pod.yml");
      this.newPath.reportValidity();
      return;
    }
    this.newPath.setCustomValidity("");
    this.newRow.hidden = true;
    this.show({ kind: "new", host: this.host, path, saved: "" }, "");
  }

  async save() {
    const b = this.buffer;
    if (!b || b.kind === "edit") return true;
    const text = this.editor.text;
    try {
      const written = await this.api.write(b.host, b.path, text);
      b.mtime = written.mtime;
    } catch (error) {
      this.say(`not saved: ${error.message}`, "bad");
      return false;
    }
    b.kind = "file";
    b.saved = text;
    this.editorBox.dataset.kind = "file";
    this.showState();
    this.refresh();
    return true;
  }

  // -- kubectl ------------------------------------------------------------------
  async kubectl(verb) {
    const b = this.buffer;
    if (!b || b.kind === "edit") return;
    if ((b.kind === "new" || this.editor.text !== b.saved) && !(await this.save())) return;
    const request = `files-${++this.requests}`;
    this.pending = request;
    this.say(`$ kubectl ${verb} -f ${b.path}\n…`, "running");
    this.ctx.bus.dispatchEvent(new CustomEvent("run-command", {
      detail: { line: `kubectl ${verb} -f ${shellQuote(b.path)}`, host: b.host, request },
    }));
  }

  commandDone(detail) {
    if (detail.request && detail.request === this.pending) {
      this.pending = null;
      this.say(`$ ${detail.line}\n${detail.output}`, detail.status === 0 ? "ok" : "bad");
    }
    this.refreshSoon();
  }

  say(text, tone = "") {
    this.output.hidden = false;
    this.output.textContent = text;
    this.output.dataset.tone = tone;
  }

  // -- lint ---------------------------------------------------------------------
  async lint(text) {
    const b = this.buffer;
    if (!b) return null;
    const answer = await this.api.lint(text, b.path);
    return answer.diagnostics;
  }

  showLint(found) {
    this.lintSummary.replaceChildren();
    this.lintSummary.dataset.count = String(found.length);
    if (!found.length) {
      this.lintSummary.append(el("span", "lint-ok", "✓ the apiserver would accept this"));
      return;
    }
    for (const d of found) {
      const row = button("", "lint-item");
      row.append(el("span", "lint-line", `line ${d.line}`), el("span", "lint-message", d.message));
      row.addEventListener("click", () => {
        const line = this.editor.view.state.doc.line(Math.min(d.line, this.editor.view.state.doc.lines));
        this.editor.view.dispatch({ selection: { anchor: line.from + Math.max(d.column - 1, 0) }, scrollIntoView: true });
        this.editor.focus();
      });
      this.lintSummary.append(row);
    }
  }

  // -- kubectl edit ----------------------------------------------------------------
  openEdit({ id, path, text, host, terminal }) {
    if (this.buffer && this.buffer.kind !== "edit") this.parked = { buffer: this.buffer, text: this.editor.text };
    this.show({ kind: "edit", id, host, path, terminal, saved: text }, text);
    this.say(`kubectl edit is waiting in the terminal on ${host}: Save and apply, or Cancel.`, "running");
  }

  answerEdit(save) {
    const b = this.buffer;
    if (!b || b.kind !== "edit" || b.sent) return;
    b.sent = true;
    this.showState();
    this.ctx.bus.dispatchEvent(new CustomEvent("edit-answer", { detail: { id: b.id, text: save ? this.editor.text : null } }));
  }

  editClosed(id) {
    const b = this.buffer;
    if (!b || b.kind !== "edit" || b.id !== id) return;
    // A reopened file (an invalid edit) arrives as a new edit-open; otherwise back to what was open.
    setTimeout(() => {
      if (this.buffer !== b) return;
      if (this.parked) {
        const { buffer, text } = this.parked;
        this.parked = null;
        this.show(buffer, text);
      } else {
        this.buffer = null;
        this.editorBox.hidden = true;
        this.empty.hidden = false;
        this.narrow();
      }
    }, 0);
  }
}

export function mountFiles(element, ctx) {
  const panel = new FilesPanel(element, ctx);
  window.serviceLab = Object.assign(window.serviceLab || {}, { files: panel });
  return panel;
}
