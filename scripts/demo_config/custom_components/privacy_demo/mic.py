"""The control channel of the demo's room microphone, owned by the demo house.

A room microphone hears what happens in its room. The demo's is a real
Wyoming microphone server (``wyoming-mic-external``) running
``scripts/demo_mic.py``, which connects here and plays what it is told: the
demo house says ``ask <wake word>`` when a speaker of that room starts a
request (a person asked it) or a radio there plays a wake word (Privacy
Guard's self-test probe), and ``tv`` when one misactivates (dialogue from the
television). Silent uploads get nothing, as nobody spoke. So every verdict
has its witness: requested, misactivation and silent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
import contextlib
import logging
import time

from .talk import Activity

LOGGER = logging.getLogger(__name__)
# A request that starts this soon after a wake word the room heard is that
# wake word's (the speaker woke on the probe): nothing more is said.
ECHO_SECONDS = 3.0


class DemoMicrophone:
    """A TCP server on localhost that tells the microphone programs what to play."""

    def __init__(self, host: str, port: int, speakers: set[str]) -> None:
        """Serve on ``host:port`` for the named speakers' room."""
        self.host = host
        self.port = port
        self.speakers = speakers
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._last_sound = -ECHO_SECONDS

    async def async_start(self) -> None:
        """Listen for the microphone programs."""
        try:
            self._server = await asyncio.start_server(
                self._client, self.host, self.port
            )
        except OSError as err:
            LOGGER.warning("The demo microphone's control channel: %s", err)

    async def async_stop(self) -> None:
        """Close the channel and every program's connection."""
        for writer in list(self._clients):
            writer.close()
        self._clients.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._clients.add(writer)
        with contextlib.suppress(ConnectionError):
            await reader.read()
        self._clients.discard(writer)
        writer.close()

    def sound(self, near: Iterable[str], word: str) -> None:
        """A radio played ``word`` near the named speakers: heard if in this room."""
        if self.speakers.intersection(near):
            self._last_sound = time.monotonic()
            self._say(f"ask {word}\n")

    def activity(self, speaker: str, activity: Activity, wake_word: str) -> None:
        """A speaker began an activity: play what the room hears with it."""
        if speaker not in self.speakers:
            return
        if activity is Activity.REQUEST:
            if time.monotonic() - self._last_sound < ECHO_SECONDS:
                return
            self._say(f"ask {wake_word}\n")
        elif activity is Activity.MISACTIVATION:
            self._say("tv\n")

    def _say(self, line: str) -> None:
        for writer in list(self._clients):
            if writer.is_closing():
                self._clients.discard(writer)
                continue
            writer.write(line.encode())
