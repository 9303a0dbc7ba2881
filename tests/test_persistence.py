"""Persistence of Worlds: round trip, row-level diffs, atomic commands and
optimistic concurrency, on the configured database (SQLite by default);
`test_persistence_on_postgresql` runs this same file against PostgreSQL."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from lab.labs.models import ApiObject, HostFile, Lab, LabEvent
from lab.labs.persistence import (LabConflict, create_lab, load_state, load_world, reset_lab,
                                  run_command, save_world)
from lab.sim.world import World
from tests.conftest import postgres_url

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def stored_rows(lab: Lab) -> dict:
    """Everything stored for a lab, for before/after comparisons."""
    lab_row = Lab.objects.filter(pk=lab.pk).values(
        "revision", "profile", "seed", "clock", "rng_state", "extra_state").get()
    return {
        "lab": lab_row,
        "objects": list(ApiObject.objects.filter(lab=lab).order_by("id").values()),
        "events": list(LabEvent.objects.filter(lab=lab).order_by("id").values()),
        "files": list(HostFile.objects.filter(lab=lab).order_by("id").values()),
    }


def write_queries(queries) -> list[str]:
    return [q["sql"] for q in queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_round_trip_gives_the_same_state():
    lab = create_lab("rt")
    assert lab.revision == 1
    assert load_world(lab).to_state() == World.from_profile("kubeadm", seed=0).to_state()
    run_command(lab, "kubectl create namespace dev")
    world = load_world(lab)
    again = World.from_state(world.to_state())
    assert load_state(lab) == world.to_state() == again.to_state()
    # Objects and files keep their key order too: it is part of what the engine prints.
    loaded, saved = load_state(lab), world.to_state()
    assert json.dumps([o["object"] for o in loaded["objects"]]) == json.dumps([o["object"] for o in saved["objects"]])
    assert ({host: json.dumps(fs) for host, fs in loaded["files"].items()}
            == {host: json.dumps(fs) for host, fs in saved["files"].items()})


def test_a_command_persists_and_bumps_the_revision():
    lab = create_lab("persist")
    result = run_command(lab, "kubectl create namespace dev")
    assert (result.stdout, result.stderr, result.status) == ("namespace/dev created\n", "", 0)
    assert lab.revision == 2
    assert Lab.objects.get(pk=lab.pk).revision == 2
    row = ApiObject.objects.get(lab=lab, kind="Namespace", name="dev")
    assert (row.api_version, row.api_group, row.namespace) == ("v1", "", "")
    assert row.data["metadata"]["name"] == "dev"
    assert row.resource_version == row.data["metadata"]["resourceVersion"]
    again = run_command(Lab.objects.get(pk=lab.pk), "kubectl create namespace dev")
    assert (again.stdout, again.stderr, again.status) == (
        "", 'Error from server (AlreadyExists): namespaces "dev" already exists\n', 1)


def test_files_are_rows_per_host():
    lab = create_lab("files")
    run_command(lab, "cat > /root/svc.yaml", stdin="kind: Service\n")
    row = HostFile.objects.get(lab=lab, host="k8s-master", path="/root/svc.yaml")
    assert row.content == "kind: Service\n"
    assert not HostFile.objects.filter(lab=lab, host="k8s-node1", path="/root/svc.yaml").exists()
    assert HostFile.objects.get(lab=lab, host="k8s-master", path="/root").content is None
    assert run_command(lab, "cat /root/svc.yaml").stdout == "kind: Service\n"


def test_only_changed_rows_are_written():
    lab = create_lab("diff")
    # Plant markers in rows the next command does not touch: a rewrite would erase them.
    kube_system = ApiObject.objects.get(lab=lab, kind="Namespace", name="kube-system")
    kube_system.data["metadata"]["labels"] = {"marker": "1"}
    kube_system.save()
    HostFile.objects.filter(lab=lab, host="k8s-node2", path="/etc").update(content="marker")
    before = {o.name: o.resource_version for o in ApiObject.objects.filter(lab=lab, kind="Namespace")}

    run_command(lab, "kubectl create namespace dev")

    assert ApiObject.objects.get(pk=kube_system.pk).data["metadata"]["labels"] == {"marker": "1"}
    assert HostFile.objects.get(lab=lab, host="k8s-node2", path="/etc").content == "marker"
    after = {o.name: o.resource_version for o in ApiObject.objects.filter(lab=lab, kind="Namespace")}
    assert after == {**before, "dev": after["dev"]}


def test_saving_an_unchanged_world_writes_nothing():
    lab = create_lab("noop")
    world = load_world(lab)
    with CaptureQueriesContext(connection) as queries:
        assert save_world(lab, world, expected_revision=1) == 1
    assert write_queries(queries.captured_queries) == []
    assert Lab.objects.get(pk=lab.pk).revision == 1


def test_event_history_is_stored_row_by_row():
    """The recent watch stream is kept one row per event, keyed by its
    resourceVersion, and a save writes only the events that are new."""
    lab = create_lab("events")
    rows = lambda: list(LabEvent.objects.filter(lab=lab).values_list("seq", flat=True))  # noqa: E731
    before = rows()
    assert before == sorted(before) and len(before) > 0
    # The newest stored event stays as it is (the oldest may leave the PERSISTED_EVENTS window).
    first = LabEvent.objects.get(lab=lab, seq=before[-1])
    run_command(lab, "kubectl create namespace mine")
    after = rows()
    added = [seq for seq in after if seq not in before]
    # the namespace, then what the controllers put in it: its default
    # ServiceAccount and its kube-root-ca.crt ConfigMap
    assert len(added) == 3
    events = [LabEvent.objects.get(lab=lab, seq=seq).data for seq in added]
    assert sorted((e["type"], e["resource"], e["object"]["metadata"]["name"]) for e in events) == [
        ("ADDED", "configmaps", "kube-root-ca.crt"), ("ADDED", "namespaces", "mine"),
        ("ADDED", "serviceaccounts", "default")]
    assert events[0]["resource"] == "namespaces"
    kept = LabEvent.objects.get(lab=lab, seq=before[-1])
    assert (kept.pk, kept.digest, kept.data) == (first.pk, first.digest, first.data)
    world = load_world(lab)
    assert [e.resource_version for e in world.store.history[-3:]] == added


def test_a_stale_save_raises_a_conflict_and_writes_nothing():
    lab = create_lab("race")
    stale = Lab.objects.get(pk=lab.pk)
    world = load_world(stale)
    world.run("kubectl create namespace mine")
    run_command(lab, "kubectl create namespace theirs")  # another session saves first
    snapshot = stored_rows(lab)
    with pytest.raises(LabConflict) as info:
        save_world(stale, world, expected_revision=1)
    assert str(info.value) == (
        f"lab 'race' (id {lab.pk}) was saved by someone else: this save started from revision 1 "
        f"but it is now at revision 2; reload the lab and run the command again")
    assert (info.value.expected, info.value.stored) == (1, 2)
    assert stored_rows(lab) == snapshot
    assert run_command(lab, "kubectl get namespace mine -o name").stderr == (
        'Error from server (NotFound): namespaces "mine" not found\n')


def test_run_command_retries_after_a_conflict(monkeypatch):
    """A conflict at save time reruns the command on the fresh state."""
    lab = create_lab("retry")
    original = World.run
    calls = []

    def run_while_another_session_saves(self, line, host=None, stdin=""):
        calls.append(line)
        if len(calls) == 1:  # the stored revision moves on while the command runs
            Lab.objects.filter(pk=lab.pk).update(revision=7)
        return original(self, line, host=host, stdin=stdin)

    monkeypatch.setattr(World, "run", run_while_another_session_saves)
    result = run_command(lab, "kubectl create namespace dev")
    assert calls == ["kubectl create namespace dev"] * 2
    assert result.stdout == "namespace/dev created\n"
    # The simulated competing write shared the failed attempt's transaction,
    # so it was rolled back with it; the rerun saved on top of revision 1.
    assert Lab.objects.get(pk=lab.pk).revision == 2
    assert ApiObject.objects.filter(lab=lab, name="dev").count() == 1


def test_a_command_that_raises_leaves_the_lab_as_it_was(monkeypatch):
    lab = create_lab("boom")
    snapshot = stored_rows(lab)
    original = World.run

    def run_then_fail(self, line, host=None, stdin=""):
        original(self, line, host=host, stdin=stdin)  # the world has changed in memory
        raise RuntimeError("controller crashed")

    monkeypatch.setattr(World, "run", run_then_fail)
    with pytest.raises(RuntimeError, match="controller crashed"):
        run_command(lab, "kubectl create namespace dev")
    assert stored_rows(lab) == snapshot


def test_reset_recreates_the_world_under_the_same_lab():
    lab = create_lab("reset")
    run_command(lab, "kubectl create namespace dev")
    run_command(lab, "cat > /root/a.txt", stdin="a\n")
    reset_lab(lab)
    assert lab.revision == 4
    assert load_state(lab) == World.from_profile("kubeadm", seed=0).to_state()
    assert not ApiObject.objects.filter(lab=lab, name="dev").exists()


def test_owners():
    from django.contrib.auth.models import User

    ada = User.objects.create(username="ada")
    mine = create_lab("default", user=ada)
    theirs = create_lab("default", session_key="a" * 32)
    cli = create_lab("default")
    assert [(lab.owner_kind, lab.user_id, lab.session_key) for lab in (mine, theirs, cli)] == [
        ("user", ada.pk, ""), ("session", None, "a" * 32), ("cli", None, "")]
    for owner in ({"user": ada}, {"session_key": "a" * 32}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Lab.objects.create(name="default", owner_kind=create_lab_kind(owner), **owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lab.objects.create(name="x", owner_kind="user")  # a user lab needs its user


def create_lab_kind(owner: dict) -> str:
    return "user" if "user" in owner else "session" if owner else "cli"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_processes_saving_at_once_one_wins():
    """Two connections load revision 1 and save together: one save lands,
    the other gets LabConflict (the row lock serializes their UPDATEs)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent connections (runs in the PostgreSQL variant)")
    lab = create_lab("concurrent")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(ns: str) -> None:
        try:
            mine = Lab.objects.get(pk=lab.pk)
            world = load_world(mine)
            world.run(f"kubectl create namespace {ns}")
            barrier.wait()
            save_world(mine, world, expected_revision=1)
            outcomes.append("saved")
        except LabConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(ns,)) for ns in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    names = set(ApiObject.objects.filter(lab=lab, kind="Namespace").values_list("name", flat=True))
    assert len(names & {"a", "b"}) == 1
    assert Lab.objects.get(pk=lab.pk).revision == 2


@pytest.mark.postgresql
def test_persistence_on_postgresql():
    """This file again, with DATABASE_URL naming the PostgreSQL server."""
    if connection.vendor == "postgresql":
        pytest.skip("already running on PostgreSQL")
    url, why = postgres_url()
    if url is None:
        pytest.skip(why)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env["DATABASE_URL"] = url
    env["LAB_TEST_DATABASE_NAME"] = f"test_lab_persistence_{os.getpid()}"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_persistence.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0, f"on {url}: {summary}\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    # Everything ran there except this test itself (which skips on PostgreSQL).
    assert re.fullmatch(r"\d+ passed, 1 skipped in [0-9.]+s( \([0-9:]+\))?", summary), summary
