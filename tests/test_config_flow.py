"""Config flow of Privacy Guard: the house, its options and its speakers."""

from __future__ import annotations

import ast
from collections.abc import Mapping
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import SelectSelector
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.privacy_guard.const import DOMAIN, SUBENTRY_SPEAKER

from .conftest import HouseFactory, speaker_entities
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

SPEAKER_INPUT: dict[str, Any] = {
    CONF_NAME: "Office HomePod",
    "media_player": OFFICE["media_player"],
    "mic_switch": OFFICE["mic_switch"],
    "network_switch": OFFICE["network_switch"],
    "network_on_means": "allowed",
    "network_backend": "switch",
    "power_switch": OFFICE["power_switch"],
    "ip_address": " 192.168.1.40 ",
    "mac": "AA-BB-CC-0D-0E-0F",
    # Chosen out of order: the flow stores them in the order the guard engages.
    "actions": ["power_off", "network_block", "mute_media", "mic_mute"],
    "enforce": True,
    "profile": "other",
    "wake_window": 5.0,
}

SPEAKER_DATA: dict[str, Any] = {
    "media_player": OFFICE["media_player"],
    "mic_switch": OFFICE["mic_switch"],
    "network_switch": OFFICE["network_switch"],
    "network_on_means": "allowed",
    "network_backend": "switch",
    "power_switch": OFFICE["power_switch"],
    "ip_address": "192.168.1.40",
    "mac": "aa:bb:cc:0d:0e:0f",
    "actions": ["mute_media", "mic_mute", "network_block", "power_off"],
    "enforce": True,
    "profile": "other",
    "wake_window": 5.0,
}


def assert_translated(result: Mapping[str, Any], section: Mapping[str, Any]) -> None:
    """Check that en.json has every string a flow result shows."""
    if result["type"] is FlowResultType.ABORT:
        assert result["reason"] in section["abort"]
        return
    if result["type"] is not FlowResultType.FORM:
        return
    step = section["step"][result["step_id"]]
    assert step["title"]
    fields = {str(key) for key in result["data_schema"].schema}
    # Exactly the fields of the form: none unlabelled, no stale label.
    assert set(step["data"]) == fields
    assert set(step.get("data_description", {})) <= fields
    for error in (result["errors"] or {}).values():
        assert error in section["error"]
    for selector in result["data_schema"].schema.values():
        if isinstance(selector, SelectSelector) and (
            key := selector.config.get("translation_key")
        ):
            options = TRANSLATIONS["selector"][key]["options"]
            assert set(options) == set(selector.config["options"])


def form_values(result: Mapping[str, Any]) -> dict[str, Any]:
    """Return what a form shows prefilled: the suggested value, else the default."""
    values: dict[str, Any] = {}
    for key in result["data_schema"].schema:
        if key.description and "suggested_value" in key.description:
            values[str(key)] = key.description["suggested_value"]
        elif key.default is not vol.UNDEFINED:
            values[str(key)] = key.default()
    return values


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
    assert guard.presence_mode == "entities"
    assert guard.presence_entities == ("person.alice", "input_boolean.guest")


# ------------------------------------------------------------------ options


async def _start_guard_options(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["guard", "adguard", "pihole"]
    assert set(OPTIONS["step"]["init"]["menu_options"]) == set(result["menu_options"])
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "guard"}
        )
    )


async def test_options_flow(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Debounce and condition are saved and applied; the condition can go again."""
    result = await _start_guard_options(hass, loaded_entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "guard"
    assert form_values(result) == {"debounce": 120, "dns_interval": 30}
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
    }
    assert_translated(result, OPTIONS)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "debounce": 45.0,
            "condition_entity": "input_boolean.night",
            "dns_interval": 60,
            "voice_patterns": "Voice.Example.com, *.siri.example\n",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {
        "debounce": 45,
        "condition_entity": "input_boolean.night",
        "dns_interval": 60,
        "voice_patterns": ["voice.example.com", "*.siri.example"],
    }
    assert type(loaded_entry.options["debounce"]) is int
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    guard = loaded_entry.runtime_data.guard
    assert guard.debounce == 45
    assert guard.condition_entity == "input_boolean.night"
    assert "voice.example.com" in loaded_entry.runtime_data.monitor.voice_patterns

    # The saved condition is offered again, and leaving the field empty drops it.
    result = await _start_guard_options(hass, loaded_entry)
    assert form_values(result) == {
        "debounce": 45,
        "condition_entity": "input_boolean.night",
        "dns_interval": 60,
        "voice_patterns": "voice.example.com\n*.siri.example",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"debounce": 45, "dns_interval": 60}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {
        "debounce": 45,
        "dns_interval": 60,
        "voice_patterns": [],
    }
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.guard.condition_entity is None


# ------------------------------------------------------------ speaker: add


async def _start_speaker_flow(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_SPEAKER), context={"source": SOURCE_USER}
    )
    return dict(result)


async def test_speaker_flow(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A speaker is stored normalised, and gets its device and entities."""
    result = await _start_speaker_flow(hass, loaded_entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert form_values(result) == {
        CONF_NAME: "",
        "network_on_means": "blocked",
        "network_backend": "switch",
        "actions": ["mute_media"],
        "enforce": False,
        "profile": "other",
        "wake_window": 5.0,
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
    """Only the media player is needed; an IPv6 address is accepted."""
    result = await _start_speaker_flow(hass, loaded_entry)
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {
                CONF_NAME: "Office HomePod",
                "media_player": OFFICE["media_player"],
                "network_on_means": "blocked",
                "network_backend": "switch",
                "ip_address": "fd00::40",
                "actions": ["mute_media"],
                "enforce": False,
                "profile": "other",
                "wake_window": 5.0,
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
                "network_on_means": "blocked",
                "network_backend": "switch",
                "actions": ["mute_media"],
                "enforce": False,
                "traffic_entity": "sensor.office_tx",
                "profile": "apple_homepod",
                "threshold": 50000,
                "wake_entity": "media_player.office_alexa",
                "wake_attribute": " last_called ",
                "wake_window": 8,
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


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        (
            {"media_player": "media_player.nowhere"},
            {"media_player": "entity_not_found"},
        ),
        ({"mic_switch": "switch.nowhere"}, {"mic_switch": "entity_not_found"}),
        ({"network_switch": "switch.nowhere"}, {"network_switch": "entity_not_found"}),
        ({"power_switch": "switch.nowhere"}, {"power_switch": "entity_not_found"}),
        (
            {"media_player": KITCHEN["media_player"]},
            {"media_player": "already_guarded"},
        ),
        ({"ip_address": "192.168.1.300"}, {"ip_address": "invalid_ip"}),
        ({"ip_address": "office.local"}, {"ip_address": "invalid_ip"}),
        ({"mac": "aa:bb:cc:dd:ee"}, {"mac": "invalid_mac"}),
        ({"mac": "aa:bb:cc:dd:ee:fg"}, {"mac": "invalid_mac"}),
        ({"mac": "aabb.ccdd.eeff"}, {"mac": "invalid_mac"}),
        ({"actions": []}, {"actions": "no_actions"}),
        ({"traffic_entity": "sensor.nowhere"}, {"traffic_entity": "entity_not_found"}),
        ({"traffic_entity": "sensor.office_temp"}, {"traffic_entity": "traffic_unit"}),
        ({"wake_entity": "event.nowhere"}, {"wake_entity": "entity_not_found"}),
        (
            {"mic_switch": None, "actions": ["mute_media", "mic_mute"]},
            {"actions": "action_needs_entity"},
        ),
        (
            {"network_switch": None, "actions": ["network_block"]},
            {"actions": "action_needs_entity"},
        ),
        (
            {"power_switch": None, "actions": ["mute_media", "power_off"]},
            {"actions": "action_needs_entity"},
        ),
        (
            {"ip_address": "nowhere", "mac": "nowhere", "actions": []},
            {"ip_address": "invalid_ip", "mac": "invalid_mac", "actions": "no_actions"},
        ),
    ],
)
async def test_speaker_flow_errors(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Each wrong answer is shown on its field, then the speaker is added."""
    result = await _start_speaker_flow(hass, loaded_entry)
    # None stands for a field left empty.
    answer = {
        key: value
        for key, value in (SPEAKER_INPUT | user_input).items()
        if value is not None
    }
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert_translated(result, SUBENTRY)
    assert form_values(result) == answer
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
    assert form_values(result) == {
        "media_player": KITCHEN["media_player"],
        "mic_switch": KITCHEN["mic_switch"],
        "network_switch": KITCHEN["network_switch"],
        "network_on_means": "allowed",
        "network_backend": "switch",
        "power_switch": KITCHEN["power_switch"],
        "actions": ["mute_media", "mic_mute", "network_block"],
        "enforce": False,
        "profile": "other",
        "wake_window": 5.0,
    }
    assert_translated(result, SUBENTRY)

    answer = form_values(result) | {"media_player": BEDROOM["media_player"]}
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"media_player": "already_guarded"}
    assert form_values(result) == answer
    assert_translated(result, SUBENTRY)

    answer = form_values(result) | {
        "media_player": KITCHEN["media_player"],
        "actions": ["power_off", "mute_media"],
        "enforce": True,
        "profile": "other",
        "wake_window": 5.0,
        "mac": "00:11:22:AA:BB:CC",
    }
    del answer["mic_switch"]
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
        "mac": "00:11:22:aa:bb:cc",
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


async def test_speaker_reconfigure_new_media_player(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Moving a speaker to an unguarded media player moves its unique id too."""
    subentry_id = subentry_id_of(loaded_entry, BEDROOM["media_player"])
    result = await _start_speaker_reconfigure(hass, loaded_entry, subentry_id)
    answer = {
        "media_player": OFFICE["media_player"],
        "network_on_means": "blocked",
        "network_backend": "switch",
        "ip_address": "10.0.0.7",
        "actions": ["mute_media"],
        "enforce": False,
        "profile": "other",
        "wake_window": 5.0,
    }
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], answer)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = loaded_entry.subentries[subentry_id]
    assert subentry.unique_id == OFFICE["media_player"]
    assert dict(subentry.data) == answer

    # The bedroom speaker's media player is free again for a new speaker.
    result = await _start_speaker_flow(hass, loaded_entry)
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {
                CONF_NAME: "Bedroom Nest",
                "media_player": BEDROOM["media_player"],
                "network_on_means": "blocked",
                "network_backend": "switch",
                "actions": ["mute_media"],
                "enforce": False,
                "profile": "other",
                "wake_window": 5.0,
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
        codes["_validate"],
    )
    # Guards the walk itself: it must find the codes the flow tests meet.
    assert {"presence_entities_required", "entity_not_found"} <= house
    assert {"already_guarded", "invalid_mac", "no_actions"} <= speaker
    assert house | options <= set(CONFIG["error"])
    assert options <= set(OPTIONS["error"])
    assert speaker <= set(SUBENTRY["error"])
    assert set(SUBENTRY["initiate_flow"]) == {"user", "reconfigure"}
