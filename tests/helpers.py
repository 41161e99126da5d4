"""Small helpers for reading the demo house in tests."""

from __future__ import annotations

from homeassistant.core import HomeAssistant


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


async def switch(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    """Flip a switch as a user would, and let everything settle."""
    await hass.services.async_call(
        "switch",
        "turn_on" if on else "turn_off",
        {"entity_id": entity_id},
        blocking=True,
    )
    await settle(hass)


async def settle(hass: HomeAssistant) -> None:
    """Let chains of state listeners (switch, phone, person, zone) run out."""
    for _ in range(10):
        await hass.async_block_till_done(wait_background_tasks=True)
