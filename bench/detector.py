"""Upload detector cost: the pure module alone, then inside Home Assistant.

Run: ``.venv/bin/python bench/detector.py [--part alone|hass|both]``
``[--samples N] [--repeat R] [--against REV]`` (alone), ``[--speakers 50]``
``[--seconds 600] [--rounds 5]`` (hass).

Alone: throughput of the detector beside a bare loop over the same samples. The
detector's pure modules are loaded from their files, so these figures cover them
without importing Home Assistant. ``--against REV`` also loads the detector
as it was at a git revision and times both over the same samples, runs
interleaved, with the ratio of their throughputs (1.00: as fast).

Home Assistant: one speaker per traffic counter sensor, each written through
``hass.states.async_set`` once per simulated second (idle traffic, keep-alives,
a voice burst about once a minute). Samples carry simulated timestamps, so a
run of ``--seconds`` takes a fraction of that in wall time; the process CPU time
spent writing them, divided by the simulated seconds, is the share of one core
that 1 Hz sampling costs. Runs without Privacy Guard (the cost of the state
writes themselves) alternate with runs with it loaded.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from functools import partial
import gc
import importlib
import io
from pathlib import Path
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components/privacy_guard"

type Series = list[tuple[float, float | None]]


def load_detector(folder: Path = PACKAGE, name: str = "pg_detector") -> ModuleType:
    """Load ``detector.py`` of ``folder`` and the modules it imports, no more.

    The folder becomes a package of its own name whose ``__init__`` never runs,
    so the detector's relative imports (its settings, candidate and baseline)
    resolve there without importing the integration, or Home Assistant.
    """
    package = ModuleType(name)
    package.__path__ = [str(folder)]
    sys.modules[name] = package
    importlib.import_module(f"{name}.detector")
    # One namespace with the detector and the types it works with, wherever a
    # revision kept them (one file before the types had a module of their own).
    names = ModuleType(f"{name}.names")
    for part in ("detector_types", "detector"):
        if (module := sys.modules.get(f"{name}.{part}")) is not None:
            names.__dict__.update(vars(module))
    return names


def make_series(count: int, seed: int = 1) -> tuple[Series, Series]:
    """Samples at about 1 Hz: idle traffic, keep-alives, a voice burst a minute."""
    rng = random.Random(seed)
    counter: Series = []
    rates: Series = []
    t = value = 0.0
    burst_left = 0
    for i in range(count):
        dt = 1.0 + rng.uniform(-0.2, 0.2)
        t += dt
        if burst_left == 0 and i % 60 == 0:
            burst_left = rng.randint(2, 12)
        if burst_left:
            burst_left -= 1
            rate = rng.uniform(20_000.0, 60_000.0)
        elif rng.random() < 0.02:
            rate = 25_000.0
        else:
            rate = rng.uniform(200.0, 800.0)
        value += round(rate * dt)
        if rng.random() < 0.0005:
            counter.append((t, None))
            rates.append((t, None))
            continue
        counter.append((t, value))
        rates.append((t, rate))
    return counter, rates


def bare_deltas(samples: Series) -> float:
    """Delta over time per sample, skipping unavailable values: the floor."""
    last_t = last = 0.0
    total = 0.0
    for t, value in samples:
        if value is None:
            continue
        total += (value - last) / (t - last_t)
        last_t, last = t, value
    return total


def load_revision(rev: str) -> ModuleType:
    """Load the detector modules as they were at a git revision."""
    folder = Path(tempfile.mkdtemp(prefix="pg-detector-"))
    archive = subprocess.run(
        ["git", "archive", rev, "custom_components/privacy_guard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return load_detector(
        folder / "custom_components/privacy_guard", "pg_detector_at_revision"
    )


def factory(module: ModuleType, kind: Any, threshold: float) -> Callable[[], Any]:
    """Return how to build a detector of ``module`` (with or without settings)."""
    if hasattr(module, "DetectorSettings"):
        return partial(module.UploadDetector, kind, module.DetectorSettings(threshold))
    return partial(module.UploadDetector, kind, threshold)


def bench_against(rev: str, samples: int, repeat: int) -> None:
    """Print this detector's throughput beside the one at ``rev``, interleaved."""
    now, then = load_detector(), load_revision(rev)
    counter, rates = make_series(samples)
    print(f"this tree against {rev}: {samples:,} samples, best of {repeat}, one core")
    print(f"{'series':<10}{rev:>16}{'this tree':>16}{'ratio':>9}   uploads")
    for name, series in (("counter", counter), ("rate", rates)):
        makes = []
        for module in (then, now):
            kind = getattr(module.SampleKind, name.upper())
            threshold = module.PROFILE_THRESHOLDS[module.SpeakerProfile.AMAZON_ECHO]
            makes.append(factory(module, kind, threshold))
        best = [float("inf"), float("inf")]
        for _ in range(repeat):
            for index, make in enumerate(makes):
                start = time.perf_counter()
                run_detector(make, series)
                best[index] = min(best[index], time.perf_counter() - start)
        rates_ = [samples / seconds for seconds in best]
        found = [run_detector(make, series) for make in makes]
        print(
            f"{name:<10}{rates_[0]:>12,.0f} /s{rates_[1]:>12,.0f} /s"
            f"{rates_[1] / rates_[0]:>8.2f}x   {found[0]:,}/{found[1]:,}"
        )


def run_detector(make: Callable[[], Any], samples: Series) -> int:
    add = make().add
    found = 0
    for t, value in samples:
        if add(t, value):
            found += 1
    return found


def best_rate(fn: Callable[[], object], count: int, repeat: int) -> float:
    """Samples per second of the fastest of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return count / best


def bench_detector(samples: int, repeat: int) -> None:
    """Print detector and bare-loop throughput for counter and rate series."""
    module = load_detector()
    threshold = module.PROFILE_THRESHOLDS[module.SpeakerProfile.AMAZON_ECHO]
    counter, rates = make_series(samples)
    print(f"{samples:,} samples per series, best of {repeat} runs, one core")
    print(f"{'series':<10}{'bare loop':>16}{'detector':>16}{'ratio':>9}{'uploads':>9}")
    for name, kind, series in (
        ("counter", module.SampleKind.COUNTER, counter),
        ("rate", module.SampleKind.RATE, rates),
    ):
        make = factory(module, kind, threshold)
        bare = best_rate(partial(bare_deltas, series), samples, repeat)
        det = best_rate(partial(run_detector, make, series), samples, repeat)
        uploads = run_detector(make, series)
        print(
            f"{name:<10}{bare:>12,.0f} /s{det:>12,.0f} /s"
            f"{bare / det:>8.1f}x{uploads:>9,}"
        )


TRAFFIC_ATTRIBUTES = {
    "unit_of_measurement": "B",
    "device_class": "data_size",
    "state_class": "total_increasing",
}


def traffic_counters(speakers: int, seconds: int, seed: int = 7) -> list[list[str]]:
    """Every speaker's byte counter at every second, as state strings.

    Idle traffic of a few hundred B/s, a one-second keep-alive now and then, and
    a voice burst of 2 to 12 s about once a minute, at a different time for
    each speaker.
    """
    rng = random.Random(seed)
    counters = [rng.randrange(10**6, 10**9) for _ in range(speakers)]
    next_burst = [rng.uniform(0.0, 60.0) for _ in range(speakers)]
    burst_left = [0] * speakers
    ticks: list[list[str]] = []
    for second in range(seconds):
        row: list[str] = []
        for k in range(speakers):
            if burst_left[k] == 0 and second >= next_burst[k]:
                burst_left[k] = rng.randint(2, 12)
                next_burst[k] += rng.uniform(45.0, 75.0)
            if burst_left[k]:
                burst_left[k] -= 1
                rate = rng.uniform(20_000.0, 60_000.0)
            elif rng.random() < 0.02:
                rate = 25_000.0
            else:
                rate = rng.uniform(200.0, 800.0)
            counters[k] += round(rate)
            row.append(str(counters[k]))
        ticks.append(row)
    return ticks


async def bench_hass(speakers: int, seconds: int, rounds: int) -> None:
    """Print the CPU share of 1 Hz traffic sensors without and with the guard."""
    from _hass import async_setup_house, running_hass, watched_house

    async with running_hass() as hass:
        from homeassistant.util import dt as dt_util, slugify

        names = [f"Speaker {i:02d}" for i in range(1, speakers + 1)]
        slugs = [slugify(name) for name in names]
        sensors = [f"sensor.{slug}_traffic" for slug in slugs]
        # One long series cut into runs: counters and time only move forward,
        # as they would for a guard that is unloaded and loaded again.
        ticks = traffic_counters(speakers, seconds * rounds * 2 + 1)
        clock = dt_util.utcnow().timestamp()
        # Each sensor reports at its own moment within the second.
        phases = [k / speakers for k in range(speakers)]
        async_set = hass.states.async_set
        for sensor, value in zip(sensors, ticks[0], strict=True):
            async_set(sensor, value, TRAFFIC_ATTRIBUTES, timestamp=clock)
        await async_setup_house(hass, [{"name": name} for name in names])

        entry = watched_house(names, slugs, sensors, debounce=120)
        entry.add_to_hass(hass)

        def uploads() -> int:
            monitor = entry.runtime_data.monitor
            return sum(m.stats.uploads for m in monitor.speakers.values())

        async def run(first: int, guarded: bool) -> float:
            """Write ``seconds`` seconds of samples; return CPU seconds spent."""
            # Without a timer firing in simulated time, the guard's periodic
            # flush of finished uploads is called at its own interval here.
            flush = entry.runtime_data.monitor._flush if guarded else None
            rows = ticks[first : first + seconds]
            gc.collect()
            began = time.process_time()
            for offset, row in enumerate(rows):
                now = clock + first + offset
                for sensor, value, phase in zip(sensors, row, phases, strict=True):
                    async_set(sensor, value, TRAFFIC_ATTRIBUTES, timestamp=now + phase)
                if flush is not None and (first + offset) % 5 == 0:
                    flush(dt_util.utc_from_timestamp(now + 1.0))
                # Whatever the writes scheduled runs inside the measurement.
                await asyncio.sleep(0)
            await hass.async_block_till_done()
            return time.process_time() - began

        baseline: list[float] = []
        guarded: list[float] = []
        found: list[int] = []
        first = 1
        for _ in range(rounds):
            baseline.append(await run(first, guarded=False))
            first += seconds
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            before = uploads()
            guarded.append(await run(first, guarded=True))
            found.append(uploads() - before)
            first += seconds
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()

    def share(cpu: float) -> str:
        return f"{cpu / seconds * 100:>8.3f} %"

    base = statistics.median(baseline)
    with_guard = statistics.median(guarded)
    samples = speakers * seconds
    print(
        f"Home Assistant: {speakers} traffic counter sensors at 1 Hz, "
        f"{seconds} simulated s per run, {rounds} runs per side, alternating"
    )
    print(f"{'share of one core':<40}{'median':>10}{'min':>12}")
    print(
        f"{'baseline: state writes, no guard':<40}{share(base)}{share(min(baseline))}"
    )
    print(f"{'with Privacy Guard loaded':<40}{share(with_guard)}{share(min(guarded))}")
    print(
        f"{'Privacy Guard alone (difference)':<40}{share(with_guard - base)}"
        f"{share(min(guarded) - min(baseline))}"
    )
    print(
        f"per sample: {base / samples * 1e6:.1f} us baseline, "
        f"{(with_guard - base) / samples * 1e6:.1f} us more with the guard"
    )
    print(
        f"uploads detected per run ({speakers} speakers x {seconds} s): "
        + ", ".join(str(n) for n in found)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("alone", "hass", "both"), default="both")
    parser.add_argument("--samples", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--speakers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", metavar="REV", default=None)
    args = parser.parse_args()
    if args.part in ("alone", "both"):
        bench_detector(args.samples, args.repeat)
        if args.against:
            print()
            bench_against(args.against, args.samples, args.repeat)
    if args.part == "both":
        print()
    if args.part in ("hass", "both"):
        asyncio.run(bench_hass(args.speakers, args.seconds, args.rounds))


if __name__ == "__main__":
    main()
