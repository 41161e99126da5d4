"""What each control really protects, on a real Home Assistant, row by row.

*Protected* needs a control that cuts the microphone, the network or the power
(a plug also by its own power sensor), or a DNS-only block with a traffic
witness and no upload since the guard engaged. Muting the output never counts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.privacy_guard.const import DOMAIN
from custom_components.privacy_guard.diagnostics import (
    async_get_config_entry_diagnostics,
)

from .backends.emulators import AdGuardEmulator
from .conftest import ADGUARD_PASSWORD, HouseFactory, house_entry, speaker_subentry
from .helpers import counter, feed_sensor, settle, state, switch

ECHO = "Kitchen Echo"
ECHO_IP = "192.0.2.10"
TRAFFIC = "sensor.kitchen_echo_router_bytes_sent"


async def start(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)


async def privacy_mode(hass: HomeAssistant, on: bool) -> None:
    await switch(hass, "switch.home_privacy_mode", on)


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    current = hass.states.get(entity_id)
    assert current is not None
    return dict(current.attributes)


def only(actions: tuple[str, ...], **data: Any) -> Any:
    subentry = speaker_subentry(ECHO, actions=actions, plug="power_off" in actions)
    subentry["data"] = {**subentry["data"], **data}
    return subentry


@pytest.mark.parametrize(
    ("action", "state_name", "strength"),
    [
        ("mic_mute", "microphone_off", "microphone"),
        ("network_block", "offline", "network"),
        ("power_off", "powered_off", "power"),
    ],
)
async def test_a_cut_protects(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    action: str,
    state_name: str,
    strength: str,
) -> None:
    """A confirmed microphone, network or power cut: protected, and named."""
    await setup_house([{"name": ECHO, "plug": True}])
    await start(hass, house_entry([only((action,))]))
    await privacy_mode(hass, True)
    assert state(hass, "sensor.kitchen_echo_privacy_state") == state_name
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    view = attributes(hass, "sensor.kitchen_echo_privacy_state")
    assert view["protected_by"] == strength
    assert view["can_protect"] is True
    assert state(hass, "sensor.home_protected_speakers") == "1"
    assert state(hass, "sensor.home_unprotectable_speakers") == "0"


async def test_output_mute_alone_protects_nothing(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Silencing the output: kept, never protection, and a repair names why."""
    await setup_house([{"name": ECHO}])
    # A speaker stored before honest strengths: its only action is the output
    # mute; it loads unchanged, and is now said to be unprotectable.
    await start(hass, house_entry([only(("mute_media",))]))
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    subentry = next(iter(entry.subentries.values()))
    assert subentry.data["actions"] == ["mute_media"]
    issue = issue_registry.async_get_issue(DOMAIN, "unprotectable_kitchen_echo_id")
    assert issue is not None
    assert issue.translation_placeholders == {"speaker": ECHO}
    assert state(hass, "sensor.home_unprotectable_speakers") == "1"

    await privacy_mode(hass, True)
    assert attributes(hass, "media_player.kitchen_echo")["is_volume_muted"] is True
    # Muted output, live microphone: open, not "muted", not protected.
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "open"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    view = attributes(hass, "sensor.kitchen_echo_privacy_state")
    assert view["controls"]["mute_media"] == "output_only"
    assert view["can_protect"] is False
    assert state(hass, "sensor.home_protected_speakers") == "0"
    assert state(hass, "sensor.home_exposed_speakers") == "0"
    await privacy_mode(hass, False)
    assert attributes(hass, "media_player.kitchen_echo")["is_volume_muted"] is False

    # Given a cut, the repair goes at the next start.
    hass.config_entries.async_update_subentry(
        entry, subentry, data={**subentry.data, "actions": ["mute_media", "mic_mute"]}
    )
    await settle(hass)
    assert (
        issue_registry.async_get_issue(DOMAIN, "unprotectable_kitchen_echo_id") is None
    )
    assert state(hass, "sensor.home_unprotectable_speakers") == "0"


async def reading(
    hass: HomeAssistant, sensor: str, value: str, unit: str | None = "W"
) -> str:
    """Report a plug sensor's reading; return whether the Echo shows protected."""
    hass.states.async_set(
        sensor, value, {} if unit is None else {"unit_of_measurement": unit}
    )
    await settle(hass)
    return state(hass, "binary_sensor.kitchen_echo_protected")


def power_sensor(
    entity_registry: er.EntityRegistry,
    device_id: str | None,
    name: str,
    device_class: str | None = "power",
) -> str:
    """Register a plug's sensor on its device, as a plug integration does."""
    return entity_registry.async_get_or_create(
        "sensor",
        "demo_plug_power",
        name,
        device_id=device_id,
        original_device_class=device_class,
        suggested_object_id=name,
    ).entity_id


async def test_a_plug_is_confirmed_by_its_own_power_sensor(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Off and about 0 W: powered off. Off and still drawing: not confirmed."""
    await setup_house([{"name": ECHO, "plug": True}])
    plug = entity_registry.async_get("switch.kitchen_echo_plug")
    assert plug is not None
    assert plug.device_id is not None
    # The plug's own power sensor, as a smart plug integration registers it.
    sensor = power_sensor(entity_registry, plug.device_id, "kitchen_echo_plug_power")
    hass.states.async_set(sensor, "3.4", {"unit_of_measurement": "W"})
    await start(hass, house_entry([only(("power_off",))]))
    await privacy_mode(hass, True)
    assert state(hass, "switch.kitchen_echo_plug") == "off"
    # The sensor has not caught up: the plug says off, the power does not.
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "exposed"
    assert await reading(hass, sensor, "0.0", "W") == "on"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "powered_off"
    # A relay that sticks: off in Home Assistant, 0.004 kW through the socket.
    assert await reading(hass, sensor, "0.004", "kW") == "off"
    assert await reading(hass, sensor, "unavailable", None) == "off"
    # Milliwatts are converted; a reading without a unit confirms nothing.
    assert await reading(hass, sensor, "300", "mW") == "on"
    assert await reading(hass, sensor, "0.0", None) == "off"


async def test_a_power_sensor_registered_later_is_found_at_once(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A plug integration that registers its power sensor after Privacy Guard
    started, a sensor whose device class the user sets, and one removed: each
    is found without a restart."""
    await setup_house([{"name": ECHO, "plug": True}])
    plug = entity_registry.async_get("switch.kitchen_echo_plug")
    assert plug is not None
    await start(hass, house_entry([only(("power_off",))]))
    await privacy_mode(hass, True)
    # No power sensor: the plug's own word confirms it.
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    sensor = power_sensor(entity_registry, plug.device_id, "kitchen_echo_plug_power")
    await settle(hass)
    # Found before it reports: nothing confirms the plug is off yet.
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert await reading(hass, sensor, "3.4", "W") == "off"
    assert await reading(hass, sensor, "0.0", "W") == "on"
    # A second sensor without a device class is not a power sensor, until the
    # user gives it one.
    other = power_sensor(
        entity_registry, plug.device_id, "kitchen_echo_plug_outlet", None
    )
    assert await reading(hass, other, "7.0", "W") == "on"
    entity_registry.async_update_entity(other, device_class="power")
    await settle(hass)
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert await reading(hass, other, "0.2", "W") == "on"
    # Both removed: the plug's own word again, and their moves tell nothing.
    entity_registry.async_remove(sensor)
    entity_registry.async_remove(other)
    await settle(hass)
    assert await reading(hass, sensor, "5.0", "W") == "on"
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    speaker = next(iter(entry.runtime_data.guard.speakers.values()))
    assert speaker.power_sensors == ()
    # The plug's switch moves to another device, whose sensor draws power;
    # renamed, the sensor is still followed.
    spare = device_registry.async_get_or_create(
        config_entry_id=plug.config_entry_id,
        identifiers={("privacy_demo", "spare_plug")},
    )
    watts = power_sensor(entity_registry, spare.id, "spare_plug_power")
    hass.states.async_set(watts, "0.1", {"unit_of_measurement": "W"})
    entity_registry.async_update_entity(plug.entity_id, device_id=spare.id)
    await settle(hass)
    assert speaker.power_sensors == (watts,)
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    entity_registry.async_update_entity(watts, new_entity_id="sensor.spare_plug_watts")
    hass.states.async_set(
        "sensor.spare_plug_watts", "9.0", {"unit_of_measurement": "W"}
    )
    await settle(hass)
    assert speaker.power_sensors == ("sensor.spare_plug_watts",)
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"


async def test_every_power_sensor_of_a_plug_must_read_off(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """A plug with two outlets' sensors: one drawing power is not off."""
    await setup_house([{"name": ECHO, "plug": True}])
    plug = entity_registry.async_get("switch.kitchen_echo_plug")
    assert plug is not None
    sensors = [
        power_sensor(entity_registry, plug.device_id, f"kitchen_echo_plug_power_{n}")
        for n in (1, 2)
    ]
    hass.states.async_set(sensors[0], "0.0", {"unit_of_measurement": "W"})
    hass.states.async_set(sensors[1], "2.0", {"unit_of_measurement": "W"})
    await start(hass, house_entry([only(("power_off",))]))
    await privacy_mode(hass, True)
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert await reading(hass, sensors[1], "0.1", "W") == "on"


def dns_entry(emulator: AdGuardEmulator, **data: Any) -> MockConfigEntry:
    subentry = speaker_subentry(
        ECHO, actions=("mute_media", "network_block"), ip_address=ECHO_IP
    )
    subentry["data"] = {**subentry["data"], "network_backend": "adguard", **data}
    return house_entry(
        [subentry],
        options={
            "debounce": 120,
            "adguard": {
                "url": emulator.url,
                "username": "admin",
                "password": ADGUARD_PASSWORD,
                "verify_ssl": True,
            },
        },
    )


async def test_dns_only_without_a_witness_is_not_protected(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    adguard: AdGuardEmulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """AdGuard Home refuses new look-ups: DNS blocked, not protected, repaired."""
    await setup_house([{"name": ECHO}])
    await start(hass, dns_entry(adguard))
    assert issue_registry.async_get_issue(DOMAIN, "unprotectable_kitchen_echo_id")
    await privacy_mode(hass, True)
    assert adguard.disallowed_clients == [ECHO_IP]
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "dns_blocked"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    view = attributes(hass, "sensor.kitchen_echo_privacy_state")
    assert view["controls"]["network_block"] == "dns_only"


async def test_dns_only_with_a_traffic_witness_until_it_uploads(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    adguard: AdGuardEmulator,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, Any],
) -> None:
    """Blocked and watched: protected while no upload is seen; one is a leak.

    Alexa keeps one connection to its cloud open: a DNS block does not close it,
    and the router's counter sees the upload.
    """
    await setup_house([{"name": ECHO}])
    await feed_sensor(hass, freezer, TRAFFIC, [1_000_000])
    entry = dns_entry(adguard, traffic_entity=TRAFFIC, profile="amazon_echo")
    await start(hass, entry)
    assert not issue_registry.async_get_issue(DOMAIN, "unprotectable_kitchen_echo_id")
    await privacy_mode(hass, True)
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "dns_blocked"
    # Nothing has watched it yet since the guard engaged.
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_000_000, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    assert (
        attributes(hass, "sensor.kitchen_echo_privacy_state")["protected_by"]
        == "dns_only"
    )
    # The sensor falls silent: after a gap, nothing proves the block any more.
    freezer.tick(timedelta(seconds=200))
    async_fire_time_changed(hass)
    await settle(hass)
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    # Readings again, but what happened in the gap is unknown: not protected
    # for the rest of this engagement.
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_000_450, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    # The next engagement, watched throughout: protected again.
    await privacy_mode(hass, False)
    await privacy_mode(hass, True)
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_000_900, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    # An unreadable unit is no witness either.
    await feed_sensor(hass, freezer, TRAFFIC, [1_001_500], unit="parsecs")
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    await privacy_mode(hass, False)
    await privacy_mode(hass, True)
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_002_000, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    # Idle, then five seconds of voice through the open connection.
    values = counter(1_002_450, [150] * 10 + [24_000] * 5 + [150] * 12)
    await feed_sensor(hass, freezer, TRAFFIC, values)
    await settle(hass)
    assert state(hass, "sensor.kitchen_echo_leaks") == "1"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "exposed"
    assert issue_registry.async_get_issue(DOMAIN, "leak_kitchen_echo_id")
    # A restart during the same engagement does not forget the leak.
    await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_200_000, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "exposed"
    # Stores written before an engagement kept its start (a list of leaked
    # speakers; counters with no time of the last leak, even reset since)
    # keep it.
    await hass.config_entries.async_unload(entry.entry_id)
    await settle(hass)
    ledger = hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]
    speaker_id = next(iter(ledger.pop("engaged_at")))
    ledger["leaks"] = [speaker_id]
    counters = hass_storage[f"{DOMAIN}.{entry.entry_id}.uploads"]["data"]
    stats = counters[speaker_id]["stats"]
    del stats["last_leak"]
    stats["leaks"] = 0
    await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_200_500, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "exposed"
    # Counters set to zero: the leak is no counter, it still counts.
    await hass.services.async_call(DOMAIN, "reset_counters", {}, blocking=True)
    await settle(hass)
    assert state(hass, "sensor.kitchen_echo_leaks") == "0"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    # Once the guard lets go, the leak belongs to the past.
    await privacy_mode(hass, False)
    await privacy_mode(hass, True)
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_201_000, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"


async def test_unasked_no_probe_reaches_a_speaker_only_a_dns_block_guards(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    adguard: AdGuardEmulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Protected by a watched DNS block, yet its open connection would carry a
    probe's question to its vendor: an automation's self-test, or one from an
    integration's system user, plays nothing; a person's may."""
    played = async_capture_events(hass, "call_service")
    await setup_house([{"name": ECHO}])
    await feed_sensor(hass, freezer, TRAFFIC, [1_000_000])
    entry = dns_entry(
        adguard,
        traffic_entity=TRAFFIC,
        profile="amazon_echo",
        probe_player="media_player.kitchen_echo",
    )
    await start(hass, entry)
    await privacy_mode(hass, True)
    await feed_sensor(hass, freezer, TRAFFIC, counter(1_000_000, [150] * 3))
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "dns_blocked"
    system = await hass.auth.async_create_system_user(
        "Cloud link", group_ids=["system-admin"]
    )
    for context in (None, Context(user_id=system.id)):
        response = await hass.services.async_call(
            DOMAIN,
            "self_test",
            {"window": 5},
            blocking=True,
            return_response=True,
            context=context,
        )
        assert response is not None
        result = response["speakers"]["kitchen_echo_id"]  # type: ignore[index]
        assert result["result"] == "inconclusive"  # type: ignore[index]
        assert result["reason"] == "not_protected"  # type: ignore[index]
    assert not [c for c in played if c.data["service"] in ("play_media", "speak")]


async def test_a_wyoming_mute_is_said_to_be_a_software_mute(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Diagnostics say what each control cuts, and how a Wyoming mute does it."""
    await setup_house([{"name": ECHO}])
    # A Wyoming satellite's mute switch, as the wyoming integration registers it.
    mute = entity_registry.async_get_or_create(
        "switch", "wyoming", "satellite-mute", suggested_object_id="satellite_mute"
    )
    hass.states.async_set(mute.entity_id, "off")
    entry = house_entry([only(("mute_media", "mic_mute"), mic_switch=mute.entity_id)])
    await start(hass, entry)
    data = await async_get_config_entry_diagnostics(hass, entry)
    controls = data["speakers"]["kitchen_echo_id"]["controls"]
    assert controls["mic_mute"]["strength"] == "microphone"
    assert controls["mic_mute"]["platform"] == "wyoming"
    assert "software" in controls["mic_mute"]["note"]
    assert controls["mute_media"]["strength"] == "output_only"
    assert "protects nothing" in controls["mute_media"]["note"]
