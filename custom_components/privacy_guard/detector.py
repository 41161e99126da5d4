"""Detect voice uploads in a speaker's traffic figures.

Pure logic with no Home Assistant imports, so it is tested and benchmarked alone.

Two rules find uploads, and one stretch of traffic is one upload whichever
finds it:

* **Loud** (the published rule). Dubois et al., "When Speakers Are All Ears"
  (PETS 2020): an upload is a run of time during which the bytes a device sends
  per second stay above a per-device threshold. Their per-device figures are
  kept as defaults in ``PROFILE_THRESHOLDS``.
* **Quiet** (relative to the device itself). Those figures were fitted on one
  testbed; an upload coded as Opus at 32 kbit/s needs only about 4,000 B/s, and
  a HomePod activation seen through a counter sensor sends about 13 kB in its
  first second and then 5 to 7 kB/s for 6 to 7 s, far under its published
  76,366 B/s. So a run that stays for seconds above both a floor near what such
  a stream needs and a margin over the device's own learned idle traffic is an
  upload too, however far under the published figure it stays.

Both rules look at how long a run lasts (a keep-alive is one isolated burst, a
voice upload lasts seconds) and merge runs separated by a short gap.

Samples are irregular ``(t, value)`` pairs from a traffic sensor, with ``t`` in
seconds. Epoch seconds are the better choice when the state is persisted,
because upload times then stay meaningful across restarts. Every sample closes
the interval that began at the previous sample:

* a **counter** (cumulative bytes sent) gives ``delta / dt`` for that interval;
* a **rate** (bytes per second) is taken as the mean over the interval that
  ends at the sample, which is how routers report it; the interval carries
  ``rate * dt`` bytes. Feed every report, including unchanged values, so the
  intervals match the router's own.

The first sample after construction, a restart, an unavailable value, a unit
change (``reset_baseline``) or a long gap only sets a baseline: nothing before
it is known, so it is never an upload by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

STATE_VERSION: Final = 2
# Version 1 was written before the quiet rule: no baseline, loud runs only.
_READABLE_VERSIONS: Final = frozenset({1, 2})

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


def _weighted_median(pairs: list[tuple[float, float]]) -> float:
    """Return the rate below which half of the time of ``(rate, dt)`` pairs lies."""
    pairs.sort()
    half = 0.5 * sum(dt for _, dt in pairs)
    acc = 0.0
    # The running sum ends at the total, added in the same order: it gets there.
    for rate, dt in pairs:  # noqa: B007 - the rate where the loop stops
        acc += dt
        if acc >= half:
            break
    return rate


def _median(values: Iterable[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return 0.5 * (ordered[mid - 1] + ordered[mid])


class UploadDetector:
    """Turn irregular traffic samples of one device into uploads.

    Each interval between two samples has a rate in bytes per second. It is
    *loud* when that rate is above the loud threshold in force, and *quiet*
    when it is above the quiet threshold in force (both, for a loud upload of a
    device with little idle traffic). A run is a stretch of consecutive
    intervals that are loud or quiet; runs separated by less than ``merge_gap``
    seconds of other traffic form one candidate, and a candidate is one upload
    at most, whichever rule makes it count: the loud and the quiet rule never
    count one upload twice. The upload's bytes are those of its loud and quiet
    intervals, every byte of each; the other seconds inside it look like
    background traffic and are not counted.

    **Loud rule.** The loud threshold is the larger of ``threshold_bps`` and
    ``baseline_factor`` times the device's idle rate, learned as a time-weighted
    moving average (time constant ``baseline_tau``) of the rates of intervals
    below the loud threshold in force. ``baseline_factor=None`` keeps it fixed.
    A candidate counts when its loud intervals carry at least ``min_bytes``, or
    when two or more of them last ``min_duration`` seconds or more in total.
    One interval alone never shows how long the traffic lasted, however long
    the interval, so it counts only through ``min_bytes``; that way one
    isolated second (a keep-alive) is not an upload at 1 Hz sampling, while a
    slowly polled sensor (whose one interval above the threshold holds many
    seconds of bytes) still reports. ``min_bytes`` defaults to three seconds at
    ``threshold_bps``; set it to 0 to count every run with a loud interval.

    **Quiet rule.** The quiet threshold is ``quiet_floor`` until a baseline is
    learned, then the largest of ``quiet_floor``, ``quiet_factor`` times the
    baseline and the baseline plus ``quiet_margin``. The baseline is the
    device's own idle rate, learned robustly: the time-weighted median of the
    rates of the intervals below the loud threshold over each
    ``QUIET_BIN_SECONDS`` of them, then the median of such minutes over the
    last ``quiet_window`` seconds. Quiet uploads teach it too, on purpose: they
    move it only if they fill more than half of more than half of those
    minutes, while a lasting change of the device's idle level (a new
    firmware's chatter) is learned in about half the window instead of being
    reported as one endless upload. Loud intervals never teach it.

    A candidate counts by the quiet rule when at least ``quiet_min_intervals``
    of its intervals are quiet and it sent for ``quiet_min_duration`` seconds
    or more: the time its quiet bytes above the baseline would take at its
    plateau rate, and at most the length of its quiet intervals. The plateau is
    the largest excess over the baseline of a quiet interval that is not loud
    and has quiet intervals on both sides (so the traffic covered it fully), or
    the largest of all when there is none. A spike smeared over three readings
    has three intervals but only its own length of bytes at its plateau, and a
    loud first second does not shorten a long quiet run. ``quiet_floor=None``
    turns the rule off: the detector then behaves as the published rule alone.

    Until one minute of intervals has been seen (on a fresh detector; a
    restored one keeps its baseline), the quiet threshold is the floor alone.
    That is the conservative choice for a privacy guard: it errs towards
    reporting. A speaker idling under 1 kB/s is unaffected; one whose idle
    traffic reaches the floor for seconds on end (2 to 3 kB/s with noise) may
    report uploads in that first minute that are not.

    The quiet rule needs samples about once a second: from samples minutes
    apart no rule can tell a run of seconds from a spike, and the loud rule's
    ``min_bytes`` is the only way such a sensor reports. And it sees only bytes
    sent: the acknowledgements of a long download (a firmware update at
    0.5 MB/s sends about 9 kB/s of them) look like an upload to it, as they do
    to the published thresholds once loud enough.

    A gap of more than ``max_gap`` seconds between samples breaks the baseline:
    a counter delta spread over minutes says little about any second in it (an
    upload of a few seconds would vanish in the average, and a large one could
    not be placed in time), so that interval is skipped rather than guessed.

    A counter that goes down has wrapped or been reset. The drop is a wrap at
    the first of 2**32 and 2**64 above the previous value when the wrapped
    delta (what was left up to that boundary plus the new value) is at most
    ``wrap_margin`` of the boundary (1/64 by default: 64 MiB on 32 bits); the
    wrapped delta then counts. Otherwise it is a reset and the interval counts
    for nothing. A reset of a counter sitting within that margin below 2**32
    cannot be told from a wrap; the small margin keeps such cases rare.

    An upload is returned once it is final: by the first sample ``merge_gap``
    seconds or more after its end, or by ``flush(now)`` when samples stop
    coming (Home Assistant writes a state only when it changes).
    """

    # The candidate upload, set by _clear_candidate (here and after each one).
    _cand_start: float | None
    _bytes: float
    _peak: float
    _loud_bytes: float
    _loud_active: float
    _loud_n: int
    _quiet_excess: float
    _quiet_active: float
    _quiet_peak: float
    _quiet_plateau: float
    _quiet_n: int
    _q_prev: float

    __slots__ = (
        "_bin",
        "_bin_time",
        "_bins",
        "_bins_max",
        "_bytes",
        "_cand_end",
        "_cand_start",
        "_counter",
        "_factor",
        "_gaps",
        "_idle_bps",
        "_ignored",
        "_last_t",
        "_last_value",
        "_loud_active",
        "_loud_bytes",
        "_loud_n",
        "_peak",
        "_q_inner",
        "_q_prev",
        "_quiet_active",
        "_quiet_base",
        "_quiet_eff",
        "_quiet_excess",
        "_quiet_n",
        "_quiet_peak",
        "_quiet_plateau",
        "_quiet_uploads",
        "_resets",
        "_restored",
        "_restored_quiet",
        "_samples",
        "_threshold_eff",
        "_unavailable",
        "_uploads",
        "_wraps",
        "baseline_factor",
        "baseline_tau",
        "kind",
        "max_gap",
        "merge_gap",
        "min_bytes",
        "min_duration",
        "quiet_factor",
        "quiet_floor",
        "quiet_margin",
        "quiet_min_duration",
        "quiet_min_intervals",
        "quiet_window",
        "settings",
        "threshold_bps",
        "wrap_margin",
    )

    def __init__(self, kind: SampleKind, settings: DetectorSettings) -> None:
        """Build a detector of one kind of sample, with its settings."""
        self.kind: Final = SampleKind(kind)
        self.settings: Final = settings
        # Copied into slots: the hot path reads them on every sample.
        self.threshold_bps: Final[float] = settings.threshold_bps
        self.merge_gap: Final[float] = settings.merge_gap
        self.min_duration: Final[float] = settings.min_duration
        self.min_bytes: Final[float] = float(settings.min_bytes or 0.0)
        self.max_gap: Final[float] = settings.max_gap
        self.baseline_factor: Final = settings.baseline_factor
        self.baseline_tau: Final[float] = settings.baseline_tau
        self.wrap_margin: Final[float] = settings.wrap_margin
        self.quiet_floor: Final = settings.quiet_floor
        self.quiet_factor: Final[float] = settings.quiet_factor
        self.quiet_margin: Final[float] = settings.quiet_margin
        self.quiet_min_duration: Final[float] = settings.quiet_min_duration
        self.quiet_min_intervals: Final[int] = settings.quiet_min_intervals
        self.quiet_window: Final[float] = settings.quiet_window
        self._counter = self.kind is SampleKind.COUNTER
        # 0.0 turns the learned part of the threshold off without a branch.
        self._factor = (
            0.0 if settings.baseline_factor is None else settings.baseline_factor
        )
        self._threshold_eff = self.threshold_bps
        self._idle_bps = 0.0
        # The quiet rule off is a threshold nothing is above.
        self._quiet_eff = _INF if self.quiet_floor is None else self.quiet_floor
        # The learned baseline, 0.0 until a minute has been seen.
        self._quiet_base = 0.0
        # Finished one-minute medians, oldest first, and the minute being filled.
        self._bins: list[float] = []
        self._bins_max = max(1, round(self.quiet_window / QUIET_BIN_SECONDS))
        self._bin: list[tuple[float, float]] = []
        self._bin_time = 0.0
        self._last_t: float | None = None
        self._last_value = 0.0
        # The candidate upload: merged runs not yet known to be final.
        self._cand_end = 0.0
        self._clear_candidate()
        # Whether the interval before the last was quiet too (see _q_prev):
        # once a third follows, it is inside.
        self._q_inner = False
        self._restored: Upload | None = None
        self._restored_quiet = False
        self._samples = 0
        self._unavailable = 0
        self._gaps = 0
        self._resets = 0
        self._wraps = 0
        self._uploads = 0
        self._ignored = 0
        self._quiet_uploads = 0

    # -- reading -----------------------------------------------------------

    @property
    def threshold(self) -> float:
        """Loud threshold in force, in bytes per second."""
        return self._threshold_eff

    @property
    def quiet_threshold(self) -> float:
        """Quiet threshold in force, in bytes per second (infinite when off)."""
        return self._quiet_eff

    @property
    def run_threshold(self) -> float:
        """Rate an interval must exceed to be part of a run, in bytes per second."""
        quiet = self._quiet_eff
        loud = self._threshold_eff
        return quiet if quiet < loud else loud

    @property
    def idle_bps(self) -> float:
        """Learned idle mean of the device (loud rule), in bytes per second."""
        return self._idle_bps

    @property
    def quiet_baseline(self) -> float | None:
        """Learned idle median of the device (quiet rule), or None before a minute."""
        return self._quiet_base if self._bins else None

    @property
    def candidate_start(self) -> float | None:
        """Start of the burst being followed, counting yet or not, or None."""
        return self._cand_start

    @property
    def in_progress(self) -> float | None:
        """Start of the upload under way (already long enough to count), or None."""
        if self._cand_start is not None and self._counts()[1]:
            return self._cand_start
        return None

    @property
    def stats(self) -> DetectorStats:
        """Counters of samples, unavailable values, gaps, resets, wraps, uploads."""
        return DetectorStats(
            samples=self._samples,
            unavailable=self._unavailable,
            gaps=self._gaps,
            resets=self._resets,
            wraps=self._wraps,
            uploads=self._uploads,
            ignored=self._ignored,
            quiet_uploads=self._quiet_uploads,
        )

    # -- feeding -----------------------------------------------------------

    def add(self, t: float, value: float | None) -> list[Upload]:
        """Feed one sample; return the uploads that became final (usually none).

        ``value`` is in bytes (counter) or bytes per second (rate); None, NaN,
        infinity or a negative value mean unavailable.
        """
        self._samples += 1
        if value is None or not 0.0 <= value < _INF:
            self._unavailable += 1
            self._last_t = None
            self._q_prev = -1.0
            return self._quiet(t)
        last_t = self._last_t
        if last_t is None:
            self._last_t = t
            self._last_value = value
            self._q_prev = -1.0
            if self._restored is not None:
                return self._take_restored()
            return self._quiet(t)
        dt = t - last_t
        if not dt > 0.0:
            if dt == 0.0:
                # Same instant: a counter's change is carried into the next
                # interval, since its previous value is kept.
                return []
            # Time went backwards (or is not a number): start afresh.
            self._gaps += 1
            return self._rebase(t, value)
        if dt > self.max_gap:
            self._gaps += 1
            return self._rebase(t, value)
        if self._counter:
            delta = value - self._last_value
            if delta < 0.0:
                delta = self._wrapped(value)
                if delta < 0.0:
                    self._resets += 1
                    return self._rebase(t, value)
                self._wraps += 1
            self._last_value = value
            bps = delta / dt
        else:
            bps = value
            delta = value * dt
        self._last_t = t
        # Both decided on the thresholds in force before this interval teaches.
        loud = bps > self._threshold_eff
        quiet = bps > self._quiet_eff
        if not loud:
            idle = self._idle_bps
            idle += (bps - idle) * (dt / (self.baseline_tau + dt))
            self._idle_bps = idle
            learned = self._factor * idle
            self._threshold_eff = (
                learned if learned > self.threshold_bps else self.threshold_bps
            )
            # Teach the quiet baseline; a full minute closes its bin.
            self._bin.append((bps, dt))
            self._bin_time += dt
            if self._bin_time >= QUIET_BIN_SECONDS:
                self._close_bin()
        if loud or quiet:
            if self._cand_start is not None:
                # The run goes on, or resumes within merge_gap of the candidate's
                # end: any sample at merge_gap or more past it closed it already.
                self._peak = max(self._peak, bps)
            else:
                self._cand_start = last_t
                self._peak = bps
            self._cand_end = t
            self._bytes += delta
            if loud:
                self._loud_bytes += delta
                self._loud_active += dt
                self._loud_n += 1
            if quiet:
                # Above the baseline in force: the threshold is never below it.
                excess = bps - self._quiet_base
                self._quiet_excess += excess * dt
                self._quiet_active += dt
                self._quiet_peak = max(self._quiet_peak, excess)
                self._quiet_n += 1
                prev = self._q_prev
                if prev >= 0.0 and self._q_inner:
                    # The previous interval has quiet ones on both sides.
                    self._quiet_plateau = max(self._quiet_plateau, prev)
                self._q_inner = prev >= 0.0
                # A loud interval is the loud rule's to judge: it is a
                # neighbour, but never the quiet run's plateau.
                self._q_prev = 0.0 if loud else excess
            else:
                self._q_prev = -1.0
            return []
        self._q_prev = -1.0
        if self._cand_start is not None and t - self._cand_end >= self.merge_gap:
            return self._finish()
        return []

    def flush(self, now: float) -> list[Upload]:
        """Return the upload under way if nothing above threshold for merge_gap."""
        out: list[Upload] = []
        if self._restored is not None:
            out = self._take_restored()
        if self._cand_start is not None and now - self._cand_end >= self.merge_gap:
            out.extend(self._finish())
        return out

    def reset_baseline(self) -> None:
        """Make the next sample a baseline only (call it when the unit changed).

        Learned idle rates are kept: they are in bytes per second, whatever
        unit the sensor reports in.
        """
        self._last_t = None

    # -- persistence -------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Return a JSON-serialisable snapshot: settings and learned state.

        The minute of idle traffic being learned is not kept: a restart loses
        less than a minute of learning.
        """
        candidate: dict[str, float | int | bool] | None = None
        if self._cand_start is not None:
            candidate = {
                "start": self._cand_start,
                "end": self._cand_end,
                "bytes": self._bytes,
                "peak_bps": self._peak,
                "loud_bytes": self._loud_bytes,
                "active": self._loud_active,
                "intervals": self._loud_n,
                "quiet_excess": self._quiet_excess,
                "quiet_active": self._quiet_active,
                "quiet_peak": self._quiet_peak,
                "quiet_plateau": self._quiet_plateau,
                "quiet_intervals": self._quiet_n,
                "final": False,
            }
        elif self._restored is not None:
            restored = self._restored
            candidate = {
                "start": restored.start,
                "end": restored.end,
                "bytes": restored.bytes,
                "peak_bps": restored.peak_bps,
                "loud_bytes": 0.0,
                "active": 0.0,
                "intervals": 0,
                "quiet_excess": 0.0,
                "quiet_active": 0.0,
                "quiet_peak": 0.0,
                "quiet_plateau": 0.0,
                "quiet_intervals": 0,
                "quiet_only": self._restored_quiet,
                "final": True,
            }
        return {
            "version": STATE_VERSION,
            "config": {"kind": self.kind.value, **self.settings.as_dict()},
            "idle_bps": self._idle_bps,
            "quiet_bins": list(self._bins),
            "stats": {
                field.name: getattr(self, f"_{field.name}")
                for field in fields(DetectorStats)
            },
            "candidate": candidate,
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> UploadDetector:
        """Rebuild a detector from ``state()``; its next sample is a baseline.

        Settings a version 1 state does not hold take their defaults.
        """
        config = data["config"]
        detector = cls(SampleKind(config["kind"]), DetectorSettings.from_dict(config))
        detector.restore(data)
        return detector

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load learned state from ``state()`` into a detector built with new settings.

        An upload that was under way is final: a restart takes longer than any
        sensible merge gap. It is returned by the next ``add`` or ``flush``.
        Unknown versions and malformed parts are ignored. A version 1 state
        (from before the quiet rule) has no quiet baseline, which is then
        learned afresh, and its candidate's intervals were all loud.
        """
        if data.get("version") not in _READABLE_VERSIONS:
            return
        self._last_t = None
        self._restored = None
        self._restored_quiet = False
        if self._cand_start is not None:
            self._clear_candidate()
        self._bin = []
        self._bin_time = 0.0
        idle = data.get("idle_bps")
        if isinstance(idle, int | float) and 0.0 <= idle < _INF:
            self._idle_bps = float(idle)
            self._threshold_eff = max(self._factor * self._idle_bps, self.threshold_bps)
        bins = data.get("quiet_bins")
        if isinstance(bins, list) and all(
            isinstance(b, int | float) and 0.0 <= b < _INF for b in bins
        ):
            self._bins = [float(b) for b in bins[-self._bins_max :]]
            self._update_quiet()
        stats = data.get("stats")
        if isinstance(stats, Mapping):
            for field in fields(DetectorStats):
                count = stats.get(field.name)
                if isinstance(count, int) and count >= 0:
                    setattr(self, f"_{field.name}", count)
        cand = data.get("candidate")
        if not isinstance(cand, Mapping):
            return
        try:
            start = float(cand["start"])
            end = float(cand["end"])
            nbytes = float(cand["bytes"])
            peak = float(cand["peak_bps"])
            active = float(cand["active"])
            intervals = int(cand["intervals"])
            final = bool(cand["final"])
            # Before the quiet rule, every interval of a candidate was loud.
            loud_bytes = float(cand.get("loud_bytes", nbytes))
            quiet = (
                float(cand.get("quiet_excess", 0.0)),
                float(cand.get("quiet_active", 0.0)),
                float(cand.get("quiet_peak", 0.0)),
                float(cand.get("quiet_plateau", 0.0)),
                int(cand.get("quiet_intervals", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return
        if not 0.0 <= nbytes < _INF:
            return
        if final:
            self._restored = Upload(start, end, int(nbytes), peak)
            self._restored_quiet = cand.get("quiet_only") is True
        elif self._loud_qualifies(loud_bytes, active, intervals):
            self._restored = Upload(start, end, int(nbytes), peak)
        elif self._quiet_qualifies(*quiet):
            self._restored = Upload(start, end, int(nbytes), peak)
            self._restored_quiet = True
        else:
            self._ignored += 1

    # -- internals ---------------------------------------------------------

    def _loud_qualifies(self, nbytes: float, active: float, intervals: int) -> bool:
        return intervals >= 1 and (
            nbytes >= self.min_bytes or (intervals >= 2 and active >= self.min_duration)
        )

    def _quiet_qualifies(
        self, excess: float, active: float, peak: float, plateau: float, n: int
    ) -> bool:
        if n < self.quiet_min_intervals:
            return False
        # Seconds of sending at the plateau's excess rate, at most the run's.
        rate = plateau if plateau > 0.0 else peak
        seconds = min(excess / rate, active) if rate > 0.0 else 0.0
        return seconds >= self.quiet_min_duration

    def _counts(self) -> tuple[bool, bool]:
        """Whether the candidate counts by the loud rule, and by either rule."""
        loud = self._loud_qualifies(self._loud_bytes, self._loud_active, self._loud_n)
        return loud, loud or self._quiet_qualifies(
            self._quiet_excess,
            self._quiet_active,
            self._quiet_peak,
            self._quiet_plateau,
            self._quiet_n,
        )

    def _close_bin(self) -> None:
        """Keep the median of a minute below the loud threshold; drop the oldest."""
        self._bins.append(_weighted_median(self._bin))
        if len(self._bins) > self._bins_max:
            del self._bins[0]
        self._bin = []
        self._bin_time = 0.0
        self._update_quiet()

    def _update_quiet(self) -> None:
        floor = self.quiet_floor
        if floor is None:
            return
        if not self._bins:
            self._quiet_base = 0.0
            self._quiet_eff = floor
            return
        base = self._quiet_base = _median(self._bins)
        self._quiet_eff = max(floor, self.quiet_factor * base, base + self.quiet_margin)

    def _finish(self) -> list[Upload]:
        """Close the candidate; return it if it counts as an upload."""
        start = self._cand_start
        assert start is not None
        out: list[Upload] = []
        loud, counts = self._counts()
        if counts:
            self._uploads += 1
            if not loud:
                self._quiet_uploads += 1
            out.append(Upload(start, self._cand_end, int(self._bytes), self._peak))
        else:
            self._ignored += 1
        self._clear_candidate()
        return out

    def _clear_candidate(self) -> None:
        self._cand_start = None
        self._bytes = 0.0
        self._peak = 0.0
        self._loud_bytes = 0.0
        self._loud_active = 0.0
        self._loud_n = 0
        self._quiet_excess = 0.0
        self._quiet_active = 0.0
        self._quiet_peak = 0.0
        self._quiet_plateau = 0.0
        self._quiet_n = 0
        # The last interval's excess if it was quiet (0.0 if also loud, -1.0 if
        # not quiet). Nothing before a closed candidate is a neighbour of the
        # next one.
        self._q_prev = -1.0

    def _take_restored(self) -> list[Upload]:
        upload = self._restored
        assert upload is not None
        self._restored = None
        self._uploads += 1
        if self._restored_quiet:
            self._restored_quiet = False
            self._quiet_uploads += 1
        return [upload]

    def _quiet(self, t: float) -> list[Upload]:
        """Close the candidate if ``t`` is merge_gap or more past its end."""
        if self._cand_start is not None:
            gap = t - self._cand_end
            # A negative gap means the clock went backwards: nothing can merge.
            if gap >= self.merge_gap or gap < 0.0:
                return self._finish()
        return []

    def _rebase(self, t: float, value: float) -> list[Upload]:
        """Make this sample a baseline and skip the interval that ended at it."""
        self._last_t = t
        self._last_value = value
        self._q_prev = -1.0
        return self._quiet(t)

    def _wrapped(self, value: float) -> float:
        """Return the delta across a wrap, or -1.0 when the drop is a reset."""
        last = self._last_value
        for boundary in COUNTER_BOUNDARIES:
            if last < boundary:
                delta = boundary - last + value
                if delta <= boundary * self.wrap_margin:
                    return delta
                return -1.0
        return -1.0
