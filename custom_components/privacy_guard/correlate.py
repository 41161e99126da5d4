"""Say who asked for an upload, resting only on what was witnessed.

Pure logic with no Home Assistant imports. This module is the one place where
correlation happens: monitors (wake-word entities, the room microphone, vendor
voice records, DNS logs) record what they saw, and whoever learns of an upload
asks ``classify``.

Evidence is kept per *subject*, which is a speaker or a room. A room microphone
hears every speaker in its room, so evidence recorded for a room counts for all
speakers linked to it with ``link_room``. All times are seconds on one clock,
the same one the upload detector uses. Evidence counts when it overlaps the
window from ``window`` seconds before the upload's start to ``grace`` seconds
after it (the detector knows an upload's start only to the resolution of the
traffic samples, and states reach Home Assistant with some delay).

Who asked (Dubois et al., PETS 2020, saw smart speakers wake about once an hour
on TV dialogue; LeakyPick found 89 words that falsely wake an Echo Dot):

- **leak**: the guard was protecting the speaker; whatever else was seen.
- **requested**: an independent local witness heard the wake word just before:
  a room microphone's wake-word spotter, or a local satellite whose own
  on-device wake word fired. Speech in the room is not a request. While
  Privacy Guard's self-test says a wake word to the speaker, the request is
  the probe's (witness ``self_test``), unless the evidence says otherwise: a
  room heard a wake word the probe did not say (a person), or a room listened
  throughout and heard nobody (the probe did not carry there).
- **misactivation**: a room microphone that spots wake words was listening and
  heard people talking, but no wake word: the speaker woke on speech that only
  resembled it. A vendor's voice record whose content shows it was not meant
  for the speaker is one too.
- **silent**: a room microphone was listening and heard nobody at all.
- Without a listening room microphone, only the speaker's own report remains:
  it woke (a vendor voice record, Alexa's ``last_called``, a wake-word entity
  of the vendor's) gives **requested** resting on the speaker's word, which
  proves an upload, not a request; nothing at all gives **unsolicited**.

Each verdict names the witness it rests on. A DNS lookup never decides
anything: a speaker resolves its voice endpoint for keep-alives too; it is
reported as context (``dns_seen``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Final


class EvidenceSource(StrEnum):
    """Where a piece of activity evidence came from."""

    # A local witness heard the wake word: a room microphone's spotter (for a
    # room) or a local satellite's own on-device wake word (for a speaker).
    WAKE_WORD = "wake_word"
    # A room microphone heard people talking.
    SPEECH = "speech"
    # A room microphone was connected and listening (``detail``: "spotting"
    # when it also spots wake words).
    LISTENING = "listening"
    # The speaker's own report that it woke (a vendor's wake-word entity or
    # attribute): evidence of an upload, not of a request.
    SPEAKER_WOKE = "speaker_woke"
    # A vendor's voice record of the speaker (alexa_devices, Alexa Media).
    VOICE_RECORD = "voice_record"
    DNS = "dns"
    # Privacy Guard's own self-test said the speaker's wake word near it: the
    # span from the probe to the end of its window.
    SELF_TEST = "self_test"


class VerdictKind(StrEnum):
    """Who asked for an upload."""

    REQUESTED = "requested"
    MISACTIVATION = "misactivation"
    SILENT = "silent"
    UNSOLICITED = "unsolicited"
    LEAK = "leak"


class Witness(StrEnum):
    """What a verdict rests on."""

    ROOM_MICROPHONE = "room_microphone"
    SATELLITE = "satellite"
    # The speaker's own (vendor's) word: it woke, or kept a voice record.
    SPEAKER = "speaker"
    GUARD = "guard"
    # Privacy Guard's self-test asked it (its probe said the wake word).
    SELF_TEST = "self_test"
    NONE = "none"


SPOTTING: Final = "spotting"
SATELLITE: Final = "satellite"
DEFAULT_WINDOW: Final = 5.0
DEFAULT_GRACE: Final = 1.0
DEFAULT_HORIZON: Final = 3600.0
DEFAULT_MAX_ITEMS: Final = 256


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of activity: a moment (start == end) or a span.

    ``end`` is None while the activity is still going on. ``room_id`` is set
    when the evidence was recorded for a room linked to the speaker.
    """

    source: EvidenceSource
    start: float
    end: float | None
    detail: str | None = None
    room_id: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Classification of one upload, with the evidence found around it."""

    kind: VerdictKind
    evidence: tuple[Evidence, ...]
    witness: Witness = Witness.NONE

    @property
    def dns_seen(self) -> bool:
        """Whether a DNS lookup fell in the window (context only, never proof)."""
        return any(item.source is EvidenceSource.DNS for item in self.evidence)

    @property
    def voice_record(self) -> bool:
        """Whether the vendor kept a voice record of it."""
        return any(item.source is EvidenceSource.VOICE_RECORD for item in self.evidence)

    def of(self, source: EvidenceSource) -> tuple[Evidence, ...]:
        """Return the evidence from one source."""
        return tuple(item for item in self.evidence if item.source is source)


def spotted_words(detail: str | None) -> frozenset[str] | None:
    """Return the wake words a listening span's spotter spots.

    None when it spots none; an empty set when it spots words it did not name
    (``"spotting"`` alone, as stored by earlier releases).
    """
    if detail is None or not detail.startswith(SPOTTING):
        return None
    _, _, words = detail.partition(":")
    return frozenset(word for word in words.split(",") if word)


def judge(
    found: Iterable[Evidence],
    *,
    protected: bool,
    not_meant: bool = False,
    answers_to: frozenset[str] | None = None,
    listened: tuple[float, float] | None = None,
) -> Verdict:
    """Return the verdict the evidence around one upload supports.

    ``not_meant``: the vendor's own voice record shows the audio was not meant
    for the speaker (no command, only the wake word).
    ``answers_to``: the wake words the speaker answers to. A room's spotted
    wake word witnesses a request only when it is one of them, and a room's
    spotter tells a misactivation only when it spots one of them. None: any
    (evidence judged without knowing the speaker).
    ``listened``: the span a room must have listened through, all of it, for
    its silence or its speech to decide anything.
    """
    evidence = tuple(found)
    if protected:
        return Verdict(VerdictKind.LEAK, evidence, Witness.GUARD)

    def answered(item: Evidence) -> bool:
        # A satellite's own wake word is its own; a room's must be the speaker's.
        return item.room_id is None or answers_to is None or item.detail in answers_to

    wake = [
        item
        for item in evidence
        if item.source is EvidenceSource.WAKE_WORD and answered(item)
    ]
    listening = [
        item
        for item in evidence
        if item.source is EvidenceSource.LISTENING
        and (
            listened is None
            or (
                item.start <= listened[0]
                and (item.end is None or item.end >= listened[1])
            )
        )
    ]
    spotting = False
    for item in listening:
        words = spotted_words(item.detail)
        if words is not None and (answers_to is None or words & answers_to):
            spotting = True
    talking = any(item.source is EvidenceSource.SPEECH for item in evidence)
    probed = {
        item.detail
        for item in evidence
        if item.source is EvidenceSource.SELF_TEST and item.room_id is None
    }
    if (
        probed
        and not (listening and not talking)
        and all(item.room_id is None or item.detail in probed for item in wake)
    ):
        # The self-test's probe said the wake word, and nothing says someone
        # else asked: a room heard only the probe's word, or speech (the
        # probe's question) where it listened.
        return Verdict(VerdictKind.REQUESTED, evidence, Witness.SELF_TEST)
    if wake:
        witness = (
            Witness.ROOM_MICROPHONE
            if any(item.room_id is not None for item in wake)
            else Witness.SATELLITE
        )
        return Verdict(VerdictKind.REQUESTED, evidence, witness)
    if listening and not talking:
        # Nobody said anything in the room: not even a mistaken wake.
        return Verdict(VerdictKind.SILENT, evidence, Witness.ROOM_MICROPHONE)
    if spotting and talking:
        # People talked and the spotter heard none of the speaker's wake words.
        return Verdict(VerdictKind.MISACTIVATION, evidence, Witness.ROOM_MICROPHONE)
    if not_meant:
        return Verdict(VerdictKind.MISACTIVATION, evidence, Witness.SPEAKER)
    sources = {item.source for item in evidence}
    if sources & {EvidenceSource.SPEAKER_WOKE, EvidenceSource.VOICE_RECORD}:
        # Only as the speaker reports it: proof of an upload, not of a request.
        return Verdict(VerdictKind.REQUESTED, evidence, Witness.SPEAKER)
    return Verdict(VerdictKind.UNSOLICITED, evidence, Witness.NONE)


type _Span = tuple[float, float, str | None]


class Correlator:
    """Keep recent activity per speaker or room and classify uploads against it.

    Memory is bounded: per subject and source at most ``max_items`` finished
    spans plus one open span, and spans that ended more than ``horizon``
    seconds before the newest time seen are dropped. The horizon must cover the
    longest upload that is classified only once it is finished.
    """

    __slots__ = (
        "_history",
        "_latest",
        "_open",
        "_rooms",
        "grace",
        "horizon",
        "max_items",
        "speaker_windows",
        "speaker_words",
        "windows",
    )

    def __init__(
        self,
        *,
        windows: Mapping[str, float] | None = None,
        speaker_windows: Mapping[str, Mapping[str, float]] | None = None,
        speaker_words: Mapping[str, frozenset[str]] | None = None,
        grace: float = DEFAULT_GRACE,
        horizon: float = DEFAULT_HORIZON,
        max_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        resolved = _resolve_windows(
            windows, dict.fromkeys(EvidenceSource, DEFAULT_WINDOW)
        )
        if not 0.0 <= grace < math.inf:
            raise ValueError(f"grace must be finite and >= 0: {grace}")
        if not 0.0 < horizon < math.inf:
            raise ValueError(f"horizon must be finite and > 0: {horizon}")
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1: {max_items}")
        self.windows: Final[Mapping[EvidenceSource, float]] = resolved
        # A speaker's own windows (its wake-word window) before the defaults.
        self.speaker_windows: Final[Mapping[str, Mapping[EvidenceSource, float]]] = {
            speaker_id: _resolve_windows(overrides, dict(resolved))
            for speaker_id, overrides in (speaker_windows or {}).items()
        }
        # The wake words each speaker answers to (see ``judge``).
        self.speaker_words: Final[Mapping[str, frozenset[str]]] = dict(
            speaker_words or {}
        )
        self.grace: Final = float(grace)
        self.horizon: Final = float(horizon)
        self.max_items: Final = max_items
        self._history: dict[str, dict[EvidenceSource, deque[_Span]]] = {}
        self._open: dict[str, dict[EvidenceSource, tuple[float, str | None]]] = {}
        self._rooms: dict[str, frozenset[str]] = {}
        self._latest = -math.inf

    # -- rooms -------------------------------------------------------------

    def link_room(self, room_id: str, speaker_ids: Iterable[str]) -> None:
        """Make evidence recorded for ``room_id`` count for these speakers."""
        self._rooms[room_id] = frozenset(speaker_ids)

    def unlink_room(self, room_id: str) -> None:
        """Stop sharing a room's evidence with any speaker."""
        self._rooms.pop(room_id, None)

    def rooms_of(self, speaker_id: str) -> list[str]:
        """Rooms whose evidence counts for a speaker, sorted."""
        return sorted(room for room, ids in self._rooms.items() if speaker_id in ids)

    # -- recording ---------------------------------------------------------

    def record(
        self,
        speaker_id: str,
        source: str,
        start: float,
        end: float | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        """Record a moment (no ``end``) or a finished span of activity.

        ``speaker_id`` may also be a room id linked with ``link_room``.
        ``detail`` is free text kept with it, such as the name looked up.
        """
        kind = EvidenceSource(source)
        _check_time(start)
        if end is None:
            end = start
        else:
            _check_time(end)
            end = max(end, start)
        self._latest = max(self._latest, end)
        spans = self._history.setdefault(speaker_id, {}).get(kind)
        if spans is None:
            spans = self._history[speaker_id][kind] = deque(maxlen=self.max_items)
        spans.append((start, end, detail))
        cutoff = self._latest - self.horizon
        # Spans arrive mostly in time order, so the stale ones sit on the left.
        while spans and spans[0][1] < cutoff:
            spans.popleft()

    def open(
        self,
        speaker_id: str,
        source: str,
        start: float,
        *,
        detail: str | None = None,
    ) -> None:
        """Mark activity as going on since ``start`` (kept if already open)."""
        kind = EvidenceSource(source)
        _check_time(start)
        self._latest = max(self._latest, start)
        ongoing = self._open.setdefault(speaker_id, {})
        # A wake-word entity passes through several active states in a row:
        # the span began with the first of them.
        if kind not in ongoing:
            ongoing[kind] = (start, detail)

    def close(self, speaker_id: str, source: str, end: float) -> None:
        """End activity opened with ``open``; a close without an open is ignored."""
        kind = EvidenceSource(source)
        _check_time(end)
        ongoing = self._open.get(speaker_id)
        if ongoing is None or kind not in ongoing:
            return
        start, detail = ongoing.pop(kind)
        if not ongoing:
            del self._open[speaker_id]
        self.record(speaker_id, kind, start, end, detail=detail)

    def open_detail(self, speaker_id: str, source: str) -> str | None:
        """Return the detail of activity going on for this subject, if any."""
        ongoing = self._open.get(speaker_id, {}).get(EvidenceSource(source))
        return None if ongoing is None else ongoing[1]

    def is_open(self, speaker_id: str, source: str) -> bool:
        """Whether activity from ``source`` is going on for this subject."""
        return EvidenceSource(source) in self._open.get(speaker_id, {})

    def forget(self, subject_id: str) -> None:
        """Drop all evidence and room links of a speaker or room."""
        self._history.pop(subject_id, None)
        self._open.pop(subject_id, None)
        self._rooms.pop(subject_id, None)
        for room, ids in list(self._rooms.items()):
            if subject_id in ids:
                self._rooms[room] = ids - {subject_id}

    def prune(self, now: float) -> None:
        """Drop spans that ended more than ``horizon`` seconds before ``now``."""
        _check_time(now)
        self._latest = max(self._latest, now)
        cutoff = self._latest - self.horizon
        for subject in list(self._history):
            by_source = self._history[subject]
            for kind in list(by_source):
                kept = [span for span in by_source[kind] if span[1] >= cutoff]
                if kept:
                    by_source[kind] = deque(kept, maxlen=self.max_items)
                else:
                    del by_source[kind]
            if not by_source:
                del self._history[subject]

    def __len__(self) -> int:
        """Return the number of spans held, open ones included."""
        finished = sum(
            len(spans) for by in self._history.values() for spans in by.values()
        )
        return finished + sum(len(by) for by in self._open.values())

    # -- classifying -------------------------------------------------------

    def evidence(self, speaker_id: str, upload_start: float) -> tuple[Evidence, ...]:
        """Evidence of every source in its window around an upload's start."""
        _check_time(upload_start)
        found: list[Evidence] = []
        upper = upload_start + self.grace
        subjects = [(speaker_id, None), *((r, r) for r in self.rooms_of(speaker_id))]
        windows = self.speaker_windows.get(speaker_id, self.windows)
        for subject, room in subjects:
            for kind, spans in self._history.get(subject, {}).items():
                lower = upload_start - windows[kind]
                found.extend(
                    Evidence(kind, start, end, detail, room)
                    for start, end, detail in spans
                    if start <= upper and end >= lower
                )
            for kind, (start, detail) in self._open.get(subject, {}).items():
                if start <= upper:
                    found.append(Evidence(kind, start, None, detail, room))
        found.sort(key=lambda item: (item.start, item.source))
        return tuple(found)

    def between(self, subject: str, start: float, end: float) -> tuple[Evidence, ...]:
        """Return the evidence of one speaker or room that overlaps [start, end]."""
        _check_time(start)
        _check_time(end)
        found = [
            Evidence(kind, first, last, detail)
            for kind, spans in self._history.get(subject, {}).items()
            for first, last, detail in spans
            if first <= end and last >= start
        ]
        found.extend(
            Evidence(kind, first, None, detail)
            for kind, (first, detail) in self._open.get(subject, {}).items()
            if first <= end
        )
        found.sort(key=lambda item: (item.start, item.source))
        return tuple(found)

    def classify(
        self,
        speaker_id: str,
        upload_start: float,
        *,
        protected: bool,
        not_meant: bool = False,
    ) -> Verdict:
        """Classify an upload that began at ``upload_start`` (see ``judge``).

        A room decides only if it listened through the whole listening window
        before the upload's start and its grace after.
        """
        windows = self.speaker_windows.get(speaker_id, self.windows)
        return judge(
            self.evidence(speaker_id, upload_start),
            protected=protected,
            not_meant=not_meant,
            answers_to=self.speaker_words.get(speaker_id),
            listened=(
                upload_start - windows[EvidenceSource.LISTENING],
                upload_start + self.grace,
            ),
        )


def _resolve_windows(
    windows: Mapping[str, float] | None, resolved: dict[EvidenceSource, float]
) -> dict[EvidenceSource, float]:
    """Return ``resolved`` with ``windows`` checked and laid over it."""
    for source, window in (windows or {}).items():
        if not 0.0 <= window < math.inf:
            raise ValueError(f"window for {source} must be finite and >= 0")
        resolved[EvidenceSource(source)] = float(window)
    return resolved


def _check_time(value: float) -> None:
    if not -math.inf < value < math.inf:
        raise ValueError(f"time must be a finite number of seconds: {value}")
