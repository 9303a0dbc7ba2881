"""The ServiceAccount admission plugin, as a v1.32 apiserver runs it on Pod creation.

plugin/pkg/admission/serviceaccount/admission.go: a Pod without a
serviceAccountName gets `default`; the named ServiceAccount must exist in the
Pod's namespace (else 403 `error looking up service account ns/name:
serviceaccount "name" not found`); unless the Pod or its ServiceAccount opts
out (automountServiceAccountToken: false), every init container and container
mounts a projected `kube-api-access-xxxxx` volume (a bound token, the
namespace's kube-root-ca.crt and the namespace) read-only at
/var/run/secrets/kubernetes.io/serviceaccount. The v1 conversion then writes
the deprecated spec.serviceAccount as a copy of serviceAccountName.
"""
from __future__ import annotations

from typing import Any, Callable

from . import errors

DEFAULT_NAME = "default"
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
VOLUME_PREFIX = "kube-api-access-"
#: serviceaccount.WarnOnlyBoundTokenExpirationSeconds: an hour plus seven seconds,
#: the mark by which the apiserver recognises tokens minted for this volume.
TOKEN_EXPIRATION_SECONDS = 3607
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
#: utilrand's alphabet (no vowels, no confusable characters)
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"


def token_volume_source() -> dict[str, Any]:
    """TokenVolumeSource(): the projection every automounted Pod carries."""
    return {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
            {"configMap": {"name": ROOT_CA_CONFIGMAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
    }


def convert_deprecated_field(spec: dict[str, Any]) -> None:
    """v1 <-> internal conversion: serviceAccount fills an empty serviceAccountName."""
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]


def stored_deprecated_field(spec: dict[str, Any]) -> None:
    """Convert_core_PodSpec_To_v1_PodSpec: serviceAccount is always serviceAccountName."""
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    else:
        spec.pop("serviceAccount", None)


def _should_automount(sa: dict[str, Any], spec: dict[str, Any]) -> bool:
    """The Pod's preference wins, then the ServiceAccount's, else true."""
    if spec.get("automountServiceAccountToken") is not None:
        return bool(spec["automountServiceAccountToken"])
    if sa.get("automountServiceAccountToken") is not None:
        return bool(sa["automountServiceAccountToken"])
    return True


def _generate_volume_name(draw: Callable[[int], int]) -> str:
    return VOLUME_PREFIX + "".join(NAME_ALPHABET[draw(len(NAME_ALPHABET))] for _ in range(5))


def mount_token(spec: dict[str, Any], draw: Callable[[int], int]) -> None:
    """mountServiceAccountToken: the mount in every container, the volume once."""
    volumes = spec.get("volumes") or []
    existing = next((v["name"] for v in volumes if str(v.get("name", "")).startswith(VOLUME_PREFIX)), "")
    name = existing or _generate_volume_name(draw)
    needs_volume = False
    for key in ("initContainers", "containers"):
        for ctr in spec.get(key) or []:
            mounts = ctr.get("volumeMounts") or []
            if any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
                continue
            ctr["volumeMounts"] = mounts + [{"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH}]
            needs_volume = True
    if not existing and needs_volume:
        spec["volumes"] = volumes + [{"name": name, "projected": token_volume_source()}]


def admit_pod(pod: dict[str, Any], namespace: str, display_name: str,
              lookup: Callable[[str], dict[str, Any] | None], draw: Callable[[int], int]) -> None:
    """Admit (mutate) a Pod being created; raises the plugin's Forbidden.

    `display_name` is the name admission.NewForbidden prints: the Pod's name,
    or its generateName when the name is still to be generated.
    `lookup(name)` reads a ServiceAccount of the namespace; `draw(n)` is a
    random integer below n from the plugin's name stream.
    """
    meta = pod.get("metadata") or {}
    spec = pod.setdefault("spec", {})
    convert_deprecated_field(spec)
    if MIRROR_POD_ANNOTATION in (meta.get("annotations") or {}):
        if spec.get("serviceAccountName"):
            raise forbidden(display_name, "a mirror pod may not reference service accounts")
        return
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = DEFAULT_NAME
    name = spec["serviceAccountName"]
    sa = lookup(name)
    if sa is None:
        raise forbidden(display_name, f"error looking up service account {namespace}/{name}: "
                                      f"serviceaccount {errors.go_quote(name)} not found")
    if _should_automount(sa, spec):
        mount_token(spec, draw)
    if not spec.get("imagePullSecrets") and sa.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [{"name": s.get("name", "")} for s in sa["imagePullSecrets"]]
    stored_deprecated_field(spec)


def forbidden(name: str, detail: str) -> errors.StatusError:
    """apierrors.NewForbidden(pods, name, err)."""
    return errors.StatusError(403, "Forbidden", f"pods {errors.go_quote(name)} is forbidden: {detail}",
                              {"name": name, "kind": "pods"})
