"""The ledger on its own: what the guard changed, kept across restarts."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from custom_components.privacy_guard.const import Action
from custom_components.privacy_guard.ledger import Ledger
from custom_components.privacy_guard.planner import Plan
from custom_components.privacy_guard.records import (
    ActuatorSpec,
    LedgerRecord,
    RecordStatus,
)

KEY = "privacy_guard.house01"
MIC = ActuatorSpec("switch", "switch.echo_mic")
NET = ActuatorSpec("switch", "switch.echo_internet", protect_on=False)


def record(action: Action, spec: ActuatorSpec, status: RecordStatus) -> LedgerRecord:
    return LedgerRecord(action, spec, status)


async def reloaded(hass: HomeAssistant) -> Ledger:
    ledger = Ledger(hass, "house01")
    await ledger.async_load()
    return ledger


async def test_a_plan_is_applied_and_saved(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Drops go, new and changed records stay; the next commit writes them."""
    ledger = Ledger(hass, "house01")
    ledger.records["echo"] = {
        Action.MIC_MUTE: record(Action.MIC_MUTE, MIC, RecordStatus.APPLIED)
    }
    records = ledger.apply(
        "echo",
        Plan(
            records={
                Action.NETWORK_BLOCK: record(
                    Action.NETWORK_BLOCK, NET, RecordStatus.PENDING
                )
            },
            drops=[Action.MIC_MUTE],
        ),
    )
    assert list(records) == [Action.NETWORK_BLOCK]
    await ledger.async_commit()
    stored = hass_storage[KEY]["data"]["records"]["echo"]
    assert [(item["action"], item["status"]) for item in stored] == [
        ("network_block", "pending")
    ]
    again = await reloaded(hass)
    assert again.records["echo"][Action.NETWORK_BLOCK].spec == NET


async def test_an_empty_plan_writes_nothing(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Nothing changed, nothing saved: a commit after it does not write."""
    ledger = Ledger(hass, "house01")
    ledger.apply("echo", Plan())
    await ledger.async_commit()
    assert KEY not in hass_storage


async def test_what_the_ledger_keeps_across_a_restart(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Privacy mode, the house's state, engagements, re-protections and memos."""
    ledger = Ledger(hass, "house01")
    ledger.privacy_mode = True
    ledger.house_empty = True
    ledger.engaged_at["echo"] = 1_700_000_000.5
    ledger.reprotections["echo"] = 2
    ledger.manual_memos["pihole:10.0.0.5"] = {"groups": [0]}
    ledger.mark_dirty()
    await ledger.async_commit()
    again = await reloaded(hass)
    assert again.privacy_mode is True
    assert again.house_empty is True
    assert again.engaged_at == {"echo": 1_700_000_000.5}
    assert again.reprotections == {"echo": 2}
    assert again.manual_memos == {"pihole:10.0.0.5": {"groups": [0]}}


async def test_a_leak_listed_before_engagements_kept_their_start(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Its engagement began before anything: the leak counts until a release."""
    hass_storage[KEY] = {
        "version": 1,
        "data": {"leaks": ["echo"], "engaged_at": {"nest": 5.0, "bad": "x"}},
    }
    ledger = await reloaded(hass)
    assert ledger.engaged_at == {"echo": 0.0, "nest": 5.0}
    assert "leaks" not in ledger.as_dict()


async def test_an_unreadable_record_is_dropped_with_a_warning(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One damaged record does not cost the others."""
    good = record(Action.MIC_MUTE, MIC, RecordStatus.APPLIED).as_dict()
    hass_storage[KEY] = {
        "version": 1,
        "data": {"records": {"echo": [good, {"action": "explode"}]}},
    }
    with caplog.at_level(logging.WARNING):
        ledger = await reloaded(hass)
    assert list(ledger.records["echo"]) == [Action.MIC_MUTE]
    assert "Dropping unreadable ledger record" in caplog.text
