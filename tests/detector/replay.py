"""Seeded replay of a speaker's upstream traffic, with the uploads it holds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import random

from custom_components.privacy_guard.detector import UploadDetector
from custom_components.privacy_guard.detector_types import Upload

COUNTER_RANGE = 2**32
DISTURBANCES = ("unavailable", "outage", "reset")


def feed(
    detector: UploadDetector, samples: Iterable[tuple[float, float | None]]
) -> list[Upload]:
    """Feed samples in order and collect every upload returned."""
    uploads: list[Upload] = []
    for t, value in samples:
        uploads.extend(detector.add(t, value))
    return uploads


@dataclass(frozen=True, slots=True)
class ExpectedUpload:
    """A voice burst the generator placed, as a detector should report it."""

    start: float
    end: float
    bytes: int
    peak_bps: float


@dataclass(slots=True)
class _Disturbances:
    """Where a replay's sensor misbehaves, and the counter it then shows."""

    max_gap: float
    # The sample each disturbance falls on, and its kind.
    kinds: dict[int, str] = field(default_factory=dict)
    # Samples that never arrive (an outage).
    lost: set[int] = field(default_factory=set)

    def add(self, kind: str, labels: list[str], idle: Callable[[int], None]) -> None:
        """Place one disturbance on the sample ending ``labels`` so far.

        Sample k ends interval k, whose label is labels[k - 1].
        """
        sample = len(labels)
        if kind == "outage":
            span = int(self.max_gap) + 10
            self.lost.update(range(sample, sample + span))
            idle(span)
        self.kinds[sample] = kind

    def readings(
        self, sizes: list[int], wrap_at: int
    ) -> list[tuple[int, float | None]]:
        """Return ``(sample, counter reading)`` of every sample that arrives.

        The 32-bit counter wraps half-way through interval ``wrap_at``; a reset
        restarts it from half the interval's bytes; an unavailable sample
        reads None.
        """
        reading = COUNTER_RANGE - sum(sizes[1:wrap_at]) - sizes[wrap_at] // 2
        found: list[tuple[int, float | None]] = [(0, float(reading))]
        for k in range(1, len(sizes)):
            if self.kinds.get(k) == "reset":
                reading = sizes[k] // 2
            else:
                reading = (reading + sizes[k]) % COUNTER_RANGE
            if k in self.lost:
                continue
            unavailable = self.kinds.get(k) == "unavailable"
            found.append((k, None if unavailable else float(reading)))
        return found

    def count(self, kind: str) -> int:
        """Return how many disturbances of ``kind`` were placed."""
        return sum(1 for placed in self.kinds.values() if placed == kind)


@dataclass(frozen=True, slots=True)
class Replay:
    """Sample series of one generated replay and its ground truth."""

    counter: list[tuple[float, float | None]]
    rate: list[tuple[float, float | None]]
    interval_bytes: list[int]
    uploads: list[ExpectedUpload]
    keepalives: int
    unavailable: int
    outages: int
    resets: int
    wraps: int


def generate_replay(
    seed: int,
    *,
    intervals: int = 3600,
    threshold_bps: float = 12172.0,
    min_bytes: float = 3 * 12172.0,
    idle_bps: float = 500.0,
    max_gap: float = 120.0,
    quiet: int = 4,
) -> Replay:
    """Generate about ``intervals`` seconds of traffic from ``seed``.

    The model, in bytes and seconds:

    * **Sampling.** The sensor is read about once a second: sample ``k`` is
      taken at ``k + u`` with ``u`` uniform in [-0.2, 0.2], so sample intervals
      last 0.6 to 1.4 s.
    * **Traffic per interval.** A counter cannot tell anything finer than the
      interval between two readings, so traffic is drawn per interval: interval
      ``k`` (from sample ``k - 1`` to sample ``k``) carries a whole number of
      bytes, its rate times its length, rounded. The truth is therefore made of
      exact integers and uploads start and end on sample times.
    * **Background.** Every interval outside an event sends ``idle_bps`` times
      a jitter uniform in [0.5, 1.5].
    * **Keep-alives.** One interval at 1.2 to 2 times ``threshold_bps``, which
      stays under ``min_bytes`` (checked): above the threshold, but no upload.
    * **Voice bursts.** ``length`` consecutive intervals (2 to 12) at a burst
      rate of 1.5 to 6 times ``threshold_bps``, each interval within 10 % of
      it. A burst of four or more intervals may hold one dip: a single inner
      interval at background rate, which is shorter than the 2 s merge gap.
      Its upload runs from the sample before its first interval to the sample
      ending its last one, and its bytes are those of its intervals except the
      dip (the dip is indistinguishable from background).
    * **Spacing.** Events are separated by at least ``quiet`` background
      intervals (at least 2.4 s with the default 4), so bursts never merge.
      The replay opens with background then a voice burst and ends with
      background, so every upload is final before the last sample.
    * **Disturbances,** only inside background and after the first burst: a
      sample whose value is unavailable (None); an outage where no sample
      arrives for more than ``max_gap`` seconds; a counter reset (the router
      reboots and reports only what was sent since, a few hundred bytes).
    * **Counter.** The counter series is 32-bit and starts so that it wraps in
      the middle of the first voice burst. The rate series reports each
      interval's mean rate (bytes over length) at the sample that ends it.
    """
    rng = random.Random(seed)
    labels: list[str] = []
    bursts: list[tuple[int, int, float, int | None]] = []
    disturbances = _Disturbances(max_gap)
    keepalives = 0

    def idle(count: int) -> None:
        labels.extend(["idle"] * count)

    idle(quiet + rng.randint(0, 20))
    first = True
    while len(labels) < intervals or first:
        roll = rng.random()
        if first or roll < 0.4:
            length = rng.randint(2, 12)
            dip = (
                rng.randint(1, length - 2)
                if length >= 4 and rng.random() < 0.5
                else None
            )
            rate = rng.uniform(1.5, 6.0) * threshold_bps
            bursts.append((len(labels) + 1, length, rate, dip))
            labels.extend(["burst"] * length)
            first = False
        elif roll < 0.8:
            keepalives += 1
            labels.append("keepalive")
        else:
            kind = rng.choice(DISTURBANCES)
            idle(quiet)
            disturbances.add(kind, labels, idle)
        idle(quiet + rng.randint(0, 30))
    idle(quiet)

    count = len(labels)
    times = [0.0] + [k + rng.uniform(-0.2, 0.2) for k in range(1, count + 1)]
    sizes = [0] * (count + 1)
    in_dip: set[int] = set()
    for start, length, rate, dip in bursts:
        for offset in range(length):
            k = start + offset
            if offset == dip:
                in_dip.add(k)
                continue
            dt = times[k] - times[k - 1]
            sizes[k] = round(rate * rng.uniform(0.9, 1.1) * dt)
    for k in range(1, count + 1):
        dt = times[k] - times[k - 1]
        label = labels[k - 1]
        if label == "keepalive":
            sizes[k] = round(threshold_bps * rng.uniform(1.2, 2.0) * dt)
            if sizes[k] >= min_bytes:
                raise ValueError("keep-alives would reach min_bytes; raise it")
        elif label == "idle" or k in in_dip:
            sizes[k] = round(idle_bps * rng.uniform(0.5, 1.5) * dt)

    uploads = [
        ExpectedUpload(
            start=times[start - 1],
            end=times[start + length - 1],
            bytes=sum(
                sizes[k] for k in range(start, start + length) if k not in in_dip
            ),
            peak_bps=max(
                sizes[k] / (times[k] - times[k - 1])
                for k in range(start, start + length)
                if k not in in_dip
            ),
        )
        for start, length, _, _ in bursts
    ]

    # Wrap in the middle of the first burst, or at its start if that is the dip.
    start, length, _, dip = bursts[0]
    wrap_at = start + (length // 2 if dip != length // 2 else 0)
    readings = disturbances.readings(sizes, wrap_at)
    counter = [(times[k], reading) for k, reading in readings]
    rate_series: list[tuple[float, float | None]] = [(times[0], float(idle_bps))]
    rate_series.extend(
        (times[k], None if reading is None else sizes[k] / (times[k] - times[k - 1]))
        for k, reading in readings[1:]
    )

    return Replay(
        counter=counter,
        rate=rate_series,
        interval_bytes=sizes,
        uploads=uploads,
        keepalives=keepalives,
        unavailable=disturbances.count("unavailable"),
        outages=disturbances.count("outage"),
        resets=disturbances.count("reset"),
        wraps=1,
    )


@dataclass(frozen=True, slots=True)
class QuietReplay:
    """Counter samples of a quiet speaker's replay and its ground truth."""

    counter: list[tuple[float, float | None]]
    uploads: list[ExpectedUpload]
    spikes: int
    music_bursts: int
    unavailable: int
    outages: int
    resets: int
    wraps: int


def generate_quiet_replay(
    seed: int,
    *,
    intervals: int = 3600,
    idle_bps: float = 500.0,
    max_gap: float = 120.0,
    quiet: int = 4,
) -> QuietReplay:
    """Generate about ``intervals`` seconds of a quiet speaker's traffic.

    HomePod-like activations among idle spikes and music, as a 32-bit counter
    sensor shows them. The model, in bytes and seconds (traffic is drawn per
    interval, as in ``generate_replay``, so the truth is exact):

    * **Sampling.** Readings 0.8 to 1.2 s apart (uniform).
    * **Background.** ``idle_bps`` times a jitter uniform in [0.5, 1.5].
    * **Activations** (HomePod-like): a first interval carrying 11 to 15 kB,
      then 6 or 7 intervals at a level of 5 to 7 kB/s, each within 10 % of it;
      half of them hold one dip (an inner interval of the tail at background
      rate, shorter than the merge gap). The upload's bytes are those of its
      intervals but the dip.
    * **Spikes.** One or two intervals at 4 to 12 kB/s: under every published
      threshold, above the quiet floor, but too short to be uploads.
    * **Music.** 60 to 180 intervals of acknowledgements at a level of 0.5 to
      1.5 kB/s (each interval 0.7 to 1.3 times it), with a fetch-ahead burst of
      one or two intervals at 4 to 10 kB/s every 5 to 15 intervals.
    * **Spacing, disturbances, counter** as in ``generate_replay``: events at
      least ``quiet`` background intervals apart, unavailable values, outages
      over ``max_gap`` and counter resets inside background only, and a wrap of
      the 32-bit counter in the first activation.

    With ``idle_bps`` up to 1 kB/s the learned baseline stays at or under
    1.5 kB/s, so the quiet threshold stays at or under 3.5 kB/s: every spike,
    music burst and activation interval but the dips is above it.
    """
    rng = random.Random(seed)
    # Per interval: its label and, for events, its rate in bytes per second
    # (or, for an activation's first interval, its bytes).
    labels: list[str] = []
    values: list[float] = []
    activations: list[tuple[int, int, int | None]] = []
    disturbances = _Disturbances(max_gap)
    spikes = music_bursts = 0

    def idle(count: int) -> None:
        labels.extend(["idle"] * count)
        values.extend([0.0] * count)

    idle(quiet + rng.randint(0, 20))
    first = True
    while len(labels) < intervals or first:
        roll = rng.random()
        if first or roll < 0.4:
            tail = rng.randint(6, 7)
            dip = rng.randint(1, tail - 2) if rng.random() < 0.5 else None
            level = rng.uniform(5_000, 7_000)
            activations.append(
                (len(labels) + 1, tail + 1, None if dip is None else dip + 1)
            )
            labels.append("first")
            values.append(rng.uniform(11_000, 15_000))
            for offset in range(tail):
                labels.append("dip" if offset == dip else "voice")
                values.append(level * rng.uniform(0.9, 1.1))
            first = False
        elif roll < 0.7:
            spikes += 1
            for _ in range(rng.randint(1, 2)):
                labels.append("spike")
                values.append(rng.uniform(4_000, 12_000))
        elif roll < 0.85:
            end = len(labels) + rng.randint(60, 180)
            level = rng.uniform(500, 1_500)
            while len(labels) < end:
                for _ in range(rng.randint(5, 15)):
                    labels.append("acks")
                    values.append(level * rng.uniform(0.7, 1.3))
                music_bursts += 1
                for _ in range(rng.randint(1, 2)):
                    labels.append("spike")
                    values.append(rng.uniform(4_000, 10_000))
            for _ in range(quiet):
                labels.append("acks")
                values.append(level * rng.uniform(0.7, 1.3))
        else:
            kind = rng.choice(DISTURBANCES)
            idle(quiet)
            disturbances.add(kind, labels, idle)
        idle(quiet + rng.randint(0, 30))
    idle(quiet)

    count = len(labels)
    times = [0.0]
    for _ in range(count):
        times.append(times[-1] + rng.uniform(0.8, 1.2))
    sizes = [0]
    for k in range(1, count + 1):
        dt = times[k] - times[k - 1]
        label, value = labels[k - 1], values[k - 1]
        if label == "first":
            sizes.append(round(value))
        elif label in {"idle", "dip"}:
            sizes.append(round(idle_bps * rng.uniform(0.5, 1.5) * dt))
        else:
            sizes.append(round(value * dt))

    uploads = []
    for start, length, dip in activations:
        ks = [
            k for k in range(start, start + length) if dip is None or k != start + dip
        ]
        uploads.append(
            ExpectedUpload(
                start=times[start - 1],
                end=times[start + length - 1],
                bytes=sum(sizes[k] for k in ks),
                peak_bps=max(sizes[k] / (times[k] - times[k - 1]) for k in ks),
            )
        )

    start, length, _ = activations[0]
    wrap_at = start + 1
    counter = [
        (times[k], reading) for k, reading in disturbances.readings(sizes, wrap_at)
    ]

    return QuietReplay(
        counter=counter,
        uploads=uploads,
        spikes=spikes,
        music_bursts=music_bursts,
        unavailable=disturbances.count("unavailable"),
        outages=disturbances.count("outage"),
        resets=disturbances.count("reset"),
        wraps=1,
    )
