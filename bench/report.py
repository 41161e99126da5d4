"""The privacy report: get_report on a year of statistics, beside a naive replay.

Run: ``.venv/bin/python bench/report.py [--speakers 20] [--days 365]``
``[--history-hours 24] [--repeat 3]``

A real Home Assistant in this process (``_hass.py``) with a real recorder on a
SQLite file, the demo house and Privacy Guard with ``--speakers`` speakers.
Every one of Privacy Guard's counters and clocks (eleven per speaker, three
for the house) gets ``--days`` of hourly long-term statistics, imported as the
recorder would have compiled them. Then:

* **get_report** (the action, as an automation calls it) for a day, a week,
  30 days and a year, ending at the last whole hour but one; best of
  ``--repeat``;
* **naive replay**: the same figures for the last ``--history-hours`` from the
  states the recorder kept, every state of every counter read back and its
  increases added up (what a report without statistics would have to do).
  The exposure clocks move once a minute, so a day holds 1,440 states each.
  Only that window of states is written (writing a year of them would take
  this bench hours); its cost grows with the period, the report's does not.

Both runs of the day are checked to agree on the uploads counted.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timedelta
from pathlib import Path
import random
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hass import (
    async_setup_house,
    entity_id_of,
    running_hass,
    watched_house,
)

# Privacy Guard's sensors per speaker: key, unit, unit class, per hour growth.
COUNTERS: tuple[tuple[str, str | None, str | None, tuple[float, float]], ...] = (
    ("uploads", None, None, (0, 3)),
    ("requested_uploads", None, None, (0, 2)),
    ("misactivations", None, None, (0, 1)),
    ("silent_uploads", None, None, (0, 1)),
    ("unsolicited_uploads", None, None, (0, 1)),
    ("leaks", None, None, (0, 0)),
    ("reprotections", None, None, (0, 0)),
    ("uploaded_data", "kB", "information", (0, 300)),
    ("open_while_home", "h", "duration", (0, 1)),
    ("open_while_away", "h", "duration", (0, 0.2)),
    ("protected_time", "h", "duration", (0, 0.5)),
)
HOUSE: tuple[str, ...] = (
    "any_open_while_home",
    "any_open_while_away",
    "all_protected_time",
)


def metadata(entity_id: str, unit: str | None, unit_class: str | None) -> Any:
    from homeassistant.components.recorder.models import StatisticMeanType

    return {
        "has_sum": True,
        "mean_type": StatisticMeanType.NONE,
        "name": None,
        "source": "recorder",
        "statistic_id": entity_id,
        "unit_class": unit_class,
        "unit_of_measurement": unit,
    }


def minute_series(
    series: dict[str, tuple[str | None, str | None, tuple[float, float]]],
    minutes: int,
) -> dict[str, list[float]]:
    """Each sensor's increase in each minute of the recent window.

    A clock (hours) moves by a minute's share in the minutes it runs; a
    counter by an upload (or its bytes) now and then; leaks and
    re-protections not at all.
    """
    rng = random.Random(5)
    out: dict[str, list[float]] = {}
    for entity_id, (unit, _, (_, high)) in series.items():
        if high <= 0:
            out[entity_id] = [0.0] * minutes
        elif unit == "h":
            share = min(high, 1.0)
            out[entity_id] = [
                1 / 60 if rng.random() < share else 0.0 for _ in range(minutes)
            ]
        else:
            out[entity_id] = [
                round(rng.uniform(1, max(high, 1))) if rng.random() < 1 / 30 else 0.0
                for _ in range(minutes)
            ]
    return out


async def import_year(
    hass: Any,
    series: dict[str, tuple[str | None, str | None, tuple[float, float]]],
    recent: dict[str, list[float]],
    end: datetime,
    days: int,
) -> tuple[int, dict[str, float]]:
    """Import ``days`` of hourly sums up to ``end``, the last hours from
    ``recent``; return the rows and each sum where ``recent`` begins."""
    from homeassistant.components.recorder.statistics import async_import_statistics
    from homeassistant.helpers.recorder import get_instance

    rng = random.Random(3)
    hours = days * 24
    first = end - timedelta(hours=hours)
    recent_hours = len(next(iter(recent.values()))) // 60
    rows = 0
    at_window: dict[str, float] = {}
    for entity_id, (unit, unit_class, (low, high)) in series.items():
        total = 0.0
        data = []
        for hour in range(hours):
            back = hours - hour
            if back == recent_hours:
                at_window[entity_id] = total
            if back <= recent_hours:
                index = (recent_hours - back) * 60
                total += sum(recent[entity_id][index : index + 60])
            else:
                total += rng.uniform(low, high) if high > low else low
            data.append(
                {"start": first + timedelta(hours=hour), "state": total, "sum": total}
            )
        async_import_statistics(hass, metadata(entity_id, unit, unit_class), data)
        rows += len(data)
    await get_instance(hass).async_block_till_done()
    return rows, at_window


async def write_history(
    hass: Any,
    recent: dict[str, list[float]],
    start_values: dict[str, float],
    start: datetime,
) -> int:
    """Write the recent window's states: a state whenever a sensor moved."""
    from homeassistant.helpers.recorder import get_instance

    values = dict(start_values)
    # What each sensor showed when the window began (the state before it).
    before = (start - timedelta(minutes=1)).timestamp()
    for entity_id, value in values.items():
        hass.states.async_set(
            entity_id,
            f"{value:.4f}",
            {"state_class": "total_increasing"},
            timestamp=before,
        )
    written = len(values)
    minutes = len(next(iter(recent.values())))
    for minute in range(minutes):
        t = (start + timedelta(minutes=minute, seconds=30)).timestamp()
        for entity_id, steps in recent.items():
            if steps[minute]:
                values[entity_id] += steps[minute]
                hass.states.async_set(
                    entity_id,
                    f"{values[entity_id]:.4f}",
                    {"state_class": "total_increasing"},
                    timestamp=t,
                )
                written += 1
        if minute % 60 == 59:
            await hass.async_block_till_done()
            await get_instance(hass).async_block_till_done()
    await get_instance(hass).async_block_till_done()
    return written


def naive(
    hass: Any, entity_ids: list[str], start: datetime, end: datetime
) -> dict[str, float]:
    """Add up every increase of every sensor's recorded states over the period.

    States from an hour before give each sensor its value when the period
    began; only increases at or after ``start`` count.
    """
    from homeassistant.components.recorder.history import get_significant_states

    found = get_significant_states(
        hass,
        start - timedelta(hours=1),
        end,
        entity_ids,
        significant_changes_only=False,
        no_attributes=True,
    )
    totals: dict[str, float] = {}
    for entity_id, states in found.items():
        last: float | None = None
        total = 0.0
        for state in states:
            assert not isinstance(state, dict)
            try:
                value = float(state.state)
            except ValueError:
                continue
            if last is not None and state.last_updated >= start:
                total += value - last if value >= last else value
            last = value
        totals[entity_id] = total
    return totals


async def best(repeat: int, run: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = await run()
        times.append(time.perf_counter() - began)
    return min(times), result


async def main(args: argparse.Namespace) -> None:
    async with running_hass() as hass:
        from homeassistant.helpers import recorder as recorder_helper
        from homeassistant.helpers.recorder import get_instance
        from homeassistant.setup import async_setup_component
        from homeassistant.util import dt as dt_util, slugify

        folder = Path(tempfile.mkdtemp(prefix="pg-report-"))
        # What Home Assistant's bootstrap does before it sets the recorder up.
        recorder_helper.async_initialize_recorder(hass)
        assert await async_setup_component(
            hass,
            "recorder",
            {
                "recorder": {
                    "db_url": f"sqlite:///{folder}/bench.db",
                    "commit_interval": 0,
                }
            },
        )
        await get_instance(hass).async_block_till_done()
        names = [f"Speaker {i:02d}" for i in range(1, args.speakers + 1)]
        slugs = [slugify(name) for name in names]
        await async_setup_house(hass, [{"name": name} for name in names])
        entry = watched_house(
            names, slugs, [f"sensor.{slug}_traffic" for slug in slugs], debounce=120
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        ids = {subentry.title: sid for sid, subentry in entry.subentries.items()}
        series: dict[str, tuple[str | None, str | None, tuple[float, float]]] = {}
        for name in names:
            for key, unit, unit_class, growth in COUNTERS:
                entity_id = entity_id_of(hass, f"{ids[name]}_{key}", "sensor")
                series[entity_id] = (unit, unit_class, growth)
        for key in HOUSE:
            entity_id = entity_id_of(hass, f"{entry.entry_id}_{key}", "sensor")
            series[entity_id] = ("h", "duration", (0, 0.5))
        # Whole hours, an hour before now: what the recorder compiles by
        # itself while this bench runs stays out of every period below.
        end = dt_util.utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(
            hours=1
        )
        window = end - timedelta(hours=args.history_hours)
        recent = minute_series(series, args.history_hours * 60)
        began = time.perf_counter()
        rows, at_window = await import_year(hass, series, recent, end, args.days)
        print(
            f"{len(series)} statistics, {rows:,} hourly rows ({args.days} days) "
            f"imported in {time.perf_counter() - began:.0f} s"
        )
        began = time.perf_counter()
        written = await write_history(hass, recent, at_window, window)
        print(
            f"{written:,} states (the last {args.history_hours} h) written in "
            f"{time.perf_counter() - began:.0f} s"
        )

        async def report(hours: float) -> Any:
            return await hass.services.async_call(
                "privacy_guard",
                "get_report",
                {
                    "start": (end - timedelta(hours=hours)).isoformat(),
                    "end": end.isoformat(),
                },
                blocking=True,
                return_response=True,
            )

        uploads = [
            entity_id_of(hass, f"{ids[name]}_uploads", "sensor") for name in names
        ]
        print(f"\n{'':<30}{'seconds':>9}   house uploads")
        window_label = f"the last {args.history_hours} h"
        periods = (
            (window_label, args.history_hours),
            ("a day", 24),
            ("a week", 24 * 7),
            ("30 days", 24 * 30),
            ("a year", 24 * 365),
        )
        timed: dict[str, tuple[float, int]] = {}
        for label, hours in periods:
            seconds, answer = await best(args.repeat, lambda h=hours: report(h))
            timed[label] = seconds, answer["house"]["figures"]["uploads"]
            print(f"get_report, {label:<18}{seconds:>9.3f}   {timed[label][1]}")
        seconds, totals = await best(
            args.repeat,
            lambda: get_instance(hass).async_add_executor_job(
                naive, hass, list(series), window, end
            ),
        )
        replayed = round(sum(totals.get(e, 0.0) for e in uploads))
        print(f"naive replay, {window_label:<16}{seconds:>9.3f}   {replayed}")
        report_seconds, counted = timed[window_label]
        print(
            f"\n{window_label}: naive replay / get_report "
            f"{seconds / report_seconds:.1f}x; the same uploads: {replayed == counted}"
        )
        await hass.config_entries.async_unload(entry.entry_id)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speakers", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--history-hours", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
