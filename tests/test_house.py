"""The house's side of the guard on its own: privacy mode, holds, their timers."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.privacy_guard.const import PresenceMode, Reason
from custom_components.privacy_guard.house import HouseState
from custom_components.privacy_guard.ledger import Ledger
from custom_components.privacy_guard.models import HouseConfig

PERSON = "person.alice"


async def house(hass: HomeAssistant) -> tuple[HouseState, list[list[str] | None]]:
    """A house that Alice's presence decides, recording what it reconciles."""
    hass.states.async_set(PERSON, "home")
    calls: list[list[str] | None] = []

    async def reconcile(speakers: list[str] | None) -> None:
        calls.append(speakers)

    ledger = Ledger(hass, "house01")
    state = HouseState(
        hass,
        HouseConfig(
            presence_mode=PresenceMode.ENTITIES,
            presence_entities=(PERSON,),
            debounce=0,
        ),
        ledger,
        reconcile,
        lambda: None,
    )
    state.start()
    return state, calls


async def test_privacy_mode_engages_every_speaker(hass: HomeAssistant) -> None:
    state, calls = await house(hass)
    assert state.reason is Reason.NONE
    await state.async_set_privacy_mode(True)
    assert state.privacy_mode
    assert state.reason is Reason.PRIVACY_MODE
    assert state.speaker_reason("echo") is Reason.PRIVACY_MODE
    assert calls == [None]
    # Again: nothing moved, nothing reconciled.
    await state.async_set_privacy_mode(True)
    assert calls == [None]
    state.stop()


async def test_a_timed_hold_ends_on_its_own(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    state, calls = await house(hass)
    await state.async_hold(["echo"], True, 60)
    assert state.speaker_reason("echo") is Reason.MANUAL
    assert state.speaker_reason("nest") is Reason.NONE
    assert calls == [["echo"]]
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert calls == [["echo"], ["echo"]]
    assert "echo" not in state.ledger.holds
    state.stop()


async def test_a_new_house_reason_ends_an_open_hold(hass: HomeAssistant) -> None:
    """A hold without a duration lasts until the house changes its mind."""
    state, _calls = await house(hass)
    await state.async_hold(["echo"], False, None)
    await state.async_hold(["nest"], True, 3600)
    await state.async_set_privacy_mode(True)
    assert "echo" not in state.ledger.holds
    assert state.speaker_reason("echo") is Reason.PRIVACY_MODE
    # A timed hold keeps its time.
    assert "nest" in state.ledger.holds
    state.stop()


async def test_before_its_start_the_house_only_notes_privacy_mode(
    hass: HomeAssistant,
) -> None:
    notified: list[bool] = []

    async def reconcile(speakers: list[str] | None) -> None:
        raise AssertionError("not started: nothing to reconcile")

    state = HouseState(
        hass,
        HouseConfig(),
        Ledger(hass, "house01"),
        reconcile,
        lambda: notified.append(True),
    )
    await state.async_set_privacy_mode(True)
    assert state.ledger.privacy_mode
    assert notified == [True]
