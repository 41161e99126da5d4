"""Demo switches: microphone mute, internet access, power plug, person at home."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Context, HomeAssistant, State, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import slugify

from .entity import (
    INTERNET_ACCESS,
    MIC_MUTE,
    PLUG,
    DemoEntity,
    DemoHouse,
    async_delay,
    plug_device,
    speaker_device,
)


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
        # The plug first: the speaker's other entities start with its power.
        if speaker["plug"]:
            entities.append(DemoPlug(house, name, PLUG, True))
        if speaker["mic_switch"]:
            entities.append(DemoSwitch(house, name, MIC_MUTE, False))
        if speaker["network_switch"]:
            on = speaker["network_on_means"] == "allowed"
            entities.append(DemoSwitch(house, name, INTERNET_ACCESS, on))
    entities.extend(
        DemoSwitch(house, None, f"{person} at home", True)
        for person in house.config["people"]
    )
    async_add_entities(entities)


class DemoSwitch(DemoEntity, SwitchEntity):
    """A switch of a speaker (or a person) that may be slow or stubborn."""

    def __init__(
        self, house: DemoHouse, speaker: str | None, label: str, on: bool
    ) -> None:
        """Create the switch; ``on`` is its state when the device starts."""
        super().__init__(house, speaker)
        self._attr_name = f"{speaker} {label}" if speaker else label
        self._attr_unique_id = f"privacy_demo_{slugify(self._attr_name)}"
        if speaker is not None:
            self._attr_device_info = speaker_device(speaker)
        self.default_on = on
        self._attr_is_on = on

    @property
    def stubborn(self) -> bool:
        """Return whether this switch refuses to change."""
        return self.entity_id in self.house.config.get("stubborn", [])

    def stored_values(self) -> dict[str, Any]:
        """Return whether the switch is on."""
        return {"is_on": self._attr_is_on}

    def restore_values(self, state: State | None, stored: Mapping[str, Any]) -> None:
        """Take back the switch's last position."""
        if isinstance(on := stored.get("is_on"), bool):
            self._attr_is_on = on
        elif state is not None and state.state in (STATE_ON, STATE_OFF):
            self._attr_is_on = state.state == STATE_ON

    def reset_values(self) -> None:
        """Go back to the position the device starts in."""
        self._attr_is_on = self.default_on

    async def _async_switch(self, on: bool) -> None:
        boots = self.boots
        await async_delay(self.house)
        if self.boots != boots:
            return  # The device rebooted meanwhile and lost the command.
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
    """A power plug: while off, the speaker's other entities are unavailable.

    It is a device of its own: rebooting it reboots the plug alone, which comes
    back on and so gives the speaker power again.
    """

    def __init__(self, house: DemoHouse, speaker: str, label: str, on: bool) -> None:
        """Create the plug of a speaker."""
        super().__init__(house, speaker, label, on)
        self._attr_device_info = plug_device(speaker)

    @property
    def powered(self) -> bool:
        """Return True: the plug itself is always powered."""
        return True

    @property
    def plugged_speaker(self) -> str:
        """Return the speaker the plug powers."""
        assert self.speaker is not None
        return self.speaker

    def restore_values(self, state: State | None, stored: Mapping[str, Any]) -> None:
        """Take back the plug's position, and with it the speaker's power."""
        super().restore_values(state, stored)
        self.house.plugs_on[self.plugged_speaker] = bool(self._attr_is_on)
        self.house.power_changed(None)

    async def _async_switch(self, on: bool) -> None:
        await super()._async_switch(on)
        if not self.rebooting:
            self._async_power(self._context)

    @callback
    def async_rebooted(self, context: Context) -> None:
        """Give the speaker power again, as the plug comes back on."""
        self._async_power(context)

    @callback
    def _async_power(self, context: Context | None) -> None:
        powered = bool(self._attr_is_on)
        if self.house.plugs_on.get(self.plugged_speaker) is powered:
            return
        self.house.plugs_on[self.plugged_speaker] = powered
        self.house.power_changed(context)
