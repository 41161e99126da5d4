"""The demo house's action: reboot demo devices, as if they lost power."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import (
    ATTR_AREA_ID,
    ATTR_DEVICE_ID,
    ATTR_ENTITY_ID,
    ATTR_FLOOR_ID,
    ATTR_LABEL_ID,
)
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    target,
)

from .entity import DOMAIN
from .schema import vol

if TYPE_CHECKING:
    from .entity import DemoEntity, DemoHouse

SERVICE_REBOOT = "reboot"
_IDS = vol.All(cv.ensure_list, [cv.string])
# A target, as the target selector of services.yaml sends it.
REBOOT_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
        vol.Optional(ATTR_DEVICE_ID): _IDS,
        vol.Optional(ATTR_AREA_ID): _IDS,
        vol.Optional(ATTR_FLOOR_ID): _IDS,
        vol.Optional(ATTR_LABEL_ID): _IDS,
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the demo house's actions."""
    hass.services.async_register(
        DOMAIN, SERVICE_REBOOT, _async_reboot, schema=REBOOT_SCHEMA
    )


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


@callback
def _async_targets(hass: HomeAssistant, call: ServiceCall) -> list[DemoEntity]:
    """Return the demo entities a call targets, or raise naming what is not one.

    An entity is rebooted alone; a device (targeted, or found through an area,
    a floor or a label) with every demo entity it has, hidden ones included.
    """
    selection = target.TargetSelection(call.data)
    if not selection.has_any_target:
        raise _error("no_target")
    demo: dict[str, DemoEntity] = {}
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        house: DemoHouse = entry.runtime_data
        demo.update((entity.entity_id, entity) for entity in house.entities)
    selected = target.async_extract_referenced_entity_ids(hass, selection)
    device_registry = dr.async_get(hass)
    entity_registry = er.async_get(hass)

    unknown = sorted(
        entity_id for entity_id in selected.referenced if entity_id not in demo
    )
    unknown.extend(sorted(selected.missing_devices))
    chosen = {entity_id for entity_id in selected.referenced if entity_id in demo}
    chosen.update(
        entity_id for entity_id in selected.indirectly_referenced if entity_id in demo
    )
    for device_id in sorted(selected.referenced_devices - selected.missing_devices):
        of_device = {
            entry.entity_id
            for entry in er.async_entries_for_device(entity_registry, device_id)
            if entry.entity_id in demo
        }
        if not of_device and device_id in selection.device_ids:
            device = device_registry.async_get(device_id)
            name = device and (device.name_by_user or device.name)
            unknown.append(name or device_id)
        chosen |= of_device
    if unknown:
        raise _error("unknown_target", target=", ".join(unknown))
    if not chosen:
        raise _error("no_entities")
    return [demo[entity_id] for entity_id in sorted(chosen)]


@callback
def _async_reboot(call: ServiceCall) -> None:
    """Take the targeted devices offline; each comes back as it starts."""
    for entity in _async_targets(call.hass, call):
        entity.async_reboot(entity.house.reboot_seconds, call.context)
