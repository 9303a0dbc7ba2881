"""Reality check: our rules loaded into the real iptables-restore (nf_tables
backend) in a throw-away network namespace read back identically with the
real iptables-save, and a real packet to a ClusterIP is DNATed.

Needs root, `ip netns`, iptables (Debian package `iptables`), `conntrack`
(package `conntrack`); skips otherwise. Never touches the host's own netns.
"""
import os
import secrets
import shutil
import subprocess
import time

import pytest

from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.iptables.proxier import IptablesBackend

from test_iptables_examples import TEST_NODE, e2_digest


def _run(*cmd, input=None, check=True):
    return subprocess.run(cmd, input=input, capture_output=True, text=True, check=check, timeout=30)


def _netns():
    if os.geteuid() != 0:
        pytest.skip("needs root to create a network namespace")
    for tool in ("ip", "iptables-restore", "iptables-save"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    name = f"svclab-test-{secrets.token_hex(4)}"
    r = _run("ip", "netns", "add", name, check=False)
    if r.returncode != 0:
        pytest.skip(f"ip netns add failed: {r.stderr.strip()}")
    return name


@pytest.fixture
def netns():
    names = []

    def make():
        names.append(_netns())
        return names[-1]
    yield make
    for n in names:
        _run("ip", "netns", "del", n, check=False)


def _body(text: str) -> list[str]:
    return [l for l in text.splitlines() if not l.startswith("#")]


def test_save_form_round_trips_through_the_kernel(netns):
    ns = netns()
    rs = IptablesBackend().sync(TEST_NODE, e2_digest(), ProxyConfig(cluster_cidr="10.0.0.0/8"))
    ours = rs.save()
    _run("ip", "netns", "exec", ns, "iptables-restore", input=ours)
    theirs = _run("ip", "netns", "exec", ns, "iptables-save").stdout
    assert _body(theirs) == _body(ours)


def test_restore_input_is_normalised_by_the_kernel_like_our_save_form(netns):
    ns = netns()
    rs = IptablesBackend().sync(TEST_NODE, e2_digest(), ProxyConfig(cluster_cidr="10.0.0.0/8"))
    _run("ip", "netns", "exec", ns, "iptables-restore", "--noflush", input=rs.restore_input())
    for table in ("filter", "nat"):
        theirs = _body(_run("ip", "netns", "exec", ns, "iptables-save", "-t", table).stdout)
        present = {l[1:].split(" ")[0] for l in theirs if l.startswith(":")}
        builtins = {"INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"}

        def keep(line: str) -> bool:
            if line.startswith(":"):
                return line[1:].split(" ")[0] in present
            if line.startswith("-A "):
                chain = line.split(" ")[1]
                return chain in present and chain not in builtins   # jumps are not restore input
            return True
        ours = [l for l in _body(rs.save(table=table)) if keep(l)]
        assert len(ours) > 20
        assert theirs == ours, table


def _loaded_like_ours(ns: str, rs) -> None:
    """The kernel's nat and filter tables, as the real iptables-save prints
    them, equal our save form of `rs` for the chains kube-proxy writes (the
    namespace has no built-in jumps or canaries: those are not restore input)."""
    for table in ("filter", "nat"):
        theirs = _body(_run("ip", "netns", "exec", ns, "iptables-save", "-t", table).stdout)
        present = {l[1:].split(" ")[0] for l in theirs if l.startswith(":")}
        builtins = {"INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"}

        def keep(line: str) -> bool:
            if line.startswith(":"):
                return line[1:].split(" ")[0] in present
            if line.startswith("-A "):
                chain = line.split(" ")[1]
                return chain in present and chain not in builtins
            return True
        ours = [l for l in _body(rs.save(table=table)) if keep(l)]
        assert theirs == ours, table


def test_partial_restores_of_added_and_removed_services_load_into_a_full_sync(netns):
    """kube-proxy's first sync writes the whole input; then Services come and
    go one partial sync at a time, each writing only its restore_partial()
    with --noflush. The real kernel ends with exactly a full sync's rules."""
    from test_proxy_partial_sync import _varied

    ns = netns()
    be, cfg = IptablesBackend(), ProxyConfig(cluster_cidr="10.244.0.0/16")
    node = NodeContext("n1", "192.168.1.11", "10.244.1.0/24")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    pool = [_varied(i) for i in range(14)]
    for spn, info, eps in pool[:10]:
        d.services[spn], d.endpoints[spn] = info, eps
    rs = be.sync(node, d, cfg)
    _run("ip", "netns", "exec", ns, "iptables-restore", "--noflush", input=rs.restore_input())
    steps = [[pool[12]], [pool[3]], [pool[0], pool[13]], [pool[6], pool[11]]]   # add, remove, both, both
    for step in steps:
        for spn, info, eps in step:
            if spn in d.services:
                del d.services[spn], d.endpoints[spn]
            else:
                d.services[spn], d.endpoints[spn] = info, eps
        rs = be.sync(node, d, cfg, rs, [spn for spn, _, _ in step])
        text = rs.restore_partial()
        assert text != rs.restore_input()
        _run("ip", "netns", "exec", ns, "iptables-restore", "--noflush", input=text)
        full = be.sync(node, d, cfg)
        assert rs.save() == full.save()
        _loaded_like_ours(ns, full)


def test_real_packet_to_cluster_ip_is_dnated(netns):
    if shutil.which("conntrack") is None:
        pytest.skip("conntrack is not installed")
    cli, pod = netns(), netns()
    a, b = f"svc{secrets.token_hex(3)}a", f"svc{secrets.token_hex(3)}b"
    _run("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    try:
        _run("ip", "link", "set", a, "netns", cli)
        _run("ip", "link", "set", b, "netns", pod)
        for ns, dev, addr in ((cli, a, "192.168.77.1/24"), (pod, b, "192.168.77.2/24")):
            _run("ip", "netns", "exec", ns, "ip", "addr", "add", addr, "dev", dev)
            _run("ip", "netns", "exec", ns, "ip", "link", "set", dev, "up")
            _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        _run("ip", "netns", "exec", pod, "ip", "addr", "add", "10.244.0.2/32", "dev", b)
        _run("ip", "netns", "exec", cli, "ip", "route", "add", "default", "via", "192.168.77.2")
        d = ProxyDigest(cluster_cidr="10.244.0.0/16")
        k = ServicePortName("default", "web", "", "TCP")
        d.services[k] = ServicePortInfo(k, "10.96.0.10", 80, "TCP")
        d.endpoints[k] = [EndpointInfo("10.244.0.2", 8080, node_name="other")]
        rs = IptablesBackend(flannel=False).sync(NodeContext("cli", "192.168.77.1", "10.244.9.0/24"), d,
                                                 ProxyConfig())
        _run("ip", "netns", "exec", cli, "iptables-restore", input=rs.save())
        server = subprocess.Popen(["ip", "netns", "exec", pod, "python3", "-c",
                                   "import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);"
                                   "s.bind(('0.0.0.0',8080));s.listen(5);s.settimeout(10);c,_=s.accept();c.close()"])
        try:
            ok = False
            for _ in range(20):
                r = _run("ip", "netns", "exec", cli, "timeout", "2", "bash", "-c", "echo > /dev/tcp/10.96.0.10/80",
                         check=False)
                if r.returncode == 0:
                    ok = True
                    break
                time.sleep(0.2)
            assert ok, "connection to the ClusterIP failed"
            ct = _run("ip", "netns", "exec", cli, "conntrack", "-L", "-p", "tcp", "-d", "10.96.0.10").stdout
            assert "dst=10.96.0.10" in ct and "src=10.244.0.2" in ct and "sport=8080" in ct
        finally:
            server.kill()
            server.wait()
    finally:
        _run("ip", "netns", "exec", cli, "ip", "link", "del", a, check=False)
