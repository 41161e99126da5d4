"""Set-up and unload of Privacy Guard."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.privacy_guard.exposure import ExposureTracker


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The house loads, makes its entities, and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.home_privacy_mode").state == "off"
    assert hass.states.get("sensor.kitchen_echo_privacy_state").state == "open"
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED


async def test_a_room_added_while_the_house_sets_up_is_set_up(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A part added while set-up runs reloads the house once set-up ends.

    Set-up reads the speakers and rooms early; one added before set-up has
    listened for changes would otherwise be missed until the next reload
    (the demo house adds its room right after its speakers).
    """
    load = ExposureTracker.async_load
    added: list[bool] = []

    async def _load_and_add_a_room(tracker: ExposureTracker) -> None:
        if not added:
            added.append(True)
            flow = await hass.config_entries.subentries.async_init(
                (init_integration.entry_id, "room"), context={"source": "user"}
            )
            result = await hass.config_entries.subentries.async_configure(
                flow["flow_id"],
                {
                    "name": "Kitchen",
                    "source": "url",
                    "url": "rtsp://cam.local/live",
                    "speakers": ["kitchen_echo_id"],
                    "vad_threshold": 0.5,
                    "hangover": 0.7,
                    "wake_words": ["alexa"],
                },
            )
            assert result["type"] is FlowResultType.CREATE_ENTRY
        await load(tracker)

    monkeypatch.setattr(ExposureTracker, "async_load", _load_and_add_a_room)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert added
    assert init_integration.state is ConfigEntryState.LOADED
    rooms = init_integration.runtime_data.rooms.rooms
    assert [room.name for room in rooms.values()] == ["Kitchen"]
    assert hass.states.get("binary_sensor.kitchen_speech_heard") is not None
