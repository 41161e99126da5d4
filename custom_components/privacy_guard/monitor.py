"""Watch what speakers send: uploads from traffic figures, wake words, verdicts.

The Home Assistant side of the upload detector and the correlator: it turns
traffic sensor states into samples, wake-word entities into evidence, and every
finished upload into counters, a bus event, an event entity and, when the speaker
was guarded, a leak with a repair issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import time
from typing import Any

from homeassistant.const import STATE_ON
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
    async_track_time_interval,
)
from homeassistant.helpers.storage import Store
import homeassistant.util.dt as dt_util

from .backends import DnsQuery
from .blocking import DEFAULT_VOICE_PATTERNS, voice_lookup
from .const import (
    DEFAULT_WAKE_WINDOW,
    DOMAIN,
    EVENT_LEAK,
    EVENT_UPLOAD,
    FLUSH_INTERVAL,
    LOGGER,
    NetworkBackend,
)
from .correlate import Correlator, EvidenceSource, Verdict, VerdictKind
from .detector_types import Upload
from .ledger import LEAKED_BEFORE_START, Ledger
from .models import SpeakerConfig
from .repairs import Issue, async_clear, async_raise
from .signals import async_notify_speakers, async_send_upload
from .speaker_monitor import SpeakerMonitor, UploadStats
from .voice_records import VoiceRecord, voice_record

STORAGE_VERSION = 1
SAVE_DELAY = 30
# assist_satellite states in which the assistant is awake.
AWAKE_STATES = frozenset({"listening", "processing", "responding"})
INACTIVE_STATES = frozenset({"unknown", "unavailable"})
TRAFFIC_FLUSH = timedelta(seconds=FLUSH_INTERVAL)


# How far ahead of this host's clock another clock's time may be taken as it is.
MAX_CLOCK_SKEW = 5.0


def not_after_now(t: float) -> float:
    """Return ``t``, but never more than a small skew after this host's now.

    Evidence is kept for an hour after the newest time seen: one time from a
    clock hours ahead would otherwise drop everything else.
    """
    return min(t, dt_util.utcnow().timestamp() + MAX_CLOCK_SKEW)


# How an upload was seen.
SOURCE_TRAFFIC = "traffic"
SOURCE_VOICE_RECORD = "voice_record"
SOURCE_ACTION = "record_upload"
# A vendor's voice record reaches Home Assistant when its integration polls:
# alexa_devices polls every 300 s, so a record may come that long after its
# upload ended. It is matched to a traffic upload that ended up to
# VOICE_RECORD_LAG before it (or began up to VOICE_RECORD_GRACE after it),
# and counted on its own when none appeared within VOICE_RECORD_WAIT.
VOICE_RECORD_LAG = 330.0
VOICE_RECORD_GRACE = 5.0
VOICE_RECORD_WAIT = 60.0


class HouseMonitor:
    """Uploads, wake words and their correlation for every speaker of a house."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        configs: Mapping[str, SpeakerConfig],
        ledger: Ledger,
        voice_patterns: tuple[str, ...] = DEFAULT_VOICE_PATTERNS,
    ) -> None:
        """Create one monitor per speaker.

        The ledger says when each guarded speaker's engagement began: an upload
        after it is a leak, and a DNS-only block's witness counts from it.
        """
        self.hass = hass
        self.entry_id = entry_id
        self.ledger = ledger
        self.voice_patterns = voice_patterns
        # Each speaker's own wake-word window: a request must follow the wake
        # word within it.
        self.correlator = Correlator(
            windows={EvidenceSource.WAKE_WORD: DEFAULT_WAKE_WINDOW},
            speaker_windows={
                speaker_id: {EvidenceSource.WAKE_WORD: config.wake_window}
                for speaker_id, config in configs.items()
            },
            # A room's wake word counts only for the speakers that answer to it.
            speaker_words={
                speaker_id: frozenset({word})
                if (word := config.answers_to)
                else frozenset()
                for speaker_id, config in configs.items()
            },
        )
        self.speakers = {
            speaker_id: SpeakerMonitor(config) for speaker_id, config in configs.items()
        }
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.uploads", private=True
        )
        self._unsubs: list[CALLBACK_TYPE] = []
        self._by_traffic: dict[str, list[str]] = {}
        self._by_wake: dict[str, list[str]] = {}
        self._by_voice: dict[str, list[str]] = {}
        self._witnessed: dict[str, bool] = {}
        # Voice records waiting for their traffic upload, and traffic uploads
        # that a late voice record may still be.
        self._pending_voice: dict[str, list[VoiceRecord]] = {
            speaker_id: [] for speaker_id in self.speakers
        }
        self._unmatched: dict[str, list[Upload]] = {
            speaker_id: [] for speaker_id in self.speakers
        }
        for speaker_id, monitor in self.speakers.items():
            config = monitor.config
            if config.voice_entity:
                self._by_voice.setdefault(config.voice_entity, []).append(speaker_id)
            if config.traffic_entity:
                self._by_traffic.setdefault(config.traffic_entity, []).append(
                    speaker_id
                )
            if config.wake_entity:
                self._by_wake.setdefault(config.wake_entity, []).append(speaker_id)

    async def async_start(self) -> None:
        """Load the counters and start listening."""
        stored = await self._store.async_load() or {}
        for speaker_id, data in stored.items():
            if speaker_id in self.speakers and isinstance(data, dict):
                self.speakers[speaker_id].load(data)
        if self._by_traffic:
            traffic = list(self._by_traffic)
            self._unsubs.append(
                async_track_state_change_event(self.hass, traffic, self._traffic)
            )
            self._unsubs.append(
                async_track_state_report_event(self.hass, traffic, self._traffic)
            )
        if self._by_wake:
            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, list(self._by_wake), self._wake
                )
            )
            for entity_id, speaker_ids in self._by_wake.items():
                if (state := self.hass.states.get(entity_id)) is not None:
                    for speaker_id in speaker_ids:
                        self._wake_state(speaker_id, None, state)
        if self._by_voice:
            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, list(self._by_voice), self._voice
                )
            )
        self._unsubs.append(
            async_track_time_interval(self.hass, self._flush, TRAFFIC_FLUSH)
        )

    async def async_stop(self) -> None:
        """Stop listening and save the counters."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        await self._store.async_save(self._data())

    def _data(self) -> dict[str, Any]:
        return {sid: monitor.as_dict() for sid, monitor in self.speakers.items()}

    # ----------------------------------------------------------------- inputs
    @callback
    def _traffic(
        self, event: Event[EventStateChangedData] | Event[EventStateReportedData]
    ) -> None:
        state = event.data["new_state"]
        if state is None:
            return
        # Unchanged reports count too: a rate sensor repeating a value is a sample.
        for speaker_id in self._by_traffic[state.entity_id]:
            before = self.witnessing(speaker_id)
            for upload in self.speakers[speaker_id].sample(state, state.last_reported):
                self.async_record(speaker_id, upload)
            self._witness_changed(speaker_id, before)

    @callback
    def _flush(self, now: datetime) -> None:
        t = now.timestamp()
        for speaker_id, monitor in self.speakers.items():
            for upload in monitor.flush(t):
                self.async_record(speaker_id, upload)
            # A sensor that stopped reporting stops witnessing.
            self._witness_changed(speaker_id, self._witnessed.get(speaker_id, False))
            self._expire_voice_records(speaker_id, t)
        self.correlator.prune(t)

    def witnessed(self, speaker_id: str, since: float) -> bool:
        """Return whether the speaker's traffic was watched without a break since."""
        monitor = self.speakers.get(speaker_id)
        return monitor is not None and monitor.witnessed(since, time.time())

    def witnessing(self, speaker_id: str) -> bool:
        """Return whether the speaker's traffic was watched all through its guard.

        From the engagement's start: an engagement that went on while Home
        Assistant was down was not watched then, and is not witnessed until
        the next one.
        """
        since = self.ledger.engaged_at.get(speaker_id)
        return since is not None and self.witnessed(speaker_id, since)

    def _guarded_at(self, speaker_id: str, end: float) -> bool:
        """Return whether the speaker is guarded, and was before ``end``.

        An engagement that begins after now (the wall clock went back since)
        counts as begun: a doubt leaves a leak a leak.
        """
        since = self.ledger.engaged_at.get(speaker_id)
        return since is not None and (since < end or since > time.time())

    def leaked(self, speaker_id: str) -> bool:
        """Return whether the speaker leaked since its guard engaged."""
        since = self.ledger.engaged_at.get(speaker_id)
        if since == LEAKED_BEFORE_START:
            return True
        last = self.speakers[speaker_id].stats.last_leak
        if since is None or last is None:
            return False
        # An engagement that begins after now: the wall clock went back.
        return last >= since or since > time.time()

    @callback
    def _witness_changed(self, speaker_id: str, before: bool) -> None:
        """Tell the speaker's entities when its traffic witness came or went."""
        now = self.witnessing(speaker_id)
        self._witnessed[speaker_id] = now
        if now != before:
            # The house's count of protected speakers may move too.
            async_notify_speakers(self.hass, self.entry_id, [speaker_id])

    # ------------------------------------------------------------ voice records
    @callback
    def _voice(self, event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        record = voice_record(old, new)
        if record is None:
            return
        for speaker_id in self._by_voice[event.data["entity_id"]]:
            self.async_voice_record(speaker_id, record)

    @callback
    def async_voice_record(self, speaker_id: str, record: VoiceRecord) -> None:
        """Take one vendor voice record: an upload the vendor admits.

        Counted as a voice record always; as an upload only when no traffic
        upload is, or turns out to be, the same one.
        """
        monitor = self.speakers[speaker_id]
        monitor.stats.voice_records += 1
        self.correlator.record(
            speaker_id, EvidenceSource.VOICE_RECORD, record.at, detail=record.command
        )
        if monitor.config.traffic_entity is None:
            self._count_voice_record(speaker_id, record)
        else:
            self._pending_voice[speaker_id].append(record)
            self._match_voice_records(speaker_id)
            self._store.async_delay_save(self._data, SAVE_DELAY)
            async_notify_speakers(self.hass, self.entry_id, [speaker_id])

    def _match_voice_records(self, speaker_id: str) -> None:
        """Pair waiting voice records with traffic uploads they can be."""
        pending = self._pending_voice[speaker_id]
        uploads = self._unmatched[speaker_id]
        for record in list(pending):
            upload = next(
                (
                    upload
                    for upload in uploads
                    if upload.start - VOICE_RECORD_GRACE
                    <= record.at
                    <= upload.end + VOICE_RECORD_LAG
                ),
                None,
            )
            if upload is not None:
                pending.remove(record)
                uploads.remove(upload)

    def _expire_voice_records(self, speaker_id: str, now: float) -> None:
        """Count a record that no traffic upload matched in time as an upload."""
        uploads = self._unmatched[speaker_id]
        uploads[:] = [u for u in uploads if u.end + VOICE_RECORD_LAG >= now]
        pending = self._pending_voice[speaker_id]
        for record in [r for r in pending if r.received + VOICE_RECORD_WAIT < now]:
            pending.remove(record)
            self._count_voice_record(speaker_id, record)

    def _count_voice_record(self, speaker_id: str, record: VoiceRecord) -> None:
        self.async_record(
            speaker_id,
            Upload(start=record.at, end=record.at, bytes=0, peak_bps=0.0),
            source=SOURCE_VOICE_RECORD,
            not_meant=record.not_meant,
        )

    @callback
    def _wake(self, event: Event[EventStateChangedData]) -> None:
        for speaker_id in self._by_wake[event.data["entity_id"]]:
            self._wake_state(
                speaker_id, event.data["old_state"], event.data["new_state"]
            )

    @callback
    def _wake_state(
        self, speaker_id: str, old: State | None, new: State | None
    ) -> None:
        """Turn a wake-word entity's change into evidence."""
        monitor = self.speakers[speaker_id]
        config = monitor.config
        # A local satellite's own on-device wake word witnesses a request; any
        # other wake-word entity is the speaker's (its vendor's) own report.
        source = (
            EvidenceSource.WAKE_WORD
            if new is not None and new.domain == "assist_satellite"
            else EvidenceSource.SPEAKER_WOKE
        )
        now = dt_util.utcnow().timestamp()
        if new is None or new.state in INACTIVE_STATES:
            for ended in (EvidenceSource.WAKE_WORD, EvidenceSource.SPEAKER_WOKE):
                self.correlator.close(speaker_id, ended, now)
            active = False
        elif config.wake_attribute:
            value = new.attributes.get(config.wake_attribute)
            before = old.attributes.get(config.wake_attribute) if old else None
            # A change of the attribute (Alexa's last_called turning true, a new
            # timestamp) is one wake-up.
            if old is not None and value != before and value not in (None, False):
                self.correlator.record(speaker_id, source, now)
            active = False
        elif new.domain in ("assist_satellite", "binary_sensor", "input_boolean"):
            active = new.state in AWAKE_STATES or new.state == STATE_ON
            if active:
                self.correlator.open(speaker_id, source, now)
            else:
                self.correlator.close(speaker_id, source, now)
        else:
            # Any other entity (an event entity, a "last command" sensor): each new
            # state is one wake-up.
            if old is not None and old.state not in INACTIVE_STATES:
                self.correlator.record(speaker_id, source, now)
            active = False
        if monitor.wake_active != active:
            monitor.wake_active = active
            async_notify_speakers(self.hass, self.entry_id, [speaker_id])

    # ---------------------------------------------------------------- verdicts
    @callback
    def async_record(
        self,
        speaker_id: str,
        upload: Upload,
        *,
        source: str = SOURCE_TRAFFIC,
        not_meant: bool = False,
    ) -> Verdict:
        """Count one upload, classify it and tell everyone who listens.

        ``source`` says how it was seen (traffic, a vendor's voice record, the
        record_upload action); ``not_meant``: the vendor's record of it shows it
        was not meant for the speaker.
        """
        monitor = self.speakers[speaker_id]
        config = monitor.config
        # Times from another clock (a DNS filter's, an action's caller) are no
        # later than now, so one wrong clock cannot push evidence out.
        if upload.end > (latest := not_after_now(upload.end)):
            shift = upload.end - latest
            upload = Upload(
                start=upload.start - shift,
                end=latest,
                bytes=upload.bytes,
                peak_bps=upload.peak_bps,
            )
        protected = self._guarded_at(speaker_id, upload.end)
        verdict = self.correlator.classify(
            speaker_id, upload.start, protected=protected, not_meant=not_meant
        )
        stats = monitor.stats
        stats.uploads += 1
        stats.bytes += upload.bytes
        stats.last_upload = dt_util.utc_from_timestamp(upload.start)
        stats.count(verdict.kind, upload.end)
        data = {
            "speaker_id": speaker_id,
            "name": config.name,
            "kind": verdict.kind.value,
            "witness": verdict.witness.value,
            "source": source,
            "bytes": upload.bytes,
            "duration": round(upload.duration, 3),
            "start": stats.last_upload.isoformat(),
            "dns_seen": verdict.dns_seen,
        }
        self.hass.bus.async_fire(EVENT_UPLOAD, data)
        if verdict.kind is VerdictKind.LEAK:
            LOGGER.warning("%s sent %d bytes while guarded", config.name, upload.bytes)
            self.hass.bus.async_fire(EVENT_LEAK, data)
            async_raise(
                self.hass,
                Issue.LEAK,
                speaker_id,
                placeholders={
                    "speaker": config.name,
                    "bytes": str(upload.bytes),
                    "time": stats.last_upload.isoformat(timespec="seconds"),
                },
            )
        async_send_upload(self.hass, self.entry_id, speaker_id, upload, verdict)
        if source == SOURCE_TRAFFIC:
            # A vendor's record of it may still come (late, when its integration
            # polls): it is this upload, not another.
            self._unmatched[speaker_id].append(upload)
            self._match_voice_records(speaker_id)
        # A leak is saved at once: a crash must not forget it.
        leak = verdict.kind is VerdictKind.LEAK
        self._store.async_delay_save(self._data, 0 if leak else SAVE_DELAY)
        async_notify_speakers(self.hass, self.entry_id, [speaker_id])
        return verdict

    @callback
    def async_dns(self, kind: NetworkBackend, queries: list[DnsQuery]) -> None:
        """Count lookups of voice endpoints per speaker, as weak evidence."""
        by_address: dict[str, list[str]] = {}
        for speaker_id, monitor in self.speakers.items():
            if monitor.config.ip_address:
                by_address.setdefault(monitor.config.ip_address, []).append(speaker_id)
        counted = False
        for query in queries:
            if not voice_lookup(query.name, self.voice_patterns):
                continue
            for speaker_id in by_address.get(query.client, ()):
                self.speakers[speaker_id].stats.dns_lookups += 1
                self.correlator.record(
                    speaker_id,
                    EvidenceSource.DNS,
                    not_after_now(query.time.timestamp()),
                    detail=query.name,
                )
                counted = True
        if counted:
            self._store.async_delay_save(self._data, SAVE_DELAY)
            async_notify_speakers(self.hass, self.entry_id, list(self.speakers))

    @callback
    def async_reset(self, speaker_ids: list[str] | None) -> None:
        """Set the counters of the given speakers (all by default) to zero."""
        for speaker_id in speaker_ids or list(self.speakers):
            # A leak is not a counter: it counts until the guard lets go.
            last_leak = self.speakers[speaker_id].stats.last_leak
            self.speakers[speaker_id].stats = UploadStats(last_leak=last_leak)
            async_clear(self.hass, Issue.LEAK, speaker_id)
        self._store.async_delay_save(self._data, SAVE_DELAY)
        async_notify_speakers(self.hass, self.entry_id, list(self.speakers))
