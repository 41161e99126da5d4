"""The demo house's devices: they keep their state over restarts and reboot."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Context, Event, HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    service as service_helper,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
    async_fire_time_changed,
    mock_restore_cache,
    mock_restore_cache_with_extra_data,
)
import voluptuous as vol

from .conftest import async_setup_house
from .helpers import muted, settle, state, switch

DEMO = "privacy_demo"
KITCHEN = "media_player.kitchen_echo"
KITCHEN_MIC = "switch.kitchen_echo_microphone_mute"
KITCHEN_NET = "switch.kitchen_echo_internet_access"
KITCHEN_PLUG = "switch.kitchen_echo_plug"
OFFICE = "media_player.office_satellite"
OFFICE_MIC = "switch.office_satellite_microphone_mute"
OFFICE_NET = "switch.office_satellite_internet_access"
ALICE_HOME = "switch.alice_at_home"
ALICE_PHONE = "device_tracker.alice_phone"
SPEAKERS: list[dict[str, Any]] = [
    {"name": "Kitchen Echo", "plug": True},
    # Like a firewall rule: ON means blocked, so it starts OFF.
    {"name": "Office Satellite", "network_on_means": "blocked"},
]
KITCHEN_ENTITIES = (KITCHEN, KITCHEN_MIC, KITCHEN_NET)


async def setup_demo(hass: HomeAssistant, **options: Any) -> None:
    """Set the demo house up from YAML, with zone and persons as at home."""
    await async_setup_house(hass, SPEAKERS, demo=options)
    await settle(hass)


async def reboot(
    hass: HomeAssistant, context: Context | None = None, **data: Any
) -> None:
    await hass.services.async_call(DEMO, "reboot", data, blocking=True, context=context)
    await settle(hass)


async def wait(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await settle(hass)


def device_id_of(hass: HomeAssistant, entity_id: str) -> str:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.device_id is not None
    return entry.device_id


def last_change(events: list[Event[Any]], entity_id: str) -> Event[Any]:
    return [event for event in events if event.data["entity_id"] == entity_id][-1]


def attribute(hass: HomeAssistant, entity_id: str, name: str) -> Any:
    current = hass.states.get(entity_id)
    assert current is not None, f"{entity_id} does not exist"
    return current.attributes.get(name)


# --- restarts ------------------------------------------------------------------


async def test_defaults_without_a_stored_state(hass: HomeAssistant) -> None:
    """With nothing stored, every device starts as the demo always did."""
    await setup_demo(hass)
    assert state(hass, KITCHEN) == "idle"
    assert muted(hass, KITCHEN) is False
    assert attribute(hass, KITCHEN, "volume_level") == 0.4
    assert state(hass, KITCHEN_MIC) == "off"
    assert state(hass, KITCHEN_NET) == "on"
    assert state(hass, KITCHEN_PLUG) == "on"
    assert state(hass, OFFICE_NET) == "off"
    assert state(hass, ALICE_HOME) == "on"
    assert state(hass, ALICE_PHONE) == "home"
    assert state(hass, "zone.home") == "2"


async def test_state_is_restored_after_a_restart(hass: HomeAssistant) -> None:
    """Each entity comes back as it was stored; the rest start as by default."""
    mock_restore_cache(
        hass,
        [
            State(KITCHEN, "playing", {"is_volume_muted": True, "volume_level": 0.7}),
            State(KITCHEN_MIC, "on"),
            State(KITCHEN_NET, "off"),
            State(KITCHEN_PLUG, "on"),
            State(OFFICE, "off"),
            State(OFFICE_NET, "on"),
            State(ALICE_HOME, "off"),
            State(ALICE_PHONE, "not_home"),
        ],
    )
    await setup_demo(hass)

    assert state(hass, KITCHEN) == "playing"
    assert muted(hass, KITCHEN) is True
    assert attribute(hass, KITCHEN, "volume_level") == 0.7
    assert state(hass, KITCHEN_MIC) == "on"
    assert state(hass, KITCHEN_NET) == "off"
    assert state(hass, KITCHEN_PLUG) == "on"
    assert state(hass, OFFICE) == "off"
    assert state(hass, OFFICE_NET) == "on"
    assert state(hass, ALICE_HOME) == "off"
    assert state(hass, ALICE_PHONE) == "not_home"
    assert state(hass, "person.alice") == "not_home"
    assert state(hass, "zone.home") == "1"
    # Not stored: their defaults.
    assert state(hass, OFFICE_MIC) == "off"
    assert state(hass, "switch.bob_at_home") == "on"
    assert state(hass, "device_tracker.bob_phone") == "home"


async def test_a_stored_plug_that_was_off_keeps_the_speaker_unpowered(
    hass: HomeAssistant,
) -> None:
    """The speaker's own values survive a restart while its plug is off."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (State(KITCHEN_PLUG, "off"), {"is_on": False}),
            (
                State(KITCHEN, STATE_UNAVAILABLE),
                {"state": "idle", "is_volume_muted": True, "volume_level": 0.2},
            ),
            (State(KITCHEN_MIC, STATE_UNAVAILABLE), {"is_on": True}),
        ],
    )
    await setup_demo(hass)
    assert state(hass, KITCHEN_PLUG) == "off"
    for entity_id in KITCHEN_ENTITIES:
        assert state(hass, entity_id) == STATE_UNAVAILABLE

    await switch(hass, KITCHEN_PLUG, True)
    assert state(hass, KITCHEN) == "idle"
    assert muted(hass, KITCHEN) is True
    assert attribute(hass, KITCHEN, "volume_level") == 0.2
    assert state(hass, KITCHEN_MIC) == "on"
    assert state(hass, KITCHEN_NET) == "on"  # nothing stored: the default


async def test_state_survives_reloading_the_house(hass: HomeAssistant) -> None:
    """What the entities store when removed is what they start with again."""
    await setup_demo(hass)
    await switch(hass, KITCHEN_MIC, True)
    await switch(hass, OFFICE_NET, True)
    await switch(hass, ALICE_HOME, False)
    await hass.services.async_call(
        "media_player",
        "volume_mute",
        {"entity_id": KITCHEN, "is_volume_muted": True},
        blocking=True,
    )
    await hass.services.async_call(
        "media_player", "turn_off", {"entity_id": KITCHEN}, blocking=True
    )
    assert state(hass, KITCHEN) == "off"
    assert muted(hass, KITCHEN) is None  # no attributes while off

    entry = hass.config_entries.async_entries(DEMO)[0]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)

    assert state(hass, KITCHEN_MIC) == "on"
    assert state(hass, OFFICE_NET) == "on"
    assert state(hass, ALICE_HOME) == "off"
    assert state(hass, ALICE_PHONE) == "not_home"
    assert state(hass, KITCHEN) == "off"
    await hass.services.async_call(
        "media_player", "turn_on", {"entity_id": KITCHEN}, blocking=True
    )
    assert state(hass, KITCHEN) == "idle"
    assert muted(hass, KITCHEN) is True  # kept while off, over the reload


async def test_a_negative_reboot_time_is_refused(hass: HomeAssistant) -> None:
    assert not await async_setup_component(hass, DEMO, {DEMO: {"reboot_seconds": -1}})


# --- reboots -------------------------------------------------------------------


async def test_reboot_takes_an_entity_away_and_brings_it_back_as_it_starts(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_admin_user: MockUser
) -> None:
    """Unavailable for reboot_seconds, then the default, changed by no user."""
    await setup_demo(hass, reboot_seconds=5)
    user = Context(user_id=hass_admin_user.id)
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": KITCHEN_MIC}, blocking=True, context=user
    )
    assert state(hass, KITCHEN_MIC) == "on"
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)

    await reboot(hass, user, entity_id=KITCHEN_MIC)
    assert state(hass, KITCHEN_MIC) == STATE_UNAVAILABLE
    assert last_change(changes, KITCHEN_MIC).context is user  # the user asked
    # Only the targeted entity reboots.
    assert state(hass, KITCHEN) == "idle"
    assert state(hass, KITCHEN_NET) == "on"

    await wait(hass, freezer, 4)
    assert state(hass, KITCHEN_MIC) == STATE_UNAVAILABLE
    await wait(hass, freezer, 1)
    assert state(hass, KITCHEN_MIC) == "off"  # not muted: how the device starts
    back = last_change(changes, KITCHEN_MIC)
    assert back.data["old_state"].state == STATE_UNAVAILABLE
    assert back.context.user_id is None
    assert back.context.id != user.id
    current = hass.states.get(KITCHEN_MIC)
    assert current is not None
    assert current.context.user_id is None


async def test_reboot_of_a_speaker_device_reboots_all_its_entities(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Every entity of the speaker's device goes and comes back as it starts."""
    await setup_demo(hass)
    await switch(hass, KITCHEN_MIC, True)
    await switch(hass, KITCHEN_NET, False)
    await hass.services.async_call(
        "media_player",
        "volume_mute",
        {"entity_id": KITCHEN, "is_volume_muted": True},
        blocking=True,
    )
    await hass.services.async_call(
        "media_player",
        "volume_set",
        {"entity_id": KITCHEN, "volume_level": 0.9},
        blocking=True,
    )
    await hass.services.async_call(
        "media_player", "turn_off", {"entity_id": OFFICE}, blocking=True
    )
    await switch(hass, OFFICE_NET, True)
    await switch(hass, OFFICE_MIC, True)
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    kitchen = device_id_of(hass, KITCHEN)
    assert {device_id_of(hass, KITCHEN_MIC), device_id_of(hass, KITCHEN_NET)} == {
        kitchen
    }

    await reboot(hass, device_id=[kitchen, device_id_of(hass, OFFICE)])
    for entity_id in (*KITCHEN_ENTITIES, OFFICE, OFFICE_MIC, OFFICE_NET):
        assert state(hass, entity_id) == STATE_UNAVAILABLE
    # The plug is a device of its own, and the phones belong to no speaker.
    assert state(hass, KITCHEN_PLUG) == "on"
    assert device_id_of(hass, KITCHEN_PLUG) != kitchen
    assert state(hass, ALICE_HOME) == "on"

    await wait(hass, freezer, 2)
    assert state(hass, KITCHEN) == "idle"
    assert muted(hass, KITCHEN) is False
    assert attribute(hass, KITCHEN, "volume_level") == 0.4
    assert state(hass, KITCHEN_MIC) == "off"
    assert state(hass, KITCHEN_NET) == "on"  # allowed: ON for this polarity
    assert state(hass, OFFICE) == "idle"  # on again
    assert state(hass, OFFICE_MIC) == "off"
    assert state(hass, OFFICE_NET) == "off"  # allowed: OFF for a firewall rule
    for entity_id in (*KITCHEN_ENTITIES, OFFICE, OFFICE_MIC, OFFICE_NET):
        assert last_change(changes, entity_id).context.user_id is None


async def test_reboot_of_a_plug_reboots_the_plug_alone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A plug that was off comes back on and gives the speaker power again."""
    await setup_demo(hass)
    await switch(hass, KITCHEN_MIC, True)
    await switch(hass, KITCHEN_PLUG, False)
    assert state(hass, KITCHEN_MIC) == STATE_UNAVAILABLE
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)

    await reboot(hass, device_id=device_id_of(hass, KITCHEN_PLUG))
    assert state(hass, KITCHEN_PLUG) == STATE_UNAVAILABLE
    assert state(hass, KITCHEN) == STATE_UNAVAILABLE  # still without power

    await wait(hass, freezer, 2)
    assert state(hass, KITCHEN_PLUG) == "on"
    # The speaker did not reboot: it has power again, with its own state.
    assert state(hass, KITCHEN_MIC) == "on"
    assert state(hass, KITCHEN) == "idle"
    for entity_id in (KITCHEN_PLUG, KITCHEN, KITCHEN_MIC):
        assert last_change(changes, entity_id).context.user_id is None


async def test_reboot_of_a_phone_and_an_at_home_switch(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Demo entities without a device reboot too, by entity."""
    await setup_demo(hass, reboot_seconds=0.5)
    await switch(hass, ALICE_HOME, False)
    assert state(hass, ALICE_PHONE) == "not_home"

    await reboot(hass, entity_id=[ALICE_HOME, ALICE_PHONE])
    assert state(hass, ALICE_HOME) == STATE_UNAVAILABLE
    assert state(hass, ALICE_PHONE) == STATE_UNAVAILABLE

    await wait(hass, freezer, 0.5)
    assert state(hass, ALICE_HOME) == "on"
    assert state(hass, ALICE_PHONE) == "home"


async def test_a_zero_second_reboot_still_passes_through_unavailable(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_demo(hass, reboot_seconds=0)
    await switch(hass, KITCHEN_MIC, True)
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    await reboot(hass, entity_id=KITCHEN_MIC)
    await wait(hass, freezer, 0)
    assert state(hass, KITCHEN_MIC) == "off"
    assert [
        event.data["new_state"].state
        for event in changes
        if event.data["entity_id"] == KITCHEN_MIC
    ] == [STATE_UNAVAILABLE, "off"]


async def test_a_second_reboot_restarts_the_window(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_demo(hass)
    await reboot(hass, entity_id=KITCHEN)
    await wait(hass, freezer, 1)
    await reboot(hass, entity_id=KITCHEN)
    # The first reboot would be over by now; the second one is not.
    await wait(hass, freezer, 1)
    assert state(hass, KITCHEN) == STATE_UNAVAILABLE
    await wait(hass, freezer, 1)
    assert state(hass, KITCHEN) == "idle"


async def test_a_command_a_reboot_interrupts_is_lost(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A slow switch that reboots before it changes forgets the command."""
    await setup_demo(hass, delay=0.1)
    turn_on = hass.async_create_task(
        hass.services.async_call(
            "switch", "turn_on", {"entity_id": KITCHEN_MIC}, blocking=True
        )
    )
    for _ in range(10):  # until the call waits in the switch's delay
        await asyncio.sleep(0)
    assert not turn_on.done()
    await hass.services.async_call(
        DEMO, "reboot", {"entity_id": KITCHEN_MIC}, blocking=True
    )
    await wait(hass, freezer, 0.1)  # the delay ends, during the reboot
    await turn_on
    assert state(hass, KITCHEN_MIC) == STATE_UNAVAILABLE
    await wait(hass, freezer, 2)
    assert state(hass, KITCHEN_MIC) == "off"


async def test_a_restart_while_rebooting_starts_the_device_as_it_starts(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Removed mid-reboot, the entity stores its start values, not the old ones."""
    await setup_demo(hass)
    await switch(hass, KITCHEN_MIC, True)
    await reboot(hass, entity_id=KITCHEN_MIC)
    entry = hass.config_entries.async_entries(DEMO)[0]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert state(hass, KITCHEN_MIC) == "off"
    # The reboot's timer went with the old entity.
    await wait(hass, freezer, 2)
    assert state(hass, KITCHEN_MIC) == "off"


# --- bad targets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key", "placeholder"),
    [
        ({}, "no_target", None),
        ({"entity_id": "light.nowhere"}, "unknown_target", "light.nowhere"),
        ({"entity_id": "zone.home"}, "unknown_target", "zone.home"),
        (
            {"entity_id": [KITCHEN_MIC, "switch.nowhere"]},
            "unknown_target",
            "switch.nowhere",
        ),
        ({"device_id": "0123456789abcdef"}, "unknown_target", "0123456789abcdef"),
        ({"area_id": "nowhere"}, "no_entities", None),
    ],
)
async def test_a_bad_target_is_a_clear_error(
    hass: HomeAssistant,
    data: dict[str, Any],
    key: str,
    placeholder: str | None,
) -> None:
    """Nothing reboots when part of the target is not the demo house's."""
    await setup_demo(hass)
    with pytest.raises(ServiceValidationError) as err:
        await reboot(hass, **data)
    assert err.value.translation_domain == DEMO
    assert err.value.translation_key == key
    if placeholder is not None:
        assert err.value.translation_placeholders == {"target": placeholder}
        assert placeholder in str(err.value)
    assert state(hass, KITCHEN_MIC) == "off"


async def test_a_device_of_another_integration_is_named_in_the_error(
    hass: HomeAssistant,
) -> None:
    await setup_demo(hass)
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id,
        identifiers={("other", "speaker")},
        name="Other speaker",
    )
    with pytest.raises(ServiceValidationError) as err:
        await reboot(hass, device_id=device.id)
    assert err.value.translation_placeholders == {"target": "Other speaker"}
    assert str(err.value).startswith(
        "Not an entity or device of the demo house: Other speaker"
    )


@pytest.mark.parametrize(
    "data", [{"entity_id": "not an entity"}, {"entity_id": "all"}, {"colour": "blue"}]
)
async def test_invalid_data_is_refused(
    hass: HomeAssistant, data: dict[str, Any]
) -> None:
    await setup_demo(hass)
    with pytest.raises(vol.Invalid):
        await reboot(hass, **data)


# --- description -----------------------------------------------------------------


async def test_the_action_is_described(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """services.yaml describes the action, so Home Assistant logs nothing about it."""
    await setup_demo(hass)
    caplog.clear()
    descriptions = await service_helper.async_get_all_descriptions(hass)
    reboot_description = descriptions[DEMO]["reboot"]
    assert reboot_description["name"] == "Reboot"
    assert reboot_description["description"].startswith("Reboots demo devices")
    assert reboot_description["target"] == {
        "entity": [{"integration": DEMO}],
        "device": [{"integration": DEMO}],
    }
    assert [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING
    ] == []
