"""The Local Auth List Management judge (model/localauth.py), rule by rule.

Each rule is tested both ways: it fires on the wrong behaviour and is silent
on every behaviour the spec allows (OCPP 1.6 §3.5, §5.10, §5.15, §7.47, §9.2).
"""

from __future__ import annotations

import pytest

import test_model_core as core
from model import Answer, Connection, CpCall, initial_state
from test_model_core import result, step

PROFILES = "Core,LocalAuthListManagement"
TAG, OTHER = "TAG1", "TAG2"


def sn(connector: int, status: str, error: str = "NoError") -> CpCall:
    return CpCall("StatusNotification", {"connectorId": connector, "errorCode": error, "status": status}, 0.0,
                  answer={})


def authorize(tag: str = TAG, status: str = "Accepted") -> CpCall:
    return CpCall("Authorize", {"idTag": tag}, 0.0, answer={"idTagInfo": {"status": status}})


def start_tx(connector: int = 1, tag: str = TAG, status: str = "Accepted", tx_id: int = 1) -> CpCall:
    payload = {"connectorId": connector, "idTag": tag, "meterStart": 0, "timestamp": "2025-01-01T00:00:00Z"}
    return CpCall("StartTransaction", payload, 0.0, answer={"transactionId": tx_id, "idTagInfo": {"status": status}})


def entries(*pairs) -> list[dict]:
    """``entries(("TAG1", "Accepted"), ("TAG2", None))``: AuthorizationData (§7.1); None deletes."""
    return [{"idTag": t} if s is None else {"idTag": t, "idTagInfo": {"status": s}} for t, s in pairs]


def send(version: int, update_type: str = "Full", *pairs) -> dict:
    s = step("SendLocalList", listVersion=version, updateType=update_type)
    if pairs:
        s["localAuthorizationList"] = entries(*pairs)
    return s


KEYS = {"SupportedFeatureProfiles": (True, PROFILES), "LocalAuthListEnabled": (False, "true"),
        "LocalAuthListMaxLength": (True, "3"), "SendLocalListMaxLength": (True, "2"),
        "LocalPreAuthorize": (False, "false"), "AuthorizationCacheEnabled": (False, "true"),
        "LocalAuthorizeOffline": (False, "true"), "AllowOfflineTxForUnknownId": (False, "false"),
        "StopTransactionOnInvalidId": (False, "true")}


class Trace(core.Trace):
    """Steps through the judge from the OCTT §1.3 state, the profile supported; ``**config`` overrides KEYS."""

    def __init__(self, **config):
        self.state = initial_state()
        keys = {k: (ro, str(config.get(k, v)).lower()) for k, (ro, v) in KEYS.items()}
        reported = [{"key": k, "readonly": ro, "value": v} for k, (ro, v) in keys.items()]
        self.ok(step("GetConfiguration", key=list(keys)), result(configurationKey=reported))

    def installed(self, version: int, *pairs) -> "Trace":
        return self.ok(send(version, "Full", *pairs), result(status="Accepted"))

    def version(self, reported: int) -> list[str]:
        return self.do(step("GetLocalListVersion"), result(listVersion=reported))


# -- GetLocalListVersion (§5.10) ------------------------------------------------------------


def test_5_10_no_list_is_version_0():
    assert Trace().version(0) == []
    assert Trace().version(1) == ["LocalListVersion"]


def test_5_10_version_of_a_full_update():
    trace = Trace().installed(5, (TAG, "Accepted"))
    assert trace.version(5) == []
    assert trace.version(1) == ["LocalListVersion"]


def test_5_10_octt_tc_042_2_full_update_without_list_is_version_0():
    trace = Trace().installed(1)
    assert trace.version(0) == []
    assert trace.version(1) == ["LocalListVersion"]


def test_5_10_not_supported_answers_minus_1():
    """OCTT TC_042_1_CS is judged by Core: the profile missing from SupportedFeatureProfiles."""
    trace = Trace(SupportedFeatureProfiles="Core")
    assert trace.version(-1) == []
    assert Trace().version(-1) == ["LocalListVersion"]


# -- SendLocalList (§5.15, §7.47) --------------------------------------------------------------


def test_5_15_full_update_is_accepted_whatever_its_version():
    trace = Trace().installed(5, (TAG, "Accepted"))
    trace.ok(send(1, "Full", (OTHER, "Accepted")), result(status="Accepted"))
    assert trace.version(1) == []
    assert trace.do(send(1, "Full", (TAG, "Accepted")), result(status="VersionMismatch")) == ["SendLocalListStatus"]


def test_7_47_octt_tc_043_2_differential_with_old_version_is_version_mismatch():
    trace = Trace().installed(2, (TAG, "Accepted"))
    trace.ok(send(5, "Differential", (OTHER, "Accepted")), result(status="Accepted"))
    assert trace.version(5) == []
    trace.ok(send(4, "Differential", ("TAG3", "Accepted")), result(status="VersionMismatch"))
    assert trace.do(send(5, "Differential", ("TAG3", "Accepted")), result(status="Accepted")) == ["SendLocalListStatus"]
    assert trace.version(5) == []


def test_7_47_differential_with_newer_version_must_be_accepted():
    trace = Trace().installed(1, (TAG, "Accepted"))
    assert trace.do(send(2, "Differential", (OTHER, "Accepted")), result(status="VersionMismatch")) \
        == ["SendLocalListStatus"]


def test_7_1_differential_adds_updates_and_deletes():
    trace = Trace().installed(1, (TAG, "Accepted"), (OTHER, "Accepted"))
    trace.ok(send(2, "Differential", (TAG, "Blocked"), (OTHER, None), ("TAG3", "Accepted")), result(status="Accepted"))
    assert trace.state.local_list.entries == (("TAG1", "Blocked", None, None), ("TAG3", "Accepted", None, None))
    assert trace.version(2) == []


def test_5_10_a_differential_update_that_empties_the_list_leaves_version_0():
    trace = Trace().installed(1, (TAG, "Accepted"))
    trace.ok(send(2, "Differential", (TAG, None)), result(status="Accepted"))
    assert trace.version(0) == []
    assert trace.version(2) == ["LocalListVersion"]


@pytest.mark.parametrize("answer", ["Accepted", "VersionMismatch"])
def test_7_47_an_empty_list_compares_with_0_or_with_the_version_that_emptied_it(answer):
    trace = Trace().installed(2)
    trace.ok(send(1, "Differential", (TAG, "Accepted")), result(status=answer))


@pytest.mark.parametrize("reported", [1, 2])
def test_6_41_a_differential_update_without_entries_may_keep_the_old_version(reported):
    """§6.41: "no effect on the list"; the Charge Point may or may not take the new version."""
    trace = Trace().installed(1, (TAG, "Accepted"))
    trace.ok(send(2, "Differential"), result(status="Accepted"))
    assert trace.version(reported) == []
    expected = "VersionMismatch" if reported == 2 else "Accepted"
    trace.ok(send(2, "Differential", (OTHER, "Accepted")), result(status=expected))


def test_7_47_failed_only_when_the_update_cannot_be_stored():
    assert Trace().do(send(1, "Full", (TAG, "Accepted")), result(status="Failed")) == ["SendLocalListStatus"]
    too_many = send(1, "Full", (TAG, "Accepted"), (OTHER, "Accepted"), ("TAG3", "Accepted"))
    Trace().ok(too_many, result(status="Failed"))  # SendLocalListMaxLength 2 (§9.2.3)
    trace = Trace().installed(1, (TAG, "Accepted"), (OTHER, "Accepted"))
    trace.ok(send(2, "Differential", ("TAG3", "Accepted"), ("TAG4", "Accepted")), result(status="Failed"))  # §9.2.2
    Trace().ok(send(1, "Full", (TAG, None)), result(status="Failed"))  # §7.1: idTagInfo required in Full


def test_octt_tc_043_3_a_failing_storage_answers_failed_and_keeps_the_list():
    trace = Trace().installed(1, (TAG, "Accepted"))
    trace.ok(step("SetLocalListFailure", failing=True))
    assert trace.do(send(2, "Full", (OTHER, "Accepted")), result(status="Accepted")) == ["SendLocalListStatus"]
    trace.ok(send(2, "Full", (OTHER, "Accepted")), result(status="Failed"))
    assert trace.version(1) == []
    trace.ok(step("SetLocalListFailure", failing=False))
    trace.ok(send(2, "Full", (OTHER, "Accepted")), result(status="Accepted"))


def test_9_2_1_not_supported_allowed_only_while_the_list_is_disabled():
    assert Trace().do(send(1, "Full", (TAG, "Accepted")), result(status="NotSupported")) == ["SendLocalListStatus"]
    Trace(LocalAuthListEnabled=False).ok(send(1, "Full", (TAG, "Accepted")), result(status="NotSupported"))


def test_7_47_a_disabled_list_may_also_answer_failed():
    """§7.47 names no status for a disabled list (§9.2.1): Failed, "update failed", fits as well as
    NotSupported (issue 14, SAP simulator); with the list enabled, Failed needs a reason."""
    assert Trace().do(send(1, "Full", (TAG, "Accepted")), result(status="Failed")) == ["SendLocalListStatus"]
    trace = Trace(LocalAuthListEnabled=False)
    trace.ok(send(1, "Full", (TAG, "Accepted")), result(status="Failed"))
    assert trace.version(0) == []


def test_ocppj_too_many_entries_may_be_a_call_error():
    too_many = send(1, "Full", (TAG, "Accepted"), (OTHER, "Accepted"), ("TAG3", "Accepted"))
    Trace().ok(too_many, Answer("error", error_code="OccurenceConstraintViolation"))
    rules = Trace().do(send(1, "Full", (TAG, "Accepted")), Answer("error", error_code="OccurenceConstraintViolation"))
    assert rules == ["NoValidResponse"]


def test_3_5_2_the_list_survives_a_reboot():
    trace = Trace().installed(1, (TAG, "Accepted"))
    trace.ok(step("PowerLoss"), Connection(False, 0.0))
    assert trace.state.local_list.entries and trace.version(1) == []


# -- authorization (§3.5.3, §3.5.4, §4.1) ---------------------------------------------------


def plugged(trace: Trace) -> Trace:
    return trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))


def present(trace: Trace, tag: str = TAG, *observed) -> list[str]:
    return trace.do(step("PresentIdTag", connectorId=1, idTag=tag), *observed)


def test_3_5_local_pre_authorize_starts_a_listed_id_tag_without_authorize():
    trace = plugged(Trace(LocalPreAuthorize=True).installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, start_tx(), sn(1, "Charging")) == []


def test_3_5_without_local_pre_authorize_a_listed_id_tag_needs_authorize():
    trace = plugged(Trace().installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, start_tx(), sn(1, "Charging")) == ["StartTransactionWithoutAuthorization"]
    trace = plugged(Trace().installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, authorize(), start_tx(), sn(1, "Charging")) == []


def test_3_5_3_a_blocked_list_entry_overrides_an_accepted_cache_entry():
    trace = Trace(LocalPreAuthorize=True)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), authorize(), sn(2, "Preparing"))
    plugged(trace.installed(1, (TAG, "Blocked")))
    assert "StartTransactionWithoutAuthorization" in present(trace, TAG, start_tx(), sn(1, "Charging"))


def test_3_5_3_an_accepted_list_entry_overrides_a_blocked_cache_entry():
    trace = Trace(LocalPreAuthorize=True)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), authorize(TAG, "Blocked"))
    plugged(trace.installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, start_tx(), sn(1, "Charging")) == []


def test_4_1_a_listed_id_tag_that_is_not_accepted_may_be_refused_without_authorize():
    trace = plugged(Trace().installed(1, (TAG, "Blocked")))
    assert present(trace, TAG) == []
    trace = plugged(Trace())
    assert present(trace, TAG) == ["IdTagNotAuthorized"]


def test_9_2_1_a_disabled_list_is_not_used():
    trace = plugged(Trace(LocalPreAuthorize=True).installed(1, (TAG, "Accepted")))
    trace.ok(step("ChangeConfiguration", key="LocalAuthListEnabled", value="false"), result(status="Accepted"))
    assert present(trace, TAG, start_tx(), sn(1, "Charging")) == ["StartTransactionWithoutAuthorization"]


def test_3_5_4_an_expired_list_entry_is_not_accepted():
    trace = Trace(LocalPreAuthorize=True)
    trace.ok(step("SendLocalList", listVersion=1, updateType="Full", localAuthorizationList=[
        {"idTag": TAG, "idTagInfo": {"status": "Accepted", "expiryDate": "1970-01-01T00:01:00Z"}}]),
        result(status="Accepted"))
    plugged(trace)
    assert present(trace, TAG, start_tx(), sn(1, "Charging")) == []
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), CpCall("StopTransaction", {
        "transactionId": 1, "meterStop": 0, "timestamp": "x", "reason": "Local", "idTag": TAG}, 0.0, answer={}),
        sn(1, "Finishing"))
    trace.ok(step("AdvanceTime", seconds=60))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
    plugged(trace)
    assert present(trace, TAG, start_tx(tx_id=2), sn(1, "Charging")) == ["StartTransactionWithoutAuthorization"]


def offline_presented(trace: Trace, tag: str) -> Trace:
    trace.ok(step("NetworkDown"), Connection(False, 0.0))
    trace.ok(step("PlugIn", connectorId=1))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=tag))


def test_3_5_4_offline_a_listed_id_tag_that_is_not_valid_must_be_rejected():
    trace = offline_presented(Trace(AllowOfflineTxForUnknownId=True).installed(1, (TAG, "Blocked")), TAG)
    rules = trace.do(step("NetworkUp"), Connection(True, 0.0), start_tx(status="Blocked"), sn(1, "Charging"))
    assert "StartTransactionWithoutAuthorization" in rules


def test_3_5_offline_local_authorize_offline_lets_an_accepted_list_entry_start():
    trace = offline_presented(Trace().installed(1, (TAG, "Accepted")), TAG)
    trace.ok(step("NetworkUp"), Connection(True, 0.0), start_tx(), sn(1, "Charging"))


def test_3_5_offline_an_unlisted_unknown_id_tag_needs_allow_offline_tx_for_unknown_id():
    trace = offline_presented(Trace().installed(1, (OTHER, "Accepted")), TAG)
    rules = trace.do(step("NetworkUp"), Connection(True, 0.0), start_tx(), sn(1, "Charging"))
    assert rules == ["StartTransactionWithoutAuthorization"]


# -- LocalListConflict (§3.5.2) --------------------------------------------------------------


def test_3_5_2_a_conflict_with_start_transaction_conf_is_reported_on_connector_0():
    trace = plugged(Trace(LocalPreAuthorize=True, StopTransactionOnInvalidId=False).installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, start_tx(status="Invalid"), sn(1, "SuspendedEVSE")) == ["LocalListConflictNotReported"]
    trace = plugged(Trace(LocalPreAuthorize=True, StopTransactionOnInvalidId=False).installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, start_tx(status="Invalid"), sn(0, "Available", "LocalListConflict"),
                   sn(1, "SuspendedEVSE")) == []


def test_3_5_2_3_7_4_9_a_conflict_report_lost_with_the_connection_is_not_owed_after_it():
    """§3.7: only transaction-related messages MUST be queued while offline; §4.9 after being offline: the Charge
    Point "MAY send a StatusNotification.req PDU to report an error". A LocalListConflict report (§3.5.2) not yet
    sent when the connection went (the bundled charge point had it queued behind a StopTransaction whose answer
    the lost connection took; nightly seed 1000) is lost with it: not owed after the reconnection, and may
    still come. A conflict while the connection stays up, and one after the reconnection, are owed."""
    def conflict_then_lost(*observed) -> list[str]:
        trace = plugged(Trace(LocalPreAuthorize=True, StopTransactionOnInvalidId=False).installed(1, (TAG, "Accepted")))
        assert present(trace, TAG, start_tx(status="Invalid"), sn(1, "SuspendedEVSE"), core.down()) == []
        return trace.do(step("NetworkUp"), core.up(), *observed)

    assert conflict_then_lost() == []
    assert conflict_then_lost(sn(0, "Available", "LocalListConflict")) == []
    trace = plugged(Trace(LocalPreAuthorize=True, StopTransactionOnInvalidId=False).installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, start_tx(status="Invalid"), sn(1, "SuspendedEVSE")) == ["LocalListConflictNotReported"]
    trace = Trace(LocalPreAuthorize=True, StopTransactionOnInvalidId=False).installed(1, (TAG, "Accepted"))
    trace.ok(step("NetworkDown"), core.down())
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG))
    assert trace.do(step("NetworkUp"), core.up(), start_tx(status="Invalid"),
                    sn(1, "SuspendedEVSE")) == ["LocalListConflictNotReported"]


def test_3_5_2_no_conflict_when_start_transaction_conf_agrees():
    trace = plugged(Trace(LocalPreAuthorize=True).installed(1, (TAG, "Accepted")))
    assert present(trace, TAG, start_tx(), sn(1, "Charging")) == []


# -- §3.5.3 listed identifiers are not added to the Authorization Cache -------------------------------


def listed_then_removed(**config) -> Trace:
    """TAG1 listed Accepted, started from the list (its StartTransaction.conf brings an IdTagInfo) on
    connector 1 and stopped, then removed from the list; connector 2 is plugged in."""
    trace = Trace(LocalPreAuthorize="true", **config).installed(1, (TAG, "Accepted"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), core.stop_tx(1, tag=TAG), sn(1, "Finishing"))
    trace.ok(send(2, "Differential", (TAG, None)), result(status="Accepted"))
    return trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))


def test_3_5_3_an_idtag_no_longer_listed_is_authorized_again():
    trace = listed_then_removed()
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), authorize(TAG), start_tx(2, TAG, tx_id=2),
             sn(2, "Charging"))


def test_3_5_3_a_start_from_a_cache_entry_of_a_listed_idtag_is_a_violation():
    trace = listed_then_removed()
    assert trace.do(step("PresentIdTag", connectorId=2, idTag=TAG), start_tx(2, TAG, tx_id=2), sn(2, "Charging")) == [
        "ListedIdTagCached", "StartTransactionWithoutAuthorization"]


def test_3_5_1_an_idtag_cached_before_it_was_listed_is_updated():
    trace = Trace(LocalPreAuthorize="true")
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), authorize(TAG), sn(2, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), sn(2, "Available"))
    trace.installed(1, (TAG, "Accepted"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(1, TAG), sn(1, "Charging"))
    assert trace.state.cached(TAG) == ("Accepted", None)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), core.stop_tx(1, tag=TAG), sn(1, "Finishing"))
    trace.ok(send(2, "Differential", (TAG, None)), result(status="Accepted"))
    trace.ok(step("PlugIn", connectorId=2), sn(2, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), start_tx(2, TAG, tx_id=2), sn(2, "Charging"))


def test_3_5_3_with_the_list_disabled_either_cache_is_allowed():
    trace = Trace(LocalPreAuthorize="true", LocalAuthListEnabled="false").installed(1, (TAG, "Accepted"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG), sn(1, "Charging"))
    assert trace.state.cached(TAG) == ("Accepted", None)


def test_3_5_2_an_authorize_conf_in_conflict_with_the_list_may_be_followed_or_not():
    """MicroOcppSimulator (sim-triage M10): TAG1 Accepted in the list, LocalPreAuthorize false, its Authorize
    answered Invalid. It reports LocalListConflict and starts from its list; not starting is allowed too."""
    for starts in (True, False):
        trace = plugged(Trace().installed(1, (TAG, "Accepted")))
        observed = [start_tx(1, TAG, status="Invalid"), sn(0, "Available", "LocalListConflict"), sn(1, "Charging"),
                    core.stop_tx(1, reason="DeAuthorized"), sn(1, "Finishing")] if starts else []
        trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, "Invalid"), *observed)
