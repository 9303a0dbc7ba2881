"""The simulated kube-apiserver: the request pipeline over the store.

A create goes through the same steps, in the same order, as the real
registry (k8s.io/apiserver generic Store.Create plus the Service storage):
strict decoding, namespace admission, system metadata, defaulting, the
Service allocator (BeginCreate, before validation), PrepareForCreate,
validation, the AlreadyExists check, and finally the write. Updates and
patches go through the update twin of that pipeline. Every failure is a
StatusError, and a failed request leaves the store untouched.
"""
from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import orjson

from ..limits import QUOTA_NAME, default_limits
from . import errors
from .clone import clone
from .allocators import AllocationError, ClusterIPAllocator, NodePortAllocator, RangeFull
from .labels import (
    DEFAULT_FIELDS, SUPPORTED_FIELDS, SelectorError, field_matches, parse_field_selector, parse_selector,
)
from .patch import json_patch, merge_patch, strategic_merge
from .resources import Resource, by_kind, resolve
from .store import Store

# Kinds whose storage strategy keeps metadata.generation (bumped on spec change).
GENERATION_KINDS = {"Deployment", "ReplicaSet", "DaemonSet"}
#: kinds whose spec.replicas the lab's max_replicas bounds
REPLICATED_KINDS = {"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"}


@dataclass
class ApiServerConfig:
    """The kube-apiserver flags the lab honours."""

    service_cluster_ip_range: str = "10.96.0.0/12"
    service_node_port_range: str = "30000-32767"
    advertise_address: str = "192.168.56.10"
    secure_port: int = 6443

    @property
    def node_port_bounds(self) -> tuple[int, int]:
        low, _, high = self.service_node_port_range.partition("-")
        return int(low), int(high or low)


class ApiServer:
    """create/get/list/update/patch/delete over a Store, like kube-apiserver."""

    def __init__(self, store: Store, clock: Any, rng: Any, config: ApiServerConfig | None = None):
        self.store = store
        self.clock = clock
        self.rng = rng
        self.config = config or ApiServerConfig()
        self.up = True
        self.graceful_pod_deletion = False
        #: strictly decode the controllers' own writes too (tests turn this on)
        self.strict_internal = False
        self._client_depth = 0
        #: the fieldValidation directive of the client request being served
        self.field_validation = "Strict"
        #: warnings for the client (Warning headers), taken by whoever serves the request
        self.warnings: list[str] = []
        #: where warnings go as they arise (the built-in kubectl prints them at once), if set
        self.warning_sink: Callable[[str], None] | None = None
        self._delete_hooks: list[Callable[[Resource, dict[str, Any]], None]] = []
        #: the lab's limits (lab.sim.limits.LabLimits); the World sets its own
        self.limits = default_limits()
        self.reconfigure(self.config)

    # -- configuration -------------------------------------------------------
    def reconfigure(self, config: ApiServerConfig) -> None:
        """(Re)start with new flags; allocators are rebuilt from stored Services (the repair loop)."""
        self.config = config
        self.ips = ClusterIPAllocator(config.service_cluster_ip_range)
        self.node_ports = NodePortAllocator(config.service_node_port_range)
        for svc in self.store.iter("services"):
            spec = svc.get("spec", {})
            for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
                if ip != "None" and self.ips.contains(ip):
                    self.ips.used.add(int(ipaddress.ip_address(ip)))
            for port in spec.get("ports") or []:
                if port.get("nodePort") and self.node_ports.contains(port["nodePort"]):
                    self.node_ports.used.add(port["nodePort"])
            if spec.get("healthCheckNodePort"):
                self.node_ports.used.add(spec["healthCheckNodePort"])

    # -- helpers -------------------------------------------------------------
    @staticmethod
    def resource(resource: Resource | str) -> Resource:
        if isinstance(resource, Resource):
            return resource
        found = resolve(resource)
        if found is None:
            raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
        return found

    def _random(self, stream: str) -> Any:
        """The named random stream (lab.sim.randomness), or the one generator given."""
        get = getattr(self.rng, "get", None)
        return get(stream) if callable(get) else self.rng

    def _now(self) -> str:
        return self.clock.timestamp()

    def _uid(self, res: Resource) -> str:
        """A UUID from a stream per resource, so (say) Events being recorded do
        not change the UIDs, and what derives from them, of Pods."""
        return str(uuid.UUID(int=self._random(f"uid:{res.group_resource}").getrandbits(128), version=4))

    def _namespace_for(self, res: Resource, obj: dict[str, Any], namespace: str | None) -> str:
        meta = obj.setdefault("metadata", {})
        if not res.namespaced:
            meta.pop("namespace", None)
            return ""
        ns = meta.get("namespace") or namespace or "default"
        if namespace and meta.get("namespace") and meta["namespace"] != namespace:
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = ns
        return ns

    def _admit_namespace(self, res: Resource, ns: str) -> None:
        """NamespaceLifecycle admission: the namespace must exist and not be terminating."""
        if not res.namespaced:
            return
        nso = self.store.peek("namespaces", "", ns)
        if nso is None:
            raise errors.not_found("namespaces", "", ns)
        if nso.get("status", {}).get("phase") == "Terminating":
            raise errors.StatusError(
                403, "Forbidden",
                f"{res.group_resource} {errors.go_quote('')} is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                {"kind": res.plural})

    @contextmanager
    def client_request(self, field_validation: str = "Strict") -> Iterator[None]:
        """Requests made inside are a user's (kubectl's): decoded against the schema.

        `field_validation` is the request's fieldValidation directive: Strict
        (what kubectl sends by default) fails on unknown fields; Warn drops
        them and records `unknown field "spec.x"` in `self.warnings` (the
        response's Warning headers, which kubectl prints); Ignore drops them
        silently. Wrong types fail in every mode.

        SIMPLIFICATION: the lab's own controllers build well-formed objects,
        so their writes skip the schema walk (set `strict_internal` to check
        them too, as a test does).
        """
        outer = self.field_validation
        self._client_depth += 1
        self.field_validation = field_validation
        try:
            yield
        finally:
            self._client_depth -= 1
            self.field_validation = outer

    def warn(self, text: str) -> None:
        """A warning for the client, as a Warning response header carries it."""
        if self.warning_sink is not None:
            self.warning_sink(text)
        else:
            self.warnings.append(text)

    def _strict_decode(self, obj: dict[str, Any]) -> None:
        if self._client_depth or self.strict_internal:
            from .schema import drop_unknown_fields, strict_decode
            mode = self.field_validation if self._client_depth else "Strict"
            if mode != "Strict":
                dropped = drop_unknown_fields(obj)
                if mode == "Warn":
                    for path in dropped:
                        self.warn(f'unknown field "{path}"')
            strict_decode(obj)

    def _defaults(self, obj: dict[str, Any]) -> None:
        from .defaults import apply_defaults
        apply_defaults(obj)
        _drop_empty_meta(obj)

    def _validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[errors.FieldError]:
        from .validation import validate
        return validate(obj, old, service_node_port_range=self.config.node_port_bounds)

    @contextmanager
    def _draws_undone(self, keep: bool = True) -> Iterator[None]:
        """A request that fails (or is a dry run: keep=False) leaves the random streams
        where it found them, as it leaves the store: the UID, name and ClusterIP it
        drew are drawn again by the next request. So a failed `kubectl create`
        changes nothing, whether the lab stores the world after it (the terminal)
        or rolls the whole request back (the lab's REST API)."""
        snapshot = getattr(self.rng, "snapshot", None)
        saved = snapshot() if callable(snapshot) else None
        try:
            yield
        except BaseException:
            if saved is not None:
                self.rng.restore(saved)
            raise
        if not keep and saved is not None:
            self.rng.restore(saved)

    def _check_up(self) -> None:
        if not self.up:
            raise ConnectionRefused(self.config.advertise_address, self.config.secure_port)

    # -- the lab's limits (lab.sim.limits) -------------------------------------
    def _check_request_size(self, body: Any) -> None:
        """A user's request body (as the JSON kubectl sends) over the limit is
        refused before anything else, as the real apiserver's 413 is."""
        if not self._client_depth:
            return
        limit = self.limits.max_request_bytes
        if len(orjson.dumps(body)) > limit:
            raise errors.request_entity_too_large(limit)

    def _admit_counts(self, res: Resource, name: str) -> None:
        """Quota-style admission of one more object: Pods for every
        creator (a ReplicaSet's refused Pod is its FailedCreate event, as
        under a real quota); all objects but Events for users' requests."""
        limits = self.limits
        if res.group_resource == "pods":
            used = self.store.count("pods")
            if used >= limits.max_pods:
                raise errors.exceeded_quota(res.plural, res.group, name, QUOTA_NAME, "pods", used, limits.max_pods)
        if self._client_depth:
            used = len(self.store) - self.store.count("events")
            if used >= limits.max_objects:
                raise errors.exceeded_quota(res.plural, res.group, name, QUOTA_NAME, "objects", used,
                                            limits.max_objects)

    def _replica_errors(self, res: Resource, obj: dict[str, Any]) -> list[errors.FieldError]:
        """spec.replicas over the lab's limit, for users' requests, as a field error."""
        if not self._client_depth or res.kind not in REPLICATED_KINDS:
            return []
        replicas = (obj.get("spec") or {}).get("replicas")
        limit = self.limits.max_replicas
        if isinstance(replicas, int) and replicas > limit:
            return [errors.invalid("spec.replicas", replicas,
                                   f"must be less than or equal to {limit} (the lab's limit per workload)")]
        return []

    # -- create --------------------------------------------------------------
    def _decode_body(self, obj: dict[str, Any]) -> tuple[Resource, dict[str, Any]]:
        """A request body: a private copy, its resource, strictly decoded."""
        self._check_up()
        self._check_request_size(obj)
        obj = clone(obj)
        res = by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
        if res is None:
            raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
        self._strict_decode(obj)
        return res, obj

    def create(self, obj: dict[str, Any], namespace: str | None = None, dry_run: bool = False) -> dict[str, Any]:
        with self._draws_undone(keep=not dry_run):
            return self._create(obj, namespace, dry_run)

    def _create(self, obj: dict[str, Any], namespace: str | None, dry_run: bool) -> dict[str, Any]:
        res, obj = self._decode_body(obj)
        ns = self._namespace_for(res, obj, namespace)
        self._admit_namespace(res, ns)
        meta = obj["metadata"]
        admission_name = meta.get("name") or meta.get("generateName") or ""
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = self._generate_name(res, ns, meta["generateName"])
        name = meta.get("name", "")
        for system_field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                             "resourceVersion", "generation", "selfLink"):
            meta.pop(system_field, None)
        meta["uid"] = self._uid(res)
        meta["creationTimestamp"] = self._now()
        if res.kind in GENERATION_KINDS:
            meta["generation"] = 1
        self._defaults(obj)
        allocated: list[Callable[[], None]] = []
        try:
            if res.kind == "Service":
                from .defaults import normalize_cluster_ips
                normalize_cluster_ips(obj, None)
                self._allocate_service(obj, None, allocated)
            self._prepare_for_create(res, obj)
            if res.kind == "Pod":
                self._admit_service_account(obj, ns, admission_name)
            errs = self._validate(obj, None) + self._replica_errors(res, obj)
            if errs:
                raise errors.invalid_object(res.kind, res.group, name, errs)
            self._admit_counts(res, name)  # admission runs for dry runs too
            if self.store.peek(res.group_resource, ns, name) is not None:
                raise errors.already_exists(res.plural, res.group, name)
        except Exception:
            for undo in allocated:
                undo()
            raise
        if dry_run:
            for undo in allocated:
                undo()
            return obj
        return self.store.put(res.group_resource, obj, "ADDED")

    def _admit_service_account(self, pod: dict[str, Any], ns: str, name: str) -> None:
        """The ServiceAccount admission plugin (lab.sim.api.serviceaccounts)."""
        from .serviceaccounts import admit_pod
        stream = self._random("names:kube-api-access")
        admit_pod(pod, ns, name, lambda sa: self.store.peek("serviceaccounts", ns, sa), stream.randrange)

    def _generate_name(self, res: Resource, ns: str, base: str) -> str:
        """SimpleNameGenerator: base (cut to 58) + 5 characters of utilrand's alphabet."""
        alphabet = "bcdfghjklmnpqrstvwxz2456789"
        base = base[:58]
        while True:
            stream = self._random(name_stream(res.group_resource, ns))
            name = base + "".join(alphabet[stream.randrange(len(alphabet))] for _ in range(5))
            if self.store.peek(res.group_resource, ns, name) is None:
                return name

    def _prepare_for_create(self, res: Resource, obj: dict[str, Any]) -> None:
        """The strategies' PrepareForCreate: status is the server's, not the client's."""
        if res.kind == "Service":
            obj["status"] = {"loadBalancer": {}}
        elif res.kind in ("Deployment", "ReplicaSet", "DaemonSet"):
            obj["status"] = {}
        elif res.kind == "Pod":
            obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj)}
        elif res.kind == "Namespace":
            obj["status"] = {"phase": "Active"}

    # -- Service allocation (registry/core/service/storage/alloc.go) --------
    def _allocate_service(self, svc: dict[str, Any], old: dict[str, Any] | None,
                          allocated: list[Callable[[], None]]) -> None:
        spec = svc.setdefault("spec", {})
        name = svc["metadata"].get("name", "")
        self._init_ip_families(svc)
        svc_type = spec.get("type", "ClusterIP")
        # Cluster IPs.
        # handleClusterIPsForUpdatedService: an update allocates only when
        # leaving ExternalName; a changed IP is left for validation to refuse.
        old_had_ips = old is not None and old.get("spec", {}).get("type", "ClusterIP") != "ExternalName"
        if svc_type != "ExternalName" and spec.get("clusterIP") != "None" and not old_had_ips:
            wanted = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
            if wanted:
                ip = wanted[0]
                if _is_ipv4(ip):
                    try:
                        self.ips.allocate(ip)
                    except AllocationError as exc:
                        raise errors.invalid_object("Service", "", name, [errors.invalid(
                            "spec.clusterIPs", errors.go_string_slice(wanted), f"failed to allocate IP {ip}: {exc}")])
                    allocated.append(lambda ip=ip: self.ips.release(ip))
                spec["clusterIP"] = wanted[0]
                spec["clusterIPs"] = list(wanted)
            else:
                try:
                    ip = self.ips.allocate_next(self._random("clusterip"))
                except RangeFull:
                    raise errors.internal_error("failed to allocate a serviceIP: range is full")
                allocated.append(lambda ip=ip: self.ips.release(ip))
                spec["clusterIP"] = ip
                spec["clusterIPs"] = [ip]
        elif spec.get("clusterIP") == "None":
            spec["clusterIPs"] = spec.get("clusterIPs") or ["None"]
        # Node ports.
        if _needs_node_ports(spec):
            old_ports = {p.get("nodePort") for p in ((old or {}).get("spec", {}).get("ports") or [])
                         if _needs_node_ports((old or {}).get("spec", {}))}
            taken: dict[tuple[int, str], int] = {}
            for i, port in enumerate(spec.get("ports") or []):
                node_port = port.get("nodePort")
                if node_port:
                    if node_port in old_ports or node_port in taken.values():
                        continue
                    try:
                        self.node_ports.allocate(int(node_port))
                    except AllocationError as exc:
                        raise errors.invalid_object("Service", "", name, [errors.invalid(
                            f"spec.ports[{i}].nodePort", node_port, str(exc))])
                    allocated.append(lambda p=node_port: self.node_ports.release(p))
                    taken[(i, port.get("protocol", "TCP"))] = node_port
            for i, port in enumerate(spec.get("ports") or []):
                if not port.get("nodePort"):
                    try:
                        node_port = self.node_ports.allocate_next(self._random("nodeport"))
                    except RangeFull:
                        raise errors.internal_error("failed to allocate a nodePort: range is full")
                    allocated.append(lambda p=node_port: self.node_ports.release(p))
                    port["nodePort"] = node_port
            if spec.get("externalTrafficPolicy") == "Local" and not spec.get("healthCheckNodePort") and \
                    spec.get("type") == "LoadBalancer":
                hc = self.node_ports.allocate_next(self._random("nodeport"))
                allocated.append(lambda p=hc: self.node_ports.release(p))
                spec["healthCheckNodePort"] = hc

    def _init_ip_families(self, svc: dict[str, Any]) -> None:
        spec = svc["spec"]
        try:
            from .defaults import default_ip_families
        except ImportError:  # pragma: no cover - defaults module not loaded
            default_ip_families = None
        if default_ip_families is not None:
            default_ip_families(svc)
            return
        if spec.get("type") == "ExternalName":
            spec.pop("ipFamilies", None)
            spec.pop("ipFamilyPolicy", None)
            return
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("ipFamilies", ["IPv4"])

    def _release_service(self, svc: dict[str, Any]) -> None:
        spec = svc.get("spec", {})
        for ip in spec.get("clusterIPs") or []:
            if ip != "None":
                self.ips.release(ip)
        for port in spec.get("ports") or []:
            if port.get("nodePort"):
                self.node_ports.release(port["nodePort"])
        if spec.get("healthCheckNodePort"):
            self.node_ports.release(spec["healthCheckNodePort"])

    # -- reads ---------------------------------------------------------------
    def get(self, resource: Resource | str, name: str, namespace: str | None = None) -> dict[str, Any]:
        self._check_up()
        res = self.resource(resource)
        ns = (namespace or "default") if res.namespaced else ""
        obj = self.store.get(res.group_resource, ns, name)
        if obj is None:
            raise errors.not_found(res.plural, res.group, name)
        return obj

    def list(self, resource: Resource | str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict[str, Any]]:
        """Objects sorted by namespace/name; namespace None means all namespaces."""
        self._check_up()
        res = self.resource(resource)
        try:
            selector = parse_selector(label_selector)
            fields = parse_field_selector(field_selector)
        except SelectorError as exc:
            raise errors.bad_request(str(exc))
        allowed = SUPPORTED_FIELDS.get(res.kind, DEFAULT_FIELDS)
        for req in fields:
            if req.field not in allowed:
                raise errors.bad_request(
                    f'field label not supported: {req.field}')
        ns = namespace if res.namespaced else None
        out = []
        for obj in self.store.iter(res.group_resource, ns):
            if selector.matches(obj.get("metadata", {}).get("labels")) and field_matches(obj, fields):
                out.append(clone(obj))
        return out

    # -- update / patch ------------------------------------------------------
    def update(self, obj: dict[str, Any], dry_run: bool = False, subresource: str = "") -> dict[str, Any]:
        res, new = self._decode_body(obj)
        meta = new.setdefault("metadata", {})
        ns = meta.get("namespace", "default") if res.namespaced else ""
        name = meta.get("name", "")
        old = self.store.get(res.group_resource, ns, name)
        if old is None:
            raise errors.not_found(res.plural, res.group, name)
        rv = meta.get("resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            raise errors.conflict(res.plural, res.group, name, errors.OPTIMISTIC_LOCK_DETAIL)
        return self._update(res, old, new, dry_run, subresource)

    def update_status(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.update(obj, subresource="status")

    def _update(self, res: Resource, old: dict[str, Any], new: dict[str, Any], dry_run: bool,
                subresource: str = "") -> dict[str, Any]:
        with self._draws_undone(keep=not dry_run):
            return self._apply_update(res, old, new, dry_run, subresource)

    def _apply_update(self, res: Resource, old: dict[str, Any], new: dict[str, Any], dry_run: bool,
                      subresource: str) -> dict[str, Any]:
        meta = new["metadata"]
        old_meta = old["metadata"]
        if res.namespaced:
            meta["namespace"] = old_meta.get("namespace")
        for keep in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if keep in old_meta:
                meta[keep] = old_meta[keep]
            else:
                meta.pop(keep, None)
        if subresource == "status":
            # Only status changes through /status.
            status = new.get("status")
            new = clone(old)
            new["status"] = status
            if meta.get("resourceVersion"):
                new["metadata"]["resourceVersion"] = meta["resourceVersion"]
        else:
            if "status" in old:
                new["status"] = clone(old["status"])
            else:
                new.pop("status", None)
            self._defaults(new)
        allocated: list[Callable[[], None]] = []
        try:
            if res.kind == "Service" and subresource != "status":
                from .defaults import prepare_service_for_update
                prepare_service_for_update(new, old)
                self._drop_type_dependent_fields(new, old)
                self._allocate_service(new, old, allocated)
            errs = self._validate(new, old)
            if subresource != "status":
                errs += self._replica_errors(res, new)
            if errs:
                raise errors.invalid_object(res.kind, res.group, meta.get("name", ""), errs)
        except Exception:
            for undo in allocated:
                undo()
            raise
        if res.kind in GENERATION_KINDS and new.get("spec") != old.get("spec"):
            meta["generation"] = int(old_meta.get("generation", 1)) + 1
        if dry_run:
            for undo in allocated:
                undo()
            return new
        unchanged = {k: v for k, v in new.items() if k != "metadata"} == \
            {k: v for k, v in old.items() if k != "metadata"} and \
            {k: v for k, v in meta.items() if k != "resourceVersion"} == \
            {k: v for k, v in old_meta.items() if k != "resourceVersion"}
        if unchanged:
            # An update that changes nothing writes nothing (no new resourceVersion).
            return old
        if res.kind == "Service":
            self._release_unused(old, new)
        return self.store.put(res.group_resource, new, "MODIFIED")

    def _drop_type_dependent_fields(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        """dropTypeDependentFields: leaving a type clears what only that type used."""
        nspec, ospec = new["spec"], old.get("spec", {})
        if nspec.get("type") == "ExternalName" and ospec.get("type") != "ExternalName":
            if nspec.get("clusterIP") == ospec.get("clusterIP"):
                nspec.pop("clusterIP", None)
                nspec.pop("clusterIPs", None)
            if nspec.get("ipFamilies") == ospec.get("ipFamilies"):
                nspec.pop("ipFamilies", None)
            if nspec.get("ipFamilyPolicy") == ospec.get("ipFamilyPolicy"):
                nspec.pop("ipFamilyPolicy", None)
        if not _needs_node_ports(nspec) and _needs_node_ports(ospec):
            old_np = [p.get("nodePort") for p in ospec.get("ports") or []]
            new_np = [p.get("nodePort") for p in nspec.get("ports") or []]
            if old_np == new_np or all(p in old_np for p in new_np if p):
                for port in nspec.get("ports") or []:
                    port.pop("nodePort", None)
        if nspec.get("externalTrafficPolicy") != "Local" and nspec.get("healthCheckNodePort") == \
                ospec.get("healthCheckNodePort"):
            nspec.pop("healthCheckNodePort", None)
        # needsExternalTrafficPolicy(old) && !needsExternalTrafficPolicy(new) && same: a ClusterIP Service
        # with externalIPs keeps its policy through an update
        if ospec.get("type") in ("NodePort", "LoadBalancer") and nspec.get("type") not in ("NodePort", "LoadBalancer") \
                and nspec.get("externalTrafficPolicy") == ospec.get("externalTrafficPolicy"):
            nspec.pop("externalTrafficPolicy", None)
        if nspec.get("type") != "LoadBalancer":
            for field in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
                if nspec.get(field) == ospec.get(field):
                    nspec.pop(field, None)

    def _release_unused(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        ospec, nspec = old.get("spec", {}), new.get("spec", {})
        for ip in ospec.get("clusterIPs") or []:
            if ip != "None" and ip not in (nspec.get("clusterIPs") or []):
                self.ips.release(ip)
        new_ports = {p.get("nodePort") for p in nspec.get("ports") or []} | {nspec.get("healthCheckNodePort")}
        for port in ospec.get("ports") or []:
            if port.get("nodePort") and port["nodePort"] not in new_ports:
                self.node_ports.release(port["nodePort"])
        if ospec.get("healthCheckNodePort") and ospec["healthCheckNodePort"] not in new_ports:
            self.node_ports.release(ospec["healthCheckNodePort"])

    def patch(self, resource: Resource | str, name: str, patch: Any, patch_type: str = "strategic",
              namespace: str | None = None, dry_run: bool = False, subresource: str = "") -> dict[str, Any]:
        self._check_up()
        self._check_request_size(patch)
        res = self.resource(resource)
        ns = (namespace or "default") if res.namespaced else ""
        old = self.store.get(res.group_resource, ns, name)
        if old is None:
            raise errors.not_found(res.plural, res.group, name)
        if patch_type == "json":
            if not isinstance(patch, list):
                raise errors.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
            new = json_patch(old, patch)
        elif patch_type == "merge":
            new = merge_patch(old, patch)
        else:
            new = strategic_merge(old, patch)
        if not isinstance(new, dict):
            raise errors.bad_request("the patch does not describe an object")
        new.setdefault("metadata", {})
        new["apiVersion"], new["kind"] = old["apiVersion"], old["kind"]
        new["metadata"]["name"] = old["metadata"]["name"]
        rv = new["metadata"].get("resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            raise errors.conflict(res.plural, res.group, name, errors.OPTIMISTIC_LOCK_DETAIL)
        self._strict_decode(new)
        return self._update(res, old, new, dry_run, subresource)

    # -- the scale subresource --------------------------------------------------
    def _scalable(self, resource: Resource | str, name: str, namespace: str | None) -> tuple[Resource, dict]:
        from .scale import SCALABLE, not_served

        self._check_up()
        res = self.resource(resource)
        if res.kind not in SCALABLE:
            raise not_served()
        ns = (namespace or "default") if res.namespaced else ""
        obj = self.store.get(res.group_resource, ns, name)
        if obj is None:
            raise errors.not_found(res.plural, res.group, name)
        return res, obj

    def get_scale(self, resource: Resource | str, name: str, namespace: str | None = None) -> dict[str, Any]:
        """GET .../NAME/scale: the object's autoscaling/v1 Scale."""
        from .scale import scale_of

        res, obj = self._scalable(resource, name, namespace)
        return scale_of(res.kind, obj)

    def update_scale(self, resource: Resource | str, scale: dict[str, Any], namespace: str | None = None,
                     dry_run: bool = False) -> dict[str, Any]:
        """PUT .../NAME/scale: a Scale whose resourceVersion, when set, must still be the object's."""
        from .scale import apply_scale

        self._check_request_size(scale)
        res, obj = self._scalable(resource, (scale.get("metadata") or {}).get("name", ""), namespace)
        return apply_scale(self, res, obj, clone(scale), dry_run)

    def patch_scale(self, resource: Resource | str, name: str, patch: Any, patch_type: str = "merge",
                    namespace: str | None = None, dry_run: bool = False) -> dict[str, Any]:
        """PATCH .../NAME/scale (what kubectl scale sends: {"spec":{"replicas":N}} as a merge patch)."""
        from .scale import apply_scale, patched_scale, scale_of

        self._check_request_size(patch)
        res, obj = self._scalable(resource, name, namespace)
        return apply_scale(self, res, obj, patched_scale(scale_of(res.kind, obj), patch, patch_type), dry_run)

    # -- delete --------------------------------------------------------------
    def on_delete(self, hook: Callable[[Resource, dict[str, Any]], None]) -> None:
        self._delete_hooks.append(hook)

    def delete(self, resource: Resource | str, name: str, namespace: str | None = None,
               propagation: str = "Background", grace_period: int | None = None,
               dry_run: bool = False) -> dict[str, Any]:
        """Delete an object; dependents go with it (Background/Foreground) or are orphaned."""
        self._check_up()
        res = self.resource(resource)
        ns = (namespace or "default") if res.namespaced else ""
        obj = self.store.get(res.group_resource, ns, name)
        if obj is None:
            raise errors.not_found(res.plural, res.group, name)
        if dry_run:
            return obj
        if res.kind == "Pod" and self.graceful_pod_deletion and obj.get("spec", {}).get("nodeName") \
                and grace_period != 0:
            meta = obj["metadata"]
            if meta.get("deletionTimestamp"):
                return obj
            grace = grace_period if grace_period is not None else \
                obj["spec"].get("terminationGracePeriodSeconds", 30)
            meta["deletionTimestamp"] = self.clock.timestamp(offset=grace)
            meta["deletionGracePeriodSeconds"] = grace
            return self.store.put(res.group_resource, obj, "MODIFIED")
        if res.kind == "Namespace":
            # SIMPLIFICATION: the namespace controller's work is done at once:
            # the namespace's content is removed, then the namespace itself.
            for other in self._namespaced_resources():
                for child in list(self.store.iter(other.group_resource, name)):
                    self._remove(other, child)
        if propagation == "Orphan":
            self._orphan_dependents(obj)
        gone = self._remove(res, obj)
        if propagation in ("Background", "Foreground"):
            self._delete_dependents(obj)
        return gone

    def _namespaced_resources(self) -> list[Resource]:
        from .resources import RESOURCES
        return [r for r in RESOURCES if r.namespaced]

    def _remove(self, res: Resource, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        gone = self.store.remove(res.group_resource, meta.get("namespace", ""), meta["name"])
        if res.kind == "Service":
            self._release_service(obj)
        for hook in self._delete_hooks:
            hook(res, obj)
        return gone or obj

    def _dependents(self, owner: dict[str, Any]) -> list[tuple[Resource, dict[str, Any]]]:
        from .resources import RESOURCES
        by_resource = {r.group_resource: r for r in RESOURCES}
        return [(by_resource[resource], child) for resource, child in self.store.dependents(owner["metadata"].get("uid", ""))
                if resource in by_resource]

    def _delete_dependents(self, owner: dict[str, Any]) -> None:
        """The garbage collector's cascade: dependents whose only owner is gone are deleted."""
        for r, child in self._dependents(owner):
            meta = child["metadata"]
            remaining = [ref for ref in meta.get("ownerReferences") or []
                         if ref.get("uid") != owner["metadata"].get("uid") and self._owner_exists(ref, meta)]
            if remaining:
                continue
            current = self.store.peek(r.group_resource, meta.get("namespace", ""), meta["name"])
            if current is None:
                continue
            if r.kind == "Pod" and self.graceful_pod_deletion and current.get("spec", {}).get("nodeName"):
                self.delete(r, meta["name"], meta.get("namespace"))
                continue
            self._remove(r, clone(current))
            self._delete_dependents(current)

    def _owner_exists(self, ref: dict[str, Any], meta: dict[str, Any]) -> bool:
        res = by_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if res is None:
            return False
        owner = self.store.peek(res.group_resource, meta.get("namespace", "") if res.namespaced else "",
                                ref.get("name", ""))
        return owner is not None and owner["metadata"].get("uid") == ref.get("uid")

    def _orphan_dependents(self, owner: dict[str, Any]) -> None:
        uid = owner["metadata"].get("uid")
        for r, child in self._dependents(owner):
            child = clone(child)
            refs = [ref for ref in child["metadata"].get("ownerReferences") or [] if ref.get("uid") != uid]
            if refs:
                child["metadata"]["ownerReferences"] = refs
            else:
                child["metadata"].pop("ownerReferences", None)
            self.store.put(r.group_resource, child, "MODIFIED")

    def finalize_delete(self, resource: Resource | str, name: str, namespace: str | None = None) -> None:
        """Remove an object whose graceful deletion has finished (the kubelet's last word)."""
        res = self.resource(resource)
        ns = (namespace or "default") if res.namespaced else ""
        obj = self.store.get(res.group_resource, ns, name)
        if obj is not None:
            self._remove(res, obj)
            self._delete_dependents(obj)


#: namespaces of add-ons installed with the cluster, whose generated names come from a
#: stream of their own, so that installing the add-on shifts no other object's name
ADDON_NAMESPACES = frozenset({"kube-flannel"})


def name_stream(group_resource: str, namespace: str) -> str:
    """The random stream of generated names for objects of one resource (and add-on namespace)."""
    if namespace in ADDON_NAMESPACES:
        return f"names:{group_resource}:{namespace}"
    return f"names:{group_resource}"


class ConnectionRefused(Exception):
    """The apiserver is down (for example while its manifest is broken)."""

    def __init__(self, host: str, port: int):
        super().__init__(f"The connection to the server {host}:{port} was refused - did you specify the right host or port?")
        self.host = host
        self.port = port


# ObjectMeta fields Go encodes with omitempty: an empty map or list is not stored.
_OMITEMPTY_META = ("labels", "annotations", "finalizers", "ownerReferences", "managedFields")


def _drop_empty_meta(obj: dict[str, Any]) -> None:
    """What the apiserver's round trip through ObjectMeta does to `annotations: {}` and the like
    (left by a patch that removed the last annotation): they vanish."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in _OMITEMPTY_META:
            if key in meta and meta[key] in ({}, [], None):
                del meta[key]


def _needs_node_ports(spec: dict[str, Any]) -> bool:
    svc_type = spec.get("type", "ClusterIP")
    if svc_type == "NodePort":
        return True
    return svc_type == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True) is not False


def _is_ipv4(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() and 0 <= int(p) <= 255 and str(int(p)) == p for p in parts)


def _qos_class(pod: dict[str, Any]) -> str:
    """The Pod's QoS class from its containers' requests and limits."""
    containers = pod.get("spec", {}).get("containers") or []
    any_set = False
    guaranteed = bool(containers)
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_set = True
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and req[r] != lim[r]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
