"""Typed async clients for the DNS filters that can cut a speaker off.

:mod:`.adguard` talks to AdGuard Home, :mod:`.pihole` to Pi-hole v6. Both are
plain aiohttp + stdlib (no Home Assistant import) and use a
``aiohttp.ClientSession`` owned by the caller, which they never create or
close. This package holds what they share: the :class:`DnsQuery` record, the
HTTP plumbing that turns every transport failure into a
:class:`BackendConnectionError`, and the small validators that turn untrusted
JSON into typed values or a :class:`BackendResponseError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import json
import logging
import math
from typing import Final
from urllib.parse import quote

import aiohttp
from yarl import URL

from .errors import (
    BackendAuthError,
    BackendConnectionError,
    BackendError,
    BackendResponseError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "BackendAuthError",
    "BackendConnectionError",
    "BackendError",
    "BackendResponseError",
    "DnsQuery",
]

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds one HTTP request may take, connection included."""

_SNIPPET = 200


@dataclass(frozen=True, slots=True)
class DnsQuery:
    """One DNS lookup seen by a filter: when (aware UTC), by whom, for what."""

    time: datetime
    client: str
    name: str


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """Status and raw body of one answered request."""

    status: int
    body: bytes

    def snippet(self) -> str:
        """Return the start of the body as text, for error messages."""
        return self.body[:_SNIPPET].decode("utf-8", "replace").strip()


class JsonHttp:
    """One backend's base URL, timeout and TLS choice over a shared session.

    Transport failures, timeouts, 5xx and 429 answers become
    :class:`BackendConnectionError`; every other status is returned to the
    client, which knows what it means for its API.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | URL,
        *,
        product: str,
        verify_ssl: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Remember where and how to talk to the backend."""
        try:
            url = URL(base_url)
        except (TypeError, ValueError):
            raise BackendConnectionError(f"{product}: not a valid URL") from None
        if not url.absolute or url.scheme not in ("http", "https"):
            raise BackendConnectionError(f"{product}: not an http(s) URL")
        # Credentials in the URL would leak into messages: keep them out.
        self._base = url.with_user(None).with_query(None).with_fragment(None)
        self._session = session
        self._product = product
        self._ssl: bool = verify_ssl
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @property
    def base_url(self) -> URL:
        """Return the base URL (without credentials)."""
        return self._base

    def url(self, *segments: str) -> URL:
        """Return the URL of a path below the base, each segment escaped."""
        # A CIDR client ("10.0.0.0/24") or a regex (".*") is one path segment.
        escaped = [quote(segment, safe=":") for segment in segments]
        base = self._base.with_path(self._base.path.rstrip("/") + "/", encoded=True)
        return base.joinpath(*escaped, encoded=True)

    async def request(
        self,
        method: str,
        *segments: str,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request and return its status and body."""
        url = self.url(*segments)
        if params:
            url = url.with_query(params)
        path = url.path
        try:
            async with self._session.request(
                method,
                url,
                json=json_body,
                headers=headers,
                timeout=self._timeout,
                ssl=self._ssl,
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                status = resp.status
        except TimeoutError as err:
            _LOGGER.debug("%s %s timed out", method, path)
            raise BackendConnectionError(
                f"{self._product} at {self._base} did not answer in time"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            _LOGGER.debug("%s %s failed: %s", method, path, type(err).__name__)
            raise BackendConnectionError(
                f"Cannot reach {self._product} at {self._base}: {type(err).__name__}"
            ) from err
        _LOGGER.debug("%s %s -> %s", method, path, status)
        response = HttpResponse(status, body)
        if status >= 500 or status == 429:
            raise BackendConnectionError(
                f"{self._product} answered {status} to {method} {path}"
            )
        return response


def decode_json(body: bytes, what: str) -> object:
    """Parse a JSON body, or raise BackendResponseError naming ``what``."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        raise BackendResponseError(f"{what}: the answer is not valid JSON") from err


def as_dict(value: object, what: str) -> dict[str, object]:
    """Return ``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise BackendResponseError(f"{what}: expected an object")
    return value


def as_list(value: object, what: str) -> list[object]:
    """Return ``value`` if it is a JSON array."""
    if not isinstance(value, list):
        raise BackendResponseError(f"{what}: expected an array")
    return value


def as_str(value: object, what: str) -> str:
    """Return ``value`` if it is a JSON string."""
    if not isinstance(value, str):
        raise BackendResponseError(f"{what}: expected a string")
    return value


def as_opt_str(value: object, what: str) -> str | None:
    """Return ``value`` if it is a JSON string or null."""
    return None if value is None else as_str(value, what)


def as_int(value: object, what: str) -> int:
    """Return ``value`` if it is a JSON integer (booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BackendResponseError(f"{what}: expected an integer")
    return value


def as_number(value: object, what: str) -> float:
    """Return ``value`` as a float if it is a finite JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BackendResponseError(f"{what}: expected a number")
    number = float(value)
    if not math.isfinite(number):
        raise BackendResponseError(f"{what}: expected a finite number")
    return number


def as_bool(value: object, what: str) -> bool:
    """Return ``value`` if it is a JSON boolean."""
    if not isinstance(value, bool):
        raise BackendResponseError(f"{what}: expected a boolean")
    return value


def field(obj: Mapping[str, object], key: str, what: str) -> object:
    """Return ``obj[key]`` or raise BackendResponseError when it is missing."""
    try:
        return obj[key]
    except KeyError:
        raise BackendResponseError(f"{what}: missing {key!r}") from None
