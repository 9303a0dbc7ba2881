"""API errors as data: field errors and Kubernetes Status errors.

Mirrors k8s.io/apimachinery/pkg/util/validation/field (field.Error and its
ErrorBody) and k8s.io/apimachinery/pkg/api/errors (StatusError, NewInvalid,
NewNotFound, ...), so that one error can be printed the way kubectl prints
it, marked in the editor by its field path, or returned as JSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# field.ErrorType strings, as they appear in messages and in StatusCause.type.
REQUIRED = "Required value"
INVALID = "Invalid value"
DUPLICATE = "Duplicate value"
NOT_SUPPORTED = "Unsupported value"
FORBIDDEN = "Forbidden"
TOO_LONG = "Too long"
TOO_MANY = "Too many"
INTERNAL = "Internal error"
NOT_FOUND = "Not found"

# StatusCause.type values (metav1.CauseType) for the field error types.
CAUSE_TYPES = {
    REQUIRED: "FieldValueRequired",
    INVALID: "FieldValueInvalid",
    DUPLICATE: "FieldValueDuplicate",
    NOT_SUPPORTED: "FieldValueNotSupported",
    FORBIDDEN: "FieldValueForbidden",
    TOO_LONG: "FieldValueTooLong",
    TOO_MANY: "FieldValueTooMany",
    INTERNAL: "InternalError",
    NOT_FOUND: "FieldValueNotFound",
}

_OMIT = object()


class GoLiteral:
    """A value printed verbatim, standing for a Go `%#v` rendering.

    Used where the apiserver prints a Go value that has no JSON twin, such as
    `[]string{"10.96.0.99"}` or a `core.ServicePort{...}` struct dump.
    """

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"GoLiteral({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoLiteral) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def go_quote(text: str) -> str:
    """Go's %q for a string (close enough: JSON escapes, no HTML escaping)."""
    return json.dumps(text, ensure_ascii=False)


def go_string_slice(values: list[str]) -> GoLiteral:
    """`[]string{"a", "b"}` as Go's %#v prints a string slice."""
    return GoLiteral("[]string{" + ", ".join(go_quote(v) for v in values) + "}")


def format_value(value: Any) -> str:
    """Render a bad value the way field.Error.ErrorBody does."""
    if isinstance(value, GoLiteral):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if value is None:
        return "null"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return go_string_slice(value).text
    return json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class FieldError:
    """One validation failure at a field path (field.Error)."""

    type: str
    field: str
    value: Any = _OMIT
    detail: str = ""

    def body(self) -> str:
        """ErrorBody(): the message without the field path."""
        if self.type in (REQUIRED, FORBIDDEN, TOO_LONG, INTERNAL) or self.value is _OMIT:
            text = self.type
        else:
            text = f"{self.type}: {format_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    @property
    def has_value(self) -> bool:
        return self.value is not _OMIT


# Constructors named like the Go helpers (field.Required, field.Invalid ...).
def required(path: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, path, _OMIT, detail)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(INVALID, path, value, detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(DUPLICATE, path, value, "")


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(FORBIDDEN, path, _OMIT, detail)


def not_supported(path: str, value: Any, valid: list[str]) -> FieldError:
    detail = ""
    if valid:
        detail = "supported values: " + ", ".join(go_quote(v) for v in sorted(valid))
    return FieldError(NOT_SUPPORTED, path, value, detail)


def too_long(path: str, value: Any, max_length: int) -> FieldError:
    return FieldError(TOO_LONG, path, value, f"may not be more than {max_length} bytes")


def too_many(path: str, actual: int, max_count: int) -> FieldError:
    return FieldError(TOO_MANY, path, actual, f"must have at most {max_count} items")


def internal(path: str, detail: str) -> FieldError:
    return FieldError(INTERNAL, path, _OMIT, detail)


def aggregate_message(errors: list[FieldError]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message, or `[a, b]`, deduplicated."""
    seen: list[str] = []
    for err in errors:
        text = str(err)
        if text not in seen:
            seen.append(text)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


@dataclass
class StatusError(Exception):
    """A failed API call, carried as the metav1.Status the apiserver returns."""

    code: int
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status

    @property
    def causes(self) -> list[dict[str, str]]:
        return list(self.details.get("causes", []))


def qualified_resource(resource: str, group: str) -> str:
    """schema.GroupResource.String(): `services`, `deployments.apps`."""
    return f"{resource}.{group}" if group else resource


def qualified_kind(kind: str, group: str) -> str:
    return f"{kind}.{group}" if group else kind


def _details(name: str, group: str, kind: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = kind
    return details


def not_found(resource: str, group: str, name: str) -> StatusError:
    return StatusError(404, "NotFound", f"{qualified_resource(resource, group)} {go_quote(name)} not found",
                       _details(name, group, resource))


def already_exists(resource: str, group: str, name: str) -> StatusError:
    return StatusError(409, "AlreadyExists",
                       f"{qualified_resource(resource, group)} {go_quote(name)} already exists",
                       _details(name, group, resource))


def conflict(resource: str, group: str, name: str, detail: str) -> StatusError:
    return StatusError(409, "Conflict",
                       f"Operation cannot be fulfilled on {qualified_resource(resource, group)} "
                       f"{go_quote(name)}: {detail}",
                       _details(name, group, resource))


OPTIMISTIC_LOCK_DETAIL = "the object has been modified; please apply your changes to the latest version and try again"


def invalid_object(kind: str, group: str, name: str, errors: list[FieldError]) -> StatusError:
    """apierrors.NewInvalid: 422 with one cause per field error."""
    causes = [{"reason": CAUSE_TYPES.get(e.type, e.type), "message": e.body(), "field": e.field}
              for e in errors]
    message = f"{qualified_kind(kind, group)} {go_quote(name)} is invalid"
    if errors:
        message += ": " + aggregate_message(errors)
    details = _details(name, group, kind)
    details["causes"] = causes
    return StatusError(422, "Invalid", message, details)


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def internal_error(message: str) -> StatusError:
    return StatusError(500, "InternalError", f"Internal error occurred: {message}",
                       {"causes": [{"message": message}]})


def forbidden_request(message: str) -> StatusError:
    return StatusError(403, "Forbidden", message)


def method_not_supported(message: str) -> StatusError:
    return StatusError(405, "MethodNotAllowed", message)


def exceeded_quota(resource: str, group: str, name: str, quota: str, counted: str,
                   used: int, limited: int) -> StatusError:
    """The ResourceQuota admission plugin's refusal of one more `counted`:
    `pods "web-1" is forbidden: exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10`."""
    message = (f"{qualified_resource(resource, group)} {go_quote(name)} is forbidden: exceeded quota: {quota}, "
               f"requested: {counted}=1, used: {counted}={used}, limited: {counted}={limited}")
    return StatusError(403, "Forbidden", message, _details(name, group, resource))


def request_entity_too_large(limit: int) -> StatusError:
    """The apiserver's answer to a request body over its limit (413)."""
    return StatusError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")
