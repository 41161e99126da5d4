"""Diagnostics, with addresses and names of places redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from yarl import URL

from .const import (
    CONF_ADGUARD,
    CONF_IP_ADDRESS,
    CONF_MAC,
    CONF_PIHOLE,
    Action,
    Strength,
)
from .models import SpeakerConfig
from .runtime import PrivacyGuardConfigEntry

# What each strength means, for whoever reads the diagnostics.
STRENGTH_NOTES: dict[Strength, str] = {
    Strength.MICROPHONE: "cuts the microphone (the device's own mute)",
    Strength.NETWORK: "cuts the network (a router or firewall switch)",
    Strength.POWER: "cuts the power (confirmed by the plug's power sensor if any)",
    Strength.DNS_ONLY: (
        "DNS only: new look-ups are refused; an open connection and hard-coded "
        "DNS servers go on. Protects only with a traffic sensor as witness"
    ),
    Strength.OUTPUT_ONLY: "output only: silences the speaker, protects nothing",
}
WYOMING_NOTE = (
    "cuts the microphone in software: Home Assistant's pipeline stops listening "
    "to the satellite; whether the device's microphone stops depends on its software"
)

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
    house = entry.runtime_data.view
    tester = entry.runtime_data.self_tester
    # Addresses also turn up inside texts (a DNS filter's error, a ledger target).
    private = {
        str(value)
        for subentry in entry.subentries.values()
        for key, value in subentry.data.items()
        if key in (CONF_IP_ADDRESS, CONF_MAC) and value
    }
    # The DNS filters' addresses turn up in their failure texts.
    for kind in (CONF_ADGUARD, CONF_PIHOLE):
        settings = entry.options.get(kind) or {}
        if url := str(settings.get("url") or ""):
            private.add(url.rstrip("/"))
            if host := URL(url).host:
                private.add(host)
    scrubbed: dict[str, Any] = _scrub(
        {
            "entry": {
                "data": async_redact_data(dict(entry.data), TO_REDACT),
                "options": async_redact_data(dict(entry.options), TO_REDACT),
            },
            "house": {
                "privacy_mode": guard.state.privacy_mode,
                "house_empty": guard.state.house_empty,
                "condition": guard.state.condition,
                "reason": guard.reason.value,
                "unprotectable": house.count_unprotectable(),
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
                        "protected_by": (
                            view.protected_by.value if view.protected_by else None
                        ),
                        "can_protect": view.can_protect,
                    },
                    "controls": _controls(hass, speaker.config, view.controls),
                    "power_sensors": list(speaker.power_sensors),
                    "self_test": (
                        result.as_dict()
                        if (result := tester.results.get(speaker_id))
                        else None
                    ),
                }
                for speaker_id, speaker in guard.speakers.items()
                for view in (house.speaker(speaker_id),)
            },
            "ledger": async_redact_data(entry.runtime_data.ledger.as_dict(), TO_REDACT),
        },
        private,
    )
    return scrubbed


def _controls(
    hass: HomeAssistant, config: SpeakerConfig, controls: dict[Action, Strength]
) -> dict[str, dict[str, Any]]:
    """Return what each control of a speaker really cuts off, and how it is driven."""
    registry = er.async_get(hass)
    described: dict[str, dict[str, Any]] = {}
    for action, strength in controls.items():
        spec = config.spec(action)
        entity_id = spec.entity_id if spec else None
        entry = registry.async_get(entity_id) if entity_id else None
        platform = entry.platform if entry else None
        note = STRENGTH_NOTES.get(strength)
        if action is Action.MIC_MUTE and platform == "wyoming":
            note = WYOMING_NOTE
        described[action.value] = {
            "strength": strength.value,
            "kind": spec.kind.value if spec else None,
            "platform": platform,
            "note": note,
        }
    return described


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
