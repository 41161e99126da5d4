"""Config flow of Privacy Guard: the house, its options and its speakers."""

from __future__ import annotations

import ast
from collections.abc import Mapping
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData, section
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import SelectSelector
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.privacy_guard.config_flow import MISSING_ENTITY_ERRORS
from custom_components.privacy_guard.const import DOMAIN, SUBENTRY_SPEAKER
from custom_components.privacy_guard.voice_records import voice_record_entity

from .conftest import HouseFactory, house_entry, speaker_entities, speaker_subentry
from .helpers import device_of, subentry_of

TRANSLATIONS: dict[str, Any] = json.loads(
    (
        Path(__file__).parent.parent
        / "custom_components/privacy_guard/translations/en.json"
    ).read_text(encoding="utf-8")
)
CONFIG = TRANSLATIONS["config"]
OPTIONS = TRANSLATIONS["options"]
SUBENTRY = TRANSLATIONS["config_subentries"][SUBENTRY_SPEAKER]

# The demo house of these tests: two speakers guarded by the mock entry, and a
# third one, the Office HomePod, that nobody guards yet.
SPEAKERS: list[dict[str, Any]] = [
    {"name": "Kitchen Echo", "plug": True},
    {"name": "Bedroom Nest"},
    {"name": "Office HomePod", "plug": True},
]
# setup_house passes each value as the whole configuration of its component.
HELPERS: dict[str, Any] = {
    "input_boolean": {"input_boolean": {"night": {}, "guest": {}}},
}

OFFICE = speaker_entities("Office HomePod")
KITCHEN = speaker_entities("Kitchen Echo")
BEDROOM = speaker_entities("Bedroom Nest")

HOUSE_INPUT: dict[str, Any] = {
    CONF_NAME: "Home",
    "presence_mode": "zone",
    "zone": "zone.home",
    "presence_entities": [],
    "debounce": 90,
}

# The speaker form: name and media player on top, the rest in four sections.
SPEAKER_SECTIONS: dict[str, list[str]] = {
    "controls": [
        "mic_switch",
        "network_backend",
        "network_switch",
        "network_on_means",
        "ip_address",
        "power_switch",
    ],
    "policy": ["actions", "enforce"],
    "monitoring": [
        "traffic_entity",
        "profile",
        "threshold",
        "wake_entity",
        "wake_attribute",
        "wake_window",
        "voice_entity",
    ],
    "self_test": ["probe_player", "wake_word"],
}
SECTION_OF = {key: name for name, keys in SPEAKER_SECTIONS.items() for key in keys}


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Return flat speaker answers as the form takes them: in their sections."""
    nested: dict[str, Any] = {name: {} for name in SPEAKER_SECTIONS}
    for key, value in flat.items():
        if key in SECTION_OF:
            nested[SECTION_OF[key]][key] = value
        else:
            nested[key] = value
    return nested


SPEAKER_INPUT: dict[str, Any] = {
    CONF_NAME: "Office HomePod",
    "media_player": OFFICE["media_player"],
    "controls": {
        "mic_switch": OFFICE["mic_switch"],
        "network_backend": "switch",
        "network_switch": OFFICE["network_switch"],
        "network_on_means": "allowed",
        "ip_address": " 192.168.1.40 ",
        "power_switch": OFFICE["power_switch"],
    },
    "policy": {
        # Chosen out of order: the flow stores them in the order the guard engages.
        "actions": ["power_off", "network_block", "mute_media", "mic_mute"],
        "enforce": True,
    },
    "monitoring": {"profile": "other", "wake_window": 5.0},
}

# Stored flat, with exactly the keys the rest of the integration reads.
SPEAKER_DATA: dict[str, Any] = {
    "media_player": OFFICE["media_player"],
    "mic_switch": OFFICE["mic_switch"],
    "network_switch": OFFICE["network_switch"],
    "network_on_means": "allowed",
    "network_backend": "switch",
    "power_switch": OFFICE["power_switch"],
    "ip_address": "192.168.1.40",
    "actions": ["mute_media", "mic_mute", "network_block", "power_off"],
    "enforce": True,
    "profile": "other",
    "wake_window": 5.0,
}


def assert_translated(result: Mapping[str, Any], strings: Mapping[str, Any]) -> None:
    """Check that en.json has every string a flow result shows, sections too."""
    if result["type"] is FlowResultType.ABORT:
        assert result["reason"] in strings["abort"]
        return
    if result["type"] is not FlowResultType.FORM:
        return
    step = strings["step"][result["step_id"]]
    assert step["title"]
    schema = result["data_schema"].schema
    sections = {
        str(key): value for key, value in schema.items() if isinstance(value, section)
    }
    fields = {str(key) for key in schema} - set(sections)
    # Exactly the fields of the form: none unlabelled, no stale label.
    assert set(step["data"]) == fields
    assert set(step.get("data_description", {})) <= fields
    assert set(step.get("sections", {})) == set(sections)
    selectors = list(schema.values())
    for name, form_section in sections.items():
        texts = step["sections"][name]
        assert texts["name"]
        assert texts["description"]
        inner = {str(key) for key in form_section.schema.schema}
        assert set(texts["data"]) == inner
        assert set(texts.get("data_description", {})) <= inner
        selectors += list(form_section.schema.schema.values())
    for error in (result["errors"] or {}).values():
        assert error in strings["error"]
    for selector in selectors:
        if isinstance(selector, SelectSelector) and (
            key := selector.config.get("translation_key")
        ):
            options = TRANSLATIONS["selector"][key]["options"]
            assert set(options) == set(selector.config["options"])


def form_values(result: Mapping[str, Any]) -> dict[str, Any]:
    """Return what a form shows prefilled: the suggested value, else the default.

    A section gives the values of its fields, under its key.
    """
    return _schema_values(result["data_schema"])


def _schema_values(schema: vol.Schema) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in schema.schema.items():
        if isinstance(value, section):
            values[str(key)] = _schema_values(value.schema)
        elif key.description and "suggested_value" in key.description:
            values[str(key)] = key.description["suggested_value"]
        elif key.default is not vol.UNDEFINED:
            values[str(key)] = key.default()
    return values


def section_options(result: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the options (collapsed or not) of each section of a form."""
    return {
        str(key): dict(value.options)
        for key, value in result["data_schema"].schema.items()
        if isinstance(value, section)
    }


@pytest.fixture
async def house(hass: HomeAssistant, setup_house: HouseFactory) -> None:
    """Build the demo house with a free speaker and two helpers."""
    await setup_house(SPEAKERS, extra=HELPERS)
    # A sensor that reports something other than data: no traffic source.
    hass.states.async_set("sensor.office_temp", "21", {"unit_of_measurement": "°C"})


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, house: None, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up Privacy Guard guarding the kitchen and bedroom speakers."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


def subentry_id_of(entry: ConfigEntry, media_player: str) -> str:
    """Return the id of the speaker subentry that guards a media player."""
    return next(
        subentry.subentry_id
        for subentry in entry.subentries.values()
        if subentry.data["media_player"] == media_player
    )


# --------------------------------------------------------------------- user


@pytest.mark.usefixtures("house")
async def test_user_flow(hass: HomeAssistant) -> None:
    """A house on the home zone is created with its options, and loads."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert form_values(result) == {
        CONF_NAME: "Home",
        "presence_mode": "zone",
        "zone": "zone.home",
        "presence_entities": [],
        "debounce": 120,
    }
    assert_translated(result, CONFIG)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], HOUSE_INPUT
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    entry = result["result"]
    assert dict(entry.data) == {
        "presence_mode": "zone",
        "zone": "zone.home",
        "presence_entities": [],
    }
    assert dict(entry.options) == {"debounce": 90}
    assert type(entry.options["debounce"]) is int
    assert not entry.subentries
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("house")
@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({"zone": "zone.nowhere"}, {"zone": "entity_not_found"}),
        (
            {"presence_mode": "entities", "presence_entities": []},
            {"presence_entities": "presence_entities_required"},
        ),
        (
            {"presence_mode": "entities", "presence_entities": None},
            {"presence_entities": "presence_entities_required"},
        ),
        (
            {
                "presence_mode": "entities",
                "presence_entities": ["person.alice", "person.carol"],
            },
            {"presence_entities": "entity_not_found"},
        ),
        (
            {"condition_entity": "input_boolean.missing"},
            {"condition_entity": "entity_not_found"},
        ),
        (
            {"zone": "zone.nowhere", "condition_entity": "input_boolean.missing"},
            {"zone": "entity_not_found", "condition_entity": "entity_not_found"},
        ),
    ],
)
async def test_user_flow_errors(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    """Each wrong answer is shown on its field, then the house is created."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    # None stands for a field left out of the form.
    answer = {
        key: value
        for key, value in (HOUSE_INPUT | user_input).items()
        if value is not None
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert_translated(result, CONFIG)
    # The form keeps what was typed, so a typo costs one field, not all of them.
    shown = form_values(result)
    for key, value in answer.items():
        assert shown[key] == value

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        HOUSE_INPUT
        | {
            "presence_mode": "entities",
            "presence_entities": ["person.alice", "input_boolean.guest"],
            "debounce": 30.0,
            "condition_entity": "input_boolean.night",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert dict(entry.data) == {
        "presence_mode": "entities",
        "zone": "zone.home",
        "presence_entities": ["person.alice", "input_boolean.guest"],
    }
    assert dict(entry.options) == {
        "debounce": 30,
        "condition_entity": "input_boolean.night",
    }
    assert type(entry.options["debounce"]) is int


@pytest.mark.usefixtures("house")
async def test_user_flow_single_instance(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A second house is refused: speakers are added to the first one."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"
    assert_translated(result, CONFIG)


# -------------------------------------------------------------- reconfigure


async def test_reconfigure(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Presence can move from the zone to entities; the guard reloads with it."""
    before = loaded_entry.runtime_data
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert form_values(result) == {
        "presence_mode": "zone",
        "zone": "zone.home",
        "presence_entities": [],
    }
    assert_translated(result, CONFIG)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"presence_mode": "entities", "zone": "zone.home"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"presence_entities": "presence_entities_required"}
    assert_translated(result, CONFIG)
    assert loaded_entry.runtime_data is before

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "presence_mode": "entities",
            "zone": "zone.home",
            "presence_entities": ["person.alice", "input_boolean.guest"],
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert_translated(result, CONFIG)
    assert dict(loaded_entry.data) == {
        "presence_mode": "entities",
        "zone": "zone.home",
        "presence_entities": ["person.alice", "input_boolean.guest"],
    }
    # Options and speakers are not this flow's business.
    assert dict(loaded_entry.options) == {"debounce": 120}
    assert len(loaded_entry.subentries) == 2

    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    guard = loaded_entry.runtime_data.guard
    assert guard is not before.guard
    assert guard.house.presence_mode == "entities"
    assert guard.house.presence_entities == ("person.alice", "input_boolean.guest")


# ------------------------------------------------------------------ options


async def _start_guard_options(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "guard",
        "self_test",
        "report",
        "adguard",
        "pihole",
    ]
    assert set(OPTIONS["step"]["init"]["menu_options"]) == set(result["menu_options"])
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "guard"}
        )
    )


async def test_weekly_report_options(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A notify entity that exists turns the weekly report on; empty, off."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "report"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "report"
    assert form_values(result) == {}
    assert_translated(result, OPTIONS)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"weekly_report": "notify.nowhere"}
    )
    assert result["errors"] == {"weekly_report": "entity_not_found"}
    assert form_values(result) == {"weekly_report": "notify.nowhere"}
    hass.states.async_set("notify.alice_phone", "unknown")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"weekly_report": "notify.alice_phone"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options["weekly_report"] == "notify.alice_phone"
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "report"}
    )
    assert form_values(result) == {"weekly_report": "notify.alice_phone"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "weekly_report" not in loaded_entry.options


async def test_self_test_options(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The schedule, the probe's voice and calibration; a voice can go again."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "self_test"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "self_test"
    assert form_values(result) == {"self_test_days": 0, "calibration": False}
    assert_translated(result, OPTIONS)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"self_test_days": 7, "probe_tts": "tts.nowhere", "calibration": True},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"probe_tts": "entity_not_found"}
    assert form_values(result) == {
        "self_test_days": 7,
        "probe_tts": "tts.nowhere",
        "calibration": True,
    }

    hass.states.async_set("tts.piper", "unknown")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"self_test_days": 7.0, "probe_tts": "tts.piper", "calibration": True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {
        "debounce": 120,
        "self_test_days": 7,
        "probe_tts": "tts.piper",
        "calibration": True,
    }
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "self_test"}
    )
    assert form_values(result)["probe_tts"] == "tts.piper"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"self_test_days": 0, "calibration": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "probe_tts" not in loaded_entry.options
    await hass.async_block_till_done()


async def test_options_flow(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Debounce and condition are saved and applied; the condition can go again."""
    result = await _start_guard_options(hass, loaded_entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "guard"
    assert form_values(result) == {
        "debounce": 120,
        "dns_interval": 30,
        "dashboard": True,
        "automations_override": False,
    }
    assert_translated(result, OPTIONS)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"debounce": 45, "condition_entity": "input_boolean.missing"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"condition_entity": "entity_not_found"}
    assert form_values(result) == {
        "debounce": 45,
        "condition_entity": "input_boolean.missing",
        "dns_interval": 30,
        "dashboard": True,
        "automations_override": False,
    }
    assert_translated(result, OPTIONS)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "debounce": 45.0,
            "condition_entity": "input_boolean.night",
            "dns_interval": 60,
            "voice_patterns": "Voice.Example.com, *.siri.example\n",
            "dashboard": False,
            "automations_override": True,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {
        "debounce": 45,
        "condition_entity": "input_boolean.night",
        "dns_interval": 60,
        "voice_patterns": ["voice.example.com", "*.siri.example"],
        "dashboard": False,
        "automations_override": True,
    }
    assert type(loaded_entry.options["debounce"]) is int
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    guard = loaded_entry.runtime_data.guard
    assert guard.house.debounce == 45
    assert guard.house.condition_entity == "input_boolean.night"
    assert "voice.example.com" in loaded_entry.runtime_data.monitor.voice_patterns

    # The saved condition is offered again, and leaving the field empty drops it.
    result = await _start_guard_options(hass, loaded_entry)
    assert form_values(result) == {
        "debounce": 45,
        "condition_entity": "input_boolean.night",
        "dns_interval": 60,
        "voice_patterns": "voice.example.com\n*.siri.example",
        "dashboard": False,
        "automations_override": True,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"debounce": 45, "dns_interval": 60}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {
        "debounce": 45,
        "dns_interval": 60,
        "voice_patterns": [],
        # Left out of the answers: kept as it was saved.
        "dashboard": False,
        "automations_override": True,
    }
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.guard.house.condition_entity is None


# ------------------------------------------------------------ speaker: add


async def _start_speaker_flow(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_SPEAKER), context={"source": SOURCE_USER}
    )
    return dict(result)


def flatten(nested: Mapping[str, Any]) -> dict[str, Any]:
    """Return speaker answers with their sections taken apart."""
    flat = {key: value for key, value in nested.items() if key not in SPEAKER_SECTIONS}
    for name in SPEAKER_SECTIONS:
        flat.update(nested.get(name, {}))
    return flat


async def test_speaker_flow(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A speaker is stored flat and normalised, and gets its device and entities."""
    result = await _start_speaker_flow(hass, loaded_entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert [str(key) for key in result["data_schema"].schema] == [
        CONF_NAME,
        "media_player",
        "controls",
        "policy",
        "monitoring",
        "self_test",
    ]
    assert form_values(result) == {
        CONF_NAME: "",
        "controls": {"network_backend": "switch", "network_on_means": "blocked"},
        "policy": {"actions": ["mute_media"], "enforce": False},
        "monitoring": {"profile": "other", "wake_window": 5.0},
        "self_test": {},
    }
    # Each section lists its fields in the order of the form.
    for name, form_section in result["data_schema"].schema.items():
        if isinstance(form_section, section):
            keys = [str(key) for key in form_section.schema.schema]
            assert keys == SPEAKER_SECTIONS[str(name)]
    # Monitoring is optional: closed until something in it is set.
    assert section_options(result) == {
        "controls": {"collapsed": False},
        "policy": {"collapsed": False},
        "monitoring": {"collapsed": True},
        "self_test": {"collapsed": True},
    }
    assert_translated(result, SUBENTRY)

    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], SPEAKER_INPUT
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Office HomePod"
    assert result["data"] == SPEAKER_DATA
    assert result["unique_id"] == OFFICE["media_player"]

    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    subentry_id = subentry_id_of(loaded_entry, OFFICE["media_player"])
    subentry = loaded_entry.subentries[subentry_id]
    assert subentry.subentry_type == SUBENTRY_SPEAKER
    assert subentry.title == "Office HomePod"
    assert subentry.unique_id == OFFICE["media_player"]
    assert dict(subentry.data) == SPEAKER_DATA
    assert subentry_id in loaded_entry.runtime_data.guard.speakers

    device = device_of(device_registry, (DOMAIN, subentry_id), loaded_entry.entry_id)
    assert device is not None
    assert device.name == "Office HomePod"
    assert subentry_of(device, loaded_entry.entry_id) == {subentry_id}
    entities = [
        entry
        for entry in er.async_entries_for_config_entry(
            entity_registry, loaded_entry.entry_id
        )
        if entry.config_subentry_id == subentry_id
    ]
    assert {entry.unique_id.removeprefix(f"{subentry_id}_") for entry in entities} >= {
        "privacy_state",
        "protected",
        "microphone_muted",
        "network_blocked",
        "powered_off",
    }
    for entry in entities:
        assert entry.device_id == device.id
        assert hass.states.get(entry.entity_id) is not None


async def test_speaker_flow_minimal(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Only the media player is needed; empty sections take their defaults."""
    result = await _start_speaker_flow(hass, loaded_entry)
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {
                CONF_NAME: "Office HomePod",
                "media_player": OFFICE["media_player"],
                "controls": {"ip_address": "fd00::40"},
                "policy": {},
                "monitoring": {},
            },
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "media_player": OFFICE["media_player"],
        "network_on_means": "blocked",
        "network_backend": "switch",
        "ip_address": "fd00::40",
        "actions": ["mute_media"],
        "enforce": False,
        "profile": "other",
        "wake_window": 5.0,
    }


async def test_speaker_flow_monitoring(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Traffic and wake-word sources are stored as typed values."""
    hass.states.async_set("sensor.office_tx", "12", {"unit_of_measurement": "MB/s"})
    hass.states.async_set("media_player.office_alexa", "idle")
    result = await _start_speaker_flow(hass, loaded_entry)
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {
                CONF_NAME: "Office HomePod",
                "media_player": OFFICE["media_player"],
                "controls": {
                    "network_on_means": "blocked",
                    "network_backend": "switch",
                },
                "policy": {"actions": ["mute_media"], "enforce": False},
                "monitoring": {
                    "traffic_entity": "sensor.office_tx",
                    "profile": "apple_homepod",
                    "threshold": 50000,
                    "wake_entity": "media_player.office_alexa",
                    "wake_attribute": " last_called ",
                    "wake_window": 8,
                },
            },
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "media_player": OFFICE["media_player"],
        "network_on_means": "blocked",
        "network_backend": "switch",
        "actions": ["mute_media"],
        "enforce": False,
        "profile": "apple_homepod",
        "threshold": 50000.0,
        "traffic_entity": "sensor.office_tx",
        "wake_entity": "media_player.office_alexa",
        "wake_attribute": "last_called",
        "wake_window": 8.0,
    }


async def test_speaker_sections_flatten(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Every field of every section is stored flat, under its own key only."""
    hass.states.async_set("sensor.office_tx", "0", {"unit_of_measurement": "B"})
    hass.states.async_set("event.office_wake", "unknown")
    hass.states.async_set("event.office_voice_event", "unknown")
    hass.states.async_set("media_player.office_radio", "idle")
    flat = flatten(SPEAKER_INPUT) | {
        "traffic_entity": "sensor.office_tx",
        "threshold": 9000,
        "wake_entity": "event.office_wake",
        "wake_attribute": "event_type",
        "voice_entity": "event.office_voice_event",
        "probe_player": "media_player.office_radio",
        "wake_word": "hey_jarvis",
    }
    answer = nest(flat)
    # Every field of the form is answered.
    assert {key for keys in SPEAKER_SECTIONS.values() for key in keys} <= set(
        flatten(answer)
    )
    result = await _start_speaker_flow(hass, loaded_entry)
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == SPEAKER_DATA | {
        "traffic_entity": "sensor.office_tx",
        "threshold": 9000.0,
        "wake_entity": "event.office_wake",
        "wake_attribute": "event_type",
        "voice_entity": "event.office_voice_event",
        "probe_player": "media_player.office_radio",
        "wake_word": "hey_jarvis",
    }
    assert not set(result["data"]) & {*SPEAKER_SECTIONS, CONF_NAME, "mac"}


async def test_speaker_flow_takes_sections_only(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Flat answers, or a MAC address, are refused by the form's schema."""
    for answer in (
        flatten(SPEAKER_INPUT),
        SPEAKER_INPUT | {"controls": SPEAKER_INPUT["controls"] | {"mac": "aa:bb"}},
        {key: value for key, value in SPEAKER_INPUT.items() if key != "monitoring"},
    ):
        result = await _start_speaker_flow(hass, loaded_entry)
        with pytest.raises(InvalidData):
            await hass.config_entries.subentries.async_configure(
                result["flow_id"], answer
            )
    assert len(loaded_entry.subentries) == 2


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        (
            {"media_player": "media_player.nowhere"},
            {"media_player": "entity_not_found"},
        ),
        ({"mic_switch": "switch.nowhere"}, {"controls": "mic_switch_not_found"}),
        (
            {"network_switch": "switch.nowhere"},
            {"controls": "network_switch_not_found"},
        ),
        ({"power_switch": "switch.nowhere"}, {"controls": "power_switch_not_found"}),
        (
            {"probe_player": "media_player.nowhere"},
            {"self_test": "probe_player_not_found"},
        ),
        # One plug in two roles would be switched on and off without end.
        ({"mic_switch": OFFICE["power_switch"]}, {"controls": "entity_reused"}),
        # Another speaker's switch.
        ({"network_switch": KITCHEN["network_switch"]}, {"controls": "entity_in_use"}),
        (
            {"media_player": KITCHEN["media_player"]},
            {"media_player": "already_guarded"},
        ),
        ({"ip_address": "192.168.1.300"}, {"controls": "invalid_ip"}),
        ({"ip_address": "office.local"}, {"controls": "invalid_ip"}),
        ({"actions": []}, {"policy": "no_actions"}),
        (
            {"traffic_entity": "sensor.nowhere"},
            {"monitoring": "traffic_entity_not_found"},
        ),
        ({"traffic_entity": "sensor.office_temp"}, {"monitoring": "traffic_unit"}),
        ({"wake_entity": "event.nowhere"}, {"monitoring": "wake_entity_not_found"}),
        (
            {"mic_switch": None, "actions": ["mute_media", "mic_mute"]},
            {"policy": "action_needs_entity"},
        ),
        (
            {"network_switch": None, "actions": ["network_block"]},
            {"policy": "action_needs_entity"},
        ),
        (
            {"power_switch": None, "actions": ["mute_media", "power_off"]},
            {"policy": "action_needs_entity"},
        ),
        (
            {"ip_address": "nowhere", "actions": []},
            {"controls": "invalid_ip", "policy": "no_actions"},
        ),
        # A section shows one error: the one of its first field in the form.
        (
            {
                "power_switch": "switch.nowhere",
                "ip_address": "nowhere",
                "mic_switch": "switch.nowhere",
            },
            {"controls": "mic_switch_not_found"},
        ),
        (
            {"power_switch": "switch.nowhere", "ip_address": "nowhere"},
            {"controls": "invalid_ip"},
        ),
        (
            {
                "media_player": "media_player.nowhere",
                "network_switch": "switch.nowhere",
                "actions": [],
                "wake_entity": "event.nowhere",
            },
            {
                "media_player": "entity_not_found",
                "controls": "network_switch_not_found",
                "policy": "no_actions",
                "monitoring": "wake_entity_not_found",
            },
        ),
    ],
)
async def test_speaker_flow_errors(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Each wrong answer is shown on its field or section, then the speaker is added."""
    result = await _start_speaker_flow(hass, loaded_entry)
    # None stands for a field left empty.
    answer = nest(
        {
            key: value
            for key, value in (flatten(SPEAKER_INPUT) | user_input).items()
            if value is not None
        }
    )
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert_translated(result, SUBENTRY)
    # The form keeps what was typed, each field in its section.
    assert form_values(result) == answer
    # A monitoring section with an error in it, or something typed, is open.
    typed = any(key in user_input for key in ("traffic_entity", "wake_entity"))
    assert section_options(result)["monitoring"] == {
        "collapsed": "monitoring" not in errors and not typed
    }
    assert len(loaded_entry.subentries) == 2

    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], SPEAKER_INPUT
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == SPEAKER_DATA
    await hass.async_block_till_done()
    assert len(loaded_entry.subentries) == 3


# ------------------------------------------------------ speaker: reconfigure


async def _start_speaker_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_SPEAKER),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    return dict(result)


async def test_speaker_reconfigure(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A speaker is changed in place; its own media player is not a conflict."""
    subentry_id = subentry_id_of(loaded_entry, KITCHEN["media_player"])
    before = loaded_entry.runtime_data
    result = await _start_speaker_reconfigure(hass, loaded_entry, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    # The stored values, each in its section; no name (the subentry's title).
    assert form_values(result) == {
        "media_player": KITCHEN["media_player"],
        "controls": {
            "mic_switch": KITCHEN["mic_switch"],
            "network_backend": "switch",
            "network_switch": KITCHEN["network_switch"],
            "network_on_means": "allowed",
            "power_switch": KITCHEN["power_switch"],
        },
        "policy": {
            "actions": ["mute_media", "mic_mute", "network_block"],
            "enforce": False,
        },
        "monitoring": {"profile": "other", "wake_window": 5.0},
        "self_test": {},
    }
    assert section_options(result)["monitoring"] == {"collapsed": True}
    assert_translated(result, SUBENTRY)

    answer = form_values(result) | {"media_player": BEDROOM["media_player"]}
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"media_player": "already_guarded"}
    assert form_values(result) == answer
    assert_translated(result, SUBENTRY)

    answer = form_values(result)
    answer["media_player"] = KITCHEN["media_player"]
    answer["policy"] = {"actions": ["power_off", "mute_media"], "enforce": True}
    del answer["controls"]["mic_switch"]
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert_translated(result, SUBENTRY)

    subentry = loaded_entry.subentries[subentry_id]
    assert subentry.title == "Kitchen Echo"
    assert subentry.unique_id == KITCHEN["media_player"]
    assert dict(subentry.data) == {
        "media_player": KITCHEN["media_player"],
        "network_switch": KITCHEN["network_switch"],
        "network_on_means": "allowed",
        "network_backend": "switch",
        "power_switch": KITCHEN["power_switch"],
        "actions": ["mute_media", "power_off"],
        "enforce": True,
        "profile": "other",
        "wake_window": 5.0,
    }
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data is not before
    config = loaded_entry.runtime_data.guard.speakers[subentry_id].config
    assert config.enforce is True
    assert list(config.actions) == ["mute_media", "power_off"]


@pytest.mark.usefixtures("house")
async def test_speaker_reconfigure_drops_a_stored_mac(hass: HomeAssistant) -> None:
    """An old subentry with a MAC address loads; reconfigure shows and drops it."""
    hass.states.async_set("sensor.kitchen_tx", "0", {"unit_of_measurement": "B"})
    hass.states.async_set("event.kitchen_wake", "unknown")
    kitchen = speaker_subentry("Kitchen Echo", plug=True, ip_address="192.168.1.30")
    stored = dict(kitchen["data"]) | {
        "network_backend": "switch",
        "mac": "aa:bb:cc:dd:ee:ff",
        "traffic_entity": "sensor.kitchen_tx",
        "profile": "amazon_echo",
        "threshold": 8000.0,
        "wake_entity": "event.kitchen_wake",
        "wake_attribute": "event_type",
        "wake_window": 3.0,
    }
    kitchen["data"] = stored
    entry = house_entry([kitchen])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    result = await _start_speaker_reconfigure(hass, entry, kitchen["subentry_id"])
    assert result["type"] is FlowResultType.FORM
    shown = form_values(result)
    assert shown == {
        "media_player": KITCHEN["media_player"],
        "controls": {
            "mic_switch": KITCHEN["mic_switch"],
            "network_backend": "switch",
            "network_switch": KITCHEN["network_switch"],
            "network_on_means": "allowed",
            "ip_address": "192.168.1.30",
            "power_switch": KITCHEN["power_switch"],
        },
        "policy": {
            "actions": ["mute_media", "mic_mute", "network_block"],
            "enforce": False,
        },
        "monitoring": {
            "traffic_entity": "sensor.kitchen_tx",
            "profile": "amazon_echo",
            "threshold": 8000.0,
            "wake_entity": "event.kitchen_wake",
            "wake_attribute": "event_type",
            "wake_window": 3.0,
        },
        "self_test": {},
    }
    # Stored monitoring settings open their section.
    assert section_options(result)["monitoring"] == {"collapsed": False}
    assert_translated(result, SUBENTRY)

    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], shown)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    data = dict(entry.subentries[kitchen["subentry_id"]].data)
    assert "mac" not in data
    assert data == {key: value for key, value in stored.items() if key != "mac"}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_speaker_reconfigure_new_media_player(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Moving a speaker to an unguarded media player moves its unique id too."""
    subentry_id = subentry_id_of(loaded_entry, BEDROOM["media_player"])
    result = await _start_speaker_reconfigure(hass, loaded_entry, subentry_id)
    answer = {
        "media_player": OFFICE["media_player"],
        "controls": {
            "network_on_means": "blocked",
            "network_backend": "switch",
            "ip_address": "10.0.0.7",
        },
        "policy": {"actions": ["mute_media"], "enforce": False},
        "monitoring": {"profile": "other", "wake_window": 5.0},
    }
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = loaded_entry.subentries[subentry_id]
    assert subentry.unique_id == OFFICE["media_player"]
    assert dict(subentry.data) == flatten(answer)

    # The bedroom speaker's media player is free again for a new speaker.
    result = await _start_speaker_flow(hass, loaded_entry)
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {
                CONF_NAME: "Bedroom Nest",
                "media_player": BEDROOM["media_player"],
                "controls": {},
                "policy": {},
                "monitoring": {},
            },
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert len(loaded_entry.runtime_data.guard.speakers) == 3


# ------------------------------------------------------------- translations


def _error_codes(function: ast.FunctionDef) -> set[str]:
    """Return the error codes a validator writes into its errors."""
    codes: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            values: list[ast.expr | None] = [node.value]
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            values = list(node.value.values)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
        ):
            values = list(node.args[1:])
        else:
            continue
        codes |= {
            value.value
            for value in values
            if isinstance(value, ast.Constant) and isinstance(value.value, str)
        }
    return codes


def test_translations_cover_flow_errors() -> None:
    """Every error code a validator of the flow can return is in en.json."""
    tree = ast.parse(
        (
            Path(__file__).parent.parent
            / "custom_components/privacy_guard/config_flow.py"
        ).read_text(encoding="utf-8")
    )
    codes = {
        node.name: _error_codes(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_validate")
    }
    house, options, speaker = (
        codes["_validate_presence"],
        codes["_validate_options"],
        codes["_validate"]
        | codes["_validate_controls"]
        | set(MISSING_ENTITY_ERRORS.values()),
    )
    # Guards the walk itself: it must find the codes the flow tests meet.
    assert {"presence_entities_required", "entity_not_found"} <= house
    assert {"already_guarded", "invalid_ip", "action_needs_entity"} <= speaker
    assert house | options <= set(CONFIG["error"])
    assert options <= set(OPTIONS["error"])
    # The speaker's errors exactly: none missing, none left over (invalid_mac).
    assert speaker == set(SUBENTRY["error"])
    assert set(SUBENTRY["initiate_flow"]) == {"user", "reconfigure"}


async def test_the_speaker_form_offers_none_of_our_own_entities(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Privacy Guard's own switches and sensors are left out of every selector."""
    result = await _start_speaker_flow(hass, loaded_entry)
    controls = result["data_schema"].schema["controls"].schema.schema
    for key, selector in controls.items():
        if str(key) in ("mic_switch", "network_switch", "power_switch"):
            excluded = selector.config["exclude_entities"]
            assert "switch.home_privacy_mode" in excluded
            assert "switch.kitchen_echo_microphone_muted" in excluded
            assert KITCHEN["mic_switch"] not in excluded
    # Sent anyway (not through the frontend): the form refuses it.
    answer = nest(flatten(SPEAKER_INPUT) | {"mic_switch": "switch.home_privacy_mode"})
    with pytest.raises(InvalidData):
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)


def test_speaker_form_has_no_mac_address() -> None:
    """The MAC address was never used: no field, label or error is left of it."""
    assert re.search(r"\bmac\b", json.dumps(SUBENTRY), re.IGNORECASE) is None


async def test_voice_records_are_offered_from_the_same_device_or_area(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An Echo's alexa_devices voice event is offered; none is taken unasked."""
    alexa = MockConfigEntry(domain="alexa_devices", entry_id="alexa01")
    alexa.add_to_hass(hass)
    echo = device_registry.async_get_or_create(
        config_entry_id=alexa.entry_id, identifiers={("alexa_devices", "G0911")}
    )
    player = entity_registry.async_get_or_create(
        "media_player",
        "alexa_devices",
        "G0911-player",
        device_id=echo.id,
        original_name="Echo",
    )
    voice = entity_registry.async_get_or_create(
        "event",
        "alexa_devices",
        "G0911-voice_event",
        device_id=echo.id,
        original_name="Voice event",
    )
    assert voice_record_entity(hass, player.entity_id) == voice.entity_id
    # In the same area, when it is not on the same device.
    entity_registry.async_update_entity(voice.entity_id, device_id=None, area_id="den")
    entity_registry.async_update_entity(player.entity_id, area_id="den")
    assert voice_record_entity(hass, player.entity_id) == voice.entity_id
    entity_registry.async_update_entity(voice.entity_id, area_id="attic")
    assert voice_record_entity(hass, player.entity_id) is None
    # An Alexa Media Player media player keeps its records itself.
    amp = entity_registry.async_get_or_create("media_player", "alexa_media", "amp-echo")
    assert voice_record_entity(hass, amp.entity_id) == amp.entity_id
    assert voice_record_entity(hass, "media_player.not_registered") is None

    # The flow offers it when the form is shown again, and checks it.
    entity_registry.async_update_entity(voice.entity_id, area_id="den")
    hass.states.async_set(player.entity_id, "idle")
    result = await _start_speaker_flow(hass, loaded_entry)
    answer = {
        CONF_NAME: "Den Echo",
        "media_player": player.entity_id,
        "controls": {"network_on_means": "blocked", "mic_switch": "switch.nope"},
        "policy": {"actions": ["mute_media"], "enforce": False},
        "monitoring": {},
    }
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["errors"] == {"controls": "mic_switch_not_found"}
    assert form_values(result)["monitoring"]["voice_entity"] == voice.entity_id
    answer["controls"] = {"network_on_means": "blocked"}
    answer["monitoring"] = {"voice_entity": "event.gone"}
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["errors"] == {"monitoring": "voice_entity_not_found"}
    hass.states.async_set(voice.entity_id, "unknown")
    answer["monitoring"] = {"voice_entity": voice.entity_id}
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["voice_entity"] == voice.entity_id
    await hass.async_block_till_done()

    # Reconfiguring a speaker without one offers it too.
    subentry_id = subentry_id_of(loaded_entry, player.entity_id)
    subentry = loaded_entry.subentries[subentry_id]
    data = {k: v for k, v in subentry.data.items() if k != "voice_entity"}
    hass.config_entries.async_update_subentry(loaded_entry, subentry, data=data)
    await hass.async_block_till_done()
    result = await _start_speaker_reconfigure(hass, loaded_entry, subentry_id)
    assert form_values(result)["monitoring"]["voice_entity"] == voice.entity_id
    await hass.async_block_till_done()
