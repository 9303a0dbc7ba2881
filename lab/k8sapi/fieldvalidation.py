"""The `fieldValidation` query parameter: Strict, Warn (the default) or Ignore.

kubectl sends `Strict` (`--validate=strict`, its default), `Warn` or
`Ignore` (`--validate=false`); other clients (the Python client,
dashboards) usually send nothing, which kube-apiserver takes as Warn. The
simulated apiserver applies the directive while it decodes the body
(ApiServer.client_request); this module reads it from the request.
"""
from __future__ import annotations

from lab.sim.api import errors

DIRECTIVES = ("Strict", "Warn", "Ignore")
_OPTIONS_KIND = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions"}


def directive(method: str, query: dict[str, str]) -> str:
    """The request's directive; an unknown one fails as the apiserver's option validation does."""
    value = query.get("fieldValidation", "")
    if value and value not in DIRECTIVES and method in _OPTIONS_KIND:
        raise errors.invalid_object(_OPTIONS_KIND[method], "meta.k8s.io", "", [
            errors.not_supported("fieldValidation", value, ["", *DIRECTIVES])])
    return value if value in DIRECTIVES else "Warn"
