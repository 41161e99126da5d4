"""Demo phones: home while their person's "at home" switch is on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Home Assistant exports it from the package without marking it re-exported.
from homeassistant.components.device_tracker import (  # type: ignore[attr-defined]
    ScannerEntity,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_HOME, STATE_NOT_HOME, STATE_OFF, STATE_ON
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import slugify

from .entity import DemoEntity, DemoHouse


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a phone per person."""
    house: DemoHouse = entry.runtime_data
    async_add_entities(DemoPhone(house, person) for person in house.config["people"])


class DemoPhone(DemoEntity, ScannerEntity):
    """A phone seen on the home network.

    It is home while its person's "at home" switch is on; while that switch is
    missing or unavailable, it stays where it was last seen.
    """

    def __init__(self, house: DemoHouse, person: str) -> None:
        """Create the phone."""
        super().__init__(house, None)
        self._attr_name = f"{person} phone"
        self._attr_unique_id = f"privacy_demo_{slugify(person)}_phone"
        self._switch = f"switch.{slugify(person)}_at_home"
        self._connected = True

    @property
    def is_connected(self) -> bool:
        """Return whether the person's "at home" switch is on."""
        return self._connected

    def stored_values(self) -> dict[str, Any]:
        """Return whether the phone was home."""
        return {"connected": self._connected}

    def restore_values(self, state: State | None, stored: Mapping[str, Any]) -> None:
        """Take back where the phone was, until its switch says otherwise."""
        if isinstance(connected := stored.get("connected"), bool):
            self._connected = connected
        elif state is not None and state.state in (STATE_HOME, STATE_NOT_HOME):
            self._connected = state.state == STATE_HOME
        self._follow(self.hass.states.get(self._switch))

    def reset_values(self) -> None:
        """Keep following the switch: the phone has nothing to forget."""

    @callback
    def _follow(self, switch: State | None) -> None:
        if switch is not None and switch.state in (STATE_ON, STATE_OFF):
            self._connected = switch.state == STATE_ON

    async def async_added_to_hass(self) -> None:
        """Restore where the phone was, then follow the switch."""
        await super().async_added_to_hass()

        @callback
        def _changed(event: Event[EventStateChangedData]) -> None:
            self._follow(event.data["new_state"])
            self.async_write_ha_state()

        self.async_on_remove(
            async_track_state_change_event(self.hass, [self._switch], _changed)
        )
