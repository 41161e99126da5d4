"""One control on its own: read and driven on the demo house's real entities."""

from __future__ import annotations

from homeassistant.core import Context, HomeAssistant
import pytest

from custom_components.privacy_guard.actuators import Actuator, ActuatorError
from custom_components.privacy_guard.records import ActuatorSpec

from .conftest import HouseFactory, speaker_entities
from .helpers import muted, settle, state

ECHO = speaker_entities("Kitchen Echo")


@pytest.fixture
async def house(hass: HomeAssistant, setup_house: HouseFactory) -> None:
    """The demo house's Kitchen Echo: media player, microphone, internet, plug."""
    await setup_house([{"name": "Kitchen Echo", "plug": True}])
    await settle(hass)


async def test_a_microphone_switch_is_read_and_driven(
    hass: HomeAssistant, house: None
) -> None:
    mic = Actuator(hass, ActuatorSpec("switch", ECHO["mic_switch"]))
    assert mic.is_protective() is False
    await mic.async_set(True, Context())
    await settle(hass)
    assert state(hass, ECHO["mic_switch"]) == "on"
    assert mic.is_protective() is True
    assert not mic.moot
    await mic.async_set(False, Context())
    await settle(hass)
    assert mic.is_protective() is False


async def test_an_internet_switch_protects_when_off(
    hass: HomeAssistant, house: None
) -> None:
    """A router's "internet access" switch: on means open."""
    net = Actuator(hass, ActuatorSpec("switch", ECHO["network_switch"], False))
    assert net.is_protective() is False
    await net.async_set(True, Context())
    await settle(hass)
    assert state(hass, ECHO["network_switch"]) == "off"
    assert net.is_protective() is True


async def test_a_media_player_is_muted_and_off_is_silent(
    hass: HomeAssistant, house: None
) -> None:
    output = Actuator(hass, ActuatorSpec("media_mute", ECHO["media_player"]))
    await output.async_set(True, Context())
    await settle(hass)
    assert muted(hass, ECHO["media_player"]) is True
    assert output.is_protective() is True
    hass.states.async_set(ECHO["media_player"], "off", {})
    # Off: silent anyway, nothing to drive.
    assert output.is_protective() is True
    assert output.moot
    hass.states.async_set(ECHO["media_player"], "playing", {})
    # On, without a mute attribute: unknown.
    assert output.is_protective() is None


async def test_unreadable_states_are_unknown(hass: HomeAssistant, house: None) -> None:
    mic = Actuator(hass, ActuatorSpec("switch", ECHO["mic_switch"]))
    hass.states.async_set(ECHO["mic_switch"], "unavailable")
    assert mic.is_protective() is None
    assert mic.read(None) is None
    missing = Actuator(hass, ActuatorSpec("switch", "switch.not_there"))
    assert missing.is_protective() is None


async def test_a_missing_entity_is_refused_with_a_translated_error(
    hass: HomeAssistant, house: None
) -> None:
    missing = Actuator(hass, ActuatorSpec("switch", "switch.not_there"))
    with pytest.raises(ActuatorError) as err:
        await missing.async_set(True, Context())
    assert err.value.translation_key == "entity_missing"
    assert err.value.translation_placeholders == {"entity_id": "switch.not_there"}


async def test_a_dns_filter_not_set_up_is_unknown_and_refused(
    hass: HomeAssistant,
) -> None:
    blocked = Actuator(hass, ActuatorSpec("adguard", "192.0.2.10"))
    assert blocked.target == "192.0.2.10"
    assert blocked.is_protective() is None
    with pytest.raises(ActuatorError) as err:
        await blocked.async_set(True, Context())
    assert err.value.translation_key == "backend_not_configured"
