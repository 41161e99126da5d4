"""Uploads, wake words and verdicts, driven by real Home Assistant states."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.privacy_guard.backends import DnsQuery
from custom_components.privacy_guard.const import (
    DOMAIN,
    EVENT_ENGAGED,
    EVENT_LEAK,
    EVENT_RELEASED,
    EVENT_UPLOAD,
    EVENT_WAKE_WORD,
    NetworkBackend,
)
from custom_components.privacy_guard.logbook import async_describe_events
from custom_components.privacy_guard.signals import signal_dns_queries
from custom_components.privacy_guard.speaker_monitor import SpeakerMonitor, UploadStats

from .conftest import HouseFactory, speaker_subentry
from .detector.replay import generate_replay
from .helpers import counter, feed_sensor, settle, state, switch, tick

TRAFFIC = "sensor.kitchen_echo_bytes_sent"
WAKE = "assist_satellite.kitchen"
KITCHEN_UPLOADS = "sensor.kitchen_echo_uploads"
KITCHEN_DATA = "sensor.kitchen_echo_uploaded_data"
KITCHEN_UNSOLICITED = "sensor.kitchen_echo_unsolicited_uploads"
KITCHEN_LAST = "sensor.kitchen_echo_last_upload"
KITCHEN_EVENT = "event.kitchen_echo_upload"


def monitored_entry(**extra: Any) -> MockConfigEntry:
    """The house with the kitchen speaker watched through a traffic sensor."""
    subentry = speaker_subentry("Kitchen Echo")
    subentry["data"] = {
        **subentry["data"],
        "traffic_entity": TRAFFIC,
        "profile": "amazon_echo",
        "wake_entity": WAKE,
        **extra,
    }
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={"presence_mode": "zone", "zone": "zone.home", "presence_entities": []},
        options={"debounce": 120},
        subentries_data=[subentry],
        entry_id="house01",
    )


@pytest.fixture
async def monitored(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """Set up the house with a counter sensor (bytes) and a satellite entity."""
    freezer.move_to("2026-11-25 12:00:00+00:00")
    await setup_house([{"name": "Kitchen Echo"}])
    hass.states.async_set(TRAFFIC, "1000", {"unit_of_measurement": "B"})
    hass.states.async_set(WAKE, "idle")
    entry = monitored_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def feed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    values: list[float | None],
    *,
    entity_id: str = TRAFFIC,
    unit: str = "B",
    step: float = 1.0,
) -> None:
    """Report one value per step seconds to the kitchen's traffic sensor."""
    await feed_sensor(hass, freezer, entity_id, values, unit=unit, step=step)


async def test_counter_upload_without_wake_word_is_unsolicited(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A four-second burst over 12,172 B/s with nobody asking: unsolicited."""
    events = async_capture_events(hass, EVENT_UPLOAD)
    # Idle at 300 B/s, then 4 s at 20 kB/s, then idle again.
    rates = [300.0] * 5 + [20_000.0] * 4 + [300.0] * 6
    await feed(hass, freezer, counter(1000, rates))
    await tick(hass, freezer, 10)
    assert state(hass, KITCHEN_UPLOADS) == "1"
    assert state(hass, KITCHEN_UNSOLICITED) == "1"
    assert float(state(hass, KITCHEN_DATA)) == pytest.approx(80.0)  # kB
    assert len(events) == 1
    assert events[0].data["kind"] == "unsolicited"
    assert events[0].data["bytes"] == 80_000
    assert events[0].data["duration"] == 4.0
    event_state = hass.states.get(KITCHEN_EVENT)
    assert event_state.attributes["event_type"] == "unsolicited"
    assert event_state.attributes["bytes"] == 80_000
    start = dt_util.parse_datetime(events[0].data["start"])
    assert state(hass, KITCHEN_LAST) == start.isoformat()


async def test_upload_after_a_satellite_wake_word_is_requested(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A local satellite's own wake word fires, then the speaker uploads."""
    events = async_capture_events(hass, EVENT_UPLOAD)
    await feed(hass, freezer, counter(1000, [300.0] * 3))
    hass.states.async_set(WAKE, "listening")
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.kitchen_echo_wake_word_active") == "on"
    await feed(hass, freezer, counter(1900, [20_000.0] * 3 + [300.0] * 4))
    hass.states.async_set(WAKE, "idle")
    await tick(hass, freezer, 10)
    assert state(hass, "binary_sensor.kitchen_echo_wake_word_active") == "off"
    assert [(e.data["kind"], e.data["witness"]) for e in events] == [
        ("requested", "satellite")
    ]
    assert state(hass, KITCHEN_UNSOLICITED) == "0"
    assert state(hass, "sensor.kitchen_echo_requested_uploads") == "1"
    assert state(hass, KITCHEN_UPLOADS) == "1"


async def test_wake_word_long_before_does_not_count(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A wake word 30 s before the burst does not make it asked for."""
    events = async_capture_events(hass, EVENT_UPLOAD)
    hass.states.async_set(WAKE, "listening")
    await hass.async_block_till_done()
    hass.states.async_set(WAKE, "idle")
    await feed(hass, freezer, counter(1000, [300.0] * 30))
    await feed(hass, freezer, counter(10_000, [20_000.0] * 3 + [300.0] * 4))
    await tick(hass, freezer, 10)
    assert [event.data["kind"] for event in events] == ["unsolicited"]


async def test_upload_while_guarded_is_a_leak(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Privacy mode on, and the speaker still uploads: leak, repair, exposed."""
    leaks = async_capture_events(hass, EVENT_LEAK)
    await switch(hass, "switch.home_privacy_mode", True)
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "on"
    await feed(hass, freezer, counter(1000, [300.0] * 3 + [30_000.0] * 5 + [300.0] * 4))
    await tick(hass, freezer, 10)
    assert len(leaks) == 1
    assert leaks[0].data["bytes"] == 150_000
    assert leaks[0].data["witness"] == "guard"
    assert state(hass, KITCHEN_UNSOLICITED) == "0"
    assert state(hass, "sensor.kitchen_echo_leaks") == "1"
    assert hass.states.get(KITCHEN_EVENT).attributes["event_type"] == "leak"
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "exposed"
    issue = issue_registry.async_get_issue(DOMAIN, "leak_kitchen_echo_id")
    assert issue is not None
    assert issue.translation_placeholders["bytes"] == "150000"
    # Released, the leak no longer counts against protection; reset clears it.
    await switch(hass, "switch.home_privacy_mode", False)
    assert state(hass, "sensor.kitchen_echo_privacy_state") == "open"
    await hass.services.async_call(DOMAIN, "reset_counters", {}, blocking=True)
    await settle(hass)
    assert state(hass, KITCHEN_UPLOADS) == "0"
    assert issue_registry.async_get_issue(DOMAIN, "leak_kitchen_echo_id") is None


async def test_a_leak_is_saved_at_once(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Counters wait half a minute to be written; a leak does not (a crash
    must not make a leaked speaker look protected after the restart)."""
    key = f"{DOMAIN}.{monitored.entry_id}.uploads"
    await switch(hass, "switch.home_privacy_mode", True)
    await feed(hass, freezer, counter(1000, [300.0] * 3 + [30_000.0] * 5 + [300.0] * 4))
    await hass.async_block_till_done()
    stats = hass_storage[key]["data"]["kitchen_echo_id"]["stats"]
    assert stats["leaks"] == 1
    assert stats["last_leak"] is not None


async def test_an_upload_after_the_clock_went_back_is_still_a_leak(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Guarded, then the wall clock goes back an hour: the engagement seems to
    begin in the future, and an upload now is a leak all the same."""
    leaks = async_capture_events(hass, EVENT_LEAK)
    await switch(hass, "switch.home_privacy_mode", True)
    freezer.move_to("2026-11-25 11:00:00+00:00")
    await feed(hass, freezer, counter(1000, [300.0] * 3 + [30_000.0] * 5 + [300.0] * 4))
    await tick(hass, freezer, 10)
    assert len(leaks) == 1
    assert state(hass, "binary_sensor.kitchen_echo_protected") == "off"


async def test_rate_sensor_in_megabytes_per_second(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A UniFi-style MB/s sensor: the same rule, converted from its unit."""
    freezer.move_to("2026-11-25 12:00:00+00:00")
    await setup_house([{"name": "Kitchen Echo"}])
    hass.states.async_set(TRAFFIC, "0.0003", {"unit_of_measurement": "MB/s"})
    entry = monitored_entry(wake_entity=None)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_UPLOAD)
    values: list[float | None] = [0.0003] * 3 + [0.025] * 3 + [0.0003] * 5
    await feed(hass, freezer, values, unit="MB/s")
    await tick(hass, freezer, 10)
    assert len(events) == 1
    assert events[0].data["bytes"] == 75_000
    assert events[0].data["duration"] == 3.0


async def test_counter_reset_and_unavailable_invent_nothing(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A router reboot (counter back to near zero) and an outage: no upload."""
    events = async_capture_events(hass, EVENT_UPLOAD)
    await feed(hass, freezer, counter(1000, [300.0] * 5))
    await feed(hass, freezer, [200.0, 500.0, 800.0])  # reset
    await feed(hass, freezer, [None, None, None])  # unavailable
    await feed(hass, freezer, [9_000_000.0, 9_000_300.0, 9_000_600.0])
    await tick(hass, freezer, 10)
    assert events == []
    assert state(hass, KITCHEN_UPLOADS) == "0"
    # The detector is still working afterwards (after a new baseline: the quiet
    # ten seconds above are one long, slow interval).
    rates = [300.0] * 2 + [25_000.0] * 3 + [300.0] * 4
    await feed(hass, freezer, counter(9_000_600, rates))
    await tick(hass, freezer, 10)
    assert [event.data["bytes"] for event in events] == [75_000]


async def test_unit_change_is_a_new_baseline(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Switching a counter from B to kB never reads as a jump."""
    events = async_capture_events(hass, EVENT_UPLOAD)
    await feed(hass, freezer, counter(1000, [300.0] * 3))
    await feed(hass, freezer, [2.0, 2.3, 2.6, 2.9], unit="kB")
    await feed(hass, freezer, [3.0, 4.0], unit="furlongs")
    await tick(hass, freezer, 10)
    assert events == []


async def test_counters_survive_a_restart_and_first_sample_is_baseline(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a restart the counts are back; the first new sample is no upload."""
    await feed(hass, freezer, counter(1000, [300.0] * 2 + [20_000.0] * 4 + [300.0] * 4))
    await tick(hass, freezer, 10)
    assert state(hass, KITCHEN_UPLOADS) == "1"
    assert await hass.config_entries.async_reload(monitored.entry_id)
    await settle(hass)
    assert state(hass, KITCHEN_UPLOADS) == "1"
    assert float(state(hass, KITCHEN_DATA)) == pytest.approx(80.0)
    # Ten minutes later the counter is far ahead: a baseline, not an upload.
    freezer.tick(timedelta(minutes=10))
    await feed(hass, freezer, [50_000_000.0, 50_000_300.0, 50_000_600.0])
    await tick(hass, freezer, 10)
    assert state(hass, KITCHEN_UPLOADS) == "1"


async def test_replay_through_a_counter_sensor(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A generated hour of traffic gives exactly the uploads it holds."""
    replay = generate_replay(7, intervals=900)
    events = async_capture_events(hass, EVENT_UPLOAD)
    start = dt_util.utcnow().timestamp() + 10
    for t, value in replay.counter:
        freezer.move_to(datetime.fromtimestamp(start + t, dt_util.UTC))
        hass.states.async_set(
            TRAFFIC,
            "unavailable" if value is None else str(int(value)),
            {"unit_of_measurement": "B"},
        )
    await tick(hass, freezer, 10)
    got = [
        (
            round(dt_util.parse_datetime(event.data["start"]).timestamp() - start, 3),
            event.data["bytes"],
        )
        for event in events
    ]
    want = [(round(upload.start, 3), upload.bytes) for upload in replay.uploads]
    assert replay.uploads
    assert got == want
    assert state(hass, KITCHEN_UPLOADS) == str(len(replay.uploads))


async def test_record_upload_action(
    hass: HomeAssistant,
    monitored: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Another traffic source reports an upload; the verdict comes back."""
    response = await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {"entity_id": KITCHEN_UPLOADS, "bytes": 120_000, "duration": 4},
        blocking=True,
        return_response=True,
    )
    assert response == {"verdicts": {"Kitchen Echo": "unsolicited"}}
    hass.states.async_set(WAKE, "listening")
    await hass.async_block_till_done()
    response = await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {"entity_id": KITCHEN_UPLOADS, "bytes": 1000, "start": dt_util.utcnow()},
        blocking=True,
        return_response=True,
    )
    assert response == {"verdicts": {"Kitchen Echo": "requested"}}
    await settle(hass)
    assert state(hass, KITCHEN_UPLOADS) == "2"
    assert state(hass, KITCHEN_UNSOLICITED) == "1"

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "record_upload", {"bytes": 5}, blocking=True
        )
    assert err.value.translation_key == "speaker_required"


@pytest.mark.parametrize(
    ("wake_entity", "states", "attribute", "kind"),
    [
        # A vendor's wake-word entity: requested only as the speaker reports it.
        (
            "event.kitchen_voice",
            ["2026-11-25T11:00:00", "2026-11-25T12:00:01"],
            None,
            "requested",
        ),
        (
            "event.kitchen_voice",
            ["unknown", "2026-11-25T12:00:01"],
            None,
            "unsolicited",
        ),
        ("binary_sensor.kitchen_awake", ["off", "on"], None, "requested"),
        ("media_player.kitchen_echo", [False, True], "last_called", "requested"),
        ("assist_satellite.kitchen", ["idle", "listening"], None, "requested"),
        ("media_player.kitchen_echo", [True, True], "last_called", "unsolicited"),
        ("assist_satellite.kitchen", ["idle", "unavailable"], None, "unsolicited"),
    ],
)
async def test_wake_word_sources(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    freezer: FrozenDateTimeFactory,
    wake_entity: str,
    states: list[Any],
    attribute: str | None,
    kind: str,
) -> None:
    """Every kind of wake-word entity turns into evidence as documented."""
    await setup_house([{"name": "Kitchen Echo"}])
    hass.states.async_set(TRAFFIC, "1000", {"unit_of_measurement": "B"})

    def write(value: Any) -> None:
        if attribute:
            current = hass.states.get(wake_entity)
            hass.states.async_set(
                wake_entity,
                current.state,
                {**current.attributes, attribute: value},
            )
        else:
            hass.states.async_set(wake_entity, value)

    if not attribute:
        write(states[0])
    extra: dict[str, Any] = {"wake_entity": wake_entity}
    if attribute:
        extra["wake_attribute"] = attribute
        write(states[0])
    entry = monitored_entry(**extra)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    write(states[1])
    await hass.async_block_till_done()
    # The upload starts now, just after the wake-word entity changed.
    response = await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {"entity_id": KITCHEN_UPLOADS, "bytes": 50_000},
        blocking=True,
        return_response=True,
    )
    assert response == {"verdicts": {"Kitchen Echo": kind}}


async def test_logbook_describes_events(hass: HomeAssistant) -> None:
    """Engagements, uploads and leaks read as sentences in the logbook."""
    described: dict[str, Any] = {}
    async_describe_events(
        hass, lambda domain, event, fn: described.__setitem__(event, fn)
    )
    upload = {"name": "Kitchen Echo", "bytes": 2000, "duration": 1.5}
    assert described[EVENT_UPLOAD](
        Event(EVENT_UPLOAD, {**upload, "kind": "unsolicited"})
    ) == {
        "name": "Kitchen Echo",
        "message": "uploaded 2000 bytes in 1.5 s that nobody was seen to ask for",
    }
    for kind, witness, message in (
        (
            "misactivation",
            "room_microphone",
            "uploaded 2000 bytes in 1.5 s after speech that was not the wake word"
            " (heard by the room microphone)",
        ),
        (
            "silent",
            "room_microphone",
            "uploaded 2000 bytes in 1.5 s while nobody in the room said anything"
            " (heard by the room microphone)",
        ),
        (
            "requested",
            "speaker",
            "uploaded 2000 bytes in 1.5 s after a wake word"
            " (as the speaker reports it)",
        ),
        (
            "requested",
            "self_test",
            "uploaded 2000 bytes in 1.5 s after a wake word"
            " (asked by the self-test's probe)",
        ),
    ):
        data = {**upload, "kind": kind, "witness": witness}
        assert described[EVENT_UPLOAD](Event(EVENT_UPLOAD, data))["message"] == (
            message
        )
    record = {"name": "Kitchen Echo", "kind": "requested", "witness": "speaker"}
    assert described[EVENT_UPLOAD](
        Event(EVENT_UPLOAD, {**record, "source": "voice_record"})
    )["message"] == (
        "uploaded audio, by its voice record, after a wake word"
        " (as the speaker reports it)"
    )
    assert described[EVENT_LEAK](Event(EVENT_LEAK, upload))["message"] == (
        "leaked 2000 bytes while guarded"
    )
    assert (
        described[EVENT_ENGAGED](
            Event(EVENT_ENGAGED, {"name": "Kitchen Echo", "reason": "house_empty"})
        )["message"]
        == "was guarded because of an empty house"
    )
    assert described[EVENT_RELEASED](Event(EVENT_RELEASED, {}))["name"] == "Speaker"
    heard = {"name": "Kitchen", "wake_word": "alexa"}
    assert described[EVENT_WAKE_WORD](Event(EVENT_WAKE_WORD, heard)) == {
        "name": "Kitchen",
        "message": "heard the wake word alexa",
    }
    assert described[EVENT_WAKE_WORD](
        Event(EVENT_WAKE_WORD, {**heard, "self_test": True})
    )["message"] == ("heard the wake word alexa while a self-test's probe played")


def test_counters_stored_before_verdicts_keep_their_meaning() -> None:
    """The old unsolicited counter held leaks too; the rest was solicited."""
    old = {"uploads": 10, "bytes": 5000, "unsolicited": 6, "leaks": 2}
    stats = UploadStats.from_dict(old)
    assert (stats.unsolicited, stats.leaks, stats.requested) == (4, 2, 4)
    assert (stats.misactivations, stats.silent) == (0, 0)
    assert stats.uploads == stats.requested + stats.unsolicited + stats.leaks
    # Stored by this release: read back as it was.
    assert UploadStats.from_dict(stats.as_dict()) == stats
    damaged = UploadStats.from_dict({"uploads": -1, "requested": "x"})
    assert (damaged.uploads, damaged.requested) == (0, 0)


def test_saved_detector_of_another_kind_is_not_restored() -> None:
    """A counter's saved state never seeds a rate sensor's detector."""
    from homeassistant.core import State

    from custom_components.privacy_guard.models import SpeakerConfig

    config = SpeakerConfig(speaker_id="s", name="S", media_player="media_player.s")
    counter_monitor = SpeakerMonitor(config)
    at = dt_util.utcnow()
    counter_monitor.sample(State(TRAFFIC, "1000", {"unit_of_measurement": "B"}), at)
    saved = counter_monitor.as_dict()
    assert saved["detector"]["config"]["kind"] == "counter"

    rate = SpeakerMonitor(config)
    rate.load(saved)
    rate.sample(State(TRAFFIC, "5", {"unit_of_measurement": "kB/s"}), at)
    assert rate.detector is not None
    assert rate.detector.state() != saved["detector"]
    same = SpeakerMonitor(config)
    same.load(saved)
    same.sample(State(TRAFFIC, "1000", {"unit_of_measurement": "B"}), at)
    assert same.detector is not None
    assert same.detector.state()["config"] == saved["detector"]["config"]


async def test_one_wrong_clock_does_not_blind_the_verdicts(
    hass: HomeAssistant, setup_house: HouseFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A DNS log stamped two hours ahead (the filter's clock is wrong), then a
    wake word and an upload: still requested, the wake word not pushed out."""
    freezer.move_to("2026-11-25 12:00:00+00:00")
    await setup_house([{"name": "Kitchen Echo"}])
    hass.states.async_set(WAKE, "idle")
    entry = monitored_entry(ip_address="192.0.2.10")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    ahead = dt_util.utcnow() + timedelta(hours=2)
    async_dispatcher_send(
        hass,
        signal_dns_queries(entry.entry_id),
        NetworkBackend.ADGUARD,
        [DnsQuery(ahead, "192.0.2.10", "avs-alexa-12-na.amazon.com")],
    )
    await hass.async_block_till_done()
    hass.states.async_set(WAKE, "listening")
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=1))
    # The wake word is over (a finished span), then the upload is seen.
    hass.states.async_set(WAKE, "idle")
    await hass.async_block_till_done()
    response = await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {"entity_id": KITCHEN_UPLOADS, "bytes": 40_000, "duration": 0.5},
        blocking=True,
        return_response=True,
    )
    assert response == {"verdicts": {"Kitchen Echo": "requested"}}
    # An upload stamped in the future by its caller is taken as ending now.
    response = await hass.services.async_call(
        DOMAIN,
        "record_upload",
        {
            "entity_id": KITCHEN_UPLOADS,
            "bytes": 40_000,
            "start": (dt_util.utcnow() + timedelta(hours=3)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response == {"verdicts": {"Kitchen Echo": "requested"}}
    last = dt_util.parse_datetime(state(hass, KITCHEN_LAST))
    assert last is not None
    assert last <= dt_util.utcnow() + timedelta(seconds=5)
