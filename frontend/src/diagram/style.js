// The topology's cytoscape stylesheet: calm colours on the page's dark
// background, state shown by border colour and fill, never by colour alone
// (labels carry the STATUS text as kubectl prints it).

const C = {
  text: "#d6dde6", muted: "#8b96a5", line: "#30363d", panel: "#161b22", deep: "#0d1117",
  accent: "#4f8df7", ok: "#3fb950", warn: "#d29922", bad: "#f85149", violet: "#bc8cff", teal: "#39c5cf",
};

const FONT = '"DejaVu Sans", system-ui, sans-serif';

export const STYLE = [
  { selector: "node", style: {
    "font-family": FONT, "font-size": 11, color: C.text, "text-wrap": "wrap",
    "text-valign": "center", "text-halign": "center", label: "data(label)",
    "transition-property": "background-color, border-color, opacity", "transition-duration": 250,
  } },
  { selector: "node.region", style: {
    shape: "round-rectangle", "background-color": C.panel, "background-opacity": 0.85,
    "border-width": 1.5, "border-color": C.line, padding: 18, "corner-radius": 10,
    "text-valign": "top", "text-halign": "center", "text-margin-y": -6, "font-size": 13, "font-weight": 600,
    "min-width": "data(minWidth)", "min-width-bias-left": 0, "min-width-bias-right": 100,
  } },
  { selector: "node.region.not-ready", style: { "border-color": C.bad, "border-style": "dashed", color: "#ffa198" } },
  { selector: "node.region.cordoned", style: { "border-style": "dashed", "background-opacity": 0.5 } },
  { selector: "node.region.pending", style: { "border-color": C.warn, "border-style": "dotted" } },
  { selector: "node.pod", style: {
    shape: "round-rectangle", width: 168, height: 42, "background-color": "#1c2a3a",
    "border-width": 1.5, "border-color": C.accent, "font-size": 11, "text-max-width": 162, "corner-radius": 6,
  } },
  { selector: "node.pod.compact", style: { width: 118, height: 34, label: "data(short)", "font-size": 10.5, "text-max-width": 112 } },
  { selector: "node.pod.system", style: { "background-color": "#1a1f27", "border-color": "#3b4656", color: "#b1bac4" } },
  { selector: "node.pod.ready", style: { "border-color": C.ok } },
  { selector: "node.pod.system.ready", style: { "border-color": "#2f6f3d" } },
  { selector: "node.pod.starting", style: { "border-color": C.warn, "border-style": "dashed" } },
  { selector: "node.pod.terminating", style: { "border-color": C.bad, "border-style": "dashed", opacity: 0.6 } },
  { selector: "node.pod.failed", style: { "border-color": C.bad, "background-color": "#3a1d1d" } },
  { selector: "node.pod.done", style: { "border-color": C.muted, opacity: 0.7 } },
  { selector: "node.external", style: {
    shape: "round-rectangle", width: 110, height: 54, "background-color": "#23203a",
    "border-width": 1.5, "border-color": C.violet, "font-size": 12,
  } },
  { selector: "node.service", style: {
    shape: "round-rectangle", "background-color": "#13243b", "background-opacity": 0.9, "border-width": 1.5,
    "border-color": C.teal, padding: 10, "text-valign": "top", "text-margin-y": -4, "font-size": 11,
    "corner-radius": 8, "min-width": 150, "min-height": 24,
  } },
  { selector: "node.service.system", style: { "border-color": "#2b6f75", color: "#b1bac4" } },
  { selector: "node.endpointslice, node.endpoints", style: {
    shape: "round-rectangle", width: 132, height: 30, "background-color": C.deep, "border-width": 1,
    "border-color": "#2b6f75", "font-size": 10, color: "#9fdfe4",
  } },
  { selector: "node.workload", style: {
    shape: "round-rectangle", "background-color": "#1d1a2b", "border-width": 1.2, "border-color": "#6e5aa8",
    "font-size": 10.5, width: 150, height: 32, color: "#d2c7f0",
  } },
  { selector: "node.deployment", style: { "text-valign": "top", "text-margin-y": -4, padding: 10, "corner-radius": 8 } },
  { selector: "node.workload.system", style: { "border-color": "#4a4068", color: "#a9a2c0" } },
  { selector: "edge", style: {
    width: 1.2, "curve-style": "bezier", "line-color": "#3b4656", "target-arrow-shape": "none", opacity: 0.75,
  } },
  { selector: "edge.owns", style: { "line-color": "#4a4068", "line-style": "dotted", opacity: 0.55 } },
  { selector: "edge.endpoint", style: { "line-color": C.teal, "target-arrow-shape": "triangle", "target-arrow-color": C.teal, "arrow-scale": 0.7 } },
  { selector: "edge.endpoint.not-ready", style: { "line-color": C.warn, "target-arrow-color": C.warn, "line-style": "dashed" } },
  { selector: "edge.endpoint.terminating", style: { "line-color": C.bad, "target-arrow-color": C.bad, "line-style": "dashed", opacity: 0.5 } },
  { selector: "node:selected", style: { "border-width": 3, "border-color": "#f0f6fc", "overlay-opacity": 0 } },
  { selector: ".faded", style: { opacity: 0.18 } },
  { selector: ".entering", style: { opacity: 0 } },
  { selector: "node.on-path", style: { "border-width": 3, "border-color": "#ffd866", "underlay-color": "#ffd866", "underlay-opacity": 0.18, "underlay-padding": 6 } },
  { selector: "edge.path", style: {
    width: 3, "line-color": "#ffd866", "target-arrow-shape": "triangle", "target-arrow-color": "#ffd866",
    "line-style": "dashed", "line-dash-pattern": [8, 5], "curve-style": "bezier", opacity: 0.95, "z-index": 20,
    label: "data(label)", "font-size": 10, color: "#ffe9a6", "text-background-color": C.deep,
    "text-background-opacity": 0.85, "text-background-padding": 2, "font-family": FONT,
  } },
  { selector: "edge.path.dns", style: { "line-color": "#bc8cff", "target-arrow-color": "#bc8cff", color: "#e2d1ff", width: 2 } },
  { selector: "node.packet", style: {
    width: 14, height: 14, shape: "ellipse", "background-color": "#ffd866", "border-width": 0, label: "", "z-index": 30,
    "underlay-color": "#ffd866", "underlay-opacity": 0.35, "underlay-padding": 5, "underlay-shape": "ellipse",
  } },
  { selector: "node.packet.dns, node.packet.dns-answer", style: { "background-color": "#bc8cff", "underlay-color": "#bc8cff" } },
  { selector: "node.marked", style: { "border-width": 3.5, "underlay-opacity": 0.22, "underlay-padding": 7, "underlay-color": C.bad } },
  { selector: "node.marked.mark-fail", style: { "border-color": C.bad } },
  { selector: "node.marked.mark-warn", style: { "border-color": C.warn, "underlay-color": C.warn } },
  { selector: "node.marked.mark-ok", style: { "border-color": C.ok, "underlay-color": C.ok } },
  { selector: "edge.marked", style: { width: 3, opacity: 1 } },
  { selector: "edge.marked.mark-fail", style: { "line-color": C.bad, "target-arrow-color": C.bad } },
  { selector: "edge.mark-edge", style: {
    width: 2.5, "line-style": "dashed", "line-dash-pattern": [6, 4], "curve-style": "bezier", opacity: 1, "z-index": 15,
    "target-arrow-shape": "triangle", "arrow-scale": 0.9, label: "data(label)", "font-size": 10, "font-family": FONT,
    "text-background-color": C.deep, "text-background-opacity": 0.85, "text-background-padding": 2,
  } },
  { selector: "edge.mark-edge.mark-fail", style: { "line-color": C.bad, "target-arrow-color": C.bad, color: "#ffa198" } },
  { selector: "edge.mark-edge.mark-warn", style: { "line-color": C.warn, "target-arrow-color": C.warn, color: "#f2cc60" } },
  { selector: "edge.mark-edge.mark-ok", style: { "line-color": C.ok, "target-arrow-color": C.ok, "line-style": "solid", color: "#aff5b4" } },
  { selector: "node.focused", style: { "underlay-color": C.accent, "underlay-opacity": 0.35, "underlay-padding": 9, "border-width": 3, "border-color": "#a5c8ff" } },
  { selector: "node.packet.reply", style: { "background-color": "#7ee787", "underlay-color": "#7ee787" } },
];
