"""What the ledger holds: one record per action the guard took on a speaker.

Pure data, no Home Assistant imports: the planner reasons over these, the
ledger stores them and the actuators carry out their specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from .const import Action, NetworkBackend


class ActuatorKind(StrEnum):
    """What drives a control: one vocabulary with ``NetworkBackend``.

    A network block's kind is its backend's (switch, AdGuard Home, Pi-hole):
    ``ActuatorKind(backend)`` and ``NetworkBackend(kind)`` convert both ways.
    """

    SWITCH = NetworkBackend.SWITCH.value
    MEDIA_MUTE = "media_mute"
    ADGUARD = NetworkBackend.ADGUARD.value
    PIHOLE = NetworkBackend.PIHOLE.value


DNS_KINDS: Final = frozenset({ActuatorKind.ADGUARD, ActuatorKind.PIHOLE})


@dataclass(frozen=True, slots=True)
class ActuatorSpec:
    """Everything needed to drive one actuator, also stored in the ledger.

    Kept in the ledger so that a release still works after the speaker's
    configuration changed or the speaker was removed. ``target`` is an entity id,
    or for a DNS filter the speaker's address.
    """

    kind: ActuatorKind
    target: str
    # For switches: whether ON is the protective state (mic mute ON, UniFi
    # "internet allowed" OFF, power plug OFF).
    protect_on: bool = True

    def __post_init__(self) -> None:
        """Hold the kind as the vocabulary's member (also when given its value)."""
        object.__setattr__(self, "kind", ActuatorKind(self.kind))

    @property
    def entity_id(self) -> str | None:
        """Return the linked entity, or None for a DNS filter."""
        return None if self.kind in DNS_KINDS else self.target

    @property
    def key(self) -> str:
        """Return what identifies the driven thing: its entity, or filter:address."""
        return self.entity_id or f"{self.kind}:{self.target}"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form."""
        return {
            "kind": self.kind.value,
            "target": self.target,
            "protect_on": self.protect_on,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActuatorSpec:
        """Build a spec from its stored form."""
        try:
            kind = ActuatorKind(data["kind"])
        except ValueError as err:
            raise ValueError(f"unknown actuator kind {data['kind']!r}") from err
        return cls(
            kind=kind,
            target=str(data["target"]),
            protect_on=bool(data.get("protect_on", True)),
        )


class RecordStatus(StrEnum):
    """Where one action of one speaker stands."""

    # Asked for, not yet confirmed by reading the entity back.
    PENDING = "pending"
    # Confirmed: the protective state is in effect because of the guard.
    APPLIED = "applied"
    # Protective, but not the guard's doing (it was so before the guard engaged,
    # or a person made it so again): nothing to undo.
    ALREADY = "already"
    # A person opened it during engagement: kept, never undone, not fought.
    OVERRIDE = "override"
    # Undo asked for, not yet confirmed.
    RELEASING = "releasing"


# The guard owns the protective state: release gives it back.
OURS = frozenset({RecordStatus.PENDING, RecordStatus.APPLIED, RecordStatus.RELEASING})


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(slots=True)
class LedgerRecord:
    """One action the guard took (or found already done) on one speaker."""

    action: Action
    spec: ActuatorSpec
    status: RecordStatus
    changed_at: str = field(default_factory=_now)
    # What the actuator needs to restore exactly (Pi-hole: the previous groups).
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def ours(self) -> bool:
        """Return whether the guard owns the current protective state."""
        return self.status in OURS

    def set_status(self, status: RecordStatus) -> bool:
        """Change the status; return whether it changed."""
        if status is self.status:
            return False
        self.status = status
        self.changed_at = _now()
        return True

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form."""
        return {
            "action": self.action.value,
            "spec": self.spec.as_dict(),
            "status": self.status.value,
            "changed_at": self.changed_at,
            "memo": self.memo,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LedgerRecord:
        """Build a record from its stored form."""
        return cls(
            action=Action(data["action"]),
            spec=ActuatorSpec.from_dict(data["spec"]),
            status=RecordStatus(data["status"]),
            changed_at=str(data.get("changed_at", "")),
            memo=dict(data.get("memo") or {}),
        )
