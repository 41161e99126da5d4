"""A made-up past week for a fresh demo, so its report has days to show.

Privacy Guard's report and dashboard read the recorder's long-term statistics,
which a new house builds an hour at a time. For the demo, the week before its
first start is made up here: hourly sums for each of Privacy Guard's counters
and clocks, from a seeded day-and-night pattern (requests in the mornings and
evenings, misactivations while the television plays, a silent upload now and
then, the guard engaged while everyone is out on weekdays). Live statistics
go on from there. It is demo data, and says so: a persistent notification and
a log line. Only with the recorder, and only when none of those counters has
statistics yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import logging
import random
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.components.recorder.db_schema import StatisticsShortTerm
from homeassistant.components.recorder.models import (
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    get_last_statistics,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
import homeassistant.util.dt as dt_util

LOGGER = logging.getLogger(__name__)
DAYS = 7
NOTIFICATION_ID = "privacy_demo_seeded_week"
UNIT_CLASSES: Mapping[str, str] = {"data_size": "information", "duration": "duration"}


def hour_of(speaker: int, local: datetime, rng: random.Random) -> dict[str, float]:
    """Return what one speaker did in one local hour (counts, bytes, seconds)."""
    hour, weekday = local.hour, local.weekday() < 5
    away = weekday and 9 <= hour < 17
    awake = 7 <= hour < 23
    tv = 19 <= hour < 22
    requested = rng.random() < (0.6 if awake and not away else 0.05)
    misactivation = tv and rng.random() < 0.35 + 0.1 * (speaker % 3)
    silent = not away and rng.random() < 0.04
    uploads = requested + misactivation + silent
    return {
        "uploads": uploads,
        "requested_uploads": requested,
        "misactivations": misactivation,
        "silent_uploads": silent,
        "unsolicited_uploads": misactivation + silent,
        "leaks": 0,
        "reprotections": 0,
        "uploaded_data": uploads * rng.uniform(30_000, 90_000),
        "open_while_home": 0 if away else 3600,
        "open_while_away": 0,
        "protected_time": 3600 if away else 0,
        "any_open_while_home": 0 if away else 3600,
        "any_open_while_away": 0,
        "all_protected_time": 3600 if away else 0,
    }


async def async_seed_week(hass: HomeAssistant, entry_id: str) -> None:
    """Import the made-up week for Privacy Guard's counters of ``entry_id``."""
    if "recorder" not in hass.config.components:
        return
    registry = er.async_get(hass)
    sensors = [
        entity
        for entity in er.async_entries_for_config_entry(registry, entry_id)
        if entity.domain == "sensor"
        and (entity.capabilities or {}).get("state_class") == "total_increasing"
    ]
    instance = get_instance(hass)
    for entity in sensors:
        if await instance.async_add_executor_job(
            get_last_statistics, hass, 1, entity.entity_id, False, {"sum"}
        ):
            return
    now = dt_util.utcnow()
    end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    # Five minutes before the last five the recorder compiles: the live
    # statistics take over from there.
    slot = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    slot -= timedelta(minutes=10)
    start = end - timedelta(days=DAYS)
    owners = sorted({entity.config_subentry_id or "" for entity in sensors})
    for entity in sensors:
        owner_id = entity.config_subentry_id or entry_id
        key = entity.unique_id.removeprefix(f"{owner_id}_")
        state = hass.states.get(entity.entity_id)
        unit = state.attributes.get("unit_of_measurement") if state else None
        device_class = state.attributes.get("device_class") if state else None
        # The same speaker's counters agree with one another: one generator each.
        owner = owners.index(entity.config_subentry_id or "")
        rng = random.Random(owner)
        total = 0.0
        rows: list[Any] = []
        hour = start
        while hour < end:
            total += float(hour_of(owner, dt_util.as_local(hour), rng).get(key, 0))
            shown = _shown(total, unit)
            rows.append({"start": hour, "state": shown, "sum": shown})
            hour += timedelta(hours=1)

        metadata: StatisticMetaData = {
            "has_sum": True,
            "mean_type": StatisticMeanType.NONE,
            "name": None,
            "source": "recorder",
            "statistic_id": entity.entity_id,
            "unit_class": UNIT_CLASSES.get(device_class or ""),
            "unit_of_measurement": unit,
        }
        async_import_statistics(hass, metadata, rows)
        # The live five-minute statistics go on from the week's sum: the
        # recorder continues a sensor's sum from its last five-minute row (it
        # would start at 0 without one), at the value the sensor shows now.
        shown_now = _float(state.state) if state else None
        instance.async_import_statistics(
            metadata,
            [{"start": slot, "state": shown_now or 0.0, "sum": rows[-1]["sum"]}],
            StatisticsShortTerm,
        )
    persistent_notification.async_create(
        hass,
        (
            f"The {DAYS} days before this demo house's first start are made up"
            " (demo data), so Privacy Guard's report and dashboard have a week"
            " to show. From now on every figure is the demo house's own."
        ),
        title="Privacy Guard demo: a made-up past week",
        notification_id=NOTIFICATION_ID,
    )
    LOGGER.info("Seeded %d days of made-up statistics (demo data)", DAYS)


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _shown(value: float, unit: str | None) -> float:
    """Convert bytes and seconds to the unit the sensor shows."""
    factor = {"kB": 1e-3, "MB": 1e-6, "h": 1 / 3600, "min": 1 / 60}.get(unit or "", 1.0)
    return value * factor
