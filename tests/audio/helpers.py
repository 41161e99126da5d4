"""Shared by the audio tests: what "heard in time" means, and a recorder of
everything a room listener reports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from custom_components.privacy_guard.audio.listener import RoomListener
from custom_components.privacy_guard.audio.sources import AudioSource

ON_WITHIN = 1.0
OFF_WITHIN = 2.0
MIN_COVERAGE = 0.7


def assert_heard(
    events: Sequence[tuple[bool, float]],
    speech: tuple[float, float],
    segments: Sequence[tuple[float, float]] = (),
) -> None:
    """Check speech on/off events (stream seconds) against where speech lies.

    On within 1 s of the start, off within 2 s of the end, nothing outside,
    and, given segments, they cover most of the speech.
    """
    start, end = speech
    assert events, "speech was never heard"
    assert [on for on, _ in events] == [True, False] * (len(events) // 2), events
    first_on = events[0][1]
    last_off = events[-1][1]
    assert start < first_on <= start + ON_WITHIN, (first_on, speech)
    assert last_off <= end + OFF_WITHIN, (last_off, speech)
    assert all(start < at <= end + OFF_WITHIN for _, at in events), events
    if segments:
        covered = sum(
            max(0.0, min(seg_end, end) - max(seg_start, start))
            for seg_start, seg_end in segments
        )
        assert covered >= MIN_COVERAGE * (end - start), (segments, speech)


async def wait_for(check: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait, in real time, until ``check`` holds."""
    async with asyncio.timeout(seconds):
        # Polls states that a listener's own task writes.
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


T0 = datetime(2026, 1, 1, tzinfo=UTC)
FAST = {"backoff_initial": 0.01, "backoff_max": 0.04}
GUARD = 30  # seconds: only to turn a hang into a failure, never a measurement


@dataclass
class Recorder:
    """Everything a listener reports, with speech times in stream seconds."""

    speech: list[tuple[bool, float]] = field(default_factory=list)
    connected: list[bool] = field(default_factory=list)
    probabilities: list[float] = field(default_factory=list)
    never_connected: list[int] = field(default_factory=list)

    def on_speech(self, is_speech: bool, at: datetime) -> None:
        self.speech.append((is_speech, (at - T0).total_seconds()))

    def on_connected(self, connected: bool) -> None:
        self.connected.append(connected)

    def on_probability(self, probability: float) -> None:
        self.probabilities.append(probability)

    def on_never_connected(self, attempts: int) -> None:
        self.never_connected.append(attempts)

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition` holds."""
        async with asyncio.timeout(GUARD):
            # Polled: some conditions (attempt counts) have no callback to wait on.
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(0.005)

    def listener(self, source: AudioSource, **kwargs: Any) -> RoomListener:
        """A listener reporting here, on the stream's own clock."""
        options: dict[str, Any] = {
            "on_connected": self.on_connected,
            "on_probability": self.on_probability,
            "on_never_connected": self.on_never_connected,
            "now": lambda: T0,
            "max_clock_skew": None,
            **FAST,
            **kwargs,
        }
        return RoomListener(source, on_speech=self.on_speech, **options)


async def first_session(recorder: Recorder, listener: RoomListener) -> None:
    """Listen until the source's stream ends once, then stop."""
    listener.start()
    try:
        await recorder.until(lambda: False in recorder.connected)
    finally:
        await listener.async_stop()
