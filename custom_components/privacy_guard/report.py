"""The privacy report: a period's uploads, leaks and exposure, against the one before.

Every figure is the change of one of Privacy Guard's own counters over the
period: its statistics' running sum at the period's end less the one at its
start, read from the recorder's five-minute statistics where it still keeps
them around that time, else from the hourly ones (to the hour), never by
replaying states: a report costs a few queries for all counters at once,
however long the period and however many speakers.
Counters are ``total_increasing`` sensors, so a reset of the counters (the
``reset_counters`` action) is no negative change. The self-test's latest
result is the integration's own record, shown when it falls in the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from homeassistant.components.recorder.statistics import (
    get_last_short_term_statistics,
    get_last_statistics,
    statistics_during_period,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.recorder import get_instance
import homeassistant.util.dt as dt_util
from homeassistant.util.unit_conversion import DurationConverter, InformationConverter

from .const import DOMAIN
from .dashboard import URL_PATH
from .report_text import summary

if TYPE_CHECKING:
    from .runtime import PrivacyGuardConfigEntry

PERIODS: Final[Mapping[str, timedelta]] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
}
# A figure of the report, and the key of the speaker's sensor it comes from.
SPEAKER_FIGURES: Final[Mapping[str, str]] = {
    "uploads": "uploads",
    "requested": "requested_uploads",
    "misactivations": "misactivations",
    "silent": "silent_uploads",
    "unsolicited": "unsolicited_uploads",
    "leaks": "leaks",
    "bytes": "uploaded_data",
    "reprotections": "reprotections",
    "open_while_home": "open_while_home",
    "open_while_away": "open_while_away",
    "protected_time": "protected_time",
}
# The house's own clocks (any speaker open; every speaker protected).
HOUSE_CLOCKS: Final[Mapping[str, str]] = {
    "open_while_home": "any_open_while_home",
    "open_while_away": "any_open_while_away",
    "protected_time": "all_protected_time",
}
# Figures of the house that add up its speakers'.
HOUSE_SUMS: Final = tuple(key for key in SPEAKER_FIGURES if key not in HOUSE_CLOCKS)
# A speaker's figure: the speech its rooms' microphones heard (seconds).
SPEECH: Final = "speech"
SPEECH_HEARD: Final = "speech_heard"
# Read in bytes and seconds, whatever unit the sensors show.
UNITS: Final = {"information": "B", "duration": "s"}

type Figures = dict[str, int | None]

SPANS: Final = {"5minute": timedelta(minutes=5), "hour": timedelta(hours=1)}
RESOLUTION: Final = timedelta(microseconds=1)
# Back to when a statistic's last row may lie (a sensor unavailable for long).
MAX_LOOKBACK: Final = timedelta(days=400)
# A period that ended this recently ended now: the sensors' values complete it.
LIVE: Final = timedelta(minutes=1)
CONVERTERS: Final = ((InformationConverter, "B"), (DurationConverter, "s"))


@dataclass(frozen=True, slots=True)
class Period:
    """A span of time, and the span of the same length just before it."""

    start: datetime
    end: datetime

    @property
    def before(self) -> Period:
        """Return the period of the same length that ends where this one starts."""
        return Period(self.start - (self.end - self.start), self.start)

    def as_dict(self) -> dict[str, str]:
        """Return it as ISO 8601 times."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def statistic_ids(
    hass: HomeAssistant,
    entry_id: str,
    speaker_ids: Iterable[str],
    room_ids: Iterable[str] = (),
) -> dict[tuple[str | None, str], str]:
    """Return the statistic id (entity id) of each figure, by (speaker, figure).

    The house's clocks are under speaker None, a room's speech time under
    (room, "speech"). A sensor removed from the registry has no statistic: its
    figures are None.
    """
    registry = er.async_get(hass)
    found: dict[tuple[str | None, str], str] = {}
    for speaker_id in speaker_ids:
        for figure, key in SPEAKER_FIGURES.items():
            entity_id = registry.async_get_entity_id(
                Platform.SENSOR, DOMAIN, f"{speaker_id}_{key}"
            )
            if entity_id is not None:
                found[(speaker_id, figure)] = entity_id
    for figure, key in HOUSE_CLOCKS.items():
        entity_id = registry.async_get_entity_id(
            Platform.SENSOR, DOMAIN, f"{entry_id}_{key}"
        )
        if entity_id is not None:
            found[(None, figure)] = entity_id
    for room_id in room_ids:
        entity_id = registry.async_get_entity_id(
            Platform.SENSOR, DOMAIN, f"{room_id}_speech_time"
        )
        if entity_id is not None:
            found[(room_id, SPEECH)] = entity_id
    return found


type Reading = tuple[float, float | None]
"""A statistic's running sum at the end of a row, and the state it had then."""


def _last_rows(
    hass: HomeAssistant,
    t: datetime,
    ids: list[str],
    period: Literal["5minute", "hour"],
    lookback: timedelta,
) -> dict[str, Reading]:
    """Return each statistic's sum and state at the end of its last row by ``t``."""
    span = SPANS[period]
    rows = statistics_during_period(
        hass,
        t - span - lookback,
        t - span + RESOLUTION,
        set(ids),
        period,
        UNITS,
        {"sum", "state"},
    )
    found: dict[str, Reading] = {}
    for statistic_id, kept in rows.items():
        if kept and (last := kept[-1].get("sum")) is not None:
            found[statistic_id] = (last, kept[-1].get("state"))
    return found


def readings_at(
    hass: HomeAssistant, t: datetime, ids: list[str]
) -> dict[str, Reading | None]:
    """Return each statistic's running sum (and state) at ``t``; None: it has none.

    From the five-minute statistics while the recorder keeps them around
    ``t``, else from the hourly ones (to the hour). A statistic that only
    began after ``t`` had counted nothing yet: 0.
    """
    readings: dict[str, Reading | None] = {}
    steps: tuple[tuple[Literal["5minute", "hour"], timedelta], ...] = (
        ("5minute", timedelta(minutes=15)),
        ("hour", timedelta(hours=2)),
        ("hour", MAX_LOOKBACK),
    )
    for period, lookback in steps:
        if missing := [i for i in ids if i not in readings]:
            readings.update(_last_rows(hass, t, missing, period, lookback))
    for statistic_id in ids:
        if statistic_id not in readings:
            later = get_last_statistics(
                hass, 1, statistic_id, False, {"sum"}
            ) or get_last_short_term_statistics(hass, 1, statistic_id, False, {"sum"})
            readings[statistic_id] = (0.0, None) if later.get(statistic_id) else None
    return readings


def live_sum(reading: Reading, live: float | None) -> float:
    """Return the running sum now: the last row's, and what moved since.

    A counter below the row's state was reset meanwhile: all of it is new.
    """
    total, state = reading
    if live is None or state is None:
        return total
    return total + (live - state if live >= state else live)


def _changes(
    hass: HomeAssistant,
    periods: list[Period],
    ids: list[str],
    live: Mapping[str, float | None],
    now: datetime,
) -> list[dict[str, int | None]]:
    """Return each statistic's change over each period (None: none recorded).

    A period that ends now ends at the sensors' values now, not at the last
    five minutes the recorder compiled.
    """
    wanted = sorted(set(ids))
    at: dict[datetime, dict[str, Reading | None]] = {}
    changes = []
    for period in periods:
        for t in (period.start, period.end):
            if t not in at:
                at[t] = readings_at(hass, t, wanted)
        up_to_now = timedelta(0) <= now - period.end < LIVE
        change: dict[str, int | None] = {}
        for statistic_id in wanted:
            start, end = at[period.start][statistic_id], at[period.end][statistic_id]
            if start is None or end is None:
                change[statistic_id] = None
                continue
            total = live_sum(end, live.get(statistic_id)) if up_to_now else end[0]
            change[statistic_id] = max(0, round(total - start[0]))
        changes.append(change)
    return changes


def live_values(hass: HomeAssistant, ids: Iterable[str]) -> dict[str, float | None]:
    """Return what each sensor shows now, in bytes, seconds or counts."""
    values: dict[str, float | None] = {}
    for entity_id in ids:
        state = hass.states.get(entity_id)
        try:
            value = float(state.state) if state is not None else None
        except ValueError:
            value = None
        unit = state.attributes.get("unit_of_measurement") if state else None
        if value is not None and unit is not None:
            for converter, target in CONVERTERS:
                if unit in converter.VALID_UNITS:
                    value = converter.convert(value, unit, target)
                    break
        values[entity_id] = value
    return values


async def async_changes(
    hass: HomeAssistant, periods: Iterable[Period], ids: Iterable[str]
) -> list[dict[str, int | None]]:
    """Return the changes of the statistics over each period (recorder's thread)."""
    wanted = list(ids)
    return await get_instance(hass).async_add_executor_job(
        _changes,
        hass,
        list(periods),
        wanted,
        live_values(hass, wanted),
        dt_util.utcnow(),
    )


def _sum(values: Iterable[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _delta(now: Figures, before: Figures) -> Figures:
    change: Figures = {}
    for key, value in now.items():
        old = before.get(key)
        change[key] = None if value is None or old is None else value - old
    return change


def severity(figures: Figures) -> tuple[int, int, int, int]:
    """Sort key, worst first: leaks, then unasked uploads, time open while away."""
    return (
        -(figures.get("leaks") or 0),
        -((figures.get("misactivations") or 0) + (figures.get("silent") or 0)),
        -(figures.get("unsolicited") or 0),
        -(figures.get("open_while_away") or 0),
    )


@dataclass(frozen=True, slots=True)
class SpeakerReport:
    """One speaker's figures over the period and the one before."""

    speaker_id: str
    name: str
    figures: Figures
    previous: Figures
    self_test: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        """Return the action's form, with the change of every figure."""
        return {
            "speaker_id": self.speaker_id,
            "name": self.name,
            "figures": self.figures,
            "previous": self.previous,
            "change": _delta(self.figures, self.previous),
            "misactivations_per_speech_hour": _per_hour(self.figures),
            "previous_misactivations_per_speech_hour": _per_hour(self.previous),
            "self_test": self.self_test,
        }


def _per_hour(figures: Figures) -> float | None:
    """Misactivations per hour of speech its rooms heard (None: none heard)."""
    speech, misactivations = figures.get(SPEECH_HEARD), figures.get("misactivations")
    if not speech or misactivations is None:
        return None
    return round(misactivations / (speech / 3600), 2)


def build_report(
    period: Period,
    *,
    names: Mapping[str, str],
    ids: Mapping[tuple[str | None, str], str],
    now: Mapping[str, int | None],
    before: Mapping[str, int | None],
    self_tests: Mapping[str, dict[str, Any]],
    rooms: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """Assemble the report from the statistics' changes (pure).

    ``names``: the speakers reported, by id; ``ids``: statistic ids by
    (speaker or None for the house, figure); ``now`` / ``before``: changes by
    statistic id over the period and the one before; ``self_tests``: each
    speaker's latest self-test in the period. The house's clocks are the
    whole house's; its other figures add up the speakers reported. ``rooms``:
    the room microphones each speaker stands with; ``speech_heard`` adds up
    their speech time (None without one). Speakers come worst first (see
    ``severity``).
    """

    def figures(
        subject: str | None, keys: Iterable[str], changes: Mapping[str, int | None]
    ) -> Figures:
        return {
            key: changes.get(ids[(subject, key)]) if (subject, key) in ids else None
            for key in keys
        }

    def with_speech(speaker_id: str, changes: Mapping[str, int | None]) -> Figures:
        found = figures(speaker_id, SPEAKER_FIGURES, changes)
        heard = [
            changes.get(ids[(room_id, SPEECH)])
            for room_id in (rooms or {}).get(speaker_id, ())
            if (room_id, SPEECH) in ids
        ]
        # A room whose microphone's speech nobody recorded leaves it unknown.
        known = [value for value in heard if value is not None]
        found[SPEECH_HEARD] = sum(known) if heard and len(known) == len(heard) else None
        return found

    speakers = sorted(
        (
            SpeakerReport(
                speaker_id,
                name,
                with_speech(speaker_id, now),
                with_speech(speaker_id, before),
                self_tests.get(speaker_id),
            )
            for speaker_id, name in names.items()
        ),
        key=lambda speaker: (severity(speaker.figures), speaker.name),
    )

    def house(changes: Mapping[str, int | None], previous: bool) -> Figures:
        totals: Figures = {
            key: _sum(
                (speaker.previous if previous else speaker.figures)[key]
                for speaker in speakers
            )
            for key in HOUSE_SUMS
        }
        totals.update(figures(None, HOUSE_CLOCKS, changes))
        return totals

    house_now, house_before = house(now, False), house(before, True)
    return {
        "period": period.as_dict(),
        "previous_period": period.before.as_dict(),
        "house": {
            "figures": house_now,
            "previous": house_before,
            "change": _delta(house_now, house_before),
        },
        "speakers": [speaker.as_dict() for speaker in speakers],
    }


async def async_report(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    speaker_ids: list[str] | None,
    period: Period,
) -> dict[str, Any]:
    """Return the report of a house's speakers (all of them: None) for a period."""
    data = entry.runtime_data
    configs = data.view.configs
    names = {
        speaker_id: configs[speaker_id].name
        for speaker_id in (speaker_ids if speaker_ids is not None else configs)
    }
    rooms: dict[str, tuple[str, ...]] = {}
    for room in data.rooms.rooms.values():
        for speaker_id in room.speakers:
            rooms[speaker_id] = (*rooms.get(speaker_id, ()), room.room_id)
    ids = statistic_ids(hass, entry.entry_id, names, data.rooms.rooms)
    now, before = await async_changes(hass, (period, period.before), ids.values())
    self_tests = {
        speaker_id: {
            "result": result.outcome.value,
            "at": result.at.isoformat(),
            "reason": result.reason.value if result.reason else None,
        }
        for speaker_id in names
        if (result := data.self_tester.results.get(speaker_id)) is not None
        and period.start <= result.at < period.end
    }
    report = build_report(
        period,
        names=names,
        ids=ids,
        now=now,
        before=before,
        self_tests=self_tests,
        rooms=rooms,
    )
    report["summary"] = summary(report, hass.config.language, dashboard_url(hass))
    return report


def dashboard_url(hass: HomeAssistant) -> str:
    """Return the dashboard's address (a path without an external URL)."""
    try:
        # Only an address meant for outside: a notification may travel through
        # a push service, and the house's inner address is nobody's business.
        base = get_url(hass, allow_internal=False, allow_cloud=False)
    except NoURLAvailableError:
        base = ""
    return f"{base}/{URL_PATH}"
