"""The demo house makes up the week before its first start, and says so."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.persistent_notification import async_dismiss
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
import homeassistant.util.dt as dt_util
from pytest_homeassistant_custom_component.common import (
    async_get_persistent_notifications,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.privacy_demo.seed import async_seed_week

from .conftest import HouseFactory
from .helpers import settle

SPEAKERS = [
    {"name": "Kitchen Echo", "profile": "amazon_echo"},
    {"name": "Living Room Nest", "profile": "google_nest"},
]


async def test_a_fresh_demo_has_a_week_of_report(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_house(SPEAKERS, demo={"guard": True, "seed_week": True})
    await settle(hass)
    await async_wait_recording_done(hass)
    # The live statistics begin, as the recorder compiles them every five
    # minutes: the made-up week stays.
    now = dt_util.utcnow()
    slot = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    freezer.tick(timedelta(minutes=6))
    do_adhoc_statistics(hass, start=slot)
    await async_wait_recording_done(hass)
    live = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        slot,
        None,
        {"sensor.kitchen_echo_uploads"},
        "5minute",
        None,
        {"sum"},
    )
    assert live["sensor.kitchen_echo_uploads"]
    # It says the week is made up.
    notices = async_get_persistent_notifications(hass)
    assert "demo data" in notices["privacy_demo_seeded_week"]["message"]
    days = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        dt_util.utcnow() - timedelta(days=8),
        None,
        {"sensor.kitchen_echo_uploads", "sensor.demo_house_all_speakers_protected"},
        "day",
        None,
        {"change"},
    )
    assert len(days["sensor.kitchen_echo_uploads"]) >= 7
    assert sum(day["change"] or 0 for day in days["sensor.kitchen_echo_uploads"]) > 7
    # Nobody home on weekdays from nine to five: the guard protected them.
    assert any(
        day["change"] for day in days["sensor.demo_house_all_speakers_protected"]
    )

    report = await hass.services.async_call(
        "privacy_guard",
        "get_report",
        {"period": "week"},
        blocking=True,
        return_response=True,
    )
    assert report is not None
    kitchen = next(s for s in report["speakers"] if s["name"] == "Kitchen Echo")
    assert kitchen["figures"]["uploads"] > 7
    assert kitchen["figures"]["uploads"] == (
        kitchen["figures"]["requested"] + kitchen["figures"]["unsolicited"]
    )

    # Set up again (a restart): the statistics exist, nothing is made up twice.
    async_dismiss(hass, "privacy_demo_seeded_week")
    await async_seed_week(hass, report_entry(hass))
    assert "privacy_demo_seeded_week" not in async_get_persistent_notifications(hass)


def report_entry(hass: HomeAssistant) -> str:
    return hass.config_entries.async_entries("privacy_guard")[0].entry_id
