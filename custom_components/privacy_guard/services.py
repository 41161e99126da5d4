"""Actions: engage and release the guard from automations and scripts."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_AREA_ID, ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import (
    Context,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    target,
)
import homeassistant.util.dt as dt_util
from homeassistant.util.json import JsonValueType

from .const import (
    ATTR_BYTES,
    ATTR_DURATION,
    ATTR_END,
    ATTR_PERIOD,
    ATTR_START,
    ATTR_WINDOW,
    DOMAIN,
    SERVICE_ENGAGE,
    SERVICE_GET_REPORT,
    SERVICE_RECORD_UPLOAD,
    SERVICE_RELEASE,
    SERVICE_RESET_COUNTERS,
    SERVICE_SELF_TEST,
)
from .detector_types import Upload
from .monitor import SOURCE_ACTION
from .report import PERIODS, Period, async_report, statistic_ids
from .schema import vol
from .selftest import DEFAULT_WINDOW, MAX_WINDOW, MIN_WINDOW

if TYPE_CHECKING:
    from .runtime import PrivacyGuardConfigEntry

MAX_DURATION = timedelta(days=7)

SCHEMA_HOLD = vol.Schema(
    {
        vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
        vol.Optional(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_AREA_ID): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_DURATION): vol.All(
            cv.time_period,
            cv.positive_timedelta,
            vol.Range(max=MAX_DURATION),
        ),
    }
)


TARGET_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
    vol.Optional(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(ATTR_AREA_ID): vol.All(cv.ensure_list, [cv.string]),
}

SCHEMA_RECORD_UPLOAD = vol.Schema(
    {
        **TARGET_FIELDS,
        vol.Required(ATTR_BYTES): vol.All(vol.Coerce(int), vol.Range(min=0)),
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_DURATION, default=0): vol.All(
            vol.Coerce(float), vol.Range(min=0, max=86400)
        ),
    }
)

SCHEMA_RESET = vol.Schema(TARGET_FIELDS)

MAX_REPORT = timedelta(days=366)
SCHEMA_REPORT = vol.Schema(
    {
        **TARGET_FIELDS,
        vol.Optional(ATTR_PERIOD, default="week"): vol.In(list(PERIODS)),
        vol.Inclusive(ATTR_START, "span"): cv.datetime,
        vol.Inclusive(ATTR_END, "span"): cv.datetime,
    }
)

SCHEMA_SELF_TEST = vol.Schema(
    {
        **TARGET_FIELDS,
        vol.Optional(ATTR_WINDOW, default=DEFAULT_WINDOW): vol.All(
            vol.Coerce(float), vol.Range(min=MIN_WINDOW, max=MAX_WINDOW)
        ),
    }
)


def _loaded_entry(hass: HomeAssistant) -> PrivacyGuardConfigEntry:
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            return entry
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="not_loaded"
    )


def _targets(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry, call: ServiceCall
) -> list[str] | None:
    """Return the speakers a call names, or None for all of them."""
    if not any(
        key in call.data for key in (ATTR_ENTITY_ID, ATTR_DEVICE_ID, ATTR_AREA_ID)
    ):
        return None
    selected = target.async_extract_referenced_entity_ids(
        hass, target.TargetSelection(call.data)
    )
    device_registry = dr.async_get(hass)
    entity_registry = er.async_get(hass)
    device_ids = set(selected.referenced_devices)
    unknown: list[str] = []
    for entity_id in selected.referenced | selected.indirectly_referenced:
        entity = entity_registry.async_get(entity_id)
        if entity is None or entity.device_id is None:
            if entity_id in selected.referenced:
                unknown.append(entity_id)
            continue
        device_ids.add(entity.device_id)
    speakers = entry.runtime_data.guard.speakers
    found: list[str] = []
    for device_id in sorted(device_ids):
        device = device_registry.async_get(device_id)
        speaker_id = next(
            (
                identifier
                for domain, identifier in (device.identifiers if device else ())
                if domain == DOMAIN and identifier in speakers
            ),
            None,
        )
        if speaker_id is None:
            if device_id in call.data.get(ATTR_DEVICE_ID, ()):
                unknown.append(device.name or device_id if device else device_id)
            continue
        if speaker_id not in found:
            found.append(speaker_id)
    if unknown or not found:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_target",
            translation_placeholders={"target": ", ".join(unknown) or "-"},
        )
    return found


def _concerned(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    speaker_ids: list[str] | None,
    self_test: bool = False,
) -> list[str]:
    """Return the entities a call about these speakers (None: all) acts on.

    Each speaker's own entities (its counters, switches, self-test) and the
    entities of its controls (what a release opens); for a self-test also the
    probe players it plays through and the TTS entity that speaks.
    """
    guard = entry.runtime_data.guard
    chosen = set(guard.speakers if speaker_ids is None else speaker_ids)
    registry = er.async_get(hass)
    devices = dr.async_get(hass)
    concerned: list[str] = []
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        device = devices.async_get(registered.device_id or "")
        if device is not None and any(
            domain == DOMAIN and identifier in chosen
            for domain, identifier in device.identifiers
        ):
            concerned.append(registered.entity_id)
    for speaker_id in sorted(chosen):
        concerned.extend(guard.speakers[speaker_id].config.linked_entities)
    if self_test:
        tester = entry.runtime_data.self_tester
        concerned.extend(
            player
            for speaker_id in sorted(chosen)
            if (player := tester.probe_player(speaker_id))
        )
        if (voice := tester.probe_voice()) != "clip":
            concerned.append(voice)
    return concerned


async def async_check_control(
    hass: HomeAssistant,
    context: Context,
    entry: PrivacyGuardConfigEntry,
    speaker_ids: list[str] | None,
    *,
    self_test: bool = False,
) -> bool:
    """Allow what can open a speaker or touch its record as Home Assistant would.

    Admins always; other users only with control permission on every entity
    concerned (a read-only user never); a call without a user (an automation,
    a script run by Home Assistant) as before. Return whether a person asked:
    a user, and not one Home Assistant made for an integration or a cloud
    link (a system-generated user).
    """
    user_id = context.user_id
    if user_id is None:
        return False
    user = await hass.auth.async_get_user(user_id)
    if user is None:
        raise UnknownUser(context=context, user_id=user_id)
    if not user.is_admin:
        for entity_id in _concerned(hass, entry, speaker_ids, self_test):
            if not user.permissions.check_entity(entity_id, POLICY_CONTROL):
                raise Unauthorized(
                    context=context, entity_id=entity_id, permission=POLICY_CONTROL
                )
    return not user.system_generated


async def _async_check_control(
    call: ServiceCall, entry: PrivacyGuardConfigEntry, speaker_ids: list[str] | None
) -> None:
    await async_check_control(call.hass, call.context, entry, speaker_ids)


async def _async_hold(call: ServiceCall, engaged: bool) -> None:
    hass = call.hass
    entry = _loaded_entry(hass)
    targets = _targets(hass, entry, call)
    if not engaged:
        # Protecting needs no permission; opening does.
        await _async_check_control(call, entry, targets)
    duration: timedelta | None = call.data.get(ATTR_DURATION)
    await entry.runtime_data.guard.async_hold(
        targets, engaged, duration.total_seconds() if duration else None
    )


async def _async_engage(call: ServiceCall) -> None:
    await _async_hold(call, True)


async def _async_release(call: ServiceCall) -> None:
    await _async_hold(call, False)


async def _async_record_upload(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = _loaded_entry(hass)
    targets = _targets(hass, entry, call)
    if targets is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="speaker_required"
        )
    await _async_check_control(call, entry, targets)
    start = call.data.get(ATTR_START)
    duration: float = call.data[ATTR_DURATION]
    begin = (
        dt_util.as_utc(start).timestamp()
        if start is not None
        else dt_util.utcnow().timestamp() - duration
    )
    size: int = call.data[ATTR_BYTES]
    upload = Upload(
        start=begin,
        end=begin + duration,
        bytes=size,
        peak_bps=size / duration if duration else float(size),
    )
    monitor = entry.runtime_data.monitor
    verdicts: dict[str, JsonValueType] = {
        monitor.speakers[speaker_id].config.name: monitor.async_record(
            speaker_id, upload, source=SOURCE_ACTION
        ).kind.value
        for speaker_id in targets
    }
    return {"verdicts": verdicts}


async def _async_reset_counters(call: ServiceCall) -> None:
    entry = _loaded_entry(call.hass)
    targets = _targets(call.hass, entry, call)
    await _async_check_control(call, entry, targets)
    entry.runtime_data.monitor.async_reset(targets)


async def _async_self_test(call: ServiceCall) -> ServiceResponse:
    """Self-test the speakers a call names (all by default); answer their results."""
    hass = call.hass
    entry = _loaded_entry(hass)
    targets = _targets(hass, entry, call)
    # A probe plays near people's speakers and may ask a vendor a question.
    person = await async_check_control(
        hass, call.context, entry, targets, self_test=True
    )
    tester = entry.runtime_data.self_tester
    results = await tester.async_run(targets, call.data[ATTR_WINDOW], person=person)
    speakers = entry.runtime_data.guard.speakers
    answer: dict[str, JsonValueType] = {
        speaker_id: {"name": speakers[speaker_id].config.name, **result.as_dict()}
        for speaker_id, result in results.items()
    }
    return {"speakers": answer}


async def _async_check_read(
    call: ServiceCall, entry: PrivacyGuardConfigEntry, speaker_ids: list[str] | None
) -> None:
    """Answer only what the caller may read, as Home Assistant shows states.

    Admins and calls without a user always; other users need read permission
    on every sensor the report reads (a read-only user has it).
    """
    user_id = call.context.user_id
    if user_id is None:
        return
    user = await call.hass.auth.async_get_user(user_id)
    if user is None:
        raise UnknownUser(context=call.context, user_id=user_id)
    if user.is_admin:
        return
    speakers = (
        speaker_ids
        if speaker_ids is not None
        else list(entry.runtime_data.view.configs)
    )
    for entity_id in statistic_ids(
        call.hass, entry.entry_id, speakers, entry.runtime_data.rooms.rooms
    ).values():
        if not user.permissions.check_entity(entity_id, POLICY_READ):
            raise Unauthorized(
                context=call.context, entity_id=entity_id, permission=POLICY_READ
            )


async def _async_get_report(call: ServiceCall) -> ServiceResponse:
    """Answer the privacy report of the speakers a call names (all by default)."""
    hass = call.hass
    entry = _loaded_entry(hass)
    if "recorder" not in hass.config.components:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="report_needs_recorder"
        )
    targets = _targets(hass, entry, call)
    await _async_check_read(call, entry, targets)
    if ATTR_START in call.data:
        start = dt_util.as_utc(call.data[ATTR_START])
        end = dt_util.as_utc(call.data[ATTR_END])
        if not timedelta(0) < end - start <= MAX_REPORT:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="report_span"
            )
    else:
        end = dt_util.utcnow()
        start = end - PERIODS[call.data[ATTR_PERIOD]]
    return await async_report(hass, entry, targets, Period(start, end))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of Privacy Guard."""
    hass.services.async_register(
        DOMAIN, SERVICE_ENGAGE, _async_engage, schema=SCHEMA_HOLD
    )
    hass.services.async_register(
        DOMAIN, SERVICE_RELEASE, _async_release, schema=SCHEMA_HOLD
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RECORD_UPLOAD,
        _async_record_upload,
        schema=SCHEMA_RECORD_UPLOAD,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_RESET_COUNTERS, _async_reset_counters, schema=SCHEMA_RESET
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_REPORT,
        _async_get_report,
        schema=SCHEMA_REPORT,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SELF_TEST,
        _async_self_test,
        schema=SCHEMA_SELF_TEST,
        supports_response=SupportsResponse.OPTIONAL,
    )
