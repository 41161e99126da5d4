"""The policy on a real Home Assistant: engage, release, overrides, faults."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_CALL_SERVICE, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.privacy_guard.const import DOMAIN, EVENT_ENGAGED, EVENT_RELEASED

from .conftest import HouseFactory, house_entry, speaker_subentry
from .helpers import muted, settle, state, switch

KITCHEN = "media_player.kitchen_echo"
KITCHEN_MIC = "switch.kitchen_echo_microphone_mute"
KITCHEN_NET = "switch.kitchen_echo_internet_access"
KITCHEN_PLUG = "switch.kitchen_echo_plug"
BEDROOM = "media_player.bedroom_nest"
BEDROOM_MIC = "switch.bedroom_nest_microphone_mute"
BEDROOM_NET = "switch.bedroom_nest_internet_access"
PRIVACY = "switch.home_privacy_mode"
HALL = "binary_sensor.hall_occupancy"
# Subentry ids are fixed by tests/conftest.py's speaker_subentry().
KITCHEN_ID = "kitchen_echo_id"


def assert_open(hass: HomeAssistant) -> None:
    """Every demo entity is as the demo house starts: nothing guarded."""
    assert muted(hass, KITCHEN) is False
    assert state(hass, KITCHEN_MIC) == "off"
    assert state(hass, KITCHEN_NET) == "on"
    assert muted(hass, BEDROOM) is False
    assert state(hass, BEDROOM_MIC) == "off"
    assert state(hass, BEDROOM_NET) == "on"


async def privacy_mode(hass: HomeAssistant, on: bool) -> None:
    await switch(hass, PRIVACY, on)


async def leave_home(hass: HomeAssistant, *people: str) -> None:
    for person in people or ("alice", "bob"):
        await switch(hass, f"switch.{person}_at_home", False)


async def test_privacy_mode_protects_every_speaker_per_its_policy(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Privacy mode mutes, mic-mutes and blocks as each speaker is set up to."""
    engaged = async_capture_events(hass, EVENT_ENGAGED)
    assert_open(hass)
    await privacy_mode(hass, True)

    assert muted(hass, KITCHEN) is True
    assert state(hass, KITCHEN_MIC) == "on"
    assert state(hass, KITCHEN_NET) == "off"  # UniFi-like: off = blocked
    assert state(hass, KITCHEN_PLUG) == "on"  # power_off not among its actions
    assert muted(hass, BEDROOM) is True
    assert state(hass, BEDROOM_MIC) == "on"
    assert state(hass, BEDROOM_NET) == "on"  # network_block not among its actions

    assert state(hass, "sensor.kitchen_echo_privacy_state") == "offline"
    assert state(hass, "sensor.bedroom_nest_privacy_state") == "microphone_off"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    assert state(hass, "binary_sensor.bedroom_nest_protected") == "on"
    assert state(hass, "binary_sensor.home_guard_engaged") == "on"
    assert state(hass, "sensor.home_guard_reason") == "privacy_mode"
    assert state(hass, "sensor.home_protected_speakers") == "2"
    assert state(hass, "sensor.home_exposed_speakers") == "0"
    assert sorted(event.data["name"] for event in engaged) == [
        "Bedroom Nest",
        "Kitchen Echo",
    ]
    assert {event.data["reason"] for event in engaged} == {"privacy_mode"}

    released = async_capture_events(hass, EVENT_RELEASED)
    await privacy_mode(hass, False)
    assert_open(hass)
    assert len(released) == 2
    assert state(hass, "sensor.home_guard_reason") == "none"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert init_integration.runtime_data.ledger.records == {}


async def test_house_empty_engages_after_debounce_and_not_before(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Everyone leaves: nothing for 2 minutes, then every speaker is guarded."""
    assert state(hass, "zone.home") == "2"
    await leave_home(hass, "alice")
    assert state(hass, "zone.home") == "1"
    await leave_home(hass, "bob")
    assert state(hass, "zone.home") == "0"

    freezer.tick(timedelta(seconds=119))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.home_house_empty") == "off"
    assert_open(hass)

    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.home_house_empty") == "on"
    assert state(hass, "sensor.home_guard_reason") == "house_empty"
    assert muted(hass, KITCHEN) is True
    assert state(hass, KITCHEN_NET) == "off"
    assert state(hass, BEDROOM_MIC) == "on"

    # Bob comes back: released at once, exactly as before.
    await switch(hass, "switch.bob_at_home", True)
    assert state(hass, "binary_sensor.home_house_empty") == "off"
    assert_open(hass)


async def test_short_absence_inside_debounce_changes_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Leaving and coming back within the debounce never engages."""
    await leave_home(hass)
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await switch(hass, "switch.alice_at_home", True)
    freezer.tick(timedelta(seconds=300))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.home_house_empty") == "off"
    assert_open(hass)


async def test_release_keeps_what_was_protective_before(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A microphone muted before engagement stays muted after release."""
    await switch(hass, KITCHEN_MIC, True)
    await privacy_mode(hass, True)
    records = init_integration.runtime_data.ledger.records
    kitchen = next(iter(init_integration.subentries))
    assert records[kitchen]["mic_mute"].status == "already"
    await privacy_mode(hass, False)
    assert state(hass, KITCHEN_MIC) == "on"
    assert muted(hass, KITCHEN) is False
    assert state(hass, KITCHEN_NET) == "on"


async def test_manual_unmute_is_an_override_kept_through_release(
    hass: HomeAssistant, init_integration: MockConfigEntry, person: Context
) -> None:
    """The user unmutes during engagement: not re-muted, and release leaves it."""
    await privacy_mode(hass, True)
    await switch(hass, KITCHEN_MIC, False, person)
    assert state(hass, KITCHEN_MIC) == "off"
    attributes = hass.states.get("sensor.kitchen_echo_privacy_state").attributes
    assert attributes["overrides"] == ["mic_mute"]
    # Still offline: the network block holds, and a cut network protects.
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "offline"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"

    # The user mutes it again by hand: it stays theirs, release does not touch it.
    await switch(hass, KITCHEN_MIC, True, person)
    await privacy_mode(hass, False)
    assert state(hass, KITCHEN_MIC) == "on"
    assert muted(hass, KITCHEN) is False
    assert state(hass, KITCHEN_NET) == "on"


async def test_enforce_reapplies_a_manual_change(
    hass: HomeAssistant, setup_house: HouseFactory, person: Context
) -> None:
    """With enforce on, undoing the guard by hand is undone again."""
    await setup_house()
    entry = house_entry([speaker_subentry("Kitchen Echo", enforce=True)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await privacy_mode(hass, True)
    await switch(hass, KITCHEN_NET, True, person)
    assert state(hass, KITCHEN_NET) == "off"
    await hass.services.async_call(
        "media_player",
        "volume_mute",
        {"entity_id": KITCHEN, "is_volume_muted": False},
        blocking=True,
        context=person,
    )
    await hass.async_block_till_done()
    assert muted(hass, KITCHEN) is True
    await privacy_mode(hass, False)
    assert muted(hass, KITCHEN) is False
    assert state(hass, KITCHEN_NET) == "on"


async def test_power_off_and_back(
    hass: HomeAssistant, setup_house: HouseFactory
) -> None:
    """Cutting power last and restoring it first gives everything back."""
    await setup_house()
    entry = house_entry(
        [
            speaker_subentry(
                "Kitchen Echo",
                plug=True,
                actions=("mute_media", "mic_mute", "network_block", "power_off"),
            )
        ]
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await privacy_mode(hass, True)
    assert state(hass, KITCHEN_PLUG) == "off"
    assert state(hass, KITCHEN) == "unavailable"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "powered_off"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    assert state(hass, "switch.kitchen_echo_power_cut") == "on"
    await privacy_mode(hass, False)
    assert state(hass, KITCHEN_PLUG) == "on"
    assert muted(hass, KITCHEN) is False
    assert state(hass, KITCHEN_MIC) == "off"
    assert state(hass, KITCHEN_NET) == "on"
    assert entry.runtime_data.ledger.records == {}


async def test_restart_during_engagement_still_restores(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Unload mid-engagement (as at shutdown), start again: release restores."""
    await privacy_mode(hass, True)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    # Still guarded while Privacy Guard is down.
    assert muted(hass, KITCHEN) is True
    assert state(hass, KITCHEN_NET) == "off"

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state(hass, PRIVACY) == "on"
    await privacy_mode(hass, False)
    assert_open(hass)


async def test_ledger_from_storage_is_reconciled_first(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_house: HouseFactory,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A stored ledger (as after a restart) is honoured before anything else.

    Privacy mode was on; the kitchen microphone was muted by the guard, the kitchen
    network was blocked by it too, but it came back unblocked while Home Assistant
    was down. Nobody can tell who did that: fail closed, it is blocked again,
    counted as a re-protection, and still the guard's to give back. After start-up
    privacy mode is turned off: everything the guard changed is given back.
    """
    await setup_house()
    await switch(hass, KITCHEN_MIC, True)
    await hass.services.async_call(
        "media_player",
        "volume_mute",
        {"entity_id": KITCHEN, "is_volume_muted": True},
        blocking=True,
    )
    net_spec = {"kind": "switch", "target": KITCHEN_NET, "protect_on": False}
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {
            "privacy_mode": True,
            "house_empty": False,
            "holds": {},
            "records": {
                KITCHEN_ID: [
                    {
                        "action": "mute_media",
                        "spec": {"kind": "media_mute", "target": KITCHEN},
                        "status": "applied",
                    },
                    {
                        "action": "mic_mute",
                        "spec": {"kind": "switch", "target": KITCHEN_MIC},
                        "status": "applied",
                    },
                    {"action": "network_block", "spec": net_spec, "status": "applied"},
                    {"action": "bogus", "spec": {}, "status": "applied"},
                ]
            },
        },
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    ledger = mock_config_entry.runtime_data.ledger
    assert ledger.records[KITCHEN_ID]["network_block"].status == "applied"
    assert state(hass, KITCHEN_NET) == "off"
    assert ledger.reprotections == {KITCHEN_ID: 1}
    assert (
        hass.states.get("sensor.kitchen_echo_privacy_state").attributes["reprotections"]
        == 1
    )
    assert muted(hass, BEDROOM) is True  # engaged too: privacy mode was on

    await privacy_mode(hass, False)
    assert muted(hass, KITCHEN) is False
    assert state(hass, KITCHEN_MIC) == "off"
    assert state(hass, KITCHEN_NET) == "on"
    assert muted(hass, BEDROOM) is False


async def test_stubborn_switch_is_exposed_with_repair_issue(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A switch that refuses to change leaves the speaker exposed, with a repair."""
    await setup_house(
        [{"name": "Kitchen Echo", "plug": True}, {"name": "Bedroom Nest"}],
        stubborn=[KITCHEN_NET],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await privacy_mode(hass, True)

    assert state(hass, KITCHEN_NET) == "on"
    # Its microphone is cut, so it is protected; the failed block is shown as
    # a failure (and a repair below), not hidden.
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "microphone_off"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    assert state(hass, "sensor.home_exposed_speakers") == "0"
    failures = hass.states.get("sensor.kitchen_echo_privacy_state").attributes[
        "failures"
    ]
    assert failures == {"network_block": f"{KITCHEN_NET} did not change"}
    # The other actions still went through.
    assert muted(hass, KITCHEN) is True
    assert state(hass, KITCHEN_MIC) == "on"
    issue_id = f"action_failed_{KITCHEN_ID}_network_block"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    # The speaker's media player keeps changing: no new attempt before the retry.
    calls = async_capture_events(hass, EVENT_CALL_SERVICE)
    for volume in (0.1, 0.2, 0.3):
        await hass.services.async_call(
            "media_player",
            "volume_set",
            {"entity_id": KITCHEN, "volume_level": volume},
            blocking=True,
        )
        await hass.async_block_till_done()
    assert [c.data["service"] for c in calls if c.data["domain"] == "switch"] == []

    # The retry fails too: now a repair issue says what failed.
    freezer.tick(timedelta(seconds=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "action_failed"
    assert issue.translation_placeholders["speaker"] == "Kitchen Echo"

    # The switch starts working: the next retry succeeds and clears the issue.
    hass.config_entries.async_entries("privacy_demo")[0].runtime_data.config[
        "stubborn"
    ] = []
    freezer.tick(timedelta(seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state(hass, KITCHEN_NET) == "off"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "offline"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_removed_entity_raises_repair_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A linked entity that disappears is reported, and cleared when back."""
    issue_id = f"entity_missing_{KITCHEN_ID}_{KITCHEN_MIC}"
    old = hass.states.get(KITCHEN_MIC)
    hass.states.async_remove(KITCHEN_MIC)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "speaker": "Kitchen Echo",
        "entity_id": KITCHEN_MIC,
    }
    assert state(hass, "switch.kitchen_echo_microphone_muted") == "unavailable"

    # Engaging now: the microphone cannot be muted, the rest is; its network
    # is cut, which protects it, and the missing microphone is a failure.
    await privacy_mode(hass, True)
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "offline"
    assert state(hass, KITCHEN_NET) == "off"
    view = hass.states.get("sensor.kitchen_echo_privacy_state").attributes
    assert view["failures"] == {"mic_mute": "unavailable"}

    hass.states.async_set(KITCHEN_MIC, old.state, old.attributes)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_missing_entity_at_start_raises_repair_issue(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A speaker linked to an entity that never appears is reported at start."""
    await setup_house([{"name": "Kitchen Echo"}])
    entry = house_entry([speaker_subentry("Kitchen Echo", plug=True)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (speaker_id,) = entry.subentries
    assert issue_registry.async_get_issue(
        DOMAIN, f"entity_missing_{speaker_id}_switch.kitchen_echo_plug"
    )


@pytest.mark.parametrize(
    ("presence", "states", "empty"),
    [
        (["person.alice", "person.bob"], {}, False),
        (
            ["binary_sensor.hall_occupancy"],
            {"binary_sensor.hall_occupancy": "off"},
            True,
        ),
        (
            ["binary_sensor.hall_occupancy"],
            {"binary_sensor.hall_occupancy": "on"},
            False,
        ),
        (
            ["binary_sensor.hall_occupancy"],
            {"binary_sensor.hall_occupancy": "unavailable"},
            False,
        ),
    ],
)
async def test_presence_from_entities(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    presence: list[str],
    states: dict[str, str],
    empty: bool,
) -> None:
    """With presence entities, the house is empty only when all say away."""
    await setup_house([{"name": "Kitchen Echo"}])
    for entity_id, value in states.items():
        hass.states.async_set(entity_id, value)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            "presence_mode": "entities",
            "zone": "zone.home",
            "presence_entities": presence,
        },
        options={"debounce": 30},
        subentries_data=[speaker_subentry("Kitchen Echo")],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (state(hass, "binary_sensor.home_house_empty") == "on") is empty
    assert muted(hass, KITCHEN) is empty


async def test_condition_entity_engages(
    hass: HomeAssistant, setup_house: HouseFactory
) -> None:
    """An extra condition entity (a night-time helper) guards while on."""
    await setup_house(
        [{"name": "Kitchen Echo"}],
        extra={"input_boolean": {"input_boolean": {"night": {"name": "Night"}}}},
    )
    entry = house_entry(
        [speaker_subentry("Kitchen Echo")],
        options={"debounce": 120, "condition_entity": "input_boolean.night"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": "input_boolean.night"}, blocking=True
    )
    await hass.async_block_till_done()
    assert state(hass, "sensor.home_guard_reason") == "condition"
    assert muted(hass, KITCHEN) is True
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": "input_boolean.night"}, blocking=True
    )
    await hass.async_block_till_done()
    assert muted(hass, KITCHEN) is False


async def test_an_unknown_condition_keeps_the_guard(
    hass: HomeAssistant, setup_house: HouseFactory
) -> None:
    """Unavailable or unknown, also after a restart: the last answer stands."""
    await setup_house([{"name": "Kitchen Echo"}])
    condition = "binary_sensor.night_schedule"
    hass.states.async_set(condition, "on")
    entry = house_entry(
        [speaker_subentry("Kitchen Echo")],
        options={"debounce": 120, "condition_entity": condition},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    assert state(hass, "sensor.home_guard_reason") == "condition"
    for unknown in ("unavailable", "unknown"):
        hass.states.async_set(condition, unknown)
        await settle(hass)
        assert state(hass, "sensor.home_guard_reason") == "condition", unknown
        assert muted(hass, KITCHEN) is True
    # A restart while it is still unavailable: guarded from the stored answer.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert state(hass, "sensor.home_guard_reason") == "condition"
    assert muted(hass, KITCHEN) is True
    # Gone altogether: still the last answer.
    hass.states.async_remove(condition)
    await settle(hass)
    assert muted(hass, KITCHEN) is True
    hass.states.async_set(condition, "off")
    await settle(hass)
    assert state(hass, "sensor.home_guard_reason") == "none"
    assert muted(hass, KITCHEN) is False


async def test_a_stored_control_that_is_ours_or_taken_is_left_out(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Privacy mode as a network switch, one plug as microphone and power: the
    guard never waits on itself nor flips a plug both ways; repairs say so."""
    await setup_house([{"name": "Kitchen Echo", "plug": True}])
    kitchen = speaker_subentry(
        "Kitchen Echo",
        plug=True,
        actions=("mute_media", "mic_mute", "network_block", "power_off"),
    )
    kitchen["data"] = {
        **kitchen["data"],
        "network_switch": "switch.home_privacy_mode",
        "mic_switch": "switch.kitchen_echo_plug",
    }
    entry = house_entry([kitchen])
    entry.add_to_hass(hass)
    # First start: our own entities do not exist yet; registered, start again.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    issue = issue_registry.async_get_issue(DOMAIN, "control_conflict_kitchen_echo_id")
    assert issue is not None
    plug_changes = async_capture_events(hass, "state_changed")
    await privacy_mode(hass, True)
    # The plug serves its first role only (a "muted microphone" that is on):
    # never switched off for the power role, so never flipped back and forth.
    assert state(hass, "switch.kitchen_echo_plug") == "on"
    assert state(hass, "switch.home_privacy_mode") == "on"
    await privacy_mode(hass, False)
    assert state(hass, "switch.kitchen_echo_plug") == "on"
    assert not [
        event
        for event in plug_changes
        if event.data["entity_id"] == "switch.kitchen_echo_plug"
    ]
    async with asyncio.timeout(10):
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_removed_speaker_is_given_back(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Removing a guarded speaker restores what the guard changed on it."""
    await privacy_mode(hass, True)
    assert hass.config_entries.async_remove_subentry(init_integration, KITCHEN_ID)
    await hass.async_block_till_done()
    assert muted(hass, KITCHEN) is False
    assert state(hass, KITCHEN_MIC) == "off"
    assert state(hass, KITCHEN_NET) == "on"
    assert muted(hass, BEDROOM) is True
    assert KITCHEN_ID not in init_integration.runtime_data.ledger.records


async def test_removing_the_house_gives_everything_back(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Deleting Privacy Guard restores every speaker first."""
    await privacy_mode(hass, True)
    assert muted(hass, KITCHEN) is True
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert_open(hass)


async def test_speaker_switches_drive_linked_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The speaker's own switches work from a dashboard."""
    await switch(hass, "switch.kitchen_echo_network_blocked", True)
    assert state(hass, KITCHEN_NET) == "off"
    assert state(hass, "switch.kitchen_echo_network_blocked") == "on"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "offline"
    await switch(hass, "switch.kitchen_echo_microphone_muted", True)
    assert state(hass, KITCHEN_MIC) == "on"
    await switch(hass, "switch.kitchen_echo_network_blocked", False)
    assert state(hass, KITCHEN_NET) == "on"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "microphone_off"
    await switch(hass, "switch.kitchen_echo_power_cut", True)
    assert state(hass, KITCHEN_PLUG) == "off"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "powered_off"


async def test_unknown_presence_keeps_the_last_answer(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a restart with the house empty, presence still loading: no release."""
    await setup_house([{"name": "Kitchen Echo"}])
    hass.states.async_set(HALL, "unavailable")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={
            "presence_mode": "entities",
            "zone": "zone.home",
            "presence_entities": [HALL],
        },
        options={"debounce": 30},
        subentries_data=[speaker_subentry("Kitchen Echo")],
        entry_id="house01",
    )
    hass_storage[f"{DOMAIN}.house01"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.house01",
        "data": {
            "privacy_mode": False,
            "house_empty": True,
            "holds": {},
            "records": {},
        },
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.home_house_empty") == "on"
    assert muted(hass, KITCHEN) is True
    hass.states.async_set(HALL, "unknown")
    await hass.async_block_till_done()
    assert muted(hass, KITCHEN) is True
    # Someone is seen: released at once.
    hass.states.async_set(HALL, "on")
    await hass.async_block_till_done()
    assert muted(hass, KITCHEN) is False
    # Everyone gone, then unknown when the debounce ends: not confirmed empty.
    hass.states.async_set(HALL, "off")
    await hass.async_block_till_done()
    hass.states.async_set(HALL, "unavailable")
    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert muted(hass, KITCHEN) is False


async def test_repointed_action_gives_the_old_entity_back(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Changing a speaker's mic switch while engaged restores the old one."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"spare_mic": {"name": "Spare"}}}
    )
    await privacy_mode(hass, True)
    assert state(hass, KITCHEN_MIC) == "on"
    subentry = init_integration.subentries["kitchen_echo_id"]
    hass.config_entries.async_update_subentry(
        init_integration,
        subentry,
        data={**subentry.data, "mic_switch": "input_boolean.spare_mic"},
    )
    await settle(hass)
    assert state(hass, KITCHEN_MIC) == "off"  # given back
    assert state(hass, "input_boolean.spare_mic") == "on"  # guarded now
    await privacy_mode(hass, False)
    assert state(hass, "input_boolean.spare_mic") == "off"
    assert init_integration.runtime_data.ledger.records == {}


async def test_media_player_off_is_nothing_to_mute(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A player that is off (Cast speakers when idle) is neither failed nor exposed."""
    hass.states.async_set(BEDROOM, "off")
    await privacy_mode(hass, True)
    assert state(hass, "sensor.bedroom_nest_privacy_state") == "microphone_off"
    assert (
        hass.states.get("sensor.bedroom_nest_privacy_state").attributes["failures"]
        == {}
    )
    await privacy_mode(hass, False)
    assert (
        hass.states.get("sensor.bedroom_nest_privacy_state").attributes["failures"]
        == {}
    )
    assert init_integration.runtime_data.ledger.records == {}


async def test_reload_while_engaged_fires_no_second_engaged_event(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Automations on the engaged event do not run again after a reload."""
    await privacy_mode(hass, True)
    engaged = async_capture_events(hass, EVENT_ENGAGED)
    released = async_capture_events(hass, EVENT_RELEASED)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await settle(hass)
    assert engaged == []
    await privacy_mode(hass, False)
    assert len(released) == 2


async def test_once_home_assistant_stops_the_guard_acts_on_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Stopping, Home Assistant waits for nobody's reconcile: the guard stops
    at the stop event (what it holds is in the ledger for the next start)."""
    await privacy_mode(hass, True)
    # Running: a device that opens its microphone is protected again at once.
    await switch(hass, KITCHEN_MIC, False)
    assert state(hass, KITCHEN_MIC) == "on"
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await switch(hass, KITCHEN_MIC, False)
    assert state(hass, KITCHEN_MIC) == "off"
