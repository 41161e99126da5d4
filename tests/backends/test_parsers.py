"""Response parsers: published examples, edge cases and fuzzing.

Whatever a server sends, a parser returns typed values or raises
BackendResponseError; never KeyError, TypeError or anything else.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from datetime import UTC, datetime
import json

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.privacy_guard.backends import (
    BackendResponseError,
    DnsQuery,
    as_number,
    decode_json,
)
from custom_components.privacy_guard.backends.adguard import (
    AccessList,
    parse_access_list,
    parse_querylog,
    parse_rfc3339,
    parse_status,
)
from custom_components.privacy_guard.backends.pihole_api import (
    PiholeSession,
    parse_clients,
    parse_domains,
    parse_error,
    parse_groups,
    parse_processed_errors,
    parse_queries,
    parse_session,
    parse_version,
)

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def near(keys: dict[str, st.SearchStrategy[object]]) -> st.SearchStrategy[object]:
    """Objects with the expected keys (values arbitrary), or anything at all."""
    return st.fixed_dictionaries({}, optional=keys) | json_values


def rows(keys: dict[str, st.SearchStrategy[object]]) -> st.SearchStrategy[object]:
    return st.lists(near(keys), max_size=3) | json_values


group_ids = st.lists(st.integers(-1, 5) | json_scalars, max_size=3) | json_values
times = (
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    | st.datetimes().map(lambda d: d.isoformat())
    | json_values
)

SHAPES: dict[str, tuple[Callable[[object], object], st.SearchStrategy[object]]] = {
    "adguard status": (parse_status, near({"version": json_values})),
    "adguard access list": (
        parse_access_list,
        near(
            {
                "allowed_clients": st.lists(json_scalars) | json_values,
                "disallowed_clients": st.lists(st.text()) | json_values,
                "blocked_hosts": st.lists(st.text()) | json_values,
            }
        ),
    ),
    "adguard query log": (
        lambda data: parse_querylog(data, client="10.0.0.1"),
        near(
            {
                "data": rows(
                    {
                        "time": times,
                        "client": st.sampled_from(["10.0.0.1", "10.0.0.2"])
                        | json_values,
                        "client_id": json_values,
                        "question": near({"name": json_values}),
                    }
                ),
                "oldest": json_values,
            }
        ),
    ),
    "pihole session": (
        parse_session,
        near(
            {
                "session": near(
                    {
                        "valid": json_values,
                        "sid": json_values,
                        "validity": json_values,
                        "totp": json_values,
                    }
                )
            }
        ),
    ),
    "pihole version": (
        parse_version,
        near(
            {
                "version": near(
                    {
                        "core": near({"local": near({"version": json_values})}),
                        "ftl": near({"local": near({"version": json_values})}),
                    }
                )
            }
        ),
    ),
    "pihole groups": (
        parse_groups,
        near(
            {
                "groups": rows(
                    {
                        "id": json_values,
                        "name": json_values,
                        "enabled": json_values,
                        "comment": json_values,
                    }
                )
            }
        ),
    ),
    "pihole clients": (
        parse_clients,
        near(
            {
                "clients": rows(
                    {
                        "client": json_values,
                        "comment": json_values,
                        "groups": group_ids,
                    }
                )
            }
        ),
    ),
    "pihole domains": (
        parse_domains,
        near(
            {
                "domains": rows(
                    {
                        "id": json_values,
                        "domain": json_values,
                        "groups": group_ids,
                        "enabled": json_values,
                        "comment": json_values,
                    }
                )
            }
        ),
    ),
    "pihole processed": (
        parse_processed_errors,
        near(
            {
                "processed": near(
                    {"errors": rows({"item": json_values, "error": json_values})}
                )
            }
        ),
    ),
    "pihole queries": (
        lambda data: parse_queries(data, client="10.0.0.1"),
        near(
            {
                "queries": rows(
                    {
                        "time": st.floats() | st.integers() | json_values,
                        "domain": json_values,
                        "client": near({"ip": st.just("10.0.0.1") | json_values}),
                    }
                )
            }
        ),
    ),
}


@pytest.mark.parametrize("name", list(SHAPES))
@FUZZ
@given(data=st.data())
def test_parsers_raise_only_backend_errors(name: str, data: st.DataObject) -> None:
    parse, strategy = SHAPES[name]
    value = data.draw(strategy)
    with contextlib.suppress(BackendResponseError):
        parse(value)


@pytest.mark.parametrize("name", list(SHAPES))
@FUZZ
@given(body=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_raw_bodies_raise_only_backend_errors(name: str, body: bytes) -> None:
    parse, _ = SHAPES[name]
    with contextlib.suppress(BackendResponseError):
        parse(decode_json(body, name))


@FUZZ
@given(body=st.binary(max_size=64))
def test_error_bodies_always_give_text(body: bytes) -> None:
    assert isinstance(parse_error(body), str)


def test_deeply_nested_json_is_a_response_error() -> None:
    with pytest.raises(BackendResponseError):
        decode_json(b"[" * 100_000, "deep")


# Published examples


def test_adguard_examples() -> None:
    assert parse_status({"version": "v0.107.57", "running": True}) == "v0.107.57"
    assert parse_access_list(
        {
            "allowed_clients": None,
            "disallowed_clients": ["10.0.0.1", "cli-1"],
            "blocked_hosts": [],
        }
    ) == AccessList((), ("10.0.0.1", "cli-1"), ())
    log = {
        "oldest": "2018-11-26T00:02:41+03:00",
        "data": [
            {
                "client": "192.168.0.1",
                "question": {"class": "IN", "name": "example.org", "type": "A"},
                "time": "2018-11-26T00:02:41+03:00",
            }
        ],
    }
    assert parse_querylog(log) == [
        DnsQuery(
            datetime(2018, 11, 25, 21, 2, 41, tzinfo=UTC), "192.168.0.1", "example.org"
        )
    ]
    assert parse_querylog(log, client="192.168.0.10") == []
    assert parse_querylog({"data": None, "oldest": ""}) == []


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2024-05-01T12:00:00", "0001-01-01T00:00:00+01:00"],
)
def test_bad_adguard_times(value: str) -> None:
    with pytest.raises(BackendResponseError):
        parse_rfc3339(value)


def test_pihole_examples() -> None:
    assert parse_session(
        {
            "session": {
                "valid": True,
                "totp": False,
                "sid": "vFA+EP4MQ5JJvJg+3Q2Jnw=",
                "csrf": "Ux87YTIiMOf/GKCefVIOMw=",
                "validity": 300,
            }
        }
    ) == PiholeSession(
        valid=True, sid="vFA+EP4MQ5JJvJg+3Q2Jnw=", validity=300, totp=False
    )
    assert parse_session({"session": {"valid": True}}) == PiholeSession(
        valid=True, sid=None, validity=-1, totp=False
    )
    groups = parse_groups(
        {
            "groups": [
                {
                    "name": "Default",
                    "comment": "The default group",
                    "enabled": True,
                    "id": 0,
                },
                {"name": "a", "comment": None, "enabled": True, "id": 5},
            ],
            "took": 0.003,
        }
    )
    assert [(g.id, g.name) for g in groups] == [(0, "Default"), (5, "a")]
    domains = parse_domains(
        {
            "domains": [
                {
                    "domain": "xn--4ca.com",
                    "unicode": "ä.com",
                    "type": "allow",
                    "kind": "regex",
                    "comment": "Some text",
                    "groups": [0],
                    "enabled": True,
                    "id": 305,
                }
            ]
        }
    )
    assert [(d.domain, d.groups) for d in domains] == [("xn--4ca.com", (0,))]
    assert parse_processed_errors({"processed": None}) == {}
    assert parse_processed_errors({"processed": {"success": []}}) == {}
    assert parse_processed_errors(
        {"processed": {"errors": [{"item": "x", "error": "UNIQUE constraint failed"}]}}
    ) == {"x": "UNIQUE constraint failed"}
    assert parse_queries(
        {
            "queries": [
                {
                    "time": 1581907991.539157,
                    "type": "A",
                    "domain": "community.stoplight.io",
                    "client": {"ip": "192.168.0.14", "name": "desktop.lan"},
                }
            ],
            "cursor": 175881,
        }
    ) == [
        DnsQuery(
            datetime.fromtimestamp(1581907991.539157, UTC),
            "192.168.0.14",
            "community.stoplight.io",
        )
    ]


@pytest.mark.parametrize(
    ("data", "version"),
    [
        ({"version": {"core": {"local": {"version": "v6.1"}}}}, "v6.1"),
        ({"version": {"core": None, "ftl": {"local": {"version": "v6.2"}}}}, "v6.2"),
        (
            {
                "version": {
                    "core": {"local": None},
                    "ftl": {"local": {"version": "v6.3"}},
                }
            },
            "v6.3",
        ),
        (
            {
                "version": {
                    "core": {"local": {"version": None}},
                    "ftl": {"local": {"version": "v6.4"}},
                }
            },
            "v6.4",
        ),
    ],
)
def test_pihole_version_falls_back_to_ftl(data: object, version: str) -> None:
    assert parse_version(data) == version


def test_pihole_without_any_version() -> None:
    with pytest.raises(BackendResponseError, match="no core or FTL"):
        parse_version({"version": {"web": {}}})


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            b'{"error": {"key": "bad_request", "message": "No payload", "hint": null}}',
            "bad_request: No payload",
        ),
        (
            b'{"error": {"key": "regex_error", "message": "Regex validation failed",'
            b' "hint": "Missing \']\'"}}',
            "regex_error: Regex validation failed (Missing ']')",
        ),
        (b"<html>oops</html>", "<html>oops</html>"),
        (b'{"error": "plain"}', '{"error": "plain"}'),
    ],
)
def test_pihole_error_text(body: bytes, text: str) -> None:
    assert parse_error(body) == text


def test_pihole_queries_keep_only_the_asked_client() -> None:
    # The server's client_ip filter takes wildcards; the parser keeps exact hits.
    data = {
        "queries": [
            {"time": 1, "domain": "a", "client": {"ip": "10.0.0.1"}},
            {"time": 2, "domain": "b", "client": {"ip": "10.0.0.10"}},
        ]
    }
    assert [q.name for q in parse_queries(data, client="10.0.0.1")] == ["a"]
    assert [q.name for q in parse_queries(data)] == ["a", "b"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "1", None])
def test_numbers_must_be_finite(value: object) -> None:
    with pytest.raises(BackendResponseError):
        as_number(value, "n")


@pytest.mark.parametrize("stamp", [1e20, -1e20])
def test_pihole_query_time_out_of_range(stamp: float) -> None:
    with pytest.raises(BackendResponseError, match="out of range"):
        parse_queries(
            {"queries": [{"time": stamp, "domain": "a", "client": {"ip": "x"}}]}
        )
