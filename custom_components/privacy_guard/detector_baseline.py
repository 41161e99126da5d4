"""The quiet rule's baseline: a device's own idle traffic, learned robustly.

Pure, with no Home Assistant imports, like the detector (``detector.py``). The
baseline is the time-weighted median of the rates of the intervals below the
loud threshold over each ``QUIET_BIN_SECONDS`` of them, then the median of such
minutes over the last ``quiet_window`` seconds; from it follows the quiet
threshold in force. The detector gathers each minute's intervals on its hot
path and hands the baseline whole minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
import math
from typing import Any

from .detector_types import QUIET_BIN_SECONDS, DetectorSettings


class QuietBaseline:
    """Learn one device's idle rate and the quiet threshold it implies.

    ``base`` is 0.0 and ``threshold`` the floor until a minute has been seen;
    with the quiet rule off (no floor) the threshold is infinite, so nothing
    is ever quiet, and the base stays 0.0.
    """

    __slots__ = (
        "_bins",
        "_bins_max",
        "base",
        "factor",
        "floor",
        "margin",
        "threshold",
    )

    def __init__(self, settings: DetectorSettings) -> None:
        """Start with nothing learned."""
        self.floor = settings.quiet_floor
        self.factor = settings.quiet_factor
        self.margin = settings.quiet_margin
        self.base = 0.0
        self.threshold = math.inf if self.floor is None else self.floor
        # One-minute medians, oldest first.
        self._bins: list[float] = []
        self._bins_max = max(1, round(settings.quiet_window / QUIET_BIN_SECONDS))

    @property
    def learned(self) -> bool:
        """Whether a minute has been seen."""
        return bool(self._bins)

    @property
    def minutes(self) -> list[float]:
        """The one-minute medians kept, oldest first (the stored form)."""
        return list(self._bins)

    def learn(self, minute: list[tuple[float, float]]) -> None:
        """Learn from a minute of ``(rate, dt)`` intervals below the loud threshold."""
        self._bins.append(_weighted_median(minute))
        if len(self._bins) > self._bins_max:
            del self._bins[0]
        self._update()

    def restore(self, minutes: Any) -> None:
        """Load the stored form; a malformed one is ignored."""
        if isinstance(minutes, list) and all(
            isinstance(b, int | float) and 0.0 <= b < math.inf for b in minutes
        ):
            self._bins = [float(b) for b in minutes[-self._bins_max :]]
            self._update()

    def _update(self) -> None:
        floor = self.floor
        if floor is None:
            return
        if not self._bins:
            self.base = 0.0
            self.threshold = floor
            return
        base = self.base = _median(self._bins)
        self.threshold = max(floor, self.factor * base, base + self.margin)


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
