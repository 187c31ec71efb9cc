"""Fixtures for the python-socketio suite.

The server under test is named by SERVER_URL (scripts/test.sh starts
examples/conformance on a free port and exports it). Nothing is mocked: every
test drives the official `socketio.AsyncClient` over 127.0.0.1.
"""

import asyncio
import os

import pytest
import socketio

WAIT = float(os.environ.get("TEST_WAIT_S", "5"))


@pytest.fixture(scope="session")
def server_url():
    url = os.environ.get("SERVER_URL")
    if not url:
        pytest.fail(
            "SERVER_URL is not set: run through scripts/test.sh or export "
            "SERVER_URL=http://127.0.0.1:PORT",
            pytrace=False,
        )
    return url.rstrip("/")


class Recorder:
    """Records events of one client; waits on them without sleeping."""

    def __init__(self):
        self.events = {}
        self._cond = asyncio.Condition()

    def handler(self, key):
        async def record(*args):
            async with self._cond:
                self.events.setdefault(key, []).append(args)
                self._cond.notify_all()

        return record

    async def wait(self, key, count=1, timeout=WAIT):
        async def reached():
            async with self._cond:
                await self._cond.wait_for(lambda: len(self.events.get(key, [])) >= count)
                return self.events[key]

        try:
            return await asyncio.wait_for(reached(), timeout)
        except asyncio.TimeoutError:
            got = len(self.events.get(key, []))
            raise AssertionError(f"timed out after {timeout}s waiting for {count}x {key!r} (got {got})") from None

    def get(self, key):
        return self.events.get(key, [])


@pytest.fixture
async def clients():
    """Factory of AsyncClients (no reconnection), all disconnected at teardown."""
    made = []

    def make(**kwargs):
        kwargs.setdefault("reconnection", False)
        c = socketio.AsyncClient(**kwargs)
        made.append(c)
        return c

    yield make
    for c in made:
        try:
            await asyncio.wait_for(c.disconnect(), 5)
        except Exception:  # already gone
            pass
