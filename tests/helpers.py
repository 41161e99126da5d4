"""Small helpers for reading the demo house in tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.privacy_guard.logbook import async_describe_events


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state, failing clearly when it does not exist."""
    current = hass.states.get(entity_id)
    assert current is not None, f"{entity_id} does not exist"
    return current.state


def muted(hass: HomeAssistant, entity_id: str) -> bool | None:
    """Return a media player's mute attribute."""
    current = hass.states.get(entity_id)
    assert current is not None, f"{entity_id} does not exist"
    value = current.attributes.get("is_volume_muted")
    assert value is None or isinstance(value, bool)
    return value


async def switch(
    hass: HomeAssistant, entity_id: str, on: bool, context: Context | None = None
) -> None:
    """Flip a switch and let everything settle.

    With ``context`` (the ``person`` fixture) a person flips it; without, it
    changes with no user, as a device or an automation would.
    """
    await hass.services.async_call(
        "switch",
        "turn_on" if on else "turn_off",
        {"entity_id": entity_id},
        blocking=True,
        context=context,
    )
    await settle(hass)


async def settle(hass: HomeAssistant) -> None:
    """Let chains of state listeners (switch, phone, person, zone) run out."""
    for _ in range(10):
        await hass.async_block_till_done(wait_background_tasks=True)


def device_of(
    registry: dr.DeviceRegistry, identifier: tuple[str, str], entry_id: str
) -> dr.DeviceEntry | None:
    """Return the config entry's device with ``identifier``.

    Home Assistant 2026.8 makes identifiers unique per config entry only and
    deprecates the global lookup; 2026.2 has only that one.
    """
    lookup = getattr(registry, "async_get_device_by_identifier", None)
    if lookup is not None:
        device: dr.DeviceEntry | None = lookup(identifier, entry_id)
        return device
    return registry.async_get_device(identifiers={identifier})


def subentry_of(device: dr.DeviceEntry, entry_id: str) -> set[str | None]:
    """Return the subentries of ``entry_id`` that ``device`` belongs to."""
    if hasattr(device, "config_subentry_id"):
        # 2026.8: a device belongs to one entry and one subentry.
        return (
            {device.config_subentry_id} if device.config_entry_id == entry_id else set()
        )
    return set(device.config_entries_subentries.get(entry_id, set()))


async def feed_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    values: list[float | None],
    *,
    unit: str = "B",
    step: float = 1.0,
) -> None:
    """Report one value per step seconds, as a router integration would."""
    for value in values:
        freezer.tick(timedelta(seconds=step))
        hass.states.async_set(
            entity_id,
            "unavailable" if value is None else str(value),
            {"unit_of_measurement": unit},
        )
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Move the clock on by ``seconds`` and run whatever became due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def counter(start: float, rates: list[float]) -> list[float | None]:
    """Return cumulative counter values for per-second byte counts."""
    values: list[float | None] = []
    total = start
    for rate in rates:
        total += rate
        values.append(total)
    return values


async def person(hass: HomeAssistant) -> Context:
    """Return the context of a call an admin makes (a person, not automation)."""
    users = [
        user
        for user in await hass.auth.async_get_users()
        if user.name == "Tester" and user.is_admin
    ]
    user = users[0] if users else None
    if user is None:
        user = await hass.auth.async_create_user("Tester", group_ids=["system-admin"])
    return Context(user_id=user.id)


async def run_self_test(
    hass: HomeAssistant,
    speaker_id: str = "kitchen_echo_id",
    window: float = 5,
    *,
    by_person: bool = True,
) -> dict[str, Any]:
    """Call privacy_guard.self_test (every speaker); return one speaker's result.

    ``by_person``: an admin calls it; else an automation (no user).
    """
    response = await hass.services.async_call(
        "privacy_guard",
        "self_test",
        {"window": window},
        blocking=True,
        return_response=True,
        context=await person(hass) if by_person else None,
    )
    assert response is not None
    speakers = response["speakers"]
    assert isinstance(speakers, dict)
    result = speakers[speaker_id]
    assert isinstance(result, dict)
    return result


async def press_self_test(
    hass: HomeAssistant, speaker: str, *, by_person: bool = True
) -> None:
    """Press a speaker's Run self-test button (its test runs in the background).

    ``by_person``: an admin presses it; else an automation (no user).
    """
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": f"button.{speaker}_run_self_test"},
        blocking=True,
        context=await person(hass) if by_person else None,
    )


def logbook_entry(hass: HomeAssistant, event: Event) -> dict[str, Any]:
    """Return the logbook's name and message for one of Privacy Guard's events."""
    described: dict[str, Any] = {}
    async_describe_events(
        hass,
        lambda _domain, event_type, describe: described.__setitem__(
            event_type, describe
        ),
    )
    entry: dict[str, Any] = described[event.event_type](event)
    return entry
