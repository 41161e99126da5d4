"""DNS filters as network blockers and as a source of voice-lookup evidence.

The Home Assistant side of :mod:`.backends`: one :class:`DnsBackend` per
configured AdGuard Home or Pi-hole. It keeps what the filter says about each
speaker's address, batches block and unblock requests from many speakers into
one read and one write, polls the query log once per interval for all speakers,
and reports faults (unavailable once, recovered once, a repair issue, a
reauthentication on refused credentials).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import fnmatch
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
import homeassistant.util.dt as dt_util

from .backends import BackendAuthError, BackendError, BackendResponseError, DnsQuery
from .backends.adguard import AdGuardClient
from .backends.pihole import PiholeClient
from .const import DOMAIN, LOGGER, NetworkBackend
from .repairs import Issue, async_clear, async_raise

# Speakers engage concurrently, so their network actions arrive within a few
# turns of the event loop: a batch is sent once this many turns pass with no new
# request. Counting turns rather than time keeps batching independent of clocks.
BATCH_IDLE_TURNS = 3
# Voice endpoints (DESIGN: published lookups of Echo, Google and Apple speakers);
# telemetry such as device-metrics-us.amazon.com is deliberately absent.
DEFAULT_VOICE_PATTERNS: tuple[str, ...] = (
    "avs-alexa-*.amazon.com",
    "alexa.*.gateway.devices.a2z.com",
    "bob-dispatch-prod-*.amazon.com",
    "embeddedassistant.googleapis.com",
    "guzzoni.apple.com",
)
QUERY_LIMIT = 500


def make_client(
    hass: HomeAssistant, kind: NetworkBackend, settings: Mapping[str, Any]
) -> AdGuardClient | PiholeClient:
    """Return the client of a DNS filter over Home Assistant's shared session."""
    verify = bool(settings.get(CONF_VERIFY_SSL, True))
    session = async_get_clientsession(hass, verify)
    if kind is NetworkBackend.ADGUARD:
        return AdGuardClient(
            session,
            settings[CONF_URL],
            username=settings.get(CONF_USERNAME) or None,
            password=settings.get(CONF_PASSWORD) or None,
            verify_ssl=verify,
        )
    return PiholeClient(
        session,
        settings[CONF_URL],
        password=settings.get(CONF_PASSWORD) or "",
        verify_ssl=verify,
    )


@dataclass(slots=True)
class _Request:
    protect: bool
    memo: dict[str, Any]
    future: asyncio.Future[None]


type QueryListener = Callable[[NetworkBackend, list[DnsQuery]], None]


class DnsBackend:
    """One AdGuard Home or Pi-hole, as the house uses it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        kind: NetworkBackend,
        settings: Mapping[str, Any],
    ) -> None:
        """Make the client over Home Assistant's shared session."""
        self.hass = hass
        self.entry = entry
        self.kind = kind
        self.client = make_client(hass, kind, settings)
        # What the filter says of each address the house cares about.
        self.blocked: dict[str, bool] = {}
        self.available = True
        self.clients: set[str] = set()
        self._pending: dict[str, _Request] = {}
        self._flush_task: asyncio.Task[None] | None = None
        self._last_query: datetime | None = None

    # ---------------------------------------------------------------- health
    def _failed(self, err: BackendError) -> None:
        if isinstance(err, BackendAuthError):
            self.entry.async_start_reauth(self.hass, data={"backend": self.kind.value})
        if self.available:
            LOGGER.warning("%s is unavailable: %s", self.kind.label, err)
            self.available = False
        async_raise(
            self.hass,
            Issue.BACKEND_UNAVAILABLE,
            self.kind.value,
            placeholders={"backend": self.kind.label, "error": str(err)},
        )

    def _recovered(self) -> None:
        if not self.available:
            LOGGER.info("%s is available again", self.kind.label)
            self.available = True
        async_clear(self.hass, Issue.BACKEND_UNAVAILABLE, self.kind.value)

    # ---------------------------------------------------------------- state
    def is_blocked(self, client: str) -> bool | None:
        """Return whether the filter blocks ``client``; None while unknown."""
        if not self.available:
            return None
        return self.blocked.get(client)

    async def async_refresh(self) -> set[str]:
        """Read the block state of every known client (one request).

        Returns the clients whose state changed, so their speakers can be
        reconciled (a change made in the filter's own UI is a change by hand).
        """
        if not self.clients:
            return set()
        try:
            now = await self.client.async_is_blocked(sorted(self.clients))
        except BackendError as err:
            self._failed(err)
            return set(self.clients)
        changed = {c for c, v in now.items() if self.blocked.get(c) != v}
        self.blocked.update(now)
        was_down = not self.available
        self._recovered()
        return set(self.clients) if was_down else changed

    # ---------------------------------------------------------------- writes
    async def async_set(self, client: str, protect: bool, memo: dict[str, Any]) -> None:
        """Block or unblock one client, batched with concurrent requests.

        ``memo`` is the ledger record's scratch space: Pi-hole writes the
        client's previous groups there when blocking and reads them back when
        unblocking, so a release restores exactly.
        """
        future: asyncio.Future[None] = self.hass.loop.create_future()
        self._pending[client] = _Request(protect, memo, future)
        if self._flush_task is None:
            self._flush_task = self.hass.async_create_task(
                self._async_flush(), f"{DOMAIN} {self.kind} batch", eager_start=False
            )
        await future

    async def _async_flush(self) -> None:
        idle = 0
        while idle < BATCH_IDLE_TURNS:
            seen = len(self._pending)
            await asyncio.sleep(0)
            idle = idle + 1 if len(self._pending) == seen else 0
        self._flush_task = None
        batch, self._pending = self._pending, {}
        try:
            if isinstance(self.client, AdGuardClient):
                refused: set[str] = set()
                await self.client.async_set_blocked(
                    {client: req.protect for client, req in batch.items()},
                    conflicts=refused,
                )
                # A client the user allowed explicitly fails alone, not the batch.
                for client in refused:
                    req = batch.pop(client)
                    req.future.set_exception(
                        BackendResponseError(
                            f"{client} is in AdGuard Home's allowed clients;"
                            " remove it there to let Privacy Guard block it"
                        )
                    )
            else:
                await self._async_flush_pihole(self.client, batch)
        except BackendError as err:
            self._failed(err)
            for req in batch.values():
                if not req.future.done():
                    req.future.set_exception(err)
            return
        self._recovered()
        for client, req in batch.items():
            self.blocked[client] = req.protect
            if not req.future.done():
                req.future.set_result(None)

    @staticmethod
    async def _async_flush_pihole(
        client: PiholeClient, batch: Mapping[str, _Request]
    ) -> None:
        to_block = [c for c, req in batch.items() if req.protect]
        if to_block:
            previous = await client.async_block(to_block)
            for address, groups in previous.items():
                # A repeated block (after a lost answer) reports the block group
                # as "previous": the first answer is the one to restore.
                batch[address].memo.setdefault("groups", groups)
        restore = {
            c: req.memo.get("groups", [0])
            for c, req in batch.items()
            if not req.protect
        }
        if restore:
            await client.async_restore(restore)

    # ---------------------------------------------------------------- queries
    async def async_poll_queries(self) -> list[DnsQuery]:
        """Return lookups since the last poll, for every client (one request).

        The first poll only sets the starting point: history from before start
        is not counted again.
        """
        try:
            queries = await self.client.async_get_queries(limit=QUERY_LIMIT)
        except BackendError as err:
            self._failed(err)
            return []
        self._recovered()
        since = self._last_query
        newest = max((q.time for q in queries), default=since)
        self._last_query = newest if newest is not None else dt_util.utcnow()
        if since is None:
            return []
        return [q for q in queries if q.time > since and q.client in self.clients]


def voice_lookup(name: str, patterns: Iterable[str]) -> bool:
    """Return whether a looked-up name is a known voice endpoint."""
    lowered = name.lower().rstrip(".")
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in patterns)


class DnsBackends:
    """Every DNS filter of the house, polled together."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        settings: Mapping[NetworkBackend, Mapping[str, Any]],
        interval: float,
    ) -> None:
        """Create a backend per configured filter."""
        self.hass = hass
        self.backends = {
            kind: DnsBackend(hass, entry, kind, conf) for kind, conf in settings.items()
        }
        self.interval = timedelta(seconds=interval)
        self._unsub: CALLBACK_TYPE | None = None
        self.on_changed: Callable[[NetworkBackend, set[str]], Any] | None = None
        self.on_queries: QueryListener | None = None

    def get(self, kind: NetworkBackend) -> DnsBackend | None:
        """Return one backend, or None when it is not configured."""
        return self.backends.get(kind)

    async def async_start(self) -> None:
        """Read the block states once, then poll on the interval."""
        if not self.backends:
            return
        await self.async_poll()
        self._unsub = async_track_time_interval(
            self.hass, self._async_interval, self.interval, cancel_on_shutdown=True
        )

    @callback
    def async_stop(self) -> None:
        """Stop polling."""
        if self._unsub:
            self._unsub()
            self._unsub = None

    async def _async_interval(self, _now: datetime) -> None:
        await self.async_poll()

    async def async_poll(self) -> None:
        """Refresh block states and query logs of every backend concurrently."""

        async def one(backend: DnsBackend) -> None:
            changed = await backend.async_refresh()
            queries = await backend.async_poll_queries()
            if changed and self.on_changed is not None:
                await self.on_changed(backend.kind, changed)
            if queries and self.on_queries is not None:
                self.on_queries(backend.kind, queries)

        await asyncio.gather(*(one(b) for b in self.backends.values()))
