"""Demo smart speakers: media players that can be muted."""

from __future__ import annotations

from homeassistant.components.media_player import (
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from . import DemoHouse, async_delay


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add one media player per speaker."""
    house: DemoHouse = entry.runtime_data
    async_add_entities(
        DemoSpeaker(house, speaker["name"]) for speaker in house.config["speakers"]
    )


class DemoSpeaker(MediaPlayerEntity):
    """A speaker that plays, pauses and mutes."""

    _attr_should_poll = False
    _attr_supported_features = (
        MediaPlayerEntityFeature.VOLUME_MUTE
        | MediaPlayerEntityFeature.VOLUME_SET
        | MediaPlayerEntityFeature.PLAY
        | MediaPlayerEntityFeature.PAUSE
    )

    def __init__(self, house: DemoHouse, name: str) -> None:
        """Create the speaker."""
        self.house = house
        self.speaker = name
        self._attr_name = name
        self._attr_unique_id = f"privacy_demo_{slugify(name)}"
        self._attr_state = MediaPlayerState.IDLE
        self._attr_is_volume_muted = False
        self._attr_volume_level = 0.4

    @property
    def available(self) -> bool:
        """Return whether its plug gives it power."""
        return self.house.speaker_powered(self.speaker)

    async def async_added_to_hass(self) -> None:
        """Follow the plug."""
        self.house.listeners.append(self.async_write_ha_state)
        self.async_on_remove(
            lambda: self.house.listeners.remove(self.async_write_ha_state)
        )

    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute."""
        await async_delay(self.house)
        self._attr_is_volume_muted = mute
        self.async_write_ha_state()

    async def async_set_volume_level(self, volume: float) -> None:
        """Set the volume."""
        self._attr_volume_level = volume
        self.async_write_ha_state()

    async def async_media_play(self) -> None:
        """Play."""
        self._attr_state = MediaPlayerState.PLAYING
        self.async_write_ha_state()

    async def async_media_pause(self) -> None:
        """Pause."""
        self._attr_state = MediaPlayerState.PAUSED
        self.async_write_ha_state()
