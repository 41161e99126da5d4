"""Audio sources: a real Wyoming server on loopback and the real ffmpeg binary."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
import contextlib
import logging
from pathlib import Path
import shutil
from typing import Any

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.server import AsyncEventHandler, AsyncTcpServer

from custom_components.privacy_guard.audio import sources
from custom_components.privacy_guard.audio.sources import (
    FfmpegSource,
    WyomingSource,
    redact_ffmpeg_logs,
    redact_url,
    valid_host,
    valid_stream_url,
)
from custom_components.privacy_guard.audio.vad import SpeechDetector

from .conftest import Clip, Clips, ClipServer
from .helpers import assert_heard

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="needs the ffmpeg binary"
)


async def _collect(stream: AsyncIterator[bytes]) -> bytes:
    async with asyncio.timeout(30):
        return b"".join([piece async for piece in stream])


def _assert_speech_in(pcm: bytes, clip: Clip) -> None:
    """Run the detector over 16 kHz mono PCM and check it hears the clip's speech."""
    detector = SpeechDetector()
    transitions = detector.feed(pcm).transitions
    if (end := detector.finish()) is not None:
        transitions.append(end)
    assert_heard(
        [(t.is_speech, t.at) for t in transitions],
        clip.speech or (0, 0),
        [(t.segment.start, t.segment.end) for t in transitions if t.segment],
    )


# --- Wyoming ----------------------------------------------------------------


@pytest.mark.parametrize(("rate", "channels"), [(44_100, 2), (22_050, 1)])
async def test_wyoming_source_converts_and_sends_nothing(
    clips: Clips, clip_server: Any, rate: int, channels: int
) -> None:
    clip = clips.convert(clips.speech[0], rate, channels)
    server: ClipServer = await clip_server(clip)
    source = WyomingSource("127.0.0.1", server.port)
    assert source.name == f"wyoming://127.0.0.1:{server.port}"

    pcm = await _collect(source.stream())

    seconds = len(clip.frames()) / (clip.width * clip.channels * clip.rate)
    assert abs(len(pcm) / 32_000 - seconds) < 0.01
    _assert_speech_in(pcm, clip)
    assert server.received == []
    assert server.connections == 1


async def test_wyoming_source_ends_when_the_server_hangs_up(
    clips: Clips, clip_server: Any
) -> None:
    clip = clips.noise[0]
    server: ClipServer = await clip_server(clip, send_stop=False, close_after=True)
    pcm = await _collect(WyomingSource("127.0.0.1", server.port).stream())
    assert pcm == clip.frames()


class ScriptHandler(AsyncEventHandler):
    """Sends a fixed list of events, then hangs up."""

    script: Sequence[Event] = ()

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        super().__init__(reader, writer)
        self._task = asyncio.create_task(self._send())

    async def run(self) -> None:
        with contextlib.suppress(ConnectionError):
            await super().run()

    async def handle_event(self, event: Event) -> bool:
        return True

    async def _send(self) -> None:
        for event in self.script:
            await self.write_event(event)
        self.writer.close()


async def _serve_script(
    script: Sequence[Event],
) -> tuple[AsyncTcpServer, int, list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []

    def factory(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Any:
        handler = ScriptHandler(reader, writer)
        tasks.append(handler._task)
        return handler

    ScriptHandler.script = script
    server = AsyncTcpServer("127.0.0.1", 0)
    await server.start(factory)
    assert server._server is not None
    return server, server._server.sockets[0].getsockname()[1], tasks


async def _stop_script(server: AsyncTcpServer, tasks: list[asyncio.Task[None]]) -> None:
    handlers = list(server._handlers)
    await server.stop()
    await asyncio.wait([*tasks, *handlers] or [asyncio.sleep(0)])


@pytest.mark.usefixtures("socket_enabled")
async def test_wyoming_source_follows_format_changes_and_skips_other_events() -> None:
    silence = bytes(640)
    script = [
        Event("info", {"mic": []}),
        # A chunk before any audio-start carries its own format.
        AudioChunk(16_000, 2, 1, silence).event(),
        AudioStart(32_000, 2, 1).event(),
        AudioChunk(32_000, 2, 1, silence).event(),
        AudioChunk(16_000, 2, 2, silence).event(),
        AudioChunk(16_000, 2, 1, b"").event(),
        AudioStop().event(),
        AudioChunk(16_000, 2, 1, silence).event(),
    ]
    server, port, tasks = await _serve_script(script)
    try:
        pcm = await _collect(WyomingSource("127.0.0.1", port).stream())
    finally:
        await _stop_script(server, tasks)
    # 640 bytes as they are, then halved by resampling, then by downmixing.
    assert abs(len(pcm) - (640 + 320 + 320)) <= 4


@pytest.mark.usefixtures("socket_enabled")
async def test_wyoming_source_refuses_an_impossible_format() -> None:
    server, port, tasks = await _serve_script(
        [AudioChunk(16_000, 7, 1, bytes(14)).event()]
    )
    try:
        with pytest.raises(ValueError, match="width"):
            await _collect(WyomingSource("127.0.0.1", port).stream())
    finally:
        await _stop_script(server, tasks)


async def _serve_raw(data: bytes) -> tuple[asyncio.Server, int]:
    """A peer that sends these bytes as they are, then waits."""

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(data)
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize(
    "sent",
    [
        # Announces a terabyte of payload: refused before any is read.
        b'{"type": "audio-chunk", "payload_length": 1099511627776}\n',
        b'{"type": "audio-chunk", "data_length": 10000000}\n',
        b'{"type": "audio-chunk", "payload_length": -1}\n',
        b'{"type": "audio-chunk", "payload_length": "many"}\n',
        b"[1, 2, 3]\n",
        b"not json\n",
        # A header line that never ends.
        b'{"type": "' + b"a" * (128 * 1024),
    ],
)
async def test_a_wyoming_peer_cannot_announce_any_length(sent: bytes) -> None:
    """What a room's peer announces is bounded; beyond, the connection drops."""
    server, port = await _serve_raw(sent)
    try:
        async with asyncio.timeout(5):
            with pytest.raises(ConnectionError):
                await _collect(WyomingSource("127.0.0.1", port).stream())
    finally:
        server.close()
        await server.wait_closed()


# --- ffmpeg -----------------------------------------------------------------


@needs_ffmpeg
async def test_ffmpeg_source_decodes_a_file(clips: Clips) -> None:
    clip = clips.convert(clips.speech[1], 44_100, 2)
    source = FfmpegSource(FFMPEG, str(clip.path))
    assert source.name == str(clip.path)
    pcm = await _collect(source.stream())
    assert abs(len(pcm) / 32_000 - (clip.speech or (0, 0))[1] - 3.0) < 0.05
    _assert_speech_in(pcm, clip)


@needs_ffmpeg
@pytest.mark.usefixtures("socket_enabled")
async def test_ffmpeg_source_decodes_an_http_url(clips: Clips) -> None:
    clip = clips.convert(clips.speech[2], 22_050, 1)

    async def serve(request: web.Request) -> web.FileResponse:
        return web.FileResponse(clip.path)

    app = web.Application()
    app.router.add_get("/room.wav", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        url = f"http://127.0.0.1:{port}/room.wav"
        pcm = await _collect(FfmpegSource(FFMPEG, url).stream())
    finally:
        await runner.cleanup()
    _assert_speech_in(pcm, clip)


@needs_ffmpeg
async def test_ffmpeg_source_uses_home_assistant_ffmpeg(
    hass: HomeAssistant, clips: Clips
) -> None:
    assert await async_setup_component(hass, "ffmpeg", {})
    source = FfmpegSource(hass, str(clips.noise[0].path))
    assert source.binary == "ffmpeg"
    assert await _collect(source.stream()) == clips.noise[0].frames()


async def test_ffmpeg_source_raises_when_ffmpeg_cannot_start(tmp_path: Path) -> None:
    source = FfmpegSource(str(tmp_path / "no-ffmpeg"), "anything.wav")
    with pytest.raises(ConnectionError):
        await _collect(source.stream())


@needs_ffmpeg
@pytest.mark.usefixtures("socket_enabled")
async def test_ffmpeg_stops_when_the_stream_is_closed(
    monkeypatch: pytest.MonkeyPatch, clips: Clips
) -> None:
    started: list[Any] = []

    class Recording(sources.HAFFmpeg):  # type: ignore[misc]
        async def open(self, *args: Any, **kwargs: Any) -> bool:
            result: bool = await super().open(*args, **kwargs)
            started.append(self.process)
            return result

    clip = clips.noise[0]
    header = clip.path.read_bytes()[:44]

    async def live(request: web.Request) -> web.StreamResponse:
        # A room that goes on: silence, a tenth of a second at a time.
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(header)
        with contextlib.suppress(ConnectionError):
            # Bounded: ten seconds at most, less once the client has gone.
            for _ in range(100):
                if request.transport is None or request.transport.is_closing():
                    break
                await response.write(bytes(3200))
                await asyncio.sleep(0.1)
        return response

    app = web.Application()
    app.router.add_get("/live.wav", live)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(sources, "HAFFmpeg", Recording)
    try:
        stream = FfmpegSource(FFMPEG, f"http://127.0.0.1:{port}/live.wav").stream()
        assert await anext(stream)
        await stream.aclose()
        assert started[0].returncode is not None
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://user:secret@cam.local:554/live", "rtsp://***@cam.local:554/live"),
        (
            "-rtsp_transport tcp -i rtsp://a:b@10.0.0.2/s",
            "-rtsp_transport tcp -i rtsp://***@10.0.0.2/s",
        ),
        ("http://cam.local/audio", "http://cam.local/audio"),
        ("/media/room.wav", "/media/room.wav"),
    ],
)
def test_urls_are_redacted_for_logs(text: str, expected: str) -> None:
    assert redact_url(text) == expected
    assert FfmpegSource("ffmpeg", text).name == expected


INJECTION = "http://127.0.0.1:9/in.wav -f wav -y {out}"


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("http://cam.local/audio", True),
        ("rtsp://user:secret@cam.local:554/live", True),
        ("https://[::1]:8443/stream.mp3", True),
        (INJECTION.format(out="/config/www/stored.wav"), False),
        ("http://cam.local/a\tb", False),
        ("http://cam.local/a\nb", False),
        ("http://cam.local/a\x00", False),
        ("ftp://cam.local/a", False),
        ("file:///config/secrets.yaml", False),
        ("-i http://cam.local/a", False),
        ("http:///no-host", False),
        ("http://cam.local:port/a", False),
        ("", False),
    ],
)
def test_a_stream_url_is_one_url_and_nothing_else(url: str, valid: bool) -> None:
    """No whitespace, no control character, a known scheme and a host."""
    assert valid_stream_url(url) is valid


@needs_ffmpeg
async def test_a_url_reaches_ffmpeg_as_one_argument(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Even words that look like options stay inside the one input argument:
    ffmpeg never gets an output of theirs, and writes nothing."""
    stored = tmp_path / "stored.wav"
    text = INJECTION.format(out=stored)
    argv: list[list[str]] = []

    class Recording(sources.HAFFmpeg):  # type: ignore[misc]
        async def open(self, *args: Any, **kwargs: Any) -> bool:
            result: bool = await super().open(*args, **kwargs)
            argv.append(list(self._argv))
            return result

    monkeypatch.setattr(sources, "HAFFmpeg", Recording)
    with contextlib.suppress(ConnectionError):
        await _collect(FfmpegSource(FFMPEG, text).stream())
    assert argv
    command = argv[0]
    assert command[command.index("-i") + 1] == text
    assert command.count("-i") == 1
    assert str(stored) not in command
    assert "-y" not in command
    assert not stored.exists()


@needs_ffmpeg
async def test_ffmpegs_debug_log_hides_a_streams_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ha-ffmpeg logs its whole command line; the password never shows."""
    redact_ffmpeg_logs()
    redact_ffmpeg_logs()  # once is enough, twice changes nothing
    assert len(logging.getLogger("haffmpeg.core").filters) == 1
    caplog.set_level(logging.DEBUG, logger="haffmpeg.core")
    url = "rtsp://user:s3cret-pw@127.0.0.1:9/live"
    with contextlib.suppress(ConnectionError):
        await _collect(FfmpegSource(FFMPEG, url).stream())
    assert "rtsp://***@127.0.0.1:9/live" in caplog.text
    assert "s3cret-pw" not in caplog.text


@pytest.mark.parametrize(
    ("host", "valid"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("mic.local", True),
        ("wyoming-mic-1.home.arpa", True),
        ("mic.local -x", False),
        ("mic\tlocal", False),
        ("-mic.local", False),
        ("mic..local", False),
        ("", False),
        ("a" * 254, False),
    ],
)
def test_a_host_is_one_name_or_address(host: str, valid: bool) -> None:
    """A Wyoming host is a host name or an IP address, and nothing else."""
    assert valid_host(host) is valid
