"""Connections through kube-proxy's ipvs (and nftables) mode, switched on as a learner does it."""
from __future__ import annotations

import json
import re

from lab.sim.net import topology
from lab.sim.world import World

BOOT = "gcr.io/google-samples/kubernetes-bootcamp:v1"
TITLE = ("IP Virtual Server version 1.2.1 (size=4096)\n"
         "Prot LocalAddress:Port Scheduler Flags\n"
         "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")


def _switch(mode: str, restart: str = "rollout") -> list[str]:
    """Edit the kube-proxy ConfigMap's `mode` and restart kube-proxy (it reads its config only at start)."""
    lines = ["kubectl -n kube-system get configmap kube-proxy -o yaml > kube-proxy.yaml",
             f"sed -i 's/mode: \"\"/mode: \"{mode}\"/' kube-proxy.yaml",
             "kubectl apply -f kube-proxy.yaml"]
    if restart == "rollout":
        lines.append("kubectl -n kube-system rollout restart daemonset kube-proxy")
    else:
        lines.append("kubectl -n kube-system delete pod -l k8s-app=kube-proxy")
    return lines + ["sleep 30"]


def _run(w: World, line: str, host: str | None = None):
    if line.startswith("sleep "):
        w.advance(float(line.split()[1]))
        return None
    r = w.run(line) if host is None else w.run(line, host=host)
    assert r.status == 0, (line, r.stderr)
    return r


def _world(mode: str, *lines: str, restart: str = "rollout") -> World:
    w = World.from_profile("kubeadm")
    for line in _switch(mode, restart) + list(lines) + ["sleep 40"]:
        _run(w, line)
    return w


def _boot_pods(w: World) -> list[dict]:
    """The bootcamp pods in the order IPVS lists (and rr visits) its real servers: by address."""
    pods = [p for p in w.api.list("pods") if p["metadata"]["name"].startswith("boot-")]
    return sorted(pods, key=lambda p: tuple(int(x) for x in p["status"]["podIP"].split(".")))


def _hello(pod: dict) -> str:
    return f"Hello Kubernetes bootcamp! | Running on: {pod['metadata']['name']} | v=1\n"


def _vs_block(vip: str, port: int, reals: list[tuple[str, int, int, int]], flags: str = "rr") -> str:
    out = TITLE + f"TCP  {vip}:{port} {flags}\n"
    for addr, weight, active, inactive in reals:
        out += f"  -> {addr:<28s} {'Masq':<7s} {weight:<6d} {active:<10d} {inactive:<10d}\n"
    return out


def test_ipvs_mode_is_switched_on_by_the_configmap_and_a_restart():
    w = _world("ipvs", f"kubectl create deployment boot --image={BOOT} --replicas=3",
               "kubectl expose deployment boot --port=80 --target-port=8080")
    logs = w.run("kubectl -n kube-system logs daemonset/kube-proxy").stdout
    assert '"Using ipvs Proxier"' in logs
    vip = w.api.get("services", "boot")["spec"]["clusterIP"]
    pods = _boot_pods(w)
    for node in ("k8s-master", "k8s-node1", "k8s-node2"):
        assert w.run(f"ipvsadm -Ln -t {vip}:80", host=node).stdout == _vs_block(
            vip, 80, [(f"{p['status']['podIP']}:8080", 1, 0, 0) for p in pods])
        assert f"    inet {vip}/32 scope global kube-ipvs0\n" in w.run("ip addr show kube-ipvs0", host=node).stdout


def test_cluster_ip_round_robin_in_order_and_connection_counters():
    w = _world("ipvs", f"kubectl create deployment boot --image={BOOT} --replicas=3",
               "kubectl expose deployment boot --port=80 --target-port=8080")
    vip = w.api.get("services", "boot")["spec"]["clusterIP"]
    pods = _boot_pods(w)
    got = [w.run(f"curl -s {vip}").stdout for _ in range(4)]
    # rr: each new connection goes to the next real server, from the lowest address, then round again
    assert got == [_hello(pods[0]), _hello(pods[1]), _hello(pods[2]), _hello(pods[0])]
    # the connections are over: TIME_WAIT entries count as InActConn for two minutes
    reals = [f"{p['status']['podIP']}:8080" for p in pods]
    assert w.run(f"ipvsadm -Ln -t {vip}:80").stdout == _vs_block(
        vip, 80, [(reals[0], 1, 0, 2), (reals[1], 1, 0, 1), (reals[2], 1, 0, 1)])
    # only the master's IPVS table saw them; each node schedules on its own
    assert w.run(f"ipvsadm -Ln -t {vip}:80", host="k8s-node1").stdout == _vs_block(
        vip, 80, [(r, 1, 0, 0) for r in reals])
    assert w.run(f"curl -s {vip}", host="k8s-node1").stdout == _hello(pods[0])
    w.advance(60)
    assert w.run(f"curl -s {vip}").stdout == _hello(pods[1])
    assert w.run(f"ipvsadm -Ln -t {vip}:80").stdout == _vs_block(
        vip, 80, [(reals[0], 1, 0, 2), (reals[1], 1, 0, 2), (reals[2], 1, 0, 1)])
    w.advance(61)
    # the first four have expired (120 s), the fifth has 59 s left
    assert w.run(f"ipvsadm -Ln -t {vip}:80").stdout == _vs_block(
        vip, 80, [(reals[0], 1, 0, 0), (reals[1], 1, 0, 1), (reals[2], 1, 0, 0)])
    w.advance(60)
    assert w.run(f"ipvsadm -Ln -t {vip}:80").stdout == _vs_block(vip, 80, [(r, 1, 0, 0) for r in reals])
    # --stats: one connection and its first packet per curl (SYN, 60 bytes)
    stats = w.run(f"ipvsadm -Ln --stats -t {vip}:80").stdout.splitlines()
    assert stats[3] == f"{'TCP  ' + vip + ':80':<33s}" + "".join(f"{v:>9d}" for v in (5, 5, 0, 300, 0))
    assert stats[4:] == [f"  -> {reals[0]:<28s}" + "".join(f"{v:>9d}" for v in (2, 2, 0, 120, 0)),
                         f"  -> {reals[1]:<28s}" + "".join(f"{v:>9d}" for v in (2, 2, 0, 120, 0)),
                         f"  -> {reals[2]:<28s}" + "".join(f"{v:>9d}" for v in (1, 1, 0, 60, 0))]


def test_cluster_ip_from_a_pod_and_from_the_node_sources():
    w = _world("ipvs", f"kubectl create deployment boot --image={BOOT} --replicas=1",
               "kubectl expose deployment boot --port=80 --target-port=8080",
               "kubectl run bb --image=busybox:1.36 -- sleep 3600", restart="delete")
    vip = w.api.get("services", "boot")["spec"]["clusterIP"]
    (pod,) = _boot_pods(w)
    name = pod["metadata"]["name"]
    assert w.run(f"kubectl exec bb -- wget -q -O - {vip}").stdout == _hello(pod)
    bb = w.api.get("pods", "bb")["status"]["podIP"]
    bb_node = w.api.get("pods", "bb")["spec"]["nodeName"]
    log = w.run(f"kubectl logs {name} --tail=1").stdout
    assert log.startswith(f"Running On: {name} | Total Requests: 1 |")
    # from a pod: no mark (its source is in the cluster CIDR), the pod's own address arrives
    ct = w.run(f"conntrack -L -d {vip}", host=bb_node).stdout
    assert f"src={bb} dst={vip} sport=" in ct and f"src={pod['status']['podIP']} dst={bb} sport=8080" in ct
    assert w.run(f"curl -s {vip}").stdout == _hello(pod)
    # the node's socket takes the VIP itself as its source (local route on kube-ipvs0);
    # KUBE-SERVICES marks it and KUBE-POSTROUTING masquerades it out of flannel.1
    trace = w.run(f"labtrace curl -s -o /dev/null {vip}").stdout
    assert trace.startswith(f"connection 1: tcp {vip}:")
    master_flannel = topology.flannel_ip(w, "k8s-master")
    assert f"  result: connected: pod default/{name} {pod['status']['podIP']}:8080, client seen as {master_flannel}:" \
        in trace
    assert f"      => DNAT {vip}:80 -> {pod['status']['podIP']}:8080 (Masq)\n" in trace
    # conntrack keeps both directions as IPVS rewrote them
    ct = w.run(f"conntrack -L -d {vip}").stdout
    assert f"src={vip} dst={vip} sport=" in ct and f"src={pod['status']['podIP']} dst={master_flannel} sport=8080" in ct


def test_node_port_from_external_is_masqueraded():
    w = _world("ipvs", f"kubectl create deployment boot --image={BOOT} --replicas=1",
               "kubectl expose deployment boot --port=80 --target-port=8080 --type=NodePort")
    (pod,) = _boot_pods(w)
    node = pod["spec"]["nodeName"]
    other = next(h.name for h in w.nodes if h.name not in (node, w.profile.control_plane))
    port = w.api.get("services", "boot")["spec"]["ports"][0]["nodePort"]
    there = w.hosts[other].ip
    assert w.run(f"curl -s {there}:{port}", host="external").stdout == _hello(pod)
    trace = w.run(f"labtrace curl -s -o /dev/null {there}:{port}", host="external").stdout
    # KUBE-NODE-PORT-TCP marks it, IPVS on the receiving node picks the real server, flannel.1 masquerades
    assert (f"      nat KUBE-NODE-PORT #1: -A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port "
            f"for masquerade purpose\" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ\n") in trace
    assert f"      => DNAT {there}:{port} -> {pod['status']['podIP']}:8080 (Masq)\n" in trace
    assert f"client seen as {topology.flannel_ip(w, other)}:" in trace
    assert w.run(f"ipvsadm -Ln -t {there}:{port}", host=other).stdout == _vs_block(
        there, port, [(f"{pod['status']['podIP']}:8080", 1, 0, 2)])
    # the pod's own node: out of cni0
    here = w.hosts[node].ip
    assert w.run(f"curl -s {here}:{port}", host="external").stdout == _hello(pod)
    trace = w.run(f"labtrace curl -s -o /dev/null {here}:{port}", host="external").stdout
    assert f"client seen as {topology.bridge_ip(w, node)}:" in trace


def test_service_without_endpoints_is_refused_and_unknown_port_rejected():
    w = _world("ipvs", "kubectl create service clusterip empty --tcp=80:80")
    vip = w.api.get("services", "empty")["spec"]["clusterIP"]
    assert w.run(f"ipvsadm -Ln -t {vip}:80").stdout == TITLE + f"TCP  {vip}:80 rr\n"
    r = w.run(f"curl {vip}")
    assert (r.stderr, r.status) == (f"curl: (7) Failed to connect to {vip} port 80: Connection refused\n", 7)
    # a port the Service does not have: KUBE-IPVS-FILTER rejects what is sent to an IPVS address
    r = w.run(f"curl {vip}:81")
    assert (r.stderr, r.status) == (f"curl: (7) Failed to connect to {vip} port 81: Connection refused\n", 7)


def test_session_affinity_keeps_the_client_on_one_pod():
    w = _world("ipvs", f"kubectl create deployment boot --image={BOOT} --replicas=3",
               "kubectl expose deployment boot --port=80 --target-port=8080 --session-affinity=ClientIP",
               "kubectl run bb --image=busybox:1.36 -- sleep 3600")
    vip = w.api.get("services", "boot")["spec"]["clusterIP"]
    pods = _boot_pods(w)
    reals = [f"{p['status']['podIP']}:8080" for p in pods]
    assert w.run(f"ipvsadm -Ln -t {vip}:80").stdout.splitlines()[3] == f"TCP  {vip}:80 rr persistent 10800"
    node = w.api.get("pods", "bb")["spec"]["nodeName"]
    got = [w.run(f"kubectl exec bb -- wget -q -O - {vip}").stdout for _ in range(3)]
    # the first connection is scheduled (rr: the lowest address), the template keeps the others there
    assert got == [_hello(pods[0])] * 3
    assert w.run(f"ipvsadm -Ln -t {vip}:80", host=node).stdout == _vs_block(
        vip, 80, [(reals[0], 1, 0, 3), (reals[1], 1, 0, 0), (reals[2], 1, 0, 0)], "rr persistent 10800")
    # another client (the node itself) gets a template of its own, made by the scheduler
    assert w.run(f"curl -s {vip}", host=node).stdout == _hello(pods[1])
    assert w.run(f"curl -s {vip}", host=node).stdout == _hello(pods[1])
    # still within 10800 s of the last connection: the same pod
    w.advance(3 * 3600 - 60)
    assert w.run(f"kubectl exec bb -- wget -q -O - {vip}").stdout == _hello(pods[0])
    # idle for longer than the timeout: the template is gone, rr schedules again (after pods[1])
    w.advance(3 * 3600 + 1)
    assert w.run(f"kubectl exec bb -- wget -q -O - {vip}").stdout == _hello(pods[2])


def test_external_ip_equal_to_another_nodes_ip_keeps_traffic_local():
    """The fourth tutorial's pitfall: kube-ipvs0 on every other node binds that node's IP."""
    w = _world("ipvs", f"kubectl create deployment boot --image={BOOT} --replicas=1",
               "kubectl expose deployment boot --port=80 --target-port=8080 --type=NodePort")
    (pod,) = _boot_pods(w)
    port = w.api.get("services", "boot")["spec"]["ports"][0]["nodePort"]
    target = "k8s-node2"
    ip = w.hosts[target].ip
    # before: the NodePort on node2's address answers from every node
    for host in ("k8s-master", "k8s-node1"):
        assert w.run(f"curl -s {ip}:{port}", host=host).stdout == _hello(pod)
    assert w.run(f"kubectl patch svc boot -p '{{\"spec\":{{\"externalIPs\":[\"{ip}\"]}}}}'").status == 0
    w.settle()
    for host in ("k8s-master", "k8s-node1"):
        assert f"    inet {ip}/32 scope global kube-ipvs0\n" in w.run("ip addr show kube-ipvs0", host=host).stdout
        # the packet to node2 never leaves: the local kube-ipvs0 address takes it, and nothing
        # serves that port there (KUBE-IPVS-FILTER rejects it)
        r = w.run(f"curl {ip}:{port}", host=host)
        assert (r.stderr, r.status) == (f"curl: (7) Failed to connect to {ip} port {port}: Connection refused\n", 7)
        trace = w.run(f"labtrace curl -s {ip}:{port}", host=host).stdout
        assert f"\n  {host}" in trace and f"\n  {target}" not in trace
        assert trace.startswith(f"connection 1: tcp {ip}:")
    # node2 itself does not bind its own address, and from outside it is still node2 that answers
    assert f"inet {ip}/32" not in w.run("ip addr show kube-ipvs0", host=target).stdout
    assert w.run(f"curl -s {ip}:{port}", host="external").stdout == _hello(pod)
    trace = w.run(f"labtrace curl -s -o /dev/null {ip}:{port}", host="external").stdout
    assert f"\n  {target}" in trace
    # the Service's own externalIP port is scheduled by the sending node's IPVS
    assert w.run(f"curl -s {ip}", host="k8s-node1").stdout == _hello(pod)
    trace = w.run(f"labtrace curl -s -o /dev/null {ip}", host="k8s-node1").stdout
    assert re.findall(r"^  (\S+) +IPVS +(.*)$", trace, re.M) == [("k8s-node1", f"TCP {ip}:80")]


def test_ipvs_state_survives_save_and_load():
    lines = _switch("ipvs") + [f"kubectl create deployment boot --image={BOOT} --replicas=3",
                               "kubectl expose deployment boot --port=80 --target-port=8080 "
                               "--session-affinity=ClientIP", "sleep 40",
                               "curl -s $(kubectl get svc boot -o jsonpath='{.spec.clusterIP}')",
                               "kubectl patch svc boot -p '{\"spec\":{\"sessionAffinity\":\"None\"}}'",
                               "sleep 1"]
    lines += ["curl -s $(kubectl get svc boot -o jsonpath='{.spec.clusterIP}')"] * 4
    listing = "ipvsadm -Ln -t $(kubectl get svc boot -o jsonpath='{.spec.clusterIP}'):80"
    lines += [listing, "ipvsadm -Ln --stats", "sleep 100", listing, "sleep 30", listing]

    def flow(reload: bool) -> list[tuple[str, str, int]]:
        w = World.from_profile("kubeadm")
        out = []
        for line in lines:
            if reload:
                w = World.from_state(json.loads(json.dumps(w.to_state())))
            r = _run(w, line)
            if r is not None:
                out.append((r.stdout, r.stderr, r.status))
        return out

    a, b = flow(False), flow(True)
    assert a == b
    w = World.from_profile("kubeadm")
    for line in lines[:lines.index("sleep 40") + 1]:
        _run(w, line)
    vip = w.api.get("services", "boot")["spec"]["clusterIP"]
    pods = _boot_pods(w)
    # affinity first (rr's first pick), then rr carries on from its position
    hellos = [o[0] for o in a if o[0].startswith("Hello")]
    assert hellos == [_hello(pods[i]) for i in (0, 1, 2, 0, 1)]
    listings = [o[0] for o in a if o[0].startswith(TITLE)]
    reals = [f"{p['status']['podIP']}:8080" for p in pods]
    # the five TIME_WAIT entries, then after 100 s the same, after 130 s none
    assert listings == [_vs_block(vip, 80, [(reals[0], 1, 0, 2), (reals[1], 1, 0, 2), (reals[2], 1, 0, 1)])] * 2 + [
        _vs_block(vip, 80, [(r, 1, 0, 0) for r in reals])]


def test_nftables_mode_cluster_ip_and_node_port():
    w = _world("nftables", f"kubectl create deployment boot --image={BOOT} --replicas=1",
               "kubectl expose deployment boot --port=80 --target-port=8080 --type=NodePort", restart="delete")
    (pod,) = _boot_pods(w)
    vip = w.api.get("services", "boot")["spec"]["clusterIP"]
    port = w.api.get("services", "boot")["spec"]["ports"][0]["nodePort"]
    node = pod["spec"]["nodeName"]
    other = next(h.name for h in w.nodes if h.name not in (node, w.profile.control_plane))
    assert w.run(f"curl -s {vip}").stdout == _hello(pod)
    table = w.run("nft list table ip kube-proxy").stdout
    assert table.startswith("table ip kube-proxy {\n\tcomment \"rules for kube-proxy\"\n")
    (svc_chain,) = re.findall(rf"{re.escape(vip)} \. tcp \. 80 : goto (service-[A-Z0-9]{{8}}-default/boot/tcp/)[, ]", table)
    ep = f"{pod['status']['podIP']}/8080"
    (ep_chain,) = re.findall(rf"chain (endpoint-[A-Z0-9]{{8}}-default/boot/tcp/__{re.escape(ep)}) {{", table)
    assert (f"\tchain {svc_chain} {{\n"
            f"\t\tip daddr {vip} tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade\n"
            f"\t\tnumgen random mod 1 vmap {{ 0 : goto {ep_chain} }}\n\t}}\n") in table
    assert (f"\tchain {ep_chain} {{\n\t\tip saddr {pod['status']['podIP']} jump mark-for-masquerade\n"
            f"\t\tmeta l4proto tcp dnat to {pod['status']['podIP']}:8080\n\t}}\n") in table
    trace = w.run(f"labtrace curl -s -o /dev/null {vip}").stdout
    assert f"client seen as {topology.flannel_ip(w, 'k8s-master')}:" in trace
    assert "ip kube-proxy" in trace
    # NodePort from outside: masqueraded by the node that received it
    assert w.run(f"curl -s {w.hosts[other].ip}:{port}", host="external").stdout == _hello(pod)
    trace = w.run(f"labtrace curl -s -o /dev/null {w.hosts[other].ip}:{port}", host="external").stdout
    assert f"client seen as {topology.flannel_ip(w, other)}:" in trace
    # and nothing of iptables mode is left
    assert "KUBE-SVC-" not in w.run("iptables-save -t nat", host=other).stdout
