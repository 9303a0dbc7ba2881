// The events feed (#events): the lab's Event objects with the columns of
// `kubectl get events` (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; NAMESPACE
// first for all namespaces), live from ctx.live, ages against the lab clock.
// Rows come in the apiserver's list order (namespace, then name), as
// kubectl prints them; the newest are marked as they arrive.
import { since } from "./duration.js";

function eventTimes(ev, now) {
  let first = since(ev.firstTimestamp || ev.eventTime, now);
  let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  let count = Number(ev.count || 0);
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = Number(ev.series.count || 0);
  } else if (count === 0) count = 1;
  return count > 1 ? `${last} (x${count} over ${first})` : last;
}

export function eventRow(ev, now) {
  const inv = ev.involvedObject || {};
  const object = inv.name ? `${(inv.kind || "").toLowerCase()}/${inv.name}` : (inv.kind || "").toLowerCase();
  return { namespace: ev.metadata?.namespace || "", last: eventTimes(ev, now), type: ev.type || "",
    reason: ev.reason || "", object, message: (ev.message || "").trim(), key: `Event/${ev.metadata?.namespace ?? ""}/${ev.metadata?.name}` };
}

export function mountEvents(element, ctx) {
  element.classList.add("events-panel");
  element.innerHTML = `<div class="panel-bar"><label>namespace <select class="events-ns">
      <option value="default">default</option><option value="">all namespaces</option></select></label>
      <span class="events-count muted"></span></div>
    <div class="events-scroll"><table class="events-table"><thead></thead><tbody></tbody></table>
    <p class="events-empty muted" hidden>No events found in default namespace.</p></div>`;
  const select = element.querySelector(".events-ns");
  const head = element.querySelector("thead");
  const body = element.querySelector("tbody");
  const empty = element.querySelector(".events-empty");
  const count = element.querySelector(".events-count");
  const seen = new Set();
  let first = true;
  let pending = false;
  const render = () => {
    pending = false;
    const live = ctx.live;
    const ns = select.value;
    const now = live.clock?.now || new Date().toISOString();
    const events = [...live.objects.values()].filter((o) => o.kind === "Event" && (!ns || o.metadata?.namespace === ns))
      .sort((a, b) => (a.metadata.namespace + "/" + a.metadata.name).localeCompare(b.metadata.namespace + "/" + b.metadata.name));
    const cols = [...(ns ? [] : ["NAMESPACE"]), "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
    head.innerHTML = `<tr>${cols.map((c) => `<th>${c}</th>`).join("")}</tr>`;
    const rows = events.map((ev) => {
      const r = eventRow(ev, now);
      const tr = document.createElement("tr");
      if (r.type === "Warning") tr.className = "warning";
      if (!first && !seen.has(r.key)) tr.classList.add("fresh");
      seen.add(r.key);
      for (const text of [...(ns ? [] : [r.namespace]), r.last, r.type, r.reason, r.object, r.message]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    });
    body.replaceChildren(...rows);
    empty.hidden = rows.length > 0;
    empty.textContent = ns ? `No events found in ${ns} namespace.` : "No events found";
    count.textContent = `${rows.length} event${rows.length === 1 ? "" : "s"}`;
    first = false;
  };
  const schedule = () => { if (!pending) { pending = true; requestAnimationFrame(render); } };
  select.addEventListener("change", render);
  ctx.live.addEventListener("snapshot", schedule);
  ctx.live.addEventListener("change", (e) => { if (e.detail?.object?.kind === "Event" || e.detail?.key?.startsWith("Event/")) schedule(); });
  ctx.live.addEventListener("clock", schedule);
  schedule();
}
