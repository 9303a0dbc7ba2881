"""The kubelet's static Pods and their mirror Pods.

On a kubeadm (or minikube) control-plane node the kubelet runs the Pods
described by the files in /etc/kubernetes/manifests (its staticPodPath) and,
so that the apiserver shows them, creates a mirror Pod of each
(pkg/kubelet/pod/mirror_client.go): named `<name>-<node>`, bound to the
node, owned by the Node (controller: true), annotated with
kubernetes.io/config.source=file, config.seen (when the kubelet read the
file), config.hash (the static Pod's UID, a hash of the manifest) and
config.mirror (the same hash). As the real kubelet does:

- a new or changed file makes a new static Pod: a changed manifest gets a
  new hash, the old Pod is stopped and the new one started, and its mirror
  Pod is replaced;
- a mirror Pod deleted through the API is removed at once and posted again
  (the static Pod's containers keep running; only the mirror is new);
- a file that is removed takes its Pod and mirror Pod away;
- a file that cannot be parsed is skipped.

Which files the kubelet has read is remembered in world.runtime["staticPods"]
({node: {path: {"hash", "seen"}}}), so config.seen survives a save and load.
SIMPLIFICATION: the hash is MD5 over a canonical JSON of the parsed Pod,
not over Go's spew dump of the typed object: the annotation has the real
form (32 hex digits), not the real value.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

import yaml

from ..api.errors import StatusError
from ..api.store import WatchEvent
from ..static_manifests import MANIFEST_DIR
from .manager import Controller

COMPONENT = "staticPods"
MIRROR = "kubernetes.io/config.mirror"
HASH = "kubernetes.io/config.hash"


def is_mirror(pod: dict[str, Any]) -> bool:
    """A mirror Pod: the apiserver's copy of a static Pod."""
    return MIRROR in ((pod.get("metadata") or {}).get("annotations") or {})


def config_hash(pod: dict[str, Any]) -> str:
    return ((pod.get("metadata") or {}).get("annotations") or {}).get(HASH, "")


def read_manifest(text: str) -> dict[str, Any] | None:
    """A static Pod from a manifest file, or None when the kubelet would skip it."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict) or doc.get("kind") != "Pod" or doc.get("apiVersion") != "v1":
        return None
    meta = doc.get("metadata")
    spec = doc.get("spec")
    if not isinstance(meta, dict) or not meta.get("name") or not isinstance(spec, dict) \
            or not isinstance(spec.get("containers"), list) or not spec["containers"]:
        return None
    return doc


def static_pod(doc: dict[str, Any], node: str) -> dict[str, Any]:
    """What the kubelet's file source makes of a manifest (config/common.go applyDefaults)."""
    pod = json.loads(json.dumps(doc))
    meta = pod["metadata"]
    meta.pop("creationTimestamp", None)
    pod.pop("status", None)
    meta["name"] = f"{meta['name']}-{node}".lower()
    meta["namespace"] = meta.get("namespace") or "default"
    spec = pod["spec"]
    spec["nodeName"] = node
    tolerations = list(spec.get("tolerations") or [])
    tolerations.append({"effect": "NoExecute", "operator": "Exists"})
    spec["tolerations"] = tolerations
    digest = hashlib.md5(json.dumps(pod, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return {"pod": pod, "hash": digest}


class StaticPods(Controller):
    """Keys are node names: the nodes whose kubelet reads a staticPodPath."""

    name = COMPONENT
    watches = ("pods", "nodes")
    order = 15

    def __init__(self, world: Any):
        super().__init__(world)
        self._digests: dict[str, str] = {}
        world.on_tick(self._check_files)

    def _nodes(self) -> list[str]:
        if not self.world.profile.static_pods:
            return []
        return [self.world.profile.control_plane]

    def _files(self, node: str) -> dict[str, str]:
        fs = self.world.hosts[node].fs
        if not fs.isdir(MANIFEST_DIR):
            return {}
        out = {}
        for name in sorted(fs.listdir(MANIFEST_DIR)):
            path = f"{MANIFEST_DIR}/{name}"
            if not name.startswith(".") and fs.isfile(path):
                out[path] = fs.read(path)
        return out

    def _check_files(self) -> None:
        """The kubelet watches its staticPodPath: a changed file wakes the node's key."""
        for node in self._nodes():
            digest = hashlib.sha256(json.dumps(self._files(node), sort_keys=True).encode()).hexdigest()
            if self._digests.get(node) != digest:
                self._digests[node] = digest
                self.world.controllers.enqueue(self, node)

    def preload_images(self) -> None:
        """`kubeadm init` pulls the control plane's images before the kubelet starts them."""
        from .. import runtime as rt
        from .kubelet import normalize_image

        images = rt.kubelet_state(self.world)["images"]
        for node in self._nodes():
            for text in self._files(node).values():
                doc = read_manifest(text) or {}
                for container in (doc.get("spec") or {}).get("containers") or []:
                    images.setdefault(node, {})[normalize_image(str(container.get("image", "")))] = 0.0

    # -- keys ------------------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        nodes = self._nodes()
        if event.resource == "nodes":
            name = event.object["metadata"]["name"]
            if name in nodes and event.type != "MODIFIED":
                yield name
            return
        if is_mirror(event.object):
            node = (event.object.get("spec") or {}).get("nodeName")
            if node in nodes:
                yield node

    def all_keys(self) -> Iterable[str]:
        yield from self._nodes()

    # -- reconcile -------------------------------------------------------------
    def reconcile(self, key: str) -> float | None:
        host = self.world.hosts.get(key)
        node = self.store.peek("nodes", "", key)
        if host is None or not host.kubelet_alive or node is None or not self.api.up:
            return None
        seen = self.world.runtime.setdefault(COMPONENT, {}).setdefault(key, {})
        desired: dict[tuple[str, str], dict[str, Any]] = {}
        for path, text in self._files(key).items():
            doc = read_manifest(text)
            if doc is None:
                seen.pop(path, None)
                continue
            made = static_pod(doc, key)
            if seen.get(path, {}).get("hash") != made["hash"]:
                seen[path] = {"hash": made["hash"], "seen": _nano(self.world)}
            meta = made["pod"]["metadata"]
            desired[(meta["namespace"], meta["name"])] = self._mirror(made, seen[path]["seen"], node)
        for path in [p for p in seen if p not in self._files(key)]:
            seen.pop(path)
        for resource, pod in list(self.store.dependents(node["metadata"]["uid"])):
            if resource != "pods" or not is_mirror(pod):
                continue
            meta = pod["metadata"]
            if (meta.get("namespace", ""), meta["name"]) not in desired:
                self.api.finalize_delete("pods", meta["name"], meta.get("namespace"))
        for (namespace, name), mirror in sorted(desired.items()):
            current = self.store.peek("pods", namespace, name)
            if current is not None and not current["metadata"].get("deletionTimestamp") \
                    and config_hash(current) == config_hash(mirror):
                continue
            if current is not None:
                # kubelet deletes a stale or deleted mirror Pod at once and posts it again
                self.api.finalize_delete("pods", name, namespace)
            try:
                self.api.create(mirror)
            except StatusError:
                # SIMPLIFICATION: a static Pod the apiserver refuses (its namespace is
                # gone, say) runs without a mirror Pod; the kubelet would retry.
                continue
        return None

    @staticmethod
    def _mirror(made: dict[str, Any], seen: str, node: dict[str, Any]) -> dict[str, Any]:
        pod = json.loads(json.dumps(made["pod"]))
        meta = pod["metadata"]
        annotations = dict(meta.get("annotations") or {})
        annotations.update({HASH: made["hash"], MIRROR: made["hash"], "kubernetes.io/config.seen": seen,
                            "kubernetes.io/config.source": "file"})
        meta["annotations"] = annotations
        meta["ownerReferences"] = [{"apiVersion": "v1", "controller": True, "kind": "Node",
                                    "name": node["metadata"]["name"], "uid": node["metadata"]["uid"]}]
        return pod


def _nano(world: Any) -> str:
    """time.Now().Format(time.RFC3339Nano) of the virtual clock (UTC)."""
    now = world.clock.now
    frac = f"{now.microsecond:06d}{int(world.clock.elapsed * 1e9) % 1000:03d}".rstrip("0")
    return now.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


CONTROLLERS = [StaticPods]
