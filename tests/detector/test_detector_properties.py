"""Properties of the upload detector over generated sample series."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
import json
import random

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.privacy_guard.detector import UploadDetector
from custom_components.privacy_guard.detector_types import (
    DEFAULT_QUIET_FLOOR,
    PROFILE_THRESHOLDS,
    DetectorSettings,
    SampleKind,
    SpeakerProfile,
    Upload,
)

from .replay import feed

SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)
COUNTER = SampleKind.COUNTER
RATE = SampleKind.RATE
WRAP = 2**32

thresholds = st.integers(min_value=0, max_value=50_000).map(float)
quiet_floors = st.sampled_from([None, 0.0, 1_000.0, DEFAULT_QUIET_FLOOR])
# Time steps in milliseconds, up to 10 s: within the default max_gap.
steps = st.integers(min_value=1, max_value=10_000).map(lambda ms: ms / 1000)
increments = st.integers(min_value=0, max_value=200_000)


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


def lowest(detector: UploadDetector) -> float:
    """The lowest rate a run can be above: the published or the quiet floor.

    Before the quiet rule this was the threshold itself; a quiet upload's
    intervals are above the quiet threshold, which is never under its floor.
    """
    floor = detector.settings.quiet_floor
    return (
        detector.settings.threshold_bps
        if floor is None
        else min(detector.settings.threshold_bps, floor)
    )


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
    quiet_floor=quiet_floors,
    quiet_min=st.sampled_from([(0.0, 1), (2.5, 3)]),
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
    quiet_floor: float | None,
    quiet_min: tuple[float, int],
    samples: list[tuple[float, float | None]],
    cut: int,
) -> None:
    detector = UploadDetector(
        kind,
        DetectorSettings(
            threshold,
            baseline_factor=factor,
            merge_gap=merge_gap,
            quiet_floor=quiet_floor,
            quiet_min_duration=quiet_min[0],
            quiet_min_intervals=quiet_min[1],
            quiet_window=120.0,
        ),
    )
    uploads = feed(detector, samples[:cut])
    uploads += detector.flush(max((t for t, _ in samples), default=0.0))
    text = json.dumps(detector.state(), allow_nan=False)
    restarted = UploadDetector.from_state(json.loads(text))
    # What was learned survives the restart.
    assert restarted.threshold == detector.threshold
    assert restarted.quiet_threshold == detector.quiet_threshold
    assert restarted.quiet_baseline == detector.quiet_baseline
    uploads += feed(restarted, samples[cut:])
    uploads += restarted.flush(10.0**10)
    well_formed(uploads, lowest(detector))
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
    # With min_bytes=0 every run of the published rule counts, so every byte
    # above the threshold must land in exactly one upload and no other byte may.
    # The premise holds for the published rule alone (quiet_floor=None): the
    # quiet rule has runs of its own, which only count when long enough; see
    # test_every_byte_of_every_run_is_counted_exactly_once for both rules.
    detector = UploadDetector(
        COUNTER,
        DetectorSettings(
            threshold,
            min_bytes=0.0,
            merge_gap=merge_gap,
            baseline_factor=None,
            quiet_floor=None,
        ),
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
    # A run may now be quiet: above the quiet threshold, which can be under the
    # published one but never under its floor. So the bound is the bytes above
    # the lower of the two (it was the bytes above the threshold).
    detector = UploadDetector(
        COUNTER, DetectorSettings(threshold, baseline_factor=factor)
    )
    samples = cumulative(deltas)
    uploads = feed(detector, samples) + detector.flush(samples[-1][0] + 60.0)
    well_formed(uploads, lowest(detector))
    assert sum(u.bytes for u in uploads) <= above_total(deltas, lowest(detector))


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
    # The published rule alone, as for counters above: every run counts.
    detector = UploadDetector(
        RATE,
        DetectorSettings(
            threshold, min_bytes=0.0, baseline_factor=None, quiet_floor=None
        ),
    )
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
    detector = UploadDetector(COUNTER, DetectorSettings(threshold))
    # Idle is below half the lower of the threshold and the quiet floor: a
    # sustained rate between the two is a quiet upload now, not idle.
    idle = lowest(detector)
    t, value = 0.0, start
    samples: list[tuple[float, float | None]] = [(t, float(value))]
    drops = 0
    for kind, dt, share in events:
        t += dt
        if kind == "idle":
            # Below half of it: idle traffic, however it is sampled.
            value += int(share * idle * dt)
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
    plain = UploadDetector(COUNTER, DetectorSettings(threshold))
    wrapped = UploadDetector(COUNTER, DetectorSettings(threshold))
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
    detector = UploadDetector(kind, DetectorSettings(0.0, min_bytes=0.0))
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
    detector = UploadDetector(COUNTER, DetectorSettings(threshold))
    # Idle below half the lower of the threshold and the quiet floor, as above.
    idle = lowest(detector)
    t, value = 0.0, 0
    uploads = detector.add(t, 0.0)
    for dt, share in before:
        t, value = t + dt, value + int(share * idle * dt)
        uploads += detector.add(t, float(value))
    if break_kind == "unavailable":
        uploads += detector.add(t + 0.5, None)
    else:
        detector.reset_baseline()
    t, value = t + 1.0, value + jump
    uploads += detector.add(t, float(value))
    for dt, share in after:
        t, value = t + dt, value + int(share * idle * dt)
        uploads += detector.add(t, float(value))
    assert uploads + detector.flush(t + 60.0) == []


@SETTINGS
@given(
    kind=st.sampled_from(SampleKind),
    threshold=thresholds,
    factor=st.sampled_from([None, 4.0]),
    merge_gap=st.sampled_from([0.0, 2.0, 5.0]),
    quiet_floor=st.integers(min_value=0, max_value=20_000).map(float),
    quiet_factor=st.sampled_from([0.0, 2.0]),
    quiet_margin=st.sampled_from([0.0, 2_000.0]),
    quiet_window=st.sampled_from([60.0, 300.0]),
    deltas=st.lists(st.tuples(steps, increments), max_size=120),
)
def test_every_byte_of_every_run_is_counted_exactly_once(
    *,
    kind: SampleKind,
    threshold: float,
    factor: float | None,
    merge_gap: float,
    quiet_floor: float,
    quiet_factor: float,
    quiet_margin: float,
    quiet_window: float,
    deltas: list[tuple[float, int]],
) -> None:
    # Both rules, every run counting (min_bytes=0, no quiet minimum): an
    # interval is part of a run when its rate is above the run threshold in
    # force when it ends (the lower of the loud and quiet ones, both learned
    # as the series goes). Every byte of such intervals lands in exactly one
    # upload, each upload holds exactly the bytes of those within it, and no
    # run is counted twice, by one rule or by both.
    detector = UploadDetector(
        kind,
        DetectorSettings(
            threshold,
            min_bytes=0.0,
            merge_gap=merge_gap,
            baseline_factor=factor,
            quiet_floor=quiet_floor,
            quiet_factor=quiet_factor,
            quiet_margin=quiet_margin,
            quiet_min_duration=0.0,
            quiet_min_intervals=1,
            quiet_window=quiet_window,
        ),
    )
    samples = cumulative(deltas)
    if kind is RATE:
        # The same times; each increment is the interval's rate in B/s.
        rates = [float(nbytes) for _, nbytes in deltas]
        samples = [
            samples[0],
            *((t, r) for (t, _), r in zip(samples[1:], rates, strict=True)),
        ]
    above: list[tuple[float, float, float]] = []
    uploads = detector.add(*samples[0])
    for (before, value_before), (t, value) in pairwise(samples):
        assert value is not None
        assert value_before is not None
        run_threshold = detector.run_threshold
        dt = t - before
        nbytes = value - value_before if kind is COUNTER else value * dt
        rate = nbytes / dt if kind is COUNTER else value
        if rate > run_threshold:
            above.append((before, t, nbytes))
        uploads += detector.add(t, value)
    uploads += detector.flush(samples[-1][0] + merge_gap + 1)
    well_formed(uploads, lowest(detector))
    for before, after in pairwise(uploads):
        assert after.start - before.end >= merge_gap
    counted = 0.0
    for upload in uploads:
        inside = [n for a, b, n in above if upload.start <= a and b <= upload.end]
        assert inside
        # Each upload truncates its float total to whole bytes.
        assert sum(inside) - 1 - 1e-9 * sum(inside) <= upload.bytes <= sum(inside)
        counted += sum(inside)
    total = sum(n for _, _, n in above)
    if kind is COUNTER:
        assert counted == total
    else:
        # Rates times intervals are not whole bytes: summed in another order.
        assert abs(counted - total) <= 1e-9 * total


@SETTINGS
@given(
    threshold=st.sampled_from(
        [
            PROFILE_THRESHOLDS[SpeakerProfile.GOOGLE_NEST],
            PROFILE_THRESHOLDS[SpeakerProfile.APPLE_HOMEPOD],
        ]
    ),
    idle=st.integers(min_value=0, max_value=1_000).map(float),
    spikes=st.lists(
        st.tuples(
            st.floats(min_value=10.0, max_value=60.0),  # idle before it, s
            st.floats(min_value=0.1, max_value=2.0),  # its length, s
            st.floats(min_value=3_000.0, max_value=12_000.0),  # its rate, B/s
        ),
        max_size=12,
    ),
    rng=st.randoms(use_true_random=False),
)
def test_isolated_spikes_of_two_seconds_never_count(
    threshold: float,
    idle: float,
    spikes: list[tuple[float, float, float]],
    rng: random.Random,
) -> None:
    # Spikes of up to 2 s at up to 12 kB/s, on idle traffic under 1 kB/s, read
    # as a counter every 0.8 to 1.2 s: however a spike straddles the readings,
    # it is no upload (under the Google and HomePod figures, which no spike
    # reaches, so only the quiet rule is at stake).
    placed: list[tuple[float, float, float]] = []
    t = 0.0
    for before, length, rate in spikes:
        t += before
        placed.append((t, t + length, rate))
        t += length
    end = t + 30.0

    def sent(at: float) -> int:
        total = idle * at
        for a, b, rate in placed:
            total += rate * max(0.0, min(at, b) - a)
        return int(total)

    detector = UploadDetector(COUNTER, DetectorSettings(threshold))
    uploads: list[Upload] = []
    t = 0.0
    while t < end:
        uploads += detector.add(t, float(sent(t)))
        t += rng.uniform(0.8, 1.2)
    assert uploads + detector.flush(t + 10.0) == []
