"""The reconcile planner: what to do with one speaker, decided without side effects.

From the ledger's records, what each control shows now and who made it so, and
the speaker's policy, it returns a plan: which controls to drive and which
records change. It imports nothing from Home Assistant; ``guard.py`` carries
plans out (locks, driving, read-back, retries, events).

Fail closed: while a speaker is guarded, only a *person* may open it (their
change is kept and shown, not fought, unless the speaker enforces). Anything
else that finds a guarded control open (a device that rebooted into its default
state, an entity back from unavailable, a change found at start-up after Home
Assistant was down) is protected again. A control whose state is unknown is
never taken as a person's choice: an entity that is unavailable is waited for
(its return is a state change, and is protected then), and a control that
announces nothing (a DNS filter that does not answer) is driven anyway, the
read-back after the command saying whether that worked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .const import ACTION_ORDER, Action
from .records import OURS, ActuatorSpec, LedgerRecord, RecordStatus


class Origin(StrEnum):
    """Who made a control's current state."""

    # A person: a change whose context carries a user (the UI, the app, a voice
    # command with a user), or one made through Privacy Guard's own switches.
    PERSON = "person"
    # The device itself or an automation without a user; also an entity that
    # came back from unavailable.
    DEVICE = "device"
    # Found so at start-up: changed while Home Assistant was down, by whomever.
    DOWNTIME = "downtime"
    # The guard's own command.
    GUARD = "guard"


def classify_change(*, was_available: bool, by_guard: bool, by_person: bool) -> Origin:
    """Return who made a state change of a linked entity.

    A device returning from unavailable is the device's doing whoever is in the
    context: it says what it came back as, nobody asked for it.
    """
    if by_guard:
        return Origin.GUARD
    if not was_available:
        return Origin.DEVICE
    return Origin.PERSON if by_person else Origin.DEVICE


@dataclass(frozen=True, slots=True)
class Observation:
    """What one control shows now."""

    # Whether the protective state is in effect; None when unknown/unavailable.
    protective: bool | None
    origin: Origin = Origin.DOWNTIME
    # Nothing to drive: a media player that is off is silent anyway.
    moot: bool = False
    # Whether the control tells when it is back (an entity's state change); a
    # DNS filter does not, so an unknown one is driven rather than waited for.
    announces: bool = True

    @property
    def wait(self) -> bool:
        """Return whether to wait for the control instead of driving it."""
        return self.protective is None and self.announces


class StepKind(StrEnum):
    """Which way a control is driven."""

    APPLY = "apply"
    UNDO = "undo"


@dataclass(frozen=True, slots=True)
class Step:
    """Drive one control; on success the record takes ``confirmed``.

    For an undo, ``confirmed`` is None: the record is forgotten.
    """

    action: Action
    kind: StepKind
    confirmed: RecordStatus | None


@dataclass(slots=True)
class Plan:
    """What reconciling one speaker comes to."""

    # Records to write before anything is driven (new ones included): the
    # intent is on disk before the first entity is touched.
    records: dict[Action, LedgerRecord] = field(default_factory=dict)
    # Records that no longer hold anything of the guard's.
    drops: list[Action] = field(default_factory=list)
    # Records of an earlier target (the action was re-pointed, or dropped from
    # the policy) that the guard still has to give back, separately.
    moved: list[LedgerRecord] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    # Opened by a person while guarded: kept (newly noted in this plan).
    overrides: list[Action] = field(default_factory=list)
    # Found open by something other than a person: protected again.
    reprotect: dict[Action, Origin] = field(default_factory=dict)
    # Unavailable entities: driven once they are back.
    waiting: list[Action] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Return whether the plan changes nothing."""
        return not (self.records or self.drops or self.moved or self.steps)


def _with_status(record: LedgerRecord, status: RecordStatus) -> LedgerRecord:
    """Return a copy of ``record`` with ``status`` (the original is untouched)."""
    copy = LedgerRecord(
        record.action, record.spec, record.status, record.changed_at, record.memo
    )
    copy.set_status(status)
    return copy


def plan_engage(
    specs: Mapping[Action, ActuatorSpec],
    records: Mapping[Action, LedgerRecord],
    observed: Mapping[Action, Observation],
    *,
    enforce: bool,
) -> Plan:
    """Plan protecting a speaker with the actions in ``specs``.

    ``records`` are the ledger's records of the speaker, ``observed`` what each
    action's control shows now (an action missing there is unknown).
    """
    plan = Plan()
    for action in ACTION_ORDER:
        spec = specs.get(action)
        if spec is None:
            if (record := records.get(action)) is not None:
                # No longer in the speaker's policy: given back on its own.
                plan.drops.append(action)
                if record.ours:
                    plan.moved.append(record)
            continue
        seen = observed.get(action, Observation(None))
        record = records.get(action)
        if record is not None and record.spec != spec:
            if record.ours:
                plan.moved.append(record)
            record = None
        if record is None:
            _plan_new(plan, action, spec, seen)
        else:
            _plan_held(plan, record, seen, enforce=enforce)
    return plan


def _plan_new(
    plan: Plan, action: Action, spec: ActuatorSpec, seen: Observation
) -> None:
    if seen.moot:
        # A player that is off is silent, but not muted: the guard's intent is
        # on record, and it mutes the player once it is on.
        plan.records[action] = LedgerRecord(action, spec, RecordStatus.PENDING)
        return
    if seen.protective is True:
        plan.records[action] = LedgerRecord(action, spec, RecordStatus.ALREADY)
        return
    plan.records[action] = LedgerRecord(action, spec, RecordStatus.PENDING)
    if seen.wait:
        plan.waiting.append(action)
    else:
        plan.steps.append(Step(action, StepKind.APPLY, RecordStatus.APPLIED))


def _plan_held(
    plan: Plan, record: LedgerRecord, seen: Observation, *, enforce: bool
) -> None:
    action, status = record.action, record.status
    if seen.moot:
        # Off: nothing to drive or confirm until it is on again.
        return
    if seen.wait:
        if status is not RecordStatus.OVERRIDE:
            plan.waiting.append(action)
        return
    if seen.protective:
        if status in (RecordStatus.PENDING, RecordStatus.RELEASING):
            # Confirmed; but a person who did it themselves keeps it theirs.
            confirmed = (
                RecordStatus.ALREADY
                if seen.origin is Origin.PERSON
                else RecordStatus.APPLIED
            )
            plan.records[action] = _with_status(record, confirmed)
        elif status is RecordStatus.OVERRIDE:
            # Protective again, and not by the guard: nothing of ours to undo,
            # but guarded from here on.
            plan.records[action] = _with_status(record, RecordStatus.ALREADY)
        return
    # Open, or unknown (which is nobody's change: protect it anyway).
    if status is RecordStatus.OVERRIDE:
        if enforce:
            plan.steps.append(Step(action, StepKind.APPLY, RecordStatus.APPLIED))
        return
    # What was protective before engagement stays so after release.
    confirmed = (
        RecordStatus.ALREADY if status is RecordStatus.ALREADY else RecordStatus.APPLIED
    )
    if status in (RecordStatus.PENDING, RecordStatus.RELEASING):
        # The guard's own unfinished work (a retry, or a start after a crash
        # between intent and read-back): carry it on.
        if status is RecordStatus.RELEASING:
            plan.records[action] = _with_status(record, RecordStatus.PENDING)
        plan.steps.append(Step(action, StepKind.APPLY, confirmed))
        return
    if seen.protective is False and seen.origin is Origin.PERSON and not enforce:
        plan.records[action] = _with_status(record, RecordStatus.OVERRIDE)
        plan.overrides.append(action)
        return
    if seen.protective is False and seen.origin in (Origin.DEVICE, Origin.DOWNTIME):
        plan.reprotect[action] = seen.origin
    plan.steps.append(Step(action, StepKind.APPLY, confirmed))


def plan_release(
    records: Mapping[Action, LedgerRecord],
    observed: Mapping[Action, Observation],
) -> Plan:
    """Plan giving back what the guard changed, in reverse order.

    Only what the guard did and still holds is undone: a control a person
    changed, or that was protective before, is left as it is; one that is
    already open is simply forgotten.
    """
    plan = Plan()
    for action in reversed(ACTION_ORDER):
        record = records.get(action)
        if record is None:
            continue
        seen = observed.get(action, Observation(None))
        if record.status not in OURS or seen.moot or seen.protective is False:
            plan.drops.append(action)
        elif seen.wait:
            plan.waiting.append(action)
        else:
            # Protective, or unknown: undo it (the read-back decides).
            if record.status is not RecordStatus.RELEASING:
                plan.records[action] = _with_status(record, RecordStatus.RELEASING)
            plan.steps.append(Step(action, StepKind.UNDO, None))
    return plan
