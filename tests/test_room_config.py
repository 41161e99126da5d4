"""A room microphone's configuration, read from its subentry into one type."""

from __future__ import annotations

from custom_components.privacy_guard.audio.vad import (
    DEFAULT_HANGOVER,
    DEFAULT_THRESHOLD,
)
from custom_components.privacy_guard.const import RoomSource
from custom_components.privacy_guard.room import RoomConfig


def test_a_wyoming_room_is_read_with_its_defaults() -> None:
    config = RoomConfig.from_data({"source": "wyoming", "host": "mic", "port": "10700"})
    assert config == RoomConfig(RoomSource.WYOMING, host="mic", port=10700)
    assert config.vad_threshold == DEFAULT_THRESHOLD
    assert config.hangover == DEFAULT_HANGOVER


def test_a_stream_or_a_camera_room() -> None:
    url = RoomConfig.from_data(
        {"source": "url", "url": "rtsp://cam.local/live", "vad_threshold": 0.6}
    )
    assert (url.source, url.url, url.vad_threshold) == (
        RoomSource.URL,
        "rtsp://cam.local/live",
        0.6,
    )
    camera = RoomConfig.from_data({"source": "camera", "camera": "camera.hall"})
    assert (camera.source, camera.camera, camera.host) == (
        RoomSource.CAMERA,
        "camera.hall",
        None,
    )
