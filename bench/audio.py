"""Room microphone figures, side by side in one run.

Run: ``.venv/bin/python bench/audio.py [--seconds 3] [--rounds 3] [--streams 10]
[--sections 123]``

1. Smoother defaults on espeak-ng speech: how late speech is reported on and
   off, and whether silence, noise or a tone is ever taken for speech, for the
   defaults and a few neighbours.
2. Throughput: bare pymicro-vad in audio seconds per CPU second, our whole
   path (conversion, chunking, VAD, smoothing) beside it, the overhead ratio
   (target <= 1.15x), and how many 16 kHz streams one core keeps up with
   (target >= 50).
3. Event loop: the longest stall seen by a 1 ms loop-lag probe while N
   streams (default 10) arrive in real time from Wyoming servers in another
   process and run through RoomListener (target <= 5 ms). Beside the shipped
   setting (one worker thread shared by all listeners, one call per 100 ms
   batch, the GIL released between chunks): the GIL held through each batch
   as pymicro-vad 1.0.1 alone would, a pool of threads, one call per 10 ms
   chunk, and the detector run inline on the loop.

Audio is generated in a temporary folder with espeak-ng and sox, then removed.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
import multiprocessing
from pathlib import Path
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
import wave

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pymicro_vad import MicroVad  # type: ignore[import-untyped]  # noqa: E402

from custom_components.privacy_guard.audio import listener as listener_module  # noqa: E402
from custom_components.privacy_guard.audio.listener import RoomListener  # noqa: E402
from custom_components.privacy_guard.audio.sources import WyomingSource  # noqa: E402
from custom_components.privacy_guard.audio.vad import (  # noqa: E402
    CHUNK_BYTES,
    CHUNK_SECONDS,
    DEFAULT_HANGOVER,
    DEFAULT_MIN_SPEECH,
    PcmFormat,
    SpeechDetector,
    SpeechSmoother,
    VadStream,
)

RATE = 16_000
LEAD, TAIL = 2.0, 3.0
PHRASES = (
    "Alexa, what is the weather like in Paris tomorrow morning?",
    "Please switch off the kitchen lights and play some quiet music.",
    "Hey, did you remember to call the dentist about Thursday?",
    "Okay, set a timer for twelve minutes and then remind me to stretch.",
    "Turn the volume down a little, the baby is sleeping upstairs.",
    "What time does the pharmacy on Main Street close tonight?",
)
VOICES = ("en-us", "en-gb", "en-us+f3", "de")
NOISES = ("whitenoise", "pinknoise", "brownnoise", "sine 440", "sine 1000")


def run(*args: object) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def read_pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


def write_pcm(path: Path, pcm: bytes, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


class Audio:
    """Generated clips: speech framed by silence (with its span), and noises."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.speech: list[tuple[bytes, float, float]] = []
        for v, voice in enumerate(VOICES):
            for p, text in enumerate(PHRASES):
                raw, mono = folder / f"s{v}{p}.wav", folder / f"s{v}{p}-16k.wav"
                run("espeak-ng", "-v", voice, "-w", raw, text)
                run("sox", raw, "-r", RATE, "-c", 1, "-b", 16, mono)
                speech = read_pcm(mono)
                lead = bytes(int(LEAD * RATE) * 2)
                tail = bytes(int(TAIL * RATE) * 2)
                end = LEAD + len(speech) / 2 / RATE
                self.speech.append((lead + speech + tail, LEAD, end))
        self.noise: dict[str, bytes] = {"silence": bytes(10 * RATE * 2)}
        for noise in NOISES:
            path = folder / f"{noise.replace(' ', '')}.wav"
            run(
                "sox",
                "-n",
                "-r",
                RATE,
                "-c",
                1,
                "-b",
                16,
                path,
                "synth",
                10,
                *noise.split(),
            )
            self.noise[noise] = read_pcm(path)

    def long_stream(self) -> bytes:
        """Half the speech clips one after the other (about 100 s)."""
        return b"".join(pcm for pcm, _, _ in self.speech[::2])

    def resampled(self, pcm: bytes, rate: int, channels: int) -> bytes:
        """`pcm` (16 kHz mono) converted by sox."""
        src, dst = self.folder / "in.wav", self.folder / f"out-{rate}-{channels}.wav"
        write_pcm(src, pcm)
        run("sox", src, "-r", rate, "-c", channels, "-b", 16, dst)
        return read_pcm(dst)


# --- 1. smoother defaults ----------------------------------------------------


def probabilities(pcm: bytes) -> list[float]:
    """pymicro-vad's answer for every 10 ms chunk of 16 kHz mono `pcm`."""
    vad = VadStream()
    last = len(pcm) - CHUNK_BYTES + 1
    return [vad.process(pcm[i : i + CHUNK_BYTES]) for i in range(0, last, CHUNK_BYTES)]


def transitions(
    scores: list[float], min_speech: float, hangover: float
) -> list[tuple[bool, float]]:
    """On/off events, in stream seconds, for a run of chunk probabilities."""
    smoother = SpeechSmoother(min_speech=min_speech, hangover=hangover)
    events = []
    for index, probability in enumerate(scores, start=1):
        if (t := smoother.process(probability, index * CHUNK_SECONDS)) is not None:
            events.append((t.is_speech, t.at))
    if (t := smoother.flush(len(scores) * CHUNK_SECONDS)) is not None:
        events.append((t.is_speech, t.at))
    return events


def smoother_table(audio: Audio) -> None:
    speech = [(probabilities(pcm), start, end) for pcm, start, end in audio.speech]
    noise = [probabilities(pcm) for pcm in audio.noise.values()]
    print(
        f"1. Smoother on espeak-ng speech ({len(audio.speech)} clips: "
        f"{len(PHRASES)} phrases x {len(VOICES)} voices) and 10 s each of "
        "silence, noises, tones"
    )
    print(
        f"   {'min_speech':>10} {'hangover':>8} | {'on late (s) max':>15} "
        f"{'mean':>5} | {'off late (s) max':>16} {'mean':>5} | "
        f"{'split':>5} {'missed':>6} | {'false on':>8}"
    )
    for min_speech in (0.1, 0.2, 0.3):
        for hangover in (0.5, 0.7, 1.0):
            on_late, off_late, split, missed = [], [], 0, 0
            for scores, start, end in speech:
                events = transitions(scores, min_speech, hangover)
                ons = [at for on, at in events if on]
                offs = [at for on, at in events if not on]
                if not ons:
                    missed += 1
                    continue
                split += len(ons) - 1
                on_late.append(ons[0] - start)
                off_late.append(offs[-1] - end)
            false_on = sum(
                on
                for scores in noise
                for on, _ in transitions(scores, min_speech, hangover)
            )
            defaults = (min_speech, hangover) == (DEFAULT_MIN_SPEECH, DEFAULT_HANGOVER)
            print(
                f"   {min_speech:>10.1f} {hangover:>8.1f} | "
                f"{max(on_late, default=0):>15.2f} "
                f"{statistics.fmean(on_late or [0]):>5.2f} | "
                f"{max(off_late, default=0):>16.2f} "
                f"{statistics.fmean(off_late or [0]):>5.2f} | "
                f"{split:>5} {missed:>6} | {false_on:>8}"
                + (" <- defaults" if defaults else "")
            )
    print(
        "   (targets: on within 1 s of the speech start, off within 2 s of its\n"
        "   end, no false on; 'split' counts extra segments inside one phrase)"
    )


# --- 2. throughput -----------------------------------------------------------


def cpu_seconds(work: Callable[[], object], repeat: int = 3) -> float:
    """Best CPU time of `repeat` runs (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def throughput_table(audio: Audio) -> None:
    pcm = audio.long_stream()
    seconds = len(pcm) / 2 / RATE
    last = len(pcm) - CHUNK_BYTES + 1
    chunks = [pcm[i : i + CHUNK_BYTES] for i in range(0, last, CHUNK_BYTES)]
    stereo = audio.resampled(pcm, 44_100, 2)

    def raw() -> None:
        process = MicroVad().Process10ms
        for chunk in chunks:
            process(chunk)

    # All three single-stream runs include one warm-up (76 chunks) each.

    def whole(data: bytes, source: PcmFormat, piece: int) -> Callable[[], None]:
        def work() -> None:
            detector = SpeechDetector(source)
            for offset in range(0, len(data), piece):
                detector.feed(data[offset : offset + piece])
            detector.finish()

        return work

    streams, per_stream = 50, 4.0
    piece, span = int(0.1 * RATE) * 2, int(per_stream * RATE) * 2
    bases = [(n * 7919 * piece) % (len(pcm) - span - RATE * 2) for n in range(streams)]

    def many() -> float:
        detectors = [SpeechDetector() for _ in range(streams)]
        # Warmed up first: pymicro-vad's first 76 chunks cost less than the rest.
        for base, detector in zip(bases, detectors, strict=True):
            detector.feed(pcm[base : base + RATE * 2])
        start = time.process_time()
        for offset in range(RATE * 2, RATE * 2 + span, piece):
            for base, detector in zip(bases, detectors, strict=True):
                detector.feed(pcm[base + offset : base + offset + piece])
        return time.process_time() - start

    raw_rate = seconds / cpu_seconds(raw)
    rate_16k = seconds / cpu_seconds(whole(pcm, PcmFormat(RATE, 2, 1), 3200))
    rate_44k = seconds / cpu_seconds(whole(stereo, PcmFormat(44_100, 2, 2), 4096))
    many_rate = streams * per_stream / min(many() for _ in range(3))
    rows = (
        ("bare pymicro-vad, 320-byte chunks", raw_rate, ""),
        (
            "whole path, 16 kHz mono in 100 ms pieces",
            rate_16k,
            f"overhead {raw_rate / rate_16k:.3f}x (target <= 1.15x)",
        ),
        (
            "whole path, 44.1 kHz stereo in 1024-frame pieces",
            rate_44k,
            f"overhead {raw_rate / rate_44k:.3f}x",
        ),
        (
            f"{streams} streams interleaved, 100 ms pieces",
            many_rate,
            "= 16 kHz streams one core keeps up with (target >= 50)",
        ),
    )
    print(f"2. Throughput over {seconds:.0f} s of audio, audio seconds per CPU second")
    for label, value, note in rows:
        print(f"   {label:<50} {value:>6.1f}   {note}")


# --- 3. event loop -----------------------------------------------------------


def serve(ports: list[int], pcm: bytes, ready: Any) -> None:
    """In a child process: Wyoming mic servers streaming in real time."""
    from wyoming.audio import AudioChunk, AudioStart
    from wyoming.event import async_write_event

    rate, width, channels, frames = 44_100, 2, 2, 1024
    step = frames * width * channels

    async def stream(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        start, sent = loop.time(), 0
        try:
            await async_write_event(AudioStart(rate, width, channels).event(), writer)
            while True:
                for offset in range(0, len(pcm) - step, step):
                    audio = pcm[offset : offset + step]
                    chunk = AudioChunk(rate, width, channels, audio)
                    await async_write_event(chunk.event(), writer)
                    sent += frames
                    await asyncio.sleep(max(0.0, start + sent / rate - loop.time()))
        except (ConnectionError, AttributeError):
            pass  # the listener hung up (asyncio may fail mid-write then)

    async def main() -> None:
        servers = [await asyncio.start_server(stream, "127.0.0.1", p) for p in ports]
        ready.set()
        await asyncio.gather(*(server.serve_forever() for server in servers))

    asyncio.run(main())


class InlineExecutor(Executor):
    """Runs each job at once in the caller's thread: the event loop."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


async def probe_loop(
    ports: list[int], seconds: float, options: dict[str, Any], yield_gil: bool
) -> LoopFigures:
    """Run listeners on `ports` while a 1 ms sleeper records how late it wakes."""
    loop = asyncio.get_running_loop()
    listener_module.SpeechDetector = partial(SpeechDetector, yield_gil=yield_gil)
    listeners = [
        RoomListener(
            WyomingSource("127.0.0.1", port), on_speech=lambda *_: None, **options
        )
        for port in ports
    ]
    for listener in listeners:
        listener.start()
    await asyncio.sleep(1.0)  # connect and warm up outside the measurement
    lags: list[float] = []
    cpu_start, wall_start = time.thread_time(), loop.time()
    while loop.time() - wall_start < seconds:
        before = loop.time()
        await asyncio.sleep(0.001)
        lags.append(loop.time() - before - 0.001)
    loop_cpu = (time.thread_time() - cpu_start) / (loop.time() - wall_start)
    connected = sum(listener.connected for listener in listeners)
    for listener in listeners:
        await listener.async_stop()
    listener_module.SpeechDetector = SpeechDetector
    lags.sort()
    return LoopFigures(
        worst=lags[-1] * 1000,
        p99=lags[int(len(lags) * 0.99)] * 1000,
        loop_cpu=loop_cpu * 100,
        connected=connected,
    )


@dataclass
class LoopFigures:
    worst: float
    p99: float
    loop_cpu: float
    connected: int


def loop_table(audio: Audio, streams: int, seconds: float, rounds: int) -> None:
    pcm = audio.resampled(audio.long_stream(), 44_100, 2)
    ports = []
    for _ in range(streams):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    server = context.Process(target=serve, args=(ports, pcm, ready), daemon=True)
    server.start()
    ready.wait(60)
    pool = ThreadPoolExecutor(max_workers=streams, thread_name_prefix="pool")
    variants: list[tuple[str, list[int], dict[str, Any], bool]] = [
        ("nowhere: the probe alone, no stream", [], {}, True),
        ("one shared thread, per 100 ms (shipped)", ports, {}, True),
        ("one shared thread, GIL held through a batch", ports, {}, False),
        (f"pool of {streams} threads, per 100 ms", ports, {"executor": pool}, True),
        ("one shared thread, per 10 ms chunk", ports, {"batch_chunks": 1}, True),
        ("inline on the loop, per 100 ms", ports, {"executor": InlineExecutor()},
         True),
    ]  # fmt: skip
    results: dict[str, list[LoopFigures]] = {label: [] for label, *_ in variants}
    try:
        # Rounds interleave the variants so that load from other processes
        # falls on all of them alike.
        for _ in range(rounds):
            for label, variant_ports, options, yield_gil in variants:
                figures = asyncio.run(
                    probe_loop(variant_ports, seconds, options, yield_gil)
                )
                results[label].append(figures)
    finally:
        server.terminate()
        server.join()
        pool.shutdown()
    print(
        f"3. Event loop with {streams} real-time 44.1 kHz stereo Wyoming streams "
        f"through RoomListener, {rounds} rounds of {seconds:g} s (1 ms sleep probe)"
    )
    print(
        f"   {'detector runs':<44} {'max stall: median':>17} {'best':>7} "
        f"{'p99':>7} {'loop CPU':>8}"
    )
    for label, runs in results.items():
        worst = [run.worst for run in runs]
        print(
            f"   {label:<44} {statistics.median(worst):>15.2f}ms "
            f"{min(worst):>5.2f}ms {statistics.median(r.p99 for r in runs):>5.2f}ms "
            f"{statistics.median(r.loop_cpu for r in runs):>7.1f}%"
        )
        if any(run.connected < len(ports) for run in runs if label != variants[0][0]):
            print("     (some streams were not connected during a run)")
    print("   (target: max stall <= 5 ms for the shipped setting)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--sections", default="123", help="which tables, e.g. 12")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        audio = Audio(Path(folder))
        if "1" in args.sections:
            smoother_table(audio)
            print()
        if "2" in args.sections:
            throughput_table(audio)
            print()
        if "3" in args.sections:
            loop_table(audio, args.streams, args.seconds, args.rounds)


if __name__ == "__main__":
    main()
