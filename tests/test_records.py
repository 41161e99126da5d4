"""What the ledger holds, on its own: specs in one vocabulary, stored and read."""

from __future__ import annotations

import pytest

from custom_components.privacy_guard.const import NetworkBackend
from custom_components.privacy_guard.records import (
    DNS_KINDS,
    ActuatorKind,
    ActuatorSpec,
)


def test_a_network_backend_and_an_actuator_kind_are_one_vocabulary() -> None:
    for backend in NetworkBackend:
        assert NetworkBackend(ActuatorKind(backend)) is backend
    assert {ActuatorKind(b) for b in NetworkBackend} - DNS_KINDS == {
        ActuatorKind.SWITCH
    }


def test_a_spec_holds_its_kind_as_a_member_and_reads_back() -> None:
    spec = ActuatorSpec("pihole", "192.0.2.10")  # type: ignore[arg-type]
    assert spec.kind is ActuatorKind.PIHOLE
    assert spec.entity_id is None
    assert spec.key == "pihole:192.0.2.10"
    assert spec.as_dict() == {
        "kind": "pihole",
        "target": "192.0.2.10",
        "protect_on": True,
    }
    assert ActuatorSpec.from_dict(spec.as_dict()) == spec
    mic = ActuatorSpec(ActuatorKind.SWITCH, "switch.echo_mic")
    assert (mic.entity_id, mic.key) == ("switch.echo_mic", "switch.echo_mic")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown actuator kind"):
        ActuatorSpec.from_dict({"kind": "carrier_pigeon", "target": "x"})
