"""properties/profiles/vocabulary.py: the values it draws are what it says they are (§9)."""

import pytest

from model.configuration import KEYS, is_valid_value
from properties.profiles.vocabulary import values_of


@pytest.mark.parametrize("spec", KEYS, ids=[s.name for s in KEYS])
def test_valid_and_boundary_values_are_valid_and_invalid_ones_are_not(spec):
    values = values_of(spec)
    for kind in ("valid", "boundary"):
        assert all(is_valid_value(spec.name, v) for v in values[kind]), (kind, values[kind])
    if spec.type != "string":  # AuthorizationKey: any string is valid (its format is the security whitepaper's)
        assert not any(is_valid_value(spec.name, v) for v in values["invalid"]), values["invalid"]


def test_every_key_of_section_9_can_be_drawn_with_every_kind_of_value():
    assert {s.name for s in KEYS} >= {"HeartbeatInterval", "LightIntensity", "ConnectorPhaseRotation",
                                      "SupportedFileTransferProtocols", "ReserveConnectorZeroSupported"}
    assert all(values_of(s)[kind] for s in KEYS for kind in ("valid", "boundary", "invalid"))
