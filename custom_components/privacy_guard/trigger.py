"""Triggers of the automation editor: uploads, leaks, the guard, protection.

Home Assistant offers an integration's own triggers in the automation editor
(``async_get_triggers``, described by ``triggers.yaml``). They are written as::

    triggers:
      - trigger: privacy_guard.upload
        target:
          device_id: <a speaker's device>
        options:
          kind: [misactivation, silent]

Every trigger takes an optional target: speaker devices or any of their
entities; a house's device or entities stand for all its speakers. Without a
target, every speaker counts.

The event triggers (upload, leak, guard engaged and released) give the action
the bus event as ``trigger.event`` (``trigger.event.data.kind``, as the plain
event trigger does) and each item of its data as ``trigger.<key>`` too
(``trigger.name``, ``trigger.kind``, ``trigger.reason``...). The protection
triggers give ``trigger.entity_id``, ``trigger.from_state``,
``trigger.to_state``, ``trigger.speaker_id`` and ``trigger.name``.

The same classes serve Home Assistant 2026.2 (voluptuous, no did_not_trigger
reporter) and 2026.10 (probatio): they use only what both releases share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_OPTIONS,
    CONF_TARGET,
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.target import (
    TargetSelection,
    async_extract_referenced_entity_ids,
)
from homeassistant.helpers.trigger import (
    Trigger,
    TriggerActionRunner,
    TriggerConfig,
)
from homeassistant.helpers.typing import ConfigType

from .const import (
    DOMAIN,
    EVENT_ENGAGED,
    EVENT_LEAK,
    EVENT_RELEASED,
    EVENT_UPLOAD,
    SUBENTRY_SPEAKER,
    Reason,
)
from .correlate import VerdictKind
from .schema import vol

if TYPE_CHECKING:  # Home Assistant 2026.2 has no did_not_trigger reporter
    from homeassistant.helpers.trigger import TriggerNotTriggeredReporter

CONF_KIND: Final = "kind"
CONF_REASON: Final = "reason"
KINDS: Final = tuple(kind.value for kind in VerdictKind)
REASONS: Final = tuple(reason.value for reason in Reason if reason is not Reason.NONE)
# The unique id of a speaker's protected binary sensor ends so.
PROTECTED_SUFFIX: Final = "_protected"


# ---------------------------------------------------------------- targets
@dataclass(frozen=True, slots=True)
class Speaker:
    """A configured speaker and the house it belongs to."""

    speaker_id: str
    house_id: str
    name: str


@callback
def async_speakers(hass: HomeAssistant) -> dict[str, Speaker]:
    """Return every speaker of every house, by its subentry id."""
    return {
        subentry.subentry_id: Speaker(
            subentry.subentry_id, entry.entry_id, subentry.title
        )
        for entry in hass.config_entries.async_entries(DOMAIN)
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_SPEAKER
    }


@dataclass(frozen=True, slots=True)
class Selection:
    """What a target names: Privacy Guard devices, by their identifiers.

    A speaker device's identifier is its speaker (subentry) id, a house
    device's the house (entry) id; an entity stands for its device. ``ids`` is
    None when there is no target: everything is selected.
    """

    ids: frozenset[str] | None

    def speaker(self, speaker: Speaker) -> bool:
        """Return whether the speaker, or its house, is selected."""
        return self.ids is None or bool(
            {speaker.speaker_id, speaker.house_id} & self.ids
        )

    def house(self, entry: ConfigEntry) -> bool:
        """Return whether the house, or any of its speakers or rooms, is selected."""
        return self.ids is None or bool(
            ({entry.entry_id} | set(entry.subentries)) & self.ids
        )


@callback
def async_select(hass: HomeAssistant, target: ConfigType | None) -> Selection:
    """Resolve a target (entities, devices, areas, floors, labels) now."""
    selection = TargetSelection(target or {})
    if not selection.has_any_target:
        return Selection(None)
    selected = async_extract_referenced_entity_ids(hass, selection, expand_group=False)
    device_ids = set(selected.referenced_devices)
    entities = er.async_get(hass)
    for entity_id in selected.referenced | selected.indirectly_referenced:
        entity = entities.async_get(entity_id)
        if entity is not None and entity.platform == DOMAIN and entity.device_id:
            device_ids.add(entity.device_id)
    devices = dr.async_get(hass)
    ids: set[str] = set()
    for device_id in device_ids:
        if (device := devices.async_get(device_id)) is not None:
            ids.update(
                identifier
                for domain, identifier in device.identifiers
                if domain == DOMAIN
            )
    return Selection(frozenset(ids))


# --------------------------------------------------------------- triggers
class SpeakerTrigger(Trigger):
    """A trigger about speakers, with an optional target and options."""

    _options_schema: ClassVar[dict[Any, Any]] = {}

    @override
    @classmethod
    async def async_validate_config(
        cls, hass: HomeAssistant, config: ConfigType
    ) -> ConfigType:
        """Validate the target and the options."""
        schema = vol.Schema(
            {
                vol.Optional(CONF_TARGET): cv.TARGET_FIELDS,
                vol.Optional(CONF_OPTIONS, default={}): cls._options_schema,
            }
        )
        return cast(ConfigType, schema(config))

    def __init__(self, hass: HomeAssistant, config: TriggerConfig) -> None:
        """Keep the target and the options."""
        super().__init__(hass, config)
        self._target = config.target
        self._options: dict[str, Any] = config.options or {}

    def _selected(self, speaker_id: Any) -> Speaker | None:
        """Return the speaker if the target selects it, resolved now."""
        if not isinstance(speaker_id, str):
            return None
        speaker = async_speakers(self._hass).get(speaker_id)
        if speaker is None or not async_select(self._hass, self._target).speaker(
            speaker
        ):
            return None
        return speaker


class EventTrigger(SpeakerTrigger):
    """Fires on one of Privacy Guard's bus events about a selected speaker."""

    _event_type: ClassVar[str]
    _what: ClassVar[str]
    # The option holding the allowed values of one event data key, if any.
    _choice: ClassVar[str | None] = None

    @override
    async def async_attach_runner(
        self,
        run_action: TriggerActionRunner,
        did_not_trigger: TriggerNotTriggeredReporter | None = None,
    ) -> CALLBACK_TYPE:
        """Listen for the event."""
        wanted = set(self._options.get(self._choice, ())) if self._choice else set()

        @callback
        def _event(event: Event[Mapping[str, Any]]) -> None:
            data = event.data
            if self._choice and wanted and data.get(self._choice) not in wanted:
                return
            if (speaker := self._selected(data.get("speaker_id"))) is None:
                return
            detail = f" ({data[self._choice]})" if self._choice else ""
            run_action(
                {"event": event, **data},
                f"{self._what} of {speaker.name}{detail}",
                event.context,
            )

        return self._hass.bus.async_listen(self._event_type, _event)


UPLOAD_OPTIONS: Final[dict[Any, Any]] = {
    vol.Optional(CONF_KIND, default=[]): vol.All(cv.ensure_list, [vol.In(KINDS)])
}
ENGAGED_OPTIONS: Final[dict[Any, Any]] = {
    vol.Optional(CONF_REASON, default=[]): vol.All(cv.ensure_list, [vol.In(REASONS)])
}


class UploadTrigger(EventTrigger):
    """An upload of a speaker, of the chosen verdicts (all without a choice)."""

    _event_type = EVENT_UPLOAD
    _what = "upload"
    _choice = CONF_KIND
    _options_schema = UPLOAD_OPTIONS


class LeakTrigger(EventTrigger):
    """An upload of a speaker while it was guarded."""

    _event_type = EVENT_LEAK
    _what = "leak"


class EngagedTrigger(EventTrigger):
    """The guard engaged for a speaker, for the chosen reasons (all without)."""

    _event_type = EVENT_ENGAGED
    _what = "guard engaged"
    _choice = CONF_REASON
    _options_schema = ENGAGED_OPTIONS


class ReleasedTrigger(EventTrigger):
    """The guard released a speaker."""

    _event_type = EVENT_RELEASED
    _what = "guard released"


class ProtectionTrigger(SpeakerTrigger):
    """A selected speaker's protected binary sensor turns on, or off.

    Only a change between on and off counts: not the sensor's first state, nor
    its coming back from unavailable.
    """

    _from: ClassVar[str]
    _to: ClassVar[str]
    _what: ClassVar[str]

    @override
    async def async_attach_runner(
        self,
        run_action: TriggerActionRunner,
        did_not_trigger: TriggerNotTriggeredReporter | None = None,
    ) -> CALLBACK_TYPE:
        """Listen for changes of the protected binary sensors."""
        entities = er.async_get(self._hass)

        @callback
        def _turned(data: EventStateChangedData) -> bool:
            old, new = data["old_state"], data["new_state"]
            return (
                old is not None
                and new is not None
                and old.state == self._from
                and new.state == self._to
                and data["entity_id"].startswith("binary_sensor.")
            )

        @callback
        def _changed(event: Event[EventStateChangedData]) -> None:
            entity_id = event.data["entity_id"]
            entity = entities.async_get(entity_id)
            if (
                entity is None
                or entity.platform != DOMAIN
                or not entity.unique_id.endswith(PROTECTED_SUFFIX)
            ):
                return
            speaker_id = entity.unique_id.removesuffix(PROTECTED_SUFFIX)
            if (speaker := self._selected(speaker_id)) is None:
                return
            run_action(
                {
                    "entity_id": entity_id,
                    "from_state": event.data["old_state"],
                    "to_state": event.data["new_state"],
                    "speaker_id": speaker.speaker_id,
                    "name": speaker.name,
                },
                f"{speaker.name} {self._what}",
                event.context,
            )

        return self._hass.bus.async_listen(
            EVENT_STATE_CHANGED, _changed, event_filter=_turned
        )


class ProtectedTrigger(ProtectionTrigger):
    """A speaker became protected."""

    _from = STATE_OFF
    _to = STATE_ON
    _what = "protected"


class UnprotectedTrigger(ProtectionTrigger):
    """A speaker is no longer protected."""

    _from = STATE_ON
    _to = STATE_OFF
    _what = "no longer protected"


TRIGGERS: Final[dict[str, type[Trigger]]] = {
    "upload": UploadTrigger,
    "leak": LeakTrigger,
    "guard_engaged": EngagedTrigger,
    "guard_released": ReleasedTrigger,
    "speaker_protected": ProtectedTrigger,
    "speaker_unprotected": UnprotectedTrigger,
}


async def async_get_triggers(hass: HomeAssistant) -> dict[str, type[Trigger]]:
    """Return the triggers of Privacy Guard."""
    return TRIGGERS
