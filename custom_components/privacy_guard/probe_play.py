"""Playing a self-test's probe: the house's TTS engine, or a clip served locally."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Final

from homeassistant.components.media_player.const import (
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .selftest import probe_message

# Where the shipped probe clips are served (no login: a speaker fetches them).
CLIP_URL: Final = "/privacy_guard/probe"
CLIP_DIR: Final = Path(__file__).parent / "probe"
# How long a probe player may take to accept the probe.
PLAY_TIMEOUT: Final = 15.0
UNAVAILABLE_STATES: Final = (STATE_UNAVAILABLE, STATE_UNKNOWN)


async def async_play(
    hass: HomeAssistant, player: str, wake_word: str, voice: str
) -> str | None:
    """Play the probe; return what went wrong, or None."""
    state = hass.states.get(player)
    if state is None or state.state in UNAVAILABLE_STATES:
        return f"{player} is not available"
    if state.attributes.get(ATTR_MEDIA_VOLUME_MUTED) is True:
        return f"{player} is muted"
    volume = state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL)
    if isinstance(volume, int | float) and volume <= 0:
        return f"{player} is at volume 0"
    if voice != "clip":
        domain, service = "tts", "speak"
        data: dict[str, Any] = {
            ATTR_ENTITY_ID: voice,
            "media_player_entity_id": player,
            "message": probe_message(wake_word),
        }
    else:
        try:
            # The player fetches it in the house: never a cloud or
            # external address.
            base_url = get_url(
                hass, allow_external=False, allow_cloud=False, allow_ip=True
            )
        except NoURLAvailableError:
            return "Home Assistant has no URL a player can fetch the probe from"
        domain, service = "media_player", "play_media"
        data = {
            ATTR_ENTITY_ID: player,
            "media_content_id": f"{base_url}{CLIP_URL}/{wake_word}.mp3",
            "media_content_type": "music",
        }
    try:
        async with asyncio.timeout(PLAY_TIMEOUT):
            await hass.services.async_call(domain, service, data, blocking=True)
    except asyncio.CancelledError:
        raise
    except Exception as err:  # whatever a player raises: not played
        return str(err) or type(err).__name__
    return None


def volume_of(state: State | None) -> float | None:
    """Return a media player's volume level, where it reports one."""
    volume = state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL) if state else None
    return float(volume) if isinstance(volume, int | float) else None
