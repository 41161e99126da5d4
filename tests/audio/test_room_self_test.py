"""A room microphone tells a self-test whether its probe was heard at all.

A real Wyoming server streams a clip in real time; the self-test plays its probe
through the demo's radio and watches for the probe's window (5 s, real time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
import time
from typing import Any
import wave

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import homeassistant.util.dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.privacy_guard.const import DOMAIN, EVENT_WAKE_WORD
from custom_components.privacy_guard.probe_window import QUIET_BEFORE, Asking
from tests.conftest import HouseFactory, speaker_subentry
from tests.helpers import logbook_entry, run_self_test, settle, state, switch

from .conftest import Clip, Clips, ClipServer, WakeClips, _room_floor
from .helpers import wait_for

RING = "binary_sensor.kitchen_echo_light_ring"
CONNECTED = "binary_sensor.kitchen_source_connected"
SPEECH = "binary_sensor.kitchen_speech_heard"


async def start(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    port: int,
    wake_words: list[str] | None = None,
) -> MockConfigEntry:
    """The Echo, guarded, a radio beside it and a room microphone listening."""
    hass.config.internal_url = "http://127.0.0.1:8123"
    await setup_house(
        [{"name": "Kitchen Echo", "profile": "amazon_echo", "area": "Kitchen"}],
        demo={"probe_players": [{"name": "Kitchen Radio", "area": "Kitchen"}]},
    )
    # Its vendor's light ring, as a witness of a wake.
    hass.states.async_set(RING, "off")
    speaker = speaker_subentry("Kitchen Echo")
    speaker["data"] = {**speaker["data"], "wake_entity": RING, "profile": "amazon_echo"}
    room = ConfigSubentryData(
        data={
            "source": "wyoming",
            "host": "127.0.0.1",
            "port": port,
            "speakers": ["kitchen_echo_id"],
            "vad_threshold": 0.5,
            "hangover": 0.7,
            "probe_player": "media_player.kitchen_radio",
            **({"wake_words": wake_words} if wake_words else {}),
        },
        subentry_id="kitchen_id",
        subentry_type="room",
        title="Kitchen",
        unique_id=None,
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={"presence_mode": "zone", "zone": "zone.home", "presence_entities": []},
        options={"debounce": 120},
        subentries_data=[speaker, room],
        entry_id="house01",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    await switch(hass, "switch.home_privacy_mode", True)
    return entry


async def test_a_probe_the_room_never_heard_proves_nothing(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    clip_server: Callable[..., Any],
) -> None:
    """The room listened all along and heard no speech: inconclusive."""
    noise = next(clip for clip in clips.noise if clip.name == "pinknoise")
    server: ClipServer = await clip_server(noise, pace=1024 / noise.rate, repeat=True)
    entry = await start(hass, setup_house, server.port)
    await wait_for(lambda: state(hass, CONNECTED) == "on")
    # Listening for a while before the probe: a room just connected cannot
    # tell talk already going on from the probe.
    await asyncio.sleep(QUIET_BEFORE + 0.5)
    result = await run_self_test(hass)
    assert result["result"] == "inconclusive"
    assert result["reason"] == "not_heard"
    assert result["player"] == "media_player.kitchen_radio"
    assert await hass.config_entries.async_unload(entry.entry_id)


def late_speech(clips: Clips, folder: Path) -> Clip:
    """The first speech clip with two more seconds of silence before it."""
    speech = clips.speech[0]
    path = folder / "late-speech.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(speech.rate)
        wav.writeframes(bytes(2 * speech.rate * 2) + speech.frames())
    assert speech.speech is not None
    start, end = speech.speech
    return Clip("late-speech", path, speech.rate, 2, 1, (start + 2, end + 2))


async def test_a_probe_the_room_heard_holds(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    clip_server: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """The room was quiet, then heard speech as the probe played; the Echo did
    not wake: held. (The clip's 4 s of silence, then speech, stand for the
    probe heard from the radio.)"""
    clip = clips.convert(late_speech(clips, tmp_path), 22_050, 2)
    server: ClipServer = await clip_server(clip, pace=1024 / 22_050)
    entry = await start(hass, setup_house, server.port)
    await wait_for(lambda: state(hass, CONNECTED) == "on")
    await asyncio.sleep(QUIET_BEFORE + 0.5)
    result = await run_self_test(hass)
    assert result["result"] == "held"
    assert result["probe"] == "heard"
    assert "speech_heard" in [item["kind"] for item in result["evidence"]]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_the_probes_wake_word_is_marked_as_the_self_tests(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    wake_clips: WakeClips,
    clip_server: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """The room's spotter hears "Alexa, ..." while the probe plays: its wake-word
    event says a self-test was under way, and so does the logbook (the probe,
    most likely, not a person)."""
    wake = wake_clips.alexa[0]
    path = tmp_path / "late-alexa.wav"
    # Three more seconds of the quiet room before it: the room listens first.
    quiet = _room_floor(3.0)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(wake.rate)
        wav.writeframes(quiet + wake.frames())
    server: ClipServer = await clip_server(
        Clip("late-alexa", path, wake.rate, 2, 1), pace=1024 / wake.rate
    )
    heard = async_capture_events(hass, EVENT_WAKE_WORD)
    entry = await start(hass, setup_house, server.port, wake_words=["alexa"])
    await wait_for(lambda: state(hass, CONNECTED) == "on")
    await asyncio.sleep(QUIET_BEFORE + 0.5)
    result = await run_self_test(hass)
    assert result["result"] == "held"
    assert "wake_word_heard" in [item["kind"] for item in result["evidence"]]
    assert [(event.data["wake_word"], event.data["self_test"]) for event in heard] == [
        ("alexa", True)
    ]
    event = hass.states.get("event.kitchen_wake_word")
    assert event is not None
    assert event.attributes["self_test"] is True
    assert logbook_entry(hass, heard[0])["message"] == (
        "heard the wake word alexa while a self-test's probe played"
    )
    # A word the probe is not saying is a person's; after the window, the
    # probe's own word is too.
    rooms = entry.runtime_data.rooms
    asking = Asking(entry.runtime_data.monitor.correlator, ["kitchen_echo_id"], "alexa")
    asking.begin(time.time())
    rooms._wake_word(rooms.rooms["kitchen_id"], "okay_nabu", dt_util.utcnow())
    asking.end(time.time())
    rooms._wake_word(rooms.rooms["kitchen_id"], "alexa", dt_util.utcnow())
    assert [(event.data["wake_word"], event.data["self_test"]) for event in heard] == [
        ("alexa", True),
        ("okay_nabu", False),
        ("alexa", False),
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_speech_already_under_way_is_not_the_probe(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    clip_server: Callable[..., Any],
) -> None:
    """People (or a television) were talking when the probe began: the room
    cannot tell the probe from them, so it proves nothing either way."""
    clip = clips.convert(clips.speech[0], 22_050, 2)
    server: ClipServer = await clip_server(clip, pace=1024 / 22_050, repeat=True)
    entry = await start(hass, setup_house, server.port)
    await wait_for(lambda: state(hass, SPEECH) == "on")
    result = await run_self_test(hass)
    assert result["result"] == "inconclusive"
    assert result["reason"] == "unverified"
    assert "speech_heard" not in [item["kind"] for item in result["evidence"]]
    assert await hass.config_entries.async_unload(entry.entry_id)
