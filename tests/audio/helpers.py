"""What "heard in time" means, shared by the detector and listener tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

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
