"""The lab page's files: each host's file system as a tree, a file's text,
saving it, and live lint of an editor's text (JSON endpoints, documented in
docs/protocol.md, "Files and lint").

    GET  /lab/<name>/files/                         every host's files and directories
    GET  /lab/<name>/files/<host>/?path=/root/a.yml one file's text
    PUT  /lab/<name>/files/<host>/?path=/root/a.yml {"content": "..."}: write it (creates it)
    POST /lab/<name>/lint/                          {"text": "...", "path": "/root/a.yml"}: diagnostics

Only the browser session that owns the lab may use them; another visitor
gets 404, as for a lab that does not exist. Writes are CSRF-protected (the
X-CSRFToken header; the tree's GET sets the cookie). The files are the
hosts' own (the World's HostFS, stored as HostFile rows): what `cat`, `ls`
and `kubectl apply -f` see. A write goes through the World like a command:
one transaction, the lab's revision guard, the virtual clock's mtime; when
a runner holds the lab (lab.labs.runner: someone watches it), the write is
sent to it over the channel layer, so its World in memory, which the next
`kubectl apply -f` reads, has the file.
"""
from __future__ import annotations

import asyncio
import json
import posixpath

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lab.labs import broadcast, lease
from lab.labs.ownership import lab_for_visitor
from lab.labs.lint import lint_text
from lab.labs.models import HostFile, Lab
from lab.labs.persistence import LabConflict, load_world, save_world
from lab.sim.fs import FSError

#: the largest file the editor writes (bytes of UTF-8); a manifest is far smaller
MAX_FILE_BYTES = 1 << 20
#: paths under these are the system's, not the learner's: not listed
HIDDEN_DIRS = ("/proc", "/dev")
RETRIES = 3
#: how long a save waits for the lab's runner before writing to the stored lab itself
RUNNER_SECONDS = 10.0


def _error(status: int, reason: str, message: str) -> JsonResponse:
    return JsonResponse({"error": reason, "message": message}, status=status)


def _owned_lab(request: HttpRequest, name: str) -> Lab | None:
    return lab_for_visitor(request, name)


def _json_body(request: HttpRequest) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _clean_path(path: str) -> str | None:
    """An absolute, normalised path, or None when it is not one."""
    if not path.startswith("/") or "\x00" in path:
        return None
    return posixpath.normpath(path).replace("//", "/")


def _hidden(path: str) -> bool:
    return any(path == d or path.startswith(d + "/") for d in HIDDEN_DIRS)


def host_tree(lab: Lab) -> list[dict]:
    """[{"name": host, "entries": [{"path", "dir", "size", "mtime"}, ...]}] in path order,
    read from the stored rows (no World is loaded)."""
    hosts: dict[str, list[dict]] = {}
    rows = HostFile.objects.filter(lab=lab).values_list("host", "path", "content", "meta")
    for host, path, content, meta in sorted(rows, key=lambda r: (r[0], r[1])):
        if _hidden(path) or path == "/":
            hosts.setdefault(host, [])
            continue
        is_dir = content is None
        hosts.setdefault(host, []).append({
            "path": path, "dir": is_dir, "size": 0 if is_dir else len(content.encode()),
            "mtime": (meta or {}).get("mtime", 0)})
    return [{"name": host, "entries": entries} for host, entries in hosts.items()]


@require_GET
@ensure_csrf_cookie
def tree(request: HttpRequest, name: str) -> JsonResponse:
    lab = _owned_lab(request, name)
    if lab is None:
        return _error(404, "no-lab", f"this session owns no lab named {name!r}")
    return JsonResponse({"lab": lab.name, "home": "/root", "hosts": host_tree(lab)})


@require_http_methods(["GET", "PUT"])
def host_file(request: HttpRequest, name: str, host: str) -> JsonResponse:
    """GET: the file's text; PUT {"content"}: write it (see the module docstring)."""
    lab = _owned_lab(request, name)
    if lab is None:
        return _error(404, "no-lab", f"this session owns no lab named {name!r}")
    path = _clean_path(request.GET.get("path", ""))
    if path is None:
        return _error(400, "bad-path", f"not an absolute path: {request.GET.get('path', '')!r}")
    if request.method == "GET":
        return _read(lab, host, path)
    body = _json_body(request)
    content = body.get("content") if body is not None else None
    if not isinstance(content, str):
        return _error(400, "bad-body", 'the body must be a JSON object with a string "content"')
    if len(content.encode()) > MAX_FILE_BYTES:
        return _error(413, "too-large", f"a file the editor writes holds at most {MAX_FILE_BYTES} bytes")
    return _write(lab, host, path, content)


def _read(lab: Lab, host: str, path: str) -> JsonResponse:
    row = HostFile.objects.filter(lab=lab, host=host, path=path).values("content", "meta").first()
    if row is None:
        if not HostFile.objects.filter(lab=lab, host=host).exists():
            return _error(404, "no-host", f"lab {lab.name!r} has no host {host!r}")
        return _error(404, "no-file", f"{path}: No such file or directory")
    if row["content"] is None:
        return _error(400, "is-dir", f"{path}: Is a directory")
    return JsonResponse({"host": host, "path": path, "content": row["content"],
                         "mtime": (row["meta"] or {}).get("mtime", 0)})


def write_in_world(world, host: str, path: str, content: str) -> dict:
    """Write `content` to `path` on `host` of `world` as an editor saves a
    file: the directory must exist. Returns the new entry; raises KeyError
    (no such host) or FSError (coreutils' words: `Is a directory` ...)."""
    fs = world.hosts[host].fs
    fs.write(path, content)
    node = fs.stat(path)
    return {"host": host, "path": path, "size": len(content.encode()), "mtime": node.mtime}


def write_reply(world, host: str, path: str, content: str) -> dict:
    """write_in_world as a JSON answer: {"ok": True, "entry"} or {"ok": False, "status", "error", "message"}."""
    try:
        return {"ok": True, "entry": write_in_world(world, host, path, content)}
    except KeyError:
        return {"ok": False, "status": 404, "error": "no-host", "message": f"the lab has no host {host!r}"}
    except FSError as exc:
        return {"ok": False, "status": 400, "error": "fs", "message": f"{exc.path}: {exc.strerror}"}


def _answer(reply: dict) -> JsonResponse:
    if reply.get("ok"):
        return JsonResponse(reply["entry"])
    return _error(reply["status"], reply["error"], reply["message"])


def _write(lab: Lab, host: str, path: str, content: str) -> JsonResponse:
    """Through the lab's runner when one holds the lab (its World is the
    live one), else straight into the stored lab."""
    if lease.holder_of(lab.pk) is not None:
        reply = _write_through_runner(lab, host, path, content)
        if reply is not None:
            return _answer(reply)
    for _ in range(RETRIES + 1):
        try:
            with transaction.atomic():
                world = load_world(lab)
                reply = write_reply(world, host, path, content)
                if reply.get("ok"):
                    save_world(lab, world, expected_revision=lab.revision)
            return _answer(reply)
        except LabConflict:
            continue
    return _error(409, "conflict", "the lab kept changing while the file was saved; save again")


def _write_through_runner(lab: Lab, host: str, path: str, content: str) -> dict | None:
    """Ask the runner (in whichever process) to write; None when it does not answer."""
    layer = get_channel_layer()

    async def ask() -> dict | None:
        channel = await layer.new_channel("files.")
        await layer.group_send(broadcast.runner_group(lab.pk), {
            "type": "runner.file_write", "reply_to": channel, "host": host, "path": path, "content": content})
        try:
            return await asyncio.wait_for(layer.receive(channel), RUNNER_SECONDS)
        except asyncio.TimeoutError:
            return None

    return async_to_sync(ask)()


@require_POST
def lint(request: HttpRequest, name: str) -> JsonResponse:
    """{"text", "path"} -> {"diagnostics": [Diagnostic.to_dict() ...]} (lab.labs.lint)."""
    lab = _owned_lab(request, name)
    if lab is None:
        return _error(404, "no-lab", f"this session owns no lab named {name!r}")
    body = _json_body(request)
    text = body.get("text") if body is not None else None
    if not isinstance(text, str):
        return _error(400, "bad-body", 'the body must be a JSON object with a string "text"')
    if len(text.encode()) > MAX_FILE_BYTES:
        return _error(413, "too-large", f"lint reads at most {MAX_FILE_BYTES} bytes")
    path = body.get("path") if isinstance(body.get("path"), str) else ""
    # The lab as stored, used and dropped: a dry run saves nothing.
    world = load_world(lab)
    diagnostics = lint_text(world, text, path)
    return JsonResponse({"diagnostics": [d.to_dict() for d in diagnostics]})
