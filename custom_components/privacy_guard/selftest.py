"""The self-test's verdict: pure, no Home Assistant import.

A self-test plays a speaker's wake word and a harmless question through a probe
player near it, then watches every witness of the speaker for a window (its
traffic, its vendor's voice records, its wake-word entity, and a room
microphone that also tells whether the probe was audible). As LeakyPick did in
research (Mitev et al., ACSAC 2020): probe, and look for an upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from .const import Strength

DEFAULT_WINDOW: Final = 20.0
MIN_WINDOW: Final = 5.0
MAX_WINDOW: Final = 120.0

# What a speaker answers to, by the device type its traffic profile names.
WAKE_WORD_PHRASES: Final[dict[str, str]] = {
    "alexa": "Alexa",
    "hey_google": "Hey Google",
    "hey_siri": "Hey Siri",
    "okay_nabu": "Okay Nabu",
    "hey_jarvis": "Hey Jarvis",
    "hey_mycroft": "Hey Mycroft",
}
WAKE_WORD_OF_PROFILE: Final[dict[str, str]] = {
    "amazon_echo": "alexa",
    "google_nest": "hey_google",
    "apple_homepod": "hey_siri",
}
# A satellite of Home Assistant's own (Voice PE) answers to this by default.
SATELLITE_WAKE_WORD: Final = "okay_nabu"
# Asked after the wake word: harmless, and answered without an account.
QUESTION: Final = "what time is it?"


class Outcome(StrEnum):
    """What a self-test found."""

    # Guarded: the probe reached it (a room microphone heard it, or a
    # calibration proved this probe wakes it) and nothing woke or uploaded.
    HELD = "held"
    # Guarded: the speaker uploaded or woke anyway, a leak.
    LEAKED = "leaked"
    # Nothing can be said; ``Inconclusive`` tells why.
    INCONCLUSIVE = "inconclusive"
    # A calibration run (not guarded): the probe woke it, so a later held
    # result means something.
    WOKE = "woke"


class Inconclusive(StrEnum):
    """Why a self-test proves nothing."""

    NO_WITNESS = "no_witness"
    NO_PROBE_PLAYER = "no_probe_player"
    NO_WAKE_WORD = "no_wake_word"
    NOT_GUARDED = "not_guarded"
    PROBE_FAILED = "probe_failed"
    # A room microphone listened through the whole window and heard nothing.
    NOT_HEARD = "not_heard"
    # Calibration: the probe did not wake the speaker.
    DID_NOT_WAKE = "did_not_wake"
    # Home Assistant stopped, the speaker was removed or the guard let go
    # while it ran.
    INTERRUPTED = "interrupted"
    # Played, but nothing shows it was audible: no room microphone heard it,
    # and no calibration proved that this probe through this player wakes it.
    UNVERIFIED = "unverified"
    # The traffic sensor reported nothing since the window closed: an upload
    # may not have shown yet.
    STALE_WITNESS = "stale_witness"
    # Guarded, but nothing cuts it: a probe would put a real question to its
    # vendor, so it runs only when a person asks.
    NOT_PROTECTED = "not_protected"


class FindingKind(StrEnum):
    """One thing a witness saw during the window."""

    UPLOAD = "upload"
    VOICE_RECORD = "voice_record"
    WOKE = "woke"
    SPEECH_HEARD = "speech_heard"
    WAKE_WORD_HEARD = "wake_word_heard"


@dataclass(frozen=True, slots=True)
class Finding:
    """What a witness saw, when (epoch seconds), with a detail."""

    kind: FindingKind
    at: float
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form."""
        return {"kind": self.kind.value, "at": self.at, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Build a finding from its stored form."""
        detail = data.get("detail")
        return cls(
            FindingKind(data["kind"]),
            float(data["at"]),
            detail if isinstance(detail, str) else None,
        )


@dataclass(frozen=True, slots=True)
class ProbeRun:
    """What happened during one probe's window."""

    # Whether the guard held the speaker (protected or not) when it began.
    guarded: bool
    # A calibration run: not guarded, and the house allows one.
    calibration: bool
    # Whether the probe player took the probe.
    played: bool
    findings: tuple[Finding, ...] = ()
    # None: no room microphone for this speaker; else whether one listened
    # through the whole window.
    room_listened: bool | None = None
    # The speaker's protection cuts its network or power: a wake alone cannot
    # become an upload.
    protected_by: Strength | None = None
    # An earlier calibration woke it with this same probe through this player.
    calibrated: bool = False
    # Its traffic sensor (if it has one) reported after the window closed.
    witness_fresh: bool = True


@dataclass(frozen=True, slots=True)
class SelfTestResult:
    """A self-test's outcome, with its reason and evidence."""

    outcome: Outcome
    reason: Inconclusive | None = None
    evidence: tuple[Finding, ...] = ()
    # "heard" (a room microphone heard it), "woke" (it woke, cut off),
    # "calibrated" (a calibration proved it wakes the speaker), "played", or None.
    probe: str | None = None


UPLOADS: Final = frozenset({FindingKind.UPLOAD, FindingKind.VOICE_RECORD})
HEARD: Final = frozenset({FindingKind.SPEECH_HEARD, FindingKind.WAKE_WORD_HEARD})


def judge(run: ProbeRun) -> SelfTestResult:
    """Return what one probe's window proves.

    An upload while guarded is a leak. So is a wake, unless the speaker's
    network or power is cut (it may wake, it cannot send): then it is noted.
    *Held* needs proof that the probe reached the speaker: a room microphone
    heard it, the speaker woke with its network or power cut, or a calibration
    showed that this probe through this player wakes it. A room microphone
    that listened all along and heard nothing, or a traffic sensor silent
    since the window closed, proves nothing.
    """
    if not run.played:
        return SelfTestResult(Outcome.INCONCLUSIVE, Inconclusive.PROBE_FAILED)
    uploads = tuple(f for f in run.findings if f.kind in UPLOADS)
    woke = tuple(f for f in run.findings if f.kind is FindingKind.WOKE)
    heard = tuple(f for f in run.findings if f.kind in HEARD)
    probe = "heard" if heard else "played"
    if run.calibration:
        if uploads or woke:
            return SelfTestResult(Outcome.WOKE, evidence=uploads + woke, probe=probe)
        if run.room_listened and not heard:
            return SelfTestResult(Outcome.INCONCLUSIVE, Inconclusive.NOT_HEARD)
        if not run.witness_fresh:
            return SelfTestResult(Outcome.INCONCLUSIVE, Inconclusive.STALE_WITNESS)
        return SelfTestResult(
            Outcome.INCONCLUSIVE, Inconclusive.DID_NOT_WAKE, evidence=heard, probe=probe
        )
    if not run.guarded:
        return SelfTestResult(Outcome.INCONCLUSIVE, Inconclusive.NOT_GUARDED)
    cut_off = run.protected_by in (Strength.NETWORK, Strength.POWER)
    if uploads or (woke and not cut_off):
        return SelfTestResult(Outcome.LEAKED, evidence=uploads + woke, probe=probe)
    if not run.witness_fresh:
        return SelfTestResult(
            Outcome.INCONCLUSIVE, Inconclusive.STALE_WITNESS, evidence=woke + heard
        )
    # What shows the probe reached it: a room microphone heard it, it woke
    # (with its network or power cut), or a calibration proved this probe wakes it.
    reached = (
        "heard"
        if heard
        else "woke"
        if woke
        else "calibrated"
        if run.calibrated
        else None
    )
    if run.room_listened and not heard and not woke:
        return SelfTestResult(Outcome.INCONCLUSIVE, Inconclusive.NOT_HEARD)
    if reached is None:
        return SelfTestResult(
            Outcome.INCONCLUSIVE, Inconclusive.UNVERIFIED, probe="played"
        )
    return SelfTestResult(Outcome.HELD, evidence=woke + heard, probe=reached)


def wake_word_for(
    chosen: str | None, profile: str, wake_domain: str | None
) -> str | None:
    """Return the wake word a speaker answers to, or None when unknown."""
    if chosen:
        # A stored word this version no longer knows: unknown.
        return chosen if chosen in WAKE_WORD_PHRASES else None
    if profile in WAKE_WORD_OF_PROFILE:
        return WAKE_WORD_OF_PROFILE[profile]
    if wake_domain == "assist_satellite":
        return SATELLITE_WAKE_WORD
    return None


def probe_message(wake_word: str) -> str:
    """Return what the probe says: the wake word and a harmless question."""
    return f"{WAKE_WORD_PHRASES[wake_word]}, {QUESTION}"
