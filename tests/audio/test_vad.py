"""The pure audio path: conversion, chunking, pymicro-vad and the speech smoother."""

from __future__ import annotations

import array
import itertools
import random

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.privacy_guard.audio.vad import (
    CHUNK_BYTES,
    CHUNK_SECONDS,
    VAD_FORMAT,
    WARMING_UP,
    Chunker,
    PcmConverter,
    PcmFormat,
    SpeechDetector,
    SpeechSegment,
    SpeechSmoother,
    SpeechTransition,
    VadStream,
    detect_segments,
)

from .conftest import Clip, Clips
from .helpers import assert_heard

HYPOTHESIS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
    max_examples=60,
)


def _pcm(*samples: int) -> bytes:
    return array.array("h", samples).tobytes()


def _samples(data: bytes) -> list[int]:
    return array.array("h", data).tolist()


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def _detect(
    clip: Clip, source: PcmFormat = VAD_FORMAT, seed: int = 0
) -> tuple[list[tuple[bool, float]], list[tuple[float, float]]]:
    """Feed a clip in pieces of random size; return events and segments."""
    detector = SpeechDetector(source)
    frames = clip.frames()
    rng = random.Random(seed)
    transitions: list[SpeechTransition] = []
    offset = 0
    while offset < len(frames):
        size = rng.randint(1, 9000)
        transitions += detector.feed(frames[offset : offset + size]).transitions
        offset += size
    if (final := detector.finish()) is not None:
        transitions.append(final)
    events = [(t.is_speech, t.at) for t in transitions]
    segments = [(t.segment.start, t.segment.end) for t in transitions if t.segment]
    return events, segments


# --- formats and conversion -------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "width", "channels"), [(0, 2, 1), (16_000, 5, 1), (16_000, 2, 0)]
)
def test_format_refuses_what_audioop_cannot_read(
    rate: int, width: int, channels: int
) -> None:
    with pytest.raises(ValueError, match="Invalid"):
        PcmFormat(rate, width, channels)


def test_vad_format_passes_through_untouched() -> None:
    data = b"\x01\x02\x03"
    assert PcmConverter(VAD_FORMAT).convert(data) is data


def test_stereo_is_averaged_to_mono() -> None:
    converter = PcmConverter(PcmFormat(16_000, 2, 2))
    assert _samples(converter.convert(_pcm(1000, 3000, -400, 400))) == [2000, 0]


def test_many_channels_are_averaged_to_mono() -> None:
    converter = PcmConverter(PcmFormat(16_000, 2, 4))
    mixed = _samples(converter.convert(_pcm(400, 800, 1200, 1600, -40, -40, -40, -40)))
    assert mixed == [1000, -40]


def test_sample_width_is_converted_to_16_bit() -> None:
    eight_bit = PcmConverter(PcmFormat(16_000, 1, 1))
    assert _samples(eight_bit.convert(bytes([1, 0xFF]))) == [256, -256]
    thirty_two = PcmConverter(PcmFormat(16_000, 4, 1))
    data = array.array("i", [1 << 24, -(1 << 24)]).tobytes()
    assert _samples(thirty_two.convert(data)) == [256, -256]


def test_rate_is_converted_to_16_khz() -> None:
    converter = PcmConverter(PcmFormat(48_000, 2, 1))
    out = b"".join(converter.convert(_pcm(*([500] * 480))) for _ in range(10))
    # 100 ms at 48 kHz is 1600 samples at 16 kHz (give or take the filter edge).
    assert abs(len(out) // 2 - 1600) <= 1
    assert set(_samples(out)[10:]) == {500}


@HYPOTHESIS
@given(
    data=st.binary(min_size=0, max_size=3000),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=8),
)
def test_conversion_does_not_depend_on_how_the_stream_is_cut(
    data: bytes, cuts: list[int]
) -> None:
    source = PcmFormat(44_100, 2, 2)
    whole = PcmConverter(source).convert(data)
    converter = PcmConverter(source)
    pieces = b"".join(converter.convert(piece) for piece in _split(data, cuts))
    assert pieces == whole


def test_reset_forgets_the_carried_over_frame() -> None:
    converter = PcmConverter(PcmFormat(16_000, 2, 2))
    assert converter.convert(b"\x10\x00\x10") == b""
    converter.reset()
    assert _samples(converter.convert(_pcm(2, 4))) == [3]


# --- chunking ---------------------------------------------------------------


@HYPOTHESIS
@given(
    data=st.binary(min_size=0, max_size=2000),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
def test_chunks_are_exact_and_keep_only_the_remainder(
    data: bytes, cuts: list[int]
) -> None:
    chunker = Chunker()
    chunks = [chunk for piece in _split(data, cuts) for chunk in chunker.feed(piece)]
    assert all(len(chunk) == CHUNK_BYTES for chunk in chunks)
    whole = len(data) // CHUNK_BYTES * CHUNK_BYTES
    assert b"".join(chunks) == data[:whole]
    assert chunker.pending == len(data) - whole


def test_chunker_clear_drops_the_remainder() -> None:
    chunker = Chunker()
    assert chunker.feed(b"\x01" * 100) == []
    chunker.clear()
    assert chunker.pending == 0
    assert chunker.feed(b"\x02" * CHUNK_BYTES) == [b"\x02" * CHUNK_BYTES]


# --- pymicro-vad ------------------------------------------------------------


def test_vad_stream_warms_up_then_scores_and_can_restart() -> None:
    vad = VadStream()
    silence = bytes(CHUNK_BYTES)
    assert vad.probability == WARMING_UP
    assert vad.process_chunks([silence] * 76) == [WARMING_UP] * 76
    assert 0.0 <= vad.process(silence) < 0.5
    assert vad.probability >= 0.0
    assert vad.process_chunks([]) == []
    assert vad.probability >= 0.0
    vad.reset()
    assert vad.probability == WARMING_UP
    assert vad.process(silence) == WARMING_UP


@pytest.mark.parametrize("yield_gil", [True, False])
def test_vad_stream_gives_the_same_answers_whether_or_not_it_yields(
    clips: Clips, yield_gil: bool
) -> None:
    frames = clips.speech[0].frames()
    chunks = Chunker().feed(frames)
    reference = VadStream()
    expected = [reference.process(chunk) for chunk in chunks]
    assert VadStream(yield_gil=yield_gil).process_chunks(chunks) == expected
    assert max(expected) > 0.9


@pytest.mark.parametrize("size", [0, 10, CHUNK_BYTES - 1, CHUNK_BYTES + 1])
def test_vad_stream_refuses_chunks_of_the_wrong_size(size: int) -> None:
    # pymicro-vad 1.0.1 itself would read 320 bytes past a shorter buffer.
    vad = VadStream()
    with pytest.raises(ValueError, match="320 bytes"):
        vad.process(bytes(size))
    with pytest.raises(ValueError, match="320 bytes"):
        vad.process_chunks([bytes(CHUNK_BYTES), bytes(size)])


# --- smoothing --------------------------------------------------------------


def _run(
    smoother: SpeechSmoother, probabilities: list[float]
) -> list[SpeechTransition]:
    out = []
    for index, probability in enumerate(probabilities, start=1):
        if (
            transition := smoother.process(probability, index * CHUNK_SECONDS)
        ) is not None:
            out.append(transition)
    return out


def test_smoother_needs_min_speech_and_holds_for_the_hangover() -> None:
    smoother = SpeechSmoother(threshold=0.5, min_speech=0.05, hangover=0.1)
    probabilities = (
        [0.0] * 10 + [0.9] * 4 + [0.1] + [0.9] * 5 + [0.1] * 5 + [0.9] * 3 + [0.0] * 20
    )
    transitions = _run(smoother, probabilities)
    # Four loud chunks are not enough; five in a row are; a dip shorter than
    # the hangover does not end the speech; ten quiet chunks do.
    assert [(t.is_speech, round(t.at, 2)) for t in transitions] == [
        (True, 0.20),
        (False, 0.38),
    ]
    assert transitions[1].segment == pytest.approx(SpeechSegment(0.15, 0.28))


def test_smoother_ignores_warm_up_and_the_threshold_is_inclusive() -> None:
    smoother = SpeechSmoother(threshold=0.5, min_speech=0.0, hangover=0.0)
    assert smoother.process(WARMING_UP, 0.01) is None
    assert not smoother.is_speech
    on = smoother.process(0.5, 0.02)
    assert on == SpeechTransition(True, 0.02)
    assert smoother.is_speech
    off = smoother.process(0.49, 0.03)
    assert off is not None
    assert not off.is_speech


def test_smoother_flush_ends_open_speech_and_reset_forgets_it() -> None:
    smoother = SpeechSmoother(min_speech=0.0)
    assert smoother.flush(1.0) is None
    smoother.process(1.0, 0.5)
    end = smoother.flush(0.8)
    assert end == SpeechTransition(False, 0.8, SpeechSegment(0.49, 0.5))
    smoother.process(1.0, 0.9)
    smoother.reset()
    assert not smoother.is_speech
    assert smoother.flush(1.0) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0.0},
        {"threshold": 1.5},
        {"min_speech": -0.1},
        {"hangover": -1.0},
        {"chunk_seconds": 0.0},
    ],
)
def test_smoother_refuses_bad_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        SpeechSmoother(**kwargs)


def test_detect_segments_over_a_whole_sequence() -> None:
    probabilities = [WARMING_UP] * 5 + [0.0] * 5 + [1.0] * 30 + [0.0] * 100 + [1.0] * 30
    segments = detect_segments(probabilities)
    assert segments == pytest.approx(
        [SpeechSegment(0.10, 0.40), SpeechSegment(1.40, 1.70)]
    )
    assert detect_segments([]) == []


# --- real speech, noise and tones -------------------------------------------


def test_speech_is_heard_in_time(clips: Clips) -> None:
    for clip in clips.speech:
        events, segments = _detect(clip)
        assert_heard(events, clip.speech or (0, 0), segments)


@pytest.mark.parametrize(
    ("rate", "channels", "bits"), [(44_100, 2, 16), (22_050, 1, 16), (48_000, 2, 32)]
)
def test_speech_is_heard_in_other_formats(
    clips: Clips, rate: int, channels: int, bits: int
) -> None:
    clip = clips.convert(clips.speech[0], rate, channels, bits)
    events, segments = _detect(clip, PcmFormat(rate, bits // 8, channels), seed=rate)
    assert_heard(events, clip.speech or (0, 0), segments)


def test_silence_noise_and_tones_are_never_speech(clips: Clips) -> None:
    for clip in clips.noise:
        events, _ = _detect(clip)
        assert events == [], clip.name
        stereo = clips.convert(clip, 44_100, 2)
        events, _ = _detect(stereo, PcmFormat(44_100, 2, 2))
        assert events == [], stereo.name


def test_detector_ends_speech_when_the_stream_ends(clips: Clips) -> None:
    detector = SpeechDetector()
    frames = clips.speech[0].frames()
    cut = int((clips.speech[0].speech or (0, 0))[1] * 16_000) * 2
    update = detector.feed(frames[:cut])
    assert [t.is_speech for t in update.transitions] == [True]
    assert update.peak > 0.9
    end = detector.finish()
    assert end is not None
    assert not end.is_speech
    assert end.at == pytest.approx(detector.audio_seconds)
    assert detector.feed(b"\x00").transitions == []
