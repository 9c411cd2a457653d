"""OCPP 1.6 §3.5.1, §3.5.4, §7.27 end to end: the Central System endpoint sends an expiryDate in IdTagInfo
(``SetIdTag`` ``expiryDate``), the bundled charge point honours it, and a charge point that does not is found.
The model's side: tests/test_model_cache_expiry.py."""

from __future__ import annotations

import pytest

from adapters.chargepoint.mutants import MUTANTS
from adapters.clock import EPOCH
from adapters.csms import CsmsPolicy
from properties.runner import FuzzConfig, Session
from properties.steps import step_problem
from vocabulary.dates import iso

UNTIL = iso(EPOCH + 30)
"""The card's expiryDate: 30 s after the bundled charge point's clock starts."""


def test_7_27_set_id_tag_expiry_date_is_sent_in_every_id_tag_info():
    policy = CsmsPolicy()
    policy.apply({"op": "SetIdTag", "idTag": "A", "status": "Accepted", "expiryDate": UNTIL})
    info = {"status": "Accepted", "expiryDate": UNTIL}
    assert policy.answer("Authorize", {"idTag": "A"}, EPOCH) == {"idTagInfo": info}
    assert policy.answer("StartTransaction", {"idTag": "A"}, EPOCH)["idTagInfo"] == info
    policy.apply({"op": "SetIdTag", "idTag": "A", "status": "Accepted"})
    assert policy.answer("Authorize", {"idTag": "A"}, EPOCH) == {"idTagInfo": {"status": "Accepted"}}


@pytest.mark.parametrize("expiry", ["tomorrow", "2025-01-01T00:00:30", 30])
def test_7_27_a_set_id_tag_expiry_date_that_is_no_date_time_is_refused_in_one_line(expiry):
    step = {"op": "SetIdTag", "idTag": "A", "status": "Accepted", "expiryDate": expiry}
    with pytest.raises(ValueError, match="SetIdTag: 'expiryDate' must be a dateTime"):
        CsmsPolicy().apply(step)
    assert "'expiryDate' must be a dateTime" in step_problem(step, 2)


def run(steps: list[dict], mutant: str | None = None) -> list[str]:
    """The rules the bundled charge point (or ``mutant``) breaks on ``steps``."""
    session = Session(FuzzConfig(mutant=mutant))
    try:
        harness = session.fresh_harness(on_accepted=lambda violations: None)
        found = list(harness.start())
        for step in steps:
            found += harness.step(step)
        return [v.rule for v in found]
    finally:
        session.close()


def card_back(wait: int, offline: bool) -> list[dict]:
    """The card accepted until :data:`UNTIL`, cached, and ``wait`` seconds later back with a cable."""
    key = "LocalAuthorizeOffline" if offline else "LocalPreAuthorize"
    card = {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}
    return [{"op": "ChangeConfiguration", "key": key, "value": "true"},
            {"op": "SetIdTag", "idTag": "A", "status": "Accepted", "expiryDate": UNTIL}, card, card,
            *([{"op": "NetworkDown"}] if offline else []), {"op": "AdvanceTime", "seconds": wait},
            {"op": "PlugIn", "connectorId": 1}, card, *([{"op": "NetworkUp"}] if offline else [])]


@pytest.mark.parametrize("offline", [False, True], ids=["pre-authorized", "offline"])
@pytest.mark.parametrize("wait", [29, 30, 31])
def test_3_5_1_the_bundled_charge_point_honours_the_expiry_date_of_its_cache(wait, offline):
    """Before, at (the boundary) and after the expiryDate: no finding on the clean charge point."""
    assert run(card_back(wait, offline)) == []


@pytest.mark.parametrize("offline", [False, True], ids=["pre-authorized", "offline"])
def test_3_5_1_a_charge_point_whose_cache_entries_never_expire_is_found(offline):
    assert run(card_back(31, offline), "CacheEntryNeverExpires") == ["StartTransactionWithoutAuthorization"]
    assert run(MUTANTS["CacheEntryNeverExpires"].minimal_trace, "CacheEntryNeverExpires") == \
        ["StartTransactionWithoutAuthorization"]
