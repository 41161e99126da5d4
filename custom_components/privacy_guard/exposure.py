"""Exposure time: how long each speaker was open, and how long protected.

A speaker is **open** while its microphone is live and it is online, not
protected: its privacy state is open, exposed (guarded but not cut) or DNS
blocked without a witness (the vendor's open connection still carries audio).
It is **protected** while its view says so (a confirmed cut, or a watched DNS
block with no leak). Open time is split by whether the house was empty.
Anything else (a microphone or network cut that is not confirmed, a speaker
whose readings are unknown) counts as neither: nothing was witnessed.

For the house: open while at least one speaker is open, protected while every
speaker is protected. For a room microphone: the time it heard speech (while
connected), what a speaker's misactivations are counted against.

Time is measured on the monotonic clock, so a wall clock that jumps neither
adds nor removes exposure; time while Home Assistant was down is not counted
(nobody watched it). The clocks are kept across restarts, as durations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import time
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store

from .const import DOMAIN, PrivacyState
from .models import SpeakerView
from .signals import async_follow, async_send_exposure

STORAGE_VERSION: Final = 1
# How often the clocks move on the entities (and how late a change of the
# clock's bucket may be folded in at most, were a signal missed).
TICK: Final = timedelta(seconds=60)
SAVE_DELAY: Final = 60
# Saved at least this often (in ticks): a crash loses at most that much, and
# the sensors' own last states make up for it (``at_least``).
SAVE_EVERY: Final = 10
OPEN_STATES: Final = frozenset(
    {PrivacyState.OPEN, PrivacyState.EXPOSED, PrivacyState.DNS_BLOCKED}
)


class Bucket(StrEnum):
    """Where a stretch of time is counted."""

    OPEN_HOME = "open_home"
    OPEN_AWAY = "open_away"
    PROTECTED = "protected"
    # A room microphone heard speech (what misactivations are counted against).
    SPEECH = "speech"


def bucket_of(view: SpeakerView, house_empty: bool) -> Bucket | None:
    """Return where one speaker's time counts now, or None (not witnessed)."""
    if view.protected:
        return Bucket.PROTECTED
    if view.privacy_state in OPEN_STATES:
        return Bucket.OPEN_AWAY if house_empty else Bucket.OPEN_HOME
    return None


def house_bucket(buckets: Iterable[Bucket | None], house_empty: bool) -> Bucket | None:
    """Return where the house's time counts: any speaker open, or all protected."""
    seen = list(buckets)
    if any(b in (Bucket.OPEN_HOME, Bucket.OPEN_AWAY) for b in seen):
        return Bucket.OPEN_AWAY if house_empty else Bucket.OPEN_HOME
    if seen and all(b is Bucket.PROTECTED for b in seen):
        return Bucket.PROTECTED
    return None


@dataclass(slots=True)
class ExposureClock:
    """Seconds counted per bucket, and the bucket running now (pure)."""

    seconds: dict[Bucket, float] = field(
        default_factory=lambda: dict.fromkeys(Bucket, 0.0)
    )
    bucket: Bucket | None = None
    since: float | None = None

    def observe(self, now: float, bucket: Bucket | None) -> bool:
        """Count the time since the last observation; run ``bucket`` from now.

        Returns whether the running bucket changed. ``now`` is monotonic: a
        value before the last one counts nothing.
        """
        self.fold(now)
        changed = bucket is not self.bucket
        self.bucket = bucket
        return changed

    def fold(self, now: float) -> None:
        """Count the time since the last observation into the running bucket."""
        if self.since is not None and self.bucket is not None and now > self.since:
            self.seconds[self.bucket] += now - self.since
        self.since = now

    def stop(self) -> None:
        """Stop counting (until the next observation)."""
        self.bucket = None
        self.since = None

    def as_dict(self) -> dict[str, float]:
        """Return the stored form (the running bucket is not kept)."""
        return {bucket.value: round(value, 3) for bucket, value in self.seconds.items()}

    @classmethod
    def from_dict(cls, data: Any) -> ExposureClock:
        """Read the stored form; a damaged value starts at zero."""
        clock = cls()
        if isinstance(data, Mapping):
            for bucket in Bucket:
                value = data.get(bucket.value)
                if isinstance(value, int | float) and 0.0 <= value < float("inf"):
                    clock.seconds[bucket] = float(value)
        return clock


class ExposureTracker:
    """Keeps every speaker's and the house's exposure clocks in Home Assistant."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        speaker_ids: Iterable[str],
        read: Callable[[str], SpeakerView],
        house_empty: Callable[[], bool],
        *,
        room_ids: Iterable[str] = (),
        heard: Callable[[str], bool] = lambda _room_id: False,
    ) -> None:
        """Follow the speakers and the rooms.

        ``read`` gives a speaker's view; ``heard`` whether a room's microphone
        hears speech now.
        """
        self.hass = hass
        self.entry_id = entry_id
        self._read = read
        self._house_empty = house_empty
        self._heard = heard
        self.speakers = {speaker_id: ExposureClock() for speaker_id in speaker_ids}
        self.rooms = {room_id: ExposureClock() for room_id in room_ids}
        self.house = ExposureClock()
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.exposure", private=True
        )
        self._unsubs: list[CALLBACK_TYPE] = []
        self._ticks = 0
        self._pending = False

    async def async_load(self) -> None:
        """Read the clocks back; set-up awaits it before any sensor exists.

        A sensor that showed 0 for a moment and then its total would read as
        a new cycle to the recorder, which would count the total again.
        """
        stored = await self._store.async_load() or {}
        speakers = stored.get("speakers")
        if isinstance(speakers, Mapping):
            for speaker_id in self.speakers:
                self.speakers[speaker_id] = ExposureClock.from_dict(
                    speakers.get(speaker_id)
                )
        self.house = ExposureClock.from_dict(stored.get("house"))
        rooms = stored.get("rooms")
        if isinstance(rooms, Mapping):
            for room_id in self.rooms:
                self.rooms[room_id] = ExposureClock.from_dict(rooms.get(room_id))

    async def async_start(self) -> None:
        """Start counting (the clocks are loaded)."""
        for subject in (None, *self.speakers, *self.rooms):
            self._unsubs.append(
                async_follow(self.hass, self.entry_id, subject, self._soon)
            )
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._tick, TICK, cancel_on_shutdown=True
            )
        )
        self._observe()

    async def async_stop(self) -> None:
        """Count up to now, stop, and save."""
        while self._unsubs:
            self._unsubs.pop()()
        data = self._data()
        for clock in self._clocks():
            clock.stop()
        await self._store.async_save(data)

    @callback
    def at_least(self, speaker_id: str | None, bucket: Bucket, seconds: float) -> None:
        """Raise a clock to what its sensor last showed, if it had fallen behind.

        After a crash the clocks are those of the last save; what a sensor
        showed was counted, and a total never goes back.
        """
        clock = self._clock(speaker_id)
        if clock is not None and clock.seconds[bucket] < seconds < float("inf"):
            clock.seconds[bucket] = seconds

    def _clock(self, subject: str | None) -> ExposureClock | None:
        if subject is None:
            return self.house
        return self.speakers.get(subject) or self.rooms.get(subject)

    def _clocks(self) -> tuple[ExposureClock, ...]:
        return (*self.speakers.values(), *self.rooms.values(), self.house)

    def seconds(self, subject: str | None, bucket: Bucket) -> float:
        """Return the seconds a speaker or room (the house: None) spent in a bucket."""
        clock = self._clock(subject)
        if clock is None:
            return 0.0
        if clock.bucket is bucket and clock.since is not None:
            # The stretch running now counts too.
            return clock.seconds[bucket] + max(0.0, time.monotonic() - clock.since)
        return clock.seconds[bucket]

    def _data(self) -> dict[str, Any]:
        # Up to now: the running stretches count in every save, the last one
        # at Home Assistant's stop included.
        now = time.monotonic()
        for clock in self._clocks():
            clock.fold(now)
        return {
            "speakers": {sid: clock.as_dict() for sid, clock in self.speakers.items()},
            "rooms": {rid: clock.as_dict() for rid, clock in self.rooms.items()},
            "house": self.house.as_dict(),
        }

    @callback
    def _soon(self) -> None:
        """Observe once for all the notices of this turn of the loop.

        An upload tells a speaker and the house, a reconcile every speaker.
        """
        if not self._pending:
            self._pending = True
            self.hass.loop.call_soon(self._observe)

    @callback
    def _observe(self) -> None:
        """Find where each clock runs now (a speaker's or the house's state moved)."""
        self._pending = False
        if not self._unsubs:
            # Stopped meanwhile (a notice from the turn its entry unloaded).
            return
        now = time.monotonic()
        empty = self._house_empty()
        buckets = {
            speaker_id: bucket_of(self._read(speaker_id), empty)
            for speaker_id in self.speakers
        }
        changed = False
        for speaker_id, bucket in buckets.items():
            changed |= self.speakers[speaker_id].observe(now, bucket)
        changed |= self.house.observe(now, house_bucket(buckets.values(), empty))
        for room_id, clock in self.rooms.items():
            changed |= clock.observe(
                now, Bucket.SPEECH if self._heard(room_id) else None
            )
        if changed:
            self._store.async_delay_save(self._data, SAVE_DELAY)
            async_send_exposure(self.hass, self.entry_id)

    @callback
    def _tick(self, _now: datetime) -> None:
        """Move the clocks on the entities once a minute; save every few."""
        self._observe()
        self._ticks += 1
        if self._ticks % SAVE_EVERY == 0:
            # Not a delayed save re-armed each minute: that one never comes.
            self._store.async_delay_save(self._data, 0)
        async_send_exposure(self.hass, self.entry_id)
