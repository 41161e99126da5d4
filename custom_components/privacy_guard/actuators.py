"""Ways of protecting a speaker through entities Home Assistant already has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN

ActuatorKind = Literal["switch", "media_mute"]

ATTR_MEDIA_VOLUME_MUTED = "is_volume_muted"


@dataclass(frozen=True, slots=True)
class ActuatorSpec:
    """Everything needed to drive one actuator, also stored in the ledger.

    Kept in the ledger so that a release still works after the speaker's
    configuration changed or the speaker was removed.
    """

    kind: ActuatorKind
    entity_id: str
    # For switches: whether ON is the protective state (mic mute ON, UniFi
    # "internet allowed" OFF, power plug OFF).
    protect_on: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form."""
        return {
            "kind": self.kind,
            "entity_id": self.entity_id,
            "protect_on": self.protect_on,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActuatorSpec:
        """Build a spec from its stored form."""
        kind = data["kind"]
        if kind not in ("switch", "media_mute"):
            raise ValueError(f"unknown actuator kind {kind!r}")
        return cls(
            kind=kind,
            entity_id=str(data["entity_id"]),
            protect_on=bool(data.get("protect_on", True)),
        )


class ActuatorError(HomeAssistantError):
    """An actuator could not be driven."""


class Actuator:
    """Reads and sets the protective state of one linked entity."""

    def __init__(self, hass: HomeAssistant, spec: ActuatorSpec) -> None:
        """Bind a spec to Home Assistant."""
        self.hass = hass
        self.spec = spec

    @property
    def entity_id(self) -> str:
        """Return the linked entity."""
        return self.spec.entity_id

    def is_protective(self) -> bool | None:
        """Return whether the protective state is in effect; None when unknown."""
        state = self.hass.states.get(self.spec.entity_id)
        if state is None:
            return None
        if self.spec.kind == "media_mute":
            muted = state.attributes.get(ATTR_MEDIA_VOLUME_MUTED)
            return muted if isinstance(muted, bool) else None
        if state.state not in (STATE_ON, STATE_OFF):
            return None
        return (state.state == STATE_ON) == self.spec.protect_on

    async def async_set(self, protect: bool, context: Context) -> None:
        """Drive the linked entity to the protective state, or away from it."""
        if self.hass.states.get(self.spec.entity_id) is None:
            raise ActuatorError(
                translation_domain=DOMAIN,
                translation_key="entity_missing",
                translation_placeholders={"entity_id": self.spec.entity_id},
            )
        if self.spec.kind == "media_mute":
            domain, service = "media_player", "volume_mute"
            data: dict[str, Any] = {
                ATTR_ENTITY_ID: self.spec.entity_id,
                ATTR_MEDIA_VOLUME_MUTED: protect,
            }
        else:
            domain = self.spec.entity_id.split(".", 1)[0]
            service = (
                SERVICE_TURN_ON
                if protect == self.spec.protect_on
                else (SERVICE_TURN_OFF)
            )
            data = {ATTR_ENTITY_ID: self.spec.entity_id}
        try:
            await self.hass.services.async_call(
                domain, service, data, blocking=True, context=context
            )
        except HomeAssistantError:
            raise
        except Exception as err:
            raise ActuatorError(
                translation_domain=DOMAIN,
                translation_key="action_error",
                translation_placeholders={
                    "entity_id": self.spec.entity_id,
                    "error": str(err) or type(err).__name__,
                },
            ) from err
