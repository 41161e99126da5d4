"""Demo smart speakers: media players that turn on and off and can be muted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import (
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
    MediaPlayerEntityFeature,
    MediaPlayerState,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .entity import DemoEntity, DemoHouse, async_delay, speaker_device, tv_device

DEFAULT_STATE = MediaPlayerState.IDLE
DEFAULT_VOLUME = 0.4


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add one media player per speaker."""
    house: DemoHouse = entry.runtime_data
    entities = [
        DemoSpeaker(house, speaker["name"]) for speaker in house.config["speakers"]
    ]
    if (talk := house.config.get("talk")) and talk.get("tv"):
        entities.append(DemoTV(house, talk["tv"]))
    async_add_entities(entities)


def _media_state(value: Any) -> MediaPlayerState | None:
    """Return a stored media player state, or None if it is none."""
    try:
        return MediaPlayerState(value)
    except ValueError:
        return None


def _volume(value: Any) -> float | None:
    """Return a stored volume, or None if it is none."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if 0 <= value <= 1 else None
    return None


class DemoSpeaker(DemoEntity, MediaPlayerEntity):
    """A speaker that turns on and off, plays, pauses and mutes."""

    _attr_supported_features = (
        MediaPlayerEntityFeature.VOLUME_MUTE
        | MediaPlayerEntityFeature.VOLUME_SET
        | MediaPlayerEntityFeature.PLAY
        | MediaPlayerEntityFeature.PAUSE
        | MediaPlayerEntityFeature.TURN_ON
        | MediaPlayerEntityFeature.TURN_OFF
    )

    def __init__(self, house: DemoHouse, name: str) -> None:
        """Create the speaker, on and unmuted."""
        super().__init__(house, name)
        self._attr_name = name
        self._attr_unique_id = f"privacy_demo_{slugify(name)}"
        self._attr_device_info = speaker_device(name)
        self.reset_values()

    def stored_values(self) -> dict[str, Any]:
        """Return the speaker's state, mute and volume (kept while it is off)."""
        return {
            "state": self._attr_state,
            ATTR_MEDIA_VOLUME_MUTED: self._attr_is_volume_muted,
            ATTR_MEDIA_VOLUME_LEVEL: self._attr_volume_level,
        }

    def restore_values(self, state: State | None, stored: Mapping[str, Any]) -> None:
        """Take back the last state, mute and volume.

        A stored state alone (without the extra data) has no mute or volume while
        the speaker is off: Home Assistant writes no attributes then.
        """
        attributes = state.attributes if state is not None else {}
        media_state = _media_state(stored.get("state"))
        if media_state is None and state is not None:
            media_state = _media_state(state.state)
        if media_state is not None:
            self._attr_state = media_state
        muted = stored.get(ATTR_MEDIA_VOLUME_MUTED)
        if not isinstance(muted, bool):
            muted = attributes.get(ATTR_MEDIA_VOLUME_MUTED)
        if isinstance(muted, bool):
            self._attr_is_volume_muted = muted
        volume = _volume(stored.get(ATTR_MEDIA_VOLUME_LEVEL))
        if volume is None:
            volume = _volume(attributes.get(ATTR_MEDIA_VOLUME_LEVEL))
        if volume is not None:
            self._attr_volume_level = volume

    def reset_values(self) -> None:
        """Go back to how the speaker starts: on, unmuted, at its default volume."""
        self._attr_state = DEFAULT_STATE
        self._attr_is_volume_muted = False
        self._attr_volume_level = DEFAULT_VOLUME

    async def async_turn_on(self) -> None:
        """Turn on."""
        if self._attr_state == MediaPlayerState.OFF:
            self._attr_state = DEFAULT_STATE
        self.async_write_ha_state()

    async def async_turn_off(self) -> None:
        """Turn off."""
        self._attr_state = MediaPlayerState.OFF
        self.async_write_ha_state()

    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute."""
        boots = self.boots
        await async_delay(self.house)
        if self.boots != boots:
            return  # The speaker rebooted meanwhile and lost the command.
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


class DemoTV(DemoSpeaker):
    """A TV: while it plays, its dialogue now and then wakes a speaker by mistake."""

    def __init__(self, house: DemoHouse, name: str) -> None:
        """Create the TV, playing."""
        super().__init__(house, name)
        self._attr_device_info = tv_device(name)

    def reset_values(self) -> None:
        """Go back to how the TV starts: playing."""
        super().reset_values()
        self._attr_state = MediaPlayerState.PLAYING
