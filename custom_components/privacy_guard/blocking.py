"""DNS filters as network blockers and as a source of voice-lookup evidence.

The Home Assistant side of :mod:`.backends`: one :class:`DnsBackend` per
configured AdGuard Home or Pi-hole, each a ``DataUpdateCoordinator`` that polls
the filter once per interval for every speaker (their block states and the new
voice lookups in the query log), batches block and unblock requests from many
speakers into one read and one write, and reports faults: the coordinator logs
the loss and the recovery once, a repair issue stays while the filter is down,
and refused credentials start a reauthentication.

What a poll finds is told on two dispatcher signals (:mod:`.signals`): the
clients whose block state changed, and the new voice lookups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import fnmatch
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import homeassistant.util.dt as dt_util
from yarl import URL

from .backends import (
    BackendAuthError,
    BackendConnectionError,
    BackendError,
    BackendResponseError,
    DnsQuery,
)
from .backends.adguard import AdGuardClient
from .backends.pihole import PiholeClient
from .const import DOMAIN, LOGGER, NetworkBackend
from .repairs import Issue, async_clear, async_raise
from .signals import signal_dns_changed, signal_dns_queries

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
# Where a Pi-hole block keeps the client's previous groups in the ledger memo.
MEMO_GROUPS = "groups"


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


def voice_lookup(name: str, patterns: Iterable[str]) -> bool:
    """Return whether a looked-up name is a known voice endpoint."""
    lowered = name.lower().rstrip(".")
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in patterns)


@dataclass(frozen=True, slots=True)
class DnsData:
    """What the house knows of one DNS filter (a coordinator's data).

    ``blocked``: whether the filter blocks each speaker address, as last read
    or written. ``queries``: the voice lookups of those addresses that the
    latest poll found, newer than the poll before (empty after a write).
    """

    blocked: Mapping[str, bool] = field(default_factory=dict)
    queries: tuple[DnsQuery, ...] = ()


@dataclass(slots=True)
class _Request:
    protect: bool
    memo: dict[str, Any]
    future: asyncio.Future[None]


def _follow(
    target: asyncio.Future[None],
    source: asyncio.Future[None] | None,
    error: BaseException | None = None,
) -> None:
    """Give ``target`` the outcome of ``source`` (or ``error``), if still open."""
    if target.done():
        return
    if source is not None:
        if source.cancelled():
            target.cancel()
            return
        error = source.exception()
    if isinstance(error, asyncio.CancelledError):
        target.cancel()
    elif error is not None:
        target.set_exception(error)
    else:
        target.set_result(None)


@callback
def _keep_polling() -> None:
    """Listen to nothing: a coordinator polls only while it has a listener.

    The guard reads the data itself (through :meth:`DnsBackend.is_blocked`) and
    learns of changes from the signals, so the listener has nothing to do.
    """


class DnsBackend(DataUpdateCoordinator[DnsData]):
    """One AdGuard Home or Pi-hole, as the house uses it."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        kind: NetworkBackend,
        settings: Mapping[str, Any],
        *,
        interval: timedelta,
        voice_patterns: Iterable[str] = DEFAULT_VOICE_PATTERNS,
    ) -> None:
        """Make the client over Home Assistant's shared session."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=kind.label,
            update_interval=interval,
        )
        self.kind = kind
        self.client = make_client(hass, kind, settings)
        # The addresses the house cares about.
        self.clients: set[str] = set()
        self.voice_patterns = tuple(voice_patterns)
        self.data = DnsData()
        self._pending: dict[str, _Request] = {}
        self._flush_task: asyncio.Task[None] | None = None
        self._last_query: datetime | None = None
        # A poll and a write never overlap, so a poll cannot read the state
        # from before a write and store it after the write's own.
        self._io = asyncio.Lock()
        # Clients the poll in progress found changed (all on loss or recovery).
        self._changed: set[str] = set()
        self._unlisten: CALLBACK_TYPE | None = None

    # ---------------------------------------------------------------- polling
    @callback
    def async_start_polling(self) -> None:
        """Poll on the interval from now on."""
        if self._unlisten is None:
            self._unlisten = self.async_add_listener(_keep_polling)

    @callback
    def async_stop_polling(self) -> None:
        """Stop polling."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None

    async def _async_update_data(self) -> DnsData:
        """Read the block state of every client and the new voice lookups.

        One request for the block states (none without clients) and one for the
        query log. The first successful poll only sets the query log's
        starting point: history from before start is not counted again.
        """
        was_down = not self.last_update_success
        clients = sorted(self.clients)
        try:
            async with self._io:
                blocked = await self.client.async_is_blocked(clients) if clients else {}
                queries = await self.client.async_get_queries(limit=QUERY_LIMIT)
        except BackendAuthError as err:
            self._changed = set(self.clients)
            self._async_start_reauth()
            raise ConfigEntryAuthFailed(str(err)) from err
        except BackendError as err:
            self._changed = set(self.clients)
            raise UpdateFailed(str(err)) from err
        previous = self.data.blocked
        self._changed = (
            set(self.clients)
            if was_down
            else {c for c, v in blocked.items() if previous.get(c) != v}
        )
        since = self._last_query
        newest = max((q.time for q in queries), default=since)
        self._last_query = newest if newest is not None else dt_util.utcnow()
        fresh: tuple[DnsQuery, ...] = ()
        if since is not None:
            fresh = tuple(
                q
                for q in queries
                if q.time > since
                and q.client in self.clients
                and voice_lookup(q.name, self.voice_patterns)
            )
        return DnsData({**previous, **blocked}, fresh)

    @callback
    def _async_refresh_finished(self) -> None:
        """Report the health, then tell what the poll found.

        Called after every poll, whether it failed or not, once the
        coordinator has recorded the outcome: a speaker reconciled on a
        failure already reads as exposed.
        """
        if self.last_update_success:
            async_clear(self.hass, Issue.BACKEND_UNAVAILABLE, self.kind.value)
        else:
            self._async_raise_issue(self.last_exception)
        changed, self._changed = self._changed, set()
        entry_id = self.config_entry.entry_id
        if changed:
            async_dispatcher_send(
                self.hass, signal_dns_changed(entry_id), self.kind, changed
            )
        if self.last_update_success and self.data.queries:
            async_dispatcher_send(
                self.hass,
                signal_dns_queries(entry_id),
                self.kind,
                list(self.data.queries),
            )

    # ---------------------------------------------------------------- health
    @callback
    def _async_start_reauth(self) -> None:
        """Ask for this filter's credentials again.

        The reauthentication flow needs to know which filter refused: the
        coordinator's own start (after ConfigEntryAuthFailed) passes only the
        entry's data. This one passes the kind and comes first; the
        coordinator's then finds a reauthentication in progress and does
        nothing. Writes, which the coordinator does not see, need it anyway.
        """
        self.config_entry.async_start_reauth(
            self.hass, data={"backend": self.kind.value}
        )

    @callback
    def _async_raise_issue(self, err: BaseException | None) -> None:
        async_raise(
            self.hass,
            Issue.BACKEND_UNAVAILABLE,
            self.kind.value,
            placeholders={"backend": self.kind.label, "error": str(err)},
        )

    @callback
    def _async_write_failed(self, err: BackendError) -> None:
        if isinstance(err, BackendAuthError):
            self._async_start_reauth()
        # Logs once, at the loss, as a failed poll does.
        self.async_set_update_error(err)
        self._async_raise_issue(err)

    @callback
    def _async_write_succeeded(self, blocked: Mapping[str, bool]) -> None:
        if not self.last_update_success:
            # The coordinator logs a recovery only when a poll finds it.
            LOGGER.info("%s is available again", self.kind.label)
        self.async_set_updated_data(DnsData(blocked))
        async_clear(self.hass, Issue.BACKEND_UNAVAILABLE, self.kind.value)

    # ---------------------------------------------------------------- state
    def is_blocked(self, client: str) -> bool | None:
        """Return whether the filter blocks ``client``; None while unknown."""
        if not self.last_update_success:
            return None
        return self.data.blocked.get(client)

    # ---------------------------------------------------------------- writes
    async def async_set(self, client: str, protect: bool, memo: dict[str, Any]) -> None:
        """Block or unblock one client, batched with concurrent requests.

        ``memo`` is the ledger record's scratch space: Pi-hole writes the
        client's previous groups there when blocking and reads them back when
        unblocking, so a release restores exactly.
        """
        future: asyncio.Future[None] = self.hass.loop.create_future()
        if (earlier := self._pending.get(client)) is not None:
            # Two requests for one client in one batch (a person's switch while
            # the guard drives it): the later one is sent, and both callers
            # learn its outcome.
            future.add_done_callback(partial(_follow, earlier.future))
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
        readback: dict[str, bool] = {}
        try:
            async with self._io:
                if isinstance(self.client, AdGuardClient):
                    await self._async_flush_adguard(self.client, batch)
                else:
                    readback = await self._async_flush_pihole(self.client, batch)
        except BaseException as err:
            if not isinstance(err, BackendError):
                # Never leave a caller (holding its speaker's lock) waiting:
                # each gets the error, which its own caller handles or logs.
                for waiting in batch.values():
                    _follow(waiting.future, None, err)
                if isinstance(err, asyncio.CancelledError):
                    raise
                return
            # A change that failed half-way and could not be undone: the ledger
            # keeps what each client had, so a release restores it exactly.
            for address, groups in err.left_changed.items():
                if (req := batch.get(address)) is not None:
                    req.memo.setdefault(MEMO_GROUPS, groups)
            self._async_write_failed(err)
            for req in batch.values():
                if not req.future.done():
                    req.future.set_exception(err)
            return
        blocked = dict(self.data.blocked)
        blocked.update((client, req.protect) for client, req in batch.items())
        # What Pi-hole says after the write wins: its global blocking may be
        # paused, the group or its regex switched off.
        blocked.update(readback)
        self._async_write_succeeded(blocked)
        for req in batch.values():
            if not req.future.done():
                req.future.set_result(None)

    @staticmethod
    async def _async_flush_adguard(
        client: AdGuardClient, batch: dict[str, _Request]
    ) -> None:
        refused: set[str] = set()
        await client.async_set_blocked(
            {address: req.protect for address, req in batch.items()},
            conflicts=refused,
        )
        # A client the user allowed explicitly fails alone, not the batch.
        for address in refused:
            batch.pop(address).future.set_exception(
                BackendResponseError(
                    f"{address} is in AdGuard Home's allowed clients;"
                    " remove it there to let Privacy Guard block it"
                )
            )

    @staticmethod
    async def _async_flush_pihole(
        client: PiholeClient, batch: Mapping[str, _Request]
    ) -> dict[str, bool]:
        """Write the batch; return the clients' block state read back after it."""
        to_block = [c for c, req in batch.items() if req.protect]
        if to_block:
            previous = await client.async_block(to_block)
            for address, groups in previous.items():
                # A repeated block (after a lost answer) reports the block group
                # as "previous": the first answer is the one to restore.
                batch[address].memo.setdefault(MEMO_GROUPS, groups)
        restore = {
            c: req.memo.get(MEMO_GROUPS, [0])
            for c, req in batch.items()
            if not req.protect
        }
        if restore:
            await client.async_restore(restore)
        return await client.async_is_blocked(list(batch))


class DnsBackends:
    """Every DNS filter of the house, one coordinator each."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        settings: Mapping[NetworkBackend, Mapping[str, Any]],
        interval: float,
        voice_patterns: Iterable[str] = DEFAULT_VOICE_PATTERNS,
    ) -> None:
        """Create a backend per configured filter."""
        patterns = tuple(voice_patterns)
        self.interval = timedelta(seconds=interval)
        self.backends = {
            kind: DnsBackend(
                hass,
                entry,
                kind,
                conf,
                interval=self.interval,
                voice_patterns=patterns,
            )
            for kind, conf in settings.items()
        }

    def get(self, kind: NetworkBackend) -> DnsBackend | None:
        """Return one backend, or None when it is not configured."""
        return self.backends.get(kind)

    async def async_start(self) -> None:
        """Read every filter once, then poll on the interval.

        A filter that is down (or refuses the credentials) does not fail the
        set-up: its speakers show exposed, the other ways of protecting them
        work, and the next poll tries again.
        """
        for backend in self.backends.values():
            backend.async_start_polling()
        await self.async_poll()

    async def async_stop(self) -> None:
        """Stop polling and log out of Pi-hole (it caps the sessions it keeps).

        Each coordinator also shuts down with the entry.
        """
        for backend in self.backends.values():
            backend.async_stop_polling()
        await self.async_close()

    async def async_close(self) -> None:
        """Close every filter's session (Pi-hole's; AdGuard Home has none)."""
        for backend in self.backends.values():
            if isinstance(backend.client, PiholeClient):
                await backend.client.async_close()

    async def async_poll(self) -> None:
        """Poll every filter now, concurrently."""
        await asyncio.gather(*(b.async_refresh() for b in self.backends.values()))


def core_entry_settings(hass: HomeAssistant, kind: NetworkBackend) -> dict[str, Any]:
    """Offer the host and credentials of Home Assistant's own integration."""
    domain = "adguard" if kind is NetworkBackend.ADGUARD else "pi_hole"
    for entry in hass.config_entries.async_entries(domain):
        data = entry.data
        host = data.get(CONF_HOST)
        if not host:
            continue
        scheme = "https" if data.get(CONF_SSL) else "http"
        port = data.get(CONF_PORT)
        url = f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"
        settings: dict[str, Any] = {
            CONF_URL: url,
            CONF_VERIFY_SSL: data.get(CONF_VERIFY_SSL, True),
        }
        if kind is NetworkBackend.ADGUARD:
            settings[CONF_USERNAME] = data.get(CONF_USERNAME) or ""
            settings[CONF_PASSWORD] = data.get(CONF_PASSWORD) or ""
        else:
            settings[CONF_PASSWORD] = data.get(CONF_API_KEY) or ""
        return settings
    return {}


async def async_check_backend(
    hass: HomeAssistant, kind: NetworkBackend, settings: Mapping[str, Any]
) -> str | None:
    """Connect before saving; return an error key or None."""
    url = URL(str(settings.get(CONF_URL, "")))
    # Credentials go in their own fields, never in a URL (shown, logged).
    if url.scheme not in ("http", "https") or not url.host or url.user or url.password:
        return "invalid_url"
    client = make_client(hass, kind, settings)
    try:
        await client.async_check()
        if isinstance(client, PiholeClient):
            await client.async_close()
    except BackendAuthError:
        return "invalid_auth"
    except BackendConnectionError:
        return "cannot_connect"
    except BackendError:
        return "invalid_response"
    return None
