"""The check kinds: each reads the world (objects, the command journal, kube-proxy's
rules, CoreDNS's answers, host files) and says whether it holds, never changing it.

`run(world, check) -> Outcome(passed, detail)`; `describe(check, lang)` is the
line the lesson panel shows beside the check's mark.
"""
from __future__ import annotations

import hashlib
import inspect
import re
import shlex
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import orjson

from ..api.labels import parse_selector
from ..api.resources import resolve
from ..dns.message import reverse_name
from ..shell import journal
from . import fields, templates
from .model import Check


@dataclass(frozen=True)
class Outcome:
    passed: bool
    detail: str = ""


_CHECKS: dict[str, Callable[[Any, dict[str, Any]], Outcome]] = {}


def _check(kind: str):
    def register(fn):
        _CHECKS[kind] = fn
        return fn
    return register


def run(world: Any, check: Check) -> Outcome:
    """Evaluate one check; a placeholder naming something not there yet fails it."""
    try:
        return _CHECKS[check.kind](world, check.spec)
    except templates.Unresolved as e:
        return Outcome(False, f"waiting for {e}")


def _alternatives(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _namespace(spec: dict[str, Any]) -> str:
    return spec.get("namespace") or "default"


# -- object -----------------------------------------------------------------------------------

@_check("object")
def object_check(world: Any, spec: dict[str, Any]) -> Outcome:
    res = resolve(spec["kind"])
    ns = _namespace(spec) if res.namespaced else ""
    if "name" in spec:
        obj = world.store.peek(res.group_resource, ns, templates.fill(world, spec["name"]))
        found = [obj] if obj is not None else []
    else:
        selector = parse_selector(spec.get("selector"))
        found = [o for o in world.store.iter(res.group_resource, ns or None)
                 if selector.matches((o.get("metadata") or {}).get("labels"))]
    wanted = {k: v for k, v in (spec.get("fields") or {}).items()}
    matching = [o for o in found if all(fields.matches(fields.get(o, k), _fill_value(world, v)) for k, v in wanted.items())]
    names = ", ".join(o["metadata"]["name"] for o in matching[:5])
    if spec.get("absent"):
        return Outcome(not matching, f"still there: {names}" if matching else "")
    if "count" in spec:
        ok = len(matching) == spec["count"]
        return Outcome(ok, "" if ok else f"{len(matching)} match, want {spec['count']}")
    if matching:
        return Outcome(True, names)
    if found and wanted:
        first = found[0]
        diffs = [f"{k} is {_shown(fields.get(first, k))}" for k, v in wanted.items()
                 if not fields.matches(fields.get(first, k), _fill_value(world, v))]
        return Outcome(False, f"{first['metadata']['name']}: " + "; ".join(diffs))
    return Outcome(False, "not found")


def _shown(value: Any) -> str:
    return "not set" if value is fields.MISSING else repr(value)


def _fill_value(world: Any, value: Any) -> Any:
    if isinstance(value, str) and templates.refs(value):
        filled = templates.fill(world, value)
        return int(filled) if filled.isdigit() else filled
    return value


# -- command --------------------------------------------------------------------------------------

def _words(line: str) -> list[str] | None:
    try:
        return shlex.split(line, comments=False)
    except ValueError:
        return None


def _status_ok(status: int, want: Any) -> bool:
    if want == "any":
        return True
    if want == "failed":
        return status != 0
    return status == (0 if want is None else want)


def command_matches(world: Any, spec: dict[str, Any], line: str) -> bool:
    words = _words(line)
    for alt in _alternatives(spec.get("line")):
        alt = templates.fill(world, alt)
        if line.split() == alt.split() or (words is not None and words == _words(alt)):
            return True
    return any(re.search(templates.fill(world, r, re.escape), line) for r in _alternatives(spec.get("regex")))


@_check("command")
def command_check(world: Any, spec: dict[str, Any]) -> Outcome:
    for entry in reversed(journal.entries(world)):
        if "host" in spec and entry["host"] != spec["host"]:
            continue
        if command_matches(world, spec, entry["line"]) and _status_ok(entry["status"], spec.get("status")):
            return Outcome(True, f"#{entry['seq']} {entry['line'][:80]}")
    return Outcome(False, "not run yet")


# -- connection ---------------------------------------------------------------------------------------

def _service_targets(world: Any, spec: dict[str, Any]) -> set[str]:
    svc = world.store.peek("services", _namespace(spec), spec["service"])
    if svc is None:
        raise templates.Unresolved(f"service {spec['service']}")
    sp = svc.get("spec") or {}
    ports = sp.get("ports") or []
    want = spec.get("port")
    if want is not None:
        ports = [p for p in ports if want in (p.get("port"), p.get("name"))]
    via = spec.get("via", "clusterIP")
    out: set[str] = set()
    for p in ports:
        if via == "clusterIP":
            out |= {f"{ip}:{p['port']}" for ip in sp.get("clusterIPs") or [sp.get("clusterIP")] if ip and ip != "None"}
        elif via == "nodePort" and p.get("nodePort"):
            out |= {f"{h.ip}:{p['nodePort']}" for h in world.nodes}
        elif via == "externalIP":
            out |= {f"{ip}:{p['port']}" for ip in sp.get("externalIPs") or []}
        elif via == "loadBalancer":
            ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
            out |= {f"{i['ip']}:{p['port']}" for i in ingress if i.get("ip")}
    return out


def _pod_ips(world: Any, namespace: str, selector_text: str) -> set[str]:
    selector = parse_selector(selector_text)
    return {(p.get("status") or {}).get("podIP") for p in world.store.iter("pods", namespace)
            if selector.matches((p.get("metadata") or {}).get("labels")) and (p.get("status") or {}).get("podIP")}


def _source_matches(want: str | None, source: str) -> bool:
    if not want:
        return True
    if want == "node":
        return source.endswith(" (node)")
    if want.startswith("pod:"):
        ref = want[4:]
        return source == f"pod {ref}" if "/" in ref else source == f"pod default/{ref}"
    return source in (f"{want} (node)", f"{want} (external)")


@_check("connection")
def connection_check(world: Any, spec: dict[str, Any]) -> Outcome:
    ns = _namespace(spec)
    if "service" in spec:
        targets, any_port = _service_targets(world, spec), False
    elif "to_pods" in spec:
        targets, any_port = _pod_ips(world, ns, spec["to_pods"]), True
    else:
        to = templates.fill(world, spec["to"])
        targets, any_port = {to}, ":" not in to
    backend = parse_selector(spec["backend_pods"]) if "backend_pods" in spec else None
    seen_as = templates.fill(world, spec["seen"]) if "seen" in spec else None
    result = spec.get("result", "connected")
    pods: set[str] = set()
    seen = 0
    for entry in journal.entries(world):
        for c in entry["connections"]:
            dest = c["to"].rsplit(":", 1)[0] if any_port else c["to"]
            if dest not in targets or c["result"] != result or not _source_matches(spec.get("from"), c["from"]):
                continue
            if seen_as is not None and c["seen"] != seen_as:
                continue
            if spec.get("hairpin") and c["from"] != f"pod {c['pod']}":
                continue
            if backend is not None:
                ns_name = c["pod"].split("/", 1)
                pod = world.store.peek("pods", *ns_name) if len(ns_name) == 2 else None
                if pod is None or not backend.matches((pod.get("metadata") or {}).get("labels")):
                    continue
            seen += c.get("count", 1)
            if c["pod"]:
                pods.add(c["pod"])
    need = spec.get("distinct_pods", 0)
    if not seen:
        return Outcome(False, "no such connection yet")
    if len(pods) < need:
        return Outcome(False, f"reached {len(pods)} distinct Pod(s), want {need}")
    return Outcome(True, f"{seen} connection(s)" + (f", {len(pods)} Pod(s)" if pods else ""))


# -- dns --------------------------------------------------------------------------------------------------

def _corefile(world: Any) -> Any:
    from ..dns.corefile import parse

    cm = world.store.peek("configmaps", "kube-system", "coredns")
    return parse(((cm or {}).get("data") or {}).get("Corefile", ""))


def _dns_serving(world: Any) -> bool:
    """Some ready CoreDNS Pod stands behind the kube-dns Service (else no Pod gets an answer)."""
    ep = world.store.peek("endpoints", "kube-system", "kube-dns") or {}
    return any(subset.get("addresses") for subset in ep.get("subsets") or [])


def _candidates(name: str, namespace: str, zone: str) -> list[str]:
    if name.endswith("."):
        return [name]
    if name.endswith("." + zone) or name.endswith(".arpa"):
        return [name + "."]
    return [f"{name}.{namespace}.svc.{zone}.", f"{name}.svc.{zone}.", f"{name}.{zone}.", f"{name}."]


def _norm(record: str) -> str:
    return record.rstrip(".").lower()


@_check("dns")
def dns_check(world: Any, spec: dict[str, Any]) -> Outcome:
    """What CoreDNS's kubernetes plugin answers now (without the loadbalance
    shuffle, which changes only the order), for the name as a Pod in
    `namespace` looks it up through its search list; nothing while no ready
    CoreDNS Pod stands behind the kube-dns Service."""
    from ..dns import records as dns_records

    if not _dns_serving(world):
        return Outcome(False, "no ready CoreDNS Pod behind kube-dns")
    cfg = _corefile(world)
    zone = world.profile.cluster_domain
    qtype = spec.get("type", "A")
    name = templates.fill(world, spec["name"])
    if qtype == "PTR" and reverse_name(name):
        name = reverse_name(name)
    reply = None
    for qname in _candidates(name, _namespace(spec), zone):
        reply = dns_records.Lookup(world, cfg).answer(qname, qtype)
        if reply is not None and reply.rcode == 0 and reply.answer:
            break
    rcode = "NXDOMAIN" if reply is None or reply.rcode == 3 else ("NOERROR" if reply.rcode == 0 else str(reply.rcode))
    got = sorted({_norm(rr.data) for rr in (reply.answer if reply else []) if rr.rtype == qtype})
    if "rcode" in spec and rcode != spec["rcode"]:
        return Outcome(False, f"answer {rcode}")
    if "records" in spec or "pods" in spec:
        want = {_norm(templates.fill(world, r)) for r in spec.get("records", [])}
        if "pods" in spec:
            want |= _pod_ips(world, _namespace(spec), spec["pods"])
        if set(got) != want or not want and not got:
            return Outcome(False, f"answers {', '.join(got) or 'nothing'}")
        return Outcome(True, ", ".join(got))
    if "rcode" in spec:
        return Outcome(True, rcode)
    return Outcome(bool(got), ", ".join(got) or f"answer {rcode}, no {qtype} record")


# -- rule -------------------------------------------------------------------------------------------------

DEFAULT_ARGS = {"iptables-save": [], "iptables": ["-t", "nat", "-L", "-n"], "ipvsadm": ["-Ln"],
                "nft": ["list", "ruleset"], "ipset": ["list"]}


#: rendered rule texts per world, valid while its store revision, clock and journal stay the
#: same (a command may move counters without writing to the store)
_RENDERED: "weakref.WeakKeyDictionary[Any, tuple[tuple[int, float, int], dict]]" = weakref.WeakKeyDictionary()


def rules_text(world: Any, node: str, tool: str, args: list[str]) -> str:
    """What `tool args` prints on `node` (empty where kube-proxy never ran).

    Remembered until the world changes: the lesson panel evaluates every
    rule check after each command, and a big ruleset takes a while to print."""
    stamp = (world.store.revision, world.clock.elapsed, journal.last_seq(world))
    cached = _RENDERED.get(world)
    if cached is None or cached[0] != stamp:
        cached = (stamp, {})
        _RENDERED[world] = cached
    key = (node, tool, tuple(args))
    if key in cached[1]:
        return cached[1][key]
    ruleset = world.proxy_ruleset(node)
    out = ""
    if ruleset is not None:
        render = ruleset.render
        if "now" in inspect.signature(render).parameters:
            out, _err, _status = render(tool, list(args), now=world.clock.now)
        else:
            out, _err, _status = render(tool, list(args))
    cached[1][key] = out
    return out


@_check("rule")
def rule_check(world: Any, spec: dict[str, Any]) -> Outcome:
    tool = spec.get("tool", "iptables-save")
    args = spec.get("args", DEFAULT_ARGS[tool])
    where = spec.get("node", "all")
    nodes = [h.name for h in world.nodes] if where in ("all", "any") else [where]
    pattern = re.compile(templates.fill(world, spec["regex"], re.escape), re.MULTILINE)
    passed: list[str] = []
    failed: list[str] = []
    for node in nodes:
        hits = len(pattern.findall(rules_text(world, node, tool, args)))
        if spec.get("absent"):
            ok = hits == 0
        elif "count" in spec:
            ok = hits == spec["count"]
        else:
            ok = hits > 0
        (passed if ok else failed).append(node)
    ok = bool(passed) if where == "any" else not failed
    return Outcome(ok, f"not on {', '.join(failed)}" if not ok else f"on {', '.join(passed)}")


# -- error ---------------------------------------------------------------------------------------------------

@_check("error")
def error_check(world: Any, spec: dict[str, Any]) -> Outcome:
    for entry in reversed(journal.entries(world)):
        if entry["status"] == 0 or ("host" in spec and entry["host"] != spec["host"]):
            continue
        if "line" in spec and not re.search(spec["line"], entry["line"]):
            continue
        text = entry["stderr"]
        if ("contains" in spec and spec["contains"] in text) or ("regex" in spec and re.search(spec["regex"], text)):
            return Outcome(True, text[:120])
    return Outcome(False, "not met yet")


# -- file ---------------------------------------------------------------------------------------------------------

@_check("file")
def file_check(world: Any, spec: dict[str, Any]) -> Outcome:
    fs = world.hosts[spec["host"]].fs
    path = spec["path"]
    text = fs.read(path) if fs.isfile(path) else None
    found = text is not None and ("regex" not in spec or
                                  re.search(templates.fill(world, spec["regex"], re.escape), text, re.MULTILINE))
    if spec.get("absent"):
        return Outcome(not found, "still there" if found else "")
    return Outcome(bool(found), "" if found else ("no such file" if text is None else "no matching line"))


# -- doctor -------------------------------------------------------------------------------------------------

#: per world: (stamp, its content key, the scratch copy or None), valid while the world's store
#: revision, clock and journal stay the same
_SCRATCH: "weakref.WeakKeyDictionary[Any, tuple[tuple[int, float, int], str, list]]" = weakref.WeakKeyDictionary()
#: diagnoses by (content key, namespace, name, source): a lab is loaded anew for every command, so
#: a command that changed nothing the doctor reads (curl, iptables-save, logs ...) finds them here
_DIAGNOSES: "OrderedDict[tuple, Any]" = OrderedDict()
MAX_DIAGNOSES = 64
#: state the doctor does not read: the network's scratch (conntrack, counters, ports), the
#: journal, the clock and the random streams
_UNREAD = ("rng", "clock", "clockShifts", "revision", "storeRevision", "events", "version")
_UNREAD_RUNTIME = ("net", "conntrack", journal.RUNTIME_KEY)


def _content_key(state: dict[str, Any]) -> str:
    relevant = {k: v for k, v in state.items() if k not in _UNREAD and k != "runtime"}
    relevant["runtime"] = {k: v for k, v in (state.get("runtime") or {}).items() if k not in _UNREAD_RUNTIME}
    return hashlib.sha256(orjson.dumps(relevant, option=orjson.OPT_SORT_KEYS)).hexdigest()


def diagnosis(world: Any, namespace: str, name: str, source: str | None) -> Any:
    """What `labdoctor` says about the Service now, diagnosed on a copy of the world.

    The doctor's probes are real packets (conntrack entries, rule counters,
    draws from the network's random stream): on the lab itself, checking a
    step would change what the learner sees next. Copying the world is most
    of the cost, so one copy serves every doctor check until the world
    changes (the probes of one diagnosis change no other's findings), and a
    diagnosis is remembered by the content it was made from."""
    from ..doctor import diagnose
    from ..world import World

    stamp = (world.store.revision, world.clock.elapsed, journal.last_seq(world))
    cached = _SCRATCH.get(world)
    state = None
    if cached is None or cached[0] != stamp:
        state = world.to_state()
        cached = (stamp, _content_key(state), [None])
        _SCRATCH[world] = cached
    _stamp, content, scratch = cached
    key = (content, namespace, name, source)
    if key in _DIAGNOSES:
        _DIAGNOSES.move_to_end(key)
        return _DIAGNOSES[key]
    if scratch[0] is None:
        scratch[0] = World.from_state(state if state is not None else world.to_state())
    found = _DIAGNOSES[key] = diagnose(scratch[0], namespace, name, source)
    while len(_DIAGNOSES) > MAX_DIAGNOSES:
        _DIAGNOSES.popitem(last=False)
    return found


@_check("doctor")
def doctor_check(world: Any, spec: dict[str, Any]) -> Outcome:
    from ..doctor import SourceError

    namespace, name = _namespace(spec), templates.fill(world, spec["service"])
    if world.store.peek("services", namespace, name) is None:
        # what the doctor would say, without copying the lab (later steps' Services are not there yet)
        if "healthy" in spec:
            return Outcome(spec["healthy"] is False, "failed: service.exists")
        if spec["finding"] == "service.exists":
            return Outcome(spec.get("status", "pass") == "fail", f"fail: there is no service/{name} in namespace "
                                                                 f"{namespace}")
        return Outcome(False, f"waiting for service {name}")
    try:
        d = diagnosis(world, namespace, name, spec.get("from"))
    except SourceError as e:
        return Outcome(False, str(e))
    if "healthy" in spec:
        problems = ", ".join(f.check for f in d.problems)
        ok = d.healthy == spec["healthy"]
        return Outcome(ok, f"failed: {problems}" if problems else "no check failed")
    found = d.finding(spec["finding"])
    if found is None:
        return Outcome(False, f"{spec['finding']} did not apply")
    return Outcome(found.status == spec.get("status", "pass"), f"{found.status}: {found.summary.en}")


# -- descriptions ----------------------------------------------------------------------------------------------------

def describe(check: Check, lang: str = "en") -> str:
    """The check in one line of `lang` (its label when it has one)."""
    if check.label:
        return check.label[lang]
    s = check.spec
    zh = lang == "zh-CN"
    if check.kind == "object":
        what = f"{s['kind']} {s.get('name') or s.get('selector') or ''}".strip()
        conds = ("，" if zh else ", ").join(f"{k} {fields.show(v, lang)}" for k, v in (s.get("fields") or {}).items())
        if s.get("absent"):
            return f"{what} 已不存在" if zh else f"{what} is gone"
        if "count" in s:
            base = f"{what}：恰好 {s['count']} 个" if zh else f"exactly {s['count']} {what}"
        else:
            base = f"{what} 存在" if zh else f"{what} exists"
        return base + (f"（{conds}）" if zh and conds else (f" ({conds})" if conds else ""))
    if check.kind == "command":
        cmd = _alternatives(s.get("line"))[:1] or [f"/{_alternatives(s.get('regex'))[0]}/"]
        return f"运行过 `{cmd[0]}`" if zh else f"ran `{cmd[0]}`"
    if check.kind == "connection":
        target = s.get("to") or (f"Service {s['service']}" + (f" ({s['via']})" if "via" in s else "")
                                 if "service" in s else f"Pods {s['to_pods']}")
        src = s.get("from", "")
        n = s.get("distinct_pods")
        if zh:
            return f"{'从 ' + src + ' ' if src else ''}成功连接到 {target}" + (f"，到达 {n} 个不同的 Pod" if n else "")
        return f"a connection{' from ' + src if src else ''} to {target} succeeded" + (
            f", reaching {n} distinct Pods" if n else "")
    if check.kind == "dns":
        if zh:
            return f"DNS 名称 {s['name']} 可以解析" + (f"（{s['type']}）" if "type" in s else "")
        return f"DNS name {s['name']} resolves" + (f" ({s['type']})" if "type" in s else "")
    if check.kind == "rule":
        node = s.get("node", "all")
        if zh:
            return f"节点 {node} 上{'没有' if s.get('absent') else '有'}匹配 /{s['regex']}/ 的规则"
        return f"{'no ' if s.get('absent') else ''}rule matching /{s['regex']}/ on {node} node(s)"
    if check.kind == "error":
        text = s.get("contains") or s.get("regex")
        return f"遇到过错误：{text}" if zh else f"met the error: {text}"
    if check.kind == "doctor":
        svc = f"service/{s['service']}"
        src = s.get("from")
        if "healthy" in s:
            if zh:
                where = f"从 {src} 访问 {svc}" if src else f" {svc}"
                return f"labdoctor 认为{where} 没有问题" if s["healthy"] else f"labdoctor 发现{where} 有问题"
            return f"labdoctor finds {'no problem' if s['healthy'] else 'a problem'} with {svc}" + (
                f" from {src}" if src else "")
        status = s.get("status", "pass").upper()
        if zh:
            return f"labdoctor：{svc}{'（从 ' + src + '）' if src else ''} 的 {s['finding']} 检查为 {status}"
        return f"labdoctor: {s['finding']} is {status} for {svc}" + (f" from {src}" if src else "")
    text = f"{s['host']}:{s['path']}"
    return f"{text} 中有 /{s['regex']}/" if zh and "regex" in s else (
        f"{text} contains /{s['regex']}/" if "regex" in s else text)


__all__ = ["run", "describe", "Outcome", "rules_text", "diagnosis"]
