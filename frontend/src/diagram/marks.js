// Marks over the topology from other panels, by bus event:
//
//   diagram-marks {marks, status}  the doctor's marks (docs/doctor.md "Marks"):
//                                  objects and nodes outlined, selector edges
//                                  drawn from the Service to the Pods it picks
//                                  (or would pick after the fix), endpoints
//                                  outlined by readiness; [] clears them
//   diagram-focus {focus}          a lesson explanation's focus (pods,
//                                  services, endpoints, nodes, rules, dns):
//                                  the elements glow; [] clears
//
// The classes survive redraws (topology.js keeps MARK_CLASSES), and the
// drawn selector edges are this module's own elements (class mark-edge).

/** Classes this module puts on the topology's own elements. */
export const MARK_CLASSES = ["marked", "mark-fail", "mark-warn", "mark-ok", "focused"];

const objectId = (ref) => `${ref.kind}/${ref.kind === "Node" ? "" : ref.namespace ?? "default"}/${ref.name}`;

/** The topology element ids a lesson's focus entry points at. */
export function focusIds(cy, f) {
  const ns = f.namespace || "default";
  switch (f.kind) {
    case "pod": return [`Pod/${ns}/${f.name}`];
    case "service": return [`Service/${ns}/${f.name}`];
    case "endpoints": {
      const svc = `Service/${ns}/${f.name}`;
      const kids = cy.getElementById(svc).children().map((c) => c.id());
      return kids.length ? kids : [svc];
    }
    case "node": return [`Node//${f.name || f.node}`];
    case "rule": return f.node ? [`Node//${f.node}`] : [];
    case "dns": return f.name ? [`Service/${ns}/${f.name}`] : ["Service/kube-system/kube-dns"];
    default: return [];
  }
}

export function mountMarks(topology, ctx) {
  const cy = topology.cy;
  let doctor = { marks: [], status: "fail" };
  let focus = [];

  const apply = () => {
    cy.batch(() => {
      cy.elements(".mark-edge").remove();
      cy.elements().removeClass(MARK_CLASSES.join(" "));
      const tone = doctor.status === "warn" ? "mark-warn" : doctor.status === "pass" ? "mark-ok" : "mark-fail";
      for (const m of doctor.marks) {
        if (m.kind === "Edge") {
          const source = cy.getElementById(objectId(m.from));
          const target = cy.getElementById(objectId(m.to));
          if (source.empty() || target.empty()) continue;
          const id = `mark:${m.type}:${source.id()}>${target.id()}`;
          if (cy.getElementById(id).nonempty()) continue;
          cy.add({ group: "edges", classes: `mark-edge ${tone}`,
            data: { id, source: source.id(), target: target.id(), label: m.type } });
        } else if (m.kind === "Endpoint") {
          const pod = m.pod ? objectId({ kind: "Pod", ...m.pod }) : "";
          const edges = cy.edges(".endpoint").filter((e) => e.target().id() === pod);
          const cls = m.ready === false ? "mark-fail" : "mark-ok";
          edges.addClass(`marked ${cls}`);
          cy.getElementById(pod).addClass(`marked ${cls}`);
        } else {
          cy.getElementById(objectId(m)).addClass(`marked ${tone}`);
        }
      }
      for (const f of focus) for (const id of focusIds(cy, f)) cy.getElementById(id).addClass("focused");
    });
    topology.element.dataset.marks = String(cy.elements(".marked, .mark-edge").length);
    topology.element.dataset.focused = String(cy.elements(".focused").length);
  };

  ctx.bus.addEventListener("diagram-marks", (e) => {
    doctor = { marks: e.detail?.marks || [], status: e.detail?.status || "fail" };
    apply();
  });
  ctx.bus.addEventListener("diagram-focus", (e) => {
    focus = e.detail?.focus || [];
    apply();
    if (focus.some((f) => f.kind === "rule" && f.node)) {
      const node = focus.find((f) => f.kind === "rule" && f.node).node;
      ctx.bus.dispatchEvent(new CustomEvent("focus-node", { detail: { node } }));
    }
  });
  // after a redraw added or replaced elements, put the marks back on them
  topology.element.addEventListener("rendered", () => { if (doctor.marks.length || focus.length) apply(); });
  return { apply };
}
