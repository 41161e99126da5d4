"""Base entity of Privacy Guard."""

from __future__ import annotations

from typing import Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import DOMAIN
from .models import SpeakerView
from .room import Room
from .runtime import PrivacyGuardConfigEntry
from .signals import async_follow
from .speaker_monitor import SpeakerMonitor

# Home Assistant 2026.8 links a device to its hub by the hub's device id and
# deprecates the identifier tuple (it stops working in 2027.8); 2026.2 knows only
# the tuple.
VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def child_device_info(
    entry: ConfigEntry, identifier: str, name: str, model: str
) -> DeviceInfo:
    """Return the device of a speaker or room, linked to the house's device."""
    info = DeviceInfo(
        identifiers={(DOMAIN, identifier)},
        name=name,
        manufacturer="Privacy Guard",
        model=model,
        entry_type=DeviceEntryType.SERVICE,
    )
    # One of the two keys is unknown to each version's DeviceInfo.
    link = cast(dict[str, Any], info)
    if VIA_DEVICE_ID:
        link["via_device_id"] = entry.runtime_data.house_device_id
    else:
        link["via_device"] = (DOMAIN, entry.entry_id)
    return info


class PrivacyGuardEntity(Entity):
    """An entity of the house, or of one speaker when ``speaker_id`` is given.

    It reads the entry's one view of the house (``runtime_data.view``), the way
    core's entities read their coordinator.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        entry: PrivacyGuardConfigEntry,
        description: EntityDescription,
        speaker_id: str | None = None,
    ) -> None:
        """Describe the entity and the device it belongs to."""
        self.entry = entry
        self.house = entry.runtime_data.view
        self.entity_description = description
        self.speaker_id = speaker_id
        house = (DOMAIN, entry.entry_id)
        if speaker_id is None:
            self._attr_unique_id = f"{entry.entry_id}_{description.key}"
            self._attr_device_info = DeviceInfo(
                identifiers={house},
                name=entry.title,
                manufacturer="Privacy Guard",
                model="House",
                entry_type=DeviceEntryType.SERVICE,
            )
        else:
            config = self.house.configs[speaker_id]
            self._attr_unique_id = f"{speaker_id}_{description.key}"
            self._attr_device_info = child_device_info(
                entry, speaker_id, config.name, "Guarded speaker"
            )

    @property
    def monitor(self) -> SpeakerMonitor:
        """Return the upload counters of this entity's speaker."""
        assert self.speaker_id is not None
        return self.house.uploads(self.speaker_id)

    @property
    def view(self) -> SpeakerView:
        """Return what the house shows of this entity's speaker."""
        assert self.speaker_id is not None
        return self.house.speaker(self.speaker_id)

    async def async_added_to_hass(self) -> None:
        """Follow the guard's news of this entity's speaker (or of the house)."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_follow(
                self.hass,
                self.entry.entry_id,
                self.speaker_id,
                self.async_write_ha_state,
            )
        )


class RoomEntity(Entity):
    """An entity of one room microphone."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: PrivacyGuardConfigEntry, room: Room, description: EntityDescription
    ) -> None:
        """Describe the entity and its room's device."""
        self.entry = entry
        self.room = room
        self.entity_description = description
        self._attr_unique_id = f"{room.room_id}_{description.key}"
        self._attr_device_info = child_device_info(
            entry, room.room_id, room.name, "Room microphone"
        )

    async def async_added_to_hass(self) -> None:
        """Follow what the room's listener reports."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_follow(
                self.hass,
                self.entry.entry_id,
                self.room.room_id,
                self.async_write_ha_state,
            )
        )
