"""Replays with a known truth, fed through the detector."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.privacy_guard.detector import UploadDetector
from custom_components.privacy_guard.detector_types import (
    PROFILE_THRESHOLDS,
    DetectorSettings,
    SampleKind,
    SpeakerProfile,
    Upload,
    unit_to_bytes,
)

from .replay import Replay, generate_replay

THRESHOLD = PROFILE_THRESHOLDS[SpeakerProfile.AMAZON_ECHO]


def run(
    detector: UploadDetector, samples: list[tuple[float, float | None]]
) -> list[Upload]:
    uploads: list[Upload] = []
    for t, value in samples:
        uploads.extend(detector.add(t, value))
    # Every replay ends in quiet traffic, so nothing may be left to flush.
    assert detector.flush(samples[-1][0]) == []
    return uploads


def check_counter(replay: Replay) -> None:
    detector = UploadDetector(SampleKind.COUNTER, DetectorSettings(THRESHOLD))
    uploads = run(detector, replay.counter)
    assert [(u.start, u.end, u.bytes) for u in uploads] == [
        (u.start, u.end, u.bytes) for u in replay.uploads
    ]
    assert [u.peak_bps for u in uploads] == pytest.approx(
        [u.peak_bps for u in replay.uploads]
    )
    stats = detector.stats
    assert stats.uploads == len(replay.uploads)
    assert stats.ignored == replay.keepalives
    assert stats.wraps == replay.wraps
    assert stats.resets == replay.resets
    assert stats.gaps == replay.outages
    assert stats.unavailable == replay.unavailable
    assert stats.samples == len(replay.counter)


def test_replay_is_reproducible_and_rich() -> None:
    replay = generate_replay(7)
    assert generate_replay(7) == replay
    assert generate_replay(8) != replay
    assert len(replay.uploads) > 20
    assert replay.keepalives > 10
    assert replay.unavailable
    assert replay.outages
    assert replay.resets
    # The truth is made of whole bytes, and the counter really wraps.
    counter = [v for _, v in replay.counter if v is not None]
    assert all(v == int(v) for v in counter)
    assert max(counter) > 2**32 - 2**20
    times = [t for t, _ in replay.counter]
    assert times == sorted(times)


@pytest.mark.parametrize("seed", range(10))
def test_counter_replay(seed: int) -> None:
    check_counter(generate_replay(seed))


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
    max_examples=25,
)
@given(seed=st.integers(min_value=0, max_value=2**32), intervals=st.integers(10, 900))
def test_counter_replay_any_seed(seed: int, intervals: int) -> None:
    check_counter(generate_replay(seed, intervals=intervals))


@pytest.mark.parametrize("seed", range(5))
def test_rate_replay_in_megabytes_per_second(seed: int) -> None:
    replay = generate_replay(seed)
    kind, factor = unit_to_bytes("MB/s") or (None, 0.0)
    assert kind is SampleKind.RATE
    # As a UniFi sensor would report it, then scaled back by the caller.
    samples = [
        (t, None if v is None else round(v / 1e6, 9) * factor) for t, v in replay.rate
    ]
    detector = UploadDetector(SampleKind.RATE, DetectorSettings(THRESHOLD))
    uploads = run(detector, samples)
    assert [(u.start, u.end) for u in uploads] == [
        (u.start, u.end) for u in replay.uploads
    ]
    for got, want in zip(uploads, replay.uploads, strict=True):
        # MB/s with 9 decimals keeps the rate to the byte per second; each
        # interval of at most 1.4 s may shift by that, plus the final truncation.
        intervals = round(want.end - want.start) + 1
        assert abs(got.bytes - want.bytes) <= 1.4 * intervals + 1
    assert detector.stats.ignored == replay.keepalives
    assert detector.stats.unavailable == replay.unavailable
    assert detector.stats.gaps == replay.outages
    assert detector.stats.resets == detector.stats.wraps == 0


def test_replay_rejects_keepalives_that_would_count() -> None:
    with pytest.raises(ValueError, match="min_bytes"):
        generate_replay(1, min_bytes=THRESHOLD)
