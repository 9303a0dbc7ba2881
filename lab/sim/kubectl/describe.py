"""`kubectl describe`: ports of k8s.io/kubectl/pkg/describe/describe.go.

Each describer writes `key:\\tvalue` lines through a PrefixWriter (two
spaces per level) into text/tabwriter(minwidth 0, tabwidth 8, padding 2);
the Events table is flushed separately, as DescribeEvents does.

`related` carries what the real describer fetches from the apiserver:
  "events":          Events whose involvedObject is this object (all kinds);
                     None omits the Events section (--show-events=false)
  "endpointslices":  Service: EndpointSlices labelled kubernetes.io/service-name=<svc>
  "replicasets":     Deployment: the ReplicaSets it controls
  "pods":            ReplicaSet: the Pods it controls; Node: the Pods on the node
  "lease":           Node: its coordination.k8s.io Lease (optional)
  "resourcequotas", "limitranges": Namespace (default: none)
Missing keys mean "none found".
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from .duration import parse_time, translate_timestamp_since
from .printers import format_labels, selector_string
from .tabwriter import describe_tabwriter

_OMIT = object()

SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}
MAX_ANNOTATION_LEN = 140


class PrefixWriter:
    """describe.go's prefixWriter over a tabwriter."""

    def __init__(self) -> None:
        self.tw = describe_tabwriter()

    def write(self, level: int, text: str) -> None:
        self.tw.write("  " * level + text)

    def line(self, text: str = "") -> None:
        self.tw.write(text + "\n")

    def flush(self) -> None:
        self.tw.flush()

    def getvalue(self) -> str:
        self.tw.flush()
        return self.tw.getvalue()


def _rfc1123z(ts: str | None) -> str:
    """time.RFC1123Z ("Mon, 02 Jan 2006 15:04:05 -0700"), in UTC."""
    if not ts:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    return parse_time(ts).astimezone(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def print_labels_multiline(w: PrefixWriter, title: str, labels: dict | None, initial_indent: str = "",
                           inner_indent: str = "\t") -> None:
    w.write(0, f"{initial_indent}{title}:{inner_indent}")
    keys = sorted(labels or {})
    if not keys:
        w.line("<none>")
        return
    for i, k in enumerate(keys):
        if i:
            w.write(0, initial_indent + inner_indent)
        w.write(0, f"{k}={labels[k]}\n")


def _shorten(s: str, n: int) -> str:
    return s[:n] + "..." if len(s) > n else s


def print_annotations_multiline(w: PrefixWriter, title: str, annotations: dict | None) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k not in SKIP_ANNOTATIONS)
    if not keys:
        w.line("<none>")
        return
    for i, k in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = annotations[k]
        if value.endswith("\n"):
            value = value[:-1]
        if len(value) + len(k) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{k}:\n")
            for s in value.split("\n"):
                w.write(0, f"\t  {_shorten(s, MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{k}: {value}\n")


def _sorted_events(events: list[dict]) -> list[dict]:
    # SortableEvents orders by lastTimestamp (sort.Sort; we keep ties stable)
    return sorted(events, key=lambda e: e.get("lastTimestamp") or "")


def describe_events(events: list[dict] | None, w: PrefixWriter, now: datetime) -> None:
    """DescribeEvents: `Events:  <none>` or the Type/Reason/Age/From/Message table."""
    if events is _OMIT:
        return
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in _sorted_events(events):
        first = translate_timestamp_since(e.get("eventTime"), now) if e.get("eventTime") else \
            translate_timestamp_since(e.get("firstTimestamp"), now)
        if e.get("series"):
            interval = (f"{translate_timestamp_since(e['series'].get('lastObservedTime'), now)} "
                        f"(x{e['series'].get('count', 0)} over {first})")
        elif int(e.get("count") or 0) > 1:
            interval = f"{translate_timestamp_since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingController") or e.get("reportingComponent") or ""
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t{(e.get('message') or '').strip()}\n")


def _join_host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoint_slices(slices: list[dict], port_name: str | None) -> str:
    """formatEndpointSlices: ready endpoints of the named port, max 3 then `+ N more...`."""
    if not slices:
        return "<none>"
    out: list[str] = []
    limit, more, count = 3, False, 0

    def ready(ep: dict) -> bool:
        r = (ep.get("conditions") or {}).get("ready")
        return r is None or bool(r)

    for es in slices:
        ports = es.get("ports") or []
        if not ports:
            for ep in es.get("endpoints") or []:
                if ready(ep):
                    count += len(ep.get("addresses") or [])
                    for a in ep.get("addresses") or []:
                        if len(out) == limit:
                            more = True
                            break
                        out.append(a)
            continue
        for p in ports:
            if port_name is None or (p.get("name") or "") == port_name:
                for ep in es.get("endpoints") or []:
                    if ready(ep):
                        count += len(ep.get("addresses") or [])
                        for a in ep.get("addresses") or []:
                            if len(out) == limit:
                                more = True
                                break
                            out.append(_join_host_port(a, p.get("port")))
    ret = ",".join(out)
    if more:
        return f"{ret} + {count - limit} more..."
    return ret


def _ingress_string(ingress: list[dict]) -> str:
    parts = []
    for ing in ingress:
        s = ing.get("ip") or ing.get("hostname") or ""
        if ing.get("ipMode"):
            s += f" ({ing['ipMode']})"
        parts.append(s)
    return ", ".join(parts)


# --------------------------------------------------------------------------
# Service, Endpoints
# --------------------------------------------------------------------------

def describe_service(svc: dict, related: dict, now: datetime) -> str:
    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    m = _meta(svc)
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{_ingress_string(ingress)}\n")
    slices = related.get("endpointslices") or []
    for p in spec.get("ports") or []:
        name = p.get("name") or "<unset>"
        proto = p.get("protocol", "")
        w.write(0, f"Port:\t{name}\t{p.get('port', 0)}/{proto}\n")
        tp = p.get("targetPort", p.get("port", 0))
        w.write(0, f"TargetPort:\t{tp}/{proto}\n")
        if p.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, p.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    describe_events(related.get("events"), w, now)
    return w.getvalue()


def describe_endpoints(ep: dict, related: dict, now: datetime) -> str:
    m = _meta(ep)
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, "Subsets:\n")
    for ss in ep.get("subsets") or []:
        addrs = ",".join(a.get("ip", "") for a in ss.get("addresses") or []) or "<none>"
        w.write(1, f"Addresses:\t{addrs}\n")
        nr = ",".join(a.get("ip", "") for a in ss.get("notReadyAddresses") or []) or "<none>"
        w.write(1, f"NotReadyAddresses:\t{nr}\n")
        if ss.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in ss["ports"]:
                w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port', 0)}\t{p.get('protocol', '')}\n")
        w.write(0, "\n")
    describe_events(related.get("events"), w, now)
    return w.getvalue()


# --------------------------------------------------------------------------
# Pods and pod templates
# --------------------------------------------------------------------------

def _describe_probe(probe: dict) -> str:
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
             f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
             f"#failure={probe.get('failureThreshold', 3)}")
    if probe.get("exec"):
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet"):
        h = probe["httpGet"]
        scheme = (h.get("scheme") or "HTTP").lower()
        port = str(h.get("port", ""))
        host = _join_host_port(h.get("host", ""), port) if port else h.get("host", "")
        return f"http-get {scheme}://{host}{h.get('path', '')} {attrs}"
    if probe.get("tcpSocket"):
        t = probe["tcpSocket"]
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')} {attrs}"
    if probe.get("grpc"):
        g = probe["grpc"]
        return f"grpc <pod>:{g.get('port', 0)} {g.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _describe_state(name: str, state: dict, w: PrefixWriter) -> None:
    if state.get("running") is not None:
        w.write(2, f"{name}:\tRunning\n")
        w.write(3, f"Started:\t{_rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{name}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{name}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if t.get("signal"):
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{_rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{_rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{name}:\tWaiting\n")


def _field_value(meta: dict, path: str) -> str:
    """kubectl's EnvValueRetriever: fieldpath.ExtractFieldPathAsString on the Pod (what it cannot
    extract, such as spec.nodeName, prints empty)."""
    if path in ("metadata.name", "metadata.namespace", "metadata.uid"):
        return str(meta.get(path.split(".", 1)[1], ""))
    return ""


def _describe_containers(label: str, containers: list[dict], statuses: list[dict] | None,
                         w: PrefixWriter, space: str, pod_meta: dict | None = None) -> None:
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(0, f"{space}{label}:{' <none>' if not containers else ''}\n")
    for c in containers:
        st = by_name.get(c.get("name"))
        ok = st is not None
        w.write(1, f"{' ' if space else ''}{c.get('name', '')}:\n")
        if ok:
            w.write(2, f"Container ID:\t{st.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if ok:
            w.write(2, f"Image ID:\t{st.get('imageID', '')}\n")
        ports = ", ".join(f"{p.get('containerPort', 0)}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or [])
        w.write(2, f"Ports:\t{ports}\n" if "," in ports else f"Port:\t{ports or '<none>'}\n")
        hports = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or [])
        w.write(2, f"Host Ports:\t{hports}\n" if "," in hports else f"Host Port:\t{hports or '<none>'}\n")
        if c.get("restartPolicy"):
            w.write(2, f"Restart Policy:\t{c['restartPolicy']}\n")
        for key, title in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                w.write(2, f"{title}:\n")
                for item in c[key]:
                    for s in str(item).split("\n"):
                        w.write(3, f"{s}\n")
        if ok:
            _describe_state("State", st.get("state") or {}, w)
            last = st.get("lastState") or {}
            if last.get("terminated") is not None:
                _describe_state("Last State", last, w)
            w.write(2, f"Ready:\t{'True' if st.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{st.get('restartCount', 0)}\n")
        res = c.get("resources") or {}
        for key, title in (("limits", "Limits"), ("requests", "Requests")):
            if res.get(key):
                w.write(2, f"{title}:\n")
                for name in sorted(res[key]):
                    w.write(3, f"{name}:\t{res[key][name]}\n")
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
            if c.get(key):
                w.write(2, f"{title}:\t{_describe_probe(c[key])}\n")
        env = c.get("env") or []
        w.write(2, f"Environment:{'' if env else chr(9) + '<none>'}\n")
        for e in env:
            if "valueFrom" not in e:
                for i, s in enumerate(str(e.get("value", "")).split("\n")):
                    w.write(3, f"{e.get('name', '')}:\t{s}\n" if i == 0 else f"\t{s}\n")
                continue
            vf = e["valueFrom"]
            if vf.get("fieldRef"):
                fr = vf["fieldRef"]
                value = _field_value(pod_meta, fr.get("fieldPath", "")) if pod_meta is not None else ""
                w.write(3, f"{e.get('name', '')}:\t{value} ({fr.get('apiVersion') or 'v1'}:{fr.get('fieldPath', '')})\n")
            elif vf.get("configMapKeyRef"):
                r = vf["configMapKeyRef"]
                w.write(3, f"{e.get('name', '')}:\t<set to the key '{r.get('key', '')}' of config map '{r.get('name', '')}'>\tOptional: {str(bool(r.get('optional'))).lower()}\n")
            elif vf.get("secretKeyRef"):
                r = vf["secretKeyRef"]
                w.write(3, f"{e.get('name', '')}:\t<set to the key '{r.get('key', '')}' in secret '{r.get('name', '')}'>\tOptional: {str(bool(r.get('optional'))).lower()}\n")
        mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        w.write(2, f"Mounts:{'' if mounts else chr(9) + '<none>'}\n")
        for mnt in mounts:
            flags = ["ro" if mnt.get("readOnly") else "rw"]
            if mnt.get("subPath"):
                flags.append(f'path="{mnt["subPath"]}"')
            w.write(3, f"{mnt.get('mountPath', '')} from {mnt.get('name', '')} ({','.join(flags)})\n")


def _go_bool_ptr(v: Any) -> str:
    return "<nil>" if v is None else ("true" if v else "false")


def _describe_volumes(volumes: list[dict], w: PrefixWriter, space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for v in volumes:
        w.write(1, f"{' ' if space else ''}{v.get('name', '')}:\n")
        if v.get("hostPath") is not None:
            hp = v["hostPath"]
            w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{hp.get('path', '')}\n"
                       f"    HostPathType:\t{hp.get('type') or '<none>'}\n")
        elif v.get("emptyDir") is not None:
            ed = v["emptyDir"]
            w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                       f"    Medium:\t{ed.get('medium', '')}\n    SizeLimit:\t{ed.get('sizeLimit') or '<unset>'}\n")
        elif v.get("configMap") is not None:
            cm = v["configMap"]
            w.write(2, f"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{cm.get('name', '')}\n"
                       f"    Optional:\t{'true' if cm.get('optional') else 'false'}\n")
        elif v.get("secret") is not None:
            sec = v["secret"]
            w.write(2, f"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{sec.get('secretName', '')}\n"
                       f"    Optional:\t{'true' if sec.get('optional') else 'false'}\n")
        elif v.get("projected") is not None:
            w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
            for src in v["projected"].get("sources") or []:
                if src.get("secret") is not None:
                    w.write(2, f"SecretName:\t{src['secret'].get('name', '')}\n"
                               f"    SecretOptionalName:\t{_go_bool_ptr(src['secret'].get('optional'))}\n")
                elif src.get("downwardAPI") is not None:
                    w.write(2, "DownwardAPI:\ttrue\n")
                elif src.get("configMap") is not None:
                    w.write(2, f"ConfigMapName:\t{src['configMap'].get('name', '')}\n"
                               f"    ConfigMapOptional:\t{_go_bool_ptr(src['configMap'].get('optional'))}\n")
                elif src.get("serviceAccountToken") is not None:
                    w.write(2, f"TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 3600)}\n")
        else:
            # SIMPLIFICATION: other volume sources are not described in detail
            w.write(2, "Type:\t<unknown>\n")


def _print_tolerations(w: PrefixWriter, title: str, tolerations: list[dict] | None) -> None:
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if (t.get("key") or t.get("effect")) else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def _qos_class(pod: dict) -> str:
    """GetPodQOS: status.qosClass, else computed from requests and limits."""
    q = (pod.get("status") or {}).get("qosClass")
    if q:
        return q
    containers = ((pod.get("spec") or {}).get("containers") or []) + ((pod.get("spec") or {}).get("initContainers") or [])
    requests, limits, guaranteed = {}, {}, True
    for c in containers:
        res = c.get("resources") or {}
        req = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory")}
        lim = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory")}
        requests.update(req)
        limits.update(lim)
        if set(lim) != {"cpu", "memory"} or any(req.get(k, lim[k]) != lim[k] for k in lim):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _controller_of(obj: dict) -> str:
    for ref in _meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def describe_pod(pod: dict, related: dict, now: datetime) -> str:
    m, spec, st = _meta(pod), pod.get("spec") or {}, pod.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    if not spec.get("nodeName"):
        w.write(0, "Node:\t<none>\n")
    else:
        w.write(0, f"Node:\t{spec['nodeName']}/{st.get('hostIP', '')}\n")
    if st.get("startTime"):
        w.write(0, f"Start Time:\t{_rfc1123z(st['startTime'])}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    if m.get("deletionTimestamp") and st.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {translate_timestamp_since(m['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{m.get('deletionGracePeriodSeconds', 30)}s\n")
    else:
        w.write(0, f"Status:\t{st.get('phase', '')}\n")
    if st.get("reason"):
        w.write(0, f"Reason:\t{st['reason']}\n")
    if st.get("message"):
        w.write(0, f"Message:\t{st['message']}\n")
    w.write(0, f"IP:\t{st.get('podIP', '')}\n")
    if not st.get("podIPs"):
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in st["podIPs"]:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    ctl = _controller_of(pod)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    if st.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{st['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        _describe_containers("Init Containers", spec["initContainers"], st.get("initContainerStatuses"), w, "",
                             pod.get("metadata") or {})
    _describe_containers("Containers", spec.get("containers") or [], st.get("containerStatuses") or [], w, "",
                         pod.get("metadata") or {})
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        conds = {c.get("type"): c.get("status") for c in st.get("conditions") or []}
        for g in spec["readinessGates"]:
            w.write(1, f"{g.get('conditionType', '')} \t{conds.get(g.get('conditionType'), '<none>')} \n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \n")
    _describe_volumes(spec.get("volumes") or [], w, "")
    w.write(0, f"QoS Class:\t{_qos_class(pod)}\n")
    print_labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    _print_tolerations(w, "Tolerations", spec.get("tolerations"))
    describe_events(related.get("events"), w, now)
    return w.getvalue()


def describe_pod_template(template: dict | None, w: PrefixWriter) -> None:
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    tm, ts = template.get("metadata") or {}, template.get("spec") or {}
    print_labels_multiline(w, "  Labels", tm.get("labels"))
    if tm.get("annotations"):
        print_annotations_multiline(w, "  Annotations", tm["annotations"])
    if ts.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{ts['serviceAccountName']}\n")
    if ts.get("initContainers"):
        _describe_containers("Init Containers", ts["initContainers"], None, w, "  ")
    _describe_containers("Containers", ts.get("containers") or [], None, w, "  ")
    _describe_volumes(ts.get("volumes") or [], w, "  ")
    if ts.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{ts['priorityClassName']}\n")
    print_labels_multiline(w, "  Node-Selectors", ts.get("nodeSelector"))
    _print_tolerations(w, "  Tolerations", ts.get("tolerations"))


# --------------------------------------------------------------------------
# Deployment, ReplicaSet
# --------------------------------------------------------------------------

def _template_without_hash(t: dict | None) -> dict:
    import copy
    t = copy.deepcopy(t or {})
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop("pod-template-hash", None)
    return t


def split_replicasets(deploy: dict, replicasets: list[dict]) -> tuple[list[dict], dict | None]:
    """(old, new) as deployment util FindNewReplicaSet/FindOldReplicaSets decide:
    the new RS has the Deployment's pod template (ignoring pod-template-hash);
    the oldest such RS wins."""
    want = _template_without_hash((deploy.get("spec") or {}).get("template"))
    rss = sorted(replicasets, key=lambda r: (_meta(r).get("creationTimestamp") or "", _meta(r).get("name", "")))
    new = next((r for r in rss if _template_without_hash((r.get("spec") or {}).get("template")) == want), None)
    old = [r for r in rss if r is not new]
    return old, new


def _rs_list(rss: list[dict]) -> str:
    s = ", ".join(f"{_meta(r).get('name', '')} ({(r.get('status') or {}).get('replicas', 0)}/"
                  f"{(r.get('spec') or {}).get('replicas', 0)} replicas created)" for r in rss)
    return s or "<none>"


def _int_or_string(v: Any) -> str:
    return str(v)


def describe_deployment(d: dict, related: dict, now: datetime) -> str:
    m, spec, st = _meta(d), d.get("spec") or {}, d.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{_rfc1123z(m.get('creationTimestamp'))}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('updatedReplicas', 0)} updated | "
               f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
               f"{st.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{_int_or_string(ru.get('maxUnavailable', 0))} max unavailable, "
                   f"{_int_or_string(ru.get('maxSurge', 0))} max surge\n")
    describe_pod_template(spec.get("template"), w)
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")
    if "replicasets" in related:
        old, new = split_replicasets(d, related.get("replicasets") or [])
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new else [])}\n")
    describe_events(related.get("events"), w, now)
    return w.getvalue()


def describe_replicaset(rs: dict, related: dict, now: datetime) -> str:
    m, spec, st = _meta(rs), rs.get("spec") or {}, rs.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{selector_string(spec.get('selector')) or '<none>'}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    ctl = _controller_of(rs)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    phases = [(p.get("status") or {}).get("phase") for p in related.get("pods") or []]
    w.write(0, "Pods Status:\t")
    w.write(0, f"{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
               f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed\n")
    describe_pod_template(spec.get("template"), w)
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")
    describe_events(related.get("events"), w, now)
    return w.getvalue()


# --------------------------------------------------------------------------
# Namespace, ConfigMap
# --------------------------------------------------------------------------

def describe_namespace(ns: dict, related: dict, now: datetime) -> str:
    m = _meta(ns)
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Status:\t{(ns.get('status') or {}).get('phase', '')}\n")
    w.write(0, "\n")
    if not related.get("resourcequotas"):
        w.write(0, "No resource quota.\n")
    else:
        # SIMPLIFICATION: quotas are listed by name only
        for q in related["resourcequotas"]:
            w.write(0, f"Resource Quotas\n  Name:\t{_meta(q).get('name', '')}\n")
    w.write(0, "\n")
    if not related.get("limitranges"):
        w.write(0, "No LimitRange resource.\n")
    else:
        for lr in related["limitranges"]:
            w.write(0, f"Resource Limits\n  Name:\t{_meta(lr).get('name', '')}\n")
    return w.getvalue()


def describe_configmap(cm: dict, related: dict, now: datetime) -> str:
    m = _meta(cm)
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, "\nData\n====\n")
    # SIMPLIFICATION: Go ranges over the map in random order; we sort the keys
    for k in sorted(cm.get("data") or {}):
        w.write(0, f"{k}:\n----\n")
        w.write(0, f"{cm['data'][k]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    import base64
    for k in sorted(cm.get("binaryData") or {}):
        w.write(0, f"{k}: {len(base64.b64decode(cm['binaryData'][k]))} bytes\n")
    w.write(0, "\n")
    describe_events(related.get("events"), w, now)
    return w.getvalue()


def describe_serviceaccount(sa: dict, related: dict, now: datetime) -> str:
    """describeServiceAccount: three secret lists under headers padded to one width, sorted.

    The lab serves no Secrets, so every secret an account names is `(not found)`."""
    m = _meta(sa)
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    lists = {
        "Image pull secrets:": ([s.get("name", "") for s in sa.get("imagePullSecrets") or []], False),
        "Mountable secrets: ": ([s.get("name", "") for s in sa.get("secrets") or []], True),
        "Tokens:            ": ([], True),
    }
    for header in sorted(lists):
        names, checked = lists[header]
        if not names:
            w.write(0, f"{header}\t<none>\n")
            continue
        prefix = header
        for name in names:
            w.write(0, f"{prefix}\t{name}{' (not found)' if checked else ''}\n")
            prefix = " " * len(header)
    describe_events(related.get("events"), w, now)
    return w.getvalue()


# --------------------------------------------------------------------------
# Node
# --------------------------------------------------------------------------

_SUFFIX = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9,
           "T": 10 ** 12, "m": 0.001, "": 1}


def _quantity(q: Any) -> float:
    s = str(q)
    for suf in ("Ki", "Mi", "Gi", "Ti", "k", "M", "G", "T", "m"):
        if s.endswith(suf):
            return float(s[:-len(suf)]) * _SUFFIX[suf]
    return float(s or 0)


def _fmt_quantity(value: float, kind: str, example: str) -> str:
    """Quantity.String() for sums of requests (SIMPLIFICATION: cpu in m or
    cores, memory in the largest binary suffix that divides it)."""
    if value == 0:
        return "0"
    if kind == "cpu":
        milli = round(value * 1000)
        return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"
    v = int(round(value))
    for suf in ("Ti", "Gi", "Mi", "Ki"):
        if v % _SUFFIX[suf] == 0:
            return f"{v // _SUFFIX[suf]}{suf}"
    return str(v)


def _pod_resources(pod: dict) -> tuple[dict, dict]:
    req: dict[str, float] = {}
    lim: dict[str, float] = {}
    for c in (pod.get("spec") or {}).get("containers") or []:
        res = c.get("resources") or {}
        for k, v in (res.get("requests") or {}).items():
            req[k] = req.get(k, 0) + _quantity(v)
        for k, v in (res.get("limits") or {}).items():
            lim[k] = lim.get(k, 0) + _quantity(v)
    for k in lim:
        req.setdefault(k, lim[k])  # requests default to limits
    return req, lim


def _pct(part: float, total: float) -> int:
    return int(part / total * 100) if total else 0


def describe_node(node: dict, related: dict, now: datetime) -> str:
    m, spec, st = _meta(node), node.get("spec") or {}, node.get("status") or {}
    from .printers import node_roles
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{_rfc1123z(m.get('creationTimestamp'))}\n")
    taints = spec.get("taints") or []
    w.write(0, "Taints:\t")
    if not taints:
        w.line("<none>")
    for i, t in enumerate(taints):
        if i:
            w.write(0, "\t")
        w.write(0, f"{t.get('key', '')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect', '')}\n")
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    lease = related.get("lease")
    if lease is not None:
        ls = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
        w.write(1, f"AcquireTime:\t{_rfc1123z(ls['acquireTime']) if ls.get('acquireTime') else '<unset>'}\n")
        w.write(1, f"RenewTime:\t{_rfc1123z(ls['renewTime']) if ls.get('renewTime') else '<unset>'}\n")
    conds = st.get("conditions") or []
    if conds:
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conds:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t{_rfc1123z(c.get('lastHeartbeatTime'))} \t"
                       f"{_rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for a in st.get("addresses") or []:
        w.write(1, f"{a.get('type', '')}:\t{a.get('address', '')}\n")
    for key, title in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        if st.get(key):
            w.write(0, f"{title}:\n")
            for k in sorted(st[key]):
                w.write(1, f"{k}:\t{st[key][k]}\n")
    info = st.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                       ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                       ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"), ("Kubelet Version", "kubeletVersion")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if info.get("kubeProxyVersion"):
        w.write(0, f"  Kube-Proxy Version:\t{info['kubeProxyVersion']}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
        w.write(0, f"PodCIDRs:\t{','.join(spec.get('podCIDRs') or [spec['podCIDR']])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    pods = [p for p in related.get("pods") or [] if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    alloc = st.get("allocatable") or {}
    cpu_total, mem_total = _quantity(alloc.get("cpu", 0)), _quantity(alloc.get("memory", 0))
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    tot_req: dict[str, float] = {}
    tot_lim: dict[str, float] = {}
    for p in pods:
        req, lim = _pod_resources(p)
        for k, v in req.items():
            tot_req[k] = tot_req.get(k, 0) + v
        for k, v in lim.items():
            tot_lim[k] = tot_lim.get(k, 0) + v
        cr, cl = req.get("cpu", 0), lim.get("cpu", 0)
        mr, ml = req.get("memory", 0), lim.get("memory", 0)
        w.write(1, f"{_meta(p).get('namespace', '')}\t{_meta(p).get('name', '')}\t\t"
                   f"{_fmt_quantity(cr, 'cpu', '')} ({_pct(cr, cpu_total)}%)\t{_fmt_quantity(cl, 'cpu', '')} ({_pct(cl, cpu_total)}%)\t"
                   f"{_fmt_quantity(mr, 'memory', '')} ({_pct(mr, mem_total)}%)\t{_fmt_quantity(ml, 'memory', '')} ({_pct(ml, mem_total)}%)\t"
                   f"{translate_timestamp_since(_meta(p).get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    for res, total in (("cpu", cpu_total), ("memory", mem_total)):
        r, li = tot_req.get(res, 0), tot_lim.get(res, 0)
        w.write(1, f"{res}\t{_fmt_quantity(r, res, '')} ({_pct(r, total)}%)\t{_fmt_quantity(li, res, '')} ({_pct(li, total)}%)\n")
    for res in sorted(k for k in alloc if k.startswith("hugepages-") or k == "ephemeral-storage"):
        w.write(1, f"{res}\t0 (0%)\t0 (0%)\n")
    describe_events(related.get("events"), w, now)
    return w.getvalue()


def describe_daemonset(ds: dict, related: dict, now: datetime) -> str:
    m, spec, st = _meta(ds), ds.get("spec") or {}, ds.get("status") or {}
    tspec = (spec.get("template") or {}).get("spec") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(0, f"Node-Selector:\t{format_labels(tspec.get('nodeSelector'))}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Desired Number of Nodes Scheduled: {st.get('desiredNumberScheduled', 0)}\n")
    w.write(0, f"Current Number of Nodes Scheduled: {st.get('currentNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Up-to-date Pods: {st.get('updatedNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Available Pods: {st.get('numberAvailable', 0)}\n")
    w.write(0, f"Number of Nodes Misscheduled: {st.get('numberMisscheduled', 0)}\n")
    phases = [(p.get("status") or {}).get("phase") for p in related.get("pods") or []]
    w.write(0, f"Pods Status:\t{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
               f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed\n")
    describe_pod_template(spec.get("template"), w)
    describe_events(related.get("events"), w, now)
    return w.getvalue()


def describe_endpointslice(es: dict, related: dict, now: datetime) -> str:
    m = _meta(es)
    w = PrefixWriter()
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"AddressType:\t{es.get('addressType', '')}\n")
    ports = es.get("ports") or []
    if not ports:
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for p in ports:
            port = "<unset>" if p.get("port") is None else str(p["port"])
            w.write(1, f"{p.get('name') or '<unset>'}\t{port}\t{p.get('protocol', 'TCP')}\n")
    eps = es.get("endpoints") or []
    if not eps:
        w.write(0, "Endpoints: <none>\n")
    else:
        w.write(0, "Endpoints:\n")
        for ep in eps:
            w.write(1, f"- Addresses:\t{', '.join(ep.get('addresses') or []) or '<none>'}\n")
            w.write(2, "Conditions:\n")
            ready = (ep.get("conditions") or {}).get("ready")
            w.write(3, f"Ready:\t{'<unset>' if ready is None else str(bool(ready)).lower()}\n")
            w.write(2, f"Hostname:\t{ep.get('hostname') if ep.get('hostname') is not None else '<unset>'}\n")
            ref = ep.get("targetRef")
            if ref:
                w.write(2, f"TargetRef:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
            w.write(2, f"NodeName:\t{ep.get('nodeName') if ep.get('nodeName') is not None else '<unset>'}\n")
            w.write(2, f"Zone:\t{ep.get('zone') if ep.get('zone') is not None else '<unset>'}\n")
    describe_events(related.get("events"), w, now)
    return w.getvalue()


DESCRIBERS: dict[str, Callable[[dict, dict, datetime], str]] = {
    "DaemonSet": describe_daemonset, "EndpointSlice": describe_endpointslice,
    "Service": describe_service, "Endpoints": describe_endpoints, "Pod": describe_pod,
    "Deployment": describe_deployment, "ReplicaSet": describe_replicaset, "Namespace": describe_namespace,
    "ConfigMap": describe_configmap, "Node": describe_node, "ServiceAccount": describe_serviceaccount,
}


def describe(kind: str, obj: dict, related: dict | None, now: datetime) -> str:
    """The text `kubectl describe <kind> <name>` prints for one object."""
    related = dict(related or {})
    if "events" in related and related["events"] is None:
        related["events"] = _OMIT
    return DESCRIBERS[kind](obj, related, now)


def describe_many(texts: list[str]) -> str:
    """Several describes: kubectl separates them with a blank line ("\\n\\n" before each but the first)."""
    return "".join(t if i == 0 else "\n\n" + t for i, t in enumerate(texts))
