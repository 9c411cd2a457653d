"""model/records.py evolve: the same new instance as attrs.evolve, for records with slots and without."""

import attrs
import pytest

from model import initial_state
from model.records import evolve
from model.state import ChargePointState, Connector, Options, Owed, Tx


def _state() -> ChargePointState:
    return initial_state(Options(number_of_connectors=2), 10.0)


@pytest.mark.parametrize("changes", [{}, {"time": 12.0}, {"online": False, "registration": "Pending"}])
def test_a_state_without_slots_evolves_as_attrs_evolve(changes):
    state = _state()
    made = evolve(state, **changes)
    assert made == attrs.evolve(state, **changes) and made is not state
    assert type(made) is ChargePointState and state == _state()  # the old state is unchanged
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.time = 0.0


def test_a_connector_evolved_does_not_keep_the_hash_of_the_one_it_came_from():
    connector = _state().connector(1)
    hash(connector)  # cached (cache_hash=True)
    plugged = evolve(connector, plugged=True)
    assert plugged == attrs.evolve(connector, plugged=True) and plugged != connector
    assert hash(plugged) == hash(Connector(id=1, reported="Available", plugged=True))
    assert hash(evolve(plugged, plugged=False)) == hash(connector)


@pytest.mark.parametrize("record", [_state(), Connector(id=1), Tx(id_tag="T", meter_start=0, transaction_id=1),
                                    Owed("StatusNotification", "R", "§", "d", 1.0)])
def test_an_unknown_field_is_a_type_error(record):
    with pytest.raises(TypeError, match="no field 'bogus'"):
        evolve(record, bogus=1)
