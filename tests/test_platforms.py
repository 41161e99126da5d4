"""Every entity's registry entry and state, as snapshots."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.privacy_guard.const import DOMAIN

from .conftest import HouseFactory
from .helpers import device_of


@pytest.mark.parametrize(
    "platform",
    [
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.EVENT,
        Platform.SENSOR,
        Platform.SWITCH,
    ],
)
async def test_entities(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """The house and its speakers make exactly these entities."""
    await setup_house()
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.privacy_guard.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        await snapshot_platform(
            hass, entity_registry, snapshot, mock_config_entry.entry_id
        )
    devices = dr.async_entries_for_config_entry(
        device_registry, mock_config_entry.entry_id
    )
    assert sorted(device.name for device in devices) == [
        "Bedroom Nest",
        "Home",
        "Kitchen Echo",
    ]
    house = device_of(device_registry, (DOMAIN, "house01"), "house01")
    assert house is not None
    assert all(
        device.via_device_id == house.id for device in devices if device is not house
    )
    with patch("custom_components.privacy_guard.PLATFORMS", [platform]):
        assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
