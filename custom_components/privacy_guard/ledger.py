"""The ledger: what the guard changed, and from what, persisted across restarts."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER, Action
from .planner import Plan
from .policy import ManualHold
from .records import LedgerRecord

STORAGE_VERSION = 1
# The start of an engagement that a ledger from before engagements kept their
# start listed as leaked: unknown, before anything; it counts as leaked.
LEAKED_BEFORE_START: Final = 0.0


class Ledger:
    """Persisted state of the guard: records per speaker, privacy mode, holds."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create the ledger of one house."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}", private=True
        )
        self.records: dict[str, dict[Action, LedgerRecord]] = {}
        self.holds: dict[str, ManualHold] = {}
        self.privacy_mode = False
        self.house_empty = False
        # The condition entity's last known answer (kept while it is unknown).
        self.condition = False
        # Per speaker: how often it was found open without a person's doing
        # and protected again.
        self.reprotections: dict[str, int] = {}
        # What a DNS filter needs to restore a client blocked by hand through
        # our Network blocked switch, outside the guard (Pi-hole: its groups),
        # by the control's key.
        self.manual_memos: dict[str, dict[str, Any]] = {}
        # When each guarded speaker's engagement began (epoch seconds), kept
        # across a restart: a leak is one counted since then (the monitor
        # keeps the time of each speaker's last leak).
        self.engaged_at: dict[str, float] = {}
        self._lock = asyncio.Lock()
        self._generation = 0
        self._saved_generation = 0

    async def async_load(self) -> None:
        """Load what was stored; a damaged record is dropped with a warning."""
        data = await self._store.async_load() or {}
        self.privacy_mode = bool(data.get("privacy_mode", False))
        self.house_empty = bool(data.get("house_empty", False))
        self.condition = bool(data.get("condition", False))
        self.manual_memos = {
            str(key): dict(memo)
            for key, memo in (data.get("manual_memos") or {}).items()
            if isinstance(memo, dict)
        }
        self.engaged_at = {
            str(speaker_id): float(since)
            for speaker_id, since in (data.get("engaged_at") or {}).items()
            if isinstance(since, int | float) and since >= 0.0
        }
        # Before engagements kept their start, a speaker that leaked during
        # the one under way was listed: it keeps counting as leaked until the
        # guard lets go, whatever its counters say (they may have been reset).
        for speaker_id in data.get("leaks") or ():
            if speaker_id:
                self.engaged_at[str(speaker_id)] = LEAKED_BEFORE_START
        self.reprotections = {
            str(speaker_id): int(count)
            for speaker_id, count in (data.get("reprotections") or {}).items()
            if isinstance(count, int)
        }
        for speaker_id, hold in (data.get("holds") or {}).items():
            self.holds[speaker_id] = ManualHold.from_dict(
                hold, time.monotonic(), time.time()
            )
        for speaker_id, records in (data.get("records") or {}).items():
            loaded: dict[Action, LedgerRecord] = {}
            for raw in records:
                try:
                    record = LedgerRecord.from_dict(raw)
                except (KeyError, ValueError, TypeError) as err:
                    LOGGER.warning("Dropping unreadable ledger record %s: %s", raw, err)
                    continue
                loaded[record.action] = record
            if loaded:
                self.records[speaker_id] = loaded

    def as_dict(self) -> dict[str, Any]:
        """Return everything the ledger holds, as stored."""
        return {
            "privacy_mode": self.privacy_mode,
            "house_empty": self.house_empty,
            "condition": self.condition,
            "manual_memos": {key: dict(m) for key, m in self.manual_memos.items() if m},
            "reprotections": dict(self.reprotections),
            "engaged_at": dict(self.engaged_at),
            "holds": {
                sid: hold.as_dict(time.monotonic()) for sid, hold in self.holds.items()
            },
            "records": {
                sid: [record.as_dict() for record in records.values()]
                for sid, records in self.records.items()
                if records
            },
        }

    def apply(self, key: str, plan: Plan) -> dict[Action, LedgerRecord]:
        """Write a plan's records for ``key`` (a speaker, or a removed one's key).

        What no longer holds anything of the guard's is dropped, new and
        changed records are kept; the change is marked for saving. Returns the
        key's records (an empty key is removed from the ledger).
        """
        records = self.records.setdefault(key, {})
        for action in plan.drops:
            records.pop(action, None)
        records.update(plan.records)
        if plan.drops or plan.records:
            self.mark_dirty()
        return records

    def mark_dirty(self) -> None:
        """Note that something changed and needs saving."""
        self._generation += 1

    async def async_commit(self) -> None:
        """Write pending changes to disk before returning.

        Concurrent callers share writes: a caller whose change is already covered
        by a finished or running save does not write again.
        """
        wanted = self._generation
        if wanted <= self._saved_generation:
            return
        async with self._lock:
            if wanted <= self._saved_generation:
                return
            generation = self._generation
            await self._store.async_save(self.as_dict())
            self._saved_generation = generation

    async def async_remove(self) -> None:
        """Delete the stored ledger."""
        await self._store.async_remove()
