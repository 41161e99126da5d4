"""Requests and wall time to block then restore N speakers through a DNS filter.

Starts the AdGuard Home and Pi-hole v6 emulators of the test suite on
loopback and compares, in one run, the batched client API (one call for all
speakers) with a naive loop doing one read-modify-write per speaker. Every
scenario checks that the filter ends exactly as it started.

    .venv/bin/python bench/backends.py [--speakers 20] [--latency-ms 2]

``--latency-ms`` adds that much server time to every request, a stand-in
for a LAN round trip to a Raspberry Pi; 0 measures the bare loopback.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
import sys
import time
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    backend: str
    scenario: str
    method: str
    block_requests: int
    restore_requests: int
    seconds: float
    exact: bool

    @property
    def requests(self) -> int:
        return self.block_requests + self.restore_requests


async def measure(
    emulator: Any,
    block: Callable[[], Awaitable[Any]],
    restore: Callable[[Any], Awaitable[None]],
) -> tuple[int, int, float]:
    emulator.reset_counts()
    start = time.perf_counter()
    previous = await block()
    blocked = emulator.total
    await restore(previous)
    seconds = time.perf_counter() - start
    return blocked, emulator.total - blocked, seconds


async def bench_adguard(speakers: list[str], latency: float, method: str) -> Result:
    import aiohttp

    from custom_components.privacy_guard.backends.adguard import AdGuardClient
    from tests.backends.emulators import AdGuardEmulator

    async with AdGuardEmulator(username="admin", password="pw") as emulator:
        emulator.latency = latency
        # One speaker was blocked by the user before: it must stay blocked.
        emulator.disallowed_clients = ["192.168.9.9", speakers[0]]
        emulator.allowed_clients = []
        before = list(emulator.disallowed_clients)
        async with aiohttp.ClientSession() as session:
            client = AdGuardClient(
                session, emulator.url, username="admin", password="pw"
            )

            if method == "batched":

                async def block() -> dict[str, bool]:
                    return await client.async_set_blocked(dict.fromkeys(speakers, True))

                async def restore(previous: dict[str, bool]) -> None:
                    await client.async_set_blocked(previous)

            else:

                async def block() -> dict[str, bool]:
                    previous: dict[str, bool] = {}
                    for speaker in speakers:
                        previous |= await client.async_set_blocked({speaker: True})
                    return previous

                async def restore(previous: dict[str, bool]) -> None:
                    for speaker, was in previous.items():
                        await client.async_set_blocked({speaker: was})

            blocked, restored, seconds = await measure(emulator, block, restore)
            exact = emulator.disallowed_clients == before
    return Result(
        "AdGuard Home", "1 of N pre-blocked", method, blocked, restored, seconds, exact
    )


async def bench_pihole(
    speakers: list[str], latency: float, method: str, *, known: bool
) -> Result:
    import aiohttp

    from custom_components.privacy_guard.backends.pihole import PiholeClient
    from tests.backends.emulators import PiholeEmulator

    async with PiholeEmulator(password="pw") as emulator:
        emulator.latency = latency
        if known:
            kids = emulator.add_group("kids")
            for n, speaker in enumerate(speakers):
                emulator.add_client(
                    speaker, groups=[0, kids] if n % 2 else [0], comment=f"speaker {n}"
                )
        before = [dict(row) for row in emulator.clients.rows]
        async with aiohttp.ClientSession() as session:
            client = PiholeClient(session, emulator.url, password="pw")
            # Login and block group are one-off costs, kept out of the figures.
            await client.async_ensure_block_group()

            if method == "batched":

                async def block() -> dict[str, list[int] | None]:
                    return await client.async_block(speakers)

                async def restore(previous: dict[str, list[int] | None]) -> None:
                    await client.async_restore(previous)

            else:

                async def block() -> dict[str, list[int] | None]:
                    previous: dict[str, list[int] | None] = {}
                    for speaker in speakers:
                        previous |= await client.async_block([speaker])
                    return previous

                async def restore(previous: dict[str, list[int] | None]) -> None:
                    for speaker, groups in previous.items():
                        await client.async_restore({speaker: groups})

            blocked, restored, seconds = await measure(emulator, block, restore)
            after = emulator.clients.rows
            exact = [(r["client"], r["groups"], r["comment"]) for r in after] == [
                (r["client"], r["groups"], r["comment"]) for r in before
            ]
            await client.async_close()
    scenario = "speakers configured" if known else "speakers unknown"
    return Result("Pi-hole v6", scenario, method, blocked, restored, seconds, exact)


async def run(count: int, latency: float) -> None:
    speakers = [f"192.168.1.{100 + n}" for n in range(count)]
    results: list[Result] = []
    for method in ("batched", "naive"):
        results.append(await bench_adguard(speakers, latency, method))
    for known in (False, True):
        for method in ("batched", "naive"):
            results.append(await bench_pihole(speakers, latency, method, known=known))

    print(
        f"Block then restore {count} speakers; "
        f"{latency * 1000:.1f} ms server latency per request\n"
    )
    header = (
        f"{'backend':<13} {'scenario':<20} {'method':<8} "
        f"{'block':>5} {'restore':>7} {'total':>5} {'wall ms':>8}  exact"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.backend:<13} {result.scenario:<20} {result.method:<8} "
            f"{result.block_requests:>5} {result.restore_requests:>7} "
            f"{result.requests:>5} {result.seconds * 1000:>8.1f}  "
            f"{'yes' if result.exact else 'NO'}"
        )
    print("\nnaive / batched:")
    for batched, naive in zip(results[::2], results[1::2], strict=True):
        print(
            f"  {batched.backend:<13} {batched.scenario:<20} "
            f"requests {naive.requests / batched.requests:5.1f}x   "
            f"wall time {naive.seconds / batched.seconds:5.1f}x"
        )
    if not all(result.exact for result in results):
        raise SystemExit("a scenario did not restore the filter exactly")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    asyncio.run(run(args.speakers, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
