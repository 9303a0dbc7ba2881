"""In-memory POSIX-like file system of one simulated host.

Learners edit manifests with here-documents, `sed -i` and the YAML editor;
the files live here so that `cat`, `ls`, `kubectl apply -f` and the editor
all see the same bytes. Errors carry the errno wording coreutils prints
("No such file or directory", "Is a directory" ...) so commands can render
`cat: x: No such file or directory` exactly.

SIMPLIFICATION: no symlinks, no permissions checks (everyone is root), no
hard links; every file belongs to root:root.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Callable, Iterator

ENOENT = "No such file or directory"
EISDIR = "Is a directory"
ENOTDIR = "Not a directory"
EEXIST = "File exists"
ENOTEMPTY = "Directory not empty"
EINVAL = "Invalid argument"
ENOSPC = "No space left on device"

HOME = "/root"


class FSError(OSError):
    """A failed file system call: `strerror` is the errno text, `path` the
    path as the caller spelled it (coreutils echo the operand back)."""

    def __init__(self, strerror: str, path: str):
        super().__init__(strerror)
        self.strerror = strerror
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.strerror}"


@dataclass
class Node:
    """A file or directory; `mtime` is seconds since the epoch (virtual)."""

    is_dir: bool
    content: str = ""
    mode: int = 0o644
    mtime: float = 0.0

    def to_state(self) -> dict:
        d: dict = {"dir": self.is_dir, "mode": self.mode, "mtime": self.mtime}
        if not self.is_dir:
            d["content"] = self.content
        return d

    @classmethod
    def from_state(cls, d: dict) -> "Node":
        return cls(is_dir=d["dir"], content=d.get("content", ""),
                   mode=d.get("mode", 0o755 if d["dir"] else 0o644),
                   mtime=d.get("mtime", 0.0))


DEFAULT_DIRS = ("/", "/root", "/etc", "/tmp", "/var", "/var/log", "/usr",
                "/usr/bin", "/usr/local", "/usr/local/bin", "/dev", "/home",
                "/opt", "/proc")


@dataclass
class HostFS:
    """Flat map of absolute normalized path -> Node. `clock` (not persisted)
    returns the virtual time used for mtimes; the owner injects it."""

    nodes: dict[str, Node] = field(default_factory=dict)
    clock: Callable[[], float] | None = field(default=None, repr=False, compare=False)
    #: characters of file content this host holds at most (the lab's
    #: max_disk_bytes; None: no limit); not persisted, the owner sets it
    capacity: int | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if "/" not in self.nodes:
            for d in DEFAULT_DIRS:
                self.nodes.setdefault(d, Node(is_dir=True, mode=0o755))
            self.nodes["/root"].mode = 0o550

    # ---- paths -------------------------------------------------------
    @staticmethod
    def resolve(path: str, cwd: str = HOME) -> str:
        """Absolute normalized path; `~` and `~/x` mean /root."""
        if path == "~" or path.startswith("~/"):
            path = HOME + path[1:]
        if not path.startswith("/"):
            path = posixpath.join(cwd or "/", path)
        norm = posixpath.normpath(path)
        if norm.startswith("//"):
            norm = "/" + norm.lstrip("/")
        return norm

    def _now(self) -> float:
        return float(self.clock()) if self.clock else 0.0

    def _lookup(self, path: str, cwd: str, shown: str | None = None) -> tuple[str, Node | None]:
        """Resolve and check every ancestor is a directory."""
        shown = path if shown is None else shown
        ap = self.resolve(path, cwd)
        # A trailing slash demands a directory ("cat f/" -> Not a directory).
        node = self.nodes.get(ap)
        # Walk ancestors: a file used as directory is ENOTDIR.
        cur = ap
        while cur != "/":
            cur = posixpath.dirname(cur)
            n = self.nodes.get(cur)
            if n is not None and not n.is_dir:
                raise FSError(ENOTDIR, shown)
        if node is not None and path.endswith("/") and not node.is_dir and len(path) > 1:
            raise FSError(ENOTDIR, shown)
        return ap, node

    # ---- queries -----------------------------------------------------
    def exists(self, path: str, cwd: str = HOME) -> bool:
        try:
            return self._lookup(path, cwd)[1] is not None
        except FSError:
            return False

    def isdir(self, path: str, cwd: str = HOME) -> bool:
        try:
            n = self._lookup(path, cwd)[1]
        except FSError:
            return False
        return n is not None and n.is_dir

    def isfile(self, path: str, cwd: str = HOME) -> bool:
        try:
            n = self._lookup(path, cwd)[1]
        except FSError:
            return False
        return n is not None and not n.is_dir

    def stat(self, path: str, cwd: str = HOME) -> Node:
        ap, n = self._lookup(path, cwd)
        if n is None:
            raise FSError(ENOENT, path)
        return n

    def read(self, path: str, cwd: str = HOME) -> str:
        n = self.stat(path, cwd)
        if n.is_dir:
            raise FSError(EISDIR, path)
        return n.content

    def listdir(self, path: str = "/", cwd: str = HOME) -> list[str]:
        """Names directly inside a directory, sorted bytewise."""
        ap, n = self._lookup(path, cwd)
        if n is None:
            raise FSError(ENOENT, path)
        if not n.is_dir:
            raise FSError(ENOTDIR, path)
        prefix = ap.rstrip("/") + "/"
        out = []
        for p in self.nodes:
            if p != ap and p.startswith(prefix) and "/" not in p[len(prefix):]:
                out.append(p[len(prefix):])
        return sorted(out)

    def walk(self, path: str, cwd: str = HOME) -> Iterator[str]:
        """Absolute paths at and below `path`, parents before children."""
        ap = self.resolve(path, cwd)
        prefix = ap.rstrip("/") + "/"
        for p in sorted(self.nodes):
            if p == ap or p.startswith(prefix):
                yield p

    # ---- changes -----------------------------------------------------
    def _parent_dir(self, ap: str, shown: str) -> None:
        parent = posixpath.dirname(ap)
        pn = self.nodes.get(parent)
        if pn is None:
            raise FSError(ENOENT, shown)
        if not pn.is_dir:
            raise FSError(ENOTDIR, shown)

    def write(self, path: str, content: str, cwd: str = HOME, append: bool = False) -> None:
        """Create or truncate (or append to) a regular file."""
        ap, n = self._lookup(path, cwd)
        if n is not None and n.is_dir:
            raise FSError(EISDIR, path)
        if path.endswith("/"):
            raise FSError(EISDIR, path)
        if self.capacity is not None:
            grows = len(content) - (0 if append or n is None else len(n.content))
            if grows > 0 and self.used() + grows > self.capacity:
                raise FSError(ENOSPC, path)
        if n is None:
            self._parent_dir(ap, path)
            n = self.nodes[ap] = Node(is_dir=False)
        n.content = (n.content + content) if append else content
        n.mtime = self._now()

    def used(self) -> int:
        """Characters of file content stored on this host."""
        return sum(len(n.content) for n in self.nodes.values() if not n.is_dir)

    def append(self, path: str, content: str, cwd: str = HOME) -> None:
        self.write(path, content, cwd, append=True)

    def touch(self, path: str, cwd: str = HOME) -> None:
        ap, n = self._lookup(path, cwd)
        if n is None:
            self.write(path, "", cwd)
        else:
            n.mtime = self._now()

    def mkdir(self, path: str, cwd: str = HOME, parents: bool = False) -> None:
        ap, n = self._lookup(path, cwd)
        if n is not None:
            if parents and n.is_dir:
                return
            raise FSError(EEXIST, path)
        if parents:
            parts = ap.strip("/").split("/")
            cur = ""
            for part in parts:
                cur += "/" + part
                c = self.nodes.get(cur)
                if c is None:
                    self.nodes[cur] = Node(is_dir=True, mode=0o755, mtime=self._now())
                elif not c.is_dir:
                    raise FSError(ENOTDIR, path)
            return
        self._parent_dir(ap, path)
        self.nodes[ap] = Node(is_dir=True, mode=0o755, mtime=self._now())

    def remove(self, path: str, cwd: str = HOME, recursive: bool = False) -> None:
        """Unlink a file; directories need `recursive` (rm -r) or must be
        empty when removed by rmdir()."""
        ap, n = self._lookup(path, cwd)
        if n is None:
            raise FSError(ENOENT, path)
        if n.is_dir:
            if not recursive:
                raise FSError(EISDIR, path)
            if ap == "/":
                raise FSError(EINVAL, path)
            for p in list(self.walk(ap)):
                del self.nodes[p]
            return
        del self.nodes[ap]

    def rmdir(self, path: str, cwd: str = HOME) -> None:
        ap, n = self._lookup(path, cwd)
        if n is None:
            raise FSError(ENOENT, path)
        if not n.is_dir:
            raise FSError(ENOTDIR, path)
        if self.listdir(ap):
            raise FSError(ENOTEMPTY, path)
        del self.nodes[ap]

    def rename(self, src: str, dst: str, cwd: str = HOME) -> None:
        """Move src to exactly dst (callers resolve "into directory")."""
        sap, sn = self._lookup(src, cwd)
        if sn is None:
            raise FSError(ENOENT, src)
        dap, dn = self._lookup(dst, cwd)
        if sap == dap:
            return
        if dn is not None and dn.is_dir and not sn.is_dir:
            raise FSError(EISDIR, dst)
        if sn.is_dir and (dap + "/").startswith(sap + "/"):
            raise FSError(EINVAL, dst)
        self._parent_dir(dap, dst)
        moved = {p: self.nodes.pop(p) for p in list(self.walk(sap))}
        if dn is not None:
            for p in list(self.walk(dap)):
                del self.nodes[p]
        for p, node in moved.items():
            self.nodes[dap + p[len(sap):]] = node

    # ---- persistence -------------------------------------------------
    def to_state(self) -> dict:
        return {"nodes": {p: n.to_state() for p, n in sorted(self.nodes.items())}}

    @classmethod
    def from_state(cls, state: dict) -> "HostFS":
        return cls(nodes={p: Node.from_state(d) for p, d in state["nodes"].items()})
