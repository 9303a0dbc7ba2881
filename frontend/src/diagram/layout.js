// Where each element of the topology sits: a deterministic slot layout.
//
// Positions must stay put between updates (a learner follows one Pod through
// a rollout), so every Pod keeps the slot it first took inside its node's
// region, every Service and workload keeps its place in its row, and a new
// object takes the first free slot. A force layout recomputed on each change
// would move everything a little every time; this one moves nothing that did
// not change and takes well under a millisecond for 50 Pods.
//
//   [Services ........................................................]
//   [external]   [node A: pods in a grid] [node B ...] [not scheduled]
//   [Deployments / ReplicaSets, DaemonSets ...........................]

const FULL_POD = { w: 168, h: 42, gap: 10 };
const COMPACT_POD = { w: 118, h: 34, gap: 8 };
/** Beyond this many Pods they are drawn compact (the part of the name after their owner's, and the IP). */
export const COMPACT_AFTER = 24;

/** Pod columns of a region holding `count` Pods: one while it is short, then
 * about as many as make it square; steps, so a new Pod rarely reflows. */
function columnsFor(count) {
  if (count <= 6) return 1;
  if (count <= 16) return 2;
  return Math.min(6, Math.ceil(Math.sqrt(count * 0.55)));
}
const REGION_PAD = 18;               // room for the region's label and border
const REGION_GAP = 56;
const ROW_GAP = 130;
const SERVICE = { w: 290, gap: 30 }; // a Service box: its EndpointSlice and Endpoints side by side
const CHILD = { w: 132, h: 34 };
const WORKLOAD = { w: 290, gap: 24 };

/** Slots that are taken first come, first served and freed when their owner goes. */
class Slots {
  constructor() { this.of = new Map(); }
  place(ids) {
    const live = new Set(ids);
    for (const id of [...this.of.keys()]) if (!live.has(id)) this.of.delete(id);
    const used = new Set(this.of.values());
    let next = 0;
    for (const id of ids) {
      if (this.of.has(id)) continue;
      while (used.has(next)) next++;
      this.of.set(id, next);
      used.add(next);
    }
    return this.of;
  }
}

export class SlotLayout {
  constructor() {
    this.podSlots = new Map();    // node id -> Slots
    this.serviceSlots = new Slots();
    this.workloadSlots = new Slots();
  }

  /**
   * Positions for the leaf elements of `graph` (buildGraph's output); compound
   * regions and boxes take the bounds of their children.
   * @returns {Map<string, {x: number, y: number}>}
   */
  positions(graph) {
    const pos = new Map();
    const nodes = graph.nodes.map((n) => n.data);
    const children = new Map();
    for (const d of nodes) {
      if (!d.parent) continue;
      if (!children.has(d.parent)) children.set(d.parent, []);
      children.get(d.parent).push(d);
    }
    const regions = nodes.filter((d) => d.kind === "Node" || d.kind === "Region");
    const POD = nodes.filter((d) => d.kind === "Pod").length > COMPACT_AFTER ? COMPACT_POD : FULL_POD;
    let x = 0;
    let bottom = 0;
    const regionBox = new Map();
    for (const region of regions) {
      const pods = (children.get(region.id) || []).map((d) => d.id);
      if (!this.podSlots.has(region.id)) this.podSlots.set(region.id, new Slots());
      const slots = this.podSlots.get(region.id).place(pods);
      const COLUMNS = columnsFor(Math.max(pods.length, ...[...slots.values()].map((v) => v + 1)));
      const width = COLUMNS * (POD.w + POD.gap) - POD.gap;
      let rows = 1;
      for (const id of pods) {
        const slot = slots.get(id);
        const col = slot % COLUMNS;
        const row = Math.floor(slot / COLUMNS);
        rows = Math.max(rows, row + 1);
        pos.set(id, { x: x + col * (POD.w + POD.gap) + POD.w / 2, y: row * (POD.h + POD.gap) + POD.h / 2 });
      }
      if (!pods.length) pos.set(region.id, { x: x + width / 2, y: POD.h / 2 }); // an empty region is a leaf
      region.minWidth = width;
      regionBox.set(region.id, { x, width });
      bottom = Math.max(bottom, rows * (POD.h + POD.gap));
      x += width + REGION_GAP;
    }
    // rows at least four Services wide: the stage is wider than tall
    const span = Math.max(x - REGION_GAP, 4 * (SERVICE.w + SERVICE.gap) - SERVICE.gap);
    for (const id of this.podSlots.keys()) if (!regionBox.has(id)) this.podSlots.delete(id);

    const external = nodes.find((d) => d.kind === "Host");
    if (external) pos.set(external.id, { x: -120, y: Math.max(bottom, POD.h) / 2 });

    const perRow = (w, gap) => Math.max(1, Math.floor((span + gap) / (w + gap)));
    const services = nodes.filter((d) => d.kind === "Service").map((d) => d.id);
    const svcSlots = this.serviceSlots.place(services);
    const svcPerRow = perRow(SERVICE.w, SERVICE.gap);
    const svcRows = Math.max(1, Math.ceil((Math.max(...svcSlots.values(), -1) + 1) / svcPerRow));
    for (const id of services) {
      const slot = svcSlots.get(id);
      const sx = (slot % svcPerRow) * (SERVICE.w + SERVICE.gap);
      const sy = -ROW_GAP - (svcRows - 1 - Math.floor(slot / svcPerRow)) * (CHILD.h + 90);
      this.placeChildren(pos, id, children.get(id), sx, sy);
    }

    const workloads = nodes.filter((d) => ["Deployment", "DaemonSet", "StatefulSet"].includes(d.kind)
      || (d.kind === "ReplicaSet" && !d.parent)).map((d) => d.id);
    const wlSlots = this.workloadSlots.place(workloads);
    const wlPerRow = perRow(WORKLOAD.w, WORKLOAD.gap);
    for (const id of workloads) {
      const slot = wlSlots.get(id);
      const wx = (slot % wlPerRow) * (WORKLOAD.w + WORKLOAD.gap);
      const wy = bottom + ROW_GAP * 0.8 + Math.floor(slot / wlPerRow) * (CHILD.h + 80);
      this.placeChildren(pos, id, children.get(id), wx, wy);
    }
    return pos;
  }

  /** A box's children side by side from (x, y); a box without children is a leaf there. */
  placeChildren(pos, id, kids, x, y) {
    if (!kids || !kids.length) {
      pos.set(id, { x: x + CHILD.w / 2, y });
      return;
    }
    const sorted = kids.slice().sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind === "EndpointSlice" ? -1 : 1));
    sorted.forEach((kid, i) => pos.set(kid.id, { x: x + i * (CHILD.w + 14) + CHILD.w / 2, y }));
  }
}

export const SIZES = { FULL_POD, COMPACT_POD, CHILD, REGION_PAD };
