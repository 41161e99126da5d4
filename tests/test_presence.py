"""Presence on its own: the one owner of "house empty", debounced."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.privacy_guard.const import PresenceMode
from custom_components.privacy_guard.ledger import Ledger
from custom_components.privacy_guard.models import HouseConfig
from custom_components.privacy_guard.presence import Presence

from .helpers import tick

ALICE = "person.alice"
BOB = "device_tracker.bob_phone"
CONDITION = "input_boolean.guests"


async def presence(hass: HomeAssistant, **config: object) -> tuple[Presence, list[int]]:
    calls: list[int] = []

    async def moved() -> None:
        calls.append(1)

    house = HouseConfig(
        presence_mode=PresenceMode.ENTITIES,
        presence_entities=(ALICE, BOB),
        debounce=60,
        **config,  # type: ignore[arg-type]
    )
    watcher = Presence(hass, house, Ledger(hass, "house01"), moved)
    watcher.async_start()
    return watcher, calls


async def test_empty_only_after_the_debounce(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(ALICE, "home")
    hass.states.async_set(BOB, "home")
    watcher, calls = await presence(hass)
    assert not watcher.house_empty
    hass.states.async_set(ALICE, "not_home")
    hass.states.async_set(BOB, "not_home")
    await hass.async_block_till_done()
    await tick(hass, freezer, 59)
    assert not watcher.house_empty
    await tick(hass, freezer, 2)
    assert watcher.house_empty
    assert calls
    # One back home: not empty at once, no debounce.
    hass.states.async_set(BOB, "home")
    await hass.async_block_till_done()
    assert not watcher.house_empty
    watcher.async_stop()


async def test_a_short_absence_changes_nothing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(ALICE, "home")
    hass.states.async_set(BOB, "not_home")
    watcher, _calls = await presence(hass)
    hass.states.async_set(ALICE, "not_home")
    await hass.async_block_till_done()
    await tick(hass, freezer, 30)
    hass.states.async_set(ALICE, "home")
    await hass.async_block_till_done()
    await tick(hass, freezer, 60)
    assert not watcher.house_empty
    watcher.async_stop()


async def test_unknown_presence_moves_nothing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(ALICE, "not_home")
    hass.states.async_set(BOB, "unavailable")
    watcher, _calls = await presence(hass)
    assert watcher.raw_empty() is None
    await tick(hass, freezer, 120)
    assert not watcher.house_empty
    watcher.async_stop()


async def test_the_condition_entity_keeps_its_last_known_answer(
    hass: HomeAssistant,
) -> None:
    hass.states.async_set(ALICE, "home")
    hass.states.async_set(BOB, "home")
    hass.states.async_set(CONDITION, "on")
    watcher, _calls = await presence(hass, condition_entity=CONDITION)
    assert watcher.condition
    hass.states.async_set(CONDITION, "unavailable")
    await hass.async_block_till_done()
    assert watcher.condition
    hass.states.async_set(CONDITION, "off")
    await hass.async_block_till_done()
    assert not watcher.condition
    watcher.async_stop()
