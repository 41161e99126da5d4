"""The self-test in Home Assistant: play a probe near a speaker, watch its witnesses.

What the window proves is decided by the pure ``selftest.judge``; this module
plays the probe (``tts.speak`` with the house's chosen TTS engine, or a clip
the integration ships and serves locally), collects what every witness of the
speaker saw, keeps the latest result per speaker, and tells Home Assistant
(entities, an event, a logbook line, a repair issue on a leak). It never
drives a control and never writes the ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.media_player.const import (
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, State, callback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util

from .const import (
    CONF_CALIBRATION,
    CONF_PROBE_TTS,
    CONF_SELF_TEST_DAYS,
    CUTTING,
    DOMAIN,
    EVENT_SELF_TEST,
    LOGGER,
    PrivacyState,
    Strength,
)
from .correlate import EvidenceSource
from .detector import Upload
from .protection import STATE_OF
from .repairs import Issue, async_clear, async_raise
from .selftest import (
    DEFAULT_WINDOW,
    Finding,
    FindingKind,
    Inconclusive,
    Outcome,
    ProbeRun,
    SelfTestResult,
    judge,
    probe_message,
    wake_word_for,
)
from .signals import async_follow, async_follow_uploads, async_notify

if TYPE_CHECKING:
    from .correlate import Verdict
    from .guard import Guard
    from .monitor import HouseMonitor
    from .room import Rooms

STORAGE_VERSION = 1
# Where the shipped probe clips are served (no login: a speaker fetches them).
CLIP_URL: Final = "/privacy_guard/probe"
CLIP_DIR: Final = Path(__file__).parent / "probe"
# How long a probe player may take to accept the probe.
PLAY_TIMEOUT: Final = 15.0
SCHEDULE_CHECK: Final = timedelta(hours=1)
# How long to wait, after the window, for the traffic sensor's next reading.
FRESH_WAIT: Final = 30
DAY: Final = 86400.0
# Speech a room microphone hears counts as the probe only when it begins this
# soon after the probe was sent, in a room quiet for QUIET_BEFORE before it:
# a conversation or a television already under way is not the probe.
HEARD_WITHIN: Final = 8.0
QUIET_BEFORE: Final = 2.0
# A calibration older than this proves nothing any more (players move).
CALIBRATION_MAX_AGE: Final = timedelta(days=30)
# How far the wall clock may drift from the loop's during a window before the
# times the witnesses report can no longer be compared with it.
CLOCK_SLACK: Final = 5.0
UNAVAILABLE_STATES: Final = (STATE_UNAVAILABLE, STATE_UNKNOWN)
# A running self-test, shown by its sensor.
RUNNING: Final = "running"


@dataclass(slots=True)
class StoredResult:
    """A speaker's latest self-test, as kept and shown."""

    outcome: Outcome
    at: datetime
    reason: Inconclusive | None = None
    evidence: tuple[Finding, ...] = ()
    probe: str | None = None
    calibration: bool = False
    # The speaker was exposed (a control of the guard's failed) when it began.
    exposed: bool = False
    wake_word: str | None = None
    player: str | None = None
    # What went wrong playing the probe, when it did.
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form (also the action's response)."""
        return {
            "result": self.outcome.value,
            "at": self.at.isoformat(),
            "reason": self.reason.value if self.reason else None,
            "evidence": [finding.as_dict() for finding in self.evidence],
            "probe": self.probe,
            "calibration": self.calibration,
            "exposed": self.exposed,
            "wake_word": self.wake_word,
            "player": self.player,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredResult:
        """Build a result from its stored form."""
        reason = data.get("reason")
        at = dt_util.parse_datetime(str(data.get("at", "")))
        if at is None:
            raise ValueError("a stored self-test has no time")
        return cls(
            outcome=Outcome(data["result"]),
            at=at,
            reason=Inconclusive(reason) if reason else None,
            evidence=tuple(
                Finding.from_dict(item) for item in data.get("evidence", ())
            ),
            probe=data.get("probe"),
            calibration=bool(data.get("calibration", False)),
            exposed=bool(data.get("exposed", False)),
            wake_word=data.get("wake_word"),
            player=data.get("player"),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class Calibration:
    """A probe that woke the speaker while it was not guarded."""

    player: str
    wake_word: str
    # The TTS entity that spoke it, or "clip".
    voice: str
    at: datetime
    # The player's volume then, where it reports one: a quieter probe later
    # may not reach the speaker.
    volume: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return {
            "player": self.player,
            "wake_word": self.wake_word,
            "voice": self.voice,
            "at": self.at.isoformat(),
            "volume": self.volume,
        }

    def holds_for(
        self,
        player: str,
        wake_word: str,
        voice: str,
        volume: float | None,
        now: datetime,
    ) -> bool:
        """Return whether this calibration shows the same probe reaches it now."""
        if (self.player, self.wake_word, self.voice) != (player, wake_word, voice):
            return False
        if now - self.at > CALIBRATION_MAX_AGE or now < self.at:
            return False
        return self.volume is None or (volume is not None and volume >= self.volume)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Build a calibration from its stored form."""
        at = dt_util.parse_datetime(str(data.get("at", "")))
        if at is None:
            raise ValueError("a stored calibration has no time")
        volume = data.get("volume")
        return cls(
            str(data["player"]),
            str(data["wake_word"]),
            str(data["voice"]),
            at,
            float(volume) if isinstance(volume, int | float) else None,
        )


def weaker(first: Strength | None, second: Strength | None) -> Strength | None:
    """Return the weaker of two protections (None: not protected)."""
    if first is None or second is None:
        return None
    order = list(STATE_OF)
    return first if order.index(first) >= order.index(second) else second


@dataclass(slots=True)
class _Watch:
    """What the witnesses of one speaker saw since a probe began."""

    speaker_id: str
    start: float
    uploads: list[Finding] = field(default_factory=list)
    # Whether the guard engaged or let go during the window, and the weakest
    # protection it showed meanwhile.
    moved: bool = False
    weakest: Strength | None = None


class SelfTester:
    """Runs self-tests and keeps each speaker's latest result."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        guard: Guard,
        monitor: HouseMonitor,
        rooms: Rooms,
    ) -> None:
        """Bind the tester to the house's parts."""
        self.hass = hass
        self.entry = entry
        self.guard = guard
        self.monitor = monitor
        self.rooms = rooms
        self.results: dict[str, StoredResult] = {}
        self.calibrations: dict[str, Calibration] = {}
        self.running: set[str] = set()
        # Asked for and not finished (running, or waiting for its room).
        self.pending: set[str] = set()
        self._finished: dict[str, asyncio.Event] = {}
        # Evidence may quote what a vendor heard: kept private.
        self._store: Store[dict[str, Any]] = Store(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry.entry_id}.self_tests",
            private=True,
        )
        self._scheduled_at: float | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._watches: list[_Watch] = []
        self._waits: set[asyncio.Event] = set()
        self._unsubs: list[CALLBACK_TYPE] = []
        self._stopping = False

    # ------------------------------------------------------------------ life
    async def async_start(self) -> None:
        """Load the stored results and start the schedule."""
        stored = await self._store.async_load() or {}
        for speaker_id, data in (stored.get("results") or {}).items():
            if speaker_id not in self.guard.speakers:
                # A removed speaker's leak is no longer anyone's to repair.
                async_clear(self.hass, Issue.SELF_TEST_LEAKED, speaker_id)
                continue
            if not isinstance(data, dict):
                continue
            try:
                self.results[speaker_id] = StoredResult.from_dict(data)
            except (KeyError, TypeError, ValueError) as err:
                LOGGER.debug("Dropped a damaged self-test result: %s", err)
        for speaker_id, data in (stored.get("calibrations") or {}).items():
            if speaker_id not in self.guard.speakers or not isinstance(data, dict):
                continue
            try:
                self.calibrations[speaker_id] = Calibration.from_dict(data)
            except (KeyError, TypeError, ValueError) as err:
                LOGGER.debug("Dropped a damaged calibration: %s", err)
        scheduled = stored.get("scheduled_at")
        if isinstance(scheduled, int | float):
            self._scheduled_at = float(scheduled)
        self._unsubs.append(
            async_follow_uploads(self.hass, self.entry.entry_id, self._upload)
        )
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._async_check_schedule, SCHEDULE_CHECK
            )
        )

    async def async_stop(self) -> None:
        """Stop the schedule; a self-test still running ends inconclusive."""
        self._stopping = True
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        for wait in self._waits:
            wait.set()
        # Let running tests record their (interrupted) outcome first.
        for lock in list(self._locks.values()):
            async with lock:
                pass
        await self._store.async_save(self._data())

    def _data(self) -> dict[str, Any]:
        return {
            "results": {sid: result.as_dict() for sid, result in self.results.items()},
            "calibrations": {
                sid: calibration.as_dict()
                for sid, calibration in self.calibrations.items()
            },
            "scheduled_at": self._scheduled_at,
        }

    # ---------------------------------------------------------------- lookups
    def probe_player(self, speaker_id: str) -> str | None:
        """Return the speaker's probe player: its own, else its room's."""
        config = self.guard.speakers[speaker_id].config
        if config.probe_player:
            return config.probe_player
        return next(
            (
                room.probe_player
                for room in self.rooms.rooms.values()
                if speaker_id in room.speakers and room.probe_player
            ),
            None,
        )

    def probe_voice(self) -> str:
        """Return what speaks the probe: the house's TTS entity, or "clip"."""
        tts = self.entry.options.get(CONF_PROBE_TTS)
        return tts if tts and self.hass.states.get(tts) is not None else "clip"

    def _lock_keys(self, speaker_id: str, player: str | None) -> tuple[str, ...]:
        """Return what one probe at a time goes through: its rooms and its player.

        Speakers of one room hear each other's probes, whichever player plays;
        speakers sharing a player cannot both play on it. Sorted, so that two
        runs take them in one order.
        """
        rooms = [
            f"room:{room_id}"
            for room_id, room in self.rooms.rooms.items()
            if speaker_id in room.speakers
        ]
        return tuple(sorted({*rooms, f"player:{player or ''}"}))

    def wake_word(self, speaker_id: str) -> str | None:
        """Return the wake word the probe says to this speaker, if known."""
        config = self.guard.speakers[speaker_id].config
        wake_domain = (
            config.wake_entity.split(".", 1)[0] if config.wake_entity else None
        )
        return wake_word_for(config.wake_word, config.profile, wake_domain)

    def _witnesses(self, speaker_id: str) -> list[str]:
        """Return the speaker's witnesses that can see something now."""
        config = self.guard.speakers[speaker_id].config
        return [
            entity_id
            for entity_id in (
                config.traffic_entity,
                config.voice_entity,
                config.wake_entity,
            )
            if entity_id
            and (state := self.hass.states.get(entity_id)) is not None
            and state.state != STATE_UNAVAILABLE
        ]

    # -------------------------------------------------------------- running
    async def async_run(
        self,
        speaker_ids: Iterable[str] | None = None,
        window: float = DEFAULT_WINDOW,
        *,
        person: bool = False,
        scheduled: bool = False,
    ) -> dict[str, StoredResult]:
        """Self-test the given speakers (all by default); return their results.

        ``person``: a person asked (a user's call or press): only then may a
        probe reach a guarded speaker that nothing cuts, or calibrate an open
        one (either puts a real question to its vendor). ``scheduled``: the
        schedule's run, which probes only while the house stays empty.

        Speakers of one room (or sharing a probe player) are tested one after
        another, so none hears another's probe; the others at the same time.
        A speaker already being tested is not tested twice: its running test's
        result is awaited and answered. Only results of probes that ran now are
        answered (a scheduled run that found someone home has none).
        """
        targets = (
            list(speaker_ids) if speaker_ids is not None else list(self.guard.speakers)
        )
        since = dt_util.utcnow()
        groups: dict[str, list[tuple[str, str | None]]] = {}
        others: list[asyncio.Event] = []
        for speaker_id in targets:
            if speaker_id in self.pending:
                others.append(self._finished[speaker_id])
                continue
            self._finished[speaker_id] = asyncio.Event()
            player = self.probe_player(speaker_id)
            groups.setdefault(self._lock_keys(speaker_id, player)[0], []).append(
                (speaker_id, player)
            )
            self.pending.add(speaker_id)

        async def _group(key: str, members: list[tuple[str, str | None]]) -> None:
            try:
                for speaker_id, player in members:
                    await self._async_run_one(
                        speaker_id=speaker_id,
                        player=player,
                        window=window,
                        person=person,
                        scheduled=scheduled,
                    )
                    self._done(speaker_id)
            finally:
                for speaker_id, _player in members:
                    self._done(speaker_id)

        await asyncio.gather(*(_group(key, m) for key, m in groups.items()))
        for finished in others:
            await finished.wait()
        return {
            sid: result
            for sid in targets
            if (result := self.results.get(sid)) is not None and result.at >= since
        }

    def _done(self, speaker_id: str) -> None:
        """Note a speaker's test ended; wake whoever waits for its result."""
        self.pending.discard(speaker_id)
        if (finished := self._finished.pop(speaker_id, None)) is not None:
            finished.set()

    async def _async_run_one(
        self,
        *,
        speaker_id: str,
        player: str | None,
        window: float,
        person: bool,
        scheduled: bool,
    ) -> None:
        async with contextlib.AsyncExitStack() as locks:
            for key in self._lock_keys(speaker_id, player):
                await locks.enter_async_context(
                    self._locks.setdefault(key, asyncio.Lock())
                )
            if self._stopping or speaker_id not in self.guard.speakers:
                return
            self.running.add(speaker_id)
            self._notify(speaker_id)
            try:
                result = await self._async_probe(
                    speaker_id, player, window, person, scheduled
                )
            except asyncio.CancelledError:
                # Its entry unloads (Home Assistant cancels the task first).
                self.running.discard(speaker_id)
                self._record(
                    speaker_id,
                    StoredResult(
                        Outcome.INCONCLUSIVE,
                        dt_util.utcnow(),
                        reason=Inconclusive.INTERRUPTED,
                        player=player,
                    ),
                )
                raise
            finally:
                self.running.discard(speaker_id)
            if speaker_id not in self.guard.speakers:
                return
            if result is None:
                # A scheduled probe found someone home: not run, nothing to say.
                self._notify(speaker_id)
                return
            self._record(speaker_id, result)

    async def _async_probe(
        self,
        speaker_id: str,
        player: str | None,
        window: float,
        person: bool,
        scheduled: bool,
    ) -> StoredResult | None:
        """Play one probe and judge its window (None: not run after all)."""
        if scheduled and not self.guard.house_empty:
            return None
        view = self.guard.view(speaker_id)
        guarded = view.engaged
        calibration = (
            not guarded
            and person
            and not scheduled
            and bool(self.entry.options.get(CONF_CALIBRATION))
        )
        wake_word = self.wake_word(speaker_id)
        voice = self.probe_voice()
        base = StoredResult(
            Outcome.INCONCLUSIVE,
            dt_util.utcnow(),
            calibration=calibration,
            exposed=view.privacy_state is PrivacyState.EXPOSED,
            wake_word=wake_word,
            player=player,
        )
        if not guarded and not calibration:
            base.reason = Inconclusive.NOT_GUARDED
        elif guarded and not person and view.protected_by not in CUTTING:
            # Unasked, a probe may reach only a speaker whose microphone,
            # network or power is cut (a DNS block leaves a connection open).
            base.reason = Inconclusive.NOT_PROTECTED
        elif not self._witnesses(speaker_id):
            base.reason = Inconclusive.NO_WITNESS
        elif wake_word is None:
            base.reason = Inconclusive.NO_WAKE_WORD
        elif player is None:
            base.reason = Inconclusive.NO_PROBE_PLAYER
        if base.reason is not None or wake_word is None or player is None:
            return base
        volume = _volume(self.hass.states.get(player))
        watch = _Watch(speaker_id, time.time(), weakest=view.protected_by)
        began = time.monotonic()
        self._watches.append(watch)

        @callback
        def _changed() -> None:
            # The guard's view of the speaker at every change during the window.
            now = self.guard.view(speaker_id)
            watch.moved = watch.moved or now.engaged != guarded
            watch.weakest = weaker(watch.weakest, now.protected_by)

        unfollow = async_follow(self.hass, self.entry.entry_id, speaker_id, _changed)
        try:
            base.error = await self._async_play(player, wake_word)
            if base.error is None and not self._stopping:
                await self._async_wait(window)
            end, ended = time.time(), time.monotonic()
            fresh = base.error is not None or await self._async_fresh(
                speaker_id, watch.start, end
            )
            found = self._findings(watch, end, wake_word)
        finally:
            unfollow()
            self._watches.remove(watch)
        if self._stopping or speaker_id not in self.guard.speakers:
            base.reason = Inconclusive.INTERRUPTED
            return base
        _changed()
        if (
            watch.moved
            or (scheduled and not self.guard.house_empty)
            or abs((end - watch.start) - (ended - began)) > CLOCK_SLACK
        ):
            # The guard engaged or let go meanwhile, people came home during a
            # scheduled run, or the wall clock jumped: the window proves nothing.
            base.reason = Inconclusive.INTERRUPTED
            return base
        if calibration:
            # Only what began in the window shows this probe woke it.
            found = tuple(item for item in found if item.at >= watch.start)
        now = dt_util.utcnow()
        calibrated = self.calibrations.get(speaker_id)
        room_listened = self._room_listened(speaker_id, watch.start, end)
        if room_listened is not None and self._room_busy(speaker_id, watch.start):
            # Speech already under way: the room cannot tell the probe apart.
            room_listened = None
        verdict: SelfTestResult = judge(
            ProbeRun(
                guarded=guarded,
                calibration=calibration,
                played=base.error is None,
                findings=found,
                room_listened=room_listened,
                protected_by=watch.weakest,
                calibrated=calibrated is not None
                and calibrated.holds_for(player, wake_word, voice, volume, now),
                witness_fresh=fresh,
            )
        )
        base.outcome = verdict.outcome
        base.reason = verdict.reason
        base.evidence = verdict.evidence
        base.probe = verdict.probe
        base.at = now
        if verdict.outcome is Outcome.WOKE:
            self.calibrations[speaker_id] = Calibration(
                player, wake_word, voice, base.at, volume
            )
        elif verdict.reason is Inconclusive.DID_NOT_WAKE:
            # This probe does not wake it (any more): no later held rests on it.
            self.calibrations.pop(speaker_id, None)
        return base

    async def _async_play(self, player: str, wake_word: str) -> str | None:
        """Play the probe; return what went wrong, or None."""
        state = self.hass.states.get(player)
        if state is None or state.state in UNAVAILABLE_STATES:
            return f"{player} is not available"
        if state.attributes.get(ATTR_MEDIA_VOLUME_MUTED) is True:
            return f"{player} is muted"
        volume = state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL)
        if isinstance(volume, int | float) and volume <= 0:
            return f"{player} is at volume 0"
        tts = self.probe_voice()
        if tts != "clip":
            domain, service = "tts", "speak"
            data: dict[str, Any] = {
                ATTR_ENTITY_ID: tts,
                "media_player_entity_id": player,
                "message": probe_message(wake_word),
            }
        else:
            try:
                # The player fetches it in the house: never a cloud or
                # external address.
                base_url = get_url(
                    self.hass, allow_external=False, allow_cloud=False, allow_ip=True
                )
            except NoURLAvailableError:
                return "Home Assistant has no URL a player can fetch the probe from"
            domain, service = "media_player", "play_media"
            data = {
                ATTR_ENTITY_ID: player,
                "media_content_id": f"{base_url}{CLIP_URL}/{wake_word}.mp3",
                "media_content_type": "music",
            }
        try:
            async with asyncio.timeout(PLAY_TIMEOUT):
                await self.hass.services.async_call(
                    domain, service, data, blocking=True
                )
        except asyncio.CancelledError:
            raise
        except Exception as err:  # whatever a player raises: not played
            return str(err) or type(err).__name__
        return None

    async def _async_wait(self, window: float) -> None:
        """Wait ``window`` seconds on Home Assistant's clock (or until stopped)."""
        done = asyncio.Event()
        self._waits.add(done)

        @callback
        def _over(_now: datetime) -> None:
            done.set()

        unsub = async_call_later(self.hass, window, _over)
        try:
            await done.wait()
        finally:
            unsub()
            self._waits.discard(done)

    async def _async_fresh(self, speaker_id: str, start: float, end: float) -> bool:
        """Return whether the witnesses saw the whole window in time.

        A traffic sensor must have reported without a break through the window
        and once after it (waited for up to FRESH_WAIT s). Without one, a
        wake-word entity must still be there at the end: a vendor's voice
        records alone arrive minutes late, too late to show the window.
        """
        config = self.guard.speakers[speaker_id].config
        if not config.traffic_entity:
            wake = self.hass.states.get(config.wake_entity or "")
            return wake is not None and wake.state != STATE_UNAVAILABLE
        for _ in range(FRESH_WAIT):
            monitor = self.monitor.speakers.get(speaker_id)
            last = monitor.last_watched if monitor is not None else None
            if last is not None and last >= end:
                # Read without a break since before the window opened.
                since = monitor.watched_since if monitor is not None else None
                return since is not None and since <= start
            if self._stopping:
                return False
            await self._async_wait(1)
        return False

    @callback
    def _upload(self, speaker_id: str, upload: Upload, verdict: Verdict) -> None:
        """Note an upload that ended during a probe's window."""
        for watch in self._watches:
            if watch.speaker_id == speaker_id and upload.end >= watch.start:
                watch.uploads.append(
                    Finding(
                        FindingKind.UPLOAD,
                        upload.start,
                        f"{upload.bytes} B, {verdict.kind.value}",
                    )
                )

    def _findings(
        self, watch: _Watch, end: float, wake_word: str
    ) -> tuple[Finding, ...]:
        """Return what every witness of the speaker saw during the window.

        A room microphone counts as having heard the probe only for speech
        that began in the window or for the probe's own wake word: speech
        already under way, or another word, is someone else's.
        """
        speaker_id = watch.speaker_id
        found = list(watch.uploads)
        monitor = self.monitor.speakers.get(speaker_id)
        detector = monitor.detector if monitor is not None else None
        started = detector.in_progress if detector is not None else None
        # Still sending when the window closed, however long ago it began: an
        # upload all the same.
        if started is not None:
            found.append(Finding(FindingKind.UPLOAD, started, "in progress"))
        correlator = self.monitor.correlator
        for item in correlator.between(speaker_id, watch.start, end):
            if item.start < watch.start:
                # A wake or record from before the probe is not its answer.
                continue
            if item.source in (EvidenceSource.SPEAKER_WOKE, EvidenceSource.WAKE_WORD):
                found.append(Finding(FindingKind.WOKE, item.start, item.source.value))
            elif item.source is EvidenceSource.VOICE_RECORD:
                # What the vendor heard stays out of the evidence.
                found.append(Finding(FindingKind.VOICE_RECORD, item.start))
        busy = self._room_busy(speaker_id, watch.start)
        for room_id in correlator.rooms_of(speaker_id):
            room = self.rooms.rooms.get(room_id)
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

    def _room_busy(self, speaker_id: str, start: float) -> bool:
        """Return whether a room of the speaker heard speech just before ``start``."""
        correlator = self.monitor.correlator
        return any(
            item.source is EvidenceSource.SPEECH and item.start < start
            for room_id in correlator.rooms_of(speaker_id)
            for item in correlator.between(room_id, start - QUIET_BEFORE, start)
        )

    def _room_listened(self, speaker_id: str, start: float, end: float) -> bool | None:
        """Return whether a room microphone listened through the whole window.

        None when the speaker has no room microphone.
        """
        correlator = self.monitor.correlator
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

    def _record(self, speaker_id: str, result: StoredResult) -> None:
        """Keep, announce and act on one result."""
        self.results[speaker_id] = result
        name = self.guard.speakers[speaker_id].config.name
        data = {"speaker_id": speaker_id, "name": name, **result.as_dict()}
        self.hass.bus.async_fire(EVENT_SELF_TEST, data)
        if result.outcome is Outcome.LEAKED:
            LOGGER.warning("%s: the self-test found it not protected", name)
            async_raise(
                self.hass,
                Issue.SELF_TEST_LEAKED,
                speaker_id,
                placeholders={
                    "speaker": name,
                    "evidence": ", ".join(
                        f"{finding.kind.value} ({finding.detail})"
                        if finding.detail
                        else finding.kind.value
                        for finding in result.evidence
                    ),
                },
            )
        elif result.outcome is Outcome.HELD:
            async_clear(self.hass, Issue.SELF_TEST_LEAKED, speaker_id)
        self._store.async_delay_save(self._data, 1)
        self._notify(speaker_id)

    def _notify(self, speaker_id: str) -> None:
        async_notify(self.hass, self.entry.entry_id, speaker_id)

    # ------------------------------------------------------------- schedule
    async def _async_check_schedule(self, now: datetime) -> None:
        """Run the scheduled self-test when due, only while the house is empty."""
        days = float(self.entry.options.get(CONF_SELF_TEST_DAYS, 0) or 0)
        if days <= 0 or not self.guard.house_empty or self._stopping:
            return
        at = now.timestamp()
        if self._scheduled_at is not None and at - self._scheduled_at < days * DAY:
            return
        # Only speakers whose microphone, network or power is cut: a probe
        # never reaches a vendor unasked.
        guarded = [
            speaker_id
            for speaker_id in self.guard.speakers
            if (view := self.guard.view(speaker_id)).engaged
            and view.protected_by in CUTTING
            and speaker_id not in self.pending
        ]
        if not guarded:
            return
        self._scheduled_at = at
        self._store.async_delay_save(self._data, 1)
        LOGGER.info(
            "Self-testing %d guarded speakers while the house is empty", len(guarded)
        )
        self.entry.async_create_background_task(
            self.hass,
            self.async_run(guarded, scheduled=True),
            f"{DOMAIN} scheduled self-test",
        )


def _volume(state: State | None) -> float | None:
    """Return a media player's volume level, where it reports one."""
    volume = state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL) if state else None
    return float(volume) if isinstance(volume, int | float) else None
