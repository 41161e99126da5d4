"""Demo phones' notifications: each keeps the last message it was sent."""

from __future__ import annotations

from homeassistant.components.notify import NotifyEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .entity import DemoHouse


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a phone's notifications per person."""
    house: DemoHouse = entry.runtime_data
    async_add_entities(DemoPhoneNotify(person) for person in house.config["people"])


class DemoPhoneNotify(NotifyEntity):
    """A person's phone: the last title and message it showed, nothing sent."""

    _attr_should_poll = False

    def __init__(self, person: str) -> None:
        """Create the phone's notifications."""
        self._attr_name = f"{person} phone"
        self._attr_unique_id = f"privacy_demo_{slugify(person)}_phone_notify"
        self._attr_extra_state_attributes = {"title": None, "message": None}

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Show the message (as the state's attributes)."""
        self._attr_extra_state_attributes = {"title": title, "message": message}
        # Home Assistant 2026.2 writes the state before it calls this.
        self.async_write_ha_state()
