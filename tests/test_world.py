"""A World: profiles, determinism, persistence round trip, the apiserver manifest, the clock."""
import json

import pytest

from lab.sim.api.allocators import ClusterIPAllocator, NodePortAllocator
from lab.sim.api.server import ConnectionRefused
from lab.sim.apiserver_manifest import MANIFEST_PATH
from lab.sim.profiles import UnknownProfile, available_profiles, load_profile
from lab.sim.world import World


def service(name, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec}}


def test_profiles_are_data_files():
    assert available_profiles() == ["binary", "kubeadm", "minikube"]
    with pytest.raises(UnknownProfile) as info:
        load_profile("kind")
    assert str(info.value) == "unknown cluster profile 'kind' (available: binary, kubeadm, minikube)"


@pytest.mark.parametrize("profile,nodes,external", [
    ("kubeadm", ["k8s-master", "k8s-node1", "k8s-node2"], "external"),
    ("binary", ["kube-node01", "kube-node02"], "external"),
    ("minikube", ["minikube"], "external"),
])
def test_hosts_follow_the_profile(profile, nodes, external):
    world = World.from_profile(profile)
    assert [h.name for h in world.nodes] == nodes
    assert world.hosts[external].role == "external"
    assert [n["metadata"]["name"] for n in world.api.list("nodes")] == nodes


def test_node_pod_cidrs_and_addresses():
    world = World.from_profile("kubeadm")
    node = world.api.get("nodes", "k8s-node1")
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    assert node["status"]["addresses"][0] == {"address": "192.168.56.11", "type": "InternalIP"}
    master = world.api.get("nodes", "k8s-master")
    assert master["spec"]["taints"] == [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]


def test_same_seed_same_world():
    a, b = World.from_profile("kubeadm", seed=7), World.from_profile("kubeadm", seed=7)
    assert a.api.create(service("x"))["spec"]["clusterIP"] == b.api.create(service("x"))["spec"]["clusterIP"]
    assert a.to_state() == b.to_state()


def test_state_round_trip_is_exact():
    world = World.from_profile("binary", seed=3)
    world.api.create(service("web", type="NodePort"))
    world.hosts["kube-node01"].fs.write("/root/notes.txt", "hello\n")
    world.settle()  # commands end settled; a saved world is always a settled one
    state = json.loads(json.dumps(world.to_state()))
    again = World.from_state(state)
    assert again.to_state() == state
    # Allocators are rebuilt from the stored Services (the apiserver's repair loop).
    assert again.api.ips.used == world.api.ips.used
    assert again.api.node_ports.used == world.api.node_ports.used
    # The RNG continues where it stopped.
    assert again.api.create(service("next"))["spec"]["clusterIP"] == \
        world.api.create(service("next"))["spec"]["clusterIP"]
    assert again.hosts["kube-node01"].fs.read("/root/notes.txt") == "hello\n"


def test_editing_the_manifest_restarts_the_apiserver_with_new_flags():
    world = World.from_profile("binary")
    fs = world.hosts["kube-node01"].fs
    text = fs.read(MANIFEST_PATH)
    assert "--service-node-port-range=30000-32767" in text
    fs.write(MANIFEST_PATH, text.replace("30000-32767", "8000-32767"))
    world.sync_apiserver()
    created = world.api.create(service("nginx-service", type="NodePort", ports=[{"port": 8999, "nodePort": 8999}]))
    assert created["spec"]["ports"][0]["nodePort"] == 8999
    restored = World.from_state(json.loads(json.dumps(world.to_state())))
    assert restored.api.config.service_node_port_range == "8000-32767"


def test_a_broken_manifest_takes_the_apiserver_down():
    world = World.from_profile("kubeadm")
    fs = world.hosts["k8s-master"].fs
    fs.write(MANIFEST_PATH, "apiVersion: v1\nkind: Pod\nspec: [\n")
    world.sync_apiserver()
    with pytest.raises(ConnectionRefused) as info:
        world.api.list("services")
    assert str(info.value) == ("The connection to the server 192.168.56.10:6443 was refused - "
                               "did you specify the right host or port?")


def test_clock_advance_fires_timers_in_order():
    world = World.from_profile("kubeadm")
    world.clock._heap.clear()  # only this test's timers (a fresh cluster may have its own pending)
    fired = []
    start = world.clock.elapsed
    world.clock.call_later(5, "b", lambda: fired.append(("b", world.clock.elapsed - start)))
    world.clock.call_later(2, "a", lambda: fired.append(("a", world.clock.elapsed - start)))
    world.clock.call_later(5, "c", lambda: fired.append(("c", world.clock.elapsed - start)))
    assert world.next_event_time() == start + 2
    world.advance(4)
    assert fired == [("a", 2)]
    world.advance(10)
    assert fired == [("a", 2), ("b", 5), ("c", 5)]
    assert world.clock.elapsed - start == 14
    assert world.step() is False


def test_allocator_bands():
    ips = ClusterIPAllocator("10.96.0.0/24")
    assert (ips.size, ips.offset) == (254, 16)
    assert ClusterIPAllocator("10.96.0.0/12").offset == 256
    ports = NodePortAllocator("30000-32767")
    assert (ports.size, ports.offset) == (2768, 86)
    import random
    rng = random.Random(1)
    picks = {ports.allocate_next(rng) for _ in range(50)}
    assert min(picks) >= 30086
    small = NodePortAllocator("30000-30019")
    got = sorted(small.allocate_next(rng) for _ in range(20))
    assert got == list(range(30000, 30020))
