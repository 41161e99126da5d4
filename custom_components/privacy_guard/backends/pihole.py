"""Pi-hole v6 client: group-based client blocking and the query log.

Pi-hole has no per-client block switch. Privacy Guard owns one group (by
default ``privacy_guard_block``) with a deny regex matching every name bound to
that group only; a client is blocked by making that group its only group, and
restored by giving it back the groups it had (or deleting the client entry
Privacy Guard created). Everything is found again by name on the server, so no
local state survives restarts or is needed.

Authentication is a session: ``POST /api/auth {"password"}`` returns a session
id sent as ``X-FTL-SID``; the session slides forward with every authenticated
request and is renewed here transparently (before it lapses, and once on a
401). A Pi-hole without a password answers with a valid session and no id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
import logging
import math
import time

import aiohttp
from yarl import URL

from . import (
    DEFAULT_TIMEOUT,
    DnsQuery,
    HttpResponse,
    JsonHttp,
    decode_json,
)
from .errors import BackendAuthError, BackendError, BackendResponseError
from .pihole_api import (
    BLOCKING_STATES,
    PiholeClientEntry,
    PiholeGroup,
    parse_clients,
    parse_domains,
    parse_error,
    parse_groups,
    parse_processed_errors,
    parse_queries,
    parse_session,
    parse_version,
)

_LOGGER = logging.getLogger(__name__)

PRODUCT = "Pi-hole"
DEFAULT_BLOCK_GROUP = "privacy_guard_block"
DEFAULT_QUERY_LIMIT = 100
GROUP_COMMENT = "Privacy Guard: clients in this group get no DNS answers"
REGEX_COMMENT = "Privacy Guard: deny every name to the block group"
CLIENT_COMMENT = "Privacy Guard: added to block this client"
# Both match every name. Pi-hole keeps one entry per (regex, list), so the
# second is used only when someone else already owns a deny ".*".
BLOCK_REGEXES = (".*", "^.*$")
# Renew this long before the server would drop an idle session.
_RENEW_MARGIN = 5.0
_WRITE_OK = (200, 201)


class PiholeClient:
    """Typed client for the few Pi-hole v6 endpoints Privacy Guard needs."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | URL,
        *,
        password: str = "",
        verify_ssl: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare a client; it logs in on its first request."""
        self._http = JsonHttp(
            session, base_url, product=PRODUCT, verify_ssl=verify_ssl, timeout=timeout
        )
        self._password = password
        self._clock = clock
        self._lock = asyncio.Lock()
        self._logged_in = False
        self._sid: str | None = None
        self._validity = 0
        self._renew_at = 0.0
        self._group_ids: dict[str, int] = {}

    def __repr__(self) -> str:
        """Show where the client points, never its password or session."""
        return f"PiholeClient({self._http.base_url})"

    # Session handling

    async def _login(self) -> None:
        resp = await self._http.request(
            "POST", "api", "auth", json_body={"password": self._password}
        )
        if resp.status in (401, 403):
            raise BackendAuthError(f"{PRODUCT} refused the password")
        if resp.status == 400:
            # e.g. a 2FA code is required: still a login problem for the user.
            raise BackendAuthError(
                f"{PRODUCT} refused the login: {parse_error(resp.body)}"
            )
        if resp.status != 200:
            raise BackendResponseError(
                f"{PRODUCT} answered {resp.status} to the login: "
                f"{parse_error(resp.body)}"
            )
        session = parse_session(decode_json(resp.body, f"{PRODUCT} login"))
        if not session.valid:
            if session.totp:
                raise BackendAuthError(
                    f"{PRODUCT} asks for a 2FA code; use an app password instead"
                )
            raise BackendAuthError(f"{PRODUCT} refused the password")
        self._sid = session.sid
        self._validity = session.validity
        self._logged_in = True
        self._extend()
        _LOGGER.debug(
            "Logged in to %s (%s)",
            PRODUCT,
            "session" if session.sid else "no password needed",
        )

    def _extend(self) -> None:
        # Every authenticated request slides the server's expiry forward.
        if self._sid is None or self._validity <= 0:
            self._renew_at = math.inf
            return
        margin = min(_RENEW_MARGIN, self._validity / 2)
        self._renew_at = self._clock() + self._validity - margin

    async def _ensure_session(self) -> str | None:
        async with self._lock:
            if not self._logged_in or self._clock() >= self._renew_at:
                self._logged_in = False
                await self._login()
            return self._sid

    async def _api(
        self,
        method: str,
        *segments: str,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        expect: tuple[int, ...] = (200,),
    ) -> HttpResponse:
        retried = False
        while True:
            sid = await self._ensure_session()
            headers = {"X-FTL-SID": sid} if sid is not None else {}
            resp = await self._http.request(
                method,
                "api",
                *segments,
                params=params,
                json_body=json_body,
                headers=headers,
            )
            if resp.status != 401 or retried:
                break
            # The session lapsed or was dropped on the server: log in once more.
            _LOGGER.debug("%s session refused, logging in again", PRODUCT)
            retried = True
            if self._sid == sid:
                self._logged_in = False
        path = "/api/" + "/".join(segments)
        if resp.status in (401, 403):
            raise BackendAuthError(
                f"{PRODUCT} refused access to {method} {path} ({resp.status})"
            )
        if resp.status not in expect:
            raise BackendResponseError(
                f"{PRODUCT} answered {resp.status} to {method} {path}: "
                f"{parse_error(resp.body)}"
            )
        self._extend()
        return resp

    async def _api_json(
        self,
        method: str,
        *segments: str,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        expect: tuple[int, ...] = (200,),
    ) -> object:
        resp = await self._api(
            method, *segments, params=params, json_body=json_body, expect=expect
        )
        return decode_json(resp.body, f"{PRODUCT} /api/{'/'.join(segments)}")

    async def _write(
        self, what: str, method: str, *segments: str, body: object
    ) -> object:
        """Send a write; raise if Pi-hole reports any item as failed."""
        data = await self._api_json(method, *segments, json_body=body, expect=_WRITE_OK)
        if failed := parse_processed_errors(data):
            details = "; ".join(f"{item}: {error}" for item, error in failed.items())
            raise BackendResponseError(f"{PRODUCT} could not {what}: {details}")
        return data

    async def async_close(self) -> None:
        """Log out (``DELETE /api/auth``) if a session is open; never raises."""
        sid, self._sid, self._logged_in = self._sid, None, False
        if sid is None:
            return
        try:
            await self._http.request(
                "DELETE", "api", "auth", headers={"X-FTL-SID": sid}
            )
        except BackendError as err:
            _LOGGER.debug("%s logout failed: %s", PRODUCT, err)

    # Reads

    async def async_check(self) -> str:
        """Check reachability and password; return the Pi-hole version."""
        return parse_version(await self._api_json("GET", "info", "version"))

    async def async_get_groups(self) -> list[PiholeGroup]:
        """Return every group (one GET)."""
        return parse_groups(await self._api_json("GET", "groups"))

    async def async_get_clients(self) -> list[PiholeClientEntry]:
        """Return every configured client (one GET)."""
        return parse_clients(await self._api_json("GET", "clients"))

    async def async_get_queries(
        self,
        client: str | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = DEFAULT_QUERY_LIMIT,
    ) -> list[DnsQuery]:
        """Return recent queries, newest first, in one request.

        With ``client`` (an IP) only that client's; without it the most recent
        ``limit`` queries of every client. ``since``/``until`` bound the time.
        """
        params = {"length": str(limit)}
        if client is not None:
            params["client_ip"] = client
        if since is not None:
            params["from"] = str(math.floor(since.timestamp()))
        if until is not None:
            params["until"] = str(math.ceil(until.timestamp()))
        return parse_queries(
            await self._api_json("GET", "queries", params=params), client=client
        )

    # The block group

    async def async_ensure_block_group(self, name: str = DEFAULT_BLOCK_GROUP) -> int:
        """Find or create the block group and its deny-all regex; return its id.

        Idempotent: an existing group (enabled again if someone disabled it)
        and an existing regex bound to that group only are reused, so a fresh
        client finds them again after a restart.
        """
        groups = await self.async_get_groups()
        group = next((group for group in groups if group.name == name), None)
        if group is None:
            data = await self._write(
                "create the block group",
                "POST",
                "groups",
                body={"name": name, "comment": GROUP_COMMENT, "enabled": True},
            )
            group = next(
                (group for group in parse_groups(data) if group.name == name), None
            )
            if group is None:
                raise BackendResponseError(
                    f"{PRODUCT} did not return the group {name!r} it created"
                )
        elif not group.enabled:
            await self._write(
                "enable the block group",
                "PUT",
                "groups",
                name,
                body={"name": name, "comment": group.comment, "enabled": True},
            )
        await self._ensure_block_regex(group.id)
        self._group_ids[name] = group.id
        return group.id

    async def _ensure_block_regex(self, group_id: int) -> None:
        domains = parse_domains(await self._api_json("GET", "domains", "deny", "regex"))
        by_regex = {domain.domain: domain for domain in domains}
        for regex in BLOCK_REGEXES:
            entry = by_regex.get(regex)
            if entry is None:
                await self._write(
                    "create the deny-all regex",
                    "POST",
                    "domains",
                    "deny",
                    "regex",
                    body={
                        "domain": regex,
                        "comment": REGEX_COMMENT,
                        "groups": [group_id],
                        "enabled": True,
                    },
                )
                return
            if entry.groups == (group_id,):
                if not entry.enabled:
                    await self._write(
                        "enable the deny-all regex",
                        "PUT",
                        "domains",
                        "deny",
                        "regex",
                        regex,
                        body={
                            "type": "deny",
                            "kind": "regex",
                            "comment": entry.comment,
                            "groups": [group_id],
                            "enabled": True,
                        },
                    )
                return
        raise BackendResponseError(
            f"{PRODUCT} already has deny regexes {' and '.join(BLOCK_REGEXES)} "
            "bound to other groups; free one of them for the block group"
        )

    async def _group_id(self, name: str) -> int:
        if (group_id := self._group_ids.get(name)) is not None:
            return group_id
        return await self.async_ensure_block_group(name)

    # Blocking

    async def async_blocking_enabled(self) -> bool:
        """Return whether Pi-hole's global blocking is on (``/api/dns/blocking``).

        Off (someone chose "disable blocking for 5 minutes"), no client is
        blocked, whatever its group.
        """
        data = await self._api_json("GET", "dns", "blocking")
        state = data.get("blocking") if isinstance(data, dict) else None
        if state not in BLOCKING_STATES:
            raise BackendResponseError(
                f"{PRODUCT} answered /api/dns/blocking without a blocking state"
            )
        return bool(state == "enabled")

    async def async_is_blocked(
        self, clients: Iterable[str], *, group: str = DEFAULT_BLOCK_GROUP
    ) -> dict[str, bool]:
        """Return whether each client is blocked now.

        Only when global blocking is on, the block group exists and is enabled,
        its deny-all regex is enabled and bound to it, and the client's only
        group is the block group: read on every call, so a poll sees a
        blocking paused or a group or regex switched off by hand.
        """
        clients = list(clients)
        if not await self.async_blocking_enabled():
            return dict.fromkeys(clients, False)
        found = [g for g in await self.async_get_groups() if g.name == group]
        if not found or not found[0].enabled:
            return dict.fromkeys(clients, False)
        group_id = found[0].id
        self._group_ids[group] = group_id
        regexes = parse_domains(await self._api_json("GET", "domains", "deny", "regex"))
        if not any(
            entry.domain in BLOCK_REGEXES
            and entry.enabled
            and entry.groups == (group_id,)
            for entry in regexes
        ):
            return dict.fromkeys(clients, False)
        entries = {entry.client: entry for entry in await self.async_get_clients()}
        return {
            client: client in entries and entries[client].groups == (group_id,)
            for client in clients
        }

    async def async_block(
        self, clients: Sequence[str], *, group: str = DEFAULT_BLOCK_GROUP
    ) -> dict[str, list[int] | None]:
        """Put each client in the block group only; return its previous groups.

        ``None`` marks a client Pi-hole had no entry for (it is created here).
        Requests: one GET of all clients, one PUT per client that already had
        an entry (the API replaces one client at a time and needs every
        property, so each is a read-modify-write keeping its comment), and one
        POST creating all the new clients at once.

        If a write fails half-way the changes already made are rolled back;
        if that fails too, the raised error's ``left_changed`` lists them.
        """
        if not clients:
            return {}
        group_id = await self._group_id(group)
        entries = {entry.client: entry for entry in await self.async_get_clients()}
        previous: dict[str, list[int] | None] = {}
        to_replace: list[PiholeClientEntry] = []
        to_create: list[str] = []
        for client in dict.fromkeys(clients):
            entry = entries.get(client)
            if entry is None:
                previous[client] = None
                to_create.append(client)
                continue
            previous[client] = list(entry.groups)
            if entry.groups != (group_id,):
                to_replace.append(entry)
        done: dict[str, list[int] | None] = {}
        try:
            for entry in to_replace:
                await self._put_client(entry.client, entry.comment, [group_id])
                done[entry.client] = list(entry.groups)
            if to_create:
                await self._create_clients(
                    to_create, [group_id], CLIENT_COMMENT, created=done
                )
        except BackendError as err:
            # The cached id may point at a group someone deleted.
            self._group_ids.pop(group, None)
            await self._roll_back(done, err)
            raise
        return previous

    async def async_restore(self, previous: Mapping[str, list[int] | None]) -> None:
        """Give each client back the groups :meth:`async_block` reported.

        ``None`` deletes the client entry (Pi-hole had none before, so that is
        the exact former state; an unknown client is in the Default group
        anyway). Requests: one GET, one PUT per client that had an entry, and
        one batch delete for all the entries Privacy Guard created.
        """
        if not previous:
            return
        entries = {entry.client: entry for entry in await self.async_get_clients()}
        to_delete = [
            client
            for client, groups in previous.items()
            if groups is None and client in entries
        ]
        to_recreate: dict[tuple[int, ...], list[str]] = {}
        for client, groups in previous.items():
            if groups is None:
                continue
            entry = entries.get(client)
            if entry is None:
                # Someone deleted the entry meanwhile: bring its groups back.
                to_recreate.setdefault(tuple(groups), []).append(client)
            elif list(entry.groups) != groups:
                await self._put_client(client, entry.comment, groups)
        for group_ids, clients in to_recreate.items():
            await self._create_clients(clients, list(group_ids), None)
        if to_delete:
            await self._api(
                "POST",
                "clients:batchDelete",
                json_body=[{"item": client} for client in to_delete],
                expect=(204, 404),
            )

    async def _put_client(
        self, client: str, comment: str | None, groups: list[int]
    ) -> None:
        await self._write(
            f"set the groups of {client}",
            "PUT",
            "clients",
            client,
            body={"comment": comment, "groups": groups},
        )

    async def _create_clients(
        self,
        clients: list[str],
        groups: list[int],
        comment: str | None,
        *,
        created: dict[str, list[int] | None] | None = None,
    ) -> None:
        data = await self._api_json(
            "POST",
            "clients",
            json_body={"client": clients, "comment": comment, "groups": groups},
            expect=_WRITE_OK,
        )
        failed = parse_processed_errors(data)
        if created is not None:
            created.update({c: None for c in clients if c not in failed})
        if failed:
            details = "; ".join(f"{item}: {error}" for item, error in failed.items())
            raise BackendResponseError(f"{PRODUCT} could not add clients: {details}")

    async def _roll_back(
        self, done: dict[str, list[int] | None], err: BackendError
    ) -> None:
        if not done:
            return
        try:
            await self.async_restore(done)
        except BackendError:
            err.left_changed = dict(done)
            _LOGGER.warning(
                "%s: could not undo a failed block; still changed: %s",
                PRODUCT,
                ", ".join(done),
            )
