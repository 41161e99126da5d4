"""Diagnostics, with addresses and names of places redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_IP_ADDRESS, CONF_MAC
from .models import PrivacyGuardConfigEntry

TO_REDACT = {
    CONF_IP_ADDRESS,
    CONF_MAC,
    "password",
    "username",
    "api_key",
    "token",
    "url",
    "host",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PrivacyGuardConfigEntry
) -> dict[str, Any]:
    """Return the house, its speakers, their views and the ledger."""
    guard = entry.runtime_data.guard
    # Addresses also turn up inside texts (a DNS filter's error, a ledger target).
    private = {
        str(value)
        for subentry in entry.subentries.values()
        for key, value in subentry.data.items()
        if key in (CONF_IP_ADDRESS, CONF_MAC) and value
    }
    scrubbed: dict[str, Any] = _scrub(
        {
            "entry": {
                "data": async_redact_data(dict(entry.data), TO_REDACT),
                "options": async_redact_data(dict(entry.options), TO_REDACT),
            },
            "house": {
                "privacy_mode": guard.privacy_mode,
                "house_empty": guard.house_empty,
                "condition": guard.condition,
                "reason": guard.reason.value,
            },
            "speakers": {
                speaker_id: {
                    "title": speaker.config.name,
                    "data": async_redact_data(
                        dict(entry.subentries[speaker_id].data), TO_REDACT
                    ),
                    "view": {
                        "reason": view.reason.value,
                        "privacy_state": view.privacy_state.value,
                        "protected": view.protected,
                        "states": {a.value: v for a, v in view.states.items()},
                        "overrides": [a.value for a in view.overrides],
                        "failures": {a.value: e for a, e in view.failures.items()},
                    },
                }
                for speaker_id, speaker in guard.speakers.items()
                for view in (guard.view(speaker_id),)
            },
            "ledger": async_redact_data(entry.runtime_data.ledger.as_dict(), TO_REDACT),
        },
        private,
    )
    return scrubbed


def _scrub(value: Any, private: set[str]) -> Any:
    """Replace every private text wherever it appears, keys included."""
    if isinstance(value, str):
        for text in private:
            value = value.replace(text, REDACTED)
        return value
    if isinstance(value, dict):
        return {_scrub(k, private): _scrub(v, private) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, private) for item in value]
    return value
