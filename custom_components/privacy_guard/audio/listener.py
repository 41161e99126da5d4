"""Listen to one room: run a source, detect speech off the loop, report it.

The listener keeps at most one batch (about 100 ms) of audio in memory while
the detector (and the wake-word spotter, when asked for) works on it, then
drops it. No audio is logged, written or sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import logging
from typing import Final

from homeassistant.util import dt as dt_util

from .sources import AudioSource
from .vad import (
    CHUNK_BYTES,
    DEFAULT_HANGOVER,
    DEFAULT_MIN_SPEECH,
    DEFAULT_THRESHOLD,
    WARMING_UP,
    DetectorUpdate,
    SpeechDetector,
    SpeechSmoother,
    SpeechTransition,
)
from .wakeword import (
    WakeWordDetection,
    WakeWordSpotter,
    WakeWordUnavailable,
    check_wake_words,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BATCH_CHUNKS: Final = 10
DEFAULT_BACKOFF_INITIAL: Final = 1.0
DEFAULT_BACKOFF_MAX: Final = 60.0
DEFAULT_NEVER_CONNECTED_AFTER: Final = 5
DEFAULT_IDLE_TIMEOUT: Final = 15.0
DEFAULT_PROBABILITY_INTERVAL: Final = 1.0
DEFAULT_MAX_CLOCK_SKEW: Final = 3.0


class _SharedWorker:
    """One thread for the detectors and spotters of every running listener.

    pymicro-vad 1.0.1 holds the GIL while it computes; several busy worker
    threads then keep the event loop waiting for it far longer than one does
    (see ``bench/audio.py``). The thread exists while some listener runs.
    """

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._users = 0

    def acquire(self) -> Executor:
        """Return the worker, starting it for the first user."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="privacy_guard_vad"
            )
        self._users += 1
        return self._executor

    async def async_release(self) -> None:
        """Let go of the worker; the last user shuts its thread down."""
        self._users -= 1
        if self._users == 0 and (executor := self._executor) is not None:
            self._executor = None
            # Joined from another thread so the loop never blocks on it.
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)


_SHARED_WORKER = _SharedWorker()


class RoomListener:
    """Turn a room's audio source into speech on/off reports.

    Callbacks run on the event loop. A connection counts once audio arrives;
    when the source fails or ends, the listener reports it and tries again
    after a pause that doubles from `backoff_initial` up to `backoff_max`.
    If the first `never_connected_after` attempts all fail, `on_never_connected`
    is called once with that count (the listener keeps trying).

    The detector runs in `executor`; by default in one worker thread shared by
    every listener (see `vad` for why).

    Given `wake_words` (names from `wakeword.WAKE_WORDS`), a wake-word spotter
    is built in that executor when the listener starts and fed the same
    batches in the same job as the detector; `on_wake_word` gets each name
    with its time on the speech clock. If the spotter cannot be built or
    fails, speech detection goes on without it and `on_wake_word_unavailable`
    is called once with the reason.

    Speech times follow the audio itself: the stream's sample count from the
    moment its first audio arrived. When that clock and `now()` drift more than
    `max_clock_skew` seconds apart (a live source's clock runs slightly off;
    a file decodes faster than real time) the listener re-anchors on `now()`;
    `None` keeps the audio clock throughout.
    """

    def __init__(
        self,
        source: AudioSource,
        *,
        on_speech: Callable[[bool, datetime], None],
        on_probability: Callable[[float], None] | None = None,
        on_connected: Callable[[bool], None] | None = None,
        on_never_connected: Callable[[int], None] | None = None,
        wake_words: Sequence[str] = (),
        on_wake_word: Callable[[str, datetime], None] | None = None,
        on_wake_word_unavailable: Callable[[str], None] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        min_speech: float = DEFAULT_MIN_SPEECH,
        hangover: float = DEFAULT_HANGOVER,
        batch_chunks: int = DEFAULT_BATCH_CHUNKS,
        backoff_initial: float = DEFAULT_BACKOFF_INITIAL,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        never_connected_after: int = DEFAULT_NEVER_CONNECTED_AFTER,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        probability_interval: float = DEFAULT_PROBABILITY_INTERVAL,
        max_clock_skew: float | None = DEFAULT_MAX_CLOCK_SKEW,
        executor: Executor | None = None,
        now: Callable[[], datetime] = dt_util.utcnow,
    ) -> None:
        if batch_chunks < 1 or never_connected_after < 1:
            raise ValueError("Batch size and attempt count must be positive")
        if not 0.0 < backoff_initial <= backoff_max:
            raise ValueError("Backoff must be positive and initial <= max")
        # Checked here so a bad setting fails at setup, not on the first chunk.
        SpeechSmoother(threshold=threshold, min_speech=min_speech, hangover=hangover)
        self._wake_words = check_wake_words(wake_words)
        if self._wake_words and on_wake_word is None:
            raise ValueError("Wake words need an on_wake_word callback")
        self.source = source
        self._on_speech = on_speech
        self._on_probability = on_probability
        self._on_connected = on_connected
        self._on_never_connected = on_never_connected
        self._on_wake_word = on_wake_word
        self._on_wake_word_unavailable = on_wake_word_unavailable
        self._wake_word_unavailable_noted = False
        self._spotter: WakeWordSpotter | None = None
        self._smoothing = (threshold, min_speech, hangover)
        self._batch_bytes = batch_chunks * CHUNK_BYTES
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._never_connected_after = never_connected_after
        self._idle_timeout = idle_timeout
        self._probability_interval = probability_interval
        self._max_clock_skew = max_clock_skew
        self._executor = executor
        self._now = now
        self._task: asyncio.Task[None] | None = None
        self._connected = False
        self._is_speech = False
        self._probability = WARMING_UP
        self._ever_connected = False
        self._failed_attempts = 0
        self._attempt_had_audio = False
        self._unavailable_logged = False
        self._job: asyncio.Future[_BatchResult] | None = None
        # Stream clock: the wall time that stream second `_anchor_audio` maps to.
        self._anchor = now()
        self._anchor_audio = 0.0
        self._peak = WARMING_UP
        self._last_report = float("-inf")

    @property
    def connected(self) -> bool:
        """Whether audio is arriving from the source."""
        return self._connected

    @property
    def is_speech(self) -> bool:
        """Whether speech is being heard."""
        return self._is_speech

    @property
    def probability(self) -> float:
        """Last speech probability, or -1.0 before the detector has warmed up."""
        return self._probability

    @property
    def failed_attempts(self) -> int:
        """Attempts in a row that brought no audio."""
        return self._failed_attempts

    def start(self) -> asyncio.Task[None]:
        """Start listening in a task of the running loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._async_run(),
                name=f"privacy_guard room listener {self.source.name}",
            )
        return self._task

    async def async_stop(self) -> None:
        """Stop listening; reports the end of any speech and the disconnection."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    async def _async_run(self) -> None:
        shared = self._executor is None
        executor = _SHARED_WORKER.acquire() if shared else self._executor
        try:
            if self._wake_words:
                await self._async_build_spotter(executor)
            await self._async_retry_forever(executor)
        finally:
            self._spotter = None
            if shared:
                await _SHARED_WORKER.async_release()

    async def _async_build_spotter(self, executor: Executor | None) -> None:
        """Build the spotter in the executor: it imports and loads files."""
        try:
            self._spotter = await asyncio.get_running_loop().run_in_executor(
                executor, WakeWordSpotter, self._wake_words
            )
        except WakeWordUnavailable as err:
            self._note_wake_word_unavailable(str(err))

    def _note_wake_word_unavailable(self, reason: str) -> None:
        self._spotter = None
        if self._wake_word_unavailable_noted:
            return
        self._wake_word_unavailable_noted = True
        _LOGGER.warning(
            "Wake-word spotting on %s is unavailable: %s", self.source.name, reason
        )
        if self._on_wake_word_unavailable is not None:
            self._on_wake_word_unavailable(reason)

    async def _async_retry_forever(self, executor: Executor | None) -> None:
        delay = self._backoff_initial
        while True:
            try:
                await self._async_listen_once(executor)
            except TimeoutError:
                self._note_unavailable(f"no audio for {self._idle_timeout:g} s")
            except (OSError, EOFError, ValueError, KeyError) as err:
                self._note_unavailable(str(err) or type(err).__name__)
            except Exception:
                _LOGGER.exception("Unexpected error listening to %s", self.source.name)
                self._unavailable_logged = True
            else:
                self._note_unavailable("stream ended")
            if self._attempt_had_audio:
                delay = self._backoff_initial
                self._failed_attempts = 0
            else:
                self._failed_attempts += 1
                if (
                    not self._ever_connected
                    and self._failed_attempts == self._never_connected_after
                    and self._on_never_connected is not None
                ):
                    self._on_never_connected(self._failed_attempts)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_max)

    def _note_unavailable(self, reason: str) -> None:
        # Log once when the source goes away, and once when it is back.
        if not self._unavailable_logged:
            self._unavailable_logged = True
            _LOGGER.warning(
                "Room microphone %s is unavailable: %s", self.source.name, reason
            )

    async def _async_listen_once(self, executor: Executor | None) -> None:
        """Run one connection until its stream ends or fails."""
        self._attempt_had_audio = False
        threshold, min_speech, hangover = self._smoothing
        detector = SpeechDetector(
            smoother=SpeechSmoother(
                threshold=threshold, min_speech=min_speech, hangover=hangover
            )
        )
        stream = self.source.stream()
        pieces: list[bytes] = []
        pending = 0
        # The spotter starts over with each stream so it keeps the detector's clock.
        fresh = True
        try:
            while True:
                async with asyncio.timeout(self._idle_timeout):
                    data = await anext(stream, None)
                if data is None:
                    break
                if not self._attempt_had_audio:
                    self._attempt_had_audio = True
                    # Audio again: no attempt in a row has failed any more.
                    self._failed_attempts = 0
                    self._set_connected(True)
                pieces.append(data)
                pending += len(data)
                if pending >= self._batch_bytes:
                    await self._async_analyse(executor, detector, pieces, fresh)
                    pending = 0
                    fresh = False
            if pieces:
                await self._async_analyse(executor, detector, pieces, fresh)
        finally:
            pieces.clear()
            try:
                await stream.aclose()
            finally:
                # The detector is not ours again until its last batch is done.
                if self._job is not None and not self._job.done():
                    await asyncio.wait([self._job])
                self._job = None
                if (transition := detector.finish()) is not None:
                    self._report_speech(transition)
                self._set_connected(False)

    async def _async_analyse(
        self,
        executor: Executor | None,
        detector: SpeechDetector,
        pieces: list[bytes],
        fresh: bool,
    ) -> None:
        """Analyse the collected pieces in the executor, then drop them."""
        batch = b"".join(pieces)
        pieces.clear()
        self._job = asyncio.get_running_loop().run_in_executor(
            executor, _analyse_batch, detector, self._spotter, fresh, batch
        )
        del batch
        # Shielded so that a stop waits for the worker instead of racing it.
        result = await asyncio.shield(self._job)
        self._job = None
        update = result.update
        for transition in update.transitions:
            self._report_speech(transition)
        self._report_wake_words(result)
        self._report_probability(detector.vad.probability, update.peak)
        self._resync_clock(detector.audio_seconds)

    def _report_wake_words(self, result: _BatchResult) -> None:
        if result.spotter_error is not None:
            self._note_wake_word_unavailable(result.spotter_error)
            return
        if self._on_wake_word is None:
            return
        for detection in result.detections:
            self._on_wake_word(detection.name, self._stamp(detection.at))

    def _set_connected(self, connected: bool) -> None:
        if connected == self._connected:
            return
        self._connected = connected
        if connected:
            if self._unavailable_logged:
                self._unavailable_logged = False
                _LOGGER.info("Room microphone %s is available again", self.source.name)
            self._ever_connected = True
            self._anchor = self._now()
            self._anchor_audio = 0.0
        else:
            self._probability = self._peak = WARMING_UP
        if self._on_connected is not None:
            self._on_connected(connected)

    def _report_speech(self, transition: SpeechTransition) -> None:
        self._is_speech = transition.is_speech
        self._on_speech(transition.is_speech, self._stamp(transition.at))

    def _stamp(self, audio_seconds: float) -> datetime:
        """Return the wall time of a moment of the stream."""
        return self._anchor + timedelta(seconds=audio_seconds - self._anchor_audio)

    def _report_probability(self, last: float, peak: float) -> None:
        self._probability = last
        self._peak = max(self._peak, peak)
        if self._on_probability is None or self._peak < 0.0:
            return
        now = asyncio.get_running_loop().time()
        if now - self._last_report >= self._probability_interval:
            self._last_report = now
            # The peak since the last report: a sampled value would miss words.
            self._on_probability(self._peak)
            self._peak = WARMING_UP

    def _resync_clock(self, audio_seconds: float) -> None:
        if self._max_clock_skew is None:
            return
        now = self._now()
        expected = self._anchor + timedelta(seconds=audio_seconds - self._anchor_audio)
        if abs((now - expected).total_seconds()) > self._max_clock_skew:
            self._anchor = now
            self._anchor_audio = audio_seconds


@dataclass(slots=True)
class _BatchResult:
    """What one executor job found in a batch."""

    update: DetectorUpdate
    detections: list[WakeWordDetection] = field(default_factory=list)
    spotter_error: str | None = None


def _analyse_batch(
    detector: SpeechDetector,
    spotter: WakeWordSpotter | None,
    fresh: bool,
    batch: bytes,
) -> _BatchResult:
    """Run the detector, then any spotter, on one batch (in the executor)."""
    result = _BatchResult(detector.feed(batch))
    if spotter is None:
        return result
    try:
        if fresh:
            spotter.reset()
        result.detections = spotter.detect(batch)
    except Exception as err:
        # A failing native library must not take speech detection down with it.
        result.spotter_error = f"{type(err).__name__}: {err}"
    return result
