"""The shipped blueprints install into the configuration and work."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import models
from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.privacy_guard.blueprints import SOURCE

from .helpers import settle, state

SHIPPED = sorted(path.name for path in SOURCE.glob("automation/*.yaml"))


def _listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.yaml"))


async def test_blueprints_installed_once(hass: HomeAssistant, tmp_path: Path) -> None:
    """Set-up copies every blueprint; a user's edit is never overwritten."""
    assert SHIPPED
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints/automation/privacy_guard"
    edited = target / SHIPPED[0]
    await hass.async_add_executor_job(lambda: target.mkdir(parents=True))
    await hass.async_add_executor_job(edited.write_text, "# my own version\n")
    assert await async_setup_component(hass, "privacy_guard", {})
    assert await hass.async_add_executor_job(_listing, target) == SHIPPED
    assert await hass.async_add_executor_job(edited.read_text) == "# my own version\n"


async def test_install_failure_is_only_a_warning(
    hass: HomeAssistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only configuration folder does not stop the integration."""
    hass.config.config_dir = str(tmp_path)
    with patch(
        "custom_components.privacy_guard.blueprints.shutil.copyfile",
        side_effect=PermissionError("read-only"),
    ):
        assert await async_setup_component(hass, "privacy_guard", {})
    assert "Could not install the blueprints" in caplog.text


@pytest.mark.parametrize("name", SHIPPED)
def test_blueprint_is_valid(name: str) -> None:
    """Each blueprint passes Home Assistant's own automation blueprint schema."""
    data = load_yaml_dict(str(SOURCE / "automation" / name))
    blueprint = models.Blueprint(
        data, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
    )
    assert blueprint.metadata["source_url"].endswith(name)
    assert blueprint.inputs


async def test_schedule_blueprint_drives_privacy_mode(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
) -> None:
    """An automation made from the installed schedule blueprint drives privacy mode."""
    hass.states.async_set("schedule.night", "off")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "privacy_guard/privacy_on_schedule.yaml",
                    "input": {
                        "schedule_entity": "schedule.night",
                        "privacy_switch": "switch.home_privacy_mode",
                    },
                }
            }
        },
    )
    hass.states.async_set("schedule.night", "on")
    await settle(hass)
    assert state(hass, "switch.home_privacy_mode") == "on"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "offline"
    hass.states.async_set("schedule.night", "off")
    await settle(hass)
    assert state(hass, "switch.home_privacy_mode") == "off"


@pytest.mark.parametrize(
    ("kind", "leaks", "unwitnessed", "notified"),
    [
        ("misactivation", False, False, True),
        ("silent", False, False, True),
        ("requested", True, True, False),
        ("unsolicited", True, True, True),
        ("unsolicited", True, False, False),
        ("leak", True, False, True),
        ("leak", False, True, False),
    ],
)
async def test_notify_blueprint_picks_the_uploads_nobody_asked_for(
    hass: HomeAssistant, kind: str, leaks: bool, unwitnessed: bool, notified: bool
) -> None:
    """The blueprint's condition, rendered as the automation renders it."""
    data = load_yaml_dict(str(SOURCE / "automation/notify_unsolicited_upload.yaml"))
    template = Template(data["condition"][0]["value_template"], hass)
    variables = {
        "trigger": {"event": {"data": {"kind": kind}}},
        "include_leaks": leaks,
        "include_unwitnessed": unwitnessed,
    }
    assert template.async_render(variables) is notified
    message = Template(data["action"][0]["message"], hass).async_render(
        {"trigger": {"event": {"data": {"kind": kind, "bytes": 2000, "duration": 3}}}}
    )
    assert message.startswith("2.0 kB in")
