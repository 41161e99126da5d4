"""Driving one control, and giving back what the ledger holds.

The one way back, for a release, a removed speaker or a removed house: only
what the guard did and still holds is undone, in reverse order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.const import (
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    Context,
    HomeAssistant,
    State,
)
from homeassistant.exceptions import HomeAssistantError

from .actuators import Actuator
from .blocking import DnsBackends
from .const import (
    LOGGER,
    Action,
)
from .ledger import Ledger
from .planner import Observation, Origin, plan_release
from .records import LedgerRecord
from .retry import UNAVAILABLE


def available(state: State | None) -> bool:
    """Return whether an entity's state is known (neither missing nor unknown)."""
    return state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)


def announces(hass: HomeAssistant, actuator: Actuator) -> bool:
    """Return whether an unknown reading will end with a state change of its own.

    Only an entity that is itself unavailable (or missing) will: it is waited
    for. One that is available but unreadable (a media player without its mute
    attribute), or a DNS filter, is driven and read back instead.
    """
    entity_id = actuator.spec.entity_id
    return entity_id is not None and not available(hass.states.get(entity_id))


def observe(
    actuators: Mapping[Action, Actuator],
    origin: Callable[[str], Origin] = lambda _key: Origin.DOWNTIME,
) -> dict[Action, Observation]:
    """Return what each control shows, and who made it so (by its key)."""
    return {
        action: Observation(
            actuator.is_protective(),
            origin(actuator.spec.key),
            actuator.moot,
            announces=announces(actuator.hass, actuator),
        )
        for action, actuator in actuators.items()
    }


async def async_drive(
    actuator: Actuator, protect: bool, record: LedgerRecord, context: Context
) -> str | None:
    """Drive one control and read it back; return an error text or None."""
    try:
        await actuator.async_set(protect, context, record.memo)
    except HomeAssistantError as err:
        return str(err) or type(err).__name__
    if actuator.is_protective() is not protect:
        return f"{actuator.target} did not change"
    return None


async def async_give_back(
    ledger: Ledger,
    key: str,
    actuators: Mapping[Action, Actuator],
    context: Context,
) -> dict[Action, str]:
    """Undo what the ledger holds for ``key``; return what could not be undone.

    The one way back, for a release, a removed speaker or a removed house:
    only what the guard did and still holds is undone, in reverse order.
    """
    records = ledger.records.get(key)
    if not records:
        return {}
    plan = plan_release(records, observe(actuators))
    ledger.apply(key, plan)
    await ledger.async_commit()
    failures = dict.fromkeys(plan.waiting, UNAVAILABLE)
    for step in plan.steps:
        error = await async_drive(
            actuators[step.action], False, records[step.action], context
        )
        if error is None:
            records.pop(step.action, None)
            ledger.mark_dirty()
        else:
            failures[step.action] = error
    if not records:
        ledger.records.pop(key, None)
        ledger.mark_dirty()
    return failures


def record_actuators(
    hass: HomeAssistant, records: Mapping[Action, LedgerRecord], backends: Any
) -> dict[Action, Actuator]:
    """Return an actuator for each record, from the spec stored with it."""
    return {
        action: Actuator(hass, record.spec, backends)
        for action, record in records.items()
    }


async def async_restore_all(
    hass: HomeAssistant, ledger: Ledger, backends: DnsBackends | None = None
) -> None:
    """Give back every change the ledger holds; keep what could not be undone."""
    context = Context()
    for key, records in list(ledger.records.items()):
        failures = await async_give_back(
            ledger, key, record_actuators(hass, records, backends), context
        )
        for action, error in failures.items():
            LOGGER.warning("Could not give back %s of %s: %s", action, key, error)
    if ledger.records:
        await ledger.async_commit()
    else:
        await ledger.async_remove()


class Orphans:
    """Records of removed speakers and re-pointed actions, still to give back.

    Each is given back on its own (it has no speaker's lock, so one at a
    time), and forgotten once nothing of it is left.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        ledger: Ledger,
        backends: DnsBackends | None,
        context: Context,
    ) -> None:
        """Hold the house's orphaned records."""
        self.hass = hass
        self.ledger = ledger
        self.backends = backends
        self.context = context
        self.keys: set[str] = set()
        self._lock = asyncio.Lock()
        self._stopping = False

    async def async_release(self, key: str) -> None:
        """Give back what the guard changed on a speaker that was removed."""
        async with self._lock:
            if self._stopping or key not in self.keys:
                return
            records = self.ledger.records.get(key, {})
            failures = await async_give_back(
                self.ledger,
                key,
                record_actuators(self.hass, records, self.backends),
                self.context,
            )
        if not failures:
            self.keys.discard(key)
        for action, error in failures.items():
            LOGGER.warning(
                "Could not restore %s of a removed speaker: %s", action, error
            )

    async def async_stop(self) -> None:
        """Give back no more; let one under way finish first."""
        self._stopping = True
        async with self._lock:
            pass
