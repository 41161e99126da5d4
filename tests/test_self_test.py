"""The self-test on a real Home Assistant: demo speakers that hear their probe.

The demo house's speakers stand in rooms with a probe player each; a speaker
that hears its own wake word lights its ring and, with its network open,
uploads through its router counter. Privacy Guard plays the probe and watches.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.privacy_guard.const import DOMAIN, EVENT_SELF_TEST, EVENT_UPLOAD
from custom_components.privacy_guard.logbook import async_describe_events

from .conftest import HouseFactory, house_entry, speaker_subentry
from .helpers import (
    person as person_context,
    press_self_test,
    run_self_test,
    settle,
    state,
    switch,
)

SPEAKERS: list[dict[str, Any]] = [
    {"name": "Kitchen Echo", "plug": True, "profile": "amazon_echo", "area": "Kitchen"},
    {"name": "Living Room Nest", "profile": "google_nest", "area": "Living Room"},
    {
        "name": "Bedroom HomePod",
        "mic_switch": False,
        "network_switch": False,
        "profile": "apple_homepod",
        "area": "Bedroom",
    },
]
PROBE_PLAYERS = [
    {"name": "Kitchen Radio", "area": "Kitchen"},
    {"name": "Living Room Speaker", "area": "Living Room"},
    {"name": "Bedroom Clock Radio", "area": "Bedroom"},
]
# Speakers that talk only when they hear something.
QUIET = {"interval": 3600, "first": 3600}
RESULT = "sensor.{}_self_test"
RADIO = "media_player.kitchen_radio"


@pytest.fixture
async def house(hass: HomeAssistant, setup_house: HouseFactory) -> None:
    """The demo house, wired into Privacy Guard through its own flows."""
    hass.config.internal_url = "http://127.0.0.1:8123"
    await setup_house(
        SPEAKERS,
        demo={
            "probe_players": PROBE_PLAYERS,
            "talk": QUIET,
            "guard": True,
            "debounce": 10,
        },
    )
    await settle(hass)
    assert hass.config_entries.async_entries(DOMAIN)


async def run_for(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: int
) -> None:
    """Let the house run, second by second (the demo ticks once a second)."""
    for _ in range(seconds):
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


async def press(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, speaker: str
) -> str:
    """Press a speaker's self-test button and wait out its window.

    The house runs two seconds first: its router counters report, so the
    window is watched from before it opens (after a reload, too).
    """
    await run_for(hass, freezer, 2)
    await press_self_test(hass, speaker)
    await hass.async_block_till_done()
    pressed = hass.states.get(RESULT.format(speaker))
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert pressed is not None, (entry.state, hass.states.async_entity_ids("button"))
    assert pressed.state == "running", {
        key: pressed.attributes.get(key) for key in ("reason", "error", "at", "player")
    }
    await run_for(hass, freezer, 22)
    await settle(hass)
    return state(hass, RESULT.format(speaker))


def evidence(hass: HomeAssistant, speaker: str) -> list[str]:
    current = hass.states.get(RESULT.format(speaker))
    assert current is not None
    return [item["kind"] for item in current.attributes["evidence"]]


async def privacy_mode(hass: HomeAssistant, on: bool) -> None:
    await switch(hass, "switch.demo_house_privacy_mode", on)


async def calibrate(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, *speakers: str
) -> None:
    """Allow calibration and prove, while not guarded, each probe wakes its speaker.

    Without a room microphone, that is what a later *held* rests on: the
    same player, wake word and voice reached the speaker before.
    """
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "calibration": True}
    )
    await settle(hass)
    for speaker in speakers:
        assert await press(hass, freezer, speaker) == "woke"


async def test_a_cut_microphone_holds(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Calibrated, then guarded with microphone and network cut: the probe that
    woke it before plays again, nothing answers."""
    await calibrate(hass, freezer, "kitchen_echo")
    played = async_capture_events(hass, "call_service")
    events = async_capture_events(hass, EVENT_SELF_TEST)
    await privacy_mode(hass, True)
    before = state(hass, "sensor.kitchen_echo_bytes_sent")
    assert await press(hass, freezer, "kitchen_echo") == "held"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["probe"] == "calibrated"
    assert attributes["wake_word"] == "alexa"
    assert attributes["player"] == "media_player.kitchen_radio"
    assert attributes["calibration"] is False
    # The probe really went to the kitchen's radio, as the shipped clip.
    media = [
        call.data["service_data"]
        for call in played
        if call.data["domain"] == "media_player"
        and call.data["service"] == "play_media"
    ]
    assert media == [
        {
            "entity_id": "media_player.kitchen_radio",
            "media_content_id": "http://127.0.0.1:8123/privacy_guard/probe/alexa.mp3",
            "media_content_type": "music",
        }
    ]
    assert state(hass, "sensor.kitchen_echo_bytes_sent") == before
    assert [event.data["result"] for event in events] == ["held"]
    # It changed nothing: still guarded exactly as before.
    assert state(hass, "switch.kitchen_echo_microphone_mute") == "on"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"


async def test_an_output_mute_leaks_with_a_repair(
    hass: HomeAssistant,
    house: None,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The HomePod can only be silenced: it wakes and uploads, a failed test."""
    await privacy_mode(hass, True)
    assert state(hass, "sensor.bedroom_homepod_privacy_state") == "open"
    assert await press(hass, freezer, "bedroom_homepod") == "leaked"
    kinds = evidence(hass, "bedroom_homepod")
    assert "upload" in kinds
    assert "woke" in kinds
    issue = issue_registry.async_get_issue(
        DOMAIN, "self_test_leaked_" + homepod_id(hass)
    )
    assert issue is not None
    assert issue.translation_placeholders["speaker"] == "Bedroom HomePod"
    # The upload was also counted as what it is: a leak.
    assert state(hass, "sensor.bedroom_homepod_leaks") == "1"
    assert issue_registry.async_get_issue(DOMAIN, "unprotectable_" + homepod_id(hass))


def homepod_id(hass: HomeAssistant) -> str:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    return next(
        sid
        for sid, subentry in entry.subentries.items()
        if subentry.title == "Bedroom HomePod"
    )


async def test_a_cut_network_may_wake_but_holds(
    hass: HomeAssistant,
    house: None,
    freezer: FrozenDateTimeFactory,
    person: Any,
) -> None:
    """A person opens the Nest's microphone; its network stays cut: it wakes,
    sends nothing, and the test holds, with the wake in its evidence."""
    await privacy_mode(hass, True)
    await switch(hass, "switch.living_room_nest_microphone_mute", False, person)
    assert state(hass, "sensor.living_room_nest_privacy_state") == "offline"
    before = state(hass, "sensor.living_room_nest_bytes_sent")
    assert await press(hass, freezer, "living_room_nest") == "held"
    assert evidence(hass, "living_room_nest") == ["woke"]
    assert state(hass, "sensor.living_room_nest_bytes_sent") == before


async def test_an_open_speaker_is_not_tested_without_calibration(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Not guarded, calibration not allowed: inconclusive at once, no probe."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.options["calibration"] is True
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "calibration": False}
    )
    await settle(hass)
    played = async_capture_events(hass, "call_service")
    await press_self_test(hass, "kitchen_echo")
    await settle(hass)
    assert state(hass, RESULT.format("kitchen_echo")) == "inconclusive"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["reason"] == "not_guarded"
    assert not [c for c in played if c.data["service"] == "play_media"]


async def test_calibration_proves_the_probe_wakes_it(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Calibration allowed, not guarded: the probe wakes it and it uploads."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "calibration": True}
    )
    await settle(hass)
    uploads = async_capture_events(hass, EVENT_UPLOAD)
    assert await press(hass, freezer, "kitchen_echo") == "woke"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["calibration"] is True
    assert "upload" in evidence(hass, "kitchen_echo")
    # Its upload is the probe's request: nobody in the house asked, and it is
    # not an upload nobody asked for either.
    assert [
        (event.data["kind"], event.data["witness"])
        for event in uploads
        if event.data["name"] == "Kitchen Echo"
    ] == [("requested", "self_test")]


async def test_a_calibration_that_does_not_wake_it_is_forgotten(
    hass: HomeAssistant,
    house: None,
    freezer: FrozenDateTimeFactory,
    person: Any,
) -> None:
    """Calibrated once; later the same probe wakes nothing (a person muted it):
    no later *held* may rest on the old calibration."""
    await calibrate(hass, freezer, "kitchen_echo")
    await switch(hass, "switch.kitchen_echo_microphone_mute", True, person)
    assert await press(hass, freezer, "kitchen_echo") == "inconclusive"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["reason"] == "did_not_wake"
    await privacy_mode(hass, True)
    assert await press(hass, freezer, "kitchen_echo") == "inconclusive"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["reason"] == "unverified"


async def test_a_speaker_under_test_is_not_tested_twice(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """The action while a pressed self-test runs: one probe, one result."""
    await privacy_mode(hass, True)
    played = async_capture_events(hass, "call_service")
    events = async_capture_events(hass, EVENT_SELF_TEST)
    await press_self_test(hass, "kitchen_echo")
    await hass.async_block_till_done()
    assert state(hass, RESULT.format("kitchen_echo")) == "running"
    await press_self_test(hass, "kitchen_echo")
    call = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN,
            "self_test",
            {"entity_id": "sensor.kitchen_echo_self_test", "window": 5},
            blocking=True,
            return_response=True,
            context=await person_context(hass),
        )
    )
    await run_for(hass, freezer, 25)
    await settle(hass)
    assert call.done()
    # The action waited for the running test and answers with its result.
    response = await call
    assert response is not None
    assert [
        item["result"]
        for item in response["speakers"].values()  # type: ignore[union-attr]
    ] == [state(hass, RESULT.format("kitchen_echo"))]
    assert [
        c.data["service_data"]["entity_id"]
        for c in played
        if c.data["service"] == "play_media"
    ] == ["media_player.kitchen_radio"]
    assert [event.data["name"] for event in events] == ["Kitchen Echo"]


async def test_a_scheduled_self_test_stops_when_someone_comes_home(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """People return during a scheduled probe: its window proves nothing."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "self_test_days": 7}
    )
    await settle(hass)
    await calibrate(hass, freezer, "kitchen_echo")
    events = async_capture_events(hass, EVENT_SELF_TEST)
    await see(hass, "not_home")
    for _ in range(3700):
        await run_for(hass, freezer, 1)
        if state(hass, RESULT.format("kitchen_echo")) == "running":
            break
    assert state(hass, RESULT.format("kitchen_echo")) == "running"
    await see(hass, "home")
    await run_for(hass, freezer, 60)
    await settle(hass)
    results = {event.data["name"]: event.data["reason"] for event in events}
    assert results["Kitchen Echo"] == "interrupted"


async def see(hass: HomeAssistant, location: str) -> None:
    """Alice and Bob's phones report where they are."""
    for who in ("alice", "bob"):
        await hass.services.async_call(
            "device_tracker",
            "see",
            {"dev_id": f"{who}_phone", "location_name": location},
            blocking=True,
        )


async def test_the_action_answers_for_every_speaker(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """``privacy_guard.self_test`` with response data: one result per speaker.

    A person calls it twice: open and allowed to calibrate (every probe wakes
    its speaker), then guarded (held where something cuts, else leaked).
    """
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "calibration": True}
    )
    await settle(hass)
    assert await call_self_test(hass, freezer) == {
        "Kitchen Echo": "woke",
        "Living Room Nest": "woke",
        "Bedroom HomePod": "woke",
    }
    await privacy_mode(hass, True)
    assert await call_self_test(hass, freezer) == {
        "Kitchen Echo": "held",
        "Living Room Nest": "held",
        "Bedroom HomePod": "leaked",
    }


async def call_self_test(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> dict[str, str]:
    """A person calls the action for every speaker; return each one's result."""
    # Not a task Home Assistant tracks: waiting for those would wait for it.
    call = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN,
            "self_test",
            {"window": 10},
            blocking=True,
            return_response=True,
            context=await person_context(hass),
        )
    )
    for _ in range(20):
        await asyncio.sleep(0)
    # One probe at a time in the house: three windows one after another.
    for _ in range(60):
        if call.done():
            break
        await run_for(hass, freezer, 1)
    response = await call
    assert response is not None
    return {
        item["name"]: item["result"]
        for item in response["speakers"].values()  # type: ignore[union-attr]
    }


async def test_a_probe_player_that_fails_proves_nothing(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """An unavailable probe player: inconclusive, with what went wrong."""
    await privacy_mode(hass, True)
    hass.states.async_set("media_player.kitchen_radio", "unavailable")
    await press_self_test(hass, "kitchen_echo")
    await settle(hass)
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert state(hass, RESULT.format("kitchen_echo")) == "inconclusive"
    assert attributes["reason"] == "probe_failed"
    assert "not available" in attributes["error"]


async def test_the_house_tts_engine_speaks_the_probe(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """With a TTS engine chosen, ``tts.speak`` says the wake word and a question."""
    speak = async_mock_service(hass, "tts", "speak")
    hass.states.async_set("tts.piper", "unknown")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "probe_tts": "tts.piper"}
    )
    await settle(hass)
    await privacy_mode(hass, True)
    await press(hass, freezer, "living_room_nest")
    assert [call.data for call in speak] == [
        {
            "entity_id": "tts.piper",
            "media_player_entity_id": "media_player.living_room_speaker",
            "message": "Hey Google, what time is it?",
        }
    ]
    assert isinstance(speak[0], ServiceCall)


async def test_the_schedule_runs_only_while_the_house_is_empty(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Weekly, and only when nobody is home to hear the probes."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "self_test_days": 7}
    )
    await settle(hass)
    await calibrate(hass, freezer, "kitchen_echo", "living_room_nest")
    events = async_capture_events(hass, EVENT_SELF_TEST)
    # Privacy mode with people home: guarded, but the schedule waits.
    await privacy_mode(hass, True)
    await run_for(hass, freezer, 3700)
    assert events == []
    await privacy_mode(hass, False)
    # Everybody leaves: the house is empty after the debounce, then tested.
    for person in ("alice", "bob"):
        await hass.services.async_call(
            "device_tracker",
            "see",
            {"dev_id": f"{person}_phone", "location_name": "not_home"},
            blocking=True,
        )
    await run_for(hass, freezer, 3700)
    assert state(hass, "binary_sensor.demo_house_house_empty") == "on"
    await run_for(hass, freezer, 60)
    # Only speakers something cuts: the HomePod (output only) is not probed,
    # nor calibrated, unasked.
    assert sorted((event.data["name"], event.data["result"]) for event in events) == [
        ("Kitchen Echo", "held"),
        ("Living Room Nest", "held"),
    ]
    assert not any(event.data["calibration"] for event in events)
    # Not again within the week.
    await run_for(hass, freezer, 3700)
    assert len(events) == 2


async def test_results_survive_a_restart_and_show_in_the_logbook(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """The last result is kept across a reload; the logbook says what it means."""
    await calibrate(hass, freezer, "kitchen_echo")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    # The calibration is kept too: a held after the restart rests on it.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    await privacy_mode(hass, True)
    events = async_capture_events(hass, EVENT_SELF_TEST)
    assert await press(hass, freezer, "kitchen_echo") == "held"
    assert hass.states.get(RESULT.format("kitchen_echo")).attributes["probe"] == (
        "calibrated"
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert state(hass, RESULT.format("kitchen_echo")) == "held"

    described: dict[str, Any] = {}

    @callback
    def describe(domain: str, event_type: str, function: Any) -> None:
        described[event_type] = function

    async_describe_events(hass, describe)
    text = described[EVENT_SELF_TEST](events[0])
    assert text["name"] == "Kitchen Echo"
    assert "passed its self-test" in text["message"]
    assert isinstance(events[0], Event)


# --- what a self-test needs, and what ends one ---------------------------------

WAKE = "binary_sensor.kitchen_echo_ring"


async def guarded_echo(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    options: dict[str, Any] | None = None,
    **data: Any,
) -> MockConfigEntry:
    """A guarded Kitchen Echo with the given subentry data, and a radio."""
    hass.config.internal_url = "http://127.0.0.1:8123"
    await setup_house(
        [{"name": "Kitchen Echo", "area": "Kitchen"}],
        demo={"probe_players": [{"name": "Kitchen Radio", "area": "Kitchen"}]},
    )
    hass.states.async_set(WAKE, "off")
    subentry = speaker_subentry("Kitchen Echo")
    subentry["data"] = {**subentry["data"], **data}
    entry = house_entry([subentry], options={"debounce": 120, **(options or {})})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    await switch(hass, "switch.home_privacy_mode", True)
    return entry


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"profile": "amazon_echo", "probe_player": RADIO}, "no_witness"),
        ({"wake_entity": WAKE, "probe_player": RADIO}, "no_wake_word"),
        ({"wake_entity": WAKE, "profile": "amazon_echo"}, "no_probe_player"),
    ],
)
async def test_what_a_self_test_needs(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    data: dict[str, Any],
    reason: str,
) -> None:
    """A witness, a wake word and a probe player, or nothing is played."""
    played = async_capture_events(hass, "call_service")
    await guarded_echo(hass, setup_house, **data)
    result = await run_self_test(hass)
    assert result["result"] == "inconclusive"
    assert result["reason"] == reason
    assert not [c for c in played if c.data["service"] in ("play_media", "speak")]


async def test_a_probe_that_cannot_be_played_says_why(
    hass: HomeAssistant, setup_house: HouseFactory
) -> None:
    """No URL for the clip, or a TTS engine whose action fails: probe failed."""
    entry = await guarded_echo(
        hass,
        setup_house,
        wake_entity=WAKE,
        profile="amazon_echo",
        probe_player=RADIO,
    )
    hass.config.internal_url = None
    hass.config.api = None
    result = await run_self_test(hass)
    assert result["reason"] == "probe_failed"
    assert "no URL" in result["error"]

    # A TTS engine without a speak action (its integration failed to load).
    hass.states.async_set("tts.broken", "unknown")
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "probe_tts": "tts.broken"}
    )
    await settle(hass)
    result = await run_self_test(hass)
    assert result["reason"] == "probe_failed"
    assert result["error"]


async def test_an_unload_interrupts_a_running_self_test(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Stopped mid-window: inconclusive (interrupted), kept for the next start."""
    entry = await guarded_echo(
        hass, setup_house, wake_entity=WAKE, profile="amazon_echo", probe_player=RADIO
    )
    await press_self_test(hass, "kitchen_echo")
    await hass.async_block_till_done()
    assert state(hass, RESULT.format("kitchen_echo")) == "running"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    assert state(hass, RESULT.format("kitchen_echo")) == "inconclusive"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["reason"] == "interrupted"


async def test_damaged_stored_results_are_dropped(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A stored result without a time, or of an unknown kind, is not shown."""
    hass_storage["privacy_guard.house01.self_tests"] = {
        "version": 1,
        "data": {
            "results": {
                "kitchen_echo_id": {"result": "held"},
                "gone_id": {"result": "held", "at": "2026-12-01T10:00:00+00:00"},
            },
            "scheduled_at": "yesterday",
        },
    }
    await guarded_echo(hass, setup_house)
    assert state(hass, RESULT.format("kitchen_echo")) == "unknown"


# --- held needs proof; what makes a window prove nothing -----------------------

TRAFFIC = "sensor.kitchen_echo_sent"


def report(hass: HomeAssistant, sent: int) -> None:
    """The router reports the Echo's counter (a poll, changed or not)."""
    hass.states.async_set(TRAFFIC, str(sent), {"unit_of_measurement": "B"})


async def watched_echo(
    hass: HomeAssistant, setup_house: HouseFactory, **data: Any
) -> MockConfigEntry:
    """A guarded Echo its router watches, with a radio that plays (no wake)."""
    hass.states.async_set(TRAFFIC, "1000", {"unit_of_measurement": "B"})
    return await guarded_echo(
        hass,
        setup_house,
        traffic_entity=TRAFFIC,
        wake_entity=WAKE,
        profile="amazon_echo",
        probe_player=RADIO,
        **data,
    )


async def self_test_while(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    seconds: int,
    each_second: Any = None,
    *,
    window: float = 5,
    by_person: bool = True,
) -> dict[str, Any]:
    """Run the action while ``each_second(n)`` plays out; return the Echo's result."""
    call = asyncio.ensure_future(
        run_self_test(hass, window=window, by_person=by_person)
    )
    for _ in range(20):
        await asyncio.sleep(0)
    for second in range(seconds):
        freezer.tick(timedelta(seconds=1))
        if each_second is not None:
            await each_second(second)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert call.done()
    return await call


async def test_a_probe_only_played_proves_nothing(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Guarded, watched, nothing sent, but nothing shows the probe reached it
    (no room microphone, no wake, never calibrated): not *held*."""
    await watched_echo(hass, setup_house)
    freezer.tick(timedelta(seconds=1))
    report(hass, 1000)

    async def poll(second: int) -> None:
        report(hass, 1000)

    result = await self_test_while(hass, freezer, 8, poll)
    assert result["result"] == "inconclusive"
    assert result["reason"] == "unverified"
    assert result["probe"] == "played"


async def test_a_silent_traffic_sensor_proves_nothing(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """No reading after the window: an upload may have gone unseen."""
    await watched_echo(hass, setup_house)
    result = await self_test_while(hass, freezer, 40)
    assert result["result"] == "inconclusive"
    assert result["reason"] == "stale_witness"


async def test_an_upload_under_way_when_the_window_opens_is_a_leak(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Sending since before the probe and still sending after: a leak."""
    await watched_echo(hass, setup_house)
    sent = 1000
    for _ in range(3):
        freezer.tick(timedelta(seconds=1))
        sent += 50_000
        report(hass, sent)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    async def upload(second: int) -> None:
        nonlocal sent
        sent += 50_000
        report(hass, sent)

    result = await self_test_while(hass, freezer, 8, upload)
    assert result["result"] == "leaked"
    assert [item["kind"] for item in result["evidence"]] == ["upload"]
    assert result["evidence"][0]["detail"] == "in progress"


async def test_a_release_during_the_window_interrupts_it(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    person: Any,
) -> None:
    """A person opens the house mid-window: what followed was not guarded."""
    await watched_echo(hass, setup_house)

    async def release(second: int) -> None:
        report(hass, 1000)
        if second == 2:
            await switch(hass, "switch.home_privacy_mode", False, person)

    result = await self_test_while(hass, freezer, 8, release)
    assert state(hass, "switch.kitchen_echo_microphone_mute") == "off"
    assert result["result"] == "inconclusive"
    assert result["reason"] == "interrupted"


async def test_an_automation_never_probes_a_speaker_nothing_cuts(
    hass: HomeAssistant, setup_house: HouseFactory
) -> None:
    """Guarded by an output mute only: a probe would reach its vendor, so only
    a person's call plays one."""
    played = async_capture_events(hass, "call_service")
    await watched_echo(hass, setup_house, actions=["mute_media"])
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    result = await run_self_test(hass, by_person=False)
    assert result["result"] == "inconclusive"
    assert result["reason"] == "not_protected"
    assert not [c for c in played if c.data["service"] in ("play_media", "speak")]


@pytest.mark.parametrize(
    ("attributes", "error"),
    [
        ({"is_volume_muted": True}, "is muted"),
        ({"is_volume_muted": False, "volume_level": 0.0}, "at volume 0"),
    ],
)
async def test_a_silent_probe_player_is_not_a_probe(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    attributes: dict[str, Any],
    error: str,
) -> None:
    """A muted player, or one at volume 0, would "play" and nobody would hear."""
    played = async_capture_events(hass, "call_service")
    await watched_echo(hass, setup_house)
    hass.states.async_set(RADIO, "idle", attributes)
    result = await run_self_test(hass)
    assert result["result"] == "inconclusive"
    assert result["reason"] == "probe_failed"
    assert error in result["error"]
    assert not [c for c in played if c.data["service"] == "play_media"]


async def test_a_calibration_holds_only_for_the_same_probe(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Calibrated with the shipped clip; the probe now spoken by a TTS engine
    never shown to wake it proves nothing."""
    await calibrate(hass, freezer, "kitchen_echo")
    async_mock_service(hass, "tts", "speak")
    hass.states.async_set("tts.piper", "unknown")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "probe_tts": "tts.piper"}
    )
    await settle(hass)
    await privacy_mode(hass, True)
    assert await press(hass, freezer, "kitchen_echo") == "inconclusive"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["reason"] == "unverified"


async def test_a_removed_speakers_leak_repair_goes(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
) -> None:
    """A leak repair of a speaker no longer in the house is nobody's to fix."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        "self_test_leaked_gone_id",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="self_test_leaked",
        translation_placeholders={"speaker": "Gone", "evidence": "upload"},
    )
    hass_storage["privacy_guard.house01.self_tests"] = {
        "version": 1,
        "data": {
            "results": {
                "gone_id": {"result": "leaked", "at": "2026-12-01T10:00:00+00:00"}
            }
        },
    }
    await guarded_echo(hass, setup_house)
    assert issue_registry.async_get_issue(DOMAIN, "self_test_leaked_gone_id") is None


async def test_a_wake_from_before_the_probe_is_not_its_answer(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """The light ring was already on (stuck, or an earlier wake): it does not
    show that this probe reached the speaker."""
    await watched_echo(hass, setup_house)
    hass.states.async_set(WAKE, "on")
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=1))
    report(hass, 1000)

    async def poll(second: int) -> None:
        report(hass, 1000)

    result = await self_test_while(hass, freezer, 8, poll)
    assert (result["result"], result["reason"], result["evidence"]) == (
        "inconclusive",
        "unverified",
        [],
    )


async def test_a_gap_in_the_traffic_sensor_proves_nothing(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Unavailable for a moment in the window: an upload then went unseen."""
    await watched_echo(hass, setup_house)

    async def gap(second: int) -> None:
        if second == 2:
            hass.states.async_set(TRAFFIC, "unavailable")
        else:
            report(hass, 1000)

    result = await self_test_while(hass, freezer, 8, gap)
    assert result["result"] == "inconclusive"
    assert result["reason"] == "stale_witness"


async def test_voice_records_alone_come_too_late_for_a_window(
    hass: HomeAssistant, setup_house: HouseFactory
) -> None:
    """Watched only by its vendor's voice records, which arrive minutes late:
    a quiet window is not shown to be quiet."""
    hass.states.async_set("sensor.echo_last_called", "2026-12-01T10:00:00+00:00")
    await guarded_echo(
        hass,
        setup_house,
        voice_entity="sensor.echo_last_called",
        profile="amazon_echo",
        probe_player=RADIO,
    )
    call = asyncio.ensure_future(run_self_test(hass))
    for _ in range(20):
        await asyncio.sleep(0)
    async_fire_time_changed(hass, fire_all=True)
    await hass.async_block_till_done()
    result = await call
    assert result["result"] == "inconclusive"
    assert result["reason"] == "stale_witness"


async def test_a_guard_that_lets_go_and_engages_again_interrupts(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    person: Any,
) -> None:
    """Open for a moment during the window: guarded at both ends is not enough."""
    await watched_echo(hass, setup_house)

    async def flap(second: int) -> None:
        report(hass, 1000)
        if second in (1, 2):
            await switch(hass, "switch.home_privacy_mode", second == 2, person)

    result = await self_test_while(hass, freezer, 8, flap)
    assert state(hass, "switch.kitchen_echo_microphone_mute") == "on"
    assert result["result"] == "inconclusive"
    assert result["reason"] == "interrupted"


async def test_a_quieter_probe_than_the_calibrated_one_proves_nothing(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Calibrated at 40 % volume; turned down to 10 %, the radio may not reach
    the speaker any more."""
    await calibrate(hass, freezer, "kitchen_echo")
    await hass.services.async_call(
        "media_player",
        "volume_set",
        {"entity_id": RADIO, "volume_level": 0.1},
        blocking=True,
    )
    await privacy_mode(hass, True)
    assert await press(hass, freezer, "kitchen_echo") == "inconclusive"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["reason"] == "unverified"
    # Back up to where it was calibrated: held again.
    await hass.services.async_call(
        "media_player",
        "volume_set",
        {"entity_id": RADIO, "volume_level": 0.4},
        blocking=True,
    )
    assert await press(hass, freezer, "kitchen_echo") == "held"


async def test_an_old_calibration_proves_nothing(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Players move and rooms change: a calibration holds for 30 days."""
    await calibrate(hass, freezer, "kitchen_echo")
    await privacy_mode(hass, True)
    freezer.tick(timedelta(days=31))
    assert await press(hass, freezer, "kitchen_echo") == "inconclusive"
    attributes = hass.states.get(RESULT.format("kitchen_echo")).attributes
    assert attributes["reason"] == "unverified"


async def test_one_probe_at_a_time_in_the_house(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory
) -> None:
    """Rooms apart, own radios: still one after another, so no probe is heard
    by another speaker (a neighbour's room, a shared player, another word)."""
    await run_for(hass, freezer, 2)
    played = async_capture_events(hass, "call_service")
    call = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN,
            "self_test",
            {"window": 5},
            blocking=True,
            return_response=True,
            context=await person_context(hass),
        )
    )

    def plays() -> int:
        return len([c for c in played if c.data["service"] == "play_media"])

    await run_for(hass, freezer, 4)
    assert plays() == 1
    for _ in range(40):
        if call.done():
            break
        await run_for(hass, freezer, 1)
    assert plays() == 3
    response = await call
    assert response is not None
    assert len(response["speakers"]) == 3  # type: ignore[arg-type]


async def test_an_upload_that_begins_late_in_the_window_is_waited_for(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """It woke (cut off, it seems) and began sending as the window closed:
    the burst is judged before anything is said, and it is a leak."""
    await watched_echo(hass, setup_house)
    freezer.tick(timedelta(seconds=1))
    report(hass, 1000)
    sent = 1000

    async def late(second: int) -> None:
        nonlocal sent
        if second == 2:
            hass.states.async_set(WAKE, "on")
        if second >= 4:
            # Opus at 32 kbit/s: far under the published threshold, found by
            # the quiet rule only after three such seconds.
            sent += 6_000
        report(hass, sent)

    result = await self_test_while(hass, freezer, 12, late)
    assert result["result"] == "leaked"
    assert "upload" in [item["kind"] for item in result["evidence"]]


async def test_unasked_no_probe_reaches_another_open_speaker_in_reach(
    hass: HomeAssistant, house: None, freezer: FrozenDateTimeFactory, person: Any
) -> None:
    """The Echo is cut off, but the radio beside it also reaches a speaker
    that answers to "Alexa" and is open: an automation's probe plays nothing."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    nest = next(
        sub for sub in entry.subentries.values() if sub.title == "Living Room Nest"
    )
    hass.config_entries.async_update_subentry(
        entry, nest, data={**nest.data, "probe_player": RADIO, "wake_word": "alexa"}
    )
    await settle(hass)
    await privacy_mode(hass, True)
    await hass.services.async_call(
        DOMAIN,
        "release",
        {"entity_id": "sensor.living_room_nest_uploads"},
        blocking=True,
        context=person,
    )
    await settle(hass)
    assert state(hass, "binary_sensor.living_room_nest_protected") == "off"
    played = async_capture_events(hass, "call_service")
    response = await hass.services.async_call(
        DOMAIN,
        "self_test",
        {"entity_id": "sensor.kitchen_echo_self_test", "window": 5},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [result] = response["speakers"].values()  # type: ignore[union-attr]
    assert result["reason"] == "not_protected"  # type: ignore[index]
    assert not [c for c in played if c.data["service"] == "play_media"]
