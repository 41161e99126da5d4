"""Describe Privacy Guard events in the logbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_ENGAGED, EVENT_RELEASED

REASON_TEXT = {
    "privacy_mode": "privacy mode",
    "house_empty": "the house is empty",
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

    async_describe_event(DOMAIN, EVENT_ENGAGED, describe_engaged)
    async_describe_event(DOMAIN, EVENT_RELEASED, describe_released)
