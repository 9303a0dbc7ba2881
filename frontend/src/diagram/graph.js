// The topology as data: API objects in, diagram elements out.
//
// Pure functions, no DOM and no cytoscape, so the mapping can be checked on
// its own (the browser tests call it through window.serviceLab.graph).
// Every element's id is the object's key as LiveLab keys it,
// `${kind}/${namespace}/${name}`, so a click can be sent as select-object
// and a change event finds its element.
//
// What is drawn, following what `kubectl get` shows:
//   Node        a region (compound) holding the Pods bound to it
//   Pod         inside its Node: name, IP, the STATUS column, READY
//   Service     a box with its EndpointSlices and Endpoints inside; edges
//               from each slice to the Pods (or nodes) its endpoints name
//   Deployment  a box with its ReplicaSets inside; edges from each
//               ReplicaSet (and DaemonSet) to the Pods it owns
//   external    the host outside the cluster

export const EXTERNAL_ID = "host//external";
export const PENDING_ID = "region//unscheduled";

/** LiveLab's key of an object. */
export function objectKey(obj) {
  const meta = obj.metadata || {};
  return `${obj.kind}/${meta.namespace ?? ""}/${meta.name}`;
}

/** The parts of a key (names and namespaces hold no "/"). */
export function parseKey(key) {
  const [kind, namespace, name] = key.split("/");
  return { kind, namespace, name };
}

function labelsText(labels) {
  const entries = Object.entries(labels || {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(",") : "<none>";
}

/** The STATUS column of `kubectl get pods` (printPod in kubectl's printers). */
export function podStatus(pod) {
  const status = pod.status || {};
  let reason = status.reason || status.phase || "Pending";
  const init = status.initContainerStatuses || [];
  for (let i = 0; i < init.length; i++) {
    const state = init[i].state || {};
    if (state.terminated && state.terminated.exitCode === 0) continue;
    if (state.terminated) { reason = `Init:${state.terminated.reason || "Error"}`; break; }
    if (state.waiting && state.waiting.reason && state.waiting.reason !== "PodInitializing") {
      reason = `Init:${state.waiting.reason}`; break;
    }
    reason = `Init:${i}/${(pod.spec?.initContainers || []).length}`;
    break;
  }
  const containers = status.containerStatuses || [];
  let running = false;
  for (let i = containers.length - 1; i >= 0; i--) {
    const state = containers[i].state || {};
    if (state.waiting && state.waiting.reason) reason = state.waiting.reason;
    else if (state.terminated && state.terminated.reason) reason = state.terminated.reason;
    else if (state.running && containers[i].ready) running = true;
  }
  if (reason === "Completed" && running) reason = "Running";
  if (pod.metadata?.deletionTimestamp) reason = status.reason === "NodeLost" ? "Unknown" : "Terminating";
  return reason;
}

/** READY of `kubectl get pods`: "ready/total". */
export function podReady(pod) {
  const total = (pod.spec?.containers || []).length;
  const ready = (pod.status?.containerStatuses || []).filter((c) => c.ready).length;
  return `${ready}/${total}`;
}

/** The node's Ready condition as `kubectl get nodes` prints STATUS. */
export function nodeStatus(node) {
  const ready = (node.status?.conditions || []).find((c) => c.type === "Ready");
  // kubectl prints NotReady for a Ready condition that is False or Unknown
  let text = !ready ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady";
  if (node.spec?.unschedulable) text += ",SchedulingDisabled";
  return text;
}

function nodeAddress(node, type = "InternalIP") {
  return (node.status?.addresses || []).find((a) => a.type === type)?.address || "";
}

function nodeRoles(node) {
  const roles = Object.keys(node.metadata?.labels || {})
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length));
  return roles.length ? roles.sort().join(",") : "<none>";
}

/** PORT(S) of `kubectl get svc`: "80:30080/TCP,443/TCP". */
export function servicePorts(svc) {
  const ports = svc.spec?.ports || [];
  if (!ports.length) return "<none>";
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol || "TCP"}`).join(",");
}

/** EXTERNAL-IP of `kubectl get svc` (getServiceExternalIP in kubectl's printers). */
export function serviceExternalIP(svc) {
  const spec = svc.spec || {};
  const external = spec.externalIPs || [];
  switch (spec.type) {
    case "ExternalName":
      return spec.externalName || "<none>";
    case "LoadBalancer": {
      const ingress = (svc.status?.loadBalancer?.ingress || []).map((i) => i.ip || i.hostname).filter(Boolean);
      const all = [...ingress, ...external];
      return all.length ? all.join(",") : "<pending>";
    }
    default:
      return external.length ? external.join(",") : "<none>";
  }
}

function controllerOf(obj) {
  return (obj.metadata?.ownerReferences || []).find((r) => r.controller);
}

function firstLine(...parts) { return parts.filter(Boolean).join("\n"); }

/**
 * Elements for a set of API objects.
 * @param {Iterable<object>} objects API objects as the apiserver stores them
 * @returns {{nodes: object[], edges: object[]}} cytoscape element definitions ({group, data, classes})
 */
export function buildGraph(objects) {
  const byKind = new Map();
  for (const obj of objects) {
    if (!byKind.has(obj.kind)) byKind.set(obj.kind, []);
    byKind.get(obj.kind).push(obj);
  }
  const list = (kind) => (byKind.get(kind) || []).slice().sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
  const nodes = [];
  const edges = [];
  const ids = new Set();
  const add = (el) => { ids.add(el.data.id); nodes.push({ group: "nodes", ...el }); };

  const nodeByIP = new Map();
  for (const node of list("Node")) {
    const id = objectKey(node);
    const status = nodeStatus(node);
    nodeByIP.set(nodeAddress(node), id);
    add({
      data: {
        id, kind: "Node", name: node.metadata.name, status, ip: nodeAddress(node), roles: nodeRoles(node),
        label: `${node.metadata.name}  ${nodeAddress(node)}\n${status}`,
        hover: firstLine(`Node ${node.metadata.name}`, `roles: ${nodeRoles(node)}`,
          `labels: ${labelsText(node.metadata.labels)}`),
      },
      classes: ["region", status.startsWith("Ready") ? "ready" : "not-ready",
        node.spec?.unschedulable ? "cordoned" : ""].filter(Boolean).join(" "),
    });
  }
  add({ data: { id: EXTERNAL_ID, kind: "Host", name: "external", label: "external\nclient", hover: "the host outside the cluster" },
    classes: "external" });

  const podByName = new Map();
  const podByIP = new Map();
  let pending = false;
  for (const pod of list("Pod")) {
    const id = objectKey(pod);
    const meta = pod.metadata;
    const nodeId = pod.spec?.nodeName ? `Node//${pod.spec.nodeName}` : PENDING_ID;
    if (nodeId === PENDING_ID) pending = true;
    const status = podStatus(pod);
    const ready = podReady(pod);
    const ip = pod.status?.podIP || "";
    if (ip && !pod.spec?.hostNetwork) podByIP.set(ip, id);
    podByName.set(`${meta.namespace}/${meta.name}`, id);
    const state = status === "Running" && ready.split("/")[0] === ready.split("/")[1] ? "ready"
      : status === "Terminating" ? "terminating"
        : ["Running", "Pending", "ContainerCreating", "PodInitializing"].includes(status) || status.startsWith("Init:") ? "starting"
          : status === "Completed" || status === "Succeeded" ? "done" : "failed";
    add({
      data: {
        id, kind: "Pod", namespace: meta.namespace, name: meta.name, parent: nodeId, status, ready, ip,
        node: pod.spec?.nodeName || "", labels: labelsText(meta.labels),
        label: `${meta.name}\n${ip || "no IP"} · ${status} ${ready}`,
        hover: firstLine(`Pod ${meta.namespace}/${meta.name}`, `labels: ${labelsText(meta.labels)}`),
      },
      classes: ["pod", state, meta.namespace === "kube-system" ? "system" : ""].filter(Boolean).join(" "),
    });
    const owner = controllerOf(pod);
    const rest = owner && meta.name.startsWith(`${owner.name}-`) ? meta.name.slice(owner.name.length + 1) : "";
    nodes[nodes.length - 1].data.short = rest ? `${owner.name.replace(/-[a-z0-9]{8,10}$/, "")}·${rest}\n${ip || "no IP"}` : `${meta.name}\n${ip || "no IP"}`;
    if (owner) {
      edges.push({ group: "edges", data: { id: `owns:${owner.kind}/${meta.namespace}/${owner.name}>${id}`,
        source: `${owner.kind}/${meta.namespace}/${owner.name}`, target: id }, classes: "owns" });
    }
  }
  if (pending) {
    add({ data: { id: PENDING_ID, kind: "Region", name: "unscheduled", label: "not scheduled",
      hover: "Pods no node has taken yet" }, classes: "region pending" });
  }

  const rsOf = new Map();
  for (const deploy of list("Deployment")) {
    const meta = deploy.metadata;
    const spec = deploy.spec || {};
    const status = deploy.status || {};
    add({
      data: {
        id: objectKey(deploy), kind: "Deployment", namespace: meta.namespace, name: meta.name,
        label: `deploy/${meta.name}  ${status.readyReplicas || 0}/${spec.replicas ?? 1}`,
        hover: firstLine(`Deployment ${meta.namespace}/${meta.name}`, `image: ${(spec.template?.spec?.containers || []).map((c) => c.image).join(",")}`),
      },
      classes: ["workload", "deployment", meta.namespace === "kube-system" ? "system" : ""].filter(Boolean).join(" "),
    });
  }
  for (const rs of list("ReplicaSet")) {
    const meta = rs.metadata;
    const owner = controllerOf(rs);
    const parentId = owner ? `${owner.kind}/${meta.namespace}/${owner.name}` : undefined;
    const replicas = rs.spec?.replicas ?? 1;
    // Old ReplicaSets scaled to zero stay in the API (kubectl get rs lists them);
    // the diagram keeps only those still holding Pods, to stay readable.
    if (replicas === 0 && !(rs.status?.replicas)) continue;
    rsOf.set(objectKey(rs), true);
    add({
      data: {
        id: objectKey(rs), kind: "ReplicaSet", namespace: meta.namespace, name: meta.name,
        parent: parentId && ids.has(parentId) ? parentId : undefined,
        label: `rs/${meta.name}  ${rs.status?.readyReplicas || 0}/${replicas}`,
        hover: `ReplicaSet ${meta.namespace}/${meta.name}`,
      },
      classes: ["workload", "replicaset", meta.namespace === "kube-system" ? "system" : ""].filter(Boolean).join(" "),
    });
  }
  for (const kind of ["DaemonSet", "StatefulSet"]) {
    for (const set of list(kind)) {
      const meta = set.metadata;
      const ready = set.status?.numberReady ?? set.status?.readyReplicas ?? 0;
      const want = set.status?.desiredNumberScheduled ?? set.spec?.replicas ?? 0;
      add({
        data: {
          id: objectKey(set), kind, namespace: meta.namespace, name: meta.name,
          label: `${kind === "DaemonSet" ? "ds" : "sts"}/${meta.name}  ${ready}/${want}`,
          hover: `${kind} ${meta.namespace}/${meta.name}`,
        },
        classes: ["workload", kind.toLowerCase(), meta.namespace === "kube-system" ? "system" : ""].filter(Boolean).join(" "),
      });
    }
  }

  for (const svc of list("Service")) {
    const meta = svc.metadata;
    const spec = svc.spec || {};
    add({
      data: {
        id: objectKey(svc), kind: "Service", namespace: meta.namespace, name: meta.name, type: spec.type || "ClusterIP",
        clusterIP: spec.clusterIP || "", ports: servicePorts(svc), externalIP: serviceExternalIP(svc),
        label: `svc/${meta.name}  ${spec.type || "ClusterIP"}\n${spec.clusterIP || ""}  ${servicePorts(svc)}`
          + (serviceExternalIP(svc) !== "<none>" ? `\nEXTERNAL-IP ${serviceExternalIP(svc)}` : ""),
        hover: firstLine(`Service ${meta.namespace}/${meta.name}`,
          `selector: ${spec.selector ? labelsText(spec.selector) : "<none>"}`),
      },
      classes: ["service", (spec.type || "ClusterIP").toLowerCase(), meta.namespace === "kube-system" ? "system" : ""].filter(Boolean).join(" "),
    });
  }
  for (const ep of list("Endpoints")) {
    const meta = ep.metadata;
    const svcId = `Service/${meta.namespace}/${meta.name}`;
    const count = (ep.subsets || []).reduce((n, s) => n + (s.addresses || []).length, 0);
    const notReady = (ep.subsets || []).reduce((n, s) => n + (s.notReadyAddresses || []).length, 0);
    add({
      data: {
        id: objectKey(ep), kind: "Endpoints", namespace: meta.namespace, name: meta.name,
        parent: ids.has(svcId) ? svcId : undefined,
        label: `ep ${count} ready${notReady ? `, ${notReady} not` : ""}`,
        hover: `Endpoints ${meta.namespace}/${meta.name}`,
      },
      classes: "endpoints",
    });
  }
  for (const slice of list("EndpointSlice")) {
    const meta = slice.metadata;
    const svcName = meta.labels?.["kubernetes.io/service-name"];
    const svcId = svcName ? `Service/${meta.namespace}/${svcName}` : undefined;
    const id = objectKey(slice);
    const endpoints = slice.endpoints || [];
    const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
    add({
      data: {
        id, kind: "EndpointSlice", namespace: meta.namespace, name: meta.name,
        parent: svcId && ids.has(svcId) ? svcId : undefined,
        label: `slice ${ready}/${endpoints.length} ready`,
        hover: `EndpointSlice ${meta.namespace}/${meta.name}`,
      },
      classes: "endpointslice",
    });
    for (const endpoint of endpoints) {
      const ref = endpoint.targetRef;
      let target = ref && ref.kind === "Pod" ? podByName.get(`${ref.namespace || meta.namespace}/${ref.name}`) : undefined;
      for (const address of endpoint.addresses || []) target ??= podByIP.get(address) || nodeByIP.get(address);
      if (!target) continue;
      const c = endpoint.conditions || {};
      const state = c.terminating ? "terminating" : c.ready === false ? "not-ready" : "ready";
      edges.push({ group: "edges", data: { id: `ep:${id}>${target}`, source: id, target }, classes: `endpoint ${state}` });
    }
  }

  const seen = new Set();
  const kept = edges.filter((e) => {
    if (seen.has(e.data.id) || !ids.has(e.data.source) || !ids.has(e.data.target)) return false;
    seen.add(e.data.id);
    return true;
  });
  return { nodes, edges: kept };
}
