"""Where room audio comes from: a Wyoming mic server, or anything ffmpeg decodes.

Every source yields 16 kHz mono signed 16-bit PCM in pieces of any length and
ends when its stream ends. Audio passes straight through: nothing is logged,
kept or forwarded.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Final, Protocol
from urllib.parse import urlsplit, urlunsplit

from haffmpeg.core import HAFFmpeg  # type: ignore[import-untyped]
from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.core import HomeAssistant
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient

from .vad import VAD_FORMAT, PcmConverter, PcmFormat

FFMPEG_OUTPUT_ARGS: Final = [
    "-vn",
    "-f",
    "s16le",
    "-acodec",
    "pcm_s16le",
    "-ac",
    "1",
    "-ar",
    "16000",
]
# What a room's stream may be: one URL of these schemes, nothing else.
STREAM_URL_SCHEMES: Final = ("http", "https", "rtsp", "rtsps", "rtmp", "rtmps")
_FFMPEG_READ_BYTES: Final = 4096
_FFMPEG_CLOSE_TIMEOUT: Final = 2


class AudioSource(Protocol):
    """A stream of 16 kHz mono signed 16-bit PCM, opened anew on every call."""

    @property
    def name(self) -> str:
        """Say where the audio comes from, without credentials, for logs."""
        ...

    def stream(self) -> AsyncGenerator[bytes]:
        """Connect and yield PCM until the stream ends; raise if it fails."""
        ...


class WyomingSource:
    """Audio from a Wyoming mic server (such as wyoming-mic-external) over TCP.

    A mic server starts streaming ``audio-start`` and ``audio-chunk`` events as
    soon as a client connects, so nothing is sent to it. ``audio-stop`` ends
    the stream. Each chunk carries its own rate, width and channels and is
    converted accordingly.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    @property
    def name(self) -> str:
        """Say where the audio comes from."""
        return f"wyoming://{self.host}:{self.port}"

    async def stream(self) -> AsyncGenerator[bytes]:
        """Connect and yield converted audio until audio-stop or disconnect."""
        client = AsyncTcpClient(self.host, self.port)
        await client.connect()
        converter = PcmConverter(VAD_FORMAT)
        try:
            while (event := await client.read_event()) is not None:
                if AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    audio_format = PcmFormat(chunk.rate, chunk.width, chunk.channels)
                    if audio_format != converter.source:
                        converter = PcmConverter(audio_format)
                    if pcm := converter.convert(chunk.audio):
                        yield pcm
                elif AudioStart.is_type(event.type):
                    start = AudioStart.from_event(event)
                    # A new stream: the resampler must not blend it with the last.
                    converter = PcmConverter(
                        PcmFormat(start.rate, start.width, start.channels)
                    )
                elif AudioStop.is_type(event.type):
                    return
        finally:
            await client.disconnect()


class FfmpegSource:
    """Audio decoded by ffmpeg from a file, a URL or a camera stream.

    Runs the ffmpeg binary Home Assistant is configured with, through ha-ffmpeg
    as Home Assistant's own ffmpeg sensors do. `input_source` reaches ffmpeg as
    one argument after ``-i``, never split into options: ha-ffmpeg splits a
    multi-word input into raw arguments, which would let a form value add
    outputs (write or send the audio).
    """

    def __init__(self, ffmpeg: HomeAssistant | str, input_source: str) -> None:
        self.binary = (
            ffmpeg if isinstance(ffmpeg, str) else get_ffmpeg_manager(ffmpeg).binary
        )
        self.input_source = input_source

    @property
    def name(self) -> str:
        """Say where the audio comes from, with any password left out."""
        return redact_url(self.input_source)

    async def stream(self) -> AsyncGenerator[bytes]:
        """Start ffmpeg and yield its PCM output until it exits."""
        ffmpeg = HAFFmpeg(self.binary)
        if not await ffmpeg.open(
            cmd=["-i", self.input_source, *FFMPEG_OUTPUT_ARGS],
            input_source=None,
            stdout_pipe=True,
            stderr_pipe=False,
        ):
            raise ConnectionError("ffmpeg did not start")
        try:
            reader = await ffmpeg.get_reader()
            while data := await reader.read(_FFMPEG_READ_BYTES):
                yield data
        finally:
            await ffmpeg.close(timeout=_FFMPEG_CLOSE_TIMEOUT)


def valid_stream_url(url: str) -> bool:
    """Return whether ``url`` is one stream URL and nothing else.

    No whitespace or control characters anywhere (they would separate or hide
    more arguments), a known scheme and a host.
    """
    if not url or any(char.isspace() or not char.isprintable() for char in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in STREAM_URL_SCHEMES and bool(parts.hostname)


def redact_url(text: str) -> str:
    """Hide user and password in any URL inside `text`."""
    words = []
    for word in text.split(" "):
        parts = urlsplit(word)
        if parts.scheme and "@" in parts.netloc:
            host = parts.netloc.rpartition("@")[2]
            words.append(urlunsplit(parts._replace(netloc=f"***@{host}")))
        else:
            words.append(word)
    return " ".join(words)
