"""Dispatch `python -m lab.sim.bench <benchmark> [options]` to lab.sim.bench.<benchmark>.main."""
from __future__ import annotations

import importlib
import sys

from . import BENCHMARKS


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in BENCHMARKS:
        sys.stderr.write(f"usage: python -m lab.sim.bench {{{','.join(sorted(BENCHMARKS))}}} [options]\n")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        module = importlib.import_module(BENCHMARKS[argv[0]])
    except ImportError as exc:
        sys.stderr.write(f"benchmark {argv[0]!r} is not available: {exc}\n")
        return 2
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
