"""Run a real Home Assistant on the demo house, with this checkout's Privacy Guard.

    .venv/bin/python scripts/run_hass.py [--config DIR] [--port N] [--host H]
                                         [Home Assistant options, e.g. --debug]

The configuration directory (default ``.dev/config``) is rebuilt from
``scripts/demo_config`` at every start: its YAML is copied over, and
``custom_components`` links to the integration and the demo house, so code edits
take effect at the next start. What Home Assistant stores (``.storage``, the
database, ``home-assistant.log``) stays, and so do the automations and scripts
made in the UI. scripts/develop and tests/e2e both start
Home Assistant through this file.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib.util
import json
import os
from pathlib import Path
import shlex
import shutil
import signal
import subprocess
import sys
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "scripts" / "demo_config"
DEFAULT_CONFIG_DIR = REPO / ".dev" / "config"
TOKEN_FILE = ".demo_token"
LINKS = {
    "privacy_guard": REPO / "custom_components" / "privacy_guard",
    "privacy_demo": DEMO_CONFIG / "custom_components" / "privacy_demo",
}
# Every onboarding step done, so the browser opens the login page and not the
# wizard; the demo house makes the demo/demo login itself (dev_user: true).
ONBOARDING = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["user", "core_config", "analytics", "integration"]},
}
# What the UI's automation and script editors save to, made empty when missing
# and then left alone, so that what is made in the UI survives a restart.
UI_FILES = {"automations.yaml": "[]\n", "scripts.yaml": "{}\n"}
# The real Wyoming microphone server, beside the checkout (see start_microphone).
PEER = REPO.parent / "shared" / "peers" / "wyoming-mic-external"
MIC_PORT = 10600
MIC_CONTROL_PORT = 10602
# prctl: the signal a child gets when its parent process dies.
PR_SET_PDEATHSIG = 1
# Home Assistant's exit code when a restart is requested from the UI.
RESTART_EXIT_CODE = 100
# Releases before 2026.10 read the HTTP server's settings from YAML only.
HTTP_YAML = """
http:
  # scripts/run_hass.py sets both (--port, --host); loopback only by default.
  server_port: !env_var PRIVACY_GUARD_HTTP_PORT 8123
  server_host: !env_var PRIVACY_GUARD_HTTP_HOST 127.0.0.1
"""


def _http_store_schema() -> Any | None:
    """Return the schema of Home Assistant's stored HTTP settings, if it has them.

    Home Assistant 2026.10 keeps the HTTP server's settings in ``.storage/http``:
    an ``http:`` block in YAML is moved there as an unconfirmed trial, which the
    frontend asks to confirm on every page and which is reverted (with a
    restart) five minutes later. So the demo writes confirmed settings instead.
    """
    try:
        from homeassistant.components.http import config  # noqa: PLC0415
    except ImportError:
        return None
    return getattr(config, "HTTP_STORAGE_SCHEMA", None)


def write_http_settings(config_dir: Path, host: str, port: int) -> bool:
    """Write confirmed HTTP settings where Home Assistant stores them.

    Returns False where this Home Assistant reads them from YAML instead.
    """
    schema = _http_store_schema()
    if schema is None:
        return False
    from homeassistant.components.http import config  # noqa: PLC0415
    from homeassistant.util import dt as dt_util  # noqa: PLC0415

    settings = {
        **schema({"server_host": [host], "server_port": port}),
        "created_at": dt_util.utcnow().isoformat(),
        "error": None,
        "error_message": None,
    }
    stored = {
        "version": config.STORAGE_VERSION,
        "minor_version": config.STORAGE_MINOR_VERSION,
        "key": config.STORAGE_KEY,
        "data": {"stable": settings, "pending": None, "yaml_migration_done": True},
    }
    path = config_dir / ".storage" / config.STORAGE_KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2), encoding="utf-8")
    return True


def build_config(config_dir: Path, host: str = "127.0.0.1", port: int = 8123) -> Path:
    """Make ``config_dir`` a configuration of the demo house and return it."""
    config_dir = config_dir.resolve()
    config_dir.mkdir(parents=True, exist_ok=True)
    for source in sorted(DEMO_CONFIG.glob("*.yaml")):
        shutil.copyfile(source, config_dir / source.name)
    if not write_http_settings(config_dir, host, port):
        with (config_dir / "configuration.yaml").open("a", encoding="utf-8") as file:
            file.write(HTTP_YAML)
    for name, empty in UI_FILES.items():
        if not (config_dir / name).exists():
            (config_dir / name).write_text(empty, encoding="utf-8")
    components = config_dir / "custom_components"
    components.mkdir(exist_ok=True)
    for name, target in LINKS.items():
        link = components / name
        if link.is_symlink():
            if link.resolve() == target:
                continue
            link.unlink()
        elif link.exists():
            shutil.rmtree(link)
        link.symlink_to(target, target_is_directory=True)
    onboarding = config_dir / ".storage" / "onboarding"
    if not onboarding.exists():
        onboarding.parent.mkdir(exist_ok=True)
        onboarding.write_text(json.dumps(ONBOARDING, indent=2), encoding="utf-8")
    return config_dir


def _end_with_parent() -> None:
    """Let the microphone server end with this process, however it ends (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_microphone() -> subprocess.Popen[bytes] | None:
    """Start the demo's room microphone: a Wyoming microphone server.

    ``wyoming-mic-external`` (from ``../shared/peers`` beside the checkout, or
    installed) runs ``scripts/demo_mic.py``, which plays what the demo house
    tells it over its control port. Ports from the environment the demo's
    configuration reads too (``PRIVACY_DEMO_MIC_PORT``,
    ``PRIVACY_DEMO_MIC_CONTROL_PORT``). Without the server the demo house runs
    without a room microphone, and says so.
    """
    env = dict(os.environ)
    if PEER.is_dir():
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PEER), env.get("PYTHONPATH")])
        )
    elif importlib.util.find_spec("wyoming_mic_external") is None:
        print("run_hass: no wyoming-mic-external here: no room microphone")
        return None
    port = env.setdefault("PRIVACY_DEMO_MIC_PORT", str(MIC_PORT))
    control = env.setdefault("PRIVACY_DEMO_MIC_CONTROL_PORT", str(MIC_CONTROL_PORT))
    os.environ.update(PRIVACY_DEMO_MIC_PORT=port, PRIVACY_DEMO_MIC_CONTROL_PORT=control)
    mic = REPO / "scripts" / "demo_mic.py"
    program = shlex.join(
        [sys.executable, str(mic), "--control", f"127.0.0.1:{control}"]
    )
    return subprocess.Popen(
        [
            sys.executable, "-m", "wyoming_mic_external",
            "--program", program,
            "--rate", "16000", "--width", "2", "--channels", "1",
            "--uri", f"tcp://127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_end_with_parent,  # noqa: PLW1509 - before any thread starts
    )  # fmt: skip


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description="Run Home Assistant on the Privacy Guard demo house.",
        epilog="Other options are passed to Home Assistant (see hass --help).",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_DIR,
        help="configuration directory (default: .dev/config)",
    )
    parser.add_argument(
        "--port", type=int, default=8123, help="HTTP port (default: 8123)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; 0.0.0.0 for all)",
    )
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the configuration, then run Home Assistant until it stops."""
    argv = sys.argv[1:] if argv is None else argv
    args, hass_args = _parse(argv)
    config_dir = build_config(args.config, args.host, args.port)
    # Read by the http: block of releases before 2026.10, through !env_var.
    os.environ["PRIVACY_GUARD_HTTP_PORT"] = str(args.port)
    os.environ["PRIVACY_GUARD_HTTP_HOST"] = args.host

    import homeassistant.__main__ as hass_main  # noqa: PLC0415

    if sys.version_info < (3, 13, 2):
        # Home Assistant 2026.2 refuses to start below the Python it declares
        # (3.13.2), but the only 3.13 that some machines offer is 3.13.0, on
        # which this release runs well enough for development and the browser
        # test (its own test suite runs there too). Skip that one check, and
        # only on such an interpreter.
        hass_main.validate_python = lambda: None

    sys.argv = ["hass", "--config", str(config_dir), *hass_args]
    microphone = start_microphone()
    try:
        exit_code = hass_main.main()
    finally:
        if microphone is not None:
            microphone.terminate()
            try:
                microphone.wait(timeout=10)
            except subprocess.TimeoutExpired:
                microphone.kill()
    if exit_code == RESTART_EXIT_CODE:
        # A restart from the UI: start afresh in this same process id, as
        # Home Assistant's own launcher would, so a supervisor keeps its handle.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, __file__, *argv])
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
