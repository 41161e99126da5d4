"""The one error hierarchy the DNS-filter backend clients raise.

Callers catch :class:`BackendError` (or one of its three kinds) and nothing
else: every aiohttp, timeout, JSON and shape problem is translated into one of
these before it leaves a client. Messages never carry a password, a session id
or an Authorization header.
"""

from __future__ import annotations


class BackendError(Exception):
    """Base class of every error a backend client raises.

    ``left_changed`` is filled only when a multi-request change failed half-way
    and rolling it back failed too: it maps each client the failed call left
    modified to the state it had before, so a ledger can still restore it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.left_changed: dict[str, list[int] | None] = {}


class BackendConnectionError(BackendError):
    """The backend is unreachable or failing (refused, timeout, DNS, 5xx)."""


class BackendAuthError(BackendError):
    """The backend refused our credentials (401/403, wrong password, 2FA)."""


class BackendResponseError(BackendError):
    """The backend answered something we cannot use (bad JSON, shape, status)."""
