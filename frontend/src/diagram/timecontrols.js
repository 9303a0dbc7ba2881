// The header's time controls (#time-controls): play/pause the lab's virtual
// clock, its speed, a step to the next timed event, and the clock itself.
// All of it goes through ctx.live; the server's "clock" messages are the
// only source of what is shown, so several tabs agree.

const SPEEDS = [1, 2, 5, 10, 30, 60];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Dec 1 2026  09:00:00 UTC" */
export function formatClock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}  `
    + `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

export function mountTimeControls(element, ctx) {
  const live = ctx.live;
  const clockEl = element.querySelector("#clock") || Object.assign(document.createElement("time"), { id: "clock" });
  const play = document.createElement("button");
  play.type = "button";
  play.className = "tc-play";
  const speed = document.createElement("select");
  speed.className = "tc-speed";
  speed.setAttribute("aria-label", "clock speed");
  speed.innerHTML = SPEEDS.map((s) => `<option value="${s}">${s}×</option>`).join("");
  const step = document.createElement("button");
  step.type = "button";
  step.className = "tc-step";
  step.textContent = "▶| next event";
  step.title = "jump the clock to the next timed event (a probe, a retry, a grace period ending)";
  element.prepend(play, speed, step);
  const can = (name) => live && typeof live[name] === "function";
  for (const [el, name] of [[play, "play"], [speed, "setSpeed"], [step, "stepEvent"]]) {
    if (!can(name)) { el.disabled = true; el.title = "the live connection is not available"; }
  }
  const show = (clock) => {
    if (!clock) return;
    if (clock.now) {
      clockEl.dateTime = clock.now;
      clockEl.textContent = formatClock(clock.now);
    }
    const playing = Boolean(clock.playing);
    element.dataset.playing = String(playing);
    play.textContent = playing ? "❚❚ pause" : "▶ play";
    play.title = playing ? "stop the lab's clock" : "let the lab's clock run (timers, probes, rollouts go on)";
    if (clock.speed) speed.value = String(clock.speed);
  };
  if (clockEl.dateTime) clockEl.textContent = formatClock(clockEl.dateTime);
  play.addEventListener("click", () => (element.dataset.playing === "true" ? live.pause() : live.play()));
  speed.addEventListener("change", () => live.setSpeed(Number(speed.value)));
  step.addEventListener("click", () => live.stepEvent());
  live?.addEventListener("clock", (e) => show(e.detail));
  show(live?.clock || { now: clockEl.dateTime, playing: false, speed: 1 });
}
