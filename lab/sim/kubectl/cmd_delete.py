"""`kubectl delete`: by name, TYPE/NAME, -f, -l, --all, as kubectl 1.32 does.

Mirrors k8s.io/kubectl/pkg/cmd/delete (DeleteOptions.Complete, Validate,
DeleteResult, PrintObj): grace period and --now/--force rules, the
deprecated boolean --cascade values, one delete request per object
(NotFound for one name does not stop the others), `service "x" deleted`
(`force deleted` with a zero grace period), `No resources found` on
stdout for an empty selection, and --wait (the default) watching until
every deleted object is gone, which moves the lab's clock while pods
terminate gracefully.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..api import resources
from ..api.errors import StatusError
from ..api.resources import Resource
from .apply_patch import place_in_namespace, read_objects, render_aggregate
from .base import DRY_RUN_FLAG, FILENAME_FLAGS, SELECTOR_FLAG, Invocation, subcommand
from .errors import KubectlError, add_source
from .flags import Flag, Parsed

FLAGS = FILENAME_FLAGS + (
    DRY_RUN_FLAG,
    SELECTOR_FLAG,
    Flag("all", kind="bool", default=False),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("cascade", default="background", no_opt_default="background"),
    Flag("field-selector", default=""),
    Flag("force", kind="bool", default=False),
    Flag("grace-period", kind="int", default=-1),
    Flag("ignore-not-found", kind="bool", default=False),
    Flag("interactive", "i", kind="bool", default=False),
    Flag("now", kind="bool", default=False),
    Flag("output", "o", default=""),
    Flag("raw", default=""),
    Flag("timeout", default="0s"),
    Flag("wait", kind="bool", default=True),
)

MISSING_RESOURCE = (
    "You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n"
    "   '-f rsrc.yaml'\n"
    "   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n"
    "   '<resource>'")

FORCE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                 "terminated. The resource may continue to run on the cluster indefinitely.\n")

# The `all` category, in discovery order, restricted to the kinds the lab serves.
ALL_CATEGORY = ("pods", "services", "daemonsets.apps", "deployments.apps", "replicasets.apps")

# A week: how long `--timeout=0` waits (DeleteResult's effectiveTimeout).
FOREVER = 168 * 3600.0
# SIMPLIFICATION: a wait that no timer of the lab can end stops after this many steps.
MAX_WAIT_STEPS = 5000


@dataclass
class Item:
    resource: Resource
    name: str
    namespace: str | None
    source: str = ""


class FlagValueError(Exception):
    """A flag value pflag itself would reject (printed as `Error: ...` with the usage hint)."""


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """time.ParseDuration, in seconds."""
    body = text.lstrip("+-")
    if text in ("0", "+0", "-0"):
        return 0.0
    pos, total = 0, 0.0
    while pos < len(body):
        match = _DURATION_PART.match(body, pos)
        if not match:
            raise FlagValueError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not body:
        raise FlagValueError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
    return -total if text.startswith("-") else total


def cascading_strategy(inv: Invocation, value: str) -> str:
    """GetCascadingStrategy: background|foreground|orphan, and the deprecated true/false."""
    lowered = value.lower()
    if lowered in ("true", "false"):
        replacement = "background" if lowered == "true" else "orphan"
        inv.err(f"warning: --cascade={value} is deprecated (boolean value) and can be replaced with "
                f"--cascade={replacement}.\n")
        return "Background" if lowered == "true" else "Orphan"
    mapping = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}
    if lowered not in mapping:
        raise KubectlError(f'invalid cascade value ({value}). Must be "background", "foreground", or "orphan"')
    return mapping[lowered]


def kind_string(res: Resource) -> str:
    return f"{res.kind.lower()}.{res.group}" if res.group else res.kind.lower()


class Deleter:
    """DeleteOptions: the completed options of one delete run."""

    def __init__(self, inv: Invocation, parsed: Parsed):
        self.inv = inv
        self.parsed = parsed
        self.timeout = parse_duration(parsed.get("timeout") or "0s")
        self.cascade = cascading_strategy(inv, parsed.get("cascade") or "background")
        self.delete_all = bool(parsed.get("all"))
        self.selector = parsed.get("selector") or ""
        self.field_selector = parsed.get("field-selector") or ""
        self.all_namespaces = bool(parsed.get("all-namespaces"))
        self.ignore_not_found = bool(parsed.get("ignore-not-found"))
        if (self.delete_all or self.selector or self.field_selector) and not parsed.changed("ignore-not-found"):
            self.ignore_not_found = True
        self.force = bool(parsed.get("force"))
        self.grace = int(parsed.get("grace-period"))
        if parsed.get("now"):
            if self.grace != -1:
                raise KubectlError("--now and --grace-period cannot be specified together")
            self.grace = 1
        if self.grace == 0 and not self.force:
            # kubectl turns --grace-period=0 into 1 unless --force is given.
            self.grace = 1
        if self.force and self.grace < 0:
            self.grace = 0
        self.dry_run = inv.dry_run()
        self.output = parsed.get("output") or ""
        self.warn_cluster_scope = inv.namespace_explicit and not self.all_namespaces
        self.errors: list[Any] = []

    # -- the builder -----------------------------------------------------------
    def items(self) -> list[Item]:
        parsed, inv = self.parsed, self.inv
        args = list(parsed.args)
        paths = [p for p in parsed.get("filename") or [] if p]
        if self.delete_all and self.selector:
            raise KubectlError("setting 'all' parameter but found a non empty selector. ")
        if paths:
            if args:
                raise KubectlError("when paths, URLs, or stdin is provided as input, you may not specify "
                                   "resource arguments as well")
            return self._file_items(paths)
        tuples = [a for a in args if "/" in a]
        if tuples and len(tuples) != len(args):
            raise KubectlError(
                "there is no need to specify a resource type as a separate argument when passing arguments in "
                "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get "
                "resource resource/<resource_name>'")
        selecting = self.delete_all or bool(self.selector) or bool(self.field_selector)
        if selecting:
            if tuples:
                raise KubectlError("selectors and the all flag cannot be used when passing resource/name arguments")
            if not args:
                raise KubectlError("at least one resource must be specified to use a selector")
            types = self._types(args[0])
            if len(args) > 1:
                raise KubectlError("name cannot be provided when a selector is specified")
            return self._selected(types)
        if tuples:
            out = []
            for arg in tuples:
                type_text, _, name = arg.partition("/")
                if not name:
                    raise KubectlError("arguments in resource/name form must have a single resource and name")
                out.append(self._named(self._types(type_text)[0], name))
            return out
        if not args:
            raise KubectlError(MISSING_RESOURCE)
        types = self._types(args[0])
        if len(args) == 1:
            raise KubectlError("resource(s) were provided, but no name was specified")
        return [self._named(res, name) for res in types for name in args[1:]]

    def _types(self, text: str) -> list[Resource]:
        out: list[Resource] = []
        for part in [t for t in text.split(",") if t]:
            if part.lower() == "all":
                out.extend(resources.resolve(r) for r in ALL_CATEGORY)
                continue
            out.append(self.inv.resolve_type(part))
        return out

    def _named(self, res: Resource, name: str) -> Item:
        if res.namespaced and self.all_namespaces:
            raise KubectlError("a resource cannot be retrieved by name across all namespaces")
        return Item(res, name, self.inv.namespace if res.namespaced else None)

    def _selected(self, types: list[Resource]) -> list[Item]:
        out = []
        for res in types:
            ns = None if (self.all_namespaces or not res.namespaced) else self.inv.namespace
            for obj in self.inv.api.list(res, ns, label_selector=self.selector or None,
                                         field_selector=self.field_selector or None):
                meta = obj["metadata"]
                out.append(Item(res, meta["name"], meta.get("namespace") if res.namespaced else None))
        return out

    def _file_items(self, paths: list[str]) -> list[Item]:
        stream = read_objects(self.inv, paths, bool(self.parsed.get("recursive")), validate=False)
        out: list[Item | Exception] = []
        for fo in stream.objects:
            try:
                place_in_namespace(self.inv, fo)
            except KubectlError as exc:
                out.append(exc)
                continue
            meta = fo.obj.get("metadata") or {}
            out.append(Item(fo.resource, meta.get("name") or "", meta.get("namespace"), fo.source))
        self._decode_errors = list(stream.decode_errors)
        return out  # type: ignore[return-value]

    # -- validation --------------------------------------------------------------
    def validate(self) -> None:
        if self.output not in ("", "name"):
            raise KubectlError(f"unexpected -o output mode: {self.output}. We only support '-o name'")
        if self.delete_all and self.field_selector:
            raise KubectlError("cannot set --all and --field-selector at the same time")
        if self.grace == 0 and self.force:
            self.inv.err(FORCE_WARNING)
        elif self.grace > 0 and self.force:
            raise KubectlError("--force and --grace-period greater than 0 cannot be specified together")

    # -- DeleteResult ----------------------------------------------------------
    def print_item(self, item: Item) -> None:
        operation = "force deleted" if self.grace == 0 else "deleted"
        operation += {"client": " (dry run)", "server": " (server dry run)"}.get(self.dry_run, "")
        if self.output == "name":
            self.inv.out(f"{kind_string(item.resource)}/{item.name}\n")
            return
        self.inv.out(f'{kind_string(item.resource)} "{item.name}" {operation}\n')

    def run(self, items: list[Any]) -> int:
        found = 0
        deleted: list[tuple[Item, str]] = []
        errs: list[Any] = []
        warned = not self.warn_cluster_scope
        for item in items:
            if isinstance(item, Exception):
                errs.append(item)
                continue
            found += 1
            if not warned and not item.resource.namespaced:
                self.inv.err("Warning: deleting cluster-scoped resources, not scoped to the provided namespace\n")
                warned = True
            if self.dry_run == "client":
                self.print_item(item)
                continue
            try:
                gone = self.inv.api.delete(item.resource, item.name, item.namespace, propagation=self.cascade,
                                           grace_period=None if self.grace < 0 else self.grace,
                                           dry_run=(self.dry_run == "server"))
            except StatusError as exc:
                err = add_source("deleting", item.source, exc)
                if not (self.ignore_not_found and exc.reason == "NotFound"):
                    errs.append(err)
                continue
            self.print_item(item)
            deleted.append((item, (gone.get("metadata") or {}).get("uid", "")))
        errs.extend(getattr(self, "_decode_errors", []) and [self._decode_errors])
        if errs:
            self.inv.err(render_aggregate(errs))
            return 1
        if found == 0:
            self.inv.out("No resources found\n")
            return 0
        if not self.parsed.get("wait") or self.dry_run != "none" or not deleted:
            return 0
        return self.wait(deleted)

    # -- --wait ------------------------------------------------------------------
    def _still_there(self, item: Item, uid: str) -> bool:
        try:
            obj = self.inv.api.get(item.resource, item.name, item.namespace)
        except StatusError:
            return False
        return not uid or obj["metadata"].get("uid") == uid

    def wait(self, deleted: list[tuple[Item, str]]) -> int:
        """cmdwait with IsDeleted: let the lab's time run until every object is gone."""
        world = self.inv.world
        clock = world.clock
        deadline = clock.elapsed + (self.timeout if self.timeout > 0 else FOREVER)
        for item, uid in deleted:
            steps = 0
            while self._still_there(item, uid):
                interrupted = getattr(self.inv.ctx, "interrupted", None)
                if steps >= MAX_WAIT_STEPS or (interrupted is not None and interrupted()):
                    return 1
                steps += 1
                world.settle()  # let controllers react to the deletion before looking at the timers
                if not self._still_there(item, uid):
                    break
                due = world.next_event_time()
                if due is None or due > deadline:
                    world.wait(max(0.0, deadline - clock.elapsed))
                    if not self._still_there(item, uid):
                        break
                    raise KubectlError(f"timed out waiting for the condition on {item.resource.plural}/{item.name}")
                world.wait(max(0.0, due - clock.elapsed))
        return 0


@subcommand("delete", flags=FLAGS)
def delete(inv: Invocation, parsed: Parsed) -> int:
    try:
        deleter = Deleter(inv, parsed)
    except FlagValueError as exc:
        inv.err(f"Error: {exc}\nSee 'kubectl delete --help' for usage.\n")
        return 1
    if parsed.get("raw"):
        # SIMPLIFICATION: raw URIs are not served by the lab.
        raise KubectlError("--raw is not supported by this lab")
    items = deleter.items()
    deleter.validate()
    return deleter.run(items)
