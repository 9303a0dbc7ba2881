"""`kubectl create deployment|service <type>|namespace`: objects built from flags.

Mirrors kubectl 1.32's create_deployment.go, create_service.go and
create_namespace.go: the exact object each generator builds (labels and
selector `app=NAME`, container names derived from the image, port names
`80-8080`), the client-side checks and their messages, and the
`failed to create ...` wrapping of server errors.
"""
from __future__ import annotations

from typing import Any

from ..api import resources
from ..api.errors import StatusError
from ..api.validation.formats import is_dns1123_subdomain, is_valid_port_name, is_valid_port_num
from .base import DRY_RUN_FLAG, FIELD_MANAGER_FLAG, PRINT_FLAGS, VALIDATE_FLAG, Invocation, subcommand
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import check_format, print_result

# utilrand.String's alphabet (no vowels, no confusable characters).
RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

SAVE_CONFIG_FLAG = Flag("save-config", kind="bool", default=False)
CREATE_FLAGS = PRINT_FLAGS + (DRY_RUN_FLAG, VALIDATE_FLAG, SAVE_CONFIG_FLAG)


# -- helpers shared by the generator commands --------------------------------
def name_from_args(inv: Invocation, parsed: Parsed) -> str:
    """NameFromCommandArgs: exactly one NAME before any `--`."""
    count = parsed.args_at_dash if parsed.args_at_dash >= 0 else len(parsed.args)
    if count != 1:
        raise inv.usage_error(f"exactly one NAME is required, got {count}")
    return parsed.args[0]


def require_flags(parsed: Parsed, *names: str) -> None:
    """cobra's MarkFlagRequired check (runs before the command itself)."""
    missing = [n for n in names if not parsed.changed(n)]
    if missing:
        raise KubectlError("required flag(s) " + ", ".join(f'"{n}"' for n in missing) + " not set")


def rand_string(inv: Invocation, length: int) -> str:
    """utilrand.String, drawn from the world's seeded RNG."""
    rng = inv.world.random("kubectl")
    return "".join(RAND_ALPHABET[rng.randrange(len(RAND_ALPHABET))] for _ in range(length))


def go_atoi(text: str) -> int:
    """strconv.Atoi, with its error text."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        raise KubectlError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    value = int(text)
    if not -(2 ** 63) <= value < 2 ** 63:
        raise KubectlError(f'strconv.Atoi: parsing "{text}": value out of range')
    return value


def parse_port(text: str) -> int:
    """utilsnet.ParsePort(text, allowZero=true): strconv.ParseUint(text, 10, 16)."""
    if not text or not text.isascii() or not text.isdigit():
        raise KubectlError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    value = int(text)
    if value > 65535:
        raise KubectlError(f'strconv.ParseUint: parsing "{text}": value out of range')
    return value


def slice_value(parsed: Parsed, name: str) -> list[str]:
    """A StringSlice flag's value; pflag reads `--flag=` as an empty list."""
    values = list(parsed.get(name) or [])
    return [] if values == [""] else values


def new_meta(inv: Invocation, name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """ObjectMeta as the typed generators leave it (creationTimestamp: null)."""
    meta: dict[str, Any] = {"name": name}
    if inv.namespace_explicit:
        meta["namespace"] = inv.namespace
    meta["creationTimestamp"] = None
    if labels:
        meta["labels"] = dict(labels)
    return meta


def create_object(inv: Invocation, obj: dict[str, Any], wrap: str | None) -> None:
    """Send the generated object (unless --dry-run=client) and print it."""
    strategy = inv.dry_run()
    res = resources.by_kind(obj["apiVersion"], obj["kind"])
    assert res is not None
    if strategy != "client":
        try:
            obj = inv.api.create(obj, namespace=inv.namespace, dry_run=(strategy == "server"))
        except StatusError as exc:
            if wrap is None:
                raise
            raise KubectlError(f"{wrap}: {exc.message}") from exc
    print_result(inv, obj, res, "created", strategy, typed=(strategy == "client"))


# -- create deployment -------------------------------------------------------
def container_name(image: str) -> str:
    """buildPodSpec: the last path element, without tag or digest."""
    name = image.split("/")[-1]
    if ":" in name:
        name = name.split(":")[0]
    if "@" in name:
        name = name.split("@")[0]
    return name


def build_deployment(inv: Invocation, name: str, images: list[str], replicas: int, port: int,
                     command: list[str]) -> dict[str, Any]:
    """createDeployment: labels, selector and template all `app=NAME`."""
    containers = []
    for image in images:
        cname = container_name(image)
        if "_" in cname or "." in cname:  # sanitizeAndUniquify
            cname = cname.replace("_", "-").replace(".", "-") + "-" + rand_string(inv, 5)
        container: dict[str, Any] = {"name": cname, "image": image}
        if command:
            container["command"] = list(command)
        container["resources"] = {}
        containers.append(container)
    if port >= 0 and containers:
        containers[0]["ports"] = [{"containerPort": port}]
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": new_meta(inv, name, labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"creationTimestamp": None, "labels": dict(labels)},
                         "spec": {"containers": containers}},
            "strategy": {},
        },
        "status": {},
    }


@subcommand("create deployment", aliases=("create deploy",), flags=CREATE_FLAGS + (
    Flag("image", kind="slice", default=[]),
    Flag("port", kind="int", default=-1),
    Flag("replicas", "r", kind="int", default=1),
    Flag("field-manager", default="kubectl-create"),
))
def create_deployment(inv: Invocation, parsed: Parsed) -> int:
    require_flags(parsed, "image")
    name = name_from_args(inv, parsed)
    command = parsed.args[1:]
    check_format(parsed.get("output", ""))
    images = slice_value(parsed, "image")
    if len(images) > 1 and command:
        raise KubectlError("cannot specify multiple --image options and command")
    obj = build_deployment(inv, name, images, parsed["replicas"], parsed["port"], command)
    create_object(inv, obj, "failed to create deployment")
    return 0


# -- create service ------------------------------------------------------------
def parse_tcp(spec: str) -> tuple[int, int | str]:
    """parsePorts: `port[:targetPort]`, targetPort a number or an IANA name."""
    parts = spec.split(":")
    port = parse_port(parts[0])
    if len(parts) == 1:
        return port, port
    target = parts[1]
    try:
        number = go_atoi(target)
    except KubectlError:
        errs = is_valid_port_name(target)
        if errs:
            raise KubectlError(",".join(errs)) from None
        return port, target
    errs = is_valid_port_num(number)
    if errs:
        raise KubectlError(",".join(errs))
    return port, number


def build_service(inv: Invocation, name: str, svc_type: str, tcp: list[str], cluster_ip: str = "",
                  node_port: int = 0, external_name: str = "") -> dict[str, Any]:
    """createService: selector and label `app=NAME`, one TCP port per --tcp."""
    ports = []
    for spec in tcp:
        port, target = parse_tcp(spec)
        entry: dict[str, Any] = {"name": spec.replace(":", "-"), "protocol": "TCP", "port": port,
                                 "targetPort": target}
        if node_port:
            entry["nodePort"] = node_port
        ports.append(entry)
    spec_out: dict[str, Any] = {}
    if ports:
        spec_out["ports"] = ports
    spec_out["selector"] = {"app": name}
    if cluster_ip:
        spec_out["clusterIP"] = cluster_ip
    spec_out["type"] = svc_type
    if external_name:
        spec_out["externalName"] = external_name
    return {"kind": "Service", "apiVersion": "v1", "metadata": new_meta(inv, name, {"app": name}),
            "spec": spec_out, "status": {"loadBalancer": {}}}


def _run_create_service(inv: Invocation, parsed: Parsed, svc_type: str) -> int:
    if svc_type == "ExternalName":
        require_flags(parsed, "external-name")
    name = name_from_args(inv, parsed)
    inv.dry_run()
    check_format(parsed.get("output", ""))
    tcp = slice_value(parsed, "tcp")
    cluster_ip = parsed.get("clusterip", "") or ""
    external_name = parsed.get("external-name", "") or ""
    if cluster_ip == "None" and svc_type != "ClusterIP":
        raise KubectlError("ClusterIP=None can only be used with ClusterIP service type")
    if cluster_ip != "None" and not tcp and svc_type != "ExternalName":
        raise KubectlError("at least one tcp port specifier must be provided")
    if svc_type == "ExternalName" and is_dns1123_subdomain(external_name):
        raise KubectlError(f"invalid service external name {external_name}")
    obj = build_service(inv, name, svc_type, tcp, cluster_ip, parsed.get("node-port", 0) or 0, external_name)
    create_object(inv, obj, f"failed to create {svc_type} service")
    return 0


SERVICE_FLAGS = CREATE_FLAGS + (Flag("tcp", kind="slice", default=[]), Flag("field-manager", default="kubectl-create"))


@subcommand("create service clusterip", flags=SERVICE_FLAGS + (Flag("clusterip", default=""),))
def create_service_clusterip(inv: Invocation, parsed: Parsed) -> int:
    return _run_create_service(inv, parsed, "ClusterIP")


@subcommand("create service nodeport", flags=SERVICE_FLAGS + (Flag("node-port", kind="int", default=0),))
def create_service_nodeport(inv: Invocation, parsed: Parsed) -> int:
    return _run_create_service(inv, parsed, "NodePort")


@subcommand("create service loadbalancer", flags=SERVICE_FLAGS)
def create_service_loadbalancer(inv: Invocation, parsed: Parsed) -> int:
    return _run_create_service(inv, parsed, "LoadBalancer")


@subcommand("create service externalname", flags=SERVICE_FLAGS + (Flag("external-name", default=""),))
def create_service_externalname(inv: Invocation, parsed: Parsed) -> int:
    return _run_create_service(inv, parsed, "ExternalName")


@subcommand("create service", aliases=("create svc",))
def create_service(inv: Invocation, parsed: Parsed) -> int:
    """DefaultSubCommandRun: help on stderr and exit 1, or `unknown command`."""
    from .command import help_text

    if parsed.args:
        raise inv.usage_error(f'unknown command "{" ".join(parsed.args)}"')
    inv.err(help_text("create service") or "")
    return 1


# -- create namespace ----------------------------------------------------------
@subcommand("create namespace", aliases=("create ns",), flags=CREATE_FLAGS + (
    Flag("field-manager", default="kubectl-create"),))
def create_namespace(inv: Invocation, parsed: Parsed) -> int:
    name = name_from_args(inv, parsed)
    inv.dry_run()
    check_format(parsed.get("output", ""))
    obj = {"kind": "Namespace", "apiVersion": "v1",
           "metadata": {"name": name, "creationTimestamp": None}, "spec": {}, "status": {}}
    create_object(inv, obj, None)
    return 0


# -- create serviceaccount -----------------------------------------------------
@subcommand("create serviceaccount", aliases=("create sa",), flags=CREATE_FLAGS + (
    Flag("field-manager", default="kubectl-create"),))
def create_serviceaccount(inv: Invocation, parsed: Parsed) -> int:
    """create_serviceaccount.go: a bare ServiceAccount (the namespace only when given)."""
    name = name_from_args(inv, parsed)
    inv.dry_run()
    check_format(parsed.get("output", ""))
    obj = {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": new_meta(inv, name)}
    create_object(inv, obj, None)
    return 0
