// The inspector (#inspector): the selected object as `kubectl describe`
// and `kubectl get -o yaml` print it, fetched from lab/labs/inspect.py (the
// lab's own kubectl on its stored world), refreshed when the object changes.

export function mountInspector(element, ctx) {
  element.classList.add("inspector");
  element.innerHTML = `<div class="panel-bar"><span class="inspector-title muted">select an object in the diagram</span>
      <span class="seg" role="tablist"><button type="button" data-view="describe" aria-pressed="true">describe</button><button type="button" data-view="yaml" aria-pressed="false">yaml</button></span></div>
    <pre class="inspector-text" tabindex="0"></pre>`;
  const title = element.querySelector(".inspector-title");
  const text = element.querySelector(".inspector-text");
  let selected = null;
  let data = null;
  let view = "describe";
  let timer = 0;
  let asked = 0;
  const paint = () => {
    if (!data) return;
    text.textContent = data.error ? data.message : data[view];
    text.classList.toggle("error", Boolean(data.error));
  };
  const load = async () => {
    if (!selected) return;
    const ask = ++asked;
    const q = new URLSearchParams({ kind: selected.kind, namespace: selected.namespace || "", name: selected.name });
    try {
      const answer = await fetch(`${ctx.urls.inspect}?${q}`, { credentials: "same-origin" });
      const body = await answer.json();
      if (ask !== asked) return;
      data = answer.ok ? body : { error: body.error, message: body.message };
    } catch (err) {
      data = { error: "network", message: `the inspector could not be reached: ${err}` };
    }
    element.dataset.loaded = `${selected.kind}/${selected.namespace || ""}/${selected.name}`;
    paint();
  };
  element.querySelector(".seg").addEventListener("click", (e) => {
    const v = e.target.dataset.view;
    if (!v) return;
    view = v;
    for (const b of element.querySelectorAll(".seg button")) b.setAttribute("aria-pressed", String(b.dataset.view === v));
    paint();
  });
  ctx.bus.addEventListener("select-object", (e) => {
    selected = e.detail;
    const ns = selected.namespace ? `${selected.namespace}/` : "";
    title.textContent = `${selected.kind} ${ns}${selected.name}`;
    title.classList.remove("muted");
    text.textContent = "…";
    data = null;
    ctx.bus.dispatchEvent(new CustomEvent("show-drawer", { detail: { tab: "inspector" } }));
    load();
  });
  // describe shows what its describer reads besides the object: a Service's
  // EndpointSlices, a Deployment's ReplicaSets, a ReplicaSet's or Node's Pods,
  // and the object's Events; refresh when one of those changes, once things calm down
  const related = {
    Service: (o) => o.kind === "EndpointSlice" && o.metadata?.labels?.["kubernetes.io/service-name"] === selected.name,
    Deployment: (o) => o.kind === "ReplicaSet" && owned(o),
    ReplicaSet: (o) => o.kind === "Pod" && owned(o),
    DaemonSet: (o) => o.kind === "Pod" && owned(o),
    Node: (o) => o.kind === "Pod" && o.spec?.nodeName === selected.name,
  };
  const owned = (o) => (o.metadata?.ownerReferences || []).some((r) => r.kind === selected.kind && r.name === selected.name);
  ctx.live?.addEventListener("change", (e) => {
    if (!selected) return;
    const key = `${selected.kind}/${selected.namespace || ""}/${selected.name}`;
    const o = e.detail?.object || {};
    const sameNamespace = (o.metadata?.namespace || "") === (selected.namespace || "") || selected.kind === "Node";
    const about = o.kind === "Event" && o.involvedObject?.kind === selected.kind && o.involvedObject?.name === selected.name;
    if (e.detail?.key === key || about || (sameNamespace && related[selected.kind]?.(o))) {
      clearTimeout(timer);
      timer = setTimeout(load, 400);
    }
  });
}
