"""Local wake-word spotting: the spotter on generated speech, and in the listener."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

import pytest

from custom_components.privacy_guard.audio.listener import RoomListener
from custom_components.privacy_guard.audio.sources import WyomingSource
from custom_components.privacy_guard.audio.vad import CHUNK_BYTES
from custom_components.privacy_guard.audio.wakeword import (
    WAKE_WORDS,
    WakeWordDetection,
    WakeWordSpotter,
    WakeWordUnavailable,
)

from .conftest import Clip, Clips, ClipServer, PrivacyProbe, WakeClips
from .helpers import T0, Recorder, assert_heard, first_session

# Measured with the voices and phrases of `wake_clips`: 18 of 20 caught
# (en-us, en-gb and en-us+m3 all five, en-us+f3 three). The floor leaves room
# for other espeak-ng builds.
MIN_CAUGHT = 0.7

WAKEWORD_MODULE = "custom_components.privacy_guard.audio.wakeword"


class WakeRecorder(Recorder):
    """A recorder that also keeps wake words, in stream seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.wake: list[tuple[str, float]] = []
        self.unavailable: list[str] = []

    def listener(self, source: Any, **kwargs: Any) -> RoomListener:
        """A listener spotting "alexa" and reporting here."""
        options: dict[str, Any] = {
            "wake_words": ["alexa"],
            "on_wake_word": lambda name, at: self.wake.append(
                (name, (at - T0).total_seconds())
            ),
            "on_wake_word_unavailable": self.unavailable.append,
            **kwargs,
        }
        return super().listener(source, **options)


def _spot(spotter: WakeWordSpotter, clip: Clip) -> list[WakeWordDetection]:
    spotter.reset()
    return spotter.detect(clip.frames())


@pytest.fixture(scope="module")
def spotter() -> WakeWordSpotter:
    """A spotter for every shipped wake word."""
    return WakeWordSpotter(WAKE_WORDS)


# --- the spotter on its own ----------------------------------------------------


def test_most_alexa_requests_are_caught_once_each(
    wake_clips: WakeClips, spotter: WakeWordSpotter
) -> None:
    caught = 0
    for clip in wake_clips.alexa:
        detections = _spot(spotter, clip)
        assert len(detections) <= 1, (clip.name, detections)
        for detection in detections:
            assert detection.name == "alexa", clip.name
            start, end = clip.speech or (0.0, 0.0)
            # The wake word opens the request: it is heard before the request ends.
            assert start < detection.at < end, (clip.name, detection)
            caught += 1
    assert caught >= MIN_CAUGHT * len(wake_clips.alexa), caught


def test_other_speech_noise_and_silence_never_wake_it(
    wake_clips: WakeClips, clips: Clips, spotter: WakeWordSpotter
) -> None:
    # The first of `clips.speech` is an "Alexa, ..." request.
    others = [*wake_clips.other, *clips.speech[1:], *clips.noise]
    assert len(others) >= 30
    for clip in others:
        assert _spot(spotter, clip) == [], clip.name


def test_process_returns_the_names(wake_clips: WakeClips) -> None:
    spotter = WakeWordSpotter(["alexa", "okay_nabu"])
    assert spotter.wake_words == ("alexa", "okay_nabu")
    assert spotter.process(wake_clips.alexa[0].frames()) == ["alexa"]
    assert spotter.process(wake_clips.other[0].frames()) == []


def test_one_utterance_is_one_detection(wake_clips: WakeClips) -> None:
    clip = wake_clips.alexa[0]
    eager = WakeWordSpotter(["alexa"], refractory=0.0)
    # Without the refractory period the model says yes several windows in a row.
    assert len(_spot(eager, clip)) > 1
    assert len(_spot(WakeWordSpotter(["alexa"]), clip)) == 1


@pytest.mark.parametrize("piece", [7, CHUNK_BYTES - 1, CHUNK_BYTES + 1, 3200, 10_007])
def test_detections_do_not_depend_on_how_audio_is_cut(
    wake_clips: WakeClips, piece: int
) -> None:
    # Three requests in a row, each followed by more than the refractory period.
    stream = b"".join(clip.frames() for clip in wake_clips.alexa[:3])
    whole = WakeWordSpotter(["alexa"]).detect(stream)
    assert [d.name for d in whole] == ["alexa"] * 3
    cut = WakeWordSpotter(["alexa"])
    found = []
    for offset in range(0, len(stream), piece):
        found += cut.detect(stream[offset : offset + piece])
    assert found == whole
    assert cut.audio_seconds == pytest.approx(len(stream) // CHUNK_BYTES * 0.01)


def test_reset_starts_the_clock_over(wake_clips: WakeClips) -> None:
    clip = wake_clips.alexa[1]
    spotter = WakeWordSpotter(["alexa"])
    first = spotter.detect(clip.frames())
    assert len(first) == 1
    later = spotter.detect(clip.frames())
    assert [d.at for d in later] != [d.at for d in first]
    spotter.reset()
    assert spotter.audio_seconds == 0.0
    assert spotter.detect(clip.frames()) == first


def test_keeps_no_more_audio_than_an_incomplete_chunk(wake_clips: WakeClips) -> None:
    spotter = WakeWordSpotter(["alexa"])
    spotter.detect(wake_clips.alexa[0].frames()[: 10 * CHUNK_BYTES + 40])
    assert spotter._chunker.pending == 40
    # The library's own buffer empties on every whole chunk we hand it.
    assert len(spotter._features._audio_buffer) == 0  # type: ignore[attr-defined]


def test_close_frees_the_models(wake_clips: WakeClips) -> None:
    spotter = WakeWordSpotter(["alexa"])
    spotter.close()
    assert spotter.detect(wake_clips.alexa[0].frames()) == []
    spotter.reset()
    assert spotter.process(wake_clips.alexa[0].frames()) == ["alexa"]


@pytest.mark.parametrize(
    ("models", "kwargs", "error"),
    [
        ([], {}, ValueError),
        (["alexa", "siri"], {}, ValueError),
        ("alexa", {}, TypeError),
        (["alexa"], {"refractory": -1.0}, ValueError),
    ],
)
def test_refuses_bad_settings(
    models: Any, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        WakeWordSpotter(models, **kwargs)


def test_the_module_imports_without_the_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes any import of the package fail.
    monkeypatch.setitem(sys.modules, "pymicro_wakeword", None)
    monkeypatch.delitem(sys.modules, WAKEWORD_MODULE)
    module = importlib.import_module(WAKEWORD_MODULE)
    with pytest.raises(module.WakeWordUnavailable, match="cannot be imported"):
        module.WakeWordSpotter(["alexa"])
    # Names are checked before the library is needed.
    with pytest.raises(ValueError, match="siri"):
        module.WakeWordSpotter(["siri"])


def test_a_library_that_cannot_load_is_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pymicro_wakeword

    def broken(*_: Any, **__: Any) -> None:
        raise OSError("libtensorflowlite_c.so: cannot open shared object file")

    monkeypatch.setattr(pymicro_wakeword.MicroWakeWord, "from_builtin", broken)
    with pytest.raises(WakeWordUnavailable, match="cannot load"):
        WakeWordSpotter(["alexa"])


# --- through the room listener -----------------------------------------------


@pytest.mark.parametrize(("kind", "expected"), [("alexa", ["alexa"]), ("other", [])])
async def test_listener_reports_wake_words_on_the_speech_clock(
    wake_clips: WakeClips,
    clips: Clips,
    clip_server: Any,
    kind: str,
    expected: list[str],
) -> None:
    clip: Clip = getattr(wake_clips, kind)[0]
    server: ClipServer = await clip_server(clips.convert(clip, 44_100, 2))
    recorder = WakeRecorder()
    listener = recorder.listener(WyomingSource("127.0.0.1", server.port))

    await first_session(recorder, listener)

    assert [name for name, _ in recorder.wake] == expected
    start, end = clip.speech or (0.0, 0.0)
    assert all(start < at < end for _, at in recorder.wake), recorder.wake
    assert_heard(recorder.speech, clip.speech or (0, 0))
    assert recorder.unavailable == []


async def test_every_connection_has_its_own_clock(
    wake_clips: WakeClips, clip_server: Any
) -> None:
    clip = wake_clips.alexa[0]
    server: ClipServer = await clip_server(clip)
    recorder = WakeRecorder()
    listener = recorder.listener(WyomingSource("127.0.0.1", server.port))
    listener.start()
    try:
        await recorder.until(lambda: recorder.connected.count(False) >= 2)
    finally:
        await listener.async_stop()
    # The second stream is stamped from its own start, as its speech is.
    assert len(recorder.wake) >= 2
    assert recorder.wake[0] == recorder.wake[1]
    assert recorder.wake[0][1] == _spot(WakeWordSpotter(["alexa"]), clip)[0].at


async def test_speech_is_still_heard_without_the_library(
    clips: Clips,
    clip_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setitem(sys.modules, "pymicro_wakeword", None)
    clip = clips.speech[0]
    server: ClipServer = await clip_server(clip)
    recorder = WakeRecorder()
    listener = recorder.listener(WyomingSource("127.0.0.1", server.port))

    await first_session(recorder, listener)
    assert_heard(recorder.speech, clip.speech or (0, 0))
    assert len(recorder.unavailable) == 1
    assert "pymicro-wakeword" in recorder.unavailable[0]

    # Started again, it tries again but does not say so twice.
    recorder.connected.clear()
    await first_session(recorder, listener)
    assert len(recorder.unavailable) == 1
    assert recorder.wake == []
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "Wake-word" in r.getMessage()
    ]
    assert len(warnings) == 1


async def test_a_failing_spotter_leaves_speech_detection_running(
    wake_clips: WakeClips, clip_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    def broken(self: WakeWordSpotter, pcm: bytes) -> list[WakeWordDetection]:
        nonlocal calls
        calls += 1
        raise RuntimeError("interpreter failed")

    monkeypatch.setattr(WakeWordSpotter, "detect", broken)
    clip = wake_clips.alexa[0]
    server: ClipServer = await clip_server(clip)
    recorder = WakeRecorder()
    listener = recorder.listener(WyomingSource("127.0.0.1", server.port))

    await first_session(recorder, listener)

    assert recorder.unavailable == ["RuntimeError: interpreter failed"]
    assert calls == 1
    assert recorder.wake == []
    assert_heard(recorder.speech, clip.speech or (0, 0))
    assert recorder.connected == [True, False]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"wake_words": ["siri"], "on_wake_word": lambda *_: None},
        {"wake_words": ["alexa"]},
    ],
)
def test_listener_refuses_bad_wake_word_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RoomListener(WyomingSource("127.0.0.1", 1), on_speech=lambda *_: None, **kwargs)


async def test_spotting_writes_sends_and_logs_no_audio(
    wake_clips: WakeClips,
    clip_server: Any,
    privacy_probe: PrivacyProbe,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    clip = wake_clips.alexa[2]
    server: ClipServer = await clip_server(clip)
    recorder = WakeRecorder()
    with privacy_probe.watching():
        await first_session(
            recorder, recorder.listener(WyomingSource("127.0.0.1", server.port))
        )
    assert [name for name, _ in recorder.wake] == ["alexa"]
    assert set(privacy_probe.connects) == {("127.0.0.1", server.port)}
    assert [path for path in privacy_probe.writes if path != os.devnull] == []
    for record in caplog.records:
        assert not any(isinstance(arg, bytes | bytearray) for arg in record.args or ())
