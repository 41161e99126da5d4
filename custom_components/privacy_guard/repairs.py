"""Repair issues, in one place: their ids, severities and translation keys."""

from __future__ import annotations

from enum import StrEnum

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


class Issue(StrEnum):
    """A kind of repair issue; its value is the translation key."""

    ACTION_FAILED = "action_failed"
    ENTITY_MISSING = "entity_missing"
    DEVICE_RESETS = "device_resets"
    LEAK = "leak"
    BACKEND_UNAVAILABLE = "backend_unavailable"
    ROOM_UNREACHABLE = "room_unreachable"
    WAKE_WORD_UNAVAILABLE = "wake_word_unavailable"
    UNPROTECTABLE = "unprotectable"
    SELF_TEST_LEAKED = "self_test_leaked"
    CONTROL_CONFLICT = "control_conflict"


SEVERITY: dict[Issue, ir.IssueSeverity] = {
    Issue.ACTION_FAILED: ir.IssueSeverity.ERROR,
    Issue.ENTITY_MISSING: ir.IssueSeverity.WARNING,
    Issue.DEVICE_RESETS: ir.IssueSeverity.WARNING,
    Issue.LEAK: ir.IssueSeverity.ERROR,
    Issue.BACKEND_UNAVAILABLE: ir.IssueSeverity.ERROR,
    Issue.ROOM_UNREACHABLE: ir.IssueSeverity.WARNING,
    Issue.WAKE_WORD_UNAVAILABLE: ir.IssueSeverity.WARNING,
    Issue.UNPROTECTABLE: ir.IssueSeverity.WARNING,
    Issue.SELF_TEST_LEAKED: ir.IssueSeverity.ERROR,
    Issue.CONTROL_CONFLICT: ir.IssueSeverity.ERROR,
}

# Raised again by a new run whenever they still hold: swept at start.
RUN_ISSUES: tuple[Issue, ...] = (
    Issue.ACTION_FAILED,
    Issue.ENTITY_MISSING,
    Issue.DEVICE_RESETS,
    Issue.UNPROTECTABLE,
    Issue.CONTROL_CONFLICT,
)


def issue_id(issue: Issue, *parts: str) -> str:
    """Return the id of one issue of a kind, e.g. ``leak_<speaker id>``."""
    return "_".join((issue.value, *parts))


@callback
def async_raise(
    hass: HomeAssistant, issue: Issue, *parts: str, placeholders: dict[str, str]
) -> None:
    """Raise (or refresh) one repair issue."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(issue, *parts),
        is_fixable=False,
        severity=SEVERITY[issue],
        translation_key=issue.value,
        translation_placeholders=placeholders,
    )


@callback
def async_clear(hass: HomeAssistant, issue: Issue, *parts: str) -> None:
    """Remove one repair issue, if raised."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(issue, *parts))


@callback
def async_sweep(hass: HomeAssistant, issues: tuple[Issue, ...] = RUN_ISSUES) -> None:
    """Remove every issue of the given kinds (those an earlier run raised)."""
    registry = ir.async_get(hass)
    prefixes = tuple(f"{issue.value}_" for issue in issues)
    for domain, raised in list(registry.issues):
        if domain == DOMAIN and raised.startswith(prefixes):
            ir.async_delete_issue(hass, DOMAIN, raised)
