"""Meter values (§3.16, §9.1.15-§9.1.28) and operations of unsupported feature profiles (§3.3)."""

from model import Answer, CpCall, Stimulus, initial_state, judge
from model.metering import base_measurand, unexpected_measurands


def run(state, step, *observed):
    verdict = judge(state, Stimulus.from_step(step), observed)
    return verdict.state, [v.rule for v in verdict.violations]


def configured(**keys):
    state = initial_state()
    for key, value in keys.items():
        state, rules = run(state, {"op": "ChangeConfiguration", "key": key, "value": value},
                           Answer("result", {"status": "Accepted"}))
        assert rules == []
    return state


def charging(state, t=0.0):
    """TAG1 accepted, plugged and presented on connector 1; the transaction starts at t."""
    state, _ = run(state, {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"})
    state, _ = run(state, {"op": "PlugIn", "connectorId": 1},
                   CpCall("StatusNotification", {"connectorId": 1, "status": "Preparing"}, t, answer={}))
    state, rules = run(state, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"},
                       CpCall("Authorize", {"idTag": "TAG1"}, t, answer={"idTagInfo": {"status": "Accepted"}}),
                       CpCall("StartTransaction", {"connectorId": 1, "idTag": "TAG1", "meterStart": 0}, t,
                              answer={"transactionId": 7, "idTagInfo": {"status": "Accepted"}}),
                       CpCall("StatusNotification", {"connectorId": 1, "status": "Charging"}, t, answer={}))
    assert rules == []
    return state


def sample(t, measurand=None, context=None):
    value = {"value": "10"}
    if measurand:
        value["measurand"] = measurand
    if context:
        value["context"] = context
    return CpCall("MeterValues", {"connectorId": 1, "transactionId": 7,
                                  "meterValue": [{"timestamp": "x", "sampledValue": [value]}]}, t, answer={})


def test_3_16_1_sampled_values_every_interval_are_silent():
    state = charging(configured(MeterValueSampleInterval="10"))
    state, rules = run(state, {"op": "AdvanceTime", "seconds": 30}, sample(10), sample(20), sample(30))
    assert rules == []


def test_3_16_1_missing_sampled_values_are_a_violation():
    state = charging(configured(MeterValueSampleInterval="10"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 30}, sample(10))
    assert rules == ["MeterValuesSampleMissing"]


def test_9_1_19_zero_interval_means_no_samples_owed():
    state = charging(configured(MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 300})
    assert rules == []


def test_3_16_measurand_not_in_sampled_data_is_a_violation():
    state = charging(configured(MeterValuesSampledData="Energy.Active.Import.Register", MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 5}, sample(5, "Voltage"))
    assert rules == ["MeasurandNotConfigured", "ConfiguredMeasurandMissing"]  # and it lacks the Energy reading


def test_3_16_default_measurand_and_phase_suffix_are_understood():
    assert base_measurand("Voltage.L1") == "Voltage"
    assert base_measurand("Energy.Active.Import.Register") == "Energy.Active.Import.Register"
    allowed = {"Sample.Periodic": {"energy.active.import.register"}}
    assert unexpected_measurands([{"sampledValue": [{"value": "1"}]}], allowed) == []


def test_3_16_clock_aligned_values_follow_aligned_data():
    state = charging(configured(MeterValuesAlignedData="Energy.Active.Import.Register", MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 5}, sample(5, "Current.Import", "Sample.Clock"))
    assert rules == ["MeasurandNotConfigured", "ConfiguredMeasurandMissing"]


def samples(t, *values, context=None):
    """One MeterValues.req whose one meterValue holds a sampled value per (measurand, phase)."""
    sampled = [{"value": "10", "measurand": m, **({"phase": p} if p else {}), **({"context": context} if context else {})}
               for m, p in values]
    return CpCall("MeterValues", {"connectorId": 1, "transactionId": 7,
                                  "meterValue": [{"timestamp": "x", "sampledValue": sampled}]}, t, answer={})


SAMPLED = "Energy.Active.Import.Register,Power.Active.Import,Voltage.L1"


def test_3_16_1_every_configured_measurand_in_each_sample_is_silent():
    state = charging(configured(MeterValuesSampledData=SAMPLED, MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 5}, samples(
        5, ("Energy.Active.Import.Register", None), ("Power.Active.Import", None), ("Voltage", "L1")))
    assert rules == []


def test_3_16_1_a_sample_without_a_configured_measurand_is_a_violation():
    """§3.16.1: MeterValuesSampledData "prescribes the set of measurands to be included in a MeterValues.req PDU";
    §3.16.4: a list with a measurand the Charge Point does not support is Rejected, so an accepted one is supported."""
    state = charging(configured(MeterValuesSampledData=SAMPLED, MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 5},
                   samples(5, ("Energy.Active.Import.Register", None), ("Voltage", "L1")))
    assert rules == ["ConfiguredMeasurandMissing"]


def test_3_16_2_a_clock_aligned_reading_without_a_configured_measurand_is_a_violation():
    state = charging(configured(MeterValuesAlignedData="Energy.Active.Import.Register,Current.Import",
                                MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 5},
                   samples(5, ("Current.Import", None), context="Sample.Clock"))
    assert rules == ["ConfiguredMeasurandMissing"]


def test_3_16_1_a_context_not_sent_is_not_judged_by_the_measurand_set():
    """A triggered reading is judged by its own rule (errata 3.46); a PDU with no periodic reading owes none here."""
    state = charging(configured(MeterValuesSampledData=SAMPLED, MeterValuesAlignedData="Current.Import",
                                MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 5},
                   samples(5, ("Current.Import", None), context="Sample.Clock"))
    assert rules == []


def test_3_16_stop_transaction_data_follows_stop_txn_keys():
    state = charging(configured(StopTxnSampledData="Energy.Active.Import.Register", MeterValueSampleInterval="0"))
    stop = CpCall("StopTransaction", {"transactionId": 7, "meterStop": 5, "reason": "Remote", "timestamp": "x",
                                      "transactionData": [{"timestamp": "x", "sampledValue": [
                                          {"value": "1", "measurand": "SoC"}]}]}, 0.0, answer={})
    _, rules = run(state, {"op": "RemoteStopTransaction", "transactionId": 7},
                   Answer("result", {"status": "Accepted"}), stop,
                   CpCall("StatusNotification", {"connectorId": 1, "status": "Finishing"}, 0.0, answer={}))
    assert rules == ["MeasurandNotConfigured"]


def _core_only():
    state = initial_state()
    state, rules = run(state, {"op": "GetConfiguration", "key": ["SupportedFeatureProfiles"]},
                       Answer("result", {"configurationKey": [
                           {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core"}]}))
    assert rules == []
    return state


def test_3_3_unsupported_profile_refused_is_silent():
    state = _core_only()
    for op, answer in [("GetLocalListVersion", Answer("result", {"listVersion": -1})),
                       ("ReserveNow", Answer("result", {"status": "Rejected"})),
                       ("UpdateFirmware", Answer("error", None, "NotSupported")),
                       ("TriggerMessage", Answer("error", None, "NotImplemented"))]:
        _, rules = run(state, {"op": op}, answer)
        assert rules == [], op


def test_3_3_unsupported_profile_accepted_is_a_violation():
    _, rules = run(_core_only(), {"op": "ReserveNow"}, Answer("result", {"status": "Accepted"}))
    assert rules == ["UnsupportedProfileOperation"]


def test_3_3_profile_operations_are_not_judged_while_profiles_are_unknown():
    _, rules = run(initial_state(), {"op": "ReserveNow"}, Answer("result", {"status": "Accepted"}))
    assert rules == []


def clock(t, timestamp):
    return CpCall("MeterValues", {"connectorId": 1, "transactionId": 7, "meterValue": [
        {"timestamp": timestamp, "sampledValue": [{"value": "1", "context": "Sample.Clock"}]}]}, t, answer={})


def test_3_16_2_clock_aligned_readings_on_boundaries_are_silent():
    state = charging(configured(ClockAlignedDataInterval="900", MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 900}, clock(900, "2025-01-01T00:15:00.000Z"))
    assert rules == []


def test_3_16_2_clock_aligned_reading_off_boundary_is_a_violation():
    state = charging(configured(ClockAlignedDataInterval="900", MeterValueSampleInterval="0"))
    _, rules = run(state, {"op": "AdvanceTime", "seconds": 900}, clock(900, "2025-01-01T00:07:30.000Z"))
    assert rules == ["ClockAlignedReadingNotAligned"]
