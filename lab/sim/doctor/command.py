"""`labdoctor svc/NAME [-n NS] [--from HOST-or-POD] [--lang en|zh] [-o json] [-v]`: a Service's diagnosis.

Exit status 0 when nothing failed, 1 when a check failed (or the Service
does not exist), 2 for a usage error; `-o json` prints Diagnosis.to_dict.
The language defaults to Chinese when $LANG starts with zh.
"""
from __future__ import annotations

import json
from typing import Any

from ..shell.commands import register
from .diagnose import diagnose
from .render import render_text
from .scene import SourceError

USAGE = ("usage: labdoctor svc/NAME [-n NAMESPACE] [--from HOST|pod/NAME|NAMESPACE/NAME] [--lang en|zh] "
         "[-o json] [-v]\n")
_VALUED = {"-n": "namespace", "--namespace": "namespace", "--from": "from", "--lang": "lang", "-o": "output",
           "--output": "output"}


def _parse(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """Flags as `-n NS`, `-n=NS`, `--from=X`; raises ValueError with the message to print."""
    opts: dict[str, str] = {}
    args: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        flag, eq, value = a.partition("=")
        if flag in _VALUED:
            if not eq:
                if i + 1 >= len(argv):
                    raise ValueError(f"labdoctor: flag needs an argument: {flag}\n")
                value = argv[i + 1]
                i += 1
            opts[_VALUED[flag]] = value
        elif a in ("-v", "--verbose"):
            opts["verbose"] = "1"
        elif a in ("-h", "--help"):
            opts["help"] = "1"
        elif a.startswith("-") and a != "-":
            raise ValueError(f"labdoctor: unknown flag: {flag}\n")
        else:
            args.append(a)
        i += 1
    return opts, args


def _service_name(arg: str) -> str:
    kind, slash, name = arg.partition("/")
    if not slash:
        return arg
    if kind not in ("svc", "service", "services"):
        raise ValueError(f"labdoctor: only Services can be diagnosed, not {arg}\n")
    return name


@register("labdoctor")
def labdoctor(ctx: Any, argv: list[str]) -> int:
    try:
        opts, args = _parse(argv[1:])
        if opts.get("help"):
            ctx.out(USAGE)
            return 0
        if len(args) != 1:
            raise ValueError("")
        name = _service_name(args[0])
        lang = opts.get("lang") or ("zh" if str((ctx.env or {}).get("LANG", "")).startswith("zh") else "en")
        if lang not in ("en", "zh"):
            raise ValueError(f"labdoctor: unknown language {lang!r} (en or zh)\n")
        output = opts.get("output", "")
        if output not in ("", "json"):
            raise ValueError(f"labdoctor: unknown output format {output!r} (json)\n")
    except ValueError as exc:
        ctx.err(str(exc) + USAGE)
        return 2
    namespace = opts.get("namespace") or "default"
    source = opts.get("from") or ctx.host.name
    try:
        result = diagnose(ctx.world, namespace, name, source)
    except SourceError:
        hosts = ", ".join(sorted(ctx.world.hosts))
        ctx.err(f"labdoctor: no host or Pod {source!r} (hosts: {hosts}; Pods: pod/NAME or NAMESPACE/NAME)\n")
        return 2
    if output == "json":
        ctx.out(json.dumps(result.to_dict(lang), indent=2, ensure_ascii=False) + "\n")
    else:
        ctx.out(render_text(result, lang, verbose=bool(opts.get("verbose"))))
    return 0 if result.healthy else 1


__all__ = ["labdoctor", "USAGE"]
