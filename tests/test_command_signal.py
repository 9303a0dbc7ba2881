"""lab.labs.signals.command_finished: sent once per stored command, after
its save, by run_command (labsh) and the lab runner (the page's terminals);
not sent when nothing was stored."""
from __future__ import annotations

import pytest

from lab.classrooms.loadtest import percentiles
from lab.labs.models import Lab
from lab.labs.persistence import create_lab, run_command
from lab.labs.signals import command_finished


@pytest.fixture
def heard():
    calls = []

    def listen(sender, lab, world, line, status, **kwargs):
        stored = Lab.objects.get(pk=lab.pk)
        calls.append((lab.pk, line, status, stored.revision, world.store.peek("namespaces", "", "seen") is not None))

    command_finished.connect(listen, dispatch_uid="test-listener")
    yield calls
    command_finished.disconnect(dispatch_uid="test-listener")


@pytest.mark.django_db
def test_run_command_sends_it_after_the_save(heard):
    lab = create_lab("one")
    revision = lab.revision
    run_command(lab, "kubectl create namespace seen")
    run_command(lab, "kubectl get namespace nope")
    assert heard == [(lab.pk, "kubectl create namespace seen", 0, revision + 1, True),
                     (lab.pk, "kubectl get namespace nope", 1, revision + 2, True)]


@pytest.mark.django_db
def test_nothing_is_sent_when_the_command_is_not_stored(heard, monkeypatch):
    from lab.sim.world import World

    lab = create_lab("one")

    def broken(self, *args, **kwargs):
        raise RuntimeError("the simulator failed")

    monkeypatch.setattr(World, "run", broken)
    with pytest.raises(RuntimeError):
        run_command(lab, "kubectl get pods")
    assert heard == []


def test_percentiles_are_nearest_rank_in_milliseconds():
    samples = [i / 1000 for i in range(1, 101)]       # 1 ms .. 100 ms
    assert percentiles(samples) == {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "max": 100.0, "mean": 50.5}
    assert percentiles([0.2]) == {"p50": 200.0, "p90": 200.0, "p95": 200.0, "p99": 200.0, "max": 200.0, "mean": 200.0}
    assert percentiles([]) == {}
