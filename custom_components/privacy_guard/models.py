"""Typed configuration and runtime data: nothing reaches ``runtime_data`` untyped."""

from __future__ import annotations

from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry, ConfigSubentry

from .const import (
    ACTION_ORDER,
    CONF_ACTIONS,
    CONF_CONDITION_ENTITY,
    CONF_DEBOUNCE,
    CONF_ENFORCE,
    CONF_IP_ADDRESS,
    CONF_MEDIA_PLAYER,
    CONF_MIC_SWITCH,
    CONF_NETWORK_BACKEND,
    CONF_NETWORK_ON_MEANS,
    CONF_NETWORK_SWITCH,
    CONF_POWER_SWITCH,
    CONF_PRESENCE_ENTITIES,
    CONF_PRESENCE_MODE,
    CONF_PROBE_PLAYER,
    CONF_PROFILE,
    CONF_THRESHOLD,
    CONF_TRAFFIC_ENTITY,
    CONF_VOICE_ENTITY,
    CONF_WAKE_ATTRIBUTE,
    CONF_WAKE_ENTITY,
    CONF_WAKE_WINDOW,
    CONF_WAKE_WORD,
    CONF_ZONE,
    DEFAULT_DEBOUNCE,
    DEFAULT_WAKE_WINDOW,
    DEFAULT_ZONE,
    SUBENTRY_SPEAKER,
    Action,
    NetworkBackend,
    NetworkPolarity,
    PresenceMode,
    PrivacyState,
    Reason,
    Strength,
)
from .records import DNS_KINDS, ActuatorKind, ActuatorSpec
from .selftest import wake_word_for


@dataclass(frozen=True, slots=True)
class HouseConfig:
    """Where the house learns whether anyone is home, and how patiently."""

    presence_mode: PresenceMode = PresenceMode.ZONE
    zone: str = DEFAULT_ZONE
    presence_entities: tuple[str, ...] = ()
    debounce: float = DEFAULT_DEBOUNCE
    condition_entity: str | None = None

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> HouseConfig:
        """Read the house entry (data from the flows, options from the options)."""
        return cls(
            presence_mode=PresenceMode(
                entry.data.get(CONF_PRESENCE_MODE, PresenceMode.ZONE)
            ),
            zone=entry.data.get(CONF_ZONE, DEFAULT_ZONE),
            presence_entities=tuple(entry.data.get(CONF_PRESENCE_ENTITIES, ())),
            debounce=float(entry.options.get(CONF_DEBOUNCE, DEFAULT_DEBOUNCE)),
            condition_entity=entry.options.get(CONF_CONDITION_ENTITY) or None,
        )

    @property
    def entities(self) -> tuple[str, ...]:
        """Return every entity the house decision reads."""
        presence = (
            (self.zone,)
            if self.presence_mode is PresenceMode.ZONE
            else self.presence_entities
        )
        condition = (self.condition_entity,) if self.condition_entity else ()
        return presence + condition


@dataclass(frozen=True, slots=True)
class SpeakerConfig:
    """One guarded speaker, as configured in its subentry."""

    speaker_id: str
    name: str
    media_player: str
    mic_switch: str | None = None
    network_switch: str | None = None
    network_on_means: NetworkPolarity = NetworkPolarity.BLOCKED
    power_switch: str | None = None
    ip_address: str | None = None
    actions: tuple[Action, ...] = ()
    enforce: bool = False
    traffic_entity: str | None = None
    profile: str = "other"
    threshold: float | None = None
    wake_entity: str | None = None
    wake_attribute: str | None = None
    wake_window: float = DEFAULT_WAKE_WINDOW
    network_backend: NetworkBackend = NetworkBackend.SWITCH
    # A vendor's voice records of the speaker: alexa_devices' voice event, or
    # an Alexa Media Player media player (its last_called).
    voice_entity: str | None = None
    # A media player near the speaker that plays the self-test's probe (a
    # room's probe player is used when the speaker has none).
    probe_player: str | None = None
    # The wake word it answers to; None: by its device type.
    wake_word: str | None = None

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> SpeakerConfig:
        """Read a speaker subentry (a stored ``mac`` of older releases is unused)."""
        data = subentry.data
        chosen = set(data.get(CONF_ACTIONS, ()))
        return cls(
            speaker_id=subentry.subentry_id,
            name=subentry.title,
            media_player=data[CONF_MEDIA_PLAYER],
            mic_switch=data.get(CONF_MIC_SWITCH),
            network_switch=data.get(CONF_NETWORK_SWITCH),
            network_on_means=NetworkPolarity(
                data.get(CONF_NETWORK_ON_MEANS, NetworkPolarity.BLOCKED)
            ),
            power_switch=data.get(CONF_POWER_SWITCH),
            ip_address=data.get(CONF_IP_ADDRESS),
            actions=tuple(action for action in ACTION_ORDER if action in chosen),
            enforce=bool(data.get(CONF_ENFORCE, False)),
            traffic_entity=data.get(CONF_TRAFFIC_ENTITY),
            profile=data.get(CONF_PROFILE, "other"),
            threshold=(
                float(data[CONF_THRESHOLD]) if data.get(CONF_THRESHOLD) else None
            ),
            wake_entity=data.get(CONF_WAKE_ENTITY),
            wake_attribute=data.get(CONF_WAKE_ATTRIBUTE) or None,
            wake_window=float(data.get(CONF_WAKE_WINDOW, DEFAULT_WAKE_WINDOW)),
            network_backend=NetworkBackend(
                data.get(CONF_NETWORK_BACKEND, NetworkBackend.SWITCH)
            ),
            voice_entity=data.get(CONF_VOICE_ENTITY) or None,
            probe_player=data.get(CONF_PROBE_PLAYER) or None,
            wake_word=data.get(CONF_WAKE_WORD) or None,
        )

    @classmethod
    def all_from_entry(cls, entry: ConfigEntry) -> list[SpeakerConfig]:
        """Return every speaker of the house entry."""
        return [
            cls.from_subentry(subentry)
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_SPEAKER
        ]

    def spec(self, action: Action) -> ActuatorSpec | None:
        """Return how to carry out one action, or None when it has no entity."""
        if action is Action.SILENCE_OUTPUT:
            return ActuatorSpec(ActuatorKind.MEDIA_MUTE, self.media_player)
        if action is Action.MIC_MUTE and self.mic_switch:
            return ActuatorSpec(ActuatorKind.SWITCH, self.mic_switch, protect_on=True)
        if action is Action.NETWORK_BLOCK and (
            self.network_backend is not NetworkBackend.SWITCH
        ):
            if not self.ip_address:
                return None
            return ActuatorSpec(ActuatorKind(self.network_backend), self.ip_address)
        if action is Action.NETWORK_BLOCK and self.network_switch:
            return ActuatorSpec(
                ActuatorKind.SWITCH,
                self.network_switch,
                protect_on=self.network_on_means is NetworkPolarity.BLOCKED,
            )
        if action is Action.POWER_OFF and self.power_switch:
            return ActuatorSpec(
                ActuatorKind.SWITCH, self.power_switch, protect_on=False
            )
        return None

    @property
    def answers_to(self) -> str | None:
        """Return the wake word it answers to: chosen, or by device type."""
        wake_domain = self.wake_entity.split(".", 1)[0] if self.wake_entity else None
        return wake_word_for(self.wake_word, self.profile, wake_domain)

    def strength(self, action: Action) -> Strength:
        """Return what one of its actions really cuts off."""
        if action is Action.SILENCE_OUTPUT:
            return Strength.OUTPUT_ONLY
        if action is Action.MIC_MUTE:
            return Strength.MICROPHONE
        if action is Action.POWER_OFF:
            return Strength.POWER
        spec = self.spec(action)
        if spec is not None and spec.kind in DNS_KINDS:
            return Strength.DNS_ONLY
        return Strength.NETWORK

    @property
    def linked_entities(self) -> tuple[str, ...]:
        """Return every entity this speaker depends on."""
        return tuple(
            entity_id
            for entity_id in (
                self.media_player,
                self.mic_switch,
                self.network_switch
                if self.network_backend is NetworkBackend.SWITCH
                else None,
                self.power_switch,
            )
            if entity_id
        )

    @property
    def all_entities(self) -> tuple[str, ...]:
        """Return every entity the speaker names, monitoring sources included."""
        return self.linked_entities + tuple(
            entity_id
            for entity_id in (self.traffic_entity, self.wake_entity, self.voice_entity)
            if entity_id
        )


@dataclass(frozen=True, slots=True)
class SpeakerView:
    """What the entities show about one speaker."""

    reason: Reason
    privacy_state: PrivacyState
    protected: bool
    states: dict[Action, bool | None]
    overrides: tuple[Action, ...]
    failures: dict[Action, str]
    # Times the guard found it open without a person's doing and protected it
    # again (a device reset, a change while Home Assistant was down).
    reprotections: int = 0
    # The control that protects it now, if any.
    protected_by: Strength | None = None
    # What each of its controls really cuts off.
    controls: dict[Action, Strength] = field(default_factory=dict)
    # Whether the controls the guard takes can protect it at all.
    can_protect: bool = True

    @property
    def engaged(self) -> bool:
        """Return whether the guard wants this speaker protected."""
        return self.reason is not Reason.NONE
