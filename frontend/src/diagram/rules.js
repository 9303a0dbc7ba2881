// The rules viewer (#rules): one node's kube-proxy rules as the node's
// tool prints them (iptables-save, ipvsadm -Ln, nft list ruleset, by the
// node's proxy mode), pushed by the server as ctx.live "rules" messages.
// Lines the last change added are green, lines the last packet through the
// node matched are marked, and the lines the change removed are listed
// above the text. A filter narrows the text like grep, keeping numbers.

export function mountRules(element, ctx) {
  element.classList.add("rules-panel");
  element.innerHTML = `<div class="panel-bar">
      <label>node <select class="rules-node" aria-label="node"></select></label>
      <span class="rules-mode pill"></span>
      <input class="rules-filter" type="search" placeholder="filter (like grep)" aria-label="filter rules">
      <label class="muted"><input type="checkbox" class="rules-only"> changed and matched only</label>
      <span class="rules-summary muted"></span></div>
    <div class="rules-removed" hidden></div>
    <div class="rules-scroll"><ol class="rules-text"></ol><p class="rules-empty muted">waiting for the node's rules…</p></div>`;
  const select = element.querySelector(".rules-node");
  const mode = element.querySelector(".rules-mode");
  const filter = element.querySelector(".rules-filter");
  const only = element.querySelector(".rules-only");
  const summary = element.querySelector(".rules-summary");
  const removedBox = element.querySelector(".rules-removed");
  const list = element.querySelector(".rules-text");
  const empty = element.querySelector(".rules-empty");
  const live = ctx.live;
  let current = null;
  let last = null;

  const nodeNames = () => [...(live?.objects?.values() || [])].filter((o) => o.kind === "Node")
    .map((o) => o.metadata.name).sort();
  const fillNodes = () => {
    const names = nodeNames();
    if (!names.length) return;
    const have = [...select.options].map((o) => o.value).join(",");
    if (have !== names.join(",")) {
      select.replaceChildren(...names.map((n) => Object.assign(document.createElement("option"), { value: n, textContent: n })));
    }
    if (!current) watch(ctx.defaultHost && names.includes(ctx.defaultHost) ? ctx.defaultHost : names[0]);
    select.value = current;
  };
  const watch = (node) => {
    if (!node || node === current) return;
    current = node;
    select.value = node;
    last = null;
    list.replaceChildren();
    removedBox.hidden = true;
    empty.hidden = false;
    empty.textContent = `waiting for ${node}'s rules…`;
    if (typeof live?.watchRules === "function") live.watchRules(node);
    else empty.textContent = "the live connection is not available";
  };
  const paint = (e) => {
    if (!last) return;
    const lines = last.text.replace(/\n$/, "").split("\n");
    // iptables-save prints each built-in chain's packet and byte counters
    // (":OUTPUT ACCEPT [19:1140]"); a packet changes them without changing a
    // rule, so such a line is marked as counted, not as added and removed
    const policy = (t) => /^:(\S+ \S+) \[\d+:\d+\]$/.exec(t)?.[1];
    const recounted = new Set((last.removed || []).map(policy).filter(Boolean));
    const counted = new Set((last.added || []).filter((n) => recounted.has(policy(lines[n - 1] || ""))));
    const added = new Set((last.added || []).filter((n) => !counted.has(n)));
    const removedLines = (last.removed || []).filter((t) => !policy(t) || ![...counted].some((n) => policy(lines[n - 1]) === policy(t)));
    const matched = new Set(last.matched || []);
    const needle = filter.value.trim();
    const items = [];
    let firstAdded = null;
    let firstMatched = null;
    lines.forEach((line, i) => {
      const n = i + 1;
      const isAdded = added.has(n);
      const isMatched = matched.has(n);
      if (needle && !line.includes(needle)) return;
      if (only.checked && !isAdded && !isMatched) return;
      const li = document.createElement("li");
      li.value = n;
      li.textContent = line;
      if (isAdded) li.classList.add("added");
      if (isMatched) li.classList.add("matched");
      if (counted.has(n)) li.classList.add("counted");
      if (isAdded && !firstAdded) firstAdded = li;
      if (isMatched && !firstMatched) firstMatched = li;
      items.push(li);
    });
    list.replaceChildren(...items);
    empty.hidden = lines.length > 0;
    mode.textContent = last.mode || "";
    summary.textContent = `${lines.length} lines · ${added.size} added · ${removedLines.length} removed · ${matched.size} matched by the last packet`;
    if (removedLines.length) {
      removedBox.hidden = false;
      removedBox.replaceChildren(Object.assign(document.createElement("div"), { className: "muted", textContent: "removed by the last change:" }),
        ...removedLines.map((t) => Object.assign(document.createElement("div"), { className: "removed", textContent: t })));
    } else removedBox.hidden = true;
    // a packet just went through: show where it matched; else what the change added
    const mark = (e && e.matched?.length ? firstMatched : firstAdded) || firstMatched;
    if (mark) mark.scrollIntoView({ block: "center" });
    element.dataset.node = last.node;
  };
  select.addEventListener("change", () => watch(select.value));
  filter.addEventListener("input", () => paint());
  only.addEventListener("change", () => paint());
  ctx.bus.addEventListener("focus-node", (e) => {
    watch(e.detail.node);
  });
  live?.addEventListener("rules", (e) => {
    if (e.detail.node !== current) return;
    // a push with only "matched" (a packet went through) keeps the text and the last change's marks
    last = { ...(last || {}), ...e.detail, added: e.detail.added ?? last?.added, removed: e.detail.removed ?? last?.removed };
    paint(e.detail);
  });
  live?.addEventListener("snapshot", fillNodes);
  live?.addEventListener("change", (e) => { if (e.detail?.object?.kind === "Node") fillNodes(); });
  fillNodes();
}
