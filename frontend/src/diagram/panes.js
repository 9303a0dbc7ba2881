// The page's frame: tabs in the side pane and the drawer, panes resized by
// dragging (or the arrow keys on) the gutters between them, sizes kept in
// localStorage, and the connection indicator (#conn) following ctx.live.

const SIZES = {
  side: { prop: "--side-w", axis: "x", min: 180, max: 640, sign: 1 },
  drawer: { prop: "--drawer-w", axis: "x", min: 260, max: 1100, sign: -1 },
  terminals: { prop: "--term-h", axis: "y", min: 120, max: 900, sign: -1 },
};
const STORE = "serviceLab.panes";

function tabs(container, bus) {
  const buttons = container.querySelectorAll(":scope > nav [role=tab]");
  const panels = container.querySelectorAll(":scope > .tab-panel");
  const show = (name) => {
    for (const b of buttons) b.setAttribute("aria-selected", String(b.dataset.tab === name));
    for (const p of panels) p.hidden = p.dataset.tab !== name;
    window.dispatchEvent(new Event("resize")); // terminals and the diagram refit
  };
  for (const b of buttons) b.addEventListener("click", () => show(b.dataset.tab));
  return show;
}

export function mountLayout(root, ctx) {
  const saved = JSON.parse(localStorage.getItem(STORE) || "{}");
  for (const [name, size] of Object.entries(saved)) {
    if (SIZES[name]) root.style.setProperty(SIZES[name].prop, `${size}px`);
  }
  tabs(document.getElementById("side"), ctx.bus);
  const showDrawer = tabs(document.getElementById("drawer"), ctx.bus);
  ctx.bus.addEventListener("show-drawer", (e) => showDrawer(e.detail.tab));
  ctx.bus.addEventListener("focus-node", () => showDrawer("rules"));

  for (const gutter of root.querySelectorAll(".gutter")) {
    const spec = SIZES[gutter.dataset.resize];
    const current = () => parseFloat(getComputedStyle(root).getPropertyValue(spec.prop)) || 300;
    const set = (px) => {
      const v = Math.round(Math.min(spec.max, Math.max(spec.min, px)));
      root.style.setProperty(spec.prop, `${v}px`);
      saved[gutter.dataset.resize] = v;
      localStorage.setItem(STORE, JSON.stringify(saved));
      window.dispatchEvent(new Event("resize"));
    };
    gutter.addEventListener("pointerdown", (down) => {
      down.preventDefault();
      gutter.setPointerCapture(down.pointerId);
      const start = spec.axis === "x" ? down.clientX : down.clientY;
      const from = current();
      gutter.classList.add("dragging");
      const move = (e) => set(from + spec.sign * ((spec.axis === "x" ? e.clientX : e.clientY) - start));
      const up = () => {
        gutter.classList.remove("dragging");
        gutter.removeEventListener("pointermove", move);
        gutter.removeEventListener("pointerup", up);
      };
      gutter.addEventListener("pointermove", move);
      gutter.addEventListener("pointerup", up);
    });
    gutter.addEventListener("keydown", (e) => {
      const step = e.shiftKey ? 60 : 20;
      const keys = spec.axis === "x" ? { ArrowLeft: -1, ArrowRight: 1 } : { ArrowUp: -1, ArrowDown: 1 };
      if (!(e.key in keys)) return;
      e.preventDefault();
      set(current() + spec.sign * keys[e.key] * step);
    });
  }

  const conn = document.getElementById("conn");
  ctx.live?.addEventListener("status", (e) => {
    const state = typeof e.detail === "string" ? e.detail : e.detail?.status;
    const label = { connecting: "connecting", live: "live", offline: "offline" }[state] || state;
    conn.dataset.state = state === "live" ? "open" : state === "offline" ? "closed" : "connecting";
    conn.textContent = label;
  });
}
