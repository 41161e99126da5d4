"""Room microphones in a real Home Assistant: a real Wyoming server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.requirements import RequirementsNotFound
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.privacy_guard.const import DOMAIN
from tests.conftest import HouseFactory, speaker_subentry

from .conftest import Clips, ClipServer, WakeClips
from .helpers import wait_for

SPEECH = "binary_sensor.living_room_speech_heard"
CONNECTED = "binary_sensor.living_room_source_connected"


def room_subentry(**data: Any) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={
            "source": "wyoming",
            "host": "127.0.0.1",
            "speakers": ["kitchen_echo_id"],
            "vad_threshold": 0.5,
            "hangover": 0.7,
            **data,
        },
        subentry_id="living_room_id",
        subentry_type="room",
        title="Living room",
        unique_id=None,
    )


def echo() -> ConfigSubentryData:
    """The Kitchen Echo: it answers to "Alexa"."""
    subentry = speaker_subentry("Kitchen Echo")
    subentry["data"] = {**subentry["data"], "profile": "amazon_echo"}
    return subentry


async def start_house(
    hass: HomeAssistant, setup_house: HouseFactory, room: ConfigSubentryData
) -> MockConfigEntry:
    await setup_house([{"name": "Kitchen Echo"}])
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={"presence_mode": "zone", "zone": "zone.home", "presence_entities": []},
        options={"debounce": 120},
        subentries_data=[echo(), room],
        entry_id="house01",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def record_states(hass: HomeAssistant, entity_id: str) -> list[str]:
    seen: list[str] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            seen.append(state.state)

    async_track_state_change_event(hass, [entity_id], _changed)
    return seen


async def upload_verdict(hass: HomeAssistant) -> str:
    response = await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {"entity_id": "sensor.kitchen_echo_uploads", "bytes": 30_000},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    verdicts: dict[str, str] = response["verdicts"]  # type: ignore[assignment]
    return verdicts["Kitchen Echo"]


async def test_speech_without_the_wake_word_is_a_misactivation(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    clip_server: Callable[..., Any],
) -> None:
    """People talk, the room's spotter hears no wake word: a misactivation."""
    # Streamed in real time, as a microphone would: speech times are wall times.
    # Over and over: by the second time people talk, the room has listened
    # through a whole window before the upload.
    clip = clips.convert(clips.speech[0], 22_050, 2)
    server: ClipServer = await clip_server(clip, pace=1024 / 22_050, repeat=True)
    seen = record_states(hass, SPEECH)
    entry = await start_house(
        hass, setup_house, room_subentry(port=server.port, wake_words=["alexa"])
    )
    await wait_for(lambda: seen[-3:] == ["on", "off", "on"], seconds=30)
    assert hass.states.get(CONNECTED).state == "on"
    assert await upload_verdict(hass) == "misactivation"
    await wait_for(lambda: seen[-1] == "off")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_speech_in_a_room_that_cannot_spot_wake_words_proves_nothing(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    clip_server: Callable[..., Any],
) -> None:
    """Speech heard by a room without a spotter is no request, nor a misactivation."""
    clip = clips.convert(clips.speech[0], 22_050, 2)
    server: ClipServer = await clip_server(clip, pace=1024 / 22_050)
    seen = record_states(hass, SPEECH)
    entry = await start_house(hass, setup_house, room_subentry(port=server.port))
    await wait_for(lambda: "on" in seen)
    assert await upload_verdict(hass) == "unsolicited"
    await wait_for(lambda: seen[-1] == "off")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_silence_never_counts_and_upload_is_unsolicited(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    clip_server: Callable[..., Any],
    entity_registry: er.EntityRegistry,
) -> None:
    """Noise streams in, nobody talks: an upload then is silent."""
    noise = next(clip for clip in clips.noise if clip.name == "pinknoise")
    # In real time: the room is listening while the speaker uploads.
    server: ClipServer = await clip_server(noise, pace=1024 / noise.rate, repeat=True)
    seen = record_states(hass, SPEECH)
    connected = record_states(hass, CONNECTED)
    entry = await start_house(hass, setup_house, room_subentry(port=server.port))
    await wait_for(lambda: "on" in connected)
    # Listening through the whole window before the upload (5 s): silent.
    await asyncio.sleep(5.5)
    assert await upload_verdict(hass) == "silent"
    assert "on" not in seen
    # The microphone drops: a room that did not listen through the window
    # before an upload says nothing about it.
    await server.stop()
    await wait_for(lambda: connected[-1] == "off")
    assert await upload_verdict(hass) == "unsolicited"
    probability = entity_registry.async_get("sensor.living_room_speech_probability")
    assert probability is not None
    assert probability.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_unreachable_camera_raises_repair(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A camera without a stream is reported, and the rest keeps working."""
    entry = await start_house(
        hass,
        setup_house,
        room_subentry(source="camera", camera="camera.nowhere", host=None),
    )
    assert issue_registry.async_get_issue(DOMAIN, "room_unreachable_living_room_id")
    assert hass.states.get(SPEECH).state == "off"
    assert await upload_verdict(hass) == "unsolicited"
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_stored_url_of_many_words_is_never_run(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A URL stored before URLs were checked: no ffmpeg at all, a repair, and
    the password in it stays out of the log."""
    url = "http://u:pw@cam.local/in.wav -f wav -y /config/www/stored.wav"
    with patch("custom_components.privacy_guard.audio.sources.HAFFmpeg") as ffmpeg:
        entry = await start_house(
            hass, setup_house, room_subentry(source="url", url=url, host=None)
        )
    ffmpeg.assert_not_called()
    assert issue_registry.async_get_issue(DOMAIN, "room_unreachable_living_room_id")
    assert "not one URL" in caplog.text
    assert "pw@" not in caplog.text
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_wake_word_heard_by_the_room(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    wake_clips: WakeClips,
    clip_server: Callable[..., Any],
) -> None:
    """ "Alexa, ..." in the room: the wake word event fires, the upload is asked for."""
    clip = clips.convert(wake_clips.alexa[0], 22_050, 1)
    server: ClipServer = await clip_server(clip, pace=1024 / 22_050)
    seen = record_states(hass, "event.living_room_wake_word")
    entry = await start_house(
        hass, setup_house, room_subentry(port=server.port, wake_words=["alexa"])
    )
    await wait_for(lambda: len(seen) >= 2)  # created (unknown), then fired
    event = hass.states.get("event.living_room_wake_word")
    assert event.attributes["event_type"] == "alexa"
    # No self-test was under way: a person's.
    assert event.attributes["self_test"] is False
    assert await upload_verdict(hass) == "requested"
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_wake_words_unavailable_keeps_speech(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    clips: Clips,
    clip_server: Callable[..., Any],
    issue_registry: ir.IssueRegistry,
) -> None:
    """Where the library cannot be installed: a repair, and speech still heard.

    Without a spotter the room cannot tell a request from a misactivation.
    """
    clip = clips.convert(clips.speech[0], 22_050, 1)
    server: ClipServer = await clip_server(clip, pace=1024 / 22_050)
    seen = record_states(hass, SPEECH)
    with patch(
        "custom_components.privacy_guard.room.async_process_requirements",
        side_effect=RequirementsNotFound(DOMAIN, ["pymicro-wakeword==2.5.0"]),
    ):
        entry = await start_house(
            hass, setup_house, room_subentry(port=server.port, wake_words=["alexa"])
        )
    issue = issue_registry.async_get_issue(
        DOMAIN, "wake_word_unavailable_living_room_id"
    )
    assert issue is not None
    await wait_for(lambda: "on" in seen)
    assert await upload_verdict(hass) == "unsolicited"
    assert await hass.config_entries.async_unload(entry.entry_id)
