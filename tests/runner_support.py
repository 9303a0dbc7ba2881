"""Fixtures for tests that drive lab runners (lab.labs.hub) through
Channels' communicator: a clean in-memory channel layer, the clock paused
unless a test plays it, and every runner stopped when the test ends."""
from __future__ import annotations

import pytest
import pytest_asyncio
from channels.layers import get_channel_layer

from lab.labs.hub import close_hub


@pytest_asyncio.fixture
async def runners(settings):
    """Runners start paused (tests play the clock themselves); all stopped afterwards."""
    settings.LAB_CLOCK_AUTOPLAY = False
    layer = get_channel_layer()
    await layer.flush()
    yield
    await close_hub()
    await layer.flush()


def uses_runners(fn):
    return pytest.mark.usefixtures("runners")(fn)


async def clock_control(lab_id: int, action: str, **extra) -> None:
    """Send a time control to the lab's runner, as a live socket does."""
    from lab.labs import broadcast

    await get_channel_layer().group_send(broadcast.runner_group(lab_id),
                                         {"type": "runner.clock", "action": action, **extra})
