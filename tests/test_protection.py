"""What each control really protects: the pure assessment, row by row."""

from __future__ import annotations

import pytest

from custom_components.privacy_guard.const import Action, PrivacyState, Strength
from custom_components.privacy_guard.protection import (
    ControlReading,
    assess,
    can_protect,
    power_is_off,
)

MIC = ControlReading(Action.MIC_MUTE, Strength.MICROPHONE, True, wanted=True)
NET = ControlReading(Action.NETWORK_BLOCK, Strength.NETWORK, True, wanted=True)
PLUG = ControlReading(Action.POWER_OFF, Strength.POWER, True, wanted=True)
DNS = ControlReading(Action.NETWORK_BLOCK, Strength.DNS_ONLY, True, wanted=True)
OUTPUT = ControlReading(Action.SILENCE_OUTPUT, Strength.OUTPUT_ONLY, True, wanted=True)


@pytest.mark.parametrize(
    ("reading", "state", "protected"),
    [
        (MIC, PrivacyState.MICROPHONE_OFF, True),
        (NET, PrivacyState.OFFLINE, True),
        (PLUG, PrivacyState.POWERED_OFF, True),
        # A DNS block alone, without a traffic witness: not protected.
        (DNS, PrivacyState.DNS_BLOCKED, False),
        # Muting the output protects nothing, and is never called "muted".
        (OUTPUT, PrivacyState.OPEN, False),
    ],
)
def test_each_control_on_its_own_while_guarded(
    reading: ControlReading, state: PrivacyState, protected: bool
) -> None:
    """Every row of the strength table, confirmed, while the guard holds it."""
    result = assess([reading], engaged=True, leaked=False, traffic_witness=False)
    assert result.privacy_state is state
    assert result.protected is protected
    assert result.protected_by == (reading.strength if protected else None)


def test_a_dns_block_protects_only_with_a_traffic_witness_while_guarded() -> None:
    """DNS only + traffic witness + no upload since the guard engaged."""
    guarded = assess([DNS], engaged=True, leaked=False, traffic_witness=True)
    assert guarded.protected
    assert guarded.privacy_state is PrivacyState.DNS_BLOCKED
    assert guarded.protected_by is Strength.DNS_ONLY
    # An upload since the guard engaged: exposed, whatever the filter says.
    leaked = assess([DNS], engaged=True, leaked=True, traffic_witness=True)
    assert not leaked.protected
    assert leaked.privacy_state is PrivacyState.EXPOSED
    # Not guarded: the witness counts from an engagement, so nothing is proven.
    free = assess([DNS], engaged=False, leaked=False, traffic_witness=True)
    assert not free.protected
    assert free.privacy_state is PrivacyState.DNS_BLOCKED


def test_output_mute_beside_a_cut_does_not_change_the_state() -> None:
    """The strongest confirmed control names the state; the output mute none."""
    result = assess([OUTPUT, MIC], engaged=True, leaked=False, traffic_witness=False)
    assert result.privacy_state is PrivacyState.MICROPHONE_OFF
    result = assess(
        [OUTPUT, MIC, NET, PLUG], engaged=True, leaked=False, traffic_witness=False
    )
    assert result.privacy_state is PrivacyState.POWERED_OFF
    assert result.protected_by is Strength.POWER
    only = assess([OUTPUT], engaged=False, leaked=False, traffic_witness=True)
    assert only.privacy_state is PrivacyState.OPEN
    assert not only.protected


def test_unconfirmed_and_unknown_readings_prove_nothing() -> None:
    """A control that reads open or cannot be read is no protection."""
    for confirmed in (False, None):
        reading = ControlReading(
            Action.MIC_MUTE, Strength.MICROPHONE, confirmed, wanted=True
        )
        result = assess([reading], engaged=True, leaked=False, traffic_witness=True)
        assert not result.protected
        assert result.privacy_state is PrivacyState.EXPOSED
        free = assess([reading], engaged=False, leaked=False, traffic_witness=True)
        assert free.privacy_state is PrivacyState.OPEN


def test_a_leak_outweighs_every_reading() -> None:
    """Uploaded while guarded: not protected, even behind a confirmed cut."""
    result = assess([MIC, NET], engaged=True, leaked=True, traffic_witness=True)
    assert not result.protected
    assert result.privacy_state is PrivacyState.EXPOSED


def test_a_persons_override_is_no_failure() -> None:
    """A person who opened a control the guard takes chose it: not exposed."""
    opened = ControlReading(
        Action.MIC_MUTE, Strength.MICROPHONE, False, wanted=True, override=True
    )
    result = assess([opened], engaged=True, leaked=False, traffic_witness=False)
    assert result.privacy_state is PrivacyState.OPEN
    # One overridden, another failed: the failure exposes it.
    failed = ControlReading(Action.NETWORK_BLOCK, Strength.NETWORK, False, wanted=True)
    result = assess([opened, failed], engaged=True, leaked=False, traffic_witness=False)
    assert result.privacy_state is PrivacyState.EXPOSED


def test_a_control_the_policy_does_not_take_still_counts_when_confirmed() -> None:
    """A person's own plug switched off protects, whatever the guard's policy."""
    plug = ControlReading(Action.POWER_OFF, Strength.POWER, True)
    result = assess([OUTPUT, plug], engaged=True, leaked=False, traffic_witness=False)
    assert result.protected
    assert result.privacy_state is PrivacyState.POWERED_OFF


@pytest.mark.parametrize(
    ("wanted", "witness", "expected"),
    [
        ({Strength.OUTPUT_ONLY}, True, False),
        ({Strength.DNS_ONLY}, False, False),
        ({Strength.DNS_ONLY}, True, True),
        ({Strength.OUTPUT_ONLY, Strength.MICROPHONE}, False, True),
        ({Strength.NETWORK}, False, True),
        ({Strength.POWER}, False, True),
        (set(), True, False),
    ],
)
def test_what_can_protect_a_speaker(
    wanted: set[Strength], witness: bool, expected: bool
) -> None:
    """Only a cut, or a DNS block with a traffic witness, can ever protect."""
    assert can_protect(wanted, traffic_witness=witness) is expected


@pytest.mark.parametrize(
    ("watts", "off"),
    [
        (None, False),
        (-1.0, False),
        (0.0, True),
        (0.5, True),
        (0.6, False),
        (4.2, False),
    ],
)
def test_a_plug_is_off_at_about_zero_watts(watts: float | None, off: bool) -> None:
    """The plug's own power sensor confirms it is off only at about 0 W."""
    assert power_is_off(watts) is off
