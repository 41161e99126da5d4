"""The weekly report: the integration's own notification and the blueprint's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.privacy_guard.report_text import summary

from .conftest import HouseFactory, house_entry, speaker_subentry
from .helpers import settle

PHONE = "notify.alice_phone"


def at(text: str) -> datetime:
    """Return a time in the house's time zone."""
    parsed = dt_util.parse_datetime(text)
    assert parsed is not None
    return parsed.replace(tzinfo=dt_util.get_default_time_zone())


async def until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, when: datetime
) -> None:
    freezer.move_to(when)
    async_fire_time_changed(hass)
    await settle(hass)


async def house(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    options: dict[str, Any],
) -> None:
    """The demo house, and one upload nobody asked for, compiled into statistics."""
    start = dt_util.utcnow()
    await setup_house()
    entry = house_entry([speaker_subentry("Kitchen Echo")], options=options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    freezer.tick(timedelta(seconds=30))
    await hass.services.async_call(
        "privacy_guard",
        "record_upload",
        {"entity_id": "sensor.kitchen_echo_uploads", "bytes": 20_000},
        blocking=True,
    )
    freezer.tick(timedelta(minutes=59))
    await async_wait_recording_done(hass)
    for minutes in range(0, 60, 5):
        do_adhoc_statistics(hass, start=start + timedelta(minutes=minutes))
        await async_wait_recording_done(hass)


def shown(hass: HomeAssistant) -> dict[str, Any]:
    phone = hass.states.get(PHONE)
    assert phone is not None
    return dict(phone.attributes)


async def test_the_option_sends_the_week_on_monday_at_eight(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(at("2026-11-30 07:00:00"))  # a Monday
    await house(hass, setup_house, freezer, {"debounce": 120, "weekly_report": PHONE})
    await until(hass, freezer, at("2026-11-30 07:59:59"))
    assert shown(hass)["message"] is None
    await until(hass, freezer, at("2026-11-30 08:00:00"))
    sent = shown(hass)
    assert sent["title"] == "Privacy Guard: the week"
    lines = sent["message"].split("\n")
    # No external URL: the path alone, never the house's inner address.
    assert lines[-1] == "Dashboard: /privacy-guard"
    assert lines[0].startswith("1 uploads, 1 that nobody asked for, 0 while guarded")
    # Tuesday at eight: nothing new.
    hass.states.async_set(PHONE, "x", {"title": None, "message": None})
    await until(hass, freezer, at("2026-12-01 08:00:00"))
    assert hass.states.get(PHONE).attributes["message"] is None  # type: ignore[union-attr]


async def test_no_option_no_weekly_report(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(at("2026-11-30 07:00:00"))
    await house(hass, setup_house, freezer, {"debounce": 120})
    await until(hass, freezer, at("2026-11-30 08:00:00"))
    assert shown(hass)["message"] is None


async def test_the_blueprint_as_an_automation(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Made from the installed blueprint, sending to a phone on Fridays at six."""
    freezer.move_to(at("2026-12-04 17:00:00"))  # a Friday
    await house(hass, setup_house, freezer, {"debounce": 120})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "privacy_guard/weekly_privacy_report.yaml",
                    "input": {
                        "at": "18:00:00",
                        "weekday": "fri",
                        "send": [
                            {
                                "action": "notify.send_message",
                                "target": {"entity_id": PHONE},
                                "data": {
                                    "title": "{{ title }}",
                                    "message": "{{ message }}",
                                },
                            }
                        ],
                    },
                }
            }
        },
    )
    await until(hass, freezer, at("2026-12-04 18:00:00"))
    sent = shown(hass)
    assert sent["title"] == "Privacy Guard: the week"
    assert sent["message"].startswith("1 uploads, 1 that nobody asked for, 0 while")
    assert "Kitchen Echo: 0 misactivations" in sent["message"]
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "all"}, blocking=True
    )


@pytest.mark.parametrize(
    ("language", "first"),
    [
        ("en", "3 uploads, 2 that nobody asked for, 1 while guarded; the week"),
        ("de-CH", "3 Uploads, 2 ungefragt, 1 trotz Schutz; die Woche davor"),
        ("fr", "3 uploads, 2 that nobody asked for"),
    ],
)
def test_a_summary_in_the_house_language(language: str, first: str) -> None:
    figures = {"uploads": 3, "unsolicited": 2, "leaks": 1, "open_while_away": 5400}
    quiet = {"uploads": 1, "unsolicited": 0, "leaks": 0}
    report = {
        "house": {"figures": figures, "previous": {"uploads": None}},
        "speakers": [
            {"name": f"S{i}", "figures": {"unsolicited": 1, "misactivations": 1}}
            for i in range(5)
        ]
        + [{"name": "Quiet", "figures": quiet}],
    }
    text = summary(report, language, "/privacy-guard")
    assert text["lines"][0].startswith(first)
    assert any("1.5 h" in line or "1,5 h" in line for line in text["lines"])
    # At most three speakers, the quiet one never.
    assert len(text["lines"]) == 1 + 1 + 3 + 1
    nothing = summary(
        {"house": {"figures": quiet, "previous": quiet}, "speakers": []}, "en", "/x"
    )
    assert nothing["lines"][1] == "No upload that nobody asked for was found."
    # Nothing recorded is a question mark, not a 0.
    assert text["lines"][0].endswith("?, ?, ?.")
