"""What a speaker's controls can do, found from Home Assistant's registries.

A plug's own power sensors (on the plug's device) and their reading in watts,
and whether the actions the guard takes can protect a speaker at all.
"""

from __future__ import annotations

import math

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    UnitOfPower,
)
from homeassistant.core import (
    HomeAssistant,
    State,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_conversion import PowerConverter

from .giveback import available


def watts(state: State | None) -> float | None:
    """Return a power sensor's reading in watts, or None when unreadable."""
    if not available(state):
        return None
    assert state is not None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    if unit not in PowerConverter.VALID_UNITS:
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return PowerConverter.convert(value, unit, UnitOfPower.WATT)


def power_sensors_of(hass: HomeAssistant, switch: str) -> tuple[str, ...]:
    """Return the power sensors on the same device as a plug's switch."""
    registry = er.async_get(hass)
    entry = registry.async_get(switch)
    if entry is None or entry.device_id is None:
        return ()
    return tuple(
        sorted(
            candidate.entity_id
            for candidate in er.async_entries_for_device(registry, entry.device_id)
            if candidate.domain == "sensor"
            and (candidate.device_class or candidate.original_device_class) == "power"
        )
    )
