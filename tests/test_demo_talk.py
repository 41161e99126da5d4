"""The demo speakers that talk, alone and through a real Privacy Guard."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.privacy_demo.talk import (
    KEEPALIVE_EVERY,
    SECONDS,
    UPLOAD_RATE,
    Activity,
    SpeakerTalk,
)

from .conftest import HouseFactory
from .helpers import settle, switch

QUIET = {"tv_playing": True, "mic_muted": False, "blocked": False}
SPEAKERS: list[dict[str, Any]] = [
    {"name": "Kitchen Echo", "plug": True, "profile": "amazon_echo"},
    {"name": "Living Room Nest", "profile": "google_nest"},
    {"name": "Bedroom HomePod", "mic_switch": False, "profile": "apple_homepod"},
    {"name": "Office Satellite", "network_on_means": "blocked"},
]
VERDICTS = ("requested", "misactivations", "silent", "unsolicited", "leaks")


def run(talk: SpeakerTalk, seconds: int, **conditions: bool) -> list[Any]:
    """Step a timeline ``seconds`` times under fixed conditions."""
    return [talk.step(**{**QUIET, **conditions}) for _ in range(seconds)]


def test_a_cycle_of_request_misactivation_and_silent_upload() -> None:
    """Lit before a request streams; lit for a misactivation; dark for silence."""
    talk = SpeakerTalk(profile="amazon_echo", first=2, interval=20, seed=1)
    seconds = run(talk, 60)
    rate = UPLOAD_RATE["amazon_echo"]
    for start, activity in ((2, Activity.REQUEST), (22, Activity.MISACTIVATION)):
        assert seconds[start].listening
        assert seconds[start].sent < rate / 2  # the wake word, not yet a stream
        streaming = [s for s in seconds[start + 1 : start + 20] if s.sent > rate / 2]
        assert len(streaming) == SECONDS[activity]
        assert all(s.activity is activity for s in streaming)
    silent = seconds[42 : 42 + SECONDS[Activity.SILENT]]
    assert all(s.sent > rate / 2 and not s.listening for s in silent)
    assert not seconds[42 + SECONDS[Activity.SILENT]].activity
    # Idle between activities: a keep-alive is one burst, far under a stream.
    idle = [s.sent for s in seconds[15:22]]
    assert max(idle) < rate / 4
    assert seconds[KEEPALIVE_EVERY - 1].sent > 1_000


def test_the_same_seed_talks_the_same() -> None:
    """A seeded timeline is the same every run, and another seed differs."""

    def sent(seed: int) -> list[int]:
        talk = SpeakerTalk(profile="other", first=0, interval=15, seed=seed)
        return [s.sent for s in run(talk, 50)]

    assert sent(3) == sent(3)
    assert sent(3) != sent(4)


def test_a_muted_microphone_never_wakes_and_a_block_sends_nothing() -> None:
    """Muted: keep-alives only. Blocked: not a byte, though it still wakes."""
    muted = run(SpeakerTalk("other", 0, 15, 0), 60, mic_muted=True)
    assert not any(s.listening or s.activity for s in muted)
    assert max(s.sent for s in muted) < UPLOAD_RATE["other"] / 4
    blocked = run(SpeakerTalk("other", 0, 15, 0), 60, blocked=True)
    assert all(s.sent == 0 for s in blocked)
    assert any(s.listening for s in blocked)


def test_muting_stops_an_upload_under_way() -> None:
    """The microphone muted mid-stream: the stream ends at once."""
    talk = SpeakerTalk("other", 0, 30, 0)
    assert run(talk, 3)[-1].activity is Activity.REQUEST
    assert not any(s.activity for s in run(talk, 10, mic_muted=True))


def test_no_misactivation_while_the_tv_is_off() -> None:
    """Dialogue wakes a speaker by mistake only while the TV plays."""
    talk = SpeakerTalk("other", 0, 15, 0)
    seconds = run(talk, 45, tv_playing=False)
    kinds = {s.activity for s in seconds if s.activity}
    assert kinds == {Activity.REQUEST, Activity.SILENT}


async def test_the_demo_house_talks_to_privacy_guard(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, setup_house: HouseFactory
) -> None:
    """Two minutes of the demo house: uploads counted with two verdicts or more.

    Then privacy mode: every speaker cut off, nothing more is sent or counted.
    """
    await setup_house(
        SPEAKERS,
        demo={
            "guard": True,
            "talk": {"interval": 40, "first": 10, "tv": "Living Room TV"},
        },
    )
    await settle(hass)
    assert hass.states.get("media_player.living_room_tv").state == "playing"
    for speaker in SPEAKERS:
        slug = slugify(speaker["name"])
        assert (
            hass.states.get(f"sensor.{slug}_bytes_sent").attributes[
                "unit_of_measurement"
            ]
            == "B"
        )

    async def tick(seconds: int) -> None:
        for _ in range(seconds):
            freezer.tick(1)
            async_fire_time_changed(hass)
            await hass.async_block_till_done()

    def counts() -> dict[str, int]:
        found: dict[str, int] = {}
        for speaker in SPEAKERS:
            slug = slugify(speaker["name"])
            for verdict in VERDICTS:
                entity = f"sensor.{slug}_{verdict}"
                if verdict in ("requested", "silent", "unsolicited"):
                    entity += "_uploads"
                found[entity] = int(hass.states.get(entity).state)
        return found

    await tick(120)
    totals: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for entity, value in counts().items():
        totals[next(v for v in VERDICTS if v in entity)] += value
    # At least two different verdicts: requests, on the speaker's own word,
    # and uploads nobody asked for; nothing leaked, as nothing was guarded.
    assert totals["requested"] >= 2, totals
    assert totals["unsolicited"] >= 1, totals
    assert totals["leaks"] == 0, totals
    uploads = sum(
        int(hass.states.get(f"sensor.{slugify(s['name'])}_uploads").state)
        for s in SPEAKERS
    )
    assert uploads == sum(totals.values())

    # Privacy mode: every speaker's internet access cut off; nothing more sent.
    await switch(hass, "switch.demo_house_privacy_mode", True)
    await settle(hass)
    for speaker in SPEAKERS:
        slug = slugify(speaker["name"])
        assert hass.states.get(f"binary_sensor.{slug}_protected").state == "on"
    sent = {
        s["name"]: hass.states.get(f"sensor.{slugify(s['name'])}_bytes_sent").state
        for s in SPEAKERS
    }
    before = counts()
    await tick(90)
    assert counts() == before
    assert {
        s["name"]: hass.states.get(f"sensor.{slugify(s['name'])}_bytes_sent").state
        for s in SPEAKERS
    } == sent


@pytest.mark.parametrize("interval", [5, 4000])
async def test_a_bad_interval_is_refused(hass: HomeAssistant, interval: int) -> None:
    """The pace is bounded: at least 15 s, at most an hour."""
    assert not await async_setup_component(
        hass,
        "privacy_demo",
        {"privacy_demo": {"speakers": SPEAKERS, "talk": {"interval": interval}}},
    )
