"""One guarded speaker at runtime: its controls, and protecting or releasing it.

The guard decides when (its locks, the house's reasons, events); a speaker
plans with the pure planner from the ledger's records and what its controls
show, drives them, and writes what it did to the ledger, intent first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event

from .actuators import Actuator
from .blocking import DnsBackends
from .const import ACTION_ORDER, DOMAIN, Action, Reason
from .controls import power_sensors_of, watts
from .giveback import async_drive, async_give_back, available, observe
from .ledger import Ledger
from .models import SpeakerConfig, SpeakerView
from .origins import Origins
from .planner import Observation, Origin, plan_engage, plan_release
from .protection import power_is_off
from .records import RecordStatus
from .resets import Resets
from .retry import UNAVAILABLE, Retry
from .view import speaker_view


class Speaker:
    """Runtime of one speaker."""

    def __init__(
        self,
        hass: HomeAssistant,
        config: SpeakerConfig,
        observers: dict[Action, Actuator],
        *,
        ledger: Ledger,
        origins: Origins,
        backends: DnsBackends | None,
        again: Callable[[], Awaitable[None]],
    ) -> None:
        """Bind one speaker's controls to the house's ledger and origins."""
        self.hass = hass
        self.config = config
        # Every linked control, also those whose action the policy does not
        # take: the privacy state shows what is, not only what the guard did.
        self.observers = observers
        self.actuators = {
            action: observers[action]
            for action in config.actions
            if action in observers
        }
        self.ledger = ledger
        self.origins = origins
        self.backends = backends
        self.lock = asyncio.Lock()
        self.retry = Retry(hass, config.speaker_id, config.name, again)
        self.resets = Resets(hass, ledger, config)
        self.reason = Reason.NONE
        # The plug's own power sensors (on the plug's device), found at start.
        self.power_sensors: tuple[str, ...] = ()

    def note_change(
        self, entity_id: str, old: State | None, context: Context
    ) -> bool | None:
        """Note who changed a linked entity; None if none of its controls.

        Returns whether the change is urgent: a control found open, or back
        from unavailable, is not left to a retry's backoff.
        """
        urgent: bool | None = None
        for actuator in self.observers.values():
            if actuator.target != entity_id:
                continue
            urgent = bool(urgent)
            before = actuator.read(old)
            after = actuator.is_protective()
            origin = self.origins.classify(
                context, was_available=available(old) and before is not None
            )
            if before is not after or not available(old):
                # Who changed what it protects; attribute churn keeps the
                # origin of the last real change.
                self.origins.note(actuator.spec.key, origin)
                urgent = urgent or after is False or not available(old)
        return urgent

    def observe(
        self, actuators: Mapping[Action, Actuator]
    ) -> dict[Action, Observation]:
        """Return what each control shows, and who made it so."""
        return observe(actuators, self.origins.of)

    async def async_engage(
        self, waiting: bool, adopt: Callable[[str], None]
    ) -> tuple[dict[Action, str], list[str]]:
        """Protect the speaker; return its failures and the records it left.

        The records it left are the keys of records it no longer drives, for
        the guard to give back. With ``waiting`` (a retry is pending), nothing
        is driven: what still needs driving keeps its failure until the retry.
        ``adopt(key)`` hands the guard a record re-pointed at another entity,
        or dropped from the policy, while engaged: still the guard's to give
        back, on its own.
        """
        config = self.config
        context = self.origins.context
        records = self.ledger.records.setdefault(config.speaker_id, {})
        plan = plan_engage(
            {action: a.spec for action, a in self.actuators.items()},
            records,
            self.observe(self.actuators),
            enforce=config.enforce,
        )
        self.ledger.apply(config.speaker_id, plan)
        moved = []
        for record in plan.moved:
            key = f"{config.speaker_id}:{record.action}"
            self.ledger.records.setdefault(key, {})[record.action] = record
            self.ledger.mark_dirty()
            adopt(key)
            moved.append(key)
        self.resets.note(plan, self.actuators, context)
        failures = dict.fromkeys(plan.waiting, UNAVAILABLE)
        if waiting and plan.steps:
            await self.ledger.async_commit()
            failures.update(
                (step.action, self.retry.failure(step.action)) for step in plan.steps
            )
            return failures, moved
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
                self.actuators[step.action], True, record, context
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
        return failures, moved

    async def async_release(self, waiting: bool) -> dict[Action, str]:
        """Give back what the guard did to it; return what could not be."""
        records = self.ledger.records.get(self.config.speaker_id)
        if not records:
            return {}
        actuators = {
            action: (
                actuator
                if (actuator := self.actuators.get(action)) is not None
                and actuator.spec == record.spec
                else Actuator(self.hass, record.spec, self.backends)
            )
            for action, record in records.items()
        }
        if waiting:
            plan = plan_release(records, self.observe(actuators))
            if plan.steps:
                return {
                    step.action: self.retry.failure(step.action) for step in plan.steps
                }
        return await async_give_back(
            self.ledger, self.config.speaker_id, actuators, self.origins.context
        )

    async def async_switch(
        self, action: Action, protect: bool, context: Context, person: bool
    ) -> None:
        """Switch one control through Privacy Guard's own switch.

        ``person``: a person's change (an override while guarded). An entity's
        state change tells its origin by ``context``; a DNS filter fires none,
        so a person's block or unblock is noted here. It restores from, and
        saves into, the guard's record; outside the guard into the ledger's
        memo of manual blocks, so an unblock by hand restores the client
        exactly too.
        """
        actuator = self.observers[action]
        key = actuator.spec.key
        if actuator.spec.entity_id is not None:
            await actuator.async_set(protect, context, None)
            return
        if person:
            self.origins.note(key, Origin.PERSON)
        ledger = self.ledger
        record = ledger.records.get(self.config.speaker_id, {}).get(action)
        if record is not None and (record.memo or key not in ledger.manual_memos):
            await actuator.async_set(protect, context, record.memo)
            return
        # Blocked by hand before the guard found it so ("already").
        await actuator.async_set(
            protect, context, ledger.manual_memos.setdefault(key, {})
        )
        if not protect:
            # Given back: nothing left to restore.
            ledger.manual_memos.pop(key, None)
        ledger.mark_dirty()
        await ledger.async_commit()

    def view(self, *, traffic_witness: bool, leaked: bool) -> SpeakerView:
        """Return what the speaker's entities show (see ``view.py``).

        ``traffic_witness``: its traffic was watched without a break all
        through the guard (what a DNS-only block rests on); ``leaked``: it
        uploaded since the guard engaged. Both are the monitor's to say.
        """
        config = self.config
        observed = {
            action: observer.is_protective()
            for action, observer in self.observers.items()
        }
        if observed.get(Action.POWER_OFF):
            # A plug that says it is off is confirmed by its own power sensor,
            # where it has one.
            observed[Action.POWER_OFF] = self.power_confirmed()
        return speaker_view(
            config,
            reason=self.reason,
            observed=observed,
            wanted=tuple(self.actuators),
            records=self.ledger.records.get(config.speaker_id, {}),
            failures=self.retry.failures,
            reprotections=self.ledger.reprotections.get(config.speaker_id, 0),
            leaked=leaked,
            traffic_witness=traffic_witness,
        )

    def power_confirmed(self) -> bool:
        """Return whether a plug that reads off also draws no power.

        Every power sensor of the plug must read (nearly) nothing, in a unit
        Home Assistant knows; an unreadable one confirms nothing.
        """
        return all(
            power_is_off(watts(self.hass.states.get(entity_id)))
            for entity_id in self.power_sensors
        )


def build_speakers(
    hass: HomeAssistant,
    entry: ConfigEntry,
    *,
    ledger: Ledger,
    origins: Origins,
    backends: DnsBackends | None,
    retry: Callable[[str], Callable[[], Awaitable[None]]],
) -> tuple[dict[str, Speaker], dict[str, list[str]]]:
    """Return the house's speakers and, per speaker, the controls left out.

    A control may serve one role of one speaker, and never be one of Privacy
    Guard's own entities (the guard would wait on itself, or two roles fight
    over one plug): one that does is left out, with a repair.
    """
    registry = er.async_get(hass)
    taken: set[str] = set()
    conflicts: dict[str, list[str]] = {}
    speakers: dict[str, Speaker] = {}
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
                conflicts.setdefault(config.speaker_id, []).append(spec.target)
                continue
            taken.add(spec.key)
            observers[action] = Actuator(hass, spec, backends)
        speakers[config.speaker_id] = Speaker(
            hass,
            config,
            observers,
            ledger=ledger,
            origins=origins,
            backends=backends,
            again=retry(config.speaker_id),
        )
    return speakers, conflicts


@callback
def async_follow_power_sensors(
    hass: HomeAssistant,
    speakers: Mapping[str, Speaker],
    notify: Callable[[str], None],
) -> CALLBACK_TYPE:
    """Find each plug's power sensors and tell its speaker when one moves.

    The one owner of ``Speaker.power_sensors``. A power sensor a plug gains,
    loses or has reclassified later (its integration registers it after ours
    started, the user changes its device class, the switch moves to another
    device) is found at once: the sensors are looked up again and the speaker
    told, so what confirms a plug is off is never stale.
    """
    switches = {
        speaker.config.power_switch
        for speaker in speakers.values()
        if speaker.config.power_switch
    }
    tracked: tuple[frozenset[str], CALLBACK_TYPE | None] = (frozenset(), None)

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        for speaker_id, speaker in speakers.items():
            if entity_id in speaker.power_sensors:
                notify(speaker_id)

    @callback
    def _find() -> None:
        nonlocal tracked
        for speaker_id, speaker in speakers.items():
            switch = speaker.config.power_switch
            found = power_sensors_of(hass, switch) if switch else ()
            if found != speaker.power_sensors:
                speaker.power_sensors = found
                notify(speaker_id)
        wanted = frozenset(
            entity_id
            for speaker in speakers.values()
            for entity_id in speaker.power_sensors
        )
        if wanted != tracked[0]:
            if (unsub := tracked[1]) is not None:
                unsub()
            tracked = (
                wanted,
                async_track_state_change_event(hass, sorted(wanted), _changed)
                if wanted
                else None,
            )

    @callback
    def _relevant(data: er.EventEntityRegistryUpdatedData) -> bool:
        old = data.get("old_entity_id")
        return (
            data["entity_id"].startswith("sensor.")
            or data["entity_id"] in switches
            or old in switches
        )

    @callback
    def _registry_updated(_event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        _find()

    _find()
    unlisten = (
        hass.bus.async_listen(
            er.EVENT_ENTITY_REGISTRY_UPDATED, _registry_updated, event_filter=_relevant
        )
        if switches
        else None
    )

    @callback
    def _stop() -> None:
        if (unsub := tracked[1]) is not None:
            unsub()
        if unlisten is not None:
            unlisten()

    return _stop
