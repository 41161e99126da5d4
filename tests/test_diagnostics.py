"""Diagnostics redact what identifies the house and its devices."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props
from syrupy.matchers import path_type

from .conftest import HouseFactory, speaker_subentry
from .helpers import switch


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_house: HouseFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """The ledger and views are there; IP and MAC addresses are not."""
    await setup_house([{"name": "Kitchen Echo"}])
    entry = MockConfigEntry(
        domain="privacy_guard",
        title="Home",
        data={"presence_mode": "zone", "zone": "zone.home", "presence_entities": []},
        options={"debounce": 120},
        subentries_data=[speaker_subentry("Kitchen Echo", ip_address="192.0.2.10")],
        entry_id="house01",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await switch(hass, "switch.home_privacy_mode", True)
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert "192.0.2.10" not in str(result)
    # When the guard engaged is the clock's (a float, as stored).
    engaged_at = {"ledger.engaged_at.kitchen_echo_id": (float,)}
    assert result == snapshot(
        exclude=props("changed_at"), matcher=path_type(engaged_at)
    )
