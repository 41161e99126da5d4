"""The guard: decides per speaker whether to protect it, and makes it so.

It is level-triggered: every change (presence, privacy mode, a linked entity, an
action call, a retry timer) asks each affected speaker to reconcile what is with
what should be, using the ledger to know what the guard itself changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import STATE_ON
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_state_change_event
from homeassistant.helpers.start import async_at_started

from .actuators import Actuator, ActuatorKind, ActuatorSpec
from .blocking import DnsBackends
from .const import (
    ACTION_ORDER,
    CONF_ACTIONS,
    CONF_CONDITION_ENTITY,
    CONF_DEBOUNCE,
    CONF_ENFORCE,
    CONF_IP_ADDRESS,
    CONF_MAC,
    CONF_MEDIA_PLAYER,
    CONF_MIC_SWITCH,
    CONF_NETWORK_BACKEND,
    CONF_NETWORK_ON_MEANS,
    CONF_NETWORK_SWITCH,
    CONF_POWER_SWITCH,
    CONF_PRESENCE_ENTITIES,
    CONF_PRESENCE_MODE,
    CONF_PROFILE,
    CONF_THRESHOLD,
    CONF_TRAFFIC_ENTITY,
    CONF_WAKE_ATTRIBUTE,
    CONF_WAKE_ENTITY,
    CONF_WAKE_WINDOW,
    CONF_ZONE,
    DEFAULT_DEBOUNCE,
    DEFAULT_WAKE_WINDOW,
    DEFAULT_ZONE,
    DOMAIN,
    EVENT_ENGAGED,
    EVENT_RELEASED,
    ISSUE_AFTER_ATTEMPTS,
    LOGGER,
    RETRY_BASE,
    RETRY_MAX,
    SUBENTRY_SPEAKER,
    Action,
    NetworkBackend,
    NetworkPolarity,
    PresenceMode,
    PrivacyState,
    Reason,
)
from .ledger import Ledger, LedgerRecord, RecordStatus
from .policy import (
    HouseSignals,
    ManualHold,
    entities_empty,
    house_reason,
    speaker_reason,
    zone_empty,
)


@dataclass(frozen=True, slots=True)
class SpeakerConfig:
    """One guarded speaker, as configured in its subentry."""

    speaker_id: str
    name: str
    media_player: str
    mic_switch: str | None = None
    network_switch: str | None = None
    network_on_means: NetworkPolarity = NetworkPolarity.BLOCKED
    power_switch: str | None = None
    ip_address: str | None = None
    mac: str | None = None
    actions: tuple[Action, ...] = ()
    enforce: bool = False
    traffic_entity: str | None = None
    profile: str = "other"
    threshold: float | None = None
    wake_entity: str | None = None
    wake_attribute: str | None = None
    wake_window: float = DEFAULT_WAKE_WINDOW
    network_backend: NetworkBackend = NetworkBackend.SWITCH

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> SpeakerConfig:
        """Read a speaker subentry."""
        data = subentry.data
        chosen = set(data.get(CONF_ACTIONS, ()))
        return cls(
            speaker_id=subentry.subentry_id,
            name=subentry.title,
            media_player=data[CONF_MEDIA_PLAYER],
            mic_switch=data.get(CONF_MIC_SWITCH),
            network_switch=data.get(CONF_NETWORK_SWITCH),
            network_on_means=NetworkPolarity(
                data.get(CONF_NETWORK_ON_MEANS, NetworkPolarity.BLOCKED)
            ),
            power_switch=data.get(CONF_POWER_SWITCH),
            ip_address=data.get(CONF_IP_ADDRESS),
            mac=data.get(CONF_MAC),
            actions=tuple(action for action in ACTION_ORDER if action in chosen),
            enforce=bool(data.get(CONF_ENFORCE, False)),
            traffic_entity=data.get(CONF_TRAFFIC_ENTITY),
            profile=data.get(CONF_PROFILE, "other"),
            threshold=(
                float(data[CONF_THRESHOLD]) if data.get(CONF_THRESHOLD) else None
            ),
            wake_entity=data.get(CONF_WAKE_ENTITY),
            wake_attribute=data.get(CONF_WAKE_ATTRIBUTE) or None,
            wake_window=float(data.get(CONF_WAKE_WINDOW, DEFAULT_WAKE_WINDOW)),
            network_backend=NetworkBackend(
                data.get(CONF_NETWORK_BACKEND, NetworkBackend.SWITCH)
            ),
        )

    def spec(self, action: Action) -> ActuatorSpec | None:
        """Return how to carry out one action, or None when it has no entity."""
        if action is Action.MUTE_MEDIA:
            return ActuatorSpec("media_mute", self.media_player)
        if action is Action.MIC_MUTE and self.mic_switch:
            return ActuatorSpec("switch", self.mic_switch, protect_on=True)
        if action is Action.NETWORK_BLOCK and (
            self.network_backend is not NetworkBackend.SWITCH
        ):
            if not self.ip_address:
                return None
            kind: ActuatorKind = (
                "adguard"
                if self.network_backend is NetworkBackend.ADGUARD
                else "pihole"
            )
            return ActuatorSpec(kind, self.ip_address)
        if action is Action.NETWORK_BLOCK and self.network_switch:
            return ActuatorSpec(
                "switch",
                self.network_switch,
                protect_on=self.network_on_means is NetworkPolarity.BLOCKED,
            )
        if action is Action.POWER_OFF and self.power_switch:
            return ActuatorSpec("switch", self.power_switch, protect_on=False)
        return None

    @property
    def linked_entities(self) -> tuple[str, ...]:
        """Return every entity this speaker depends on."""
        return tuple(
            entity_id
            for entity_id in (
                self.media_player,
                self.mic_switch,
                self.network_switch
                if self.network_backend is NetworkBackend.SWITCH
                else None,
                self.power_switch,
            )
            if entity_id
        )

    @property
    def all_entities(self) -> tuple[str, ...]:
        """Return every entity the speaker names, monitoring sources included."""
        return self.linked_entities + tuple(
            entity_id
            for entity_id in (self.traffic_entity, self.wake_entity)
            if entity_id
        )


@dataclass(frozen=True, slots=True)
class SpeakerView:
    """What the entities show about one speaker."""

    reason: Reason
    privacy_state: PrivacyState
    protected: bool
    states: dict[Action, bool | None]
    overrides: tuple[Action, ...]
    failures: dict[Action, str]

    @property
    def engaged(self) -> bool:
        """Return whether the guard wants this speaker protected."""
        return self.reason is not Reason.NONE


@dataclass(slots=True)
class _Speaker:
    """Runtime of one speaker."""

    config: SpeakerConfig
    actuators: dict[Action, Actuator]
    # Every linked entity, also those whose action the policy does not take: the
    # privacy state shows what is, not only what the guard did.
    observers: dict[Action, Actuator]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reason: Reason = Reason.NONE
    failures: dict[Action, str] = field(default_factory=dict)
    attempts: int = 0
    retry_unsub: CALLBACK_TYPE | None = None
    # When the current engagement began (epoch seconds), and whether the speaker
    # uploaded since: an upload while guarded is a leak.
    engaged_since: float | None = None
    leaked: bool = False


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
        self._context = Context()
        self.presence_mode = PresenceMode(
            entry.data.get(CONF_PRESENCE_MODE, PresenceMode.ZONE)
        )
        self.zone: str = entry.data.get(CONF_ZONE, DEFAULT_ZONE)
        self.presence_entities: tuple[str, ...] = tuple(
            entry.data.get(CONF_PRESENCE_ENTITIES, ())
        )
        self.debounce = float(entry.options.get(CONF_DEBOUNCE, DEFAULT_DEBOUNCE))
        self.condition_entity: str | None = entry.options.get(CONF_CONDITION_ENTITY)
        self.speakers: dict[str, _Speaker] = {}
        for subentry in entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_SPEAKER:
                continue
            config = SpeakerConfig.from_subentry(subentry)
            observers = {
                action: Actuator(hass, spec, backends)
                for action in ACTION_ORDER
                if (spec := config.spec(action)) is not None
            }
            actuators = {
                action: observers[action]
                for action in config.actions
                if action in observers
            }
            self.speakers[config.speaker_id] = _Speaker(config, actuators, observers)
        self.house_empty = ledger.house_empty
        self.condition = False
        self.started = False
        self._empty_unsub: CALLBACK_TYPE | None = None
        self._hold_unsubs: dict[str, CALLBACK_TYPE] = {}
        self._unsubs: list[CALLBACK_TYPE] = []
        # Entity updates by speaker id; None holds the house entities.
        self._listeners: dict[str | None, list[CALLBACK_TYPE]] = {}
        self._house_reason = Reason.NONE
        self._stopping = False
        self._orphans: set[str] = set()
        # Orphans (removed speakers, re-pointed actions) have no speaker lock.
        self._orphan_lock = asyncio.Lock()

    # ------------------------------------------------------------------ life
    async def async_start(self) -> None:
        """Begin guarding once Home Assistant has started (entities exist then)."""

        async def _at_started(_hass: HomeAssistant) -> None:
            await self._async_begin()

        self._unsubs.append(async_at_started(self.hass, _at_started))

    async def _async_begin(self) -> None:
        if self._stopping:
            return
        # Reconcile the ledger with reality first: linked entities read before any
        # signal may move the guard.
        self._read_house()
        self._house_reason = self._compute_house_reason()
        self._orphans = set(self.ledger.records) - set(self.speakers)
        # Issues of an earlier run (before a reload or restart) are raised again
        # below and by the first reconcile if they still hold.
        registry = ir.async_get(self.hass)
        for domain, issue_id in list(registry.issues):
            if domain == DOMAIN and issue_id.startswith(
                ("action_failed_", "entity_missing_")
            ):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        now = time.time()
        for speaker_id, speaker in self.speakers.items():
            if self.ledger.records.get(speaker_id):
                # Engaged before the restart: no second "engaged" event for it.
                reason = speaker_reason(
                    self._house_reason, self.ledger.holds.get(speaker_id), now
                )
                # A release found due now still fires its "released" event.
                speaker.reason = reason if reason is not Reason.NONE else Reason.MANUAL
                speaker.engaged_since = now
        self._check_entities()
        self._unsubs.append(
            async_track_state_change_event(
                self.hass, self._house_entities(), self._async_house_changed
            )
        )
        speaker_entities = {
            entity_id
            for speaker in self.speakers.values()
            for entity_id in speaker.config.linked_entities
        }
        if speaker_entities:
            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, sorted(speaker_entities), self._async_linked_changed
                )
            )
        for speaker_id, hold in self.ledger.holds.items():
            self._schedule_hold_expiry(speaker_id, hold)
        self.started = True
        await self.async_reconcile()

    async def async_stop(self) -> None:
        """Stop listening; the ledger keeps what is engaged for the next start."""
        self._stopping = True
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._empty_unsub:
            self._empty_unsub()
            self._empty_unsub = None
        for unsub in self._hold_unsubs.values():
            unsub()
        self._hold_unsubs.clear()
        for speaker in self.speakers.values():
            # Let a running reconcile finish and record its outcome first: it may
            # schedule a retry, which is cancelled here after it.
            async with speaker.lock:
                if speaker.retry_unsub:
                    speaker.retry_unsub()
                    speaker.retry_unsub = None
        async with self._orphan_lock:
            pass
        await self.ledger.async_commit()

    # ------------------------------------------------------------- listeners
    @callback
    def async_add_listener(
        self, update: CALLBACK_TYPE, speaker_id: str | None = None
    ) -> CALLBACK_TYPE:
        """Call ``update`` when a speaker's (or the house's) entities may change."""
        self._listeners.setdefault(speaker_id, []).append(update)

        @callback
        def _remove() -> None:
            self._listeners[speaker_id].remove(update)

        return _remove

    @callback
    def notify(self, speaker_id: str | None = None) -> None:
        """Tell the entities to show the latest state.

        With a speaker, only its entities and the house's (whose counts may
        move); without, every entity.
        """
        if speaker_id is None:
            groups = list(self._listeners.values())
        else:
            groups = [
                self._listeners.get(speaker_id, []),
                self._listeners.get(None, []),
            ]
        for group in groups:
            for update in list(group):
                update()

    # ----------------------------------------------------------------- house
    def _house_entities(self) -> list[str]:
        entities: list[str] = []
        if self.presence_mode is PresenceMode.ZONE:
            entities.append(self.zone)
        else:
            entities.extend(self.presence_entities)
        if self.condition_entity:
            entities.append(self.condition_entity)
        return entities

    def _raw_empty(self) -> bool | None:
        """Return the undebounced presence answer; None while it is unknown."""
        if self.presence_mode is PresenceMode.ZONE:
            state = self.hass.states.get(self.zone)
            empty = zone_empty(state.state if state else None)
        else:
            empty = entities_empty(
                (entity_id.split(".", 1)[0], state.state if state else None)
                for entity_id in self.presence_entities
                for state in (self.hass.states.get(entity_id),)
            )
        return empty

    def _read_house(self) -> None:
        """Read presence and the condition entity, starting the debounce if needed."""
        condition = False
        if self.condition_entity:
            state = self.hass.states.get(self.condition_entity)
            condition = state is not None and state.state == STATE_ON
        self.condition = condition
        empty = self._raw_empty()
        if empty is None:
            # Unknown (an entity unavailable, or not loaded yet after a restart):
            # neither engage nor release on it; the last known answer stands.
            return
        if not empty:
            self._cancel_empty_timer()
            self._set_house_empty(False)
        elif not self.house_empty and self._empty_unsub is None:
            self._empty_unsub = async_call_later(
                self.hass, self.debounce, self._async_empty_confirmed
            )

    def _cancel_empty_timer(self) -> None:
        if self._empty_unsub:
            self._empty_unsub()
            self._empty_unsub = None

    def _set_house_empty(self, empty: bool) -> None:
        if self.house_empty != empty:
            self.house_empty = empty
            self.ledger.house_empty = empty
            self.ledger.mark_dirty()

    async def _async_empty_confirmed(self, _now: Any) -> None:
        self._empty_unsub = None
        if self._raw_empty() is True:
            self._set_house_empty(True)
            await self._async_house_moved()

    async def _async_house_changed(self, _event: Event[EventStateChangedData]) -> None:
        self._read_house()
        await self._async_house_moved()

    def _compute_house_reason(self) -> Reason:
        return house_reason(
            HouseSignals(
                privacy_mode=self.ledger.privacy_mode,
                house_empty=self.house_empty,
                condition=self.condition,
            )
        )

    async def _async_house_moved(self) -> None:
        """Re-decide after a house signal; a new house reason ends open holds."""
        reason = self._compute_house_reason()
        if reason is not self._house_reason:
            self._house_reason = reason
            for speaker_id, hold in list(self.ledger.holds.items()):
                if hold.until is None:
                    self._drop_hold(speaker_id)
        await self.async_reconcile()

    @property
    def house_reason(self) -> Reason:
        """Return why the house wants protection, ignoring per-speaker holds."""
        return self._house_reason

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
            await self._async_house_moved()
        else:
            self.notify()

    # ----------------------------------------------------------------- holds
    def resolve_targets(self, speaker_ids: Iterable[str] | None) -> list[str]:
        """Return the speakers meant: all when None."""
        return list(self.speakers) if speaker_ids is None else list(speaker_ids)

    async def async_hold(
        self, speaker_ids: Iterable[str] | None, engaged: bool, duration: float | None
    ) -> None:
        """Engage or release speakers by request.

        The hold lasts ``duration`` seconds, or without one until the house reason
        changes.
        """
        until = time.time() + duration if duration else None
        targets = self.resolve_targets(speaker_ids)
        for speaker_id in targets:
            hold = ManualHold(engaged=engaged, until=until)
            self.ledger.holds[speaker_id] = hold
            self._schedule_hold_expiry(speaker_id, hold)
        self.ledger.mark_dirty()
        await self.async_reconcile(targets)

    def _schedule_hold_expiry(self, speaker_id: str, hold: ManualHold) -> None:
        if unsub := self._hold_unsubs.pop(speaker_id, None):
            unsub()
        if hold.until is None:
            return

        async def _expired(_now: Any) -> None:
            self._hold_unsubs.pop(speaker_id, None)
            if self.ledger.holds.get(speaker_id) is hold:
                self._drop_hold(speaker_id)
                await self.async_reconcile([speaker_id])

        self._hold_unsubs[speaker_id] = async_call_later(
            self.hass, max(0.0, hold.until - time.time()), _expired
        )

    def _drop_hold(self, speaker_id: str) -> None:
        self.ledger.holds.pop(speaker_id, None)
        self.ledger.mark_dirty()
        if unsub := self._hold_unsubs.pop(speaker_id, None):
            unsub()

    # ------------------------------------------------------------- speakers
    async def _async_linked_changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        if event.data["new_state"] is None or event.data["old_state"] is None:
            self._check_entities()
        affected = [
            speaker_id
            for speaker_id, speaker in self.speakers.items()
            if entity_id in speaker.config.linked_entities
        ]
        await self.async_reconcile(affected, state_change=True)

    async def async_reconcile(
        self, speaker_ids: Iterable[str] | None = None, *, state_change: bool = False
    ) -> None:
        """Bring the given speakers (all by default) to what they should be.

        After a linked entity's state change, a speaker waiting for a retry is
        only re-read, not driven again: chatty media players would otherwise
        defeat the backoff.
        """
        if not self.started or self._stopping:
            return
        targets = list(self.speakers) if speaker_ids is None else list(speaker_ids)
        if speaker_ids is None:
            targets.extend(sorted(self._orphans))
        await asyncio.gather(
            *(self._async_reconcile_one(sid, state_change) for sid in targets)
        )
        await self.ledger.async_commit()
        self.notify()

    async def _async_reconcile_one(
        self, speaker_id: str, state_change: bool = False
    ) -> None:
        speaker = self.speakers.get(speaker_id)
        if speaker is None:
            if speaker_id in self._orphans:
                await self._async_release_orphan(speaker_id)
            return
        async with speaker.lock:
            if self._stopping:
                return
            reason = speaker_reason(
                self._house_reason, self.ledger.holds.get(speaker_id), time.time()
            )
            if reason is not speaker.reason:
                was_engaged = speaker.reason is not Reason.NONE
                speaker.reason = reason
                if was_engaged != (reason is not Reason.NONE):
                    speaker.attempts = 0
                    speaker.leaked = False
                    speaker.engaged_since = None if was_engaged else time.time()
                    self._fire(speaker, reason)
            waiting = (
                speaker.failures
                if state_change and speaker.retry_unsub is not None
                else {}
            )
            if reason is Reason.NONE:
                failures = await self._async_release(
                    speaker_id, speaker.actuators, waiting
                )
            else:
                failures, moved = await self._async_engage(speaker, waiting)
                for key in moved:
                    await self._async_release_orphan(key)
            self._after_attempt(speaker, failures)

    async def _async_engage(
        self, speaker: _Speaker, waiting: dict[Action, str] | None = None
    ) -> tuple[dict[Action, str], list[str]]:
        """Protect one speaker; return failures and records moved to orphans.

        With ``waiting`` (the failures of a pending retry), nothing is driven:
        what still needs driving keeps its failure until the retry.
        """
        config = speaker.config
        records = self.ledger.records.setdefault(config.speaker_id, {})
        # (record, actuator, status once confirmed)
        to_apply: list[tuple[LedgerRecord, Actuator, RecordStatus]] = []
        moved: list[str] = []
        for action, actuator in speaker.actuators.items():
            current = actuator.is_protective()
            record = records.get(action)
            if record is None or record.spec != actuator.spec:
                if record is not None and record.ours:
                    # Re-pointed at another entity while engaged: the old one is
                    # still the guard's to give back, as an orphan of its own.
                    key = f"{config.speaker_id}:{action}"
                    self.ledger.records.setdefault(key, {})[action] = record
                    self._orphans.add(key)
                    moved.append(key)
                record = LedgerRecord(
                    action,
                    actuator.spec,
                    RecordStatus.ALREADY if current else RecordStatus.PENDING,
                )
                records[action] = record
                self.ledger.mark_dirty()
                if not current:
                    to_apply.append((record, actuator, RecordStatus.APPLIED))
                continue
            if current:
                if record.status in (RecordStatus.PENDING, RecordStatus.RELEASING):
                    record.set_status(RecordStatus.APPLIED)
                    self.ledger.mark_dirty()
                continue
            if current is None:
                # Unknown or unavailable is nobody's change: keep trying ours.
                if record.ours:
                    to_apply.append((record, actuator, RecordStatus.APPLIED))
                continue
            if record.status in (RecordStatus.PENDING, RecordStatus.RELEASING):
                to_apply.append((record, actuator, RecordStatus.APPLIED))
            elif config.enforce:
                # Re-assert; what was protective before engagement stays so.
                confirmed = (
                    RecordStatus.ALREADY
                    if record.status is RecordStatus.ALREADY
                    else RecordStatus.APPLIED
                )
                to_apply.append((record, actuator, confirmed))
            elif record.set_status(RecordStatus.OVERRIDE):
                # Somebody turned it back during engagement: theirs to keep.
                self.ledger.mark_dirty()
                LOGGER.info(
                    "%s: %s changed by hand while guarded; leaving it",
                    config.name,
                    actuator.target,
                )
        failures: dict[Action, str] = {}
        if not to_apply:
            return failures, moved
        if waiting:
            return (
                {
                    record.action: waiting.get(record.action, "waiting for a retry")
                    for record, _actuator, _confirmed in to_apply
                },
                moved,
            )
        for record, _actuator, confirmed in to_apply:
            if confirmed is RecordStatus.APPLIED and record.set_status(
                RecordStatus.PENDING
            ):
                self.ledger.mark_dirty()
        # The intent is on disk before the first entity is touched.
        await self.ledger.async_commit()
        for record, actuator, confirmed in to_apply:
            error = await self._async_drive(actuator, True, record)
            if error is None:
                record.set_status(confirmed)
                self.ledger.mark_dirty()
            else:
                failures[record.action] = error
        return failures, moved

    async def _async_release(
        self,
        speaker_id: str,
        actuators: dict[Action, Actuator],
        waiting: dict[Action, str] | None = None,
    ) -> dict[Action, str]:
        records = self.ledger.records.get(speaker_id)
        failures: dict[Action, str] = {}
        if not records:
            return failures
        for action in reversed(ACTION_ORDER):
            record = records.get(action)
            if record is None:
                continue
            if not record.ours:
                records.pop(action, None)
                self.ledger.mark_dirty()
                continue
            actuator = actuators.get(action)
            if actuator is None or actuator.spec != record.spec:
                actuator = Actuator(self.hass, record.spec, self.backends)
            current = actuator.is_protective()
            if current is False or actuator.moot:
                records.pop(action, None)
                self.ledger.mark_dirty()
                continue
            if waiting:
                failures[action] = waiting.get(action, "waiting for a retry")
                continue
            if record.set_status(RecordStatus.RELEASING):
                self.ledger.mark_dirty()
                await self.ledger.async_commit()
            error = await self._async_drive(actuator, False, record)
            if error is None:
                records.pop(action, None)
                self.ledger.mark_dirty()
            else:
                failures[action] = error
        if not records:
            self.ledger.records.pop(speaker_id, None)
        return failures

    async def _async_release_orphan(self, speaker_id: str) -> None:
        """Give back what the guard changed on a speaker that was removed."""
        async with self._orphan_lock:
            if self._stopping or speaker_id not in self._orphans:
                return
            failures = await self._async_release(speaker_id, {})
        if not failures:
            self._orphans.discard(speaker_id)
        for action, error in failures.items():
            LOGGER.warning(
                "Could not restore %s of a removed speaker: %s", action, error
            )

    async def _async_drive(
        self, actuator: Actuator, protect: bool, record: LedgerRecord
    ) -> str | None:
        """Drive one actuator and read it back; return an error text or None."""
        try:
            await actuator.async_set(protect, self._context, record.memo)
        except HomeAssistantError as err:
            return str(err) or type(err).__name__
        if actuator.is_protective() is not protect:
            return f"{actuator.target} did not change"
        return None

    def _after_attempt(self, speaker: _Speaker, failures: dict[Action, str]) -> None:
        """Clear what now works; for what still fails, retry and raise repairs.

        ``speaker.attempts`` counts the retries so far: a failure that survives a
        retry becomes a repair issue, a first failure only a warning.
        """
        config = speaker.config
        previous = set(speaker.failures)
        speaker.failures = failures
        for action in previous - set(failures):
            ir.async_delete_issue(
                self.hass, DOMAIN, f"action_failed_{config.speaker_id}_{action}"
            )
        if not failures:
            speaker.attempts = 0
            if speaker.retry_unsub:
                speaker.retry_unsub()
                speaker.retry_unsub = None
            return
        for action, error in failures.items():
            if action not in previous:
                LOGGER.warning("%s: %s failed: %s", config.name, action, error)
            if speaker.attempts + 1 >= ISSUE_AFTER_ATTEMPTS:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    f"action_failed_{config.speaker_id}_{action}",
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key="action_failed",
                    translation_placeholders={
                        "speaker": config.name,
                        "action": action.value,
                        "error": error,
                    },
                )
        if speaker.retry_unsub is not None:
            return
        delay = min(RETRY_MAX, RETRY_BASE * 2**speaker.attempts)

        async def _retry(_now: Any) -> None:
            speaker.retry_unsub = None
            speaker.attempts += 1
            await self.async_reconcile([config.speaker_id])

        speaker.retry_unsub = async_call_later(self.hass, delay, _retry)

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
        """Raise or clear a repair issue for every linked entity that is gone."""
        for speaker in self.speakers.values():
            config = speaker.config
            for entity_id in config.all_entities:
                issue_id = f"entity_missing_{config.speaker_id}_{entity_id}"
                if self.hass.states.get(entity_id) is None:
                    ir.async_create_issue(
                        self.hass,
                        DOMAIN,
                        issue_id,
                        is_fixable=False,
                        severity=ir.IssueSeverity.WARNING,
                        translation_key="entity_missing",
                        translation_placeholders={
                            "speaker": config.name,
                            "entity_id": entity_id,
                        },
                    )
                else:
                    ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    async def async_backend_changed(
        self, kind: NetworkBackend, clients: set[str]
    ) -> None:
        """Reconcile speakers whose block state changed in a DNS filter."""
        await self.async_reconcile(
            [
                speaker_id
                for speaker_id, speaker in self.speakers.items()
                if speaker.config.network_backend is kind
                and speaker.config.ip_address in clients
            ]
        )

    # ----------------------------------------------------------------- views
    def view(self, speaker_id: str) -> SpeakerView:
        """Return what the entities of one speaker show."""
        speaker = self.speakers[speaker_id]
        records = self.ledger.records.get(speaker_id, {})
        observed = {
            action: observer.is_protective()
            for action, observer in speaker.observers.items()
        }
        states = {action: observed[action] for action in speaker.actuators}
        overrides = tuple(
            action
            for action, record in records.items()
            if record.status is RecordStatus.OVERRIDE
        )
        engaged = speaker.reason is not Reason.NONE
        powered_off = observed.get(Action.POWER_OFF) is True
        protected = not speaker.leaked and (
            powered_off or (bool(states) and all(states.values()))
        )
        if powered_off:
            privacy_state = PrivacyState.POWERED_OFF
        elif (engaged and speaker.leaked) or (
            engaged
            and any(
                not value and action not in overrides
                for action, value in states.items()
            )
        ):
            privacy_state = PrivacyState.EXPOSED
        elif observed.get(Action.NETWORK_BLOCK):
            privacy_state = PrivacyState.ISOLATED
        elif observed.get(Action.MIC_MUTE) or observed.get(Action.MUTE_MEDIA):
            privacy_state = PrivacyState.MUTED
        else:
            privacy_state = PrivacyState.OPEN
        return SpeakerView(
            reason=speaker.reason,
            privacy_state=privacy_state,
            protected=protected,
            states=states,
            overrides=overrides,
            failures=dict(speaker.failures),
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

    def count(self, state: PrivacyState | None = None) -> int:
        """Return how many speakers are protected, or in the given state."""
        views = [self.view(speaker_id) for speaker_id in self.speakers]
        if state is None:
            return sum(view.protected for view in views)
        return sum(view.privacy_state is state for view in views)

    @property
    def engaged(self) -> bool:
        """Return whether any speaker is being protected by the guard."""
        return any(s.reason is not Reason.NONE for s in self.speakers.values())

    @property
    def reason(self) -> Reason:
        """Return the house reason, or ``manual`` when only holds engage."""
        if self._house_reason is not Reason.NONE:
            return self._house_reason
        return Reason.MANUAL if self.engaged else Reason.NONE


async def async_restore_all(
    hass: HomeAssistant, ledger: Ledger, backends: DnsBackends | None = None
) -> None:
    """Undo every change the ledger holds; keep the ledger if any undo fails."""
    context = Context()
    for speaker_id, records in list(ledger.records.items()):
        for action in reversed(ACTION_ORDER):
            record = records.get(action)
            if record is None:
                continue
            actuator = Actuator(hass, record.spec, backends)
            if record.ours and actuator.is_protective() is not False:
                try:
                    await actuator.async_set(False, context, record.memo)
                except HomeAssistantError as err:
                    LOGGER.warning(
                        "Could not give back %s: %s", record.spec.target, err
                    )
                    continue
            del records[action]
        if not records:
            del ledger.records[speaker_id]
    if ledger.records:
        ledger.mark_dirty()
        await ledger.async_commit()
    else:
        await ledger.async_remove()
