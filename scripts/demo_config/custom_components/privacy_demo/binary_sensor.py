"""Demo light rings: the vendor's own word that a speaker listens (with ``talk``)."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import LISTENING, DemoHouse, TalkEntity


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a "listening" sensor per talking speaker."""
    house: DemoHouse = entry.runtime_data
    if house.talk is not None:
        async_add_entities(
            Listening(speaker, LISTENING) for speaker in house.talk.speakers.values()
        )


class Listening(TalkEntity, BinarySensorEntity):
    """On while the speaker says it listens: it woke, for whatever reason."""

    _attr_icon = "mdi:account-voice"
    _attr_is_on = False

    def changed(self) -> bool:
        """Take the speaker's light ring."""
        if self._attr_is_on == self.speaker.listening:
            return False
        self._attr_is_on = self.speaker.listening
        return True
