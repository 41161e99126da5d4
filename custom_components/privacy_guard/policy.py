"""When to engage: pure decisions about the house and each speaker.

Nothing here imports Home Assistant, so the rules are easy to read and test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .const import Reason

HOME_STATE = "home"
UNKNOWN_STATES = frozenset({"unknown", "unavailable", ""})


def zone_empty(state: str | None) -> bool | None:
    """Return whether a zone holds nobody (its state is the number of persons)."""
    if state is None or state in UNKNOWN_STATES:
        return None
    try:
        return int(float(state)) == 0
    except ValueError:
        return None


def entity_present(domain: str, state: str | None) -> bool | None:
    """Return whether one presence entity says someone is there."""
    if state is None or state in UNKNOWN_STATES:
        return None
    if domain in ("person", "device_tracker"):
        return state == HOME_STATE
    if domain in ("binary_sensor", "input_boolean", "switch"):
        return state == "on"
    return None


def entities_empty(states: Iterable[tuple[str, str | None]]) -> bool | None:
    """Return whether every presence entity says away.

    One present entity is enough for "not empty"; an unknown one makes the answer
    unknown unless someone is known present.
    """
    unknown = False
    for domain, state in states:
        present = entity_present(domain, state)
        if present:
            return False
        if present is None:
            unknown = True
    return None if unknown else True


@dataclass(frozen=True, slots=True)
class HouseSignals:
    """The debounced inputs of the house-wide decision."""

    privacy_mode: bool
    house_empty: bool
    condition: bool


def house_reason(signals: HouseSignals) -> Reason:
    """Return why the house wants its speakers protected, most explicit first."""
    if signals.privacy_mode:
        return Reason.PRIVACY_MODE
    if signals.house_empty:
        return Reason.HOUSE_EMPTY
    if signals.condition:
        return Reason.CONDITION
    return Reason.NONE


@dataclass(frozen=True, slots=True)
class ManualHold:
    """An engage or release asked for by an action call.

    Without ``until`` it lasts until the house reason changes; with it, until
    then, on a monotonic clock (``time.monotonic``): a wall-clock jump (NTP,
    a wrong clock set right) neither ends nor stretches it. It is stored by its
    remaining duration, which goes on after a restart.
    """

    engaged: bool
    until: float | None = None

    def active(self, now: float) -> bool:
        """Return whether the hold still applies at monotonic time ``now``."""
        return self.until is None or now < self.until

    def as_dict(self, now: float) -> dict[str, bool | float | None]:
        """Return a JSON-serialisable form, with the time left at ``now``."""
        remaining = None if self.until is None else max(0.0, self.until - now)
        return {"engaged": self.engaged, "remaining": remaining}

    @classmethod
    def from_dict(
        cls, data: dict[str, object], now: float, wall_now: float
    ) -> ManualHold:
        """Build a hold from its stored form, its time left counted from ``now``.

        A hold stored with a wall-clock end (``until``, earlier releases) keeps
        what is left of it by the wall clock at ``wall_now``.
        """
        remaining = data.get("remaining")
        until = data.get("until")
        if isinstance(remaining, int | float):
            left: float | None = max(0.0, float(remaining))
        elif isinstance(until, int | float):
            left = max(0.0, float(until) - wall_now)
        else:
            left = None
        return cls(
            engaged=bool(data.get("engaged")),
            until=None if left is None else now + left,
        )


def speaker_reason(house: Reason, hold: ManualHold | None, now: float) -> Reason:
    """Return why one speaker should be protected, or ``Reason.NONE``."""
    if hold is not None and hold.active(now):
        return Reason.MANUAL if hold.engaged else Reason.NONE
    return house
