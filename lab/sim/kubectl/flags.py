"""Command-line flags as spf13/pflag parses them for kubectl.

Flags may stand anywhere among the arguments; `--` ends them; `-ovalue`,
`-o value`, `--output=value` and `--output value` are the same; bools take
`--flag` or `--flag=false`; underscores in names read as dashes. Errors
carry pflag's words (`unknown flag: --foo`, `flag needs an argument: 'n' in
-n`, `invalid argument "x" for "--replicas" flag: ...`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class FlagError(Exception):
    """A flag that does not parse; str() is pflag's message (kubectl prefixes `Error: `)."""


@dataclass(frozen=True)
class Flag:
    name: str
    shorthand: str = ""
    kind: str = "string"  # string, bool, int, array (repeatable), slice (comma list, repeatable)
    default: Any = None
    no_opt_default: str | None = None  # value when given without `=value` (pflag NoOptDefVal)


@dataclass
class Parsed:
    values: dict[str, Any]
    args: list[str]
    args_at_dash: int = -1  # index in args where `--` stood, or -1
    given: set[str] = field(default_factory=set)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def changed(self, name: str) -> bool:
        return name in self.given


GLOBAL_FLAGS: tuple[Flag, ...] = (
    Flag("namespace", "n"),
    Flag("kubeconfig"),
    Flag("context"),
    Flag("cluster"),
    Flag("user"),
    Flag("server", "s"),
    Flag("token"),
    Flag("as"),
    Flag("as-group", kind="array", default=[]),
    Flag("request-timeout", default="0"),
    Flag("insecure-skip-tls-verify", kind="bool", default=False),
    Flag("certificate-authority"),
    Flag("client-certificate"),
    Flag("client-key"),
    Flag("tls-server-name"),
    Flag("cache-dir"),
    Flag("match-server-version", kind="bool", default=False),
    Flag("disable-compression", kind="bool", default=False),
    Flag("v", "v", kind="int", default=0),
    Flag("warnings-as-errors", kind="bool", default=False),
    Flag("profile", default="none"),
    Flag("profile-output", default="profile.pprof"),
    Flag("log-flush-frequency", default="5s"),
)


def _convert(flag: Flag, raw: str, display: str) -> Any:
    if flag.kind == "int":
        try:
            return int(raw, 10)
        except ValueError:
            raise FlagError(f'invalid argument "{raw}" for "{display}" flag: strconv.ParseInt: parsing '
                            f'"{raw}": invalid syntax') from None
    if flag.kind == "bool":
        lowered = raw
        if lowered in ("1", "t", "T", "true", "TRUE", "True"):
            return True
        if lowered in ("0", "f", "F", "false", "FALSE", "False"):
            return False
        raise FlagError(f'invalid argument "{raw}" for "{display}" flag: strconv.ParseBool: parsing '
                        f'"{raw}": invalid syntax')
    return raw


def _display(flag: Flag) -> str:
    return f"-{flag.shorthand}, --{flag.name}" if flag.shorthand else f"--{flag.name}"


def parse(argv: list[str], flags: tuple[Flag, ...] | list[Flag]) -> Parsed:
    """Split argv into flag values and positional arguments."""
    by_name = {f.name: f for f in flags}
    by_short = {f.shorthand: f for f in flags if f.shorthand}
    values: dict[str, Any] = {f.name: (list(f.default) if isinstance(f.default, list) else f.default)
                              for f in flags}
    given: set[str] = set()
    args: list[str] = []
    at_dash = -1

    def store(flag: Flag, raw: str, display: str) -> None:
        value = _convert(flag, raw, display)
        if flag.kind == "array":
            if flag.name not in given:
                values[flag.name] = []
            values[flag.name].append(value)
        elif flag.kind == "slice":
            if flag.name not in given:
                values[flag.name] = []
            values[flag.name].extend(value.split(","))
        else:
            values[flag.name] = value
        given.add(flag.name)

    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            at_dash = len(args)
            args.extend(argv[i + 1:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, raw = arg[2:].partition("=")
            name = name.replace("_", "-")
            flag = by_name.get(name)
            if flag is None:
                raise FlagError(f"unknown flag: --{name}")
            display = f"--{flag.name}"
            if eq:
                store(flag, raw, display)
            elif flag.kind == "bool":
                store(flag, "true", display)
            elif flag.no_opt_default is not None:
                store(flag, flag.no_opt_default, display)
            elif i + 1 < len(argv):
                i += 1
                store(flag, argv[i], display)
            else:
                raise FlagError(f"flag needs an argument: --{name}")
        elif arg.startswith("-") and len(arg) > 1:
            shorts = arg[1:]
            j = 0
            while j < len(shorts):
                c = shorts[j]
                flag = by_short.get(c)
                if flag is None:
                    raise FlagError(f"unknown shorthand flag: '{c}' in -{shorts}")
                display = f"-{c}, --{flag.name}" if flag.name != c else f"-{c}"
                rest = shorts[j + 1:]
                if rest.startswith("="):
                    store(flag, rest[1:], display)
                    break
                if flag.kind == "bool":
                    store(flag, "true", display)
                    j += 1
                    continue
                if rest:
                    store(flag, rest, display)
                    break
                if flag.no_opt_default is not None:
                    store(flag, flag.no_opt_default, display)
                    break
                if i + 1 < len(argv):
                    i += 1
                    store(flag, argv[i], display)
                    break
                raise FlagError(f"flag needs an argument: '{c}' in -{shorts}")
        else:
            args.append(arg)
        i += 1
    return Parsed(values, args, at_dash, given)


def split_command(argv: list[str], global_flags: tuple[Flag, ...] = GLOBAL_FLAGS) -> tuple[list[str], list[str]]:
    """Find the subcommand word among leading global flags (`kubectl -n x get pods`)."""
    by_name = {f.name: f for f in global_flags}
    by_short = {f.shorthand: f for f in global_flags if f.shorthand}
    before: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and len(arg) > 2:
            name, eq, _ = arg[2:].partition("=")
            flag = by_name.get(name.replace("_", "-"))
            before.append(arg)
            if flag is not None and not eq and flag.kind != "bool" and i + 1 < len(argv):
                i += 1
                before.append(argv[i])
        elif arg.startswith("-") and len(arg) > 1 and arg != "--":
            flag = by_short.get(arg[1])
            before.append(arg)
            if flag is not None and len(arg) == 2 and flag.kind != "bool" and i + 1 < len(argv):
                i += 1
                before.append(argv[i])
        else:
            return before, argv[i:]
        i += 1
    return before, []
