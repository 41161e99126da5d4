"""Exposure time: how long each speaker, and the house, was open or protected."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import HomeAssistant, State
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    mock_restore_cache_with_extra_data,
)

from custom_components.privacy_guard.exposure import (
    Bucket,
    ExposureClock,
    ExposureTracker,
    house_bucket,
)
from custom_components.privacy_guard.signals import async_notify

from .conftest import HouseFactory, house_entry, speaker_subentry
from .helpers import state, switch, tick

KITCHEN = "sensor.kitchen_echo_"
NEST = "sensor.bedroom_nest_"
HOUSE = "sensor.home_"


def seconds(hass: HomeAssistant, entity_id: str) -> float:
    """Return a duration sensor's state in seconds (it shows hours)."""
    shown = hass.states.get(entity_id)
    assert shown is not None
    assert shown.attributes["unit_of_measurement"] == "h"
    assert shown.attributes["state_class"] == "total_increasing"
    return float(shown.state) * 3600


async def minutes(hass: HomeAssistant, freezer: FrozenDateTimeFactory, n: int) -> None:
    for _ in range(n):
        await tick(hass, freezer, 60)


def test_a_clock_counts_only_forward_and_only_in_a_bucket() -> None:
    clock = ExposureClock()
    assert clock.observe(100.0, Bucket.OPEN_HOME) is True
    assert clock.observe(160.0, Bucket.OPEN_HOME) is False
    assert clock.observe(190.0, None) is True
    clock.observe(500.0, Bucket.PROTECTED)
    # A monotonic reading from before the last one counts nothing.
    clock.observe(400.0, Bucket.PROTECTED)
    clock.observe(430.0, Bucket.PROTECTED)
    assert clock.seconds == {
        Bucket.OPEN_HOME: 90.0,
        Bucket.OPEN_AWAY: 0.0,
        Bucket.PROTECTED: 30.0,
        Bucket.SPEECH: 0.0,
    }
    clock.stop()
    clock.fold(1_000.0)
    assert clock.seconds[Bucket.PROTECTED] == 30.0
    again = ExposureClock.from_dict(clock.as_dict())
    assert again.seconds == clock.seconds
    damaged = ExposureClock.from_dict({"open_home": -5, "protected": "x"})
    assert damaged.seconds == dict.fromkeys(Bucket, 0.0)
    assert ExposureClock.from_dict(None).seconds == dict.fromkeys(Bucket, 0.0)


@pytest.mark.parametrize(
    ("buckets", "empty", "expected"),
    [
        ([Bucket.PROTECTED, Bucket.OPEN_HOME], False, Bucket.OPEN_HOME),
        ([Bucket.PROTECTED, Bucket.OPEN_HOME], True, Bucket.OPEN_AWAY),
        ([Bucket.PROTECTED, Bucket.PROTECTED], True, Bucket.PROTECTED),
        # One speaker whose state nobody witnessed: the house is not all protected.
        ([Bucket.PROTECTED, None], True, None),
        ([], True, None),
    ],
)
def test_the_house_is_open_when_any_speaker_is(
    buckets: list[Bucket | None], empty: bool, expected: Bucket | None
) -> None:
    assert house_bucket(buckets, empty) is expected


async def test_open_at_home_then_protected_and_open_while_away(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The Echo's microphone is cut when everyone leaves; the Nest only muted."""
    await setup_house()
    entry: MockConfigEntry = house_entry(
        [
            speaker_subentry("Kitchen Echo"),
            speaker_subentry("Bedroom Nest", actions=("mute_media",)),
        ]
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await minutes(hass, freezer, 10)
    for speaker in (KITCHEN, NEST):
        assert seconds(hass, f"{speaker}open_while_home") == pytest.approx(600, abs=1)
        assert seconds(hass, f"{speaker}open_while_away") == 0
        assert seconds(hass, f"{speaker}protected_time") == 0
    assert seconds(hass, f"{HOUSE}a_speaker_open_while_home") == pytest.approx(
        600, abs=1
    )

    for person in ("alice", "bob"):
        await switch(hass, f"switch.{person}_at_home", False)
    # Two minutes before the house counts as empty (the debounce), then ten.
    await minutes(hass, freezer, 12)
    assert state(hass, "binary_sensor.home_house_empty") == "on"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    # Guarded, its output muted: that cuts nothing, it is open.
    assert state(hass, "sensor.bedroom_nest_privacy_state") == "open"
    assert state(hass, "binary_sensor.home_guard_engaged") == "on"
    assert seconds(hass, f"{KITCHEN}open_while_home") == pytest.approx(720, abs=1)
    assert seconds(hass, f"{KITCHEN}protected_time") == pytest.approx(600, abs=1)
    assert seconds(hass, f"{NEST}open_while_away") == pytest.approx(600, abs=1)
    assert seconds(hass, f"{NEST}protected_time") == 0
    assert seconds(hass, f"{HOUSE}a_speaker_open_while_away") == pytest.approx(
        600, abs=1
    )
    assert seconds(hass, f"{HOUSE}all_speakers_protected") == 0

    # A restart keeps the clocks; the time it was down is not counted.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await tick(hass, freezer, 3600)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await minutes(hass, freezer, 5)
    assert seconds(hass, f"{KITCHEN}protected_time") == pytest.approx(900, abs=1)
    assert seconds(hass, f"{NEST}open_while_away") == pytest.approx(900, abs=1)
    assert seconds(hass, f"{KITCHEN}open_while_home") == pytest.approx(720, abs=1)


async def test_the_house_is_protected_only_while_every_speaker_is(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_house([{"name": "Kitchen Echo"}])
    entry = house_entry([speaker_subentry("Kitchen Echo")])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await switch(hass, "switch.home_privacy_mode", True)
    await minutes(hass, freezer, 3)
    assert seconds(hass, f"{HOUSE}all_speakers_protected") == pytest.approx(180, abs=1)
    assert seconds(hass, f"{HOUSE}a_speaker_open_while_home") == 0


async def test_a_reload_never_shows_less(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The clocks are read back before their sensors show anything (a total
    that drops, even for a moment, is a new cycle to the recorder), and are
    saved every ten minutes while Home Assistant runs."""
    await setup_house([{"name": "Kitchen Echo"}])
    entry = house_entry([speaker_subentry("Kitchen Echo")])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await minutes(hass, freezer, 25)
    stored = hass_storage[f"privacy_guard.{entry.entry_id}.exposure"]["data"]
    # Saved at the twentieth minute or so, not only at the end.
    assert 1200 <= stored["speakers"]["kitchen_echo_id"]["open_home"] < 1500
    shown = async_capture_events(hass, EVENT_STATE_CHANGED)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    values = [
        event.data["new_state"].state
        for event in shown
        if event.data["entity_id"] == f"{KITCHEN}open_while_home"
        and event.data["new_state"] is not None
    ]
    assert values
    assert all(
        value == "unavailable" or float(value) * 3600 >= 1500 for value in values
    ), values


async def test_after_a_crash_the_sensor_keeps_what_it_showed(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Saved at 20 minutes, shown at 29 when the power went: 29 it stays."""
    entry = house_entry([speaker_subentry("Kitchen Echo")])
    hass_storage[f"privacy_guard.{entry.entry_id}.exposure"] = {
        "version": 1,
        "data": {"speakers": {"kitchen_echo_id": {"open_home": 1200.0}}},
    }
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(f"{KITCHEN}open_while_home", "0.48"),
                {"native_value": 1740, "native_unit_of_measurement": "s"},
            )
        ],
    )
    await setup_house([{"name": "Kitchen Echo"}])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert seconds(hass, f"{KITCHEN}open_while_home") == pytest.approx(1740)
    await minutes(hass, freezer, 1)
    assert seconds(hass, f"{KITCHEN}open_while_home") == pytest.approx(1800)


async def test_a_room_clock_counts_the_speech_it_heard(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Only while its microphone hears speech; kept across a restart."""
    heard = {"kitchen": False}
    tracker = ExposureTracker(
        hass,
        "house01",
        (),
        lambda _speaker_id: pytest.fail("no speakers"),
        lambda: False,
        room_ids=["kitchen"],
        heard=heard.__getitem__,
    )
    await tracker.async_load()
    await tracker.async_start()
    await minutes(hass, freezer, 2)
    heard["kitchen"] = True
    async_notify(hass, "house01", "kitchen")
    await hass.async_block_till_done()
    await minutes(hass, freezer, 3)
    heard["kitchen"] = False
    async_notify(hass, "house01", "kitchen")
    await hass.async_block_till_done()
    await minutes(hass, freezer, 1)
    assert tracker.seconds("kitchen", Bucket.SPEECH) == pytest.approx(180)
    await tracker.async_stop()
    again = ExposureTracker(
        hass, "house01", (), lambda _s: pytest.fail("no"), lambda: False,
        room_ids=["kitchen"],
    )  # fmt: skip
    await again.async_load()
    assert again.seconds("kitchen", Bucket.SPEECH) == pytest.approx(180)
