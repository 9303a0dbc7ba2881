"""`labdoctor`'s text: the checks in order, passed or failed, with evidence and the fix.

Failed, warned and noted checks show their evidence and fix; passed ones
one line (with `-v`, their evidence too). A healthy Service ends with the path a request takes (the trace of
the first probe, as `labtrace` prints it).
"""
from __future__ import annotations

from ..net.trace import render_one
from .findings import FAIL, NOTE, PASS, WARN, Diagnosis, Finding

WORDS = {
    "en": {PASS: "PASS", FAIL: "FAIL", WARN: "WARN", NOTE: "NOTE", "fix": "fix", "path": "The path a request takes:"},
    "zh": {PASS: "通过", FAIL: "失败", WARN: "警告", NOTE: "提示", "fix": "修复", "path": "请求经过的路径："},
}


def _header(d: Diagnosis, lang: str) -> str:
    if lang == "zh":
        return f"labdoctor：命名空间 {d.namespace} 中的 service/{d.name}，从 {d.source} 检查\n\n"
    return f"labdoctor: service/{d.name} in namespace {d.namespace}, from {d.source}\n\n"


def _finding(n: int, f: Finding, width: int, lang: str, verbose: bool) -> str:
    words = WORDS[lang]
    lines = [f"{n:>2}. {words[f.status]}  {f.check:<{width}}  {f.summary.get(lang)}"]
    if f.status != PASS or verbose:
        pad = " " * 10
        lines += [f"{pad}- {e.get(lang)}" for e in f.evidence]
        lines += [f"{pad}  {line}" for line in f.trace]
        if f.fix is not None:
            lines.append(f"{pad}{words['fix']}{'：' if lang == 'zh' else ': '}{f.fix.text.get(lang)}")
            lines += [f"{pad}  $ {c}" for c in f.fix.commands]
    return "\n".join(lines) + "\n"


def _verdict(d: Diagnosis, lang: str) -> str:
    problems, warnings = len(d.problems), len(d.warnings)
    if lang == "zh":
        if problems:
            return f"\n发现 {problems} 个问题、{warnings} 个警告：service/{d.name} 从 {d.source} 无法正常访问。\n"
        tail = f"（{warnings} 个警告）" if warnings else ""
        return f"\n没有发现问题{tail}：service/{d.name} 从 {d.source} 可以正常访问。\n"
    if problems:
        counts = f"{problems} problem{'s' if problems != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        return f"\n{counts}: service/{d.name} does not work from {d.source}.\n"
    tail = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
    return f"\nNo problem found{tail}: service/{d.name} works from {d.source}.\n"


def render_text(d: Diagnosis, lang: str = "en", verbose: bool = False) -> str:
    """The report; `verbose` shows the evidence of passed checks too."""
    width = max([len(f.check) for f in d.findings] + [1])
    out = _header(d, lang)
    out += "".join(_finding(i, f, width, lang, verbose) for i, f in enumerate(d.findings, 1))
    out += _verdict(d, lang)
    if d.healthy and d.traces:
        out += f"\n{WORDS[lang]['path']}\n" + render_one(1, d.traces[0])
    return out


__all__ = ["render_text"]
