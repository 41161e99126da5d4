"""Pi-hole v6's API as published: what its answers hold, read strictly.

Each ``parse_*`` reads one answer (decoded JSON, or an error's raw body) into
typed values, or raises ``BackendResponseError`` for an answer that does not
have the published shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from . import (
    DnsQuery,
    HttpResponse,
    as_bool,
    as_dict,
    as_int,
    as_list,
    as_number,
    as_opt_str,
    as_str,
    decode_json,
    field,
)
from .errors import BackendResponseError

# What ``GET /api/dns/blocking`` says of global blocking.
BLOCKING_STATES: Final = ("enabled", "disabled", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class PiholeSession:
    """The ``session`` object of ``/api/auth``."""

    valid: bool
    sid: str | None
    validity: int
    totp: bool


@dataclass(frozen=True, slots=True)
class PiholeGroup:
    """One group of ``GET /api/groups``."""

    id: int
    name: str
    enabled: bool
    comment: str | None


@dataclass(frozen=True, slots=True)
class PiholeClientEntry:
    """One configured client of ``GET /api/clients``."""

    client: str
    comment: str | None
    groups: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PiholeDomain:
    """One entry of ``GET /api/domains/{type}/{kind}``."""

    id: int
    domain: str
    groups: tuple[int, ...]
    enabled: bool
    comment: str | None


def parse_session(data: object) -> PiholeSession:
    """Return the session of a ``/api/auth`` answer."""
    obj = as_dict(data, "Pi-hole auth")
    session = as_dict(field(obj, "session", "Pi-hole auth"), "Pi-hole session")
    return PiholeSession(
        valid=as_bool(field(session, "valid", "Pi-hole session"), "session valid"),
        sid=as_opt_str(session.get("sid"), "session sid"),
        validity=as_int(session.get("validity", -1), "session validity"),
        totp=as_bool(session.get("totp", False), "session totp"),
    )


def parse_error(body: bytes) -> str:
    """Return ``key: message (hint)`` of a Pi-hole error body, or its start."""
    try:
        error = as_dict(
            field(as_dict(decode_json(body, "error"), "error"), "error", "error"),
            "error",
        )
        text = f"{as_str(error.get('key'), 'key')}: {as_str(error.get('message'), 'm')}"
        hint = error.get("hint")
    except BackendResponseError:
        return HttpResponse(0, body).snippet()
    return f"{text} ({hint})" if isinstance(hint, str) and hint else text


def parse_version(data: object) -> str:
    """Return the core (else FTL) version of ``GET /api/info/version``."""
    versions = as_dict(
        field(as_dict(data, "Pi-hole version"), "version", "Pi-hole version"),
        "Pi-hole version",
    )
    for component in ("core", "ftl"):
        part = versions.get(component)
        if part is None:
            continue
        local = as_dict(part, f"{component} version").get("local")
        if local is None:
            continue
        version = as_dict(local, f"{component} local version").get("version")
        if version is not None:
            return as_str(version, f"{component} version")
    raise BackendResponseError("Pi-hole version: no core or FTL version")


def _groups_of(item: Mapping[str, object], what: str) -> tuple[int, ...]:
    raw = as_list(field(item, "groups", what), f"{what} groups")
    return tuple(as_int(group, f"{what} group id") for group in raw)


def parse_groups(data: object) -> list[PiholeGroup]:
    """Return the groups of a ``/api/groups`` answer."""
    items = as_list(
        field(as_dict(data, "Pi-hole groups"), "groups", "groups"), "groups"
    )
    groups = []
    for raw in items:
        item = as_dict(raw, "group")
        groups.append(
            PiholeGroup(
                id=as_int(field(item, "id", "group"), "group id"),
                name=as_str(field(item, "name", "group"), "group name"),
                enabled=as_bool(item.get("enabled", True), "group enabled"),
                comment=as_opt_str(item.get("comment"), "group comment"),
            )
        )
    return groups


def parse_clients(data: object) -> list[PiholeClientEntry]:
    """Return the configured clients of a ``/api/clients`` answer."""
    items = as_list(
        field(as_dict(data, "Pi-hole clients"), "clients", "clients"), "clients"
    )
    clients = []
    for raw in items:
        item = as_dict(raw, "client")
        clients.append(
            PiholeClientEntry(
                client=as_str(field(item, "client", "client"), "client"),
                comment=as_opt_str(item.get("comment"), "client comment"),
                groups=_groups_of(item, "client"),
            )
        )
    return clients


def parse_domains(data: object) -> list[PiholeDomain]:
    """Return the entries of a ``/api/domains/...`` answer."""
    items = as_list(
        field(as_dict(data, "Pi-hole domains"), "domains", "domains"), "domains"
    )
    domains = []
    for raw in items:
        item = as_dict(raw, "domain")
        domains.append(
            PiholeDomain(
                id=as_int(field(item, "id", "domain"), "domain id"),
                domain=as_str(field(item, "domain", "domain"), "domain"),
                groups=_groups_of(item, "domain"),
                enabled=as_bool(item.get("enabled", True), "domain enabled"),
                comment=as_opt_str(item.get("comment"), "domain comment"),
            )
        )
    return domains


def parse_processed_errors(data: object) -> dict[str, str]:
    """Return item -> error of the ``processed.errors`` of a write answer."""
    processed = as_dict(data, "Pi-hole write").get("processed")
    if processed is None:
        return {}
    errors = as_dict(processed, "processed").get("errors")
    if errors is None:
        return {}
    failed = {}
    for raw in as_list(errors, "processed errors"):
        item = as_dict(raw, "processed error")
        failed[as_str(field(item, "item", "processed error"), "item")] = (
            as_opt_str(item.get("error"), "processed error") or "failed"
        )
    return failed


def _timestamp(value: object) -> datetime:
    try:
        return datetime.fromtimestamp(as_number(value, "query time"), UTC)
    except (OverflowError, OSError, ValueError):
        raise BackendResponseError("Pi-hole queries: time out of range") from None


def parse_queries(data: object, *, client: str | None = None) -> list[DnsQuery]:
    """Return the queries of ``GET /api/queries`` (only ``client``'s if given)."""
    items = as_list(
        field(as_dict(data, "Pi-hole queries"), "queries", "queries"), "queries"
    )
    queries = []
    for raw in items:
        item = as_dict(raw, "query")
        ip = as_str(
            field(as_dict(field(item, "client", "query"), "query client"), "ip", "ip"),
            "query client ip",
        )
        if client is not None and ip != client:
            continue
        queries.append(
            DnsQuery(
                time=_timestamp(field(item, "time", "query")),
                client=ip,
                name=as_str(field(item, "domain", "query"), "query domain"),
            )
        )
    return queries
