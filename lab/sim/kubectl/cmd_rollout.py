"""`kubectl rollout status|history|undo|restart|pause|resume` for Deployments (kubectl 1.32).

DaemonSets support status (DaemonSetStatusViewer) and restart too, as in kubectl.

status watches the Deployment and prints DeploymentStatusViewer's line for
every version it sees (so a line may repeat, as with the real watch) until
the rollout is done; the lab's clock is moved forward timer by timer while
it waits. history reads the revisions off the ReplicaSets; undo patches the
chosen revision's template back (DeploymentRollbacker); restart sets the
`kubectl.kubernetes.io/restartedAt` template annotation from the lab's clock;
pause/resume flip spec.paused.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from ..api.errors import StatusError
from ..api.resources import Resource
from ..controllers.podtemplate import HASH_LABEL, controller_of, equal_ignore_hash, revision
from .base import FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, DRY_RUN_FLAG, Invocation, subcommand
from .cmd_delete import FlagValueError, parse_duration
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import print_result
from .tabwriter import TabWriter

REQUIRED = "required resource not specified"
CHANGE_CAUSE = "kubernetes.io/change-cause"
ANNOTATIONS_TO_SKIP = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
                       "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
                       "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to")
#: SIMPLIFICATION: `--timeout=0` (wait forever) stops after this much lab time
FOREVER = 24 * 3600.0
MAX_STEPS = 20000
FIELD_MANAGER = Flag("field-manager", default="kubectl-rollout")


# -- shared ------------------------------------------------------------------------

def _objects(inv: Invocation, parsed: Parsed, verb: str) -> list[tuple[Resource, dict[str, Any]]]:
    files = [f for f in parsed.get("filename") or [] if f]
    out: list[tuple[Resource, dict[str, Any]]] = []
    if files:
        for fo in inv.file_objects(files, bool(parsed.get("recursive"))):
            ns = (fo.obj.get("metadata") or {}).get("namespace") or inv.namespace
            out.append((fo.resource, inv.api.get(fo.resource, fo.obj["metadata"]["name"], namespace=ns)))
        return out
    if not parsed.args:
        raise KubectlError(REQUIRED)
    selector = parsed.get("selector") or ""
    for target in inv.targets(parsed.args):
        if target.name is not None:
            out.append((target.resource, inv.api.get(target.resource, target.name, namespace=inv.namespace)))
        elif selector:
            for obj in inv.api.list(target.resource, namespace=inv.namespace, label_selector=selector):
                out.append((target.resource, obj))
        else:
            raise KubectlError("resource(s) were provided, but no name was specified")
    return out


def _resource_string(res: Resource) -> str:
    return f"{res.plural}.{res.group}" if res.group else res.plural


def _check_kind(res: Resource, what: str, kinds: tuple[str, ...] = ("Deployment",)) -> None:
    if res.kind not in kinds:
        raise KubectlError(f"no {what} has been implemented for {res.kind}")


def deployment_replicasets(world: Any, d: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """deploymentutil.GetAllReplicaSets: (old ReplicaSets, the new one or None)."""
    ns = d["metadata"].get("namespace", "default")
    owned = []
    for rs in world.api.list("replicasets", namespace=ns):
        ref = controller_of(rs)
        if ref is not None and ref.get("uid") == d["metadata"]["uid"]:
            owned.append(rs)
    owned.sort(key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"]))
    template = (d.get("spec") or {}).get("template")
    new = next((rs for rs in owned if equal_ignore_hash(rs["spec"].get("template"), template)), None)
    olds = [rs for rs in owned if rs is not new]
    return olds, new


def status_line(d: dict[str, Any], want_revision: int = 0) -> tuple[str, bool]:
    """DeploymentStatusViewer.Status: (message, done); raises on a failed rollout."""
    name = d["metadata"]["name"]
    if want_revision > 0:
        current = revision(d) or 0
        if want_revision != current:
            raise KubectlError(f"desired revision ({want_revision}) is different from the running revision ({current})")
    status = d.get("status") or {}
    spec = d.get("spec") or {}

    def g(k: str) -> int:
        return int(status.get(k) or 0)
    if int(d["metadata"].get("generation") or 0) <= g("observedGeneration"):
        for cond in status.get("conditions") or []:
            if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
                raise KubectlError(f'deployment "{name}" exceeded its progress deadline')
        replicas = spec.get("replicas")
        if replicas is not None and g("updatedReplicas") < replicas:
            return (f'Waiting for deployment "{name}" rollout to finish: {g("updatedReplicas")} out of {replicas} '
                    f"new replicas have been updated...\n", False)
        if g("replicas") > g("updatedReplicas"):
            return (f'Waiting for deployment "{name}" rollout to finish: {g("replicas") - g("updatedReplicas")} '
                    f"old replicas are pending termination...\n", False)
        if g("availableReplicas") < g("updatedReplicas"):
            return (f'Waiting for deployment "{name}" rollout to finish: {g("availableReplicas")} of '
                    f'{g("updatedReplicas")} updated replicas are available...\n', False)
        return f'deployment "{name}" successfully rolled out\n', True
    return "Waiting for deployment spec update to be observed...\n", False


def daemonset_status_line(ds: dict[str, Any]) -> tuple[str, bool]:
    """DaemonSetStatusViewer.Status: (message, done); raises for a non-RollingUpdate strategy."""
    name = ds["metadata"]["name"]
    strategy = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type") or "RollingUpdate"
    if strategy != "RollingUpdate":
        raise KubectlError("rollout status is only available for RollingUpdate strategy type")
    status = ds.get("status") or {}

    def g(k: str) -> int:
        return int(status.get(k) or 0)
    if int(ds["metadata"].get("generation") or 0) <= g("observedGeneration"):
        desired = g("desiredNumberScheduled")
        if g("updatedNumberScheduled") < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {g("updatedNumberScheduled")} out of '
                    f"{desired} new pods have been updated...\n", False)
        if g("numberAvailable") < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {g("numberAvailable")} of {desired} '
                    "updated pods are available...\n", False)
        return f'daemon set "{name}" successfully rolled out\n', True
    return "Waiting for daemon set spec update to be observed...\n", False


def wait_until(inv: Invocation, done: Any, timeout: float) -> bool:
    """Move the lab's clock timer by timer until `done()` or the timeout; True when done."""
    world = inv.world
    clock = world.clock
    deadline = clock.elapsed + (timeout if timeout > 0 else FOREVER)
    world.settle()
    for _ in range(MAX_STEPS):
        if done():
            return True
        interrupted = getattr(inv.ctx, "interrupted", None)
        if interrupted is not None and interrupted():
            # Ctrl-C kills kubectl while it watches: no message, the shell's status 130.
            from ..shell.interp import Interrupted

            raise Interrupted()
        due = world.next_event_time()
        if due is None or due > deadline:
            world.wait(max(0.0, deadline - clock.elapsed))
            if interrupted is not None and interrupted():
                continue
            return bool(done())
        world.wait_step()
    return bool(done())


# -- rollout -----------------------------------------------------------------------

@subcommand("rollout")
def rollout(inv: Invocation, parsed: Parsed) -> int:
    from .command import help_text

    if parsed.args:
        raise inv.usage_error(f'unknown command "{" ".join(parsed.args)}"')
    inv.out(help_text("rollout") or "")
    return 0


@subcommand("rollout status", flags=FILENAME_FLAGS + (
    SELECTOR_FLAG,
    Flag("revision", kind="int", default=0),
    Flag("timeout", default="0s"),
    Flag("watch", "w", kind="bool", default=True),
), path="rollout status")
def rollout_status(inv: Invocation, parsed: Parsed) -> int:
    try:
        timeout = parse_duration(parsed.get("timeout") or "0s")
    except FlagValueError as exc:
        inv.err(f"Error: {exc}\nSee 'kubectl rollout status --help' for usage.\n")
        return 1
    objects = _objects(inv, parsed, "status")
    if len(objects) != 1 and not parsed.get("selector"):
        if len(objects) > 1:
            raise KubectlError("rollout status is only supported on individual resources and resource collections, "
                               f"but {len(objects)} resources were found")
    for res, obj in objects:
        _check_kind(res, "status viewer", ("Deployment", "DaemonSet"))
        status = _watch_status(inv, res, obj, parsed, timeout)
        if status:
            return status
    return 0


def _watch_status(inv: Invocation, res: Resource, obj: dict[str, Any], parsed: Parsed, timeout: float) -> int:
    meta = obj["metadata"]
    ns, name = meta.get("namespace", "default"), meta["name"]
    want = int(parsed.get("revision") or 0)
    if want < 0:
        raise KubectlError(f"revision must be a positive integer: {want}")
    seen: list[Any] = []
    unsubscribe = inv.world.store.subscribe(
        lambda ev: seen.append(ev) if ev.resource == res.group_resource and
        ev.object["metadata"].get("namespace") == ns and ev.object["metadata"]["name"] == name else None)
    state = {"done": False, "error": None}

    def show(current: dict[str, Any]) -> None:
        try:
            if res.kind == "DaemonSet":
                # DaemonSetStatusViewer ignores --revision.
                line, finished = daemonset_status_line(current)
            else:
                line, finished = status_line(current, want)
        except KubectlError as exc:
            state["error"] = exc
            state["done"] = True
            return
        inv.out(line)
        if finished or not parsed.get("watch"):
            state["done"] = True

    try:
        show(obj)

        def check() -> bool:
            while seen and not state["done"]:
                ev = seen.pop(0)
                if ev.type == "DELETED":
                    state["error"] = KubectlError("object has been deleted")
                    state["done"] = True
                    break
                show(ev.object)
            return bool(state["done"])

        finished = wait_until(inv, check, timeout)
    finally:
        unsubscribe()
    if state["error"] is not None:
        raise state["error"]
    if not finished:
        raise KubectlError("timed out waiting for the condition")
    return 0


# -- history -----------------------------------------------------------------------

@subcommand("rollout history", flags=PRINT_FLAGS + FILENAME_FLAGS + (
    SELECTOR_FLAG,
    Flag("revision", kind="int", default=0),
), path="rollout history")
def rollout_history(inv: Invocation, parsed: Parsed) -> int:
    objects = _objects(inv, parsed, "history")
    want = int(parsed.get("revision") or 0)
    if want < 0:
        raise KubectlError(f"revision must be a positive integer: {want}")
    for res, d in objects:
        _check_kind(res, "history viewer")
        olds, new = deployment_replicasets(inv.world, d)
        history: dict[int, dict[str, Any]] = {}
        for rs in olds + ([new] if new is not None else []):
            rev = revision(rs)
            if rev is None:
                continue
            template = copy.deepcopy(rs["spec"].get("template") or {})
            cause = (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE, "")
            if cause:
                template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = cause
            history[rev] = template
        if not history:
            text = "No rollout history found."
        elif want > 0:
            if want not in history:
                raise KubectlError("unable to find the specified revision")
            from .describe import PrefixWriter, describe_pod_template
            w = PrefixWriter()
            describe_pod_template(history[want], w)
            text = w.getvalue()
        else:
            tw = TabWriter(minwidth=0, tabwidth=8, padding=2, flags=0)
            tw.write("REVISION\tCHANGE-CAUSE\n")
            for rev in sorted(history):
                cause = ((history[rev].get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE) or "<none>"
                tw.write(f"{rev}\t{cause}\n")
            tw.flush()
            text = tw.getvalue()
        with_revision = f"with revision #{want}" if want > 0 else ""
        inv.out(f"{res.kind_prefix}/{d['metadata']['name']} {with_revision}\n{text}\n")
    return 0


# -- undo --------------------------------------------------------------------------

@subcommand("rollout undo", flags=PRINT_FLAGS + FILENAME_FLAGS + (
    SELECTOR_FLAG, DRY_RUN_FLAG,
    Flag("to-revision", kind="int", default=0),
), path="rollout undo")
def rollout_undo(inv: Invocation, parsed: Parsed) -> int:
    strategy = inv.dry_run()
    to_revision = int(parsed.get("to-revision") or 0)
    for res, d in _objects(inv, parsed, "undo"):
        _check_kind(res, "rollbacker")
        result = _rollback(inv, d, to_revision, strategy)
        print_result(inv, d, res, result, strategy)
    return 0


def _rollback(inv: Invocation, d: dict[str, Any], to_revision: int, strategy: str) -> str:
    """DeploymentRollbacker.Rollback."""
    if to_revision < 0:
        raise KubectlError(f"unable to find specified revision {to_revision} in history")
    olds, new = deployment_replicasets(inv.world, d)
    target = None
    if to_revision > 0:
        for rs in olds + ([new] if new is not None else []):
            if revision(rs) == to_revision:
                target = rs
                break
        if target is None:
            raise KubectlError(f"unable to find specified revision {to_revision} in history")
    else:
        latest, latest_rev, previous, previous_rev = None, -1, None, -1
        for rs in olds + ([new] if new is not None else []):
            rev = revision(rs)
            if rev is None:
                continue
            if latest_rev < rev:
                previous, previous_rev = latest, latest_rev
                latest, latest_rev = rs, rev
            elif previous_rev < rev:
                previous, previous_rev = rs, rev
        if previous is None:
            raise KubectlError(f'no rollout history found for deployment "{d["metadata"]["name"]}"')
        target = previous
    if (d.get("spec") or {}).get("paused"):
        raise KubectlError("you cannot rollback a paused deployment; resume it first with "
                           "'kubectl rollout resume' and try again")
    if equal_ignore_hash(target["spec"].get("template"), (d.get("spec") or {}).get("template")):
        return f"skipped rollback (current template already matches revision {to_revision})"
    template = copy.deepcopy(target["spec"]["template"])
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    annotations: dict[str, str] = {}
    current = d["metadata"].get("annotations") or {}
    for k in ANNOTATIONS_TO_SKIP:
        if k in current:
            annotations[k] = current[k]
    for k, v in (target["metadata"].get("annotations") or {}).items():
        if k not in ANNOTATIONS_TO_SKIP:
            annotations[k] = v
    patch = [{"op": "replace", "path": "/spec/template", "value": template},
             {"op": "replace", "path": "/metadata/annotations", "value": annotations}]
    if strategy == "client":
        return "rolled back"
    try:
        inv.api.patch("deployments", d["metadata"]["name"], patch, "json", namespace=d["metadata"].get("namespace"),
                      dry_run=(strategy == "server"))
    except StatusError as exc:
        raise KubectlError(f"failed restoring revision {to_revision}: {exc.message}") from None
    return "rolled back"


# -- restart / pause / resume --------------------------------------------------------

def _patch_each(inv: Invocation, parsed: Parsed, verb: str, make_patch: Any,
                kinds: tuple[str, ...] = ("Deployment",)) -> int:
    strategy = inv.dry_run() if "dry-run" in parsed.values else "none"
    errors: list[str] = []
    for res, d in _objects(inv, parsed, verb):
        name = d["metadata"]["name"]
        if res.kind not in kinds:
            errors.append(f"error: {_resource_string(res)} {json.dumps(name)} {verb} is not supported")
            continue
        try:
            patch = make_patch(d)
        except ValueError as exc:
            errors.append(f"error: {_resource_string(res)} {json.dumps(name)} {exc}")
            continue
        if patch is None:
            print_result(inv, d, res, f"already {verb}d" if verb != "restart" else "restarted", strategy)
            continue
        if strategy != "client":
            d = inv.api.patch(res, name, patch, "strategic", namespace=d["metadata"].get("namespace"),
                              dry_run=(strategy == "server"))
        print_result(inv, d, res, {"pause": "paused", "resume": "resumed", "restart": "restarted"}[verb], strategy)
    if errors:
        raise KubectlError("\n".join(errors))
    return 0


@subcommand("rollout restart", flags=PRINT_FLAGS + FILENAME_FLAGS + (SELECTOR_FLAG, DRY_RUN_FLAG, FIELD_MANAGER),
            path="rollout restart")
def rollout_restart(inv: Invocation, parsed: Parsed) -> int:
    def make(d: dict[str, Any]) -> dict[str, Any]:
        # A DaemonSet has no spec.paused: only a Deployment can refuse.
        if (d.get("spec") or {}).get("paused"):
            raise ValueError("can't restart paused deployment (run rollout resume first)")
        stamp = inv.world.clock.timestamp()
        return {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}}
    return _patch_each(inv, parsed, "restart", make, ("Deployment", "DaemonSet"))


@subcommand("rollout pause", flags=PRINT_FLAGS + FILENAME_FLAGS + (SELECTOR_FLAG, FIELD_MANAGER),
            path="rollout pause")
def rollout_pause(inv: Invocation, parsed: Parsed) -> int:
    def make(d: dict[str, Any]) -> dict[str, Any]:
        if (d.get("spec") or {}).get("paused"):
            raise ValueError("is already paused")
        return {"spec": {"paused": True}}
    return _patch_each(inv, parsed, "pause", make)


@subcommand("rollout resume", flags=PRINT_FLAGS + FILENAME_FLAGS + (SELECTOR_FLAG, FIELD_MANAGER),
            path="rollout resume")
def rollout_resume(inv: Invocation, parsed: Parsed) -> int:
    def make(d: dict[str, Any]) -> dict[str, Any]:
        if not (d.get("spec") or {}).get("paused"):
            raise ValueError("is not paused")
        return {"spec": {"paused": None}}
    return _patch_each(inv, parsed, "resume", make)
