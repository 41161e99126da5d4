"""Describe Privacy Guard events in the logbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import (
    DOMAIN,
    EVENT_ENGAGED,
    EVENT_LEAK,
    EVENT_RELEASED,
    EVENT_REPROTECTED,
    EVENT_SELF_TEST,
    EVENT_UPLOAD,
    EVENT_WAKE_WORD,
)

UPLOAD_TEXT = {
    "requested": " after a wake word",
    "misactivation": " after speech that was not the wake word",
    "silent": " while nobody in the room said anything",
    "unsolicited": " that nobody was seen to ask for",
    "leak": " while guarded",
}
WITNESS_TEXT = {
    "room_microphone": " (heard by the room microphone)",
    "satellite": " (the satellite heard its wake word)",
    "speaker": " (as the speaker reports it)",
    "self_test": " (asked by the self-test's probe)",
}

CAUSE_TEXT = {
    "device": "the device reset or came back",
    "downtime": "found so after a restart",
}

SELF_TEST_TEXT = {
    "held": "passed its self-test: its witnesses saw no upload while guarded ({probe})",
    "leaked": "failed its self-test: it woke or uploaded while guarded",
    "woke": "was calibrated: the probe woke it",
    "inconclusive": "had a self-test that proves nothing ({reason})",
}
SELF_TEST_REASON_TEXT = {
    "no_witness": "nothing watches it (traffic, voice records, wake word)",
    "no_probe_player": "no probe player near it",
    "no_wake_word": "its wake word is not known",
    "not_guarded": "it is not guarded",
    "probe_failed": "the probe could not be played",
    "not_heard": "the room microphone did not hear the probe",
    "did_not_wake": "the probe did not wake it",
    "interrupted": "it was interrupted",
    "unverified": "nothing shows the probe was audible",
    "stale_witness": (
        "nothing watched the whole window in time "
        "(a break in its traffic sensor, or only late voice records)"
    ),
    "not_protected": "nothing cuts it; only a person may probe it",
}
SELF_TEST_PROBE_TEXT = {
    "heard": "the room microphone heard the probe",
    "woke": "it woke, but its network or power was cut",
    "calibrated": "a calibration showed the probe wakes it",
}

REASON_TEXT = {
    "privacy_mode": "privacy mode",
    "house_empty": "an empty house",
    "condition": "the guard condition",
    "manual": "an engage action",
}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe engage and release events."""

    @callback
    def describe_engaged(event: Event) -> dict[str, Any]:
        reason = REASON_TEXT.get(event.data.get("reason", ""), "a request")
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("name", "Speaker"),
            LOGBOOK_ENTRY_MESSAGE: f"was guarded because of {reason}",
        }

    @callback
    def describe_released(event: Event) -> dict[str, Any]:
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("name", "Speaker"),
            LOGBOOK_ENTRY_MESSAGE: "was released by the guard",
        }

    @callback
    def describe_upload(event: Event) -> dict[str, Any]:
        kind = UPLOAD_TEXT.get(event.data.get("kind", ""), "")
        witness = WITNESS_TEXT.get(event.data.get("witness", ""), "")
        if event.data.get("source") == "voice_record":
            what = "uploaded audio, by its voice record,"
        else:
            what = (
                f"uploaded {event.data.get('bytes', 0)} bytes"
                f" in {event.data.get('duration', 0)} s"
            )
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("name", "Speaker"),
            LOGBOOK_ENTRY_MESSAGE: f"{what}{kind}{witness}",
        }

    @callback
    def describe_leak(event: Event) -> dict[str, Any]:
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("name", "Speaker"),
            LOGBOOK_ENTRY_MESSAGE: (
                f"leaked {event.data.get('bytes', 0)} bytes while guarded"
            ),
        }

    @callback
    def describe_wake_word(event: Event) -> dict[str, Any]:
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("name", "Room"),
            LOGBOOK_ENTRY_MESSAGE: (
                f"heard the wake word {event.data.get('wake_word')}"
                + (
                    " while a self-test's probe played"
                    if event.data.get("self_test")
                    else ""
                )
            ),
        }

    @callback
    def describe_reprotected(event: Event) -> dict[str, Any]:
        cause = CAUSE_TEXT.get(event.data.get("cause", ""), "nobody asked")
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("name", "Speaker"),
            LOGBOOK_ENTRY_MESSAGE: (
                f"was protected again: {event.data.get('target')} was open "
                f"while guarded ({cause})"
            ),
        }

    @callback
    def describe_self_test(event: Event) -> dict[str, Any]:
        text = SELF_TEST_TEXT.get(event.data.get("result", ""), "had a self-test")
        message = text.format(
            probe=SELF_TEST_PROBE_TEXT.get(event.data.get("probe") or "", "?"),
            reason=SELF_TEST_REASON_TEXT.get(event.data.get("reason") or "", "?"),
        )
        if event.data.get("exposed"):
            message += " (it was exposed when the test began)"
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("name", "Speaker"),
            LOGBOOK_ENTRY_MESSAGE: message,
        }

    async_describe_event(DOMAIN, EVENT_SELF_TEST, describe_self_test)
    async_describe_event(DOMAIN, EVENT_REPROTECTED, describe_reprotected)
    async_describe_event(DOMAIN, EVENT_WAKE_WORD, describe_wake_word)
    async_describe_event(DOMAIN, EVENT_UPLOAD, describe_upload)
    async_describe_event(DOMAIN, EVENT_LEAK, describe_leak)
    async_describe_event(DOMAIN, EVENT_ENGAGED, describe_engaged)
    async_describe_event(DOMAIN, EVENT_RELEASED, describe_released)
