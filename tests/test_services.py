"""The engage and release actions."""

from __future__ import annotations

from datetime import timedelta
import time
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
import voluptuous as vol

from custom_components.privacy_guard.const import DOMAIN
from custom_components.privacy_guard.policy import ManualHold

from .helpers import device_of, muted, settle, state, switch

KITCHEN = "media_player.kitchen_echo"
BEDROOM = "media_player.bedroom_nest"


def speaker_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, title: str
) -> str:
    subentry_id = next(
        sid for sid, sub in entry.subentries.items() if sub.title == title
    )
    device = device_of(device_registry, (DOMAIN, subentry_id), entry.entry_id)
    assert device is not None
    return device.id


async def call(hass: HomeAssistant, service: str, **data: object) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)
    await settle(hass)


async def test_engage_and_release_all(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without a target the actions apply to every speaker."""
    await call(hass, "engage")
    assert muted(hass, KITCHEN) is True
    assert muted(hass, BEDROOM) is True
    assert state(hass, "sensor.home_guard_reason") == "manual"
    assert (
        hass.states.get("sensor.kitchen_echo_privacy_state").attributes["reason"]
        == "manual"
    )
    await call(hass, "release")
    assert muted(hass, KITCHEN) is False
    assert muted(hass, BEDROOM) is False


async def test_engage_one_device_for_a_while(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device target engages only it; the duration releases it by itself."""
    device_id = speaker_device(device_registry, init_integration, "Kitchen Echo")
    await call(hass, "engage", device_id=device_id, duration={"minutes": 10})
    assert muted(hass, KITCHEN) is True
    assert muted(hass, BEDROOM) is False
    freezer.tick(timedelta(minutes=9))
    async_fire_time_changed(hass)
    await settle(hass)
    assert muted(hass, KITCHEN) is True
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await settle(hass)
    assert muted(hass, KITCHEN) is False


async def test_release_by_entity_while_privacy_mode(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Releasing one speaker during privacy mode lasts until the house changes."""
    await switch(hass, "switch.home_privacy_mode", True)
    await call(hass, "release", entity_id="sensor.kitchen_echo_privacy_state")
    assert muted(hass, KITCHEN) is False
    assert muted(hass, BEDROOM) is True
    # The next change of the house ends the release: guarded again.
    await switch(hass, "switch.home_privacy_mode", False)
    assert muted(hass, KITCHEN) is False
    await switch(hass, "switch.home_privacy_mode", True)
    assert muted(hass, KITCHEN) is True


async def test_hold_survives_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A timed engagement is stored: after a reload it still ends on time."""
    await call(hass, "engage", duration=600)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await settle(hass)
    assert muted(hass, KITCHEN) is True
    freezer.tick(timedelta(seconds=601))
    async_fire_time_changed(hass)
    await settle(hass)
    assert muted(hass, KITCHEN) is False


async def test_a_wall_clock_jump_ends_no_hold_early(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The wall clock jumps two hours ahead (NTP, a clock set right) while a
    ten-minute engagement runs: anything that re-decides keeps it engaged."""
    await call(hass, "engage", duration=600)
    ahead = time.time() + 7200
    with patch("time.time", return_value=ahead):
        await switch(hass, "switch.home_privacy_mode", True)
        await switch(hass, "switch.home_privacy_mode", False)
        assert muted(hass, KITCHEN) is True
        # A restart now keeps what is left of it, by the same clock.
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await settle(hass)
        assert muted(hass, KITCHEN) is True
    ledger = init_integration.runtime_data.ledger.as_dict()
    assert 590 <= ledger["holds"]["kitchen_echo_id"]["remaining"] <= 600


def test_a_hold_stored_by_an_earlier_release_keeps_its_end() -> None:
    """A wall-clock end stored before becomes the time left, counted from now."""
    hold = ManualHold.from_dict(
        {"engaged": True, "until": 1_000_300.0}, now=50.0, wall_now=1_000_000.0
    )
    assert hold.until == 350.0
    assert hold.active(349.0)
    assert not hold.active(350.0)
    assert hold.as_dict(now=100.0) == {"engaged": True, "remaining": 250.0}
    open_ended = ManualHold.from_dict({"engaged": False}, now=0.0, wall_now=0.0)
    assert open_ended.until is None
    assert open_ended.as_dict(now=5.0) == {"engaged": False, "remaining": None}
    spent = ManualHold.from_dict({"engaged": True, "remaining": -3}, 10.0, 0.0)
    assert spent.until == 10.0


@pytest.mark.parametrize(
    "data",
    [
        {"duration": -5},
        {"duration": "soon"},
        {"duration": {"days": 8}},
        {"entity_id": "not an entity"},
        {"colour": "blue"},
    ],
)
async def test_invalid_data_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, data: dict[str, object]
) -> None:
    """Schema errors are refused before anything happens."""
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(DOMAIN, "engage", data, blocking=True)
    assert muted(hass, KITCHEN) is False
    assert init_integration.runtime_data.ledger.holds == {}


@pytest.mark.parametrize(
    ("data", "placeholder"),
    [
        ({"entity_id": "switch.kitchen_echo_internet_access"}, None),
        ({"entity_id": "light.nowhere"}, "light.nowhere"),
        ({"device_id": "0123456789abcdef"}, "0123456789abcdef"),
        ({"entity_id": "switch.home_privacy_mode"}, "-"),
    ],
)
async def test_unknown_target_is_a_translated_error(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    data: dict[str, object],
    placeholder: str | None,
) -> None:
    """A target that is not a guarded speaker says so, and changes nothing."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "engage", data, blocking=True)
    assert err.value.translation_key == "unknown_target"
    assert err.value.translation_domain == DOMAIN
    if placeholder is not None:
        assert err.value.translation_placeholders == {"target": placeholder}
    assert muted(hass, KITCHEN) is False
    assert init_integration.runtime_data.ledger.holds == {}


async def test_actions_need_a_loaded_house(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """With the house unloaded, the actions say so."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "release", {}, blocking=True)
    assert err.value.translation_key == "not_loaded"


# --- who may open, wipe or forge ---------------------------------------------

OPENING: list[tuple[str, dict[str, object]]] = [
    ("release", {}),
    ("reset_counters", {}),
    ("record_upload", {"entity_id": "sensor.kitchen_echo_uploads", "bytes": 10**15}),
    ("self_test", {"window": 5}),
]


@pytest.mark.parametrize(("action", "data"), OPENING)
async def test_a_read_only_user_cannot_open_wipe_or_forge(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_read_only_user: MockUser,
    action: str,
    data: dict[str, object],
) -> None:
    """Refused as Home Assistant refuses a switch: nothing changes."""
    await switch(hass, "switch.home_privacy_mode", True)
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            action,
            data,
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    await settle(hass)
    assert muted(hass, "media_player.kitchen_echo") is True
    assert state(hass, "switch.kitchen_echo_microphone_mute") == "on"
    assert state(hass, "sensor.kitchen_echo_uploads") == "0"
    assert state(hass, "sensor.kitchen_echo_self_test") == "unknown"


async def test_who_may_release_a_guarded_speaker(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """An admin, a user with control of the speaker's entities, an automation."""
    kitchen = {"entity_id": "sensor.kitchen_echo_uploads"}
    user = await hass.auth.async_create_user("Resident", group_ids=[GROUP_ID_USER])
    callers = (
        Context(user_id=hass_admin_user.id),
        Context(user_id=user.id),
        Context(),
    )
    for context in callers:
        await switch(hass, "switch.home_privacy_mode", True)
        assert muted(hass, "media_player.kitchen_echo") is True
        await hass.services.async_call(
            DOMAIN, "release", kitchen, blocking=True, context=context
        )
        await settle(hass)
        assert muted(hass, "media_player.kitchen_echo") is False, context
        await hass.services.async_call(
            DOMAIN, "engage", kitchen, blocking=True, context=context
        )
        await switch(hass, "switch.home_privacy_mode", False)
    # A user unknown to Home Assistant.
    with pytest.raises(UnknownUser):
        await hass.services.async_call(
            DOMAIN, "release", kitchen, blocking=True, context=Context(user_id="nobody")
        )


async def test_a_read_only_user_cannot_press_a_self_test(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_read_only_user: MockUser,
) -> None:
    """The button asks as the action does: a read-only user plays no probe."""
    await switch(hass, "switch.home_privacy_mode", True)
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.kitchen_echo_run_self_test"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    await settle(hass)
    assert state(hass, "sensor.kitchen_echo_self_test") == "unknown"
    assert state(hass, "switch.kitchen_echo_microphone_mute") == "on"
