"""LabRunner: one lab's World held in memory while someone watches it.

The process that holds a lab's lease (lab.labs.lease) hosts its runner
(lab.labs.hub starts and stops it). The runner:

- keeps the World in memory, behind one lock (a Condition);
- plays the virtual clock in real time x speed (a "clock" thread) while it
  plays, and while any command waits, even when paused: `sleep 1` takes a
  second of the clock, as on a real machine;
- runs every terminal's command in a thread of its own under the lock;
  a command that waits (World.wait, the engine's pacing seam) gives the
  lock up until the clock has reached the end of its wait, so other
  terminals' commands and the clock go on meanwhile;
- streams each command's output as it is written, and every watch event,
  clock tick, connection trace and rules change, through `publish`;
- saves the World after each command and every few seconds of play
  (save_world with the revision guard); when someone else saved the lab
  (labsh, another process), it reloads it;
- after each command and file save, evaluates the lab's lesson on its
  World (lab.lessons.progress.runner_progress: passed steps recorded, the
  next step's set-up run here) and pushes the step marks, once the
  command's result is on its way;
- runs the page's "diagnose" requests as labdoctor commands
  (lab.labs.diagnose) and answers them with the diagnosis.

`publish(target, message)` is called with the lock held and must not block:
target is a channel name (one terminal or live socket) or LIVE (every live
socket of the lab). The hub turns it into channel-layer sends.
"""
from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import orjson
from django.db import close_old_connections, connection

from lab.labs.models import Lab
from lab.labs.persistence import LabConflict, load_world, save_world, saved_by
from lab.labs.rulesview import RulesWatch
from lab.sim.clock import format_time

log = logging.getLogger(__name__)

#: publish() target meaning "every live socket of this lab"
LIVE = None

#: real seconds between clock steps while the clock plays
TICK_SECONDS = 0.5
#: real seconds of play between saves
SAVE_SECONDS = 5.0
#: real seconds between lesson evaluations while only the clock moves the lab
LESSON_TICK_SECONDS = 1.0
#: the speeds the clock accepts (x real time)
MIN_SPEED, MAX_SPEED = 0.1, 100.0


class _Interrupt:
    """A command's Ctrl-C flag as its ShellSession sees it: the session
    clears its flag when a line starts, but a Ctrl-C may have come before
    the line did, so clear() does nothing here."""

    def __init__(self, event: threading.Event):
        self._event = event

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        pass


@dataclass
class Command:
    """One line typed in one terminal (or a node action from the page)."""

    id: str
    reply_to: str | None        # the terminal's channel; None for a page's node action
    terminal: str               # shown to live sockets as the command's origin
    host: str | None
    line: str
    shell_state: dict | None = None
    interrupt: threading.Event = field(default_factory=threading.Event)
    session: Any = None
    traces_sent: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    #: filled in when it ends: {"status", "shell_state", "prompt", "exited", "clock", "output"}
    outcome: dict | None = None
    traces: list = field(default_factory=list)
    #: a node action of a page: (reply channel, node, action)
    action: tuple[str, str, str] | None = None
    #: the page's editor for `kubectl edit` (lab.labs.edits.PageEditor)
    editor: Any = None
    #: a page's diagnose request: (reply channel, the live socket's message)
    diagnose: tuple[str, dict] | None = None
    #: what that request resolved to (lab.labs.diagnose.DiagnoseLine)
    resolved: Any = None


def clock_text(world: Any) -> str:
    return format_time(world.clock.now)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class LabRunner:
    """The in-memory World of one lab and everything that drives it."""

    def __init__(self, lab: Lab, publish: Callable[[str | None, dict], None], *,
                 playing: bool = True, speed: float = 1.0):
        self.lab = lab
        self.publish = publish
        self.cond = threading.Condition(threading.Lock())
        self.playing = playing
        self.speed = speed
        self.stopping = False
        self.commands: dict[str, Command] = {}
        #: ids of the commands submitted lately (a retried submission runs once)
        self._submitted: dict[str, None] = {}
        self._submitted_lock = threading.Lock()
        #: token -> virtual elapsed time a waiting command waits for
        self.waiters: dict[int, float] = {}
        self._tokens = 0
        self._local = threading.local()
        self._anchor: tuple[float, float, float] | None = None  # (monotonic, elapsed, speed)
        self.rules = RulesWatch()
        self.saves = 0
        #: the store revision the lesson was last evaluated at, and the marks last pushed to every page
        self._lesson_rv = -1
        self._lesson_pushed: dict | None = None
        self._load()
        self.player = threading.Thread(target=self._play, name=f"lab-{lab.pk}-clock", daemon=True)

    # -- lifecycle -------------------------------------------------------------
    def _load(self) -> None:
        """(Re)load the World from the database; the base of resumable versions moves to it."""
        self.world = load_world(self.lab)
        self.world.pacer = self._pace
        #: names this incarnation of the World: versions a page saw from another one may be gone
        self.id = uuid.uuid4().hex[:12]
        self.revision = self.lab.revision
        # The runner whose save this is, and up to which version: a page that
        # saw that runner's updates up to there may resume from them here.
        saver = saved_by(self.lab)
        self.previous_runner = saver.get("runner")
        self.previous_rv = int(saver.get("resourceVersion", -1))
        self.published_rv = self.world.store.revision

    def start(self) -> None:
        self.player.start()

    def stop(self) -> None:
        """Stop the clock and every running command, save, and let go."""
        with self.cond:
            self.stopping = True
            for cmd in self.commands.values():
                cmd.interrupt.set()
            self.cond.notify_all()
        self.player.join(timeout=10)
        for cmd in list(self.commands.values()):
            cmd.done.wait(timeout=10)
        with self.cond:
            self._save()
        close_old_connections()

    # -- the pacing seam ---------------------------------------------------------
    def _pace(self, seconds: float) -> bool:
        """World.pacer: called with the lock held by a command that waits.
        Gives the lock up until the clock has moved `seconds` on; True when
        Ctrl-C (or the runner stopping) ended the wait early."""
        cmd: Command | None = getattr(self._local, "command", None)
        world = self.world
        target = world.clock.elapsed + seconds
        self._tokens += 1
        token = self._tokens
        self.waiters[token] = target
        self._flush(cmd)
        self.cond.notify_all()
        try:
            while world.clock.elapsed < target - 1e-9:
                if self.stopping or (cmd is not None and cmd.interrupt.is_set()) or world is not self.world:
                    return True
                self.cond.wait(0.25)
            return False
        finally:
            self.waiters.pop(token, None)
            self.cond.notify_all()
            if cmd is not None and cmd.session is not None:
                cmd.session.iterations = 0  # a loop that waits is paced, not runaway

    # -- the clock ----------------------------------------------------------------
    def _running(self) -> bool:
        return self.playing or bool(self.waiters)

    def _play(self) -> None:
        last_save = last_lesson = time.monotonic()
        try:
            with self.cond:
                while not self.stopping:
                    if not self._running():
                        self._anchor = None
                        self.cond.wait(1.0)
                        continue
                    self._play_once()
                    # Pods come up, rollouts finish as the clock plays: a step may pass with no command.
                    if (self.world.store.revision != self._lesson_rv
                            and time.monotonic() - last_lesson >= LESSON_TICK_SECONDS):
                        self._lesson_update(LIVE, changed_only=True)
                        last_lesson = time.monotonic()
                    if time.monotonic() - last_save >= SAVE_SECONDS:
                        self._save()
                        last_save = time.monotonic()
        except Exception:
            log.exception("lab %s: the clock stopped", self.lab.pk)
        finally:
            connection.close()

    def _play_once(self) -> None:
        """One step of the clock: up to where real time says it should be,
        stopping at the first waiting command's target so it wakes exactly
        on time; then sleep until the next tick."""
        world = self.world
        clock = world.clock
        now = time.monotonic()
        if self._anchor is None or self._anchor[2] != self.speed:
            self._anchor = (now, clock.elapsed, self.speed)
        due = self._anchor[1] + (now - self._anchor[0]) * self.speed
        token, wake = min(self.waiters.items(), key=lambda item: item[1], default=(None, math.inf))
        if wake <= due + 1e-9:
            self._advance_to(wake)
            # Let the waiter run before the clock moves past it.
            deadline = time.monotonic() + 1.0
            while token in self.waiters and not self.stopping and time.monotonic() < deadline:
                self.cond.wait(0.05)
            return
        self._advance_to(due)
        pause = TICK_SECONDS
        if wake < math.inf:
            pause = min(pause, (wake - clock.elapsed) / self.speed)
        self.cond.wait(max(0.0, pause))

    def _advance_to(self, elapsed: float) -> None:
        world = self.world
        if elapsed > world.clock.elapsed:
            world.advance(elapsed - world.clock.elapsed)
            self._flush(None)
            self.publish_clock()

    def clock_state(self) -> dict:
        return {"now": clock_text(self.world), "playing": self.playing, "speed": self.speed}

    def publish_clock(self) -> None:
        self.publish(LIVE, {"type": "live.clock", **self.clock_state()})

    # -- time controls (called from the hub, any thread) ----------------------------
    def set_playing(self, playing: bool) -> None:
        with self.cond:
            self.playing = playing
            self._anchor = None
            self.cond.notify_all()
            self.publish_clock()

    def set_speed(self, speed: float) -> None:
        with self.cond:
            self.speed = speed
            self._anchor = None
            self.cond.notify_all()
            self.publish_clock()

    def step_event(self) -> bool:
        """Jump to the next timer of the lab and run it (the page's "step"); False when none."""
        with self.cond:
            stepped = self.world.step()
            self._anchor = None
            self._flush(None)
            self.publish_clock()
            return stepped

    # -- commands -----------------------------------------------------------------
    def submit(self, cmd: Command) -> bool:
        """Run `cmd` in a thread of its own; its messages go to cmd.reply_to
        and LIVE. False (and nothing runs) for a retry of a command already
        seen. Does not wait for the World's lock."""
        with self._submitted_lock:
            if cmd.id in self._submitted:
                return False
            self._submitted[cmd.id] = None
            while len(self._submitted) > 1000:
                self._submitted.pop(next(iter(self._submitted)))
            self.commands[cmd.id] = cmd
        threading.Thread(target=self._run_command, args=(cmd,), name=f"lab-{self.lab.pk}-cmd",
                         daemon=True).start()
        return True

    def interrupt(self, command_id: str) -> None:
        cmd = self.commands.get(command_id)
        if cmd is not None:
            cmd.interrupt.set()

    # -- a terminal's shells and kubectl edit in the page's editor (lab.labs.edits) --------
    def _terminal_session(self, cmd: Command, host: str) -> Any:
        """The terminal's shells (a `kubectl exec -it` shell on top of the
        login shell, lab.sim.shell.terminal), with the page's editor."""
        from lab.labs.edits import PageEditor
        from lab.sim.shell.terminal import terminal_session

        cmd.editor = PageEditor(self.cond, self.publish, cmd.id, cmd.reply_to,
                                lambda: self.stopping or cmd.interrupt.is_set())
        return terminal_session(self.world, host, cmd.shell_state, interrupt=_Interrupt(cmd.interrupt),
                                editor=cmd.editor)

    def write_file(self, reply_to: str, host: str, path: str, content: str) -> None:
        """The page's editor saves a file (lab.labs.files): written into the
        World held here, saved, and answered on `reply_to`."""
        from lab.labs.files import write_reply

        with self.cond:
            reply = write_reply(self.world, host, path, content)
            if reply.get("ok"):
                self._save()
            self.publish(reply_to, {"type": "files.written", **reply})
            if reply.get("ok"):
                self._lesson_update(LIVE)

    def edit_answer(self, command_id: str, edit: str, text: str | None) -> None:
        """The browser saved (text) or cancelled (None) the file `kubectl edit` opened."""
        with self.cond:
            cmd = self.commands.get(command_id)
            editor = getattr(cmd, "editor", None)
            if editor is not None:
                editor.answer(edit, text)

    def _run_command(self, cmd: Command) -> None:
        try:
            with self.cond:
                self._local.command = cmd
                try:
                    cmd.outcome = self._execute(cmd)
                except Exception:
                    log.exception("lab %s: the simulator failed on %r", self.lab.pk, cmd.line)
                    cmd.outcome = {"error": "internal"}
                    self._reload()
                finally:
                    self._local.command = None
                    self.commands.pop(cmd.id, None)
                self._send_outcome(cmd)
                if not (cmd.outcome or {}).get("skipped"):
                    self._lesson_update(LIVE)
                    self._announce(cmd)
        finally:
            cmd.done.set()
            connection.close()

    def _execute(self, cmd: Command) -> dict:
        from lab.sim.net import recording

        world = self.world
        if cmd.action is not None and cmd.action[2] in ("start", "stop"):
            return self._power(cmd.action[1], cmd.action[2] == "start")
        if cmd.diagnose is not None:
            from lab.labs.diagnose import resolve

            resolved = resolve(world, cmd.diagnose[1])
            if isinstance(resolved, str):  # nothing to run: answered at once
                return {"status": 1, "clock": clock_text(world), "output": resolved, "skipped": True}
            cmd.resolved, cmd.host, cmd.line = resolved, resolved.host, resolved.line
        name = cmd.host or world.default_host
        if name not in world.hosts:
            return {"status": 1, "clock": clock_text(world), "output": f"the lab has no host {name!r}\n"}
        session = self._terminal_session(cmd, name)
        output: list[str] = []

        def on_output(stream: str, text: str) -> None:
            output.append(text)
            if cmd.reply_to is not None:
                self.publish(cmd.reply_to, {"type": "runner.output", "id": cmd.id, "stream": stream, "text": text})

        session.on_output = on_output
        cmd.session = session
        target = world.hosts.get(name)
        me = threading.current_thread()
        # Only this command's connections: others run theirs while it waits.
        with recording(world, accept=lambda: threading.current_thread() is me) as traces:
            cmd.traces = traces
            if target is not None and not target.powered:
                # As World.run: the terminal cannot reach a machine that is off.
                on_output("err", f"ssh: connect to host {target.ip} port 22: No route to host\n")
                status = 255
            else:
                status = session.run(cmd.line).status
            self._flush(cmd)
        kept = self._save()
        return {"status": status, "shell_state": session.to_state(), "prompt": session.prompt(),
                "exited": session.exited, "clock": clock_text(self.world), "output": "".join(output),
                "kept": kept}

    def _power(self, node: str, on: bool) -> dict:
        """The page's power button: the machine goes down at once, or boots
        (up after node_heartbeat.BOOT_SECONDS)."""
        from lab.sim.controllers import node_heartbeat

        world = self.world
        host = world.hosts.get(node)
        if host is None or host.role != "node":
            status, output = 1, f"the lab has no node {node!r}\n"
        elif on and not node_heartbeat.power_on(world, node):
            status, output = 1, f"{node} is already on\n"
        elif not on and not host.powered:
            status, output = 1, f"{node} is already off\n"
        else:
            if not on:
                node_heartbeat.power_off(world, node)
            world.settle()
            status, output = 0, ""
        self._flush(None)
        self._save()
        return {"status": status, "clock": clock_text(world), "output": output}

    def _send_outcome(self, cmd: Command) -> None:
        outcome = cmd.outcome or {}
        if cmd.diagnose is not None:
            from lab.labs.diagnose import answer

            reply = answer(outcome.get("status", 1),
                           outcome.get("output", "the simulator failed on this diagnosis\n"), cmd.resolved)
            self.publish(cmd.diagnose[0], {"type": "live.diagnosis", "id": cmd.id, **reply})
            if "error" in outcome or outcome.get("skipped"):
                return
        if cmd.reply_to is not None:
            self.publish(cmd.reply_to, {"type": "runner.result", "id": cmd.id, **outcome})
        if cmd.action is not None:
            channel, node, action = cmd.action
            self.publish(channel, {"type": "live.action", "id": cmd.id, "node": node, "action": action,
                                   "status": outcome.get("status", 1),
                                   "output": outcome.get("output", "the simulator failed on this action\n")})
            if cmd.action[2] in ("start", "stop"):
                return  # no command line ran
        if "error" not in outcome:
            self.publish(LIVE, {"type": "live.command", "host": cmd.host or self.world.default_host,
                                "line": cmd.line, "status": outcome["status"], "terminal": cmd.terminal})

    # -- what the pages see ------------------------------------------------------------
    def _flush(self, cmd: Command | None) -> None:
        """Publish what changed since the last flush: watch events, the
        running command's new traces, the watched nodes' rules."""
        world = self.world
        store = world.store
        if store.revision != self.published_rv:
            events = store.events_since(self.published_rv)
            if events:
                previous = self.published_rv
                self.published_rv = events[-1].resource_version
                text = dumps({"type": "watch", "resourceVersion": str(self.published_rv), "events": [
                    {"type": e.type, "resource": e.resource, "resourceVersion": str(e.resource_version),
                     "object": e.object} for e in events]})
                self.publish(LIVE, {"type": "live.watch", "from": previous, "to": self.published_rv,
                                    "runner": self.id, "text": text})
            else:
                self.published_rv = store.revision
        new_traces: list = []
        if cmd is not None:
            traces = cmd.traces
            new_traces = traces[cmd.traces_sent:]
            cmd.traces_sent = len(traces)
            if new_traces:
                self.publish(LIVE, {"type": "live.trace", "id": cmd.id, "host": cmd.host or world.default_host,
                                    "line": cmd.line, "traces": [t.to_dict() for t in new_traces]})
        for channel, message in self.rules.changes(world, new_traces[-1] if new_traces else None):
            self.publish(channel, message)

    def snapshot_for(self, channel: str, resume: int | None, runner: str | None) -> None:
        """Bring one live socket up to date: the events after `resume` when
        they are all still known, else a snapshot of every object."""
        with self.cond:
            self._flush(None)
            store = self.world.store
            history = store.history
            resumable = (resume is not None and resume <= store.revision
                         and (runner == self.id or (runner == self.previous_runner and resume <= self.previous_rv))
                         and (resume == self.published_rv
                              or bool(history and history[0].resource_version <= resume + 1)))
            if resumable:
                events = store.events_since(resume)
                text = dumps({"type": "resumed", "resourceVersion": str(self.published_rv), "runner": self.id,
                              "events": [{"type": e.type, "resource": e.resource,
                                          "resourceVersion": str(e.resource_version), "object": e.object}
                                         for e in events]})
                kind = "live.resumed"
            else:
                text = dumps({"type": "snapshot", "resourceVersion": str(self.published_rv), "runner": self.id,
                              "objects": [obj for _, obj in store.all_items()]})
                kind = "live.snapshot"
            self.publish(channel, {"type": kind, "to": self.published_rv, "runner": self.id, "text": text})
            self.publish(channel, {"type": "live.clock", **self.clock_state()})
            self._lesson_update(channel)

    # -- the lesson the lab follows ----------------------------------------------------------
    def _lesson_update(self, target: str | None, *, changed_only: bool = False) -> None:
        """Evaluate the lab's lesson on this World (lock held), record new
        passes, run the next step's set-up here, and push the step marks to
        `target` (LIVE: every page; with `changed_only`, only when they differ
        from the last marks every page got). Nothing when the lab follows no lesson."""
        from lab.lessons.progress import runner_progress

        self._lesson_rv = self.world.store.revision
        try:
            marks = runner_progress(self.lab, self.world, self._save_and_flush)
        except Exception:
            log.exception("lab %s: the lesson could not be evaluated", self.lab.pk)
            return
        if marks is None or (changed_only and marks == self._lesson_pushed):
            return
        if target is LIVE:
            self._lesson_pushed = marks
        self.publish(target, {"type": "live.lesson", **marks})

    def _announce(self, cmd: Command) -> None:
        """lab.labs.signals.command_finished for a command this World kept
        (lock held; lesson progress is already recorded by _lesson_update):
        the classroom dashboards hear of it as of a labsh command."""
        from lab.labs.models import Lab
        from lab.labs.signals import command_finished

        outcome = cmd.outcome or {}
        if "error" in outcome or not outcome.get("kept", True) or cmd.line is None:
            return
        try:
            command_finished.send(sender=Lab, lab=self.lab, world=self.world, line=cmd.line,
                                  status=outcome.get("status", 0), progress_recorded=True)
        except Exception:
            log.exception("lab %s: a command_finished receiver failed", self.lab.pk)

    def _save_and_flush(self) -> None:
        """After a step's set-up ran in this World: pages see its changes, the lab stores them."""
        self._flush(None)
        self._save()

    def reload_stored(self) -> None:
        """Someone replaced the stored lab on purpose (the lesson's "reset
        lab"): load it, pages resync, the lesson's marks start over."""
        with self.cond:
            self._reload()
            self._lesson_update(LIVE)

    def watch_rules(self, channel: str, node: str | None) -> None:
        with self.cond:
            for target, message in self.rules.watch(self.world, channel, node):
                self.publish(target, message)

    # -- saving ---------------------------------------------------------------------------
    def _save(self) -> bool:
        """Store the World (lock held); False when someone else had saved the
        lab meanwhile: then the stored lab is loaded again, and what this
        World did since its last save is not kept."""
        try:
            self.revision = save_world(self.lab, self.world, expected_revision=self.revision,
                                       saved_by={"runner": self.id, "resourceVersion": self.world.store.revision})
            self.saves += 1
            return True
        except LabConflict:
            log.warning("lab %s was saved elsewhere; reloading it", self.lab.pk)
            self._reload()
            return False

    def _reload(self) -> None:
        """Back to the stored lab (after a conflict or a failed command):
        running commands stop, live sockets get a fresh snapshot."""
        for cmd in self.commands.values():
            cmd.interrupt.set()
        self._load()
        self.publish(LIVE, {"type": "live.reset", "runner": self.id})
        self.publish_clock()
