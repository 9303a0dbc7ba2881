"""`kubectl cordon|uncordon|drain NODE`: mark nodes (un)schedulable and evict their Pods.

Mirrors kubectl 1.32's pkg/cmd/drain and pkg/drain:
- cordon/uncordon patch spec.unschedulable and print `node/X cordoned`,
  or `node/X already cordoned` when nothing changes;
- drain cordons first, then lists the node's Pods and runs drain's
  filters in order (DaemonSet-managed, mirror, emptyDir local storage,
  no controller); fatal findings are grouped per message
  (`cannot delete Pods that declare no controller (use --force to
  override): default/x`) and stop the drain of that node; warnings are
  printed as `Warning: ...`; the Pods left are evicted (`evicting pod
  ns/x`), and drain polls every second until each is gone (`pod/x
  evicted`), moving the lab clock as it waits, then prints `node/X drained`.

SIMPLIFICATION: the lab serves no PodDisruptionBudgets, so every eviction
is allowed; an eviction is the Pod's graceful DELETE (with --grace-period
when given), which is what the eviction subresource does without PDBs.
Evictions that real kubectl runs in parallel goroutines print in list order.
"""
from __future__ import annotations

import math
from typing import Any

from ..api.errors import StatusError
from ..api.labels import parse_selector
from .base import DRY_RUN_FLAG, SELECTOR_FLAG, Invocation, subcommand
from .cmd_delete import MAX_WAIT_STEPS, FlagValueError, parse_duration
from .errors import KubectlError
from .flags import Flag, Parsed

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"


def go_duration(seconds: float) -> str:
    """time.Duration.String for whole seconds: `30s`, `1m0s`, `1h0m0s`."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60}s"
    return f"{s // 3600}h{(s % 3600) // 60}m{s % 60}s"


def _suffix(strategy: str) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")


def _nodes(inv: Invocation, parsed: Parsed, use: str) -> list[dict[str, Any]]:
    """The builder's `ResourceNames("nodes", args...)` or the -l selection."""
    args, selector = parsed.args, parsed.get("selector") or ""
    if not args and not parsed.changed("selector"):
        raise inv.usage_error(f"USAGE: {use} [flags]")
    if args and selector:
        raise inv.usage_error("error: cannot specify both a node name and a --selector option")
    if selector:
        nodes = inv.api.list("nodes", label_selector=selector)
        if not nodes:
            raise KubectlError("No resources found")
        return nodes
    out = []
    for arg in args:
        name = arg
        if "/" in arg:
            kind, _, name = arg.partition("/")
            res = inv.resolve_type(kind)
            if res.plural != "nodes":
                raise KubectlError(f'error: expected resource of type node, got "{res.group_resource}"')
        out.append(inv.api.get("nodes", name))
    return out


def cordon_nodes(inv: Invocation, nodes: list[dict[str, Any]], desired: bool, strategy: str) -> None:
    """RunCordonOrUncordon: patch spec.unschedulable where it differs, print one line per node."""
    word = "cordoned" if desired else "uncordoned"
    for node in nodes:
        name = node["metadata"]["name"]
        current = bool((node.get("spec") or {}).get("unschedulable"))
        if current == desired:
            inv.out(f"node/{name} already {word}{_suffix(strategy)}\n")
            continue
        if strategy != "client":
            try:
                inv.api.patch("nodes", name, {"spec": {"unschedulable": True if desired else None}}, "strategic",
                              dry_run=(strategy == "server"))
            except StatusError as exc:
                inv.err(f'error: unable to {"cordon" if desired else "uncordon"} node "{name}": {exc.message}\n')
                continue
        inv.out(f"node/{name} {word}{_suffix(strategy)}\n")


_CORDON_FLAGS = (DRY_RUN_FLAG, SELECTOR_FLAG)


@subcommand("cordon", flags=_CORDON_FLAGS)
def cordon(inv: Invocation, parsed: Parsed) -> int:
    strategy = inv.dry_run()
    cordon_nodes(inv, _nodes(inv, parsed, "cordon NODE"), True, strategy)
    return 0


@subcommand("uncordon", flags=_CORDON_FLAGS)
def uncordon(inv: Invocation, parsed: Parsed) -> int:
    strategy = inv.dry_run()
    cordon_nodes(inv, _nodes(inv, parsed, "uncordon NODE"), False, strategy)
    return 0


# -- drain ------------------------------------------------------------------------

class Drainer:
    """pkg/drain.Helper for one kubectl drain run."""

    def __init__(self, inv: Invocation, parsed: Parsed, strategy: str):
        self.inv = inv
        self.api = inv.api
        self.force = bool(parsed.get("force"))
        self.ignore_daemonsets = bool(parsed.get("ignore-daemonsets"))
        self.delete_emptydir = bool(parsed.get("delete-emptydir-data") or parsed.get("delete-local-data"))
        self.disable_eviction = bool(parsed.get("disable-eviction"))
        self.grace = int(parsed.get("grace-period", -1))
        self.skip_wait = int(parsed.get("skip-wait-for-delete-timeout", 0) or 0)
        self.pod_selector = parsed.get("pod-selector") or ""
        self.timeout = parse_duration(parsed.get("timeout") or "0s")
        self.strategy = strategy

    # -- filters (filters.go, applied in order; the last status is kept) ------------
    def _daemonset(self, pod: dict[str, Any]) -> tuple[bool, str, str]:
        ref = _controller_of(pod)
        if ref is None or ref.get("kind") != "DaemonSet":
            return True, "", ""
        if _finished(pod):
            return True, "", ""
        try:
            self.api.get("daemonsets.apps", ref.get("name", ""), namespace=pod["metadata"].get("namespace"))
        except StatusError as exc:
            if exc.reason == "NotFound" and self.force:
                return True, "Warning", exc.message
            return False, "Error", exc.message
        if not self.ignore_daemonsets:
            return False, "Error", DAEMONSET_FATAL
        return False, "Warning", DAEMONSET_WARNING

    @staticmethod
    def _mirror(pod: dict[str, Any]) -> tuple[bool, str, str]:
        if MIRROR_ANNOTATION in (pod["metadata"].get("annotations") or {}):
            return False, "Skip", ""
        return True, "", ""

    def _local_storage(self, pod: dict[str, Any]) -> tuple[bool, str, str]:
        if not any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or []):
            return True, "", ""
        if _finished(pod):
            return True, "", ""
        if not self.delete_emptydir:
            return False, "Error", LOCAL_STORAGE_FATAL
        return True, "Warning", LOCAL_STORAGE_WARNING

    def _unreplicated(self, pod: dict[str, Any]) -> tuple[bool, str, str]:
        if _finished(pod) or _controller_of(pod) is not None:
            return True, "", ""
        if self.force:
            return True, "Warning", UNMANAGED_WARNING
        return False, "Error", UNMANAGED_FATAL

    def _skip_deleted(self, pod: dict[str, Any]) -> tuple[bool, str, str]:
        if self._should_skip(pod):
            return False, "Skip", ""
        return True, "", ""

    def _should_skip(self, pod: dict[str, Any]) -> bool:
        stamp = pod["metadata"].get("deletionTimestamp")
        if self.skip_wait <= 0 or not stamp:
            return False
        from ..clock import parse_time

        return int((self.inv.world.clock.now - parse_time(stamp)).total_seconds()) > self.skip_wait

    def pods_for_deletion(self, node: str) -> tuple[list[tuple[dict[str, Any], str, str, bool]], list[str]]:
        """GetPodsForDeletion: every Pod of the node with its final status; and the errors."""
        pods = [p for p in self.api.list("pods", label_selector=self.pod_selector or None)
                if (p.get("spec") or {}).get("nodeName") == node]
        items = []
        for pod in pods:
            status: tuple[bool, str, str] = (True, "", "")
            for check in (self._skip_deleted, self._daemonset, self._mirror, self._local_storage, self._unreplicated):
                status = check(pod)
                if not status[0]:
                    break
            items.append((pod, status[1], status[2], status[0]))
        errors: dict[str, list[str]] = {}
        for pod, reason, message, _ in items:
            if reason == "Error":
                errors.setdefault(message or "unexpected error", []).append(_ns_name(pod))
        errs = []
        for msg, names in errors.items():
            if msg.lower().startswith("cannot delete"):
                errs.append(f"{msg}: {', '.join(names)}")
            else:
                errs.append(f"cannot delete {msg}: {', '.join(names)}")
        return items, errs

    @staticmethod
    def warnings(items) -> str:
        groups: dict[str, list[str]] = {}
        for pod, reason, message, _ in items:
            if reason == "Warning":
                groups.setdefault(message, []).append(_ns_name(pod))
        return "; ".join(f"{msg}: {', '.join(names)}" for msg, names in groups.items())

    # -- eviction and the wait ---------------------------------------------------------
    def delete_or_evict(self, pods: list[dict[str, Any]]) -> str | None:
        """Evict (or delete) the Pods and wait until they are gone; an error message or None."""
        inv, world = self.inv, self.inv.world
        using_eviction = not self.disable_eviction
        grace = self.grace if self.grace >= 0 else None
        pending = []
        errors = []
        for pod in pods:
            meta = pod["metadata"]
            if using_eviction:
                inv.out(f"evicting pod {meta.get('namespace')}/{meta['name']}\n")
            try:
                self.api.delete("pods", meta["name"], namespace=meta.get("namespace"), grace_period=grace)
            except StatusError as exc:
                if exc.reason == "NotFound":
                    if using_eviction:
                        continue
                else:
                    if using_eviction:
                        errors.append(f'error when evicting pod "{meta["name"]}": {exc.message}')
                        continue
                    return exc.message
            pending.append(pod)
        world.settle()
        clock = world.clock
        start = clock.elapsed
        deadline = start + self.timeout if self.timeout > 0 else math.inf
        verb = "evicted" if using_eviction else "deleted"
        steps = 0
        while True:
            still = []
            for pod in pending:
                meta = pod["metadata"]
                current = world.store.peek("pods", meta.get("namespace", ""), meta["name"])
                if current is None or current["metadata"].get("uid") != meta.get("uid"):
                    inv.out(f"pod/{meta['name']} {verb}\n")
                    continue
                if self._should_skip(current):
                    inv.out(f'pod "{meta["name"]}" has DeletionTimestamp older than {self.skip_wait} seconds, '
                            f'skipping\n')
                    continue
                still.append(pod)
            pending = still
            if not pending:
                break
            interrupted = getattr(inv.ctx, "interrupted", None)
            if steps >= MAX_WAIT_STEPS or (interrupted is not None and interrupted()):
                return "interrupted"
            steps += 1
            if clock.elapsed >= deadline:
                for pod in pending:
                    label = "error when waiting for pod" if using_eviction else ""
                    if using_eviction:
                        errors.append(f'{label} "{pod["metadata"]["name"]}" terminating: global timeout reached: '
                                      f'{go_duration(self.timeout)}')
                if not using_eviction:
                    return f"global timeout reached: {go_duration(self.timeout)}"
                break
            # The next poll (every second) that can see a change: after the next timer.
            due = world.next_event_time()
            polls = 1 if due is None or due <= clock.elapsed else max(1, math.ceil(due - clock.elapsed - 1e-9))
            if due is None:
                polls = MAX_WAIT_STEPS if deadline == math.inf else max(1, math.ceil(deadline - clock.elapsed))
            target = min(clock.elapsed + polls, deadline)
            world.wait(target - clock.elapsed)
        if errors:
            return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        return None


class Interrupted(Exception):
    """The wait was stopped (Ctrl-C, or no timer of the lab could end it)."""


def _controller_of(pod: dict[str, Any]) -> dict[str, Any] | None:
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def _finished(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _ns_name(pod: dict[str, Any]) -> str:
    return f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"


@subcommand("drain", flags=(
    DRY_RUN_FLAG, SELECTOR_FLAG,
    Flag("chunk-size", kind="int", default=500),
    Flag("delete-emptydir-data", kind="bool", default=False),
    Flag("delete-local-data", kind="bool", default=False),
    Flag("disable-eviction", kind="bool", default=False),
    Flag("force", kind="bool", default=False),
    Flag("grace-period", kind="int", default=-1),
    Flag("ignore-daemonsets", kind="bool", default=False),
    Flag("pod-selector", default=""),
    Flag("skip-wait-for-delete-timeout", kind="int", default=0),
    Flag("timeout", default="0s"),
))
def drain(inv: Invocation, parsed: Parsed) -> int:
    try:
        drainer = Drainer(inv, parsed, "none")
    except FlagValueError as exc:
        inv.err(f"Error: {exc}\nSee 'kubectl drain --help' for usage.\n")
        return 1
    strategy = inv.dry_run()
    drainer.strategy = strategy
    if drainer.pod_selector:
        try:
            parse_selector(drainer.pod_selector)
        except Exception:
            raise KubectlError("--pod-selector=<pod_selector> must be a valid label selector") from None
    if parsed.changed("delete-local-data"):
        inv.warnings.append("Flag --delete-local-data has been deprecated, This option is deprecated and will be "
                            "deleted. Use --delete-emptydir-data.")
    nodes = _nodes(inv, parsed, "drain NODE")
    cordon_nodes(inv, nodes, True, strategy)
    fatal: list[str] = []
    remaining: list[str] = []
    for node in nodes:
        name = node["metadata"]["name"]
        try:
            err = _drain_node(inv, drainer, name, strategy)
        except Interrupted:
            return 130
        if err is None:
            inv.out(f"node/{name} drained{_suffix(strategy)}\n")
            continue
        inv.err(f'error: unable to drain node "{name}" due to error: {err}, continuing command...\n')
        fatal.append(err)
        remaining.append(name)
    if remaining:
        inv.err("There are pending nodes to be drained:\n" + "".join(f" {n}\n" for n in remaining))
        message = fatal[0] if len(fatal) == 1 else "[" + ", ".join(fatal) + "]"
        raise KubectlError(message)
    return 0


def _drain_node(inv: Invocation, drainer: Drainer, name: str, strategy: str) -> str | None:
    """deleteOrEvictPodsSimple."""
    items, errs = drainer.pods_for_deletion(name)
    if errs:
        return errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
    warnings = drainer.warnings(items)
    if warnings:
        inv.err(f"Warning: {warnings}\n")
    pods = [pod for pod, _, _, delete in items if delete]
    if strategy == "client":
        for pod in pods:
            inv.out(f"evicting pod {_ns_name(pod)} (dry run)\n")
        return None
    if strategy == "server":
        for pod in pods:
            inv.out(f"evicting pod {_ns_name(pod)}\n")
        return None
    err = drainer.delete_or_evict(pods)
    if err is None:
        return None
    if err == "interrupted":
        raise Interrupted()
    left, _ = drainer.pods_for_deletion(name)
    left_pods = [pod for pod, _, _, delete in left if delete]
    if left_pods:
        inv.err(f'There are pending pods in node "{name}" when an error occurred: {err}\n')
        for pod in left_pods:
            inv.err(f"pod/{pod['metadata']['name']}\n")
    return err
