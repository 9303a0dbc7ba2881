"""How kubectl prints a failure (cmdutil.CheckErr and StandardErrorMessage).

API failures arrive as StatusError; kubectl turns an Invalid one into
`The Service "x" is invalid: <path>: <msg>` (one cause) or the multi-line
`* <path>: <msg>` form, any other into `Error from server (<Reason>): <msg>`,
and its own failures into `error: <msg>`.
"""
from __future__ import annotations

import copy

from ..api.errors import StatusError


class KubectlError(Exception):
    """A client-side failure; str() is printed with an `error: ` prefix unless it has one."""

    def __init__(self, message: str, usage_hint: str = ""):
        super().__init__(message)
        self.message = message
        self.usage_hint = usage_hint


class UsageError(KubectlError):
    """A misuse kubectl answers with the message and `See 'kubectl X -h' for help and examples`."""


class ConnectionError_(Exception):
    """The apiserver cannot be reached; printed as is."""


def add_source(verb: str, source: str, err: StatusError) -> StatusError:
    """cmdutil.AddSourceToErr: `error when creating "svc.yaml": ...`."""
    if not source:
        return err
    wrapped = copy.copy(err)
    wrapped.message = f'error when {verb} "{source}": {err.message}'
    return wrapped


def standard_message(err: Exception) -> str:
    """StandardErrorMessage / messageForError."""
    if isinstance(err, StatusError):
        if err.reason == "Unauthorized":
            return f"error: You must be logged in to the server ({err.message})"
        if err.reason:
            return f"Error from server ({err.reason}): {err.message}"
        return f"Error from server: {err.message}"
    msg = getattr(err, "message", None) or str(err)
    return msg


def _invalid_message(err: StatusError) -> str:
    details = err.details or {}
    prefix = "The request is invalid"
    if details.get("kind") or details.get("name"):
        prefix = f'The {details.get("kind", "")} "{details.get("name", "")}" is invalid'
    causes = details.get("causes") or []
    if not causes:
        return prefix + "\n"
    lines: list[str] = []
    for cause in causes:
        text = f'{cause.get("field", "")}: {cause.get("message", "")}'
        if text not in lines:
            lines.append(text)
    if len(lines) == 1:
        return f"{prefix}: {lines[0]}\n"
    return f"{prefix}: \n" + "".join(f"* {line}\n" for line in lines)


def render_error(err: Exception) -> str:
    """The text kubectl writes to stderr for one error (with its newline)."""
    if isinstance(err, StatusError) and err.reason == "Invalid" and err.code == 422:
        return _invalid_message(err)
    if isinstance(err, StatusError):
        msg = standard_message(err)
    elif isinstance(err, UsageError):
        msg = err.message
        if not msg.startswith("error: "):
            msg = "error: " + msg
        if err.usage_hint:
            msg += "\n" + err.usage_hint
    elif isinstance(err, KubectlError):
        msg = err.message
        if not msg.startswith("error: ") and not msg.startswith("Error"):
            msg = "error: " + msg
    else:
        msg = str(err)
        if not msg.startswith("error: ") and not msg.startswith("The connection"):
            msg = "error: " + msg
    return msg if msg.endswith("\n") else msg + "\n"


def render_errors(errs: list[Exception]) -> str:
    """An aggregate: one error alone is printed as itself; several one per line."""
    if len(errs) == 1:
        return render_error(errs[0])
    out = []
    for err in errs:
        msg = standard_message(err) if isinstance(err, StatusError) else render_error(err).rstrip("\n")
        out.append(msg.rstrip("\n") + "\n")
    return "".join(out)
