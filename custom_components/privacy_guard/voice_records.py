"""Vendors' voice records, read from the entities their integrations make.

A voice record is an upload the vendor admits: the speaker woke and sent audio.
It is evidence of an upload, not of a request (vendors record their
misactivations too), and its content can show that the audio was not meant for
the speaker.

- Home Assistant's ``alexa_devices`` integration (2025.6+) has an event entity
  per Echo (``event.<echo>_voice_event``, event type ``triggered``) with the
  attributes ``intent``, ``voice_command``, ``voice_reply``,
  ``person_first_name`` and ``person_type``. It fires when its coordinator polls
  (every 300 s), so the event's time is when the record reached Home Assistant.
- Alexa Media Player (HACS) sets ``last_called`` on the media player that heard
  the last request, with ``last_called_timestamp`` (ms since the epoch, when
  Amazon recorded it) and ``last_called_summary`` (what was heard).
"""

from __future__ import annotations

from dataclasses import dataclass
import time

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
import homeassistant.util.dt as dt_util

# An event entity restores its last event at start-up: an event older than this
# is a record already seen before the restart, not a new one.
FRESH = 600.0
# How Amazon's voice history shows audio the speaker was not meant to hear
# (its text for such records is "Audio was not intended for Alexa"; some
# records carry only the wake word).
NOT_MEANT_TEXTS = ("not intended for", "audio could not be understood")
NOT_MEANT_INTENTS = frozenset({"WAKE_WORD_ONLY", "NOT_INTENDED", "UNINTENDED"})
UNUSABLE = frozenset({STATE_UNAVAILABLE, STATE_UNKNOWN, ""})


@dataclass(frozen=True, slots=True)
class VoiceRecord:
    """One record: when it was made, what was heard, whether it was meant."""

    # When the vendor recorded it, where it says so; else when it arrived.
    at: float
    # When it reached Home Assistant.
    received: float
    command: str | None
    not_meant: bool


def not_meant(command: str | None, intent: str | None) -> bool:
    """Return whether a record's content shows the audio was not meant."""
    text = (command or "").casefold()
    return any(marker in text for marker in NOT_MEANT_TEXTS) or (
        (intent or "").upper() in NOT_MEANT_INTENTS
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def voice_record(old: State | None, new: State | None) -> VoiceRecord | None:
    """Return the voice record a state change brings, or None."""
    if new is None or new.state in UNUSABLE:
        return None
    now = time.time()
    attributes = new.attributes
    if new.domain == "event":
        fired = dt_util.parse_datetime(new.state)
        if fired is None or (old is not None and old.state == new.state):
            return None
        if now - fired.timestamp() > FRESH:
            return None
        command = _text(attributes.get("voice_command"))
        return VoiceRecord(
            at=fired.timestamp(),
            received=now,
            command=command,
            not_meant=not_meant(command, _text(attributes.get("intent"))),
        )
    if new.domain == "media_player":
        stamp = attributes.get("last_called_timestamp")
        before = old.attributes.get("last_called_timestamp") if old else None
        if (
            old is None
            or attributes.get("last_called") is not True
            or not isinstance(stamp, int | float)
            or stamp == before
        ):
            return None
        command = _text(attributes.get("last_called_summary"))
        return VoiceRecord(
            at=min(now, stamp / 1000),
            received=now,
            command=command,
            not_meant=not_meant(command, None),
        )
    return None


def voice_record_entity(hass: HomeAssistant, media_player: str) -> str | None:
    """Return the vendor voice-record entity of the speaker's device or area.

    The alexa_devices voice event on the same device as the media player comes
    first, then one in the same area; an Alexa Media Player media player keeps
    its voice records itself (last_called).
    """
    registry = er.async_get(hass)
    player = registry.async_get(media_player)
    if player is None:
        return None
    if player.platform == "alexa_media":
        return media_player
    device_id = player.device_id
    area_id = player.area_id
    if area_id is None and device_id is not None:
        device = dr.async_get(hass).async_get(device_id)
        area_id = device.area_id if device else None
    same_area: str | None = None
    for entity in registry.entities.values():
        if entity.platform != "alexa_devices" or entity.domain != "event":
            continue
        if device_id is not None and entity.device_id == device_id:
            return entity.entity_id
        if same_area is None and area_id is not None and entity.area_id == area_id:
            same_area = entity.entity_id
    return same_area
