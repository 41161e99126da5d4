"""What a speaker's controls really protect: pure, no Home Assistant import.

A speaker is *protected* only when a control that cuts its microphone, its
network or its power is confirmed (read back; a plug also by its own power
sensor where it has one), or when a DNS-only block is confirmed while the guard
holds it and a traffic witness shows no upload since the guard engaged. Muting a
media player's output silences the speaker and protects nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .const import CUTTING, Action, PrivacyState, Strength

# The privacy state each confirmed control gives, strongest first.
STATE_OF: Final[dict[Strength, PrivacyState]] = {
    Strength.POWER: PrivacyState.POWERED_OFF,
    Strength.NETWORK: PrivacyState.OFFLINE,
    Strength.MICROPHONE: PrivacyState.MICROPHONE_OFF,
    Strength.DNS_ONLY: PrivacyState.DNS_BLOCKED,
}
# A plug is off when its own power sensor shows no more than this.
POWER_OFF_WATTS: Final = 0.5


@dataclass(frozen=True, slots=True)
class ControlReading:
    """One control of a speaker as it is now."""

    action: Action
    strength: Strength
    # Whether its protective state is confirmed; None when it cannot be read.
    confirmed: bool | None
    # Whether the guard's policy takes this action.
    wanted: bool = False
    # Whether a person opened it while the speaker was guarded.
    override: bool = False


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the readings prove."""

    privacy_state: PrivacyState
    protected: bool
    # The control that protects it (the strongest confirmed one), if any.
    protected_by: Strength | None


def assess(
    readings: Iterable[ControlReading],
    *,
    engaged: bool,
    leaked: bool,
    traffic_witness: bool,
) -> Assessment:
    """Return the privacy state and whether the speaker is protected.

    ``leaked``: it uploaded while guarded, which no reading outweighs.
    ``traffic_witness``: a traffic sensor watches it now, so a DNS-only block
    is protection as long as no upload is seen (``leaked`` stays False).
    """
    readings = tuple(readings)
    confirmed = {r.strength for r in readings if r.confirmed is True}
    strongest = next((s for s in STATE_OF if s in confirmed), None)
    protected_by: Strength | None = None
    if not leaked:
        cutting = next((s for s in STATE_OF if s in confirmed and s in CUTTING), None)
        if cutting is not None:
            protected_by = cutting
        elif Strength.DNS_ONLY in confirmed and engaged and traffic_witness:
            protected_by = Strength.DNS_ONLY
    protected = protected_by is not None
    # Exposed: the guard holds it, it is not protected, and something the guard
    # takes did not hold (a failed or unreadable control, a leak). A person's
    # override is no failure, and a speaker with nothing strong enough is shown
    # as it is (open, or DNS blocked) and counted unprotectable instead. A
    # failure beside a confirmed cut is shown in the failures, not as exposed.
    failed = any(
        r.wanted and not r.override and r.confirmed is not True for r in readings
    )
    if engaged and not protected and (leaked or failed):
        state = PrivacyState.EXPOSED
    elif strongest is not None:
        state = STATE_OF[strongest]
    else:
        state = PrivacyState.OPEN
    return Assessment(state, protected, protected_by)


def can_protect(wanted: Iterable[Strength], *, traffic_witness: bool) -> bool:
    """Return whether the controls the guard takes can ever protect a speaker.

    A DNS-only block can, with a traffic sensor to witness it; an output mute
    never can.
    """
    strengths = set(wanted)
    return bool(strengths & CUTTING) or (
        Strength.DNS_ONLY in strengths and traffic_witness
    )


def power_is_off(watts: float | None) -> bool:
    """Return whether a plug's power reading confirms that it is off."""
    return watts is not None and 0 <= watts <= POWER_OFF_WATTS
