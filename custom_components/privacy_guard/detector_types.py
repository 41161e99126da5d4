"""What a speaker's traffic is measured in, and what the upload detector finds.

Sample kinds and units, device families with their published thresholds, the
detector's settings with their defaults (and why each is what it is), the
uploads it reports and the counters it keeps. Pure, with no Home Assistant
imports, like the detector (``detector.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
import math
from typing import Any, Final


class SampleKind(StrEnum):
    """What a traffic sensor reports."""

    COUNTER = "counter"
    RATE = "rate"


class SpeakerProfile(StrEnum):
    """Device families with a published upload threshold."""

    AMAZON_ECHO = "amazon_echo"
    GOOGLE_NEST = "google_nest"
    APPLE_HOMEPOD = "apple_homepod"
    OTHER = "other"


# Bytes per second sent in a one-second bin above which Dubois et al. (PETS 2020)
# counted a second as part of an activation; "other" borrows the Echo figure,
# the lowest one, so unknown devices err towards reporting.
PROFILE_THRESHOLDS: Final[Mapping[SpeakerProfile, float]] = {
    SpeakerProfile.AMAZON_ECHO: 12172.0,
    SpeakerProfile.GOOGLE_NEST: 46086.0,
    SpeakerProfile.APPLE_HOMEPOD: 76366.0,
    SpeakerProfile.OTHER: 12172.0,
}

# Runs separated by less than this much quieter traffic are one upload (this
# project's choice, kept from before the quiet rule): two seconds bridge a
# one-second dip of a 1 Hz counter, between words or in how sends fell between
# readings, while uploads a few seconds apart stay apart.
DEFAULT_MERGE_GAP: Final = 2.0
# Two intervals above the published threshold lasting this long in all count.
DEFAULT_MIN_DURATION: Final = 1.0
# A counter delta spread over more than two minutes cannot be placed in time.
DEFAULT_MAX_GAP: Final = 120.0
# The published threshold rises to this many times the idle mean (a moving
# average over about five minutes), so a device whose idle traffic is heavy
# does not report all of it. Both are this project's choices.
DEFAULT_BASELINE_FACTOR: Final = 4.0
DEFAULT_BASELINE_TAU: Final = 300.0
# A run made of one sample interval counts only if it carries at least this many
# seconds' worth of bytes at the threshold rate (see ``min_bytes``).
DEFAULT_MIN_BYTES_SECONDS: Final = 3.0
# A drop is read as a wrap only when the wrapped delta is at most this share of
# the counter's range; beyond it a reset is the likelier story.
DEFAULT_WRAP_MARGIN: Final = 1 / 64
COUNTER_BOUNDARIES: Final = (float(2**32), float(2**64))

# -- the quiet rule --
# Opus at 32 kbit/s, the lowest bitrate AVS offers (DESIGN.md section 3), is
# 32,000 / 8 = 4,000 B/s of audio before any framing. The floor is three
# quarters of that: one second fully inside such a stream shows more, even when
# the device's sends bunch up unevenly between readings, while idle traffic
# under 1 kB/s (the HomePod's, replayed through a counter sensor: under 1 kB/s
# with isolated 1 to 2 s spikes up to 12 kB/s) stays well below it.
OPUS_32K_BPS: Final = 32_000 / 8
DEFAULT_QUIET_FLOOR: Final = 0.75 * OPUS_32K_BPS
# Above a learned idle baseline the run must also exceed both this many times
# the baseline (idle traffic that wobbles in proportion to its level) ...
DEFAULT_QUIET_FACTOR: Final = 2.0
# ... and the baseline plus half of what a 32 kbit/s Opus stream adds on top
# of it, so a speaker with busy idle traffic still shows an Opus upload above
# its own threshold (2.5 kB/s of idle + 4 kB/s of Opus > 5 kB/s).
DEFAULT_QUIET_MARGIN: Final = 0.5 * OPUS_32K_BPS
# How long the run must have sent: the seconds its bytes above the baseline
# would take at its plateau rate (its busiest quiet interval that is not loud
# and has quiet intervals on both sides, so fully covered), at most the length
# of its quiet intervals. A spike
# smeared over several readings does not inflate it (a 2 s spike read at 1 Hz
# shows three intervals but two seconds' worth of bytes at its plateau), nor
# does a loud first second shrink it. Idle speakers show isolated spikes of 1
# to 2 s up to 12 kB/s, so 2.5 s: a steady run of three seconds shows 2.6 s or
# more with 15 % jitter, and the HomePod activations seen through a counter
# sensor (about 13 kB in the first second, then 6 to 7 s at 5 to 7 kB/s) well
# over three seconds. Measured on generated traces (bench/detection.py, tuning
# seeds): 2.0 s lets 2 s spikes through, 3.0 s starts missing 3 s runs.
DEFAULT_QUIET_MIN_DURATION: Final = 2.5
# At least three intervals: one or two intervals never show how long traffic
# lasted, so a slowly polled sensor's one spike does not pass for seconds.
DEFAULT_QUIET_MIN_INTERVALS: Final = 3
# The idle baseline is the median of one-minute medians over the last half
# hour: uploads of seconds move no minute's median, and a lasting change of the
# device's idle level is learned in about a quarter of an hour.
QUIET_BIN_SECONDS: Final = 60.0
DEFAULT_QUIET_WINDOW: Final = 1800.0


_INF: Final = math.inf

_INFORMATION_UNITS: Final[Mapping[str, float]] = {
    "bit": 1 / 8,
    "kbit": 1e3 / 8,
    "Mbit": 1e6 / 8,
    "Gbit": 1e9 / 8,
    "B": 1.0,
    "kB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "PB": 1e15,
    "EB": 1e18,
    "ZB": 1e21,
    "YB": 1e24,
    "KiB": 2.0**10,
    "MiB": 2.0**20,
    "GiB": 2.0**30,
    "TiB": 2.0**40,
    "PiB": 2.0**50,
    "EiB": 2.0**60,
    "ZiB": 2.0**70,
    "YiB": 2.0**80,
    # Spellings seen on SNMP and template sensors.
    "bytes": 1.0,
    "octets": 1.0,
}

_DATA_RATE_UNITS: Final[Mapping[str, float]] = {
    "bit/s": 1 / 8,
    "kbit/s": 1e3 / 8,
    "Mbit/s": 1e6 / 8,
    "Gbit/s": 1e9 / 8,
    "B/s": 1.0,
    "kB/s": 1e3,
    "MB/s": 1e6,
    "GB/s": 1e9,
    "KiB/s": 2.0**10,
    "MiB/s": 2.0**20,
    "GiB/s": 2.0**30,
    # Spellings seen on SNMP and template sensors.
    "bps": 1 / 8,
    "kbps": 1e3 / 8,
    "Mbps": 1e6 / 8,
    "Gbps": 1e9 / 8,
}


def unit_to_bytes(unit: str | None) -> tuple[SampleKind, float] | None:
    """Map a unit of information or data rate to its kind and factor to bytes.

    Units are case-sensitive, as in Home Assistant ("Mbit" is not "MB").
    Returns None for an unknown or missing unit.
    """
    if unit is None:
        return None
    unit = unit.strip()
    if (factor := _INFORMATION_UNITS.get(unit)) is not None:
        return SampleKind.COUNTER, factor
    if (factor := _DATA_RATE_UNITS.get(unit)) is not None:
        return SampleKind.RATE, factor
    return None


@dataclass(frozen=True, slots=True)
class Upload:
    """A finished upload: when it ran, the bytes of its run, its peak rate."""

    start: float
    end: float
    bytes: int
    peak_bps: float

    @property
    def duration(self) -> float:
        """Seconds from the start of the first to the end of the last burst."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class DetectorStats:
    """Counters describing what the detector has seen.

    ``gaps`` counts baseline breaks for a gap over ``max_gap`` or a clock going
    backwards; ``ignored`` counts runs too short or small to be uploads;
    ``quiet_uploads`` counts the uploads (also in ``uploads``) that only the
    quiet rule found.
    """

    samples: int = 0
    unavailable: int = 0
    gaps: int = 0
    resets: int = 0
    wraps: int = 0
    uploads: int = 0
    ignored: int = 0
    quiet_uploads: int = 0


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """How a detector decides, validated once (see ``UploadDetector``).

    ``min_bytes`` None means three seconds at ``threshold_bps``; it is stored
    resolved. A state of version 1 (from before the quiet rule) holds no quiet
    settings: they take their defaults.
    """

    threshold_bps: float
    merge_gap: float = DEFAULT_MERGE_GAP
    min_duration: float = DEFAULT_MIN_DURATION
    min_bytes: float | None = None
    max_gap: float = DEFAULT_MAX_GAP
    baseline_factor: float | None = DEFAULT_BASELINE_FACTOR
    baseline_tau: float = DEFAULT_BASELINE_TAU
    wrap_margin: float = DEFAULT_WRAP_MARGIN
    quiet_floor: float | None = DEFAULT_QUIET_FLOOR
    quiet_factor: float = DEFAULT_QUIET_FACTOR
    quiet_margin: float = DEFAULT_QUIET_MARGIN
    quiet_min_duration: float = DEFAULT_QUIET_MIN_DURATION
    quiet_min_intervals: int = DEFAULT_QUIET_MIN_INTERVALS
    quiet_window: float = DEFAULT_QUIET_WINDOW

    def __post_init__(self) -> None:
        """Refuse what no detector can work with; store every figure as a float."""
        for name in (
            "threshold_bps",
            "merge_gap",
            "min_duration",
            "quiet_factor",
            "quiet_margin",
            "quiet_min_duration",
        ):
            value = getattr(self, name)
            if not 0.0 <= value < _INF:
                raise ValueError(f"{name} must be finite and >= 0: {value}")
        for name in ("max_gap", "baseline_tau", "quiet_window"):
            value = getattr(self, name)
            if not 0.0 < value < _INF:
                raise ValueError(f"{name} must be finite and > 0: {value}")
        for name in ("min_bytes", "quiet_floor"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value < _INF:
                raise ValueError(f"{name} must be finite and >= 0: {value}")
        if self.baseline_factor is not None and not 0.0 <= self.baseline_factor < _INF:
            raise ValueError(f"baseline_factor must be >= 0: {self.baseline_factor}")
        if not 0.0 <= self.wrap_margin <= 1.0:
            raise ValueError(f"wrap_margin must be within [0, 1]: {self.wrap_margin}")
        if self.quiet_min_intervals < 1:
            raise ValueError(
                f"quiet_min_intervals must be >= 1: {self.quiet_min_intervals}"
            )
        resolved = (
            DEFAULT_MIN_BYTES_SECONDS * self.threshold_bps
            if self.min_bytes is None
            else self.min_bytes
        )
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "quiet_min_intervals":
                object.__setattr__(self, field.name, int(value))
            elif field.name == "min_bytes":
                object.__setattr__(self, field.name, float(resolved))
            elif value is not None:
                object.__setattr__(self, field.name, float(value))

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DetectorSettings:
        """Read the stored form; what it does not hold takes its default."""
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
