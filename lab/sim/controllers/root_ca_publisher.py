"""root-ca-cert-publisher: the kube-root-ca.crt ConfigMap in every namespace.

pkg/controller/certificates/rootcacertpublisher/publisher.go: the
kube-controller-manager writes the cluster's CA bundle into a ConfigMap
`kube-root-ca.crt` of each namespace (the ServiceAccount token volume
projects its `ca.crt`), creates it again when it is deleted and puts the
data back when someone edits it. Keys are namespace names.
"""
from __future__ import annotations

from typing import Iterable

from ..api.errors import StatusError
from ..api.store import WatchEvent
from ..api.serviceaccounts import ROOT_CA_CONFIGMAP
from .manager import Controller

COMPONENT = "root-ca-cert-publisher"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"


class RootCAPublisher(Controller):
    """Keeps kube-root-ca.crt (with the cluster CA) in every active namespace."""

    name = COMPONENT
    watches = ("namespaces", "configmaps")
    order = 5

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.object.get("metadata", {})
        if event.resource == "namespaces":
            yield meta.get("name", "")
        elif meta.get("name") == ROOT_CA_CONFIGMAP:
            yield meta.get("namespace", "")

    def all_keys(self) -> Iterable[str]:
        for ns in self.store.iter("namespaces"):
            yield ns["metadata"]["name"]

    def reconcile(self, key: str) -> float | None:
        from ..bootstrap import CA_CERT, root_ca

        ns = self.store.peek("namespaces", "", key)
        if ns is None or ns["metadata"].get("deletionTimestamp") or \
                (ns.get("status") or {}).get("phase") == "Terminating" or not self.api.up:
            return None
        current = self.store.peek("configmaps", key, ROOT_CA_CONFIGMAP)
        try:
            if current is None:
                self.api.create(root_ca(key), namespace=key)
                return None
            annotations = current["metadata"].get("annotations") or {}
            if current.get("data") == {"ca.crt": CA_CERT} and annotations.get(DESCRIPTION_ANNOTATION):
                return None
            fixed = self.api.get("configmaps", ROOT_CA_CONFIGMAP, key)
            fixed["data"] = {"ca.crt": CA_CERT}
            described = root_ca(key)["metadata"]["annotations"][DESCRIPTION_ANNOTATION]
            fixed["metadata"].setdefault("annotations", {}).setdefault(DESCRIPTION_ANNOTATION, described)
            self.api.update(fixed)
        except StatusError:
            return None
        return None


CONTROLLERS = [RootCAPublisher]
