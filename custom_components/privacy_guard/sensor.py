"""Sensors: why the guard is engaged, counts, and each speaker's privacy state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfInformation, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import PrivacyState, Reason
from .entity import PrivacyGuardEntity, RoomEntity
from .exposure import Bucket
from .house_view import HouseView
from .models import SpeakerView
from .probe import RUNNING, SelfTester
from .runtime import PrivacyGuardConfigEntry
from .selftest import Outcome
from .signals import async_follow_exposure
from .speaker_monitor import SpeakerMonitor

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class HouseSensorDescription(SensorEntityDescription):
    """A sensor of the house."""

    value_fn: Callable[[HouseView], StateType]


@dataclass(frozen=True, kw_only=True)
class SpeakerSensorDescription(SensorEntityDescription):
    """A sensor of one speaker."""

    value_fn: Callable[[SpeakerView], StateType]
    attributes_fn: Callable[[SpeakerView], dict[str, Any]] | None = None


HOUSE_SENSORS: tuple[HouseSensorDescription, ...] = (
    HouseSensorDescription(
        key="guard_reason",
        translation_key="guard_reason",
        device_class=SensorDeviceClass.ENUM,
        options=[reason.value for reason in Reason],
        value_fn=lambda house: house.reason.value,
    ),
    HouseSensorDescription(
        key="protected_speakers",
        translation_key="protected_speakers",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda house: house.count(),
    ),
    HouseSensorDescription(
        key="exposed_speakers",
        translation_key="exposed_speakers",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda house: house.count(PrivacyState.EXPOSED),
    ),
    HouseSensorDescription(
        key="unprotectable_speakers",
        translation_key="unprotectable_speakers",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda house: house.count_unprotectable(),
    ),
)


def _speaker_attributes(view: SpeakerView) -> dict[str, Any]:
    return {
        "reason": view.reason.value,
        "overrides": [action.value for action in view.overrides],
        "failures": {action.value: error for action, error in view.failures.items()},
        "reprotections": view.reprotections,
        "protected_by": view.protected_by.value if view.protected_by else None,
        "controls": {
            action.value: strength.value for action, strength in view.controls.items()
        },
        "can_protect": view.can_protect,
    }


SPEAKER_SENSORS: tuple[SpeakerSensorDescription, ...] = (
    SpeakerSensorDescription(
        key="privacy_state",
        translation_key="privacy_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in PrivacyState],
        value_fn=lambda view: view.privacy_state.value,
        attributes_fn=_speaker_attributes,
    ),
    SpeakerSensorDescription(
        key="reprotections",
        translation_key="reprotections",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda view: view.reprotections,
    ),
)


@dataclass(frozen=True, kw_only=True)
class UploadSensorDescription(SensorEntityDescription):
    """A sensor of what one speaker uploaded."""

    value_fn: Callable[[SpeakerMonitor], StateType | datetime]


UPLOAD_SENSORS: tuple[UploadSensorDescription, ...] = (
    UploadSensorDescription(
        key="uploads",
        translation_key="uploads",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda monitor: monitor.stats.uploads,
    ),
    UploadSensorDescription(
        key="uploaded_data",
        translation_key="uploaded_data",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.KILOBYTES,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda monitor: monitor.stats.bytes,
    ),
    UploadSensorDescription(
        key="last_upload",
        translation_key="last_upload",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda monitor: monitor.stats.last_upload,
    ),
    UploadSensorDescription(
        key="unsolicited_uploads",
        translation_key="unsolicited_uploads",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda monitor: monitor.stats.unsolicited,
    ),
    UploadSensorDescription(
        key="requested_uploads",
        translation_key="requested_uploads",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda monitor: monitor.stats.requested,
    ),
    UploadSensorDescription(
        key="misactivations",
        translation_key="misactivations",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda monitor: monitor.stats.misactivations,
    ),
    UploadSensorDescription(
        key="silent_uploads",
        translation_key="silent_uploads",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda monitor: monitor.stats.silent,
    ),
    UploadSensorDescription(
        key="leaks",
        translation_key="leaks",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda monitor: monitor.stats.leaks,
    ),
)

VOICE_RECORDS = UploadSensorDescription(
    key="voice_records",
    translation_key="voice_records",
    state_class=SensorStateClass.TOTAL_INCREASING,
    value_fn=lambda monitor: monitor.stats.voice_records,
)


SPEECH_PROBABILITY = SensorEntityDescription(
    key="speech_probability",
    translation_key="speech_probability",
    state_class=SensorStateClass.MEASUREMENT,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
    suggested_display_precision=2,
)

VOICE_LOOKUPS = UploadSensorDescription(
    key="voice_lookups",
    translation_key="voice_lookups",
    state_class=SensorStateClass.TOTAL_INCREASING,
    value_fn=lambda monitor: monitor.stats.dns_lookups,
)


@dataclass(frozen=True, kw_only=True)
class ExposureSensorDescription(SensorEntityDescription):
    """Time a speaker (or the house) spent open or protected (see exposure.py)."""

    bucket: Bucket
    device_class: SensorDeviceClass | None = SensorDeviceClass.DURATION
    native_unit_of_measurement: str | None = UnitOfTime.SECONDS
    suggested_unit_of_measurement: str | None = UnitOfTime.HOURS
    suggested_display_precision: int | None = 2
    state_class: SensorStateClass | None = SensorStateClass.TOTAL_INCREASING


SPEAKER_EXPOSURE: tuple[ExposureSensorDescription, ...] = (
    ExposureSensorDescription(
        key="open_while_home",
        translation_key="open_while_home",
        bucket=Bucket.OPEN_HOME,
    ),
    ExposureSensorDescription(
        key="open_while_away",
        translation_key="open_while_away",
        bucket=Bucket.OPEN_AWAY,
    ),
    ExposureSensorDescription(
        key="protected_time",
        translation_key="protected_time",
        bucket=Bucket.PROTECTED,
    ),
)

HOUSE_EXPOSURE: tuple[ExposureSensorDescription, ...] = (
    ExposureSensorDescription(
        key="any_open_while_home",
        translation_key="any_open_while_home",
        bucket=Bucket.OPEN_HOME,
    ),
    ExposureSensorDescription(
        key="any_open_while_away",
        translation_key="any_open_while_away",
        bucket=Bucket.OPEN_AWAY,
    ),
    ExposureSensorDescription(
        key="all_protected_time",
        translation_key="all_protected_time",
        bucket=Bucket.PROTECTED,
    ),
)


SPEECH_TIME = ExposureSensorDescription(
    key="speech_time",
    translation_key="speech_time",
    bucket=Bucket.SPEECH,
)


SELF_TEST_RESULT = SensorEntityDescription(
    key="self_test_result",
    translation_key="self_test_result",
    device_class=SensorDeviceClass.ENUM,
    options=[*(outcome.value for outcome in Outcome), RUNNING],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the house and speaker sensors."""
    async_add_entities(HouseSensor(entry, description) for description in HOUSE_SENSORS)
    async_add_entities(
        ExposureSensor(entry, description) for description in HOUSE_EXPOSURE
    )
    for speaker_id, config in entry.runtime_data.view.configs.items():
        entities: list[SensorEntity] = [
            SpeakerSensor(entry, description, speaker_id)
            for description in SPEAKER_SENSORS
        ]
        entities.extend(
            UploadSensor(entry, description, speaker_id)
            for description in UPLOAD_SENSORS
        )
        if config.ip_address and entry.runtime_data.backends.backends:
            entities.append(UploadSensor(entry, VOICE_LOOKUPS, speaker_id))
        if config.voice_entity:
            entities.append(UploadSensor(entry, VOICE_RECORDS, speaker_id))
        entities.append(SelfTestSensor(entry, SELF_TEST_RESULT, speaker_id))
        entities.extend(
            ExposureSensor(entry, description, speaker_id)
            for description in SPEAKER_EXPOSURE
        )
        async_add_entities(entities, config_subentry_id=speaker_id)
    for room in entry.runtime_data.rooms.rooms.values():
        async_add_entities(
            [
                SpeechProbabilitySensor(entry, room, SPEECH_PROBABILITY),
                SpeechTimeSensor(entry, room, SPEECH_TIME),
            ],
            config_subentry_id=room.room_id,
        )


class HouseSensor(PrivacyGuardEntity, SensorEntity):
    """A sensor of the house."""

    entity_description: HouseSensorDescription

    @property
    def native_value(self) -> StateType:
        """Return the state."""
        return self.entity_description.value_fn(self.house)


class SpeakerSensor(PrivacyGuardEntity, SensorEntity):
    """A sensor of one speaker."""

    entity_description: SpeakerSensorDescription

    @property
    def native_value(self) -> StateType:
        """Return the state."""
        return self.entity_description.value_fn(self.view)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return why, and what the user overrode or what failed."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.view)


class UploadSensor(PrivacyGuardEntity, SensorEntity):
    """A counter or time of one speaker's uploads."""

    entity_description: UploadSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the state."""
        return self.entity_description.value_fn(self.monitor)


class _ClockSensor(RestoreSensor):
    """Seconds on one of the exposure clocks (see exposure.py), in whole minutes."""

    entity_description: ExposureSensorDescription
    entry: PrivacyGuardConfigEntry

    @property
    def _subject(self) -> str | None:
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Never show less than last time; follow the clocks (once a minute)."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if (
            last is not None
            and last.native_unit_of_measurement == UnitOfTime.SECONDS
            and isinstance(last.native_value, int | float)
        ):
            seconds = float(last.native_value)
            self.entry.runtime_data.exposure.at_least(
                self._subject, self.entity_description.bucket, seconds
            )
        self.async_on_remove(
            async_follow_exposure(
                self.hass, self.entry.entry_id, self.async_write_ha_state
            )
        )

    @property
    def native_value(self) -> int:
        """Return the seconds counted so far, in whole minutes (as it moves)."""
        exposure = self.entry.runtime_data.exposure
        seconds = exposure.seconds(self._subject, self.entity_description.bucket)
        return int(seconds // 60) * 60


class ExposureSensor(PrivacyGuardEntity, _ClockSensor):
    """Time a speaker, or the house, was open or protected (total, in seconds)."""

    @property
    def _subject(self) -> str | None:
        return self.speaker_id


class SpeechTimeSensor(RoomEntity, _ClockSensor):
    """Time a room microphone heard speech (total, in seconds)."""

    @property
    def _subject(self) -> str | None:
        return self.room.room_id


class SpeechProbabilitySensor(RoomEntity, SensorEntity):
    """The highest speech probability of the last second (0 to 1)."""

    @property
    def native_value(self) -> float | None:
        """Return the probability, or None while the detector warms up."""
        return self.room.probability


class SelfTestSensor(PrivacyGuardEntity, SensorEntity):
    """The latest self-test of one speaker: its result, when, and its evidence."""

    @property
    def _tester(self) -> SelfTester:
        return self.entry.runtime_data.self_tester

    @property
    def native_value(self) -> str | None:
        """Return the result, ``running`` while one runs, None before the first."""
        assert self.speaker_id is not None
        if self.speaker_id in self._tester.running:
            return RUNNING
        result = self._tester.results.get(self.speaker_id)
        return result.outcome.value if result else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return when, why and what the witnesses saw."""
        assert self.speaker_id is not None
        result = self._tester.results.get(self.speaker_id)
        if result is None:
            return None
        data = result.as_dict()
        data["tested_at"] = data.pop("at")
        data.pop("result")
        return data
