"""Switches: privacy mode for the house, microphone and network per speaker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .actuators import Actuator
from .const import Action
from .entity import PrivacyGuardEntity
from .guard import Guard
from .house_view import HouseView
from .runtime import PrivacyGuardConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class HouseSwitchDescription(SwitchEntityDescription):
    """A switch of the house."""

    is_on_fn: Callable[[HouseView], bool]
    set_fn: Callable[[Guard, bool], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class SpeakerSwitchDescription(SwitchEntityDescription):
    """A switch that drives one of the speaker's linked entities directly."""

    action: Action


HOUSE_SWITCHES: tuple[HouseSwitchDescription, ...] = (
    HouseSwitchDescription(
        key="privacy_mode",
        translation_key="privacy_mode",
        is_on_fn=lambda house: house.privacy_mode,
        set_fn=lambda guard, on: guard.state.async_set_privacy_mode(on),
    ),
)

SPEAKER_SWITCHES: tuple[SpeakerSwitchDescription, ...] = (
    SpeakerSwitchDescription(
        key="microphone_muted",
        translation_key="microphone_muted",
        action=Action.MIC_MUTE,
    ),
    SpeakerSwitchDescription(
        key="network_blocked",
        translation_key="network_blocked",
        action=Action.NETWORK_BLOCK,
    ),
    SpeakerSwitchDescription(
        key="powered_off",
        translation_key="powered_off",
        action=Action.POWER_OFF,
        entity_category=EntityCategory.CONFIG,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the house switches and each speaker's switches."""
    async_add_entities(
        HouseSwitch(entry, description) for description in HOUSE_SWITCHES
    )
    house = entry.runtime_data.view
    for speaker_id in house.configs:
        controls = house.controls(speaker_id)
        async_add_entities(
            (
                SpeakerSwitch(
                    entry, description, speaker_id, controls[description.action]
                )
                for description in SPEAKER_SWITCHES
                if description.action in controls
            ),
            config_subentry_id=speaker_id,
        )


class HouseSwitch(PrivacyGuardEntity, SwitchEntity):
    """Privacy mode."""

    entity_description: HouseSwitchDescription

    @property
    def is_on(self) -> bool:
        """Return whether privacy mode is on."""
        return self.entity_description.is_on_fn(self.house)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn privacy mode on."""
        await self.entity_description.set_fn(self.entry.runtime_data.guard, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn privacy mode off."""
        await self.entity_description.set_fn(self.entry.runtime_data.guard, False)


class SpeakerSwitch(PrivacyGuardEntity, SwitchEntity):
    """Microphone muted, network blocked or powered off, read from the device.

    Switching it by hand during engagement counts as the user's own change.
    """

    entity_description: SpeakerSwitchDescription

    def __init__(
        self,
        entry: PrivacyGuardConfigEntry,
        description: SpeakerSwitchDescription,
        speaker_id: str,
        actuator: Actuator,
    ) -> None:
        """Bind the switch to the control it reads (the guard drives it)."""
        super().__init__(entry, description, speaker_id)
        self.actuator = actuator

    @property
    def available(self) -> bool:
        """Return whether the linked entity reports a usable state."""
        return self.actuator.is_protective() is not None

    @property
    def is_on(self) -> bool | None:
        """Return whether the protective state is in effect."""
        return self.actuator.is_protective()

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Name the entity that is switched."""
        return {"linked_entity": self.actuator.target}

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Put the speaker in the protective state."""
        await self._async_switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Take the speaker out of the protective state."""
        await self._async_switch(False)

    async def _async_switch(self, protect: bool) -> None:
        assert self.speaker_id is not None
        await self.entry.runtime_data.guard.async_switch(
            self.speaker_id, self.entity_description.action, protect, self._context
        )
