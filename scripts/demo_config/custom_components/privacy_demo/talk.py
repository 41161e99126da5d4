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
  and not a byte while its internet access is cut off;
- a request of its own whenever it *hears* its wake word (``hear``): a probe
  player in its room plays a clip of Privacy Guard's self-test
  (``/privacy_guard/probe/<wake word>.mp3``), and it wakes as for a person.

Upload rates are above the published per-vendor thresholds (Echo 12,172 B/s,
Nest 46,086 B/s, HomePod 76,366 B/s); a local satellite streams raw 16 kHz
16-bit audio, 32,000 B/s. ``SpeakerTalk`` is the pure timeline; ``DemoTalk``
ticks it once a second in Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import random
import re
from typing import Any, Final
from urllib.parse import urlparse

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
# The wake words Privacy Guard's self-test has a clip of, and the one each
# profile answers to unless the speaker's YAML says otherwise (a local
# satellite: Home Assistant's own openWakeWord model).
WAKE_WORDS: Final = (
    "alexa",
    "hey_google",
    "hey_siri",
    "okay_nabu",
    "hey_jarvis",
    "hey_mycroft",
)
PROFILE_WAKE_WORD: Final = {
    "amazon_echo": "alexa",
    "google_nest": "hey_google",
    "apple_homepod": "hey_siri",
    "other": "okay_nabu",
}
# Where Privacy Guard serves its probe clips: the file is named after the word.
PROBE_PATH: Final = re.compile(r"/privacy_guard/probe/([^/.]+)\.[^/.]+$")


def default_wake_word(profile: str) -> str:
    """Return the wake word a speaker of ``profile`` answers to by default."""
    return PROFILE_WAKE_WORD.get(profile, PROFILE_WAKE_WORD["other"])


def probe_word(media_id: str) -> str | None:
    """Return the wake word a probe clip says, or None for any other media."""
    match = PROBE_PATH.search(urlparse(media_id).path)
    return match.group(1).lower() if match else None


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

    Activities start at ``first`` and every ``interval`` seconds after it; one
    that falls due while the speaker is still busy (with a request it heard)
    starts as soon as it is free. ``wake_word`` is what the speaker answers to
    (``hear``); empty, its profile's.
    """

    profile: str
    first: int
    interval: int
    seed: int
    wake_word: str = ""
    elapsed: int = 0
    _turn: int = 0
    _due: bool = False
    _activity: Activity | None = None
    _left: int = 0
    _lit: int = 0
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        """Seed the speaker's own randomness: the same seed, the same talk."""
        self._rng = random.Random(self.seed)
        self.wake_word = self.wake_word or default_wake_word(self.profile)

    @property
    def rate(self) -> int:
        """Return the bytes a second the speaker streams while uploading."""
        return UPLOAD_RATE.get(self.profile, UPLOAD_RATE["other"])

    def hear(self, word: str, *, mic_muted: bool, powered: bool) -> bool:
        """Hear ``word`` played nearby; return whether the speaker woke.

        On its own wake word it starts a request at the next ``step``, the same
        as the cycle's: lit for ``LISTENING_SECONDS``, streaming for
        ``SECONDS[REQUEST]`` from the second after the wake word. It replaces
        whatever activity was under way (the speaker answers the voice in the
        room); idle traffic and keep-alives go on beneath it, as for any
        request. Unpowered, or with its microphone muted, the speaker hears
        nothing; another speaker's wake word leaves it be. Whether the upload
        gets out is ``step``'s ``blocked``; the output's mute plays no part.
        """
        if not powered or mic_muted or word.lower() != self.wake_word:
            return False
        self._activity = Activity.REQUEST
        self._left = SECONDS[Activity.REQUEST]
        self._lit = LISTENING_SECONDS
        return True

    def step(self, *, tv_playing: bool, mic_muted: bool, blocked: bool) -> Second:
        """Return what the speaker sends in the next second."""
        now = self.elapsed
        self.elapsed += 1
        if now >= self.first and (now - self.first) % self.interval == 0:
            self._due = True
        if self._due and self._activity is None:
            self._due = False
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
    activity: Activity | None = None
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
        # Told when a speaker begins an activity (the room microphone).
        self.on_activity: Callable[[str, Activity, str], None] | None = None

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
                        wake_word=speaker.get("wake_word") or "",
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

    @callback
    def hear(self, names: Iterable[str], word: str) -> list[str]:
        """Let the named speakers hear ``word``; return those it woke.

        Each hears with its microphone and its power as they are now; what it
        then does shows from its next second on.
        """
        return [
            speaker.name
            for name in names
            if (speaker := self.speakers.get(name)) is not None
            and speaker.talk.hear(
                word,
                mic_muted=self._is_on(speaker.mic_switch),
                powered=self.powered(speaker.name),
            )
        ]

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
            if (
                second.activity is not None
                and second.activity is not speaker.activity
                and self.on_activity is not None
            ):
                self.on_activity(speaker.name, second.activity, speaker.talk.wake_word)
            speaker.activity = second.activity
            for listener in list(speaker.listeners):
                listener()
