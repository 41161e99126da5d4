"""Binary sensors: house empty, guard engaged, speaker protected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

try:
    from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
except ImportError:  # Home Assistant before 2026.10 has it in the package only
    from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined]
        BinarySensorDeviceClass,
    )

from .entity import PrivacyGuardEntity, RoomEntity
from .house_view import HouseView
from .models import SpeakerView
from .room import Room
from .runtime import PrivacyGuardConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class HouseBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of the house."""

    is_on_fn: Callable[[HouseView], bool]


@dataclass(frozen=True, kw_only=True)
class SpeakerBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of one speaker."""

    is_on_fn: Callable[[SpeakerView], bool]


HOUSE_BINARY_SENSORS: tuple[HouseBinarySensorDescription, ...] = (
    HouseBinarySensorDescription(
        key="house_empty",
        translation_key="house_empty",
        is_on_fn=lambda house: house.house_empty,
    ),
    HouseBinarySensorDescription(
        key="guard_engaged",
        translation_key="guard_engaged",
        is_on_fn=lambda house: house.engaged,
    ),
)

SPEAKER_BINARY_SENSORS: tuple[SpeakerBinarySensorDescription, ...] = (
    SpeakerBinarySensorDescription(
        key="protected",
        translation_key="protected",
        is_on_fn=lambda view: view.protected,
    ),
)


@dataclass(frozen=True, kw_only=True)
class RoomBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of one room microphone."""

    is_on_fn: Callable[[Room], bool]


ROOM_BINARY_SENSORS: tuple[RoomBinarySensorDescription, ...] = (
    RoomBinarySensorDescription(
        key="speech_heard",
        translation_key="speech_heard",
        device_class=BinarySensorDeviceClass.SOUND,
        is_on_fn=lambda room: room.speech,
    ),
    RoomBinarySensorDescription(
        key="source_connected",
        translation_key="source_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda room: room.connected,
    ),
)

WAKE_WORD_ACTIVE = BinarySensorEntityDescription(
    key="wake_word_active", translation_key="wake_word_active"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the house and speaker binary sensors."""
    async_add_entities(
        HouseBinarySensor(entry, description) for description in HOUSE_BINARY_SENSORS
    )
    for speaker_id, config in entry.runtime_data.view.configs.items():
        entities: list[BinarySensorEntity] = [
            SpeakerBinarySensor(entry, description, speaker_id)
            for description in SPEAKER_BINARY_SENSORS
        ]
        if config.wake_entity:
            entities.append(WakeWordBinarySensor(entry, WAKE_WORD_ACTIVE, speaker_id))
        async_add_entities(entities, config_subentry_id=speaker_id)
    for room in entry.runtime_data.rooms.rooms.values():
        async_add_entities(
            (
                RoomBinarySensor(entry, room, description)
                for description in ROOM_BINARY_SENSORS
            ),
            config_subentry_id=room.room_id,
        )


class HouseBinarySensor(PrivacyGuardEntity, BinarySensorEntity):
    """A binary sensor of the house."""

    entity_description: HouseBinarySensorDescription

    @property
    def is_on(self) -> bool:
        """Return the state."""
        return self.entity_description.is_on_fn(self.house)


class SpeakerBinarySensor(PrivacyGuardEntity, BinarySensorEntity):
    """A binary sensor of one speaker."""

    entity_description: SpeakerBinarySensorDescription

    @property
    def is_on(self) -> bool:
        """Return the state."""
        return self.entity_description.is_on_fn(self.view)


class WakeWordBinarySensor(PrivacyGuardEntity, BinarySensorEntity):
    """On while the speaker's assistant is awake, as its wake-word entity says."""

    @property
    def is_on(self) -> bool:
        """Return whether the assistant is awake."""
        return self.monitor.wake_active


class RoomBinarySensor(RoomEntity, BinarySensorEntity):
    """Speech heard, or the source connected, in one room."""

    entity_description: RoomBinarySensorDescription

    @property
    def is_on(self) -> bool:
        """Return the state."""
        return self.entity_description.is_on_fn(self.room)
