"""Privacy mode to every speaker protected, beside a sequential script doing the same.

Run: ``.venv/bin/python bench/engage.py [--speakers 20] [--delay 0.05] [--runs 5]``

One Home Assistant in this process holds the demo house (every change of a
device takes ``--delay`` seconds) and Privacy Guard, set up through its config
flows with the actions mute_media, mic_mute and network_block per speaker. Two
ways of protecting every speaker alternate, and the house is put back to open
between runs:

* the guard: ``switch.turn_on`` on its privacy mode switch, timed until every
  speaker's ``protected`` binary sensor is on;
* a script as a user would write it: ``media_player.volume_mute``,
  ``switch.turn_on`` (microphone mute), ``switch.turn_off`` (internet access) for
  one speaker after the other, timed until every device is in that state. The
  guard is released and not engaged while the script runs.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
import gc
import statistics
import time
from typing import Any

from _hass import async_setup_house, entity_id_of, running_hass
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from homeassistant.util import slugify

SCRIPT = "protect_all_speakers"
TIMEOUT = 60.0


class Speaker:
    """The demo entities of one speaker and its guard entity."""

    def __init__(self, name: str) -> None:
        slug = slugify(name)
        self.name = name
        self.media_player = f"media_player.{slug}"
        self.mic = f"switch.{slug}_microphone_mute"
        self.network = f"switch.{slug}_internet_access"
        self.protected = ""

    @property
    def devices(self) -> tuple[str, str, str]:
        return (self.media_player, self.mic, self.network)


def _state(hass: HomeAssistant, entity_id: str) -> State:
    state = hass.states.get(entity_id)
    if state is None:
        raise LookupError(f"{entity_id} does not exist")
    return state


def devices_closed(hass: HomeAssistant, speaker: Speaker) -> bool:
    """Return whether the speaker is muted, mic-muted and off the network."""
    return (
        _state(hass, speaker.media_player).attributes.get("is_volume_muted") is True
        and _state(hass, speaker.mic).state == "on"
        and _state(hass, speaker.network).state == "off"
    )


def devices_open(hass: HomeAssistant, speaker: Speaker) -> bool:
    """Return whether the speaker is as the demo house starts it."""
    return (
        _state(hass, speaker.media_player).attributes.get("is_volume_muted") is False
        and _state(hass, speaker.mic).state == "off"
        and _state(hass, speaker.network).state == "on"
    )


async def timed_until(
    hass: HomeAssistant,
    entity_ids: list[str],
    done: Callable[[], bool],
    start: Callable[[], Coroutine[Any, Any, Any]],
) -> float:
    """Run ``start`` and return the seconds until ``done`` first holds.

    ``done`` is checked at every state change of ``entity_ids``, so the time is
    when the last of them changed, not when ``start`` returned.
    """
    reached = asyncio.Event()
    finished: list[float] = []

    @callback
    def _changed(_event: Event[EventStateChangedData]) -> None:
        if not finished and done():
            finished.append(time.perf_counter())
            reached.set()

    unsub = async_track_state_change_event(hass, entity_ids, _changed)
    # A full collection of the set-up garbage would land inside whichever run
    # happens to trigger it; both sides start from a collected heap instead.
    gc.collect()
    try:
        began = time.perf_counter()
        await start()
        if not finished and done():
            finished.append(time.perf_counter())
        if not finished:
            await asyncio.wait_for(reached.wait(), TIMEOUT)
    finally:
        unsub()
    return finished[0] - began


async def reset_devices(hass: HomeAssistant, speakers: list[Speaker]) -> None:
    """Put every device back to open at once, as a fresh demo house has it."""
    calls = []
    for speaker in speakers:
        calls.append(
            hass.services.async_call(
                "media_player",
                "volume_mute",
                {"entity_id": speaker.media_player, "is_volume_muted": False},
                blocking=True,
            )
        )
        calls.append(
            hass.services.async_call(
                "switch", "turn_off", {"entity_id": speaker.mic}, blocking=True
            )
        )
        calls.append(
            hass.services.async_call(
                "switch", "turn_on", {"entity_id": speaker.network}, blocking=True
            )
        )
    await asyncio.gather(*calls)
    await hass.async_block_till_done()


def script_sequence(speakers: list[Speaker]) -> list[dict[str, Any]]:
    """Return the sequence a user would write: each speaker, one action at a time."""
    sequence: list[dict[str, Any]] = []
    for speaker in speakers:
        sequence.extend(
            (
                {
                    "action": "media_player.volume_mute",
                    "target": {"entity_id": speaker.media_player},
                    "data": {"is_volume_muted": True},
                },
                {"action": "switch.turn_on", "target": {"entity_id": speaker.mic}},
                {
                    "action": "switch.turn_off",
                    "target": {"entity_id": speaker.network},
                },
            )
        )
    return sequence


def summary(name: str, times: list[float]) -> str:
    return (
        f"{name:<34}{statistics.median(times) * 1000:>10.0f} ms"
        f"{min(times) * 1000:>10.0f} ms  " + " ".join(f"{t * 1000:.0f}" for t in times)
    )


async def bench(count: int, delay: float, runs: int) -> None:
    speakers = [Speaker(f"Speaker {i:02d}") for i in range(1, count + 1)]
    async with running_hass() as hass:
        await async_setup_house(
            hass, [{"name": s.name} for s in speakers], delay=delay, guard=True
        )
        entries = hass.config_entries.async_entries("privacy_guard")
        if len(entries) != 1:
            raise RuntimeError("the demo house did not set Privacy Guard up")
        entry = entries[0]
        data = entry.runtime_data
        by_name = {s.config.name: sid for sid, s in data.guard.speakers.items()}
        for speaker in speakers:
            speaker.protected = entity_id_of(
                hass, f"{by_name[speaker.name]}_protected", "binary_sensor"
            )
        privacy = entity_id_of(hass, f"{entry.entry_id}_privacy_mode", "switch")
        assert await async_setup_component(
            hass,
            "script",
            {"script": {SCRIPT: {"sequence": script_sequence(speakers)}}},
        )
        await hass.async_block_till_done()

        saves: list[int] = [0]
        store = data.ledger._store
        save = store.async_save

        async def counting_save(value: Any) -> None:
            saves[0] += 1
            await save(value)

        store.async_save = counting_save

        protected = [s.protected for s in speakers]
        devices = [entity_id for s in speakers for entity_id in s.devices]

        def all_protected() -> bool:
            return all(_state(hass, e).state == "on" for e in protected)

        def all_closed() -> bool:
            return all(devices_closed(hass, s) for s in speakers)

        def check_open() -> None:
            if (
                data.guard.engaged
                or data.ledger.records
                or not all(devices_open(hass, s) for s in speakers)
            ):
                raise RuntimeError("the house is not back to open between runs")

        async def privacy_mode(on: bool) -> None:
            await hass.services.async_call(
                "switch",
                "turn_on" if on else "turn_off",
                {"entity_id": privacy},
                blocking=True,
            )

        async def run_script() -> None:
            await hass.services.async_call("script", SCRIPT, blocking=True)

        guard_times: list[float] = []
        script_times: list[float] = []
        save_counts: list[int] = []
        for _ in range(runs):
            check_open()
            saves[0] = 0
            guard_times.append(
                await timed_until(
                    hass, protected, all_protected, lambda: privacy_mode(True)
                )
            )
            await hass.async_block_till_done()
            save_counts.append(saves[0])
            await privacy_mode(False)
            await hass.async_block_till_done()

            check_open()
            saves[0] = 0
            script_times.append(
                await timed_until(hass, devices, all_closed, run_script)
            )
            await hass.async_block_till_done()
            if data.guard.engaged or data.ledger.records or saves[0]:
                raise RuntimeError("the guard acted during the script run")
            await reset_devices(hass, speakers)
        check_open()

    actions = 3 * count
    print(
        f"{count} speakers x 3 actions, {delay * 1000:.0f} ms per device change, "
        f"{runs} runs each, alternating"
    )
    print(
        f"sequential floor: {actions * delay * 1000:.0f} ms; "
        f"one speaker's actions: {3 * delay * 1000:.0f} ms"
    )
    print(f"{'':<34}{'median':>13}{'min':>13}  all runs (ms)")
    print(summary("Privacy Guard (privacy mode on)", guard_times))
    print(summary("script, one action after another", script_times))
    ratio = statistics.median(script_times) / statistics.median(guard_times)
    print(f"ratio of medians (script / guard): {ratio:.1f}x")
    print(
        "ledger saves per engagement, until settled: "
        + ", ".join(str(n) for n in save_counts)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(bench(args.speakers, args.delay, args.runs))


if __name__ == "__main__":
    main()
