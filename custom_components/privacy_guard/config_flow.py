"""Config flow: the house, its options, and speakers as subentries."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from enum import StrEnum
import ipaddress
import re
from typing import Any, Final, cast

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_HOST,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from wyoming.client import AsyncTcpClient

from .audio.sources import redact_url, valid_host, valid_stream_url
from .audio.vad import DEFAULT_HANGOVER, DEFAULT_THRESHOLD
from .audio.wakeword import WAKE_WORDS
from .blocking import async_check_backend, core_entry_settings
from .const import (
    ACTION_ORDER,
    CONF_ACTIONS,
    CONF_ADGUARD,
    CONF_AUTOMATIONS_OVERRIDE,
    CONF_CALIBRATION,
    CONF_CAMERA,
    CONF_CONDITION_ENTITY,
    CONF_DASHBOARD,
    CONF_DEBOUNCE,
    CONF_DNS_INTERVAL,
    CONF_ENFORCE,
    CONF_HANGOVER,
    CONF_IP_ADDRESS,
    CONF_MEDIA_PLAYER,
    CONF_MIC_SWITCH,
    CONF_NETWORK_BACKEND,
    CONF_NETWORK_ON_MEANS,
    CONF_NETWORK_SWITCH,
    CONF_PIHOLE,
    CONF_POWER_SWITCH,
    CONF_PRESENCE_ENTITIES,
    CONF_PRESENCE_MODE,
    CONF_PROBE_PLAYER,
    CONF_PROBE_TTS,
    CONF_PROFILE,
    CONF_SELF_TEST_DAYS,
    CONF_SOURCE,
    CONF_SPEAKERS,
    CONF_THRESHOLD,
    CONF_TRAFFIC_ENTITY,
    CONF_VAD_THRESHOLD,
    CONF_VOICE_ENTITY,
    CONF_VOICE_PATTERNS,
    CONF_WAKE_ATTRIBUTE,
    CONF_WAKE_ENTITY,
    CONF_WAKE_WINDOW,
    CONF_WAKE_WORD,
    CONF_WAKE_WORDS,
    CONF_WEEKLY_REPORT,
    CONF_ZONE,
    DEFAULT_DEBOUNCE,
    DEFAULT_DNS_INTERVAL,
    DEFAULT_NAME,
    DEFAULT_WAKE_WINDOW,
    DEFAULT_ZONE,
    DOMAIN,
    SUBENTRY_ROOM,
    SUBENTRY_SPEAKER,
    Action,
    NetworkBackend,
    NetworkPolarity,
    PresenceMode,
    RoomSource,
)
from .detector_types import SpeakerProfile, unit_to_bytes
from .ledger import Ledger
from .schema import vol
from .selftest import WAKE_WORD_PHRASES
from .voice_records import voice_record_entity

PRESENCE_DOMAINS = ["person", "device_tracker", "binary_sensor", "input_boolean"]
CONDITION_DOMAINS = ["input_boolean", "schedule", "binary_sensor", "switch"]
SWITCH_DOMAINS = ["switch", "input_boolean"]

# The entity each action needs, besides the always-present media player.
ACTION_ENTITY = {
    Action.MIC_MUTE: CONF_MIC_SWITCH,
    Action.NETWORK_BLOCK: CONF_NETWORK_SWITCH,
    Action.POWER_OFF: CONF_POWER_SWITCH,
}


def _suggested(key: str, defaults: Mapping[str, Any]) -> vol.Optional:
    """Return an optional field prefilled (and clearable) from ``defaults``."""
    value = defaults.get(key)
    return vol.Optional(key, description={"suggested_value": value} if value else None)


def _choice(
    key: str,
    choices: type[StrEnum],
    default: StrEnum,
    defaults: Mapping[str, Any],
    mode: SelectSelectorMode = SelectSelectorMode.LIST,
) -> tuple[vol.Required, SelectSelector]:
    """Return a required, translated choice among an enum's values."""
    return vol.Required(key, default=defaults.get(key, default.value)), SelectSelector(
        SelectSelectorConfig(
            options=[choice.value for choice in choices],
            translation_key=key,
            mode=mode,
        )
    )


def _switch_selector(exclude: list[str] | None = None) -> EntitySelector:
    return EntitySelector(
        EntitySelectorConfig(domain=SWITCH_DOMAINS, exclude_entities=exclude or [])
    )


def normalized_ip(text: str) -> str | None:
    """Return an IP address in its one written form, or None if it is none."""
    try:
        return ipaddress.ip_address(text.strip()).compressed
    except ValueError:
        return None


def own_entities(hass: HomeAssistant) -> list[str]:
    """Return Privacy Guard's own entities: never a speaker's control."""
    return sorted(
        registered.entity_id
        for registered in er.async_get(hass).entities.values()
        if registered.platform == DOMAIN
    )


# A speaker's controls: one entity serves one of them, for one speaker.
CONTROL_KEYS: Final = (CONF_MIC_SWITCH, CONF_NETWORK_SWITCH, CONF_POWER_SWITCH)


def _presence_schema(defaults: dict[str, Any]) -> vol.Schema:
    mode_key, mode_selector = _choice(
        CONF_PRESENCE_MODE, PresenceMode, PresenceMode.ZONE, defaults
    )
    return vol.Schema(
        {
            mode_key: mode_selector,
            vol.Required(
                CONF_ZONE, default=defaults.get(CONF_ZONE, DEFAULT_ZONE)
            ): EntitySelector(EntitySelectorConfig(domain="zone")),
            vol.Optional(
                CONF_PRESENCE_ENTITIES,
                default=list(defaults.get(CONF_PRESENCE_ENTITIES, [])),
            ): EntitySelector(
                EntitySelectorConfig(domain=PRESENCE_DOMAINS, multiple=True)
            ),
        }
    )


def _options_schema(defaults: dict[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(
                CONF_DEBOUNCE, default=defaults.get(CONF_DEBOUNCE, DEFAULT_DEBOUNCE)
            ): NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=3600,
                    step=1,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            _suggested(CONF_CONDITION_ENTITY, defaults): EntitySelector(
                EntitySelectorConfig(domain=CONDITION_DOMAINS)
            ),
        }
    )


def _missing(hass: HomeAssistant, entity_id: str | None) -> bool:
    return entity_id is not None and hass.states.get(entity_id) is None


def _validate_presence(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data[CONF_PRESENCE_MODE] == PresenceMode.ZONE:
        if _missing(hass, data[CONF_ZONE]):
            errors[CONF_ZONE] = "entity_not_found"
    elif not data.get(CONF_PRESENCE_ENTITIES):
        errors[CONF_PRESENCE_ENTITIES] = "presence_entities_required"
    elif any(_missing(hass, entity) for entity in data[CONF_PRESENCE_ENTITIES]):
        errors[CONF_PRESENCE_ENTITIES] = "entity_not_found"
    return errors


def _validate_options(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, str]:
    if _missing(hass, data.get(CONF_CONDITION_ENTITY)):
        return {CONF_CONDITION_ENTITY: "entity_not_found"}
    return {}


def _presence_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        CONF_PRESENCE_MODE: data[CONF_PRESENCE_MODE],
        CONF_ZONE: data[CONF_ZONE],
        CONF_PRESENCE_ENTITIES: list(data.get(CONF_PRESENCE_ENTITIES, [])),
    }


def _options_data(data: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {CONF_DEBOUNCE: int(data[CONF_DEBOUNCE])}
    if data.get(CONF_CONDITION_ENTITY):
        options[CONF_CONDITION_ENTITY] = data[CONF_CONDITION_ENTITY]
    return options


class PrivacyGuardConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up the house."""

    VERSION = 1
    _backend: NetworkBackend = NetworkBackend.ADGUARD

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PrivacyGuardOptionsFlow:
        """Return the options flow."""
        return PrivacyGuardOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Speakers are subentries of the house."""
        return {SUBENTRY_SPEAKER: SpeakerSubentryFlow, SUBENTRY_ROOM: RoomSubentryFlow}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask where presence comes from and when to engage."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _validate_presence(self.hass, user_input) | _validate_options(
                self.hass, user_input
            )
            if not errors:
                return self.async_create_entry(
                    title=user_input[CONF_NAME],
                    data=_presence_data(user_input),
                    options=_options_data(user_input),
                )
        schema = (
            vol.Schema({vol.Required(CONF_NAME, default=DEFAULT_NAME): TextSelector()})
            .extend(_presence_schema({}).schema)
            .extend(_options_schema({}).schema)
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start over when a DNS filter refuses the stored credentials."""
        self._backend = NetworkBackend(
            entry_data.get("backend", NetworkBackend.ADGUARD)
        )
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the filter's credentials again and check them."""
        entry = self._get_reauth_entry()
        kind = self._backend
        current = dict(entry.options.get(kind.value) or {})
        errors: dict[str, str] = {}
        if user_input is not None:
            settings = {**current, **user_input}
            if error := await async_check_backend(self.hass, kind, settings):
                errors["base"] = error
            else:
                options = {**entry.options, kind.value: settings}
                # Changed options reload the entry through its update listener
                # (the one reload mechanism; Home Assistant 2026.12 refuses a
                # second one in flows). Unchanged ones reload all the same: a
                # refused password stops the filter's polling until it starts
                # again.
                if options == dict(entry.options):
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return self.async_update_and_abort(entry, options=options)
        fields: dict[Any, Any] = {}
        if kind is NetworkBackend.ADGUARD:
            fields[
                vol.Optional(CONF_USERNAME, default=current.get(CONF_USERNAME, ""))
            ] = TextSelector()
        fields[vol.Optional(CONF_PASSWORD, default="")] = TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(fields),
            description_placeholders={
                "backend": kind.label,
                "url": redact_url(str(current.get(CONF_URL, ""))),
            },
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where presence comes from."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _validate_presence(self.hass, user_input)
            if not errors:
                return self.async_update_and_abort(
                    entry, data=_presence_data(user_input)
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _presence_schema(dict(entry.data)), user_input or {}
            ),
            errors=errors,
        )


def _backend_schema(kind: NetworkBackend, defaults: Mapping[str, Any]) -> vol.Schema:
    fields: dict[Any, Any] = {
        vol.Required(CONF_URL, default=defaults.get(CONF_URL, "")): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL)
        ),
    }
    if kind is NetworkBackend.ADGUARD:
        fields[vol.Optional(CONF_USERNAME, default=defaults.get(CONF_USERNAME, ""))] = (
            TextSelector()
        )
    # Never sent back to the browser: empty keeps the stored (or offered) one.
    fields[vol.Optional(CONF_PASSWORD, default="")] = TextSelector(
        TextSelectorConfig(type=TextSelectorType.PASSWORD)
    )
    fields[
        vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True))
    ] = BooleanSelector()
    return vol.Schema(fields)


def _backend_settings(
    kind: NetworkBackend, user_input: Mapping[str, Any]
) -> dict[str, Any]:
    settings = {
        CONF_URL: user_input[CONF_URL].strip(),
        CONF_PASSWORD: user_input.get(CONF_PASSWORD) or "",
        CONF_VERIFY_SSL: bool(user_input[CONF_VERIFY_SSL]),
    }
    if kind is NetworkBackend.ADGUARD:
        settings[CONF_USERNAME] = (user_input.get(CONF_USERNAME) or "").strip()
    return settings


class PrivacyGuardOptionsFlow(OptionsFlow):
    """Tune the guard and connect DNS filters."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose what to change."""
        return self.async_show_menu(
            step_id="init",
            menu_options=[
                "guard",
                STEP_SELF_TEST,
                STEP_REPORT,
                CONF_ADGUARD,
                CONF_PIHOLE,
            ],
        )

    async def async_step_self_test(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set the self-test's schedule, its voice and whether it may calibrate."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if _missing(self.hass, user_input.get(CONF_PROBE_TTS)):
                errors[CONF_PROBE_TTS] = "entity_not_found"
            else:
                options = {
                    key: value
                    for key, value in self.config_entry.options.items()
                    if key != CONF_PROBE_TTS
                }
                options[CONF_SELF_TEST_DAYS] = int(user_input[CONF_SELF_TEST_DAYS])
                options[CONF_CALIBRATION] = bool(user_input[CONF_CALIBRATION])
                if user_input.get(CONF_PROBE_TTS):
                    options[CONF_PROBE_TTS] = user_input[CONF_PROBE_TTS]
                return self.async_create_entry(data=options)
        defaults = dict(user_input or self.config_entry.options)
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SELF_TEST_DAYS, default=defaults.get(CONF_SELF_TEST_DAYS, 0)
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=0,
                        max=90,
                        step=1,
                        unit_of_measurement="d",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                _suggested(CONF_PROBE_TTS, defaults): EntitySelector(
                    EntitySelectorConfig(domain="tts")
                ),
                vol.Required(
                    CONF_CALIBRATION, default=bool(defaults.get(CONF_CALIBRATION))
                ): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id=STEP_SELF_TEST, data_schema=schema, errors=errors
        )

    async def async_step_report(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose where the weekly report goes (nowhere: off)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            target = user_input.get(CONF_WEEKLY_REPORT)
            if _missing(self.hass, target):
                errors[CONF_WEEKLY_REPORT] = "entity_not_found"
            else:
                options = {
                    key: value
                    for key, value in self.config_entry.options.items()
                    if key != CONF_WEEKLY_REPORT
                }
                if target:
                    options[CONF_WEEKLY_REPORT] = target
                return self.async_create_entry(data=options)
        defaults = dict(user_input or self.config_entry.options)
        schema = vol.Schema(
            {
                _suggested(CONF_WEEKLY_REPORT, defaults): EntitySelector(
                    EntitySelectorConfig(domain="notify")
                ),
            }
        )
        return self.async_show_form(
            step_id=STEP_REPORT, data_schema=schema, errors=errors
        )

    async def async_step_guard(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Debounce, condition and DNS polling."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _validate_options(self.hass, user_input)
            if not errors:
                options = {
                    key: value
                    for key, value in self.config_entry.options.items()
                    if key not in (CONF_CONDITION_ENTITY,)
                }
                options.update(_options_data(user_input))
                options[CONF_DNS_INTERVAL] = int(
                    user_input.get(CONF_DNS_INTERVAL, DEFAULT_DNS_INTERVAL)
                )
                options[CONF_DASHBOARD] = bool(user_input.get(CONF_DASHBOARD, True))
                options[CONF_AUTOMATIONS_OVERRIDE] = bool(
                    user_input.get(CONF_AUTOMATIONS_OVERRIDE, False)
                )
                options[CONF_VOICE_PATTERNS] = [
                    pattern.strip().lower()
                    for pattern in re.split(
                        r"[,\s]+", user_input.get(CONF_VOICE_PATTERNS) or ""
                    )
                    if pattern.strip()
                ]
                return self.async_create_entry(data=options)
        defaults = dict(user_input or self.config_entry.options)
        patterns = defaults.get(CONF_VOICE_PATTERNS)
        if isinstance(patterns, list):
            patterns = "\n".join(patterns)
        schema = _options_schema(defaults).extend(
            {
                vol.Required(
                    CONF_DNS_INTERVAL,
                    default=defaults.get(CONF_DNS_INTERVAL, DEFAULT_DNS_INTERVAL),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=5,
                        max=3600,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Optional(
                    CONF_VOICE_PATTERNS,
                    description={"suggested_value": patterns} if patterns else None,
                ): TextSelector(TextSelectorConfig(multiline=True)),
                vol.Required(
                    CONF_DASHBOARD, default=defaults.get(CONF_DASHBOARD, True)
                ): BooleanSelector(),
                vol.Required(
                    CONF_AUTOMATIONS_OVERRIDE,
                    default=defaults.get(CONF_AUTOMATIONS_OVERRIDE, False),
                ): BooleanSelector(),
            }
        )
        return self.async_show_form(step_id="guard", data_schema=schema, errors=errors)

    async def async_step_adguard(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect AdGuard Home."""
        return await self._async_backend(NetworkBackend.ADGUARD, user_input)

    async def async_step_pihole(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect Pi-hole."""
        return await self._async_backend(NetworkBackend.PIHOLE, user_input)

    async def _async_backend_in_use(self, kind: NetworkBackend) -> bool:
        """Return whether the guard's ledger holds blocks made through ``kind``."""
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            ledger: Ledger = entry.runtime_data.ledger
        else:
            ledger = Ledger(self.hass, entry.entry_id)
            await ledger.async_load()
        return any(
            record.spec.kind == kind.value
            for records in ledger.records.values()
            for record in records.values()
        )

    async def _async_backend(
        self, kind: NetworkBackend, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        options = dict(self.config_entry.options)
        if user_input is not None:
            if not (user_input.get(CONF_URL) or "").strip():
                # An empty address disconnects the filter, unless it still blocks
                # speakers for the guard: those could never be given back.
                if await self._async_backend_in_use(kind):
                    errors["base"] = "backend_in_use"
                else:
                    options.pop(kind.value, None)
                    return self.async_create_entry(data=options)
            else:
                settings = _backend_settings(kind, user_input)
                if not settings[CONF_PASSWORD]:
                    # Left empty: the stored password, or the one offered from
                    # Home Assistant's own integration.
                    known = options.get(kind.value) or core_entry_settings(
                        self.hass, kind
                    )
                    settings[CONF_PASSWORD] = known.get(CONF_PASSWORD, "")
                if error := await async_check_backend(self.hass, kind, settings):
                    errors["base"] = error
                else:
                    options[kind.value] = settings
                    return self.async_create_entry(data=options)
        defaults = (
            user_input
            or options.get(kind.value)
            or core_entry_settings(self.hass, kind)
        )
        return self.async_show_form(
            step_id=kind.value,
            data_schema=_backend_schema(kind, defaults),
            errors=errors,
            # URLs stay out of translations (hassfest): examples come from here.
            description_placeholders={"example_url": EXAMPLE_URLS[kind]},
        )


EXAMPLE_URLS: dict[NetworkBackend, str] = {
    NetworkBackend.ADGUARD: "http://192.168.1.2:3000",
    NetworkBackend.PIHOLE: "http://pi.hole",
}


SECTION_CONTROLS = "controls"
SECTION_POLICY = "policy"
SECTION_MONITORING = "monitoring"
SECTION_SELF_TEST = "self_test"
STEP_SELF_TEST = "self_test"
STEP_REPORT = "report"

# The speaker form: name and media player on top, everything else in sections,
# each field in the order the form shows it. The subentry stores the fields flat.
SPEAKER_SECTIONS: dict[str, tuple[str, ...]] = {
    SECTION_CONTROLS: (
        CONF_MIC_SWITCH,
        CONF_NETWORK_BACKEND,
        CONF_NETWORK_SWITCH,
        CONF_NETWORK_ON_MEANS,
        CONF_IP_ADDRESS,
        CONF_POWER_SWITCH,
    ),
    SECTION_POLICY: (CONF_ACTIONS, CONF_ENFORCE),
    SECTION_MONITORING: (
        CONF_TRAFFIC_ENTITY,
        CONF_PROFILE,
        CONF_THRESHOLD,
        CONF_WAKE_ENTITY,
        CONF_WAKE_ATTRIBUTE,
        CONF_WAKE_WINDOW,
        CONF_VOICE_ENTITY,
    ),
    SECTION_SELF_TEST: (CONF_PROBE_PLAYER, CONF_WAKE_WORD),
}
SECTION_OF: dict[str, str] = {
    key: name for name, keys in SPEAKER_SECTIONS.items() for key in keys
}
SPEAKER_FORM_ORDER: tuple[str, ...] = (CONF_NAME, CONF_MEDIA_PLAYER, *SECTION_OF)
# The monitoring section opens by itself when one of these is set.
MONITORING_SOURCES = (
    CONF_TRAFFIC_ENTITY,
    CONF_THRESHOLD,
    CONF_WAKE_ENTITY,
    CONF_WAKE_ATTRIBUTE,
    CONF_VOICE_ENTITY,
)
# Sections that stay closed until one of their fields is set.
COLLAPSIBLE: dict[str, tuple[str, ...]] = {
    SECTION_MONITORING: MONITORING_SOURCES,
    SECTION_SELF_TEST: SPEAKER_SECTIONS[SECTION_SELF_TEST],
}
# The frontend shows an error of a field in a section above the section, not at
# the field: the error of a missing entity says which one it is.
MISSING_ENTITY_ERRORS: dict[str, str] = {
    CONF_MEDIA_PLAYER: "entity_not_found",
    CONF_MIC_SWITCH: "mic_switch_not_found",
    CONF_NETWORK_SWITCH: "network_switch_not_found",
    CONF_POWER_SWITCH: "power_switch_not_found",
    CONF_TRAFFIC_ENTITY: "traffic_entity_not_found",
    CONF_WAKE_ENTITY: "wake_entity_not_found",
    CONF_VOICE_ENTITY: "voice_entity_not_found",
    CONF_PROBE_PLAYER: "probe_player_not_found",
}
# Where vendors' voice records are: Home Assistant's alexa_devices voice event,
# and Alexa Media Player's media players (their last_called).
VOICE_RECORD_FILTERS: list[dict[str, str]] = [
    {"integration": "alexa_devices", "domain": "event"},
    {"integration": "alexa_media", "domain": "media_player"},
]


def _speaker_fields(
    defaults: Mapping[str, Any], exclude: list[str] | None = None
) -> dict[str, tuple[Any, Any]]:
    """Return each field of the speaker form, with its selector, by key.

    ``exclude``: entities no field offers (Privacy Guard's own).
    """
    exclude = exclude or []
    fields: list[tuple[Any, Any]] = [
        (vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")), TextSelector()),
        (
            vol.Required(
                CONF_MEDIA_PLAYER,
                default=defaults.get(CONF_MEDIA_PLAYER, vol.UNDEFINED),
            ),
            EntitySelector(
                EntitySelectorConfig(domain="media_player", exclude_entities=exclude)
            ),
        ),
        (_suggested(CONF_MIC_SWITCH, defaults), _switch_selector(exclude)),
        _choice(
            CONF_NETWORK_BACKEND,
            NetworkBackend,
            NetworkBackend.SWITCH,
            defaults,
            SelectSelectorMode.DROPDOWN,
        ),
        (_suggested(CONF_NETWORK_SWITCH, defaults), _switch_selector(exclude)),
        _choice(
            CONF_NETWORK_ON_MEANS, NetworkPolarity, NetworkPolarity.BLOCKED, defaults
        ),
        (_suggested(CONF_IP_ADDRESS, defaults), TextSelector()),
        (_suggested(CONF_POWER_SWITCH, defaults), _switch_selector(exclude)),
        (
            vol.Required(
                CONF_ACTIONS,
                default=list(defaults.get(CONF_ACTIONS, [Action.SILENCE_OUTPUT.value])),
            ),
            SelectSelector(
                SelectSelectorConfig(
                    options=[action.value for action in ACTION_ORDER],
                    translation_key=CONF_ACTIONS,
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            ),
        ),
        (
            vol.Required(CONF_ENFORCE, default=bool(defaults.get(CONF_ENFORCE, False))),
            BooleanSelector(),
        ),
        (
            _suggested(CONF_TRAFFIC_ENTITY, defaults),
            EntitySelector(
                EntitySelectorConfig(domain="sensor", exclude_entities=exclude)
            ),
        ),
        _choice(
            CONF_PROFILE,
            SpeakerProfile,
            SpeakerProfile.OTHER,
            defaults,
            SelectSelectorMode.DROPDOWN,
        ),
        (
            _suggested(CONF_THRESHOLD, defaults),
            NumberSelector(
                NumberSelectorConfig(
                    min=1,
                    max=100_000_000,
                    step=1,
                    unit_of_measurement="B/s",
                    mode=NumberSelectorMode.BOX,
                )
            ),
        ),
        (
            _suggested(CONF_WAKE_ENTITY, defaults),
            EntitySelector(EntitySelectorConfig(exclude_entities=exclude)),
        ),
        (_suggested(CONF_WAKE_ATTRIBUTE, defaults), TextSelector()),
        (
            _suggested(CONF_VOICE_ENTITY, defaults),
            # The filter's TypedDict differs between releases; the shape is one.
            EntitySelector(
                EntitySelectorConfig(
                    filter=cast(Any, VOICE_RECORD_FILTERS), exclude_entities=exclude
                )
            ),
        ),
        (
            _suggested(CONF_PROBE_PLAYER, defaults),
            EntitySelector(
                EntitySelectorConfig(domain="media_player", exclude_entities=exclude)
            ),
        ),
        (
            _suggested(CONF_WAKE_WORD, defaults),
            SelectSelector(
                SelectSelectorConfig(
                    options=list(WAKE_WORD_PHRASES),
                    translation_key=CONF_WAKE_WORD,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
        ),
        (
            vol.Required(
                CONF_WAKE_WINDOW,
                default=defaults.get(CONF_WAKE_WINDOW, DEFAULT_WAKE_WINDOW),
            ),
            NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=60,
                    step=0.5,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            ),
        ),
    ]
    return {str(marker): (marker, selector) for marker, selector in fields}


def _speaker_schema(
    defaults: Mapping[str, Any],
    errors: Mapping[str, str],
    *,
    with_name: bool,
    exclude: list[str] | None = None,
) -> vol.Schema:
    """Return the speaker form, prefilled from flat ``defaults``, in sections."""
    fields = _speaker_fields(defaults, exclude)
    top = (CONF_NAME, CONF_MEDIA_PLAYER) if with_name else (CONF_MEDIA_PLAYER,)
    schema: dict[Any, Any] = dict(fields[key] for key in top)
    for name, keys in SPEAKER_SECTIONS.items():
        collapsed = (
            name in COLLAPSIBLE
            and name not in errors
            and not any(defaults.get(key) for key in COLLAPSIBLE[name])
        )
        # A section added later is optional, so that answers made for the
        # form before it (a script's, an older frontend's) still pass.
        key = (
            vol.Optional(name, default={})
            if name == SECTION_SELF_TEST
            else vol.Required(name)
        )
        schema[key] = section(
            vol.Schema(dict(fields[key] for key in keys)), {"collapsed": collapsed}
        )
    return vol.Schema(schema)


def _flatten_speaker(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers of the speaker form with its sections taken apart."""
    flat = {
        key: value for key, value in user_input.items() if key not in SPEAKER_SECTIONS
    }
    for name in SPEAKER_SECTIONS:
        flat.update(user_input.get(name) or {})
    return flat


def _form_errors(field_errors: Mapping[str, str]) -> dict[str, str]:
    """Key each error where the frontend shows it: in a section, on the section.

    A section shows one error, the one of its first field in the form's order.
    """
    errors: dict[str, str] = {}
    for key in sorted(field_errors, key=SPEAKER_FORM_ORDER.index):
        errors.setdefault(SECTION_OF.get(key, key), field_errors[key])
    return errors


class SpeakerSubentryFlow(ConfigSubentryFlow):
    """Add or change one guarded speaker."""

    def _validate(
        self, user_input: dict[str, Any], own_id: str | None
    ) -> dict[str, str]:
        """Check the flat answers; return errors keyed by field."""
        errors: dict[str, str] = {}
        for key, error in MISSING_ENTITY_ERRORS.items():
            if _missing(self.hass, user_input.get(key)):
                errors[key] = error
        if (traffic := user_input.get(CONF_TRAFFIC_ENTITY)) and (
            state := self.hass.states.get(traffic)
        ):
            unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
            if unit_to_bytes(unit if isinstance(unit, str) else None) is None:
                errors[CONF_TRAFFIC_ENTITY] = "traffic_unit"
        for subentry in self._get_entry().subentries.values():
            if (
                subentry.subentry_id != own_id
                and subentry.subentry_type == SUBENTRY_SPEAKER
                and subentry.data.get(CONF_MEDIA_PLAYER)
                == user_input[CONF_MEDIA_PLAYER]
            ):
                errors[CONF_MEDIA_PLAYER] = "already_guarded"
        backend = NetworkBackend(
            user_input.get(CONF_NETWORK_BACKEND, NetworkBackend.SWITCH)
        )
        if ip := user_input.get(CONF_IP_ADDRESS):
            address = normalized_ip(ip)
            if address is None:
                errors[CONF_IP_ADDRESS] = "invalid_ip"
            elif backend is not NetworkBackend.SWITCH and any(
                NetworkBackend(other.get(CONF_NETWORK_BACKEND, NetworkBackend.SWITCH))
                is backend
                and normalized_ip(str(other.get(CONF_IP_ADDRESS) or "")) == address
                for other in self._others(own_id)
            ):
                errors[CONF_IP_ADDRESS] = "ip_in_use"
        errors.update(self._validate_controls(user_input, own_id, backend))
        if backend is not NetworkBackend.SWITCH:
            if not self._get_entry().options.get(backend.value):
                errors[CONF_NETWORK_BACKEND] = "backend_not_configured"
            elif not user_input.get(CONF_IP_ADDRESS):
                errors[CONF_IP_ADDRESS] = "ip_required"
        needs = dict(ACTION_ENTITY)
        if backend is not NetworkBackend.SWITCH:
            needs[Action.NETWORK_BLOCK] = CONF_IP_ADDRESS
        actions = user_input.get(CONF_ACTIONS) or []
        if not actions:
            errors[CONF_ACTIONS] = "no_actions"
        elif any(
            not user_input.get(needs[Action(action)])
            for action in actions
            if Action(action) in needs
        ):
            errors.setdefault(CONF_ACTIONS, "action_needs_entity")
        return errors

    def _others(self, own_id: str | None) -> list[Mapping[str, Any]]:
        """Return the data of every other speaker of the house."""
        return [
            subentry.data
            for subentry in self._get_entry().subentries.values()
            if subentry.subentry_type == SUBENTRY_SPEAKER
            and subentry.subentry_id != own_id
        ]

    def _validate_controls(
        self, user_input: Mapping[str, Any], own_id: str | None, backend: NetworkBackend
    ) -> dict[str, str]:
        """Refuse controls that would make two roles fight over one entity.

        One entity in one role of one speaker. Privacy Guard's own entities are
        not offered at all (their selectors exclude them, and the guard leaves
        out any that a stored speaker names).
        """
        errors: dict[str, str] = {}
        roles = [CONF_MIC_SWITCH, CONF_POWER_SWITCH]
        if backend is NetworkBackend.SWITCH:
            roles.insert(1, CONF_NETWORK_SWITCH)
        in_use = {
            other[key]
            for other in self._others(own_id)
            for key in CONTROL_KEYS
            if other.get(key)
        }
        seen: set[str] = set()
        for key in roles:
            entity_id = user_input.get(key)
            if not entity_id:
                continue
            if entity_id in seen:
                errors[key] = "entity_reused"
            elif entity_id in in_use:
                errors[key] = "entity_in_use"
            seen.add(entity_id)
        return errors

    @staticmethod
    def _data(user_input: dict[str, Any]) -> dict[str, Any]:
        """Return the flat data to store; nothing else (an old ``mac`` goes)."""
        data: dict[str, Any] = {
            CONF_MEDIA_PLAYER: user_input[CONF_MEDIA_PLAYER],
            CONF_NETWORK_ON_MEANS: user_input[CONF_NETWORK_ON_MEANS],
            CONF_NETWORK_BACKEND: user_input.get(
                CONF_NETWORK_BACKEND, NetworkBackend.SWITCH.value
            ),
            CONF_ACTIONS: [
                action.value
                for action in ACTION_ORDER
                if action.value in user_input[CONF_ACTIONS]
            ],
            CONF_ENFORCE: user_input[CONF_ENFORCE],
            CONF_PROFILE: user_input.get(CONF_PROFILE, SpeakerProfile.OTHER.value),
            CONF_WAKE_WINDOW: float(
                user_input.get(CONF_WAKE_WINDOW, DEFAULT_WAKE_WINDOW)
            ),
        }
        if user_input.get(CONF_THRESHOLD):
            data[CONF_THRESHOLD] = float(user_input[CONF_THRESHOLD])
        for key in (
            CONF_TRAFFIC_ENTITY,
            CONF_WAKE_ENTITY,
            CONF_VOICE_ENTITY,
            CONF_PROBE_PLAYER,
            CONF_WAKE_WORD,
        ):
            if user_input.get(key):
                data[key] = user_input[key]
        if attribute := (user_input.get(CONF_WAKE_ATTRIBUTE) or "").strip():
            data[CONF_WAKE_ATTRIBUTE] = attribute
        for key in (CONF_MIC_SWITCH, CONF_NETWORK_SWITCH, CONF_POWER_SWITCH):
            if user_input.get(key):
                data[key] = user_input[key]
        if user_input.get(CONF_IP_ADDRESS):
            address = normalized_ip(user_input[CONF_IP_ADDRESS])
            data[CONF_IP_ADDRESS] = address or user_input[CONF_IP_ADDRESS].strip()
        return data

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a speaker."""
        errors: dict[str, str] = {}
        flat: dict[str, Any] = {}
        if user_input is not None:
            flat = _flatten_speaker(user_input)
            errors = _form_errors(self._validate(flat, None))
            if not errors:
                return self.async_create_entry(
                    title=flat[CONF_NAME],
                    data=self._data(flat),
                    unique_id=flat[CONF_MEDIA_PLAYER],
                )
            if not flat.get(CONF_VOICE_ENTITY) and (
                found := voice_record_entity(self.hass, flat[CONF_MEDIA_PLAYER])
            ):
                # Shown again with an error: offer the speaker's voice records.
                flat[CONF_VOICE_ENTITY] = found
        return self.async_show_form(
            step_id="user",
            data_schema=_speaker_schema(
                flat, errors, with_name=True, exclude=own_entities(self.hass)
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a speaker."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        # The stored data is flat; a ``mac`` of old subentries has no field.
        flat: dict[str, Any] = dict(subentry.data)
        if not flat.get(CONF_VOICE_ENTITY) and (
            found := voice_record_entity(self.hass, flat[CONF_MEDIA_PLAYER])
        ):
            # Offered, not taken: it is only saved when the form is sent.
            flat[CONF_VOICE_ENTITY] = found
        if user_input is not None:
            flat = _flatten_speaker(user_input)
            errors = _form_errors(self._validate(flat, subentry.subentry_id))
            if not errors:
                return self.async_update_and_abort(
                    self._get_entry(),
                    subentry,
                    data=self._data(flat),
                    unique_id=flat[CONF_MEDIA_PLAYER],
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_speaker_schema(
                flat, errors, with_name=False, exclude=own_entities(self.hass)
            ),
            errors=errors,
        )


WYOMING_TIMEOUT = 5.0
DEFAULT_WYOMING_PORT = 10600


def _room_schema(
    defaults: Mapping[str, Any], speakers: dict[str, str], *, with_name: bool
) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, ""))] = (
            TextSelector()
        )
    key, selector = _choice(CONF_SOURCE, RoomSource, RoomSource.WYOMING, defaults)
    fields[key] = selector
    fields[_suggested(CONF_HOST, defaults)] = TextSelector()
    fields[
        vol.Optional(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_WYOMING_PORT))
    ] = NumberSelector(
        NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)
    )
    fields[_suggested(CONF_URL, defaults)] = TextSelector()
    fields[_suggested(CONF_CAMERA, defaults)] = EntitySelector(
        EntitySelectorConfig(domain="camera")
    )
    fields[
        vol.Required(CONF_SPEAKERS, default=list(defaults.get(CONF_SPEAKERS, [])))
    ] = SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=sid, label=title)
                for sid, title in speakers.items()
            ],
            multiple=True,
            mode=SelectSelectorMode.LIST,
        )
    )
    fields[_suggested(CONF_PROBE_PLAYER, defaults)] = EntitySelector(
        EntitySelectorConfig(domain="media_player")
    )
    fields[
        vol.Optional(CONF_WAKE_WORDS, default=list(defaults.get(CONF_WAKE_WORDS, [])))
    ] = SelectSelector(
        SelectSelectorConfig(
            options=list(WAKE_WORDS),
            translation_key=CONF_WAKE_WORDS,
            multiple=True,
            mode=SelectSelectorMode.LIST,
        )
    )
    fields[
        vol.Required(
            CONF_VAD_THRESHOLD,
            default=defaults.get(CONF_VAD_THRESHOLD, DEFAULT_THRESHOLD),
        )
    ] = NumberSelector(
        NumberSelectorConfig(
            min=0.1, max=0.95, step=0.05, mode=NumberSelectorMode.SLIDER
        )
    )
    fields[
        vol.Required(
            CONF_HANGOVER, default=defaults.get(CONF_HANGOVER, DEFAULT_HANGOVER)
        )
    ] = NumberSelector(
        NumberSelectorConfig(
            min=0.1,
            max=5,
            step=0.1,
            unit_of_measurement="s",
            mode=NumberSelectorMode.BOX,
        )
    )
    return vol.Schema(fields)


async def _async_wyoming_reachable(host: str, port: int) -> bool:
    """Return whether a Wyoming server accepts a connection."""
    client = AsyncTcpClient(host, port)
    try:
        async with asyncio.timeout(WYOMING_TIMEOUT):
            await client.connect()
    except (OSError, TimeoutError):
        return False
    await client.disconnect()
    return True


class RoomSubentryFlow(ConfigSubentryFlow):
    """Add or change a room microphone."""

    def _speakers(self) -> dict[str, str]:
        return {
            subentry.subentry_id: subentry.title
            for subentry in self._get_entry().subentries.values()
            if subentry.subentry_type == SUBENTRY_SPEAKER
        }

    async def _async_validate(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        errors: dict[str, str] = {}
        source = RoomSource(user_input[CONF_SOURCE])
        data: dict[str, Any] = {
            CONF_SOURCE: source.value,
            CONF_SPEAKERS: [
                sid
                for sid in user_input.get(CONF_SPEAKERS, [])
                if sid in self._speakers()
            ],
            CONF_VAD_THRESHOLD: float(user_input[CONF_VAD_THRESHOLD]),
            CONF_HANGOVER: float(user_input[CONF_HANGOVER]),
            CONF_WAKE_WORDS: [
                word
                for word in WAKE_WORDS
                if word in user_input.get(CONF_WAKE_WORDS, [])
            ],
        }
        if not data[CONF_SPEAKERS]:
            errors[CONF_SPEAKERS] = "no_speakers"
        if probe_player := user_input.get(CONF_PROBE_PLAYER):
            if _missing(self.hass, probe_player):
                errors[CONF_PROBE_PLAYER] = "entity_not_found"
            data[CONF_PROBE_PLAYER] = probe_player
        if source is RoomSource.WYOMING:
            host = (user_input.get(CONF_HOST) or "").strip()
            port = int(user_input.get(CONF_PORT, DEFAULT_WYOMING_PORT))
            if not host:
                errors[CONF_HOST] = "host_required"
            elif not valid_host(host):
                errors[CONF_HOST] = "invalid_host"
            elif not await _async_wyoming_reachable(host, port):
                errors["base"] = "cannot_connect"
            data.update({CONF_HOST: host, CONF_PORT: port})
        elif source is RoomSource.URL:
            url = (user_input.get(CONF_URL) or "").strip()
            if not valid_stream_url(url):
                errors[CONF_URL] = "invalid_url"
            data[CONF_URL] = url
        else:
            camera = user_input.get(CONF_CAMERA)
            if not camera or _missing(self.hass, camera):
                errors[CONF_CAMERA] = "entity_not_found"
            data[CONF_CAMERA] = camera
        return data, errors

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add a room microphone."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(user_input)
            if not errors:
                return self.async_create_entry(title=user_input[CONF_NAME], data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=_room_schema(
                user_input or {}, self._speakers(), with_name=True
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a room microphone."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(user_input)
            if not errors:
                return self.async_update_and_abort(
                    self._get_entry(), subentry, data=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_room_schema(
                user_input or dict(subentry.data), self._speakers(), with_name=False
            ),
            errors=errors,
        )
