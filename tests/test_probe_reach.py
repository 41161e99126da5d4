"""Where a probe plays, and which speakers it may reach (pure lookups)."""

from __future__ import annotations

from custom_components.privacy_guard.models import SpeakerConfig
from custom_components.privacy_guard.probe_reach import in_reach, probe_player
from custom_components.privacy_guard.room import Room, RoomConfig

RADIO = "media_player.kitchen_radio"


def speaker(
    speaker_id: str, wake_word: str, player: str | None = None
) -> SpeakerConfig:
    return SpeakerConfig(
        speaker_id=speaker_id,
        name=speaker_id,
        media_player=f"media_player.{speaker_id}",
        wake_word=wake_word,
        probe_player=player,
    )


def room(room_id: str, speakers: tuple[str, ...], player: str | None) -> Room:
    return Room(
        room_id=room_id,
        name=room_id,
        config=RoomConfig.from_data({"source": "url", "url": "rtsp://cam.local/a"}),
        speakers=speakers,
        probe_player=player,
    )


def test_a_speakers_own_player_comes_before_its_rooms() -> None:
    configs = {
        "echo": speaker("echo", "alexa"),
        "nest": speaker("nest", "hey_google", "media_player.tv"),
        "pod": speaker("pod", "hey_siri"),
    }
    rooms = {"kitchen": room("kitchen", ("echo", "nest"), RADIO)}
    assert probe_player(configs, rooms, "echo") == RADIO
    assert probe_player(configs, rooms, "nest") == "media_player.tv"
    assert probe_player(configs, rooms, "pod") is None


def test_the_probe_reaches_the_same_word_in_its_rooms_or_on_its_player() -> None:
    """Another Echo in the kitchen, one elsewhere played to by the same radio:
    both in reach; a Nest beside it (another word) and an Echo far away not."""
    configs = {
        "echo": speaker("echo", "alexa"),
        "echo_dot": speaker("echo_dot", "alexa"),
        "nest": speaker("nest", "hey_google"),
        "hall_echo": speaker("hall_echo", "alexa", RADIO),
        "far_echo": speaker("far_echo", "alexa", "media_player.attic"),
    }
    rooms = {"kitchen": room("kitchen", ("echo", "echo_dot", "nest"), RADIO)}
    assert in_reach(configs, rooms, "echo", RADIO, "alexa") == [
        "echo_dot",
        "hall_echo",
    ]
    assert in_reach(configs, rooms, "nest", RADIO, "hey_google") == []
    assert in_reach(configs, rooms, "far_echo", "media_player.attic", "alexa") == []
