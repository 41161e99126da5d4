"""Tell asked-for uploads from unasked ones by the activity around them.

Pure logic with no Home Assistant imports. This module is the one place where
correlation happens: monitors (wake-word entities, the room microphone, DNS
logs) record what they saw, and whoever learns of an upload asks ``classify``.

Evidence is kept per *subject*, which is a speaker or a room. A room microphone
hears every speaker in its room, so evidence recorded for a room counts for all
speakers linked to it with ``link_room``. All times are seconds on one clock,
the same one the upload detector uses.

An upload is **solicited** when strong evidence (a wake word, or speech heard in
the room) overlaps the window from ``window`` seconds before the upload's start
to ``grace`` seconds after it. The grace is there because the detector only
knows an upload's start to the resolution of the traffic samples (it reports
the sample before the first busy interval) and entity states reach Home
Assistant with some delay, so a wake word can appear to follow the first bytes.

A DNS lookup is weaker: a speaker resolves its voice endpoint when it opens or
renews a connection, which it also does for keep-alives, firmware checks and
cached sessions, and many speakers keep one long-lived connection open for all
requests. A lookup therefore never makes an upload solicited; it is reported in
the verdict (``dns_seen``) as context.

When the guard was protecting the speaker, any upload is **while_protected**
(a leak), whatever the evidence: a muted or isolated speaker should send
nothing, wake word or not.
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

    WAKE_WORD = "wake_word"
    SPEECH = "speech"
    DNS = "dns"


class VerdictKind(StrEnum):
    """How an upload is classified."""

    SOLICITED = "solicited"
    UNSOLICITED = "unsolicited"
    WHILE_PROTECTED = "while_protected"


STRONG_SOURCES: Final = frozenset({EvidenceSource.WAKE_WORD, EvidenceSource.SPEECH})
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

    @property
    def dns_seen(self) -> bool:
        """Whether a DNS lookup fell in the window (context only, never proof)."""
        return any(item.source is EvidenceSource.DNS for item in self.evidence)

    @property
    def strong(self) -> tuple[Evidence, ...]:
        """The wake-word and speech evidence in the window."""
        return tuple(item for item in self.evidence if item.source in STRONG_SOURCES)


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
        "windows",
    )

    def __init__(
        self,
        *,
        windows: Mapping[str, float] | None = None,
        speaker_windows: Mapping[str, Mapping[str, float]] | None = None,
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

    def classify(
        self, speaker_id: str, upload_start: float, *, protected: bool
    ) -> Verdict:
        """Classify an upload that began at ``upload_start``."""
        found = self.evidence(speaker_id, upload_start)
        if protected:
            kind = VerdictKind.WHILE_PROTECTED
        elif any(item.source in STRONG_SOURCES for item in found):
            kind = VerdictKind.SOLICITED
        else:
            kind = VerdictKind.UNSOLICITED
        return Verdict(kind, found)


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
