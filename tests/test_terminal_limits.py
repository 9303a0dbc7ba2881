"""The terminal's own limits: command lines per second per lab and the
size of one command's input; and the engine limits coming from settings."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from lab.labs import ratelimit
from lab.labs.models import Lab
from lab.labs.ratelimit import RateLimiter
from lab.sim.limits import LabLimits, default_limits
from tests.test_lab_ws import communicator, new_session_lab, opened, output, receive, run_line, websocket_test


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.allow("lab") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("other lab")                    # each lab has its own bucket
    clock.now += 0.5                                     # one token back at 2 per second
    assert [limiter.allow("lab"), limiter.allow("lab")] == [True, False]
    clock.now += 60                                      # refilled, never past the burst
    assert [limiter.allow("lab") for _ in range(4)] == [True, True, True, False]


def test_the_engine_gets_the_limits_of_settings():
    assert default_limits() == LabLimits.from_mapping(settings.LAB_LIMITS)


@pytest.fixture
def frozen_rate(monkeypatch):
    """The process's command limiter with a burst of 2 and a clock that stands still."""
    limiter = RateLimiter(rate=5, burst=2, clock=FakeClock())
    monkeypatch.setattr(ratelimit, "_commands", limiter)
    return limiter


PROMPT = {"type": "prompt", "text": "[root@k8s-master ~]$ ", "continuation": False}


@websocket_test
async def test_commands_over_the_rate_are_refused_with_the_429_words_and_not_run(frozen_rate):
    comm = communicator(await new_session_lab())
    await opened(comm)
    assert output(await run_line(comm, "echo one")) == [("out", "one\n")]
    assert await run_line(comm, "") == [PROMPT]          # an empty line is no command
    assert output(await run_line(comm, "echo two")) == [("out", "two\n")]
    assert await run_line(comm, "kubectl create namespace three") == [
        {"type": "error", "code": "too-many-requests",
         "message": "Too many requests, please try again later. (a lab runs at most 5 commands per second)"},
        PROMPT]
    await comm.disconnect()
    lab = await sync_to_async(Lab.objects.get)()
    from lab.labs.persistence import load_world
    world = await sync_to_async(load_world)(lab)
    assert world.store.peek("namespaces", "", "three") is None


@websocket_test
async def test_an_oversized_command_is_refused_with_the_413_words_and_dropped(settings):
    settings.LAB_MAX_INPUT_BYTES = 64
    comm = communicator(await new_session_lab())
    await opened(comm)
    assert await run_line(comm, "cat <<EOF") == [{"type": "prompt", "text": "> ", "continuation": True}]
    assert await run_line(comm, "x" * 70) == [
        {"type": "error", "code": "too-large", "message": "Request entity too large: limit is 64"}, PROMPT]
    # The unfinished here-document went with it: the next line is a new command.
    assert output(await run_line(comm, "echo fine")) == [("out", "fine\n")]
    await comm.disconnect()
