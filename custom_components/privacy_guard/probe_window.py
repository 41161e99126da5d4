"""What a self-test's witnesses saw during its window, judged by selftest.judge.

Only what began in the window is the probe's answer; a room microphone's
speech counts as the probe only in a room that was quiet just before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from .const import Strength
from .correlate import Correlator, EvidenceSource
from .monitor import HouseMonitor
from .room import Rooms
from .selftest import Finding, FindingKind

# Speech a room microphone hears counts as the probe only when it begins this
# soon after the probe was sent, in a room quiet for QUIET_BEFORE before it:
# a conversation or a television already under way is not the probe.
HEARD_WITHIN: Final = 8.0
QUIET_BEFORE: Final = 2.0


@dataclass(slots=True)
class Window:
    """What the witnesses of one speaker saw since a probe began."""

    speaker_id: str
    start: float
    uploads: list[Finding] = field(default_factory=list)
    # Whether the guard engaged or let go during the window, and the weakest
    # protection it showed meanwhile.
    moved: bool = False
    weakest: Strength | None = None
    # When the window closed (None while it is open).
    end: float | None = None


class Asking:
    """The probe's span in the correlator, from the probe to its window's end.

    For the speaker under test and every other in its reach that answers to
    the same wake word: what they send meanwhile is the probe's request, not a
    person's, a misactivation or one nobody asked for (see ``correlate.judge``).
    Opened only once the probe played: one that could not be played asked
    nothing.
    """

    __slots__ = ("correlator", "speaker_ids", "wake_word")

    def __init__(
        self, correlator: Correlator, speaker_ids: list[str], wake_word: str
    ) -> None:
        self.correlator = correlator
        self.speaker_ids = speaker_ids
        self.wake_word = wake_word

    def begin(self, at: float) -> None:
        """Open the span: the probe is being said."""
        for speaker_id in self.speaker_ids:
            self.correlator.open(
                speaker_id, EvidenceSource.SELF_TEST, at, detail=self.wake_word
            )

    def end(self, at: float) -> None:
        """Close the span (a second close, or one never opened, is ignored)."""
        for speaker_id in self.speaker_ids:
            self.correlator.close(speaker_id, EvidenceSource.SELF_TEST, at)


def findings(
    monitor: HouseMonitor,
    rooms: Rooms,
    watch: Window,
    end: float,
    wake_word: str,
    *,
    busy: bool,
) -> tuple[Finding, ...]:
    """Return what every witness of the speaker saw during the window.

    A room microphone counts as having heard the probe only for speech
    that began in the window or for the probe's own wake word: speech
    already under way, or another word, is someone else's. ``busy``: the
    rooms could not tell speech from the probe (see ``room_busy``).
    """
    speaker_id = watch.speaker_id
    found = list(watch.uploads)
    speaker = monitor.speakers.get(speaker_id)
    detector = speaker.detector if speaker is not None else None
    started = detector.in_progress if detector is not None else None
    # Still sending when the window closed, however long ago it began: an
    # upload all the same.
    if started is not None and started <= end:
        found.append(Finding(FindingKind.UPLOAD, started, "in progress"))
    correlator = monitor.correlator
    for item in correlator.between(speaker_id, watch.start, end):
        if item.start < watch.start:
            # A wake or record from before the probe is not its answer.
            continue
        if item.source in (EvidenceSource.SPEAKER_WOKE, EvidenceSource.WAKE_WORD):
            found.append(Finding(FindingKind.WOKE, item.start, item.source.value))
        elif item.source is EvidenceSource.VOICE_RECORD:
            # What the vendor heard stays out of the evidence.
            found.append(Finding(FindingKind.VOICE_RECORD, item.start))
    for room_id in correlator.rooms_of(speaker_id):
        room = rooms.rooms.get(room_id)
        name = room.name if room is not None else room_id
        for item in correlator.between(room_id, watch.start, end):
            if (
                item.source is EvidenceSource.SPEECH
                and not busy
                and watch.start <= item.start <= watch.start + HEARD_WITHIN
            ):
                found.append(Finding(FindingKind.SPEECH_HEARD, item.start, name))
            elif (
                item.source is EvidenceSource.WAKE_WORD
                and item.detail == wake_word
                and item.start >= watch.start
            ):
                found.append(
                    Finding(
                        FindingKind.WAKE_WORD_HEARD,
                        item.start,
                        f"{name}: {item.detail}",
                    )
                )
    found.sort(key=lambda finding: finding.at)
    return tuple(found)


def room_busy(correlator: Correlator, speaker_id: str, start: float) -> bool:
    """Return whether the rooms cannot tell speech from the probe at ``start``.

    So when one heard speech just before it, or none was listening through
    the QUIET_BEFORE seconds before it (talk then would have gone unheard).
    """
    before = start - QUIET_BEFORE
    room_ids = correlator.rooms_of(speaker_id)
    heard = any(
        item.source is EvidenceSource.SPEECH and item.start < start
        for room_id in room_ids
        for item in correlator.between(room_id, before, start)
    )
    return heard or not room_listened(correlator, speaker_id, before, start)


def room_listened(
    correlator: Correlator, speaker_id: str, start: float, end: float
) -> bool | None:
    """Return whether a room microphone listened through the whole window.

    None when the speaker has no room microphone.
    """
    room_ids = correlator.rooms_of(speaker_id)
    if not room_ids:
        return None
    return any(
        item.source is EvidenceSource.LISTENING
        and item.start <= start
        and (item.end is None or item.end >= end)
        for room_id in room_ids
        for item in correlator.between(room_id, start, end)
    )
