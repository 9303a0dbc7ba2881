// A lab, read-only: objects (kubectl get all -A), latest commands and
// lesson progress, reloaded whenever the lab changes
// (ws/classrooms/labs/<pk>/ says so).
import { el, liveSocket } from "./live.js";

const config = JSON.parse(document.getElementById("labview-config").textContent);
let state = JSON.parse(document.getElementById("labview-state").textContent);
const $ = (selector) => document.querySelector(selector);

function render() {
  $("#clock").textContent = state.lab.clock;
  $("#objects").textContent = state.objects.stdout + state.objects.stderr;
  $("#history").replaceChildren(...state.commands.map((c) =>
    el("li", { class: c.status ? "failed" : "", value: c.seq },
      el("span", { class: "host" }, `${c.host}$ `), el("code", {}, c.line),
      c.status ? el("div", { class: "stderr" }, `exit ${c.status}${c.stderr ? `: ${c.stderr}` : ""}`) : null)));
  $("#steps").replaceChildren(...state.steps.map((s) =>
    el("li", { class: s.passed ? "passed" : s.id === state.current ? "current" : "", dataset: { step: s.id } },
      s.passed ? "✓ " : s.id === state.current ? "• " : "  ", s.title)));
}

async function reload() {
  const answer = await fetch(config.state, { credentials: "same-origin" });
  if (answer.ok) { state = await answer.json(); render(); }
}

render();
liveSocket(config.ws, (message) => { if (message.type === "changed") reload(); },
  (text) => { $("#connection").textContent = text; });
