"""Retries of one speaker's failed controls, with backoff, and their repairs.

A control that could not be driven is tried again after 2, 4, 8 … s (at most
``RETRY_MAX``). A first failure is only a warning; one that survives a retry
becomes a repair issue, and an unavailable entity (a device rebooting) only
once it stays away through about a minute of retries. Whatever works again
clears its repair.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.event import async_call_later

from .const import ISSUE_AFTER_ATTEMPTS, LOGGER, RETRY_BASE, RETRY_MAX, Action
from .repairs import Issue, async_clear, async_raise

# Failures that are no error message: the control's entity is unavailable
# (driven once it is back), or it waits for its retry (its last error is kept
# where there is one).
UNAVAILABLE: Final = "unavailable"
RETRY_PENDING: Final = "retry_pending"
# Retries (2, 4, 8, 16, 32 s: about a minute) before an unavailable entity of a
# guarded speaker becomes a repair issue.
UNAVAILABLE_ISSUE_AFTER: Final = 6


class Retry:
    """What failed on one speaker, and when it is tried again."""

    def __init__(
        self,
        hass: HomeAssistant,
        speaker_id: str,
        name: str,
        again: Callable[[], Awaitable[None]],
    ) -> None:
        """Retry one speaker by calling ``again`` (a reconcile of it)."""
        self.hass = hass
        self.speaker_id = speaker_id
        self.name = name
        self._again = again
        self.failures: dict[Action, str] = {}
        # Retries so far since the last success (or the last engage/release).
        self.attempts = 0
        self._unsub: CALLBACK_TYPE | None = None

    @property
    def pending(self) -> bool:
        """Return whether a retry is scheduled."""
        return self._unsub is not None

    def failure(self, action: Action) -> str:
        """Return what last failed for ``action``, or that it waits for a retry."""
        return self.failures.get(action, RETRY_PENDING)

    def restart(self) -> None:
        """Count retries from nothing again (the guard engaged or let go)."""
        self.attempts = 0

    def cancel(self) -> None:
        """Drop a scheduled retry."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    def after_attempt(self, failures: dict[Action, str]) -> None:
        """Clear what now works; for what still fails, retry and raise repairs."""
        previous = set(self.failures)
        self.failures = failures
        for action in previous - set(failures):
            async_clear(self.hass, Issue.ACTION_FAILED, self.speaker_id, action)
        if not failures:
            self.attempts = 0
            self.cancel()
            return
        for action, error in failures.items():
            if action not in previous:
                LOGGER.warning("%s: %s failed: %s", self.name, action, error)
            after = (
                UNAVAILABLE_ISSUE_AFTER
                if error == UNAVAILABLE
                else ISSUE_AFTER_ATTEMPTS
            )
            if self.attempts + 1 >= after:
                async_raise(
                    self.hass,
                    Issue.ACTION_FAILED,
                    self.speaker_id,
                    action,
                    placeholders={
                        "speaker": self.name,
                        "action": action.value,
                        "error": error,
                    },
                )
        if self._unsub is not None:
            return
        delay = min(RETRY_MAX, RETRY_BASE * 2**self.attempts)

        async def _retry(_now: datetime) -> None:
            self._unsub = None
            self.attempts += 1
            await self._again()

        self._unsub = async_call_later(self.hass, delay, _retry)
