"""Demo speakers that talk: traffic and wake-ups shaped like real devices'.

Each speaker's router counter (bytes sent, as an SNMP or router integration
shows it) grows second by second with what the speaker sends:

- idle traffic, a few dozen bytes a second, and a keep-alive burst of a few kB
  every 25 s (one second: never an upload);
- every ``interval`` seconds, one activity from a cycle of three:
  a **request** (its light ring, the vendor's own "listening" report, turns on
  for 3 s; the speaker streams for 5 s), a **misactivation** (only while the
  demo TV plays: it wakes on dialogue and streams for 8 s, lit as for a
  request) and a **silent upload** (it streams for 6 s and shows nothing);
- nothing while its microphone is muted (it hears nothing, so it never wakes),
  and not a byte while its internet access is cut off.

Upload rates are above the published per-vendor thresholds (Echo 12,172 B/s,
Nest 46,086 B/s, HomePod 76,366 B/s); a local satellite streams raw 16 kHz
16-bit audio, 32,000 B/s. ``SpeakerTalk`` is the pure timeline; ``DemoTalk``
ticks it once a second in Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import random
from typing import Any, Final

from homeassistant.const import STATE_ON
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval

from .entity import INTERNET_ACCESS, MIC_MUTE, entity_id

TICK: Final = timedelta(seconds=1)
DEFAULT_INTERVAL: Final = 40
MIN_INTERVAL: Final = 15
DEFAULT_FIRST: Final = 10
KEEPALIVE_EVERY: Final = 25
KEEPALIVE_BYTES: Final = (1_500, 3_000)
IDLE_BYTES: Final = (40, 160)
LISTENING_SECONDS: Final = 3
UPLOAD_RATE: Final = {
    "amazon_echo": 20_000,
    "google_nest": 60_000,
    "apple_homepod": 90_000,
    "other": 32_000,
}


class Activity(StrEnum):
    """What a demo speaker does now and then."""

    REQUEST = "request"
    MISACTIVATION = "misactivation"
    SILENT = "silent"


CYCLE: Final = (Activity.REQUEST, Activity.MISACTIVATION, Activity.SILENT)
SECONDS: Final = {Activity.REQUEST: 5, Activity.MISACTIVATION: 8, Activity.SILENT: 6}
# Whether the speaker lights up (its vendor's "listening" report).
LIT: Final = {
    Activity.REQUEST: True,
    Activity.MISACTIVATION: True,
    Activity.SILENT: False,
}


@dataclass(frozen=True, slots=True)
class Second:
    """What one speaker did in one second."""

    sent: int
    listening: bool
    activity: Activity | None = None


@dataclass(slots=True)
class SpeakerTalk:
    """One speaker's timeline, one ``step`` per second (no Home Assistant here).

    Activities start at ``first`` and every ``interval`` seconds after it.
    """

    profile: str
    first: int
    interval: int
    seed: int
    elapsed: int = 0
    _turn: int = 0
    _activity: Activity | None = None
    _left: int = 0
    _lit: int = 0
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        """Seed the speaker's own randomness: the same seed, the same talk."""
        self._rng = random.Random(self.seed)

    @property
    def rate(self) -> int:
        """Return the bytes a second the speaker streams while uploading."""
        return UPLOAD_RATE.get(self.profile, UPLOAD_RATE["other"])

    def step(self, *, tv_playing: bool, mic_muted: bool, blocked: bool) -> Second:
        """Return what the speaker sends in the next second."""
        now = self.elapsed
        self.elapsed += 1
        due = now >= self.first and (now - self.first) % self.interval == 0
        if due and self._activity is None:
            turn = CYCLE[self._turn % len(CYCLE)]
            self._turn += 1
            # A muted microphone hears nothing; dialogue wakes it only while
            # the TV plays.
            if not mic_muted and (turn is not Activity.MISACTIVATION or tv_playing):
                self._activity = turn
                self._left = SECONDS[turn]
                self._lit = LISTENING_SECONDS if LIT[turn] else 0
        if mic_muted and self._activity is not None:
            self._activity, self._left, self._lit = None, 0, 0
        sent = self._rng.randint(*IDLE_BYTES)
        if now % KEEPALIVE_EVERY == KEEPALIVE_EVERY - 1:
            sent += self._rng.randint(*KEEPALIVE_BYTES)
        activity = self._activity
        listening = self._lit > 0
        if activity is not None:
            # The stream begins a moment after the wake word; jitter of 10 %.
            lit_first = LIT[activity] and self._lit == LISTENING_SECONDS
            if not lit_first:
                sent += int(self.rate * self._rng.uniform(0.9, 1.1))
                self._left -= 1
            self._lit = max(0, self._lit - 1)
            if self._left <= 0:
                self._activity = None
        return Second(0 if blocked else sent, listening, activity)


@dataclass(slots=True)
class TalkingSpeaker:
    """A speaker of the house, its timeline and the entities that show it."""

    name: str
    talk: SpeakerTalk
    mic_switch: str | None
    network_switch: str | None
    network_on_means: str
    sent: int = 0
    listening: bool = False
    listeners: list[Callable[[], None]] = field(default_factory=list)


class DemoTalk:
    """Tick every speaker's timeline once a second, as long as the house runs."""

    def __init__(
        self,
        hass: HomeAssistant,
        speakers: list[TalkingSpeaker],
        tv: str | None,
        powered: Callable[[str], bool],
    ) -> None:
        """Keep the speakers; nothing ticks before ``start``."""
        self.hass = hass
        self.speakers = {speaker.name: speaker for speaker in speakers}
        self.tv = tv
        self.powered = powered
        self._cancel: CALLBACK_TYPE | None = None

    @classmethod
    def from_config(
        cls,
        hass: HomeAssistant,
        config: dict[str, Any],
        powered: Callable[[str], bool],
    ) -> DemoTalk:
        """Build the house's talk from the demo entry's data."""
        talk: dict[str, Any] = config["talk"]
        speakers: list[dict[str, Any]] = config["speakers"]
        interval = int(talk.get("interval", DEFAULT_INTERVAL))
        first = int(talk.get("first", DEFAULT_FIRST))
        # Staggered, so that two speakers rarely stream in the same second.
        stagger = max(1, interval // max(1, len(speakers)))
        tv = talk.get("tv")
        return cls(
            hass,
            [
                TalkingSpeaker(
                    name=speaker["name"],
                    talk=SpeakerTalk(
                        profile=speaker.get("profile", "other"),
                        first=first + index * stagger,
                        interval=interval,
                        seed=int(talk.get("seed", 0)) + index,
                    ),
                    mic_switch=(
                        entity_id("switch", speaker["name"], MIC_MUTE)
                        if speaker.get("mic_switch", True)
                        else None
                    ),
                    network_switch=(
                        entity_id("switch", speaker["name"], INTERNET_ACCESS)
                        if speaker.get("network_switch", True)
                        else None
                    ),
                    network_on_means=speaker.get("network_on_means", "allowed"),
                )
                for index, speaker in enumerate(speakers)
            ],
            entity_id("media_player", tv) if isinstance(tv, str) and tv else None,
            powered,
        )

    @callback
    def start(self) -> None:
        """Start ticking."""
        if self._cancel is None:
            self._cancel = async_track_time_interval(self.hass, self._tick, TICK)

    @callback
    def stop(self) -> None:
        """Stop ticking."""
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _is_on(self, entity_id: str | None) -> bool:
        return (
            entity_id is not None
            and (state := self.hass.states.get(entity_id)) is not None
            and state.state == STATE_ON
        )

    @callback
    def _tick(self, _now: datetime) -> None:
        tv = self.hass.states.get(self.tv) if self.tv else None
        tv_playing = tv is not None and tv.state == "playing"
        for speaker in self.speakers.values():
            network_on = self._is_on(speaker.network_switch)
            blocked = speaker.network_switch is not None and (
                network_on == (speaker.network_on_means == "blocked")
            )
            second = speaker.talk.step(
                tv_playing=tv_playing,
                mic_muted=self._is_on(speaker.mic_switch),
                blocked=blocked,
            )
            if not self.powered(speaker.name):
                # Unplugged, it sends nothing and its light ring is dark.
                second = Second(0, False)
            speaker.sent += second.sent
            speaker.listening = second.listening
            for listener in list(speaker.listeners):
                listener()
