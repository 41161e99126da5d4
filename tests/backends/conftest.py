"""Fixtures: a client session, the two emulators and clients pointed at them.

The emulators listen on 127.0.0.1; ``socket_enabled`` lifts pytest-socket's
ban on creating sockets while its connect guard still allows loopback only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.privacy_guard.backends.adguard import AdGuardClient
from custom_components.privacy_guard.backends.pihole import PiholeClient
from tests.conftest import ADGUARD_PASSWORD, ADGUARD_USER, PIHOLE_PASSWORD

from .emulators import AdGuardEmulator, PiholeEmulator


class FakeClock:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def adguard_client(
    session: aiohttp.ClientSession, adguard: AdGuardEmulator
) -> AdGuardClient:
    return AdGuardClient(
        session,
        adguard.url,
        username=ADGUARD_USER,
        password=ADGUARD_PASSWORD,
        timeout=2,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pihole_client(
    session: aiohttp.ClientSession, pihole: PiholeEmulator, clock: FakeClock
) -> PiholeClient:
    return PiholeClient(
        session, pihole.url, password=PIHOLE_PASSWORD, timeout=2, clock=clock
    )
