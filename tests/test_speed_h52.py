"""Shortcuts of the bundled charge point's hot path (issue 16) give what they replace, value for value."""

from __future__ import annotations

from dataclasses import fields

import attrs
from ocpp.v16 import call_result

from adapters.chargepoint.link import _camel, _names
from adapters.chargepoint.state import Transaction
from adapters.clock import iso
from vocabulary import dates


def test_a_transaction_is_stored_as_attrs_asdict_stores_it_and_shares_nothing_with_it():
    reading = {"timestamp": "2025-01-01T00:00:00.000Z", "sampledValue": [{"value": "10", "unit": "Wh"}]}
    tx = Transaction(3, 1, "TAG1", 10, 1735689600.0, transaction_id=7, parent_id_tag="P", data=[reading],
                     stopped=True)
    stored = tx.to_json()
    assert stored == attrs.asdict(tx)
    assert list(stored) == list(attrs.asdict(tx))  # the same order of keys
    assert stored["data"] is not tx.data and stored["data"][0] is not reading
    assert stored["data"][0]["sampledValue"] is not reading["sampledValue"]
    assert Transaction.from_json(stored).to_json() == stored


def test_an_answer_dataclass_becomes_the_payload_it_became_with_dataclasses_fields():
    for response in (call_result.GetConfiguration(configuration_key=[{"key": "K", "readonly": False}],
                                                  unknown_key=["X"]),
                     call_result.ChangeAvailability(status="Accepted"), call_result.ClearCache(status="Rejected")):
        before = {_camel(f.name): getattr(response, f.name) for f in fields(response)
                  if getattr(response, f.name) is not None}
        assert {camel: getattr(response, name) for name, camel in _names(type(response))
                if getattr(response, name) is not None} == before


def test_the_kept_iso_times_are_the_times_worked_out():
    for t in (1735689600, 1735689600.0, 1735689600.5, 1735689600.0004, 1735689601.9996):
        assert iso(t) == iso(t) == dates.iso(t, milliseconds=True)
