"""Local wake-word spotting on room audio with pymicro-wakeword.

Optional: the library (pymicro-wakeword 2.5.0 with pymicro-features 2.x and
numpy; its wheels need glibc 2.35 or later) is installed only when a user
turns spotting on, so it is imported when a spotter is built, never when this
module is. Nothing here imports Home Assistant, keeps audio beyond the
remainder of an incomplete 10 ms chunk and the library's feature window, or
writes it anywhere.

The library turns every 10 ms of 16 kHz mono audio into one feature vector
(a 30 ms window, so the first comes after 30 ms) and runs each model on every
third vector. The feature front end and the TensorFlow Lite calls release the
GIL while they compute. Measured here: about 2.5 ms of CPU per second of
audio for the features and one model, against about 15 ms for pymicro-vad;
every further model adds about 1.2 ms, since the models share the features.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import os
from typing import Any, Final, Protocol

from .vad import CHUNK_SECONDS, Chunker

WAKE_WORDS: Final = ("alexa", "hey_jarvis", "hey_mycroft", "okay_nabu")
"""The models pymicro-wakeword ships, by name."""

DEFAULT_REFRACTORY: Final = 2.0


class WakeWordUnavailable(Exception):
    """The wake-word library cannot be loaded on this system."""


@dataclass(frozen=True, slots=True)
class WakeWordDetection:
    """A wake word heard; `at` is the stream time of the chunk that decided it."""

    name: str
    at: float


class _Model(Protocol):
    """The part of pymicro-wakeword's `MicroWakeWord` we use."""

    def process_streaming(self, features: Any, /) -> bool | None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


class _Features(Protocol):
    """The part of pymicro-wakeword's `MicroWakeWordFeatures` we use."""

    def process_streaming(self, audio_bytes: bytes, /) -> Iterable[Any]: ...

    def reset(self) -> None: ...


class WakeWordSpotter:
    """Spot wake words in one stream of 16 kHz mono signed 16-bit audio.

    Models are named from `WAKE_WORDS`; they share one feature front end.
    A model says yes on several windows in a row for one utterance, so after
    a detection the same wake word is not reported again until it has been
    quiet for `refractory` seconds of audio. With `yield_gil` (the default)
    other threads get the GIL after every 10 ms chunk, as `VadStream` does.

    Raises `WakeWordUnavailable` when the library is missing or cannot load,
    and ValueError for unknown names.
    """

    __slots__ = (
        "_chunker",
        "_chunks",
        "_features",
        "_last_positive",
        "_models",
        "_quiet_chunks",
        "yield_gil",
    )

    def __init__(
        self,
        models: Sequence[str],
        *,
        refractory: float = DEFAULT_REFRACTORY,
        yield_gil: bool = True,
    ) -> None:
        names = check_wake_words(models)
        if not names:
            raise ValueError("Name at least one wake word")
        if refractory < 0.0:
            raise ValueError(f"Refractory period must not be negative: {refractory}")
        try:
            # Imported here: the package is installed only for users who spot.
            from pymicro_wakeword import (  # noqa: PLC0415
                MicroWakeWord,
                MicroWakeWordFeatures,
                Model,
            )
        except ImportError as err:
            raise WakeWordUnavailable(
                f"pymicro-wakeword cannot be imported: {err}"
            ) from err
        try:
            loaded: dict[str, _Model] = {
                name: MicroWakeWord.from_builtin(Model(name)) for name in names
            }
            features: _Features = MicroWakeWordFeatures()
        except (OSError, RuntimeError, ValueError) as err:
            # A library that will not load (wrong platform, broken install).
            raise WakeWordUnavailable(
                f"pymicro-wakeword cannot load its models: {err}"
            ) from err
        self._models = loaded
        self._features = features
        self._chunker = Chunker()
        self._chunks = 0
        self._quiet_chunks = round(refractory / CHUNK_SECONDS)
        self._last_positive: dict[str, int | None] = dict.fromkeys(names)
        self.yield_gil = yield_gil

    @property
    def wake_words(self) -> tuple[str, ...]:
        """The wake words listened for."""
        return tuple(self._models)

    @property
    def audio_seconds(self) -> float:
        """Stream time: seconds of audio spotted so far."""
        return self._chunks * CHUNK_SECONDS

    def process(self, pcm: bytes) -> list[str]:
        """Return the names of the wake words heard in the next piece of audio."""
        return [detection.name for detection in self.detect(pcm)]

    def detect(self, pcm: bytes) -> list[WakeWordDetection]:
        """Return the wake words heard in the next piece of audio, with times."""
        detections: list[WakeWordDetection] = []
        features_of = self._features.process_streaming
        models = self._models.items()
        last_positive = self._last_positive
        quiet = self._quiet_chunks
        pause = os.sched_yield if self.yield_gil else None
        index = self._chunks
        # Fed one chunk at a time so that each detection has its chunk's time.
        for chunk in self._chunker.feed(pcm):
            index += 1
            for features in features_of(chunk):
                for name, model in models:
                    if not model.process_streaming(features):
                        continue
                    previous = last_positive[name]
                    last_positive[name] = index
                    if previous is None or index - previous > quiet:
                        detections.append(
                            WakeWordDetection(name, index * CHUNK_SECONDS)
                        )
            if pause is not None:
                # Lets a waiting event loop run now (see `VadStream`).
                pause()
        self._chunks = index
        return detections

    def reset(self) -> None:
        """Start over, as for a new stream: clock, features and model state."""
        self._chunker.clear()
        self._features.reset()
        for model in self._models.values():
            model.reset()
        self._chunks = 0
        self._last_positive = dict.fromkeys(self._models)

    def close(self) -> None:
        """Free the models' interpreters now rather than when collected."""
        for model in self._models.values():
            model.close()


def check_wake_words(models: Sequence[str]) -> tuple[str, ...]:
    """Return the names without repeats, raising ValueError for unknown ones."""
    if isinstance(models, str):
        raise TypeError("Give a sequence of wake word names, not one string")
    names = tuple(dict.fromkeys(models))
    if unknown := [name for name in names if name not in WAKE_WORDS]:
        raise ValueError(
            f"Unknown wake words {unknown}; choose from {', '.join(WAKE_WORDS)}"
        )
    return names
