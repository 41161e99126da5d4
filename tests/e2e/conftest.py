"""Fixtures of the browser test: a real Home Assistant and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
import os
from pathlib import Path
import shutil
import socket

import pytest

from .harness import CHROMIUM, HOST, HassServer


def pytest_configure(config: pytest.Config) -> None:
    """Register the e2e marker."""
    config.addinivalue_line(
        "markers",
        "e2e: starts a real Home Assistant and a browser (deselect: -m 'not e2e')",
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the root fixture: no in-process `hass` here.

    Home Assistant runs in its own process and finds the integration through the
    configuration directory's custom_components links.
    """


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def hass_server(tmp_path: Path, socket_enabled: None) -> Iterator[HassServer]:
    """Start Home Assistant on the demo house; stop it whatever happens."""
    # Demo speakers that talk every 15 s (the least), the first after 5 s; the
    # kitchen's microphone server and its control channel on ports of their own.
    server = HassServer(
        tmp_path / "config",
        _free_port(),
        env={
            "PRIVACY_DEMO_TALK_INTERVAL": "15",
            "PRIVACY_DEMO_TALK_FIRST": "5",
            "PRIVACY_DEMO_MIC_PORT": str(_free_port()),
            "PRIVACY_DEMO_MIC_CONTROL_PORT": str(_free_port()),
        },
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def chromium() -> Path:
    """Return Debian's Chromium; fail in CI, skip elsewhere, when it is missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    if found := shutil.which("chromium"):
        return Path(found)
    message = "Debian's chromium is not installed (scripts/setup installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
