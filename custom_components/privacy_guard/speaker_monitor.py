"""One speaker's upload counters and its traffic detector, as kept and shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import math
from typing import Any

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import (
    State,
)
import homeassistant.util.dt as dt_util

from .correlate import VerdictKind
from .detector import UploadDetector
from .detector_types import (
    DEFAULT_MAX_GAP,
    PROFILE_THRESHOLDS,
    DetectorSettings,
    SpeakerProfile,
    Upload,
    unit_to_bytes,
)
from .models import SpeakerConfig

COUNTERS: tuple[str, ...] = (
    "uploads",
    "bytes",
    "unsolicited",
    "leaks",
    "requested",
    "misactivations",
    "silent",
    "voice_records",
    "dns_lookups",
)


@dataclass(slots=True)
class UploadStats:
    """The counters of one speaker, kept across restarts.

    ``unsolicited`` counts every upload nobody was seen to ask for
    (misactivations, silent uploads, and those without any witness), as it
    always has; ``requested``, ``misactivations`` and ``silent`` split it up.
    ``last_leak`` is when the last leak ended (epoch seconds): whether the
    speaker leaked while guarded is that against the engagement's start.
    """

    uploads: int = 0
    bytes: int = 0
    unsolicited: int = 0
    leaks: int = 0
    requested: int = 0
    misactivations: int = 0
    silent: int = 0
    voice_records: int = 0
    dns_lookups: int = 0
    last_upload: datetime | None = None
    last_leak: float | None = None

    def count(self, kind: VerdictKind, end: float) -> None:
        """Count the verdict of one upload that ended at ``end``."""
        if kind is VerdictKind.LEAK:
            self.leaks += 1
            self.last_leak = end
        elif kind is VerdictKind.REQUESTED:
            self.requested += 1
        else:
            self.unsolicited += 1
            if kind is VerdictKind.MISACTIVATION:
                self.misactivations += 1
            elif kind is VerdictKind.SILENT:
                self.silent += 1

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form."""
        return {
            **{key: getattr(self, key) for key in COUNTERS},
            "last_upload": self.last_upload.isoformat() if self.last_upload else None,
            "last_leak": self.last_leak,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UploadStats:
        """Build counters from their stored form; damaged values start at zero.

        Counters stored before verdicts told requests apart keep their meaning:
        their "unsolicited" counted leaks too, which are taken out of it; what
        was "solicited" then (every other upload) is counted as requested;
        misactivations and silent uploads start at 0, as nobody can split the
        old unsolicited ones after the fact. (Counters stored before the last
        leak had its time have none: the ledger keeps such a leak.)
        """

        def count(key: str) -> int:
            value = data.get(key, 0)
            return value if isinstance(value, int) and value >= 0 else 0

        last = data.get("last_upload")
        stats = cls(
            **{key: count(key) for key in COUNTERS},
            last_upload=dt_util.parse_datetime(last) if isinstance(last, str) else None,
        )
        leak = data.get("last_leak")
        if isinstance(leak, int | float) and leak >= 0.0:
            stats.last_leak = float(leak)
        if "requested" not in data:
            stats.unsolicited = max(0, stats.unsolicited - stats.leaks)
            stats.requested = max(0, stats.uploads - stats.unsolicited - stats.leaks)
        return stats


class SpeakerMonitor:
    """Traffic and wake-word activity of one speaker."""

    def __init__(self, config: SpeakerConfig) -> None:
        """Prepare the monitor; the detector is made at the first sample."""
        self.config = config
        self.stats = UploadStats()
        self.detector: UploadDetector | None = None
        self.unit: str | None = None
        self.wake_active = False
        self._saved_detector: dict[str, Any] | None = None
        # Since when its traffic sensor has been read without a break (no
        # unavailable or unreadable sample, no gap over DEFAULT_MAX_GAP), and
        # when last: what a DNS-only block's protection rests on.
        self.watched_since: float | None = None
        self.last_watched: float | None = None

    def witnessed(self, since: float, now: float) -> bool:
        """Return whether the traffic sensor watched it from ``since`` to now.

        A first reading up to one gap after ``since`` counts (a sensor reports
        on its own time); any break since then does not, until the next
        engagement.
        """
        return (
            self.watched_since is not None
            and self.last_watched is not None
            and self.watched_since <= since + DEFAULT_MAX_GAP
            and 0.0 <= now - self.last_watched <= DEFAULT_MAX_GAP
        )

    def _watch(self, t: float, readable: bool) -> None:
        last = self.last_watched
        if not readable:
            self.watched_since = self.last_watched = None
            return
        if last is None or not 0.0 <= t - last <= DEFAULT_MAX_GAP:
            self.watched_since = t
        self.last_watched = t

    @property
    def threshold(self) -> float:
        """Return the burst threshold in bytes per second."""
        if self.config.threshold:
            return self.config.threshold
        try:
            profile = SpeakerProfile(self.config.profile)
        except ValueError:
            profile = SpeakerProfile.OTHER
        return PROFILE_THRESHOLDS[profile]

    def sample(self, state: State, when: datetime) -> list[Upload]:
        """Feed one traffic state; return the uploads it finished."""
        t = when.timestamp()
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        conversion = unit_to_bytes(unit if isinstance(unit, str) else None)
        try:
            value: float | None = float(state.state)
        except ValueError:
            value = None
        readable = value is not None and math.isfinite(value) and value >= 0.0
        self._watch(t, conversion is not None and readable)
        if conversion is None:
            if self.detector is None:
                return []
            # No unit we understand: like an unavailable sample.
            return self.detector.add(t, None)
        kind, factor = conversion
        if self.detector is None or self.detector.kind is not kind:
            self.detector = UploadDetector(kind, DetectorSettings(self.threshold))
            saved = self._saved_detector
            config = saved.get("config") if saved is not None else None
            # Only a detector of the same kind (counter or rate) carries on.
            if (
                saved is not None
                and isinstance(config, dict)
                and config.get("kind") == kind.value
            ):
                self.detector.restore(saved)
            self._saved_detector = None
            self.unit = unit if isinstance(unit, str) else None
        elif unit != self.unit:
            # A counter's next delta across a unit change means nothing.
            self.unit = unit if isinstance(unit, str) else None
            self.detector.reset_baseline()
        return self.detector.add(t, None if value is None else value * factor)

    def flush(self, now: float) -> list[Upload]:
        """Return uploads that ended long enough ago to be final."""
        return self.detector.flush(now) if self.detector else []

    def as_dict(self) -> dict[str, Any]:
        """Return counters and detector state, as stored."""
        detector = self.detector.state() if self.detector else self._saved_detector
        return {"stats": self.stats.as_dict(), "detector": detector}

    def load(self, data: dict[str, Any]) -> None:
        """Take stored counters and detector state."""
        self.stats = UploadStats.from_dict(data.get("stats") or {})
        detector = data.get("detector")
        self._saved_detector = detector if isinstance(detector, dict) else None
