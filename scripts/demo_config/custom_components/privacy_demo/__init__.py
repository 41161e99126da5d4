"""A demo house for Privacy Guard: speakers, switches, plugs and phones, no hardware.

Configured in YAML, it makes one config entry (through its import flow) whose
entities behave like real ones: a media player that mutes, a microphone switch, a
network switch that is ON while internet access is allowed (like UniFi and
FRITZ!Box), a power plug that takes the speaker's entities away while off, and a
phone per person whose "at home" switch moves the person in and out of the home
zone. Like real devices they keep their state over restarts, and the
``privacy_demo.reboot`` action takes a device offline for ``reboot_seconds``
(2 s by default), after which it is back in the state it starts in. Optional:
each change takes ``delay`` seconds; switches named in ``stubborn`` refuse to
change; ``guard`` sets Privacy Guard up for the house; ``talk`` makes the
speakers talk (talk.py): a router's bytes-sent counter and a light ring per
speaker, and a TV whose dialogue now and then wakes them by mistake. A speaker's
``area`` puts its devices in that area; ``probe_players`` are radios, each in an
area, whose clips of a wake word (Privacy Guard's self-test) the talking
speakers there hear: the one whose ``wake_word`` it is wakes and uploads.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from pathlib import Path
from typing import Any

from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
from homeassistant.auth.providers import homeassistant as auth_ha
from homeassistant.config_entries import SOURCE_IMPORT, ConfigEntry
from homeassistant.const import CONF_NAME, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import (
    area_registry as ar,
    config_validation as cv,
    device_registry as dr,
)
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import slugify
from homeassistant.util.hass_dict import HassKey

from .entity import (
    BYTES_SENT,
    DEFAULT_REBOOT_SECONDS,
    DOMAIN,
    INTERNET_ACCESS,
    LISTENING,
    MIC_MUTE,
    PLUG,
    DemoHouse,
    async_delay,
    entity_id,
    plug_device,
    probe_device,
    speaker_device,
)
from .mic import DemoMicrophone
from .schema import vol
from .seed import async_seed_week
from .services import async_setup_services
from .talk import (
    DEFAULT_FIRST,
    DEFAULT_INTERVAL,
    MIN_INTERVAL,
    UPLOAD_RATE,
    WAKE_WORDS,
    DemoTalk,
    default_wake_word,
)

__all__ = ["DOMAIN", "DemoHouse", "async_delay"]

LOGGER = logging.getLogger(__name__)
# The switches first: the plugs give the speakers power, the "at home" switches
# say where the phones are.
PLATFORMS = [
    Platform.SWITCH,
    Platform.MEDIA_PLAYER,
    Platform.DEVICE_TRACKER,
    Platform.SENSOR,
    Platform.BINARY_SENSOR,
    Platform.NOTIFY,
]

# Fields of the speaker form that a Privacy Guard without the self-test does not
# ask: answered only where the form has them.
SELF_TEST_FIELDS = ("probe_player", "wake_word")


def _with_wake_word(speaker: dict[str, Any]) -> dict[str, Any]:
    """Give a speaker without a wake word its profile's."""
    return {"wake_word": default_wake_word(speaker["profile"]), **speaker}


SPEAKER_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Required(CONF_NAME): cv.string,
            vol.Optional("mic_switch", default=True): cv.boolean,
            vol.Optional("network_switch", default=True): cv.boolean,
            vol.Optional("network_on_means", default="allowed"): vol.In(
                ["allowed", "blocked"]
            ),
            vol.Optional("plug", default=False): cv.boolean,
            vol.Optional("actions"): [cv.string],
            # The traffic profile Privacy Guard is told, and the demo's upload
            # rate.
            vol.Optional("profile", default="other"): vol.In(list(UPLOAD_RATE)),
            # The area its device (and its plug's) is put in, by name.
            vol.Optional("area"): cv.string,
            # What it wakes on (see talk.py); by default its profile's.
            vol.Optional("wake_word"): vol.In(list(WAKE_WORDS)),
        }
    ),
    _with_wake_word,
)

# A radio in an area: the talking speakers there hear the probe clips it plays.
PROBE_PLAYER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): cv.string,
        vol.Required("area"): cv.string,
    }
)

# A room microphone (mic.py): a Wyoming microphone server running
# scripts/demo_mic.py at host:port, told what to play over control_port.
ROOM_MICROPHONE_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_NAME, default="Kitchen microphone"): cv.string,
        vol.Required("area"): cv.string,
        vol.Optional("host", default="127.0.0.1"): cv.string,
        vol.Required("port"): cv.port,
        vol.Required("control_port"): cv.port,
        vol.Optional("wake_words", default=["alexa"]): [cv.string],
    }
)

# Speakers that talk: traffic counters, light rings and a TV (see talk.py).
TALK_SCHEMA = vol.Schema(
    {
        vol.Optional("interval", default=DEFAULT_INTERVAL): vol.All(
            vol.Coerce(int), vol.Range(min=MIN_INTERVAL, max=3600)
        ),
        vol.Optional("first", default=DEFAULT_FIRST): vol.All(
            vol.Coerce(int), vol.Range(min=0, max=3600)
        ),
        vol.Optional("seed", default=0): vol.Coerce(int),
        vol.Optional("tv"): cv.string,
    }
)


def _unique_names(conf: dict[str, Any]) -> dict[str, Any]:
    """Refuse a probe player named like another device: they would be one."""
    others = {slugify(speaker[CONF_NAME]) for speaker in conf["speakers"]}
    if tv := (conf.get("talk") or {}).get("tv"):
        others.add(slugify(tv))
    players = [slugify(player[CONF_NAME]) for player in conf["probe_players"]]
    if clash := sorted(
        {name for name in players if name in others or players.count(name) > 1}
    ):
        raise vol.Invalid(f"probe players named like another device: {clash}")
    return conf


CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.All(
            vol.Schema(
                {
                    vol.Optional("speakers", default=[]): [SPEAKER_SCHEMA],
                    vol.Optional("probe_players", default=[]): [PROBE_PLAYER_SCHEMA],
                    vol.Optional("people", default=[]): [cv.string],
                    vol.Optional("delay", default=0.0): vol.Coerce(float),
                    vol.Optional(
                        "reboot_seconds", default=DEFAULT_REBOOT_SECONDS
                    ): vol.All(vol.Coerce(float), vol.Range(min=0, max=3600)),
                    vol.Optional("stubborn", default=[]): [cv.string],
                    vol.Optional("guard", default=False): cv.boolean,
                    # With the guard: make up the week before the first start.
                    vol.Optional("seed_week", default=False): cv.boolean,
                    vol.Optional("debounce", default=10): cv.positive_int,
                    vol.Optional("dev_user", default=False): cv.boolean,
                    vol.Optional("talk"): TALK_SCHEMA,
                    vol.Optional("room_microphone"): ROOM_MICROPHONE_SCHEMA,
                }
            ),
            _unique_names,
        )
    },
    extra=vol.ALLOW_EXTRA,
)


# The YAML house, kept from its set-up until the house's entry stands.
WIRE: HassKey[dict[str, Any]] = HassKey(f"{DOMAIN}_wire")


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Import the YAML house into a config entry, then optionally wire the guard."""
    async_setup_services(hass)
    conf = config.get(DOMAIN)
    if conf is None:
        return True
    data = {
        "speakers": [dict(speaker) for speaker in conf["speakers"]],
        "probe_players": [dict(player) for player in conf["probe_players"]],
        "people": list(conf["people"]),
        "delay": conf["delay"],
        "reboot_seconds": conf["reboot_seconds"],
        "stubborn": list(conf["stubborn"]),
        "talk": dict(conf["talk"]) if "talk" in conf else None,
        "room_microphone": (
            dict(conf["room_microphone"]) if "room_microphone" in conf else None
        ),
    }
    entries = hass.config_entries.async_entries(DOMAIN)
    if entries:
        hass.config_entries.async_update_entry(entries[0], data=data)
    else:
        # Not awaited: the import flow waits for this very set-up to finish.
        hass.async_create_task(
            hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_IMPORT}, data=data
            )
        )
    if conf["dev_user"]:
        await _async_dev_user(hass)
    if conf["guard"]:
        # Wired once the house stands: its entities exist and its devices are
        # in their areas (the speakers' probe players are found by area).
        hass.data[WIRE] = conf
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Create the demo entities."""
    house = DemoHouse(config=dict(entry.data))
    if entry.data.get("talk"):
        house.talk = DemoTalk.from_config(hass, house.config, house.speaker_powered)
        entry.async_on_unload(house.talk.stop)
    entry.runtime_data = house
    for platform in PLATFORMS:
        await hass.config_entries.async_forward_entry_setups(entry, [platform])
    _async_place_devices(hass, entry)
    if house.talk is not None and (mic := entry.data.get("room_microphone")):
        microphone = DemoMicrophone(
            mic["host"],
            mic["control_port"],
            {
                speaker[CONF_NAME]
                for speaker in entry.data["speakers"]
                if speaker.get("area") == mic["area"]
            },
        )
        await microphone.async_start()
        entry.async_on_unload(microphone.async_stop)
        house.talk.on_activity = microphone.activity
        house.microphone = microphone
    if house.talk is not None:
        house.talk.start()
    if (conf := hass.data.pop(WIRE, None)) is not None:

        async def _wire(_hass: HomeAssistant) -> None:
            await _async_wire_guard(hass, conf)

        # Not wired by a house unloaded before Home Assistant started.
        entry.async_on_unload(async_at_started(hass, _wire))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Remove the demo entities."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


@callback
def _async_place_devices(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Put each device in the area its YAML names, making the area if missing.

    The YAML says where a device stands: a device moved elsewhere in the UI is
    put back at the next start, as the house is rebuilt from it.
    """
    wanted: dict[tuple[str, str], str] = {}
    for speaker in entry.data["speakers"]:
        if area := speaker.get("area"):
            name = speaker[CONF_NAME]
            infos = [speaker_device(name)]
            if speaker.get("plug"):
                infos.append(plug_device(name))
            for info in infos:
                wanted.update(dict.fromkeys(info.get("identifiers", ()), area))
    for player in entry.data.get("probe_players", []):
        wanted.update(
            dict.fromkeys(
                probe_device(player[CONF_NAME]).get("identifiers", ()),
                player["area"],
            )
        )
    if not wanted:
        return
    areas = ar.async_get(hass)
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        area = next((wanted[i] for i in device.identifiers if i in wanted), None)
        if area is None:
            continue
        area_id = areas.async_get_or_create(area).id
        if device.area_id != area_id:
            registry.async_update_device(device.id, area_id=area_id)


async def _async_wire_guard(hass: HomeAssistant, conf: dict[str, Any]) -> None:
    """Set up Privacy Guard for the demo house through its own flows."""
    if hass.config_entries.async_entries("privacy_guard"):
        return
    result = await hass.config_entries.flow.async_init(
        "privacy_guard",
        context={"source": "user"},
        data={
            "name": "Demo house",
            "presence_mode": "zone",
            "zone": "zone.home",
            "presence_entities": [],
            "debounce": conf["debounce"],
        },
    )
    entry_id = result["result"].entry_id
    areas = ar.async_get(hass)

    def area_id(name: str | None) -> str | None:
        area = areas.async_get_area_by_name(name) if name else None
        return area.id if area is not None else None

    for speaker in conf["speakers"]:
        name = speaker[CONF_NAME]
        user_input: dict[str, Any] = {
            CONF_NAME: name,
            "media_player": entity_id("media_player", name),
            "network_on_means": speaker["network_on_means"],
            "enforce": False,
        }
        actions = ["mute_media"]
        if speaker["mic_switch"]:
            user_input["mic_switch"] = entity_id("switch", name, MIC_MUTE)
            actions.append("mic_mute")
        if speaker["network_switch"]:
            user_input["network_switch"] = entity_id("switch", name, INTERNET_ACCESS)
            actions.append("network_block")
        if speaker["plug"]:
            user_input["power_switch"] = entity_id("switch", name, PLUG)
        if conf.get("talk"):
            user_input["traffic_entity"] = entity_id("sensor", name, BYTES_SENT)
            user_input["profile"] = speaker["profile"]
            user_input["wake_entity"] = entity_id("binary_sensor", name, LISTENING)
        user_input["actions"] = speaker.get("actions") or actions
        # The self-test: the radio in the speaker's room plays its wake word.
        if (room := area_id(speaker.get("area"))) is not None and (
            player := next(
                (p for p in conf["probe_players"] if area_id(p["area"]) == room),
                None,
            )
        ):
            user_input["probe_player"] = entity_id("media_player", player[CONF_NAME])
        user_input["wake_word"] = speaker["wake_word"]
        flow = await hass.config_entries.subentries.async_init(
            (entry_id, "speaker"), context={"source": "user"}
        )
        await hass.config_entries.subentries.async_configure(
            flow["flow_id"],
            _form_input(flow.get("data_schema"), user_input, SELF_TEST_FIELDS),
        )
    # The demo may calibrate: a self-test pressed while a speaker is open
    # shows its probe wakes it, which a later "held" rests on.
    options = await hass.config_entries.options.async_init(entry_id)
    options = await hass.config_entries.options.async_configure(
        options["flow_id"], {"next_step_id": "self_test"}
    )
    await hass.config_entries.options.async_configure(
        options["flow_id"],
        _form_input(
            options.get("data_schema"),
            {"self_test_days": 0, "calibration": True},
        ),
    )
    if mic := conf.get("room_microphone"):
        await _async_wire_microphone(hass, entry_id, conf, mic)
    LOGGER.info("Privacy Guard set up for the demo house")
    if conf.get("seed_week"):
        await hass.async_block_till_done()
        await async_seed_week(hass, entry_id)


async def _async_wire_microphone(
    hass: HomeAssistant, entry_id: str, conf: dict[str, Any], mic: dict[str, Any]
) -> None:
    """Add the room microphone to Privacy Guard, for the speakers of its area."""
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    names = {
        speaker[CONF_NAME]
        for speaker in conf["speakers"]
        if speaker.get("area") == mic["area"]
    }
    speakers = [
        subentry.subentry_id
        for subentry in entry.subentries.values()
        if subentry.subentry_type == "speaker" and subentry.title in names
    ]
    flow = await hass.config_entries.subentries.async_init(
        (entry_id, "room"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"],
        {
            CONF_NAME: mic[CONF_NAME],
            "source": "wyoming",
            "host": mic["host"],
            "port": mic["port"],
            "speakers": speakers,
            "vad_threshold": 0.5,
            "hangover": 0.7,
            "wake_words": list(mic["wake_words"]),
        },
    )
    if result.get("errors"):
        # The microphone server is not running (scripts/develop starts it).
        LOGGER.warning(
            "No room microphone for the demo house: %s at %s:%s answers not",
            mic[CONF_NAME],
            mic["host"],
            mic["port"],
        )


def _form_input(
    schema: Any, flat: dict[str, Any], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Return the answers to a form, each in the section the form asks it in.

    An ``optional`` answer is left out unless the form asks it, on top or in a
    section: a form that does not know the field would refuse it.
    """
    fields = getattr(schema, "schema", None) or {}
    sections = {
        str(key): value for key, value in fields.items() if isinstance(value, section)
    }
    section_of = {
        str(field): name
        for name, value in sections.items()
        for field in value.schema.schema
    }
    on_top = {str(key) for key in fields} - set(sections)
    answers: dict[str, Any] = {name: {} for name in sections}
    for key, value in flat.items():
        if key in section_of:
            answers.setdefault(section_of[key], {})[key] = value
        elif key not in optional or key in on_top:
            answers[key] = value
    return answers


async def _async_dev_user(hass: HomeAssistant) -> None:
    """Make a demo/demo login and a long-lived token for the REST examples."""
    provider = next(
        p for p in hass.auth.auth_providers if isinstance(p, auth_ha.HassAuthProvider)
    )
    await provider.async_initialize()
    assert provider.data is not None
    token_file = Path(hass.config.path(".demo_token"))
    if await hass.async_add_executor_job(token_file.exists):
        return
    if not any(u["username"] == "demo" for u in provider.data.users):
        provider.data.add_auth("demo", "demo")
        await provider.data.async_save()
    credentials = await provider.async_get_or_create_credentials({"username": "demo"})
    user = await hass.auth.async_get_user_by_credentials(credentials)
    if user is None:
        user = await hass.auth.async_create_user("Demo", group_ids=[GROUP_ID_ADMIN])
        await hass.auth.async_link_user(user, credentials)
    refresh = await hass.auth.async_create_refresh_token(
        user,
        client_name="Privacy Guard demo",
        token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
        access_token_expiration=timedelta(days=3650),
    )
    token = hass.auth.async_create_access_token(refresh)
    await hass.async_add_executor_job(token_file.write_text, token)
