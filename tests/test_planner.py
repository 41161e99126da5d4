"""The reconcile planner, cell by cell: status, observed state, origin, enforce.

Pure: no Home Assistant runs here. Each cell states what fail-closed means for
one control of a guarded speaker.
"""

from __future__ import annotations

import itertools

import pytest

from custom_components.privacy_guard.const import Action
from custom_components.privacy_guard.planner import (
    Observation,
    Origin,
    Plan,
    Step,
    StepKind,
    classify_change,
    plan_engage,
    plan_release,
)
from custom_components.privacy_guard.records import (
    ActuatorSpec,
    LedgerRecord,
    RecordStatus,
)

MIC = Action.MIC_MUTE
SPEC = ActuatorSpec("switch", "switch.kitchen_mic")
OTHER = ActuatorSpec("switch", "switch.other_mic")

PENDING = RecordStatus.PENDING
APPLIED = RecordStatus.APPLIED
ALREADY = RecordStatus.ALREADY
OVERRIDE = RecordStatus.OVERRIDE
RELEASING = RecordStatus.RELEASING

PERSON = Origin.PERSON
DEVICE = Origin.DEVICE
DOWNTIME = Origin.DOWNTIME
GUARD = Origin.GUARD

APPLY = StepKind.APPLY

# What engaging does for one control: (new status or None, step's confirmed
# status or None when nothing is driven, counted as re-protection, override,
# waited for).
type Outcome = tuple[RecordStatus | None, RecordStatus | None, bool, bool, bool]


def engage(
    status: RecordStatus | None,
    protective: bool | None,
    origin: Origin,
    *,
    enforce: bool,
    announces: bool = True,
) -> Plan:
    records = {} if status is None else {MIC: LedgerRecord(MIC, SPEC, status)}
    return plan_engage(
        {MIC: SPEC},
        records,
        {MIC: Observation(protective, origin, announces=announces)},
        enforce=enforce,
    )


def outcome(plan: Plan) -> Outcome:
    record = plan.records.get(MIC)
    steps = [step for step in plan.steps if step.action is MIC]
    assert len(steps) <= 1
    assert all(step.kind is APPLY for step in steps)
    return (
        record.status if record else None,
        steps[0].confirmed if steps else None,
        MIC in plan.reprotect,
        MIC in plan.overrides,
        MIC in plan.waiting,
    )


def expected_engage(
    status: RecordStatus | None,
    protective: bool | None,
    origin: Origin,
    enforce: bool,
    announces: bool,
) -> Outcome:
    """The specification, written out as the rules read in docs/ARCHITECTURE.md."""
    # An unavailable entity is waited for: its return is a state change.
    wait = protective is None and announces
    if status is None:
        # First engagement: protective already means nothing of ours; else drive.
        if protective is True:
            return (ALREADY, None, False, False, False)
        if wait:
            return (PENDING, None, False, False, True)
        return (PENDING, APPLIED, False, False, False)
    if wait:
        return (None, None, False, False, status is not OVERRIDE)
    if protective is True:
        if status in (PENDING, RELEASING):
            # Confirmed; a person who did it themselves keeps it theirs.
            return (ALREADY if origin is PERSON else APPLIED, None, False, False, False)
        if status is OVERRIDE:
            # Protective again without the guard: guarded from here, not ours.
            return (ALREADY, None, False, False, False)
        return (None, None, False, False, False)
    if status is OVERRIDE:
        # A person's override: kept, unless the speaker enforces.
        return (None, APPLIED if enforce else None, False, False, False)
    confirmed = ALREADY if status is ALREADY else APPLIED
    if status in (PENDING, RELEASING):
        # The guard's own unfinished work: carried on, not a reset.
        renewed = PENDING if status is RELEASING else None
        return (renewed, confirmed, False, False, False)
    if protective is None:
        # A filter that does not answer: driven anyway, nobody's change.
        return (None, confirmed, False, False, False)
    if origin is PERSON:
        if enforce:
            return (None, confirmed, False, False, False)
        return (OVERRIDE, None, False, True, False)
    # A device reset, a return from unavailable, a change while down: protect
    # again, and count it. A stray command of the guard's own is no reset.
    return (None, confirmed, origin is not GUARD, False, False)


CELLS = list(
    itertools.product(
        [None, PENDING, APPLIED, ALREADY, OVERRIDE, RELEASING],
        [True, False, None],
        [PERSON, DEVICE, DOWNTIME, GUARD],
        [False, True],
        [True, False],
    )
)


@pytest.mark.parametrize(
    ("status", "protective", "origin", "enforce", "announces"), CELLS
)
def test_engage_cell(
    status: RecordStatus | None,
    protective: bool | None,
    origin: Origin,
    enforce: bool,
    announces: bool,
) -> None:
    plan = engage(status, protective, origin, enforce=enforce, announces=announces)
    assert outcome(plan) == expected_engage(
        status, protective, origin, enforce, announces
    )
    # Whatever is driven is on record first.
    for step in plan.steps:
        assert step.action in plan.records or status is not None


def test_every_cell_is_covered() -> None:
    assert len(CELLS) == 6 * 3 * 4 * 2 * 2


@pytest.mark.parametrize("origin", [DEVICE, DOWNTIME])
@pytest.mark.parametrize("status", [APPLIED, ALREADY])
def test_an_open_control_nobody_opened_is_protected_again(
    status: RecordStatus, origin: Origin
) -> None:
    """The fail-closed cases of the issue: resets, returns, changes while down."""
    plan = engage(status, False, origin, enforce=False)
    assert plan.steps == [Step(MIC, APPLY, status)]
    assert plan.reprotect == {MIC: origin}
    assert plan.overrides == []


def test_a_person_opening_is_kept_and_enforce_reasserts() -> None:
    kept = engage(APPLIED, False, PERSON, enforce=False)
    assert kept.steps == []
    assert kept.records[MIC].status is OVERRIDE
    enforced = engage(APPLIED, False, PERSON, enforce=True)
    assert enforced.steps == [Step(MIC, APPLY, APPLIED)]
    assert enforced.reprotect == {}


def test_planning_leaves_the_ledger_untouched() -> None:
    record = LedgerRecord(MIC, SPEC, APPLIED)
    plan_engage(
        {MIC: SPEC}, {MIC: record}, {MIC: Observation(False, PERSON)}, enforce=False
    )
    assert record.status is APPLIED


def test_repointed_action_moves_the_old_record_to_give_back() -> None:
    old = LedgerRecord(MIC, OTHER, APPLIED)
    plan = plan_engage(
        {MIC: SPEC}, {MIC: old}, {MIC: Observation(False, DEVICE)}, enforce=False
    )
    assert plan.moved == [old]
    assert plan.records[MIC].spec == SPEC
    assert plan.records[MIC].status is PENDING
    # A re-pointed record that was not the guard's is simply replaced.
    mine = LedgerRecord(MIC, OTHER, ALREADY)
    plan = plan_engage(
        {MIC: SPEC}, {MIC: mine}, {MIC: Observation(True, DEVICE)}, enforce=False
    )
    assert plan.moved == []
    assert plan.records[MIC].status is ALREADY


def test_an_action_dropped_from_the_policy_is_given_back() -> None:
    ours = LedgerRecord(MIC, SPEC, APPLIED)
    plan = plan_engage({}, {MIC: ours}, {}, enforce=False)
    assert plan.drops == [MIC]
    assert plan.moved == [ours]
    theirs = LedgerRecord(MIC, SPEC, OVERRIDE)
    plan = plan_engage({}, {MIC: theirs}, {}, enforce=False)
    assert plan.drops == [MIC]
    assert plan.moved == []


def test_engage_follows_the_action_order_and_skips_actions_without_spec() -> None:
    specs = {
        Action.POWER_OFF: ActuatorSpec("switch", "switch.plug", protect_on=False),
        Action.SILENCE_OUTPUT: ActuatorSpec("media_mute", "media_player.echo"),
    }
    observed = {action: Observation(False) for action in specs}
    plan = plan_engage(specs, {}, observed, enforce=False)
    assert [step.action for step in plan.steps] == [
        Action.SILENCE_OUTPUT,
        Action.POWER_OFF,
    ]
    assert not plan.empty


@pytest.mark.parametrize(
    ("status", "protective", "moot", "expected"),
    [
        # Not the guard's: forgotten, never undone.
        (ALREADY, True, False, "drop"),
        (OVERRIDE, False, False, "drop"),
        (OVERRIDE, True, False, "drop"),
        # The guard's and already open (or nothing to drive): forgotten.
        (APPLIED, False, False, "drop"),
        (APPLIED, True, True, "drop"),
        (PENDING, False, False, "drop"),
        # The guard's and protective: undone.
        (APPLIED, True, False, "undo"),
        (PENDING, True, False, "undo"),
        (RELEASING, True, False, "undo"),
        # The guard's, and unavailable: undone once it is back.
        (APPLIED, None, False, "wait"),
        (RELEASING, None, False, "wait"),
    ],
)
def test_release_cell(
    status: RecordStatus, protective: bool | None, moot: bool, expected: str
) -> None:
    plan = plan_release(
        {MIC: LedgerRecord(MIC, SPEC, status)},
        {MIC: Observation(protective, DEVICE, moot)},
    )
    if expected == "drop":
        assert plan.drops == [MIC]
        assert plan.steps == []
    elif expected == "wait":
        assert plan.waiting == [MIC]
        assert plan.steps == []
        assert plan.drops == []
    else:
        assert plan.steps == [Step(MIC, StepKind.UNDO, None)]
        # The intent to undo is on record before the control is touched.
        assert (plan.records.get(MIC) or LedgerRecord(MIC, SPEC, status)).status is (
            RELEASING
        )


def test_release_goes_in_reverse_order() -> None:
    records = {
        action: LedgerRecord(
            action, ActuatorSpec("switch", f"switch.{action}"), APPLIED
        )
        for action in (Action.SILENCE_OUTPUT, Action.MIC_MUTE, Action.POWER_OFF)
    }
    observed = {action: Observation(True) for action in records}
    plan = plan_release(records, observed)
    assert [step.action for step in plan.steps] == [
        Action.POWER_OFF,
        Action.MIC_MUTE,
        Action.SILENCE_OUTPUT,
    ]


def test_unobserved_control_counts_as_unavailable() -> None:
    plan = plan_release({MIC: LedgerRecord(MIC, SPEC, APPLIED)}, {})
    assert plan.waiting == [MIC]
    plan = plan_engage({MIC: SPEC}, {}, {}, enforce=False)
    assert plan.waiting == [MIC]
    assert plan.records[MIC].status is PENDING


def test_a_player_that_is_off_is_muted_once_it_is_on() -> None:
    """Off is silent but not muted: the intent is kept, nothing is 'already'."""
    mute = Action.SILENCE_OUTPUT
    spec = ActuatorSpec("media_mute", "media_player.cast")
    off = {mute: Observation(True, DEVICE, moot=True)}
    plan = plan_engage({mute: spec}, {}, off, enforce=False)
    assert plan.records[mute].status is PENDING
    assert plan.steps == []
    record = plan.records[mute]
    # Still off: nothing changes.
    assert plan_engage({mute: spec}, {mute: record}, off, enforce=False).empty
    # On and playing, unmuted: muted now, and the guard's to give back.
    on = {mute: Observation(False, DEVICE)}
    plan = plan_engage({mute: spec}, {mute: record}, on, enforce=False)
    assert plan.steps == [Step(mute, APPLY, APPLIED)]
    assert plan.reprotect == {}


def test_a_silent_filter_is_driven_both_ways() -> None:
    """A DNS filter that does not answer announces nothing: drive, read back."""
    silent = {MIC: Observation(None, announces=False)}
    plan = plan_release({MIC: LedgerRecord(MIC, SPEC, APPLIED)}, silent)
    assert [step.kind for step in plan.steps] == [StepKind.UNDO]
    plan = plan_engage({MIC: SPEC}, {}, silent, enforce=False)
    assert plan.steps == [Step(MIC, APPLY, APPLIED)]


@pytest.mark.parametrize(
    ("was_available", "by_guard", "by_person", "expected"),
    [
        (True, True, False, GUARD),
        (True, True, True, GUARD),
        (False, True, False, GUARD),
        # Back from unavailable: the device says what it came back as.
        (False, False, True, DEVICE),
        (False, False, False, DEVICE),
        (True, False, True, PERSON),
        (True, False, False, DEVICE),
    ],
)
def test_classify_change(
    was_available: bool, by_guard: bool, by_person: bool, expected: Origin
) -> None:
    assert (
        classify_change(
            was_available=was_available, by_guard=by_guard, by_person=by_person
        )
        is expected
    )
