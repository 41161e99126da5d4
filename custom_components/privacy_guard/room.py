"""Room microphones: speech heard in a room is evidence for its speakers.

Each room subentry runs a :class:`RoomListener` on its audio source (a Wyoming
mic server, or a stream or camera decoded by Home Assistant's ffmpeg). Speech
segments go to the correlator, linked to the speakers of the room, so an upload
that follows speech counts as asked for. No audio leaves the listener.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.requirements import RequirementsNotFound, async_process_requirements
import homeassistant.util.dt as dt_util

from .audio.listener import RoomListener
from .audio.sources import (
    AudioSource,
    FfmpegSource,
    WyomingSource,
    redact_url,
    valid_stream_url,
)
from .audio.vad import DEFAULT_HANGOVER, DEFAULT_THRESHOLD
from .const import (
    CONF_CAMERA,
    CONF_HANGOVER,
    CONF_PROBE_PLAYER,
    CONF_SOURCE,
    CONF_SPEAKERS,
    CONF_VAD_THRESHOLD,
    CONF_WAKE_WORDS,
    DOMAIN,
    EVENT_WAKE_WORD,
    LOGGER,
    SUBENTRY_ROOM,
    WAKE_WORD_REQUIREMENT,
    RoomSource,
)
from .correlate import SPOTTING, EvidenceSource
from .repairs import Issue, async_clear, async_raise
from .signals import async_notify, async_send_wake_word

if TYPE_CHECKING:
    from .monitor import HouseMonitor


@dataclass(frozen=True, slots=True)
class RoomConfig:
    """One room microphone, as configured in its subentry."""

    source: RoomSource = RoomSource.WYOMING
    host: str | None = None
    port: int | None = None
    url: str | None = None
    camera: str | None = None
    vad_threshold: float = DEFAULT_THRESHOLD
    hangover: float = DEFAULT_HANGOVER

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RoomConfig:
        """Read a room subentry's data."""
        port = data.get(CONF_PORT)
        return cls(
            source=RoomSource(data.get(CONF_SOURCE, RoomSource.WYOMING)),
            host=data.get(CONF_HOST) or None,
            port=int(port) if port is not None else None,
            url=data.get(CONF_URL),
            camera=data.get(CONF_CAMERA) or None,
            vad_threshold=float(data.get(CONF_VAD_THRESHOLD, DEFAULT_THRESHOLD)),
            hangover=float(data.get(CONF_HANGOVER, DEFAULT_HANGOVER)),
        )


@dataclass(slots=True)
class Room:
    """One room microphone and what it last reported."""

    room_id: str
    name: str
    config: RoomConfig
    speakers: tuple[str, ...]
    listener: RoomListener | None = None
    speech: bool = False
    connected: bool = False
    probability: float | None = None
    wake_words: tuple[str, ...] = ()
    # Whether its wake-word spotter runs: only then is speech without a wake
    # word a misactivation.
    spotting: bool = False
    # A media player in the room that plays self-test probes.
    probe_player: str | None = None

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> Room:
        """Read a room subentry."""
        return cls(
            room_id=subentry.subentry_id,
            name=subentry.title,
            config=RoomConfig.from_data(subentry.data),
            speakers=tuple(subentry.data.get(CONF_SPEAKERS, ())),
            wake_words=tuple(subentry.data.get(CONF_WAKE_WORDS, ())),
            probe_player=subentry.data.get(CONF_PROBE_PLAYER) or None,
        )


class Rooms:
    """Every room microphone of the house."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        speaker_ids: Iterable[str],
        monitor: HouseMonitor,
    ) -> None:
        """Read the room subentries; ``speaker_ids``: the house's speakers."""
        self.hass = hass
        self.entry_id = entry.entry_id
        self.speaker_ids = frozenset(speaker_ids)
        self.monitor = monitor
        self.rooms = {
            subentry.subentry_id: Room.from_subentry(subentry)
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_ROOM
        }

    async def async_start(self) -> None:
        """Link rooms to their speakers and start listening."""
        spotting = await self._async_wake_word_library()
        for room in self.rooms.values():
            speakers = [sid for sid in room.speakers if sid in self.speaker_ids]
            self.monitor.correlator.link_room(room.room_id, speakers)
            source = await self._async_source(room)
            if source is None:
                continue
            room.spotting = bool(room.wake_words and spotting)
            room.listener = RoomListener(
                source,
                on_speech=partial(self._speech, room),
                on_probability=partial(self._probability, room),
                on_connected=partial(self._connected, room),
                on_never_connected=partial(self._never, room),
                threshold=room.config.vad_threshold,
                hangover=room.config.hangover,
                wake_words=room.wake_words if spotting else (),
                on_wake_word=partial(self._wake_word, room) if spotting else None,
                on_wake_word_unavailable=partial(self._no_wake_words, room),
            )
            room.listener.start()

    async def _async_wake_word_library(self) -> bool:
        """Install the wake-word library when a room wants it; False if it cannot."""
        wanting = [room for room in self.rooms.values() if room.wake_words]
        if not wanting:
            return False
        try:
            await async_process_requirements(self.hass, DOMAIN, [WAKE_WORD_REQUIREMENT])
        except RequirementsNotFound as err:
            for room in wanting:
                self._no_wake_words(room, str(err))
            return False
        return True

    async def async_stop(self) -> None:
        """Stop every listener."""
        for room in self.rooms.values():
            if room.listener is not None:
                await room.listener.async_stop()
                room.listener = None

    async def _async_source(self, room: Room) -> AudioSource | None:
        config = room.config
        if config.source is RoomSource.WYOMING:
            if config.host is None or config.port is None:
                self._unreachable(room)
                return None
            return WyomingSource(config.host, config.port)
        if config.source is RoomSource.URL:
            stored = str(config.url or "")
            if not valid_stream_url(stored):
                # Stored before URLs were checked this strictly: never run.
                LOGGER.warning(
                    "%s: its stream URL is not one URL, not listening: %s",
                    room.name,
                    redact_url(stored),
                )
                self._unreachable(room)
                return None
            return FfmpegSource(self.hass, stored)
        # Imported here: the camera component is heavy and only rooms need it.
        from homeassistant.components.camera import (  # noqa: PLC0415
            async_get_stream_source,
        )

        try:
            url = await async_get_stream_source(self.hass, str(config.camera))
        except HomeAssistantError as err:
            url = None
            LOGGER.warning("%s: camera %s: %s", room.name, config.camera, err)
        if not url:
            self._unreachable(room)
            return None
        return FfmpegSource(self.hass, url)

    # ------------------------------------------------------------- callbacks
    @callback
    def _speech(self, room: Room, speech: bool, at: datetime) -> None:
        room.speech = speech
        correlator = self.monitor.correlator
        if speech:
            correlator.open(room.room_id, EvidenceSource.SPEECH, at.timestamp())
        else:
            correlator.close(room.room_id, EvidenceSource.SPEECH, at.timestamp())
        async_notify(self.hass, self.entry_id, room.room_id)

    @callback
    def _probability(self, room: Room, probability: float) -> None:
        room.probability = round(probability, 3) if probability >= 0 else None
        async_notify(self.hass, self.entry_id, room.room_id)

    @callback
    def _connected(self, room: Room, connected: bool) -> None:
        room.connected = connected
        # While connected the room witnesses silence too, and, spotting wake
        # words, speech without one.
        now = dt_util.utcnow().timestamp()
        correlator = self.monitor.correlator
        if connected:
            correlator.open(
                room.room_id,
                EvidenceSource.LISTENING,
                now,
                detail=(
                    f"{SPOTTING}:{','.join(sorted(room.wake_words))}"
                    if room.spotting
                    else None
                ),
            )
        else:
            correlator.close(room.room_id, EvidenceSource.LISTENING, now)
        if connected:
            async_clear(self.hass, Issue.ROOM_UNREACHABLE, room.room_id)
        async_notify(self.hass, self.entry_id, room.room_id)

    @callback
    def _wake_word(self, room: Room, word: str, at: datetime) -> None:
        correlator = self.monitor.correlator
        correlator.record(
            room.room_id, EvidenceSource.WAKE_WORD, at.timestamp(), detail=word
        )
        # The word a self-test's probe is saying to one of the room's
        # speakers: most likely the probe, not a person.
        self_test = any(
            correlator.open_detail(speaker_id, EvidenceSource.SELF_TEST) == word
            for speaker_id in room.speakers
        )
        self.hass.bus.async_fire(
            EVENT_WAKE_WORD,
            {
                "room_id": room.room_id,
                "name": room.name,
                "wake_word": word,
                "self_test": self_test,
            },
        )
        async_send_wake_word(self.hass, self.entry_id, room.room_id, word, self_test)

    @callback
    def _no_wake_words(self, room: Room, reason: str) -> None:
        LOGGER.warning("%s: wake words cannot be spotted: %s", room.name, reason)
        if room.spotting:
            room.spotting = False
            if room.connected:
                # Listening on, but no longer a witness of wake words.
                self._connected(room, False)
                self._connected(room, True)
        async_raise(
            self.hass,
            Issue.WAKE_WORD_UNAVAILABLE,
            room.room_id,
            placeholders={"room": room.name, "reason": reason},
        )

    @callback
    def _never(self, room: Room, attempts: int) -> None:
        LOGGER.warning("%s: no audio after %d attempts", room.name, attempts)
        self._unreachable(room)

    def _unreachable(self, room: Room) -> None:
        async_raise(
            self.hass,
            Issue.ROOM_UNREACHABLE,
            room.room_id,
            placeholders={"room": room.name},
        )
