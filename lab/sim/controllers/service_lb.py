"""The cloud provider's service controller (k8s.io/cloud-provider/controllers/service).

A managed cluster's cloud-controller-manager gives every LoadBalancer
Service an external address: it adds the
`service.kubernetes.io/load-balancer-cleanup` finalizer, records
`EnsuringLoadBalancer`, asks the cloud for a load balancer and, once it is
there, writes `status.loadBalancer.ingress` ([{ip, ipMode: VIP}]) and
records `EnsuredLoadBalancer`; until then kubectl shows `<pending>`. The
simulated cloud hands out addresses from the profile's `loadBalancerPool`
(a range on the nodes' network, as MetalLB would on a lab network), lowest
free first, honouring the deprecated `spec.loadBalancerIP` when it is in
the pool. Leaving type LoadBalancer, or deleting the Service, releases the
address (`DeletingLoadBalancer` / `DeletedLoadBalancer`). Services with a
`loadBalancerClass` belong to another implementation and are left alone.

A profile without a pool (minikube) has no cloud provider at all: its
LoadBalancer Services stay `<pending>` forever, as they do until
`minikube tunnel` runs (SIMPLIFICATION: the tunnel is not modelled).

The controller's memory (what it saw of each Service, the address it holds,
when provisioning started) lives in world.runtime["service-controller"], so
a saved and loaded world continues the same provisioning timers.
"""
from __future__ import annotations

import copy
import ipaddress
from typing import Any

from ..api.errors import StatusError
from . import events
from .manager import Controller

COMPONENT = "service-controller"
FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
#: the controller's retry backoff (minRetryDelay 5s, maxRetryDelay 300s)
MIN_RETRY, MAX_RETRY = 5.0, 300.0


def pool_addresses(pool: tuple[str, ...] | list[str]) -> list[str]:
    """Every address of the pool, in order; entries are `a-b` ranges, CIDRs or single IPs."""
    out: list[str] = []
    for entry in pool:
        entry = entry.strip()
        if "-" in entry:
            low, high = (int(ipaddress.ip_address(p.strip())) for p in entry.split("-", 1))
            out += [str(ipaddress.ip_address(i)) for i in range(low, high + 1)]
        elif "/" in entry:
            out += [str(ip) for ip in ipaddress.ip_network(entry, strict=False)]
        elif entry:
            out.append(str(ipaddress.ip_address(entry)))
    return out


def wants_load_balancer(svc: dict[str, Any] | None) -> bool:
    """wantsLoadBalancer, for the default (class-less) implementation."""
    if svc is None:
        return False
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass")


class ServiceLoadBalancerController(Controller):
    """service-controller: external IPs for LoadBalancer Services from the simulated cloud."""

    name = COMPONENT
    watches = ("services",)

    @property
    def pool(self) -> list[str]:
        return pool_addresses(getattr(self.world.profile, "load_balancer_pool", ()) or ())

    @property
    def provisioning_seconds(self) -> float:
        return float(getattr(self.world.profile, "load_balancer_seconds", 0.0) or 0.0)

    @property
    def _state(self) -> dict[str, Any]:
        return self.world.runtime.setdefault(COMPONENT, {}).setdefault("services", {})

    def _event(self, obj: dict[str, Any], type_: str, reason: str, message: str) -> None:
        events.record(self.world, obj, type_, reason, message, COMPONENT)

    # -- reconcile ---------------------------------------------------------------
    def reconcile(self, key: str) -> float | None:
        if not self.pool:
            return None
        namespace, _, name = key.partition("/")
        svc = self.store.get("services", namespace, name)
        states = self._state
        entry = states.get(key)
        if svc is None or (entry is not None and entry.get("uid") != svc["metadata"].get("uid")):
            if entry is not None and entry.get("state"):
                gone = {"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": name, "namespace": namespace, "uid": entry.get("uid", "")}}
                self._event(gone, "Normal", "DeletingLoadBalancer", "Deleting load balancer")
                self._event(gone, "Normal", "DeletedLoadBalancer", "Deleted load balancer")
            states.pop(key, None)
            entry = None
            if svc is None:
                return None
        assert svc is not None
        spec = svc.get("spec") or {}
        svc_type = spec.get("type", "ClusterIP")
        if entry is None:
            entry = {"uid": svc["metadata"].get("uid", ""), "type": svc_type, "state": ""}
            states[key] = entry
        elif entry.get("type") != svc_type:
            if (entry.get("type") == "LoadBalancer") != (svc_type == "LoadBalancer"):
                self._event(svc, "Normal", "Type", f"{entry.get('type')} -> {svc_type}")
            entry["type"] = svc_type
        if wants_load_balancer(svc):
            return self._ensure(key, svc, entry)
        if entry.get("state"):
            self._release(svc, entry)
        return None

    def _ensure(self, key: str, svc: dict[str, Any], entry: dict[str, Any]) -> float | None:
        wanted_ip = (svc.get("spec") or {}).get("loadBalancerIP", "")
        now = self.world.clock.elapsed
        state = entry.get("state")
        if state == "ensured" and entry.get("requested", "") != wanted_ip:
            self._event(svc, "Normal", "LoadbalancerIP", f"{entry.get('requested', '')} -> {wanted_ip}")
            state = ""
        if not state:
            svc = self._add_finalizer(svc)
            self._event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer")
            entry.update(state="ensuring", since=now, requested=wanted_ip, ip="", failures=0)
            return self.provisioning_seconds
        if state == "ensuring":
            left = entry.get("since", now) + self.provisioning_seconds - now
            if left > 1e-9:
                return left
            if entry.pop("retry", False):
                self._event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer")
            ip, error = self._choose(key, wanted_ip)
            if ip is None:
                failures = int(entry.get("failures", 0)) + 1
                entry["failures"] = failures
                delay = min(MAX_RETRY, MIN_RETRY * 2 ** (failures - 1))
                self._event(svc, "Warning", "SyncLoadBalancerFailed",
                            f"Error syncing load balancer: failed to ensure load balancer: {error}")
                # The retry records Ensuring again, then calls the cloud once more.
                entry["since"] = now + delay - self.provisioning_seconds
                entry["retry"] = True
                return delay
            entry.update(state="ensured", ip=ip, failures=0)
            entry.pop("since", None)
            self._write_status(svc, ip)
            self._event(self.store.get("services", svc["metadata"]["namespace"], svc["metadata"]["name"]) or svc,
                        "Normal", "EnsuredLoadBalancer", "Ensured load balancer")
            return None
        # Ensured: keep the finalizer and the status in place (level-triggered).
        svc = self._add_finalizer(svc)
        self._write_status(svc, entry["ip"])
        return None

    def _choose(self, key: str, wanted: str) -> tuple[str | None, str]:
        """The simulated cloud's address: the requested one, else the lowest free one."""
        pool = self.pool
        used = {e.get("ip") for k, e in self._state.items() if k != key and e.get("state") == "ensured"}
        # SIMPLIFICATION: the failure messages are the lab cloud's own; real providers word them differently.
        if wanted:
            if wanted not in pool:
                return None, f"requested IP {wanted} is not in the address pool {', '.join(self.world.profile.load_balancer_pool)}"
            if wanted in used:
                return None, f"requested IP {wanted} is already in use"
            return wanted, ""
        for ip in pool:
            if ip not in used:
                return ip, ""
        return None, "no available IPs in the address pool"

    def _release(self, svc: dict[str, Any], entry: dict[str, Any]) -> None:
        self._event(svc, "Normal", "DeletingLoadBalancer", "Deleting load balancer")
        svc = self._remove_finalizer(svc)
        if (svc.get("status") or {}).get("loadBalancer"):
            svc["status"] = dict(svc.get("status") or {}, loadBalancer={})
            try:
                svc = self.api.update_status(svc)
            except StatusError:
                pass
        entry.update(state="", ip="", requested="", failures=0)
        entry.pop("since", None)
        self._event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer")

    # -- writes ------------------------------------------------------------------
    def _add_finalizer(self, svc: dict[str, Any]) -> dict[str, Any]:
        finalizers = list(svc["metadata"].get("finalizers") or [])
        if FINALIZER in finalizers:
            return svc
        # SIMPLIFICATION: the apiserver here removes objects at once, so the
        # finalizer is shown as a real cluster shows it but does not hold a deletion.
        new = copy.deepcopy(svc)
        new["metadata"]["finalizers"] = finalizers + [FINALIZER]
        try:
            return self.api.update(new)
        except StatusError:
            return svc

    def _remove_finalizer(self, svc: dict[str, Any]) -> dict[str, Any]:
        finalizers = list(svc["metadata"].get("finalizers") or [])
        if FINALIZER not in finalizers:
            return svc
        new = copy.deepcopy(svc)
        rest = [f for f in finalizers if f != FINALIZER]
        if rest:
            new["metadata"]["finalizers"] = rest
        else:
            new["metadata"].pop("finalizers", None)
        try:
            return self.api.update(new)
        except StatusError:
            return svc

    def _write_status(self, svc: dict[str, Any], ip: str) -> None:
        # ipMode VIP: the apiserver's default for an ingress IP (LoadBalancerIPMode, on in v1.32).
        ingress = [{"ip": ip, "ipMode": "VIP"}]
        current = self.store.get("services", svc["metadata"]["namespace"], svc["metadata"]["name"])
        if current is None or ((current.get("status") or {}).get("loadBalancer") or {}).get("ingress") == ingress:
            return
        current["status"] = dict(current.get("status") or {}, loadBalancer={"ingress": ingress})
        try:
            self.api.update_status(current)
        except StatusError:
            pass


CONTROLLERS = [ServiceLoadBalancerController]
