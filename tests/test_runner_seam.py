"""The engine's pacing seam (World.wait / World.pacer) and streamed output
(ShellSession.on_output): what a runner builds on. No database."""
from __future__ import annotations

import pytest

from lab.sim.shell.session import ShellSession
from lab.sim.world import World


@pytest.fixture(scope="module")
def fresh():
    return World.from_profile("kubeadm").to_state()


def world_from(state) -> World:
    return World.from_state(state)


class RecordingPacer:
    """A pacer that lets the time pass at once (as a runner's clock would)
    and records each wait with the output written before it."""

    def __init__(self, world: World, seen: list[str]):
        self.world = world
        self.seen = seen
        self.waits: list[tuple[float, str]] = []
        self.interrupt_after: int | None = None

    def __call__(self, seconds: float) -> bool:
        self.waits.append((seconds, "".join(self.seen)))
        if self.interrupt_after is not None and len(self.waits) > self.interrupt_after:
            return True
        self.world.advance(seconds)
        return False


def paced(state) -> tuple[World, RecordingPacer, ShellSession, list[str]]:
    world = world_from(state)
    seen: list[str] = []
    pacer = RecordingPacer(world, seen)
    world.pacer = pacer
    session = ShellSession(world, world.default_host)
    session.on_output = lambda stream, text: seen.append(text)
    return world, pacer, session, seen


def test_without_a_pacer_a_wait_passes_at_once(fresh):
    world = world_from(fresh)
    before = world.clock.elapsed
    assert world.wait(2.5) is False
    assert world.clock.elapsed == before + 2.5


def test_sleep_in_a_loop_waits_through_the_pacer_and_streams_each_line_before_the_next_wait(fresh):
    world, pacer, session, seen = paced(fresh)
    result = session.run("for i in 1 2 3; do echo tick $i; sleep 1; done")
    assert result.status == 0
    # Each wait saw the lines printed before it: the output left as it was written.
    assert pacer.waits == [(1.0, "tick 1\n"), (1.0, "tick 1\ntick 2\n"), (1.0, "tick 1\ntick 2\ntick 3\n")]
    assert "".join(seen) == result.stdout == "tick 1\ntick 2\ntick 3\n"


def test_an_interrupted_wait_ends_sleep_with_130_and_stops_the_loop(fresh):
    world, pacer, session, seen = paced(fresh)
    pacer.interrupt_after = 1

    def interrupting(seconds: float) -> bool:
        stopped = RecordingPacer.__call__(pacer, seconds)
        if stopped:
            session.interrupt.set()  # as the runner's Ctrl-C does
        return stopped

    world.pacer = interrupting
    result = session.run("while true; do echo x; sleep 5; done")
    assert result.status == 130
    assert result.stdout == "x\nx\n"
    assert [seconds for seconds, _ in pacer.waits] == [5.0, 5.0]


def test_rollout_status_waits_for_each_timer_through_the_pacer(fresh):
    world, pacer, session, seen = paced(fresh)
    assert session.run("kubectl create deployment web --image=nginx --replicas=2").status == 0
    result = session.run("kubectl rollout status deployment/web")
    assert result.status == 0
    assert result.stdout.endswith('deployment "web" successfully rolled out\n')
    assert pacer.waits, "rollout status waited without the pacer"
    # The progress lines were on the screen while it waited.
    assert any("Waiting for deployment" in before for _, before in pacer.waits)


def test_paced_and_unpaced_runs_print_the_same(fresh):
    lines = ["kubectl create deployment web --image=nginx --replicas=2", "sleep 30",
             "kubectl get pods -o wide", "kubectl rollout status deployment/web"]
    plain = world_from(fresh)
    world, _, session, _ = paced(fresh)
    plain_session = ShellSession(plain, plain.default_host)
    for line in lines:
        assert session.run(line).stdout == plain_session.run(line).stdout
    assert world.clock.now == plain.clock.now


def test_a_dns_lookup_is_a_trace_with_its_question_and_answer(fresh):
    from lab.sim.net import recording

    world = world_from(fresh)
    world.run("kubectl run bb --image=busybox:1.28 --restart=Never -- sleep 3600")
    world.advance(30)
    with recording(world) as traces:
        result = world.run("kubectl exec bb -- nslookup kubernetes.default")
    assert result.status == 0, result.stderr
    lookups = [t.to_dict() for t in traces if t.proto == "udp" and t.target == "10.96.0.10:53"]
    assert lookups and all(t["result"] == "connected" for t in lookups)
    asked = {(t["dns"]["qname"], t["dns"]["qtype"]): t["dns"] for t in lookups}
    found = asked[("kubernetes.default.svc.cluster.local.", "A")]
    assert found["rcode"] == "NOERROR"
    assert found["answers"] == ["kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1"]
    # A search-path candidate that does not exist says so.
    assert asked[("kubernetes.default.default.svc.cluster.local.", "A")]["rcode"] == "NXDOMAIN"
