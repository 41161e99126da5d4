"""Where room audio comes from: a Wyoming mic server, or anything ffmpeg decodes.

Every source yields 16 kHz mono signed 16-bit PCM in pieces of any length and
ends when its stream ends. Audio passes straight through: nothing is logged,
kept or forwarded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib
import ipaddress
import json
import logging
import re
from typing import Final, Protocol
from urllib.parse import urlsplit

from haffmpeg.core import HAFFmpeg  # type: ignore[import-untyped]
from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.core import HomeAssistant
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

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
# A DNS host name: labels of letters, digits and hyphens, separated by dots.
_HOST_NAME: Final = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
# The user and password part of a URL, wherever it stands in a text.
_CREDENTIALS: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'\"]+@")
# What a Wyoming peer may send at once: a header line, its data and a payload
# (an audio chunk is a few kilobytes; a second of 48 kHz stereo is 192 kB).
MAX_WYOMING_HEADER: Final = 64 * 1024
MAX_WYOMING_DATA: Final = 64 * 1024
MAX_WYOMING_PAYLOAD: Final = 1024 * 1024
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
        reader, writer = await asyncio.open_connection(
            self.host, self.port, limit=MAX_WYOMING_HEADER
        )
        converter = PcmConverter(VAD_FORMAT)
        try:
            while (event := await read_bounded_event(reader)) is not None:
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
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def read_bounded_event(reader: asyncio.StreamReader) -> Event | None:
    """Read one Wyoming event, refusing a peer that announces too much.

    The wyoming package reads whatever length a peer announces; a room's peer
    gets a header line, data and payload of bounded size, or the connection is
    dropped. None at the end of the stream.
    """
    try:
        line = await reader.readline()
    except (asyncio.LimitOverrunError, ValueError) as err:
        raise ConnectionError("Wyoming peer sent an overlong header") from err
    if not line:
        return None
    try:
        header = json.loads(line)
    except ValueError as err:
        raise ConnectionError("Wyoming peer sent a malformed header") from err
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise ConnectionError("Wyoming peer sent a malformed header")
    data = header.get("data") or {}
    data_length = _length(header.get("data_length"), MAX_WYOMING_DATA)
    if data_length:
        try:
            extra = json.loads(await reader.readexactly(data_length))
        except ValueError as err:
            raise ConnectionError("Wyoming peer sent malformed data") from err
        if isinstance(data, dict) and isinstance(extra, dict):
            data = {**data, **extra}
    payload_length = _length(header.get("payload_length"), MAX_WYOMING_PAYLOAD)
    payload = await reader.readexactly(payload_length) if payload_length else None
    return Event(type=header["type"], data=data, payload=payload)


def _length(value: object, limit: int) -> int:
    """Return an announced length, refusing one that is not a sane size."""
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise ConnectionError(
            f"Wyoming peer announced {value!r} bytes (at most {limit})"
        )
    return value


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


class RedactUrls(logging.Filter):
    """Hide credentials in URLs of another library's log lines.

    ha-ffmpeg logs the whole ffmpeg command line at debug level, stream URL
    and password included.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with every URL's credentials hidden."""
        message = record.getMessage()
        redacted = redact_url(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact_ffmpeg_logs() -> None:
    """Install ``RedactUrls`` on ha-ffmpeg's logger, once."""
    logger = logging.getLogger("haffmpeg.core")
    if not any(isinstance(f, RedactUrls) for f in logger.filters):
        logger.addFilter(RedactUrls())


def valid_host(host: str) -> bool:
    """Return whether ``host`` is one host name or IP address and nothing else."""
    if not host or len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _HOST_NAME.fullmatch(host) is not None
    return True


def redact_url(text: str) -> str:
    """Hide user and password in any URL inside `text` (quoted or not)."""
    return _CREDENTIALS.sub(r"\1***@", text)
