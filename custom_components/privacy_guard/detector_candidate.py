"""A burst the upload detector follows: what it sent, and whether it counts.

Pure, with no Home Assistant imports, like the detector (``detector.py``),
which feeds a candidate's fields on its hot path and asks it, once the burst
is over, whether it was an upload. A candidate also writes and reads itself in
the detector's saved state, so an upload under way survives a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
from typing import Any

from .detector_types import DetectorSettings, Upload


@dataclass(slots=True)
class Candidate:
    """Merged runs of loud or quiet intervals not yet known to be final.

    ``bytes`` and ``peak_bps`` cover the whole candidate; the ``loud_*``
    fields its loud intervals (the loud rule's evidence), the ``quiet_*`` ones
    its quiet intervals, with ``quiet_excess`` the bytes above the learned
    baseline and ``quiet_plateau`` the largest excess of a quiet interval that
    is not loud and has quiet intervals on both sides. ``final`` marks one
    restored from a saved state: it is an upload already judged, to be
    returned as it is (``quiet_only`` when only the quiet rule found it).
    """

    start: float
    end: float
    bytes: float = 0.0
    peak_bps: float = 0.0
    loud_bytes: float = 0.0
    loud_active: float = 0.0
    loud_intervals: int = 0
    quiet_excess: float = 0.0
    quiet_active: float = 0.0
    quiet_peak: float = 0.0
    quiet_plateau: float = 0.0
    quiet_intervals: int = 0
    final: bool = False
    quiet_only: bool = False

    def loud_counts(self, settings: DetectorSettings) -> bool:
        """Whether the loud rule counts it (see ``UploadDetector``)."""
        return self.loud_intervals >= 1 and (
            self.loud_bytes >= (settings.min_bytes or 0.0)
            or (self.loud_intervals >= 2 and self.loud_active >= settings.min_duration)
        )

    def quiet_counts(self, settings: DetectorSettings) -> bool:
        """Whether the quiet rule counts it (see ``UploadDetector``)."""
        if self.quiet_intervals < settings.quiet_min_intervals:
            return False
        # Seconds of sending at the plateau's excess rate, at most the run's.
        rate = self.quiet_plateau if self.quiet_plateau > 0.0 else self.quiet_peak
        seconds = (
            min(self.quiet_excess / rate, self.quiet_active) if rate > 0.0 else 0.0
        )
        return seconds >= settings.quiet_min_duration

    def counts(self, settings: DetectorSettings) -> tuple[bool, bool]:
        """Whether it counts by the loud rule, and by either rule."""
        loud = self.loud_counts(settings)
        return loud, loud or self.quiet_counts(settings)

    def upload(self) -> Upload:
        """Return it as an upload."""
        return Upload(self.start, self.end, int(self.bytes), self.peak_bps)

    def as_dict(self) -> dict[str, float | int | bool]:
        """Return the stored form (a final one keeps only its upload)."""
        if self.final:
            return {
                "start": self.start,
                "end": self.end,
                "bytes": int(self.bytes),
                "peak_bps": self.peak_bps,
                **_EMPTY,
                "quiet_only": self.quiet_only,
                "final": True,
            }
        return {
            "start": self.start,
            "end": self.end,
            "bytes": self.bytes,
            "peak_bps": self.peak_bps,
            "loud_bytes": self.loud_bytes,
            "active": self.loud_active,
            "intervals": self.loud_intervals,
            "quiet_excess": self.quiet_excess,
            "quiet_active": self.quiet_active,
            "quiet_peak": self.quiet_peak,
            "quiet_plateau": self.quiet_plateau,
            "quiet_intervals": self.quiet_intervals,
            "final": False,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate | None:
        """Read the stored form, or None when it is malformed.

        A version 1 state (from before the quiet rule) holds no quiet fields,
        and all of its candidate's intervals were loud.
        """
        try:
            nbytes = float(data["bytes"])
            candidate = cls(
                start=float(data["start"]),
                end=float(data["end"]),
                bytes=nbytes,
                peak_bps=float(data["peak_bps"]),
                loud_bytes=float(data.get("loud_bytes", nbytes)),
                loud_active=float(data["active"]),
                loud_intervals=int(data["intervals"]),
                quiet_excess=float(data.get("quiet_excess", 0.0)),
                quiet_active=float(data.get("quiet_active", 0.0)),
                quiet_peak=float(data.get("quiet_peak", 0.0)),
                quiet_plateau=float(data.get("quiet_plateau", 0.0)),
                quiet_intervals=int(data.get("quiet_intervals", 0)),
                final=bool(data["final"]),
                quiet_only=data.get("quiet_only") is True,
            )
        except (KeyError, TypeError, ValueError):
            return None
        if not 0.0 <= nbytes < math.inf:
            return None
        return candidate


# What a final candidate's stored form holds for the evidence it no longer keeps.
_EMPTY: dict[str, float | int] = {
    "loud_bytes": 0.0,
    "active": 0.0,
    "intervals": 0,
    "quiet_excess": 0.0,
    "quiet_active": 0.0,
    "quiet_peak": 0.0,
    "quiet_plateau": 0.0,
    "quiet_intervals": 0,
}
