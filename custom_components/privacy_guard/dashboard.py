"""The Privacy Guard dashboard: built from the house, in the sidebar, no YAML.

While the house is set up (and the ``dashboard`` option is on, its default),
a dashboard at ``/privacy-guard`` shows it in the current frontend's terms: a
sections view with heading and tile cards. *Speakers*: the house (privacy mode
with a toggle, house empty, the guard and why, protected and exposed counts),
then one section per speaker (protected, privacy state, a tile with a toggle
for each of its switches, uploads, last upload) and per room microphone.
*Uploads*: a history graph of each speaker's uploads by verdict, and a logbook
of the latest uploads with their verdicts.

The configuration is generated each time the frontend asks for it, from the
entity registry, so renamed entities, new speakers and disabled entities are
always current. It is read only (served as a YAML-mode dashboard); a user who
wants their own copies its configuration from the raw editor of a new one.
Headings are translated in the ``selector.dashboard`` strings, the one
free-form translation category open to an integration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import frontend
from homeassistant.components.lovelace.const import LOVELACE_DATA, MODE_YAML
from homeassistant.components.lovelace.dashboard import LovelaceConfig
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import json_bytes, json_fragment
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from .models import PrivacyGuardConfigEntry

URL_PATH: Final = "privacy-guard"
ICON: Final = "mdi:shield-lock"
# A day of uploads in the latest-uploads logbook; half of it in the graphs.
HOURS: Final = 24
GRAPH_HOURS: Final = 12
HEADINGS: Final = ("speakers", "uploads", "house", "rooms", "latest_uploads")

# (platform, key, with a toggle feature) in the order the tiles appear.
HOUSE_TILES: Final = (
    (Platform.SWITCH, "privacy_mode", True),
    (Platform.BINARY_SENSOR, "house_empty", False),
    (Platform.BINARY_SENSOR, "guard_engaged", False),
    (Platform.SENSOR, "guard_reason", False),
    (Platform.SENSOR, "protected_speakers", False),
    (Platform.SENSOR, "exposed_speakers", False),
)
SPEAKER_TILES: Final = (
    (Platform.BINARY_SENSOR, "protected", False),
    (Platform.SENSOR, "privacy_state", False),
    (Platform.SWITCH, "microphone_muted", True),
    (Platform.SWITCH, "network_blocked", True),
    (Platform.SWITCH, "powered_off", True),
    (Platform.SENSOR, "uploads", False),
    (Platform.SENSOR, "last_upload", False),
)
ROOM_TILES: Final = (
    (Platform.BINARY_SENSOR, "source_connected", False),
    (Platform.BINARY_SENSOR, "speech_heard", False),
    (Platform.BINARY_SENSOR, "wake_word_active", False),
)
VERDICT_KEYS: Final = (
    "requested_uploads",
    "misactivations",
    "silent_uploads",
    "unsolicited_uploads",
    "leaks",
)


class PrivacyDashboard(LovelaceConfig):
    """The dashboard of one house, generated whenever it is asked for."""

    def __init__(self, hass: HomeAssistant, entry: PrivacyGuardConfigEntry) -> None:
        """Serve the dashboard of ``entry`` at ``URL_PATH``."""
        super().__init__(hass, URL_PATH, None)
        self.entry = entry

    @property
    def url_path(self) -> str:
        """Return where the dashboard is served."""
        return URL_PATH

    @property
    def mode(self) -> str:
        """Return YAML mode: the frontend shows it, read only."""
        return MODE_YAML

    async def async_get_info(self) -> dict[str, Any]:
        """Return what the system health page shows of it."""
        config = await self.async_load(False)
        return {"mode": self.mode, "resources": 0, "views": len(config["views"])}

    async def async_load(self, force: bool) -> dict[str, Any]:
        """Return the dashboard as the house is now."""
        translations = await async_get_translations(
            self.hass, self.hass.config.language, "selector", [DOMAIN]
        )
        prefix = f"component.{DOMAIN}.selector.dashboard.options."
        headings = {key: translations.get(prefix + key, key) for key in HEADINGS}
        entity_names = await async_get_translations(
            self.hass, self.hass.config.language, "entity", [DOMAIN]
        )
        prefix = f"component.{DOMAIN}.entity."
        names = {
            key.removeprefix(prefix).removesuffix(".name"): name
            for key, name in entity_names.items()
            if key.endswith(".name")
        }
        return build_dashboard(self.hass, self.entry, headings, names)

    async def async_json(self, force: bool) -> json_fragment:
        """Return the dashboard as JSON for the frontend."""
        return json_fragment(json_bytes(await self.async_load(force)))

    @callback
    def async_updated(self) -> None:
        """Tell open dashboards to load it again."""
        self._config_updated()


def _tile(entity_id: str, toggle: bool, name: str | None) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "tile", "entity": entity_id}
    if name is not None:
        card["name"] = name
    if toggle:
        card["features"] = [{"type": "toggle"}]
        card["features_position"] = "inline"
    return card


def build_dashboard(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    headings: dict[str, str],
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return the dashboard configuration of a house from its registered entities.

    ``names``: entity names by ``<platform>.<translation key>``. A tile under
    its device's heading shows the entity's own name ("Protected", not
    "Kitchen Echo Protected"), unless the user named the entity.
    """
    registry = er.async_get(hass)
    names = names or {}

    def short_name(entity_id: str) -> str | None:
        registered = registry.async_get(entity_id)
        if registered is None or registered.name or not registered.translation_key:
            return None
        return names.get(f"{registered.domain}.{registered.translation_key}")

    def entity(platform: Platform, unique_id: str) -> str | None:
        entity_id = registry.async_get_entity_id(platform, DOMAIN, unique_id)
        if entity_id is None or (
            (registered := registry.async_get(entity_id)) is not None
            and registered.disabled
        ):
            return None
        return entity_id

    def tiles(
        owner: str, spec: tuple[tuple[Platform, str, bool], ...]
    ) -> list[dict[str, Any]]:
        return [
            _tile(entity_id, toggle, short_name(entity_id))
            for platform, key, toggle in spec
            if (entity_id := entity(platform, f"{owner}_{key}")) is not None
        ]

    def heading(text: str, icon: str, device_id: str | None = None) -> dict[str, Any]:
        card: dict[str, Any] = {"type": "heading", "heading": text, "icon": icon}
        if device_id is not None:
            card["tap_action"] = {
                "action": "navigate",
                "navigation_path": f"/config/devices/device/{device_id}",
            }
        return card

    devices = dr.async_get(hass)

    def device_id(identifier: str) -> str | None:
        device = next(
            (
                device
                for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
                if (DOMAIN, identifier) in device.identifiers
            ),
            None,
        )
        return device.id if device is not None else None

    data = entry.runtime_data
    speakers = {
        speaker_id: speaker.config.name
        for speaker_id, speaker in data.guard.speakers.items()
    }
    house = [
        heading(entry.title, "mdi:shield-home", data.house_device_id),
        *tiles(entry.entry_id, HOUSE_TILES),
    ]
    if house[1:] and house[1]["entity"].startswith("switch."):
        house[1]["grid_options"] = {"columns": 12}
    sections: list[dict[str, Any]] = [{"type": "grid", "cards": house}]
    for speaker_id, name in speakers.items():
        sections.append(
            {
                "type": "grid",
                "cards": [
                    heading(name, "mdi:speaker", device_id(speaker_id)),
                    *tiles(speaker_id, SPEAKER_TILES),
                ],
            }
        )
    for room in data.rooms.rooms.values():
        sections.append(
            {
                "type": "grid",
                "cards": [
                    heading(room.name, "mdi:microphone", device_id(room.room_id)),
                    *tiles(room.room_id, ROOM_TILES),
                ],
            }
        )
    history: list[dict[str, Any]] = []
    events: list[str] = []
    for speaker_id, name in speakers.items():
        counters = [
            entity_id
            for key in VERDICT_KEYS
            if (entity_id := entity(Platform.SENSOR, f"{speaker_id}_{key}"))
        ]
        if counters:
            history.append(
                {
                    "type": "history-graph",
                    "title": name,
                    "hours_to_show": GRAPH_HOURS,
                    "entities": counters,
                    "grid_options": {"columns": 12},
                }
            )
        if event := entity(Platform.EVENT, f"{speaker_id}_upload"):
            events.append(event)
    latest: list[dict[str, Any]] = [
        heading(headings["latest_uploads"], "mdi:format-list-bulleted")
    ]
    if events:  # the logbook card refuses an empty target
        latest.append(
            {
                "type": "logbook",
                "hours_to_show": HOURS,
                "target": {"entity_id": events},
                "grid_options": {"columns": 12, "rows": 8},
            }
        )
    uploads: list[dict[str, Any]] = [
        {
            "type": "grid",
            "cards": [heading(headings["uploads"], "mdi:chart-timeline"), *history],
        },
        {"type": "grid", "cards": latest},
    ]
    return {
        "title": "Privacy Guard",
        "views": [
            {
                "type": "sections",
                "title": headings["speakers"],
                "path": "speakers",
                "icon": ICON,
                "max_columns": 4,
                "sections": sections,
            },
            {
                "type": "sections",
                "title": headings["uploads"],
                "path": "uploads",
                "icon": "mdi:cloud-upload",
                "max_columns": 2,
                "sections": uploads,
            },
        ],
    }


@callback
def async_register_dashboard(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> bool:
    """Serve the house's dashboard in the sidebar until the entry unloads.

    Returns False, and serves nothing, without Lovelace or when another
    dashboard already has the address.
    """
    if (lovelace := hass.data.get(LOVELACE_DATA)) is None:
        return False
    existing = lovelace.dashboards.get(URL_PATH)
    if existing is not None and not isinstance(existing, PrivacyDashboard):
        LOGGER.warning(
            "Another dashboard is at /%s: the Privacy Guard dashboard is not shown",
            URL_PATH,
        )
        return False
    dashboard = PrivacyDashboard(hass, entry)
    lovelace.dashboards[URL_PATH] = dashboard
    frontend.async_register_built_in_panel(
        hass,
        "lovelace",
        sidebar_title="Privacy Guard",
        sidebar_icon=ICON,
        frontend_url_path=URL_PATH,
        config={"mode": MODE_YAML},
        update=existing is not None,
    )

    @callback
    def _remove() -> None:
        if lovelace.dashboards.get(URL_PATH) is dashboard:
            lovelace.dashboards.pop(URL_PATH)
            frontend.async_remove_panel(hass, URL_PATH, warn_if_unknown=False)

    entry.async_on_unload(_remove)
    # A dashboard already open (a reload after a new speaker) loads it again.
    dashboard.async_updated()
    return True
