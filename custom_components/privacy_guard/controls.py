"""What a speaker's controls can do, found from Home Assistant's registries.

A plug's own power sensors (on the plug's device) and their reading in watts,
and the repairs of a speaker's entities: gone, in conflict, or nothing the
guard takes can protect it.
"""

from __future__ import annotations

from collections.abc import Iterable
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

from .const import LOGGER
from .giveback import available
from .models import SpeakerConfig
from .repairs import Issue, async_clear, async_raise
from .view import speaker_can_protect


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


def check_speaker(
    hass: HomeAssistant, config: SpeakerConfig, conflicts: Iterable[str]
) -> None:
    """Raise or clear one speaker's repairs.

    A linked entity that is gone, a control that is Privacy Guard's own or
    serves another role, and a speaker nothing the guard takes can protect
    each get a repair issue, cleared once it no longer holds.
    """
    for target in conflicts:
        LOGGER.warning(
            "%s: %s is Privacy Guard's own or serves another role: unused",
            config.name,
            target,
        )
        async_raise(
            hass,
            Issue.CONTROL_CONFLICT,
            config.speaker_id,
            placeholders={"speaker": config.name, "entity_id": target},
        )
    if speaker_can_protect(config):
        async_clear(hass, Issue.UNPROTECTABLE, config.speaker_id)
    else:
        async_raise(
            hass,
            Issue.UNPROTECTABLE,
            config.speaker_id,
            placeholders={"speaker": config.name},
        )
    for entity_id in config.all_entities:
        if hass.states.get(entity_id) is None:
            async_raise(
                hass,
                Issue.ENTITY_MISSING,
                config.speaker_id,
                entity_id,
                placeholders={"speaker": config.name, "entity_id": entity_id},
            )
        else:
            async_clear(hass, Issue.ENTITY_MISSING, config.speaker_id, entity_id)
