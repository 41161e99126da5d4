"""Import flow of the demo house."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult


class DemoHouseFlow(ConfigFlow, domain="privacy_demo"):
    """The demo house comes from YAML only."""

    VERSION = 1

    async def async_step_import(self, import_data: dict[str, Any]) -> ConfigFlowResult:
        """Create the demo house entry."""
        await self.async_set_unique_id("privacy_demo")
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title="Demo house", data=import_data)
