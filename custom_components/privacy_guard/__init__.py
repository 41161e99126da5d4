"""Privacy Guard: watch smart speakers and cut them off when privacy is wanted."""

from __future__ import annotations

# Home Assistant 2026.10 defines it in http.server; 2026.2 in http itself.
from homeassistant.components.http import (  # type: ignore[attr-defined]
    StaticPathConfig,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.typing import ConfigType

from .audio.sources import redact_ffmpeg_logs
from .blocking import DEFAULT_VOICE_PATTERNS, DnsBackends
from .blueprints import async_install_blueprints
from .const import (
    CONF_DASHBOARD,
    CONF_DNS_INTERVAL,
    CONF_VOICE_PATTERNS,
    DEFAULT_DNS_INTERVAL,
    DOMAIN,
    LOGGER,
    NetworkBackend,
)
from .dashboard import async_register_dashboard
from .exposure import ExposureTracker
from .giveback import async_restore_all
from .guard import Guard
from .house_view import HouseView
from .ledger import Ledger
from .monitor import HouseMonitor
from .probe import SelfTester
from .probe_play import CLIP_DIR, CLIP_URL
from .records import DNS_KINDS
from .room import Rooms
from .runtime import PrivacyGuardConfigEntry, PrivacyGuardData
from .services import async_setup_services
from .signals import signal_dns_changed, signal_dns_queries
from .weekly import WeeklyReport

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions once, for every house, and offer the blueprints."""
    async_setup_services(hass)
    # ha-ffmpeg logs a room's stream URL, password and all, at debug level.
    redact_ffmpeg_logs()
    if "http" in hass.config.components:
        # The self-test's clips, for players that cannot reach a TTS engine.
        try:
            await hass.http.async_register_static_paths(
                [StaticPathConfig(CLIP_URL, str(CLIP_DIR), cache_headers=True)]
            )
        except RuntimeError as err:
            # A server whose routes are frozen (aiohttp's test server; Home
            # Assistant's own accepts routes after start): probes need a TTS
            # engine there.
            LOGGER.warning("The self-test's probe clips cannot be served: %s", err)
    try:
        await async_install_blueprints(hass)
    except OSError as err:
        LOGGER.warning("Could not install the blueprints: %s", err)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> bool:
    """Load the ledger, start the guard and its entities."""
    # Listen for changes before anything reads the speakers and rooms: a part
    # added while set-up runs reloads the house once set-up ends (the reload
    # waits for it), instead of being missed until the next one.
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    ledger = Ledger(hass, entry.entry_id)
    await ledger.async_load()
    backends = dns_backends(hass, entry)
    guard = Guard(hass, entry, ledger, backends)
    monitor = HouseMonitor(
        hass,
        entry.entry_id,
        {speaker_id: speaker.config for speaker_id, speaker in guard.speakers.items()},
        ledger,
        DEFAULT_VOICE_PATTERNS + tuple(entry.options.get(CONF_VOICE_PATTERNS, ())),
    )
    # The house device comes first: speaker devices hang off it.
    house_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="Privacy Guard",
        model="House",
        entry_type=dr.DeviceEntryType.SERVICE,
    )
    rooms = Rooms(hass, entry, guard.speakers, monitor)
    view = HouseView(guard, monitor)
    exposure = ExposureTracker(
        hass,
        entry.entry_id,
        view.configs,
        view.speaker,
        lambda: view.house_empty,
        room_ids=rooms.rooms,
        heard=lambda room_id: (
            rooms.rooms[room_id].connected and rooms.rooms[room_id].speech
        ),
    )
    self_tester = SelfTester(hass, entry, view, monitor, rooms)
    entry.runtime_data = PrivacyGuardData(
        guard=guard,
        view=view,
        exposure=exposure,
        ledger=ledger,
        monitor=monitor,
        backends=backends,
        rooms=rooms,
        self_tester=self_tester,
        house_device_id=house_device.id,
    )
    for speaker in guard.speakers.values():
        config = speaker.config
        if config.ip_address and (backend := backends.get(config.network_backend)):
            backend.clients.add(config.ip_address)
    # What the filters' polls find reaches the guard and the monitor as signals,
    # connected before the first poll.
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, signal_dns_changed(entry.entry_id), guard.async_backend_changed
        )
    )
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, signal_dns_queries(entry.entry_id), monitor.async_dns
        )
    )
    # Each part is stopped when the entry unloads, and also when a later step
    # of this set-up fails or is cancelled (Home Assistant runs the same
    # callbacks then), so no timer or listener outlives a failed set-up. The
    # monitor's stop saves its counters: registered only once they are loaded.
    entry.async_on_unload(backends.async_stop)
    await backends.async_start()
    await monitor.async_start()
    entry.async_on_unload(monitor.async_stop)
    # The clocks before their sensors: a sensor never shows 0 for a moment.
    await exposure.async_load()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await guard.async_start()
    entry.async_on_unload(guard.async_stop)
    await exposure.async_start()
    entry.async_on_unload(exposure.async_stop)
    entry.async_on_unload(rooms.async_stop)
    await rooms.async_start()
    await self_tester.async_start()
    entry.async_on_unload(self_tester.async_stop)
    weekly = WeeklyReport(hass, entry)
    weekly.async_start()
    entry.async_on_unload(weekly.async_stop)
    if entry.options.get(CONF_DASHBOARD, True):
        async_register_dashboard(hass, entry)
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
    """Stop the guard; what it engaged stays engaged and recorded.

    The parts themselves are stopped by the callbacks set-up registered.
    """
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> None:
    """Give back everything the guard changed before the house is forgotten."""
    ledger = Ledger(hass, entry.entry_id)
    await ledger.async_load()
    backends = dns_backends(hass, entry)
    for records in ledger.records.values():
        for record in records.values():
            if (kind := record.spec.kind) in DNS_KINDS and (
                backend := backends.get(NetworkBackend(kind))
            ):
                backend.clients.add(record.spec.target)
    await backends.async_poll()
    await async_restore_all(hass, ledger, backends)
    await backends.async_close()


def dns_backends(hass: HomeAssistant, entry: ConfigEntry) -> DnsBackends:
    """Return the DNS filters configured in the house options."""
    settings = {
        kind: entry.options[kind]
        for kind in (NetworkBackend.ADGUARD, NetworkBackend.PIHOLE)
        if entry.options.get(kind)
    }
    return DnsBackends(
        hass,
        entry,
        settings,
        float(entry.options.get(CONF_DNS_INTERVAL, DEFAULT_DNS_INTERVAL)),
        DEFAULT_VOICE_PATTERNS + tuple(entry.options.get(CONF_VOICE_PATTERNS, ())),
    )
