// The packet path: every connection a command made (ctx.live "trace"
// messages, lab/sim/net/trace.py's Trace.to_dict()) drawn over the topology
// as a marching path from host to host with a packet riding it, and told
// step by step in #packet-steps: the DNS lookup, each host and netfilter
// hook, the rules that matched with their text, DNAT/SNAT, conntrack, the
// overlay hop, the result and the reply. Many requests to one address (a
// curl loop) add up to the spread over its endpoints. A failed connection
// has a "diagnose" button (bus "diagnose" {trace} -> the doctor panel).
import { EXTERNAL_ID } from "./graph.js";

const HOP_MS = 420;
const SPREAD_WINDOW = 200; // traces kept per target for the spread

const RESULTS = { connected: "connected", refused: "Connection refused", timeout: "Connection timed out",
  unreachable: "No route to host", denied: "Operation not permitted" };

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** "pod default/web-1 10.244.1.2:80" -> {namespace, name} */
function podOf(text) {
  const m = /^pod ([^/\s]+)\/(\S+)/.exec(text || "");
  return m ? { namespace: m[1], name: m[2] } : null;
}

/** The topology element a trace's host name stands for. */
export function hostElement(cy, host, hint) {
  if (host === "external") return cy.getElementById(EXTERNAL_ID);
  const node = cy.getElementById(`Node//${host}`);
  if (node.nonempty()) return node;
  if (hint && hint.name === host) {
    const pod = cy.getElementById(`Pod/${hint.namespace}/${host}`);
    if (pod.nonempty()) return pod;
  }
  return cy.nodes(`[kind = "Pod"][name = "${host.replace(/"/g, "")}"]`).first();
}

/** The Service whose ClusterIP / NodePort / external IP the trace dialled. */
function serviceFor(cy, trace) {
  const [ip, port] = (trace.target || "").split(":");
  return cy.nodes('[kind = "Service"]').filter((s) => {
    const d = s.data();
    if (d.clusterIP === ip) return true;
    if (d.externalIP && d.externalIP.split(",").includes(ip)) return true;
    return d.ports.split(",").some((p) => p.split("/")[0].split(":")[1] === port);
  }).first();
}

/** The chain of elements a trace went through, with a label per leg. */
export function tracePath(cy, trace) {
  const serverPod = podOf(trace.server);
  const sourcePod = podOf(trace.source);
  const steps = [];
  const push = (ele, label) => {
    if (!ele || ele.empty()) return;
    if (steps.length && steps[steps.length - 1].ele.same(ele)) {
      if (label && !steps[steps.length - 1].label) steps[steps.length - 1].label = label;
      return;
    }
    steps.push({ ele, label });
  };
  const sourceHost = (trace.source || "").split(" ")[0];
  push(sourcePod ? hostElement(cy, sourcePod.name, sourcePod) : hostElement(cy, sourceHost), "");
  let viaService = false;
  for (const hop of trace.hops || []) {
    const hint = serverPod && hop.host === serverPod.name ? serverPod : sourcePod;
    const ele = hostElement(cy, hop.host, hint);
    if (hop.nat && hop.nat.startsWith("DNAT") && !viaService) {
      const svc = serviceFor(cy, trace);
      if (svc && svc.nonempty()) { push(ele, ""); push(svc, "DNAT"); viaService = true; continue; }
    }
    push(ele, hop.stage === "vxlan" ? "vxlan" : "");
  }
  return steps;
}

export function mountPacketPath(element, ctx) {
  element.classList.add("packet-steps");
  element.innerHTML = `<div class="panel-bar"><strong>Packet path</strong><span class="packet-summary muted">run curl, wget or nslookup, or pick "request" on a Service</span>
    <button type="button" class="packet-clear" title="clear the path">clear</button></div>
    <div class="packet-spread" hidden></div><div class="packet-list"></div>`;
  const summary = element.querySelector(".packet-summary");
  const spreadBox = element.querySelector(".packet-spread");
  const listBox = element.querySelector(".packet-list");
  const spread = new Map(); // target -> [server names]
  let drawn = [];
  let animation = 0;

  const clearPath = () => {
    const cy = ctx.topology?.cy;
    animation++;
    if (!cy) return;
    cy.batch(() => {
      cy.elements(".path, .packet").remove();
      cy.nodes(".on-path").removeClass("on-path");
    });
    drawn = [];
  };

  /** Draw the main connection (and the DNS lookup before it): the packet rides
   * the lookup there and back, then the connection there and its reply back. */
  const draw = (trace, lookup) => {
    const cy = ctx.topology?.cy;
    if (!cy) return;
    clearPath();
    const steps = tracePath(cy, trace);
    if (steps.length < 2) return;
    const dnsSteps = lookup ? tracePath(cy, lookup) : [];
    const run = animation;
    const legs = (path, tag, classes) => path.slice(1).map((s, i) => cy.add({ group: "edges", classes,
      data: { id: `path-${run}-${tag}${i}`, source: path[i].ele.id(), target: s.ele.id(), label: s.label || "" } }));
    cy.batch(() => {
      for (const s of [...dnsSteps, ...steps]) s.ele.addClass("on-path");
      if (dnsSteps.length > 1) legs(dnsSteps, "d", "path dns");
      legs(steps, "m", "path");
    });
    drawn = steps.map((s) => s.ele.id());
    const packet = cy.add({ group: "nodes", classes: "packet", data: { id: `packet-${run}` },
      position: { ...(dnsSteps[0] || steps[0]).ele.position() } });
    const there = (path) => path.slice(1);
    const back = (path) => path.slice(0, -1).reverse();
    const trips = [];
    if (dnsSteps.length > 1) trips.push(["dns", there(dnsSteps)], ["dns answer", back(dnsSteps)]);
    trips.push(["", there(steps)], ["reply", back(steps)]);
    const stops = trips.flatMap(([kind, path]) => path.map((s) => [kind, s]));
    const ride = (i) => {
      if (run !== animation || i >= stops.length) return;
      const [kind, s] = stops[i];
      packet.classes(`packet ${kind.replace(" ", "-")}`);
      packet.animate({ position: { ...s.ele.position() } }, { duration: HOP_MS, easing: "ease-in-out-sine", complete: () => ride(i + 1) });
    };
    ride(0);
    let offset = 0;
    const march = () => {
      if (run !== animation) return;
      offset = (offset + 1.2) % 26;
      cy.edges(".path").style("line-dash-offset", -offset);
      requestAnimationFrame(march);
    };
    requestAnimationFrame(march);
    element.dataset.path = drawn.join(" > ");
  };

  const renderSpread = () => {
    const rows = [];
    for (const [target, servers] of spread) {
      if (servers.length < 2) continue;
      const counts = new Map();
      for (const s of servers) counts.set(s, (counts.get(s) || 0) + 1);
      const box = el("div", "spread-row");
      box.append(el("div", "spread-target", `${servers.length} requests to ${target}`));
      const max = Math.max(...counts.values());
      for (const [server, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) {
        const bar = el("div", "spread-bar");
        bar.append(el("span", "spread-name", server), Object.assign(el("span", "spread-fill"), { style: `width:${Math.round((n / max) * 100)}%` }), el("span", "spread-n", String(n)));
        box.append(bar);
      }
      rows.push(box);
    }
    spreadBox.replaceChildren(...rows);
    spreadBox.hidden = rows.length === 0;
  };

  const traceBlock = (trace, n, open) => {
    const block = el("details", `trace result-${trace.result}`);
    block.open = open;
    const dns = trace.proto === "udp" && (trace.target || "").endsWith(":53");
    const head = el("summary", "", `${n}. ${dns ? "DNS lookup " : ""}${trace.proto} ${trace.client} → ${trace.target}  from ${trace.source} — ${RESULTS[trace.result] || trace.result}`);
    block.append(head);
    const ol = el("ol", "hops");
    for (const hop of trace.hops || []) {
      const li = el("li", `hop stage-${hop.stage}`);
      const line = el("div", "hop-line");
      line.append(el("span", "hop-host", hop.host), el("span", "hop-stage", hop.stage), el("span", "hop-detail", hop.detail || ""));
      if (hop.conntrack) line.append(el("span", "hop-ct", `ct ${hop.conntrack}`));
      li.append(line);
      for (const r of hop.rules || []) {
        const rule = el("div", "hop-rule");
        rule.title = `${r.table} ${r.chain}${r.index ? ` #${r.index}` : " policy"}: ${r.rule}`;
        rule.append(el("span", "rule-where", `${r.table} ${r.chain}${r.index ? ` #${r.index}` : " policy"}`), el("code", "", r.rule));
        if (r.note) rule.append(el("span", "muted", ` [${r.note}]`));
        li.append(rule);
      }
      if (hop.nat) li.append(el("div", "hop-nat", `⇒ ${hop.nat}`));
      if (hop.verdict) li.append(el("div", "hop-verdict", `⇒ ${hop.verdict}`));
      ol.append(li);
    }
    block.append(ol);
    const outcome = (RESULTS[trace.result] || trace.result) + (trace.server ? `: ${trace.server}, client seen as ${trace.seen_from}` : "");
    const result = el("div", `trace-result ${trace.result === "connected" ? "ok" : "bad"}`, `result: ${outcome}`);
    if (trace.result !== "connected" && !dns) {
      // the doctor finds the Service this connection dialled and diagnoses it from its source
      const button = el("button", "trace-diagnose", "diagnose");
      button.type = "button";
      button.title = "why did this fail? labdoctor on the Service it dialled, from where it started";
      button.addEventListener("click", () => ctx.bus.dispatchEvent(new CustomEvent("diagnose", {
        detail: { trace: { source: trace.source, target: trace.target } } })));
      result.append(" ", button);
    }
    block.append(result);
    for (const r of trace.reply || []) block.append(el("div", "trace-reply", `reply: ${r}`));
    block.append(el("div", "muted", `rules evaluated: ${trace.rules_evaluated}`));
    return block;
  };

  ctx.live?.addEventListener("trace", (e) => {
    const { traces = [], line = "", host = "" } = e.detail || {};
    if (!traces.length) return;
    for (const t of traces) {
      if (!t.server) continue;
      const name = podOf(t.server)?.name || t.server;
      const list = spread.get(t.target) || [];
      list.push(name);
      if (list.length > SPREAD_WINDOW) list.shift();
      spread.set(t.target, list);
    }
    renderSpread();
    summary.textContent = `${host ? `${host}$ ` : ""}${line}`;
    const blocks = traces.map((t, i) => traceBlock(t, i + 1, i === traces.length - 1));
    listBox.replaceChildren(...blocks);
    const isLookup = (t) => t.proto === "udp" && (t.target || "").endsWith(":53");
    const mainIndex = traces.map((t) => !isLookup(t)).lastIndexOf(true);
    const main = mainIndex >= 0 ? traces[mainIndex] : traces[traces.length - 1];
    const lookup = mainIndex > 0 && isLookup(traces[mainIndex - 1]) ? traces[mainIndex - 1] : null;
    draw(main, lookup);
    element.dataset.traces = String(Number(element.dataset.traces || 0) + traces.length);
  });
  element.querySelector(".packet-clear").addEventListener("click", () => {
    clearPath();
    spread.clear();
    renderSpread();
    listBox.replaceChildren();
  });
}
