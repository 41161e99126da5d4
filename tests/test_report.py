"""The privacy report, read from a real recorder's statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
import pytest
from pytest_homeassistant_custom_component.common import (
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.privacy_guard.const import DOMAIN
from custom_components.privacy_guard.report import (
    Period,
    build_report,
)

from .conftest import HouseFactory, house_entry, speaker_subentry

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
KITCHEN_UPLOADS = "sensor.kitchen_echo_uploads"
NEST_UPLOADS = "sensor.bedroom_nest_uploads"


async def report(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "get_report", data, blocking=True, return_response=True
    )
    assert response is not None
    return response


async def upload(hass: HomeAssistant, entity_id: str, size: int) -> None:
    await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {"entity_id": entity_id, "bytes": size, "duration": 5},
        blocking=True,
    )


async def run_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, until: datetime
) -> None:
    """Move the clock a minute at a time (the exposure clocks tick each minute)."""
    while freezer().replace(tzinfo=UTC) < until:
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    await async_wait_recording_done(hass)


async def compile_statistics(
    hass: HomeAssistant, start: datetime, end: datetime
) -> None:
    """Compile the statistics of every five minutes, as the recorder does."""
    slot = start
    while slot < end:
        do_adhoc_statistics(hass, start=slot)
        await async_wait_recording_done(hass)
        slot += timedelta(minutes=5)


async def test_the_report_of_an_hour_against_the_hour_before(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(T0)
    await setup_house()
    entry = house_entry(
        [
            speaker_subentry("Kitchen Echo"),
            speaker_subentry("Bedroom Nest", actions=("mute_media",)),
        ]
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    await run_until(hass, freezer, T0 + timedelta(minutes=10))
    await upload(hass, KITCHEN_UPLOADS, 40_000)
    await run_until(hass, freezer, T0 + timedelta(minutes=70))
    await upload(hass, KITCHEN_UPLOADS, 30_000)
    # Apart in time, as real uploads are: Home Assistant's statistics take two
    # states of one sensor at the same instant for a new cycle of its total.
    freezer.tick(timedelta(seconds=20))
    await upload(hass, KITCHEN_UPLOADS, 20_000)
    await upload(hass, NEST_UPLOADS, 10_000)
    await run_until(hass, freezer, T0 + timedelta(minutes=125))
    await compile_statistics(hass, T0, T0 + timedelta(minutes=120))

    answer = await report(
        hass,
        start=(T0 + timedelta(hours=1)).isoformat(),
        end=(T0 + timedelta(hours=2)).isoformat(),
    )
    assert answer["period"] == {
        "start": (T0 + timedelta(hours=1)).isoformat(),
        "end": (T0 + timedelta(hours=2)).isoformat(),
    }
    assert answer["previous_period"]["start"] == T0.isoformat()
    kitchen, nest = answer["speakers"]
    # Worst first: the Echo sent more that nobody asked for.
    assert (kitchen["name"], nest["name"]) == ("Kitchen Echo", "Bedroom Nest")
    assert kitchen["figures"]["uploads"] == 2
    assert kitchen["figures"]["unsolicited"] == 2
    assert kitchen["figures"]["bytes"] == 50_000
    assert kitchen["previous"]["uploads"] == 1
    assert kitchen["change"]["uploads"] == 1
    assert nest["figures"]["uploads"] == 1
    assert nest["previous"]["uploads"] == 0
    # Both open all hour, with people at home.
    assert kitchen["figures"]["open_while_home"] == 3600
    assert kitchen["figures"]["protected_time"] == 0
    house = answer["house"]
    assert house["figures"]["uploads"] == 3
    assert house["previous"]["uploads"] == 1
    assert house["change"]["bytes"] == 60_000 - 40_000
    assert house["figures"]["open_while_home"] == 3600
    assert kitchen["self_test"] is None

    # One speaker, by its device's entity.
    only = await report(
        hass,
        entity_id=NEST_UPLOADS,
        start=(T0 + timedelta(hours=1)).isoformat(),
        end=(T0 + timedelta(hours=2)).isoformat(),
    )
    assert [speaker["name"] for speaker in only["speakers"]] == ["Bedroom Nest"]
    assert only["house"]["figures"]["uploads"] == 1

    # Before the counters existed: nothing was counted yet.
    early = await report(
        hass,
        start=(T0 - timedelta(hours=2)).isoformat(),
        end=(T0 - timedelta(hours=1)).isoformat(),
    )
    assert early["house"]["figures"]["uploads"] == 0
    assert early["house"]["figures"]["open_while_home"] == 0

    # A period: the last day, up to now.
    day = await report(hass, period="day")
    assert day["house"]["figures"]["uploads"] == 4
    # Up to now means now: an upload the recorder has not compiled yet counts.
    freezer.tick(timedelta(minutes=2))
    await upload(hass, KITCHEN_UPLOADS, 5_000)
    await async_wait_recording_done(hass)
    day = await report(hass, period="day")
    assert day["house"]["figures"]["uploads"] == 5
    assert day["house"]["figures"]["bytes"] == 105_000


async def test_a_report_needs_the_recorder_and_a_sound_period(
    hass: HomeAssistant, init_integration: object
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await report(hass)
    assert err.value.translation_key == "report_needs_recorder"


async def test_a_period_must_end_after_it_starts(
    recorder_mock: Recorder, hass: HomeAssistant, init_integration: object
) -> None:
    for start, end in ((T0, T0), (T0, T0 + timedelta(days=400))):
        with pytest.raises(ServiceValidationError) as err:
            await report(hass, start=start.isoformat(), end=end.isoformat())
        assert err.value.translation_key == "report_span"


def test_figures_nobody_recorded_stay_unknown() -> None:
    period = Period(T0, T0 + timedelta(days=7))
    answer = build_report(
        period,
        names={"a": "A", "b": "B"},
        ids={("a", "uploads"): "sensor.a_uploads", ("a", "leaks"): "sensor.a_leaks"},
        now={"sensor.a_uploads": 5, "sensor.a_leaks": 1},
        before={"sensor.a_uploads": None, "sensor.a_leaks": 0},
        self_tests={"b": {"result": "held"}},
    )
    a, b = answer["speakers"]
    assert a["figures"]["uploads"] == 5
    assert a["change"]["uploads"] is None
    assert a["change"]["leaks"] == 1
    assert b["figures"]["uploads"] is None
    assert b["self_test"] == {"result": "held"}
    assert answer["house"]["figures"]["uploads"] == 5
    assert answer["house"]["figures"]["open_while_away"] is None
    assert answer["previous_period"] == {
        "start": (T0 - timedelta(days=7)).isoformat(),
        "end": T0.isoformat(),
    }


def test_misactivations_per_hour_of_speech_its_rooms_heard() -> None:
    ids = {
        ("a", "misactivations"): "sensor.a_misactivations",
        ("b", "misactivations"): "sensor.b_misactivations",
        ("kitchen", "speech"): "sensor.kitchen_speech_heard_time",
        ("hall", "speech"): "sensor.hall_speech_heard_time",
    }
    answer = build_report(
        Period(T0, T0 + timedelta(days=1)),
        names={"a": "A", "b": "B"},
        ids=ids,
        now={
            "sensor.a_misactivations": 3,
            "sensor.b_misactivations": 2,
            "sensor.kitchen_speech_heard_time": 1200,
            "sensor.hall_speech_heard_time": 600,
        },
        before={"sensor.a_misactivations": 1, "sensor.kitchen_speech_heard_time": 0},
        self_tests={},
        rooms={"a": ("kitchen", "hall")},
    )
    a, b = sorted(answer["speakers"], key=lambda s: s["name"])
    # Half an hour of speech in its two rooms, three misactivations.
    assert a["figures"]["speech_heard"] == 1800
    assert a["misactivations_per_speech_hour"] == 6.0
    # The hall's microphone had no statistics the day before: not known.
    assert a["previous"]["speech_heard"] is None
    assert a["previous_misactivations_per_speech_hour"] is None
    # No room microphone: nothing to count against.
    assert b["figures"]["speech_heard"] is None
    assert b["misactivations_per_speech_hour"] is None
    assert "speech_heard" not in answer["house"]["figures"]


async def test_a_report_answers_only_what_the_caller_may_read(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    init_integration: object,
    hass_read_only_user: MockUser,
) -> None:
    """A read-only user reads it; one who may not read a speaker's sensors not."""
    read_only = Context(user_id=hass_read_only_user.id)
    answer = await hass.services.async_call(
        DOMAIN, "get_report", {}, blocking=True, return_response=True,
        context=read_only,
    )  # fmt: skip
    assert answer is not None
    assert len(answer["speakers"]) == 2
    hass_read_only_user.mock_policy(
        {"entities": {"entity_ids": {"sensor.kitchen_echo_uploads": True}}}
    )
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN, "get_report", {}, blocking=True, return_response=True,
            context=read_only,
        )  # fmt: skip
