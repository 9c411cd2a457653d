"""The per-operation outcome table of the fuzz summary (properties/outcomes.py)."""

from __future__ import annotations

import collections
import io

from model import Answer, CpCall
from model.events import CSMS_OPS
from properties.outcomes import outcome_of, outcome_table
from properties.runner import Report
from properties.summary import print_outcomes


def test_call_outcome_is_the_answer_status_spec_6():
    step = {"op": "ReserveNow", "connectorId": 1}
    assert outcome_of(step, [CpCall("StatusNotification", {}, 0.0), Answer("result", {"status": "Occupied"})]) == "Occupied"


def test_call_error_and_missing_answer_ocpp_j_4_2_3():
    step = {"op": "UpdateFirmware"}
    assert outcome_of(step, [Answer("error", None, "NotSupported")]) == "CALLERROR NotSupported"
    assert outcome_of(step, [Answer("timeout")]) == "timeout"
    assert outcome_of(step, []) == "not sent"


def test_answers_without_status_are_classified_by_content():
    assert outcome_of({"op": "GetLocalListVersion"}, [Answer("result", {"listVersion": -1})]) == "listVersion -1"
    assert outcome_of({"op": "GetLocalListVersion"}, [Answer("result", {"listVersion": 7})]) == "listVersion > 0"
    assert outcome_of({"op": "GetDiagnostics"}, [Answer("result", {})]) == "no fileName"
    assert outcome_of({"op": "GetDiagnostics"}, [Answer("result", {"fileName": "d.log"})]) == "fileName"
    assert outcome_of({"op": "UpdateFirmware"}, [Answer("result", {})]) == "answered"


def test_physical_and_environment_steps_are_done():
    assert outcome_of({"op": "PlugIn", "connectorId": 1}, []) == "done"
    assert outcome_of({"op": "AdvanceTime", "seconds": 5}, []) == "done"


def test_table_lists_every_operation_of_all_six_profiles_even_unexercised():
    outcomes = collections.Counter({("ReserveNow", "Accepted"): 3, ("ReserveNow", "Occupied"): 1})
    rows = outcome_table(outcomes)
    assert {row["operation"] for row in rows} == set(CSMS_OPS)
    assert {row["profile"] for row in rows} == {"Core", "LocalAuthListManagement", "Reservation", "SmartCharging",
                                               "RemoteTrigger", "FirmwareManagement"}
    reserve = next(row for row in rows if row["operation"] == "ReserveNow")
    assert reserve == {"profile": "Reservation", "operation": "ReserveNow", "count": 4,
                       "outcomes": {"Accepted": 3, "Occupied": 1}}
    out = io.StringIO()
    print_outcomes(Report(outcomes=outcomes), out)
    assert "ReserveNow" in out.getvalue() and "Accepted 3, Occupied 1" in out.getvalue()
    assert "TriggerMessage" in out.getvalue() and "never ran" in out.getvalue()
