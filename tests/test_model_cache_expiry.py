"""OCPP 1.6 §3.5.1, §3.5.4, §7.27: the expiryDate of a cached IdTagInfo.

"When the validity of a Cache entry expires, it SHALL be changed to expired in the Cache" (§3.5.1) and
"Identifiers that were valid but are apparently expired due to passage of time MUST also be rejected"
(§3.5.4): once its expiryDate has passed, a cached Accepted idTag neither pre-authorizes (LocalPreAuthorize)
nor authorizes offline (LocalAuthorizeOffline), and it is not "unknown" (AllowOfflineTxForUnknownId). At the
expiryDate itself the spec does not say which: the Charge Point may go either way.
"""

from __future__ import annotations

import attrs
import pytest

from model import CpCall, Options, initial_state
from test_model_core import TAG, Trace, go_offline, preparing, sn, start_tx, step, up
from vocabulary.dates import iso

EXPIRY = 60.0
"""The cached entry's expiryDate, seconds after the start of the trace (time 0)."""


def authorize_until(expiry: float | None, status: str = "Accepted", t: float = 0.0) -> CpCall:
    info = {"status": status} if expiry is None else {"status": status, "expiryDate": iso(expiry)}
    return CpCall("Authorize", {"idTag": TAG}, t, answer={"idTagInfo": info})


def cached_until(trace: Trace, expiry: float | None = EXPIRY) -> Trace:
    """The card is presented (Authorize.conf Accepted until ``expiry``) and again, to cancel: cached, idle."""
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize_until(expiry), sn(1, "Preparing"))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))


def pre_authorizing(wait: float) -> Trace:
    """LocalPreAuthorize, the card cached until :data:`EXPIRY`, ``wait`` seconds later a cable."""
    trace = cached_until(Trace(LocalPreAuthorize=True))
    trace.ok(step("AdvanceTime", seconds=wait))
    return preparing(trace)


def offline_presented(wait: float, **config) -> Trace:
    """The card cached until :data:`EXPIRY`, ``wait`` seconds later presented offline with a cable."""
    trace = cached_until(Trace(AuthorizationCacheEnabled=True, LocalAuthorizeOffline=True, **config))
    trace.ok(step("AdvanceTime", seconds=wait))
    go_offline(trace)
    trace.ok(step("PlugIn", connectorId=1))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))


def test_3_5_1_a_cache_entry_is_expired_once_its_expiry_date_has_passed():
    cache = ((TAG, "Accepted", "P", EXPIRY), ("TAG2", "Blocked", None, EXPIRY))

    def at(t: float, tolerance: float = 0.0):
        return attrs.evolve(initial_state(Options(tolerance=tolerance)), time=t, cache=cache)

    assert at(59).cached(TAG) == ("Accepted", "P") and not at(59).cache_expiring(TAG)
    assert at(60).cached(TAG) == ("Accepted", "P") and at(60).cache_expiring(TAG)
    assert at(61).cached(TAG) == ("Expired", "P") and not at(61).cache_expiring(TAG)
    assert at(61, tolerance=2).cached(TAG) == ("Accepted", "P") and at(61, tolerance=2).cache_expiring(TAG)
    assert at(61).cached("TAG2") == ("Blocked", None) and not at(60).cache_expiring("TAG2")


def test_3_5_1_an_expired_cache_entry_used_to_pre_authorize_is_a_violation():
    trace = pre_authorizing(61)
    rules = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))
    assert rules == ["StartTransactionWithoutAuthorization"]


def test_3_5_1_a_valid_cache_entry_pre_authorizes():
    trace = pre_authorizing(59)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))


def test_3_5_1_an_expired_cache_entry_asks_the_central_system_again():
    trace = pre_authorizing(61)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize_until(None, t=61), start_tx(1, TAG),
             sn(1, "Charging"))


@pytest.mark.parametrize("asks", [False, True])
def test_3_5_1_at_its_expiry_date_a_cache_entry_may_pre_authorize_or_not(asks):
    trace = pre_authorizing(60)
    asked = [authorize_until(None, t=60)] if asks else []
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), *asked, start_tx(1, TAG), sn(1, "Charging"))


@pytest.mark.parametrize("taken_as", ["valid", "expired and refused", "expired and ignored"])
def test_3_5_1_a_card_at_its_expiry_date_without_a_cable_may_be_taken_either_way(taken_as):
    """At the expiryDate the card may be pre-authorized (Preparing; the cable then starts the transaction) or
    taken as Expired: an Authorize.req (here refused), or, §3.5.1 only "SHOULD" send one, nothing: no start owed."""
    trace = cached_until(Trace(LocalPreAuthorize=True))
    trace.ok(step("AdvanceTime", seconds=EXPIRY))
    answer = {"valid": [sn(1, "Preparing")], "expired and refused": [authorize_until(None, "Blocked", t=60)],
              "expired and ignored": []}[taken_as]
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), *answer)
    then = [start_tx(1, TAG, t=60), sn(1, "Charging")] if taken_as == "valid" else [sn(1, "Preparing")]
    trace.ok(step("PlugIn", connectorId=1), *then)


def test_3_5_1_a_cache_entry_renewed_without_expiry_date_is_valid_again():
    """§3.5.1: "When an IdTagInfo is received for an identifier in the Cache, it SHALL be updated"; with no
    expiryDate "the status has no end date" (§7.27)."""
    trace = cached_until(Trace(LocalPreAuthorize=True))
    trace.ok(step("AdvanceTime", seconds=61))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize_until(None, t=61), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Available"))
    trace.ok(step("AdvanceTime", seconds=3600))
    preparing(trace)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))


def test_3_5_1_the_expiry_date_of_a_start_transaction_conf_is_cached_too():
    trace = preparing(Trace(LocalPreAuthorize=True))
    conf = start_tx(1, TAG)
    conf.answer["idTagInfo"]["expiryDate"] = iso(EXPIRY)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize_until(None), conf, sn(1, "Charging"))
    assert trace.state.cached(TAG) == ("Accepted", None)
    trace.ok(step("AdvanceTime", seconds=61))
    assert trace.state.cached(TAG) == ("Expired", None)


@pytest.mark.parametrize("unknown_allowed", [False, True])
def test_3_5_4_an_expired_cached_card_authorized_offline_is_a_violation(unknown_allowed):
    """Also with AllowOfflineTxForUnknownId: the idTag is in the cache, Expired (§3.5.1), not unknown, and
    "Identifiers that were valid but are apparently expired due to passage of time MUST also be rejected"."""
    trace = offline_presented(61, AllowOfflineTxForUnknownId=unknown_allowed)
    rules = trace.do(step("NetworkUp"), up(61), start_tx(1, TAG, t=61), sn(1, "Charging", t=61))
    assert rules == ["StartTransactionWithoutAuthorization"]


@pytest.mark.parametrize("wait", [59, 60])
def test_3_5_4_a_valid_cached_card_or_one_at_its_expiry_date_may_be_authorized_offline(wait):
    trace = offline_presented(wait)
    trace.ok(step("NetworkUp"), up(wait), start_tx(1, TAG, t=wait), sn(1, "Charging", t=wait))


def test_3_5_4_at_its_expiry_date_an_offline_card_may_be_refused():
    trace = offline_presented(EXPIRY)
    trace.ok(step("NetworkUp"), up(EXPIRY), sn(1, "Preparing", t=EXPIRY))
