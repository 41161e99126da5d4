"""Throughput of the upload detector, beside a bare loop over the same samples.

Run: ``.venv/bin/python bench/detector.py [--samples N] [--repeat R]``

The detector module is loaded from its file, so the figures cover the pure
module alone, without importing Home Assistant.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial
import importlib.util
from pathlib import Path
import random
import sys
import time
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DETECTOR_PATH = ROOT / "custom_components/privacy_guard/detector.py"

type Series = list[tuple[float, float | None]]


def load_detector() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pg_detector", DETECTOR_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up while the class is being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


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
        make = partial(module.UploadDetector, kind, threshold)
        bare = best_rate(partial(bare_deltas, series), samples, repeat)
        det = best_rate(partial(run_detector, make, series), samples, repeat)
        uploads = run_detector(make, series)
        print(
            f"{name:<10}{bare:>12,.0f} /s{det:>12,.0f} /s"
            f"{bare / det:>8.1f}x{uploads:>9,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench_detector(args.samples, args.repeat)


if __name__ == "__main__":
    main()
