"""Properties of the upload detector over generated sample series."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.privacy_guard.detector import SampleKind, Upload, UploadDetector

SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)
COUNTER = SampleKind.COUNTER
RATE = SampleKind.RATE
WRAP = 2**32

thresholds = st.integers(min_value=0, max_value=50_000).map(float)
# Time steps in milliseconds, up to 10 s: within the default max_gap.
steps = st.integers(min_value=1, max_value=10_000).map(lambda ms: ms / 1000)
increments = st.integers(min_value=0, max_value=200_000)


def feed(
    detector: UploadDetector, samples: Iterable[tuple[float, float | None]]
) -> list[Upload]:
    uploads: list[Upload] = []
    for t, value in samples:
        uploads.extend(detector.add(t, value))
    return uploads


def cumulative(
    deltas: Iterable[tuple[float, int]], *, start: int = 0
) -> list[tuple[float, float | None]]:
    """Counter samples (starting at t = 0) from (time step, bytes) pairs."""
    t, value = 0.0, start
    samples: list[tuple[float, float | None]] = [(t, float(value))]
    for dt, nbytes in deltas:
        t += dt
        value += nbytes
        samples.append((t, float(value)))
    return samples


def above_total(deltas: Iterable[tuple[float, int]], threshold: float) -> int:
    """Bytes of the intervals whose rate is above the threshold."""
    return sum(nbytes for dt, nbytes in deltas if nbytes / dt > threshold)


def well_formed(uploads: list[Upload], threshold: float) -> None:
    for upload in uploads:
        assert upload.bytes >= 0
        assert upload.start < upload.end
        assert upload.peak_bps > threshold


@SETTINGS
@given(
    kind=st.sampled_from(SampleKind),
    threshold=thresholds,
    factor=st.sampled_from([None, 0.0, 4.0]),
    merge_gap=st.sampled_from([0.0, 2.0, 30.0]),
    samples=st.lists(
        st.tuples(
            st.integers(min_value=-(10**9), max_value=10**9).map(lambda ms: ms / 1000),
            st.one_of(
                st.none(),
                st.sampled_from([float("nan"), float("inf"), -1.0, 0.0]),
                st.integers(min_value=0, max_value=2**70).map(float),
            ),
        ),
        max_size=80,
    ),
    cut=st.integers(min_value=0, max_value=80),
)
def test_any_series_never_raises(
    *,
    kind: SampleKind,
    threshold: float,
    factor: float | None,
    merge_gap: float,
    samples: list[tuple[float, float | None]],
    cut: int,
) -> None:
    detector = UploadDetector(
        kind, threshold, baseline_factor=factor, merge_gap=merge_gap
    )
    uploads = feed(detector, samples[:cut])
    uploads += detector.flush(max((t for t, _ in samples), default=0.0))
    text = json.dumps(detector.state(), allow_nan=False)
    restarted = UploadDetector.from_state(json.loads(text))
    uploads += feed(restarted, samples[cut:])
    uploads += restarted.flush(10.0**10)
    well_formed(uploads, threshold)
    stats = restarted.stats
    assert stats.samples == len(samples)
    assert stats.uploads == len(uploads)
    assert restarted.in_progress is None


@SETTINGS
@given(
    threshold=thresholds,
    merge_gap=st.sampled_from([0.0, 1.0, 2.0, 5.0]),
    deltas=st.lists(st.tuples(steps, increments), max_size=120),
)
def test_counter_bytes_above_threshold_are_counted_exactly_once(
    threshold: float, merge_gap: float, deltas: list[tuple[float, int]]
) -> None:
    # With min_bytes=0 every run counts, so every byte above the threshold must
    # land in exactly one upload and no other byte may.
    detector = UploadDetector(
        COUNTER, threshold, min_bytes=0.0, merge_gap=merge_gap, baseline_factor=None
    )
    samples = cumulative(deltas)
    uploads = feed(detector, samples) + detector.flush(samples[-1][0] + merge_gap + 1)
    well_formed(uploads, threshold)
    assert sum(u.bytes for u in uploads) == above_total(deltas, threshold)
    for before, after in pairwise(uploads):
        assert after.start - before.end >= merge_gap


@SETTINGS
@given(
    threshold=thresholds,
    factor=st.sampled_from([None, 2.0, 4.0]),
    deltas=st.lists(st.tuples(steps, increments), max_size=120),
)
def test_counter_never_counts_more_than_was_above_threshold(
    threshold: float, factor: float | None, deltas: list[tuple[float, int]]
) -> None:
    detector = UploadDetector(COUNTER, threshold, baseline_factor=factor)
    samples = cumulative(deltas)
    uploads = feed(detector, samples) + detector.flush(samples[-1][0] + 60.0)
    well_formed(uploads, threshold)
    assert sum(u.bytes for u in uploads) <= above_total(deltas, threshold)


@SETTINGS
@given(
    threshold=thresholds,
    series=st.lists(
        st.tuples(steps, st.floats(min_value=0.0, max_value=1e6)), max_size=120
    ),
)
def test_rate_bytes_are_rate_times_interval(
    threshold: float, series: list[tuple[float, float]]
) -> None:
    detector = UploadDetector(RATE, threshold, min_bytes=0.0, baseline_factor=None)
    t = 0.0
    samples: list[tuple[float, float | None]] = [(t, 0.0)]
    expected = 0.0
    for dt, rate in series:
        previous, t = t, t + dt
        samples.append((t, rate))
        if rate > threshold:
            expected += rate * (t - previous)
    uploads = feed(detector, samples) + detector.flush(t + 10.0)
    well_formed(uploads, threshold)
    counted = sum(u.bytes for u in uploads)
    # Each upload truncates its float total to whole bytes.
    assert expected - len(uploads) - 1e-6 * expected <= counted
    assert counted <= expected + 1e-6 * expected


@SETTINGS
@given(
    threshold=st.integers(min_value=1_000, max_value=50_000).map(float),
    start=st.integers(min_value=0, max_value=2**31),
    events=st.lists(
        st.one_of(
            st.tuples(st.just("idle"), steps, st.floats(0.0, 0.5)),
            st.tuples(st.just("drop"), steps, st.floats(0.0, 0.99)),
            st.tuples(st.just("unavailable"), steps, st.just(0.0)),
        ),
        max_size=120,
    ),
)
def test_resets_never_invent_an_upload(
    threshold: float, start: int, events: list[tuple[str, float, float]]
) -> None:
    detector = UploadDetector(COUNTER, threshold)
    t, value = 0.0, start
    samples: list[tuple[float, float | None]] = [(t, float(value))]
    drops = 0
    for kind, dt, share in events:
        t += dt
        if kind == "idle":
            # Below half the threshold: idle traffic, however it is sampled.
            value += int(share * threshold * dt)
        elif kind == "drop":
            lower = int(value * share)
            drops += lower < value
            value = lower
        samples.append((t, None if kind == "unavailable" else float(value)))
    assert feed(detector, samples) + detector.flush(t + 60.0) == []
    # A drop right after an unavailable value is only a new baseline.
    assert detector.stats.resets <= drops


@SETTINGS
@given(
    threshold=thresholds,
    deltas=st.lists(
        st.tuples(steps, st.integers(min_value=0, max_value=WRAP // 64)),
        min_size=1,
        max_size=60,
    ),
    data=st.data(),
)
def test_wrap_is_counted_like_an_unbroken_counter(
    threshold: float, deltas: list[tuple[float, int]], data: st.DataObject
) -> None:
    total = sum(nbytes for _, nbytes in deltas)
    start = WRAP - data.draw(st.integers(min_value=0, max_value=total))
    plain = UploadDetector(COUNTER, threshold)
    wrapped = UploadDetector(COUNTER, threshold)
    samples = cumulative(deltas, start=start)
    end = samples[-1][0] + 60.0
    expected = feed(plain, samples) + plain.flush(end)
    modular = [(t, None if v is None else v % WRAP) for t, v in samples]
    assert feed(wrapped, modular) + wrapped.flush(end) == expected
    crossed = any(
        before[1] is not None and after[1] is not None and after[1] < before[1]
        for before, after in pairwise(modular)
    )
    assert wrapped.stats.wraps == int(crossed)
    assert wrapped.stats.resets == 0


@SETTINGS
@given(
    kind=st.sampled_from(SampleKind),
    t=st.floats(min_value=-1e12, max_value=1e12),
    value=st.floats(min_value=0.0, max_value=1e18),
    later=st.floats(min_value=0.0, max_value=1e6),
)
def test_first_sample_is_never_an_upload(
    kind: SampleKind, t: float, value: float, later: float
) -> None:
    detector = UploadDetector(kind, 0.0, min_bytes=0.0)
    assert detector.add(t, value) == []
    assert detector.flush(t + later) == []
    assert detector.in_progress is None


@SETTINGS
@given(
    threshold=st.integers(min_value=1_000, max_value=50_000).map(float),
    before=st.lists(st.tuples(steps, st.floats(0.0, 0.5)), max_size=20),
    after=st.lists(st.tuples(steps, st.floats(0.0, 0.5)), max_size=20),
    jump=st.integers(min_value=0, max_value=2**40),
    break_kind=st.sampled_from(["unavailable", "reset_baseline"]),
)
def test_nothing_is_counted_across_a_break(
    threshold: float,
    before: list[tuple[float, float]],
    after: list[tuple[float, float]],
    jump: int,
    break_kind: str,
) -> None:
    detector = UploadDetector(COUNTER, threshold)
    t, value = 0.0, 0
    uploads = detector.add(t, 0.0)
    for dt, share in before:
        t, value = t + dt, value + int(share * threshold * dt)
        uploads += detector.add(t, float(value))
    if break_kind == "unavailable":
        uploads += detector.add(t + 0.5, None)
    else:
        detector.reset_baseline()
    t, value = t + 1.0, value + jump
    uploads += detector.add(t, float(value))
    for dt, share in after:
        t, value = t + dt, value + int(share * threshold * dt)
        uploads += detector.add(t, float(value))
    assert uploads + detector.flush(t + 60.0) == []
