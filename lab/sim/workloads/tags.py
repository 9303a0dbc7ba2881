"""Which tags the known images' registries hold, so a pull of a missing tag fails as it really does.

A kubelet asks the registry for the tag's manifest; a tag the repository
does not have ends in containerd's `not found` and the Pod goes
ErrImagePull -> ImagePullBackOff. The tables below list the releases the
real repositories publish (docker.io/library/nginx, httpd, busybox,
python; the bootcamp, echoserver, CoreDNS, kube-proxy and dnsutils
images), as tags of the forms the repositories use: the version
(`1.27.3`), its shorter forms (`1.27`, `1`), the moving names (`latest`,
`stable`, `alpine` ...) and each of these with the image's variant
suffixes (`-alpine`, `-slim` ...).

SIMPLIFICATION: every suffix is accepted with every version of its image,
although upstream built some variants for some releases only.
Images the catalogue does not know have no table: the lab cannot tell
their tags apart and pulls them as if they existed.
"""
from __future__ import annotations

from typing import Iterable

from .image import ImageRef


def _releases(lines: dict[str, int], first: dict[str, int] | None = None) -> set[str]:
    """`{"1.27": 5}` -> 1.27.0 ... 1.27.5, plus the short forms `1.27` and `1`."""
    out: set[str] = set()
    for line, last in lines.items():
        start = (first or {}).get(line, 0)
        out.update(f"{line}.{patch}" for patch in range(start, last + 1))
        out.add(line)
        out.add(line.split(".", 1)[0])
    return out


def _with_suffixes(bases: Iterable[str], suffixes: Iterable[str]) -> set[str]:
    bases = set(bases)
    return bases | {f"{b}-{s}" for b in bases for s in suffixes}


#: nginx.org releases with official images (1.7.9 is the Kubernetes docs' old example)
_NGINX = _releases(
    {"1.7": 12, "1.8": 1, "1.9": 15, "1.10": 3, "1.11": 13, "1.12": 2, "1.13": 12, "1.14": 2, "1.15": 12,
     "1.16": 1, "1.17": 10, "1.18": 0, "1.19": 10, "1.20": 2, "1.21": 6, "1.22": 1, "1.23": 4, "1.24": 0,
     "1.25": 5, "1.26": 3, "1.27": 5, "1.28": 0, "1.29": 1},
    first={"1.7": 9})
_NGINX_NAMES = {"latest", "stable", "mainline"}
_NGINX_SUFFIXES = ("alpine", "alpine-slim", "alpine-perl", "alpine-otel", "perl", "otel", "bookworm",
                   "bookworm-perl", "bookworm-otel", "bullseye", "bullseye-perl")
NGINX_TAGS = _with_suffixes(_NGINX | {"stable", "mainline"}, _NGINX_SUFFIXES) | _NGINX_NAMES | set(_NGINX_SUFFIXES)

_HTTPD = _releases({"2.2": 34, "2.4": 65}, first={"2.2": 29, "2.4": 10})
_HTTPD_SUFFIXES = ("alpine", "bookworm", "bullseye", "alpine3.20", "alpine3.21")
HTTPD_TAGS = _with_suffixes(_HTTPD, _HTTPD_SUFFIXES) | {"latest"} | set(_HTTPD_SUFFIXES)

_BUSYBOX = _releases({"1.24": 2, "1.25": 1, "1.26": 2, "1.27": 2, "1.28": 4, "1.29": 3, "1.30": 1, "1.31": 1,
                      "1.32": 1, "1.33": 1, "1.34": 1, "1.35": 0, "1.36": 1, "1.37": 0})
_BUSYBOX_SUFFIXES = ("glibc", "musl", "uclibc")
BUSYBOX_TAGS = _with_suffixes(_BUSYBOX | {"stable", "unstable"}, _BUSYBOX_SUFFIXES) | {"latest"} | \
    set(_BUSYBOX_SUFFIXES)

_PYTHON = _releases({"2.7": 18, "3.5": 10, "3.6": 15, "3.7": 17, "3.8": 20, "3.9": 21, "3.10": 16,
                     "3.11": 11, "3.12": 8, "3.13": 1})
_PYTHON_SUFFIXES = ("slim", "alpine", "bookworm", "slim-bookworm", "bullseye", "slim-bullseye", "buster",
                    "slim-buster", "alpine3.20", "alpine3.21", "windowsservercore")
PYTHON_TAGS = _with_suffixes(_PYTHON, _PYTHON_SUFFIXES) | {"latest"} | set(_PYTHON_SUFFIXES)

#: (registry, path) -> the repository's tags
TAGS: dict[tuple[str, str], set[str]] = {
    ("docker.io", "nginx"): NGINX_TAGS,
    ("docker.io", "httpd"): HTTPD_TAGS,
    ("docker.io", "busybox"): BUSYBOX_TAGS,
    ("docker.io", "python"): PYTHON_TAGS,
    ("docker.io", "jocatalin/kubernetes-bootcamp"): {"v1", "v2"},
    ("gcr.io", "google-samples/kubernetes-bootcamp"): {"v1"},
    ("registry.k8s.io", "echoserver"): {f"1.{n}" for n in range(0, 11)},
    ("k8s.gcr.io", "echoserver"): {f"1.{n}" for n in range(0, 11)},
    ("gcr.io", "google_containers/echoserver"): {f"1.{n}" for n in range(0, 11)},
    ("registry.k8s.io", "coredns/coredns"): {f"v1.{m}.{p}" for m, last in
                                             ((8, 7), (9, 4), (10, 1), (11, 4), (12, 1)) for p in range(last + 1)},
    ("registry.k8s.io", "kube-proxy"): {f"v1.{m}.{p}" for m, last in ((30, 14), (31, 10), (32, 9))
                                        for p in range(last + 1)},
    ("registry.k8s.io", "e2e-test-images/jessie-dnsutils"): {"1.3", "1.4", "1.5", "1.7"},
}


def tag_exists(ref: ImageRef, digest: bool = False) -> bool | None:
    """True/False for an image the lab knows; None when it cannot tell (unknown repository).

    A reference by digest (`nginx@sha256:...`) is not checked: the lab does not
    keep the repositories' digests."""
    tags = TAGS.get((ref.registry, ref.path))
    if tags is None or digest:
        return None
    return ref.tag in tags
