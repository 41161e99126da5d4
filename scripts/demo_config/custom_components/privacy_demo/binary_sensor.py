"""Demo light rings: the vendor's own word that a speaker listens (with ``talk``)."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import DemoHouse, speaker_device
from .talk import TalkingSpeaker


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a "listening" sensor per talking speaker."""
    house: DemoHouse = entry.runtime_data
    if house.talk is not None:
        async_add_entities(
            Listening(speaker) for speaker in house.talk.speakers.values()
        )


class Listening(BinarySensorEntity):
    """On while the speaker says it listens: it woke, for whatever reason."""

    _attr_should_poll = False
    _attr_icon = "mdi:account-voice"

    def __init__(self, speaker: TalkingSpeaker) -> None:
        """Follow one speaker's light ring."""
        self.speaker = speaker
        self._attr_name = f"{speaker.name} Listening"
        self._attr_unique_id = f"privacy_demo_{speaker.slug}_listening"
        self._attr_device_info = speaker_device(speaker.name)
        self._attr_is_on = False

    async def async_added_to_hass(self) -> None:
        """Follow the speaker."""
        self.speaker.listeners.append(self._changed)
        self.async_on_remove(lambda: self.speaker.listeners.remove(self._changed))

    @callback
    def _changed(self) -> None:
        if self._attr_is_on != self.speaker.listening:
            self._attr_is_on = self.speaker.listening
            self.async_write_ha_state()
