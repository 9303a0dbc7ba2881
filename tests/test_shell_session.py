"""ShellSession: prompt, state across lines, interleaved output chunks,
bounded loops, Ctrl-C, the virtual clock and the command registry."""
from __future__ import annotations

import threading

from lab.sim.shell.commands import COMMANDS, register
from lab.sim.shell.session import Result, ShellSession
from lab.sim.shell.testing import FakeWorld


def session(**kw):
    world = FakeWorld({"kube-node01": "192.168.1.10", "external": "192.168.1.200"})
    return world, ShellSession(world, "kube-node01", **kw)


def test_prompt_follows_cwd():
    _, s = session()
    assert s.prompt() == "[root@kube-node01 ~]$ "
    s.run("mkdir yaml && cd yaml")
    assert s.prompt() == "[root@kube-node01 yaml]$ "
    s.run("cd /")
    assert s.prompt() == "[root@kube-node01 /]$ "


def test_state_persists_between_lines_and_round_trips():
    world, s = session()
    s.run("export NODE_PORT=30080; cd /tmp; X=1")
    assert s.run('echo NODE_PORT=$NODE_PORT $X; pwd').stdout == "NODE_PORT=30080 1\n/tmp\n"
    again = ShellSession(world, "kube-node01")
    again.load_state(s.to_state())
    assert again.run("echo $NODE_PORT; pwd").stdout == "30080\n/tmp\n"


def test_result_chunks_keep_write_order():
    _, s = session()
    r = s.run("echo a; ls nofile; echo b")
    assert r == Result(
        stdout="a\nb\n",
        stderr="ls: cannot access 'nofile': No such file or directory\n",
        status=0,
        chunks=[("out", "a\n"), ("err", "ls: cannot access 'nofile': No such file or directory\n"),
                ("out", "b\n")])


def test_default_environment():
    _, s = session()
    assert s.run("echo $HOME $USER $HOSTNAME $PWD").stdout == "/root root kube-node01 /root\n"
    assert "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/root/bin\n" in s.run("env").stdout


def test_hostname_and_ip():
    _, s = session()
    assert s.run("hostname; hostname -I; hostname -i").stdout == "kube-node01\n192.168.1.10 \n192.168.1.10\n"


def test_infinite_loop_is_stopped_by_the_budget():
    world, s = session(loop_budget=50)
    r = s.run("while true; do echo hit; sleep 1; done")
    assert r.stdout == "hit\n" * 50
    assert r.stderr == "bash: loop stopped: this lab allows 50 loop iterations per command\n"
    assert r.status == 130
    assert world.advanced == [1.0] * 50
    # the budget is per input line
    assert s.run("for i in 1 2 3; do echo $i; done").stdout == "1\n2\n3\n"


def test_sleep_advances_the_world_clock_and_date_reads_it():
    world, s = session()
    assert s.run("date").stdout == "Thu Jan  9 02:11:59 UTC 2025\n"
    assert s.run("sleep 1.5; sleep 1m; date +%H:%M:%S").stdout == "02:13:00\n"
    assert world.advanced == [1.5, 60.0]
    assert s.run("date +%s").stdout == "1736388780\n"
    assert s.run("sleep x").stderr == ("sleep: invalid time interval \u2018x\u2019\n"
                                       "Try 'sleep --help' for more information.\n")


def test_interrupt_flag_stops_a_running_loop():
    world, s = session(loop_budget=10**6)
    calls = []

    def advance(seconds):
        calls.append(seconds)
        if len(calls) == 3:
            s.interrupt.set()  # what the terminal does on Ctrl-C
    world.advance = advance
    r = s.run("while true; do curl_fake_missing 2>/dev/null; sleep 1; done")
    assert r.status == 130
    assert len(calls) == 3
    assert s.run("echo next").stdout == "next\n"  # a new line clears the flag


def test_interrupt_from_another_thread():
    world, s = session(loop_budget=10**6)
    started = threading.Event()

    def advance(seconds):
        started.set()
    world.advance = advance
    t = threading.Thread(target=lambda: (started.wait(5), s.interrupt.set()))
    t.start()
    r = s.run("while true; do sleep 1; done")
    t.join()
    assert r.status == 130


def test_registry_accepts_new_commands():
    @register("fake-kubectl")
    def fake(ctx, argv):
        ctx.out(f"args={argv[1:]} cwd={ctx.cwd} host={ctx.host.name} stdin={ctx.stdin!r}\n")
        ctx.err("warn\n")
        return 3
    try:
        _, s = session()
        r = s.run("echo in | fake-kubectl get pods -o wide 2>&1 | cat; echo $?")
        assert r.stdout == "args=['get', 'pods', '-o', 'wide'] cwd=/root host=kube-node01 stdin='in\\n'\nwarn\n0\n"
        r = s.run("fake-kubectl x > out.txt; echo $?; cat out.txt")
        assert (r.stdout, r.stderr) == ("3\nargs=['x'] cwd=/root host=kube-node01 stdin=''\n", "warn\n")
    finally:
        del COMMANDS["fake-kubectl"]


def test_command_context_helpers():
    seen = {}

    @register("probe")
    def probe(ctx, argv):
        seen["path"] = ctx.resolve("../etc")
        seen["tty"] = ctx.stdout_is_tty
        seen["env"] = ctx.env.get("ONLY_HERE")
        seen["fs"] = ctx.fs is ctx.host.fs
        seen["interrupted"] = ctx.interrupted()
        return 0
    try:
        _, s = session()
        s.run("cd /root; ONLY_HERE=1 probe")
        assert seen == {"path": "/etc", "tty": True, "env": "1", "fs": True, "interrupted": False}
        s.run("probe | cat")
        assert seen["tty"] is False and seen["env"] is None
    finally:
        del COMMANDS["probe"]


def test_exit_marks_the_session_and_keeps_status():
    _, s = session()
    r = s.run("echo a; exit 3; echo b")
    assert (r.stdout, r.stderr, r.status) == ("a\n", "exit\n", 3)
    assert s.exited


def test_subshells_do_not_leak_state():
    _, s = session()
    assert s.run("x=1; echo $(x=2; echo $x) $x; (x=3); echo $x; echo a | read y; echo [$y]").stdout == \
        "2 1\n1\n[]\n"
