// The Doctor tab (#doctor): "why doesn't my Service work?" on the page.
//
//   mountDoctor(element, ctx)
//
// bus "diagnose" {namespace, name, from} (a Service's menu on the topology)
// or {trace} (a failed connection in the packet path) runs labdoctor through
// the lab's runner (ctx.live.diagnose: a command like any other, saved and
// journaled) and shows its findings here: status, summary, evidence, the fix
// with "run fix" buttons (bus "run-command" to a terminal on the control
// plane), and the failed and warned findings' marks on the topology (bus
// "diagram-marks"); a finding clicked shows only its own marks.
import "./doctor.css";
import { language } from "../lesson/lang.js";

/** labdoctor's own words for the statuses and the fix (lab/sim/doctor/render.py WORDS). */
const WORDS = {
  en: { pass: "PASS", fail: "FAIL", warn: "WARN", note: "NOTE", fix: "fix", run: "run fix" },
  zh: { pass: "通过", fail: "失败", warn: "警告", note: "提示", fix: "修复", run: "运行修复" },
};

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** labdoctor's closing line, in its words (lab/sim/doctor/render.py), in the answer's language. */
export function verdict(d, problems, warnings) {
  const name = d.service.name;
  if (d.lang === "zh") {
    if (problems) return `发现 ${problems} 个问题、${warnings} 个警告：service/${name} 从 ${d.source} 无法正常访问。`;
    return `没有发现问题${warnings ? `（${warnings} 个警告）` : ""}：service/${name} 从 ${d.source} 可以正常访问。`;
  }
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (problems) return `${plural(problems, "problem")}, ${plural(warnings, "warning")}: service/${name} does not work from ${d.source}.`;
  return `No problem found${warnings ? ` (${plural(warnings, "warning")})` : ""}: service/${name} works from ${d.source}.`;
}

export class Doctor {
  constructor(element, ctx) {
    this.element = element;
    this.ctx = ctx;
    this.answer = null;
    this.selected = null;
    element.classList.add("doctor");
    this.bar = el("div", "panel-bar");
    this.title = el("strong", "", "Doctor");
    this.what = el("span", "doctor-what muted", 'pick "diagnose" on a Service, or on a failed connection in the packet path');
    this.clear = el("button", "doctor-clear", "clear marks");
    this.clear.type = "button";
    this.clear.addEventListener("click", () => this.mark([]));
    this.bar.append(this.title, this.what, this.clear);
    this.body = el("div", "doctor-body");
    element.append(this.bar, this.body);
    ctx.bus.addEventListener("diagnose", (e) => this.run(e.detail || {}));
  }

  async run(request) {
    const lang = language() === "zh-CN" ? "zh" : "en";
    this.ctx.bus.dispatchEvent(new CustomEvent("show-drawer", { detail: { tab: "doctor" } }));
    const what = request.trace ? `the connection to ${request.trace.target} from ${request.trace.source}`
      : `service/${request.name} in ${request.namespace || "default"}${request.from ? ` from ${request.from}` : ""}`;
    this.what.textContent = `diagnosing ${what} …`;
    this.element.dataset.state = "running";
    this.body.replaceChildren();
    const answer = await this.ctx.live.diagnose({ ...request, lang });
    this.show(answer);
  }

  show(answer) {
    this.answer = answer;
    this.selected = null;
    const d = answer.diagnosis;
    this.element.dataset.state = d ? (d.healthy ? "healthy" : "broken") : "error";
    const shown = answer.line ? `$ ${answer.line.replace(/ -o json --lang \w+$/, "")}` : "";
    this.what.replaceChildren(el("code", "", shown));
    this.what.title = answer.line || "";
    if (!d) {
      this.body.replaceChildren(el("pre", "doctor-message", answer.message || "labdoctor gave no answer"));
      this.mark([]);
      return;
    }
    const problems = d.findings.filter((f) => f.status === "fail").length;
    const warnings = d.findings.filter((f) => f.status === "warn").length;
    const head = el("div", `doctor-verdict ${d.healthy ? "ok" : "bad"}`, verdict(d, problems, warnings));
    const list = el("ol", "findings");
    const words = WORDS[d.lang] || WORDS.en;
    for (const f of d.findings) list.append(this.finding(f, words));
    this.body.replaceChildren(head, list);
    this.markAll();
    // the method's order is kept (DNS, endpoints, kube-proxy ...): bring the first problem into view
    list.querySelector(".status-fail, .status-warn")?.scrollIntoView({ block: "nearest" });
  }

  finding(f, words) {
    const li = el("li", `finding status-${f.status}`);
    li.dataset.check = f.check;
    const top = el("div", "finding-head");
    top.append(el("span", `finding-status ${f.status}`, words[f.status] || f.status), el("span", "finding-check", f.check),
      el("span", "finding-summary", f.summary));
    li.append(top);
    const serious = f.status === "fail" || f.status === "warn";
    if (f.evidence?.length) {
      const ul = el("ul", "finding-evidence");
      ul.hidden = !serious;
      for (const e of f.evidence) ul.append(el("li", "", e));
      li.append(ul);
      if (!serious) top.addEventListener("click", () => { ul.hidden = !ul.hidden; });
    }
    if (f.fix && (f.fix.text || f.fix.commands?.length)) {
      const fix = el("div", "finding-fix");
      fix.append(el("span", "fix-label", words.fix), el("span", "fix-text", f.fix.text || ""));
      for (const command of f.fix.commands || []) {
        const row = el("div", "fix-command");
        const run = el("button", "fix-run", words.run);
        run.type = "button";
        run.title = `type it in a terminal on ${this.ctx.defaultHost}`;
        run.addEventListener("click", (e) => {
          e.stopPropagation();
          this.ctx.bus.dispatchEvent(new CustomEvent("run-command", { detail: { line: command, host: this.ctx.defaultHost } }));
        });
        row.append(el("code", "", command), run);
        fix.append(row);
      }
      li.append(fix);
    }
    if (f.marks?.length) {
      li.classList.add("has-marks");
      li.title = "show this finding's marks on the topology";
      li.addEventListener("click", () => {
        if (this.selected === f.check) { this.selected = null; this.markAll(); return; }
        this.selected = f.check;
        for (const other of this.body.querySelectorAll(".finding")) other.classList.toggle("selected", other === li);
        this.mark(f.marks, f.status);
      });
    }
    return li;
  }

  /** The marks of every failed and warned finding (the failed ones win where they overlap). */
  markAll() {
    for (const other of this.body.querySelectorAll(".finding")) other.classList.remove("selected");
    const d = this.answer?.diagnosis;
    if (!d) return this.mark([]);
    const serious = d.findings.filter((f) => f.status === "fail" || f.status === "warn");
    const status = serious.some((f) => f.status === "fail") ? "fail" : serious.length ? "warn" : "pass";
    return this.mark(serious.flatMap((f) => f.marks || []), status);
  }

  mark(marks, status = "fail") {
    this.ctx.bus.dispatchEvent(new CustomEvent("diagram-marks", { detail: { marks, status } }));
  }
}

export function mountDoctor(element, ctx) {
  const doctor = new Doctor(element, ctx);
  ctx.doctor = doctor;
  return doctor;
}
