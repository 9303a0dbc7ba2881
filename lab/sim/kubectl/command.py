"""`kubectl`: finds the subcommand, parses its flags, runs it, prints errors.

Subcommands live in their own modules (cmd_*.py) and register themselves
with `@subcommand`. Help texts are those kubectl 1.32 prints, kept as data
in help/.
"""
from __future__ import annotations

from pathlib import Path

from ..api.errors import StatusError
from ..api.server import ConnectionRefused
from ..shell.commands import register
from .base import SUBCOMMANDS, Invocation
from .errors import KubectlError, render_error
from .flags import GLOBAL_FLAGS, FlagError, parse, split_command

HELP_DIR = Path(__file__).parent / "help"

# Subcommands whose own words come after the command (`create service nodeport`).
NESTED = {"create": ("deployment", "service", "namespace", "ns", "deploy", "svc"),
          "set": ("image",), "rollout": ("status", "history", "undo", "restart", "pause", "resume")}


def help_text(path: str) -> str | None:
    file = HELP_DIR / (path.replace(" ", "_") + ".txt")
    return file.read_text() if file.is_file() else None


def _load_subcommands() -> None:
    from . import commands  # noqa: F401  (imports every cmd_* module)


def _known_words() -> list[str]:
    text = help_text("kubectl") or ""
    words = []
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.strip():
            words.append(line.split()[0])
    return words


@register("kubectl")
def kubectl(ctx, argv: list[str]) -> int:
    """The kubectl command of every simulated host."""
    _load_subcommands()
    args = argv[1:]
    before, rest = split_command(args)
    try:
        parse(before, GLOBAL_FLAGS)
    except FlagError as exc:
        ctx.err(f"Error: {exc}\nSee 'kubectl --help' for usage.\n")
        return 1
    if not rest:
        ctx.out(help_text("kubectl") or "")
        return 0
    word = rest[0]
    if word in ("help",):
        target = " ".join(rest[1:]) or "kubectl"
        ctx.out(help_text(target) or help_text("kubectl") or "")
        return 0
    path = word
    sub = rest[1:]
    if word in NESTED and sub and not sub[0].startswith("-"):
        nested = f"{word} {sub[0]}"
        if nested in SUBCOMMANDS:
            path = SUBCOMMANDS[nested].name  # an alias ("create deploy") -> its command
            sub = sub[1:]
            if path == "create service" and sub and not sub[0].startswith("-") and \
                    f"create service {sub[0]}" in SUBCOMMANDS:
                path = f"create service {sub[0]}"
                sub = sub[1:]
    if any(a in ("-h", "--help") for a in sub):
        text = help_text(path)
        if text is not None:
            ctx.out(text)
            return 0
    cmd = SUBCOMMANDS.get(path)
    if cmd is None:
        if word in _known_words() or word in NESTED:
            # A real kubectl command this lab does not simulate: say so plainly.
            ctx.err(f'error: "kubectl {path}" is not available in this lab\n')
            return 1
        ctx.err(_unknown_command(word))
        return 1
    try:
        parsed = parse(before + sub, cmd.flags)
    except FlagError as exc:
        ctx.err(f"Error: {exc}\nSee 'kubectl {cmd.path} --help' for usage.\n")
        return 1
    inv = Invocation(ctx, cmd, parsed)
    world = ctx.world
    if hasattr(world, "sync_apiserver"):
        world.sync_apiserver()
    api = world.api
    sink = getattr(api, "warning_sink", None)
    if hasattr(api, "warning_sink"):
        api.warning_sink = lambda text: inv.err(f"Warning: {text}\n")  # client-go prints Warning headers
    try:
        with api.client_request(field_validation=_field_validation(cmd, parsed)):
            status = cmd.fn(inv, parsed)
    except ConnectionRefused as exc:
        _flush_warnings(inv)
        ctx.err(f"{exc}\n")
        return 1
    except (StatusError, KubectlError) as exc:
        _flush_warnings(inv)
        ctx.err(render_error(exc))
        return 1
    finally:
        if hasattr(api, "warning_sink"):
            api.warning_sink = sink
    _flush_warnings(inv)
    if hasattr(world, "settle"):
        world.settle()
    return status


def _field_validation(cmd, parsed) -> str:
    """The fieldValidation kubectl sends: from --validate (strict by default) where the command has
    it; none otherwise, which the apiserver takes as Warn. An invalid --validate is the command's
    own error to report."""
    if not any(flag.name == "validate" for flag in cmd.flags):
        return "Warn"
    value = (parsed.get("validate", "strict") or "strict").lower()
    return {"strict": "Strict", "true": "Strict", "warn": "Warn", "ignore": "Ignore",
            "false": "Ignore"}.get(value, "Strict")


def _flush_warnings(inv: Invocation) -> None:
    for warning in inv.warnings:
        inv.err(warning + "\n")
    inv.warnings.clear()


def _unknown_command(word: str) -> str:
    """cobra's `unknown command` with its suggestions (Levenshtein distance <= 2, or prefix)."""
    text = f'Error: unknown command "{word}" for "kubectl"\n'
    suggestions = [w for w in _known_words() if _levenshtein(word, w) <= 2 or w.startswith(word)]
    if suggestions:
        text += "\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in suggestions) + "\n"
    return text


def _levenshtein(a: str, b: str) -> int:
    a, b = a.lower(), b.lower()
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]

