"""Demo router counters: the bytes each speaker has sent (only with ``talk``)."""

from __future__ import annotations

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfInformation
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import DemoHouse, speaker_device
from .talk import TalkingSpeaker


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a bytes-sent counter per talking speaker."""
    house: DemoHouse = entry.runtime_data
    if house.talk is not None:
        async_add_entities(
            BytesSent(speaker) for speaker in house.talk.speakers.values()
        )


class BytesSent(RestoreSensor):
    """What a router reports a client sent, like an SNMP or UniFi counter."""

    _attr_should_poll = False
    _attr_device_class = SensorDeviceClass.DATA_SIZE
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_native_unit_of_measurement = UnitOfInformation.BYTES
    _attr_suggested_display_precision = 0

    def __init__(self, speaker: TalkingSpeaker) -> None:
        """Count what one speaker sends."""
        self.speaker = speaker
        self._attr_name = f"{speaker.name} Bytes sent"
        self._attr_unique_id = f"privacy_demo_{speaker.slug}_bytes_sent"
        self._attr_device_info = speaker_device(speaker.name)

    async def async_added_to_hass(self) -> None:
        """Go on from the last count, and follow the speaker."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, int | float
        ):
            self.speaker.sent = max(self.speaker.sent, int(last.native_value))
        self._attr_native_value = self.speaker.sent
        self.speaker.listeners.append(self._sent)
        self.async_on_remove(lambda: self.speaker.listeners.remove(self._sent))

    @callback
    def _sent(self) -> None:
        if self._attr_native_value != self.speaker.sent:
            self._attr_native_value = self.speaker.sent
            self.async_write_ha_state()
