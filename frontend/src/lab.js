// The lab page's entry: builds the context every panel gets and mounts the
// panels into the regions of lab.html (layout in lab.css).
//
//   ctx = { labName, hosts, defaultHost, live, bus, urls }
//   live: the lab's live state and actions (LiveLab, frontend/src/live/client.js)
//   bus:  panel-to-panel messages: select-object, open-file, run-command, focus-node,
//         diagnose, diagram-marks, diagram-focus, show-drawer
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
import { mountLesson } from "./lesson/index.js";
import { mountDoctor } from "./doctor/index.js";
import { LiveLab } from "./live/client.js";
import * as graph from "./diagram/graph.js";

function start() {
  const root = document.getElementById("lab");
  if (!root) return;
  const d = root.dataset;
  const bus = new EventTarget();
  const live = new LiveLab(d.wsLive);
  const ctx = {
    labName: d.lab,
    hosts: d.hosts.split(" ").filter(Boolean),
    defaultHost: d.defaultHost,
    live,
    bus,
    lesson: d.lesson || "",
    urls: { terminal: d.wsTerminal, live: d.wsLive, inspect: d.inspectUrl, objects: d.objectsUrl,
            lesson: d.lessonUrl, lessonReset: d.lessonResetUrl, lessons: d.lessonsUrl },
  };
  const $ = (id) => document.getElementById(id);
  // A lab that follows a lesson opens on its Lesson tab: give it room to read
  // (a width the learner chose by dragging is kept by mountLayout).
  if (ctx.lesson) root.style.setProperty("--side-w", "340px");
  mountLayout(root, ctx);
  mountTimeControls($("time-controls"), ctx);
  mountTopology($("topology"), ctx);
  mountPacketPath($("packet-steps"), ctx);
  mountRules($("rules"), ctx);
  mountEvents($("events"), ctx);
  mountInspector($("inspector"), ctx);
  mountTerminals($("terminals"), ctx);
  mountFiles($("files"), ctx);
  mountLesson($("lesson"), ctx);
  mountDoctor($("doctor"), ctx);
  // added to, not replaced: the terminals put their own (getter) properties there
  window.serviceLab = Object.assign(window.serviceLab || {}, { ctx, graph, cy: ctx.topology?.cy });
}

start();
