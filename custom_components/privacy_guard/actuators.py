"""Ways of protecting a speaker: its own entities, or a DNS filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Context, HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError

from .backends import BackendError
from .const import DOMAIN, NetworkBackend
from .records import DNS_KINDS, ActuatorKind, ActuatorSpec

if TYPE_CHECKING:
    from .blocking import DnsBackends

ATTR_MEDIA_VOLUME_MUTED = "is_volume_muted"


class ActuatorError(HomeAssistantError):
    """An actuator could not be driven."""


class Actuator:
    """Reads and sets the protective state of one speaker's control."""

    def __init__(
        self,
        hass: HomeAssistant,
        spec: ActuatorSpec,
        backends: DnsBackends | None = None,
    ) -> None:
        """Bind a spec to Home Assistant (and to the DNS filters, for those)."""
        self.hass = hass
        self.spec = spec
        self._backends = backends

    @property
    def target(self) -> str:
        """Return what is switched: an entity id or an address."""
        return self.spec.target

    def _backend(self) -> Any:
        if self.spec.kind not in DNS_KINDS or self._backends is None:
            return None
        return self._backends.get(NetworkBackend(self.spec.kind))

    @property
    def moot(self) -> bool:
        """Return whether there is nothing to drive: a media player that is off.

        Home Assistant leaves ``is_volume_muted`` out while a player is off (many
        Cast speakers are "off" whenever idle); its output is silent anyway.
        """
        if self.spec.kind is not ActuatorKind.MEDIA_MUTE:
            return False
        state = self.hass.states.get(self.spec.target)
        return state is not None and state.state == STATE_OFF

    def is_protective(self) -> bool | None:
        """Return whether the protective state is in effect; None when unknown."""
        if self.spec.entity_id is None:
            backend = self._backend()
            return None if backend is None else backend.is_blocked(self.spec.target)
        return self.read(self.hass.states.get(self.spec.target))

    def read(self, state: State | None) -> bool | None:
        """Return whether ``state`` of the linked entity is protective."""
        if state is None or self.spec.entity_id is None:
            return None
        if self.spec.kind is ActuatorKind.MEDIA_MUTE:
            if state.state == STATE_OFF:
                return True
            muted = state.attributes.get(ATTR_MEDIA_VOLUME_MUTED)
            return muted if isinstance(muted, bool) else None
        if state.state not in (STATE_ON, STATE_OFF):
            return None
        return (state.state == STATE_ON) == self.spec.protect_on

    async def async_set(
        self, protect: bool, context: Context, memo: dict[str, Any] | None = None
    ) -> None:
        """Drive the control to the protective state, or away from it.

        ``memo`` is kept in the ledger with the action: a DNS filter stores there
        what it needs to restore exactly.
        """
        if self.spec.entity_id is None:
            await self._async_set_backend(protect, memo if memo is not None else {})
            return
        if self.hass.states.get(self.spec.target) is None:
            raise ActuatorError(
                translation_domain=DOMAIN,
                translation_key="entity_missing",
                translation_placeholders={"entity_id": self.spec.target},
            )
        if self.spec.kind is ActuatorKind.MEDIA_MUTE:
            domain, service = "media_player", "volume_mute"
            data: dict[str, Any] = {
                ATTR_ENTITY_ID: self.spec.target,
                ATTR_MEDIA_VOLUME_MUTED: protect,
            }
        else:
            domain = self.spec.target.split(".", 1)[0]
            service = (
                SERVICE_TURN_ON if protect == self.spec.protect_on else SERVICE_TURN_OFF
            )
            data = {ATTR_ENTITY_ID: self.spec.target}
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
                    "entity_id": self.spec.target,
                    "error": str(err) or type(err).__name__,
                },
            ) from err

    async def _async_set_backend(self, protect: bool, memo: dict[str, Any]) -> None:
        backend = self._backend()
        if backend is None:
            raise ActuatorError(
                translation_domain=DOMAIN,
                translation_key="backend_not_configured",
                translation_placeholders={"backend": self.spec.kind.value},
            )
        try:
            await backend.async_set(self.spec.target, protect, memo)
        except BackendError as err:
            raise ActuatorError(
                translation_domain=DOMAIN,
                translation_key="action_error",
                translation_placeholders={
                    "entity_id": f"{backend.kind.label} {self.spec.target}",
                    "error": str(err),
                },
            ) from err
