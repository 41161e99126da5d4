"""What a loaded house shows: one typed view for entities, conditions and the self-test.

Each fact has one owner: the guard a speaker's reason and controls, the ledger
when its engagement began, the monitor its counters, its traffic witness and
its last leak. This view reads them together, the way core's entities read
their coordinator, so nothing that shows a speaker reaches into the guard's or
the monitor's internals, and nothing is kept twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from .actuators import Actuator
from .const import Action, PrivacyState, Reason
from .guard import Guard
from .models import SpeakerConfig, SpeakerView
from .monitor import HouseMonitor
from .speaker_monitor import SpeakerMonitor
from .view import speaker_can_protect


class HouseView:
    """Read-only access to what one house entry shows."""

    def __init__(self, guard: Guard, monitor: HouseMonitor) -> None:
        """Read from the house's guard and monitor."""
        self._guard = guard
        self._monitor = monitor
        self.configs: Mapping[str, SpeakerConfig] = {
            speaker_id: speaker.config for speaker_id, speaker in guard.speakers.items()
        }

    # ------------------------------------------------------------ the house
    @property
    def privacy_mode(self) -> bool:
        """Return whether privacy mode is on."""
        return self._guard.state.privacy_mode

    @property
    def house_empty(self) -> bool:
        """Return whether the house is empty (debounced)."""
        return self._guard.state.house_empty

    @property
    def engaged(self) -> bool:
        """Return whether the guard protects any speaker."""
        return self._guard.engaged

    @property
    def reason(self) -> Reason:
        """Return why the guard is engaged (``manual`` when only holds engage)."""
        return self._guard.reason

    def count(self, state: PrivacyState | None = None) -> int:
        """Return how many speakers are protected, or in the given state."""
        views = [self.speaker(speaker_id) for speaker_id in self.configs]
        if state is None:
            return sum(view.protected for view in views)
        return sum(view.privacy_state is state for view in views)

    def count_unprotectable(self) -> int:
        """Return how many speakers have no control that can protect them."""
        return sum(not speaker_can_protect(config) for config in self.configs.values())

    # ------------------------------------------------------------- speakers
    def speaker(self, speaker_id: str) -> SpeakerView:
        """Return what one speaker's entities show (see ``view.py``)."""
        return self._guard.speakers[speaker_id].view(
            traffic_witness=self._monitor.witnessing(speaker_id),
            leaked=self._monitor.leaked(speaker_id),
        )

    def controls(self, speaker_id: str) -> Mapping[Action, Actuator]:
        """Return the controls of one speaker, to read (the guard drives them)."""
        return self._guard.speakers[speaker_id].observers

    def uploads(self, speaker_id: str) -> SpeakerMonitor:
        """Return one speaker's upload counters and traffic detector."""
        return self._monitor.speakers[speaker_id]
