"""The self-test's verdict from what its window saw (pure)."""

from __future__ import annotations

import pytest

from custom_components.privacy_guard.const import Strength
from custom_components.privacy_guard.selftest import (
    Finding,
    FindingKind,
    Inconclusive,
    Outcome,
    ProbeRun,
    judge,
    probe_message,
    wake_word_for,
)

UPLOAD = Finding(FindingKind.UPLOAD, 10.0, "48000 B, leak")
RECORD = Finding(FindingKind.VOICE_RECORD, 11.0, "what time is it")
WOKE = Finding(FindingKind.WOKE, 9.5, "speaker_woke")
SPEECH = Finding(FindingKind.SPEECH_HEARD, 9.0, "Kitchen")
HEARD_WORD = Finding(FindingKind.WAKE_WORD_HEARD, 9.1, "Kitchen: alexa")


def run(**kwargs: object) -> ProbeRun:
    """Return a guarded run whose probe played, changed by ``kwargs``."""
    values: dict[str, object] = {"guarded": True, "calibration": False, "played": True}
    values.update(kwargs)
    return ProbeRun(**values)  # type: ignore[arg-type]


def test_held_when_a_calibrated_probe_woke_nothing() -> None:
    """This probe woke it before, unguarded; now nothing seen: held."""
    result = judge(run(protected_by=Strength.MICROPHONE, calibrated=True))
    assert result.outcome is Outcome.HELD
    assert result.probe == "calibrated"
    assert result.reason is None


def test_played_alone_proves_nothing() -> None:
    """A muted, switched-off or too quiet player 'plays' too: unverified."""
    result = judge(run(protected_by=Strength.MICROPHONE))
    assert result.outcome is Outcome.INCONCLUSIVE
    assert result.reason is Inconclusive.UNVERIFIED
    assert result.probe == "played"
    # A room that did not listen all along says nothing either.
    assert judge(run(room_listened=False)).reason is Inconclusive.UNVERIFIED


def test_a_silent_traffic_sensor_proves_nothing_but_a_leak_stays_a_leak() -> None:
    """No reading since the window closed: an upload may not show yet."""
    stale = judge(run(calibrated=True, witness_fresh=False))
    assert stale.outcome is Outcome.INCONCLUSIVE
    assert stale.reason is Inconclusive.STALE_WITNESS
    leak = judge(run(findings=(UPLOAD,), witness_fresh=False))
    assert leak.outcome is Outcome.LEAKED
    unwoken = judge(run(guarded=False, calibration=True, witness_fresh=False))
    assert unwoken.reason is Inconclusive.STALE_WITNESS


def test_held_with_the_probe_heard_by_a_room_microphone() -> None:
    """A room microphone heard it: the probe was audible, and nothing answered."""
    result = judge(run(findings=(SPEECH, HEARD_WORD), room_listened=True))
    assert result.outcome is Outcome.HELD
    assert result.probe == "heard"
    assert result.evidence == (SPEECH, HEARD_WORD)


@pytest.mark.parametrize("finding", [UPLOAD, RECORD])
def test_an_upload_while_guarded_is_a_leak(finding: Finding) -> None:
    """Traffic or a vendor's voice record: it sent audio while guarded."""
    result = judge(run(findings=(finding,), protected_by=Strength.NETWORK))
    assert result.outcome is Outcome.LEAKED
    assert result.evidence == (finding,)


def test_a_wake_is_a_leak_unless_network_or_power_is_cut() -> None:
    """A microphone that wakes is not cut; an offline speaker may wake, not send."""
    for strength in (None, Strength.MICROPHONE, Strength.DNS_ONLY):
        result = judge(run(findings=(WOKE,), protected_by=strength))
        assert result.outcome is Outcome.LEAKED, strength
    for strength in (Strength.NETWORK, Strength.POWER):
        # Its wake shows the probe reached it: no calibration needed.
        result = judge(run(findings=(WOKE,), protected_by=strength))
        assert result.outcome is Outcome.HELD, strength
        assert result.evidence == (WOKE,)
        assert result.probe == "woke"
        # Even where the room microphone missed the probe.
        assert (
            judge(
                run(findings=(WOKE,), protected_by=strength, room_listened=True)
            ).outcome
            is Outcome.HELD
        )


def test_a_room_that_listened_and_heard_nothing_makes_it_inconclusive() -> None:
    """The probe was not audible: nothing is proven either way."""
    result = judge(run(room_listened=True))
    assert result.outcome is Outcome.INCONCLUSIVE
    assert result.reason is Inconclusive.NOT_HEARD
    # Even after a calibration: this time it was not audible.
    assert judge(run(room_listened=True, calibrated=True)).reason is (
        Inconclusive.NOT_HEARD
    )


def test_a_probe_that_did_not_play_proves_nothing() -> None:
    """Even with an upload seen: the probe is not what it answered."""
    result = judge(run(played=False, findings=(UPLOAD,)))
    assert result.outcome is Outcome.INCONCLUSIVE
    assert result.reason is Inconclusive.PROBE_FAILED


def test_not_guarded_without_calibration_proves_nothing() -> None:
    """An open speaker that wakes is no news."""
    result = judge(run(guarded=False, findings=(UPLOAD,)))
    assert result.outcome is Outcome.INCONCLUSIVE
    assert result.reason is Inconclusive.NOT_GUARDED


def test_calibration_proves_the_probe_wakes_it() -> None:
    """Not guarded, calibration allowed: woke, or did not wake, or not heard."""
    woke = judge(run(guarded=False, calibration=True, findings=(WOKE, UPLOAD)))
    assert woke.outcome is Outcome.WOKE
    assert woke.evidence == (UPLOAD, WOKE)
    silent = judge(run(guarded=False, calibration=True, findings=(SPEECH,)))
    assert silent.outcome is Outcome.INCONCLUSIVE
    assert silent.reason is Inconclusive.DID_NOT_WAKE
    unheard = judge(run(guarded=False, calibration=True, room_listened=True))
    assert unheard.reason is Inconclusive.NOT_HEARD


def test_findings_round_trip() -> None:
    """A finding is stored and read back unchanged."""
    for finding in (UPLOAD, RECORD, WOKE, Finding(FindingKind.SPEECH_HEARD, 1.0)):
        assert Finding.from_dict(finding.as_dict()) == finding


@pytest.mark.parametrize(
    ("chosen", "profile", "domain", "expected"),
    [
        ("hey_jarvis", "amazon_echo", None, "hey_jarvis"),
        # A stored word this version does not know: unknown, not guessed.
        ("hey_computer", "amazon_echo", None, None),
        (None, "amazon_echo", None, "alexa"),
        (None, "google_nest", None, "hey_google"),
        (None, "apple_homepod", "binary_sensor", "hey_siri"),
        (None, "other", "assist_satellite", "okay_nabu"),
        (None, "other", "binary_sensor", None),
        (None, "other", None, None),
    ],
)
def test_the_wake_word_a_speaker_answers_to(
    chosen: str | None, profile: str, domain: str | None, expected: str | None
) -> None:
    """Chosen per speaker, else by device type, else a satellite's default."""
    assert wake_word_for(chosen, profile, domain) == expected


def test_the_probe_asks_a_harmless_question() -> None:
    """The wake word as spoken, then a question any assistant answers locally."""
    assert probe_message("hey_google") == "Hey Google, what time is it?"
