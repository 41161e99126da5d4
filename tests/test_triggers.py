"""The automation editor's triggers and conditions, on a real Home Assistant.

Automations are set up as a person writes them (``trigger: privacy_guard.upload``,
``condition: privacy_guard.is_protected``) and call ``test.automation``, whose
calls are captured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import (
    condition as condition_helper,
    config_validation as cv,
    device_registry as dr,
    trigger as trigger_helper,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)
import yaml

from custom_components.privacy_guard.const import DOMAIN
from custom_components.privacy_guard.schema import vol

from .helpers import device_of, settle, state, switch

INTEGRATION = Path(__file__).parent.parent / "custom_components" / DOMAIN
PRIVACY = "switch.home_privacy_mode"
KITCHEN_UPLOADS = "sensor.kitchen_echo_uploads"
BEDROOM_UPLOADS = "sensor.bedroom_nest_uploads"
KITCHEN_PROTECTED = "binary_sensor.kitchen_echo_protected"
BEDROOM_PROTECTED = "binary_sensor.bedroom_nest_protected"
# Subentry ids are fixed by tests/conftest.py's speaker_subentry().
KITCHEN_ID = "kitchen_echo_id"
BEDROOM_ID = "bedroom_nest_id"

TRIGGER_KEYS = {
    "upload",
    "leak",
    "guard_engaged",
    "guard_released",
    "speaker_protected",
    "speaker_unprotected",
}
CONDITION_KEYS = {
    "is_protected",
    "is_unprotected",
    "is_guard_engaged",
    "is_privacy_mode_on",
}

MESSAGE = "{{ trigger.id }}|{{ trigger.name }}|{{ trigger.event.data.kind }}"


@pytest.fixture
def calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Capture the calls the automations make."""
    return async_mock_service(hass, "test", "automation")


def speaker_device(hass: HomeAssistant, entry: MockConfigEntry, speaker: str) -> str:
    """Return the device id of a speaker (or of the house, by its entry id)."""
    device = device_of(dr.async_get(hass), (DOMAIN, speaker), entry.entry_id)
    assert device is not None
    return device.id


async def automations(hass: HomeAssistant, *configs: dict[str, Any]) -> None:
    """Set up automations that call test.automation with what fired them."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "alias": f"automation {index}",
                    "actions": [
                        {"action": "test.automation", "data": {"message": MESSAGE}},
                    ],
                    **config,
                }
                for index, config in enumerate(configs)
            ]
        },
    )
    await hass.async_block_till_done()
    for index in range(len(configs)):
        assert state(hass, f"automation.automation_{index}") == "on"


async def record_upload(hass: HomeAssistant, entity_id: str) -> str:
    """Report an upload of the entity's speaker; return its verdict."""
    response = await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {"entity_id": entity_id, "bytes": 120_000, "duration": 4},
        blocking=True,
        return_response=True,
    )
    await settle(hass)
    assert response is not None
    verdicts = response["verdicts"]
    assert isinstance(verdicts, dict)
    (verdict,) = verdicts.values()
    return str(verdict)


def messages(calls: list[ServiceCall]) -> list[str]:
    """Return the messages of the captured calls, then forget them."""
    found = sorted(call.data["message"] for call in calls)
    calls.clear()
    return found


# ----------------------------------------------------------- descriptions
async def test_triggers_and_conditions_are_described(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Home Assistant loads both descriptions; every key is named and has an icon."""
    assert await async_setup_component(hass, "automation", {})
    triggers = await trigger_helper.async_get_all_descriptions(hass)
    conditions = await condition_helper.async_get_all_descriptions(hass)
    assert {
        key.removeprefix(f"{DOMAIN}.")
        for key, description in triggers.items()
        if key.startswith(f"{DOMAIN}.") and description is not None
    } == TRIGGER_KEYS
    assert {
        key.removeprefix(f"{DOMAIN}.")
        for key, description in conditions.items()
        if key.startswith(f"{DOMAIN}.") and description is not None
    } == CONDITION_KEYS
    assert triggers[f"{DOMAIN}.upload"]["fields"]["kind"]["selector"]["select"][
        "multiple"
    ]

    strings = json.loads((INTEGRATION / "translations/en.json").read_text("utf-8"))
    icons = json.loads((INTEGRATION / "icons.json").read_text("utf-8"))
    for section, keys, files in (
        ("triggers", TRIGGER_KEYS, "triggers.yaml"),
        ("conditions", CONDITION_KEYS, "conditions.yaml"),
    ):
        described = {
            key: value
            for key, value in yaml.safe_load(
                (INTEGRATION / files).read_text("utf-8")
            ).items()
            if not key.startswith(".")
        }
        assert set(described) == keys
        assert set(strings[section]) == keys
        assert set(icons[section]) == keys
        for key, description in described.items():
            assert strings[section][key]["name"]
            assert strings[section][key]["description"]
            assert set(strings[section][key].get("fields", {})) == set(
                description.get("fields", {})
            )
            for field in description.get("fields", {}):
                assert strings[section][key]["fields"][field]["name"]
                assert strings[section][key]["fields"][field]["description"]


@pytest.mark.parametrize(
    "config",
    [
        {"trigger": "privacy_guard.upload", "options": {"kind": ["bogus"]}},
        {"trigger": "privacy_guard.guard_engaged", "options": {"reason": "none"}},
        {"trigger": "privacy_guard.leak", "options": {"kind": ["leak"]}},
        {"trigger": "privacy_guard.no_such_trigger"},
    ],
)
async def test_bad_trigger_configs_are_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, config: dict[str, Any]
) -> None:
    with pytest.raises(vol.Invalid):
        await trigger_helper.async_validate_trigger_config(
            hass, cv.TRIGGER_SCHEMA([config])
        )


async def test_bad_condition_config_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(vol.Invalid):
        await condition_helper.async_validate_condition_config(
            hass,
            cv.CONDITION_SCHEMA(
                {
                    "condition": "privacy_guard.is_protected",
                    "options": {"behavior": "most"},
                }
            ),
        )


# ---------------------------------------------------------------- uploads
async def test_upload_trigger_fires_for_the_chosen_speaker_and_verdict(
    hass: HomeAssistant, init_integration: MockConfigEntry, calls: list[ServiceCall]
) -> None:
    """The target and the verdicts filter; nothing chosen means every upload."""
    kitchen = speaker_device(hass, init_integration, KITCHEN_ID)
    await automations(
        hass,
        {
            "triggers": {
                "trigger": "privacy_guard.upload",
                "id": "kitchen_unsolicited",
                "target": {"device_id": kitchen},
                "options": {"kind": ["unsolicited", "misactivation"]},
            }
        },
        {
            "triggers": {
                "trigger": "privacy_guard.upload",
                "id": "kitchen_requested",
                "target": {"device_id": kitchen},
                "options": {"kind": "requested"},
            }
        },
        {"triggers": {"trigger": "privacy_guard.upload", "id": "any"}},
        {
            "triggers": {
                "trigger": "privacy_guard.upload",
                "id": "bedroom_entity",
                "target": {"entity_id": BEDROOM_UPLOADS},
            }
        },
    )

    # Without any evidence of a request, an upload is unsolicited.
    assert await record_upload(hass, KITCHEN_UPLOADS) == "unsolicited"
    assert messages(calls) == [
        "any|Kitchen Echo|unsolicited",
        "kitchen_unsolicited|Kitchen Echo|unsolicited",
    ]

    assert await record_upload(hass, BEDROOM_UPLOADS) == "unsolicited"
    assert messages(calls) == [
        "any|Bedroom Nest|unsolicited",
        "bedroom_entity|Bedroom Nest|unsolicited",
    ]


async def test_upload_trigger_variables(
    hass: HomeAssistant, init_integration: MockConfigEntry, calls: list[ServiceCall]
) -> None:
    """The event's data reach the action as trigger.event.data and trigger.<key>."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": {"trigger": "privacy_guard.upload"},
                "actions": {
                    "action": "test.automation",
                    "data": {
                        "platform": "{{ trigger.platform }}",
                        "speaker_id": "{{ trigger.speaker_id }}",
                        "bytes": "{{ trigger.bytes }}",
                        "event_bytes": "{{ trigger.event.data.bytes }}",
                        "source": "{{ trigger.source }}",
                        "event_type": "{{ trigger.event.event_type }}",
                        "description": "{{ trigger.description }}",
                    },
                },
            }
        },
    )
    await record_upload(hass, KITCHEN_UPLOADS)
    assert len(calls) == 1
    assert calls[0].data == {
        "platform": "privacy_guard.upload",
        "speaker_id": KITCHEN_ID,
        "bytes": 120000,
        "event_bytes": 120000,
        "source": "record_upload",
        "event_type": "privacy_guard_upload",
        "description": "upload of Kitchen Echo (unsolicited)",
    }


async def test_leak_trigger_fires_for_an_upload_while_guarded(
    hass: HomeAssistant, init_integration: MockConfigEntry, calls: list[ServiceCall]
) -> None:
    await automations(
        hass,
        {"triggers": {"trigger": "privacy_guard.leak", "id": "leak"}},
        {
            "triggers": {
                "trigger": "privacy_guard.upload",
                "id": "upload_leak",
                "options": {"kind": ["leak"]},
            }
        },
    )
    assert await record_upload(hass, KITCHEN_UPLOADS) == "unsolicited"
    assert messages(calls) == []

    await switch(hass, PRIVACY, True)
    assert await record_upload(hass, KITCHEN_UPLOADS) == "leak"
    assert messages(calls) == [
        "leak|Kitchen Echo|leak",
        "upload_leak|Kitchen Echo|leak",
    ]


# ------------------------------------------------------------------ guard
async def test_guard_triggers_follow_privacy_mode(
    hass: HomeAssistant, init_integration: MockConfigEntry, calls: list[ServiceCall]
) -> None:
    """Engaged and released per speaker; reasons and the target filter."""
    bedroom = speaker_device(hass, init_integration, BEDROOM_ID)
    reason = "{{ trigger.id }}|{{ trigger.name }}|{{ trigger.reason }}"
    await automations(
        hass,
        *(
            {
                "triggers": trigger,
                "actions": {"action": "test.automation", "data": {"message": reason}},
            }
            for trigger in (
                {"trigger": "privacy_guard.guard_engaged", "id": "engaged"},
                {
                    "trigger": "privacy_guard.guard_engaged",
                    "id": "privacy",
                    "target": {"device_id": bedroom},
                    "options": {"reason": ["privacy_mode"]},
                },
                {
                    "trigger": "privacy_guard.guard_engaged",
                    "id": "empty",
                    "options": {"reason": ["house_empty"]},
                },
                {
                    "trigger": "privacy_guard.guard_released",
                    "id": "released",
                    "target": {"entity_id": BEDROOM_PROTECTED},
                },
            )
        ),
    )

    await switch(hass, PRIVACY, True)
    assert messages(calls) == [
        "engaged|Bedroom Nest|privacy_mode",
        "engaged|Kitchen Echo|privacy_mode",
        "privacy|Bedroom Nest|privacy_mode",
    ]

    await switch(hass, PRIVACY, False)
    assert messages(calls) == ["released|Bedroom Nest|none"]


async def test_protection_triggers_follow_the_protected_sensor(
    hass: HomeAssistant, init_integration: MockConfigEntry, calls: list[ServiceCall]
) -> None:
    """On and off of a speaker's protected binary sensor; a house stands for all."""
    house = speaker_device(hass, init_integration, init_integration.entry_id)
    kitchen = speaker_device(hass, init_integration, KITCHEN_ID)
    message = "{{ trigger.id }}|{{ trigger.name }}|{{ trigger.to_state.state }}"
    await automations(
        hass,
        *(
            {
                "triggers": trigger,
                "actions": {"action": "test.automation", "data": {"message": message}},
            }
            for trigger in (
                {
                    "trigger": "privacy_guard.speaker_protected",
                    "id": "kitchen",
                    "target": {"device_id": kitchen},
                },
                {
                    "trigger": "privacy_guard.speaker_protected",
                    "id": "house",
                    "target": {"device_id": house},
                },
                {
                    "trigger": "privacy_guard.speaker_unprotected",
                    "id": "bedroom_off",
                    "target": {"entity_id": BEDROOM_PROTECTED},
                },
            )
        ),
    )
    assert state(hass, KITCHEN_PROTECTED) == "off"

    await switch(hass, PRIVACY, True)
    assert state(hass, KITCHEN_PROTECTED) == "on"
    assert messages(calls) == [
        "house|Bedroom Nest|on",
        "house|Kitchen Echo|on",
        "kitchen|Kitchen Echo|on",
    ]

    await switch(hass, PRIVACY, False)
    assert state(hass, BEDROOM_PROTECTED) == "off"
    assert messages(calls) == ["bedroom_off|Bedroom Nest|off"]

    # Neither the first state nor a return from unavailable is a change.
    hass.states.async_set(KITCHEN_PROTECTED, "unavailable")
    hass.states.async_set(KITCHEN_PROTECTED, "on")
    await hass.async_block_till_done()
    assert messages(calls) == []


# ------------------------------------------------------------- conditions
async def test_conditions(
    hass: HomeAssistant, init_integration: MockConfigEntry, calls: list[ServiceCall]
) -> None:
    """Each condition lets the action run only when it holds."""
    kitchen = speaker_device(hass, init_integration, KITCHEN_ID)
    conditions: dict[str, dict[str, Any]] = {
        "kitchen_protected": {
            "condition": "privacy_guard.is_protected",
            "target": {"device_id": kitchen},
        },
        "all_protected": {
            "condition": "privacy_guard.is_protected",
            "options": {"behavior": "all"},
        },
        "bedroom_unprotected": {
            "condition": "privacy_guard.is_unprotected",
            "target": {"entity_id": BEDROOM_PROTECTED},
        },
        "engaged": {"condition": "privacy_guard.is_guard_engaged"},
        "privacy_mode": {"condition": "privacy_guard.is_privacy_mode_on"},
        "privacy_mode_of_kitchen": {
            "condition": "privacy_guard.is_privacy_mode_on",
            "target": {"device_id": kitchen},
        },
        "nothing_selected": {
            "condition": "privacy_guard.is_protected",
            "target": {"entity_id": "switch.kitchen_echo_plug"},
        },
    }
    await automations(
        hass,
        *(
            {
                "triggers": {"trigger": "event", "event_type": "check", "id": key},
                "conditions": condition,
            }
            for key, condition in conditions.items()
        ),
    )

    async def passing() -> list[str]:
        hass.bus.async_fire("check")
        await settle(hass)
        return sorted(message.split("|")[0] for message in messages(calls))

    assert await passing() == ["bedroom_unprotected"]

    await switch(hass, PRIVACY, True)
    assert await passing() == [
        "all_protected",
        "engaged",
        "kitchen_protected",
        "privacy_mode",
        "privacy_mode_of_kitchen",
    ]

    await switch(hass, PRIVACY, False)
    assert await passing() == ["bedroom_unprotected"]
