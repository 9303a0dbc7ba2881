// The live topology (#topology): cytoscape drawing buildGraph(live.objects).
//
// Each snapshot or change event rebuilds the element list from the
// objects (cheap: plain data) and applies only the difference to the
// drawing, in one batch per animation frame: new elements fade in at their
// slot, changed ones update their label and classes, removed ones fade out.
// Positions come from SlotLayout, so nothing moves that did not change.
//
// A click selects an object (bus "select-object" -> the inspector); a
// Node, Service or Pod also gets an action menu (node actions, send a
// request), which goes to ctx.live; a Service's menu also has "diagnose"
// (bus "diagnose" -> the doctor panel). Marks from other panels (the
// doctor's findings, a lesson's focus) are marks.js's.
import cytoscape from "cytoscape";
import { buildGraph, parseKey } from "./graph.js";
import { COMPACT_AFTER, SlotLayout } from "./layout.js";
import { STYLE } from "./style.js";
import { MARK_CLASSES, mountMarks } from "./marks.js";

/** Classes a redraw keeps: the packet path's and the marks'. */
const KEPT = ["on-path", "hits", ...MARK_CLASSES];

const FADE_MS = 350;
const MOVE_MS = 300;

export class Topology {
  constructor(element, ctx) {
    this.ctx = ctx;
    this.element = element;
    this.layout = new SlotLayout();
    this.pending = false;
    this.fitted = false;
    this.renders = 0;
    this.lastRender = 0;
    element.classList.add("topology");
    this.canvas = document.createElement("div");
    this.canvas.className = "topology-canvas";
    element.append(this.canvas);
    this.tip = document.createElement("div");
    this.tip.className = "topology-tip";
    this.tip.hidden = true;
    element.append(this.tip);
    this.menu = document.createElement("div");
    this.menu.className = "topology-menu";
    this.menu.hidden = true;
    element.append(this.menu);
    this.toolbar = document.createElement("div");
    this.toolbar.className = "topology-toolbar";
    this.toolbar.innerHTML = '<span class="legend"><i class="ready"></i>ready <i class="starting"></i>starting'
      + ' <i class="terminating"></i>terminating <i class="failed"></i>failed <i class="endpoint"></i>endpoint</span>'
      + '<button type="button" data-act="fit" title="fit the whole cluster in view">fit</button>'
      + '<label title="show kube-system objects"><input type="checkbox" data-act="system" checked> kube-system</label>';
    element.append(this.toolbar);
    this.cy = cytoscape({
      container: this.canvas, style: STYLE, elements: [], layout: { name: "preset" },
      minZoom: 0.15, maxZoom: 2.5, boxSelectionEnabled: false, autoungrabify: true,
    });
    this.bindEvents();
    const live = ctx.live;
    if (live) {
      live.addEventListener("snapshot", () => this.schedule());
      live.addEventListener("change", () => this.schedule());
      if (live.objects && live.objects.size) this.schedule();
    }
    new ResizeObserver(() => { this.cy.resize(); if (!this.userMoved) this.fit(); }).observe(element);
  }

  bindEvents() {
    const cy = this.cy;
    cy.on("tap", "node", (event) => {
      const node = event.target;
      if (node.hasClass("packet")) return;
      const { kind } = node.data();
      if (["Node", "Pod", "Service", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "EndpointSlice", "Endpoints"].includes(kind)) {
        const { namespace, name } = parseKey(node.id());
        this.ctx.bus.dispatchEvent(new CustomEvent("select-object", { detail: { kind, namespace, name } }));
        if (kind === "Node") this.ctx.bus.dispatchEvent(new CustomEvent("focus-node", { detail: { node: name } }));
      }
      this.openMenu(node, event.renderedPosition);
    });
    cy.on("tap", (event) => { if (event.target === cy) this.closeMenu(); });
    cy.on("mouseover", "node", (event) => {
      const hover = event.target.data("hover");
      if (!hover) return;
      this.tip.textContent = hover;
      this.tip.hidden = false;
      const p = event.renderedPosition;
      this.tip.style.left = `${p.x + 14}px`;
      this.tip.style.top = `${p.y + 14}px`;
    });
    cy.on("mouseout", "node", () => { this.tip.hidden = true; });
    cy.on("zoom pan", () => { this.tip.hidden = true; this.closeMenu(); });
    cy.on("viewport", () => { if (this.fitting === 0) this.userMoved = true; });
    this.toolbar.addEventListener("click", (e) => {
      if (e.target.dataset.act === "fit") { this.userMoved = false; this.fit(); }
    });
    this.toolbar.addEventListener("change", (e) => {
      if (e.target.dataset.act === "system") {
        this.showSystem = e.target.checked;
        this.schedule();
      }
    });
    this.showSystem = true;
    this.fitting = 0;
  }

  fit() {
    this.fitting = 1;
    this.cy.fit(this.cy.elements(":visible").not(".packet"), 36); // room for the toolbar
    this.fitting = 0;
  }

  /** Coalesce bursts of change events into one redraw per frame. */
  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.render(); });
  }

  /** Apply the objects' graph to the drawing (only the difference). */
  render() {
    const started = performance.now();
    let objects = [...this.ctx.live.objects.values()];
    if (!this.showSystem) objects = objects.filter((o) => o.kind === "Node" || o.metadata?.namespace !== "kube-system");
    const graph = buildGraph(objects);
    const compact = graph.nodes.filter((n) => n.data.kind === "Pod").length > COMPACT_AFTER;
    if (compact) for (const n of graph.nodes) if (n.data.kind === "Pod") n.classes += " compact";
    const positions = this.layout.positions(graph);
    const cy = this.cy;
    const wanted = new Map([...graph.nodes, ...graph.edges].map((el) => [el.data.id, el]));
    const entering = [];
    cy.batch(() => {
      cy.elements().not(".packet, .path, .leaving, .mark-edge").forEach((el) => {
        if (el.removed()) return;
        const def = wanted.get(el.id());
        if (!def) {
          if (el.isNode() && el.data("kind") === "Pod" && this.fitted) {
            el.addClass("leaving");
            el.connectedEdges().remove();
            el.animate({ style: { opacity: 0 } }, { duration: FADE_MS, complete: () => el.remove() });
          } else {
            el.remove();
          }
        } else if (el.isNode() && (el.data("parent") || null) !== (def.data.parent || null)) {
          if (!def.data.parent || cy.getElementById(def.data.parent).nonempty()) el.move({ parent: def.data.parent ?? null });
          else el.remove();
        }
      });
      const nodesFirst = [...graph.nodes].sort((a, b) => (a.data.parent ? 1 : 0) - (b.data.parent ? 1 : 0));
      for (const def of [...nodesFirst, ...graph.edges]) {
        const el = cy.getElementById(def.data.id);
        if (el.nonempty() && !el.hasClass("leaving")) {
          const changed = Object.entries(def.data).some(([k, v]) => el.data(k) !== v);
          if (changed) el.data(def.data);
          if (el.classes().filter((c) => !["entering", ...KEPT].includes(c)).sort().join(" ") !== def.classes.split(" ").sort().join(" ")) {
            const keep = el.classes().filter((c) => KEPT.includes(c));
            el.classes([...def.classes.split(" "), ...keep].join(" "));
          }
          const p = positions.get(def.data.id);
          if (p && el.isNode() && el.isChildless()) {
            const now = el.position();
            if (Math.abs(now.x - p.x) > 0.5 || Math.abs(now.y - p.y) > 0.5) {
              el.animate({ position: p }, { duration: this.fitted ? MOVE_MS : 0 });
            }
          }
        } else {
          if (el.nonempty()) el.remove();
          const added = cy.add({ ...def, position: positions.get(def.data.id) || { x: 0, y: 0 } });
          if (this.fitted && added.isNode()) {
            added.addClass("entering");
            entering.push(added);
          }
        }
      }
    });
    for (const el of entering) {
      el.removeClass("entering");
      el.style("opacity", 0);
      el.animate({ style: { opacity: 1 } }, { duration: FADE_MS, complete: () => el.removeStyle("opacity") });
    }
    if (!this.fitted || !this.userMoved) {
      this.fit();
      this.fitted = cy.nodes().length > 0;
    }
    this.renders++;
    this.lastRender = performance.now();
    this.lastRenderMs = this.lastRender - started;
    this.element.dataset.renders = String(this.renders);
    this.element.dispatchEvent(new CustomEvent("rendered", { detail: { renders: this.renders } }));
  }

  // ---- the action menu ------------------------------------------------------
  openMenu(node, at) {
    const { kind } = node.data();
    const { name } = parseKey(node.id());
    const live = this.ctx.live;
    const actions = [];
    if (kind === "Node") {
      const ready = node.hasClass("ready");
      const cordoned = node.hasClass("cordoned");
      actions.push([ready ? "stop node" : "start node", () => live.nodeAction(name, ready ? "stop" : "start")]);
      actions.push([cordoned ? "uncordon" : "cordon", () => live.nodeAction(name, cordoned ? "uncordon" : "cordon")]);
      actions.push(["drain", () => live.nodeAction(name, "drain")]);
      actions.push(["show rules", () => this.ctx.bus.dispatchEvent(new CustomEvent("focus-node", { detail: { node: name } }))]);
    } else if (kind === "Service") {
      const d = node.data();
      const port = (d.ports.split(",")[0] || "").split("/")[0];
      const [svcPort, nodePort] = port.split(":");
      if (d.clusterIP && d.clusterIP !== "None") {
        actions.push([`request ${d.clusterIP}:${svcPort} from ${this.ctx.defaultHost}`,
          () => live.sendRequest(this.ctx.defaultHost, `http://${d.clusterIP}:${svcPort}/`)]);
      }
      if (nodePort) {
        const nodeIP = this.cy.nodes(".region.ready").first().data("ip");
        if (nodeIP) actions.push([`request ${nodeIP}:${nodePort} from external`, () => live.sendRequest("external", `http://${nodeIP}:${nodePort}/`)]);
      }
      const lb = d.externalIP && !d.externalIP.startsWith("<") ? d.externalIP.split(",")[0] : "";
      if (lb) actions.push([`request ${lb}:${svcPort} from external`, () => live.sendRequest("external", `http://${lb}:${svcPort}/`)]);
      const { namespace } = parseKey(node.id());
      const diagnose = (from) => this.ctx.bus.dispatchEvent(new CustomEvent("diagnose", { detail: { namespace, name, from } }));
      actions.push([`diagnose from ${this.ctx.defaultHost}`, () => diagnose(this.ctx.defaultHost)]);
      if (nodePort || lb) actions.push(["diagnose from external", () => diagnose("external")]);
    } else if (kind === "Pod") {
      const ip = node.data("ip");
      if (ip) actions.push([`request ${ip} from ${this.ctx.defaultHost}`, () => live.sendRequest(this.ctx.defaultHost, `http://${ip}/`)]);
    }
    if (!actions.length || !live) { this.closeMenu(); return; }
    this.menu.replaceChildren(...actions.map(([label, run]) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", () => { this.closeMenu(); run(); });
      return b;
    }));
    this.tip.hidden = true;
    this.menu.style.left = `${at.x + 8}px`;
    this.menu.style.top = `${at.y + 8}px`;
    this.menu.hidden = false;
  }

  closeMenu() { this.menu.hidden = true; }
}

/** Mount the topology in `element` (#topology). */
export function mountTopology(element, ctx) {
  const topology = new Topology(element, ctx);
  ctx.topology = topology;
  topology.marks = mountMarks(topology, ctx);
  return topology;
}
