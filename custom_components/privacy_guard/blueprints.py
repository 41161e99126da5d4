"""Install the blueprints Privacy Guard ships into the user's configuration."""

from __future__ import annotations

from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

SOURCE = Path(__file__).parent / "blueprints"


def _install(source: Path, target: Path) -> list[str]:
    """Copy blueprints that are not there yet; never overwrite a user's edits."""
    installed: list[str] = []
    for blueprint in sorted(source.glob("*/*.yaml")):
        destination = target / blueprint.parent.name / DOMAIN / blueprint.name
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(blueprint, destination)
        installed.append(f"{blueprint.parent.name}/{DOMAIN}/{blueprint.name}")
    return installed


async def async_install_blueprints(hass: HomeAssistant) -> list[str]:
    """Copy the shipped blueprints into config/blueprints, off the event loop."""
    installed = await hass.async_add_executor_job(
        _install, SOURCE, Path(hass.config.path("blueprints"))
    )
    if installed:
        LOGGER.info("Installed blueprints: %s", ", ".join(installed))
    return installed
