"""What a loaded house entry holds: its parts, typed for entities and actions."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .blocking import DnsBackends
from .exposure import ExposureTracker
from .guard import Guard
from .house_view import HouseView
from .ledger import Ledger
from .monitor import HouseMonitor
from .probe import SelfTester
from .room import Rooms


@dataclass(kw_only=True, slots=True)
class PrivacyGuardData:
    """What a loaded house entry holds."""

    guard: Guard
    # What entities, conditions and the self-test read (guard and monitor).
    view: HouseView
    exposure: ExposureTracker
    ledger: Ledger
    monitor: HouseMonitor
    backends: DnsBackends
    rooms: Rooms
    self_tester: SelfTester
    # Speaker and room devices hang off the house's device.
    house_device_id: str


type PrivacyGuardConfigEntry = ConfigEntry[PrivacyGuardData]
