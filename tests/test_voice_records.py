"""Vendors' voice records: uploads the vendor admits, counted once, judged fairly.

The voice event is shaped as Home Assistant's own alexa_devices integration
writes it (event type ``triggered``; attributes intent, voice_command,
voice_reply, person_first_name, person_type; fired when its coordinator polls).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.privacy_guard.const import DOMAIN, EVENT_UPLOAD
from custom_components.privacy_guard.voice_records import not_meant, voice_record

from .conftest import HouseFactory, speaker_subentry
from .helpers import state, tick

VOICE = "event.kitchen_echo_voice_event"
AMP = "media_player.kitchen_echo_amp"
TRAFFIC = "sensor.kitchen_echo_bytes_sent"
UPLOADS = "sensor.kitchen_echo_uploads"
RECORDS = "sensor.kitchen_echo_voice_records"


def voice_event(**attributes: Any) -> dict[str, Any]:
    return {
        "event_type": "triggered",
        "event_types": ["triggered"],
        "intent": "PlayMusicIntent",
        "voice_command": "play some jazz",
        "voice_reply": "Here's a jazz station.",
        "person_first_name": None,
        "person_type": None,
        **attributes,
    }


async def house(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    **extra: Any,
) -> MockConfigEntry:
    freezer.move_to("2026-11-25 12:00:00+00:00")
    await setup_house([{"name": "Kitchen Echo"}])
    hass.states.async_set(VOICE, "unknown", voice_event())
    hass.states.async_set(TRAFFIC, "0", {"unit_of_measurement": "B"})
    subentry = speaker_subentry("Kitchen Echo")
    subentry["data"] = {**subentry["data"], "voice_entity": VOICE, **extra}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={"presence_mode": "zone", "zone": "zone.home", "presence_entities": []},
        options={"debounce": 120},
        subentries_data=[subentry],
        entry_id="house01",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def fire(hass: HomeAssistant, **attributes: Any) -> None:
    """The alexa_devices coordinator polled and found a new voice record."""
    hass.states.async_set(
        VOICE, dt_util.utcnow().isoformat(), voice_event(**attributes)
    )
    await hass.async_block_till_done()


async def test_a_voice_record_without_traffic_is_one_upload(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    uploads = async_capture_events(hass, EVENT_UPLOAD)
    await house(hass, setup_house, freezer)
    await fire(hass)
    assert state(hass, UPLOADS) == "1"
    assert state(hass, RECORDS) == "1"
    assert [(e.data["kind"], e.data["witness"], e.data["source"]) for e in uploads] == [
        ("requested", "speaker", "voice_record")
    ]
    # The speaker's word proves an upload, not a request: it says so.
    assert state(hass, "sensor.kitchen_echo_requested_uploads") == "1"

    # A record of audio not meant for the speaker is a misactivation.
    await tick(hass, freezer, 300)
    await fire(hass, voice_command="Audio was not intended for Alexa", intent=None)
    assert [e.data["kind"] for e in uploads][-1] == "misactivation"
    assert state(hass, "sensor.kitchen_echo_misactivations") == "1"
    assert state(hass, UPLOADS) == "2"


async def test_a_voice_record_and_its_traffic_are_one_upload(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Traffic sees the upload; the record comes when alexa_devices polls."""
    uploads = async_capture_events(hass, EVENT_UPLOAD)
    await house(
        hass, setup_house, freezer, traffic_entity=TRAFFIC, profile="amazon_echo"
    )
    total = 0
    for rate in [300] * 3 + [20_000] * 4 + [300] * 6:
        total += rate
        freezer.tick(timedelta(seconds=1))
        hass.states.async_set(TRAFFIC, str(total), {"unit_of_measurement": "B"})
        await hass.async_block_till_done()
    await tick(hass, freezer, 10)
    assert state(hass, UPLOADS) == "1"
    # Up to one poll interval (300 s) later: the vendor's record of it.
    await tick(hass, freezer, 200)
    await fire(hass)
    await tick(hass, freezer, 120)
    assert state(hass, UPLOADS) == "1"
    assert state(hass, RECORDS) == "1"
    assert len(uploads) == 1
    assert uploads[0].data["source"] == "traffic"

    # A record no traffic upload matches (too quiet to see) counts on its own,
    # once it had time to be matched.
    await tick(hass, freezer, 600)
    await fire(hass)
    assert state(hass, UPLOADS) == "1"
    await tick(hass, freezer, 65)
    assert state(hass, UPLOADS) == "2"
    assert state(hass, RECORDS) == "2"
    assert [e.data["source"] for e in uploads] == ["traffic", "voice_record"]


async def test_an_old_record_restored_at_start_is_not_new(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    await house(hass, setup_house, freezer)
    # After a restart the event entity writes back its last event, hours old.
    old = (dt_util.utcnow() - timedelta(hours=3)).isoformat()
    hass.states.async_set(VOICE, "unavailable", voice_event())
    hass.states.async_set(VOICE, old, voice_event())
    await hass.async_block_till_done()
    assert state(hass, UPLOADS) == "0"
    assert state(hass, RECORDS) == "0"


async def test_alexa_media_player_last_called(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Alexa Media Player's last_called_timestamp marks each record."""
    freezer.move_to("2026-11-25 12:00:00+00:00")
    hass.states.async_set(AMP, "idle", {"last_called": False})
    uploads = async_capture_events(hass, EVENT_UPLOAD)
    await house(hass, setup_house, freezer, voice_entity=AMP)
    stamp = int(dt_util.utcnow().timestamp() * 1000) - 2000
    attributes = {
        "last_called": True,
        "last_called_timestamp": stamp,
        "last_called_summary": "what's the weather",
    }
    hass.states.async_set(AMP, "idle", attributes)
    await hass.async_block_till_done()
    # Attribute churn of the same record is not another one.
    hass.states.async_set(AMP, "playing", attributes)
    await hass.async_block_till_done()
    assert state(hass, UPLOADS) == "1"
    assert (
        uploads[0].data["start"] == dt_util.utc_from_timestamp(stamp / 1000).isoformat()
    )


@pytest.mark.parametrize(
    ("command", "intent", "expected"),
    [
        ("Audio was not intended for Alexa", None, True),
        ("play some jazz", "PlayMusicIntent", False),
        (None, "WAKE_WORD_ONLY", True),
        (None, None, False),
    ],
)
def test_not_meant(command: str | None, intent: str | None, expected: bool) -> None:
    assert not_meant(command, intent) is expected


def test_states_that_are_no_record() -> None:
    fired = dt_util.utcnow().isoformat()
    assert voice_record(None, None) is None
    assert voice_record(None, State(VOICE, "unavailable")) is None
    assert voice_record(None, State(VOICE, "not a time")) is None
    assert voice_record(State(VOICE, fired), State(VOICE, fired)) is None
    assert voice_record(None, State("sensor.other", "1")) is None
    record = voice_record(None, State(VOICE, fired, voice_event()))
    assert record is not None
    assert record.command == "play some jazz"
    assert not record.not_meant
    # A media player that was not last called, or without a timestamp.
    before = State(AMP, "idle", {"last_called": False})
    assert voice_record(before, State(AMP, "idle", {"last_called": False})) is None
    assert voice_record(None, State(AMP, "idle", {"last_called": True})) is None
    assert voice_record(before, State(AMP, "idle", {"last_called": True})) is None
