"""Tests of the correlator that classifies uploads."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.privacy_guard.correlate import (
    SPOTTING,
    Correlator,
    Evidence,
    EvidenceSource,
    Verdict,
    VerdictKind,
    Witness,
    judge,
    spotted_words,
)

REQUESTED = VerdictKind.REQUESTED
MISACTIVATION = VerdictKind.MISACTIVATION
SILENT = VerdictKind.SILENT
UNSOLICITED = VerdictKind.UNSOLICITED
LEAK = VerdictKind.LEAK
WAKE = EvidenceSource.WAKE_WORD
SPEECH = EvidenceSource.SPEECH
DNS = EvidenceSource.DNS
LISTENING = EvidenceSource.LISTENING
SPEAKER_WOKE = EvidenceSource.SPEAKER_WOKE
VOICE_RECORD = EvidenceSource.VOICE_RECORD
SELF_TEST = EvidenceSource.SELF_TEST


def kind(correlator: Correlator, speaker: str, start: float) -> VerdictKind:
    return correlator.classify(speaker, start, protected=False).kind


def strong(verdict: Verdict) -> tuple[Evidence, ...]:
    """The wake-word and speech evidence of a verdict."""
    return tuple(e for e in verdict.evidence if e.source in (WAKE, SPEECH))


def heard(correlator: Correlator, speaker: str, start: float) -> bool:
    """Whether a wake word or speech counts for the upload (the window rules)."""
    return bool(strong(correlator.classify(speaker, start, protected=False)))


def test_nothing_recorded_is_unsolicited() -> None:
    verdict = Correlator().classify("echo", 100.0, protected=False)
    assert verdict == Verdict(UNSOLICITED, ())
    assert not verdict.dns_seen
    assert strong(verdict) == ()


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (94.9, UNSOLICITED),
        (95.0, REQUESTED),
        (100.0, REQUESTED),
        (101.0, REQUESTED),
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
    assert heard(correlator, "satellite", 100.0)
    assert not heard(correlator, "echo", 100.0)
    # A room's evidence is judged with the uploading speaker's window.
    correlator.link_room("kitchen", ["satellite", "echo"])
    correlator.record("kitchen", "wake_word", 84.0)
    assert not heard(correlator, "echo", 100.0)
    assert [e.room_id for e in correlator.evidence("satellite", 100.0)] == [
        "kitchen",
        None,
    ]
    with pytest.raises(ValueError, match="finite"):
        Correlator(speaker_windows={"satellite": {"wake_word": math.inf}})


def test_grace_can_be_turned_off() -> None:
    correlator = Correlator(grace=0.0)
    correlator.record("echo", "wake_word", 100.5)
    assert not heard(correlator, "echo", 100.0)
    correlator.record("echo", "wake_word", 100.0)
    assert heard(correlator, "echo", 100.0)


def test_speech_span_overlapping_the_window() -> None:
    correlator = Correlator()
    correlator.record("echo", "speech", 60.0, 94.0)
    assert not heard(correlator, "echo", 100.0)
    correlator.record("echo", "speech", 80.0, 96.0, detail="room mic")
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert strong(verdict)
    assert verdict.evidence == (Evidence(SPEECH, 80.0, 96.0, "room mic"),)
    assert strong(verdict) == verdict.evidence


def test_reversed_span_is_normalised() -> None:
    correlator = Correlator()
    correlator.record("echo", "speech", 99.0, 10.0)
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert verdict.evidence == (Evidence(SPEECH, 99.0, 99.0),)


def test_dns_alone_is_not_requested_but_reported() -> None:
    correlator = Correlator()
    correlator.record("echo", "dns", 99.0, detail="avs-alexa-12.amazon.com")
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert verdict.kind is UNSOLICITED
    assert verdict.dns_seen
    assert verdict.evidence == (Evidence(DNS, 99.0, 99.0, "avs-alexa-12.amazon.com"),)
    assert strong(verdict) == ()


def test_dns_with_a_wake_word_is_requested() -> None:
    correlator = Correlator()
    correlator.record("echo", "dns", 98.0)
    correlator.record("echo", "wake_word", 99.0)
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert strong(verdict)
    assert verdict.dns_seen
    assert [item.source for item in verdict.evidence] == [DNS, WAKE]


def test_protected_overrides_evidence() -> None:
    correlator = Correlator()
    correlator.record("echo", "wake_word", 99.0)
    verdict = correlator.classify("echo", 100.0, protected=True)
    assert verdict.kind is LEAK
    assert verdict.evidence == (Evidence(WAKE, 99.0, 99.0),)
    assert Correlator().classify("x", 1.0, protected=True).kind is LEAK


def test_windows_per_source() -> None:
    correlator = Correlator(windows={"speech": 20.0, "wake_word": 1.0})
    assert correlator.windows == {
        **dict.fromkeys(EvidenceSource, 5.0),
        WAKE: 1.0,
        SPEECH: 20.0,
    }
    correlator.record("echo", "wake_word", 97.0)
    assert not heard(correlator, "echo", 100.0)
    correlator.record("echo", "speech", 81.0)
    assert heard(correlator, "echo", 100.0)


def test_open_activity_counts_until_closed() -> None:
    correlator = Correlator()
    correlator.open("nest", "wake_word", 50.0, detail="assist_satellite.kitchen")
    # Later active states of the same entity keep the first start.
    correlator.open("nest", "wake_word", 70.0)
    assert correlator.is_open("nest", "wake_word")
    verdict = correlator.classify("nest", 100.0, protected=False)
    assert strong(verdict)
    assert verdict.evidence == (Evidence(WAKE, 50.0, None, "assist_satellite.kitchen"),)
    correlator.close("nest", "wake_word", 90.0)
    assert not correlator.is_open("nest", "wake_word")
    assert not heard(correlator, "nest", 100.0)
    assert heard(correlator, "nest", 94.0)
    assert correlator.classify("nest", 94.0, protected=False).evidence == (
        Evidence(WAKE, 50.0, 90.0, "assist_satellite.kitchen"),
    )


def test_open_activity_starting_after_the_upload_is_not_evidence() -> None:
    correlator = Correlator()
    correlator.open("nest", "speech", 120.0)
    assert not heard(correlator, "nest", 100.0)


def test_close_without_open_is_ignored() -> None:
    correlator = Correlator()
    correlator.close("nest", "speech", 10.0)
    correlator.open("nest", "speech", 5.0)
    correlator.close("nest", "wake_word", 10.0)
    assert correlator.is_open("nest", "speech")
    assert len(correlator) == 1


def test_the_self_tests_probe_asked() -> None:
    """An upload while the probe asks is requested, by the self-test; a leak
    stays a leak, and a room's span is not the speaker's probe."""
    correlator = Correlator()
    correlator.link_room("kitchen", ["echo"])
    correlator.open("echo", "self_test", 100.0, detail="alexa")
    # The room heard the probe say the wake word: still the probe's request.
    correlator.record("kitchen", "wake_word", 101.0, detail="alexa")
    assert correlator.classify("echo", 102.0, protected=False).witness is (
        Witness.SELF_TEST
    )
    assert correlator.classify("echo", 102.0, protected=True).kind is LEAK
    correlator.close("echo", "self_test", 120.0)
    verdict = correlator.classify("echo", 110.0, protected=False)
    assert (verdict.kind, verdict.witness) == (REQUESTED, Witness.SELF_TEST)
    # Before the probe, and well after its window: not the probe's.
    assert kind(correlator, "echo", 98.0) is UNSOLICITED
    assert kind(correlator, "echo", 126.0) is UNSOLICITED
    correlator.record("kitchen", "self_test", 200.0, 210.0)
    assert kind(correlator, "echo", 205.0) is UNSOLICITED


def test_the_probe_does_not_overrule_what_a_room_witnessed() -> None:
    """Under a probe's span: a room that listened throughout and heard nobody
    says silent (the probe did not carry there); a wake word the probe did not
    say is a person's; the probe's question without its word heard is still
    the probe, not a misactivation; a satellite's own wake is the probe's."""
    words = frozenset({"alexa", "okay_nabu"})

    def verdict(*extra: Evidence) -> tuple[VerdictKind, Witness]:
        found = (Evidence(SELF_TEST, 100.0, 120.0, "alexa"), *extra)
        result = judge(found, protected=False, answers_to=words, listened=(95, 111))
        return result.kind, result.witness

    listening = Evidence(LISTENING, 0.0, None, f"{SPOTTING}:alexa,okay_nabu", "k")
    assert verdict(listening) == (SILENT, Witness.ROOM_MICROPHONE)
    speech = Evidence(SPEECH, 101.0, 104.0, None, "k")
    assert verdict(listening, speech) == (REQUESTED, Witness.SELF_TEST)
    probe_word = Evidence(WAKE, 101.0, 101.0, "alexa", "k")
    assert verdict(listening, speech, probe_word) == (REQUESTED, Witness.SELF_TEST)
    person = Evidence(WAKE, 102.0, 102.0, "okay_nabu", "k")
    assert verdict(listening, speech, person) == (REQUESTED, Witness.ROOM_MICROPHONE)
    # A room that did not listen through the window decides nothing.
    late = Evidence(LISTENING, 100.0, None, f"{SPOTTING}:alexa", "k")
    assert verdict(late) == (REQUESTED, Witness.SELF_TEST)
    satellite = Evidence(WAKE, 101.0, 101.0, "assist_satellite.office")
    assert verdict(satellite) == (REQUESTED, Witness.SELF_TEST)
    assert verdict(Evidence(VOICE_RECORD, 103.0, 103.0)) == (
        REQUESTED,
        Witness.SELF_TEST,
    )
    # A guarded speaker's upload is a leak, probe or not.
    leak = judge((Evidence(SELF_TEST, 100.0, 120.0, "alexa"),), protected=True)
    assert leak.kind is LEAK


def test_rooms_share_evidence_with_their_speakers() -> None:
    correlator = Correlator()
    correlator.link_room("kitchen", ["echo", "nest"])
    correlator.link_room("office", ["nest"])
    assert correlator.rooms_of("nest") == ["kitchen", "office"]
    correlator.record("kitchen", "speech", 98.0, 99.0)
    correlator.open("office", "wake_word", 99.5)
    verdict = correlator.classify("nest", 100.0, protected=False)
    assert strong(verdict)
    assert verdict.evidence == (
        Evidence(SPEECH, 98.0, 99.0, room_id="kitchen"),
        Evidence(WAKE, 99.5, None, room_id="office"),
    )
    assert heard(correlator, "echo", 100.0)
    assert not heard(correlator, "homepod", 100.0)
    correlator.unlink_room("kitchen")
    correlator.unlink_room("unknown")
    assert not heard(correlator, "echo", 100.0)
    assert correlator.rooms_of("nest") == ["office"]


def test_forget_drops_evidence_and_links() -> None:
    correlator = Correlator()
    correlator.link_room("kitchen", ["echo", "nest"])
    correlator.link_room("hall", ["echo"])
    correlator.record("echo", "wake_word", 99.0)
    correlator.open("echo", "speech", 99.0)
    correlator.forget("echo")
    assert not heard(correlator, "echo", 100.0)
    assert correlator.rooms_of("echo") == []
    assert correlator.rooms_of("nest") == ["kitchen"]
    assert len(correlator) == 0
    correlator.record("kitchen", "speech", 99.0)
    correlator.forget("kitchen")
    assert not heard(correlator, "nest", 100.0)
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
    assert heard(correlator, "nest", 500.0)


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
    # Rooms decide only when they listened through the whole window.
    assert verdict == judge(
        verdict.evidence,
        protected=protected,
        listened=(upload - window, upload + grace),
    )
    if protected:
        assert verdict.kind is LEAK
    elif any(
        subject == "echo" and source is SELF_TEST and near(start, length)
        for subject, source, start, length in items
    ):
        # The self-test's probe asked (recorded for the speaker, not a room),
        # unless a room listened throughout and heard nobody (every wake word
        # here has no detail, as the probe's span: none is a person's).
        assert verdict.kind is SILENT or verdict == Verdict(
            REQUESTED, verdict.evidence, Witness.SELF_TEST
        )
    elif WAKE in relevant:
        assert verdict.kind is REQUESTED
    elif not relevant or relevant == [DNS] * len(relevant):
        assert verdict.kind is UNSOLICITED
    else:
        assert verdict.kind is not REQUESTED or (
            SPEAKER_WOKE in relevant or VOICE_RECORD in relevant
        )
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
        assert len(correlator) <= len(EvidenceSource) * 3 * max_items
    correlator.prune(latest)
    for subject in ("echo", "nest", "kitchen"):
        for item in correlator.evidence(subject, latest):
            assert item.end is not None
            assert item.end >= latest - horizon


# ------------------------------------------------------------------ verdicts
ROOM = "kitchen"


def room_evidence(source: EvidenceSource, detail: str | None = None) -> Evidence:
    return Evidence(source, 98.0, None if source is LISTENING else 99.0, detail, ROOM)


@pytest.mark.parametrize(
    ("found", "not_meant", "expected", "witness"),
    [
        # A local witness heard the wake word: requested.
        ([room_evidence(WAKE, "alexa")], False, REQUESTED, Witness.ROOM_MICROPHONE),
        (
            [Evidence(WAKE, 99.0, 99.5, "satellite")],
            False,
            REQUESTED,
            Witness.SATELLITE,
        ),
        # Even with people talking and the vendor saying otherwise.
        (
            [
                room_evidence(LISTENING, SPOTTING),
                room_evidence(SPEECH),
                room_evidence(WAKE),
            ],
            True,
            REQUESTED,
            Witness.ROOM_MICROPHONE,
        ),
        # Speech without a wake word, heard by a spotter: a misactivation.
        (
            [room_evidence(LISTENING, SPOTTING), room_evidence(SPEECH)],
            False,
            MISACTIVATION,
            Witness.ROOM_MICROPHONE,
        ),
        # The speaker says it woke, people talked, no wake word: misactivation.
        (
            [
                room_evidence(LISTENING, SPOTTING),
                room_evidence(SPEECH),
                Evidence(SPEAKER_WOKE, 99.0, 99.0),
            ],
            False,
            MISACTIVATION,
            Witness.ROOM_MICROPHONE,
        ),
        # A room listening and nobody talking: silent, whatever the vendor says.
        ([room_evidence(LISTENING, SPOTTING)], False, SILENT, Witness.ROOM_MICROPHONE),
        ([room_evidence(LISTENING)], False, SILENT, Witness.ROOM_MICROPHONE),
        (
            [room_evidence(LISTENING), Evidence(VOICE_RECORD, 99.0, 99.0)],
            False,
            SILENT,
            Witness.ROOM_MICROPHONE,
        ),
        # A room that only detects speech cannot tell a request from a
        # misactivation: the speaker's own word, or unsolicited.
        (
            [room_evidence(LISTENING), room_evidence(SPEECH)],
            False,
            UNSOLICITED,
            Witness.NONE,
        ),
        (
            [
                room_evidence(LISTENING),
                room_evidence(SPEECH),
                Evidence(SPEAKER_WOKE, 99.0, 99.0),
            ],
            False,
            REQUESTED,
            Witness.SPEAKER,
        ),
        # No room microphone: as the speaker reports it, or unsolicited.
        ([Evidence(SPEAKER_WOKE, 99.0, 99.0)], False, REQUESTED, Witness.SPEAKER),
        ([Evidence(VOICE_RECORD, 99.0, 99.0)], False, REQUESTED, Witness.SPEAKER),
        ([Evidence(VOICE_RECORD, 99.0, 99.0)], True, MISACTIVATION, Witness.SPEAKER),
        # Speech heard by a room that was not listening (stale) changes nothing.
        ([room_evidence(SPEECH)], False, UNSOLICITED, Witness.NONE),
        ([Evidence(DNS, 99.0, 99.0)], False, UNSOLICITED, Witness.NONE),
        ([], False, UNSOLICITED, Witness.NONE),
    ],
)
def test_who_asked(
    found: list[Evidence],
    not_meant: bool,
    expected: VerdictKind,
    witness: Witness,
) -> None:
    verdict = judge(found, protected=False, not_meant=not_meant)
    assert (verdict.kind, verdict.witness) == (expected, witness)
    leak = judge(found, protected=True, not_meant=not_meant)
    assert (leak.kind, leak.witness) == (LEAK, Witness.GUARD)


def test_listening_room_through_the_correlator() -> None:
    """A room microphone's listening span, speech and wake words, end to end."""
    correlator = Correlator()
    correlator.link_room(ROOM, ["echo"])
    correlator.open(ROOM, "listening", 0.0, detail=SPOTTING)
    assert kind(correlator, "echo", 100.0) is SILENT
    correlator.record(ROOM, "speech", 97.0, 99.0)
    assert kind(correlator, "echo", 100.0) is MISACTIVATION
    correlator.record(ROOM, "wake_word", 98.0, detail="alexa")
    verdict = correlator.classify("echo", 100.0, protected=False)
    assert (verdict.kind, verdict.witness) == (REQUESTED, Witness.ROOM_MICROPHONE)
    # The microphone went away before the next upload: the speaker's word only.
    correlator.close(ROOM, "listening", 150.0)
    correlator.record("echo", "voice_record", 199.0)
    verdict = correlator.classify("echo", 200.0, protected=False)
    assert (verdict.kind, verdict.witness) == (REQUESTED, Witness.SPEAKER)
    assert verdict.voice_record


def test_a_wake_word_counts_only_for_the_speakers_that_answer_to_it() -> None:
    """ "Alexa" heard in the room is a request for the Echo, not for the Nest;
    a spotter that cannot spot "Hey Google" cannot call the Nest's upload a
    misactivation; a room that stopped listening before the window decides
    nothing."""
    correlator = Correlator(
        speaker_words={
            "echo": frozenset({"alexa"}),
            "nest": frozenset({"hey_google"}),
            "unknown": frozenset(),
        }
    )
    correlator.link_room(ROOM, ["echo", "nest", "unknown"])
    correlator.open(ROOM, "listening", 0.0, detail=f"{SPOTTING}:alexa,okay_nabu")
    correlator.record(ROOM, "speech", 96.0, 99.0)
    correlator.record(ROOM, "wake_word", 97.0, detail="alexa")
    echo = correlator.classify("echo", 100.0, protected=False)
    assert (echo.kind, echo.witness) == (REQUESTED, Witness.ROOM_MICROPHONE)
    # The Nest's own word cannot be spotted here: its upload after speech is
    # neither a request nor a misactivation by this room's word.
    assert kind(correlator, "nest", 100.0) is UNSOLICITED
    assert kind(correlator, "unknown", 100.0) is UNSOLICITED
    # Speech without "Alexa": a misactivation for the Echo, whose word is spotted.
    correlator.record(ROOM, "speech", 196.0, 199.0)
    assert kind(correlator, "echo", 200.0) is MISACTIVATION
    assert kind(correlator, "nest", 200.0) is UNSOLICITED
    # The room stopped listening 4 s before the next upload: no silence proven.
    correlator.close(ROOM, "listening", 296.0)
    assert kind(correlator, "echo", 300.0) is UNSOLICITED
    # A span stored by an earlier release ("spotting", words not named) spots
    # none of a known speaker's words.
    assert spotted_words(SPOTTING) == frozenset()
    assert spotted_words(None) is None
    assert spotted_words("spotting:alexa") == frozenset({"alexa"})
