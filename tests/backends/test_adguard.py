"""AdGuard Home client against the loopback emulator."""

from __future__ import annotations

from datetime import timedelta, timezone
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
from custom_components.privacy_guard.backends.adguard import (
    AccessList,
    AdGuardClient,
    basic_authorization,
)

from .conftest import ADGUARD_PASSWORD
from .emulators import AdGuardEmulator, utc

SPEAKERS = [f"192.168.1.{100 + n}" for n in range(20)]


async def test_check_returns_version(adguard_client: AdGuardClient) -> None:
    assert await adguard_client.async_check() == "v0.107.57"


async def test_repr_hides_credentials(adguard_client: AdGuardClient) -> None:
    assert ADGUARD_PASSWORD not in repr(adguard_client)
    assert "127.0.0.1" in repr(adguard_client)


async def test_block_appends_and_keeps_everything_else(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.allowed_clients = ["192.168.1.2", "10.9.0.0/16"]
    adguard.disallowed_clients = ["192.168.1.9", "laptop-1", "192.168.7.0/24"]
    adguard.blocked_hosts = ["example.org", "||ads.example^"]

    previous = await adguard_client.async_set_blocked(
        {"192.168.1.50": True, "echo-kitchen": True}
    )

    assert previous == {"192.168.1.50": False, "echo-kitchen": False}
    assert adguard.disallowed_clients == [
        "192.168.1.9",
        "laptop-1",
        "192.168.7.0/24",
        "192.168.1.50",
        "echo-kitchen",
    ]
    assert adguard.allowed_clients == ["192.168.1.2", "10.9.0.0/16"]
    assert adguard.blocked_hosts == ["example.org", "||ads.example^"]


async def test_exact_restore_keeps_a_client_that_was_already_blocked(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.disallowed_clients = ["192.168.1.101", "192.168.1.200"]

    previous = await adguard_client.async_set_blocked(
        {"192.168.1.100": True, "192.168.1.101": True}
    )
    assert previous == {"192.168.1.100": False, "192.168.1.101": True}
    assert adguard.disallowed_clients == [
        "192.168.1.101",
        "192.168.1.200",
        "192.168.1.100",
    ]

    await adguard_client.async_set_blocked(previous)

    assert adguard.disallowed_clients == ["192.168.1.101", "192.168.1.200"]


async def test_unblock_removes_only_the_given_clients(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.disallowed_clients = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]

    previous = await adguard_client.async_set_blocked(
        {"10.0.0.2": False, "10.0.0.9": False}
    )

    assert previous == {"10.0.0.2": True, "10.0.0.9": False}
    assert adguard.disallowed_clients == ["10.0.0.1", "10.0.0.3"]


async def test_twenty_speakers_take_one_get_and_one_post(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    previous = await adguard_client.async_set_blocked(dict.fromkeys(SPEAKERS, True))
    assert adguard.requests == {
        ("GET", "/control/access/list"): 1,
        ("POST", "/control/access/set"): 1,
    }
    assert adguard.disallowed_clients == SPEAKERS

    adguard.reset_counts()
    await adguard_client.async_set_blocked(previous)
    assert adguard.total == 2
    assert adguard.disallowed_clients == []


async def test_no_post_when_nothing_changes(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.disallowed_clients = ["10.0.0.1"]

    assert await adguard_client.async_set_blocked(
        {"10.0.0.1": True, "10.0.0.2": False}
    ) == {"10.0.0.1": True, "10.0.0.2": False}
    assert await adguard_client.async_set_blocked({}) == {}

    assert adguard.count("POST") == 0
    assert adguard.count("GET", "/control/access/list") == 1


async def test_null_lists_are_read_as_empty_and_posted_as_arrays(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    assert adguard.null_empty_lists
    await adguard_client.async_set_blocked({"10.0.0.7": True})
    assert adguard.posted_bodies == [
        {
            "allowed_clients": [],
            "disallowed_clients": ["10.0.0.7"],
            "blocked_hosts": [],
        }
    ]


async def test_blocking_an_allowed_client_is_refused_without_writing(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.allowed_clients = ["10.0.0.5"]

    with pytest.raises(BackendResponseError, match="allowed_clients"):
        await adguard_client.async_set_blocked({"10.0.0.5": True, "10.0.0.6": True})

    assert adguard.count("POST") == 0
    assert adguard.disallowed_clients == []


async def test_server_refuses_overlapping_lists(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    with pytest.raises(BackendResponseError, match="400"):
        await adguard_client.async_set_access_list(
            AccessList(allowed_clients=("10.0.0.1",), disallowed_clients=("10.0.0.1",))
        )
    with pytest.raises(BackendResponseError, match="400"):
        await adguard_client.async_set_access_list(
            AccessList(disallowed_clients=("aa:bb:cc:dd:ee:ff",))
        )


async def test_is_blocked_reads_the_list_once(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.disallowed_clients = ["10.0.0.1"]

    assert await adguard_client.async_is_blocked(["10.0.0.1", "10.0.0.2"]) == {
        "10.0.0.1": True,
        "10.0.0.2": False,
    }
    assert adguard.total == 1


async def test_query_log_of_one_client_is_exact(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.add_query(
        when=utc(2024, 5, 1, 12, 0, 0),
        client="192.168.1.1",
        name="avs-alexa-4.amazon.com",
    )
    adguard.add_query(
        when=utc(2024, 5, 1, 12, 0, 5), client="192.168.1.10", name="example.org"
    )
    adguard.add_query(
        when=utc(2024, 5, 1, 12, 0, 9),
        client="192.168.1.77",
        name="dns.example",
        client_id="echo-kitchen",
    )

    assert await adguard_client.async_get_queries("192.168.1.1") == [
        DnsQuery(utc(2024, 5, 1, 12, 0, 0), "192.168.1.1", "avs-alexa-4.amazon.com")
    ]
    by_client_id = await adguard_client.async_get_queries("echo-kitchen")
    assert [query.client for query in by_client_id] == ["192.168.1.77"]


async def test_query_log_of_all_clients_in_one_request(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    for second in range(30):
        adguard.add_query(
            when=utc(2024, 5, 1, 12, 0, second),
            client=SPEAKERS[second % 3],
            name=f"host{second}.example",
        )

    queries = await adguard_client.async_get_queries(limit=10)

    assert adguard.requests == {("GET", "/control/querylog"): 1}
    assert [query.name for query in queries] == [
        f"host{second}.example" for second in range(29, 19, -1)
    ]
    older = await adguard_client.async_get_queries(
        limit=10, older_than=queries[-1].time
    )
    assert older[0].name == "host19.example"


async def test_query_log_times_become_aware_utc(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    plus_three = timezone(timedelta(hours=3))
    adguard.add_query(
        when=utc(2024, 5, 1, 9, 30).astimezone(plus_three),
        client="10.0.0.1",
        name="a.example",
    )
    adguard.querylog[0]["time"] = "2024-05-01T12:30:00.123456789+03:00"

    (query,) = await adguard_client.async_get_queries()

    assert query.time == utc(2024, 5, 1, 9, 30, 0).replace(microsecond=123456)
    assert query.time.tzinfo is not None
    assert query.time.utcoffset() == timedelta(0)


@pytest.mark.parametrize("status", [401, 403])
async def test_wrong_password_is_an_auth_error(
    session: aiohttp.ClientSession, adguard: AdGuardEmulator, status: int
) -> None:
    adguard.auth_failure_status = status
    client = AdGuardClient(session, adguard.url, username="admin", password="wrong")

    with pytest.raises(BackendAuthError) as err:
        await client.async_check()

    assert "wrong" not in str(err.value)
    assert str(status) in str(err.value)


async def test_missing_credentials_are_an_auth_error(
    session: aiohttp.ClientSession, adguard: AdGuardEmulator
) -> None:
    with pytest.raises(BackendAuthError):
        await AdGuardClient(session, adguard.url).async_check()


async def test_server_without_auth(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    async with AdGuardEmulator(username=None, password=None) as emulator:
        client = AdGuardClient(session, emulator.url)
        assert await client.async_check() == "v0.107.57"


async def test_base_url_with_prefix_and_credentials(
    session: aiohttp.ClientSession, adguard: AdGuardEmulator
) -> None:
    client = AdGuardClient(
        session,
        f"http://user:pw@127.0.0.1:{adguard.port}/",
        username="admin",
        password=ADGUARD_PASSWORD,
        verify_ssl=False,
    )
    assert "pw" not in repr(client)
    assert await client.async_check() == "v0.107.57"


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1/", "//host", 5])
def test_bad_url_is_a_connection_error(
    session: aiohttp.ClientSession, url: object
) -> None:
    with pytest.raises(BackendConnectionError):
        AdGuardClient(session, url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "status", "status": 500}, BackendConnectionError),
        ({"kind": "status", "status": 502}, BackendConnectionError),
        ({"kind": "status", "status": 429}, BackendConnectionError),
        ({"kind": "status", "status": 401}, BackendAuthError),
        ({"kind": "status", "status": 403}, BackendAuthError),
        ({"kind": "status", "status": 404}, BackendResponseError),
        ({"kind": "status", "status": 302}, BackendResponseError),
        ({"kind": "malformed"}, BackendResponseError),
        ({"kind": "shape"}, BackendResponseError),
        ({"kind": "raw", "body": b""}, BackendResponseError),
        ({"kind": "raw", "body": b"\xff\xfe\x00garbage"}, BackendResponseError),
        ({"kind": "raw", "body": b'{"allowed_clients": [1]}'}, BackendResponseError),
        ({"kind": "delay", "delay": 5.0}, BackendConnectionError),
    ],
)
async def test_faults_map_to_error_types(
    session: aiohttp.ClientSession,
    adguard: AdGuardEmulator,
    fault: dict[str, object],
    error: type[BackendError],
) -> None:
    client = AdGuardClient(
        session, adguard.url, username="admin", password=ADGUARD_PASSWORD, timeout=0.2
    )
    adguard.fault(**fault)  # type: ignore[arg-type]

    for call in (
        client.async_check,
        lambda: client.async_is_blocked(["10.0.0.1"]),
        lambda: client.async_set_blocked({"10.0.0.1": True}),
        lambda: client.async_get_queries("10.0.0.1"),
    ):
        with pytest.raises(error) as err:
            await call()
        assert ADGUARD_PASSWORD not in str(err.value)
    assert adguard.disallowed_clients == []


async def test_failed_post_is_reported(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    adguard.fault("status", status=500, method="POST")

    with pytest.raises(BackendConnectionError, match="500"):
        await adguard_client.async_set_blocked({"10.0.0.1": True})

    assert adguard.count("GET") == 1
    assert adguard.disallowed_clients == []


async def test_credentials_never_reach_the_log(
    adguard_client: AdGuardClient,
    adguard: AdGuardEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await adguard_client.async_set_blocked({"10.0.0.1": True})
    adguard.fault("status", status=500)
    with pytest.raises(BackendConnectionError):
        await adguard_client.async_check()

    assert "/control/access/set" in caplog.text
    assert ADGUARD_PASSWORD not in caplog.text
    assert basic_authorization("admin", ADGUARD_PASSWORD) not in caplog.text


async def test_stopped_server_is_a_connection_error(
    adguard_client: AdGuardClient, adguard: AdGuardEmulator
) -> None:
    await adguard.stop()

    with pytest.raises(BackendConnectionError, match="Cannot reach"):
        await adguard_client.async_set_blocked({"10.0.0.1": True})
