"""Demo router counters: the bytes each speaker has sent (only with ``talk``)."""

from __future__ import annotations

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import BYTES_SENT, DemoHouse, TalkEntity


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a bytes-sent counter per talking speaker."""
    house: DemoHouse = entry.runtime_data
    if house.talk is not None:
        async_add_entities(
            BytesSent(speaker, BYTES_SENT) for speaker in house.talk.speakers.values()
        )


class BytesSent(TalkEntity, RestoreSensor):
    """What a router reports a client sent, like an SNMP or UniFi counter."""

    _attr_device_class = SensorDeviceClass.DATA_SIZE
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_native_unit_of_measurement = UnitOfInformation.BYTES
    _attr_suggested_display_precision = 0

    async def async_added_to_hass(self) -> None:
        """Go on from the last count, and follow the speaker."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, int | float
        ):
            self.speaker.sent = max(self.speaker.sent, int(last.native_value))
        self._attr_native_value = self.speaker.sent

    def changed(self) -> bool:
        """Take the speaker's count; reported every second, moved or not.

        A router integration writes its counters on every poll; Privacy Guard
        reads an unchanged report as the speaker watched and sending nothing.
        """
        self._attr_native_value = self.speaker.sent
        return True
