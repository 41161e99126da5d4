"""Fixtures for the room microphone: generated audio, a Wyoming server, a privacy probe.

All audio is generated at test time with espeak-ng and sox into a temporary
folder; the exact speech start and end follow from how each clip is composed.
"""

from __future__ import annotations

from array import array
import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
import os
from pathlib import Path
import random
import shutil
import subprocess
import sys
from typing import Any
import wave

import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.server import AsyncEventHandler, AsyncTcpServer

LEAD_SILENCE = 2.0
TAIL_SILENCE = 3.0
NOISE_SECONDS = 5
PHRASES = (
    ("en-us", "Alexa, what is the weather like in Paris tomorrow morning?"),
    ("en-gb", "Please switch off the kitchen lights and play some quiet music."),
    ("en-us+f3", "Hey, did you remember to call the dentist about Thursday?"),
)
NOISES = ("whitenoise", "pinknoise", "brownnoise", "sine 440")
WAKE_VOICES = ("en-us", "en-gb", "en-us+m3", "en-us+f3")
ALEXA_PHRASES = (
    "Alexa, what time is it?",
    "Alexa, turn off the lights.",
    "Alexa, play some jazz.",
    "Alexa, set a timer for ten minutes.",
    "Alexa, how tall is the Eiffel tower?",
)
# Near misses included: names that start like the wake word.
OTHER_PHRASES = (
    "Please switch off the kitchen lights and play some quiet music.",
    "Turn the volume down a little, the baby is sleeping upstairs.",
    "What time does the pharmacy on Main Street close tonight?",
    "Alex said the election results would be in by Friday.",
    "My sister Alexandra lives in Alexandria.",
    "Hey, did you remember to call the dentist about Thursday?",
)
WAKE_LEAD = 1.0
WAKE_TAIL = 1.5


@dataclass(frozen=True)
class Clip:
    """A generated WAV file and, for speech, where the speech lies in it."""

    name: str
    path: Path
    rate: int
    width: int
    channels: int
    speech: tuple[float, float] | None = None

    def frames(self) -> bytes:
        """Return the raw PCM of the whole clip."""
        with wave.open(str(self.path), "rb") as wav:
            return wav.readframes(wav.getnframes())


@dataclass
class Clips:
    """Every generated clip, by kind."""

    speech: list[Clip] = field(default_factory=list)
    noise: list[Clip] = field(default_factory=list)
    root: Path = Path()

    def convert(self, clip: Clip, rate: int, channels: int, bits: int = 16) -> Clip:
        """Return `clip` resampled and remixed by sox (timing is unchanged)."""
        out = self.root / f"{clip.name}-{rate}-{channels}-{bits}.wav"
        if not out.exists():
            _run("sox", clip.path, "-r", rate, "-c", channels, "-b", bits, out)
        return Clip(clip.name, out, rate, bits // 8, channels, clip.speech)


def _run(*args: object) -> None:
    subprocess.run([str(arg) for arg in args], check=True, capture_output=True)


def _write_wav(path: Path, frames: bytes, rate: int = 16_000) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    """Speech framed by silence, plain silence, noises and a tone, at 16 kHz."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.skip("espeak-ng and sox generate the test audio")
    root = tmp_path_factory.mktemp("audio")
    result = Clips(root=root)
    for index, (voice, text) in enumerate(PHRASES):
        raw = root / f"espeak-{index}.wav"
        mono = root / f"espeak-{index}-16k.wav"
        _run("espeak-ng", "-v", voice, "-w", raw, text)
        _run("sox", raw, "-r", 16_000, "-c", 1, "-b", 16, mono)
        with wave.open(str(mono), "rb") as wav:
            speech = wav.readframes(wav.getnframes())
        lead = bytes(int(LEAD_SILENCE * 16_000) * 2)
        tail = bytes(int(TAIL_SILENCE * 16_000) * 2)
        path = root / f"speech-{index}.wav"
        _write_wav(path, lead + speech + tail)
        start = LEAD_SILENCE
        end = start + len(speech) / 2 / 16_000
        result.speech.append(Clip(f"speech-{index}", path, 16_000, 2, 1, (start, end)))
    silence = root / "silence.wav"
    _write_wav(silence, bytes(NOISE_SECONDS * 16_000 * 2))
    result.noise.append(Clip("silence", silence, 16_000, 2, 1))
    for noise in NOISES:
        name = noise.replace(" ", "")
        path = root / f"{name}.wav"
        _run(
            "sox", "-n", "-r", 16_000, "-c", 1, "-b", 16, path,
            "synth", NOISE_SECONDS, *noise.split(),
        )  # fmt: skip
        result.noise.append(Clip(name, path, 16_000, 2, 1))
    return result


@dataclass
class WakeClips:
    """Spoken "Alexa, ..." requests and other sentences, in several voices."""

    alexa: list[Clip] = field(default_factory=list)
    other: list[Clip] = field(default_factory=list)


def _room_floor(seconds: float) -> bytes:
    """A quiet room: a few steps of noise, as a real microphone never gives zeros.

    The wake-word front end adapts to digital silence in a way no room causes,
    which would make the catch count depend on it rather than on the voices.
    """
    rng = random.Random(0)
    return array(
        "h", (rng.randint(-4, 4) for _ in range(int(seconds * 16_000)))
    ).tobytes()


def _spoken(root: Path, name: str, voice: str, text: str, floor: bytes) -> Clip:
    """`text` spoken by espeak-ng at 16 kHz mono, framed by a quiet room."""
    raw, mono = root / f"{name}-raw.wav", root / f"{name}-16k.wav"
    _run("espeak-ng", "-v", voice, "-w", raw, text)
    _run("sox", raw, "-r", 16_000, "-c", 1, "-b", 16, mono)
    with wave.open(str(mono), "rb") as wav:
        speech = wav.readframes(wav.getnframes())
    path = root / f"{name}.wav"
    lead = floor[: int(WAKE_LEAD * 16_000) * 2]
    _write_wav(path, lead + speech + floor[: int(WAKE_TAIL * 16_000) * 2])
    end = WAKE_LEAD + len(speech) / 2 / 16_000
    return Clip(name, path, 16_000, 2, 1, (WAKE_LEAD, end))


@pytest.fixture(scope="session")
def wake_clips(tmp_path_factory: pytest.TempPathFactory) -> WakeClips:
    """Every wake phrase and every other sentence in every wake-test voice."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.skip("espeak-ng and sox generate the test audio")
    root = tmp_path_factory.mktemp("wake")
    floor = _room_floor(max(WAKE_LEAD, WAKE_TAIL))
    result = WakeClips()
    for v, voice in enumerate(WAKE_VOICES):
        for p, text in enumerate(ALEXA_PHRASES):
            result.alexa.append(_spoken(root, f"alexa-{v}-{p}", voice, text, floor))
        for p, text in enumerate(OTHER_PHRASES):
            result.other.append(_spoken(root, f"other-{v}-{p}", voice, text, floor))
    return result


class ClipHandler(AsyncEventHandler):
    """A Wyoming mic server connection: streams a clip, as wyoming-mic-external does."""

    def __init__(
        self,
        server: ClipServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        super().__init__(reader, writer)
        self.server = server
        self.received: list[Event] = []
        self._task = asyncio.create_task(self._stream())
        server.streams.append(self._task)

    async def run(self) -> None:
        """Serve until the client leaves; a client closing with data unread resets."""
        with contextlib.suppress(ConnectionError):
            await super().run()

    async def handle_event(self, event: Event) -> bool:
        """Record whatever the client sends (a mic server needs nothing)."""
        self.received.append(event)
        self.server.received.append(event)
        return True

    async def disconnect(self) -> None:
        """Stop streaming and close our side when the client goes away."""
        self._task.cancel()
        self.writer.close()

    async def _stream(self) -> None:
        server = self.server
        clip = server.clip
        frames = server.frames
        step = server.samples_per_chunk * clip.width * clip.channels
        with contextlib.suppress(ConnectionError, RuntimeError):
            if server.held:
                await server.release.wait()
            await self.write_event(
                AudioStart(clip.rate, clip.width, clip.channels).event()
            )
            while True:
                for offset in range(0, len(frames), step):
                    chunk = AudioChunk(
                        clip.rate,
                        clip.width,
                        clip.channels,
                        frames[offset : offset + step],
                    )
                    await self.write_event(chunk.event())
                    if server.pace:
                        await asyncio.sleep(server.pace)
                if not server.repeat:
                    break
            if server.send_stop:
                await self.write_event(AudioStop().event())
            if server.close_after:
                self.writer.close()


@dataclass
class ClipServer:
    """A real Wyoming TCP server on loopback that streams one clip per client."""

    clip: Clip
    port: int = 0
    repeat: bool = False
    pace: float = 0.0
    send_stop: bool = True
    close_after: bool = False
    held: bool = False
    samples_per_chunk: int = 1024
    received: list[Event] = field(default_factory=list)
    streams: list[asyncio.Task[None]] = field(default_factory=list)
    connections: int = 0
    _server: AsyncTcpServer | None = None

    def __post_init__(self) -> None:
        self.frames = self.clip.frames()
        # While held, connections are accepted but nothing is streamed.
        self.release = asyncio.Event()

    async def start(self) -> None:
        """Listen on 127.0.0.1 (on the same port when restarted)."""
        self._server = AsyncTcpServer("127.0.0.1", self.port)
        await self._server.start(self._handler)
        assert self._server._server is not None
        self.port = self._server._server.sockets[0].getsockname()[1]

    def _handler(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> ClipHandler:
        self.connections += 1
        return ClipHandler(self, reader, writer)

    async def stop(self) -> None:
        """Close the listening socket and every connection."""
        server, self._server = self._server, None
        if server is None:
            return
        handlers = list(server._handlers)
        await server.stop()
        assert server._server is not None
        await server._server.wait_closed()
        for task in self.streams:
            task.cancel()
        await asyncio.wait([*handlers, *self.streams] or [asyncio.sleep(0)])
        self.streams.clear()


@pytest.fixture
async def clip_server(
    socket_enabled: None,
) -> AsyncIterator[Callable[..., Any]]:
    """Start Wyoming clip servers; all are stopped after the test."""
    servers: list[ClipServer] = []

    async def _start(clip: Clip, **kwargs: Any) -> ClipServer:
        server = ClipServer(clip, **kwargs)
        await server.start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        await server.stop()


class PrivacyProbe:
    """Record file opens for writing and outgoing connections while active.

    Built on an audit hook: hooks cannot be removed, so it is installed once
    and does nothing outside `watching()`.
    """

    _installed = False

    def __init__(self) -> None:
        self.active = False
        self.writes: list[str] = []
        self.connects: list[Any] = []

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = args
            # A number is a descriptor already open (a pipe to ffmpeg): a path
            # opened during the session would have been seen by name.
            if not isinstance(path, int) and _opens_for_writing(mode, flags):
                self.writes.append(str(path))
        elif event == "socket.connect":
            self.connects.append(args[1])

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Record during the `with` block."""
        if not PrivacyProbe._installed:
            sys.addaudithook(_PROBE._hook)
            PrivacyProbe._installed = True
        self.writes.clear()
        self.connects.clear()
        self.active = True
        try:
            yield
        finally:
            self.active = False


def _opens_for_writing(mode: object, flags: object) -> bool:
    if isinstance(mode, str):
        return any(letter in mode for letter in "wax+")
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    return isinstance(flags, int) and bool(flags & write_flags)


_PROBE = PrivacyProbe()


@pytest.fixture
def privacy_probe() -> PrivacyProbe:
    """The process-wide privacy probe."""
    return _PROBE
