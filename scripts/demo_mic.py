"""What the demo house's room microphone hears, as raw audio on standard output.

The program ``wyoming-mic-external`` runs for each client (``--program``): it
writes 16 kHz, 16-bit mono PCM at the pace of real time. The room is quiet (a
few steps of noise, as a real microphone never gives zeros) until the demo
house says, over its control channel, what happens in it:

- ``ask <wake word>``: a person asks the speaker something ("Alexa, what time
  is it?"), spoken by espeak-ng;
- ``tv``: a line of television dialogue from the next room, no wake word in it.

The demo house (``privacy_demo``) owns the channel: a TCP server on localhost
that this program connects to and reads one command per line from; it says
``ask`` when a speaker's request starts and ``tv`` when one misactivates, so
the room microphone witnesses each verdict. Speech is rendered with espeak-ng
and sox through pipes into memory at start; nothing is written to disk. The
program ends when nobody reads its audio any more (the client left).

    python scripts/demo_mic.py --control 127.0.0.1:10602
"""

from __future__ import annotations

import argparse
from array import array
import os
import random
import select
import socket
import subprocess
import sys
import threading
import time

RATE = 16_000
CHUNK = RATE // 50  # 20 ms of samples
ASK = {
    "alexa": ("Alexa, what time is it?", "Alexa, turn off the lights."),
    "okay_nabu": ("Okay Nabu, what is the weather?",),
    "hey_jarvis": ("Hey Jarvis, play some music.",),
    "hey_mycroft": ("Hey Mycroft, set a timer.",),
}
TV = (
    "I told you already, the election results will be in by Friday.",
    "Please switch off the kitchen lights before the guests arrive.",
    "We could take the train to the coast if the weather holds.",
)
# Seconds a client may leave the audio unread before the program ends.
STALLED = 5.0


def render(text: str, voice: str = "en-us") -> bytes:
    """Return ``text`` spoken by espeak-ng, as 16 kHz mono 16-bit PCM."""
    speech = subprocess.run(
        ["espeak-ng", "-v", voice, "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    return subprocess.run(
        [
            "sox",
            "-t",
            "wav",
            "-",
            "-r",
            str(RATE),
            "-c",
            "1",
            "-b",
            "16",
            "-t",
            "raw",
            "-",
        ],
        input=speech,
        check=True,
        capture_output=True,
    ).stdout


class Room:
    """The audio still to play, fed by the control channel."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending = bytearray()
        self.clips = {
            **{
                f"ask {word}": [render(t) for t in texts] for word, texts in ASK.items()
            },
            "tv": [render(t, "en-gb") for t in TV],
        }
        self.rng = random.Random()

    def say(self, command: str) -> None:
        if (clips := self.clips.get(command.strip())) is not None:
            with self.lock:
                self.pending += self.rng.choice(clips)

    def take(self, size: int) -> bytes:
        with self.lock:
            part = bytes(self.pending[:size])
            del self.pending[:size]
        floor = array("h", (self.rng.randint(-4, 4) for _ in range(size // 2)))
        if part:
            speech = array("h", part)
            for i, sample in enumerate(speech):
                floor[i] = max(-32768, min(32767, floor[i] + sample))
        return floor.tobytes()


def listen(room: Room, host: str, port: int) -> None:
    """Read commands from the demo house, reconnecting while it is away."""
    while True:
        try:
            with socket.create_connection((host, port), timeout=5) as conn:
                conn.settimeout(None)
                for line in conn.makefile("r", encoding="utf-8"):
                    room.say(line)
        except OSError:
            pass
        time.sleep(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--control", required=True, help="host:port of the demo house")
    args = parser.parse_args()
    host, _, port = args.control.rpartition(":")
    room = Room()
    threading.Thread(target=listen, args=(room, host, int(port)), daemon=True).start()
    out = sys.stdout.fileno()
    os.set_blocking(out, False)
    began = time.monotonic()
    sent = 0
    while True:
        chunk = room.take(CHUNK * 2)
        view = memoryview(chunk)
        while view:
            _, ready, _ = select.select([], [out], [], STALLED)
            if not ready:
                return 0  # nobody reads the audio any more
            try:
                view = view[os.write(out, view) :]
            except BrokenPipeError:
                return 0
        sent += CHUNK
        # At the pace of real time.
        ahead = began + sent / RATE - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


if __name__ == "__main__":
    sys.exit(main())
