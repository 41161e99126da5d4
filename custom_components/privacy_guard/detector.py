"""Detect voice uploads in a speaker's traffic figures.

Pure logic with no Home Assistant imports, so it is tested and benchmarked alone.

The rule follows Dubois et al., "When Speakers Are All Ears" (PETS 2020): an
upload is a run of time during which the bytes a device sends per second stay
above a per-device threshold. Their per-device figures are kept as defaults in
``PROFILE_THRESHOLDS``; because they were fitted on one testbed, the detector
also looks at how long a run lasts (a keep-alive is one isolated burst, a voice
upload lasts seconds) and at the device's own idle traffic.

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

DEFAULT_MERGE_GAP: Final = 2.0
DEFAULT_MIN_DURATION: Final = 1.0
DEFAULT_MAX_GAP: Final = 120.0
DEFAULT_BASELINE_FACTOR: Final = 4.0
DEFAULT_BASELINE_TAU: Final = 300.0
# A run made of one sample interval counts only if it carries at least this many
# seconds' worth of bytes at the threshold rate (see ``min_bytes``).
DEFAULT_MIN_BYTES_SECONDS: Final = 3.0
# A drop is read as a wrap only when the wrapped delta is at most this share of
# the counter's range; beyond it a reset is the likelier story.
DEFAULT_WRAP_MARGIN: Final = 1 / 64
COUNTER_BOUNDARIES: Final = (float(2**32), float(2**64))

STATE_VERSION: Final = 1

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
    """A finished upload: when it ran, bytes sent above threshold, peak rate."""

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
    backwards; ``ignored`` counts runs too short or small to be uploads.
    """

    samples: int = 0
    unavailable: int = 0
    gaps: int = 0
    resets: int = 0
    wraps: int = 0
    uploads: int = 0
    ignored: int = 0


class UploadDetector:
    """Turn irregular traffic samples of one device into uploads.

    Each interval between two samples has a rate in bytes per second. A run is
    a stretch of consecutive intervals above the threshold; runs separated by
    less than ``merge_gap`` seconds of quieter traffic form one upload. The
    upload's bytes are those of its above-threshold intervals only: the quiet
    seconds inside it look like background traffic and are not counted.

    The threshold in force is the larger of ``threshold_bps`` and
    ``baseline_factor`` times the device's idle rate, learned as a time-weighted
    moving average (time constant ``baseline_tau``) of the rates of intervals
    below the threshold in force. ``baseline_factor=None`` keeps the threshold
    fixed.

    An upload counts when it carries at least ``min_bytes``, or when it spans
    two or more intervals above the threshold for ``min_duration`` seconds or
    more in total. One interval alone never shows how long the traffic lasted,
    however long the interval, so it counts only through ``min_bytes``; that
    way one isolated second (a keep-alive) is not an upload at 1 Hz sampling,
    while a slowly polled sensor (whose one interval above the threshold holds
    many seconds of bytes) still reports. ``min_bytes`` defaults to three
    seconds at ``threshold_bps``; set it to 0 to count every run.

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

    __slots__ = (
        "_above_n",
        "_active",
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
        "_peak",
        "_resets",
        "_restored",
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
        "threshold_bps",
        "wrap_margin",
    )

    def __init__(
        self,
        kind: SampleKind,
        threshold_bps: float,
        *,
        merge_gap: float = DEFAULT_MERGE_GAP,
        min_duration: float = DEFAULT_MIN_DURATION,
        min_bytes: float | None = None,
        max_gap: float = DEFAULT_MAX_GAP,
        baseline_factor: float | None = DEFAULT_BASELINE_FACTOR,
        baseline_tau: float = DEFAULT_BASELINE_TAU,
        wrap_margin: float = DEFAULT_WRAP_MARGIN,
    ) -> None:
        if not 0.0 <= threshold_bps < _INF:
            raise ValueError(f"threshold_bps must be finite and >= 0: {threshold_bps}")
        if not 0.0 <= merge_gap < _INF:
            raise ValueError(f"merge_gap must be finite and >= 0: {merge_gap}")
        if not 0.0 <= min_duration < _INF:
            raise ValueError(f"min_duration must be finite and >= 0: {min_duration}")
        if not 0.0 < max_gap < _INF:
            raise ValueError(f"max_gap must be finite and > 0: {max_gap}")
        if min_bytes is not None and not 0.0 <= min_bytes < _INF:
            raise ValueError(f"min_bytes must be finite and >= 0: {min_bytes}")
        if baseline_factor is not None and not 0.0 <= baseline_factor < _INF:
            raise ValueError(f"baseline_factor must be >= 0: {baseline_factor}")
        if not 0.0 < baseline_tau < _INF:
            raise ValueError(f"baseline_tau must be finite and > 0: {baseline_tau}")
        if not 0.0 <= wrap_margin <= 1.0:
            raise ValueError(f"wrap_margin must be within [0, 1]: {wrap_margin}")
        self.kind: Final = SampleKind(kind)
        self.threshold_bps: Final = float(threshold_bps)
        self.merge_gap: Final = float(merge_gap)
        self.min_duration: Final = float(min_duration)
        self.min_bytes: Final = float(
            DEFAULT_MIN_BYTES_SECONDS * threshold_bps
            if min_bytes is None
            else min_bytes
        )
        self.max_gap: Final = float(max_gap)
        self.baseline_factor: Final = baseline_factor
        self.baseline_tau: Final = float(baseline_tau)
        self.wrap_margin: Final = float(wrap_margin)
        self._counter = self.kind is SampleKind.COUNTER
        # 0.0 turns the learned part of the threshold off without a branch.
        self._factor = 0.0 if baseline_factor is None else float(baseline_factor)
        self._threshold_eff = self.threshold_bps
        self._idle_bps = 0.0
        self._last_t: float | None = None
        self._last_value = 0.0
        # The candidate upload: merged runs not yet known to be final.
        self._cand_start: float | None = None
        self._cand_end = 0.0
        self._bytes = 0.0
        self._peak = 0.0
        self._active = 0.0
        self._above_n = 0
        self._restored: Upload | None = None
        self._samples = 0
        self._unavailable = 0
        self._gaps = 0
        self._resets = 0
        self._wraps = 0
        self._uploads = 0
        self._ignored = 0

    # -- reading -----------------------------------------------------------

    @property
    def threshold(self) -> float:
        """Threshold in force, in bytes per second."""
        return self._threshold_eff

    @property
    def idle_bps(self) -> float:
        """Learned idle rate of the device, in bytes per second."""
        return self._idle_bps

    @property
    def in_progress(self) -> float | None:
        """Start of the upload under way (already long enough to count), or None."""
        if self._cand_start is not None and self._qualifies(
            self._bytes, self._active, self._above_n
        ):
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
            return self._quiet(t)
        last_t = self._last_t
        if last_t is None:
            self._last_t = t
            self._last_value = value
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
        if bps > self._threshold_eff:
            if self._cand_start is not None:
                # The run goes on, or resumes within merge_gap of the candidate's
                # end: any sample at merge_gap or more past it closed it already.
                self._peak = max(self._peak, bps)
            else:
                self._cand_start = last_t
                self._peak = bps
            self._cand_end = t
            self._bytes += delta
            self._active += dt
            self._above_n += 1
            return []
        idle = self._idle_bps
        idle += (bps - idle) * (dt / (self.baseline_tau + dt))
        self._idle_bps = idle
        learned = self._factor * idle
        self._threshold_eff = (
            learned if learned > self.threshold_bps else self.threshold_bps
        )
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
        """Make the next sample a baseline only (call it when the unit changed)."""
        self._last_t = None

    # -- persistence -------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Return a JSON-serialisable snapshot: settings and learned state."""
        candidate: dict[str, float | int | bool] | None = None
        if self._cand_start is not None:
            candidate = {
                "start": self._cand_start,
                "end": self._cand_end,
                "bytes": self._bytes,
                "peak_bps": self._peak,
                "active": self._active,
                "intervals": self._above_n,
                "final": False,
            }
        elif self._restored is not None:
            restored = self._restored
            candidate = {
                "start": restored.start,
                "end": restored.end,
                "bytes": restored.bytes,
                "peak_bps": restored.peak_bps,
                "active": 0.0,
                "intervals": 0,
                "final": True,
            }
        return {
            "version": STATE_VERSION,
            "config": {
                "kind": self.kind.value,
                "threshold_bps": self.threshold_bps,
                "merge_gap": self.merge_gap,
                "min_duration": self.min_duration,
                "min_bytes": self.min_bytes,
                "max_gap": self.max_gap,
                "baseline_factor": self.baseline_factor,
                "baseline_tau": self.baseline_tau,
                "wrap_margin": self.wrap_margin,
            },
            "idle_bps": self._idle_bps,
            "stats": {
                "samples": self._samples,
                "unavailable": self._unavailable,
                "gaps": self._gaps,
                "resets": self._resets,
                "wraps": self._wraps,
                "uploads": self._uploads,
                "ignored": self._ignored,
            },
            "candidate": candidate,
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> UploadDetector:
        """Rebuild a detector from ``state()``; its next sample is a baseline."""
        config = data["config"]
        detector = cls(
            SampleKind(config["kind"]),
            config["threshold_bps"],
            merge_gap=config["merge_gap"],
            min_duration=config["min_duration"],
            min_bytes=config["min_bytes"],
            max_gap=config["max_gap"],
            baseline_factor=config["baseline_factor"],
            baseline_tau=config["baseline_tau"],
            wrap_margin=config["wrap_margin"],
        )
        detector.restore(data)
        return detector

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load learned state from ``state()`` into a detector built with new settings.

        An upload that was under way is final: a restart takes longer than any
        sensible merge gap. It is returned by the next ``add`` or ``flush``.
        Unknown versions and malformed parts are ignored.
        """
        if data.get("version") != STATE_VERSION:
            return
        self._last_t = None
        self._restored = None
        if self._cand_start is not None:
            self._clear_candidate()
        idle = data.get("idle_bps")
        if isinstance(idle, int | float) and 0.0 <= idle < _INF:
            self._idle_bps = float(idle)
            self._threshold_eff = max(self._factor * self._idle_bps, self.threshold_bps)
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
        except (KeyError, TypeError, ValueError):
            return
        if not 0.0 <= nbytes < _INF:
            return
        if final or self._qualifies(nbytes, active, intervals):
            self._restored = Upload(start, end, int(nbytes), peak)
        else:
            self._ignored += 1

    # -- internals ---------------------------------------------------------

    def _qualifies(self, nbytes: float, active: float, intervals: int) -> bool:
        return nbytes >= self.min_bytes or (
            intervals >= 2 and active >= self.min_duration
        )

    def _finish(self) -> list[Upload]:
        """Close the candidate; return it if it counts as an upload."""
        start = self._cand_start
        assert start is not None
        out: list[Upload] = []
        if self._qualifies(self._bytes, self._active, self._above_n):
            self._uploads += 1
            out.append(Upload(start, self._cand_end, int(self._bytes), self._peak))
        else:
            self._ignored += 1
        self._clear_candidate()
        return out

    def _clear_candidate(self) -> None:
        self._cand_start = None
        self._bytes = 0.0
        self._peak = 0.0
        self._active = 0.0
        self._above_n = 0

    def _take_restored(self) -> list[Upload]:
        upload = self._restored
        assert upload is not None
        self._restored = None
        self._uploads += 1
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
