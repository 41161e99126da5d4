"""Buttons: a self-test for each speaker."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .entity import PrivacyGuardEntity
from .runtime import PrivacyGuardConfigEntry
from .services import async_check_control

PARALLEL_UPDATES = 1

SELF_TEST = ButtonEntityDescription(
    key="self_test",
    translation_key="self_test",
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrivacyGuardConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a self-test button to every speaker."""
    for speaker_id in entry.runtime_data.view.configs:
        async_add_entities(
            [SelfTestButton(entry, SELF_TEST, speaker_id)],
            config_subentry_id=speaker_id,
        )


class SelfTestButton(PrivacyGuardEntity, ButtonEntity):
    """Play a probe near the speaker and watch whether it wakes or uploads."""

    async def async_press(self) -> None:
        """Start the self-test; its sensor shows it running, then its result.

        Allowed as the action is (a probe plays near people and may ask a
        vendor a question); a press while one runs starts no second one.
        """
        assert self.speaker_id is not None
        entry = self.entry
        tester = entry.runtime_data.self_tester
        context = self._context or Context()
        person = await async_check_control(
            self.hass, context, entry, [self.speaker_id], self_test=True
        )
        if self.speaker_id in tester.pending:
            return
        entry.async_create_background_task(
            self.hass,
            tester.async_run([self.speaker_id], person=person),
            f"{DOMAIN} self-test of {self.speaker_id}",
        )
