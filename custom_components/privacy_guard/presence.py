"""Whether the house is empty, and the condition entity: the one owner of both.

Presence is debounced: the house counts as empty only once it has stayed so
for the debounce; anyone coming back counts at once. An unknown answer (an
entity unavailable, or not loaded yet after a restart) moves nothing: the last
known answer stands, for presence and for the condition entity alike (fail
closed: an unavailable condition never releases the guard). Both answers are
kept in the ledger's store so that they survive a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.const import STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.event import async_call_later, async_track_state_change_event

from .const import PresenceMode
from .ledger import Ledger
from .models import HouseConfig
from .policy import entities_empty, zone_empty


def condition_on(state: str | None) -> bool | None:
    """Return whether a condition entity's state is on; None while unknown."""
    if state is None or state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None
    return state == STATE_ON


class Presence:
    """Reads presence and the condition entity; calls ``on_change`` when they move."""

    def __init__(
        self,
        hass: HomeAssistant,
        config: HouseConfig,
        ledger: Ledger,
        on_change: Callable[[], Awaitable[None]],
    ) -> None:
        """Bind to the house's entities; nothing is read until ``async_start``."""
        self.hass = hass
        self.config = config
        self._ledger = ledger
        self._on_change = on_change
        self._empty_unsub: CALLBACK_TYPE | None = None
        self._track_unsub: CALLBACK_TYPE | None = None

    @property
    def condition(self) -> bool:
        """Return whether the condition entity is on (its last known answer)."""
        return self._ledger.condition

    @property
    def house_empty(self) -> bool:
        """Return whether the house is empty (debounced)."""
        return self._ledger.house_empty

    @callback
    def async_start(self) -> None:
        """Read the entities now and follow them (``on_change`` not called now)."""
        self._read()
        self._track_unsub = async_track_state_change_event(
            self.hass, list(self.config.entities), self._async_changed
        )

    @callback
    def async_stop(self) -> None:
        """Stop following the entities and cancel a running debounce."""
        if self._track_unsub:
            self._track_unsub()
            self._track_unsub = None
        self._cancel_debounce()

    def raw_empty(self) -> bool | None:
        """Return the undebounced answer; None while it is unknown."""
        config = self.config
        if config.presence_mode is PresenceMode.ZONE:
            state = self.hass.states.get(config.zone)
            return zone_empty(state.state if state else None)
        return entities_empty(
            (entity_id.split(".", 1)[0], state.state if state else None)
            for entity_id in config.presence_entities
            for state in (self.hass.states.get(entity_id),)
        )

    def _read(self) -> None:
        """Read both signals, starting the debounce when the house just emptied."""
        condition: bool | None = False
        if self.config.condition_entity:
            state = self.hass.states.get(self.config.condition_entity)
            condition = condition_on(state.state if state else None)
        if condition is not None and condition != self._ledger.condition:
            self._ledger.condition = condition
            self._ledger.mark_dirty()
        empty = self.raw_empty()
        if empty is None:
            return
        if not empty:
            self._cancel_debounce()
            self._set_empty(False)
        elif not self.house_empty and self._empty_unsub is None:
            self._empty_unsub = async_call_later(
                self.hass, self.config.debounce, self._async_confirmed
            )

    def _cancel_debounce(self) -> None:
        if self._empty_unsub:
            self._empty_unsub()
            self._empty_unsub = None

    def _set_empty(self, empty: bool) -> None:
        if self._ledger.house_empty != empty:
            self._ledger.house_empty = empty
            self._ledger.mark_dirty()

    async def _async_confirmed(self, _now: Any) -> None:
        self._empty_unsub = None
        if self.raw_empty() is True:
            self._set_empty(True)
            await self._on_change()

    async def _async_changed(self, _event: Event[EventStateChangedData]) -> None:
        self._read()
        await self._on_change()
