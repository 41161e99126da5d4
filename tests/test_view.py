"""A speaker as its entities show it, from readings alone."""

from __future__ import annotations

from typing import Any

from custom_components.privacy_guard.const import (
    Action,
    NetworkBackend,
    PrivacyState,
    Reason,
    Strength,
)
from custom_components.privacy_guard.models import SpeakerConfig
from custom_components.privacy_guard.records import (
    ActuatorSpec,
    LedgerRecord,
    RecordStatus,
)
from custom_components.privacy_guard.view import speaker_can_protect, speaker_view

ECHO = SpeakerConfig(
    speaker_id="echo",
    name="Echo",
    media_player="media_player.echo",
    mic_switch="switch.echo_mic",
    network_switch="switch.echo_internet",
    actions=(Action.SILENCE_OUTPUT, Action.MIC_MUTE, Action.NETWORK_BLOCK),
)
SILENCED_ONLY = SpeakerConfig(
    speaker_id="homepod",
    name="HomePod",
    media_player="media_player.homepod",
    actions=(Action.SILENCE_OUTPUT,),
)
DNS_ONLY = SpeakerConfig(
    speaker_id="nest",
    name="Nest",
    media_player="media_player.nest",
    ip_address="192.0.2.7",
    network_backend=NetworkBackend.ADGUARD,
    traffic_entity="sensor.nest_sent",
    actions=(Action.NETWORK_BLOCK,),
)


def view(config: SpeakerConfig, observed: dict[Action, bool | None], **kw: Any) -> Any:
    options: dict[str, Any] = {
        "reason": Reason.PRIVACY_MODE,
        "observed": observed,
        "wanted": config.actions,
        "records": {},
        "failures": {},
        "reprotections": 0,
        "leaked": False,
        "traffic_witness": False,
        **kw,
    }
    return speaker_view(config, **options)


def test_a_cut_microphone_protects_and_says_so() -> None:
    shown = view(
        ECHO,
        {
            Action.SILENCE_OUTPUT: True,
            Action.MIC_MUTE: True,
            Action.NETWORK_BLOCK: False,
        },
        failures={Action.NETWORK_BLOCK: "refused"},
        reprotections=2,
    )
    assert shown.protected
    assert shown.protected_by is Strength.MICROPHONE
    assert shown.privacy_state is PrivacyState.MICROPHONE_OFF
    assert list(shown.states) == list(ECHO.actions)
    assert shown.failures == {Action.NETWORK_BLOCK: "refused"}
    assert shown.reprotections == 2
    assert shown.can_protect


def test_a_silenced_output_protects_nothing() -> None:
    shown = view(SILENCED_ONLY, {Action.SILENCE_OUTPUT: True})
    assert not shown.protected
    assert shown.privacy_state is PrivacyState.OPEN
    assert shown.controls == {Action.SILENCE_OUTPUT: Strength.OUTPUT_ONLY}
    assert not speaker_can_protect(SILENCED_ONLY)


def test_a_dns_block_protects_only_while_watched() -> None:
    blocked = {Action.NETWORK_BLOCK: True}
    assert not view(DNS_ONLY, blocked).protected
    watched = view(DNS_ONLY, blocked, traffic_witness=True)
    assert watched.protected
    assert watched.privacy_state is PrivacyState.DNS_BLOCKED
    # An upload while guarded: it leaked, whatever the block says.
    leaked = view(DNS_ONLY, blocked, traffic_witness=True, leaked=True)
    assert not leaked.protected
    assert leaked.privacy_state is PrivacyState.EXPOSED


def test_a_persons_opening_is_shown_as_kept() -> None:
    record = LedgerRecord(
        Action.MIC_MUTE,
        ActuatorSpec("switch", "switch.echo_mic"),
        RecordStatus.OVERRIDE,
    )
    shown = view(
        ECHO,
        {
            Action.SILENCE_OUTPUT: True,
            Action.MIC_MUTE: False,
            Action.NETWORK_BLOCK: True,
        },
        records={Action.MIC_MUTE: record},
    )
    assert shown.overrides == (Action.MIC_MUTE,)
    assert shown.protected_by is Strength.NETWORK
    assert shown.privacy_state is PrivacyState.OFFLINE


def test_not_guarded_is_shown_as_it_is() -> None:
    shown = view(
        ECHO,
        {
            Action.SILENCE_OUTPUT: False,
            Action.MIC_MUTE: False,
            Action.NETWORK_BLOCK: False,
        },
        reason=Reason.NONE,
    )
    assert not shown.protected
    assert shown.privacy_state is PrivacyState.OPEN
    assert shown.reason is Reason.NONE
