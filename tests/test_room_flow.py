"""Adding and changing room microphones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

BASE: dict[str, Any] = {
    "name": "Living room",
    "source": "wyoming",
    "host": "127.0.0.1",
    "speakers": ["kitchen_echo_id"],
    "vad_threshold": 0.6,
    "hangover": 1.0,
    "wake_words": ["okay_nabu", "alexa"],
}


@pytest.fixture
async def wyoming_port(socket_enabled: None) -> AsyncIterator[int]:
    """A TCP server on loopback that accepts connections (and says nothing)."""

    async def _accept(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(_accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def start_room_flow(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "room"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    options = result["data_schema"].schema["speakers"].config["options"]
    assert {option["label"] for option in options} == {"Kitchen Echo", "Bedroom Nest"}
    return result


async def test_room_flow_errors_then_create(
    hass: HomeAssistant, init_integration: MockConfigEntry, wyoming_port: int
) -> None:
    """Every error path, then a Wyoming room is saved with typed values."""
    result = await start_room_flow(hass, init_integration)
    hass.states.async_set("camera.porch", "idle")
    for user_input, errors in (
        ({"host": " "}, {"host": "host_required"}),
        ({"host": "mic.local -x"}, {"host": "invalid_host"}),
        ({"host": "mic.local\n127.0.0.1"}, {"host": "invalid_host"}),
        ({"port": 1}, {"base": "cannot_connect"}),
        ({"source": "url", "url": "ftp://example.org/a"}, {"url": "invalid_url"}),
        ({"source": "url"}, {"url": "invalid_url"}),
        # More than one URL: words ffmpeg would take as an output of its own.
        (
            {
                "source": "url",
                "url": "http://cam.local/in.wav -f wav -y /config/www/stored.wav",
            },
            {"url": "invalid_url"},
        ),
        (
            {"source": "camera", "camera": "camera.nowhere"},
            {"camera": "entity_not_found"},
        ),
        (
            {"source": "camera", "speakers": []},
            {"camera": "entity_not_found", "speakers": "no_speakers"},
        ),
        (
            {"probe_player": "media_player.nowhere"},
            {"probe_player": "entity_not_found"},
        ),
    ):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**BASE, "port": wyoming_port, **user_input}
        )
        assert result["type"] is FlowResultType.FORM, user_input
        assert result["errors"] == errors, user_input
    hass.states.async_set("media_player.kitchen_radio", "idle")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {**BASE, "port": wyoming_port, "probe_player": "media_player.kitchen_radio"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "source": "wyoming",
        "host": "127.0.0.1",
        "port": wyoming_port,
        "speakers": ["kitchen_echo_id"],
        "vad_threshold": 0.6,
        "hangover": 1.0,
        "wake_words": ["alexa", "okay_nabu"],
        "probe_player": "media_player.kitchen_radio",
    }


async def test_room_flow_url_and_camera(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Stream and camera rooms need no server to be reachable at set-up."""
    hass.states.async_set("camera.porch", "idle")
    for extra, stored in (
        (
            {"source": "url", "url": " rtsp://cam.local/live "},
            {"url": "rtsp://cam.local/live"},
        ),
        ({"source": "camera", "camera": "camera.porch"}, {"camera": "camera.porch"}),
    ):
        result = await start_room_flow(hass, init_integration)
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**BASE, "name": str(extra["source"]), **extra}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert {k: result["data"][k] for k in stored} == stored
        await hass.async_block_till_done()


async def test_room_reconfigure(
    hass: HomeAssistant, init_integration: MockConfigEntry, wyoming_port: int
) -> None:
    """A room's source and speakers can change; errors are shown first."""
    result = await start_room_flow(hass, init_integration)
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**BASE, "port": wyoming_port}
    )
    await hass.async_block_till_done()
    room_id = next(
        sid
        for sid, sub in init_integration.subentries.items()
        if sub.subentry_type == "room"
    )
    result = await init_integration.start_subentry_reconfigure_flow(hass, room_id)
    assert result["step_id"] == "reconfigure"
    changed = {k: v for k, v in BASE.items() if k != "name"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**changed, "port": wyoming_port, "speakers": []}
    )
    assert result["errors"] == {"speakers": "no_speakers"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {**changed, "port": wyoming_port, "speakers": ["bedroom_nest_id"]},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.subentries[room_id].data["speakers"] == ["bedroom_nest_id"]
    # The change reloads the house and restarts the room's listener.
    await hass.async_block_till_done()
