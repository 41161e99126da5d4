"""The Privacy Guard dashboard, served to the frontend by a real Home Assistant."""

from __future__ import annotations

from typing import Any

from homeassistant.components import frontend
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.privacy_guard.dashboard import URL_PATH, PrivacyDashboard

from .audio.test_room import room_subentry
from .conftest import HouseFactory, house_entry, speaker_subentry

# Nothing listens on port 9: the room is shown, its source not connected.
ROOM = room_subentry(port=9)


async def start(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    *,
    options: dict[str, Any] | None = None,
    rooms: bool = False,
    house: bool = True,
) -> MockConfigEntry:
    """Set up Lovelace, the demo house and Privacy Guard with two speakers."""
    assert await async_setup_component(hass, "lovelace", {})
    if house:
        await setup_house()
    entry = house_entry(
        [
            speaker_subentry("Kitchen Echo", plug=True),
            speaker_subentry("Bedroom Nest", actions=("mute_media", "mic_mute")),
            *([ROOM] if rooms else []),
        ],
        options={"debounce": 120, **(options or {})},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def load(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, url_path: str = URL_PATH
) -> dict[str, Any]:
    """Ask for a dashboard as the frontend does."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "lovelace/config", "url_path": url_path})
    response: dict[str, Any] = await client.receive_json()
    return response


def named_devices(hass: HomeAssistant, config: Any) -> Any:
    """Replace device ids (new in every run) by device names."""
    if isinstance(config, dict):
        return {key: named_devices(hass, value) for key, value in config.items()}
    if isinstance(config, list):
        return [named_devices(hass, value) for value in config]
    if isinstance(config, str) and config.startswith("/config/devices/device/"):
        device = dr.async_get(hass).async_get(config.rsplit("/", 1)[-1])
        assert device is not None, config
        return f"/config/devices/device/<{device.name}>"
    return config


def tiles(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every tile card of the dashboard."""
    return [
        card
        for view in config["views"]
        for section in view["sections"]
        for card in section["cards"]
        if card["type"] == "tile"
    ]


async def test_the_dashboard_is_served_in_the_sidebar(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_ws_client: WebSocketGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """House, speakers and a room, uploads by verdict and the latest ones."""
    updated = async_capture_events(hass, "lovelace_updated")
    await start(hass, setup_house, rooms=True)
    panel = hass.data[frontend.DATA_PANELS][URL_PATH]
    assert panel.component_name == "lovelace"
    assert panel.sidebar_title == "Privacy Guard"
    assert panel.config == {"mode": "yaml"}
    assert [event.data for event in updated] == [{"url_path": URL_PATH}]

    response = await load(hass, hass_ws_client)
    assert response["success"], response
    config = response["result"]
    assert named_devices(hass, config) == snapshot
    # Every tile shows an entity that exists, and each switch has its toggle.
    for tile in tiles(config):
        assert hass.states.get(tile["entity"]) is not None, tile
        assert ("features" in tile) == tile["entity"].startswith("switch."), tile
    # Every heading with a device link leads to a Privacy Guard device.
    devices = named_devices(hass, config)
    headings = [
        card
        for section in devices["views"][0]["sections"]
        for card in section["cards"]
        if card["type"] == "heading"
    ]
    assert [card["tap_action"]["navigation_path"] for card in headings] == [
        "/config/devices/device/<Home>",
        "/config/devices/device/<Kitchen Echo>",
        "/config/devices/device/<Bedroom Nest>",
        "/config/devices/device/<Living room>",
    ]


async def test_the_dashboard_follows_the_entity_registry(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_ws_client: WebSocketGenerator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A renamed entity is shown by its new id; a disabled one is left out."""
    await start(hass, setup_house)
    entity_registry.async_update_entity(
        "switch.kitchen_echo_microphone_muted",
        new_entity_id="switch.kitchen_mic_guard",
    )
    entity_registry.async_update_entity(
        "sensor.kitchen_echo_last_upload",
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    await hass.async_block_till_done()
    shown = [
        tile["entity"] for tile in tiles((await load(hass, hass_ws_client))["result"])
    ]
    assert "switch.kitchen_mic_guard" in shown
    assert "switch.kitchen_echo_microphone_muted" not in shown
    assert "sensor.kitchen_echo_last_upload" not in shown
    assert "sensor.bedroom_nest_last_upload" in shown


async def test_headings_in_the_users_language(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """German: the views and headings are German, the names stay names."""
    hass.config.language = "de"
    await start(hass, setup_house)
    config = (await load(hass, hass_ws_client))["result"]
    assert [view["title"] for view in config["views"]] == ["Lautsprecher", "Uploads"]
    uploads = config["views"][1]["sections"]
    assert [section["cards"][0]["heading"] for section in uploads] == [
        "Diese Woche",
        "Letzte Uploads",
        "Kitchen Echo",
        "Bedroom Nest",
    ]
    kitchen = uploads[2]["cards"]
    assert [card.get("title") for card in kitchen[1:3]] == [
        "Uploads pro Tag",
        "Offen und geschützt pro Tag",
    ]
    assert kitchen[3]["name"] == "Uploads · Diese Woche"


async def test_the_option_turns_it_off_and_unloading_removes_it(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Without the option, or once the house unloads, there is no dashboard."""
    entry = await start(hass, setup_house, options={"dashboard": False})
    assert URL_PATH not in hass.data.get(frontend.DATA_PANELS, {})
    response = await load(hass, hass_ws_client)
    assert not response["success"]
    assert response["error"]["code"] == "config_not_found"

    hass.config_entries.async_update_entry(entry, options={"debounce": 120})
    await hass.async_block_till_done()
    assert URL_PATH in hass.data[frontend.DATA_PANELS]
    assert (await load(hass, hass_ws_client))["success"]

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert URL_PATH not in hass.data[frontend.DATA_PANELS]
    assert not (await load(hass, hass_ws_client))["success"]


async def test_another_dashboard_at_the_address_is_kept(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A user's own dashboard at /privacy-guard wins; the guard says so."""
    # The house before the client: a client starts the HTTP server.
    await setup_house()
    for component in ("lovelace", "repairs"):
        assert await async_setup_component(hass, component, {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "lovelace/dashboards/create",
            "url_path": URL_PATH,
            "title": "Mine",
        }
    )
    assert (await client.receive_json())["success"]
    await start(hass, setup_house, house=False)
    assert "Another dashboard is at /privacy-guard" in caplog.text
    assert hass.data[frontend.DATA_PANELS][URL_PATH].sidebar_title == "Mine"
    response = await load(hass, hass_ws_client)
    assert response["error"]["code"] == "config_not_found"  # theirs, still empty


async def test_without_lovelace_nothing_is_served(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """No Lovelace (a stripped configuration): the house runs, no dashboard."""
    assert "lovelace" not in hass.config.components
    assert URL_PATH not in hass.data.get(frontend.DATA_PANELS, {})


async def test_info_and_save(hass: HomeAssistant, setup_house: HouseFactory) -> None:
    """The info counts its views; it cannot be saved over (read only)."""
    await start(hass, setup_house)
    dashboard = hass.data[LOVELACE_DATA].dashboards[URL_PATH]
    assert isinstance(dashboard, PrivacyDashboard)
    assert dashboard.url_path == URL_PATH
    assert await dashboard.async_get_info() == {
        "mode": "yaml",
        "resources": 0,
        "views": 2,
    }
    with pytest.raises(HomeAssistantError):
        await dashboard.async_save({"views": []})


async def test_a_house_without_speakers(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """No speaker yet: the house alone, and no card the frontend would refuse."""
    assert await async_setup_component(hass, "lovelace", {})
    await setup_house()
    entry = house_entry([])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    config = (await load(hass, hass_ws_client))["result"]
    speakers, uploads = config["views"]
    assert len(speakers["sections"]) == 1
    assert [
        [card["type"] for card in section["cards"]] for section in uploads["sections"]
    ] == [["heading", *["statistic"] * 6], ["heading"]]
