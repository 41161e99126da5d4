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
from datetime import datetime, timedelta
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
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
)
from .detector_types import Upload
from .probe_play import async_play, volume_of
from .probe_reach import in_reach, probe_player
from .probe_results import Calibration, StoredResult, weaker
from .probe_window import Asking, Window, findings, room_busy, room_listened
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
)
from .signals import async_follow, async_follow_uploads, async_notify

if TYPE_CHECKING:
    from .correlate import Verdict
    from .house_view import HouseView
    from .monitor import HouseMonitor
    from .room import Rooms

STORAGE_VERSION = 1
SCHEDULE_CHECK: Final = timedelta(hours=1)
# How long to wait, after the window, for the traffic sensor's next reading.
FRESH_WAIT: Final = 30
DAY: Final = 86400.0
# How far the wall clock may drift from the loop's during a window before the
# times the witnesses report can no longer be compared with it.
CLOCK_SLACK: Final = 5.0
# A running self-test, shown by its sensor.
RUNNING: Final = "running"


class SelfTester:
    """Runs self-tests and keeps each speaker's latest result."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        house: HouseView,
        monitor: HouseMonitor,
        rooms: Rooms,
    ) -> None:
        """Bind the tester to the house's parts (it reads them, drives none)."""
        self.hass = hass
        self.entry = entry
        self.house = house
        self.monitor = monitor
        self.rooms = rooms
        self.results: dict[str, StoredResult] = {}
        self.calibrations: dict[str, Calibration] = {}
        self.running: set[str] = set()
        # Asked for and not finished (running, or waiting for its room).
        self.pending: set[str] = set()
        self._finished: dict[str, asyncio.Future[StoredResult | None]] = {}
        # Evidence may quote what a vendor heard: kept private.
        self._store: Store[dict[str, Any]] = Store(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry.entry_id}.self_tests",
            private=True,
        )
        self._scheduled_at: float | None = None
        # One probe at a time in the whole house.
        self._lock = asyncio.Lock()
        self._watches: list[Window] = []
        self._waits: set[asyncio.Event] = set()
        self._unsubs: list[CALLBACK_TYPE] = []
        self._stopping = False

    # ------------------------------------------------------------------ life
    async def async_start(self) -> None:
        """Load the stored results and start the schedule."""
        stored = await self._store.async_load() or {}
        for speaker_id, data in (stored.get("results") or {}).items():
            if speaker_id not in self.house.configs:
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
            if speaker_id not in self.house.configs or not isinstance(data, dict):
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
        async with self._lock:
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
        return probe_player(self.house.configs, self.rooms.rooms, speaker_id)

    def probe_voice(self) -> str:
        """Return what speaks the probe: the house's TTS entity, or "clip"."""
        tts = self.entry.options.get(CONF_PROBE_TTS)
        return tts if tts and self.hass.states.get(tts) is not None else "clip"

    def wake_word(self, speaker_id: str) -> str | None:
        """Return the wake word the probe says to this speaker, if known."""
        return self.house.configs[speaker_id].answers_to

    def _witnesses(self, speaker_id: str) -> list[str]:
        """Return the speaker's witnesses that can see something now."""
        config = self.house.configs[speaker_id]
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

        One probe at a time in the whole house, so none hears another's
        probe (a neighbour's room, a shared player, another wake word). A
        speaker already being tested is not tested twice: that test's result
        is awaited and answered. Only results of probes that ran are answered
        (a scheduled run that found someone home has none).
        """
        targets = (
            list(speaker_ids) if speaker_ids is not None else list(self.house.configs)
        )
        loop = asyncio.get_running_loop()
        mine: dict[str, asyncio.Future[StoredResult | None]] = {}
        answers: dict[str, asyncio.Future[StoredResult | None]] = {}
        for speaker_id in targets:
            if speaker_id in self.pending:
                answers[speaker_id] = self._finished[speaker_id]
                continue
            future: asyncio.Future[StoredResult | None] = loop.create_future()
            self._finished[speaker_id] = mine[speaker_id] = answers[speaker_id] = future
            self.pending.add(speaker_id)
        try:
            for speaker_id, future in mine.items():
                result: StoredResult | None = None
                try:
                    result = await self._async_run_one(
                        speaker_id=speaker_id,
                        player=self.probe_player(speaker_id),
                        window=window,
                        person=person,
                        scheduled=scheduled,
                    )
                finally:
                    self._done(speaker_id, future, result)
        finally:
            # Cancelled before some ran: nobody waits for them forever.
            for speaker_id, future in mine.items():
                self._done(speaker_id, future, None)
        found: dict[str, StoredResult] = {}
        for speaker_id, future in answers.items():
            if (result := await asyncio.shield(future)) is not None:
                found[speaker_id] = result
        return found

    def _done(
        self,
        speaker_id: str,
        future: asyncio.Future[StoredResult | None],
        result: StoredResult | None,
    ) -> None:
        """Note that this run's test of a speaker ended; answer whoever waits."""
        if not future.done():
            future.set_result(result)
        if self._finished.get(speaker_id) is future:
            del self._finished[speaker_id]
            self.pending.discard(speaker_id)

    async def _async_run_one(
        self,
        *,
        speaker_id: str,
        player: str | None,
        window: float,
        person: bool,
        scheduled: bool,
    ) -> StoredResult | None:
        """Test one speaker when no other probe plays; return what was recorded."""
        async with self._lock:
            if self._stopping or speaker_id not in self.house.configs:
                return None
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
            if speaker_id not in self.house.configs:
                return None
            if result is None:
                # A scheduled probe found someone home: not run, nothing to say.
                self._notify(speaker_id)
                return None
            self._record(speaker_id, result)
            return result

    async def _async_probe(
        self,
        speaker_id: str,
        player: str | None,
        window: float,
        person: bool,
        scheduled: bool,
    ) -> StoredResult | None:
        """Play one probe and judge its window (None: not run after all)."""
        if scheduled and not self.house.house_empty:
            return None
        view = self.house.speaker(speaker_id)
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
        elif (
            guarded
            and not person
            and (
                view.protected_by not in CUTTING
                or self._reaches_others(speaker_id, player, wake_word)
            )
        ):
            # Unasked, a probe may reach only speakers whose microphone,
            # network or power is cut (a DNS block leaves a connection open):
            # this one, and any other that may hear it and answers to it.
            base.reason = Inconclusive.NOT_PROTECTED
        elif not self._witnesses(speaker_id):
            base.reason = Inconclusive.NO_WITNESS
        elif wake_word is None:
            base.reason = Inconclusive.NO_WAKE_WORD
        elif player is None:
            base.reason = Inconclusive.NO_PROBE_PLAYER
        if base.reason is not None or wake_word is None or player is None:
            return base
        volume = volume_of(self.hass.states.get(player))
        watch = Window(speaker_id, time.time(), weakest=view.protected_by)
        began = time.monotonic()
        self._watches.append(watch)

        @callback
        def _changed() -> None:
            # The guard's view of the speaker at every change during the window.
            now = self.house.speaker(speaker_id)
            watch.moved = watch.moved or now.engaged != guarded
            watch.weakest = weaker(watch.weakest, now.protected_by)

        unfollow = async_follow(self.hass, self.entry.entry_id, speaker_id, _changed)
        asking = Asking(
            self.monitor.correlator,
            [
                speaker_id,
                *in_reach(
                    self.house.configs, self.rooms.rooms, speaker_id, player, wake_word
                ),
            ],
            wake_word,
        )
        try:
            base.error = await async_play(self.hass, player, wake_word, voice)
            if base.error is None:
                asking.begin(time.time())
                if not self._stopping:
                    await self._async_wait(window)
            end, ended = time.time(), time.monotonic()
            watch.end = end
            asking.end(end)
            fresh = base.error is not None or await self._async_fresh(
                speaker_id, watch.start, end
            )
            correlator = self.monitor.correlator
            busy = room_busy(correlator, speaker_id, watch.start)
            found = findings(self.monitor, self.rooms, watch, end, wake_word, busy=busy)
        finally:
            asking.end(time.time())  # cancelled: the probe may have been said
            unfollow()
            self._watches.remove(watch)
        if self._stopping or speaker_id not in self.house.configs:
            base.reason = Inconclusive.INTERRUPTED
            return base
        _changed()
        if (
            watch.moved
            or (scheduled and not self.house.house_empty)
            or abs((end - watch.start) - (ended - began)) > CLOCK_SLACK
        ):
            # The guard engaged or let go meanwhile, people came home during a
            # scheduled run, or the wall clock jumped: the window proves nothing.
            base.reason = Inconclusive.INTERRUPTED
            return base
        if calibration:
            # Only what began in the window shows this probe woke it.
            found = tuple(item for item in found if watch.start <= item.at <= end)
        now = dt_util.utcnow()
        calibrated = self.calibrations.get(speaker_id)
        # Speech already under way: the room cannot tell the probe apart.
        listened = (
            None if busy else room_listened(correlator, speaker_id, watch.start, end)
        )
        verdict: SelfTestResult = judge(
            ProbeRun(
                guarded=guarded,
                calibration=calibration,
                played=base.error is None,
                findings=found,
                room_listened=listened,
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

    def _reaches_others(
        self, speaker_id: str, player: str | None, wake_word: str | None
    ) -> bool:
        """Return whether the probe may reach another speaker nothing cuts."""
        return any(
            self.house.speaker(other).protected_by not in CUTTING
            for other in in_reach(
                self.house.configs, self.rooms.rooms, speaker_id, player, wake_word
            )
        )

    async def _async_fresh(self, speaker_id: str, start: float, end: float) -> bool:
        """Return whether the witnesses saw the whole window in time.

        A traffic sensor must have reported without a break through the window
        and once after it (waited for up to FRESH_WAIT s). Without one, a
        wake-word entity must still be there at the end: a vendor's voice
        records alone arrive minutes late, too late to show the window.
        """
        config = self.house.configs[speaker_id]
        if not config.traffic_entity:
            wake = self.hass.states.get(config.wake_entity or "")
            return wake is not None and wake.state != STATE_UNAVAILABLE
        for _ in range(FRESH_WAIT):
            monitor = self.monitor.speakers.get(speaker_id)
            last = monitor.last_watched if monitor is not None else None
            detector = monitor.detector if monitor is not None else None
            # A burst the detector has not judged yet (too short so far to
            # count) may still become an upload: wait for its verdict.
            undecided = (
                detector is not None
                and detector.candidate_start is not None
                and detector.in_progress is None
            )
            if last is not None and last >= end and not undecided:
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
            if (
                watch.speaker_id == speaker_id
                and upload.end >= watch.start
                and (watch.end is None or upload.start <= watch.end)
            ):
                watch.uploads.append(
                    Finding(
                        FindingKind.UPLOAD,
                        upload.start,
                        f"{upload.bytes} B, {verdict.kind.value}",
                    )
                )

    def _record(self, speaker_id: str, result: StoredResult) -> None:
        """Keep, announce and act on one result."""
        self.results[speaker_id] = result
        name = self.house.configs[speaker_id].name
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
        if days <= 0 or not self.house.house_empty or self._stopping:
            return
        at = now.timestamp()
        if self._scheduled_at is not None and at - self._scheduled_at < days * DAY:
            return
        # Only speakers whose microphone, network or power is cut: a probe
        # never reaches a vendor unasked.
        guarded = [
            speaker_id
            for speaker_id in self.house.configs
            if (view := self.house.speaker(speaker_id)).engaged
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
