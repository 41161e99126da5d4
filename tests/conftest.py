"""Fixtures: a real Home Assistant with the demo house and Privacy Guard."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
import logging
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

# Imported first so that Home Assistant finds this checkout's custom_components
# package before the test plugin's own testing_config one.
import custom_components
from custom_components.privacy_guard.const import DOMAIN

from .backends.emulators import AdGuardEmulator, PiholeEmulator

DEMO_COMPONENTS = Path(__file__).parent.parent / "scripts/demo_config/custom_components"
if str(DEMO_COMPONENTS) not in custom_components.__path__:
    custom_components.__path__.append(str(DEMO_COMPONENTS))

PEOPLE = ["Alice", "Bob"]


class VersionSnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot format, one set per Home Assistant release.

    Registry entries and enum keys are written differently by 2026.2 and
    2026.10, so each release the suite runs on keeps its own snapshots, in
    ``snapshots/ha<major>.<minor>/``. ``--snapshot-update`` on one release
    deletes the other release's files as unused: restore them with git.
    """

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        """Return the snapshot folder of the running release."""
        base = HomeAssistantSnapshotExtension.dirname(test_location=test_location)
        return str(Path(base) / f"ha{MAJOR_VERSION}.{MINOR_VERSION}")


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return the snapshot assertion in Home Assistant's format, per release.

    Defined here because the 0.13.375 plugin may hand out syrupy's plain
    fixture instead of its own.
    """
    return snapshot.use_extension(VersionSnapshotExtension)


@pytest.fixture
def person(hass_admin_user: MockUser) -> Context:
    """Return the context of a person's change (the UI, the app, a voice command)."""
    return Context(user_id=hass_admin_user.id)


class _BreakingUsage(logging.Handler):
    """Collects what Home Assistant reports as going to break in a release."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "will stop working in Home Assistant" in message:
            self.reports.append(message)


@pytest.fixture(autouse=True)
def no_usage_that_breaks_in_a_coming_release() -> Iterator[None]:
    """Fail any test during which Home Assistant reports a usage of ours (or of
    anything) that a coming release breaks (``report_usage`` with a
    ``breaks_in_ha_version``)."""
    handler = _BreakingUsage()
    logger = logging.getLogger("homeassistant.helpers.frame")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert handler.reports == []


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Let Home Assistant load Privacy Guard and the demo house.

    Each test gets its own configuration folder, so files the integration writes
    there (the blueprints) never land in the test plugin's shared one. A test
    with a recorder gets it before Home Assistant, as the plugin requires.
    """
    if "recorder_mock" in request.fixturenames:
        request.getfixturevalue("recorder_mock")
    request.getfixturevalue("enable_custom_integrations")
    hass: HomeAssistant = request.getfixturevalue("hass")
    hass.config.config_dir = str(tmp_path)


def speaker_entities(name: str) -> dict[str, str]:
    """Return the demo house's entity ids of one speaker."""
    slug = slugify(name)
    return {
        "media_player": f"media_player.{slug}",
        "mic_switch": f"switch.{slug}_microphone_mute",
        "network_switch": f"switch.{slug}_internet_access",
        "power_switch": f"switch.{slug}_plug",
    }


def speaker_subentry(
    name: str,
    *,
    actions: tuple[str, ...] = ("mute_media", "mic_mute", "network_block"),
    enforce: bool = False,
    plug: bool = False,
    ip_address: str | None = None,
) -> ConfigSubentryData:
    """Return the subentry of a demo speaker, wired to its demo entities."""
    entities = speaker_entities(name)
    data: dict[str, Any] = {
        "media_player": entities["media_player"],
        "mic_switch": entities["mic_switch"],
        "network_switch": entities["network_switch"],
        "network_on_means": "allowed",
        "actions": list(actions),
        "enforce": enforce,
    }
    if plug:
        data["power_switch"] = entities["power_switch"]
    if ip_address:
        data["ip_address"] = ip_address
    return ConfigSubentryData(
        data=data,
        subentry_id=f"{slugify(name)}_id",
        subentry_type="speaker",
        title=name,
        unique_id=entities["media_player"],
    )


type HouseFactory = Callable[..., Awaitable[None]]


async def async_setup_house(
    hass: HomeAssistant,
    speakers: list[dict[str, Any]] | None = None,
    *,
    people: list[str] | None = None,
    delay: float = 0.0,
    stubborn: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    demo: dict[str, Any] | None = None,
) -> None:
    """Build the demo house with real zone and persons.

    ``demo``: more of the demo house's YAML (guard, talk, reboot_seconds, ...);
    ``extra``: more integrations to set up, with their configuration.
    """
    people = PEOPLE if people is None else people
    speakers = (
        [{"name": "Kitchen Echo", "plug": True}, {"name": "Bedroom Nest"}]
        if speakers is None
        else speakers
    )
    assert await async_setup_component(hass, "zone", {})
    assert await async_setup_component(
        hass,
        "privacy_demo",
        {
            "privacy_demo": {
                "speakers": speakers,
                "people": people,
                "delay": delay,
                "stubborn": stubborn or [],
                **(demo or {}),
            }
        },
    )
    assert await async_setup_component(
        hass,
        "person",
        {
            "person": [
                {
                    "name": person,
                    "id": slugify(person),
                    "device_trackers": [f"device_tracker.{slugify(person)}_phone"],
                }
                for person in people
            ]
        },
    )
    for component, config in (extra or {}).items():
        assert await async_setup_component(hass, component, config)
    await hass.async_block_till_done()


@pytest.fixture
def setup_house(hass: HomeAssistant) -> HouseFactory:
    """Return a function that builds the demo house (``async_setup_house``)."""
    return partial(async_setup_house, hass)


HOUSE_DATA = {"presence_mode": "zone", "zone": "zone.home", "presence_entities": []}


def house_entry(
    subentries: list[ConfigSubentryData],
    *,
    options: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    entry_id: str = "house01",
) -> MockConfigEntry:
    """Return a house entry (presence from zone.home, 120 s debounce)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=data or HOUSE_DATA,
        options=options or {"debounce": 120},
        subentries_data=subentries,
        entry_id=entry_id,
    )


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return the house entry with two demo speakers."""
    return house_entry(
        [
            speaker_subentry("Kitchen Echo", plug=True),
            speaker_subentry("Bedroom Nest", actions=("mute_media", "mic_mute")),
        ]
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    setup_house: HouseFactory,
    mock_config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """Set up the demo house and Privacy Guard on it."""
    await setup_house()
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


# The DNS filters' emulators, for every test module: one set of fixtures.
ADGUARD_USER = "admin"
ADGUARD_PASSWORD = "adguard-s3cret-pw"
PIHOLE_PASSWORD = "pihole-s3cret-pw"


@pytest.fixture
async def adguard(socket_enabled: None) -> AsyncIterator[AdGuardEmulator]:
    """AdGuard Home's API as published, on 127.0.0.1."""
    emulator = AdGuardEmulator(username=ADGUARD_USER, password=ADGUARD_PASSWORD)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def pihole(socket_enabled: None) -> AsyncIterator[PiholeEmulator]:
    """Pi-hole v6's API as published, on 127.0.0.1."""
    emulator = PiholeEmulator(password=PIHOLE_PASSWORD)
    await emulator.start()
    yield emulator
    await emulator.stop()
