"""Privacy mode from the browser: real clicks in Home Assistant's own frontend.

Home Assistant runs the demo house in its own process (scripts/run_hass.py);
headless Chromium logs in as demo/demo and flips the house's privacy mode on the
Privacy Guard device page; the REST API tells what the speakers went through.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

from homeassistant.util import slugify
from homeassistant.util.yaml import load_yaml_dict
from playwright.sync_api import Page, expect, sync_playwright
import pytest

from .harness import CHROMIUM_ARGS, HassServer

pytestmark = pytest.mark.e2e

PRIVACY_MODE = "switch.demo_house_privacy_mode"
type States = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Speaker:
    """A speaker of the demo house and the entities that show its state."""

    name: str
    mic_switch: bool
    network_switch: bool
    network_on_means: str

    @property
    def slug(self) -> str:
        """Return the entity id stem."""
        return slugify(self.name)

    def problems(self, states: States, guarded: bool) -> list[str]:
        """Return how the speaker differs from guarded (or free) in ``states``."""
        found: list[str] = []

        def check(entity_id: str, expected: object, actual: object) -> None:
            if actual != expected:
                found.append(f"{entity_id} is {actual!r}, expected {expected!r}")

        attributes = states.get(f"media_player.{self.slug}", {}).get("attributes", {})
        check(
            f"media_player.{self.slug} is_volume_muted",
            guarded,
            attributes.get("is_volume_muted"),
        )
        if self.mic_switch:
            mic = f"switch.{self.slug}_microphone_mute"
            check(mic, "on" if guarded else "off", states.get(mic, {}).get("state"))
        if self.network_switch:
            network = f"switch.{self.slug}_internet_access"
            # The switch's polarity: ON means allowed (UniFi, FRITZ!Box) or blocked.
            blocked = "on" if self.network_on_means == "blocked" else "off"
            allowed = "off" if blocked == "on" else "on"
            expected = blocked if guarded else allowed
            check(network, expected, states.get(network, {}).get("state"))
        return found


def demo_speakers(config_dir: Path) -> list[Speaker]:
    """Read the speakers of the demo configuration that the server runs."""
    config = load_yaml_dict(config_dir / "configuration.yaml")
    return [
        Speaker(
            name=speaker["name"],
            mic_switch=speaker.get("mic_switch", True),
            network_switch=speaker.get("network_switch", True),
            network_on_means=speaker.get("network_on_means", "allowed"),
        )
        for speaker in config["privacy_demo"]["speakers"]
    ]


def guard_not_ready(server: HassServer, speakers: list[Speaker]) -> str | None:
    """Return what the demo house still lacks before the test can begin."""
    entries = server.get("/api/config/config_entries/entry?domain=privacy_guard")
    if not entries:
        return "Privacy Guard has no config entry yet"
    entry = entries[0]
    if entry["state"] != "loaded" or entry["num_subentries"] != len(speakers):
        return (
            f"Privacy Guard entry {entry['title']!r} is {entry['state']} "
            f"with {entry['num_subentries']} of {len(speakers)} speakers"
        )
    devices = server.render(
        "{{ integration_entities('privacy_guard') | map('device_id')"
        " | unique | list | count }}"
    )
    if devices != str(len(speakers) + 1):
        return f"{devices} Privacy Guard devices, expected the house and each speaker"
    mode = server.states().get(PRIVACY_MODE, {}).get("state")
    if mode not in ("on", "off"):
        return f"{PRIVACY_MODE} is {mode!r}"
    return None


def house_differs(
    server: HassServer, speakers: list[Speaker], guarded: bool
) -> str | None:
    """Return how the house differs from privacy mode on (or off), or None."""
    states = server.states()
    found: list[str] = []
    mode = states.get(PRIVACY_MODE, {}).get("state")
    if mode != ("on" if guarded else "off"):
        found.append(f"{PRIVACY_MODE} is {mode!r}")
    for speaker in speakers:
        found.extend(speaker.problems(states, guarded))
    return "; ".join(found) or None


def log_in(page: Page, server: HassServer) -> None:
    """Log in as demo/demo on Home Assistant's own login page."""
    page.goto(f"{server.base_url}/")
    page.get_by_role("textbox", name="Username").fill("demo")
    page.get_by_role("textbox", name="Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function(
        "() => document.querySelector('home-assistant')?.hass?.connected === true"
    )


def test_privacy_mode_from_the_browser(
    hass_server: HassServer, chromium: Path, tmp_path: Path
) -> None:
    """A click mutes every speaker and cuts it off; a second click restores it."""
    speakers = demo_speakers(hass_server.config_dir)
    assert len(speakers) >= 2
    hass_server.wait_until(lambda: guard_not_ready(hass_server, speakers))
    assert house_differs(hass_server, speakers, guarded=False) is None
    device_id = hass_server.render(f"{{{{ device_id('{PRIVACY_MODE}') }}}}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            log_in(page, hass_server)
            # The HTTP settings are confirmed ones: no trial to confirm (2026.10).
            expect(
                page.get_by_text("Confirm new HTTP server configuration")
            ).to_have_count(0)
            page.goto(f"{hass_server.base_url}/config/devices/device/{device_id}")
            expect(page.get_by_text("Demo house").first).to_be_visible()
            row = page.locator("hui-toggle-entity-row", has_text="Privacy mode")
            toggle = row.get_by_role("switch")
            # The 2026.9+ frontend draws the switch's thumb over its input: a
            # click goes to the ha-switch element, as a person's would.
            knob = row.locator("ha-switch")
            expect(toggle).not_to_be_checked()

            knob.click()
            hass_server.wait_until(
                lambda: house_differs(hass_server, speakers, guarded=True)
            )
            expect(toggle).to_be_checked()
            page.screenshot(path=tmp_path / "privacy-mode-on.png")

            knob.click()
            hass_server.wait_until(
                lambda: house_differs(hass_server, speakers, guarded=False)
            )
            expect(toggle).not_to_be_checked()
            page.screenshot(path=tmp_path / "privacy-mode-off.png")
        finally:
            browser.close()

    assert hass_server.error_lines() == []
    stored = hass_server.config_dir / ".storage" / "http"
    if stored.exists():  # 2026.10: confirmed settings, nothing on trial
        http = json.loads(stored.read_text(encoding="utf-8"))["data"]
        assert http["pending"] is None
        assert http["stable"]["server_port"] == hass_server.port
