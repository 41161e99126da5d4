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
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
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
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.start import async_at_started

from .actuators import Actuator
from .blocking import DnsBackends
from .const import (
    ACTION_ORDER,
    CONF_AUTOMATIONS_OVERRIDE,
    DOMAIN,
    EVENT_ENGAGED,
    EVENT_RELEASED,
    LOGGER,
    Action,
    NetworkBackend,
    PrivacyState,
    Reason,
)
from .controls import check_speaker, watts
from .giveback import (
    announces,
    async_drive,
    async_give_back,
    available,
    record_actuators,
)
from .house import HouseState
from .ledger import Ledger
from .models import HouseConfig, SpeakerConfig, SpeakerView
from .origins import Origins
from .planner import (
    Observation,
    Origin,
    plan_engage,
    plan_release,
)
from .protection import power_is_off
from .records import RecordStatus
from .repairs import async_sweep
from .resets import Resets
from .retry import UNAVAILABLE, Retry
from .signals import async_notify, async_notify_speakers
from .view import speaker_can_protect, speaker_view


@dataclass(slots=True)
class _Speaker:
    """Runtime of one speaker."""

    config: SpeakerConfig
    actuators: dict[Action, Actuator]
    # Every linked control, also those whose action the policy does not take:
    # the privacy state shows what is, not only what the guard did.
    observers: dict[Action, Actuator]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # What failed, and when it is tried again (set by the guard).
    retry: Retry = field(init=False)
    reason: Reason = Reason.NONE
    # When the current engagement began (epoch seconds), and whether the speaker
    # uploaded since: an upload while guarded is a leak.
    engaged_since: float | None = None
    leaked: bool = False
    # Its re-protections after a reset (set by the guard).
    resets: Resets = field(init=False)
    # The plug's own power sensors (on the plug's device), found at start.
    power_sensors: tuple[str, ...] = ()


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
            hass, self.house, ledger, self._async_reconcile_some, self.notify
        )
        self.presence = self.state.presence
        self.speakers: dict[str, _Speaker] = {}
        # A control may serve one role of one speaker, and never be one of
        # Privacy Guard's own entities (the guard would wait on itself, or two
        # roles fight over one plug): one that does is left out, with a repair.
        registry = er.async_get(hass)
        taken: set[str] = set()
        self.conflicts: dict[str, list[str]] = {}
        # Whether a speaker's traffic was watched without a break since a time
        # (the monitor's; none yet: nothing is witnessed).
        self.witness: Callable[[str, float], bool] | None = None
        for config in SpeakerConfig.all_from_entry(entry):
            observers: dict[Action, Actuator] = {}
            for action in ACTION_ORDER:
                if (spec := config.spec(action)) is None:
                    continue
                own = spec.entity_id is not None and (
                    (registered := registry.async_get(spec.entity_id)) is not None
                    and registered.platform == DOMAIN
                )
                if own or spec.key in taken:
                    self.conflicts.setdefault(config.speaker_id, []).append(spec.target)
                    continue
                taken.add(spec.key)
                observers[action] = Actuator(hass, spec, backends)
            actuators = {
                action: observers[action]
                for action in config.actions
                if action in observers
            }
            speaker = _Speaker(config, actuators, observers)
            speaker.resets = Resets(hass, ledger, config)
            speaker.retry = Retry(
                hass,
                config.speaker_id,
                config.name,
                self._reconciler(config.speaker_id),
            )
            self.speakers[config.speaker_id] = speaker
        self.started = False
        self._unsubs: list[CALLBACK_TYPE] = []
        self._stopping = False
        # Records of removed speakers and re-pointed actions, still to give back.
        self._orphans: set[str] = set()
        # Orphans have no speaker lock.
        self._orphan_lock = asyncio.Lock()
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
        self._orphans = set(self.ledger.records) - set(self.speakers)
        now = time.time()
        for speaker_id, speaker in self.speakers.items():
            if self.ledger.records.get(speaker_id):
                # Engaged before the restart: no second "engaged" event for it.
                reason = self.state.speaker_reason(speaker_id)
                # A release found due now still fires its "released" event.
                speaker.reason = reason if reason is not Reason.NONE else Reason.MANUAL
                speaker.engaged_since = now
                speaker.leaked = speaker_id in self.ledger.leaks
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
        witnesses: dict[str, list[str]] = {}
        for speaker_id, speaker in self.speakers.items():
            for entity_id in speaker.power_sensors:
                witnesses.setdefault(entity_id, []).append(speaker_id)
        if witnesses:

            @callback
            def _witness_changed(event: Event[EventStateChangedData]) -> None:
                for speaker_id in witnesses[event.data["entity_id"]]:
                    self.notify(speaker_id)

            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, list(witnesses), _witness_changed
                )
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
        async with self._orphan_lock:
            pass
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
    async def _async_reconcile_some(self, speaker_ids: list[str] | None) -> None:
        await self.async_reconcile(speaker_ids)

    def resolve_targets(self, speaker_ids: Iterable[str] | None) -> list[str]:
        """Return the speakers meant: all when None."""
        return list(self.speakers) if speaker_ids is None else list(speaker_ids)

    async def async_hold(
        self, speaker_ids: Iterable[str] | None, engaged: bool, duration: float | None
    ) -> None:
        """Engage or release speakers by request (see ``HouseState.async_hold``)."""
        await self.state.async_hold(
            self.resolve_targets(speaker_ids), engaged, duration
        )

    # ---------------------------------------------------------------- origin
    @callback
    def person_context(self, parent: Context | None) -> tuple[Context, bool]:
        """Return a context for a change through our switches; is it a person's."""
        return self.origins.person_context(parent)

    @callback
    def note_person(self, key: str) -> None:
        """Note that a person changed a control that fires no state change."""
        self.origins.note(key, Origin.PERSON)

    async def _async_linked_changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        old, new = event.data["old_state"], event.data["new_state"]
        if new is None or old is None:
            self._check_entities()
        affected: list[str] = []
        urgent = False
        for speaker_id, speaker in self.speakers.items():
            for actuator in speaker.observers.values():
                if actuator.target != entity_id:
                    continue
                if speaker_id not in affected:
                    affected.append(speaker_id)
                before = actuator.read(old)
                after = actuator.is_protective()
                origin = self.origins.classify(
                    event.context,
                    was_available=available(old) and before is not None,
                )
                if before is not after or not available(old):
                    # Who changed what it protects; attribute churn keeps the
                    # origin of the last real change.
                    self.origins.note(actuator.spec.key, origin)
                    # Found open, or back from unavailable: no waiting for a
                    # retry's backoff.
                    urgent = urgent or after is False or not available(old)
        await self.async_reconcile(affected, state_change=not urgent)

    def _observe(
        self, actuators: Mapping[Action, Actuator]
    ) -> dict[Action, Observation]:
        return {
            action: Observation(
                actuator.is_protective(),
                self.origins.of(actuator.spec.key),
                actuator.moot,
                announces=announces(self.hass, actuator),
            )
            for action, actuator in actuators.items()
        }

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
            targets.extend(sorted(self._orphans))
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
            if speaker_id in self._orphans:
                await self._async_release_orphan(speaker_id)
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
                    speaker.engaged_since = None if was_engaged else time.time()
                    # A leak counts until the guard lets go (across restarts).
                    speaker.leaked = not was_engaged and speaker_id in self.ledger.leaks
                    self._fire(speaker, reason)
            if reason is Reason.NONE and speaker_id in self.ledger.leaks:
                self.ledger.leaks.discard(speaker_id)
                self.ledger.mark_dirty()
            waiting = state_change and speaker.retry.pending
            if reason is Reason.NONE:
                failures = await self._async_release(speaker, waiting)
            else:
                failures = await self._async_engage(speaker, waiting)
            speaker.retry.after_attempt(failures)

    async def _async_engage(
        self, speaker: _Speaker, waiting: bool
    ) -> dict[Action, str]:
        """Protect one speaker; return what could not be protected.

        With ``waiting`` (a retry is pending), nothing is driven: what still
        needs driving keeps its failure until the retry.
        """
        config = speaker.config
        records = self.ledger.records.setdefault(config.speaker_id, {})
        plan = plan_engage(
            {action: a.spec for action, a in speaker.actuators.items()},
            records,
            self._observe(speaker.actuators),
            enforce=config.enforce,
        )
        self.ledger.apply(config.speaker_id, plan)
        for moved in plan.moved:
            # Re-pointed at another entity, or dropped from the policy, while
            # engaged: still the guard's to give back, as an orphan of its own.
            key = f"{config.speaker_id}:{moved.action}"
            self.ledger.records.setdefault(key, {})[moved.action] = moved
            self.ledger.mark_dirty()
            self._orphans.add(key)
        speaker.resets.note(plan, speaker.actuators, self._context)
        failures = dict.fromkeys(plan.waiting, UNAVAILABLE)
        if waiting and plan.steps:
            await self.ledger.async_commit()
            failures.update(
                (step.action, speaker.retry.failure(step.action)) for step in plan.steps
            )
            return failures
        for step in plan.steps:
            # The intent is on disk before the first entity is touched. What was
            # protective before engagement (ALREADY) stays nobody's to undo.
            if step.confirmed is RecordStatus.APPLIED and records[
                step.action
            ].set_status(RecordStatus.PENDING):
                self.ledger.mark_dirty()
        await self.ledger.async_commit()
        for step in plan.steps:
            record = records[step.action]
            error = await async_drive(
                speaker.actuators[step.action], True, record, self._context
            )
            # Saved either way: a DNS filter write leaves its memo (what to
            # restore) in the record, on disk before anything else happens.
            self.ledger.mark_dirty()
            if record.spec.entity_id is None:
                await self.ledger.async_commit()
            if error is None:
                assert step.confirmed is not None
                record.set_status(step.confirmed)
            else:
                failures[step.action] = error
        for key in (f"{config.speaker_id}:{moved.action}" for moved in plan.moved):
            await self._async_release_orphan(key)
        return failures

    async def _async_release(
        self, speaker: _Speaker, waiting: bool
    ) -> dict[Action, str]:
        config = speaker.config
        records = self.ledger.records.get(config.speaker_id)
        if not records:
            return {}
        actuators = {
            action: (
                actuator
                if (actuator := speaker.actuators.get(action)) is not None
                and actuator.spec == record.spec
                else Actuator(self.hass, record.spec, self.backends)
            )
            for action, record in records.items()
        }
        if waiting:
            plan = plan_release(records, self._observe(actuators))
            if plan.steps:
                return {
                    step.action: speaker.retry.failure(step.action)
                    for step in plan.steps
                }
        return await async_give_back(
            self.ledger, config.speaker_id, actuators, self._context
        )

    async def _async_release_orphan(self, key: str) -> None:
        """Give back what the guard changed on a speaker that was removed."""
        async with self._orphan_lock:
            if self._stopping or key not in self._orphans:
                return
            records = self.ledger.records.get(key, {})
            failures = await async_give_back(
                self.ledger,
                key,
                record_actuators(self.hass, records, self.backends),
                self._context,
            )
        if not failures:
            self._orphans.discard(key)
        for action, error in failures.items():
            LOGGER.warning(
                "Could not restore %s of a removed speaker: %s", action, error
            )

    def _reconciler(self, speaker_id: str) -> Callable[[], Awaitable[None]]:
        """Return what a retry of one speaker calls: a reconcile of it."""

        async def _again() -> None:
            await self.async_reconcile([speaker_id])

        return _again

    def _fire(self, speaker: _Speaker, reason: Reason) -> None:
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
        """Check every speaker's entities (repairs); find each plug's sensors."""
        for speaker in self.speakers.values():
            speaker.power_sensors = check_speaker(
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

    # ----------------------------------------------------------------- views
    def view(self, speaker_id: str) -> SpeakerView:
        """Return what the entities of one speaker show (see ``protection.py``)."""
        speaker = self.speakers[speaker_id]
        config = speaker.config
        observed = {
            action: observer.is_protective()
            for action, observer in speaker.observers.items()
        }
        if observed.get(Action.POWER_OFF):
            # A plug that says it is off is confirmed by its own power sensor,
            # where it has one.
            observed[Action.POWER_OFF] = self._power_confirmed(speaker)
        # A DNS-only block is protection only while a traffic sensor has
        # watched the speaker without a break since the guard engaged.
        traffic_witness = (
            config.traffic_entity is not None
            and speaker.engaged_since is not None
            and self.witness is not None
            and self.witness(speaker_id, speaker.engaged_since)
        )
        return speaker_view(
            config,
            reason=speaker.reason,
            observed=observed,
            wanted=tuple(speaker.actuators),
            records=self.ledger.records.get(speaker_id, {}),
            failures=speaker.retry.failures,
            reprotections=self.ledger.reprotections.get(speaker_id, 0),
            leaked=speaker.leaked,
            traffic_witness=traffic_witness,
        )

    def _power_confirmed(self, speaker: _Speaker) -> bool:
        """Return whether a plug that reads off also draws no power.

        Every power sensor of the plug must read (nearly) nothing, in a unit
        Home Assistant knows; an unreadable one confirms nothing.
        """
        return all(
            power_is_off(watts(self.hass.states.get(entity_id)))
            for entity_id in speaker.power_sensors
        )

    def engaged_during(self, speaker_id: str, end: float) -> bool:
        """Return whether the speaker was guarded before ``end`` and still is."""
        speaker = self.speakers[speaker_id]
        return speaker.engaged_since is not None and speaker.engaged_since < end

    @callback
    def note_leak(self, speaker_id: str) -> None:
        """Mark that a guarded speaker uploaded: it is not protected after all.

        The caller notifies the entities once it has counted the upload.
        """
        self.speakers[speaker_id].leaked = True
        if speaker_id not in self.ledger.leaks:
            self.ledger.leaks.add(speaker_id)
            self.ledger.mark_dirty()
            self.entry.async_create_task(
                self.hass, self.ledger.async_commit(), f"{DOMAIN} ledger save"
            )

    def count(self, state: PrivacyState | None = None) -> int:
        """Return how many speakers are protected, or in the given state."""
        views = [self.view(speaker_id) for speaker_id in self.speakers]
        if state is None:
            return sum(view.protected for view in views)
        return sum(view.privacy_state is state for view in views)

    def count_unprotectable(self) -> int:
        """Return how many speakers have no control the guard can protect them by."""
        return sum(
            not speaker_can_protect(speaker.config)
            for speaker in self.speakers.values()
        )

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
