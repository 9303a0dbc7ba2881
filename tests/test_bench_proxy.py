"""The proxy benchmark prints one JSON figure per line (shape only: no timing asserts)."""
from __future__ import annotations

import io
import json

import pytest

from lab.sim.bench import __main__ as bench_main
from lab.sim.bench import proxy
from lab.sim.proxy.kubeproxy import backend_for


@pytest.mark.parametrize("mode", ["iptables", "ipvs", "nftables"])
def test_proxy_bench_json_lines(mode):
    if backend_for(mode) is None:
        pytest.skip(f"the {mode} backend is not built yet")
    out = io.StringIO()
    assert proxy.run(5, 2, mode, kernel=False, out=out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    figures = [r["figure"] for r in rows]
    assert figures[:4] == ["full_sync", "resync_one", "resync_add_one", "resync_remove_one"]
    assert "peak_memory" in figures
    for row in rows:
        assert set(row) == {"figure", "value", "unit", "mode", "services"}
        assert row["mode"] == mode and row["services"] == 5
        assert isinstance(row["value"], (int, float)) and row["value"] >= 0
    assert {r["figure"]: r["unit"] for r in rows}["full_sync"] == "s"
    assert {r["figure"]: r["unit"] for r in rows}["peak_memory"] == "MB"


def test_dispatch_rejects_unknown_benchmark(capsys):
    assert bench_main.main(["nope"]) == 2
    assert capsys.readouterr().err.startswith("usage: python -m lab.sim.bench {cluster,doctor,lessons,limits,proxy}")


def test_proxy_bench_repeats_are_checked(capsys):
    with pytest.raises(SystemExit) as exit_info:
        proxy.main(["--services", "3", "--repeats", "0"])
    assert exit_info.value.code == 2
    assert "error: --repeats must be between 1 and 250" in capsys.readouterr().err


def test_proxy_bench_runs_with_more_repeats():
    out = io.StringIO()
    assert proxy.run(4, 1, "iptables", kernel=False, out=out, repeats=5) == 0
    figures = [json.loads(line)["figure"] for line in out.getvalue().splitlines()]
    assert figures[:5] == ["full_sync", "resync_one", "resync_add_one", "resync_remove_one", "trace_packet"]
