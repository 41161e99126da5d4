"""A real Home Assistant in this process, with the demo house, for the benches.

It is the instance the test plugin gives its ``hass`` fixture
(``async_test_home_assistant``), without pytest: registries are in memory, the
storage helper writes to a temporary configuration directory, the state machine,
event bus, services, config entries and entity platforms are Home Assistant's own.
As in the plugin's tests (its ``disable_http_server`` fixture), the HTTP server
that media players depend on is set up but binds no port.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import logging
from pathlib import Path
import sys
import tempfile
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

ROOT = Path(__file__).resolve().parents[1]
DEMO_COMPONENTS = ROOT / "scripts/demo_config/custom_components"


def use_checkout() -> None:
    """Let Home Assistant find this checkout's integration and the demo house.

    ``custom_components`` is imported from the repository root before anything
    else can put another package of that name first on the path.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import custom_components

    if str(DEMO_COMPONENTS) not in custom_components.__path__:
        custom_components.__path__.append(str(DEMO_COMPONENTS))


@asynccontextmanager
async def running_hass() -> AsyncIterator[HomeAssistant]:
    """Yield a running Home Assistant; unload every entry and stop it at the end."""
    use_checkout()
    from homeassistant import loader
    from homeassistant.helpers import frame
    from pytest_homeassistant_custom_component.common import (
        async_test_home_assistant,
    )

    # Home Assistant's own info logs (integration set-up) would drown the figures.
    logging.basicConfig(level=logging.WARNING)
    # Warnings about custom integrations and a slower zlib, every run: known.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    logging.getLogger("aiohttp_fast_zlib").setLevel(logging.ERROR)
    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-") as config_dir,
        # Set up, but listening on no port: a Home Assistant of the developer's
        # own may be on 8123, and a benchmark has no business opening one.
        patch("homeassistant.components.http.HomeAssistantHTTP.async_bind"),
        patch("homeassistant.components.http.HomeAssistantHTTP.start"),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            frame.async_setup(hass)
            # The test instance starts with custom integrations off; this is what
            # the plugin's enable_custom_integrations fixture does.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            try:
                yield hass
            finally:
                for entry in hass.config_entries.async_entries():
                    if entry.state is ConfigEntryState.LOADED:
                        await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)


async def async_setup_house(
    hass: HomeAssistant,
    speakers: list[dict[str, Any]],
    *,
    people: tuple[str, ...] = ("Alice", "Bob"),
    delay: float = 0.0,
    reboot_seconds: float | None = None,
    guard: bool = False,
) -> None:
    """Set up the home zone, the demo house and a person per phone.

    ``reboot_seconds`` is how long a device the ``privacy_demo.reboot`` action
    reboots stays unavailable (the demo's own default when None). With
    ``guard``, the demo house sets Privacy Guard up through its config flow and
    one speaker subentry flow per speaker. Everyone is at home.
    """
    from homeassistant.setup import async_setup_component
    from homeassistant.util import slugify

    demo: dict[str, Any] = {
        "speakers": speakers,
        "people": list(people),
        "delay": delay,
        "guard": guard,
    }
    if reboot_seconds is not None:
        demo["reboot_seconds"] = reboot_seconds
    assert await async_setup_component(hass, "zone", {})
    assert await async_setup_component(hass, "privacy_demo", {"privacy_demo": demo})
    assert await async_setup_component(
        hass,
        "person",
        {
            "person": [
                {
                    "name": person,
                    "id": slugify(person),
                    "device_trackers": [f"device_tracker.{slugify(person)}_phone"],
                }
                for person in people
            ]
        },
    )
    await hass.async_block_till_done()


def entity_id_of(hass: HomeAssistant, unique_id: str, domain: str) -> str:
    """Return the entity id Privacy Guard registered under ``unique_id``."""
    from homeassistant.helpers import entity_registry as er

    entity_id = er.async_get(hass).async_get_entity_id(
        domain, "privacy_guard", unique_id
    )
    if entity_id is None:
        raise LookupError(f"no {domain} entity with unique id {unique_id}")
    return entity_id


def watched_house(
    names: list[str], slugs: list[str], sensors: list[str], *, debounce: float
) -> Any:
    """Return the house entry guarding every demo speaker, watched by traffic.

    Each speaker is muted, mic-muted and blocked when guarded, and counted
    through its traffic sensor with the Echo profile.
    """
    from homeassistant.config_entries import ConfigSubentryData
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    return MockConfigEntry(
        domain="privacy_guard",
        title="Home",
        data={"presence_mode": "zone", "zone": "zone.home", "presence_entities": []},
        options={"debounce": debounce},
        subentries_data=[
            ConfigSubentryData(
                data={
                    "media_player": f"media_player.{slug}",
                    "mic_switch": f"switch.{slug}_microphone_mute",
                    "network_switch": f"switch.{slug}_internet_access",
                    "network_on_means": "allowed",
                    "actions": ["mute_media", "mic_mute", "network_block"],
                    "enforce": False,
                    "traffic_entity": sensor,
                    "profile": "amazon_echo",
                },
                subentry_type="speaker",
                title=name,
                unique_id=f"media_player.{slug}",
            )
            for name, slug, sensor in zip(names, slugs, sensors, strict=True)
        ],
    )
