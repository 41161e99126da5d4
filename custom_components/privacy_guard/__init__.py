"""Privacy Guard: watch smart speakers and cut them off when privacy is wanted."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .guard import Guard, async_restore_all
from .ledger import Ledger
from .monitor import HouseMonitor
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


@dataclass(kw_only=True, slots=True)
class PrivacyGuardData:
    """What a loaded house entry holds."""

    guard: Guard
    ledger: Ledger
    monitor: HouseMonitor


type PrivacyGuardConfigEntry = ConfigEntry[PrivacyGuardData]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions once, for every house."""
    async_setup_services(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> bool:
    """Load the ledger, start the guard and its entities."""
    ledger = Ledger(hass, entry.entry_id)
    await ledger.async_load()
    guard = Guard(hass, entry, ledger)
    monitor = HouseMonitor(hass, entry.entry_id, guard)
    entry.runtime_data = PrivacyGuardData(guard=guard, ledger=ledger, monitor=monitor)
    await monitor.async_start()
    # The house device comes first: speaker devices hang off it.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="Privacy Guard",
        model="House",
        entry_type=dr.DeviceEntryType.SERVICE,
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await guard.async_start()
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    return True


async def _async_update_listener(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> None:
    """Reload after options, reconfiguration or a speaker changed.

    The ledger survives the reload, so nothing engaged is forgotten.
    """
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> bool:
    """Stop the guard; what it engaged stays engaged and recorded."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.monitor.async_stop()
        await entry.runtime_data.guard.async_stop()
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> None:
    """Give back everything the guard changed before the house is forgotten."""
    ledger = Ledger(hass, entry.entry_id)
    await ledger.async_load()
    await async_restore_all(hass, ledger)
