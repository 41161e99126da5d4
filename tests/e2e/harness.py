"""What the browser test runs: Home Assistant in its own process, and Chromium."""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.request

REPO = Path(__file__).resolve().parents[2]
RUN_HASS = REPO / "scripts" / "run_hass.py"
HOST = "127.0.0.1"
# Generous bounds for a loaded two-core machine; a healthy start takes seconds.
START_TIMEOUT = 240.0
SETTLE_TIMEOUT = 60.0
ERROR_LINE = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) ")

CHROMIUM = Path("/usr/bin/chromium")
# Flags for Debian's Chromium on a machine without a screen, GPU or internet:
# without the background-networking ones it keeps trying Google's hosts.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class HassServer:
    """Home Assistant started through scripts/run_hass.py on a loopback port."""

    def __init__(
        self, config_dir: Path, port: int, env: dict[str, str] | None = None
    ) -> None:
        """Remember where it lives; nothing starts yet.

        ``env``: variables the demo configuration reads (``!env_var``).
        """
        self.env = env or {}
        self.config_dir = config_dir
        self.port = port
        self.base_url = f"http://{HOST}:{port}"
        self.output = config_dir.parent / "hass-output.txt"
        self.process: subprocess.Popen[bytes] | None = None
        self.token = ""

    # ------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start Home Assistant and wait until its API answers the demo token."""
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(RUN_HASS),
                    "--config",
                    str(self.config_dir),
                    "--port",
                    str(self.port),
                    "--host",
                    HOST,
                    # Everything is installed by scripts/setup: never reach PyPI.
                    "--skip-pip",
                ],
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                # Its own process group, so that stop() reaches every child.
                start_new_session=True,
            )
        token_file = self.config_dir / ".demo_token"

        def api_answers() -> str | None:
            if not token_file.exists():
                return "the demo house has not written its token yet"
            self.token = token_file.read_text(encoding="utf-8").strip()
            try:
                self.get("/api/")
            except (OSError, urllib.error.URLError) as err:
                return f"GET /api/ failed: {err}"
            return None

        self.wait_until(api_answers, START_TIMEOUT)

    def stop(self) -> None:
        """Stop Home Assistant (SIGTERM, then SIGKILL) and its process group."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 60.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                continue
            return

    # ------------------------------------------------------------------ REST
    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Call the REST API with the demo token and return the decoded JSON."""
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read().decode()
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw

    def get(self, path: str) -> Any:
        """GET a REST path."""
        return self.request("GET", path)

    def states(self) -> dict[str, dict[str, Any]]:
        """Return every state by entity id."""
        return {state["entity_id"]: state for state in self.get("/api/states")}

    def render(self, template: str) -> str:
        """Render a template on the server."""
        return str(self.request("POST", "/api/template", {"template": template}))

    # ----------------------------------------------------------- diagnostics
    def wait_until(
        self, problem: Callable[[], str | None], timeout: float = SETTLE_TIMEOUT
    ) -> None:
        """Poll ``problem`` until it returns None; fail with its last answer."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"Home Assistant exited with {self.process.returncode}\n"
                    + self.log_tail()
                )
            last = problem()
            if last is None:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"still after {timeout:.0f} s: {last}\n" + self.log_tail()
                )
            time.sleep(0.25)

    def log_lines(self) -> list[str]:
        """Return the lines of home-assistant.log."""
        log = self.config_dir / "home-assistant.log"
        if not log.exists():
            return []
        return log.read_text(encoding="utf-8", errors="replace").splitlines()

    def error_lines(self) -> list[str]:
        """Return the ERROR and CRITICAL lines of home-assistant.log."""
        return [line for line in self.log_lines() if ERROR_LINE.match(line)]

    def log_tail(self, lines: int = 60) -> str:
        """Return the end of the log and of the process output, for a failure."""
        output = ""
        if self.output.exists():
            output = self.output.read_text(encoding="utf-8", errors="replace")
        return (
            "--- home-assistant.log (end) ---\n"
            + "\n".join(self.log_lines()[-lines:])
            + "\n--- process output (end) ---\n"
            + "\n".join(output.splitlines()[-lines:])
        )
