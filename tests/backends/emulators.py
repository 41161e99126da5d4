"""Loopback emulators of AdGuard Home and Pi-hole v6 for tests and benchmarks.

Each is a real aiohttp web server on 127.0.0.1 (port chosen by the system)
that follows the published API: paths, auth, JSON shapes and the server-side
rules a client can trip over. Each counts requests per (method, path) and
answer statuses, and has fault switches (:class:`Fault`): a delay (for
timeouts), any status (500, 401, 403, ...), malformed JSON, a well-formed body
of the wrong shape, or raw bytes. Stopping the server gives "connection
refused".

Deliberate strictness, noted where it differs from the real servers:
- Pi-hole: a PUT missing a property is answered 400 (``strict_put``). FTL
  itself resets a missing ``comment`` to null and keeps missing ``groups``,
  silently losing data; failing loudly catches a client that forgets one.
  ``strict_put=False`` gives FTL's behaviour.
- AdGuard Home answers 403 "Forbidden" to /control requests without valid
  Basic credentials; ``auth_failure_status`` lets a test use 401 instead.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import ipaddress
import json
import re
import secrets
import time
from typing import Any, Literal, Self

from aiohttp import web

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FaultKind = Literal["delay", "status", "malformed", "shape", "raw"]


@dataclass
class Fault:
    """A fault the emulator injects into matching requests.

    ``path`` is a prefix of the request path, ``method`` an HTTP method;
    ``after`` lets that many matching requests through first, and ``times``
    limits how many requests it then hits (None: every one).
    """

    kind: FaultKind
    status: int = 500
    body: bytes | None = None
    delay: float = 30.0
    path: str | None = None
    method: str | None = None
    times: int | None = None
    after: int = 0

    def matches(self, request: web.Request) -> bool:
        """Return whether this fault applies to the request (and count it)."""
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and request.method != self.method:
            return False
        if self.path is not None and not request.path.startswith(self.path):
            return False
        if self.after > 0:
            # Let the first ``after`` matching requests through untouched.
            self.after -= 1
            return False
        return True


class Emulator:
    """Shared server machinery: start/stop, counting, latency and faults."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str]] = Counter()
        self.statuses: Counter[int] = Counter()
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()

    @property
    def url(self) -> str:
        """Return the base URL of the running server."""
        return f"http://127.0.0.1:{self.port}"

    def add_routes(self, app: web.Application) -> None:
        """Register the emulated API."""
        raise NotImplementedError

    async def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        """Return a refusal when the request is not authorised."""
        raise NotImplementedError

    def error_body(self, status: int) -> tuple[bytes, str]:
        """Return the body and content type of an error answer."""
        raise NotImplementedError

    async def start(self) -> None:
        """Start serving on a free loopback port."""
        self._release = asyncio.Event()
        app = web.Application(middlewares=[self._middleware])
        self.add_routes(app)
        self._runner = web.AppRunner(
            app, shutdown_timeout=0.1, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving: later connections are refused."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Return how many requests matched a method and a path prefix."""
        return sum(
            hits
            for (req_method, req_path), hits in self.requests.items()
            if (method is None or req_method == method)
            and (path is None or req_path.startswith(path))
        )

    @property
    def total(self) -> int:
        """Return the number of requests served."""
        return sum(self.requests.values())

    def reset_counts(self) -> None:
        """Forget the request and status counts."""
        self.requests.clear()
        self.statuses.clear()

    def fault(self, kind: FaultKind, **kwargs: Any) -> Fault:
        """Add a fault and return it."""
        fault = Fault(kind, **kwargs)
        self.faults.append(fault)
        return fault

    def _take_fault(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if fault.matches(request):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    async def _fault_response(self, fault: Fault) -> web.StreamResponse | None:
        if fault.kind == "delay":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), fault.delay)
            return None
        if fault.kind == "status":
            body, content_type = self.error_body(fault.status)
            if fault.body is not None:
                body = fault.body
            return web.Response(
                status=fault.status, body=body, content_type=content_type
            )
        if fault.kind == "malformed":
            body = b'{"data": [{"time": ' if fault.body is None else fault.body
            return web.Response(body=body, content_type="application/json")
        if fault.kind == "shape":
            body = (
                b'["unexpected", {"shape": true}]' if fault.body is None else fault.body
            )
            return web.Response(body=body, content_type="application/json")
        return web.Response(body=fault.body or b"", content_type="application/json")

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        self.requests[(request.method, request.path)] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            response: web.StreamResponse | None = None
            if (fault := self._take_fault(request)) is not None:
                response = await self._fault_response(fault)
            if response is None:
                response = await self.check_auth(request)
            if response is None:
                response = await handler(request)
        except web.HTTPException as err:
            response = err
        self.statuses[response.status] += 1
        return response


async def _json_body(request: web.Request) -> tuple[object, bool]:
    try:
        return json.loads(await request.read()), True
    except ValueError:
        return None, False


def _now_s() -> int:
    return int(time.time())


# AdGuard Home


_CLIENT_ID = re.compile(r"^[a-z0-9-]{1,64}$")


def _is_client_id_entry(value: str) -> bool:
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(value)
        return True
    with contextlib.suppress(ValueError):
        ipaddress.ip_network(value, strict=False)
        return True
    return bool(_CLIENT_ID.match(value))


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


class AdGuardEmulator(Emulator):
    """AdGuard Home's /control API: status, access list and query log."""

    def __init__(
        self,
        *,
        username: str | None = "admin",
        password: str | None = "secret",
        version: str = "v0.107.57",
        auth_failure_status: int = 403,
        null_empty_lists: bool = True,
    ) -> None:
        super().__init__()
        self.username = username
        self.password = password
        self.version = version
        self.auth_failure_status = auth_failure_status
        # Go encodes an empty (nil) slice as null; real servers do send it.
        self.null_empty_lists = null_empty_lists
        self.allowed_clients: list[str] = []
        self.disallowed_clients: list[str] = []
        self.blocked_hosts: list[str] = []
        self.querylog: list[dict[str, Any]] = []
        self.posted_bodies: list[object] = []

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/control/status", self._status)
        app.router.add_get("/control/access/list", self._access_list)
        app.router.add_post("/control/access/set", self._access_set)
        app.router.add_get("/control/querylog", self._querylog)

    def error_body(self, status: int) -> tuple[bytes, str]:
        text = {401: "Unauthorized", 403: "Forbidden"}.get(status, "internal error")
        return f"{text}\n".encode(), "text/plain"

    async def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        if self.username is None and self.password is None:
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        with contextlib.suppress(ValueError):
            # As AdGuard Home reads it (Go's net/http BasicAuth): base64 of
            # "user:password", split at the first colon.
            decoded = base64.b64decode(encoded, validate=True).decode()
            login, _, password = decoded.partition(":")
            if (
                scheme.lower() == "basic"
                and login == self.username
                and password == self.password
            ):
                return None
        body, content_type = self.error_body(self.auth_failure_status)
        return web.Response(
            status=self.auth_failure_status, body=body, content_type=content_type
        )

    def add_query(
        self,
        *,
        when: datetime,
        client: str,
        name: str,
        client_id: str | None = None,
        qtype: str = "A",
    ) -> None:
        """Seed one query log entry (kept newest first, as the server does)."""
        entry: dict[str, Any] = {
            "answer": [],
            "answer_dnssec": False,
            "cached": False,
            "client": client,
            "client_info": {
                "disallowed": client in self.disallowed_clients,
                "disallowed_rule": client if client in self.disallowed_clients else "",
                "name": "",
                "whois": {},
            },
            "client_proto": "",
            "elapsedMs": "0.5",
            "question": {"class": "IN", "name": name, "type": qtype},
            "reason": "NotFilteredNotFound",
            "rules": [],
            "status": "NOERROR",
            "time": _rfc3339(when),
            "upstream": "tls://1.1.1.1",
            "_when": when,
        }
        if client_id is not None:
            entry["client_id"] = client_id
        self.querylog.append(entry)
        self.querylog.sort(key=lambda item: item["_when"], reverse=True)

    def _list(self, values: list[str]) -> list[str] | None:
        return None if not values and self.null_empty_lists else list(values)

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "dns_addresses": ["127.0.0.1"],
                "dns_port": 53,
                "http_port": 80,
                "protection_enabled": True,
                "protection_disabled_duration": 0,
                "dhcp_available": False,
                "running": True,
                "version": self.version,
                "language": "en",
            }
        )

    async def _access_list(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "allowed_clients": self._list(self.allowed_clients),
                "disallowed_clients": self._list(self.disallowed_clients),
                "blocked_hosts": self._list(self.blocked_hosts),
            }
        )

    async def _access_set(self, request: web.Request) -> web.StreamResponse:
        data, ok = await _json_body(request)
        if not ok or not isinstance(data, dict):
            return web.Response(status=400, text="json.Decode: bad body\n")
        self.posted_bodies.append(data)
        lists: dict[str, list[str]] = {}
        for key in ("allowed_clients", "disallowed_clients", "blocked_hosts"):
            value = data.get(key)
            if value is None:
                value = []
            if not isinstance(value, list) or not all(
                isinstance(item, str) for item in value
            ):
                return web.Response(status=400, text=f"json.Decode: bad {key}\n")
            if len(set(value)) != len(value):
                return web.Response(
                    status=400, text=f"validating access list: duplicates in {key}\n"
                )
            lists[key] = value
        for key in ("allowed_clients", "disallowed_clients"):
            for item in lists[key]:
                if not _is_client_id_entry(item):
                    return web.Response(
                        status=400,
                        text=f"validating access list: bad client {item!r}\n",
                    )
        overlap = set(lists["allowed_clients"]) & set(lists["disallowed_clients"])
        if overlap:
            return web.Response(
                status=400,
                text="validating access list: "
                "allowed and disallowed clients intersect\n",
            )
        self.allowed_clients = lists["allowed_clients"]
        self.disallowed_clients = lists["disallowed_clients"]
        self.blocked_hosts = lists["blocked_hosts"]
        return web.Response(text="OK\n")

    async def _querylog(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        entries = self.querylog
        if older := query.get("older_than"):
            try:
                limit_time = datetime.fromisoformat(older)
            except ValueError:
                return web.Response(status=400, text="parsing params: bad time\n")
            entries = [item for item in entries if item["_when"] < limit_time]
        if search := query.get("search"):
            strict = len(search) >= 2 and search[0] == search[-1] == '"'
            term = search[1:-1] if strict else search.lower()
            entries = [
                item
                for item in entries
                if any(
                    (value == term) if strict else (term in value.lower())
                    for value in (
                        item["client"],
                        item.get("client_id", ""),
                        item["question"]["name"],
                    )
                )
            ]
        offset = int(query.get("offset", "0") or 0)
        limit = int(query.get("limit", "500") or 500)
        page = entries[offset : offset + limit]
        data = [{k: v for k, v in item.items() if k != "_when"} for item in page]
        return web.json_response(
            {"data": data, "oldest": data[-1]["time"] if data else ""}
        )


# Pi-hole v6


def _pihole_error(key: str, message: str, hint: str | None = None) -> dict[str, Any]:
    return {"error": {"key": key, "message": message, "hint": hint}, "took": 0.0001}


@dataclass
class _Table:
    """One gravity table: rows with a unique key and ids from 1 (groups from 0)."""

    key: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1

    def find(self, value: str, **extra: str) -> dict[str, Any] | None:
        for row in self.rows:
            if row[self.key] == value and all(row[k] == v for k, v in extra.items()):
                return row
        return None

    def insert(self, row: dict[str, Any]) -> dict[str, Any]:
        stamp = _now_s()
        row = {"id": self.next_id, **row, "date_added": stamp, "date_modified": stamp}
        self.next_id += 1
        self.rows.append(row)
        return row


class PiholeEmulator(Emulator):
    """Pi-hole v6's /api: auth sessions, groups, deny regexes, clients, queries."""

    def __init__(
        self,
        *,
        password: str = "secret",
        validity: int = 300,
        version: str = "v6.1",
        strict_put: bool = True,
        totp: bool = False,
    ) -> None:
        super().__init__()
        self.password = password
        self.validity = validity
        self.version = version
        self.strict_put = strict_put
        self.totp = totp
        self.clock_offset = 0.0
        self.sessions: dict[str, float] = {}
        self.groups = _Table("name", next_id=1)
        self.groups.rows.append(
            {
                "id": 0,
                "name": "Default",
                "comment": "The default group",
                "enabled": True,
                "date_added": _now_s(),
                "date_modified": _now_s(),
            }
        )
        self.clients = _Table("client")
        self.domains = _Table("domain")
        # Clients a POST fails to add, as when someone else added them first.
        self.reject_clients: set[str] = set()
        self.queries: list[dict[str, Any]] = []
        # Pi-hole's global blocking switch ("disable blocking for 5 minutes"),
        # and when a timed change of it reverts (on the emulator's clock).
        self.blocking = True
        self.blocking_until: float | None = None

    # Test helpers

    def now(self) -> float:
        """Return the emulator's clock (monotonic plus what a test advanced)."""
        return time.monotonic() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward (sessions expire)."""
        self.clock_offset += seconds

    def expire_sessions(self) -> None:
        """Drop every session, as a restart or a password change does."""
        self.sessions.clear()

    def add_group(
        self, name: str, *, enabled: bool = True, comment: str | None = None
    ) -> int:
        """Seed a group and return its id."""
        return int(
            self.groups.insert({"name": name, "comment": comment, "enabled": enabled})[
                "id"
            ]
        )

    def add_client(
        self,
        client: str,
        *,
        groups: list[int] | None = None,
        comment: str | None = None,
    ) -> None:
        """Seed a configured client."""
        self.clients.insert(
            {
                "client": client,
                "name": None,
                "comment": comment,
                "groups": [0] if groups is None else list(groups),
            }
        )

    def add_domain(
        self,
        domain: str,
        *,
        groups: list[int],
        enabled: bool = True,
        comment: str | None = None,
        kind: str = "regex",
        list_type: str = "deny",
    ) -> None:
        """Seed a domain or regex entry."""
        self.domains.insert(
            {
                "domain": domain,
                "unicode": domain,
                "type": list_type,
                "kind": kind,
                "comment": comment,
                "groups": list(groups),
                "enabled": enabled,
            }
        )

    def add_query(
        self, *, when: datetime | float, client: str, name: str, qtype: str = "A"
    ) -> None:
        """Seed one query (kept newest first)."""
        stamp = when.timestamp() if isinstance(when, datetime) else float(when)
        self.queries.append(
            {
                "id": len(self.queries) + 1,
                "time": stamp,
                "type": qtype,
                "domain": name,
                "cname": None,
                "status": "FORWARDED",
                "client": {"ip": client, "name": None},
                "dnssec": "INSECURE",
                "reply": {"type": "IP", "time": 1.5},
                "list_id": None,
                "upstream": "localhost#5353",
            }
        )
        self.queries.sort(key=lambda item: item["time"], reverse=True)

    def client_groups(self, client: str) -> list[int] | None:
        """Return a configured client's groups, None when it has no entry."""
        row = self.clients.find(client)
        return None if row is None else list(row["groups"])

    def group_id(self, name: str) -> int | None:
        """Return a group's id by name."""
        row = self.groups.find(name)
        return None if row is None else int(row["id"])

    # Server

    def error_body(self, status: int) -> tuple[bytes, str]:
        key, message = {
            400: ("bad_request", "Bad request"),
            401: ("unauthorized", "Unauthorized"),
            403: ("forbidden", "Forbidden"),
            404: ("not_found", "Not found"),
        }.get(status, ("internal_error", "Internal server error"))
        return json.dumps(_pihole_error(key, message)).encode(), "application/json"

    def add_routes(self, app: web.Application) -> None:
        router = app.router
        router.add_post("/api/auth", self._auth_post)
        router.add_delete("/api/auth", self._auth_delete)
        router.add_get("/api/info/version", self._version)
        router.add_get("/api/groups", self._groups_get)
        router.add_get("/api/groups/{name}", self._groups_get)
        router.add_post("/api/groups", self._groups_post)
        router.add_put("/api/groups/{name}", self._groups_put)
        router.add_get("/api/domains/{type}/{kind}", self._domains_get)
        router.add_post("/api/domains/{type}/{kind}", self._domains_post)
        router.add_put("/api/domains/{type}/{kind}/{domain:.+}", self._domains_put)
        router.add_post("/api/clients:batchDelete", self._clients_batch_delete)
        router.add_get("/api/clients", self._clients_get)
        router.add_get("/api/clients/{client:.+}", self._clients_get)
        router.add_post("/api/clients", self._clients_post)
        router.add_put("/api/clients/{client:.+}", self._clients_put)
        router.add_delete("/api/clients/{client:.+}", self._clients_delete)
        router.add_get("/api/queries", self._queries)
        router.add_get("/api/dns/blocking", self._blocking_get)
        router.add_post("/api/dns/blocking", self._blocking_post)

    def _blocking_now(self) -> tuple[bool, float | None]:
        """Return global blocking and the seconds its timer has left."""
        if self.blocking_until is not None and self.now() >= self.blocking_until:
            self.blocking = not self.blocking
            self.blocking_until = None
        left = None if self.blocking_until is None else self.blocking_until - self.now()
        return self.blocking, left

    async def _blocking_get(self, request: web.Request) -> web.StreamResponse:
        blocking, timer = self._blocking_now()
        return web.json_response(
            {
                "blocking": "enabled" if blocking else "disabled",
                "timer": timer,
                "took": 0.0001,
            }
        )

    async def _blocking_post(self, request: web.Request) -> web.StreamResponse:
        data, ok = await _json_body(request)
        if (
            not ok
            or not isinstance(data, dict)
            or not isinstance(data.get("blocking"), bool)
        ):
            return web.json_response(
                _pihole_error("bad_request", "Invalid blocking payload"), status=400
            )
        self.blocking = data["blocking"]
        timer = data.get("timer")
        self.blocking_until = (
            self.now() + float(timer) if isinstance(timer, int | float) else None
        )
        return await self._blocking_get(request)

    async def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        if request.path == "/api/auth" or not self.password:
            return None
        sid = request.headers.get("X-FTL-SID") or request.query.get("sid")
        expires = self.sessions.get(sid or "")
        now = self.now()
        if sid is None or expires is None or expires <= now:
            if sid is not None:
                self.sessions.pop(sid, None)
            return web.json_response(
                _pihole_error("unauthorized", "Unauthorized"), status=401
            )
        # Any authenticated action extends the session.
        self.sessions[sid] = now + self.validity
        return None

    def _session(
        self, *, valid: bool, sid: str | None, validity: int, message: str
    ) -> dict[str, Any]:
        return {
            "session": {
                "valid": valid,
                "totp": self.totp,
                "sid": sid,
                "csrf": None if sid is None else secrets.token_urlsafe(16),
                "validity": validity,
                "message": message,
            },
            "took": 0.0001,
        }

    async def _auth_post(self, request: web.Request) -> web.StreamResponse:
        data, ok = await _json_body(request)
        if not ok or not isinstance(data, dict):
            return web.json_response(
                _pihole_error("bad_request", "No valid JSON payload found"), status=400
            )
        if not self.password:
            return web.json_response(
                self._session(
                    valid=True, sid=None, validity=-1, message="no password set"
                )
            )
        password = data.get("password")
        if password is None:
            return web.json_response(
                _pihole_error("bad_request", "No password found in JSON payload"),
                status=400,
            )
        if not isinstance(password, str):
            return web.json_response(
                _pihole_error(
                    "bad_request", "Field password has to be of type 'string'"
                ),
                status=400,
            )
        if password != self.password:
            return web.json_response(
                self._session(
                    valid=False, sid=None, validity=-1, message="password incorrect"
                ),
                status=401,
            )
        if self.totp and "totp" not in data:
            return web.json_response(
                _pihole_error("bad_request", "No 2FA token found in JSON payload"),
                status=400,
            )
        sid = secrets.token_urlsafe(16)
        self.sessions[sid] = self.now() + self.validity
        return web.json_response(
            self._session(
                valid=True, sid=sid, validity=self.validity, message="password correct"
            )
        )

    async def _auth_delete(self, request: web.Request) -> web.StreamResponse:
        sid = request.headers.get("X-FTL-SID", "")
        if self.sessions.pop(sid, None) is None:
            return web.json_response(
                _pihole_error("unauthorized", "Unauthorized"), status=401
            )
        return web.Response(status=204)

    async def _version(self, request: web.Request) -> web.StreamResponse:
        local = {"branch": "master", "version": self.version, "hash": "abcdef12"}
        remote = {"version": self.version, "hash": "abcdef12"}
        return web.json_response(
            {
                "version": {
                    "core": {"local": local, "remote": remote},
                    "web": {"local": local, "remote": remote},
                    "ftl": {"local": {**local, "date": "2025-01-01"}, "remote": remote},
                    "docker": {"local": None, "remote": None},
                },
                "took": 0.0001,
            }
        )

    # Shared list logic (api_list_read / api_list_write of FTL)

    @staticmethod
    def _items(data: dict[str, Any], key: str) -> list[str] | None:
        value = data.get(key)
        if isinstance(value, str) and value:
            return [value]
        if (
            isinstance(value, list)
            and value
            and all(isinstance(item, str) and item for item in value)
        ):
            return value
        return None

    def _check_groups(self, groups: object) -> str | None:
        if not isinstance(groups, list) or not all(
            isinstance(g, int) and not isinstance(g, bool) for g in groups
        ):
            return "groups must be an array of integers"
        known = {row["id"] for row in self.groups.rows}
        if any(group not in known for group in groups):
            return "FOREIGN KEY constraint failed"
        return None

    def _missing(
        self, data: dict[str, Any], required: tuple[str, ...]
    ) -> web.Response | None:
        missing = [key for key in required if key not in data]
        if not missing or not self.strict_put:
            return None
        return web.json_response(
            _pihole_error(
                "bad_request",
                "Invalid request: PUT replaces the item, send every property",
                "missing: " + ", ".join(missing),
            ),
            status=400,
        )

    @staticmethod
    def _processed(success: list[str], errors: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "success": [{"item": item} for item in success],
            "errors": [{"item": item, "error": error} for item, error in errors],
        }

    # Groups

    def _group_json(self, row: dict[str, Any]) -> dict[str, Any]:
        return dict(row)

    async def _groups_get(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name")
        rows = [r for r in self.groups.rows if name is None or r["name"] == name]
        return web.json_response(
            {"groups": [self._group_json(r) for r in rows], "took": 0.0001}
        )

    async def _groups_post(self, request: web.Request) -> web.StreamResponse:
        data, ok = await _json_body(request)
        if not ok or not isinstance(data, dict):
            return web.json_response(
                _pihole_error(
                    "bad_request", "Invalid request body data (no valid JSON)"
                ),
                status=400,
            )
        names = self._items(data, "name")
        if names is None:
            return web.json_response(
                _pihole_error(
                    "bad_request", 'Invalid request: No valid "name" in payload'
                ),
                status=400,
            )
        comment = data.get("comment") if isinstance(data.get("comment"), str) else None
        enabled = (
            data.get("enabled", True) if isinstance(data.get("enabled"), bool) else True
        )
        success, errors = [], []
        for name in names:
            if self.groups.find(name) is not None:
                errors.append((name, "UNIQUE constraint failed: group.name"))
                continue
            self.groups.insert(
                {"name": name, "comment": comment or None, "enabled": enabled}
            )
            success.append(name)
        rows = [r for r in self.groups.rows if r["name"] == names[-1]]
        return web.json_response(
            {
                "groups": [self._group_json(r) for r in rows],
                "processed": self._processed(success, errors),
                "took": 0.0001,
            },
            status=201,
        )

    async def _groups_put(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        data, ok = await _json_body(request)
        if not ok or not isinstance(data, dict):
            return web.json_response(
                _pihole_error(
                    "bad_request", "Invalid request body data (no valid JSON)"
                ),
                status=400,
            )
        if (refusal := self._missing(data, ("comment", "enabled"))) is not None:
            return refusal
        row = self.groups.find(name)
        if row is None:
            row = self.groups.insert({"name": name, "comment": None, "enabled": True})
        new_name = data.get("name")
        if isinstance(new_name, str) and new_name:
            row["name"] = new_name
        row["comment"] = data.get("comment") or None
        row["enabled"] = data.get("enabled", True) is not False
        row["date_modified"] = _now_s()
        return web.json_response(
            {
                "groups": [self._group_json(row)],
                "processed": self._processed([name], []),
                "took": 0.0001,
            }
        )

    # Domains

    @staticmethod
    def _type_kind(request: web.Request) -> tuple[str, str] | None:
        list_type, kind = request.match_info["type"], request.match_info["kind"]
        if list_type not in ("allow", "deny") or kind not in ("exact", "regex"):
            return None
        return list_type, kind

    async def _domains_get(self, request: web.Request) -> web.StreamResponse:
        type_kind = self._type_kind(request)
        if type_kind is None:
            return web.json_response(
                _pihole_error(
                    "uri_error", "Invalid request: Specified endpoint not available"
                ),
                status=400,
            )
        list_type, kind = type_kind
        rows = [
            r for r in self.domains.rows if r["type"] == list_type and r["kind"] == kind
        ]
        return web.json_response({"domains": [dict(r) for r in rows], "took": 0.0001})

    async def _domains_post(self, request: web.Request) -> web.StreamResponse:
        type_kind = self._type_kind(request)
        data, ok = await _json_body(request)
        if type_kind is None or not ok or not isinstance(data, dict):
            return web.json_response(
                _pihole_error("bad_request", "Invalid request"), status=400
            )
        list_type, kind = type_kind
        domains = self._items(data, "domain")
        if domains is None:
            return web.json_response(
                _pihole_error(
                    "bad_request", 'Invalid request: No valid "domain" in payload'
                ),
                status=400,
            )
        if kind == "regex":
            for domain in domains:
                try:
                    re.compile(domain)
                except re.error as err:
                    return web.json_response(
                        _pihole_error(
                            "regex_error", "Regex validation failed", str(err)
                        ),
                        status=400,
                    )
        groups = data.get("groups", [0])
        if (problem := self._check_groups(groups)) is not None:
            groups = [0]
        comment = data.get("comment") if isinstance(data.get("comment"), str) else None
        enabled = data.get("enabled") if isinstance(data.get("enabled"), bool) else True
        success, errors = [], []
        for domain in domains:
            if self.domains.find(domain, type=list_type, kind=kind) is not None:
                errors.append(
                    (
                        domain,
                        "UNIQUE constraint failed: domainlist.domain, domainlist.type",
                    )
                )
                continue
            if problem is not None:
                errors.append((domain, problem))
            self.add_domain(
                domain,
                groups=list(groups),
                enabled=bool(enabled),
                comment=comment or None,
                kind=kind,
                list_type=list_type,
            )
            if problem is None:
                success.append(domain)
        rows = [
            r
            for r in self.domains.rows
            if r["domain"] == domains[-1]
            and r["type"] == list_type
            and r["kind"] == kind
        ]
        return web.json_response(
            {
                "domains": [dict(r) for r in rows],
                "processed": self._processed(success, errors),
                "took": 0.0001,
            },
            status=201,
        )

    async def _domains_put(self, request: web.Request) -> web.StreamResponse:
        type_kind = self._type_kind(request)
        data, ok = await _json_body(request)
        if type_kind is None or not ok or not isinstance(data, dict):
            return web.json_response(
                _pihole_error("bad_request", "Invalid request"), status=400
            )
        if (
            refusal := self._missing(data, ("comment", "groups", "enabled"))
        ) is not None:
            return refusal
        list_type, kind = type_kind
        domain = request.match_info["domain"]
        row = self.domains.find(domain, type=list_type, kind=kind)
        if row is None:
            self.add_domain(domain, groups=[0], kind=kind, list_type=list_type)
            row = self.domains.find(domain, type=list_type, kind=kind)
            assert row is not None
        errors: list[tuple[str, str]] = []
        row["comment"] = data.get("comment") or None
        row["enabled"] = data.get("enabled", True) is not False
        if "groups" in data:
            if (problem := self._check_groups(data["groups"])) is not None:
                errors.append((domain, problem))
            else:
                row["groups"] = list(data["groups"])
        row["date_modified"] = _now_s()
        return web.json_response(
            {
                "domains": [dict(row)],
                "processed": self._processed([] if errors else [domain], errors),
                "took": 0.0001,
            }
        )

    # Clients

    async def _clients_get(self, request: web.Request) -> web.StreamResponse:
        client = request.match_info.get("client")
        rows = [r for r in self.clients.rows if client is None or r["client"] == client]
        return web.json_response({"clients": [dict(r) for r in rows], "took": 0.0001})

    async def _clients_post(self, request: web.Request) -> web.StreamResponse:
        data, ok = await _json_body(request)
        if not ok or not isinstance(data, dict):
            return web.json_response(
                _pihole_error(
                    "bad_request", "Invalid request body data (no valid JSON)"
                ),
                status=400,
            )
        clients = self._items(data, "client")
        if clients is None:
            return web.json_response(
                _pihole_error(
                    "bad_request", 'Invalid request: No valid "client" in payload'
                ),
                status=400,
            )
        groups = data.get("groups", [0])
        problem = self._check_groups(groups)
        comment = data.get("comment") if isinstance(data.get("comment"), str) else None
        success, errors = [], []
        for client in clients:
            if self.clients.find(client) is not None or client in self.reject_clients:
                errors.append((client, "UNIQUE constraint failed: client.ip"))
                continue
            # FTL inserts the row, then fails to bind unknown groups.
            self.add_client(
                client, groups=[0] if problem else list(groups), comment=comment or None
            )
            if problem is not None:
                errors.append((client, problem))
            else:
                success.append(client)
        rows = [r for r in self.clients.rows if r["client"] == clients[-1]]
        return web.json_response(
            {
                "clients": [dict(r) for r in rows],
                "processed": self._processed(success, errors),
                "took": 0.0001,
            },
            status=201,
        )

    async def _clients_put(self, request: web.Request) -> web.StreamResponse:
        client = request.match_info["client"]
        data, ok = await _json_body(request)
        if not ok or not isinstance(data, dict):
            return web.json_response(
                _pihole_error(
                    "bad_request", "Invalid request body data (no valid JSON)"
                ),
                status=400,
            )
        if (refusal := self._missing(data, ("comment", "groups"))) is not None:
            return refusal
        row = self.clients.find(client)
        if row is None:
            self.add_client(client)
            row = self.clients.find(client)
            assert row is not None
        errors: list[tuple[str, str]] = []
        comment = data.get("comment")
        row["comment"] = comment if isinstance(comment, str) and comment else None
        if "groups" in data:
            if (problem := self._check_groups(data["groups"])) is not None:
                errors.append((client, problem))
            else:
                row["groups"] = list(data["groups"])
        row["date_modified"] = _now_s()
        return web.json_response(
            {
                "clients": [dict(row)],
                "processed": self._processed([] if errors else [client], errors),
                "took": 0.0001,
            }
        )

    def _delete_clients(self, items: list[str]) -> web.StreamResponse:
        before = len(self.clients.rows)
        self.clients.rows = [r for r in self.clients.rows if r["client"] not in items]
        deleted = before - len(self.clients.rows)
        if deleted:
            return web.Response(status=204)
        return web.json_response({"took": 0.0001}, status=404)

    async def _clients_delete(self, request: web.Request) -> web.StreamResponse:
        return self._delete_clients([request.match_info["client"]])

    async def _clients_batch_delete(self, request: web.Request) -> web.StreamResponse:
        data, ok = await _json_body(request)
        if (
            not ok
            or not isinstance(data, list)
            or not all(
                isinstance(item, dict) and isinstance(item.get("item"), str)
                for item in data
            )
        ):
            return web.json_response(
                _pihole_error(
                    "bad_request",
                    "Invalid request: Batch delete requires an array of objects"
                    ' with "item" as string',
                ),
                status=400,
            )
        return self._delete_clients([item["item"] for item in data])

    # Queries

    async def _queries(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        rows = self.queries
        try:
            if "from" in query:
                rows = [r for r in rows if r["time"] >= float(query["from"])]
            if "until" in query:
                rows = [r for r in rows if r["time"] <= float(query["until"])]
            length = int(query.get("length", "100"))
            start = int(query.get("start", "0"))
        except ValueError:
            return web.json_response(
                _pihole_error("bad_request", "Invalid query parameter"), status=400
            )
        if client_ip := query.get("client_ip"):
            pattern = re.compile(
                "^" + ".*".join(re.escape(part) for part in client_ip.split("*")) + "$"
            )
            rows = [r for r in rows if pattern.match(r["client"]["ip"])]
        page = rows[start : start + length]
        return web.json_response(
            {
                "queries": page,
                "cursor": page[0]["id"] if page else None,
                "recordsTotal": len(self.queries),
                "recordsFiltered": len(rows),
                "draw": 0,
                "took": 0.0001,
            }
        )


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """Return an aware UTC datetime (shorthand for tests)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
