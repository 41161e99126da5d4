"""The Privacy Guard dashboard in the browser: real clicks in Home Assistant's frontend.

Home Assistant runs the demo house in its own process (scripts/run_hass.py),
its speakers talking; headless Chromium logs in as demo/demo, opens the
dashboard from the sidebar, watches uploads appear and flips the house's privacy
mode there; the REST API tells what the speakers went through.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any
import urllib.request

from homeassistant.util import slugify
from homeassistant.util.yaml import load_yaml_dict
from playwright.sync_api import Locator, Page, expect, sync_playwright
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
    def can_protect(self) -> bool:
        """Return whether the guard has a cut for it (else only its output)."""
        return self.mic_switch or self.network_switch

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


def demo_rooms(config_dir: Path) -> int:
    """Return how many room microphones the demo configuration has."""
    config = load_yaml_dict(config_dir / "configuration.yaml")
    return 1 if config["privacy_demo"].get("room_microphone") else 0


def guard_not_ready(
    server: HassServer, speakers: list[Speaker], rooms: int
) -> str | None:
    """Return what the demo house still lacks before the test can begin."""
    entries = server.get("/api/config/config_entries/entry?domain=privacy_guard")
    if not entries:
        return "Privacy Guard has no config entry yet"
    entry = entries[0]
    parts = len(speakers) + rooms
    if entry["state"] != "loaded" or entry["num_subentries"] != parts:
        return (
            f"Privacy Guard entry {entry['title']!r} is {entry['state']} "
            f"with {entry['num_subentries']} of {len(speakers)} speakers and"
            f" {rooms} room microphones"
        )
    devices = server.render(
        "{{ integration_entities('privacy_guard') | map('device_id')"
        " | unique | list | count }}"
    )
    if devices != str(parts + 1):
        return (
            f"{devices} Privacy Guard devices, expected the house, each speaker"
            " and each room microphone"
        )
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


def speaker_section(page: Page, speaker: Speaker) -> Locator:
    """Return the dashboard's section of one speaker (its heading names it)."""
    return page.locator(
        "hui-grid-section",
        has=page.locator("hui-heading-card", has_text=speaker.name),
    )


def run_self_test(page: Page, speaker: Speaker) -> None:
    """Press a speaker's Run self-test tile on the dashboard."""
    speaker_section(page, speaker).locator(
        "hui-tile-card", has_text="Run self-test"
    ).click()


def expect_self_test(page: Page, speaker: Speaker, result: str) -> None:
    """Wait until a speaker's Self-test tile shows ``result``."""
    expect(
        speaker_section(page, speaker)
        .locator("hui-tile-card", has_text="Self-test")
        .filter(has_not_text="Run")
    ).to_contain_text(result, timeout=90_000)


def protected_tile(page: Page, speaker: Speaker) -> Locator:
    """Return a speaker's Protected tile on the dashboard."""
    return speaker_section(page, speaker).locator("hui-tile-card", has_text="Protected")


def protection_differs(
    server: HassServer, speakers: list[Speaker], protected: bool
) -> str | None:
    """Return the speakers whose Protected sensor differs from ``protected``.

    A speaker whose output alone can be silenced is never protected.
    """
    states = server.states()
    found = [
        f"{entity} is {states.get(entity, {}).get('state')!r}"
        for speaker in speakers
        if states.get(entity := f"binary_sensor.{speaker.slug}_protected", {}).get(
            "state"
        )
        != ("on" if protected and speaker.can_protect else "off")
    ]
    return "; ".join(found) or None


def test_the_dashboard(hass_server: HassServer, chromium: Path, tmp_path: Path) -> None:
    """The sidebar's dashboard: uploads appear with their verdicts; its privacy
    mode toggle protects every speaker (mutes them and cuts them off), and a
    second click gives everything back.
    """
    speakers = demo_speakers(hass_server.config_dir)
    assert len(speakers) >= 2
    rooms = demo_rooms(hass_server.config_dir)
    assert rooms == 1
    hass_server.wait_until(lambda: guard_not_ready(hass_server, speakers, rooms))
    # The self-test's probe clip, served by this Home Assistant without a login
    # (a speaker fetches it).
    with urllib.request.urlopen(
        f"{hass_server.base_url}/privacy_guard/probe/alexa.mp3", timeout=10
    ) as clip:
        assert clip.status == 200
        assert clip.headers["Content-Type"] == "audio/mpeg"
        assert len(clip.read()) > 1000
    assert house_differs(hass_server, speakers, guarded=False) is None

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
            # In the sidebar, without any YAML of the user's.
            page.get_by_role("link", name="Privacy Guard").click()
            page.wait_for_url("**/privacy-guard/speakers")
            for speaker in speakers:
                expect(
                    page.locator("hui-heading-card", has_text=speaker.name)
                ).to_be_visible()

            # The demo speakers talk: uploads appear in the logbook, judged.
            page.goto(f"{hass_server.base_url}/privacy-guard/uploads")
            logbook = page.locator("hui-logbook-card")
            # Its list draws only the rows on screen.
            logbook.scroll_into_view_if_needed()
            expect(logbook.get_by_text("Requested").first).to_be_visible(timeout=90_000)
            expect(logbook.get_by_text("Not asked for").first).to_be_visible(
                timeout=90_000
            )
            # The kitchen's room microphone heard the TV, or nobody: the Echo's
            # misactivations and silent uploads are told apart.
            expect(logbook.get_by_text("Misactivation").first).to_be_visible(
                timeout=90_000
            )
            expect(logbook.get_by_text("Silent").first).to_be_visible(timeout=90_000)
            # The week's report: bars per day from the first minute (the demo
            # made up the week before its first start, and says so).
            charts = page.locator("hui-statistics-graph-card")
            expect(charts).to_have_count(2 * len(speakers))
            expect(charts.first.locator("ha-chart-base")).to_be_visible(timeout=30_000)
            expect(charts.first).not_to_contain_text("No statistics")
            week = page.locator("hui-statistic-card")
            expect(week.first).to_be_visible()
            expect(week.first).not_to_contain_text("Entity not available")
            page.screenshot(path=tmp_path / "uploads.png", full_page=True)

            page.goto(f"{hass_server.base_url}/privacy-guard/speakers")
            # Calibration, while nothing is guarded: the demo allows it, so a
            # self-test shows the probe wakes each of the two speakers tested
            # below (what their later result rests on).
            tested = speakers[:1] + [s for s in speakers if not s.can_protect]
            for speaker in tested:
                run_self_test(page, speaker)
                expect_self_test(page, speaker, "Woke (calibrated)")
            page.screenshot(path=tmp_path / "calibrated.png")

            tile = page.locator("hui-tile-card", has_text="Privacy mode")
            toggle = tile.locator("hui-toggle-card-feature")
            expect(toggle).to_be_visible()
            toggle.click()
            hass_server.wait_until(
                lambda: house_differs(hass_server, speakers, guarded=True)
            )
            hass_server.wait_until(
                lambda: protection_differs(hass_server, speakers, protected=True)
            )
            # The page shows it: every speaker's Protected tile is on, but that
            # of the one whose output alone can be silenced.
            for speaker in speakers:
                expect(protected_tile(page, speaker)).to_contain_text(
                    "On" if speaker.can_protect else "Off"
                )
            assert any(not speaker.can_protect for speaker in speakers)
            page.screenshot(path=tmp_path / "privacy-mode-on.png")

            # The self-test from the dashboard: a probe near each of two
            # speakers; the one with a cut holds, the weak one leaks.
            for speaker in tested:
                run_self_test(page, speaker)
            for speaker in tested:
                expect_self_test(
                    page, speaker, "Held" if speaker.can_protect else "Leaked"
                )
            page.screenshot(path=tmp_path / "self-test.png")

            toggle.click()
            hass_server.wait_until(
                lambda: house_differs(hass_server, speakers, guarded=False)
            )
            for speaker in speakers:
                expect(protected_tile(page, speaker)).to_contain_text("Off")
            page.screenshot(path=tmp_path / "privacy-mode-off.png")
        finally:
            browser.close()

    assert hass_server.error_lines() == []
    stored = hass_server.config_dir / ".storage" / "http"
    if stored.exists():  # 2026.10: confirmed settings, nothing on trial
        http = json.loads(stored.read_text(encoding="utf-8"))["data"]
        assert http["pending"] is None
        assert http["stable"]["server_port"] == hass_server.port
