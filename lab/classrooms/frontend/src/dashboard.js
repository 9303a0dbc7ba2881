// The instructor's live dashboard: learners x steps, per learner the
// current step, time on it, stuck flag, last commands and last error;
// sorting, filtering, the class's completion per step (Chart.js), and the
// actions (hint, reset, read-only lab, CSV). Data: the snapshot embedded in
// the page, then ws/classrooms/<id>/dashboard/ (docs/classrooms.md).
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from "chart.js";
import { duration, el, liveSocket, post } from "./live.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const root = document.getElementById("dashboard");
const config = JSON.parse(document.getElementById("dashboard-config").textContent);
let state = JSON.parse(document.getElementById("dashboard-snapshot").textContent);
let clockSkew = Date.parse(state.now) - Date.now();   // server time minus ours
let chart = null;

const $ = (selector) => root.querySelector(selector);
const controls = { sort: $("#sort"), filter: $("#filter"), stuckOnly: $("#stuck-only"), step: $("#at-step") };

function serverNow() { return Date.now() + clockSkew; }

function secondsOnStep(row) {
  return row.since && row.current ? (serverNow() - Date.parse(row.since)) / 1000 : null;
}

function isStuck(row) {
  const seconds = secondsOnStep(row);
  return seconds !== null && seconds >= state.classroom.stuckMinutes * 60;
}

function stepIndex(row) {
  const steps = state.lesson.steps;
  const index = steps.findIndex((s) => s.id === row.current);
  return row.current ? index : row.lab ? steps.length : -1;
}

function sorted(rows) {
  const by = controls.sort.value;
  const name = (r) => r.learner.username;
  const keys = {
    name: (a, b) => name(a).localeCompare(name(b)),
    progress: (a, b) => Object.keys(b.passed).length - Object.keys(a.passed).length || name(a).localeCompare(name(b)),
    behind: (a, b) => Object.keys(a.passed).length - Object.keys(b.passed).length || name(a).localeCompare(name(b)),
    time: (a, b) => (secondsOnStep(b) ?? -1) - (secondsOnStep(a) ?? -1) || name(a).localeCompare(name(b)),
    stuck: (a, b) => Number(isStuck(b)) - Number(isStuck(a)) || (secondsOnStep(b) ?? -1) - (secondsOnStep(a) ?? -1),
  };
  return [...rows].sort(keys[by] ?? keys.name);
}

function visible(row) {
  const text = controls.filter.value.trim().toLowerCase();
  if (text && !row.learner.username.toLowerCase().includes(text)) return false;
  if (controls.stuckOnly.checked && !isStuck(row)) return false;
  const step = controls.step.value;
  if (step === "__none") return !row.lab;
  if (step === "__done") return Boolean(row.completed);
  if (step && row.current !== step) return false;
  return true;
}

function stepCell(row, step) {
  const when = row.passed[step.id];
  const current = row.current === step.id;
  return el("td", {
    class: `mark${when ? " passed" : ""}${current ? " current" : ""}`, dataset: { step: step.id },
    title: when ? `${step.title}: passed ${new Date(when).toLocaleTimeString()}` : current ? `${step.title}: working on it` : step.title,
  }, when ? "✓" : current ? "•" : "");
}

function commandList(row) {
  return el("ol", { class: "commands", start: row.commands[0]?.seq ?? 1 },
    row.commands.map((c) => el("li", { class: c.status ? "failed" : "" }, el("code", {}, c.line),
      c.status ? el("span", { class: "status" }, ` (exit ${c.status})`) : null)));
}

function learnerRow(row) {
  const stuck = isStuck(row);
  const seconds = secondsOnStep(row);
  const current = state.lesson.steps.find((s) => s.id === row.current);
  return el("tr", { dataset: { learner: row.learner.username }, class: stuck ? "stuck" : "" },
    el("th", { scope: "row" }, row.learner.username, stuck ? el("span", { class: "flag" }, "stuck") : null),
    state.lesson.steps.map((step) => stepCell(row, step)),
    el("td", { class: "current-step" }, row.completed ? "completed" : current ? current.title : row.lab ? "" : "not started"),
    el("td", { class: "time-on-step" }, seconds === null ? "" : duration(seconds)),
    el("td", { class: "last-error" }, row.lastError ? [el("code", {}, row.lastError.line), el("div", { class: "stderr" }, row.lastError.stderr)] : ""),
    el("td", { class: "last-commands" }, row.commands.length ? commandList(row) : ""),
    el("td", { class: "actions" },
      row.labId ? el("a", { href: `/classrooms/labs/${row.labId}/`, target: "_blank", rel: "noopener" }, "view lab") : null,
      row.labId ? el("button", { type: "button", class: "link", onclick: () => resetLearner(row) }, "reset") : null),
  );
}

function renderTable() {
  const head = el("tr", {}, el("th", {}, "learner"),
    state.lesson.steps.map((s, i) => el("th", { class: "step", title: s.title, dataset: { step: s.id } }, String(i + 1))),
    el("th", {}, "current step"), el("th", {}, "time on step"), el("th", {}, "last error"),
    el("th", {}, "last commands"), el("th", {}, ""));
  const rows = sorted(state.learners).filter(visible);
  const body = rows.length ? rows.map(learnerRow)
    : [el("tr", {}, el("td", { colspan: state.lesson.steps.length + 6, class: "muted" },
        state.learners.length ? "Nobody matches the filter." : "Nobody has joined yet."))];
  $("#grid").replaceChildren(el("thead", {}, head), el("tbody", {}, body));
  const stuck = state.learners.filter(isStuck).length;
  $("#summary").textContent = `${state.learners.length} learner${state.learners.length === 1 ? "" : "s"}` +
    ` · ${state.learners.filter((r) => r.completed).length} completed · ${stuck} stuck`;
}

function renderChart() {
  const labels = state.lesson.steps.map((s, i) => `${i + 1}. ${s.title}`);
  const data = state.lesson.steps.map((s) => state.learners.filter((r) => r.passed[s.id]).length);
  $("#completion").dataset.values = data.join(",");
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets[0].data = data;
    chart.options.scales.y.max = Math.max(1, state.learners.length);
    chart.update("none");
    return;
  }
  chart = new Chart($("#completion canvas"), {
    type: "bar",
    data: { labels, datasets: [{ label: "passed", data, backgroundColor: "#326ce5" }] },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: { x: { ticks: { callback: (_, i) => String(i + 1) } },
                y: { beginAtZero: true, max: Math.max(1, state.learners.length), ticks: { precision: 0 } } },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.raw} of ${state.learners.length} passed` } } },
    },
  });
}

function renderTargets() {
  const select = $("#hint-to");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "the whole class"),
    sorted(state.learners).map((r) => el("option", { value: r.learner.id }, r.learner.username)));
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
}

function render() { renderTable(); renderChart(); renderTargets(); }

function setConnection(text) {
  $("#connection").textContent = text;
  $("#connection").dataset.state = text;
}

function onMessage(message) {
  if (message.type === "snapshot") {
    state = message;
    clockSkew = Date.parse(message.now) - Date.now();
  } else if (message.type === "learner") {
    const index = state.learners.findIndex((r) => r.learner.id === message.learner.learner.id);
    if (index >= 0) state.learners[index] = message.learner; else state.learners.push(message.learner);
  } else if (message.type === "error") {
    setConnection(message.message);
    return;
  }
  render();
}

async function resetLearner(row) {
  if (!confirm(`Reset ${row.learner.username}'s lab for this lesson? Their cluster and progress start over.`)) return;
  try {
    await post(`${config.base}learners/${row.learner.id}/reset/`, { lesson: state.lesson.slug });
  } catch (error) { alert(error.message); }
}

$("#hint-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("#hint-text").value.trim();
  if (!text) return;
  const fields = { lesson: state.lesson.slug, text };
  if ($("#hint-to").value) fields.learner = $("#hint-to").value;
  try {
    const answer = await post(`${config.base}hints/`, fields);
    $("#hint-text").value = "";
    $("#hint-status").textContent = `Sent to ${answer.hint.to === "class" ? "the class" : $("#hint-to").selectedOptions[0].text}.`;
  } catch (error) { $("#hint-status").textContent = `Not sent: ${error.message}`; }
});

for (const control of Object.values(controls)) control.addEventListener("input", renderTable);
setInterval(renderTable, 1000);   // time on step and the stuck flag move with the clock
render();
liveSocket(config.ws, onMessage, setConnection);
