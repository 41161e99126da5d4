"""The house's side of the guard: privacy mode, presence, holds and their timers.

It decides why the house wants its speakers protected (``policy.house_reason``)
and why one speaker does (``policy.speaker_reason``, with its hold), keeps
both in the ledger, and calls the guard back to reconcile when either moves,
as ``Presence`` calls it. It drives nothing itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
import time

from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.event import async_call_later

from .const import Reason
from .ledger import Ledger
from .models import HouseConfig
from .policy import HouseSignals, ManualHold, house_reason, speaker_reason
from .presence import Presence

# Reconcile these speakers (None: all of them).
type Reconcile = Callable[[list[str] | None], Awaitable[None]]


class HouseState:
    """Privacy mode, presence and holds: why the guard engages."""

    def __init__(
        self,
        hass: HomeAssistant,
        config: HouseConfig,
        ledger: Ledger,
        reconcile: Reconcile,
        notify: Callable[[], None],
    ) -> None:
        """Bind the house's signals to the guard's reconcile."""
        self.hass = hass
        self.ledger = ledger
        self._reconcile = reconcile
        self._notify = notify
        self.presence = Presence(hass, config, ledger, self._async_moved)
        self.reason = Reason.NONE
        self.started = False
        self._hold_unsubs: dict[str, CALLBACK_TYPE] = {}

    def start(self) -> None:
        """Follow presence and the condition; restart the stored holds' timers."""
        self.presence.async_start()
        self.reason = self._compute_reason()
        for speaker_id, hold in self.ledger.holds.items():
            self._schedule_expiry(speaker_id, hold)
        self.started = True

    def stop(self) -> None:
        """Stop following; stored holds keep for the next start."""
        self.presence.async_stop()
        for unsub in self._hold_unsubs.values():
            unsub()
        self._hold_unsubs.clear()

    # --------------------------------------------------------------- signals
    def _compute_reason(self) -> Reason:
        return house_reason(
            HouseSignals(
                privacy_mode=self.ledger.privacy_mode,
                house_empty=self.presence.house_empty,
                condition=self.presence.condition,
            )
        )

    async def _async_moved(self) -> None:
        """Re-decide after a house signal; a new house reason ends open holds."""
        if not self.started:
            return
        reason = self._compute_reason()
        if reason is not self.reason:
            self.reason = reason
            for speaker_id, hold in list(self.ledger.holds.items()):
                if hold.until is None:
                    self._drop_hold(speaker_id)
        await self._reconcile(None)

    def speaker_reason(self, speaker_id: str) -> Reason:
        """Return why one speaker is to be protected now (its hold included)."""
        return speaker_reason(
            self.reason, self.ledger.holds.get(speaker_id), time.monotonic()
        )

    @property
    def house_empty(self) -> bool:
        """Return whether the house is empty (debounced)."""
        return self.presence.house_empty

    @property
    def condition(self) -> bool:
        """Return whether the condition entity asks for protection."""
        return self.presence.condition

    @property
    def privacy_mode(self) -> bool:
        """Return whether privacy mode is on."""
        return self.ledger.privacy_mode

    async def async_set_privacy_mode(self, on: bool) -> None:
        """Turn privacy mode on or off and act on it."""
        if self.ledger.privacy_mode == on:
            return
        self.ledger.privacy_mode = on
        self.ledger.mark_dirty()
        await self.ledger.async_commit()
        if self.started:
            await self._async_moved()
        else:
            self._notify()

    # ----------------------------------------------------------------- holds
    async def async_hold(
        self, targets: Iterable[str], engaged: bool, duration: float | None
    ) -> None:
        """Engage or release speakers by request.

        The hold lasts ``duration`` seconds, or without one until the house
        reason changes. Holds run on a monotonic clock: a wall-clock jump ends
        none early.
        """
        until = time.monotonic() + duration if duration else None
        speakers = list(targets)
        for speaker_id in speakers:
            hold = ManualHold(engaged=engaged, until=until)
            self.ledger.holds[speaker_id] = hold
            self._schedule_expiry(speaker_id, hold)
        self.ledger.mark_dirty()
        await self._reconcile(speakers)

    def _schedule_expiry(self, speaker_id: str, hold: ManualHold) -> None:
        if unsub := self._hold_unsubs.pop(speaker_id, None):
            unsub()
        if hold.until is None:
            return

        async def _expired(_now: datetime) -> None:
            self._hold_unsubs.pop(speaker_id, None)
            if self.ledger.holds.get(speaker_id) is hold:
                self._drop_hold(speaker_id)
                await self._reconcile([speaker_id])

        self._hold_unsubs[speaker_id] = async_call_later(
            self.hass, max(0.0, hold.until - time.monotonic()), _expired
        )

    def _drop_hold(self, speaker_id: str) -> None:
        self.ledger.holds.pop(speaker_id, None)
        self.ledger.mark_dirty()
        if unsub := self._hold_unsubs.pop(speaker_id, None):
            unsub()
