"""`manage.py labsh` end to end through the database."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lab.labs.models import ApiObject, HostFile, Lab
from lab.labs.persistence import get_cli_lab
from lab.sim.world import World

ROOT = Path(__file__).resolve().parent.parent
NS_YAML = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-stdin\n"


def labsh(monkeypatch, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run labsh in-process; (exit status, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("labsh", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_state_persists_between_invocations(monkeypatch):
    assert labsh(monkeypatch, "kubectl create namespace dev") == (0, "namespace/dev created\n", "")
    assert labsh(monkeypatch, "kubectl get namespace dev -o name") == (0, "namespace/dev\n", "")
    lab = get_cli_lab("default")
    assert (lab.owner_kind, lab.user_id, lab.session_key, lab.profile) == ("cli", None, "", "kubeadm")


@pytest.mark.django_db
def test_several_lines_run_in_order_and_the_last_status_wins(monkeypatch):
    status, out, err = labsh(monkeypatch, "kubectl create namespace dev", "kubectl create namespace dev")
    assert (status, out, err) == (
        1, "namespace/dev created\n", 'Error from server (AlreadyExists): namespaces "dev" already exists\n')
    status, out, err = labsh(monkeypatch, "kubectl create namespace dev", "kubectl get namespace dev -o name")
    assert status == 0 and out == "namespace/dev\n"


@pytest.mark.django_db
def test_labs_are_separate_and_reset_recreates(monkeypatch):
    labsh(monkeypatch, "--lab", "one", "kubectl create namespace dev")
    assert labsh(monkeypatch, "--lab", "two", "kubectl get namespace dev -o name") == (
        1, "", 'Error from server (NotFound): namespaces "dev" not found\n')
    assert labsh(monkeypatch, "--lab", "one", "--reset", "kubectl get namespace dev -o name") == (
        1, "", 'Error from server (NotFound): namespaces "dev" not found\n')
    assert sorted(Lab.objects.values_list("name", flat=True)) == ["one", "two"]


@pytest.mark.django_db
def test_host_option(monkeypatch):
    assert labsh(monkeypatch, "--host", "k8s-node1", "hostname") == (0, "k8s-node1\n", "")
    assert labsh(monkeypatch, "hostname") == (0, World.from_profile("kubeadm").default_host + "\n", "")
    with pytest.raises(CommandError) as info:
        labsh(monkeypatch, "--host", "nowhere", "hostname")
    assert str(info.value) == (
        "lab 'default' has no host 'nowhere'; its hosts are: external, k8s-master, k8s-node1, k8s-node2")


@pytest.mark.django_db
def test_stdin_reaches_the_command(monkeypatch):
    assert labsh(monkeypatch, "kubectl apply -f -", stdin=NS_YAML) == (0, "namespace/from-stdin created\n", "")
    assert labsh(monkeypatch, "cat > /root/note.txt", stdin="hello\n") == (0, "", "")
    assert labsh(monkeypatch, "--host", "k8s-master", "cat /root/note.txt") == (0, "hello\n", "")
    assert labsh(monkeypatch, "--host", "k8s-node1", "cat /root/note.txt") == (
        1, "", "cat: /root/note.txt: No such file or directory\n")


@pytest.mark.django_db
def test_profile_mismatch_names_the_fix(monkeypatch):
    labsh(monkeypatch, "hostname")
    with pytest.raises(CommandError) as info:
        labsh(monkeypatch, "--profile", "minikube", "hostname")
    assert str(info.value) == "lab 'default' is a 'kubeadm' lab; add --reset to recreate it from profile 'minikube'"


@pytest.mark.django_db
def test_a_failing_command_leaves_the_stored_rows_unchanged(monkeypatch):
    labsh(monkeypatch, "kubectl create namespace dev")
    lab = get_cli_lab("default")

    def rows():
        return (Lab.objects.filter(pk=lab.pk).values().get(),
                list(ApiObject.objects.filter(lab=lab).order_by("id").values()),
                list(HostFile.objects.filter(lab=lab).order_by("id").values()))

    before = rows()
    original = World.run

    def run_then_crash(self, line, host=None, stdin=""):
        original(self, line, host=host, stdin=stdin)
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(World, "run", run_then_crash)
    status, out, err = labsh(monkeypatch, "kubectl create namespace other")
    assert status == 70 and out == ""
    assert err.startswith("Traceback (most recent call last):\n")
    assert err.endswith("RuntimeError: simulated crash\n"
                        "labsh: the simulator failed on 'kubectl create namespace other'; "
                        "lab 'default' is unchanged\n")
    assert rows() == before


@pytest.fixture
def cli_env(tmp_path):
    """Environment for labsh subprocesses: a migrated SQLite file of their own."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "LAB_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "lab.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True,
                   stdin=subprocess.DEVNULL, timeout=120)
    return env


def run_labsh(env, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "labsh", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_labsh_as_a_process(cli_env):
    """A real process: stdin from a pipe, output on its streams, exit status."""
    p = run_labsh(cli_env, "kubectl apply -f -", stdin=NS_YAML)
    assert (p.returncode, p.stdout, p.stderr) == (0, "namespace/from-stdin created\n", "")
    p = run_labsh(cli_env, "kubectl apply -f -", "kubectl get namespace from-stdin -o name", stdin=NS_YAML)
    assert (p.returncode, p.stdout) == (0, "namespace/from-stdin unchanged\nnamespace/from-stdin\n")
    p = run_labsh(cli_env, "kubectl get namespace nope -o name")
    assert (p.returncode, p.stdout, p.stderr) == (
        1, "", 'Error from server (NotFound): namespaces "nope" not found\n')
    p = run_labsh(cli_env, "--reset", "kubectl get namespace from-stdin -o name")
    assert (p.returncode, p.stderr) == (1, 'Error from server (NotFound): namespaces "from-stdin" not found\n')


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_interactive_session_on_a_terminal(monkeypatch):
    typed = iter(["echo one > /root/a", "", "cat /root/a", "cat /root/missing"])
    prompts = []

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr("builtins.input", fake_input)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as info:
        call_command("labsh", "--host", "k8s-node2", stdout=out, stderr=err)
    assert info.value.code == 1  # the last line's status
    from lab.sim.shell.session import ShellSession

    # The shell's own prompt for that host, e.g. `[root@k8s-node2 ~]$ `.
    prompt = ShellSession(World.from_profile("kubeadm"), "k8s-node2").prompt()
    assert prompt.startswith("[root@k8s-node2 ~]")
    assert prompts == [prompt] * 5
    assert (out.getvalue(), err.getvalue()) == ("one\n\n", "cat: /root/missing: No such file or directory\n")
