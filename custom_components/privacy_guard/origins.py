"""Who made each control's current state: the guard, a person, or nobody.

The guard asks here before it fights a change: only a person's opening of a
guarded speaker is kept. A person is a call with a user, or something such a
call set off one step later (an automation a person's change triggered), or,
where the house allows it, any automation. A control with no origin noted has
not changed since start: what it shows was done while Home Assistant was down.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from homeassistant.core import Context, Event, callback

from .planner import Origin, classify_change

# Contexts of changes made through Privacy Guard's own switches: a person's.
PERSON_CONTEXTS: Final = 64
# Calls made by users, remembered to recognise the changes they set off.
USER_CONTEXTS: Final = 256


class Origins:
    """The origin of each control's state, by ``ActuatorSpec.key``."""

    def __init__(self, *, automations_override: bool = False) -> None:
        """Start knowing nothing: every control's state predates this start."""
        # The context of everything the guard itself drives.
        self.context = Context()
        # Whether a change through our switches without a user is a person's.
        self.automations_override = automations_override
        self._origins: dict[str, Origin] = {}
        self._person_contexts: deque[str] = deque(maxlen=PERSON_CONTEXTS)
        self._user_contexts: deque[str] = deque(maxlen=USER_CONTEXTS)

    def of(self, key: str) -> Origin:
        """Return who made a control's current state."""
        return self._origins.get(key, Origin.DOWNTIME)

    def note(self, key: str, origin: Origin) -> None:
        """Note who made a control's current state."""
        self._origins[key] = origin

    @callback
    def person_context(self, parent: Context | None) -> tuple[Context, bool]:
        """Return a context for a change through our switches; is it a person's.

        It is when the call carries a user, or was made by something a user's
        call set off (an automation triggered by a person's change: its parent
        context is that call's), or when the house lets automations override
        the guard. Otherwise it is nobody's: while guarded, protected again.
        """
        context = Context(
            user_id=parent.user_id if parent else None,
            parent_id=parent.id if parent else None,
        )
        person = parent is not None and (
            parent.user_id is not None
            or parent.parent_id in self._user_contexts
            or self.automations_override
        )
        if person:
            self._person_contexts.append(context.id)
        return context, person

    @callback
    def note_user_call(self, event: Event) -> None:
        """Remember the contexts of calls a user made (a parent of later changes)."""
        if event.context.user_id is not None:
            self._user_contexts.append(event.context.id)

    def classify(self, context: Context, *, was_available: bool) -> Origin:
        """Return the origin of a state change made in ``context``.

        From an unknown or unavailable reading nobody chose what it shows now.
        """
        return classify_change(
            was_available=was_available,
            by_guard=context.id == self.context.id,
            by_person=context.user_id is not None
            or context.id in self._person_contexts,
        )
