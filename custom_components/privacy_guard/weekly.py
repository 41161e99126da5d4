"""The weekly report notification, when the house's options name a target.

Every Monday at 08:00 (the house's time zone) the week's report goes, as a few
plain lines (``report_text.py``), to the notify entity chosen in the options
through ``notify.send_message``. Off unless a target is chosen; the shipped
blueprint does the same for any action instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_change
import homeassistant.util.dt as dt_util

from .const import CONF_WEEKLY_REPORT, LOGGER
from .report import Period, async_report

if TYPE_CHECKING:
    from .runtime import PrivacyGuardConfigEntry

WEEKDAY: Final = 0  # Monday
HOUR: Final = 8


class WeeklyReport:
    """Sends the week's summary to one notify entity, once a week."""

    def __init__(self, hass: HomeAssistant, entry: PrivacyGuardConfigEntry) -> None:
        """Read the target from the house's options (None: off)."""
        self.hass = hass
        self.entry = entry
        self.target: str | None = entry.options.get(CONF_WEEKLY_REPORT) or None
        self._unsub: CALLBACK_TYPE | None = None

    @callback
    def async_start(self) -> None:
        """Wake every hour at :00 and send on Monday at eight."""
        if self.target is not None:
            self._unsub = async_track_time_change(
                self.hass, self._async_due, hour=HOUR, minute=0, second=0
            )

    @callback
    def async_stop(self) -> None:
        """Stop sending."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    async def _async_due(self, now: datetime) -> None:
        if dt_util.as_local(now).weekday() == WEEKDAY:
            await self.async_send()

    async def async_send(self) -> None:
        """Send the last seven days' summary now; a failure is logged."""
        assert self.target is not None
        if "recorder" not in self.hass.config.components:
            LOGGER.warning("The weekly report needs the recorder, which is not running")
            return
        end = dt_util.utcnow()
        report = await async_report(
            self.hass, self.entry, None, Period(end - timedelta(days=7), end)
        )
        text = report["summary"]
        try:
            await self.hass.services.async_call(
                "notify",
                "send_message",
                {
                    "entity_id": self.target,
                    "title": text["title"],
                    "message": "\n".join(text["lines"]),
                },
                blocking=True,
            )
        except HomeAssistantError as err:
            LOGGER.warning(
                "Could not send the weekly report to %s: %s", self.target, err
            )
