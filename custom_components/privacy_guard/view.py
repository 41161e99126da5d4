"""A speaker as its entities show it, from readings alone (pure).

The guard gathers what each control reads, the ledger's records, the failures
of its last attempt and its witnesses; this turns them into the ``SpeakerView``
the entities show, through ``protection.assess``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .const import Action, Reason
from .models import SpeakerConfig, SpeakerView
from .protection import ControlReading, assess, can_protect
from .records import LedgerRecord, RecordStatus


def speaker_can_protect(config: SpeakerConfig) -> bool:
    """Return whether the actions the guard takes can protect this speaker."""
    return can_protect(
        (config.strength(action) for action in config.actions),
        traffic_witness=config.traffic_entity is not None,
    )


def speaker_view(
    config: SpeakerConfig,
    *,
    reason: Reason,
    observed: Mapping[Action, bool | None],
    wanted: tuple[Action, ...],
    records: Mapping[Action, LedgerRecord],
    failures: Mapping[Action, str],
    reprotections: int,
    leaked: bool,
    traffic_witness: bool,
) -> SpeakerView:
    """Return what one speaker's entities show.

    ``observed``: every linked control's reading (a plug that reads off only
    when its power sensors confirm it); ``wanted``: the controls the guard
    takes, in its order; ``traffic_witness``: its traffic was watched without
    a break since the guard engaged (what a DNS-only block rests on).
    """
    overrides = tuple(
        action
        for action, record in records.items()
        if record.status is RecordStatus.OVERRIDE
    )
    controls = {action: config.strength(action) for action in observed}
    assessment = assess(
        (
            ControlReading(
                action,
                controls[action],
                value,
                wanted=action in wanted,
                override=action in overrides,
            )
            for action, value in observed.items()
        ),
        engaged=reason is not Reason.NONE,
        leaked=leaked,
        traffic_witness=traffic_witness,
    )
    return SpeakerView(
        reason=reason,
        privacy_state=assessment.privacy_state,
        protected=assessment.protected,
        states={action: observed[action] for action in wanted},
        overrides=overrides,
        failures=dict(failures),
        reprotections=reprotections,
        protected_by=assessment.protected_by,
        controls=controls,
        can_protect=speaker_can_protect(config),
    )
