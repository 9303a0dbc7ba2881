"""The service-account controller: a `default` ServiceAccount in every namespace.

pkg/controller/serviceaccount/serviceaccounts_controller.go: when a
namespace appears (or its `default` ServiceAccount is deleted) the
controller creates `default` again, unless the namespace is terminating.
Pods rely on it: the ServiceAccount admission plugin gives a Pod without a
serviceAccountName the `default` account and refuses Pods whose account is
missing. Keys are namespace names.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..api.errors import StatusError
from ..api.store import WatchEvent
from ..api.serviceaccounts import DEFAULT_NAME
from .manager import Controller

COMPONENT = "service-account-controller"


def default_service_account(namespace: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": DEFAULT_NAME, "namespace": namespace}}


class ServiceAccountController(Controller):
    """Keeps `default` in every active namespace."""

    name = COMPONENT
    watches = ("namespaces", "serviceaccounts")
    order = 5

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.object.get("metadata", {})
        if event.resource == "namespaces":
            yield meta.get("name", "")
        elif event.type == "DELETED" and meta.get("name") == DEFAULT_NAME:
            yield meta.get("namespace", "")

    def all_keys(self) -> Iterable[str]:
        for ns in self.store.iter("namespaces"):
            yield ns["metadata"]["name"]

    def reconcile(self, key: str) -> float | None:
        ns = self.store.peek("namespaces", "", key)
        if ns is None or ns["metadata"].get("deletionTimestamp") or \
                (ns.get("status") or {}).get("phase") == "Terminating":
            return None
        if self.store.peek("serviceaccounts", key, DEFAULT_NAME) is not None or not self.api.up:
            return None
        try:
            self.api.create(default_service_account(key), namespace=key)
        except StatusError:
            return None
        return None


CONTROLLERS = [ServiceAccountController]
