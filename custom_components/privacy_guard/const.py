"""Constants for Privacy Guard."""

from __future__ import annotations

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "privacy_guard"
LOGGER = logging.getLogger(__package__)

SUBENTRY_SPEAKER: Final = "speaker"
SUBENTRY_ROOM: Final = "room"

# House entry data (reconfigure flow) and options (options flow).
CONF_PRESENCE_MODE: Final = "presence_mode"
CONF_ZONE: Final = "zone"
CONF_PRESENCE_ENTITIES: Final = "presence_entities"
CONF_DEBOUNCE: Final = "debounce"
# Whether the house's dashboard is in the sidebar (dashboard.py).
CONF_DASHBOARD: Final = "dashboard"
CONF_CONDITION_ENTITY: Final = "condition_entity"
# Whether a change through Privacy Guard's own switches without a user (an
# automation's) may open a guarded speaker. Off: only a person's may.
CONF_AUTOMATIONS_OVERRIDE: Final = "automations_override"

DEFAULT_NAME: Final = "Home"
DEFAULT_ZONE: Final = "zone.home"
DEFAULT_DEBOUNCE: Final = 120

# Speaker subentry data.
CONF_MEDIA_PLAYER: Final = "media_player"
CONF_MIC_SWITCH: Final = "mic_switch"
CONF_NETWORK_SWITCH: Final = "network_switch"
CONF_NETWORK_ON_MEANS: Final = "network_on_means"
CONF_POWER_SWITCH: Final = "power_switch"
CONF_IP_ADDRESS: Final = "ip_address"
CONF_MAC: Final = "mac"
CONF_ACTIONS: Final = "actions"
CONF_ENFORCE: Final = "enforce"
CONF_TRAFFIC_ENTITY: Final = "traffic_entity"
CONF_PROFILE: Final = "profile"
CONF_THRESHOLD: Final = "threshold"
CONF_WAKE_ENTITY: Final = "wake_entity"
CONF_WAKE_ATTRIBUTE: Final = "wake_attribute"
CONF_WAKE_WINDOW: Final = "wake_window"
CONF_VOICE_ENTITY: Final = "voice_entity"
CONF_NETWORK_BACKEND: Final = "network_backend"
# Speaker and room: the media player that plays the self-test's probe.
CONF_PROBE_PLAYER: Final = "probe_player"
# Speaker: the wake word it answers to (default: by its device type).
CONF_WAKE_WORD: Final = "wake_word"
# House options of the self-test: days between scheduled runs while the house
# is empty (0: never), and whether an unguarded speaker may be probed to prove
# the probe wakes it (one real question to its vendor).
CONF_SELF_TEST_DAYS: Final = "self_test_days"
CONF_CALIBRATION: Final = "calibration"
# House option: the TTS engine that speaks the probe (none: a shipped clip).
CONF_PROBE_TTS: Final = "probe_tts"

# Room subentry data.
CONF_SOURCE: Final = "source"
CONF_CAMERA: Final = "camera"
CONF_SPEAKERS: Final = "speakers"
CONF_VAD_THRESHOLD: Final = "vad_threshold"
CONF_HANGOVER: Final = "hangover"
CONF_WAKE_WORDS: Final = "wake_words"
# Installed on demand, only when a room spots wake words (its wheels need
# glibc >= 2.35, so not every system can have it).
WAKE_WORD_REQUIREMENT: Final = "pymicro-wakeword==2.5.0"

# House options of the DNS filters.
CONF_ADGUARD: Final = "adguard"
CONF_PIHOLE: Final = "pihole"
CONF_DNS_INTERVAL: Final = "dns_interval"
CONF_VOICE_PATTERNS: Final = "voice_patterns"
DEFAULT_DNS_INTERVAL: Final = 30

DEFAULT_WAKE_WINDOW: Final = 5.0
# How often finished uploads are looked for when no new sample arrives.
FLUSH_INTERVAL: Final = 5.0


class PresenceMode(StrEnum):
    """Where the house learns whether anyone is home."""

    ZONE = "zone"
    ENTITIES = "entities"


class NetworkPolarity(StrEnum):
    """What the ON state of a network switch means."""

    BLOCKED = "blocked"
    ALLOWED = "allowed"


class NetworkBackend(StrEnum):
    """What blocks a speaker's network."""

    SWITCH = "switch"
    ADGUARD = "adguard"
    PIHOLE = "pihole"

    @property
    def label(self) -> str:
        """Return the product name."""
        return {"switch": "Switch", "adguard": "AdGuard Home", "pihole": "Pi-hole"}[
            self.value
        ]


class RoomSource(StrEnum):
    """Where a room microphone's audio comes from."""

    WYOMING = "wyoming"
    URL = "url"
    CAMERA = "camera"


class Action(StrEnum):
    """Something the guard does to a speaker, in the order it engages them.

    ``SILENCE_OUTPUT`` keeps its stored value ``mute_media``: it mutes the media
    player's output and protects nothing (see ``Strength``).
    """

    SILENCE_OUTPUT = "mute_media"
    MIC_MUTE = "mic_mute"
    NETWORK_BLOCK = "network_block"
    POWER_OFF = "power_off"


ACTION_ORDER: Final = (
    Action.SILENCE_OUTPUT,
    Action.MIC_MUTE,
    Action.NETWORK_BLOCK,
    Action.POWER_OFF,
)


class Reason(StrEnum):
    """Why the guard is engaged for a speaker."""

    NONE = "none"
    PRIVACY_MODE = "privacy_mode"
    HOUSE_EMPTY = "house_empty"
    CONDITION = "condition"
    MANUAL = "manual"


class Strength(StrEnum):
    """What one control of a speaker really cuts off."""

    # A microphone mute switch: Voice PE / ESPHome (the device's own mute), or
    # a Wyoming satellite's (a software mute of Home Assistant's pipeline).
    MICROPHONE = "microphone"
    # A router or firewall switch (UniFi client block, FRITZ!Box internet access).
    NETWORK = "network"
    # A smart plug, confirmed by the plug's own power sensor where it has one.
    POWER = "power"
    # AdGuard Home or Pi-hole: new look-ups are refused, an open connection and
    # hard-coded DNS servers go on. Protects only with a traffic witness.
    DNS_ONLY = "dns_only"
    # Muting the media player: the speaker is silent and still listens.
    OUTPUT_ONLY = "output_only"


# Controls that on their own keep a speaker from sending what it hears.
CUTTING: Final = frozenset({Strength.MICROPHONE, Strength.NETWORK, Strength.POWER})


class PrivacyState(StrEnum):
    """What a speaker can do right now, from what was confirmed or witnessed.

    Never "muted" for an output mute: that protects nothing.
    """

    OPEN = "open"
    MICROPHONE_OFF = "microphone_off"
    OFFLINE = "offline"
    POWERED_OFF = "powered_off"
    DNS_BLOCKED = "dns_blocked"
    EXPOSED = "exposed"


EVENT_ENGAGED: Final = f"{DOMAIN}_engaged"
EVENT_RELEASED: Final = f"{DOMAIN}_released"
EVENT_UPLOAD: Final = f"{DOMAIN}_upload"
EVENT_LEAK: Final = f"{DOMAIN}_leak"
EVENT_WAKE_WORD: Final = f"{DOMAIN}_wake_word"
EVENT_REPROTECTED: Final = f"{DOMAIN}_reprotected"
EVENT_SELF_TEST: Final = f"{DOMAIN}_self_test"

SERVICE_ENGAGE: Final = "engage"
SERVICE_RELEASE: Final = "release"
SERVICE_RECORD_UPLOAD: Final = "record_upload"
SERVICE_RESET_COUNTERS: Final = "reset_counters"
SERVICE_SELF_TEST: Final = "self_test"
SERVICE_GET_REPORT: Final = "get_report"
# The notify entity the weekly report goes to (none: no weekly report).
CONF_WEEKLY_REPORT: Final = "weekly_report"
ATTR_PERIOD: Final = "period"
ATTR_END: Final = "end"
ATTR_WINDOW: Final = "window"
ATTR_DURATION: Final = "duration"
ATTR_BYTES: Final = "bytes"
ATTR_START: Final = "start"

# Retry of failed actions: first retry after RETRY_BASE seconds, doubling.
RETRY_BASE: Final = 2.0
RETRY_MAX: Final = 300.0
# A repair issue is raised once this many attempts in a row have failed.
ISSUE_AFTER_ATTEMPTS: Final = 2
# A device found reset (open while guarded) more often than this within an
# hour raises a repair issue: something keeps undoing the protection.
RESETS_PER_HOUR: Final = 3
