"""Event entities: one "upload" event per speaker, with its verdict."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import homeassistant.util.dt as dt_util

from .correlate import Verdict, VerdictKind
from .detector_types import Upload
from .entity import PrivacyGuardEntity, RoomEntity
from .runtime import PrivacyGuardConfigEntry
from .signals import async_follow_uploads, async_follow_wake_words

PARALLEL_UPDATES = 0

UPLOAD_EVENT = EventEntityDescription(
    key="upload",
    translation_key="upload",
    event_types=[kind.value for kind in VerdictKind],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an upload event entity per speaker."""
    for speaker_id in entry.runtime_data.view.configs:
        async_add_entities(
            [UploadEvent(entry, UPLOAD_EVENT, speaker_id)],
            config_subentry_id=speaker_id,
        )
    for room in entry.runtime_data.rooms.rooms.values():
        if room.wake_words:
            async_add_entities(
                [
                    WakeWordEvent(
                        entry,
                        room,
                        EventEntityDescription(
                            key="wake_word",
                            translation_key="wake_word",
                            event_types=list(room.wake_words),
                        ),
                    )
                ],
                config_subentry_id=room.room_id,
            )


class UploadEvent(PrivacyGuardEntity, EventEntity):
    """Fires for every upload with its verdict: who asked for it, if anyone."""

    async def async_added_to_hass(self) -> None:
        """Follow the upload monitor (not the guard: events are not states)."""
        self.async_on_remove(
            async_follow_uploads(self.hass, self.entry.entry_id, self._upload)
        )

    @callback
    def _upload(self, speaker_id: str, upload: Upload, verdict: Verdict) -> None:
        if speaker_id != self.speaker_id:
            return
        self._trigger_event(
            verdict.kind.value,
            {
                "bytes": upload.bytes,
                "duration": round(upload.duration, 3),
                "start": dt_util.utc_from_timestamp(upload.start).isoformat(),
                "witness": verdict.witness.value,
                "evidence": [item.source.value for item in verdict.evidence],
            },
        )
        self.async_write_ha_state()


class WakeWordEvent(RoomEntity, EventEntity):
    """Fires with the wake word spotted by the room's own microphone."""

    async def async_added_to_hass(self) -> None:
        """Follow the room's spotter."""
        self.async_on_remove(
            async_follow_wake_words(self.hass, self.entry.entry_id, self._heard)
        )

    @callback
    def _heard(self, room_id: str, word: str, self_test: bool) -> None:
        if room_id == self.room.room_id:
            self._trigger_event(word, {"self_test": self_test})
            self.async_write_ha_state()
