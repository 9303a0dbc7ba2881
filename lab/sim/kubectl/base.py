"""What every kubectl subcommand shares: the invocation, its flags and the
resource builder (cli-runtime's resource.Builder) that turns `TYPE NAME`,
`TYPE/NAME`, `TYPE1,TYPE2` and `-f FILE` arguments into targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..api import resources
from ..api.resources import Resource
from .errors import KubectlError, UsageError
from .flags import GLOBAL_FLAGS, Flag, Parsed

SubcommandFn = Callable[["Invocation", Parsed], int]


@dataclass(frozen=True)
class Subcommand:
    name: str
    fn: SubcommandFn
    flags: tuple[Flag, ...]
    aliases: tuple[str, ...] = ()
    #: path used in "See 'kubectl <path> --help' for usage."
    path: str = ""


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, flags: tuple[Flag, ...] | list[Flag] = (), aliases: tuple[str, ...] = (),
               path: str = "") -> Callable[[SubcommandFn], SubcommandFn]:
    """Register `kubectl <name>`; global flags are added to its own."""
    def wrap(fn: SubcommandFn) -> SubcommandFn:
        cmd = Subcommand(name, fn, tuple(flags) + GLOBAL_FLAGS, aliases, path or name)
        SUBCOMMANDS[name] = cmd
        for alias in aliases:
            SUBCOMMANDS[alias] = cmd
        return fn
    return wrap


# Flags several commands share (cmdutil.AddFilenameOptionFlags, AddDryRunFlag ...).
FILENAME_FLAGS = (
    Flag("filename", "f", kind="slice", default=[]),
    Flag("recursive", "R", kind="bool", default=False),
    Flag("kustomize", "k"),
)
OUTPUT_FLAG = Flag("output", "o", default="")
DRY_RUN_FLAG = Flag("dry-run", default="none", no_opt_default="unchanged")
SELECTOR_FLAG = Flag("selector", "l", default="")
PRINT_FLAGS = (
    OUTPUT_FLAG,
    Flag("template", default=""),
    Flag("show-managed-fields", kind="bool", default=False),
    Flag("allow-missing-template-keys", kind="bool", default=True),
)
VALIDATE_FLAG = Flag("validate", default="strict", no_opt_default="strict")
FIELD_MANAGER_FLAG = Flag("field-manager", default="kubectl")


@dataclass
class FileObject:
    """One object read from a manifest, with where it came from."""

    obj: dict[str, Any]
    source: str
    resource: Resource


@dataclass
class Target:
    """One thing a command acts on: a type, and a name or None for all."""

    resource: Resource
    name: str | None = None
    obj: dict[str, Any] | None = None
    source: str = ""


@dataclass
class Invocation:
    """One run of kubectl: the shell context, the world and the parsed global flags."""

    ctx: Any
    command: Subcommand
    parsed: Parsed
    warnings: list[str] = field(default_factory=list)

    @property
    def world(self) -> Any:
        return self.ctx.world

    @property
    def api(self) -> Any:
        return self.ctx.world.api

    @property
    def namespace(self) -> str:
        return self.parsed.get("namespace") or "default"

    @property
    def namespace_explicit(self) -> bool:
        return bool(self.parsed.get("namespace"))

    def out(self, text: str) -> None:
        self.ctx.out(text)

    def err(self, text: str) -> None:
        self.ctx.err(text)

    @property
    def usage_hint(self) -> str:
        return f"See 'kubectl {self.command.path} -h' for help and examples"

    def usage_error(self, message: str) -> UsageError:
        return UsageError(message, self.usage_hint)

    # -- dry run -------------------------------------------------------------
    def dry_run(self) -> str:
        """none, client or server (cmdutil.GetDryRunStrategy)."""
        value = self.parsed.get("dry-run", "none") or "none"
        if value == "unchanged":
            self.warnings.append("W1201 --dry-run is deprecated and can be replaced with --dry-run=client.")
            return "client"
        if value in ("none", "client", "server"):
            return value
        if value in ("false",):
            return "none"
        if value in ("true",):
            return "client"
        raise KubectlError(f'Invalid dry-run value ({value}). Must be "none", "server", or "client".')

    # -- reading manifests ---------------------------------------------------
    def read_file(self, path: str) -> tuple[str, str]:
        """(text, source name) of `-f PATH`; `-` reads standard input."""
        if path == "-":
            return self.ctx.stdin, "STDIN"
        fs = self.ctx.fs
        resolved = self.ctx.resolve(path)
        if not fs.exists(resolved):
            raise KubectlError(f'the path "{path}" does not exist')
        return fs.read(resolved), path

    def manifest_paths(self, paths: list[str], recursive: bool) -> list[str]:
        out: list[str] = []
        fs = self.ctx.fs
        for path in paths:
            if path == "-":
                out.append(path)
                continue
            resolved = self.ctx.resolve(path)
            if not fs.exists(resolved):
                raise KubectlError(f'the path "{path}" does not exist')
            if fs.isdir(resolved):
                for name in fs.listdir(resolved):
                    child = (path.rstrip("/") + "/" + name)
                    child_resolved = resolved.rstrip("/") + "/" + name
                    if fs.isdir(child_resolved):
                        if recursive:
                            out.extend(self.manifest_paths([child], True))
                    elif name.endswith((".yaml", ".yml", ".json")):
                        out.append(child)
            else:
                out.append(path)
        return out

    def file_objects(self, paths: list[str], recursive: bool = False) -> list[FileObject]:
        """Decode every object of the given files, as kubectl's builder does."""
        from ..api.decode import DecodeError, split_documents

        result: list[FileObject] = []
        for path in self.manifest_paths(paths, recursive):
            text, source = self.read_file(path)
            try:
                docs = split_documents(text, source)
            except DecodeError as exc:
                raise KubectlError(exc.message) from exc
            for doc in docs:
                obj = doc.obj if hasattr(doc, "obj") else doc
                res = resources.by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
                if res is None:
                    raise KubectlError(_no_match_message(obj, source))
                result.append(FileObject(obj, source, res))
        if not result and paths:
            raise KubectlError("no objects passed to " + self.command.name)
        return result

    # -- type/name arguments -------------------------------------------------
    def resolve_type(self, text: str) -> Resource:
        res = resources.resolve(text)
        if res is None:
            raise KubectlError(f'the server doesn\'t have a resource type "{text}"')
        return res

    def targets(self, args: list[str]) -> list[Target]:
        """`TYPE`, `TYPE NAME...`, `TYPE/NAME...`, `TYPE1,TYPE2 [NAME...]`."""
        if not args:
            return []
        slash = [a for a in args if "/" in a]
        if slash:
            if len(slash) != len(args):
                raise KubectlError(
                    "there is no need to specify a resource type as a separate argument when passing "
                    "arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead "
                    "of 'kubectl get resource resource/<resource_name>'")
            out = []
            for arg in args:
                type_text, _, name = arg.partition("/")
                if not name:
                    raise KubectlError(f"arguments in resource/name form must have a single resource and name")
                out.append(Target(self.resolve_type(type_text), name))
            return out
        types = [self.resolve_type(t) for t in args[0].split(",") if t]
        names = args[1:]
        if names:
            return [Target(t, n) for t in types for n in names]
        return [Target(t, None) for t in types]


def _no_match_message(obj: dict[str, Any], source: str) -> str:
    meta = obj.get("metadata") or {}
    api_version = obj.get("apiVersion", "")
    return (f'resource mapping not found for name: "{meta.get("name", "")}" namespace: '
            f'"{meta.get("namespace", "")}" from "{source}": no matches for kind "{obj.get("kind", "")}" '
            f'in version "{api_version}"\nensure CRDs are installed first')
