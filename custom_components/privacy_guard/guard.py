"""The guard: carries out the planner's plans for every speaker.

It is level-triggered: every change (presence, privacy mode, a linked entity, an
action call, a retry timer) asks each affected speaker to reconcile what is with
what should be. What to do is decided by the pure planner (``planner.py``) from
the ledger's records, what each control shows and who made it so; this module
keeps the locks, drives the controls, retries, and tells the rest of Home
Assistant (events, logbook, repairs, entities).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    EVENT_CALL_SERVICE,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.start import async_at_started

from .blocking import DnsBackends
from .const import (
    CONF_AUTOMATIONS_OVERRIDE,
    EVENT_ENGAGED,
    EVENT_RELEASED,
    Action,
    NetworkBackend,
    Reason,
)
from .controls import check_speaker
from .giveback import (
    Orphans,
)
from .house import HouseState
from .ledger import Ledger
from .models import HouseConfig
from .origins import Origins
from .planner import (
    Origin,
)
from .repairs import async_sweep
from .signals import async_notify, async_notify_speakers
from .speaker import (
    Speaker,
    async_follow_power_sensors,
    build_speakers,
)


class Guard:
    """The house: signals in, speakers protected or released."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        ledger: Ledger,
        backends: DnsBackends | None = None,
    ) -> None:
        """Build the guard from the house entry and its speaker subentries."""
        self.hass = hass
        self.entry = entry
        self.ledger = ledger
        self.backends = backends
        # Who made each control's current state; its context is the guard's own.
        self.origins = Origins(
            automations_override=bool(
                entry.options.get(CONF_AUTOMATIONS_OVERRIDE, False)
            )
        )
        self._context = self.origins.context
        self.house = HouseConfig.from_entry(entry)
        # Privacy mode, presence and holds: why it engages.
        self.state = HouseState(
            hass, self.house, ledger, self.async_reconcile, self.notify
        )
        self.presence = self.state.presence
        self.speakers, self.conflicts = build_speakers(
            hass,
            entry,
            ledger=ledger,
            origins=self.origins,
            backends=backends,
            retry=self._reconciler,
        )
        self.started = False
        self._unsubs: list[CALLBACK_TYPE] = []
        self._stopping = False
        # Records of removed speakers and re-pointed actions, still to give back.
        self.orphans = Orphans(hass, ledger, backends, self.origins.context)
        # Tasks reconciling now: cancelled when Home Assistant stops.
        self._running: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ life
    async def async_start(self) -> None:
        """Begin guarding once Home Assistant has started (entities exist then)."""

        async def _at_started(_hass: HomeAssistant) -> None:
            await self._async_begin()

        self._unsubs.append(async_at_started(self.hass, _at_started))
        self._unsubs.append(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._ha_stopping)
        )

    @callback
    def _ha_stopping(self, _event: Event) -> None:
        """Home Assistant stops: act on nothing more, and end what runs.

        A reconcile cut short leaves the ledger as it wrote it, intent first:
        the next start finishes it (and protects what is still to protect).
        """
        self._stopping = True
        for task in self._running:
            task.cancel()

    async def _async_begin(self) -> None:
        if self._stopping:
            return
        self._unsubs.append(
            self.hass.bus.async_listen(EVENT_CALL_SERVICE, self.origins.note_user_call)
        )
        # Issues of an earlier run are raised again below if they still hold.
        async_sweep(self.hass)
        self.state.start()
        self.orphans.keys = set(self.ledger.records) - set(self.speakers)
        now = time.time()
        engaged_at = self.ledger.engaged_at
        before = dict(engaged_at)
        for speaker_id in set(engaged_at) - set(self.speakers):
            del engaged_at[speaker_id]
        for speaker_id, speaker in self.speakers.items():
            reason = self.state.speaker_reason(speaker_id)
            if self.ledger.records.get(speaker_id):
                # Engaged before the restart: no second "engaged" event for it,
                # and the same engagement (a ledger from before engagements
                # kept their start: from now).
                # A release found due now still fires its "released" event.
                speaker.reason = reason if reason is not Reason.NONE else Reason.MANUAL
                engaged_at.setdefault(speaker_id, now)
            elif reason is Reason.NONE:
                # Not guarded now: an engagement it had is over. One that is
                # still due goes on (its leak counts) when it engages below.
                engaged_at.pop(speaker_id, None)
        if engaged_at != before:
            self.ledger.mark_dirty()
        self._check_entities()
        linked = sorted(
            {
                entity_id
                for speaker in self.speakers.values()
                for entity_id in speaker.config.linked_entities
            }
        )
        if linked:
            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, linked, self._async_linked_changed
                )
            )
        # What confirms protection without being driven: a plug's power
        # sensors. (A traffic sensor that witnesses a DNS-only block is the
        # monitor's: it tells when its witness comes or goes.)
        self._unsubs.append(
            async_follow_power_sensors(self.hass, self.speakers, self.notify)
        )
        self.started = True
        await self.async_reconcile()

    async def async_stop(self) -> None:
        """Stop listening; the ledger keeps what is engaged for the next start."""
        self._stopping = True
        self.state.stop()
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        for speaker in self.speakers.values():
            # Let a running reconcile finish and record its outcome first: it may
            # schedule a retry, which is cancelled here after it.
            async with speaker.lock:
                speaker.retry.cancel()
        await self.orphans.async_stop()
        # What is left of them only saves and tells: the ledger is saved here.
        for task in self._running:
            if task is not asyncio.current_task():
                task.cancel()
        await self.ledger.async_commit()

    # --------------------------------------------------------------- notify
    @callback
    def notify(self, speaker_id: str | None = None) -> None:
        """Tell the entities to show the latest state.

        With a speaker, its entities and the house's (whose counts may move);
        without, the house's and every speaker's.
        """
        async_notify_speakers(
            self.hass,
            self.entry.entry_id,
            list(self.speakers) if speaker_id is None else [speaker_id],
        )

    # ----------------------------------------------------------------- house
    async def async_hold(
        self, speaker_ids: Iterable[str] | None, engaged: bool, duration: float | None
    ) -> None:
        """Engage or release speakers by request (see ``HouseState.async_hold``)."""
        targets = list(self.speakers) if speaker_ids is None else list(speaker_ids)
        await self.state.async_hold(targets, engaged, duration)

    # ---------------------------------------------------------------- origin
    async def _async_linked_changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        old, new = event.data["old_state"], event.data["new_state"]
        if new is None or old is None:
            self._check_entities()
        affected: list[str] = []
        urgent = False
        for speaker_id, speaker in self.speakers.items():
            if (seen := speaker.note_change(entity_id, old, event.context)) is None:
                continue
            affected.append(speaker_id)
            urgent = urgent or seen
        await self.async_reconcile(affected, state_change=not urgent)

    # ------------------------------------------------------------- speakers
    async def async_reconcile(
        self, speaker_ids: Iterable[str] | None = None, *, state_change: bool = False
    ) -> None:
        """Bring the given speakers (all by default) to what they should be.

        After a linked entity's state change that opened nothing, a speaker
        waiting for a retry is only re-read, not driven again: chatty media
        players would otherwise defeat the backoff.
        """
        if not self.started or self._stopping:
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self._async_reconcile(speaker_ids, state_change)
        finally:
            if task is not None:
                self._running.discard(task)

    async def _async_reconcile(
        self, speaker_ids: Iterable[str] | None, state_change: bool
    ) -> None:
        targets = list(self.speakers) if speaker_ids is None else list(speaker_ids)
        if speaker_ids is None:
            targets.extend(sorted(self.orphans.keys))
        await asyncio.gather(
            *(self._async_reconcile_one(sid, state_change) for sid in targets)
        )
        await self.ledger.async_commit()
        # Only the reconciled speakers' entities (and the house's counts).
        for speaker_id in targets:
            if speaker_id in self.speakers:
                async_notify(self.hass, self.entry.entry_id, speaker_id)
        async_notify(self.hass, self.entry.entry_id, None)

    async def _async_reconcile_one(self, speaker_id: str, state_change: bool) -> None:
        speaker = self.speakers.get(speaker_id)
        if speaker is None:
            await self.orphans.async_release(speaker_id)
            return
        async with speaker.lock:
            if self._stopping:
                return
            reason = self.state.speaker_reason(speaker_id)
            if reason is not speaker.reason:
                was_engaged = speaker.reason is not Reason.NONE
                speaker.reason = reason
                if was_engaged != (reason is not Reason.NONE):
                    speaker.retry.restart()
                    # When the engagement began: a leak is one after it.
                    if was_engaged:
                        self.ledger.engaged_at.pop(speaker_id, None)
                    else:
                        # (Kept when it went on across a restart.)
                        self.ledger.engaged_at.setdefault(speaker_id, time.time())
                    self.ledger.mark_dirty()
                    self._fire(speaker, reason)
            waiting = state_change and speaker.retry.pending
            if reason is Reason.NONE:
                failures = await speaker.async_release(waiting)
            else:
                failures, moved = await speaker.async_engage(
                    waiting, self.orphans.keys.add
                )
                for key in moved:
                    await self.orphans.async_release(key)
            speaker.retry.after_attempt(failures)

    def _reconciler(self, speaker_id: str) -> Callable[[], Awaitable[None]]:
        """Return what a retry of one speaker calls: a reconcile of it."""

        async def _again() -> None:
            await self.async_reconcile([speaker_id])

        return _again

    def _fire(self, speaker: Speaker, reason: Reason) -> None:
        event = EVENT_RELEASED if reason is Reason.NONE else EVENT_ENGAGED
        self.hass.bus.async_fire(
            event,
            {
                "speaker_id": speaker.config.speaker_id,
                "name": speaker.config.name,
                "reason": reason.value,
            },
            context=self._context,
        )

    def _check_entities(self) -> None:
        """Check every speaker's entities (repairs)."""
        for speaker in self.speakers.values():
            check_speaker(
                self.hass,
                speaker.config,
                self.conflicts.get(speaker.config.speaker_id, ()),
            )

    async def async_backend_changed(
        self, kind: NetworkBackend, clients: set[str]
    ) -> None:
        """Reconcile speakers whose block state changed in a DNS filter.

        Nobody's change can be told from a poll: an open control found there is
        protected again (unless a person opened it through our own switch).
        """
        affected = []
        for speaker_id, speaker in self.speakers.items():
            config = speaker.config
            if config.network_backend is kind and config.ip_address in clients:
                affected.append(speaker_id)
                if (
                    actuator := speaker.observers.get(Action.NETWORK_BLOCK)
                ) is not None:
                    self.origins.note(actuator.spec.key, Origin.DEVICE)
        await self.async_reconcile(affected)

    async def async_switch(
        self, speaker_id: str, action: Action, protect: bool, context: Context | None
    ) -> None:
        """Switch a speaker's control through Privacy Guard's own switch.

        A person's change (an override while guarded, not a reset to fight)
        when a user made it or set it off; an automation's only where the house
        allows it (see ``Origins.person_context``).
        """
        speaker = self.speakers[speaker_id]
        context, person = self.origins.person_context(context)
        await speaker.async_switch(action, protect, context, person)
        if speaker.observers[action].spec.entity_id is None:
            # A DNS filter fires no state change: reconcile now.
            await self.async_reconcile([speaker_id])

    @property
    def engaged(self) -> bool:
        """Return whether any speaker is being protected by the guard."""
        return any(s.reason is not Reason.NONE for s in self.speakers.values())

    @property
    def reason(self) -> Reason:
        """Return the house reason, or ``manual`` when only holds engage."""
        if self.state.reason is not Reason.NONE:
            return self.state.reason
        return Reason.MANUAL if self.engaged else Reason.NONE
