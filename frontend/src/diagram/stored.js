// The lab's stored objects, for a page without the live socket: the same
// shape as LiveLab's `objects` and "snapshot" events, read from
// /lab/<name>/inspect/objects/ when the page opens and again every couple
// of seconds while it is visible (only when the store's resourceVersion moved
// does a snapshot go out). It has no clock controls, node actions, traces
// or rules: the panels that need them say so.

const POLL_MS = 2000;

export class StoredObjects extends EventTarget {
  constructor(url, bus) {
    super();
    this.url = url;
    this.objects = new Map();
    this.resourceVersion = "";
    this.clock = null;
    this.timer = 0;
    bus?.addEventListener("terminal-clock", (e) => {
      this.clock = { ...(this.clock || { playing: false, speed: 1 }), now: e.detail.now };
      this.dispatchEvent(new CustomEvent("clock", { detail: this.clock }));
      this.refresh();
    });
    this.refresh();
  }

  async refresh() {
    clearTimeout(this.timer);
    try {
      const answer = await fetch(this.url, { credentials: "same-origin" });
      if (answer.ok) {
        const body = await answer.json();
        if (body.resourceVersion !== this.resourceVersion) {
          this.resourceVersion = body.resourceVersion;
          this.objects = new Map(body.objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
          this.dispatchEvent(new CustomEvent("snapshot", { detail: { objects: this.objects } }));
        }
      }
    } catch {
      // offline for now; the next poll tries again
    }
    this.timer = setTimeout(() => this.refresh(), document.hidden ? POLL_MS * 5 : POLL_MS);
  }
}
