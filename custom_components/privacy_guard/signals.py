"""One way to tell entities that something changed: a dispatcher signal per subject.

A subject is the house (None), one speaker or one room, by its subentry id. A
room's listener updates only its room's entities; a speaker's change updates
its entities and the house's (whose counts may move).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)

from .const import DOMAIN
from .correlate import Verdict
from .detector_types import Upload

HOUSE = "house"


def signal_updated(entry_id: str, subject: str | None = None) -> str:
    """Return the signal that a subject's entities should show the latest state."""
    return f"{DOMAIN}_{entry_id}_{subject or HOUSE}_updated"


@callback
def async_notify(hass: HomeAssistant, entry_id: str, subject: str | None) -> None:
    """Tell one subject's entities to show the latest state."""
    async_dispatcher_send(hass, signal_updated(entry_id, subject))


@callback
def async_notify_speakers(
    hass: HomeAssistant, entry_id: str, speaker_ids: Iterable[str]
) -> None:
    """Tell the speakers' entities, and the house's (whose counts may move)."""
    for speaker_id in speaker_ids:
        async_notify(hass, entry_id, speaker_id)
    async_notify(hass, entry_id, None)


@callback
def async_follow(
    hass: HomeAssistant, entry_id: str, subject: str | None, update: CALLBACK_TYPE
) -> CALLBACK_TYPE:
    """Call ``update`` whenever the subject changes; return how to stop."""
    return async_dispatcher_connect(hass, signal_updated(entry_id, subject), update)


def signal_dns_changed(entry_id: str) -> str:
    """Return the signal that a DNS filter's block state of some clients changed.

    Sent with ``(kind: NetworkBackend, clients: set[str])``: on every change a
    poll finds, and for all the filter's clients when it is lost or recovered.
    """
    return f"{DOMAIN}_{entry_id}_dns_changed"


def signal_dns_queries(entry_id: str) -> str:
    """Return the signal that a DNS filter logged new voice lookups.

    Sent with ``(kind: NetworkBackend, queries: list[DnsQuery])``.
    """
    return f"{DOMAIN}_{entry_id}_dns_queries"


def signal_upload(entry_id: str) -> str:
    """Return the signal of every upload the monitor counted.

    Sent with ``(speaker_id: str, upload: Upload, verdict: Verdict)``.
    """
    return f"{DOMAIN}_{entry_id}_upload"


@callback
def async_send_upload(
    hass: HomeAssistant,
    entry_id: str,
    speaker_id: str,
    upload: Upload,
    verdict: Verdict,
) -> None:
    """Announce one counted upload and its verdict."""
    async_dispatcher_send(hass, signal_upload(entry_id), speaker_id, upload, verdict)


@callback
def async_follow_uploads(
    hass: HomeAssistant,
    entry_id: str,
    target: Callable[[str, Upload, Verdict], None],
) -> CALLBACK_TYPE:
    """Call ``target(speaker_id, upload, verdict)`` for every upload."""
    return async_dispatcher_connect(hass, signal_upload(entry_id), target)


def signal_wake_word(entry_id: str) -> str:
    """Return the signal of a wake word a room's microphone spotted.

    Sent with ``(room_id: str, word: str, self_test: bool)``: ``self_test``
    when the word is the one a self-test's probe was saying to a speaker of
    the room.
    """
    return f"{DOMAIN}_{entry_id}_wake_word"


@callback
def async_send_wake_word(
    hass: HomeAssistant, entry_id: str, room_id: str, word: str, self_test: bool
) -> None:
    """Announce a wake word a room heard."""
    async_dispatcher_send(hass, signal_wake_word(entry_id), room_id, word, self_test)


@callback
def async_follow_wake_words(
    hass: HomeAssistant, entry_id: str, target: Callable[[str, str, bool], Any]
) -> CALLBACK_TYPE:
    """Call ``target(room_id, word, self_test)`` for every wake word a room spots."""
    return async_dispatcher_connect(hass, signal_wake_word(entry_id), target)


def signal_exposure(entry_id: str) -> str:
    """Return the signal that the exposure clocks moved (each minute, or a change)."""
    return f"{DOMAIN}_{entry_id}_exposure"


@callback
def async_send_exposure(hass: HomeAssistant, entry_id: str) -> None:
    """Tell the exposure sensors to show their clocks."""
    async_dispatcher_send(hass, signal_exposure(entry_id))


@callback
def async_follow_exposure(
    hass: HomeAssistant, entry_id: str, update: CALLBACK_TYPE
) -> CALLBACK_TYPE:
    """Call ``update`` whenever the exposure clocks moved."""
    return async_dispatcher_connect(hass, signal_exposure(entry_id), update)
