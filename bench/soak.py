"""Days of a guarded house in simulated time: memory stays flat, counts stay exact.

Run: ``.venv/bin/python bench/soak.py [--days 7] [--speakers 20] [--poll 10]``
``[--warmup-hours 8] [--uploads 12] [--resets 8] [--open-resets 2] [--reboot 30]``
``[--seed 1] [--tracemalloc]``

One Home Assistant in this process holds the demo house (speakers with their
microphone and internet switches, two people with phones) and Privacy Guard, one
speaker subentry per speaker with a byte-counter traffic sensor as its
``traffic_entity`` (profile ``amazon_echo``: 12,172 B/s). Time is simulated: a
clock the bench moves is what ``time.time``, ``dt_util.utcnow``, Home
Assistant's time tracking and the event loop read, so the presence debounce,
retries, device reboots, hold expiries, delayed saves and the monitor's flush
all fire at their simulated times, and no one sleeps.

Everything that happens is generated first from ``--seed``, so every count has
an expected value: people leaving and coming back (the guard engages every
speaker once the house has been empty for the debounce, and releases at the
first return; a trip shorter than the debounce engages nothing), privacy mode
every night, a timed hold on three speakers every evening, uploads (bursts of
20 to 60 kB/s, above the Echo threshold, for 2 to 12 s, half of them after a
lone one-second keep-alive that must not count) and device reboots through
``privacy_demo.reboot`` (the device comes back in its default, open state after
``--reboot`` seconds), while guarded and while not. Traffic counters are
written every ``--poll`` seconds, as a router integration polls them, and every
second around each upload.

Memory is measured after ``--warmup-hours`` and at the end of every simulated
day, after a full garbage collection: RSS, the interpreter's allocated blocks
(``sys.getallocatedblocks``) and, with ``--tracemalloc``, the bytes tracemalloc
holds as current (traced from before Home Assistant is imported, so the whole
heap; every allocation is then traced, which makes the run about five times
slower). The counts cover the whole run, warm-up included.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gc
import logging
import os
from pathlib import Path
import random
import sys
import time
import tracemalloc
from typing import Any

DAY = 86_400
HOUR = 3_600
# Monday 2026-11-30 00:00 UTC: day 0 of the simulation.
START = datetime(2026, 11, 30, tzinfo=UTC).timestamp()
DEBOUNCE = 120
# Nothing that is counted happens this close to a change of who is guarded, so
# that whether an upload was a leak, or a reset was found while guarded, is
# never a matter of which came first.
MARGIN = 300
# Around an upload the counter is written every second, from this long before
# its first second above the threshold to this long after its last.
DENSE_PAD = 20
HOLD_SPEAKERS = 3
HOLD_SECONDS = 1_800
KEEPALIVE_BYTES = 25_000
PEOPLE = ("Alice", "Bob")
TRAFFIC_ATTRIBUTES = {
    "unit_of_measurement": "B",
    "device_class": "data_size",
    "state_class": "total_increasing",
}


class SimClock:
    """Simulated epoch seconds, read by the guard, Home Assistant and the loop."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def install(self) -> None:
        """Patch the clocks in, before the rest of Home Assistant is imported.

        As the test plugin's ``patch_time`` does for freezegun: ``dt_util.utcnow``
        first, so that modules importing it later see this one, then the time
        tracker's own references.
        """
        from homeassistant import util as ha_util
        import homeassistant.util.dt as dt_util

        time.time = self.time
        dt_util.utcnow = self.utcnow
        ha_util.utcnow = self.utcnow  # type: ignore[attr-defined]
        from homeassistant.helpers import event as event_helper

        event_helper.time_tracker_utcnow = self.utcnow
        event_helper.time_tracker_timestamp = self.time

    def drive(self, loop: asyncio.AbstractEventLoop) -> None:
        """Let the event loop's timers run on simulated time."""
        loop.time = self.time  # type: ignore[method-assign]


# ------------------------------------------------------------------- schedule
@dataclass(frozen=True, slots=True)
class Window:
    """A stretch during which speakers are guarded (from engage to release)."""

    start: int
    end: int
    kind: str
    speakers: tuple[int, ...] | None = None  # None: all of them

    def covers(self, speaker: int, start: int, end: int) -> bool:
        return (self.speakers is None or speaker in self.speakers) and (
            self.start <= start and end <= self.end
        )


@dataclass(frozen=True, slots=True)
class Burst:
    """A known upload: ``rates[i]`` bytes in second ``start + i`` to ``+ i + 1``."""

    speaker: int
    start: int
    rates: tuple[int, ...]
    keepalive: bool
    guarded: bool

    @property
    def end(self) -> int:
        return self.start + len(self.rates)

    @property
    def dense(self) -> range:
        """The seconds at which the counter is written, every one."""
        first = self.start - DENSE_PAD
        if self.keepalive:
            first -= 10
        return range(first, self.end + DENSE_PAD + 1)


@dataclass(frozen=True, slots=True)
class Reset:
    """A device reboot: ``entity`` unavailable, then back in its default state."""

    at: int
    speaker: int
    entity: int  # 0 microphone switch, 1 internet switch, 2 media player
    guarded: bool


@dataclass(slots=True)
class Schedule:
    """Everything that happens, at seconds since day 0 began."""

    speakers: int
    end: int
    windows: list[Window] = field(default_factory=list)
    bursts: list[Burst] = field(default_factory=list)
    resets: list[Reset] = field(default_factory=list)
    # Seconds at which a person moves, privacy mode changes, a hold starts, a
    # device reboots.
    actions: dict[int, list[tuple[Any, ...]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    edges: list[int] = field(default_factory=list)
    short_trips: int = 0

    @property
    def days(self) -> range:
        """Every day the run touches, the last one maybe in part."""
        return range(-(-self.end // DAY))

    def day_span(self, day: int) -> tuple[int, int]:
        """Return the part of ``day`` that is in the run."""
        return day * DAY, min((day + 1) * DAY, self.end)

    def fits(self, last: int) -> bool:
        """Return whether something whose last change is at ``last`` is in the run."""
        return last <= self.end - 2 * MARGIN

    def guarded(self, speaker: int, start: int, end: int) -> bool:
        return any(w.covers(speaker, start, end) for w in self.windows)

    def near_edge(self, start: int, end: int) -> bool:
        """Return whether ``start`` to ``end`` comes within MARGIN of a change."""
        i = bisect.bisect_left(self.edges, start - MARGIN)
        return i < len(self.edges) and self.edges[i] <= end + MARGIN

    def straddles(self, speaker: int, start: int, end: int) -> bool:
        """Return whether a window of the speaker begins or ends in the span."""
        return any(
            (w.speakers is None or speaker in w.speakers)
            and (start < w.start < end or start < w.end < end)
            for w in self.windows
        )

    def expected_engagements(self) -> int:
        return sum(
            self.speakers if w.speakers is None else len(w.speakers)
            for w in self.windows
        )


def _day_plan(plan: Schedule, rng: random.Random, day: int) -> None:
    """Presence, privacy mode and holds of one day (what ends within the run)."""
    base = day * DAY

    def at(hours: int, minutes: int = 0) -> int:
        return base + hours * HOUR + minutes * 60

    def person(t: int, name: str, home: bool) -> None:
        plan.actions[t].append(("person", name, home))

    # Privacy mode through the night, everyone at home.
    if plan.fits(at(6, 30)):
        plan.actions[at(0, 30)].append(("privacy", True))
        plan.actions[at(6, 30)].append(("privacy", False))
        plan.windows.append(Window(at(0, 30), at(6, 30), "privacy mode"))

    # (leave, spread, return, spread): when the first person goes out, and
    # when the first one comes back.
    weekend = day % 7 in (5, 6)
    spans = (
        [(at(10), 1800, at(12, 30), 1800), (at(14, 30), 1800, at(17), 1800)]
        if weekend
        else [(at(7, 45), 1800, at(16, 30), 5400)]
    )
    if rng.random() < 0.5:
        spans.append((at(20, 30), 900, at(22), 1200))
    for leave_at, leave_spread, back_at, back_spread in spans:
        leave = leave_at + rng.randrange(leave_spread)
        back = back_at + rng.randrange(back_spread)
        first, second = rng.sample(PEOPLE, 2)
        left = leave + rng.randrange(900)
        returned = back + rng.randrange(1800)
        if not plan.fits(returned):
            continue
        person(leave, first, False)
        person(left, second, False)
        person(back, first, True)
        person(returned, second, True)
        plan.windows.append(Window(left + DEBOUNCE, back, "away"))

    # A timed hold on a few speakers in the evening.
    held = tuple(sorted(rng.sample(range(plan.speakers), HOLD_SPEAKERS)))
    if plan.fits(at(19) + HOLD_SECONDS):
        plan.actions[at(19)].append(("hold", held, HOLD_SECONDS))
        plan.windows.append(Window(at(19), at(19) + HOLD_SECONDS, "hold", held))

    # Out and back within the debounce: nothing engages.
    if plan.fits(at(19, 46)):
        for name in PEOPLE:
            person(at(19, 45), name, False)
            person(at(19, 45) + DEBOUNCE // 2, name, True)
        plan.short_trips += 1


def _bursts(plan: Schedule, rng: random.Random, per_day: int) -> None:
    """Uploads of every speaker, away from changes and from each other."""
    for speaker in range(plan.speakers):
        taken: list[range] = []
        for day in plan.days:
            low, high = plan.day_span(day)
            wanted = round(per_day * (high - low) / DAY)
            placed = attempts = 0
            while placed < wanted and attempts < 10_000:
                attempts += 1
                start = rng.randrange(low, high)
                rates = tuple(
                    rng.randint(20_000, 60_000) for _ in range(rng.randint(2, 12))
                )
                burst = Burst(speaker, start, rates, rng.random() < 0.5, False)
                span = burst.dense
                if span.start < 60 or span.stop > plan.end - 2 * MARGIN:
                    continue
                if plan.near_edge(span.start, span.stop):
                    continue
                if any(
                    span.start < other.stop + 30 and other.start < span.stop + 30
                    for other in taken
                ):
                    continue
                guarded = plan.guarded(speaker, span.start, span.stop)
                # A guarded speaker is cut off: few of its uploads get through.
                if guarded and rng.random() > 0.1:
                    continue
                taken.append(span)
                plan.bursts.append(
                    Burst(speaker, start, rates, burst.keepalive, guarded)
                )
                placed += 1


def _resets(
    plan: Schedule, rng: random.Random, guarded: int, open_: int, reboot: int
) -> None:
    """Device reboots, per day ``guarded`` while guarded and ``open_`` while not."""
    before: dict[int, list[int]] = defaultdict(list)
    for day in plan.days:
        low, high = plan.day_span(day)
        share = (high - low) / DAY
        house = [
            w for w in plan.windows if w.speakers is None and low <= w.start < high
        ]
        for want_guarded, per_day in ((True, guarded), (False, open_)):
            wanted = round(per_day * share) if house or not want_guarded else 0
            placed = attempts = 0
            while placed < wanted and attempts < 10_000:
                attempts += 1
                if want_guarded:
                    window = rng.choices(house, [w.end - w.start for w in house])[0]
                    first, last = window.start + MARGIN, window.end - MARGIN - reboot
                    if last <= first:
                        continue
                    t = rng.randrange(first, last)
                else:
                    t = rng.randrange(low, high)
                speaker = rng.randrange(plan.speakers)
                # A few resets an hour at most: more raise a repair issue.
                if any(abs(t - other) < 2 * HOUR for other in before[speaker]):
                    continue
                span = (t, t + reboot + 60)
                if span[0] < 60 or span[1] > plan.end - 2 * MARGIN:
                    continue
                if plan.near_edge(*span) or plan.straddles(speaker, *span):
                    continue
                if plan.guarded(speaker, *span) is not want_guarded:
                    continue
                before[speaker].append(t)
                entity = rng.randrange(3)
                plan.resets.append(Reset(t, speaker, entity, want_guarded))
                plan.actions[t].append(("reboot", speaker, entity))
                placed += 1


def make_schedule(args: argparse.Namespace) -> Schedule:
    """Return everything that happens over the whole run, from the seed."""
    rng = random.Random(args.seed)
    plan = Schedule(args.speakers, args.warmup_hours * HOUR + args.days * DAY)
    for day in plan.days:
        _day_plan(plan, rng, day)
    plan.edges = sorted(
        set(plan.actions)
        | {w.start for w in plan.windows}
        | {w.end for w in plan.windows}
    )
    _bursts(plan, rng, args.uploads)
    _resets(plan, rng, args.resets, args.open_resets, args.reboot)
    plan.bursts.sort(key=lambda b: b.start)
    plan.resets.sort(key=lambda r: r.at)
    return plan


# -------------------------------------------------------------------- measure
def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass(slots=True)
class Memory:
    traced: int | None  # None unless tracemalloc traces
    blocks: int
    rss: int


def measure() -> Memory:
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None
    return Memory(traced, sys.getallocatedblocks(), rss_bytes())


class Tally(logging.Handler):
    """Counts the guard's log messages by their text, instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: Counter[tuple[str, str]] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[(record.levelname, str(record.msg))] += 1


def mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.1f} MB"


# ------------------------------------------------------------------------ run
async def soak(args: argparse.Namespace, clock: SimClock) -> None:
    clock.drive(asyncio.get_running_loop())
    from _hass import (
        async_setup_house,
        entity_id_of,
        running_hass,
        use_checkout,
        watched_house,
    )
    from homeassistant.core import Event, callback
    from homeassistant.helpers import issue_registry as ir
    from homeassistant.util import slugify

    use_checkout()
    from custom_components.privacy_guard.const import (
        EVENT_ENGAGED,
        EVENT_LEAK,
        EVENT_RELEASED,
        EVENT_REPROTECTED,
        EVENT_UPLOAD,
    )
    from custom_components.privacy_guard.repairs import Issue

    count = args.speakers
    plan = make_schedule(args)
    names = [f"Speaker {i:02d}" for i in range(1, count + 1)]
    slugs = [slugify(name) for name in names]
    sensors = [f"sensor.{slug}_traffic" for slug in slugs]
    devices = [
        (
            f"switch.{slug}_microphone_mute",
            f"switch.{slug}_internet_access",
            f"media_player.{slug}",
        )
        for slug in slugs
    ]

    # Per speaker: the bytes of each special second, keyed by the second that
    # ends it; and which speakers are written every second at a given second.
    special: list[dict[int, int]] = [{} for _ in range(count)]
    dense: dict[int, list[int]] = defaultdict(list)
    for burst in plan.bursts:
        for offset, rate in enumerate(burst.rates, start=1):
            special[burst.speaker][burst.start + offset] = rate
        if burst.keepalive:
            special[burst.speaker][burst.start - 10] = KEEPALIVE_BYTES
        for second in burst.dense:
            dense[second].append(burst.speaker)
    poll = args.poll
    tail = plan.end + 60
    steps = sorted(set(range(poll, tail + 1, poll)) | set(dense) | set(plan.actions))
    everyone = list(range(count))

    tally = Tally()
    guard_log = logging.getLogger("custom_components.privacy_guard")
    guard_log.addHandler(tally)
    guard_log.propagate = False

    async with running_hass() as hass:
        rng = random.Random(args.seed + 1)
        counters = [rng.randrange(10**6, 10**9) for _ in range(count)]
        last = [0] * count
        async_set = hass.states.async_set
        for sensor, value in zip(sensors, counters, strict=True):
            async_set(sensor, str(value), TRAFFIC_ATTRIBUTES, timestamp=clock.now)
        await async_setup_house(
            hass,
            [{"name": name} for name in names],
            people=PEOPLE,
            reboot_seconds=args.reboot,
        )
        entry = watched_house(names, slugs, sensors, debounce=DEBOUNCE)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        data = entry.runtime_data
        guard, monitor, ledger = data.guard, data.monitor, data.ledger
        by_name = {s.config.name: sid for sid, s in guard.speakers.items()}
        protected = [
            entity_id_of(hass, f"{by_name[name]}_protected", "binary_sensor")
            for name in names
        ]
        privacy = entity_id_of(hass, f"{entry.entry_id}_privacy_mode", "switch")
        if not all(guard.speakers[by_name[n]].config.traffic_entity for n in names):
            raise RuntimeError("a speaker has no traffic sensor")

        seen: Counter[str] = Counter()
        issues: Counter[tuple[str, str]] = Counter()

        @callback
        def _count(event: Event) -> None:
            seen[event.event_type] += 1

        @callback
        def _issue(event: Event) -> None:
            if event.data.get("domain") == "privacy_guard":
                issue = event.data["issue_id"]
                kind = next((k for k in Issue if issue.startswith(f"{k}_")), issue)
                issues[(str(kind), event.data["action"])] += 1

        for event_type in (
            EVENT_ENGAGED,
            EVENT_RELEASED,
            EVENT_UPLOAD,
            EVENT_LEAK,
            EVENT_REPROTECTED,
        ):
            hass.bus.async_listen(event_type, _count)
        hass.bus.async_listen(ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, _issue)

        async def act(action: tuple[Any, ...]) -> None:
            kind = action[0]
            if kind == "person":
                _, name, home = action
                await hass.services.async_call(
                    "switch",
                    "turn_on" if home else "turn_off",
                    {"entity_id": f"switch.{slugify(name)}_at_home"},
                    blocking=True,
                )
            elif kind == "privacy":
                await hass.services.async_call(
                    "switch",
                    "turn_on" if action[1] else "turn_off",
                    {"entity_id": privacy},
                    blocking=True,
                )
            elif kind == "hold":
                _, held, seconds = action
                await hass.services.async_call(
                    "privacy_guard",
                    "engage",
                    {
                        "entity_id": [protected[k] for k in held],
                        "duration": seconds,
                    },
                    blocking=True,
                )
            elif kind == "reboot":
                _, speaker, entity = action
                await hass.services.async_call(
                    "privacy_demo",
                    "reboot",
                    {"entity_id": devices[speaker][entity]},
                    blocking=True,
                )

        samples = [0]
        idle = random.Random(args.seed + 2)

        async def run(until: int, cursor: int) -> int:
            """Go through the steps up to ``until`` (seconds since day 0)."""
            base = START
            n_steps = len(steps)
            while cursor < n_steps and steps[cursor] <= until:
                t = steps[cursor]
                cursor += 1
                clock.now = base + t
                writers = everyone if t % poll == 0 else dense.get(t, ())
                for k in writers:
                    gap = t - last[k]
                    nbytes = special[k].get(t)
                    if nbytes is None:
                        nbytes = round(idle.uniform(300.0, 800.0) * gap)
                    elif gap != 1:
                        raise RuntimeError("a burst second was not sampled at 1 Hz")
                    counters[k] += nbytes
                    last[k] = t
                    async_set(
                        sensors[k],
                        str(counters[k]),
                        TRAFFIC_ATTRIBUTES,
                        timestamp=base + t,
                    )
                samples[0] += len(writers)
                for action in plan.actions.get(t, ()):
                    await act(action)
                await hass.async_block_till_done()
            return cursor

        warmup = args.warmup_hours * HOUR
        print(
            f"soak: {count} speakers, {args.days} simulated days after "
            f"{args.warmup_hours} h of warm-up; traffic counters written "
            + (
                "every second"
                if poll == 1
                else f"every {poll} s (as a router polls them), every second "
                f"from {DENSE_PAD} s before to {DENSE_PAD} s after each upload"
            )
        )
        print(
            f"{'simulated':<22}{'wall':>8}{'CPU':>8}{'samples':>11}"
            f"{'traced':>12}{'blocks':>12}{'RSS':>12}"
        )

        def row(label: str, memory: Memory, wall: float, cpu: float, n: int) -> None:
            print(
                f"{label:<22}{wall:>7.1f}s{cpu:>7.1f}s{n:>11,}"
                f"{mb(memory.traced):>12}{memory.blocks:>12,}{mb(memory.rss):>12}"
            )

        began, began_cpu = time.perf_counter(), time.process_time()
        row("set up", measure(), 0.0, 0.0, 0)
        cursor = 0
        marks = [(f"warm-up, {args.warmup_hours} h", warmup)] + [
            (f"day {day}", warmup + day * DAY) for day in range(1, args.days + 1)
        ]
        memories: list[Memory] = []
        for label, until in marks:
            wall, cpu, before = time.perf_counter(), time.process_time(), samples[0]
            cursor = await run(until, cursor)
            memories.append(measure())
            row(
                label,
                memories[-1],
                time.perf_counter() - wall,
                time.process_time() - cpu,
                samples[0] - before,
            )
        # The last uploads are final once a sample follows them (or a flush).
        cursor = await run(tail, cursor)
        wall = time.perf_counter() - began
        cpu = time.process_time() - began_cpu
        first, end_memory = memories[0], measure()

        uploads = sum(m.stats.uploads for m in monitor.speakers.values())
        upload_bytes = sum(m.stats.bytes for m in monitor.speakers.values())
        leaks = sum(m.stats.leaks for m in monitor.speakers.values())
        reprotections = sum(ledger.reprotections.values())
        engaged_at_end = sum(
            1 for s in guard.speakers.values() if s.reason.value != "none"
        )
        records_at_end = sum(len(r) for r in ledger.records.values())
        states_at_end = len(hass.states.async_all())

    guarded_resets = sum(1 for r in plan.resets if r.guarded)
    expected_engagements = plan.expected_engagements()
    checks = [
        ("uploads", uploads, len(plan.bursts)),
        (
            "upload bytes",
            upload_bytes,
            sum(sum(b.rates) for b in plan.bursts),
        ),
        ("upload events", seen[EVENT_UPLOAD], len(plan.bursts)),
        (
            "leaks (uploads while guarded)",
            leaks,
            sum(1 for b in plan.bursts if b.guarded),
        ),
        ("leak events", seen[EVENT_LEAK], sum(1 for b in plan.bursts if b.guarded)),
        ("engagements", seen[EVENT_ENGAGED], expected_engagements),
        ("releases", seen[EVENT_RELEASED], expected_engagements),
        ("re-protections (ledger)", reprotections, guarded_resets),
        ("re-protected events", seen[EVENT_REPROTECTED], guarded_resets),
        ("speakers engaged at the end", engaged_at_end, 0),
        ("ledger records at the end", records_at_end, 0),
    ]

    load = os.getloadavg()[0]
    print(
        f"simulated {tail:,} s ({tail / DAY:.2f} days) in {wall:.0f} s wall, "
        f"{cpu:.0f} s CPU ({tail / wall:,.0f}x real time); {samples[0]:,} "
        f"traffic samples; {states_at_end} states; load average {load:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    print()
    print(f"{'memory':<24}{'after warm-up':>15}{'end':>13}{'growth':>10}")
    rows: list[tuple[str, int, int, Any]] = [
        ("Python blocks", first.blocks, end_memory.blocks, "{:,}".format),
        ("RSS", first.rss, end_memory.rss, mb),
    ]
    if first.traced is not None and end_memory.traced is not None:
        rows.insert(0, ("tracemalloc current", first.traced, end_memory.traced, mb))
    for name, a, b, show in rows:
        print(f"{name:<24}{show(a):>15}{show(b):>13}{(b - a) / a * 100:>+9.1f} %")
    print("target: growth within 5 %")
    print()
    windows = Counter(w.kind for w in plan.windows)
    print(
        f"generated: {len(plan.bursts):,} uploads "
        f"({sum(1 for b in plan.bursts if b.keepalive):,} after a lone keep-alive "
        f"of {KEEPALIVE_BYTES:,} B), "
        f"{len(plan.resets)} resets ({guarded_resets} while guarded), "
        + ", ".join(f"{n} {kind} windows" for kind, n in sorted(windows.items()))
        + f", {plan.short_trips} trips shorter than the {DEBOUNCE} s debounce"
    )
    for name, got, want in checks:
        print(f"{name} {got:,} / {want:,} expected")
    matched = all(got == want for _, got, want in checks)
    print(f"every count matched exactly: {'yes' if matched else 'NO'}")
    print()
    print(
        "repair issues: "
        + (
            ", ".join(
                f"{kind} {action} {n}" for (kind, action), n in sorted(issues.items())
            )
            or "none"
        )
    )
    print("guard log messages:")
    for (level, message), n in sorted(tally.counts.items()):
        print(f"  {n:>6,}  {level} {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--warmup-hours", type=int, default=8)
    parser.add_argument("--speakers", type=int, default=20)
    parser.add_argument("--poll", type=int, default=10)
    parser.add_argument("--uploads", type=int, default=12, help="per speaker a day")
    parser.add_argument("--resets", type=int, default=8, help="while guarded, a day")
    parser.add_argument("--open-resets", type=int, default=2, help="not guarded")
    parser.add_argument("--reboot", type=int, default=30, help="seconds offline")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace every allocation from before Home Assistant is imported "
        "(about 5x slower)",
    )
    args = parser.parse_args()
    # Traced before Home Assistant is imported: "current" is then the whole heap.
    if args.tracemalloc:
        tracemalloc.start()
    clock = SimClock(START)
    clock.install()
    asyncio.run(soak(args, clock))


if __name__ == "__main__":
    main()
