"""Upload detection quality: the new rule beside the published thresholds.

Run: ``.venv/bin/python bench/detection.py [--seed N] [--uploads N]``

For every speaker profile, one generated trace of upstream traffic is read
through a byte-counter sensor and fed to two detectors built with that
profile's published threshold (Dubois et al., PETS 2020):

* **new**: the detector with its defaults (published threshold, quiet rule
  relative to the device's learned idle traffic);
* **published threshold**: the same detector with the quiet rule off
  (``quiet_floor=None``), which is the detector's behaviour before the quiet
  rule: a threshold only (the learned loud threshold included).

A voice upload is *recalled* when a detected upload overlaps it in time; a
detection is *precise* when it overlaps a voice upload. Precision is 1.00 when
a rule detects nothing. Firmware downloads are a known limitation (see below):
their false alarms are left out of the precision in the summary lines, and
shown in the table below them, with a precision that includes them.

The traffic model, per profile (seconds, bytes per second, on top of idle):

* **idle**: under 1 kB/s. The level is drawn every half hour from 150 to
  900 B/s; each second of idle traffic is that level times 0.4 to 1.6.
* **quiet** (HomePod-like, the shape seen through a real counter sensor): a
  first second of 11 to 15 kB, then 6 to 7 s at a level of 5 to 7 kB/s.
* **echo** (Echo-like, loud): 3 to 8 s at 15 to 25 kB/s.
* **google** (Google-like): 3 to 8 s at 50 to 60 kB/s.
* **spikes**: one to three isolated spikes of 1 to 2 s at 3 to 12 kB/s,
  5 to 20 s apart (an idle speaker's cloud chatter).
* **music**: 1 to 5 minutes of streaming, download-heavy. Upstream only
  acknowledgements: 0.5 to 1.5 kB/s (one 66-byte ACK for two 1,448-byte
  segments of a 256 to 320 kbit/s stream is about 0.8 kB/s), a 1 to 2 s burst at
  6 to 12 kB/s while the first seconds buffer, then a fetch-ahead burst of 0.5
  to 2 s at 3 to 10 kB/s every 5 to 15 s.
* **fw-check** (a firmware update check, large but short): the TLS handshake
  and manifest request, 1 to 2 s at 4 to 12 kB/s. Most checks find nothing.
* **fw-download** (the update itself, the limitation): a check, then 30 to
  120 s of one download of 0.2 to 2 MB/s, whose ACKs (one 66-byte ACK for two
  to eight 1,448-byte segments: 0.5 % to 2.3 % of it) send 1 to 46 kB/s for the
  whole time. Upstream bytes alone cannot tell that from an upload: every rule
  that looks only at bytes sent reports it when it is loud enough, the
  published thresholds included.

Every shape except idle carries per-half-second jitter of 15 % around its
level. Events are 15 to 90 s of idle apart. Traffic is laid down on a 0.1 s
grid; the sensor is read every 0.8 to 1.2 s (uniform) as a 32-bit byte counter
that wraps once; a reading that did not change is not a new state (Home
Assistant writes a state only when it changes); one reading in a thousand is
unavailable, and every four simulated hours Home Assistant restarts: the
detector's state goes through JSON and back. The detector starts fresh, so
the first minute of each trace has no learned baseline yet.

Two more sections show where the rules end, with no target:

* **beyond the model**: ``opus-min``, 3 to 8 s at 4.0 to 4.6 kB/s (Opus at
  32 kbit/s with 0 to 15 % framing, nothing louder); ``quiet-short``, the
  HomePod first second then only 1 to 2 s; ``spike-3s``, idle spikes of 2 to
  3 s, longer than the idle model's.
* **busy idle**: the main shapes on a speaker idling at 2 to 3 kB/s, whose
  per-second noise reaches 4.8 kB/s, so the learned baseline has to lift the
  quiet threshold above the floor.

The defaults of the quiet rule were tuned on seeds 1, 2 and 3 (``--seed``);
the printed run uses seed 20261201 (the default), which played no part in
tuning. Each profile's traces come from the seed times 100 plus the profile's
index (plus 10 beyond the model, plus 20 on busy idle).
"""

from __future__ import annotations

import argparse
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate
import json
import random
import time
from types import ModuleType
from typing import Any

# The same detector module, loaded without Home Assistant, as the throughput bench.
from detector import load_detector

REPORT_SEED = 20261201
TUNING_SEEDS = (1, 2, 3)
GRID = 0.1  # seconds per traffic bin
VOICE = ("quiet", "echo", "google")
OTHER = ("spikes", "music", "fw-check", "fw-download")
LIMITATION = "fw-download"
# Beyond the model: shapes the targets do not cover, to show where rules end.
HARD_VOICE = ("opus-min", "quiet-short")
HARD_OTHER = ("spike-3s",)
IDLE = (150.0, 900.0)
BUSY_IDLE = (2_000.0, 3_000.0)
RESTART_EVERY = 4 * 3600.0
FLUSH_EVERY = 5.0


@dataclass(frozen=True, slots=True)
class Event:
    """What the generator placed: its shape, when it sent and how much."""

    shape: str
    start: float
    end: float
    bytes: float


@dataclass(slots=True)
class Trace:
    samples: list[tuple[float, float | None]]
    events: list[Event]


class Timeline:
    """Bytes sent per 0.1 s bin, with events laid on top of idle traffic."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.bins: list[float] = []
        self.spans: list[tuple[str, int, int]] = []

    @property
    def now(self) -> float:
        return len(self.bins) * GRID

    def idle(self, seconds: float) -> None:
        self.bins.extend([0.0] * round(seconds / GRID))

    def burst(self, seconds: float, level: float) -> None:
        """``seconds`` at ``level`` B/s, jittered by 15 % per half second."""
        count = max(1, round(seconds / GRID))
        rate = level
        for i in range(count):
            if i % 5 == 0:
                rate = level * self.rng.uniform(0.85, 1.15)
            self.bins.append(rate * GRID)

    def event(self, shape: str) -> None:
        rng = self.rng
        first = len(self.bins)
        if shape == "quiet":
            self.burst(1.0, rng.uniform(11_000, 15_000))
            self.burst(rng.uniform(6.0, 7.0), rng.uniform(5_000, 7_000))
        elif shape == "echo":
            self.burst(rng.uniform(3.0, 8.0), rng.uniform(15_000, 25_000))
        elif shape == "google":
            self.burst(rng.uniform(3.0, 8.0), rng.uniform(50_000, 60_000))
        elif shape == "spikes":
            for n in range(rng.randint(1, 3)):
                if n:
                    self.idle(rng.uniform(5.0, 20.0))
                self.burst(rng.uniform(1.0, 2.0), rng.uniform(3_000, 12_000))
        elif shape == "music":
            end = self.now + rng.uniform(60.0, 300.0)
            acks = rng.uniform(500, 1_500)
            self.burst(rng.uniform(1.0, 2.0), rng.uniform(6_000, 12_000))
            while self.now < end:
                self.burst(rng.uniform(5.0, 15.0), acks)
                self.burst(rng.uniform(0.5, 2.0), rng.uniform(3_000, 10_000))
        elif shape == "fw-check":
            self.burst(rng.uniform(1.0, 2.0), rng.uniform(4_000, 12_000))
        elif shape == "fw-download":
            self.burst(rng.uniform(1.0, 2.0), rng.uniform(4_000, 12_000))
            download = rng.uniform(200_000, 2_000_000)
            self.burst(rng.uniform(30.0, 120.0), download * rng.uniform(0.005, 0.023))
        elif shape == "opus-min":
            # Opus 32 kbit/s with 0 to 15 % of framing, and nothing louder.
            self.burst(rng.uniform(3.0, 8.0), 4_000 * rng.uniform(1.0, 1.15))
        elif shape == "quiet-short":
            self.burst(1.0, rng.uniform(11_000, 15_000))
            self.burst(rng.uniform(1.0, 2.0), rng.uniform(5_000, 7_000))
        else:  # spike-3s
            self.burst(rng.uniform(2.0, 3.0), rng.uniform(3_000, 12_000))
        self.spans.append((shape, first, len(self.bins)))

    def add_idle_traffic(self, low: float, high: float) -> None:
        """Lay idle traffic under everything: a level each half hour, noisy."""
        rng = self.rng
        per_second = round(1.0 / GRID)
        level = 0.0
        for second in range(0, len(self.bins), per_second):
            if second % round(1800 / GRID) == 0:
                level = rng.uniform(low, high)
            rate = level * rng.uniform(0.4, 1.6)
            for i in range(second, min(second + per_second, len(self.bins))):
                self.bins[i] += rate * GRID

    def trace(self, rng: random.Random) -> Trace:
        """Read the timeline through a 32-bit counter sensor, as described."""
        cumulative = [0.0, *accumulate(self.bins)]
        events = [
            Event(shape, a * GRID, b * GRID, cumulative[b] - cumulative[a])
            for shape, a, b in self.spans
        ]
        horizon = self.now
        start = 2**32 - rng.randrange(10**6, 10**9)
        samples: list[tuple[float, float | None]] = []
        t = rng.uniform(0.0, 1.0)
        last: int | None = None
        while t < horizon:
            index = int(t / GRID)
            sent = cumulative[index] + (t / GRID - index) * self.bins[index]
            reading = (start + int(sent)) % 2**32
            if rng.random() < 0.001:
                samples.append((t, None))
                last = None
            elif reading != last:
                samples.append((t, float(reading)))
                last = reading
            t += rng.uniform(0.8, 1.2)
        return Trace(samples, events)


def make_trace(
    seed: int, counts: dict[str, int], idle: tuple[float, float] = IDLE
) -> Trace:
    """A shuffled series of events, 15 to 90 s of idle apart, read as a counter."""
    rng = random.Random(seed)
    shapes = [shape for shape, n in counts.items() for _ in range(n)]
    rng.shuffle(shapes)
    timeline = Timeline(rng)
    timeline.idle(rng.uniform(10.0, 90.0))
    for shape in shapes:
        timeline.event(shape)
        timeline.idle(rng.uniform(15.0, 90.0))
    timeline.add_idle_traffic(*idle)
    return timeline.trace(rng)


def detect(detector: Any, samples: list[tuple[float, float | None]]) -> list[Any]:
    """Feed a trace as the monitor would: flushes, restarts through JSON."""
    uploads: list[Any] = []
    cls = type(detector)
    next_restart = RESTART_EVERY
    next_flush = FLUSH_EVERY
    for t, value in samples:
        if t >= next_restart:
            next_restart += RESTART_EVERY
            detector = cls.from_state(json.loads(json.dumps(detector.state())))
        uploads.extend(detector.add(t, value))
        if t >= next_flush:
            next_flush = t + FLUSH_EVERY
            uploads.extend(detector.flush(t))
    uploads.extend(detector.flush(samples[-1][0] + 60.0))
    return uploads


@dataclass(slots=True)
class Score:
    """How one rule did on one trace."""

    hit: dict[str, float]  # share of each shape's events a detection overlaps
    false: dict[str, int]  # detections overlapping no voice, by what they overlap
    detections: int
    true_detections: int
    limitation: int  # false detections on firmware downloads only
    split: int  # voice events overlapped by more than one detection
    byte_ratios: list[float]  # detected / sent, voice events with one detection

    def recall(self, shapes: tuple[str, ...] = VOICE) -> float:
        return sum(self.hit[s] for s in shapes) / len(shapes)

    @property
    def precision(self) -> float:
        """Precision, leaving out false alarms on firmware downloads."""
        counted = self.detections - self.limitation
        return self.true_detections / counted if counted else 1.0

    @property
    def precision_all(self) -> float:
        return self.true_detections / self.detections if self.detections else 1.0

    @property
    def bytes_median(self) -> float:
        ratios = sorted(self.byte_ratios)
        return ratios[len(ratios) // 2] if ratios else float("nan")


def score(events: list[Event], uploads: list[Any], voice: tuple[str, ...]) -> Score:
    """Match detections and events by overlap in time."""
    events = sorted(events, key=lambda e: e.start)
    starts = [e.start for e in events]
    matches: dict[int, list[Any]] = {}
    false: dict[str, int] = {}
    true_detections = limitation = 0
    for upload in uploads:
        # Events never overlap each other: an upload overlaps those from the
        # one before its start onwards, up to its end.
        overlapped: list[int] = []
        for i in range(max(0, bisect_left(starts, upload.start) - 1), len(events)):
            if events[i].start >= upload.end:
                break
            if events[i].end > upload.start:
                overlapped.append(i)
                matches.setdefault(i, []).append(upload)
        shapes = {events[i].shape for i in overlapped} or {"idle"}
        if shapes & set(voice):
            true_detections += 1
            continue
        for shape in shapes:
            false[shape] = false.get(shape, 0) + 1
        limitation += shapes == {LIMITATION}
    counts: dict[str, int] = {}
    hits: dict[str, int] = {}
    for i, event in enumerate(events):
        counts[event.shape] = counts.get(event.shape, 0) + 1
        hits[event.shape] = hits.get(event.shape, 0) + (i in matches)
    ratios = [
        found[0].bytes / events[i].bytes
        for i, found in matches.items()
        if events[i].shape in voice and len(found) == 1
    ]
    split = sum(
        len(found) > 1 for i, found in matches.items() if events[i].shape in voice
    )
    return Score(
        hit={shape: hits[shape] / counts[shape] for shape in counts},
        false=false,
        detections=len(uploads),
        true_detections=true_detections,
        limitation=limitation,
        split=split,
        byte_ratios=ratios,
    )


def run_rules(
    module: ModuleType, profile: Any, trace: Trace, voice: tuple[str, ...]
) -> tuple[Score, Score]:
    """Score the new rule and the published threshold on one trace."""
    threshold = module.PROFILE_THRESHOLDS[profile]
    kind = module.SampleKind.COUNTER
    new = module.UploadDetector(kind, module.DetectorSettings(threshold))
    old = module.UploadDetector(
        kind, module.DetectorSettings(threshold, quiet_floor=None)
    )
    return (
        score(trace.events, detect(new, trace.samples), voice),
        score(trace.events, detect(old, trace.samples), voice),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=REPORT_SEED)
    parser.add_argument("--uploads", type=int, default=150, help="per voice shape")
    args = parser.parse_args()
    module = load_detector()
    began = time.perf_counter()
    n = args.uploads
    counts = dict.fromkeys(VOICE, n) | {"spikes": n, "music": 40, "fw-check": 60}
    counts[LIMITATION] = 20
    hard = dict.fromkeys((*HARD_VOICE, *HARD_OTHER), n // 2)
    busy = dict.fromkeys((*VOICE, "spikes"), n // 2) | {"music": 20}
    main_rows = []
    hard_rows = []
    busy_rows = []
    for index, profile in enumerate(module.SpeakerProfile):
        seed = args.seed * 100 + index
        trace = make_trace(seed, counts)
        main_rows.append((profile.value, *run_rules(module, profile, trace, VOICE)))
        trace = make_trace(seed + 10, hard)
        hard_rows.append(
            (profile.value, *run_rules(module, profile, trace, HARD_VOICE))
        )
        trace = make_trace(seed + 20, busy, BUSY_IDLE)
        busy_rows.append((profile.value, *run_rules(module, profile, trace, VOICE)))
    elapsed = time.perf_counter() - began

    print(
        f"seed {args.seed}; per profile: "
        + ", ".join(f"{count} {shape}" for shape, count in counts.items())
        + " (sensor read every 0.8 to 1.2 s, idle 150 to 900 B/s)"
    )
    print()
    for name, new, old in main_rows:
        print(
            f"{name:<15}new: recall {new.recall():.2f} precision {new.precision:.2f}"
            f"   published threshold: recall {old.recall():.2f} "
            f"precision {old.precision:.2f}"
        )
    print()
    print(
        "Per shape: share of events a detection overlaps (voice: recall; other:"
        " false alarms);"
    )
    print(
        f"precision with {LIMITATION} false alarms included; voice events split"
        " into more than one"
    )
    print("detection; median of detected / sent bytes over voice events.")
    shapes = (*VOICE, *OTHER)
    print(
        f"{'profile':<15}{'rule':<11}"
        + "".join(f"{s:>12}" for s in shapes)
        + f"{'prec. all':>11}{'split':>7}{'bytes':>7}"
    )
    for name, new, old in main_rows:
        for rule, result in (("new", new), ("published", old)):
            print(
                f"{name:<15}{rule:<11}"
                + "".join(f"{result.hit[s]:>12.2f}" for s in shapes)
                + f"{result.precision_all:>11.2f}{result.split:>7}"
                + (
                    f"{result.bytes_median:>7.2f}"
                    if result.byte_ratios
                    else f"{'-':>7}"
                )
            )
    print()
    print(
        f"Beyond the model ({n // 2} of each per profile): opus-min = 3 to 8 s at"
        " 4.0 to 4.6 kB/s alone;"
    )
    print(
        "quiet-short = the HomePod first second then only 1 to 2 s; spike-3s ="
        " idle spikes of 2 to 3 s."
    )
    print(
        f"{'profile':<15}{'rule':<11}"
        + "".join(f"{s:>12}" for s in (*HARD_VOICE, *HARD_OTHER))
    )
    for name, new, old in hard_rows:
        for rule, result in (("new", new), ("published", old)):
            print(
                f"{name:<15}{rule:<11}"
                + "".join(f"{result.hit[s]:>12.2f}" for s in (*HARD_VOICE, *HARD_OTHER))
            )
    print()
    print(
        f"Busy idle: the main shapes ({n // 2} each, 20 music) on a speaker idling"
        " at 2 to 3 kB/s,"
    )
    print("whose per-second noise reaches 4.8 kB/s: the learned baseline at work.")
    for name, new, old in busy_rows:
        print(
            f"{name:<15}new: recall {new.recall():.2f} precision {new.precision:.2f}"
            f"   published threshold: recall {old.recall():.2f} "
            f"precision {old.precision:.2f}"
        )
    print()
    print(f"{elapsed:.1f} s")


if __name__ == "__main__":
    main()
