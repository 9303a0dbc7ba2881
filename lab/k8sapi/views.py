"""The HTTP side of a lab's Kubernetes API: /k8s/<lab id>/<apiserver path>.

Every request needs the lab's bearer token (`Authorization: Bearer ...`);
without it the answer is the apiserver's 401 Status, which kubectl prints as
`error: You must be logged in to the server (Unauthorized)`. Discovery and
OpenAPI documents need no World; resource requests run in one transaction
on the lab (lab.k8sapi.transaction) and watches stream (lab.k8sapi.watch).
"""
from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from lab.labs.models import Lab
from lab.sim.api import errors
from lab.sim.api.errors import StatusError
from lab.sim.api.server import ConnectionRefused
from lab.sim.kubectl.cmd_version import SERVER_BUILD_DATE, version_info

from . import discovery, fieldvalidation, handlers, openapi, paths
from .logfollow import LogFollow
from .models import LabApiAccess
from .transaction import in_lab
from .watch import Watch, WatchExpired

_UNAUTHORIZED = StatusError(401, "Unauthorized", "Unauthorized")
_NOT_FOUND = StatusError(404, "NotFound", "the server could not find the requested resource")


def _json(data: Any, status: int = 200, content_type: str = "application/json",
          warnings: list[str] | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(),
                            status=status, content_type=content_type)
    if warnings:
        # RFC 7234 warn-codes, comma-separated, as kube-apiserver sends them (client-go prints each).
        response.headers["Warning"] = ", ".join('299 - ' + json.dumps(w) for w in warnings)
    return response


def _status(exc: StatusError) -> HttpResponse:
    return _json(exc.to_status(), exc.code)


def _authorized_lab(request: HttpRequest, lab_id: int) -> Lab | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    access = LabApiAccess.objects.select_related("lab").filter(lab_id=lab_id, token=token.strip()).first()
    return access.lab if access is not None else None


def _query(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "") for k in request.GET}


def _server_address(lab: Lab) -> str:
    from lab.sim.profiles import load_profile

    profile = load_profile(lab.profile)
    return f"{profile.control_plane_node.ip}:{profile.apiserver_port}"


def _version(lab: Lab) -> dict[str, str]:
    from lab.sim.profiles import load_profile

    return version_info(load_profile(lab.profile).kubernetes_version, SERVER_BUILD_DATE)


def _static(lab: Lab, request: HttpRequest, path: str) -> HttpResponse | None:
    """Documents that do not depend on the lab's state, or None for a resource path."""
    parts = [p for p in path.strip("/").split("/") if p]
    accept = request.headers.get("Accept", "")
    if parts in (["version"], ["version", ""]):
        return _json(_version(lab))
    if parts in (["healthz"], ["livez"], ["readyz"]):
        return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")
    if parts[:1] == ["openapi"]:
        if parts == ["openapi", "v2"]:
            if "json" not in accept and accept not in ("", "*/*"):
                return HttpResponse(b"", status=406)
            return HttpResponse(openapi.v2(), content_type="application/json")
        if parts == ["openapi", "v3"]:
            return _json(openapi.v3_root())
        doc = openapi.v3_group_version("/".join(parts[2:])) if parts[:2] == ["openapi", "v3"] else None
        if doc is None:
            return _status(_NOT_FOUND)
        return HttpResponse(doc, content_type="application/json")
    aggregated = discovery.wants_aggregated(accept)
    if parts == ["api"]:
        if aggregated:
            return _json(discovery.aggregated(True, aggregated), content_type=_aggregated_type(aggregated))
        return _json(discovery.api_versions(_server_address(lab)))
    if parts == ["apis"]:
        if aggregated:
            return _json(discovery.aggregated(False, aggregated), content_type=_aggregated_type(aggregated))
        return _json(discovery.api_group_list())
    if len(parts) == 2 and parts[0] == "api":
        doc = discovery.api_resource_list("", parts[1])
        return _json(doc) if doc else _status(_NOT_FOUND)
    if len(parts) == 2 and parts[0] == "apis":
        doc = discovery.api_group(parts[1])
        return _json(doc) if doc else _status(_NOT_FOUND)
    if len(parts) == 3 and parts[0] == "apis":
        doc = discovery.api_resource_list(parts[1], parts[2])
        return _json(doc) if doc else _status(_NOT_FOUND)
    if not parts or parts[0] not in ("api", "apis"):
        return _status(_NOT_FOUND)
    return None


def _aggregated_type(version: str) -> str:
    return discovery.AGGREGATED_V2 if version == "v2" else discovery.AGGREGATED_V2BETA1


def _api_request(request: HttpRequest, rpath: paths.ResourcePath) -> handlers.ApiRequest:
    return handlers.ApiRequest(method=request.method or "GET", path=rpath, query=_query(request),
                               body=request.body, content_type=request.headers.get("Content-Type", ""),
                               accept=request.headers.get("Accept", ""))


def _resource_response(lab: Lab, req: handlers.ApiRequest) -> HttpResponse:
    try:
        mode = fieldvalidation.directive(req.method, req.query)
        response, _ = in_lab(lab, lambda world: handlers.handle(world, req), write=handlers.is_write(req),
                             field_validation=mode)
    except StatusError as exc:
        return _status(exc)
    except ConnectionRefused:
        return HttpResponse(b"", status=503)
    if isinstance(response.body, str):
        return HttpResponse(response.body.encode(), status=response.status, content_type=response.content_type)
    return _json(response.body, response.status, response.content_type, response.warnings)


def _prepare(request: HttpRequest, lab_id: int, path: str) -> tuple[Any, Any]:
    """(an immediate HttpResponse, None) or (None, (lab, ApiRequest)) for a watch."""
    lab = _authorized_lab(request, lab_id)
    if lab is None:
        return _status(_UNAUTHORIZED), None
    static = _static(lab, request, path)
    if static is not None:
        return static, None
    try:
        rpath = paths.parse(path)
    except paths.UnknownPath:
        return _status(_NOT_FOUND), None
    req = _api_request(request, rpath)
    if req.method == "GET" and (req.flag("watch") or (rpath.subresource == "log" and req.flag("follow"))):
        return None, (lab, req)
    return _resource_response(lab, req), None


@csrf_exempt
async def api(request: HttpRequest, lab_id: int, path: str = "") -> HttpResponse:
    """Every request below /k8s/<lab id>/."""
    response, watch_args = await sync_to_async(_prepare)(request, lab_id, path)
    if response is not None:
        return response
    lab, req = watch_args
    if req.path.subresource == "log":
        return await _follow_log(lab, req)
    try:
        watch = Watch(lab, req)
        first = await sync_to_async(watch.start)()
    except StatusError as exc:
        return _status(exc)
    except WatchExpired as expired:
        first, watch = [expired.line], None
    if watch is None:
        return StreamingHttpResponse(_once(first), content_type="application/json")
    response = StreamingHttpResponse(watch.stream(first), content_type="application/json")
    response.headers["Cache-Control"] = "no-cache, private"
    return response


async def _follow_log(lab: Lab, req: handlers.ApiRequest) -> HttpResponse:
    follow = LogFollow(lab, req)
    try:
        first = await sync_to_async(follow.start)()
    except StatusError as exc:
        return _status(exc)
    return StreamingHttpResponse(follow.stream(first), content_type="text/plain")


async def _once(lines: list[bytes]):
    for line in lines:
        yield line


__all__ = ["api", "errors"]


def _visitor_lab(request: HttpRequest, name: str) -> Lab | None:
    """The lab `name` of the signed-in user, or of this browser session (never created here)."""
    if request.user.is_authenticated:
        return Lab.objects.filter(owner_kind=Lab.OwnerKind.USER, user=request.user, name=name).first()
    key = request.session.session_key
    if not key:
        return None
    return Lab.objects.filter(owner_kind=Lab.OwnerKind.SESSION, session_key=key, name=name).first()


def lab_kubeconfig(request: HttpRequest, name: str) -> HttpResponse:
    """/k8s/kubeconfig/<lab name>/: the visitor's lab as a kubeconfig download (what the lab page offers).

    The server URL is this site's; `?format=json` gives {"server", "token", "kubeconfig"} for the
    page to show."""
    from django.http import Http404, JsonResponse

    from .kubeconfig import kubeconfig, lab_api_url
    from .models import access_for

    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    lab = _visitor_lab(request, name)
    if lab is None:
        raise Http404("no such lab in this session")
    site = request.build_absolute_uri("/").rstrip("/")
    text = kubeconfig(lab, site)
    if request.GET.get("format") == "json":
        return JsonResponse({"server": lab_api_url(site, lab), "token": access_for(lab).token, "kubeconfig": text})
    response = HttpResponse(text.encode(), content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="lab-{lab.name}.kubeconfig"'
    return response
