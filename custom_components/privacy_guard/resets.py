"""Re-protections: what a plan of one speaker found and the guard tells.

A person's opening is kept (logged); a control found open while guarded is
protected again, counted, announced, and a repair when it happens too often
(a device resetting itself).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
import time
from typing import Final

from homeassistant.core import Context, HomeAssistant

from .actuators import Actuator
from .const import EVENT_REPROTECTED, LOGGER, RESETS_PER_HOUR, Action
from .ledger import Ledger
from .models import SpeakerConfig
from .planner import Origin, Plan
from .repairs import Issue, async_raise

HOUR: Final = 3600.0


class Resets:
    """One speaker's re-protections: counted once per opening, within the hour."""

    def __init__(
        self, hass: HomeAssistant, ledger: Ledger, config: SpeakerConfig
    ) -> None:
        """Follow one speaker's re-protections."""
        self.hass = hass
        self.ledger = ledger
        self.config = config
        # When it was protected again, within the last hour.
        self.times: deque[float] = deque()
        # Which of its controls are open and already counted.
        self.reopened: set[Action] = set()

    def note(
        self, plan: Plan, actuators: Mapping[Action, Actuator], context: Context
    ) -> None:
        """Log, count and announce what a plan found."""
        config = self.config
        for action in plan.overrides:
            LOGGER.info(
                "%s: %s opened by a person while guarded; kept",
                config.name,
                actuators[action].target,
            )
        now = time.time()
        # Counted once per opening, not at every retry until it is closed again.
        counted = self.reopened & set(plan.reprotect)
        self.reopened = set(plan.reprotect)
        for action, origin in plan.reprotect.items():
            if action in counted:
                continue
            target = actuators[action].target
            LOGGER.warning(
                "%s: %s was found open (%s) while guarded; protecting it again",
                config.name,
                target,
                "changed while Home Assistant was down"
                if origin is Origin.DOWNTIME
                else "device reset or returned",
            )
            self.ledger.reprotections[config.speaker_id] = (
                self.ledger.reprotections.get(config.speaker_id, 0) + 1
            )
            self.ledger.mark_dirty()
            self.hass.bus.async_fire(
                EVENT_REPROTECTED,
                {
                    "speaker_id": config.speaker_id,
                    "name": config.name,
                    "action": action.value,
                    "target": target,
                    "cause": origin.value,
                },
                context=context,
            )
            self.times.append(now)
        while self.times and self.times[0] < now - HOUR:
            self.times.popleft()
        if len(self.times) > RESETS_PER_HOUR:
            async_raise(
                self.hass,
                Issue.DEVICE_RESETS,
                config.speaker_id,
                placeholders={"speaker": config.name, "count": str(len(self.times))},
            )
