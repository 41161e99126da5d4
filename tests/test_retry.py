"""Retries of a speaker's failed controls on their own: backoff and repairs."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.privacy_guard.const import DOMAIN, Action
from custom_components.privacy_guard.retry import (
    RETRY_PENDING,
    UNAVAILABLE,
    UNAVAILABLE_ISSUE_AFTER,
    Retry,
)

from .helpers import tick

ISSUE = "action_failed_echo_mic_mute"


async def test_a_failure_is_retried_with_backoff_and_becomes_a_repair(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """2 s, then 4 s; a failure that survives a retry is a repair; a success
    clears it and stops retrying."""
    calls: list[float] = []
    retry: Retry

    async def again() -> None:
        calls.append(retry.attempts)
        retry.after_attempt({Action.MIC_MUTE: "refused"} if len(calls) < 3 else {})

    retry = Retry(hass, "echo", "Echo", again)
    retry.after_attempt({Action.MIC_MUTE: "refused"})
    assert retry.pending
    assert retry.failure(Action.MIC_MUTE) == "refused"
    assert retry.failure(Action.NETWORK_BLOCK) == RETRY_PENDING
    # A first failure is only a warning.
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None
    await tick(hass, freezer, 2)
    assert calls == [1]
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_placeholders == {
        "speaker": "Echo",
        "action": "mic_mute",
        "error": "refused",
    }
    # Then 4 s, then 8 s.
    await tick(hass, freezer, 2)
    assert calls == [1]
    await tick(hass, freezer, 2)
    assert calls == [1, 2]
    await tick(hass, freezer, 4)
    assert calls == [1, 2]
    # The third try works: the repair goes, no retry is left, the count restarts.
    await tick(hass, freezer, 4)
    assert calls == [1, 2, 3]
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None
    assert not retry.pending
    assert retry.attempts == 0
    assert retry.failures == {}


async def test_an_unavailable_entity_is_a_repair_only_when_it_stays_away(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """A device rebooting is not an issue; one gone for a minute of retries is."""

    async def again() -> None:
        return None

    retry = Retry(hass, "echo", "Echo", again)
    for attempts in range(UNAVAILABLE_ISSUE_AFTER - 1):
        retry.attempts = attempts
        retry.after_attempt({Action.MIC_MUTE: UNAVAILABLE})
        assert issue_registry.async_get_issue(DOMAIN, ISSUE) is None
    retry.attempts = UNAVAILABLE_ISSUE_AFTER - 1
    retry.after_attempt({Action.MIC_MUTE: UNAVAILABLE})
    assert issue_registry.async_get_issue(DOMAIN, ISSUE) is not None
    retry.cancel()
    assert not retry.pending
    retry.restart()
    assert retry.attempts == 0
