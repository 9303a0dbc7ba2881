// The lab page's terminals: tabs, each a login shell on any host of the lab
// (the nodes, the external client), and a split into two panes side by side
// (the first tutorial's curl loop in one, `kubectl edit` in the other).
//
//   mountTerminals(element, ctx)
//
// bus events it listens to:
//   run-command {line, host?}   typed and run in the active terminal (one on
//                               `host` when given); dispatches "command-done"
//                               {line, host, status, output, request}
//   edit-answer {id, text|null} the editor saved or cancelled a `kubectl edit`
// and sends:
//   edit-open {id, path, text, host, terminal}, edit-closed {id}
//   terminal-clock {now}
import { LabTerminal } from "./lab-terminal.js";
import "./terminals.css";

let serial = 0;

/** One pane: a tab strip and the screens of its tabs (one shown). */
class TerminalPane {
  constructor(group, index) {
    this.group = group;
    this.index = index;
    this.tabs = [];
    this.active = null;
    this.element = document.createElement("div");
    this.element.className = "term-pane";
    this.element.dataset.pane = String(index);
    this.strip = document.createElement("div");
    this.strip.className = "term-tabs";
    this.strip.setAttribute("role", "tablist");
    this.screens = document.createElement("div");
    this.screens.className = "term-screens";
    this.element.append(this.strip, this.screens);
    this.element.addEventListener("focusin", () => { group.focusedPane = this; });
    this.element.addEventListener("mousedown", () => { group.focusedPane = this; });
  }

  add(host) {
    const tab = { id: ++serial, host, pane: this };
    tab.button = document.createElement("button");
    tab.button.type = "button";
    tab.button.className = "term-tab";
    tab.button.setAttribute("role", "tab");
    tab.button.dataset.host = host;
    tab.label = document.createElement("span");
    tab.label.className = "term-tab-label";
    tab.label.textContent = host;
    const close = document.createElement("span");
    close.className = "term-tab-close";
    close.title = "close this terminal";
    close.textContent = "×";
    close.addEventListener("click", (e) => { e.stopPropagation(); this.group.close(tab); });
    tab.button.append(tab.label, close);
    tab.button.addEventListener("click", () => this.show(tab));
    this.strip.insertBefore(tab.button, this.strip.querySelector(".term-add"));
    tab.screen = document.createElement("div");
    tab.screen.className = "term-screen lab-terminal";
    tab.screen.dataset.host = host;
    this.screens.append(tab.screen);
    this.tabs.push(tab);
    this.show(tab);
    tab.terminal = this.group.openTerminal(tab);
    tab.terminal.focus();
    return tab;
  }

  show(tab) {
    this.active = tab;
    for (const t of this.tabs) {
      const on = t === tab;
      t.button.setAttribute("aria-selected", String(on));
      t.screen.hidden = !on;
    }
    this.group.focusedPane = this;
    this.group.activeTab = tab;
    requestAnimationFrame(() => { tab.terminal?.refit(); tab.terminal?.focus(); });
  }

  remove(tab) {
    const at = this.tabs.indexOf(tab);
    this.tabs.splice(at, 1);
    tab.button.remove();
    tab.screen.remove();
    tab.terminal.dispose();
    if (this.active === tab) {
      const next = this.tabs[Math.min(at, this.tabs.length - 1)];
      if (next) this.show(next);
      else this.active = null;
    }
  }

  /** The "+" button with its host menu: a new terminal on the chosen host. */
  addButton(hosts) {
    const wrap = document.createElement("div");
    wrap.className = "term-add";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "term-add-button";
    button.title = "new terminal";
    button.setAttribute("aria-haspopup", "menu");
    button.textContent = "+";
    const menu = document.createElement("div");
    menu.className = "term-host-menu";
    menu.setAttribute("role", "menu");
    menu.hidden = true;
    for (const host of hosts) {
      const item = document.createElement("button");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.dataset.host = host;
      item.textContent = host;
      item.addEventListener("click", () => { menu.hidden = true; this.add(host); });
      menu.append(item);
    }
    button.addEventListener("click", () => { menu.hidden = !menu.hidden; });
    document.addEventListener("mousedown", (e) => { if (!wrap.contains(e.target)) menu.hidden = true; });
    wrap.append(button, menu);
    this.strip.append(wrap);
  }
}

/** Every terminal of the page (see the module comment). */
export class Terminals {
  constructor(element, ctx) {
    this.element = element;
    this.ctx = ctx;
    this.panes = [];
    this.focusedPane = null;
    this.activeTab = null;
    element.classList.add("term-group");
    this.body = document.createElement("div");
    this.body.className = "term-panes";
    this.splitButton = document.createElement("button");
    this.splitButton.type = "button";
    this.splitButton.className = "term-split";
    this.splitButton.title = "split: two terminals side by side";
    this.splitButton.setAttribute("aria-pressed", "false");
    this.splitButton.textContent = "split";
    this.splitButton.addEventListener("click", () => this.toggleSplit());
    element.append(this.body);
    this.addPane().add(ctx.defaultHost);
    ctx.bus.addEventListener("run-command", (e) => this.runFromPage(e.detail || {}));
    ctx.bus.addEventListener("edit-answer", (e) => this.answerEdit(e.detail || {}));
  }

  addPane() {
    const pane = new TerminalPane(this, this.panes.length);
    pane.addButton(this.ctx.hosts);
    this.panes.push(pane);
    this.body.append(pane.element);
    this.placeSplitButton();
    return pane;
  }

  placeSplitButton() {
    this.panes[this.panes.length - 1].strip.append(this.splitButton);
    this.splitButton.setAttribute("aria-pressed", String(this.panes.length > 1));
    this.body.dataset.split = String(this.panes.length > 1);
  }

  /** Split into two panes (a new terminal on the same host), or join them again. */
  toggleSplit() {
    if (this.panes.length > 1) {
      const second = this.panes.pop();
      for (const tab of [...second.tabs]) this.moveTab(tab, this.panes[0]);
      second.element.remove();
      this.placeSplitButton();
      this.panes[0].show(this.panes[0].active || this.panes[0].tabs[0]);
      return;
    }
    const host = this.activeTab?.host || this.ctx.defaultHost;
    this.addPane().add(host);
  }

  moveTab(tab, pane) {
    const from = tab.pane;
    from.tabs.splice(from.tabs.indexOf(tab), 1);
    tab.pane = pane;
    pane.tabs.push(tab);
    pane.strip.insertBefore(tab.button, pane.strip.querySelector(".term-add"));
    pane.screens.append(tab.screen);
    tab.screen.hidden = true;
  }

  close(tab) {
    const pane = tab.pane;
    pane.remove(tab);
    if (!pane.tabs.length) {
      if (this.panes.length > 1) {
        this.panes.splice(this.panes.indexOf(pane), 1);
        pane.element.remove();
        this.panes.forEach((p, i) => { p.index = i; p.element.dataset.pane = String(i); });
        this.placeSplitButton();
        const other = this.panes[0];
        other.show(other.active || other.tabs[0]);
      } else {
        pane.add(this.ctx.defaultHost); // the page always keeps a terminal
      }
    }
  }

  openTerminal(tab) {
    const bus = this.ctx.bus;
    const conn = document.getElementById("conn");
    return new LabTerminal(tab.screen, {
      wsPath: this.ctx.urls.terminal,
      host: tab.host,
      onClock: (iso) => bus.dispatchEvent(new CustomEvent("terminal-clock", { detail: { now: iso } })),
      onState: (state) => {
        tab.button.dataset.state = state;
        if (!conn || typeof this.ctx.live?.play === "function") return; // the live socket owns the indicator
        const label = { connecting: "connecting", ready: "connected", running: "running", closed: "disconnected" };
        conn.dataset.state = state === "closed" ? "closed" : state === "connecting" ? "connecting" : "open";
        conn.textContent = label[state];
      },
      onPrompt: (text, inside) => {
        // Inside `kubectl exec -it` the prompt is the container's: say so on the tab.
        tab.button.classList.toggle("in-container", Boolean(inside));
        tab.label.textContent = inside ? `${tab.host} › ${inside.pod}` : tab.host;
        tab.button.title = inside ? `${inside.command.join(" ")} in ${inside.namespace}/${inside.pod} (${inside.container})` : "";
      },
      onEdit: (request) => bus.dispatchEvent(new CustomEvent("edit-open", {
        detail: { id: request.id, path: request.path, text: request.text, host: tab.host, terminal: tab.id },
      })),
      onEditClosed: (id) => bus.dispatchEvent(new CustomEvent("edit-closed", { detail: { id } })),
    });
  }

  get tabs() { return this.panes.flatMap((p) => p.tabs); }

  get active() { return this.activeTab?.terminal || this.tabs[0]?.terminal; }

  /** The terminal a page action runs in: the active one, or one on `host`. */
  terminalFor(host) {
    if (!host || this.activeTab?.host === host) return this.activeTab;
    const pane = this.focusedPane || this.panes[0];
    const existing = pane.tabs.find((t) => t.host === host) || this.tabs.find((t) => t.host === host);
    if (existing) { existing.pane.show(existing); return existing; }
    return pane.add(host);
  }

  async runFromPage({ line, host, request }) {
    if (typeof line !== "string") return;
    const tab = this.terminalFor(host);
    const done = await tab.terminal.run(line);
    this.ctx.bus.dispatchEvent(new CustomEvent("command-done", {
      detail: { line, host: tab.host, request, ...done },
    }));
  }

  answerEdit({ id, text }) {
    for (const tab of this.tabs) if (tab.terminal.answerEdit(id, text ?? null)) return;
  }
}

export function mountTerminals(element, ctx) {
  const terminals = new Terminals(element, ctx);
  const api = window.serviceLab || {};
  window.serviceLab = api;
  api.terminals = terminals;
  Object.defineProperty(api, "terminal", { configurable: true, get: () => terminals.active });
  return terminals;
}
