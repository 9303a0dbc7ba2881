"""`kubectl exec -it POD -- sh` in a terminal: a shell inside the container
until it exits (lab.sim.shell.terminal.TerminalSession)."""
from __future__ import annotations

import pytest

from lab.sim.shell.terminal import terminal_session
from lab.sim.world import World

NODE_PROMPT = "[root@k8s-master ~]$ "


@pytest.fixture(scope="module")
def base_state() -> dict:
    w = World.from_profile("kubeadm")
    w.run("kubectl run nginx --image=nginx")
    w.run("kubectl run bb --image=busybox --command -- sh -c 'while true; do date; done'")
    w.advance(30)
    assert w.run("kubectl get pods -o name").stdout == "pod/bb\npod/nginx\n"
    return w.to_state()


@pytest.fixture
def world(base_state) -> World:
    return World.from_state(base_state)


def lines(term, *typed: str) -> list[tuple[str, str, str, int, str]]:
    """(line, stdout, stderr, status, prompt after it) for each typed line."""
    out = []
    for line in typed:
        r = term.run(line)
        out.append((line, r.stdout, r.stderr, r.status, term.prompt()))
    return out


def test_sh_in_nginx_runs_in_the_container_and_exit_comes_back(world):
    term = terminal_session(world, "k8s-master")
    assert lines(term,
                 "kubectl exec -it nginx -- sh",
                 "hostname",
                 "cd /usr/share/nginx/html",
                 "ls",
                 "pwd",
                 "exit") == [
        ("kubectl exec -it nginx -- sh", "", "", 0, "# "),
        ("hostname", "nginx\n", "", 0, "# "),
        ("cd /usr/share/nginx/html", "", "", 0, "# "),
        ("ls", "50x.html  index.html\n", "", 0, "# "),
        ("pwd", "/usr/share/nginx/html\n", "", 0, "# "),
        ("exit", "", "", 0, NODE_PROMPT),
    ]
    assert not term.in_container and not term.exited
    # Back on the node: its own files and tools again.
    assert term.run("hostname").stdout == "k8s-master\n"


def test_bash_prompt_and_a_failing_exit_status(world):
    term = terminal_session(world, "k8s-master")
    assert lines(term, "kubectl exec -it nginx -- bash", "exit 3", "echo $?") == [
        ("kubectl exec -it nginx -- bash", "", "", 0, "root@nginx:/# "),
        ("exit 3", "", "exit\ncommand terminated with exit code 3\n", 3, NODE_PROMPT),
        ("echo $?", "3\n", "", 0, NODE_PROMPT),
    ]


def test_busybox_sh_prompt_follows_the_directory(world):
    term = terminal_session(world, "k8s-node1")
    assert lines(term, "kubectl exec -it bb -- sh", "cd /root", "cd /etc", "exit") == [
        ("kubectl exec -it bb -- sh", "", "", 0, "/ # "),
        ("cd /root", "", "", 0, "~ # "),
        ("cd /etc", "", "", 0, "/etc # "),
        ("exit", "", "", 0, "[root@k8s-node1 ~]$ "),
    ]


def test_files_written_in_the_container_stay_in_the_container(world):
    term = terminal_session(world, "k8s-master")
    term.run("kubectl exec -it nginx -- sh")
    term.run("echo hello from the pod > /usr/share/nginx/html/index.html")
    term.run("exit")
    assert term.run("cat /usr/share/nginx/html/index.html").stderr == (
        "cat: /usr/share/nginx/html/index.html: No such file or directory\n")
    assert world.run("kubectl exec nginx -- cat /usr/share/nginx/html/index.html").stdout == "hello from the pod\n"


def test_the_stack_survives_a_save_and_load_between_lines(world):
    """The page keeps the terminal's state while the lab is stored between commands."""
    term = terminal_session(world, "k8s-master")
    term.run("kubectl exec -it nginx -- sh")
    term.run("cd /etc; export GREETING=hi")
    state, saved = term.to_state(), world.to_state()
    assert [s["pod"] for s in state["exec"]] == ["nginx"]
    again = World.from_state(saved)
    term = terminal_session(again, "k8s-master", state)
    assert term.prompt() == "# "
    assert lines(term, "echo $GREETING $PWD", "exit") == [
        ("echo $GREETING $PWD", "hi /etc\n", "", 0, "# "),
        ("exit", "", "", 0, NODE_PROMPT),
    ]
    assert "exec" not in term.to_state()


def test_a_deleted_pod_ends_the_shell(world):
    term = terminal_session(world, "k8s-master")
    term.run("kubectl exec -it nginx -- sh")
    world.run("kubectl delete pod nginx")
    world.advance(60)
    assert lines(term, "ls") == [("ls", "", "command terminated with exit code 137\n", 137, NODE_PROMPT)]


def test_without_a_terminal_or_without_the_shell_nothing_attaches(world):
    term = terminal_session(world, "k8s-master")
    # busybox has no bash: the runtime's error, and the node's shell goes on.
    r = term.run("kubectl exec -it bb -- bash")
    assert r.status == 1 and r.stderr.startswith(
        "error: Internal error occurred: error executing command in container: failed to exec in container: "
        "failed to start exec \"")
    assert r.stderr.endswith('OCI runtime exec failed: exec failed: unable to start container process: '
                             'exec: "bash": executable file not found in $PATH: unknown\n')
    assert term.prompt() == NODE_PROMPT
    # stdin from a pipe is no terminal: kubectl says so, nothing attaches, and sh reads the pipe.
    r = term.run("echo hostname | kubectl exec -it nginx -- sh")
    assert (r.stdout, r.stderr, r.status) == (
        "nginx\n", "Unable to use a TTY - input is not a terminal or the right kind of file\n", 0)
    assert term.run("printf 'cd /etc\\npwd\\n' | kubectl exec -i nginx -- sh").stdout == "/etc\n"
    assert term.prompt() == NODE_PROMPT and not term.in_container
    # A shell without a terminal (World.run, labsh) does not attach either.
    assert world.run("kubectl exec -it nginx -- sh").status == 0
