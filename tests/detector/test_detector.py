"""Unit tests of the upload detector."""

from __future__ import annotations

from collections.abc import Iterable
import json
import math
from typing import Any

from homeassistant.const import UnitOfDataRate, UnitOfInformation
from homeassistant.util.unit_conversion import DataRateConverter, InformationConverter
import pytest

from custom_components.privacy_guard.detector import UploadDetector
from custom_components.privacy_guard.detector_types import (
    PROFILE_THRESHOLDS,
    DetectorSettings,
    DetectorStats,
    SampleKind,
    SpeakerProfile,
    Upload,
    unit_to_bytes,
)

from .replay import feed

THRESHOLD = 10_000.0
COUNTER = SampleKind.COUNTER
RATE = SampleKind.RATE


def counter_from_rates(
    rates: Iterable[float], *, start: float = 0.0, t0: float = 0.0
) -> list[tuple[float, float | None]]:
    """Turn one rate per second into cumulative counter samples at 1 Hz."""
    samples: list[tuple[float, float | None]] = [(t0, start)]
    value = start
    for i, rate in enumerate(rates, start=1):
        value += rate
        samples.append((t0 + i, value))
    return samples


def make(kind: SampleKind = COUNTER, **kwargs: Any) -> UploadDetector:
    kwargs.setdefault("baseline_factor", None)
    return UploadDetector(kind, DetectorSettings(THRESHOLD, **kwargs))


# -- units and profiles -------------------------------------------------------


@pytest.mark.parametrize("unit", list(UnitOfInformation))
def test_information_units_match_home_assistant(unit: UnitOfInformation) -> None:
    kind, factor = unit_to_bytes(unit) or (None, 0.0)
    assert kind is COUNTER
    expected = InformationConverter.convert(1.0, unit, UnitOfInformation.BYTES)
    assert factor == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("unit", list(UnitOfDataRate))
def test_data_rate_units_match_home_assistant(unit: UnitOfDataRate) -> None:
    kind, factor = unit_to_bytes(unit) or (None, 0.0)
    assert kind is RATE
    expected = DataRateConverter.convert(1.0, unit, UnitOfDataRate.BYTES_PER_SECOND)
    assert factor == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (" MB/s ", (RATE, 1e6)),
        ("Mbps", (RATE, 125_000.0)),
        ("octets", (COUNTER, 1.0)),
        ("Mb", None),
        ("mb/s", None),
        ("W", None),
        ("", None),
        (None, None),
    ],
)
def test_unit_spellings(unit: str | None, expected: object) -> None:
    assert unit_to_bytes(unit) == expected


def test_profile_thresholds_are_the_published_figures() -> None:
    assert PROFILE_THRESHOLDS == {
        "amazon_echo": 12172,
        "google_nest": 46086,
        "apple_homepod": 76366,
        "other": 12172,
    }
    assert PROFILE_THRESHOLDS[SpeakerProfile("google_nest")] == 46086
    assert set(PROFILE_THRESHOLDS) == set(SpeakerProfile)


# -- construction -------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold_bps": -1.0},
        {"threshold_bps": math.inf},
        {"threshold_bps": math.nan},
        {"merge_gap": -0.1},
        {"min_duration": math.inf},
        {"max_gap": 0.0},
        {"max_gap": math.inf},
        {"min_bytes": -1.0},
        {"min_bytes": math.inf},
        {"baseline_factor": -2.0},
        {"baseline_tau": 0.0},
        {"wrap_margin": 1.5},
        {"quiet_floor": -1.0},
        {"quiet_floor": math.inf},
        {"quiet_factor": -1.0},
        {"quiet_margin": math.nan},
        {"quiet_min_duration": -0.5},
        {"quiet_min_intervals": 0},
        {"quiet_window": 0.0},
    ],
)
def test_invalid_settings_are_refused(kwargs: dict[str, float]) -> None:
    threshold = kwargs.pop("threshold_bps", THRESHOLD)
    with pytest.raises(ValueError, match="must be"):
        UploadDetector(COUNTER, DetectorSettings(threshold, **kwargs))


def test_defaults() -> None:
    detector = UploadDetector("counter", DetectorSettings(12172))  # type: ignore[arg-type]
    assert detector.kind is COUNTER
    assert detector.settings.merge_gap == 2.0
    assert detector.settings.min_duration == 1.0
    assert detector.settings.max_gap == 120.0
    assert detector.settings.min_bytes == 3 * 12172
    assert detector.threshold == 12172
    assert detector.quiet_threshold == detector.settings.quiet_floor == 3_000.0
    assert detector.stats == DetectorStats()


# -- the basic rule -----------------------------------------------------------


def test_first_sample_is_only_a_baseline() -> None:
    detector = make()
    assert detector.add(100.0, 5e12) == []
    assert detector.flush(1e9) == []
    assert detector.in_progress is None


def test_counter_upload_is_reported_once_final() -> None:
    detector = make()
    rates = [500] * 5 + [30_000, 40_000, 35_000] + [500] * 5
    samples = counter_from_rates(rates, start=1_000_000)
    # Final only when the quiet after it reaches merge_gap: at t = 10.
    assert feed(detector, samples[:10]) == []
    assert detector.in_progress == 5.0
    assert detector.add(*samples[10]) == [Upload(5.0, 8.0, 105_000, 40_000.0)]
    assert [detector.in_progress] == [None]
    assert feed(detector, samples[11:]) == []
    assert detector.stats.uploads == 1
    assert Upload(5.0, 8.0, 1, 0.0).duration == 3.0


def test_rate_upload_uses_rate_times_interval() -> None:
    detector = make(RATE)
    samples = [(0.0, 100.0), (0.5, 100.0), (1.0, 20_000.0), (3.0, 30_000.0)]
    samples += [(4.0, 0.0), (7.0, 0.0)]
    assert feed(detector, samples) == [Upload(0.5, 3.0, 70_000, 30_000.0)]


def test_rate_first_sample_counts_nothing() -> None:
    detector = make(RATE)
    uploads = feed(detector, [(0.0, 1e9), (1.0, 0.0), (5.0, 0.0)])
    assert uploads == []
    assert detector.stats.ignored == 0


def test_threshold_itself_is_not_above() -> None:
    # The published threshold alone: five seconds at 10 kB/s are a quiet
    # upload (see test_quiet.py for its own threshold).
    detector = make(min_bytes=0.0, quiet_floor=None)
    assert feed(detector, counter_from_rates([THRESHOLD] * 5 + [0] * 5)) == []


def test_isolated_keepalive_is_not_an_upload() -> None:
    detector = make()
    rates = [500] * 3 + [29_000] + [500] * 5
    assert feed(detector, counter_from_rates(rates)) == []
    assert detector.in_progress is None
    assert detector.stats.ignored == 1


def test_isolated_interval_counts_with_enough_bytes() -> None:
    detector = make()
    rates = [500] * 3 + [31_000] + [500] * 5
    assert feed(detector, counter_from_rates(rates)) == [
        Upload(3.0, 4.0, 31_000, 31_000.0)
    ]


def test_slowly_polled_sensor_reports_one_long_interval() -> None:
    detector = make()
    samples = [(0.0, 0.0), (30.0, 15_000.0), (60.0, 15_000.0 + 30 * 20_000)]
    samples += [(90.0, 15_000.0 + 30 * 20_000 + 1_000)]
    assert feed(detector, samples) == [Upload(30.0, 60.0, 600_000, 20_000.0)]


def test_two_short_intervals_are_long_enough() -> None:
    detector = make(min_duration=1.0)
    samples = [(0.0, 0.0), (1.0, 0.0), (1.5, 6_000.0), (2.0, 12_000.0)]
    samples += [(3.0, 12_000.0), (5.0, 12_000.0)]
    assert feed(detector, samples) == [Upload(1.0, 2.0, 12_000, 12_000.0)]
    detector = make(min_duration=1.5)
    assert feed(detector, samples) == []


def test_bursts_with_a_short_dip_merge() -> None:
    detector = make()
    rates = [500] * 3 + [20_000] * 2 + [500] + [25_000] * 3 + [500] * 5
    assert feed(detector, counter_from_rates(rates)) == [
        Upload(3.0, 9.0, 115_000, 25_000.0)
    ]


def test_bursts_separated_by_merge_gap_stay_apart() -> None:
    detector = make()
    rates = [500] * 3 + [20_000] * 2 + [500] * 2 + [25_000] * 3 + [500] * 5
    assert feed(detector, counter_from_rates(rates)) == [
        Upload(3.0, 5.0, 40_000, 20_000.0),
        Upload(7.0, 10.0, 75_000, 25_000.0),
    ]


def test_flush_closes_an_upload_when_samples_stop() -> None:
    detector = make()
    feed(detector, counter_from_rates([500] * 3 + [20_000] * 3))
    assert detector.flush(7.9) == []
    assert detector.in_progress == 3.0
    assert detector.flush(8.0) == [Upload(3.0, 6.0, 60_000, 20_000.0)]
    assert detector.flush(100.0) == []
    # Traffic resuming after the flush starts a new upload.
    assert detector.add(7.0, 60_000 + 1_500 + 25_000) == []
    assert detector.add(8.0, 60_000 + 1_500 + 50_000) == []
    assert detector.flush(20.0) == [Upload(6.0, 8.0, 50_000, 25_000.0)]


def test_flush_of_a_keepalive_returns_nothing() -> None:
    detector = make()
    feed(detector, counter_from_rates([500, 20_000]))
    assert detector.flush(10.0) == []
    assert detector.stats.ignored == 1


# -- gaps, unavailable values, time -------------------------------------------


def test_unavailable_ends_the_run_and_breaks_the_baseline() -> None:
    detector = make()
    samples = counter_from_rates([500] * 3 + [20_000] * 3)
    samples += [(6.5, None), (7.0, 200_000.0), (8.0, 225_000.0), (9.0, 250_000.0)]
    samples += [(10.0, 250_500.0), (12.0, 251_000.0)]
    # The jump across the unavailable value is not counted, and the run resumes
    # within merge_gap of its end, so it is one upload.
    assert feed(detector, samples) == [Upload(3.0, 9.0, 110_000, 25_000.0)]
    assert detector.stats.unavailable == 1


def test_unavailable_long_after_an_upload_closes_it() -> None:
    detector = make()
    feed(detector, counter_from_rates([500] * 3 + [20_000] * 3))
    assert detector.add(9.0, None) == [Upload(3.0, 6.0, 60_000, 20_000.0)]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -5.0])
def test_bad_values_count_as_unavailable(bad: float) -> None:
    detector = make()
    samples = [(0.0, 0.0), (1.0, bad), (2.0, 1e9), (3.0, 1e9 + 100)]
    assert feed(detector, samples) == []
    assert detector.stats.unavailable == 1
    assert detector.stats.samples == 4


def test_long_gap_breaks_the_baseline() -> None:
    detector = make()
    samples = [(0.0, 0.0), (1.0, 500.0), (200.0, 5_000_000.0), (201.0, 5_000_400.0)]
    assert feed(detector, samples) == []
    assert detector.stats.gaps == 1
    detector = make(max_gap=300.0)
    assert feed(detector, [*samples, (300.0, 5_000_400.0)]) == [
        Upload(1.0, 200.0, 4_999_500, 4_999_500 / 199)
    ]


def test_same_instant_is_carried_into_the_next_interval() -> None:
    detector = make()
    samples = [(0.0, 0.0), (1.0, 100.0), (1.0, 20_000.0), (2.0, 40_000.0)]
    samples += [(3.0, 40_100.0), (5.0, 40_200.0)]
    # The change reported at the repeated instant lands in the next interval.
    assert feed(detector, samples) == [Upload(1.0, 2.0, 39_900, 39_900.0)]
    assert detector.stats.samples == 6


def test_time_going_backwards_restarts_and_closes() -> None:
    detector = make()
    feed(detector, counter_from_rates([500] * 3 + [20_000] * 3))
    assert detector.add(2.0, 1e9) == [Upload(3.0, 6.0, 60_000, 20_000.0)]
    assert detector.stats.gaps == 1
    assert detector.add(3.0, 1e9 + 500) == []


def test_unavailable_before_a_later_clock_closes_the_upload() -> None:
    detector = make()
    feed(detector, counter_from_rates([500] * 3 + [20_000] * 3))
    assert detector.add(5.0, None) == [Upload(3.0, 6.0, 60_000, 20_000.0)]


def test_nan_time_is_survivable() -> None:
    detector = make()
    samples = counter_from_rates([500] * 3)
    samples += [(math.nan, 2_000.0), (5.0, 2_500.0), (6.0, 3_000.0)]
    assert feed(detector, samples) == []
    assert detector.stats.gaps == 2


# -- counter drops ------------------------------------------------------------


def test_reset_counts_nothing_for_its_interval() -> None:
    detector = make()
    samples = counter_from_rates([500] * 5, start=50_000_000)
    samples += counter_from_rates([500] * 5 + [20_000] * 3 + [500] * 3, t0=6.0)
    assert feed(detector, samples) == [Upload(11.0, 14.0, 60_000, 20_000.0)]
    assert detector.stats.resets == 1
    assert detector.stats.wraps == 0


@pytest.mark.parametrize(("bits", "ulp"), [(32, 0), (64, 4096)])
def test_wrap_counts_the_wrapped_delta(bits: int, ulp: int) -> None:
    detector = make()
    top = float(2**bits)
    values = [top - 60_500, top - 60_000, top - 40_000, top - 20_000, 0.0, 20_000.0]
    values += [20_300.0, 20_600.0, 20_900.0]
    uploads = feed(detector, enumerate(values))
    # Near 2**64 a float only holds multiples of 2048 or 4096 bytes.
    assert len(uploads) == 1
    assert uploads[0].start == 1.0
    assert uploads[0].end == 5.0
    assert uploads[0].bytes == pytest.approx(80_000, abs=4 * ulp)
    assert detector.stats.wraps == 1


def test_wrap_is_exact_on_32_bits() -> None:
    detector = make()
    rates = [500] * 2 + [20_000] * 3 + [500] * 3
    samples = [
        (t, None if v is None else v % 2**32)
        for t, v in counter_from_rates(rates, start=2**32 - 45_000)
    ]
    assert feed(detector, samples) == [Upload(2.0, 5.0, 60_000, 20_000.0)]
    assert detector.stats.wraps == 1


def test_drop_far_from_a_boundary_is_a_reset() -> None:
    detector = make()
    # Close to 2**32 but the wrapped delta (4 GiB / 16) exceeds the 1/64 margin.
    top = 2**32
    samples = [(0.0, top - top / 16), (1.0, top - top / 16 + 100), (2.0, 100.0)]
    samples += [(3.0, 600.0), (6.0, 700.0)]
    assert feed(detector, samples) == []
    assert detector.stats.resets == 1


def test_drop_beyond_64_bits_is_a_reset() -> None:
    detector = make()
    samples = [(0.0, 2.0**65), (1.0, 2.0**65 + 2**13), (2.0, 10.0), (3.0, 20.0)]
    assert feed(detector, samples) == []
    assert detector.stats.resets == 1


def test_reset_baseline_after_a_unit_change() -> None:
    detector = make()
    samples = counter_from_rates([500] * 3)  # bytes
    feed(detector, samples)
    detector.reset_baseline()
    # The sensor now reports kB and the caller scales: a jump, not an upload.
    assert feed(detector, [(4.0, 9_000_000.0), (5.0, 9_000_500.0)]) == []
    assert detector.flush(20.0) == []
    assert detector.stats.resets == 0


# -- learned idle baseline ----------------------------------------------------


def test_idle_baseline_raises_the_threshold() -> None:
    idle = [(float(t), 3_000.0) for t in range(600)]
    bursts = [(600.0 + t, 11_000.0 if t < 4 else 3_000.0) for t in range(10)]
    # The loud rule's learned threshold alone: four seconds at 3.7 times the
    # idle rate are a quiet upload (test_quiet.py).
    fixed = make(
        RATE, baseline_factor=None, baseline_tau=60.0, min_bytes=0.0, quiet_floor=None
    )
    learned = make(
        RATE, baseline_factor=4.0, baseline_tau=60.0, min_bytes=0.0, quiet_floor=None
    )
    assert feed(fixed, idle) == []
    assert feed(learned, idle) == []
    assert learned.idle_bps == pytest.approx(3_000.0, rel=1e-3)
    assert learned.threshold == pytest.approx(12_000.0, rel=1e-3)
    assert fixed.idle_bps == pytest.approx(3_000.0, rel=1e-3)
    assert fixed.threshold == THRESHOLD
    assert [u.start for u in feed(fixed, bursts)] == [599.0]
    assert feed(learned, bursts) == []


def test_uploads_do_not_teach_the_baseline() -> None:
    detector = make(RATE, baseline_factor=4.0, baseline_tau=10.0)
    samples = [(float(t), 50_000.0) for t in range(100)]
    feed(detector, samples)
    assert detector.idle_bps == 0.0
    assert detector.threshold == THRESHOLD


# -- persistence --------------------------------------------------------------


def roundtrip(detector: UploadDetector) -> UploadDetector:
    text = json.dumps(detector.state(), allow_nan=False)
    return UploadDetector.from_state(json.loads(text))


def test_state_roundtrip_keeps_settings_and_learning() -> None:
    detector = make(RATE, baseline_factor=2.0, merge_gap=3.0, min_bytes=5.0)
    feed(detector, [(float(t), 8_000.0) for t in range(400)])
    restored = roundtrip(detector)
    assert restored.state() == detector.state()
    assert restored.threshold == detector.threshold > THRESHOLD
    assert restored.stats == detector.stats


def test_upload_under_way_survives_a_restart() -> None:
    detector = make()
    feed(detector, counter_from_rates([500] * 3 + [20_000] * 3))
    restored = roundtrip(detector)
    assert restored.in_progress is None
    # The first sample after a restart is a baseline; the old upload is final.
    assert restored.add(500.0, 10.0) == [Upload(3.0, 6.0, 60_000, 20_000.0)]
    assert restored.add(501.0, 30_010.0) == []
    assert restored.stats.uploads == 1


def test_restored_upload_is_also_returned_by_flush() -> None:
    detector = make()
    feed(detector, counter_from_rates([500] * 3 + [20_000] * 3))
    restored = roundtrip(detector)
    # Saved again before any sample: the pending upload is still kept.
    again = roundtrip(restored)
    assert again.add(500.0, None) == []
    assert again.flush(500.0) == [Upload(3.0, 6.0, 60_000, 20_000.0)]
    assert again.flush(501.0) == []


def test_restored_keepalive_is_ignored() -> None:
    detector = make()
    feed(detector, counter_from_rates([500] * 3 + [20_000]))
    restored = roundtrip(detector)
    assert restored.add(500.0, 10.0) == []
    assert restored.flush(600.0) == []
    assert restored.stats.ignored == 1


def test_restore_into_new_settings_and_used_detector() -> None:
    old = make(baseline_factor=4.0)
    feed(old, counter_from_rates([1_000] * 600))
    data = old.state()
    fresh = make(baseline_factor=8.0)
    feed(fresh, counter_from_rates([500] * 3 + [20_000] * 3))
    fresh.restore(data)
    assert fresh.idle_bps == pytest.approx(old.idle_bps)
    assert fresh.threshold == pytest.approx(max(THRESHOLD, 8.0 * old.idle_bps))
    assert fresh.in_progress is None
    # The run that was under way in ``fresh`` is dropped, not glued to new data.
    assert feed(fresh, counter_from_rates([500] * 3, t0=100.0)) == []
    assert fresh.flush(1_000.0) == []


@pytest.mark.parametrize(
    "patch",
    [
        {"version": 99},
        {"idle_bps": "lots", "stats": None, "candidate": {"start": 1.0}},
        {"idle_bps": -1.0, "stats": {"samples": -3, "wraps": "x"}},
        {"quiet_bins": [1.0, None], "stats": {"quiet_uploads": -1}},
        {"candidate": {"start": "x", "end": 1, "bytes": 1, "peak_bps": 1}},
        {
            "candidate": {
                "start": 1.0,
                "end": 2.0,
                "bytes": -5.0,
                "peak_bps": 1.0,
                "active": 1.0,
                "intervals": 2,
                "final": True,
            }
        },
    ],
)
def test_malformed_state_is_ignored(patch: dict[str, Any]) -> None:
    detector = make()
    data = {**make().state(), **patch}
    detector.restore(data)
    assert detector.stats == DetectorStats()
    assert detector.idle_bps == 0.0
    assert detector.quiet_baseline is None
    assert detector.add(0.0, 5.0) == []
    assert detector.flush(100.0) == []


def test_settings_are_stored_resolved_and_read_back() -> None:
    """One settings type: validated once, stored as the state's config, read
    back; a version 1 config (before the quiet rule) takes the quiet defaults."""
    settings = DetectorSettings(12172, merge_gap=3, quiet_min_intervals=4)
    assert settings.min_bytes == 3 * 12172.0
    assert isinstance(settings.merge_gap, float)
    assert DetectorSettings.from_dict(settings.as_dict()) == settings
    detector = UploadDetector(COUNTER, settings)
    config = detector.state()["config"]
    assert config == {"kind": "counter", **settings.as_dict()}
    assert UploadDetector.from_state(detector.state()).settings == settings
    version_1 = {
        key: value for key, value in config.items() if not key.startswith("quiet_")
    }
    assert DetectorSettings.from_dict(version_1) == DetectorSettings(
        12172, merge_gap=3, min_bytes=3 * 12172.0
    )
    with pytest.raises(AttributeError):
        settings.merge_gap = 5.0  # type: ignore[misc]
