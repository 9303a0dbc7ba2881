"""`kubectl edit TYPE NAME`: the object as YAML in a temp file, an editor, then a patch (kubectl 1.32).

As editoptions.go does: the object is written under /tmp of the host
(`/tmp/kubectl-edit-<random>.yaml`) after the edit header, the editor from
$KUBE_EDITOR or $EDITOR (default `vi`) runs on it (through `$SHELL -c` when
the editor line holds quotes), comments are stripped, an unchanged file
cancels the edit, an empty one aborts it, and the change is sent as a
strategic merge patch. An invalid object reopens the file with the reasons
in its header; when the editor then changes nothing the edit stops and the
file is kept (`A copy of your changes has been stored to ...`).
When no such editor program exists and the terminal has an editor of its
own (the lab page's: ShellSession.editor, see shell/terminal.py), that one
opens the file instead.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from ..api.errors import StatusError
from ..api.patch import three_way_patch
from ..api.resources import Resource
from .base import FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, Invocation, subcommand
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import print_result

HEADER = ("# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
          "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
          "# reopened with the relevant failures.\n"
          "#\n")
NO_RESOURCES = ("You must provide one or more resources by argument or filename.\n"
                "Example resource specifications include:\n"
                "   '-f rsrc.yaml'\n"
                "   '--filename=rsrc.json'\n"
                "   '<resource> <name>'\n"
                "   '<resource>'")
DEFAULT_EDITOR = "vi"
MAX_PASSES = 20


class EditorError(Exception):
    pass


def editor_args(env: dict[str, str]) -> tuple[list[str], bool]:
    """editor.defaultEnvEditor: KUBE_EDITOR, EDITOR, else vi; quotes send it through the shell."""
    editor = ""
    for name in ("KUBE_EDITOR", "EDITOR"):
        editor = env.get(name, "")
        if editor:
            break
    if not editor:
        editor = DEFAULT_EDITOR
    if " " not in editor:
        return [editor], False
    if not any(c in editor for c in "\"'\\"):
        return editor.split(" "), False
    return [env.get("SHELL") or "/bin/bash", "-c", editor], True


def launch(inv: Invocation, path: str) -> None:
    """Editor.Launch: run the editor on the file; a missing editor or a failure is an error."""
    from ..shell.commands import COMMANDS

    args, shell = editor_args(inv.ctx.env)
    if shell:
        run = [args[0], args[1], f"{args[2]} {json.dumps(path)}"]
    else:
        run = args + [path]
    program = run[0].rsplit("/", 1)[-1]
    if program not in COMMANDS:
        page_editor = getattr(inv.ctx.session, "editor", None)
        if page_editor is None:
            raise EditorError(f'unable to launch the editor "{" ".join(args)}"')
        _edit_in_page(inv, page_editor, path)
        return
    status = inv.ctx.run_argv([program] + run[1:], stdin="")
    if status != 0:
        raise EditorError(f'there was a problem with the editor "{" ".join(args)}"')


def _edit_in_page(inv: Invocation, page_editor: Any, path: str) -> None:
    """The terminal's own editor (the lab page's YAML editor) stands for the
    editor program: it gets the file and returns the saved text, or None
    when closed without saving (the file stays as it was, as after `:q!`)."""
    fs = inv.ctx.fs
    edited = page_editor(path, fs.read(path))
    if edited is not None:
        fs.write(path, edited)


def strip_comments(text: str) -> str:
    """cmdutil.ManualStrip: lines whose first non-blank character is `#` (not `#!`) go."""
    lines = text.split("\n")
    out = []
    for line in lines:
        trimmed = line.strip()
        if trimmed.startswith("#") and not trimmed.startswith("#!"):
            continue
        out.append(line)
    return "\n".join(out)


def _temp_path(inv: Invocation) -> str:
    """os.CreateTemp("", "kubectl-edit-*.yaml"): a random number between prefix and suffix."""
    fs = inv.ctx.fs
    if not fs.isdir("/tmp"):
        fs.mkdir("/tmp", parents=True)
    while True:
        path = f"/tmp/kubectl-edit-{inv.world.random('kubectl').getrandbits(32)}.yaml"
        if not fs.exists(path):
            return path


def _resource_string(res: Resource) -> str:
    return f"{res.plural}.{res.group}" if res.group else res.plural


def _targets(inv: Invocation, parsed: Parsed) -> list[tuple[Resource, dict[str, Any]]]:
    files = [f for f in parsed.get("filename") or [] if f]
    out = []
    if files:
        for fo in inv.file_objects(files, bool(parsed.get("recursive"))):
            ns = (fo.obj.get("metadata") or {}).get("namespace") or inv.namespace
            out.append((fo.resource, inv.api.get(fo.resource, fo.obj["metadata"]["name"], namespace=ns)))
        return out
    if not parsed.args:
        raise KubectlError(NO_RESOURCES)
    for target in inv.targets(parsed.args):
        if target.name is not None:
            out.append((target.resource, inv.api.get(target.resource, target.name, namespace=inv.namespace)))
        else:
            selector = parsed.get("selector") or None
            out.extend((target.resource, o) for o in inv.api.list(target.resource, namespace=inv.namespace,
                                                                  label_selector=selector))
    return out


def _decode(text: str) -> dict[str, Any] | None:
    from ..api.decode import split_documents

    docs = split_documents(text, "edited file", validate=False)
    return docs[0] if docs else None


@subcommand("edit", flags=PRINT_FLAGS + FILENAME_FLAGS + (
    SELECTOR_FLAG,
    Flag("output-patch", kind="bool", default=False),
    Flag("windows-line-endings", kind="bool", default=False),
    Flag("save-config", kind="bool", default=False),
    Flag("validate", default="strict", no_opt_default="strict"),
    Flag("field-manager", default="kubectl-edit"),
    Flag("subresource", default=""),
))
def edit(inv: Invocation, parsed: Parsed) -> int:
    status = 0
    for res, obj in _targets(inv, parsed):
        status = _edit_one(inv, parsed, res, obj) or status
    return status


def _edit_one(inv: Invocation, parsed: Parsed, res: Resource, obj: dict[str, Any]) -> int:
    from ..api.decode import DecodeError
    from .yamlout import to_yaml

    fs = inv.ctx.fs
    original_obj = copy.deepcopy(obj)
    meta = obj["metadata"]
    name, ns = meta["name"], meta.get("namespace")
    res_string = _resource_string(res)
    original_text = to_yaml(original_obj)
    buffer = HEADER + original_text
    reasons: list[tuple[str, list[str]]] = []
    contains_error = False
    previous_file = ""
    for _ in range(MAX_PASSES):
        written = buffer
        path = _temp_path(inv)
        fs.write(path, written)
        try:
            launch(inv, path)
        except EditorError as exc:
            _preserved(inv, previous_file)
            raise KubectlError(str(exc)) from None
        edited = fs.read(path) if fs.isfile(path) else ""
        if contains_error and strip_comments(written) == strip_comments(edited):
            _preserved(inv, path)
            raise KubectlError("Edit cancelled, no valid changes were saved.")
        if previous_file and fs.exists(previous_file):
            fs.remove(previous_file)
        previous_file = path
        try:
            edited_obj = _decode(strip_comments(edited))
            original_again = _decode(original_text)
        except DecodeError as exc:
            reasons = [(f"The edited file had a syntax error: {exc.detail}", [])]
            contains_error = True
            buffer = _header(reasons) + edited
            continue
        if edited_obj == original_again:
            fs.remove(path)
            inv.err("Edit cancelled, no changes made.\n")
            return 0
        if edited_obj is None or not strip_comments(edited).strip():
            fs.remove(path)
            inv.err("Edit cancelled, saved file was empty.\n")
            return 0
        if (edited_obj.get("apiVersion"), edited_obj.get("kind"), (edited_obj.get("metadata") or {}).get("name")) != \
                (original_obj.get("apiVersion"), original_obj.get("kind"), name):
            _preserved(inv, path)
            raise KubectlError("At least one of apiVersion, kind and name was changed")
        patch = three_way_patch(original_obj, edited_obj, original_obj)
        try:
            patched = inv.api.patch(res, name, patch, "strategic", namespace=ns)
        except StatusError as exc:
            if exc.reason == "Invalid" and exc.code == 422:
                inv.err(f'error: {res_string} "{name}" is invalid\n')
                causes = [f'{c.get("field", "")}: {c.get("message", "")}'
                          for c in (exc.details or {}).get("causes") or []]
                reasons = [(f'{res_string} "{name}" was not valid', causes)]
                contains_error = True
                buffer = _header(reasons) + to_yaml(edited_obj)
                continue
            if exc.code == 404:
                inv.err(f'error: {res_string} "{name}" could not be found on the server\n')
                inv.err(f'The edits you made on deleted resources have been saved to "{path}"\n')
                return 1
            inv.err(f'error: {res_string} "{name}" could not be patched: {exc.message}\n')
            inv.err(f"You can run `kubectl replace -f {path}` to try this update again.\n")
            return 1
        fs.remove(path)
        print_result(inv, patched, res, "edited")
        return 0
    _preserved(inv, previous_file)
    raise KubectlError("Edit cancelled, no valid changes were saved.")


def _header(reasons: list[tuple[str, list[str]]]) -> str:
    """editHeader.writeTo: the usual header, then each reason with its causes."""
    out = HEADER
    for head, others in reasons:
        head = head.replace("\n", "\n# ")
        out += f"# {head}:\n" if others else f"# {head}\n"
        for other in others:
            out += "# * " + other.replace("\n", "\n# ") + "\n"
        out += "#\n"
    return out


def _preserved(inv: Invocation, path: str) -> None:
    if path and inv.ctx.fs.exists(path):
        inv.err(f'A copy of your changes has been stored to "{path}"\n')
