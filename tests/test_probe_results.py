"""A speaker's calibration, on its own: when it still shows the probe reaches it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.privacy_guard.probe_results import (
    CALIBRATION_MAX_AGE,
    Calibration,
)

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
RADIO = "media_player.kitchen_radio"


def test_the_same_probe_at_no_lower_volume_within_its_age() -> None:
    calibration = Calibration(RADIO, "alexa", "clip", AT, 0.4)
    assert calibration.holds_for(RADIO, "alexa", "clip", 0.4, AT)
    assert calibration.holds_for(RADIO, "alexa", "clip", 0.6, AT + timedelta(days=1))
    assert not calibration.holds_for(RADIO, "alexa", "clip", 0.3, AT)
    assert not calibration.holds_for(RADIO, "alexa", "tts.piper", 0.4, AT)
    assert not calibration.holds_for("media_player.other", "alexa", "clip", 0.4, AT)
    assert not calibration.holds_for(RADIO, "hey_google", "clip", 0.4, AT)
    later = AT + CALIBRATION_MAX_AGE + timedelta(seconds=1)
    assert not calibration.holds_for(RADIO, "alexa", "clip", 0.4, later)
    # A clock set back before the calibration proves nothing either.
    assert not calibration.holds_for(RADIO, "alexa", "clip", 0.4, AT - timedelta(1))


def test_an_unknown_volume_matches_only_an_unknown_one() -> None:
    unknown = Calibration(RADIO, "alexa", "clip", AT, None)
    assert unknown.holds_for(RADIO, "alexa", "clip", None, AT)
    assert not unknown.holds_for(RADIO, "alexa", "clip", 0.05, AT)
    known = Calibration(RADIO, "alexa", "clip", AT, 0.4)
    assert not known.holds_for(RADIO, "alexa", "clip", None, AT)


def test_a_stored_calibration_reads_back() -> None:
    calibration = Calibration(RADIO, "alexa", "clip", AT, 0.4)
    assert Calibration.from_dict(calibration.as_dict()) == calibration
    old = {
        key: value for key, value in calibration.as_dict().items() if key != "volume"
    }
    assert Calibration.from_dict(old).volume is None
