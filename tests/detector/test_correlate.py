"""Tests of the correlator that classifies uploads."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.privacy_guard.correlate import (
    Correlator,
    Evidence,
    EvidenceSource,
    Verdict,
    VerdictKind,
)

SOLICITED = VerdictKind.SOLICITED
UNSOLICITED = VerdictKind.UNSOLICITED
WHILE_PROTECTED = VerdictKind.WHILE_PROTECTED
WAKE = EvidenceSource.WAKE_WORD
SPEECH = EvidenceSource.SPEECH
DNS = EvidenceSource.DNS


def kind(correlator: Correlator, speaker: str, start: float) -> VerdictKind:
    return correlator.classify(speaker, start, protected=False).kind


def test_nothing_recorded_is_unsolicited() -> None:
    verdict = Correlator().classify("echo", 100.0, protected=False)
    assert verdict == Verdict(UNSOLICITED, ())
    assert not verdict.dns_seen
    assert verdict.strong == ()


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (94.9, UNSOLICITED),
        (95.0, SOLICITED),
        (100.0, SOLICITED),
        (101.0, SOLICITED),
        (101.1, UNSOLICITED),
    ],
)
def test_wake_word_moment_in_window(at: float, expected: VerdictKind) -> None:
    correlator = Correlator()
    correlator.record("echo", "wake_word", at)
    assert kind(correlator, "echo", 100.0) is expected


def test_wake_word_window_per_speaker() -> None:
    """Each speaker's own window decides; others keep the default."""
    correlator = Correlator(speaker_windows={"satellite": {"wake_word": 20.0}})
    for speaker in ("satellite", "echo"):
        correlator.record(speaker, "wake_word", 85.0)
    assert kind(correlator, "satellite", 100.0) is SOLICITED
    assert kind(correlator, "echo", 100.0) is UNSOLICITED
    # A room's evidence is judged with the uploading speaker's window.
    correlator.link_room("kitchen", ["satellite", "echo"])
    correlator.record("kitchen", "wake_word", 84.0)
    assert kind(correlator, "echo", 100.0) is UNSOLICITED
    assert [e.room_id for e in correlator.evidence("satellite", 100.0)] == [
        "kitchen",
        None,
    ]
    with pytest.raises(ValueError, match="finite"):
        Correlator(speaker_windows={"satellite": {"wake_word": math.inf}})


def test_grace_can_be_turned_off() -> None:
    correlator = Correlator(grace=0.0)
    correlator.record("echo", "wake_word", 100.5)
    assert kind(correlator, "echo", 100.0) is UNSOLICITED
    correlator.record("echo", "wake_word", 100.0)
    assert kind(correlator, "echo", 100.0) is SOLICITED


def test_speech_span_overlapping_the_window() -> None:
    correlator = Correlator()
    correlator.record("echo", "speech", 60.0, 94.0)
    assert kind(correlator, "echo", 100.0) is UNSOLICITED
    correlator.record("echo", "speech", 80.0, 96.0, detail="room mic")
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert verdict.kind is SOLICITED
    assert verdict.evidence == (Evidence(SPEECH, 80.0, 96.0, "room mic"),)
    assert verdict.strong == verdict.evidence


def test_reversed_span_is_normalised() -> None:
    correlator = Correlator()
    correlator.record("echo", "speech", 99.0, 10.0)
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert verdict.evidence == (Evidence(SPEECH, 99.0, 99.0),)


def test_dns_alone_is_not_solicited_but_reported() -> None:
    correlator = Correlator()
    correlator.record("echo", "dns", 99.0, detail="avs-alexa-12.amazon.com")
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert verdict.kind is UNSOLICITED
    assert verdict.dns_seen
    assert verdict.evidence == (Evidence(DNS, 99.0, 99.0, "avs-alexa-12.amazon.com"),)
    assert verdict.strong == ()


def test_dns_with_a_wake_word_is_solicited() -> None:
    correlator = Correlator()
    correlator.record("echo", "dns", 98.0)
    correlator.record("echo", "wake_word", 99.0)
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert verdict.kind is SOLICITED
    assert verdict.dns_seen
    assert [item.source for item in verdict.evidence] == [DNS, WAKE]


def test_protected_overrides_evidence() -> None:
    correlator = Correlator()
    correlator.record("echo", "wake_word", 99.0)
    verdict = correlator.classify("echo", 100.0, protected=True)
    assert verdict.kind is WHILE_PROTECTED
    assert verdict.evidence == (Evidence(WAKE, 99.0, 99.0),)
    assert Correlator().classify("x", 1.0, protected=True).kind is WHILE_PROTECTED


def test_windows_per_source() -> None:
    correlator = Correlator(windows={"speech": 20.0, "wake_word": 1.0})
    assert correlator.windows == {WAKE: 1.0, SPEECH: 20.0, DNS: 5.0}
    correlator.record("echo", "wake_word", 97.0)
    assert kind(correlator, "echo", 100.0) is UNSOLICITED
    correlator.record("echo", "speech", 81.0)
    assert kind(correlator, "echo", 100.0) is SOLICITED


def test_open_activity_counts_until_closed() -> None:
    correlator = Correlator()
    correlator.open("nest", "wake_word", 50.0, detail="assist_satellite.kitchen")
    # Later active states of the same entity keep the first start.
    correlator.open("nest", "wake_word", 70.0)
    assert correlator.is_open("nest", "wake_word")
    verdict = correlator.classify("nest", 100.0, protected=False)
    assert verdict.kind is SOLICITED
    assert verdict.evidence == (Evidence(WAKE, 50.0, None, "assist_satellite.kitchen"),)
    correlator.close("nest", "wake_word", 90.0)
    assert not correlator.is_open("nest", "wake_word")
    assert kind(correlator, "nest", 100.0) is UNSOLICITED
    assert kind(correlator, "nest", 94.0) is SOLICITED
    assert correlator.classify("nest", 94.0, protected=False).evidence == (
        Evidence(WAKE, 50.0, 90.0, "assist_satellite.kitchen"),
    )


def test_open_activity_starting_after_the_upload_is_not_evidence() -> None:
    correlator = Correlator()
    correlator.open("nest", "speech", 120.0)
    assert kind(correlator, "nest", 100.0) is UNSOLICITED


def test_close_without_open_is_ignored() -> None:
    correlator = Correlator()
    correlator.close("nest", "speech", 10.0)
    correlator.open("nest", "speech", 5.0)
    correlator.close("nest", "wake_word", 10.0)
    assert correlator.is_open("nest", "speech")
    assert len(correlator) == 1


def test_rooms_share_evidence_with_their_speakers() -> None:
    correlator = Correlator()
    correlator.link_room("kitchen", ["echo", "nest"])
    correlator.link_room("office", ["nest"])
    assert correlator.rooms_of("nest") == ["kitchen", "office"]
    correlator.record("kitchen", "speech", 98.0, 99.0)
    correlator.open("office", "wake_word", 99.5)
    verdict = correlator.classify("nest", 100.0, protected=False)
    assert verdict.kind is SOLICITED
    assert verdict.evidence == (
        Evidence(SPEECH, 98.0, 99.0, room_id="kitchen"),
        Evidence(WAKE, 99.5, None, room_id="office"),
    )
    assert kind(correlator, "echo", 100.0) is SOLICITED
    assert kind(correlator, "homepod", 100.0) is UNSOLICITED
    correlator.unlink_room("kitchen")
    correlator.unlink_room("unknown")
    assert kind(correlator, "echo", 100.0) is UNSOLICITED
    assert correlator.rooms_of("nest") == ["office"]


def test_forget_drops_evidence_and_links() -> None:
    correlator = Correlator()
    correlator.link_room("kitchen", ["echo", "nest"])
    correlator.link_room("hall", ["echo"])
    correlator.record("echo", "wake_word", 99.0)
    correlator.open("echo", "speech", 99.0)
    correlator.forget("echo")
    assert kind(correlator, "echo", 100.0) is UNSOLICITED
    assert correlator.rooms_of("echo") == []
    assert correlator.rooms_of("nest") == ["kitchen"]
    assert len(correlator) == 0
    correlator.record("kitchen", "speech", 99.0)
    correlator.forget("kitchen")
    assert kind(correlator, "nest", 100.0) is UNSOLICITED
    assert correlator.rooms_of("nest") == []


def test_memory_is_bounded_by_count() -> None:
    correlator = Correlator(max_items=3)
    for t in range(10):
        correlator.record("echo", "dns", float(t))
    assert len(correlator) == 3
    assert [e.start for e in correlator.evidence("echo", 9.0)] == [7.0, 8.0, 9.0]


def test_memory_is_bounded_by_horizon() -> None:
    correlator = Correlator(horizon=100.0)
    correlator.record("echo", "speech", 0.0, 10.0)
    correlator.record("echo", "speech", 50.0)
    correlator.record("echo", "speech", 111.0)
    assert len(correlator) == 2
    correlator.record("nest", "dns", 120.0)
    correlator.open("nest", "wake_word", 0.0)
    correlator.prune(200.0)
    # Open activity is still going on, so it stays whatever its age.
    assert len(correlator) == 3
    assert correlator.is_open("nest", "wake_word")
    correlator.prune(500.0)
    assert len(correlator) == 1
    assert kind(correlator, "nest", 500.0) is SOLICITED


@pytest.mark.parametrize(
    "kwargs",
    [
        {"windows": {"speech": -1.0}},
        {"windows": {"speech": math.inf}},
        {"grace": -1.0},
        {"horizon": 0.0},
        {"max_items": 0},
    ],
)
def test_invalid_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Correlator(**kwargs)  # type: ignore[arg-type]


def test_unknown_source_and_bad_times_are_refused() -> None:
    correlator = Correlator()
    with pytest.raises(ValueError, match="sneeze"):
        correlator.record("echo", "sneeze", 1.0)
    with pytest.raises(ValueError, match="sneeze"):
        Correlator(windows={"sneeze": 1.0})
    for call in (
        lambda: correlator.record("echo", "dns", math.nan),
        lambda: correlator.record("echo", "dns", 1.0, math.inf),
        lambda: correlator.open("echo", "dns", math.inf),
        lambda: correlator.close("echo", "dns", math.nan),
        lambda: correlator.prune(math.nan),
        lambda: correlator.classify("echo", math.nan, protected=False),
    ):
        with pytest.raises(ValueError, match="finite"):
            call()
    assert len(correlator) == 0


# -- properties ---------------------------------------------------------------

times = st.integers(min_value=0, max_value=2_000).map(lambda ds: ds / 10)
records = st.lists(
    st.tuples(
        st.sampled_from(["echo", "nest", "kitchen"]),
        st.sampled_from(EvidenceSource),
        times,
        st.one_of(st.none(), st.integers(0, 300).map(lambda ds: ds / 10)),
    ),
    max_size=40,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    items=records,
    upload=times,
    protected=st.booleans(),
    window=st.sampled_from([0.0, 2.0, 5.0]),
    grace=st.sampled_from([0.0, 1.0]),
)
def test_classification_matches_its_definition(
    items: list[tuple[str, EvidenceSource, float, float | None]],
    upload: float,
    protected: bool,
    window: float,
    grace: float,
) -> None:
    correlator = Correlator(
        windows=dict.fromkeys(EvidenceSource, window), grace=grace, horizon=1e6
    )
    correlator.link_room("kitchen", ["echo"])
    for subject, source, start, length in items:
        end = None if length is None else start + length
        correlator.record(subject, source, start, end)
    verdict = correlator.classify("echo", upload, protected=protected)

    def near(start: float, length: float | None) -> bool:
        end = start + (length or 0.0)
        return start <= upload + grace and end >= upload - window

    relevant = [
        source
        for subject, source, start, length in items
        if subject in ("echo", "kitchen") and near(start, length)
    ]
    assert sorted(e.source for e in verdict.evidence) == sorted(relevant)
    if protected:
        assert verdict.kind is WHILE_PROTECTED
    elif WAKE in relevant or SPEECH in relevant:
        assert verdict.kind is SOLICITED
    else:
        assert verdict.kind is UNSOLICITED
    assert verdict.dns_seen == (DNS in relevant)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(items=records, max_items=st.integers(1, 5), horizon=st.sampled_from([5.0, 50.0]))
def test_memory_never_exceeds_its_bounds(
    items: list[tuple[str, EvidenceSource, float, float | None]],
    max_items: int,
    horizon: float,
) -> None:
    correlator = Correlator(max_items=max_items, horizon=horizon)
    latest = 0.0
    for subject, source, start, length in sorted(items, key=lambda item: item[2]):
        end = start if length is None else start + length
        latest = max(latest, end)
        correlator.record(subject, source, start, end)
        assert len(correlator) <= 3 * 3 * max_items
    correlator.prune(latest)
    for subject in ("echo", "nest", "kitchen"):
        for item in correlator.evidence(subject, latest):
            assert item.end is not None
            assert item.end >= latest - horizon
