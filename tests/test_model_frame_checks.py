"""What a frame says is checked once per frame, whatever the number of states it is judged in (issue 17 speed).

check-log judges each frame in every world it keeps (and fuzz in every world of a pending answer): the checks of a
MeterValues.req's content (§3.16, §7.43, §9.1.15-§9.1.17) that read only the frame and a few state values run once per
meter value list and those values (model/metering.py ``per_frame``), with the same verdicts.
"""

import random

from model import CpCall, Stimulus, initial_state, judge
from model import metering
from model.judge import Judgement
from model.phases import PHASES, phase_of

from test_model_metering_profiles import charging, configured, run


def meter_values(t, value="10", measurand=None):
    sampled = {"value": value}
    if measurand:
        sampled["measurand"] = measurand
    return CpCall("MeterValues", {"connectorId": 1, "transactionId": 7,
                                  "meterValue": [{"timestamp": "1970-01-01T00:01:00Z", "sampledValue": [sampled]}]},
                  t, answer={})


def test_content_checks_run_once_per_frame(monkeypatch):
    """§7.43 (Raw values are decimal numbers), §9.1.17 (measurands of MeterValuesSampledData): one frame judged in
    three states computes each once; the verdicts are those of each state (§3.16.1: the Energy reading it lacks too)."""
    calls = {"not_decimal": 0, "not_configured": 0, "unsent_measurands": 0}
    for name in calls:
        real = getattr(metering, f"_{name}")

        def counting(*args, _real=real, _name=name):
            calls[_name] += 1
            return _real(*args)
        monkeypatch.setattr(metering, f"_{name}", counting)
    state = charging(configured(MeterValueSampleInterval="60", MeterValuesSampledData="Energy.Active.Import.Register"))
    call = meter_values(60.0, value="ten", measurand="Voltage")
    states = [state, state, judge(state, Stimulus.from_step({"op": "AdvanceTime", "seconds": 1}), ()).state]
    rules = [sorted(v.rule for v in judge(s, Stimulus.from_step({"op": "AdvanceTime", "seconds": 0}), (call,)).violations)
             for s in states]
    assert rules == [["ConfiguredMeasurandMissing", "MeasurandNotConfigured", "SampledValueNotDecimal"]] * 3
    assert calls == {"not_decimal": 1, "not_configured": 1, "unsent_measurands": 1}


def test_a_new_frame_is_checked_again():
    """An equal list that is another frame is checked on its own, and the configuration read is part of the key."""
    a, b = meter_values(60.0).payload["meterValue"], meter_values(60.0).payload["meterValue"]
    assert metering.per_frame(a, "test", lambda v: object()) is metering.per_frame(a, "test", lambda v: object())
    assert metering.per_frame(a, "test", lambda v: object()) is not metering.per_frame(b, "test", lambda v: object())
    state = configured(MeterValuesSampledData="Voltage")
    listed = configured(MeterValuesSampledData="Energy.Active.Import.Register")
    assert metering.not_configured(a, state.config, _value_of(), None, None, 0.0) == \
        ["Energy.Active.Import.Register (Sample.Periodic)"]
    assert metering.not_configured(a, listed.config, _value_of(), None, None, 0.0) == []


def _value_of():
    from model.configuration import value_of
    return value_of


def test_phase_of_is_the_first_row_that_holds():
    """§4.9: the fast walk of the phase table (connectors 1.. skip connector 0's rows) gives the table's first match,
    in states of a random walk of steps."""
    rng = random.Random(5)
    state = charging(initial_state())
    ops = [{"op": "PlugIn", "connectorId": 2}, {"op": "Unplug", "connectorId": 1}, {"op": "Unplug", "connectorId": 2},
           {"op": "PresentIdTag", "connectorId": 2, "idTag": "TAG1"}, {"op": "PowerLoss"}, {"op": "PowerOn"},
           {"op": "NetworkDown"}, {"op": "NetworkUp"}, {"op": "AdvanceTime", "seconds": 61},
           {"op": "Fault", "connectorId": 1, "errorCode": "OtherError"}, {"op": "ClearFault", "connectorId": 1}]
    seen = set()
    for _ in range(200):
        state, _ = run(state, rng.choice(ops))
        rules = Judgement(state)
        for c in state.connectors:
            table = next(p for p in PHASES if p.when(rules, c))
            assert phase_of(rules, c) is table
            seen.add(table.name)
    assert len(seen) >= 5
