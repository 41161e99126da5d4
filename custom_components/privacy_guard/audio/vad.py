"""Voice activity on PCM audio: conversion, 10 ms chunks, pymicro-vad, smoothing.

Nothing here imports Home Assistant, keeps audio beyond the chunk being
processed (plus the remainder of an incomplete one), or writes it anywhere.

Where the detector runs, measured with ``bench/audio.py`` (ten real-time
44.1 kHz stereo Wyoming streams through `RoomListener`, a 1 ms loop-lag
probe, median of three runs on a 2-core machine where the probe alone saw
3 ms): pymicro-vad 1.0.1, the version Home Assistant pins, costs about 150 µs
of CPU per 10 ms chunk and, unlike 2.x, holds the GIL while it computes: a
thread calling it delays the event loop exactly as a pure-Python busy loop
does, up to the interpreter's 5 ms switch interval at a time. Relying on a
GIL release is therefore not possible. Inline on the loop: 24 ms worst
stall and a quarter of the loop's CPU. In an executor, one call per 100 ms
batch with the GIL held through it: 11 ms; a pool of ten threads: 20 ms;
one call per 10 ms chunk: 3 ms, but ten times the hand-offs (11 % loop CPU
against 8 %). Shipped: one worker thread shared by every listener, one call
per 100 ms of audio per stream, and `os.sched_yield` (which releases the
GIL for under a microsecond) after every chunk, so a waiting loop takes the
GIL at once: 5 ms worst stall, 1.5 ms at the 99th percentile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
import os
from typing import Final, Protocol

import audioop
from pymicro_vad import MicroVad  # type: ignore[import-untyped]

SAMPLE_RATE: Final = 16_000
SAMPLE_WIDTH: Final = 2
CHANNELS: Final = 1
CHUNK_SAMPLES: Final = 160
CHUNK_BYTES: Final = CHUNK_SAMPLES * SAMPLE_WIDTH * CHANNELS
CHUNK_SECONDS: Final = CHUNK_SAMPLES / SAMPLE_RATE

WARMING_UP: Final = -1.0
"""What pymicro-vad answers for its first 76 chunks, and our "no estimate yet"."""

DEFAULT_THRESHOLD: Final = 0.5
DEFAULT_MIN_SPEECH: Final = 0.2
DEFAULT_HANGOVER: Final = 0.7

# Chunk times are sums of 10 ms steps; compare durations with a little slack.
_EPSILON: Final = 1e-9


@dataclass(frozen=True, slots=True)
class PcmFormat:
    """Raw PCM layout: samples per second, bytes per sample, channels."""

    rate: int
    width: int
    channels: int

    def __post_init__(self) -> None:
        """Refuse layouts audioop cannot read."""
        if self.rate <= 0:
            raise ValueError(f"Invalid sample rate: {self.rate}")
        if self.width not in (1, 2, 3, 4):
            raise ValueError(f"Invalid sample width: {self.width}")
        if self.channels < 1:
            raise ValueError(f"Invalid channel count: {self.channels}")

    @property
    def frame_bytes(self) -> int:
        """Bytes per frame (one sample of every channel)."""
        return self.width * self.channels


VAD_FORMAT: Final = PcmFormat(SAMPLE_RATE, SAMPLE_WIDTH, CHANNELS)


class PcmConverter:
    """Convert a stream of PCM in any layout to 16 kHz mono signed 16-bit.

    Uses audioop as Home Assistant's assist pipeline does. Samples are
    little-endian and signed, 8-bit included, as Wyoming and audioop have them.
    Only an incomplete trailing frame (under one frame's bytes) is carried over
    to the next call, plus the resampler's filter state.
    """

    __slots__ = ("_partial", "_ratecv_state", "source")

    def __init__(self, source: PcmFormat) -> None:
        self.source = source
        self._partial = b""
        self._ratecv_state: tuple[int, tuple[tuple[int, int], ...]] | None = None

    def convert(self, data: bytes) -> bytes:
        """Return the 16 kHz mono 16-bit audio for the next piece of the stream."""
        source = self.source
        if source == VAD_FORMAT:
            return data
        if self._partial:
            data = self._partial + data
        whole = len(data) - len(data) % source.frame_bytes
        self._partial = data[whole:]
        data = data[:whole]
        if not data:
            return b""
        if source.width != SAMPLE_WIDTH:
            data = audioop.lin2lin(data, source.width, SAMPLE_WIDTH)
        if source.channels == 2:
            data = audioop.tomono(data, SAMPLE_WIDTH, 0.5, 0.5)
        elif source.channels > 2:
            data = _downmix(data, source.channels)
        if source.rate != SAMPLE_RATE:
            data, self._ratecv_state = audioop.ratecv(
                data,
                SAMPLE_WIDTH,
                CHANNELS,
                source.rate,
                SAMPLE_RATE,
                self._ratecv_state,
            )
        return data

    def reset(self) -> None:
        """Forget the carried-over frame and the resampler state."""
        self._partial = b""
        self._ratecv_state = None


def _downmix(data: bytes, channels: int) -> bytes:
    """Average the interleaved 16-bit channels of `data` into one."""
    samples = memoryview(data).cast("h")
    gain = 1.0 / channels
    mixed = audioop.mul(samples[0::channels].tobytes(), SAMPLE_WIDTH, gain)
    for channel in range(1, channels):
        part = audioop.mul(samples[channel::channels].tobytes(), SAMPLE_WIDTH, gain)
        mixed = audioop.add(mixed, part, SAMPLE_WIDTH)
    return mixed


class Chunker:
    """Cut a byte stream into exact 320-byte (10 ms) chunks.

    Keeps only the remainder that does not yet fill a chunk.
    """

    __slots__ = ("_remainder",)

    def __init__(self) -> None:
        self._remainder = bytearray()

    @property
    def pending(self) -> int:
        """Bytes waiting for the rest of their chunk."""
        return len(self._remainder)

    def feed(self, data: bytes) -> list[bytes]:
        """Return the complete chunks that `data` finishes or contains."""
        chunks: list[bytes] = []
        remainder = self._remainder
        start = 0
        if remainder:
            start = CHUNK_BYTES - len(remainder)
            if len(data) < start:
                remainder += data
                return chunks
            remainder += data[:start]
            chunks.append(bytes(remainder))
            remainder.clear()
        end = start + (len(data) - start) // CHUNK_BYTES * CHUNK_BYTES
        chunks.extend(data[i : i + CHUNK_BYTES] for i in range(start, end, CHUNK_BYTES))
        remainder += data[end:]
        return chunks

    def clear(self) -> None:
        """Drop the remainder."""
        self._remainder.clear()


class _MicroVad(Protocol):
    """The part of pymicro-vad 1.0.1 we use."""

    def Process10ms(self, audio: bytes, /) -> float: ...

    def Reset(self) -> None: ...


class VadStream:
    """One pymicro-vad detector for one audio stream.

    Feed it 320-byte chunks of 16 kHz mono 16-bit audio in order; it remembers
    the last probability, never the audio. pymicro-vad 1.0.1 reads 320 bytes
    whatever it is given, so other lengths are refused here. With `yield_gil`
    (the default) `process_chunks` lets other threads run between chunks,
    since 1.0.1 holds the GIL while it computes.
    """

    __slots__ = ("_probability", "_vad", "yield_gil")

    def __init__(self, *, yield_gil: bool = True) -> None:
        self._vad: _MicroVad = MicroVad()
        self._probability = WARMING_UP
        self.yield_gil = yield_gil

    @property
    def probability(self) -> float:
        """Speech probability of the last chunk, or -1.0 while warming up."""
        return self._probability

    def process(self, chunk: bytes) -> float:
        """Return the speech probability of one 10 ms chunk."""
        if len(chunk) != CHUNK_BYTES:
            raise ValueError(f"A chunk is {CHUNK_BYTES} bytes, not {len(chunk)}")
        self._probability = self._vad.Process10ms(chunk)
        return self._probability

    def process_chunks(self, chunks: Sequence[bytes]) -> list[float]:
        """Return the speech probability of each chunk, in order."""
        process = self._vad.Process10ms
        pause = os.sched_yield if self.yield_gil else None
        probabilities = []
        for chunk in chunks:
            if len(chunk) != CHUNK_BYTES:
                raise ValueError(f"A chunk is {CHUNK_BYTES} bytes, not {len(chunk)}")
            probabilities.append(process(chunk))
            if pause is not None:
                # Releases the GIL for a moment (under 1 µs): a waiting event
                # loop runs now, not after the interpreter's 5 ms switch interval.
                pause()
        if probabilities:
            self._probability = probabilities[-1]
        return probabilities

    def reset(self) -> None:
        """Start over, as for a new stream (warming up again)."""
        self._vad.Reset()
        self._probability = WARMING_UP


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """A stretch of speech, in seconds of stream time."""

    start: float
    end: float


@dataclass(frozen=True, slots=True)
class SpeechTransition:
    """Speech began or ended; `at` is the stream time the decision was made.

    An end carries the segment it closes.
    """

    is_speech: bool
    at: float
    segment: SpeechSegment | None = None


class SpeechSmoother:
    """Turn per-chunk speech probabilities into speech segments.

    Speech starts once the probability has stayed at or above `threshold` for
    `min_speech` seconds, and ends once it has stayed below for `hangover`
    seconds. Warm-up values (negative) are ignored.
    """

    __slots__ = (
        "_chunk_seconds",
        "_is_speech",
        "_last_speech",
        "_run_start",
        "_segment_start",
        "hangover",
        "min_speech",
        "threshold",
    )

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        min_speech: float = DEFAULT_MIN_SPEECH,
        hangover: float = DEFAULT_HANGOVER,
        chunk_seconds: float = CHUNK_SECONDS,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"Threshold must be in (0, 1]: {threshold}")
        if min_speech < 0.0 or hangover < 0.0 or chunk_seconds <= 0.0:
            raise ValueError("Durations must not be negative")
        self.threshold = threshold
        self.min_speech = min_speech
        self.hangover = hangover
        self._chunk_seconds = chunk_seconds
        self._is_speech = False
        self._run_start: float | None = None
        self._segment_start = 0.0
        self._last_speech = 0.0

    @property
    def is_speech(self) -> bool:
        """Whether speech is going on."""
        return self._is_speech

    def process(self, probability: float, at: float) -> SpeechTransition | None:
        """Take the probability of the chunk ending at `at` (seconds)."""
        if probability < 0.0:
            return None
        if probability >= self.threshold:
            if self._run_start is None:
                self._run_start = at - self._chunk_seconds
            self._last_speech = at
            if (
                not self._is_speech
                and at - self._run_start >= self.min_speech - _EPSILON
            ):
                self._is_speech = True
                self._segment_start = self._run_start
                return SpeechTransition(True, at)
            return None
        self._run_start = None
        if self._is_speech and at - self._last_speech >= self.hangover - _EPSILON:
            return self._end(at)
        return None

    def flush(self, at: float) -> SpeechTransition | None:
        """End any speech because the stream ended at `at`."""
        self._run_start = None
        if self._is_speech:
            return self._end(at)
        return None

    def reset(self) -> None:
        """Forget everything, without reporting an end."""
        self._is_speech = False
        self._run_start = None

    def _end(self, at: float) -> SpeechTransition:
        self._is_speech = False
        return SpeechTransition(
            False, at, SpeechSegment(self._segment_start, self._last_speech)
        )


def detect_segments(
    probabilities: Iterable[float],
    smoother: SpeechSmoother | None = None,
) -> list[SpeechSegment]:
    """Return the speech segments in a whole sequence of chunk probabilities."""
    smoother = smoother or SpeechSmoother()
    segments: list[SpeechSegment] = []
    at = 0.0
    for index, probability in enumerate(probabilities, start=1):
        at = index * CHUNK_SECONDS
        transition = smoother.process(probability, at)
        if transition is not None and transition.segment is not None:
            segments.append(transition.segment)
    final = smoother.flush(at)
    if final is not None and final.segment is not None:
        segments.append(final.segment)
    return segments


@dataclass(slots=True)
class DetectorUpdate:
    """What one piece of audio changed: transitions and its peak probability."""

    transitions: list[SpeechTransition] = field(default_factory=list)
    peak: float = WARMING_UP


class SpeechDetector:
    """The whole path for one stream: convert, chunk, detect, smooth.

    `feed` is synchronous and CPU-bound (about 1.5 ms per 100 ms of audio);
    call it from an executor. Stream time counts the audio fed, so decisions
    are stamped in audio seconds from the start of the stream.
    """

    __slots__ = ("_chunker", "_chunks", "_converter", "smoother", "vad")

    def __init__(
        self,
        source: PcmFormat = VAD_FORMAT,
        smoother: SpeechSmoother | None = None,
        *,
        yield_gil: bool = True,
    ) -> None:
        self._converter = PcmConverter(source)
        self._chunker = Chunker()
        self.vad = VadStream(yield_gil=yield_gil)
        self.smoother = smoother or SpeechSmoother()
        self._chunks = 0

    @property
    def audio_seconds(self) -> float:
        """Stream time: seconds of audio analysed so far."""
        return self._chunks * CHUNK_SECONDS

    def feed(self, data: bytes) -> DetectorUpdate:
        """Analyse the next piece of the stream."""
        update = DetectorUpdate()
        chunks = self._chunker.feed(self._converter.convert(data))
        if not chunks:
            return update
        probabilities = self.vad.process_chunks(chunks)
        smoother = self.smoother
        index = self._chunks
        for probability in probabilities:
            index += 1
            transition = smoother.process(probability, index * CHUNK_SECONDS)
            if transition is not None:
                update.transitions.append(transition)
        self._chunks = index
        update.peak = max(probabilities)
        return update

    def finish(self) -> SpeechTransition | None:
        """End the stream: drop leftovers and close any open speech segment."""
        self._chunker.clear()
        self._converter.reset()
        return self.smoother.flush(self.audio_seconds)
