"""Reality check for IPVS mode: the ipsets load into the real `ipset restore`
and list back byte for byte, and the iptables rules (with their `-m set`,
`-m physdev` matches) load into the real iptables-restore and save back
identically, in a throw-away network namespace. The kernel here has no IPVS,
so virtual servers themselves cannot be checked.

Needs root, `ip netns`, iptables and ipset (Debian packages `iptables`,
`ipset`); skips otherwise. Never touches the host's own netns.
"""
import os
import secrets
import shutil
import subprocess

import pytest

from lab.sim.proxy.ipvs.proxier import IpvsBackend

from test_ipvs_mode import CFG, N1, e6_digest, mixed_digest


def _run(*cmd, input=None, check=True):
    return subprocess.run(cmd, input=input, capture_output=True, text=True, check=check, timeout=30)


@pytest.fixture
def netns():
    if os.geteuid() != 0:
        pytest.skip("needs root to create a network namespace")
    for tool in ("ip", "iptables-restore", "iptables-save", "ipset"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    name = f"svclab-test-{secrets.token_hex(4)}"
    r = _run("ip", "netns", "add", name, check=False)
    if r.returncode != 0:
        pytest.skip(f"ip netns add failed: {r.stderr.strip()}")
    try:
        yield name
    finally:
        _run("ip", "netns", "del", name, check=False)


def _body(text: str) -> list[str]:
    return [l for l in text.splitlines() if not l.startswith("#")]


def _members_sorted(listing: str) -> list[list[str]]:
    """Each set's lines with its members sorted: a hash set lists members in
    bucket order, which depends on the kernel's random initval."""
    out = []
    for block in listing.split("\n\n"):
        head, _, members = block.partition("Members:\n")
        out.append(head.splitlines() + sorted(members.splitlines()))
    return out


def _load(ns: str, rs) -> None:
    r = _run("ip", "netns", "exec", ns, "ipset", "restore", input=rs.ipset_save(), check=False)
    if r.returncode != 0:
        pytest.skip(f"ipset restore failed in a netns: {r.stderr.strip()}")
    r = _run("ip", "netns", "exec", ns, "iptables-restore", input=rs.save(), check=False)
    if r.returncode != 0 and "physdev" in r.stderr:
        pytest.skip(f"no physdev match in this kernel: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("digest", [e6_digest, mixed_digest], ids=["e6", "nodeport-externalip-affinity"])
def test_iptables_and_ipsets_round_trip(netns, digest):
    rs = IpvsBackend().sync(N1, digest(), CFG)
    _load(netns, rs)
    theirs = _run("ip", "netns", "exec", netns, "iptables-save").stdout
    assert _body(theirs) == _body(rs.save())
    # ipset list: names, types, revisions, headers, sizes, references (counted by the kernel) and members.
    listed = _run("ip", "netns", "exec", netns, "ipset", "list").stdout
    assert _members_sorted(listed) == _members_sorted(rs.render("ipset", ["list"])[0])
    one = _run("ip", "netns", "exec", netns, "ipset", "list", "KUBE-NODE-PORT-TCP").stdout
    assert one == rs.render("ipset", ["list", "KUBE-NODE-PORT-TCP"])[0]      # bitmap: port order, exact
