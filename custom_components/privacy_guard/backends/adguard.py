"""AdGuard Home client: the access list (client blocking) and the query log.

The REST API lives under ``/control`` and uses HTTP Basic auth. A client is
blocked by listing its IP, CIDR or ClientID in ``disallowed_clients`` of the
access list (``GET /control/access/list``, ``POST /control/access/set`` with
the whole object); MAC addresses are not accepted there. AdGuard Home refuses
a list where ``allowed_clients`` and ``disallowed_clients`` overlap.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import logging

import aiohttp
from yarl import URL

from . import (
    DEFAULT_TIMEOUT,
    DnsQuery,
    HttpResponse,
    JsonHttp,
    as_dict,
    as_list,
    as_str,
    decode_json,
    field,
)
from .errors import BackendAuthError, BackendResponseError

_LOGGER = logging.getLogger(__name__)

PRODUCT = "AdGuard Home"
DEFAULT_QUERY_LIMIT = 100


@dataclass(frozen=True, slots=True)
class AccessList:
    """AdGuard Home's access list, every list in server order."""

    allowed_clients: tuple[str, ...] = ()
    disallowed_clients: tuple[str, ...] = ()
    blocked_hosts: tuple[str, ...] = ()

    def as_json(self) -> dict[str, list[str]]:
        """Return the body ``POST /control/access/set`` expects."""
        return {
            "allowed_clients": list(self.allowed_clients),
            "disallowed_clients": list(self.disallowed_clients),
            "blocked_hosts": list(self.blocked_hosts),
        }


def parse_status(data: object) -> str:
    """Return the version from a ``GET /control/status`` answer."""
    status = as_dict(data, "AdGuard Home status")
    return as_str(field(status, "version", "AdGuard Home status"), "status version")


def _str_list(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    # Go encodes an empty (nil) slice as null, so null means "no entries".
    value = field(data, key, "AdGuard Home access list")
    if value is None:
        return ()
    items = as_list(value, f"access list {key}")
    return tuple(as_str(item, f"access list {key} entry") for item in items)


def parse_access_list(data: object) -> AccessList:
    """Return the access list from a ``GET /control/access/list`` answer."""
    obj = as_dict(data, "AdGuard Home access list")
    return AccessList(
        allowed_clients=_str_list(obj, "allowed_clients"),
        disallowed_clients=_str_list(obj, "disallowed_clients"),
        blocked_hosts=_str_list(obj, "blocked_hosts"),
    )


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 time (AdGuard writes nanoseconds) into aware UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BackendResponseError("query log: bad time") from None
    if parsed.tzinfo is None:
        raise BackendResponseError("query log: time without offset")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise BackendResponseError("query log: time out of range") from None


def parse_querylog(data: object, *, client: str | None = None) -> list[DnsQuery]:
    """Return the entries of a ``GET /control/querylog`` answer, newest first.

    With ``client``, keep only the entries whose IP or ClientID is exactly it
    (the server's own search also matches domains and partial addresses).
    """
    obj = as_dict(data, "AdGuard Home query log")
    entries = field(obj, "data", "AdGuard Home query log")
    if entries is None:
        return []
    queries: list[DnsQuery] = []
    for raw in as_list(entries, "query log data"):
        entry = as_dict(raw, "query log entry")
        ip = as_str(field(entry, "client", "query log entry"), "query log client")
        client_id = entry.get("client_id")
        if client is not None and client not in (ip, client_id):
            continue
        question = as_dict(
            field(entry, "question", "query log entry"), "query log question"
        )
        queries.append(
            DnsQuery(
                time=parse_rfc3339(
                    as_str(field(entry, "time", "query log entry"), "query log time")
                ),
                client=ip,
                name=as_str(
                    field(question, "name", "query log question"), "question name"
                ),
            )
        )
    return queries


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def basic_authorization(username: str, password: str) -> str:
    """Return the value of an HTTP Basic ``Authorization`` header (RFC 7617).

    Built by hand: aiohttp 3.14 deprecates ``BasicAuth``.
    """
    credentials = f"{username}:{password}".encode()
    return f"Basic {base64.b64encode(credentials).decode('ascii')}"


class AdGuardClient:
    """Typed client for the few AdGuard Home endpoints Privacy Guard needs."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | URL,
        *,
        username: str | None = None,
        password: str | None = None,
        verify_ssl: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Prepare a client; no request is sent until a method is called."""
        self._http = JsonHttp(
            session, base_url, product=PRODUCT, verify_ssl=verify_ssl, timeout=timeout
        )
        self._headers: dict[str, str] = {}
        if username is not None or password is not None:
            self._headers["Authorization"] = basic_authorization(
                username or "", password or ""
            )

    def __repr__(self) -> str:
        """Show where the client points, never its credentials."""
        return f"AdGuardClient({self._http.base_url})"

    async def _call(
        self,
        method: str,
        *segments: str,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
    ) -> HttpResponse:
        resp = await self._http.request(
            method,
            "control",
            *segments,
            params=params,
            json_body=json_body,
            headers=self._headers,
        )
        if resp.status in (401, 403):
            raise BackendAuthError(
                f"{PRODUCT} refused the username or password ({resp.status})"
            )
        if resp.status != 200:
            raise BackendResponseError(
                f"{PRODUCT} answered {resp.status} to {method} "
                f"/control/{'/'.join(segments)}: {resp.snippet()}"
            )
        return resp

    async def _get_json(
        self, *segments: str, params: Mapping[str, str] | None = None
    ) -> object:
        resp = await self._call("GET", *segments, params=params)
        return decode_json(resp.body, f"{PRODUCT} /control/{'/'.join(segments)}")

    async def async_check(self) -> str:
        """Check reachability and credentials; return the server version."""
        return parse_status(await self._get_json("status"))

    async def async_get_access_list(self) -> AccessList:
        """Return the current access list (one GET)."""
        return parse_access_list(await self._get_json("access", "list"))

    async def async_set_access_list(self, access: AccessList) -> None:
        """Replace the whole access list (one POST)."""
        await self._call("POST", "access", "set", json_body=access.as_json())

    async def async_is_blocked(self, clients: Iterable[str]) -> dict[str, bool]:
        """Return whether each client is listed in ``disallowed_clients`` (one GET)."""
        disallowed = set((await self.async_get_access_list()).disallowed_clients)
        return {client: client in disallowed for client in clients}

    async def async_set_blocked(
        self, changes: Mapping[str, bool], *, conflicts: set[str] | None = None
    ) -> dict[str, bool]:
        """Block (True) or unblock (False) many clients with one GET and one POST.

        Clients to block are appended to ``disallowed_clients``, clients to
        unblock are removed from it; every other entry, and the other two
        lists, are posted back exactly as read, in their order. The POST is
        skipped when nothing changes.

        Returns, for each client in ``changes``, whether it was disallowed
        *before* this call, so a caller restores exactly by passing that map
        back (a client that was already disallowed stays disallowed).

        AdGuard Home rejects an access list where a client is both allowed and
        disallowed. Rather than post a list the server would refuse (or
        silently drop the user's allow entry), a client to block that sits in
        ``allowed_clients`` raises :class:`BackendResponseError` and nothing is
        changed; with ``conflicts`` given, such clients are left out and added to
        it instead, and the others are still changed.
        """
        if not changes:
            return {}
        access = await self.async_get_access_list()
        disallowed = list(access.disallowed_clients)
        before = set(disallowed)
        previous = {client: client in before for client in changes}
        refused = [
            client
            for client, block in changes.items()
            if block and client in access.allowed_clients
        ]
        if refused and conflicts is None:
            raise BackendResponseError(
                f"{PRODUCT} lists {', '.join(sorted(refused))} in allowed_clients;"
                " a client cannot be allowed and disallowed at once, remove it"
                " from the allowed clients first"
            )
        if refused and conflicts is not None:
            conflicts.update(refused)
            changes = {c: b for c, b in changes.items() if c not in refused}
        unblock = {client for client, block in changes.items() if not block}
        updated = [entry for entry in disallowed if entry not in unblock]
        for client, block in changes.items():
            if block and client not in before and client not in updated:
                updated.append(client)
        if updated == disallowed:
            return previous
        await self.async_set_access_list(
            AccessList(
                allowed_clients=access.allowed_clients,
                disallowed_clients=tuple(updated),
                blocked_hosts=access.blocked_hosts,
            )
        )
        _LOGGER.debug(
            "Access list updated: %d disallowed clients (was %d)",
            len(updated),
            len(disallowed),
        )
        return previous

    async def async_get_queries(
        self,
        client: str | None = None,
        *,
        limit: int = DEFAULT_QUERY_LIMIT,
        older_than: datetime | None = None,
    ) -> list[DnsQuery]:
        """Return recent queries, newest first, in one request.

        With ``client`` (IP or ClientID) only that client's queries; without
        it the most recent ``limit`` queries of every client. ``older_than``
        pages back past an earlier answer's last entry.
        """
        params = {"limit": str(limit)}
        if client is not None:
            # Quotes ask AdGuard Home for an exact match, not a substring.
            params["search"] = f'"{client}"'
        if older_than is not None:
            params["older_than"] = _rfc3339(older_than)
        return parse_querylog(
            await self._get_json("querylog", params=params), client=client
        )
