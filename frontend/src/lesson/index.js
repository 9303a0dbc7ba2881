// The Lesson tab (#lesson): the lesson the lab follows, step by step.
//
//   mountLesson(element, ctx)
//
// Reads GET ctx.urls.lesson (docs/lessons.md: every step's texts in both
// languages, commands, hints, solution, explanation, focus, check results)
// and follows ctx.live "lesson" pushes (the step marks after every command,
// docs/protocol.md), so a step is marked passed as the learner works. A
// command is a button: bus "run-command" {line, host} types it in a
// terminal on its host. Hints and the solution come on request; the
// explanation once the step passed, its focus glowing on the topology (bus
// "diagram-focus"). "reset lab" POSTs ctx.urls.lessonReset. A lab that
// follows no lesson shows the lessons (GET ctx.urls.lessons) to start one.
import "./lesson.css";
import { renderInline, renderMarkdown } from "./markdown.js";
import { LANGUAGES, language, pick, setLanguage } from "./lang.js";
import { call } from "../editor/api.js";

const UI = {
  en: {
    lessons: "All lessons", reset: "reset lab", resetAsk: "A fresh cluster for this lesson, from step 1?", yes: "reset",
    no: "cancel", resetting: "resetting the lab …", passed: "passed", of: "of", steps: "steps passed",
    hint: "hint", moreHint: "another hint", solution: "show solution", hideSolution: "hide solution",
    checks: "Checks", commands: "Try", explain: "What happened", showFocus: "show on diagram", next: "next step",
    prev: "previous", stepPassed: "Step passed", completed: "Lesson completed", reading: "reading step: passes with the next one",
    start: "start", resume: "continue", none: "This lab follows no lesson. Start one (each opens its own lab):",
    minutes: "min", loading: "loading the lesson …", failed: "could not load the lesson",
  },
  "zh-CN": {
    lessons: "全部课程", reset: "重置实验", resetAsk: "为本课程换一个全新的集群，从第 1 步重新开始？", yes: "重置",
    no: "取消", resetting: "正在重置实验 …", passed: "已通过", of: "/", steps: "步已通过",
    hint: "提示", moreHint: "更多提示", solution: "查看答案", hideSolution: "隐藏答案",
    checks: "检查项", commands: "试一试", explain: "刚才发生了什么", showFocus: "在图上显示", next: "下一步",
    prev: "上一步", stepPassed: "本步已通过", completed: "课程已完成", reading: "阅读步骤：随下一步一起通过",
    start: "开始", resume: "继续", none: "这个实验没有跟随课程。选一个课程开始（每个课程在自己的实验里打开）：",
    minutes: "分钟", loading: "正在加载课程 …", failed: "无法加载课程",
  },
};

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(className, text, onClick, title) {
  const b = el("button", className, text);
  b.type = "button";
  if (title) b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

export class LessonPanel {
  constructor(element, ctx) {
    this.element = element;
    this.ctx = ctx;
    this.lang = language();
    this.state = null;
    this.index = null;
    this.view = "lesson";
    this.selected = null;
    this.hintsShown = new Map();     // step id -> hints revealed
    this.solutionShown = new Set();
    this.confirming = false;
    element.classList.add("lesson");
    ctx.live?.addEventListener("lesson", (e) => this.applyMarks(e.detail));
    this.load();
  }

  t(key) { return UI[this.lang][key]; }

  async load() {
    if (!this.ctx.lesson) return this.showIndex(); // the page knows: no 404 to ask for
    this.element.dataset.state = "loading";
    this.element.replaceChildren(el("p", "muted lesson-pad", this.t("loading")));
    try {
      this.state = await call(this.ctx.urls.lesson);
    } catch (error) {
      if (error.status === 404) return this.showIndex();
      this.element.replaceChildren(el("p", "lesson-pad bad", `${this.t("failed")}: ${error.message}`));
      return undefined;
    }
    if (this.ctx.live?.lesson?.lesson === this.state.lesson.slug) this.merge(this.ctx.live.lesson);
    this.selected = this.state.current || this.state.steps[this.state.steps.length - 1].id;
    this.view = "lesson";
    this.render();
    return undefined;
  }

  async showIndex() {
    this.view = "index";
    try {
      this.index = await call(this.ctx.urls.lessons);
    } catch (error) {
      this.element.replaceChildren(el("p", "lesson-pad bad", `${this.t("failed")}: ${error.message}`));
      return;
    }
    this.render();
  }

  /** Take a "lesson" push: live checks and recorded passes of every step. */
  merge(marks) {
    const steps = new Map(this.state.steps.map((s) => [s.id, s]));
    for (const m of marks.steps) {
      const step = steps.get(m.id);
      if (step) Object.assign(step, m);
    }
    this.state.current = marks.current;
    this.state.completed = marks.completed;
  }

  applyMarks(marks) {
    if (!this.state || marks.lesson !== this.state.lesson.slug) return;
    const before = new Set(this.state.steps.filter((s) => s.passed).map((s) => s.id));
    this.merge(marks);
    const newly = this.state.steps.filter((s) => s.passed && !before.has(s.id)).map((s) => s.id);
    if (newly.includes(this.selected)) this.justPassed = this.selected;
    if (this.view === "lesson") this.render();
  }

  setLang(lang) {
    setLanguage(lang);
    this.lang = lang;
    this.render();
  }

  // ---- rendering -------------------------------------------------------------
  render() {
    this.element.dataset.view = this.view;
    this.element.dataset.lang = this.lang;
    if (this.view === "index" || !this.state) {
      this.element.dataset.state = "index";
      this.element.replaceChildren(this.header(), this.renderIndex());
      return;
    }
    const s = this.state;
    this.element.dataset.state = s.completed ? "completed" : "working";
    this.element.dataset.current = s.current || "";
    this.element.dataset.passed = String(s.steps.filter((x) => x.passed).length);
    this.element.replaceChildren(this.header(), this.stepList(), this.stepView());
  }

  header() {
    const head = el("div", "lesson-head");
    const top = el("div", "lesson-top");
    const langs = el("div", "lesson-lang");
    langs.setAttribute("role", "group");
    langs.setAttribute("aria-label", "language");
    for (const lang of LANGUAGES) {
      const b = button("", lang === "en" ? "EN" : "中文", () => this.setLang(lang));
      b.dataset.lang = lang;
      b.setAttribute("aria-pressed", String(lang === this.lang));
      langs.append(b);
    }
    const links = el("div", "lesson-links");
    if (this.view === "lesson" && this.state) {
      links.append(button("lesson-index-link", this.t("lessons"), () => this.showIndex()));
      links.append(button("lesson-reset", this.t("reset"), () => { this.confirming = true; this.render(); }));
    } else if (this.state) {
      links.append(button("lesson-back", pick(this.state.lesson.title, this.lang), () => { this.view = "lesson"; this.render(); }));
    }
    top.append(langs, links);
    head.append(top);
    if (this.view === "lesson" && this.state) {
      const s = this.state;
      head.append(el("h2", "lesson-title", pick(s.lesson.title, this.lang)));
      const passed = s.steps.filter((x) => x.passed).length;
      const bar = el("div", "lesson-progress");
      const fill = el("span", "lesson-progress-fill");
      fill.style.width = `${Math.round((passed / s.steps.length) * 100)}%`;
      bar.append(fill);
      head.append(bar, el("div", "lesson-count muted",
        s.completed ? `${this.t("completed")} · ${passed} ${this.t("of")} ${s.steps.length}`
          : `${passed} ${this.t("of")} ${s.steps.length} ${this.t("steps")}`));
      if (this.confirming) {
        const ask = el("div", "lesson-confirm");
        ask.append(el("span", "", this.t("resetAsk")),
          button("danger lesson-reset-yes", this.t("yes"), () => this.reset()),
          button("", this.t("no"), () => { this.confirming = false; this.render(); }));
        head.append(ask);
      }
    }
    return head;
  }

  stepList() {
    const ol = el("ol", "lesson-steps");
    this.state.steps.forEach((step, i) => {
      const li = el("li", "lesson-step-item");
      li.dataset.step = step.id;
      const state = step.passed ? "passed" : step.id === this.state.current ? "current" : "todo";
      li.dataset.mark = state;
      const b = button("", "", () => { this.selected = step.id; this.justPassed = null; this.render(); });
      b.setAttribute("aria-current", String(step.id === this.selected));
      const mark = el("span", `step-mark ${state}`, step.passed ? "✓" : state === "current" ? "●" : "○");
      mark.setAttribute("aria-label", state === "passed" ? this.t("passed") : state);
      b.append(mark, el("span", "step-n", `${i + 1}`), el("span", "step-name", pick(step.title, this.lang)));
      li.append(b);
      ol.append(li);
    });
    return ol;
  }

  stepView() {
    const steps = this.state.steps;
    const i = Math.max(0, steps.findIndex((s) => s.id === this.selected));
    const step = steps[i];
    const box = el("article", "lesson-step");
    box.dataset.step = step.id;
    box.dataset.passed = String(step.passed);
    box.append(el("h3", "", `${i + 1}. ${pick(step.title, this.lang)}`));
    if (step.passed) {
      const banner = el("div", `step-passed${this.justPassed === step.id ? " fresh" : ""}`, `✓ ${this.t("stepPassed")}`);
      if (step.labTime) banner.title = `lab clock ${step.labTime}`;
      box.append(banner);
    }
    const text = el("div", "lesson-md");
    text.innerHTML = renderMarkdown(pick(step.text, this.lang));
    box.append(text);

    if (step.commands.length) {
      box.append(el("h4", "", this.t("commands")));
      box.append(this.commandButtons(step.commands, "lesson-commands"));
    }
    if (step.checks.length) {
      box.append(el("h4", "", this.t("checks")));
      const ul = el("ul", "lesson-checks");
      for (const c of step.checks) {
        const li = el("li", c.passed ? "ok" : "todo");
        li.append(el("span", "check-mark", c.passed ? "✓" : "✗"), el("span", "", pick(c.text, this.lang)));
        if (c.detail && !c.passed) li.append(el("span", "check-detail muted", ` (${c.detail})`));
        ul.append(li);
      }
      box.append(ul);
    } else {
      box.append(el("p", "muted small", this.t("reading")));
    }

    const tools = el("div", "lesson-tools");
    const shown = this.hintsShown.get(step.id) || 0;
    if (step.hints.length && shown < step.hints.length) {
      tools.append(button("lesson-hint", shown ? this.t("moreHint") : this.t("hint"),
        () => { this.hintsShown.set(step.id, shown + 1); this.render(); }));
    }
    if (step.solution.length) {
      const open = this.solutionShown.has(step.id);
      tools.append(button("lesson-solution", open ? this.t("hideSolution") : this.t("solution"), () => {
        if (open) this.solutionShown.delete(step.id); else this.solutionShown.add(step.id);
        this.render();
      }));
    }
    box.append(tools);
    if (shown) {
      const hints = el("ul", "lesson-hints");
      for (const h of step.hints.slice(0, shown)) {
        const li = el("li");
        li.innerHTML = renderMarkdown(pick(h, this.lang));
        hints.append(li);
      }
      box.append(hints);
    }
    if (this.solutionShown.has(step.id)) box.append(this.commandButtons(step.solution, "lesson-solution-commands"));

    if (step.passed && step.explain) {
      const ex = el("section", "lesson-explain");
      ex.append(el("h4", "", this.t("explain")));
      const md = el("div", "lesson-md");
      md.innerHTML = renderMarkdown(pick(step.explain, this.lang));
      ex.append(md);
      if (step.focus.length) ex.append(button("lesson-focus", this.t("showFocus"), () => this.focus(step.focus)));
      box.append(ex);
      // the step has just passed as the learner watched: bring what happened into view
      if (this.justPassed === step.id) requestAnimationFrame(() => ex.scrollIntoView({ block: "nearest", behavior: "smooth" }));
    }
    this.focus(step.passed && step.explain ? step.focus : []);

    const nav = el("div", "lesson-nav");
    if (i > 0) nav.append(button("", `← ${this.t("prev")}`, () => { this.selected = steps[i - 1].id; this.justPassed = null; this.render(); }));
    if (i < steps.length - 1) {
      const next = button(`lesson-next${step.passed ? " primary" : ""}`, `${this.t("next")} →`,
        () => { this.selected = steps[i + 1].id; this.justPassed = null; this.render(); });
      nav.append(next);
    }
    box.append(nav);
    return box;
  }

  commandButtons(commands, className) {
    const list = el("div", `lesson-cmds ${className}`);
    for (const c of commands) {
      const b = button("lesson-cmd", "", () => this.ctx.bus.dispatchEvent(new CustomEvent("run-command", {
        detail: { line: c.run, host: c.host } })), `run it in a terminal on ${c.host}`);
      b.dataset.host = c.host;
      b.append(el("span", "cmd-prompt", "$"), el("code", "", c.run));
      if (c.host !== this.ctx.defaultHost) b.append(el("span", "cmd-host", c.host));
      list.append(b);
    }
    return list;
  }

  focus(focus) {
    this.ctx.bus.dispatchEvent(new CustomEvent("diagram-focus", { detail: { focus } }));
  }

  async reset() {
    this.confirming = false;
    this.element.dataset.state = "resetting";
    this.element.replaceChildren(this.header(), el("p", "muted lesson-pad", this.t("resetting")));
    try {
      this.state = await call(this.ctx.urls.lessonReset, { method: "POST" });
    } catch (error) {
      this.element.append(el("p", "lesson-pad bad", error.message));
      return;
    }
    this.hintsShown.clear();
    this.solutionShown.clear();
    this.selected = this.state.current;
    this.justPassed = null;
    this.render();
  }

  renderIndex() {
    const box = el("div", "lesson-index");
    if (!this.state) box.append(el("p", "lesson-pad", this.t("none")));
    const ul = el("ul", "lesson-list");
    for (const l of this.index?.lessons || []) {
      const li = el("li", "lesson-card");
      li.dataset.slug = l.slug;
      const head = el("div", "lesson-card-head");
      head.append(el("strong", "", pick(l.title, this.lang)),
        el("span", "badge", `${l.level} · ${l.profile} · ${l.minutes} ${this.t("minutes")}`));
      const summary = el("p", "muted");
      summary.innerHTML = renderInline(pick(l.summary, this.lang));
      li.append(head, summary);
      const actions = el("div", "lesson-card-actions");
      for (const lab of l.labs) {
        const a = el("a", "lesson-go", `${this.t("resume")} · ${lab.lab} (${lab.passed}/${l.steps})`);
        a.href = `/lab/${encodeURIComponent(lab.lab)}/`;
        actions.append(a);
      }
      if (!l.labs.length) {
        const a = el("a", "lesson-go primary", this.t("start"));
        a.href = l.url;
        actions.append(a);
      }
      li.append(actions);
      ul.append(li);
    }
    box.append(ul);
    return box;
  }
}

export function mountLesson(element, ctx) {
  const panel = new LessonPanel(element, ctx);
  ctx.lesson = panel;
  return panel;
}
