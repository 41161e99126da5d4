"""What every demo entity shares: the house, its devices, restarts and reboots."""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, Context, State, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.restore_state import (
    ExtraStoredData,
    RestoredExtraData,
    RestoreEntity,
)
from homeassistant.util import slugify

if TYPE_CHECKING:
    from .mic import DemoMicrophone
    from .talk import DemoTalk, TalkingSpeaker

DOMAIN = "privacy_demo"
DEFAULT_REBOOT_SECONDS = 2.0
# What a speaker's entities are called after it ("Kitchen Echo Plug", ...).
MIC_MUTE = "Microphone mute"
INTERNET_ACCESS = "Internet access"
PLUG = "Plug"
BYTES_SENT = "Bytes sent"
LISTENING = "Listening"


def entity_id(domain: str, speaker: str, label: str | None = None) -> str:
    """Return the entity id Home Assistant gives a speaker's demo entity."""
    return f"{domain}.{slugify(f'{speaker} {label}' if label else speaker)}"


@dataclass
class DemoHouse:
    """Shared state of the demo entities."""

    config: dict[str, Any]
    plugs_on: dict[str, bool] = field(default_factory=dict)
    entities: list[DemoEntity] = field(default_factory=list)
    # What the speakers send and when they wake (``talk`` in YAML), or None.
    talk: DemoTalk | None = None
    # The room microphone's control channel (``room_microphone``), or None.
    microphone: DemoMicrophone | None = None

    @property
    def delay(self) -> float:
        """Return how long every change takes."""
        return float(self.config.get("delay", 0.0))

    @property
    def reboot_seconds(self) -> float:
        """Return how long a device stays unavailable while it reboots."""
        return float(self.config.get("reboot_seconds", DEFAULT_REBOOT_SECONDS))

    def speaker_powered(self, speaker: str) -> bool:
        """Return whether a speaker's plug gives it power."""
        return self.plugs_on.get(speaker, True)

    @callback
    def power_changed(self, context: Context | None) -> None:
        """Tell the speaker's entities that power came or went."""
        for entity in list(self.entities):
            entity.async_power_changed(context)


async def async_delay(house: DemoHouse) -> None:
    """Wait as long as one change of a device takes."""
    if house.delay:
        await asyncio.sleep(house.delay)


def speaker_device(speaker: str) -> DeviceInfo:
    """Return the device of a speaker: its media player and its switches."""
    return DeviceInfo(
        identifiers={(DOMAIN, slugify(speaker))},
        name=speaker,
        manufacturer="Privacy Guard demo",
        model="Demo speaker",
    )


def tv_device(name: str) -> DeviceInfo:
    """Return the device of the demo TV, whose dialogue wakes speakers."""
    return DeviceInfo(
        identifiers={(DOMAIN, slugify(name))},
        name=name,
        manufacturer="Privacy Guard demo",
        model="Demo TV",
    )


def probe_device(name: str) -> DeviceInfo:
    """Return the device of a probe player: a radio that plays what it is given."""
    return DeviceInfo(
        identifiers={(DOMAIN, slugify(name))},
        name=name,
        manufacturer="Privacy Guard demo",
        model="Demo radio",
    )


def plug_device(speaker: str) -> DeviceInfo:
    """Return the device of the smart plug a speaker is plugged into."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{slugify(speaker)}_plug")},
        name=f"{speaker} Plug",
        manufacturer="Privacy Guard demo",
        model="Demo plug",
    )


class DemoEntity(RestoreEntity):
    """An entity of a demo device: it keeps its state over restarts and reboots.

    A subclass says what its device remembers (``stored_values``), how it takes
    that back at start (``restore_values``) and what it starts with after losing
    power (``reset_values``). The values are stored as extra restore data, so they
    survive a restart while the entity is unavailable; a stored state without
    them (an older one, or one a test gives) is read as a fallback.
    """

    _attr_should_poll = False

    def __init__(self, house: DemoHouse, speaker: str | None) -> None:
        """Link the entity to the house and to its speaker, if any."""
        self.house = house
        self.speaker = speaker
        # Counts reboots: a command a reboot interrupts is lost, as on a device.
        self.boots = 0
        self._cancel_reboot: CALLBACK_TYPE | None = None

    @property
    def powered(self) -> bool:
        """Return whether the device has power."""
        return self.speaker is None or self.house.speaker_powered(self.speaker)

    @property
    def rebooting(self) -> bool:
        """Return whether the device is rebooting."""
        return self._cancel_reboot is not None

    @property
    def available(self) -> bool:
        """Return whether the device has power and is not rebooting."""
        return self.powered and not self.rebooting

    @abstractmethod
    def stored_values(self) -> dict[str, Any]:
        """Return what the device remembers over a restart."""

    @abstractmethod
    def restore_values(self, state: State | None, stored: Mapping[str, Any]) -> None:
        """Take back what the device had before a restart."""

    @abstractmethod
    def reset_values(self) -> None:
        """Go back to what the device starts with after losing power."""

    @property
    def extra_restore_state_data(self) -> ExtraStoredData:
        """Return what to restore at the next start."""
        return RestoredExtraData(self.stored_values())

    async def async_added_to_hass(self) -> None:
        """Restore the last state, then follow the plug."""
        await super().async_added_to_hass()
        state = await self.async_get_last_state()
        if state is not None and state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            state = None
        extra = await self.async_get_last_extra_data()
        self.restore_values(state, extra.as_dict() if extra is not None else {})
        self.house.entities.append(self)
        self.async_on_remove(self._async_removed)

    @callback
    def _async_removed(self) -> None:
        self.house.entities.remove(self)
        if self._cancel_reboot is not None:
            self._cancel_reboot()
            self._cancel_reboot = None

    @callback
    def async_power_changed(self, context: Context | None) -> None:
        """Write the state after the plug changed, in the plug's context."""
        if context is not None:
            self.async_set_context(context)
        self.async_write_ha_state()

    @callback
    def async_reboot(self, seconds: float, context: Context) -> None:
        """Lose power now, and come back after ``seconds`` as the device starts."""
        if self._cancel_reboot is not None:
            self._cancel_reboot()
        self.boots += 1
        self.reset_values()
        self._cancel_reboot = async_call_later(self.hass, seconds, self._async_booted)
        self.async_set_context(context)
        self.async_write_ha_state()

    @callback
    def _async_booted(self, _now: datetime) -> None:
        """Come back online: a change of the device, made by no user."""
        self._cancel_reboot = None
        context = Context()
        self.async_set_context(context)
        self.async_write_ha_state()
        self.async_rebooted(context)

    @callback
    def async_rebooted(self, context: Context) -> None:
        """Run after the device came back online."""


class TalkEntity(Entity):
    """An entity that shows what a talking speaker does (see talk.py).

    It belongs to the speaker's device and is written whenever the speaker's
    second has ticked and ``changed`` says its value moved.
    """

    _attr_should_poll = False

    def __init__(self, speaker: TalkingSpeaker, label: str) -> None:
        """Follow one speaker; ``label`` names the entity after it."""
        self.speaker = speaker
        self._attr_name = f"{speaker.name} {label}"
        self._attr_unique_id = f"privacy_demo_{slugify(self._attr_name)}"
        self._attr_device_info = speaker_device(speaker.name)

    async def async_added_to_hass(self) -> None:
        """Follow the speaker's ticks."""
        await super().async_added_to_hass()
        self.speaker.listeners.append(self._ticked)
        self.async_on_remove(lambda: self.speaker.listeners.remove(self._ticked))

    @abstractmethod
    def changed(self) -> bool:
        """Take the speaker's new second; return whether the state moved."""

    @callback
    def _ticked(self) -> None:
        if self.changed():
            self.async_write_ha_state()
