"""The demo's room microphone: its control channel, and the real server it drives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import os
from pathlib import Path
import shutil
import socket
import sys

import pytest
from wyoming.audio import AudioChunk
from wyoming.client import AsyncTcpClient

from custom_components.privacy_demo.mic import DemoMicrophone
from custom_components.privacy_demo.talk import Activity
from custom_components.privacy_guard.audio.wakeword import WakeWordSpotter

REPO = Path(__file__).parent.parent
PEER = REPO.parent / "shared" / "peers" / "wyoming-mic-external"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def microphone(socket_enabled: None) -> AsyncIterator[DemoMicrophone]:
    mic = DemoMicrophone("127.0.0.1", free_port(), {"Kitchen Echo"})
    await mic.async_start()
    yield mic
    await mic.async_stop()


async def test_the_channel_says_what_the_kitchen_hears(
    microphone: DemoMicrophone,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", microphone.port)
    await asyncio.sleep(0.1)
    microphone.activity("Kitchen Echo", Activity.REQUEST, "alexa")
    microphone.activity("Kitchen Echo", Activity.SILENT, "alexa")
    microphone.activity("Bedroom HomePod", Activity.MISACTIVATION, "hey_siri")
    microphone.activity("Kitchen Echo", Activity.MISACTIVATION, "alexa")
    # A radio in the kitchen plays the probe; the Echo wakes on it at once:
    # one wake word in the room, not two.
    microphone.sound(["Bedroom HomePod"], "hey_siri")
    microphone.sound(["Kitchen Echo"], "okay_nabu")
    microphone.activity("Kitchen Echo", Activity.REQUEST, "okay_nabu")
    # Nobody spoke for the silent upload; the other room is not heard.
    assert await reader.readline() == b"ask alexa\n"
    assert await reader.readline() == b"tv\n"
    assert await reader.readline() == b"ask okay_nabu\n"
    await asyncio.sleep(0.1)
    microphone.activity("Kitchen Echo", Activity.MISACTIVATION, "alexa")
    assert await reader.readline() == b"tv\n"
    writer.close()
    await writer.wait_closed()


@pytest.mark.skipif(
    not (PEER.is_dir() and shutil.which("espeak-ng") and shutil.which("sox")),
    reason="the microphone server, espeak-ng and sox make the room's audio",
)
async def test_the_real_server_plays_a_spottable_request(
    microphone: DemoMicrophone,
) -> None:
    """wyoming-mic-external runs scripts/demo_mic.py: a quiet room, then a
    person's "Alexa, ..." that the room microphone's spotter catches."""
    port = free_port()
    program = (
        f"{sys.executable} {REPO / 'scripts/demo_mic.py'}"
        f" --control 127.0.0.1:{microphone.port}"
    )
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_mic_external", "--program", program,
        "--rate", "16000", "--width", "2", "--channels", "1",
        "--uri", f"tcp://127.0.0.1:{port}",
        env={**os.environ, "PYTHONPATH": str(PEER)},
    )  # fmt: skip
    spotter = WakeWordSpotter(["alexa"])
    try:
        client = AsyncTcpClient("127.0.0.1", port)
        for _ in range(50):
            try:
                await client.connect()
                break
            except OSError:
                await asyncio.sleep(0.1)
        heard: list[str] = []
        seconds = 0.0
        asked = 0
        async with asyncio.timeout(30):
            while not heard:
                event = await client.read_event()
                assert event is not None
                if not AudioChunk.is_type(event.type):
                    continue
                chunk = AudioChunk.from_event(event)
                seconds += len(chunk.audio) / 32_000
                if seconds > 1.0 + 4 * asked:
                    # A person asks (again, should the program not have
                    # connected back to the channel yet).
                    microphone.activity("Kitchen Echo", Activity.REQUEST, "alexa")
                    asked += 1
                heard += spotter.process(chunk.audio)
        assert heard == ["alexa"]
        await client.disconnect()
    finally:
        spotter.close()
        server.terminate()
        await server.wait()
