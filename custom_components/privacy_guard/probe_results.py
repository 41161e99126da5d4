"""A self-test's kept result and a speaker's calibration, as stored and shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import homeassistant.util.dt as dt_util

from .const import Strength
from .protection import STATE_OF
from .selftest import Finding, Inconclusive, Outcome

# A calibration older than this proves nothing any more (players move).
CALIBRATION_MAX_AGE: Final = timedelta(days=30)


@dataclass(slots=True)
class StoredResult:
    """A speaker's latest self-test, as kept and shown."""

    outcome: Outcome
    at: datetime
    reason: Inconclusive | None = None
    evidence: tuple[Finding, ...] = ()
    probe: str | None = None
    calibration: bool = False
    # The speaker was exposed (a control of the guard's failed) when it began.
    exposed: bool = False
    wake_word: str | None = None
    player: str | None = None
    # What went wrong playing the probe, when it did.
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form (also the action's response)."""
        return {
            "result": self.outcome.value,
            "at": self.at.isoformat(),
            "reason": self.reason.value if self.reason else None,
            "evidence": [finding.as_dict() for finding in self.evidence],
            "probe": self.probe,
            "calibration": self.calibration,
            "exposed": self.exposed,
            "wake_word": self.wake_word,
            "player": self.player,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredResult:
        """Build a result from its stored form."""
        reason = data.get("reason")
        at = dt_util.parse_datetime(str(data.get("at", "")))
        if at is None:
            raise ValueError("a stored self-test has no time")
        return cls(
            outcome=Outcome(data["result"]),
            at=at,
            reason=Inconclusive(reason) if reason else None,
            evidence=tuple(
                Finding.from_dict(item) for item in data.get("evidence", ())
            ),
            probe=data.get("probe"),
            calibration=bool(data.get("calibration", False)),
            exposed=bool(data.get("exposed", False)),
            wake_word=data.get("wake_word"),
            player=data.get("player"),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class Calibration:
    """A probe that woke the speaker while it was not guarded."""

    player: str
    wake_word: str
    # The TTS entity that spoke it, or "clip".
    voice: str
    at: datetime
    # The player's volume then, where it reports one: a quieter probe later
    # may not reach the speaker.
    volume: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return {
            "player": self.player,
            "wake_word": self.wake_word,
            "voice": self.voice,
            "at": self.at.isoformat(),
            "volume": self.volume,
        }

    def holds_for(
        self,
        player: str,
        wake_word: str,
        voice: str,
        volume: float | None,
        now: datetime,
    ) -> bool:
        """Return whether this calibration shows the same probe reaches it now."""
        if (self.player, self.wake_word, self.voice) != (player, wake_word, voice):
            return False
        if now - self.at > CALIBRATION_MAX_AGE or now < self.at:
            return False
        if self.volume is None or volume is None:
            # Unknown then or now: only the same (unknown) holds.
            return self.volume is None and volume is None
        return volume >= self.volume

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Build a calibration from its stored form."""
        at = dt_util.parse_datetime(str(data.get("at", "")))
        if at is None:
            raise ValueError("a stored calibration has no time")
        volume = data.get("volume")
        return cls(
            str(data["player"]),
            str(data["wake_word"]),
            str(data["voice"]),
            at,
            float(volume) if isinstance(volume, int | float) else None,
        )


def weaker(first: Strength | None, second: Strength | None) -> Strength | None:
    """Return the weaker of two protections (None: not protected)."""
    if first is None or second is None:
        return None
    order = list(STATE_OF)
    return first if order.index(first) >= order.index(second) else second
