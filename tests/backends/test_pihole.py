"""Pi-hole v6 client against the loopback emulator."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from custom_components.privacy_guard.backends import (
    BackendAuthError,
    BackendConnectionError,
    BackendError,
    BackendResponseError,
    DnsQuery,
)
from custom_components.privacy_guard.backends.pihole import (
    CLIENT_COMMENT,
    DEFAULT_BLOCK_GROUP,
    PiholeClient,
)

from .conftest import PIHOLE_PASSWORD, FakeClock
from .emulators import PiholeEmulator, utc

SPEAKERS = [f"192.168.1.{100 + n}" for n in range(20)]


def deny_regexes(pihole: PiholeEmulator) -> list[tuple[str, list[int], bool]]:
    return [
        (row["domain"], row["groups"], row["enabled"])
        for row in pihole.domains.rows
        if row["type"] == "deny" and row["kind"] == "regex"
    ]


# Session handling


async def test_check_logs_in_once(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    assert await pihole_client.async_check() == "v6.1"
    assert await pihole_client.async_check() == "v6.1"

    assert pihole.count("POST", "/api/auth") == 1
    assert pihole.count("GET", "/api/info/version") == 2
    assert PIHOLE_PASSWORD not in repr(pihole_client)


async def test_session_dropped_on_the_server_is_renewed_after_one_401(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_check()
    pihole.expire_sessions()

    assert await pihole_client.async_check() == "v6.1"

    assert pihole.count("POST", "/api/auth") == 2
    assert pihole.statuses[401] == 1


async def test_session_past_its_validity_is_renewed_before_use(
    pihole_client: PiholeClient, pihole: PiholeEmulator, clock: FakeClock
) -> None:
    await pihole_client.async_check()
    clock.advance(200)
    await pihole_client.async_check()
    assert pihole.count("POST", "/api/auth") == 1

    # Each request slid the session; only a long idle time lapses it.
    clock.advance(296)
    pihole.advance(296)
    await pihole_client.async_check()

    assert pihole.count("POST", "/api/auth") == 2
    assert pihole.statuses[401] == 0


async def test_server_side_expiry_by_time(
    session: aiohttp.ClientSession, pihole: PiholeEmulator
) -> None:
    client = PiholeClient(session, pihole.url, password=PIHOLE_PASSWORD)
    await client.async_check()
    pihole.advance(301)

    assert await client.async_check() == "v6.1"
    assert pihole.count("POST", "/api/auth") == 2


async def test_persistent_401_stops_after_one_new_login(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.fault("status", status=401, path="/api/info")

    with pytest.raises(BackendAuthError):
        await pihole_client.async_check()

    assert pihole.count("POST", "/api/auth") == 2
    assert pihole.count("GET", "/api/info/version") == 2


async def test_wrong_password(
    session: aiohttp.ClientSession, pihole: PiholeEmulator
) -> None:
    client = PiholeClient(session, pihole.url, password="not-the-password")

    with pytest.raises(BackendAuthError) as err:
        await client.async_check()

    assert "not-the-password" not in str(err.value)
    assert pihole.count("GET") == 0


async def test_sid_never_appears_in_errors(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_check()
    (sid,) = pihole.sessions
    pihole.fault("status", status=400, path="/api/groups")

    with pytest.raises(BackendResponseError) as err:
        await pihole_client.async_ensure_block_group()

    assert sid not in str(err.value)
    assert "bad_request" in str(err.value)


async def test_password_and_sid_never_reach_the_log(
    pihole_client: PiholeClient,
    pihole: PiholeEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await pihole_client.async_block(["10.0.0.1"])
    (sid,) = pihole.sessions
    pihole.expire_sessions()
    await pihole_client.async_check()
    await pihole_client.async_close()

    assert "/api/auth" in caplog.text
    assert PIHOLE_PASSWORD not in caplog.text
    assert sid not in caplog.text


async def test_empty_block_sends_nothing(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    assert await pihole_client.async_block([]) == {}
    assert pihole.total == 0


async def test_two_factor_login_is_an_auth_error(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    async with PiholeEmulator(password="pw", totp=True) as emulator:
        client = PiholeClient(session, emulator.url, password="pw")
        with pytest.raises(BackendAuthError, match="2FA"):
            await client.async_check()


async def test_login_answer_without_a_valid_session(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.fault(
        "raw",
        path="/api/auth",
        body=b'{"session": {"valid": false, "totp": true, "sid": null}}',
        times=1,
    )
    with pytest.raises(BackendAuthError, match="app password"):
        await pihole_client.async_check()

    pihole.fault(
        "raw", path="/api/auth", body=b'{"session": {"valid": false}}', times=1
    )
    with pytest.raises(BackendAuthError, match="refused the password"):
        await pihole_client.async_check()


async def test_login_that_fails_on_the_server(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.fault("status", status=404, path="/api/auth")

    with pytest.raises(BackendResponseError, match="login"):
        await pihole_client.async_check()


async def test_pihole_without_password(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    async with PiholeEmulator(password="") as emulator:
        client = PiholeClient(session, emulator.url)
        assert await client.async_check() == "v6.1"
        await client.async_block(["10.0.0.1"])
        assert await client.async_is_blocked(["10.0.0.1"]) == {"10.0.0.1": True}
        await client.async_close()

        assert emulator.count("POST", "/api/auth") == 1
        assert emulator.count("DELETE") == 0


async def test_close_logs_out(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_check()
    assert len(pihole.sessions) == 1

    await pihole_client.async_close()
    await pihole_client.async_close()

    assert pihole.sessions == {}
    assert pihole.count("DELETE", "/api/auth") == 1
    # A closed client logs in again when used.
    await pihole_client.async_check()
    assert pihole.count("POST", "/api/auth") == 2


async def test_close_never_raises(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_check()
    await pihole.stop()

    await pihole_client.async_close()


# The block group


async def test_block_group_is_created_once_and_found_by_a_fresh_client(
    session: aiohttp.ClientSession,
    pihole_client: PiholeClient,
    pihole: PiholeEmulator,
) -> None:
    group_id = await pihole_client.async_ensure_block_group()

    assert pihole.group_id(DEFAULT_BLOCK_GROUP) == group_id
    assert group_id != 0
    assert deny_regexes(pihole) == [(".*", [group_id], True)]

    assert await pihole_client.async_ensure_block_group() == group_id
    fresh = PiholeClient(session, pihole.url, password=PIHOLE_PASSWORD)
    assert await fresh.async_ensure_block_group() == group_id

    assert pihole.count("POST", "/api/groups") == 1
    assert pihole.count("POST", "/api/domains") == 1
    assert len(pihole.groups.rows) == 2
    assert deny_regexes(pihole) == [(".*", [group_id], True)]


async def test_disabled_group_and_regex_are_enabled_again(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    group_id = pihole.add_group(DEFAULT_BLOCK_GROUP, enabled=False, comment="mine")
    pihole.add_domain(".*", groups=[group_id], enabled=False, comment="note")

    assert await pihole_client.async_ensure_block_group() == group_id

    group = pihole.groups.find(DEFAULT_BLOCK_GROUP)
    assert group is not None
    assert group["enabled"] is True
    assert group["comment"] == "mine"
    assert deny_regexes(pihole) == [(".*", [group_id], True)]
    assert pihole.domains.rows[0]["comment"] == "note"


async def test_regex_owned_by_another_group_is_left_alone(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    kids = pihole.add_group("kids")
    pihole.add_domain(".*", groups=[kids])

    group_id = await pihole_client.async_ensure_block_group()

    assert deny_regexes(pihole) == [
        (".*", [kids], True),
        ("^.*$", [group_id], True),
    ]
    # Found again without a new entry.
    await pihole_client.async_ensure_block_group()
    assert len(deny_regexes(pihole)) == 2


async def test_both_regexes_taken_is_an_error(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.add_domain(".*", groups=[0])
    pihole.add_domain("^.*$", groups=[0])

    with pytest.raises(BackendResponseError, match="free one"):
        await pihole_client.async_ensure_block_group()


async def test_group_creation_errors(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.fault(
        "raw",
        status=201,
        path="/api/groups",
        method="POST",
        body=b'{"groups": [], "processed": null}',
        times=1,
    )
    with pytest.raises(BackendResponseError, match="did not return"):
        await pihole_client.async_ensure_block_group()

    pihole.fault(
        "raw",
        path="/api/groups",
        method="POST",
        body=b'{"groups": [], "processed": {"errors": [{"item": "x", "error": null}]}}',
        times=1,
    )
    with pytest.raises(BackendResponseError, match="x: failed"):
        await pihole_client.async_ensure_block_group()


# Blocking and restoring


async def test_block_and_restore_new_clients(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    group_id = await pihole_client.async_ensure_block_group()

    previous = await pihole_client.async_block(["10.0.0.1", "10.0.0.2", "10.0.0.1"])

    assert previous == {"10.0.0.1": None, "10.0.0.2": None}
    assert pihole.client_groups("10.0.0.1") == [group_id]
    assert pihole.clients.find("10.0.0.2")["comment"] == CLIENT_COMMENT  # type: ignore[index]

    await pihole_client.async_restore(previous)

    assert pihole.clients.rows == []


async def test_block_and_restore_existing_clients_exactly(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    kids = pihole.add_group("kids")
    iot = pihole.add_group("iot")
    pihole.add_client("10.0.0.1", groups=[0, kids], comment="Echo in the kitchen")
    pihole.add_client("10.0.0.2", groups=[iot], comment=None)
    pihole.add_client("10.0.0.3", groups=[], comment="no groups at all")
    pihole.add_client("10.0.0.99", groups=[kids], comment="untouched")

    previous = await pihole_client.async_block(["10.0.0.1", "10.0.0.2", "10.0.0.3"])
    group_id = pihole.group_id(DEFAULT_BLOCK_GROUP)

    assert previous == {"10.0.0.1": [0, kids], "10.0.0.2": [iot], "10.0.0.3": []}
    for client in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert pihole.client_groups(client) == [group_id]
    assert pihole.clients.find("10.0.0.1")["comment"] == "Echo in the kitchen"  # type: ignore[index]

    await pihole_client.async_restore(previous)

    assert [(r["client"], r["groups"], r["comment"]) for r in pihole.clients.rows] == [
        ("10.0.0.1", [0, kids], "Echo in the kitchen"),
        ("10.0.0.2", [iot], None),
        ("10.0.0.3", [], "no groups at all"),
        ("10.0.0.99", [kids], "untouched"),
    ]


async def test_put_keeps_the_comment_on_a_real_ftl(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    # FTL itself resets a comment left out of a PUT; we always send it.
    async with PiholeEmulator(password="pw", strict_put=False) as emulator:
        emulator.add_client("10.0.0.1", comment="keep me")
        client = PiholeClient(session, emulator.url, password="pw")
        await client.async_restore(await client.async_block(["10.0.0.1"]))
        assert emulator.clients.find("10.0.0.1")["comment"] == "keep me"  # type: ignore[index]


async def test_twenty_new_speakers_take_two_requests_each_way(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_ensure_block_group()
    pihole.reset_counts()

    previous = await pihole_client.async_block(SPEAKERS)
    assert pihole.requests == {("GET", "/api/clients"): 1, ("POST", "/api/clients"): 1}

    pihole.reset_counts()
    await pihole_client.async_restore(previous)
    assert pihole.requests == {
        ("GET", "/api/clients"): 1,
        ("POST", "/api/clients:batchDelete"): 1,
    }
    assert pihole.clients.rows == []


async def test_twenty_existing_speakers_take_one_put_each(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    for speaker in SPEAKERS:
        pihole.add_client(speaker, comment=f"speaker {speaker}")
    await pihole_client.async_ensure_block_group()
    pihole.reset_counts()

    previous = await pihole_client.async_block(SPEAKERS)
    assert pihole.count("GET") == 1
    assert pihole.count("PUT", "/api/clients/") == 20
    assert pihole.total == 21

    pihole.reset_counts()
    await pihole_client.async_restore(previous)
    assert pihole.total == 21
    assert all(pihole.client_groups(speaker) == [0] for speaker in SPEAKERS)


async def test_first_block_ensures_the_group(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_block(["10.0.0.1"])

    group_id = pihole.group_id(DEFAULT_BLOCK_GROUP)
    assert group_id is not None
    assert pihole.client_groups("10.0.0.1") == [group_id]
    assert deny_regexes(pihole) == [(".*", [group_id], True)]


async def test_blocking_twice_writes_nothing_the_second_time(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.add_client("10.0.0.1", groups=[0])
    first = await pihole_client.async_block(["10.0.0.1"])
    pihole.reset_counts()

    second = await pihole_client.async_block(["10.0.0.1"])

    group_id = pihole.group_id(DEFAULT_BLOCK_GROUP)
    assert first == {"10.0.0.1": [0]}
    assert second == {"10.0.0.1": [group_id]}
    assert pihole.count("PUT") == 0


async def test_restore_recreates_a_client_deleted_meanwhile(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    kids = pihole.add_group("kids")
    pihole.add_client("10.0.0.1", groups=[kids])
    pihole.add_client("10.0.0.2", groups=[kids])
    previous = await pihole_client.async_block(["10.0.0.1", "10.0.0.2", "10.0.0.3"])
    pihole.clients.rows.clear()

    await pihole_client.async_restore(previous)

    assert pihole.client_groups("10.0.0.1") == [kids]
    assert pihole.client_groups("10.0.0.2") == [kids]
    assert pihole.client_groups("10.0.0.3") is None
    assert pihole.count("POST", "/api/clients") == 2
    assert pihole.count("POST", "/api/clients:batchDelete") == 0


async def test_restore_of_nothing_sends_nothing(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_restore({})
    assert pihole.total == 0


async def test_cidr_and_ipv6_clients(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.add_client("10.1.0.0/24", groups=[0])
    pihole.add_client("fe80::1", groups=[0])

    previous = await pihole_client.async_block(["10.1.0.0/24", "fe80::1"])

    group_id = pihole.group_id(DEFAULT_BLOCK_GROUP)
    assert pihole.client_groups("10.1.0.0/24") == [group_id]
    assert pihole.client_groups("fe80::1") == [group_id]
    await pihole_client.async_restore(previous)
    assert pihole.client_groups("10.1.0.0/24") == [0]


async def test_is_blocked(pihole_client: PiholeClient, pihole: PiholeEmulator) -> None:
    assert await pihole_client.async_is_blocked(["10.0.0.1"]) == {"10.0.0.1": False}
    assert pihole.count("POST", "/api/groups") == 0

    group_id = await pihole_client.async_ensure_block_group()
    pihole.add_client("10.0.0.1", groups=[group_id])
    pihole.add_client("10.0.0.2", groups=[group_id, 0])

    assert await pihole_client.async_is_blocked(
        ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    ) == {"10.0.0.1": True, "10.0.0.2": False, "10.0.0.3": False}

    # Every poll reads what decides it, once each.
    pihole.reset_counts()
    await pihole_client.async_is_blocked(["10.0.0.1"])
    assert pihole.requests == {
        ("GET", "/api/dns/blocking"): 1,
        ("GET", "/api/groups"): 1,
        ("GET", "/api/domains/deny/regex"): 1,
        ("GET", "/api/clients"): 1,
    }


async def test_nothing_is_blocked_while_blocking_is_off(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    """Global blocking paused, the group or its regex switched off by hand:
    the client is not blocked, whatever its group says."""
    group_id = await pihole_client.async_ensure_block_group()
    pihole.add_client("10.0.0.1", groups=[group_id])
    assert await pihole_client.async_is_blocked(["10.0.0.1"]) == {"10.0.0.1": True}
    # "Disable blocking for 5 minutes", as Pi-hole's own page offers.
    pihole.blocking, pihole.blocking_until = False, pihole.now() + 300
    assert await pihole_client.async_is_blocked(["10.0.0.1"]) == {"10.0.0.1": False}
    pihole.clock_offset += 301
    assert await pihole_client.async_is_blocked(["10.0.0.1"]) == {"10.0.0.1": True}
    group = pihole.groups.find(DEFAULT_BLOCK_GROUP)
    assert group is not None
    group["enabled"] = False
    assert await pihole_client.async_is_blocked(["10.0.0.1"]) == {"10.0.0.1": False}
    group["enabled"] = True
    for row in pihole.domains.rows:
        row["enabled"] = False
    assert await pihole_client.async_is_blocked(["10.0.0.1"]) == {"10.0.0.1": False}


async def test_failed_block_is_rolled_back(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    for n in (1, 2, 3):
        pihole.add_client(f"10.0.0.{n}", groups=[0], comment=f"c{n}")
    await pihole_client.async_ensure_block_group()
    pihole.fault("status", status=500, path="/api/clients/10.0.0.3", method="PUT")

    with pytest.raises(BackendConnectionError) as err:
        await pihole_client.async_block(
            ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]
        )

    assert err.value.left_changed == {}
    assert [(r["client"], r["groups"], r["comment"]) for r in pihole.clients.rows] == [
        ("10.0.0.1", [0], "c1"),
        ("10.0.0.2", [0], "c2"),
        ("10.0.0.3", [0], "c3"),
    ]


async def test_failed_rollback_reports_what_is_left_changed(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.add_client("10.0.0.1", groups=[0])
    pihole.add_client("10.0.0.2", groups=[0])
    group_id = await pihole_client.async_ensure_block_group()
    pihole.fault("status", status=500, path="/api/clients/10.0.0.2", method="PUT")
    pihole.fault("status", status=503, path="/api/clients", method="GET", after=1)

    with pytest.raises(BackendConnectionError) as err:
        await pihole_client.async_block(["10.0.0.1", "10.0.0.2", "10.0.0.3"])

    assert err.value.left_changed == {"10.0.0.1": [0]}
    assert pihole.client_groups("10.0.0.1") == [group_id]


async def test_partly_failed_creation_rolls_back_the_created(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole_client.async_ensure_block_group()
    pihole.reject_clients.add("10.0.0.2")

    with pytest.raises(BackendResponseError, match=r"10\.0\.0\.2: UNIQUE"):
        await pihole_client.async_block(["10.0.0.1", "10.0.0.2", "10.0.0.3"])

    assert pihole.clients.rows == []
    assert pihole.count("POST", "/api/clients:batchDelete") == 1


async def test_deleted_block_group_is_found_again_on_the_next_call(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    first = await pihole_client.async_ensure_block_group()
    pihole.groups.rows = [r for r in pihole.groups.rows if r["id"] != first]
    pihole.domains.rows.clear()
    pihole.add_client("10.0.0.1", groups=[0])

    with pytest.raises(BackendResponseError, match="FOREIGN KEY"):
        await pihole_client.async_block(["10.0.0.1"])
    assert pihole.client_groups("10.0.0.1") == [0]

    await pihole_client.async_block(["10.0.0.1"])
    second = pihole.group_id(DEFAULT_BLOCK_GROUP)
    assert second not in (None, first)
    assert pihole.client_groups("10.0.0.1") == [second]


# Query log


async def test_queries_of_one_client(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    pihole.add_query(when=utc(2024, 5, 1, 12), client="10.0.0.1", name="a.amazon.com")
    pihole.add_query(when=utc(2024, 5, 1, 13), client="10.0.0.10", name="b.example")
    pihole.add_query(when=utc(2024, 5, 1, 14), client="10.0.0.1", name="c.amazon.com")

    queries = await pihole_client.async_get_queries("10.0.0.1")

    assert queries == [
        DnsQuery(utc(2024, 5, 1, 14), "10.0.0.1", "c.amazon.com"),
        DnsQuery(utc(2024, 5, 1, 12), "10.0.0.1", "a.amazon.com"),
    ]


async def test_queries_of_all_clients_in_a_time_window(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    for minute in range(60):
        pihole.add_query(
            when=utc(2024, 5, 1, 12, minute),
            client=SPEAKERS[minute % 4],
            name=f"host{minute}.example",
        )
    await pihole_client.async_check()
    pihole.reset_counts()

    queries = await pihole_client.async_get_queries(
        since=utc(2024, 5, 1, 12, 10), until=utc(2024, 5, 1, 12, 20), limit=5
    )

    assert pihole.requests == {("GET", "/api/queries"): 1}
    assert [query.name for query in queries] == [
        f"host{minute}.example" for minute in range(20, 15, -1)
    ]
    assert {query.client for query in queries} <= set(SPEAKERS[:4])


# Faults


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "status", "status": 500}, BackendConnectionError),
        ({"kind": "status", "status": 503}, BackendConnectionError),
        ({"kind": "status", "status": 403}, BackendAuthError),
        ({"kind": "status", "status": 404}, BackendResponseError),
        ({"kind": "status", "status": 400, "body": b"oops"}, BackendResponseError),
        ({"kind": "malformed"}, BackendResponseError),
        ({"kind": "shape"}, BackendResponseError),
        ({"kind": "raw", "body": b"{}"}, BackendResponseError),
        ({"kind": "delay", "delay": 5.0}, BackendConnectionError),
    ],
)
async def test_faults_map_to_error_types(
    session: aiohttp.ClientSession,
    pihole: PiholeEmulator,
    fault: dict[str, object],
    error: type[BackendError],
) -> None:
    client = PiholeClient(session, pihole.url, password=PIHOLE_PASSWORD, timeout=0.2)
    await client.async_check()
    pihole.fault(**fault, path="/api/")  # type: ignore[arg-type]
    pihole.add_client("10.0.0.1", groups=[0])

    for call in (
        client.async_check,
        client.async_ensure_block_group,
        lambda: client.async_block(["10.0.0.1"]),
        lambda: client.async_restore({"10.0.0.1": [0]}),
        lambda: client.async_is_blocked(["10.0.0.1"]),
        lambda: client.async_get_queries("10.0.0.1"),
    ):
        with pytest.raises(error) as err:
            await call()
        assert PIHOLE_PASSWORD not in str(err.value)
    assert pihole.client_groups("10.0.0.1") == [0]


@pytest.mark.parametrize("kind", ["malformed", "shape"])
async def test_bad_login_answers(
    pihole_client: PiholeClient, pihole: PiholeEmulator, kind: str
) -> None:
    pihole.fault(kind, path="/api/auth")  # type: ignore[arg-type]

    with pytest.raises(BackendResponseError):
        await pihole_client.async_check()


async def test_stopped_server_is_a_connection_error(
    pihole_client: PiholeClient, pihole: PiholeEmulator
) -> None:
    await pihole.stop()

    with pytest.raises(BackendConnectionError):
        await pihole_client.async_block(["10.0.0.1"])
