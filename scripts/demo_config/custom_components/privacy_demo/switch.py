"""Demo switches: microphone mute, internet access, power plug, person at home."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from . import DemoHouse, async_delay


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each speaker's switches and each person's "at home" switch."""
    house: DemoHouse = entry.runtime_data
    entities: list[DemoSwitch] = []
    for speaker in house.config["speakers"]:
        name = speaker["name"]
        if speaker["mic_switch"]:
            entities.append(DemoSwitch(house, name, "Microphone mute", False))
        if speaker["network_switch"]:
            on = speaker["network_on_means"] == "allowed"
            entities.append(DemoSwitch(house, name, "Internet access", on))
        if speaker["plug"]:
            entities.append(DemoPlug(house, name, "Plug", True))
    entities.extend(
        DemoSwitch(house, None, f"{person} at home", True)
        for person in house.config["people"]
    )
    async_add_entities(entities)


class DemoSwitch(SwitchEntity):
    """A switch of a speaker (or a person) that may be slow or stubborn."""

    _attr_should_poll = False

    def __init__(
        self, house: DemoHouse, speaker: str | None, label: str, on: bool
    ) -> None:
        """Create the switch."""
        self.house = house
        self.speaker = speaker
        self._attr_name = f"{speaker} {label}" if speaker else label
        self._attr_unique_id = f"privacy_demo_{slugify(self._attr_name)}"
        self._attr_is_on = on

    @property
    def stubborn(self) -> bool:
        """Return whether this switch refuses to change."""
        return self.entity_id in self.house.config.get("stubborn", [])

    @property
    def available(self) -> bool:
        """Return whether the speaker has power."""
        return self.speaker is None or self.house.speaker_powered(self.speaker)

    async def async_added_to_hass(self) -> None:
        """Follow the plug."""
        self.house.listeners.append(self.async_write_ha_state)
        self.async_on_remove(
            lambda: self.house.listeners.remove(self.async_write_ha_state)
        )

    async def _async_switch(self, on: bool) -> None:
        await async_delay(self.house)
        if not self.stubborn:
            self._attr_is_on = on
        self.async_write_ha_state()

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on."""
        await self._async_switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        await self._async_switch(False)


class DemoPlug(DemoSwitch):
    """A power plug: while off, the speaker's other entities are unavailable."""

    @property
    def available(self) -> bool:
        """Return True: the plug itself is always reachable."""
        return True

    async def _async_switch(self, on: bool) -> None:
        await super()._async_switch(on)
        assert self.speaker is not None
        self.house.plugs_on[self.speaker] = bool(self._attr_is_on)
        self.house.power_changed()
