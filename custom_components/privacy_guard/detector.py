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

from collections.abc import Mapping
from dataclasses import fields
import math
from typing import Any, Final

from .detector_baseline import QuietBaseline
from .detector_candidate import Candidate
from .detector_types import (
    COUNTER_BOUNDARIES,
    QUIET_BIN_SECONDS,
    DetectorSettings,
    DetectorStats,
    SampleKind,
    Upload,
)

STATE_VERSION: Final = 2
# Version 1 was written before the quiet rule: no baseline, loud runs only.
_READABLE_VERSIONS: Final = frozenset({1, 2})

_INF: Final = math.inf


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

    __slots__ = (
        "_baseline",
        "_cand",
        "_cand_end",
        "_counter",
        "_factor",
        "_gaps",
        "_idle_bps",
        "_ignored",
        "_last_t",
        "_last_value",
        "_max_gap",
        "_merge_gap",
        "_minute",
        "_minute_time",
        "_q_inner",
        "_q_prev",
        "_quiet_base",
        "_quiet_eff",
        "_quiet_uploads",
        "_resets",
        "_restored",
        "_samples",
        "_tau",
        "_threshold",
        "_threshold_eff",
        "_unavailable",
        "_uploads",
        "_wrap_margin",
        "_wraps",
        "kind",
        "settings",
    )

    def __init__(self, kind: SampleKind, settings: DetectorSettings) -> None:
        """Build a detector of one kind of sample, with its settings."""
        self.kind: Final = SampleKind(kind)
        self.settings: Final = settings
        # Copied into slots: the hot path reads them on every sample.
        self._threshold = settings.threshold_bps
        self._merge_gap = settings.merge_gap
        self._max_gap = settings.max_gap
        self._tau = settings.baseline_tau
        self._wrap_margin = settings.wrap_margin
        self._counter = self.kind is SampleKind.COUNTER
        # 0.0 turns the learned part of the threshold off without a branch.
        self._factor = (
            0.0 if settings.baseline_factor is None else settings.baseline_factor
        )
        self._threshold_eff = self._threshold
        self._idle_bps = 0.0
        self._baseline = QuietBaseline(settings)
        # The minute of intervals below the loud threshold being gathered.
        self._minute: list[tuple[float, float]] = []
        self._minute_time = 0.0
        # The baseline's figures in force, copied for the hot path.
        self._quiet_eff = self._baseline.threshold
        self._quiet_base = self._baseline.base
        self._last_t: float | None = None
        self._last_value = 0.0
        # The candidate upload: merged runs not yet known to be final; its end
        # is kept here too, read on every sample.
        self._cand: Candidate | None = None
        self._cand_end = 0.0
        # The last interval's excess if it was quiet (0.0 if also loud, -1.0 if
        # not quiet), and whether the one before was quiet too: once a third
        # follows, it is inside. Nothing before a closed candidate is a
        # neighbour of the next one.
        self._q_prev = -1.0
        self._q_inner = False
        # An upload read from a saved state, returned by the next add or flush.
        self._restored: Candidate | None = None
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
        return self._quiet_base if self._baseline.learned else None

    @property
    def candidate_start(self) -> float | None:
        """Start of the burst being followed, counting yet or not, or None."""
        return None if self._cand is None else self._cand.start

    @property
    def in_progress(self) -> float | None:
        """Start of the upload under way (already long enough to count), or None."""
        cand = self._cand
        if cand is not None and cand.counts(self.settings)[1]:
            return cand.start
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
        if dt > self._max_gap:
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
            idle += (bps - idle) * (dt / (self._tau + dt))
            self._idle_bps = idle
            learned = self._factor * idle
            self._threshold_eff = (
                learned if learned > self._threshold else self._threshold
            )
            # Gather a minute for the quiet baseline (gathered here: a call on
            # every sample would cost more than the rest of the quiet rule).
            self._minute.append((bps, dt))
            self._minute_time += dt
            if self._minute_time >= QUIET_BIN_SECONDS:
                self._learn_minute()
        if loud or quiet:
            cand = self._cand
            if cand is None:
                cand = self._cand = Candidate(last_t, t, peak_bps=bps)
            elif bps > cand.peak_bps:
                # The run goes on, or resumes within merge_gap of the
                # candidate's end: any sample at merge_gap or more past it
                # closed it already.
                cand.peak_bps = bps
            self._cand_end = cand.end = t
            cand.bytes += delta
            if loud:
                cand.loud_bytes += delta
                cand.loud_active += dt
                cand.loud_intervals += 1
            if quiet:
                # Above the baseline in force: the threshold is never below it.
                excess = bps - self._quiet_base
                cand.quiet_excess += excess * dt
                cand.quiet_active += dt
                cand.quiet_peak = max(cand.quiet_peak, excess)
                cand.quiet_intervals += 1
                prev = self._q_prev
                if prev >= 0.0 and self._q_inner and prev > cand.quiet_plateau:
                    # The previous interval has quiet ones on both sides.
                    cand.quiet_plateau = prev
                self._q_inner = prev >= 0.0
                # A loud interval is the loud rule's to judge: it is a
                # neighbour, but never the quiet run's plateau.
                self._q_prev = 0.0 if loud else excess
            else:
                self._q_prev = -1.0
            return []
        self._q_prev = -1.0
        if self._cand is not None and t - self._cand_end >= self._merge_gap:
            return self._finish()
        return []

    def flush(self, now: float) -> list[Upload]:
        """Return the upload under way if nothing above threshold for merge_gap."""
        out: list[Upload] = []
        if self._restored is not None:
            out = self._take_restored()
        if self._cand is not None and now - self._cand_end >= self._merge_gap:
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
        candidate = self._cand if self._cand is not None else self._restored
        return {
            "version": STATE_VERSION,
            "config": {"kind": self.kind.value, **self.settings.as_dict()},
            "idle_bps": self._idle_bps,
            "quiet_bins": self._baseline.minutes,
            "stats": {
                field.name: getattr(self, f"_{field.name}")
                for field in fields(DetectorStats)
            },
            "candidate": None if candidate is None else candidate.as_dict(),
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
        self._cand = None
        self._q_prev = -1.0
        self._minute = []
        self._minute_time = 0.0
        idle = data.get("idle_bps")
        if isinstance(idle, int | float) and 0.0 <= idle < _INF:
            self._idle_bps = float(idle)
            self._threshold_eff = max(self._factor * self._idle_bps, self._threshold)
        self._baseline.restore(data.get("quiet_bins"))
        self._quiet_eff = self._baseline.threshold
        self._quiet_base = self._baseline.base
        stats = data.get("stats")
        if isinstance(stats, Mapping):
            for field in fields(DetectorStats):
                count = stats.get(field.name)
                if isinstance(count, int) and count >= 0:
                    setattr(self, f"_{field.name}", count)
        stored = data.get("candidate")
        if not isinstance(stored, Mapping):
            return
        cand = Candidate.from_dict(stored)
        if cand is None:
            return
        if not cand.final:
            loud, counts = cand.counts(self.settings)
            if not counts:
                self._ignored += 1
                return
            cand.final = True
            cand.quiet_only = not loud
        self._restored = cand

    # -- internals ---------------------------------------------------------

    def _learn_minute(self) -> None:
        """Hand the minute gathered to the baseline; take its new figures."""
        baseline = self._baseline
        baseline.learn(self._minute)
        self._minute = []
        self._minute_time = 0.0
        self._quiet_eff = baseline.threshold
        self._quiet_base = baseline.base

    def _finish(self) -> list[Upload]:
        """Close the candidate; return it if it counts as an upload."""
        cand = self._cand
        assert cand is not None
        self._cand = None
        self._q_prev = -1.0
        loud, counts = cand.counts(self.settings)
        if not counts:
            self._ignored += 1
            return []
        self._uploads += 1
        if not loud:
            self._quiet_uploads += 1
        return [cand.upload()]

    def _take_restored(self) -> list[Upload]:
        cand = self._restored
        assert cand is not None
        self._restored = None
        self._uploads += 1
        if cand.quiet_only:
            self._quiet_uploads += 1
        return [cand.upload()]

    def _quiet(self, t: float) -> list[Upload]:
        """Close the candidate if ``t`` is merge_gap or more past its end."""
        if self._cand is not None:
            gap = t - self._cand_end
            # A negative gap means the clock went backwards: nothing can merge.
            if gap >= self._merge_gap or gap < 0.0:
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
                if delta <= boundary * self._wrap_margin:
                    return delta
                return -1.0
        return -1.0
