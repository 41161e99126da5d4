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
from .planner import Origin
from .runtime import PrivacyGuardConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class HouseSwitchDescription(SwitchEntityDescription):
    """A switch of the house."""

    is_on_fn: Callable[[Guard], bool]
    set_fn: Callable[[Guard, bool], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class SpeakerSwitchDescription(SwitchEntityDescription):
    """A switch that drives one of the speaker's linked entities directly."""

    action: Action


HOUSE_SWITCHES: tuple[HouseSwitchDescription, ...] = (
    HouseSwitchDescription(
        key="privacy_mode",
        translation_key="privacy_mode",
        is_on_fn=lambda guard: guard.state.privacy_mode,
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
    guard = entry.runtime_data.guard
    async_add_entities(
        HouseSwitch(guard, description) for description in HOUSE_SWITCHES
    )
    for speaker_id, speaker in guard.speakers.items():
        async_add_entities(
            (
                SpeakerSwitch(
                    guard,
                    description,
                    speaker_id,
                    speaker.observers[description.action],
                )
                for description in SPEAKER_SWITCHES
                if description.action in speaker.observers
            ),
            config_subentry_id=speaker_id,
        )


class HouseSwitch(PrivacyGuardEntity, SwitchEntity):
    """Privacy mode."""

    entity_description: HouseSwitchDescription

    @property
    def is_on(self) -> bool:
        """Return whether privacy mode is on."""
        return self.entity_description.is_on_fn(self.guard)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn privacy mode on."""
        await self.entity_description.set_fn(self.guard, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn privacy mode off."""
        await self.entity_description.set_fn(self.guard, False)


class SpeakerSwitch(PrivacyGuardEntity, SwitchEntity):
    """Microphone muted, network blocked or powered off, read from the device.

    Switching it by hand during engagement counts as the user's own change.
    """

    entity_description: SpeakerSwitchDescription

    def __init__(
        self,
        guard: Guard,
        description: SpeakerSwitchDescription,
        speaker_id: str,
        actuator: Actuator,
    ) -> None:
        """Bind the switch to the entity it drives."""
        super().__init__(guard, description, speaker_id)
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
        # A change through this switch is a person's (an override while
        # guarded, not a reset to fight) when a user made it or set it off;
        # an automation's only where the house allows it (see person_context).
        context, person = self.guard.origins.person_context(self._context)
        memo: dict[str, Any] | None = None
        record = None
        if self.actuator.spec.entity_id is None:
            if person:
                self.guard.origins.note(self.actuator.spec.key, Origin.PERSON)
            # A DNS filter restores from, and saves into, the guard's record;
            # outside the guard, into the ledger's memo of manual blocks, so an
            # unblock by hand restores the client exactly too.
            assert self.speaker_id is not None
            ledger = self.guard.ledger
            record = ledger.records.get(self.speaker_id, {}).get(
                self.entity_description.action
            )
            key = self.actuator.spec.key
            if record is not None and (record.memo or key not in ledger.manual_memos):
                memo = record.memo
            else:
                # Blocked by hand before the guard found it so ("already").
                record = None
                memo = ledger.manual_memos.setdefault(key, {})
        await self.actuator.async_set(protect, context, memo)
        if self.actuator.spec.entity_id is None and record is None:
            if not protect:
                # Given back: nothing left to restore.
                self.guard.ledger.manual_memos.pop(self.actuator.spec.key, None)
            self.guard.ledger.mark_dirty()
            await self.guard.ledger.async_commit()
        if self.actuator.spec.entity_id is None:
            # A DNS filter fires no state change: reconcile now.
            assert self.speaker_id is not None
            await self.guard.async_reconcile([self.speaker_id])
