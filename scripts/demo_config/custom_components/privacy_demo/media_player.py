"""Demo smart speakers: media players that turn on and off and can be muted.

Besides the speakers: the TV of ``talk`` and the probe players, radios whose
clips of a wake word the speakers in their room hear.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import logging
from typing import Any

from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import (
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import slugify

from .entity import (
    DemoEntity,
    DemoHouse,
    async_delay,
    probe_device,
    speaker_device,
    tv_device,
)
from .talk import probe_word

LOGGER = logging.getLogger(__name__)
DEFAULT_STATE = MediaPlayerState.IDLE
DEFAULT_VOLUME = 0.4
SPEAKER_FEATURES = (
    MediaPlayerEntityFeature.VOLUME_MUTE
    | MediaPlayerEntityFeature.VOLUME_SET
    | MediaPlayerEntityFeature.PLAY
    | MediaPlayerEntityFeature.PAUSE
    | MediaPlayerEntityFeature.TURN_ON
    | MediaPlayerEntityFeature.TURN_OFF
)
# How long a probe player plays what it is given: a probe clip's length.
PLAY_SECONDS = 3.0


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
    entities.extend(
        DemoProbePlayer(house, player["name"])
        for player in house.config.get("probe_players", [])
    )
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


def _area_of(entity: Entity) -> str | None:
    """Return the area an entity is in: its own, else its device's."""
    entry = entity.registry_entry
    if entry is None:
        return None
    if entry.area_id:
        return entry.area_id
    device = dr.async_get(entity.hass).async_get(entry.device_id or "")
    return device.area_id if device is not None else None


class DemoSpeaker(DemoEntity, MediaPlayerEntity):
    """A speaker that turns on and off, plays, pauses and mutes."""

    _attr_supported_features = SPEAKER_FEATURES

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


class DemoProbePlayer(DemoSpeaker):
    """A radio in a room: the speakers in that room hear what it plays.

    Privacy Guard's self-test plays a clip of a speaker's wake word on it (a URL
    ending in ``/privacy_guard/probe/<wake word>.mp3``): every talking speaker
    in the radio's area hears that word, and the one it belongs to wakes
    (talk.py). Anything else is just played. Either plays ``PLAY_SECONDS``,
    then the radio is idle again.
    """

    _attr_supported_features = (
        SPEAKER_FEATURES
        | MediaPlayerEntityFeature.PLAY_MEDIA
        | MediaPlayerEntityFeature.MEDIA_ANNOUNCE
        | MediaPlayerEntityFeature.STOP
    )

    def __init__(self, house: DemoHouse, name: str) -> None:
        """Create the radio, idle, as a device of its own."""
        # Before the speaker's set-up: it resets the radio, which ends the clip.
        self._cancel_clip: CALLBACK_TYPE | None = None
        super().__init__(house, name)
        self._attr_device_info = probe_device(name)

    async def async_added_to_hass(self) -> None:
        """Restore the radio; the clip it played ends with it."""
        await super().async_added_to_hass()
        self.async_on_remove(self._async_end_clip)

    def restore_values(self, state: State | None, stored: Mapping[str, Any]) -> None:
        """Take back the last state, but not a clip: it ended long ago."""
        super().restore_values(state, stored)
        if self._attr_state == MediaPlayerState.PLAYING:
            self._attr_state = MediaPlayerState.IDLE

    def reset_values(self) -> None:
        """Go back to how the radio starts: idle, playing nothing."""
        super().reset_values()
        self._async_end_clip()
        self._attr_media_content_id = None
        self._attr_media_content_type = None

    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Play ``media_id``; a probe clip is heard by the speakers in the room.

        ``announce``, ``enqueue`` and ``extra`` change nothing for this radio.
        """
        self._attr_media_content_id = media_id
        self._attr_media_content_type = media_type
        self._async_play()
        self.async_write_ha_state()
        if (word := probe_word(media_id)) is not None:
            self._async_sound(word)

    async def async_media_play(self) -> None:
        """Play what the radio was given again, or just say it plays."""
        self._async_play()
        self.async_write_ha_state()

    async def async_media_pause(self) -> None:
        """Pause."""
        self._async_end_clip()
        await super().async_media_pause()

    async def async_media_stop(self) -> None:
        """Stop: idle, playing nothing."""
        self._async_end_clip()
        self._attr_state = MediaPlayerState.IDLE
        self._attr_media_content_id = None
        self._attr_media_content_type = None
        self.async_write_ha_state()

    async def async_turn_off(self) -> None:
        """Turn off, which ends the clip."""
        self._async_end_clip()
        await super().async_turn_off()

    @callback
    def _async_play(self) -> None:
        """Play for ``PLAY_SECONDS`` from now."""
        self._async_end_clip()
        self._attr_state = MediaPlayerState.PLAYING
        self._cancel_clip = async_call_later(
            self.hass, PLAY_SECONDS, self._async_clip_ended
        )

    @callback
    def _async_end_clip(self) -> None:
        """Forget the end of the clip under way, if any."""
        if self._cancel_clip is not None:
            self._cancel_clip()
            self._cancel_clip = None

    @callback
    def _async_clip_ended(self, _now: datetime) -> None:
        self._cancel_clip = None
        if self._attr_state == MediaPlayerState.PLAYING:
            self._attr_state = MediaPlayerState.IDLE
            self._attr_media_content_id = None
            self._attr_media_content_type = None
            self.async_write_ha_state()

    @callback
    def _async_sound(self, word: str) -> None:
        """Let the talking speakers in the radio's area hear ``word``.

        A speaker that is rebooting hears nothing; one without power or with
        its microphone muted hears nothing either (talk.py).
        """
        talk = self.house.talk
        area = _area_of(self)
        if talk is None or area is None:
            return
        near = [
            name
            for entity in self.house.entities
            if isinstance(entity, DemoSpeaker)
            and (name := entity.speaker) is not None
            and name in talk.speakers
            and not entity.rebooting
            and _area_of(entity) == area
        ]
        if (microphone := self.house.microphone) is not None:
            microphone.sound(near, word)
        woke = talk.hear(near, word)
        LOGGER.info(
            "%s played the wake word %s near %s: %s",
            self.speaker,
            word,
            ", ".join(near) or "no speaker",
            f"{', '.join(woke)} woke" if woke else "none woke",
        )
