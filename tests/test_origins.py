"""Who made a control's state, on its own: the guard, a person, or nobody."""

from __future__ import annotations

from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import Context, Event

from custom_components.privacy_guard.origins import USER_CONTEXTS, Origins
from custom_components.privacy_guard.planner import Origin


def test_a_control_unchanged_since_start_was_changed_while_down() -> None:
    origins = Origins()
    assert origins.of("switch.echo_mic") is Origin.DOWNTIME
    origins.note("switch.echo_mic", Origin.DEVICE)
    assert origins.of("switch.echo_mic") is Origin.DEVICE


def test_the_guards_own_change_is_the_guards() -> None:
    origins = Origins()
    assert origins.classify(origins.context, was_available=True) is Origin.GUARD
    # Even from unavailable: it drove the control as it came back.
    assert origins.classify(origins.context, was_available=False) is Origin.GUARD


def test_a_user_is_a_person_unless_the_device_came_back() -> None:
    origins = Origins()
    by_user = Context(user_id="alice")
    assert origins.classify(by_user, was_available=True) is Origin.PERSON
    # Back from unavailable: the device says what it came back as.
    assert origins.classify(by_user, was_available=False) is Origin.DEVICE
    assert origins.classify(Context(), was_available=True) is Origin.DEVICE


def test_a_change_through_our_switch_is_a_persons_only_when_one_made_it() -> None:
    """A user's call, or an automation a user's call set off one step before."""
    origins = Origins()
    context, person = origins.person_context(Context(user_id="alice"))
    assert person
    assert context.user_id == "alice"
    # The entity it switched reports the change in that context: a person's.
    assert origins.classify(context, was_available=True) is Origin.PERSON

    automation = Context()
    _, person = origins.person_context(automation)
    assert not person
    _, person = origins.person_context(None)
    assert not person

    # An automation triggered by a user's call: its parent is that call.
    call = Context(user_id="bob")
    origins.note_user_call(Event(EVENT_CALL_SERVICE, {}, context=call))
    _, person = origins.person_context(Context(parent_id=call.id))
    assert person


def test_only_recent_user_calls_are_remembered() -> None:
    origins = Origins()
    first = Context(user_id="bob")
    origins.note_user_call(Event(EVENT_CALL_SERVICE, {}, context=first))
    for _ in range(USER_CONTEXTS):
        origins.note_user_call(
            Event(EVENT_CALL_SERVICE, {}, context=Context(user_id="bob"))
        )
    # A call without a user is not remembered at all.
    origins.note_user_call(Event(EVENT_CALL_SERVICE, {}, context=Context()))
    _, person = origins.person_context(Context(parent_id=first.id))
    assert not person


def test_the_house_may_let_automations_open() -> None:
    origins = Origins(automations_override=True)
    _, person = origins.person_context(Context())
    assert person
    # Still not without any context at all (nothing called it).
    _, person = origins.person_context(None)
    assert not person
