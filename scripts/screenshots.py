"""Take the README's screenshots from a running demo house (see scripts/screenshots).

Logs in as demo/demo on the Home Assistant at ``--port`` (scripts/develop's
8123 by default), waits until the demo speakers' uploads show requests,
misactivations and silent uploads, and writes PNGs into docs/images/.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
import time

from playwright.sync_api import Page, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, HassServer  # noqa: E402
from tests.e2e.test_browser import log_in  # noqa: E402

IMAGES = REPO / "docs" / "images"
VIEWPORT = {"width": 1280, "height": 900}
# Long enough for the demo's first three activities, at 15 s apart.
UPLOADS_TIMEOUT = 180.0


def wait_for_verdicts(server: HassServer) -> None:
    """Wait until the demo house has counted requested, misactivated and silent
    uploads (the kitchen's room microphone tells the last two apart)."""

    suffixes = ("_requested_uploads", "_misactivations", "_silent_uploads")

    def problem() -> str | None:
        verdicts = {
            suffix
            for state in server.states().values()
            for suffix in suffixes
            if state["entity_id"].startswith("sensor.")
            and state["entity_id"].endswith(suffix)
            and state["state"] not in ("0", "unknown", "unavailable")
        }
        return None if len(verdicts) == 3 else f"verdicts so far: {verdicts}"

    server.wait_until(problem, UPLOADS_TIMEOUT)


def settle(page: Page) -> None:
    """Let cards draw (charts animate in)."""
    page.wait_for_load_state("networkidle")
    time.sleep(2.0)


def main() -> int:
    """Take every screenshot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / ".dev" / "config")
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    server = HassServer(args.config, args.port)
    server.token = (args.config / ".demo_token").read_text(encoding="utf-8").strip()
    wait_for_verdicts(server)
    IMAGES.mkdir(parents=True, exist_ok=True)
    device_id = server.render("{{ device_id('sensor.kitchen_echo_privacy_state') }}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            log_in(page, server)

            page.goto(f"{server.base_url}/privacy-guard/speakers")
            expect(page.locator("hui-tile-card").first).to_be_visible()
            settle(page)
            page.screenshot(path=IMAGES / "dashboard.png")

            page.goto(f"{server.base_url}/privacy-guard/uploads")
            expect(page.locator("hui-logbook-card")).to_be_visible()
            settle(page)
            page.screenshot(path=IMAGES / "dashboard-uploads.png")

            page.goto(f"{server.base_url}/config/devices/device/{device_id}")
            expect(page.get_by_text("Kitchen Echo").first).to_be_visible()
            settle(page)
            page.screenshot(path=IMAGES / "speaker-device.png")

            page.goto(
                f"{server.base_url}/config/integrations/integration/privacy_guard"
            )
            page.get_by_role("button", name="Add speaker").click()
            expect(page.locator("step-flow-form")).to_be_visible()
            settle(page)
            page.screenshot(path=IMAGES / "speaker-flow.png")
        finally:
            browser.close()
    for image in sorted(IMAGES.glob("*.png")):
        print(f"screenshots: {image.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
