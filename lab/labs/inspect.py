"""The inspector's JSON endpoints: what the diagram shows when an object is selected.

`GET /lab/<name>/inspect/?kind=Pod&namespace=default&name=web-1` answers
with the object as `kubectl get -o yaml` prints it and as `kubectl
describe` prints it, produced by the engine's own kubectl on the lab's
stored world, so the inspector reads exactly what the terminal would.
Nothing is saved: the world is loaded, asked, and dropped.

`GET /lab/<name>/inspect/objects/` answers with every stored API object
(the JSON the apiserver keeps) and the store's resourceVersion: the
diagram's starting picture before the live socket has spoken.

Both are for the lab's owner only (the browser session that opened the lab
page); another visitor gets 404, as for a lab that does not exist.
"""
from __future__ import annotations

import re
import shlex

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from lab.labs.ownership import lab_for_visitor
from lab.labs.models import ApiObject, Lab
from lab.labs.persistence import load_world
from lab.sim.api.resources import resolve

#: metadata.name / namespace as the apiserver allows them (DNS subdomain, at most 253)
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def _error(status: int, reason: str, message: str) -> JsonResponse:
    return JsonResponse({"error": reason, "message": message}, status=status)


def _owned_lab(request: HttpRequest, name: str) -> Lab | None:
    return lab_for_visitor(request, name)


@require_GET
def inspect_object(request: HttpRequest, name: str) -> JsonResponse:
    """The selected object's YAML and describe text (see the module docstring)."""
    lab = _owned_lab(request, name)
    if lab is None:
        return _error(404, "no-lab", f"this session owns no lab named {name!r}")
    kind = request.GET.get("kind", "")
    obj_name = request.GET.get("name", "")
    namespace = request.GET.get("namespace", "")
    resource = resolve(kind) if kind else None
    if resource is None:
        return _error(400, "bad-kind", f"unknown kind {kind!r}")
    if not _NAME.match(obj_name):
        return _error(400, "bad-name", f"not an object name: {obj_name!r}")
    if resource.namespaced and not _NAME.match(namespace):
        return _error(400, "bad-namespace", f"not a namespace name: {namespace!r}")
    ref = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
    scope = f" -n {shlex.quote(namespace)}" if resource.namespaced else ""
    target = f"{ref} {shlex.quote(obj_name)}{scope}"
    world = load_world(lab)
    got = world.run(f"kubectl get {target} -o yaml")
    if got.status != 0:
        return JsonResponse({"error": "not-found", "message": got.stderr}, status=404)
    described = world.run(f"kubectl describe {target}")
    return JsonResponse({
        "kind": resource.kind, "namespace": namespace if resource.namespaced else "", "name": obj_name,
        "yaml": got.stdout, "describe": described.stdout + described.stderr,
    })


@require_GET
def list_objects(request: HttpRequest, name: str) -> JsonResponse:
    """Every stored object of the lab and the store's resourceVersion."""
    lab = _owned_lab(request, name)
    if lab is None:
        return _error(404, "no-lab", f"this session owns no lab named {name!r}")
    with transaction.atomic():  # one consistent picture, even while a command saves
        lab.refresh_from_db()
        rows = list(ApiObject.objects.filter(lab=lab).order_by("resource", "namespace", "name"))
    revision = lab.extra_state.get("storeRevision")
    if revision is None:
        revision = max((int(row.resource_version) for row in rows), default=0)
    return JsonResponse({"resourceVersion": str(revision), "objects": [row.data for row in rows]})
