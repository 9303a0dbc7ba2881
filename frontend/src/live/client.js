// LiveLab: the lab's live state for every panel of the page, kept in sync
// over the live socket (ws/lab/<name>/live/, docs/protocol.md).
//
//   objects          Map key `${kind}/${namespace ?? ""}/${name}` -> the object's full API JSON
//   resourceVersion  of the last update applied
//   clock            {now, playing, speed}
//   events: "snapshot" {objects}, "change" {type, key, object, old}, "clock",
//           "trace", "rules", "command", "action", "error", "status" (connecting | live | offline),
//           "lesson" (the lesson's step marks, after every command), "diagnosis"
//   lesson           the last "lesson" marks (null until one came)
//   play(), pause(), setSpeed(n), stepEvent(), nodeAction(node, action),
//   watchRules(node), sendRequest(fromHost, url), diagnose(request)
//
// After a lost connection it reconnects (waiting longer each time, up to a
// few seconds) and resumes from its resourceVersion: the server sends the
// updates it missed, none twice, or a new snapshot when it no longer has
// them all.

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5000;

/** The map key of an API object. */
export function objectKey(obj) {
  const meta = obj.metadata || {};
  return `${obj.kind}/${meta.namespace ?? ""}/${meta.name}`;
}

export class LiveLab extends EventTarget {
  constructor(wsPath) {
    super();
    this.wsPath = wsPath;
    this.objects = new Map();
    this.resourceVersion = "";
    this.runner = "";
    this.clock = { now: "", playing: false, speed: 1 };
    this.status = "connecting";
    this.rulesNode = null;
    this.lesson = null;
    this.queue = []; // messages sent while offline go out on reconnect
    this.pending = new Map(); // action id -> resolve
    this.retryMs = RETRY_MIN_MS;
    this.ws = null;
    this.closed = false;
    this.connect();
  }

  // -- connection -----------------------------------------------------------------
  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let query = "";
    if (this.resourceVersion && this.runner) {
      query = `?resourceVersion=${encodeURIComponent(this.resourceVersion)}&runner=${encodeURIComponent(this.runner)}`;
    }
    return `${scheme}//${location.host}${this.wsPath}${query}`;
  }

  connect() {
    this.setStatus("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onmessage = (event) => this.receive(JSON.parse(event.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setStatus("offline");
      if (this.closed) return;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    };
  }

  /** Stop for good (the page goes away). */
  close() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.emit("status", status);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.status === "live") {
      this.ws.send(JSON.stringify(message));
    } else {
      this.queue.push(message);
    }
  }

  // -- from the server ----------------------------------------------------------------
  receive(message) {
    switch (message.type) {
      case "snapshot":
        this.objects = new Map(message.objects.map((o) => [objectKey(o), o]));
        this.synced(message);
        this.emit("snapshot", { objects: this.objects });
        break;
      case "resumed":
        this.synced(message);
        this.applyEvents(message.events);
        break;
      case "watch":
        this.resourceVersion = message.resourceVersion;
        this.applyEvents(message.events);
        break;
      case "clock":
        this.clock = { now: message.now, playing: message.playing, speed: message.speed };
        this.emit("clock", this.clock);
        break;
      case "trace":
      case "command":
      case "error": {
        const { type, ...detail } = message;
        this.emit(type, detail);
        break;
      }
      case "rules": {
        const { type, ...detail } = message;
        if (detail.node === this.rulesNode) this.emit("rules", detail);
        break;
      }
      case "lesson": {
        const { type, ...detail } = message;
        this.lesson = detail;
        this.emit("lesson", detail);
        break;
      }
      case "diagnosis":
      case "action": {
        const { type, ...detail } = message;
        const resolve = this.pending.get(detail.id);
        if (resolve) {
          this.pending.delete(detail.id);
          resolve(detail);
        }
        this.emit(type, detail);
        break;
      }
      default:
        break;
    }
  }

  synced(message) {
    this.resourceVersion = message.resourceVersion;
    this.runner = message.runner;
    this.retryMs = RETRY_MIN_MS;
    this.setStatus("live");
    if (this.rulesNode) this.ws.send(JSON.stringify({ type: "watch-rules", node: this.rulesNode }));
    const queued = this.queue;
    this.queue = [];
    for (const m of queued) this.send(m);
  }

  applyEvents(events) {
    for (const event of events) {
      const object = event.object;
      const key = objectKey(object);
      const old = this.objects.get(key);
      if (event.type === "DELETED") this.objects.delete(key);
      else this.objects.set(key, object);
      this.resourceVersion = event.resourceVersion;
      this.emit("change", { type: event.type, key, object, old });
    }
  }

  // -- to the server ---------------------------------------------------------------------
  play() { this.send({ type: "play" }); }
  pause() { this.send({ type: "pause" }); }
  setSpeed(speed) { this.send({ type: "speed", speed: Number(speed) }); }
  stepEvent() { this.send({ type: "step" }); }

  /** stop | start | cordon | uncordon | drain; resolves with {id, node, action, status, output}. */
  nodeAction(node, action) {
    return this.request({ type: "node", node, action });
  }

  /** Rules pushes for one node (null: none). Kept across reconnects. */
  watchRules(node) {
    this.rulesNode = node || null;
    this.send({ type: "watch-rules", node: this.rulesNode });
  }

  /** `curl -s url` on fromHost; its trace comes as "trace"; resolves with its output. */
  sendRequest(fromHost, url) {
    return this.request({ type: "request", from: fromHost, url });
  }

  /** labdoctor through the runner: {namespace, name, from?, lang} or {trace, lang};
   * resolves with the "diagnosis" answer {status, line, service, source, diagnosis, message}. */
  diagnose(request) {
    return this.request({ type: "diagnose", ...request });
  }

  request(message) {
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ ...message, id });
    });
  }
}
