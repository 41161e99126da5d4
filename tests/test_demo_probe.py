"""Demo speakers that hear Privacy Guard's self-test probes.

A probe player (a radio in a room) plays a clip of a wake word; the talking
speakers in its area hear it, and the one it belongs to wakes as for a person:
its light ring lights, and it uploads unless its network is blocked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.media_player import MediaPlayerEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.privacy_demo import CONFIG_SCHEMA, _form_input
from custom_components.privacy_demo.media_player import PLAY_SECONDS
from custom_components.privacy_demo.schema import vol
from custom_components.privacy_demo.talk import (
    IDLE_BYTES,
    LISTENING_SECONDS,
    PROFILE_WAKE_WORD,
    SECONDS,
    UPLOAD_RATE,
    Activity,
    Second,
    SpeakerTalk,
    probe_word,
)

from .conftest import HouseFactory
from .helpers import settle, state, switch

DEMO_CONFIG = Path(__file__).parent.parent / "scripts/demo_config"
URL = "http://127.0.0.1:8123/privacy_guard/probe/{}.mp3"
QUIET = {"tv_playing": False, "mic_muted": False, "blocked": False}
# No activity of the cycle within a test: only what the speakers hear.
NO_CYCLE = {"first": 3600, "interval": 3600}
KITCHEN_ECHO = "kitchen_echo"
HOMEPOD = "bedroom_homepod"
REQUEST = SECONDS[Activity.REQUEST]

type Tick = Callable[[int], Awaitable[None]]


# --- the pure timeline ---------------------------------------------------------


def run(talk: SpeakerTalk, seconds: int, **conditions: bool) -> list[Second]:
    """Step a timeline ``seconds`` times under fixed conditions."""
    return [talk.step(**{**QUIET, **conditions}) for _ in range(seconds)]


def streaming(seconds: list[Second], rate: int) -> list[Second]:
    """Return the seconds that carry an upload stream (not idle traffic)."""
    return [s for s in seconds if s.sent > rate / 2]


@pytest.mark.parametrize(
    ("word", "conditions", "woke", "lit", "streamed"),
    [
        # A muted microphone hears nothing, so it never wakes.
        ("alexa", {"mic_muted": True}, False, 0, 0),
        # Unplugged: no speaker to hear.
        ("alexa", {"powered": False}, False, 0, 0),
        # Blocked: it wakes and lights, but not a byte gets out.
        ("alexa", {"blocked": True}, True, LISTENING_SECONDS, 0),
        # Its output muted: it hears with its microphone, wakes and uploads.
        ("alexa", {"output_muted": True}, True, LISTENING_SECONDS, REQUEST),
        # Another speaker's wake word leaves it be.
        ("hey_google", {}, False, 0, 0),
        ("alexa", {}, True, LISTENING_SECONDS, REQUEST),
    ],
    ids=[
        "mic_muted",
        "unpowered",
        "network_blocked",
        "output_muted_only",
        "wrong_wake_word",
        "right_wake_word",
    ],
)
def test_hearing_a_wake_word(
    word: str, conditions: dict[str, bool], woke: bool, lit: int, streamed: int
) -> None:
    """What an Echo does on hearing a word, by microphone, power and network.

    The output's mute is no input of the timeline: a speaker hears with its
    microphone, so ``output_muted`` is given to nothing.
    """
    talk = SpeakerTalk("amazon_echo", 1000, 40, 7)
    assert talk.wake_word == "alexa"
    run(talk, 3)
    mic_muted = conditions.get("mic_muted", False)
    assert (
        talk.hear(word, mic_muted=mic_muted, powered=conditions.get("powered", True))
        is woke
    )
    seconds = run(
        talk, 15, mic_muted=mic_muted, blocked=conditions.get("blocked", False)
    )
    rate = UPLOAD_RATE["amazon_echo"]
    assert sum(s.listening for s in seconds) == lit
    assert len(streaming(seconds, rate)) == streamed
    if conditions.get("blocked"):
        assert all(s.sent == 0 for s in seconds)
    if not woke:
        assert not any(s.activity for s in seconds)
        assert max(s.sent for s in seconds) < rate / 4


@pytest.mark.parametrize("profile", list(UPLOAD_RATE))
def test_a_heard_request_is_a_request_at_the_profiles_rate(profile: str) -> None:
    """Lit for the wake word's second, then a request's stream at its rate."""
    talk = SpeakerTalk(profile, 1000, 40, 3)
    assert talk.wake_word == PROFILE_WAKE_WORD[profile]
    run(talk, 2)
    assert talk.hear(talk.wake_word.upper(), mic_muted=False, powered=True)
    seconds = run(talk, 10)
    rate = UPLOAD_RATE[profile]
    assert seconds[0].listening
    assert seconds[0].sent < rate / 2  # the wake word, not yet a stream
    assert [s.listening for s in seconds[:4]] == [True] * LISTENING_SECONDS + [False]
    stream = seconds[1 : 1 + REQUEST]
    assert all(s.activity is Activity.REQUEST for s in stream)
    # 10 % jitter over the rate, plus idle traffic (no keep-alive this early).
    assert all(0.9 * rate <= s.sent <= 1.1 * rate + IDLE_BYTES[1] for s in stream)
    assert not any(s.activity for s in seconds[1 + REQUEST :])


def test_a_wake_word_from_the_yaml_replaces_the_profiles() -> None:
    """A satellite told hey_jarvis wakes on it, and no longer on okay_nabu."""
    talk = SpeakerTalk("other", 1000, 40, 0, wake_word="hey_jarvis")
    assert not talk.hear("okay_nabu", mic_muted=False, powered=True)
    assert talk.hear("hey_jarvis", mic_muted=False, powered=True)


def test_a_heard_request_preempts_and_defers_the_cycle() -> None:
    """It cuts a silent upload short; a turn due meanwhile waits until it ends."""
    talk = SpeakerTalk("other", 0, 30, 0)  # request 0, misactivation 30, silent 60
    rate = UPLOAD_RATE["other"]
    run(talk, 29, tv_playing=True)
    assert talk.hear("okay_nabu", mic_muted=False, powered=True)
    seconds = run(talk, 40, tv_playing=True)  # seconds 29 to 68
    heard = seconds[: 1 + REQUEST]
    assert all(s.activity is Activity.REQUEST for s in heard)
    # The misactivation due at 30 starts as soon as the request is over.
    late = seconds[1 + REQUEST]
    assert late.activity is Activity.MISACTIVATION
    assert late.listening
    assert seconds[60 - 29].activity is Activity.SILENT  # the cycle goes on

    # Heard during the silent upload: the request takes its place.
    run(talk, 1, tv_playing=True)
    assert talk.hear("okay_nabu", mic_muted=False, powered=True)
    after = run(talk, 12, tv_playing=True)
    assert after[0].listening
    assert after[0].activity is Activity.REQUEST
    assert len(streaming(after, rate)) == REQUEST
    assert Activity.SILENT not in {s.activity for s in after}


def test_a_muted_microphone_ends_a_heard_request() -> None:
    """Muted right after it woke: the request stops, as any request does."""
    talk = SpeakerTalk("google_nest", 1000, 40, 0)
    assert talk.hear("hey_google", mic_muted=False, powered=True)
    run(talk, 2)
    assert not any(s.activity or s.listening for s in run(talk, 8, mic_muted=True))


def test_hearing_is_deterministic() -> None:
    """The same seed and the same words at the same seconds: the same talk.

    Until it hears something, a speaker talks exactly as one that never does.
    """

    def talk(seed: int, heard_at: tuple[int, ...]) -> list[Second]:
        timeline = SpeakerTalk("apple_homepod", 5, 20, seed)
        seconds: list[Second] = []
        for second in range(80):
            if second in heard_at:
                timeline.hear("hey_siri", mic_muted=False, powered=True)
            seconds.extend(run(timeline, 1, tv_playing=True))
        return seconds

    assert talk(11, (12, 50)) == talk(11, (12, 50))
    assert talk(11, (12, 50)) != talk(12, (12, 50))
    assert talk(11, (12, 50))[:12] == talk(11, ())[:12]
    assert talk(11, (12, 50)) != talk(11, ())


@pytest.mark.parametrize(
    ("media_id", "word"),
    [
        (URL.format("alexa"), "alexa"),
        ("https://ha.example:8123/privacy_guard/probe/hey_siri.mp3?t=1", "hey_siri"),
        ("/privacy_guard/probe/okay_nabu.wav", "okay_nabu"),
        (
            "http://127.0.0.1:8123/local/privacy_guard/probe/Hey_Google.ogg",
            "hey_google",
        ),
        ("http://127.0.0.1:8123/media/music/alexa.mp3", None),
        ("http://127.0.0.1:8123/privacy_guard/probe/alexa", None),
        ("media-source://tts/google_translate?message=alexa", None),
        ("alexa", None),
    ],
)
def test_a_probe_clip_is_known_by_its_path(media_id: str, word: str | None) -> None:
    """Only a URL path ending in /privacy_guard/probe/<word>.<ext> says a word."""
    assert probe_word(media_id) == word


# --- the YAML ------------------------------------------------------------------


def demo_yaml(tmp_path: Path) -> dict[str, Any]:
    """Return the demo house of scripts/demo_config, as scripts/develop runs it."""
    folder = tmp_path / "demo_config"
    folder.mkdir()
    shutil.copy(DEMO_CONFIG / "configuration.yaml", folder)
    for name in ("automations.yaml", "scripts.yaml"):
        (folder / name).write_text("[]\n", encoding="utf-8")
    conf: dict[str, Any] = load_yaml_dict(folder / "configuration.yaml")["privacy_demo"]
    return conf


def test_the_demo_house_has_a_probe_player_in_each_speakers_room(
    tmp_path: Path,
) -> None:
    """Each speaker has an area with a radio in it, and knows its wake word."""
    conf = CONFIG_SCHEMA({"privacy_demo": demo_yaml(tmp_path)})["privacy_demo"]
    speakers = {speaker["name"]: speaker for speaker in conf["speakers"]}
    rooms = {player["area"]: player["name"] for player in conf["probe_players"]}
    assert {name: rooms[s["area"]] for name, s in speakers.items()} == {
        "Kitchen Echo": "Kitchen Radio",
        "Living Room Nest": "Living Room Speaker",
        "Bedroom HomePod": "Bedroom Clock Radio",
        "Office Satellite": "Office Speaker",
    }
    assert {name: s["wake_word"] for name, s in speakers.items()} == {
        "Kitchen Echo": "alexa",
        "Living Room Nest": "hey_google",
        "Bedroom HomePod": "hey_siri",
        "Office Satellite": "okay_nabu",
    }
    # Honestly weak: nothing but its output can be muted.
    homepod = speakers["Bedroom HomePod"]
    assert not homepod["mic_switch"]
    assert not homepod["network_switch"]
    assert not homepod["plug"]


@pytest.mark.parametrize(
    "demo",
    [
        {"speakers": [{"name": "Echo", "wake_word": "hey_computer"}]},
        {"probe_players": [{"name": "Radio"}]},
        {"probe_players": [{"name": "Echo", "area": "Kitchen"}]},
        {
            "probe_players": [
                {"name": "Radio", "area": "Kitchen"},
                {"name": "Radio", "area": "Office"},
            ]
        },
    ],
    ids=["unknown_wake_word", "probe_without_area", "named_like_a_speaker", "twice"],
)
async def test_bad_probe_yaml_is_refused(
    hass: HomeAssistant, demo: dict[str, Any]
) -> None:
    """A wake word without a clip, a probe player nowhere, or one device twice."""
    assert not await async_setup_component(
        hass,
        "privacy_demo",
        {"privacy_demo": {"speakers": [{"name": "Echo"}], **demo}},
    )


def test_self_test_answers_only_where_the_form_asks_them() -> None:
    """A Privacy Guard without the self-test gets no answers it would refuse."""
    flat = {
        "name": "Kitchen Echo",
        "media_player": "media_player.kitchen_echo",
        "mic_switch": "switch.kitchen_echo_microphone_mute",
        "probe_player": "media_player.kitchen_radio",
        "wake_word": "alexa",
    }
    optional = ("probe_player", "wake_word")
    controls = section(vol.Schema({vol.Optional("mic_switch"): str}))
    before = vol.Schema(
        {
            vol.Required("name"): str,
            vol.Required("media_player"): str,
            vol.Required("controls"): controls,
        }
    )
    assert _form_input(before, flat, optional) == {
        "name": "Kitchen Echo",
        "media_player": "media_player.kitchen_echo",
        "controls": {"mic_switch": "switch.kitchen_echo_microphone_mute"},
    }
    after = before.extend(
        {
            vol.Required("self_test"): section(
                vol.Schema(
                    {vol.Optional("probe_player"): str, vol.Optional("wake_word"): str}
                )
            )
        }
    )
    assert _form_input(after, flat, optional)["self_test"] == {
        "probe_player": "media_player.kitchen_radio",
        "wake_word": "alexa",
    }


# --- in Home Assistant ---------------------------------------------------------


@pytest.fixture
async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    """Return a function that lets the house run for some seconds."""

    async def tick(seconds: int) -> None:
        for _ in range(seconds):
            freezer.tick(1)
            async_fire_time_changed(hass)
            await hass.async_block_till_done()

    return tick


async def setup_demo_house(
    hass: HomeAssistant,
    tmp_path: Path,
    setup_house: HouseFactory,
    *,
    talk: bool = True,
    guard: bool = False,
) -> None:
    """Set up scripts/demo_config's house; its speakers talk only when they hear."""
    conf = demo_yaml(tmp_path)
    await setup_house(
        conf["speakers"],
        people=conf["people"],
        demo={
            "probe_players": conf["probe_players"],
            "guard": guard,
            **({"talk": {**conf["talk"], **NO_CYCLE}} if talk else {}),
        },
    )
    await settle(hass)


def sent(hass: HomeAssistant, slug: str) -> int:
    """Return a speaker's bytes sent."""
    return int(float(state(hass, f"sensor.{slug}_bytes_sent")))


def sent_by_all(hass: HomeAssistant) -> dict[str, int]:
    """Return every demo speaker's bytes sent."""
    return {
        slug: sent(hass, slug)
        for slug in (KITCHEN_ECHO, "living_room_nest", HOMEPOD, "office_satellite")
    }


async def play(hass: HomeAssistant, player: str, media_id: str, **extra: Any) -> None:
    """Play media on a demo probe player, as Privacy Guard's self-test does."""
    await hass.services.async_call(
        "media_player",
        "play_media",
        {
            "entity_id": f"media_player.{player}",
            "media_content_id": media_id,
            "media_content_type": "music",
            **extra,
        },
        blocking=True,
    )
    await settle(hass)


def area_name(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return the name of the area an entity's device is in."""
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.device_id is not None
    device = dr.async_get(hass).async_get(entry.device_id)
    assert device is not None
    area = ar.async_get(hass).async_get_area(device.area_id or "")
    return area.name if area is not None else None


async def test_speakers_and_probe_players_stand_in_their_areas(
    hass: HomeAssistant, tmp_path: Path, setup_house: HouseFactory
) -> None:
    """Each speaker's device, its plug's and each radio are in their area."""
    await setup_demo_house(hass, tmp_path, setup_house)
    assert area_name(hass, "media_player.kitchen_echo") == "Kitchen"
    assert area_name(hass, "switch.kitchen_echo_microphone_mute") == "Kitchen"
    assert area_name(hass, "switch.kitchen_echo_plug") == "Kitchen"
    assert area_name(hass, "sensor.kitchen_echo_bytes_sent") == "Kitchen"
    assert area_name(hass, "media_player.bedroom_homepod") == "Bedroom"
    assert area_name(hass, "media_player.living_room_tv") is None
    for player, room in (
        ("kitchen_radio", "Kitchen"),
        ("living_room_speaker", "Living Room"),
        ("bedroom_clock_radio", "Bedroom"),
        ("office_speaker", "Office"),
    ):
        assert area_name(hass, f"media_player.{player}") == room
        assert state(hass, f"media_player.{player}") == "idle"
    registry = er.async_get(hass)
    radio = registry.async_get("media_player.kitchen_radio")
    echo = registry.async_get("media_player.kitchen_echo")
    assert radio is not None
    assert echo is not None
    assert radio.device_id != echo.device_id
    assert radio.supported_features & MediaPlayerEntityFeature.PLAY_MEDIA
    assert not hass.states.get("switch.bedroom_homepod_microphone_mute")
    assert not hass.states.get("switch.bedroom_homepod_internet_access")


async def test_the_kitchen_echo_hears_its_wake_word_from_the_kitchen_radio(
    hass: HomeAssistant, tmp_path: Path, setup_house: HouseFactory, tick: Tick
) -> None:
    """Its light ring lights and it uploads; nobody else in the house stirs."""
    await setup_demo_house(hass, tmp_path, setup_house)
    before = sent_by_all(hass)
    await play(
        hass, "kitchen_radio", URL.format("alexa"), announce=True, extra={"a": 1}
    )
    assert state(hass, "media_player.kitchen_radio") == "playing"
    await tick(1)
    assert state(hass, "binary_sensor.kitchen_echo_listening") == "on"
    await tick(REQUEST + 2)
    assert state(hass, "binary_sensor.kitchen_echo_listening") == "off"
    assert state(hass, "media_player.kitchen_radio") == "idle"
    after = sent_by_all(hass)
    rate = UPLOAD_RATE["amazon_echo"]
    assert after[KITCHEN_ECHO] - before[KITCHEN_ECHO] >= 0.9 * rate * REQUEST
    for slug in after.keys() - {KITCHEN_ECHO}:
        assert after[slug] - before[slug] < rate / 2, slug
        assert state(hass, f"binary_sensor.{slug}_listening") == "off"


async def test_a_probe_in_another_room_is_not_heard(
    hass: HomeAssistant, tmp_path: Path, setup_house: HouseFactory, tick: Tick
) -> None:
    """Alexa on the living room's speaker: the Kitchen Echo is out of earshot."""
    await setup_demo_house(hass, tmp_path, setup_house)
    before = sent(hass, KITCHEN_ECHO)
    await play(hass, "living_room_speaker", URL.format("alexa"))
    for _ in range(REQUEST + 2):
        await tick(1)
        assert state(hass, "binary_sensor.kitchen_echo_listening") == "off"
        assert state(hass, "binary_sensor.living_room_nest_listening") == "off"
    assert sent(hass, KITCHEN_ECHO) - before < UPLOAD_RATE["amazon_echo"] / 2


async def test_the_bedroom_homepod_muted_at_its_output_still_wakes_and_uploads(
    hass: HomeAssistant, tmp_path: Path, setup_house: HouseFactory, tick: Tick
) -> None:
    """Muting its media player is all that can be done to it, and it is not enough."""
    await setup_demo_house(hass, tmp_path, setup_house)
    await hass.services.async_call(
        "media_player",
        "volume_mute",
        {"entity_id": "media_player.bedroom_homepod", "is_volume_muted": True},
        blocking=True,
    )
    await settle(hass)
    before = sent(hass, HOMEPOD)
    await play(hass, "bedroom_clock_radio", URL.format("hey_siri"))
    await tick(1)
    assert state(hass, "binary_sensor.bedroom_homepod_listening") == "on"
    await tick(REQUEST + 1)
    rate = UPLOAD_RATE["apple_homepod"]
    assert sent(hass, HOMEPOD) - before >= 0.9 * rate * REQUEST


@pytest.mark.parametrize(
    ("entity_id", "on", "lights", "uploads"),
    [
        ("switch.kitchen_echo_microphone_mute", True, False, False),
        ("switch.kitchen_echo_plug", False, False, False),
        ("switch.kitchen_echo_internet_access", False, True, False),
    ],
    ids=["mic_muted", "unplugged", "network_blocked"],
)
async def test_what_protects_the_kitchen_echo_from_a_probe(
    hass: HomeAssistant,
    tmp_path: Path,
    setup_house: HouseFactory,
    tick: Tick,
    entity_id: str,
    on: bool,
    lights: bool,
    uploads: bool,
) -> None:
    """Its muted microphone or its plug: it never wakes. Blocked: it wakes, mute."""
    await setup_demo_house(hass, tmp_path, setup_house)
    await switch(hass, entity_id, on)
    before = sent(hass, KITCHEN_ECHO)
    await play(hass, "kitchen_radio", URL.format("alexa"))
    await tick(1)
    ring = "on" if lights else "off"
    assert state(hass, "binary_sensor.kitchen_echo_listening") == ring
    await tick(REQUEST + 1)
    grew = sent(hass, KITCHEN_ECHO) - before
    assert (grew >= UPLOAD_RATE["amazon_echo"]) is uploads
    if not lights:
        # Nor does it wake later, once the protection is taken away again.
        await switch(hass, entity_id, not on)
        await tick(REQUEST + 2)
        assert sent(hass, KITCHEN_ECHO) - before < UPLOAD_RATE["amazon_echo"] / 2


async def test_other_media_is_just_played(
    hass: HomeAssistant, tmp_path: Path, setup_house: HouseFactory, tick: Tick
) -> None:
    """Music says no wake word; a radio plays, then is idle again."""
    await setup_demo_house(hass, tmp_path, setup_house)
    media = "http://127.0.0.1:8123/media/local/alexa_greatest_hits.mp3"
    await play(hass, "kitchen_radio", media)
    radio = hass.states.get("media_player.kitchen_radio")
    assert radio is not None
    assert radio.state == "playing"
    assert radio.attributes["media_content_id"] == media
    await tick(1)
    assert state(hass, "binary_sensor.kitchen_echo_listening") == "off"
    await tick(int(PLAY_SECONDS))
    radio = hass.states.get("media_player.kitchen_radio")
    assert radio is not None
    assert radio.state == "idle"
    assert "media_content_id" not in radio.attributes


async def test_without_talk_a_probe_is_simply_played(
    hass: HomeAssistant,
    tmp_path: Path,
    setup_house: HouseFactory,
    tick: Tick,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No counters, no light rings: nobody to hear it, and nothing goes wrong."""
    await setup_demo_house(hass, tmp_path, setup_house, talk=False)
    assert hass.states.get("binary_sensor.kitchen_echo_listening") is None
    await play(hass, "kitchen_radio", URL.format("alexa"))
    assert state(hass, "media_player.kitchen_radio") == "playing"
    await tick(int(PLAY_SECONDS))
    assert state(hass, "media_player.kitchen_radio") == "idle"
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_privacy_guard_is_told_each_speakers_probe_player_and_wake_word(
    hass: HomeAssistant, tmp_path: Path, setup_house: HouseFactory
) -> None:
    """The demo's wiring answers the self-test fields where the form asks them."""
    await setup_demo_house(hass, tmp_path, setup_house, guard=True)
    entries = hass.config_entries.async_entries("privacy_guard")
    assert len(entries) == 1
    speakers = {
        subentry.title: dict(subentry.data)
        for subentry in entries[0].subentries.values()
        if subentry.subentry_type == "speaker"
    }
    assert len(speakers) == 4
    homepod = speakers["Bedroom HomePod"]
    assert homepod["actions"] == ["mute_media"]
    assert not homepod.get("mic_switch")
    assert not homepod.get("network_switch")

    flow = await hass.config_entries.subentries.async_init(
        (entries[0].entry_id, "speaker"), context={"source": "user"}
    )
    schema = flow.get("data_schema")
    asked = {
        str(field)
        for key, value in (schema.schema if schema else {}).items()
        for field in (value.schema.schema if isinstance(value, section) else [key])
    }
    hass.config_entries.subentries.async_abort(flow["flow_id"])
    expected = {
        "Kitchen Echo": ("media_player.kitchen_radio", "alexa"),
        "Living Room Nest": ("media_player.living_room_speaker", "hey_google"),
        "Bedroom HomePod": ("media_player.bedroom_clock_radio", "hey_siri"),
        "Office Satellite": ("media_player.office_speaker", "okay_nabu"),
    }
    for name, (player, word) in expected.items():
        data = speakers[name]
        if "probe_player" in asked:
            assert data.get("probe_player") == player, name
        else:
            assert "probe_player" not in data, name
        if "wake_word" in asked:
            assert data.get("wake_word") == word, name
        else:
            assert "wake_word" not in data, name
    # Through its options flow, the demo allows calibration (a self-test of
    # an open speaker proves the probe wakes it) and schedules nothing.
    assert entries[0].options["calibration"] is True
    assert entries[0].options["self_test_days"] == 0
