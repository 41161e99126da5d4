"""The room listener end to end: real servers, real ffmpeg, real detector."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
import logging
import os
import shutil
import socket
import threading
from typing import Any

from aiohttp import web
import pytest

from custom_components.privacy_guard.audio.listener import RoomListener
from custom_components.privacy_guard.audio.sources import (
    FfmpegSource,
    WyomingSource,
)

from .conftest import Clip, Clips, ClipServer, PrivacyProbe
from .helpers import GUARD, Recorder, assert_heard, first_session

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="needs the ffmpeg binary"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- speech through a Wyoming server, on the stream's clock -----------------


@pytest.mark.parametrize(("rate", "channels"), [(44_100, 2), (22_050, 1)])
async def test_speech_heard_through_wyoming(
    clips: Clips, clip_server: Any, rate: int, channels: int
) -> None:
    for clip in clips.speech:
        converted = clips.convert(clip, rate, channels)
        server: ClipServer = await clip_server(converted)
        recorder = Recorder()
        listener = recorder.listener(
            WyomingSource("127.0.0.1", server.port), probability_interval=0.0
        )

        await first_session(recorder, listener)

        assert_heard(recorder.speech, clip.speech or (0, 0))
        assert recorder.connected[:2] == [True, False]
        assert max(recorder.probabilities) > 0.9
        assert server.received == []


async def test_noise_is_never_heard_through_wyoming(
    clips: Clips, clip_server: Any
) -> None:
    for clip in clips.noise:
        server: ClipServer = await clip_server(clips.convert(clip, 44_100, 2))
        recorder = Recorder()
        listener = recorder.listener(
            WyomingSource("127.0.0.1", server.port), probability_interval=0.0
        )
        await first_session(recorder, listener)
        assert recorder.speech == [], clip.name
        assert recorder.connected[:2] == [True, False]
        assert 0.0 <= max(recorder.probabilities) < 0.5


# --- speech through ffmpeg --------------------------------------------------


@needs_ffmpeg
async def test_speech_heard_through_ffmpeg_from_a_file(clips: Clips) -> None:
    clip = clips.convert(clips.speech[0], 48_000, 2)
    recorder = Recorder()
    listener = recorder.listener(FfmpegSource("ffmpeg", str(clip.path)))
    await first_session(recorder, listener)
    assert_heard(recorder.speech, clip.speech or (0, 0))


@needs_ffmpeg
@pytest.mark.usefixtures("socket_enabled")
async def test_speech_heard_through_ffmpeg_from_a_url(clips: Clips) -> None:
    clip = clips.speech[1]
    app = web.Application()

    async def serve(request: web.Request) -> web.FileResponse:
        return web.FileResponse(clip.path)

    app.router.add_get("/mic.wav", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/mic.wav"
    recorder = Recorder()
    try:
        await first_session(recorder, recorder.listener(FfmpegSource("ffmpeg", url)))
    finally:
        await runner.cleanup()
    assert_heard(recorder.speech, clip.speech or (0, 0))


# --- connection life ---------------------------------------------------------


async def test_reconnects_when_the_server_comes_back(
    clips: Clips, clip_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server: ClipServer = await clip_server(clips.noise[0], repeat=True, pace=0.005)
    recorder = Recorder()
    listener = recorder.listener(WyomingSource("127.0.0.1", server.port))
    listener.start()
    try:
        await recorder.until(lambda: recorder.connected == [True])
        assert listener.connected

        await server.stop()
        await recorder.until(lambda: recorder.connected == [True, False])
        assert not listener.connected

        await server.start()
        await recorder.until(lambda: recorder.connected == [True, False, True])
        assert listener.connected
        assert listener.failed_attempts == 0
    finally:
        await listener.async_stop()
    assert recorder.connected == [True, False, True, False]
    assert recorder.never_connected == []
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.endswith("audio.listener")
    ]
    assert len(warnings) == 1
    assert "available again" in caplog.text


@pytest.mark.usefixtures("socket_enabled")
async def test_reports_a_source_that_never_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    listener = recorder.listener(
        WyomingSource("127.0.0.1", _free_port()), never_connected_after=3
    )
    listener.start()
    try:
        await recorder.until(lambda: bool(recorder.never_connected))
        await recorder.until(lambda: listener.failed_attempts >= 5)
    finally:
        await listener.async_stop()
    assert recorder.never_connected == [3]
    assert recorder.connected == []
    assert recorder.speech == []
    unavailable = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(unavailable) == 1


async def test_a_silent_server_times_out_then_is_heard_once_it_streams(
    clips: Clips, clip_server: Any
) -> None:
    server: ClipServer = await clip_server(clips.noise[0], held=True)
    recorder = Recorder()
    listener = recorder.listener(
        WyomingSource("127.0.0.1", server.port),
        idle_timeout=0.2,
        never_connected_after=2,
        batch_chunks=1000,
    )
    listener.start()
    try:
        await recorder.until(lambda: listener.failed_attempts >= 2)
        assert recorder.never_connected == [2]
        server.release.set()
        await recorder.until(lambda: True in recorder.connected)
    finally:
        await listener.async_stop()
    assert recorder.never_connected == [2]


async def test_stop_ends_speech_and_connection(clips: Clips, clip_server: Any) -> None:
    clip = clips.speech[0]
    server: ClipServer = await clip_server(clip, repeat=True, pace=0.01)
    recorder = Recorder()
    listener = recorder.listener(WyomingSource("127.0.0.1", server.port))
    task = listener.start()
    assert listener.start() is task
    await recorder.until(lambda: listener.is_speech)
    assert 0.0 <= listener.probability <= 1.0
    await listener.async_stop()
    assert task.done()
    assert not listener.is_speech
    assert recorder.speech[-1][0] is False
    assert recorder.connected == [True, False]
    assert listener.probability < 0
    await listener.async_stop()


async def test_a_failing_source_is_retried(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        name = "broken"
        calls = 0

        async def stream(self) -> AsyncGenerator[bytes]:
            Broken.calls += 1
            if Broken.calls == 1:
                raise RuntimeError("bug")
            yield bytes(320)
            raise ConnectionResetError

    recorder = Recorder()
    listener = recorder.listener(Broken())
    listener.start()
    try:
        await recorder.until(lambda: recorder.connected.count(False) >= 2)
    finally:
        await listener.async_stop()
    assert "Unexpected error listening to broken" in caplog.text
    assert listener.failed_attempts == 0


class GatedExecutor(ThreadPoolExecutor):
    """Runs each job only once the test opens the gate."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.finished = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        def gated() -> Any:
            self.entered.set()
            self.gate.wait(GUARD)
            result = fn(*args, **kwargs)
            self.finished += 1
            return result

        return super().submit(gated)


async def test_stop_waits_for_the_detector_in_flight() -> None:
    class Endless:
        name = "endless"

        async def stream(self) -> AsyncGenerator[bytes]:
            yield bytes(3200)
            await asyncio.Event().wait()

    executor = GatedExecutor()
    recorder = Recorder()
    finished_when_disconnected: list[int] = []

    def on_connected(connected: bool) -> None:
        if not connected:
            finished_when_disconnected.append(executor.finished)

    listener = recorder.listener(
        Endless(), executor=executor, on_connected=on_connected
    )
    listener.start()
    try:
        await asyncio.get_running_loop().run_in_executor(
            None, executor.entered.wait, GUARD
        )
        stop = asyncio.create_task(listener.async_stop())
        await asyncio.sleep(0.05)
        assert not stop.done()
        executor.gate.set()
        await stop
    finally:
        executor.gate.set()
        executor.shutdown()
    # The detector was handed back before the listener closed the stream's books.
    assert finished_when_disconnected == [1]


def _vad_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if "privacy_guard_vad" in t.name]


async def test_listeners_share_one_detector_thread_while_they_run(
    clips: Clips, clip_server: Any
) -> None:
    server: ClipServer = await clip_server(clips.noise[0], repeat=True, pace=0.005)
    recorders = [Recorder(), Recorder()]
    listeners = [
        recorder.listener(WyomingSource("127.0.0.1", server.port), executor=None)
        for recorder in recorders
    ]
    for listener in listeners:
        listener.start()
    try:
        await recorders[0].until(
            lambda: all(r.probabilities for r in recorders) and bool(_vad_threads())
        )
        assert len(_vad_threads()) == 1
        await listeners[0].async_stop()
        assert len(_vad_threads()) == 1
    finally:
        for listener in listeners:
            await listener.async_stop()
    assert _vad_threads() == []


# --- clock, probability throttle, settings ------------------------------------


async def test_clock_follows_now_when_the_stream_runs_ahead(
    clips: Clips, clip_server: Any
) -> None:
    server: ClipServer = await clip_server(clips.speech[0])
    recorder = Recorder()
    listener = recorder.listener(
        WyomingSource("127.0.0.1", server.port), max_clock_skew=0.5
    )
    await first_session(recorder, listener)
    # Without re-anchoring, speech would be stamped 2.5 s and more after T0.
    assert recorder.speech
    assert all(abs(at) <= 0.5 + 0.2 for _, at in recorder.speech)


@pytest.mark.parametrize(
    ("interval", "reports"), [(3600.0, range(1, 2)), (0.0, range(20, 100))]
)
async def test_probability_reports_are_throttled(
    clips: Clips, clip_server: Any, interval: float, reports: range
) -> None:
    clip = clips.speech[0]
    server: ClipServer = await clip_server(clip)
    recorder = Recorder()
    listener = recorder.listener(
        WyomingSource("127.0.0.1", server.port), probability_interval=interval
    )
    await first_session(recorder, listener)
    # The first report comes at once, the next only after the interval.
    assert len(recorder.probabilities) in reports
    assert all(0.0 <= p <= 1.0 for p in recorder.probabilities)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_chunks": 0},
        {"never_connected_after": 0},
        {"backoff_initial": 0.0},
        {"backoff_initial": 2.0, "backoff_max": 1.0},
        {"threshold": 2.0},
    ],
)
def test_listener_refuses_bad_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RoomListener(WyomingSource("127.0.0.1", 1), on_speech=lambda *_: None, **kwargs)


# --- privacy -----------------------------------------------------------------


async def test_nothing_is_written_sent_or_logged(
    clips: Clips,
    clip_server: Any,
    privacy_probe: PrivacyProbe,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    clip: Clip = clips.convert(clips.speech[2], 44_100, 2)
    server: ClipServer = await clip_server(clip)
    wyoming, ffmpeg = Recorder(), Recorder()
    with privacy_probe.watching():
        await first_session(
            wyoming, wyoming.listener(WyomingSource("127.0.0.1", server.port))
        )
        await first_session(
            ffmpeg, ffmpeg.listener(FfmpegSource("ffmpeg", str(clip.path)))
        )

    assert_heard(wyoming.speech, clip.speech or (0, 0))
    assert_heard(ffmpeg.speech, clip.speech or (0, 0))
    assert privacy_probe.connects
    assert set(privacy_probe.connects) == {("127.0.0.1", server.port)}
    # ffmpeg's stderr goes to the null device; nothing else is opened to write.
    assert [path for path in privacy_probe.writes if path != os.devnull] == []
    frames = clip.frames()
    samples = {frames[i : i + 16] for i in range(len(frames) // 2, len(frames), 9000)}
    for record in caplog.records:
        assert not any(isinstance(arg, bytes | bytearray) for arg in record.args or ())
        text = record.getMessage()
        assert not any(repr(sample)[2:-1] in text for sample in samples)
