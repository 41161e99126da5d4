"""Fail closed, proven under faults on a real Home Assistant with the demo house.

Each scenario ends with the same checks: while guarded, every speaker is
protected; once released, every device is exactly as before; nothing the guard
changed lacks a ledger record; and nothing unhandled was logged.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant, State
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    mock_restore_cache,
)

from custom_components.privacy_guard.const import (
    DOMAIN,
    EVENT_ENGAGED,
    EVENT_RELEASED,
    EVENT_REPROTECTED,
    EVENT_UPLOAD,
)
from custom_components.privacy_guard.logbook import async_describe_events
from custom_components.privacy_guard.records import RecordStatus

from .conftest import (
    async_setup_house,
    house_entry,
    speaker_entities,
    speaker_subentry,
)
from .helpers import muted, settle, state, switch

SPEAKERS = ["Kitchen Echo", "Bedroom Nest"]
ACTIONS = ("mute_media", "mic_mute", "network_block")
PRIVACY = "switch.home_privacy_mode"
KITCHEN = speaker_entities("Kitchen Echo")
BEDROOM = speaker_entities("Bedroom Nest")
KITCHEN_ID = "kitchen_echo_id"
BEDROOM_ID = "bedroom_nest_id"
# A reboot of a demo device takes this long (the demo's reboot_seconds).
REBOOT = 2.0

type Snapshot = dict[str, tuple[str, Any]]


async def demo_house(
    hass: HomeAssistant, *, reboot_seconds: float = REBOOT, **extra: Any
) -> None:
    """Set up zone, the demo devices and the people (tests/conftest.py)."""
    await async_setup_house(
        hass,
        [{"name": name} for name in SPEAKERS],
        demo={"reboot_seconds": reboot_seconds, **extra},
    )


def guarded_entry(*, enforce: bool = False) -> MockConfigEntry:
    return house_entry(
        [speaker_subentry(name, actions=ACTIONS, enforce=enforce) for name in SPEAKERS],
        options={"debounce": 60},
    )


async def start_guard(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)


def linked(name: str) -> list[str]:
    entities = speaker_entities(name)
    return [
        entities["media_player"],
        entities["mic_switch"],
        entities["network_switch"],
    ]


def snapshot(hass: HomeAssistant) -> Snapshot:
    """Every linked entity's state, and a media player's mute."""
    taken: Snapshot = {}
    for name in SPEAKERS:
        for entity_id in linked(name):
            current = hass.states.get(entity_id)
            assert current is not None
            taken[entity_id] = (
                current.state,
                current.attributes.get("is_volume_muted"),
            )
    return taken


def assert_protected(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Every speaker protected: muted, mic muted, network blocked, shown so."""
    for name in SPEAKERS:
        entities = speaker_entities(name)
        assert muted(hass, entities["media_player"]) is True, name
        assert state(hass, entities["mic_switch"]) == "on", name
        assert state(hass, entities["network_switch"]) == "off", name
        slug = entities["media_player"].split(".", 1)[1]
        assert state(hass, f"binary_sensor.{slug}_protected") == "on", name
    assert_recorded(hass, entry)


def assert_recorded(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Nothing protective lacks a record: the guard can give back all it did."""
    ledger = entry.runtime_data.ledger
    for speaker_id, name in ((KITCHEN_ID, SPEAKERS[0]), (BEDROOM_ID, SPEAKERS[1])):
        records = ledger.records.get(speaker_id, {})
        entities = speaker_entities(name)
        if muted(hass, entities["media_player"]):
            assert "mute_media" in records, name
        if state(hass, entities["mic_switch"]) == "on":
            assert "mic_mute" in records, name
        if state(hass, entities["network_switch"]) == "off":
            assert "network_block" in records, name


def assert_released(
    hass: HomeAssistant, entry: MockConfigEntry, before: Snapshot
) -> None:
    """Exactly as before, and nothing left in the ledger."""
    assert snapshot(hass) == before
    assert entry.runtime_data.ledger.records == {}


def assert_all_open(hass: HomeAssistant) -> None:
    """Every speaker as the demo starts it: unmuted, mic open, online."""
    for name in SPEAKERS:
        entities = speaker_entities(name)
        assert muted(hass, entities["media_player"]) is False
        assert state(hass, entities["mic_switch"]) == "off"
        assert state(hass, entities["network_switch"]) == "on"


def assert_nothing_unhandled(caplog: pytest.LogCaptureFixture) -> None:
    bad = [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info
    ]
    assert bad == []


async def privacy(hass: HomeAssistant, on: bool) -> None:
    await switch(hass, PRIVACY, on)


async def reboot(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, **target: Any
) -> None:
    """Reboot demo devices and wait until they are back."""
    await hass.services.async_call("privacy_demo", "reboot", target, blocking=True)
    await settle(hass)
    freezer.tick(timedelta(seconds=REBOOT + 0.1))
    async_fire_time_changed(hass)
    await settle(hass)


def ledger_storage(
    entry: MockConfigEntry, records: dict[str, list[dict[str, Any]]], **data: Any
) -> dict[str, Any]:
    key = f"{DOMAIN}.{entry.entry_id}"
    return {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "privacy_mode": False,
            "house_empty": False,
            **data,
            "records": records,
        },
    }


def records_of(name: str, status: str) -> list[dict[str, Any]]:
    entities = speaker_entities(name)
    return [
        {
            "action": "mute_media",
            "spec": {"kind": "media_mute", "target": entities["media_player"]},
            "status": status,
        },
        {
            "action": "mic_mute",
            "spec": {"kind": "switch", "target": entities["mic_switch"]},
            "status": status,
        },
        {
            "action": "network_block",
            "spec": {
                "kind": "switch",
                "target": entities["network_switch"],
                "protect_on": False,
            },
            "status": status,
        },
    ]


def demo_states(*, protected: bool, names: list[str] = SPEAKERS) -> list[State]:
    """Stored demo states, as a device that kept (or lost) its state has them."""
    stored = []
    for name in names:
        entities = speaker_entities(name)
        stored.append(
            State(
                entities["media_player"],
                "on",
                {"is_volume_muted": protected, "volume_level": 0.5},
            )
        )
        stored.append(State(entities["mic_switch"], "on" if protected else "off"))
        stored.append(State(entities["network_switch"], "off" if protected else "on"))
    return stored


# ----------------------------------------------------------------- restarts
@pytest.mark.parametrize("kept", [True, False], ids=["devices_kept", "devices_reset"])
async def test_killed_mid_engage(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    kept: bool,
) -> None:
    """Killed with intents pending: the start finishes the engagement.

    The intents of both speakers were on disk; the kitchen had been driven
    (and kept that, or reset), the bedroom not yet.
    """
    mock_restore_cache(hass, demo_states(protected=kept, names=["Kitchen Echo"]))
    await demo_house(hass)
    entry = guarded_entry()
    hass_storage[f"{DOMAIN}.{entry.entry_id}"] = ledger_storage(
        entry,
        {
            KITCHEN_ID: records_of("Kitchen Echo", "pending"),
            BEDROOM_ID: records_of("Bedroom Nest", "pending"),
        },
        privacy_mode=True,
    )
    await start_guard(hass, entry)
    assert_protected(hass, entry)
    ledger = entry.runtime_data.ledger
    assert {record.status for record in ledger.records[KITCHEN_ID].values()} == {
        RecordStatus.APPLIED
    }
    # Unfinished work of the guard's own is no reset.
    assert ledger.reprotections == {}

    await privacy(hass, False)
    # Given back: what the guard applied is undone, for both speakers.
    assert_all_open(hass)
    assert ledger.records == {}
    assert_nothing_unhandled(caplog)


@pytest.mark.parametrize("kept", [True, False], ids=["devices_kept", "devices_reset"])
async def test_killed_mid_release(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    kept: bool,
) -> None:
    """Killed while giving back: the start finishes the release exactly."""
    mock_restore_cache(hass, demo_states(protected=kept))
    await demo_house(hass)
    entry = guarded_entry()
    hass_storage[f"{DOMAIN}.{entry.entry_id}"] = ledger_storage(
        entry,
        {
            KITCHEN_ID: records_of("Kitchen Echo", "releasing"),
            BEDROOM_ID: records_of("Bedroom Nest", "releasing"),
        },
    )
    await start_guard(hass, entry)
    assert_all_open(hass)
    assert entry.runtime_data.ledger.records == {}
    assert_nothing_unhandled(caplog)


async def test_power_cut_every_device_returns_in_its_default_state(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant and every device lost power while guarded: all protected
    again at start, each counted, and still the guard's to give back."""
    mock_restore_cache(hass, demo_states(protected=False))
    await demo_house(hass)
    entry = guarded_entry()
    hass_storage[f"{DOMAIN}.{entry.entry_id}"] = ledger_storage(
        entry,
        {
            KITCHEN_ID: records_of("Kitchen Echo", "applied"),
            BEDROOM_ID: records_of("Bedroom Nest", "applied"),
        },
        privacy_mode=True,
    )
    reprotected = async_capture_events(hass, EVENT_REPROTECTED)
    engaged = async_capture_events(hass, EVENT_ENGAGED)
    await start_guard(hass, entry)
    assert_protected(hass, entry)
    assert entry.runtime_data.ledger.reprotections == {KITCHEN_ID: 3, BEDROOM_ID: 3}
    assert {event.data["cause"] for event in reprotected} == {"downtime"}
    assert len(reprotected) == 6
    assert state(hass, "sensor.kitchen_echo_re_protections") == "3"
    assert engaged == []  # engaged before the restart: no second event

    await privacy(hass, False)
    assert_all_open(hass)
    assert entry.runtime_data.ledger.records == {}
    assert_nothing_unhandled(caplog)


# ---------------------------------------------------------------- devices
async def test_device_reset_while_guarded_is_protected_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await demo_house(hass)
    before = snapshot(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    reprotected = async_capture_events(hass, EVENT_REPROTECTED)

    await reboot(hass, freezer, entity_id=KITCHEN["mic_switch"])
    assert_protected(hass, entry)
    assert [(e.data["target"], e.data["cause"]) for e in reprotected] == [
        (KITCHEN["mic_switch"], "device")
    ]
    assert reprotected[0].context.user_id is None
    assert state(hass, "sensor.kitchen_echo_re_protections") == "1"
    described: dict[str, Any] = {}
    async_describe_events(
        hass, lambda _domain, event, describe: described.__setitem__(event, describe)
    )
    assert described[EVENT_REPROTECTED](reprotected[0]) == {
        "name": "Kitchen Echo",
        "message": (
            f"was protected again: {KITCHEN['mic_switch']} was open while "
            "guarded (the device reset or came back)"
        ),
    }

    await privacy(hass, False)
    assert_released(hass, entry, before)
    assert_nothing_unhandled(caplog)


async def test_a_device_that_keeps_resetting_raises_a_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    device_id = er.async_get(hass).async_get(KITCHEN["mic_switch"]).device_id
    issue = f"device_resets_{KITCHEN_ID}"
    for _ in range(3):
        await reboot(hass, freezer, device_id=device_id)
        freezer.tick(timedelta(minutes=5))
    assert_protected(hass, entry)
    # Three resets of the whole device (three controls each) within an hour.
    assert issue_registry.async_get_issue(DOMAIN, issue) is not None
    assert entry.runtime_data.ledger.reprotections[KITCHEN_ID] == 9


async def test_one_reset_an_hour_raises_no_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    for _ in range(5):
        await reboot(hass, freezer, entity_id=KITCHEN["mic_switch"])
        freezer.tick(timedelta(minutes=61))
    assert_protected(hass, entry)
    assert issue_registry.async_get_issue(DOMAIN, f"device_resets_{KITCHEN_ID}") is None
    assert entry.runtime_data.ledger.reprotections[KITCHEN_ID] == 5


async def test_a_person_override_is_kept_through_a_reset(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    person: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A person unmutes the mic: kept, even when the device reboots later."""
    await demo_house(hass)
    before = snapshot(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    await switch(hass, KITCHEN["mic_switch"], False, person)
    assert state(hass, KITCHEN["mic_switch"]) == "off"
    records = entry.runtime_data.ledger.records[KITCHEN_ID]
    assert records["mic_mute"].status is RecordStatus.OVERRIDE

    await reboot(hass, freezer, entity_id=KITCHEN["mic_switch"])
    assert state(hass, KITCHEN["mic_switch"]) == "off"
    assert entry.runtime_data.ledger.reprotections == {}

    await privacy(hass, False)
    assert_released(hass, entry, before)
    assert_nothing_unhandled(caplog)


async def test_a_person_change_is_reasserted_with_enforce(
    hass: HomeAssistant, person: Context
) -> None:
    await demo_house(hass)
    entry = guarded_entry(enforce=True)
    await start_guard(hass, entry)
    await privacy(hass, True)
    await switch(hass, KITCHEN["mic_switch"], False, person)
    await switch(hass, KITCHEN["network_switch"], True, person)
    assert_protected(hass, entry)
    assert entry.runtime_data.ledger.reprotections == {}


async def test_a_change_through_our_own_switch_is_a_persons(
    hass: HomeAssistant, person: Context
) -> None:
    """Privacy Guard's switch, switched by a person, is the person's override."""
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    await switch(hass, "switch.kitchen_echo_microphone_muted", False, person)
    assert state(hass, KITCHEN["mic_switch"]) == "off"
    records = entry.runtime_data.ledger.records[KITCHEN_ID]
    assert records["mic_mute"].status is RecordStatus.OVERRIDE


async def test_our_own_switch_without_a_user_does_not_open(
    hass: HomeAssistant, person: Context
) -> None:
    """An automation, script or integration with no user behind it cannot open a
    guarded speaker through our switch; one a person's call set off can; the
    house's option lets every automation do it."""
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    await switch(hass, "switch.kitchen_echo_microphone_muted", False)
    assert_protected(hass, entry)
    assert entry.runtime_data.ledger.reprotections == {KITCHEN_ID: 1}

    # A person's call (privacy mode, on again), then an automation it set
    # off: the automation's context has the person's call as its parent.
    await switch(hass, PRIVACY, True, person)
    await switch(
        hass,
        "switch.kitchen_echo_microphone_muted",
        False,
        Context(parent_id=person.id),
    )
    assert state(hass, KITCHEN["mic_switch"]) == "off"
    records = entry.runtime_data.ledger.records[KITCHEN_ID]
    assert records["mic_mute"].status is RecordStatus.OVERRIDE

    # The option on: an automation without a user overrides too.
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "automations_override": True}
    )
    await settle(hass)
    await switch(hass, "switch.kitchen_echo_network_blocked", False)
    assert state(hass, KITCHEN["network_switch"]) == "on"
    records = entry.runtime_data.ledger.records[KITCHEN_ID]
    assert records["network_block"].status is RecordStatus.OVERRIDE


async def test_a_change_by_an_automation_without_a_user_is_undone(
    hass: HomeAssistant,
) -> None:
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    await switch(hass, KITCHEN["mic_switch"], False)
    assert_protected(hass, entry)
    assert entry.runtime_data.ledger.reprotections == {KITCHEN_ID: 1}


# --------------------------------------------------------------- presence
async def test_presence_flapping_engages_and_releases_at_most_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """100 presence changes within a minute: at most one engage/release pair."""
    await demo_house(hass)
    before = snapshot(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    engaged = async_capture_events(hass, EVENT_ENGAGED)
    released = async_capture_events(hass, EVENT_RELEASED)
    await switch(hass, "switch.bob_at_home", False)
    for flip in range(100):
        freezer.tick(timedelta(seconds=0.55))
        await switch(hass, "switch.alice_at_home", flip % 2 == 1)
        async_fire_time_changed(hass)
    await settle(hass)
    # Alice is home after the last flip.
    assert state(hass, "binary_sensor.home_house_empty") == "off"
    assert len(engaged) <= len(SPEAKERS)
    assert len(released) == len(engaged)
    assert_released(hass, entry, before)

    # Once she leaves for good, the guard engages after the debounce.
    await switch(hass, "switch.alice_at_home", False)
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await settle(hass)
    assert_protected(hass, entry)
    assert_nothing_unhandled(caplog)


# ------------------------------------------------------------ the entries
async def test_linked_entity_removed_and_added_back(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    mic = KITCHEN["mic_switch"]
    saved = hass.states.get(mic)
    assert saved is not None
    hass.states.async_remove(mic)
    await settle(hass)
    issue = f"entity_missing_{KITCHEN_ID}_{mic}"
    assert issue_registry.async_get_issue(DOMAIN, issue) is not None
    # Its network is still cut: protected, with the missing microphone shown.
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    failures = hass.states.get("sensor.kitchen_echo_privacy_state").attributes
    assert failures["failures"] == {"mic_mute": "unavailable"}

    # It comes back as a fresh device would: open. Protected again.
    hass.states.async_set(mic, "off", saved.attributes)
    await settle(hass)
    assert issue_registry.async_get_issue(DOMAIN, issue) is None
    assert_protected(hass, entry)
    assert_nothing_unhandled(caplog)


async def test_reload_mid_engagement(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    await demo_house(hass)
    before = snapshot(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert_protected(hass, entry)
    await privacy(hass, False)
    assert_released(hass, entry, before)
    assert_nothing_unhandled(caplog)


async def test_speaker_edited_mid_engagement(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Dropping the network block from a guarded speaker gives the block back."""
    await demo_house(hass)
    before = snapshot(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    subentry = entry.subentries[KITCHEN_ID]
    hass.config_entries.async_update_subentry(
        entry,
        subentry,
        data={
            **subentry.data,
            "network_switch": None,
            "actions": ["mute_media", "mic_mute"],
        },
    )
    await settle(hass)
    assert muted(hass, KITCHEN["media_player"]) is True
    assert state(hass, KITCHEN["mic_switch"]) == "on"
    assert state(hass, KITCHEN["network_switch"]) == "on"
    await privacy(hass, False)
    assert_released(hass, entry, before)
    assert_nothing_unhandled(caplog)


# ---------------------------------------------------------------- traffic
async def test_a_thousand_traffic_updates_a_second_count_exactly(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """60 s of a counter sensor reporting every millisecond: exact counts."""
    freezer.move_to("2026-11-25 12:00:00+00:00")
    traffic = "sensor.kitchen_echo_bytes_sent"
    await demo_house(hass)
    hass.states.async_set(traffic, "0", {"unit_of_measurement": "B"})
    subentry = speaker_subentry("Kitchen Echo", actions=ACTIONS)
    subentry["data"] = {
        **subentry["data"],
        "traffic_entity": traffic,
        "profile": "amazon_echo",
    }
    entry = house_entry([subentry])
    await start_guard(hass, entry)
    uploads = async_capture_events(hass, EVENT_UPLOAD)
    # Two uploads of 40 B per ms (40,000 B/s) lasting 4 s and 3 s; idle otherwise.
    busy = [(10_000, 14_000), (40_000, 43_000)]
    total = 0
    for ms in range(1, 60_001):
        freezer.tick(timedelta(milliseconds=1))
        if any(start < ms <= end for start, end in busy):
            total += 40
        hass.states.async_set(traffic, str(total), {"unit_of_measurement": "B"})
        if ms % 1000 == 0:
            async_fire_time_changed(hass)
            await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    await settle(hass)
    assert [(event.data["bytes"], event.data["duration"]) for event in uploads] == [
        (160_000, 4.0),
        (120_000, 3.0),
    ]
    assert state(hass, "sensor.kitchen_echo_uploads") == "2"


async def test_a_device_away_for_long_becomes_a_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A reboot is no repair; an entity away through a minute of retries is."""
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    mic = KITCHEN["mic_switch"]
    issue = f"action_failed_{KITCHEN_ID}_mic_mute"
    saved = hass.states.get(mic)
    assert saved is not None
    hass.states.async_set(mic, "unavailable", saved.attributes)
    await settle(hass)
    # Still offline (its network is cut), the microphone waited for.
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "offline"
    attributes = hass.states.get("sensor.kitchen_echo_privacy_state").attributes
    assert attributes["failures"] == {"mic_mute": "unavailable"}
    for seconds in (2.1, 4.1, 8.1):
        await tick_for(hass, freezer, seconds)
    assert issue_registry.async_get_issue(DOMAIN, issue) is None
    for seconds in (16.1, 32.1, 64.1):
        await tick_for(hass, freezer, seconds)
    assert issue_registry.async_get_issue(DOMAIN, issue) is not None
    hass.states.async_set(mic, "off", saved.attributes)
    await settle(hass)
    assert_protected(hass, entry)
    assert issue_registry.async_get_issue(DOMAIN, issue) is None


async def tick_for(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await settle(hass)


async def test_an_available_but_unreadable_player_is_muted_not_waited_for(
    hass: HomeAssistant, person: Context
) -> None:
    """A player that is on but reports no mute (as some do): drive, read back.

    And a change from that unknown reading is nobody's choice, even with a
    user in the context: it is protected, not kept as an override.
    """
    await demo_house(hass)
    entry = guarded_entry()
    await start_guard(hass, entry)
    await privacy(hass, True)
    player = KITCHEN["media_player"]
    current = hass.states.get(player)
    assert current is not None
    attributes = {k: v for k, v in current.attributes.items() if k != "is_volume_muted"}
    hass.states.async_set(player, "playing", attributes)
    await settle(hass)
    assert_protected(hass, entry)
    records = entry.runtime_data.ledger.records[KITCHEN_ID]
    assert records["mute_media"].status is RecordStatus.APPLIED
    # Unknown again, then unmuted "by a person" right after: not a choice made
    # against a known protective state.
    hass.states.async_set(player, "playing", attributes)
    hass.states.async_set(
        player, "playing", {**attributes, "is_volume_muted": False}, context=person
    )
    await settle(hass)
    assert_protected(hass, entry)
    assert records["mute_media"].status is not RecordStatus.OVERRIDE
