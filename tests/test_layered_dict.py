"""LayeredDict (lab.sim.proxy.layered): a derived copy behaves as an
independent dict while sharing its base, through deletions, re-additions
and merges of its changes into a new base."""
from __future__ import annotations

import random

import pytest

from lab.sim.proxy import layered
from lab.sim.proxy.iptables.model import Chain, ChainDict
from lab.sim.proxy.layered import LayeredDict


def _same(ld: LayeredDict, d: dict) -> None:
    assert len(ld) == len(d)
    assert sorted(ld) == sorted(d)
    assert dict(ld.items()) == d and sorted(ld.values()) == sorted(d.values())
    for k in list(d)[:50]:
        assert k in ld and ld[k] == d[k] and ld.get(k) == d[k]


@pytest.mark.parametrize("merge_min", [1024, 3])
def test_a_chain_of_derived_dicts_acts_like_copies(monkeypatch, merge_min: int) -> None:
    monkeypatch.setattr(layered, "MERGE_MIN", merge_min)
    rng = random.Random(5)
    ld, ref = LayeredDict({f"k{i}": i for i in range(40)}), {f"k{i}": i for i in range(40)}
    history = []
    for step in range(300):
        history.append((ld, dict(ref)))
        ld, ref = ld.derive(), dict(ref)
        for _ in range(rng.randrange(1, 4)):
            k = f"k{rng.randrange(60)}"
            op = rng.random()
            if op < 0.4 and k in ref:
                if rng.random() < 0.5:
                    del ld[k]
                else:
                    assert ld.pop(k) == ref[k]
                del ref[k]
            elif op < 0.5:
                assert ld.setdefault(k, step) == ref.setdefault(k, step)
            else:
                ld[k] = ref[k] = step
            assert (k in ld) == (k in ref)
        _same(ld, ref)
    for old, want in history[::17]:          # the earlier dicts did not change
        _same(old, want)
    assert ld == ref and ld.flat() == ref
    with pytest.raises(KeyError):
        del ld["nope"]
    with pytest.raises(KeyError):
        ld["nope"]
    assert ld.pop("nope", 7) == 7 and ld.get("nope") is None


def test_a_derived_dict_shares_its_base_until_its_changes_are_many(monkeypatch) -> None:
    monkeypatch.setattr(layered, "MERGE_MIN", 4)
    ld = LayeredDict({i: i for i in range(100)})
    nxt = ld.derive()
    assert nxt._base is ld._base and nxt._top == {}
    for i in range(6):                        # up to a sixteenth of the base (6 of 100): kept on top
        nxt[1000 + i] = i
    again = nxt.derive()
    assert again._base is ld._base and len(again._top) == 6 and 1000 not in ld
    again[1006] = 6
    merged = again.derive()
    assert merged._base is not ld._base and merged._top == {} and merged[1006] == 6 and len(merged) == 107


def test_chain_dict_keeps_names_sorted_through_derived_copies() -> None:
    a = ChainDict({n: Chain(n) for n in ("KUBE-B", "KUBE-D")})
    assert a.sorted_names() == ["KUBE-B", "KUBE-D"]
    b = a.derive()
    b["KUBE-C"] = Chain("KUBE-C")
    del b["KUBE-B"]
    b.pop("KUBE-D")
    b.setdefault("KUBE-A", Chain("KUBE-A"))
    assert b.sorted_names() == ["KUBE-A", "KUBE-C"] and [c.name for c in b.pick(b.sorted_names())] == ["KUBE-A", "KUBE-C"]
    assert a.sorted_names() == ["KUBE-B", "KUBE-D"] and sorted(a) == ["KUBE-B", "KUBE-D"]
    a["KUBE-E"] = Chain("KUBE-E")              # the older one can still change, on its own
    assert a.sorted_names() == ["KUBE-B", "KUBE-D", "KUBE-E"] and "KUBE-E" not in b
