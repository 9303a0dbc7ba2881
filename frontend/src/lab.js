// The lab page's entry: builds the context every panel gets and mounts the
// panels into the regions of lab.html (layout in lab.css).
//
//   ctx = { labName, hosts, defaultHost, live, bus, urls }
//   live: the lab's live state and actions (LiveLab, frontend/src/live/client.js)
//   bus:  panel-to-panel messages: select-object, open-file, run-command, focus-node
//
// Each panel is `mountX(element, ctx)`.
import "./lab.css";
import { mountTerminals } from "./terminal/index.js";
import { mountFiles } from "./editor/index.js";
import { mountTopology } from "./diagram/topology.js";
import { mountPacketPath } from "./diagram/packet.js";
import { mountRules } from "./diagram/rules.js";
import { mountInspector } from "./diagram/inspector.js";
import { mountEvents } from "./diagram/events.js";
import { mountTimeControls } from "./diagram/timecontrols.js";
import { mountLayout } from "./diagram/panes.js";
import { StoredObjects } from "./diagram/stored.js";
import * as graph from "./diagram/graph.js";

// The live client, when the build has it (it is its own module).
const liveModules = import.meta.glob("./live/client.js", { eager: true });

function start() {
  const root = document.getElementById("lab");
  if (!root) return;
  const d = root.dataset;
  const bus = new EventTarget();
  const LiveLab = Object.values(liveModules)[0]?.LiveLab;
  const live = LiveLab ? new LiveLab(d.wsLive) : new StoredObjects(d.objectsUrl, bus);
  const ctx = {
    labName: d.lab,
    hosts: d.hosts.split(" ").filter(Boolean),
    defaultHost: d.defaultHost,
    live,
    bus,
    urls: { terminal: d.wsTerminal, live: d.wsLive, inspect: d.inspectUrl, objects: d.objectsUrl },
  };
  const $ = (id) => document.getElementById(id);
  mountLayout(root, ctx);
  mountTimeControls($("time-controls"), ctx);
  mountTopology($("topology"), ctx);
  mountPacketPath($("packet-steps"), ctx);
  mountRules($("rules"), ctx);
  mountEvents($("events"), ctx);
  mountInspector($("inspector"), ctx);
  mountTerminals($("terminals"), ctx);
  mountFiles($("files"), ctx);
  window.serviceLab = { ...(window.serviceLab || {}), ctx, graph, cy: ctx.topology?.cy };
}

start();
