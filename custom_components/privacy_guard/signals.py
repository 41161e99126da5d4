"""One way to tell entities that something changed: a dispatcher signal per subject.

A subject is the house (None), one speaker or one room, by its subentry id. A
room's listener updates only its room's entities; a speaker's change updates
its entities and the house's (whose counts may move).
"""

from __future__ import annotations

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)

from .const import DOMAIN

HOUSE = "house"


def signal_updated(entry_id: str, subject: str | None = None) -> str:
    """Return the signal that a subject's entities should show the latest state."""
    return f"{DOMAIN}_{entry_id}_{subject or HOUSE}_updated"


@callback
def async_notify(hass: HomeAssistant, entry_id: str, subject: str | None) -> None:
    """Tell one subject's entities to show the latest state."""
    async_dispatcher_send(hass, signal_updated(entry_id, subject))


@callback
def async_follow(
    hass: HomeAssistant, entry_id: str, subject: str | None, update: CALLBACK_TYPE
) -> CALLBACK_TYPE:
    """Call ``update`` whenever the subject changes; return how to stop."""
    return async_dispatcher_connect(hass, signal_updated(entry_id, subject), update)


def signal_dns_changed(entry_id: str) -> str:
    """Return the signal that a DNS filter's block state of some clients changed.

    Sent with ``(kind: NetworkBackend, clients: set[str])``: on every change a
    poll finds, and for all the filter's clients when it is lost or recovered.
    """
    return f"{DOMAIN}_{entry_id}_dns_changed"


def signal_dns_queries(entry_id: str) -> str:
    """Return the signal that a DNS filter logged new voice lookups.

    Sent with ``(kind: NetworkBackend, queries: list[DnsQuery])``.
    """
    return f"{DOMAIN}_{entry_id}_dns_queries"
