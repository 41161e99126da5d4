"""When to engage, on its own: the pure decisions about the house and a speaker."""

from __future__ import annotations

import pytest

from custom_components.privacy_guard.const import Reason
from custom_components.privacy_guard.policy import (
    HouseSignals,
    ManualHold,
    entities_empty,
    entity_present,
    house_reason,
    speaker_reason,
    zone_empty,
)


@pytest.mark.parametrize(
    ("state", "empty"),
    [("0", True), ("0.0", True), ("2", False), ("unknown", None), (None, None)],
)
def test_a_zone_is_empty_when_it_counts_nobody(
    state: str | None, empty: bool | None
) -> None:
    assert zone_empty(state) is empty


def test_a_zone_with_an_unreadable_count_is_unknown() -> None:
    assert zone_empty("many") is None


@pytest.mark.parametrize(
    ("domain", "state", "present"),
    [
        ("person", "home", True),
        ("person", "not_home", False),
        ("device_tracker", "Work", False),
        ("binary_sensor", "on", True),
        ("input_boolean", "off", False),
        ("switch", "on", True),
        ("sensor", "on", None),
        ("person", "unavailable", None),
    ],
)
def test_what_a_presence_entity_says(
    domain: str, state: str, present: bool | None
) -> None:
    assert entity_present(domain, state) is present


def test_one_person_home_is_enough_and_unknown_is_not_away() -> None:
    assert entities_empty([("person", "not_home"), ("person", "home")]) is False
    # Someone known present outweighs someone unknown.
    assert entities_empty([("person", "unknown"), ("person", "home")]) is False
    assert entities_empty([("person", "unknown"), ("person", "not_home")]) is None
    assert entities_empty([("person", "not_home"), ("switch", "off")]) is True


@pytest.mark.parametrize(
    ("signals", "reason"),
    [
        (HouseSignals(True, True, True), Reason.PRIVACY_MODE),
        (HouseSignals(False, True, True), Reason.HOUSE_EMPTY),
        (HouseSignals(False, False, True), Reason.CONDITION),
        (HouseSignals(False, False, False), Reason.NONE),
    ],
)
def test_the_most_explicit_house_reason_wins(
    signals: HouseSignals, reason: Reason
) -> None:
    assert house_reason(signals) is reason


def test_a_hold_overrides_the_house_until_it_ends() -> None:
    release = ManualHold(engaged=False, until=100.0)
    assert speaker_reason(Reason.HOUSE_EMPTY, release, 50.0) is Reason.NONE
    assert speaker_reason(Reason.HOUSE_EMPTY, release, 100.0) is Reason.HOUSE_EMPTY
    engage = ManualHold(engaged=True)
    assert speaker_reason(Reason.NONE, engage, 10**9) is Reason.MANUAL
    assert speaker_reason(Reason.CONDITION, None, 0.0) is Reason.CONDITION


def test_a_stored_hold_keeps_its_time_left_across_a_restart() -> None:
    hold = ManualHold(engaged=True, until=1_000.0 + 60.0)
    stored = hold.as_dict(1_000.0)
    assert stored == {"engaged": True, "remaining": 60.0}
    # After the restart the monotonic clock starts elsewhere.
    again = ManualHold.from_dict(stored, 5.0, 1_700_000_000.0)
    assert again == ManualHold(engaged=True, until=65.0)
    # An older release stored a wall-clock end: what is left of it counts.
    old = ManualHold.from_dict(
        {"engaged": False, "until": 1_700_000_030.0}, 5.0, 1_700_000_000.0
    )
    assert old == ManualHold(engaged=False, until=35.0)
    assert ManualHold.from_dict({"engaged": True}, 5.0, 0.0).until is None
    assert ManualHold(engaged=True).as_dict(0.0) == {
        "engaged": True,
        "remaining": None,
    }
