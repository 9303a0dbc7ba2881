"""Benchmarks of the simulated cluster: `python -m lab.sim.bench <name> ...`.

Each sub-benchmark is a module here with `main(argv) -> int` listed in
BENCHMARKS; it prints one JSON object per line
(`{"figure": F, "value": V, "unit": U, ...}`).
"""
from __future__ import annotations

BENCHMARKS = {"proxy": "lab.sim.bench.proxy", "cluster": "lab.sim.bench.cluster", "lessons": "lab.sim.bench.lessons",
              "limits": "lab.sim.bench.limits", "doctor": "lab.sim.bench.doctor"}
