"""Limits per lab (lab.sim.limits): each ends with its exact error and
changes nothing else; a runaway `while true; do kubectl create ...; done`
stops at a limit with a clear message."""
from __future__ import annotations

import copy
import json

import pytest

from lab.sim.limits import LabLimits, default_limits, set_default_limits
from lab.sim.world import World


@pytest.fixture(scope="module")
def fresh_state() -> dict:
    return World.from_profile("kubeadm").to_state()


@pytest.fixture
def make_world(fresh_state):
    def make(**limits) -> World:
        return World.from_state(copy.deepcopy(fresh_state), limits=LabLimits(**limits))
    return make


def snapshot(world: World) -> str:
    """Everything a learner can see change: objects (with resourceVersions),
    files, the clock, the components' runtime state and the event stream.
    (Random streams are left out: a refused request draws its UID, as a
    request refused by validation does; so is the command journal, which
    records the refused command as it records every line typed.)"""
    state = world.to_state()
    state["runtime"] = {k: v for k, v in state["runtime"].items() if k != "commands"}
    return json.dumps({k: state[k] for k in ("objects", "files", "clock", "runtime", "events", "storeRevision")},
                      sort_keys=True)


def run(world: World, line: str) -> tuple[str, str, int]:
    result = world.run(line)
    return result.stdout, result.stderr, result.status


def counted_objects(world: World) -> int:
    return len(world.store) - world.store.count("events")


def write(world: World, path: str, text: str) -> None:
    world.hosts[world.default_host].fs.write(path, text)


# ---- objects per lab ---------------------------------------------------------------

def test_objects_past_the_limit_are_refused_in_quota_words_and_nothing_changes(make_world, fresh_state):
    base = make_world()
    world = make_world(max_objects=counted_objects(base) + 1)
    limit = counted_objects(base) + 1
    assert run(world, "kubectl create namespace dev") == ("namespace/dev created\n", "", 0)
    # the controllers' own objects are not refused: the namespace's default
    # ServiceAccount and kube-root-ca.crt come with it
    used = limit + 2
    assert counted_objects(world) == used
    before = snapshot(world)
    assert run(world, "kubectl create namespace qa") == ("", (
        'Error from server (Forbidden): namespaces "qa" is forbidden: exceeded quota: lab-limits, '
        f"requested: objects=1, used: objects={used}, limited: objects={limit}\n"), 1)
    assert run(world, "kubectl create deployment d --image=nginx --dry-run=server") == ("", (
        'error: failed to create deployment: deployments.apps "d" is forbidden: exceeded quota: lab-limits, '
        f"requested: objects=1, used: objects={used}, limited: objects={limit}\n"), 1)
    assert snapshot(world) == before
    # What is there still changes and goes: only new objects are refused.
    assert run(world, "kubectl label namespace dev team=a") == ("namespace/dev labeled\n", "", 0)
    assert run(world, "kubectl delete namespace dev")[2] == 0


# ---- Pods per lab ------------------------------------------------------------------

def test_pods_past_the_limit_are_refused_for_kubectl_run_and_for_replicasets(make_world):
    pods = make_world().store.count("pods")
    world = make_world(max_pods=pods + 1)
    assert run(world, "kubectl run p1 --image=nginx") == ("pod/p1 created\n", "", 0)
    before = snapshot(world)
    assert run(world, "kubectl run p2 --image=nginx") == ("", (
        'Error from server (Forbidden): pods "p2" is forbidden: exceeded quota: lab-limits, '
        f"requested: pods=1, used: pods={pods + 1}, limited: pods={pods + 1}\n"), 1)
    assert snapshot(world) == before
    # A ReplicaSet's refused Pod is its FailedCreate event, as under a real ResourceQuota.
    assert run(world, "kubectl create deployment web --image=nginx")[2] == 0
    out, _, _ = run(world, "kubectl get rs -o jsonpath='{.items[0].status.replicas}'")
    assert out == "0"
    events, _, _ = run(world, "kubectl get events --field-selector reason=FailedCreate "
                              "-o jsonpath='{.items[0].message}'")
    assert events.startswith('Error creating: pods "web-')
    assert events.endswith(f'" is forbidden: exceeded quota: lab-limits, requested: pods=1, '
                           f"used: pods={pods + 1}, limited: pods={pods + 1}")
    assert world.store.count("pods") == pods + 1


# ---- replicas per workload ----------------------------------------------------------

def test_replicas_past_the_limit_are_a_field_error_on_create_scale_and_apply(make_world):
    world = make_world(max_replicas=3)
    before = snapshot(world)
    assert run(world, "kubectl create deployment web --image=nginx --replicas=4") == ("", (
        'error: failed to create deployment: Deployment.apps "web" is invalid: spec.replicas: '
        "Invalid value: 4: must be less than or equal to 3 (the lab's limit per workload)\n"), 1)
    assert snapshot(world) == before
    assert run(world, "kubectl create deployment web --image=nginx --replicas=3")[2] == 0
    before = snapshot(world)
    assert run(world, "kubectl scale deployment web --replicas=10") == ("", (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: 10: '
        "must be less than or equal to 3 (the lab's limit per workload)\n"), 1)
    write(world, "/root/rs.yaml", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: big\n"
          "spec:\n  replicas: 51\n  selector:\n    matchLabels: {app: big}\n  template:\n"
          "    metadata:\n      labels: {app: big}\n    spec:\n      containers:\n      - name: c\n"
          "        image: nginx\n")
    before = snapshot(world)
    assert run(world, "kubectl apply -f rs.yaml") == ("", (
        'The ReplicaSet "big" is invalid: spec.replicas: Invalid value: 51: '
        "must be less than or equal to 3 (the lab's limit per workload)\n"), 1)
    assert snapshot(world) == before
    assert world.api.get("deployments.apps", "web", "default")["spec"]["replicas"] == 3


# ---- request and manifest size -----------------------------------------------------------

def configmap(name: str, value: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {value}\n"


def test_a_request_body_over_the_limit_gets_the_apiservers_413_and_nothing_changes(make_world):
    world = make_world(max_request_bytes=2000)
    write(world, "/root/small.yaml", configmap("cm", "v"))
    write(world, "/root/big.yaml", configmap("cm", "x" * 2000))
    write(world, "/root/big2.yaml", configmap("cm2", "x" * 2000))
    assert run(world, "kubectl apply -f small.yaml") == ("configmap/cm created\n", "", 0)
    before = snapshot(world)
    assert run(world, "kubectl replace -f big.yaml") == ("", (
        'Error from server (RequestEntityTooLarge): error when replacing "big.yaml": '
        "Request entity too large: limit is 2000\n"), 1)
    assert run(world, "kubectl create -f big2.yaml") == ("", (
        'Error from server (RequestEntityTooLarge): error when creating "big2.yaml": '
        "Request entity too large: limit is 2000\n"), 1)
    out, err, status = run(world, "kubectl patch configmap cm -p '{\"data\":{\"k\":\"" + "y" * 2000 + "\"}}'")
    assert (out, err, status) == ("", "Error from server (RequestEntityTooLarge): Request entity too large: "
                                      "limit is 2000\n", 1)
    assert snapshot(world) == before
    assert world.api.get("configmaps", "cm", "default")["data"] == {"k": "v"}


def test_the_default_request_limit_is_the_real_apiservers():
    assert LabLimits().max_request_bytes == 3145728


# ---- loop iterations per command ---------------------------------------------------------

def test_a_loop_stops_at_the_iteration_limit_keeping_what_it_did(make_world):
    world = make_world(max_loop_iterations=5)
    out, err, status = run(world, "for i in 1 2 3 4 5 6 7; do kubectl create namespace n$i; done; echo after")
    assert out == "".join(f"namespace/n{i} created\n" for i in range(1, 6))
    assert err == "bash: loop stopped: this lab allows 5 loop iterations per command\n"
    assert status == 130
    names = [n["metadata"]["name"] for n in world.api.list("namespaces")]
    assert [n for n in names if n.startswith("n")] == ["n1", "n2", "n3", "n4", "n5"]
    # The next command line has its own budget.
    assert run(world, "for i in 1 2; do echo $i; done") == ("1\n2\n", "", 0)


def test_a_stopped_writer_still_feeds_the_rest_of_its_pipeline(make_world):
    world = make_world(max_loop_iterations=4)
    assert run(world, "while true; do echo y; done | wc -l") == (
        "4\n", "bash: loop stopped: this lab allows 4 loop iterations per command\n", 130)


def test_awk_loops_share_the_iteration_limit(make_world):
    """awk's while (1) runs in the command line's budget, keeping its output."""
    world = make_world(max_loop_iterations=4)
    assert run(world, "awk 'BEGIN { while (1) print \"y\" }'") == (
        "y\ny\ny\ny\n", "awk: loop stopped: this lab allows 4 loop iterations per command\n", 130)
    assert run(world, "awk 'BEGIN { do n++; while (1) }' | wc -l") == (
        "0\n", "awk: loop stopped: this lab allows 4 loop iterations per command\n", 130)
    assert run(world, "for i in 1 2; do :; done; awk 'BEGIN { for (;;) print \"z\" }'") == (
        "z\nz\n", "awk: loop stopped: this lab allows 4 loop iterations per command\n", 130)


def test_sed_branch_loops_share_the_iteration_limit(make_world):
    """`:a; s/a/aa/; ta` never ends in GNU sed; here it stops at the limit, keeping the cycles that ended."""
    world = make_world(max_loop_iterations=5)
    assert run(world, "printf 'b\\na\\n' | sed ':a; s/a/aa/; ta'") == (
        "b\n", "sed: loop stopped: this lab allows 5 loop iterations per command\n", 130)
    # a loop that ends within the budget is not stopped
    assert run(world, "echo aaaa | sed ':a; s/a/b/; ta'") == ("bbbb\n", "", 0)


# ---- virtual seconds per command ---------------------------------------------------------

def test_sleep_stops_at_the_virtual_time_limit(make_world):
    world = make_world(max_virtual_seconds=600)
    start = world.clock.elapsed
    assert run(world, "sleep 300; sleep 400; echo after") == (
        "", "bash: command stopped: this lab allows 600 virtual seconds per command\n", 130)
    assert world.clock.elapsed == start + 600
    assert run(world, "sleep 100; echo next") == ("next\n", "", 0)  # a new budget per command line
    assert world.clock.elapsed == start + 700


def test_a_wait_that_outlasts_the_limit_stops_there(make_world):
    world = make_world(max_virtual_seconds=120)
    assert run(world, "kubectl run p1 --image=nginx")[2] == 0
    start = world.clock.elapsed
    assert run(world, "kubectl wait --for=delete pod/p1 --timeout=1h") == (
        "", "bash: command stopped: this lab allows 120 virtual seconds per command\n", 130)
    assert world.clock.elapsed == pytest.approx(start + 120)


def test_a_sleep_loop_stops_at_whichever_limit_comes_first(make_world):
    world = make_world(max_virtual_seconds=50, max_loop_iterations=1000)
    out, err, status = run(world, "while true; do sleep 10; echo tick; done")
    assert (out, err, status) == ("tick\n" * 5, "bash: command stopped: this lab allows 50 virtual seconds "
                                                "per command\n", 130)


# ---- the runaway loop --------------------------------------------------------------------

def test_while_true_kubectl_create_ends_at_a_limit_with_a_clear_message(make_world):
    world = make_world()  # the default limits
    out, err, status = run(world, "i=0; while true; do kubectl create deployment d$i --image=nginx; i=$((i+1)); done")
    limits = LabLimits()
    assert status == 130
    assert err.endswith(f"bash: loop stopped: this lab allows {limits.max_loop_iterations} loop iterations "
                        "per command\n")
    refusals = [line for line in err.splitlines() if "exceeded quota: lab-limits" in line]
    # once the Pods are at their limit each Deployment adds itself and its
    # ReplicaSet, so the count reaches the limit or passes it by one
    assert refusals and any(refusals[-1].endswith(
        f"requested: objects=1, used: objects={used}, limited: objects={limits.max_objects}")
        for used in (limits.max_objects, limits.max_objects + 1))
    assert counted_objects(world) <= limits.max_objects + 2 * limits.max_pods
    assert world.store.count("pods") == limits.max_pods
    assert out.count("created") == len([d for d in world.api.list("deployments.apps", "default")])


# ---- configuration -----------------------------------------------------------------------

def test_limits_from_settings_values():
    assert LabLimits.from_mapping({"max_pods": "7", "max_virtual_seconds": "90"}) == LabLimits(
        max_pods=7, max_virtual_seconds=90.0)
    with pytest.raises(ValueError) as info:
        LabLimits.from_mapping({"max_pod": "7"})
    assert str(info.value).startswith("unknown lab limits ['max_pod']; known: ['max_disk_bytes', "
                                      "'max_loop_iterations',")
    with pytest.raises(ValueError) as info:
        LabLimits.from_mapping({"max_pods": "0"})
    assert str(info.value) == "lab limit max_pods must be positive, not '0'"


def test_a_world_without_limits_of_its_own_gets_the_process_default(fresh_state):
    saved = default_limits()
    try:
        set_default_limits(LabLimits(max_loop_iterations=2))
        world = World.from_state(copy.deepcopy(fresh_state))
        assert world.limits.max_loop_iterations == 2
        assert world.run("while true; do :; done").stderr == \
            "bash: loop stopped: this lab allows 2 loop iterations per command\n"
    finally:
        set_default_limits(saved)


# ---- output per command and a host's disk ---------------------------------------------

def test_a_doubling_variable_stops_at_the_value_limit(make_world):
    from lab.sim.shell.session import ShellSession

    shell = ShellSession(make_world(max_output_bytes=1000), "k8s-master")
    r = shell.run("x=ab; while true; do x=$x$x; done; echo never")
    assert (r.stdout, r.stderr, r.status) == (
        "", "bash: x: command stopped: this lab allows values of at most 1000 bytes\n", 130)
    assert shell.run("echo ${#x}").stdout == "512\n"  # the last value that fitted


def test_output_of_one_command_line_stops_at_the_output_limit(make_world):
    world = make_world(max_output_bytes=1000)
    write(world, "/root/a", "0123456789" * 30)
    out, err, status = run(world, "while true; do cat a; done")
    assert (len(out), err, status) == (900, "bash: command stopped: this lab allows 1000 bytes of output "
                                            "per command\n", 130)
    # Pipes and redirections count too; the file keeps what was written before the stop.
    out, err, status = run(world, "while true; do cat a a > b; cat b >> c; done")
    assert (out, status) == ("", 130) and err.endswith("bytes of output per command\n")
    assert len(world.hosts[world.default_host].fs.read("/root/c")) == 0
    assert run(world, "wc -c b") == ("600 b\n", "", 0)


def test_a_full_disk_fails_the_write_in_the_kernels_words_and_the_line_goes_on(make_world):
    world = make_world(max_disk_bytes=make_world().hosts["k8s-master"].fs.used() + 700)
    write(world, "/root/a", "x" * 300)
    assert run(world, "cat a >> d; echo $?; cat a >> d; echo $?") == (
        "0\n1\n", "cat: write error: No space left on device\n", 0)
    assert run(world, "echo hi > e; echo $?") == ("0\n", "", 0)
    assert run(world, "cat a | tee f; echo $?")[1:] == ("tee: f: No space left on device\n", 0)
    assert run(world, "wc -c d") == ("300 d\n", "", 0)   # nothing of the failed write landed
    assert run(world, "rm d; cat a >> d; echo $?") == ("0\n", "", 0)


def test_cp_on_a_full_disk_fails_its_write_as_gnu_cp_says(make_world):
    world = make_world(max_disk_bytes=make_world().hosts["k8s-master"].fs.used() + 700)
    write(world, "/root/a", "x" * 400)
    assert run(world, "cp a e; echo $?") == ("1\n", "cp: error writing 'e': No space left on device\n", 0)
    # cp opened the destination before the write failed: it is there, empty
    assert run(world, "wc -c e") == ("0 e\n", "", 0)
    assert run(world, "mkdir t; cp a t/; echo $?") == ("1\n", "cp: error writing 't/a': No space left on device\n", 0)
    run(world, "mkdir src")
    write(world, "/root/src/small", "y" * 10)
    write(world, "/root/src/big", "z" * 250)
    out, err, status = run(world, "cp -r src dst; echo $?; cat dst/small")
    assert (out, err) == ("1\n" + "y" * 10, "cp: error writing 'dst/big': No space left on device\n")
    assert run(world, "rm -r e t src dst; echo hi > s; cp s e; echo $?; cat e") == ("0\nhi\n", "", 0)


def test_the_limits_benchmark_prints_what_stopped_each_line(capsys):
    from lab.sim.bench import limits as bench

    assert bench.main(["--repeat", "1", "sleep_loop", "doubling_variable"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["figure"], r["unit"], r["repeat"], r["stopped_by"]) for r in rows] == [
        ("sleep_loop", "s", 1, "bash: command stopped: this lab allows 3600 virtual seconds per command"),
        ("doubling_variable", "s", 1, "bash: x: command stopped: this lab allows values of at most 8388608 bytes")]
    assert all(isinstance(r["value"], float) and r["value"] >= 0 for r in rows)


def test_a_printf_field_wider_than_the_output_limit_stops_before_it_is_built(make_world):
    world = make_world(max_output_bytes=1000)
    assert run(world, "printf '%0999999999999d\\n' 1; echo never") == (
        "", "bash: command stopped: this lab allows 1000 bytes of output per command\n", 130)
    assert run(world, "printf '%05d\\n' 42") == ("00042\n", "", 0)
