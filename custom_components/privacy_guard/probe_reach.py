"""Where a self-test's probe is played, and which speakers it may reach.

Pure lookups over the house's configuration: a speaker's probe player is its
own, else its room's; the probe may reach the other speakers in the speaker's
rooms and those its player plays to, and wakes those that answer to its word.
"""

from __future__ import annotations

from collections.abc import Mapping

from .models import SpeakerConfig
from .room import Room


def probe_player(
    configs: Mapping[str, SpeakerConfig], rooms: Mapping[str, Room], speaker_id: str
) -> str | None:
    """Return the speaker's probe player: its own, else its room's."""
    if player := configs[speaker_id].probe_player:
        return player
    return next(
        (
            room.probe_player
            for room in rooms.values()
            if speaker_id in room.speakers and room.probe_player
        ),
        None,
    )


def in_reach(
    configs: Mapping[str, SpeakerConfig],
    rooms: Mapping[str, Room],
    speaker_id: str,
    player: str | None,
    wake_word: str | None,
) -> list[str]:
    """Return the other speakers the probe may reach that answer to its word.

    In one of the speaker's rooms, or played to by the same player.
    """
    near_rooms = [room for room in rooms.values() if speaker_id in room.speakers]
    return [
        other
        for other, config in configs.items()
        if other != speaker_id
        and config.answers_to == wake_word
        and (
            probe_player(configs, rooms, other) == player
            or any(other in room.speakers for room in near_rooms)
        )
    ]
