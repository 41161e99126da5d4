"""Demo phones: home while their person's "at home" switch is on."""

from __future__ import annotations

from homeassistant.components.device_tracker import ScannerEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_OFF
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import slugify

from . import DemoHouse


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a phone per person."""
    house: DemoHouse = entry.runtime_data
    async_add_entities(DemoPhone(person) for person in house.config["people"])


class DemoPhone(ScannerEntity):
    """A phone seen on the home network."""

    _attr_should_poll = False

    def __init__(self, person: str) -> None:
        """Create the phone."""
        self._attr_name = f"{person} phone"
        self._attr_unique_id = f"privacy_demo_{slugify(person)}_phone"
        self._switch = f"switch.{slugify(person)}_at_home"

    @property
    def is_connected(self) -> bool:
        """Return whether the person's "at home" switch is on."""
        state = self.hass.states.get(self._switch)
        return state is None or state.state != STATE_OFF

    async def async_added_to_hass(self) -> None:
        """Follow the switch."""

        @callback
        def _changed(_event: Event[EventStateChangedData]) -> None:
            self.async_write_ha_state()

        self.async_on_remove(
            async_track_state_change_event(self.hass, [self._switch], _changed)
        )
