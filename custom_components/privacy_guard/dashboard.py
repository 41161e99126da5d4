"""The Privacy Guard dashboard: built from the house, in the sidebar, no YAML.

While the house is set up (and the ``dashboard`` option is on, its default),
a dashboard at ``/privacy-guard`` shows it in the current frontend's terms: a
sections view with heading and tile cards. *Speakers*: the house (privacy mode
with a toggle, house empty, the guard and why, protected and exposed counts),
then one section per speaker (protected, privacy state, a tile with a toggle
for each of its switches, uploads, last upload) and per room microphone.
*Uploads* is the week's report: the house's exposure clocks this week against
last week and the latest uploads with their verdicts, then per speaker a bar
chart of uploads per day by verdict and one of time open and protected per
day over seven days (long-term statistics, the change of each day), its
uploads and unasked uploads this week against last week.

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
    from .runtime import PrivacyGuardConfigEntry

URL_PATH: Final = "privacy-guard"
ICON: Final = "mdi:shield-lock"
# A day of uploads in the latest-uploads logbook; a week of days in the charts.
HOURS: Final = 24
DAYS: Final = 7
HEADINGS: Final = (
    "speakers",
    "uploads",
    "latest_uploads",
    "this_week",
    "last_week",
    "uploads_per_day",
    "exposure_per_day",
)

# (platform, key) in the order the tiles appear. A switch's tile has a toggle.
HOUSE_TILES: Final = (
    (Platform.SWITCH, "privacy_mode"),
    (Platform.BINARY_SENSOR, "house_empty"),
    (Platform.BINARY_SENSOR, "guard_engaged"),
    (Platform.SENSOR, "guard_reason"),
    (Platform.SENSOR, "protected_speakers"),
    (Platform.SENSOR, "exposed_speakers"),
    (Platform.SENSOR, "unprotectable_speakers"),
)
SPEAKER_TILES: Final = (
    (Platform.BINARY_SENSOR, "protected"),
    (Platform.SENSOR, "privacy_state"),
    (Platform.SENSOR, "self_test_result"),
    (Platform.BUTTON, "self_test"),
    (Platform.SWITCH, "microphone_muted"),
    (Platform.SWITCH, "network_blocked"),
    (Platform.SWITCH, "powered_off"),
    (Platform.SENSOR, "uploads"),
    (Platform.SENSOR, "last_upload"),
)
ROOM_TILES: Final = (
    (Platform.BINARY_SENSOR, "source_connected"),
    (Platform.BINARY_SENSOR, "speech_heard"),
    (Platform.BINARY_SENSOR, "wake_word_active"),
)
# Tiles as wide as their section.
WIDE: Final = frozenset({"privacy_mode"})
VERDICT_KEYS: Final = (
    "requested_uploads",
    "misactivations",
    "silent_uploads",
    "unsolicited_uploads",
    "leaks",
)
EXPOSURE_KEYS: Final = ("open_while_home", "open_while_away", "protected_time")
HOUSE_EXPOSURE_KEYS: Final = (
    "any_open_while_home",
    "any_open_while_away",
    "all_protected_time",
)
# This week's and last week's totals, per speaker.
WEEK_KEYS: Final = ("uploads", "unsolicited_uploads")


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


def _tile(
    registered: er.RegistryEntry, key: str, names: dict[str, str]
) -> dict[str, Any]:
    """Return the tile of an entity: its own name under its device's heading.

    The name is the entity's translated one ("Protected", not "Kitchen Echo
    Protected"), unless the user named the entity.
    """
    card: dict[str, Any] = {"type": "tile", "entity": registered.entity_id}
    if not registered.name and (
        name := names.get(f"{registered.domain}.{registered.translation_key}")
    ):
        card["name"] = name
    if registered.domain == Platform.SWITCH:
        card["features"] = [{"type": "toggle"}]
        card["features_position"] = "inline"
    if registered.domain == Platform.BUTTON:
        # A tap presses it (a self-test), as its name says.
        card["tap_action"] = {
            "action": "perform-action",
            "perform_action": "button.press",
            "target": {"entity_id": registered.entity_id},
        }
    if key in WIDE:
        card["grid_options"] = {"columns": 12}
    return card


def build_dashboard(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    headings: dict[str, str],
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return the dashboard configuration of a house from its registered entities.

    ``names``: entity names by ``<platform>.<translation key>``.
    """
    registry = er.async_get(hass)
    names = names or {}

    def entity(platform: Platform, unique_id: str) -> er.RegistryEntry | None:
        entity_id = registry.async_get_entity_id(platform, DOMAIN, unique_id)
        registered = registry.async_get(entity_id) if entity_id else None
        return None if registered is None or registered.disabled else registered

    def tiles(
        owner: str, spec: tuple[tuple[Platform, str], ...]
    ) -> list[dict[str, Any]]:
        return [
            _tile(registered, key, names)
            for platform, key in spec
            if (registered := entity(platform, f"{owner}_{key}")) is not None
        ]

    def heading(text: str, icon: str, device_id: str | None = None) -> dict[str, Any]:
        card: dict[str, Any] = {"type": "heading", "heading": text, "icon": icon}
        if device_id is not None:
            card["tap_action"] = {
                "action": "navigate",
                "navigation_path": f"/config/devices/device/{device_id}",
            }
        return card

    # The house's, speakers' and rooms' devices by their identifiers.
    device_ids = {
        identifier: device.id
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }

    data = entry.runtime_data
    speakers = {
        speaker_id: speaker.config.name
        for speaker_id, speaker in data.guard.speakers.items()
    }
    house = [
        heading(entry.title, "mdi:shield-home", data.house_device_id),
        *tiles(entry.entry_id, HOUSE_TILES),
    ]
    sections: list[dict[str, Any]] = [{"type": "grid", "cards": house}]
    for speaker_id, name in speakers.items():
        sections.append(
            {
                "type": "grid",
                "cards": [
                    heading(name, "mdi:speaker", device_ids.get(speaker_id)),
                    *tiles(speaker_id, SPEAKER_TILES),
                ],
            }
        )
    for room in data.rooms.rooms.values():
        sections.append(
            {
                "type": "grid",
                "cards": [
                    heading(room.name, "mdi:microphone", device_ids.get(room.room_id)),
                    *tiles(room.room_id, ROOM_TILES),
                ],
            }
        )

    def per_day(title: str, entity_ids: list[str]) -> dict[str, Any]:
        """Return a chart with a bar per day and entity (the day's change)."""
        return {
            "type": "statistics-graph",
            "title": title,
            "entities": entity_ids,
            "chart_type": "bar",
            "period": "day",
            "stat_types": ["change"],
            "days_to_show": DAYS,
            "grid_options": {"columns": 12},
        }

    def weeks(registered: er.RegistryEntry) -> list[dict[str, Any]]:
        """Return cards of a counter's change this calendar week and last."""
        name = names.get(f"{registered.domain}.{registered.translation_key}")
        return [
            {
                "type": "statistic",
                "entity": registered.entity_id,
                "name": f"{name or registered.entity_id} · {headings[week]}",
                "stat_type": "change",
                "period": {"calendar": {"period": "week", "offset": offset}},
                # Wide: "A speaker open while home · This week" in full.
                "grid_options": {"columns": 12},
            }
            for week, offset in (("this_week", 0), ("last_week", -1))
        ]

    def sensors(owner: str, keys: tuple[str, ...]) -> list[er.RegistryEntry]:
        return [
            registered
            for key in keys
            if (registered := entity(Platform.SENSOR, f"{owner}_{key}"))
        ]

    report: list[dict[str, Any]] = [
        {
            "type": "grid",
            "cards": [
                heading(headings["this_week"], "mdi:calendar-week"),
                *(
                    card
                    for registered in sensors(entry.entry_id, HOUSE_EXPOSURE_KEYS)
                    for card in weeks(registered)
                ),
            ],
        }
    ]
    events: list[str] = []
    per_speaker: list[dict[str, Any]] = []
    for speaker_id, name in speakers.items():
        cards: list[dict[str, Any]] = [
            heading(name, "mdi:speaker", device_ids.get(speaker_id))
        ]
        if verdicts := sensors(speaker_id, VERDICT_KEYS):
            cards.append(
                per_day(headings["uploads_per_day"], [e.entity_id for e in verdicts])
            )
        if clocks := sensors(speaker_id, EXPOSURE_KEYS):
            cards.append(
                per_day(headings["exposure_per_day"], [e.entity_id for e in clocks])
            )
        cards.extend(
            card
            for registered in sensors(speaker_id, WEEK_KEYS)
            for card in weeks(registered)
        )
        per_speaker.append({"type": "grid", "cards": cards})
        if event := entity(Platform.EVENT, f"{speaker_id}_upload"):
            events.append(event.entity_id)
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
    # The latest uploads beside the week, then each speaker's week.
    report.append({"type": "grid", "cards": latest})
    report.extend(per_speaker)
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
                "max_columns": 3,
                "sections": report,
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
