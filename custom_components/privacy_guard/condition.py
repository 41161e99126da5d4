"""Conditions of the automation editor: protection, the guard, privacy mode.

Home Assistant offers an integration's own conditions in the automation editor
(``async_get_conditions``, described by ``conditions.yaml``). They are written
as::

    conditions:
      - condition: privacy_guard.is_protected
        target:
          device_id: <a speaker's device>
        options:
          behavior: all

The target is optional and selected as the triggers' (see ``trigger.py``):
speaker devices or their entities, a house's device or entities for all its
speakers, nothing for every speaker. ``behavior`` says whether any selected
speaker (the default) or all of them must pass; a target that selects no
loaded speaker fails. The answer is the guard's own, as its entities show it.

Home Assistant 2026.2 asks a condition for a checker (``async_get_checker``);
2026.10 checks the condition itself (``_async_check``): both are offered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Unpack, cast, override

from homeassistant.const import CONF_OPTIONS, CONF_TARGET
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.condition import (
    Condition,
    ConditionCheckParams,
    ConditionConfig,
)
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .models import SpeakerView
from .runtime import PrivacyGuardConfigEntry
from .schema import vol
from .trigger import Selection, Speaker, async_select

CONF_BEHAVIOR: Final = "behavior"
BEHAVIOR_ANY: Final = "any"
BEHAVIOR_ALL: Final = "all"

CONDITION_SCHEMA: Final = vol.Schema(
    {
        vol.Optional(CONF_TARGET): cv.TARGET_FIELDS,
        vol.Optional(CONF_OPTIONS, default={}): {
            vol.Optional(CONF_BEHAVIOR, default=BEHAVIOR_ANY): vol.In(
                [BEHAVIOR_ANY, BEHAVIOR_ALL]
            ),
        },
    }
)


class PrivacyGuardCondition(Condition):
    """A condition on the selected speakers or houses, any or all of them."""

    @override
    @classmethod
    async def async_validate_config(
        cls, hass: HomeAssistant, config: ConfigType
    ) -> ConfigType:
        """Validate the target and the behavior."""
        return cast(ConfigType, CONDITION_SCHEMA(config))

    def __init__(self, hass: HomeAssistant, config: ConditionConfig) -> None:
        """Keep the target and the behavior."""
        super().__init__(hass, config)
        self._target = config.target
        options = config.options or {}
        self._all = options.get(CONF_BEHAVIOR, BEHAVIOR_ANY) == BEHAVIOR_ALL

    def _results(self, selection: Selection) -> list[bool]:
        """Return the answer of each selected speaker or house."""
        raise NotImplementedError

    @override
    def _async_check(self, **kwargs: Unpack[ConditionCheckParams]) -> bool:
        """Check the selected speakers or houses, resolved now."""
        results = self._results(async_select(self._hass, self._target))
        if not results:
            return False
        return all(results) if self._all else any(results)

    async def async_get_checker(self) -> Callable[..., bool]:
        """Return the checker, as Home Assistant before the checker classes asks."""
        return self._async_check

    def _houses(self) -> list[PrivacyGuardConfigEntry]:
        return cast(
            list[PrivacyGuardConfigEntry],
            self._hass.config_entries.async_loaded_entries(DOMAIN),
        )


class SpeakerCondition(PrivacyGuardCondition):
    """A condition on what the guard shows of each selected speaker."""

    def _test(self, view: SpeakerView) -> bool:
        raise NotImplementedError

    @override
    def _results(self, selection: Selection) -> list[bool]:
        return [
            self._test(entry.runtime_data.view.speaker(speaker_id))
            for entry in self._houses()
            for speaker_id, config in entry.runtime_data.view.configs.items()
            if selection.speaker(Speaker(speaker_id, entry.entry_id, config.name))
        ]


class ProtectedCondition(SpeakerCondition):
    """The speaker is protected: its protected binary sensor is on."""

    @override
    def _test(self, view: SpeakerView) -> bool:
        return view.protected


class UnprotectedCondition(SpeakerCondition):
    """The speaker is not protected: its protected binary sensor is off."""

    @override
    def _test(self, view: SpeakerView) -> bool:
        return not view.protected


class GuardEngagedCondition(SpeakerCondition):
    """The guard wants the speaker protected, for any reason."""

    @override
    def _test(self, view: SpeakerView) -> bool:
        return view.engaged


class PrivacyModeCondition(PrivacyGuardCondition):
    """Privacy mode is on in the selected houses."""

    @override
    def _results(self, selection: Selection) -> list[bool]:
        return [
            entry.runtime_data.view.privacy_mode
            for entry in self._houses()
            if selection.house(entry)
        ]


CONDITIONS: Final[dict[str, type[Condition]]] = {
    "is_protected": ProtectedCondition,
    "is_unprotected": UnprotectedCondition,
    "is_guard_engaged": GuardEngagedCondition,
    "is_privacy_mode_on": PrivacyModeCondition,
}


async def async_get_conditions(hass: HomeAssistant) -> dict[str, type[Condition]]:
    """Return the conditions of Privacy Guard."""
    return CONDITIONS
