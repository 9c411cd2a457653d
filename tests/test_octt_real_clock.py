"""OCTT timing checks on a real clock (sim-triage session 4, MicroOcppSimulator TC_036_CS and TC_070_CS): a step starts
late on the case's timeline by the time the steps before took beyond their AdvanceTime, so a timestamp the case
writes relative to the step's start ("-120s") may be that much earlier; never later."""

from __future__ import annotations

from properties.octt.catalogue import TIME_TOLERANCE, advance, by_id, match_step, sent
from vocabulary.dates import iso

NOW = 1_800_000_000.0
STEP = advance(60, sent("MeterValues", {"meterValue.timestamp": "+60s"}))


def stamped(offset: float) -> tuple[str, dict]:
    return "MeterValues", {"meterValue": [{"timestamp": iso(NOW + 60 + offset)}]}


def test_octt_a_timestamp_earlier_by_the_steps_lag_matches_and_a_later_one_never_does():
    early = -(TIME_TOLERANCE + 2)  # the sample came on time; the step began 2 s late
    assert match_step(STEP, [stamped(early)], now=NOW).problems
    assert not match_step(STEP, [stamped(early)], now=NOW, lag=2.5).problems
    assert match_step(STEP, [stamped(early - 2)], now=NOW, lag=2.5).problems
    assert match_step(STEP, [stamped(TIME_TOLERANCE + 1)], now=NOW, lag=5.0).problems


def test_octt_tc_070_judges_sampled_meter_values_by_their_timestamps_an_interval_apart():
    """OCTT TC_070_CS validation: "Between the MeterValue.timestamp fields ... an interval of x seconds"."""
    cycles = [s for s in by_id("TC_070_CS").steps if s.name == "AdvanceTime"]
    assert [s.as_dict()["seconds"] for s in cycles] == [60, 60, 60]
    assert all(dict(e.fields)["meterValue.timestamp"] == "+60s" for s in cycles for e in s.expect)


def test_octt_tc_057_a_composite_may_end_with_the_moment_the_profile_ran_out_before_the_window():
    """sim-mo, MicroOcppSimulator TC_057_CS, TC_082_CS: the TxProfile's startSchedule is the step's time to the whole
    second, its duration 300 s; the composite of 300 s asked for a moment later ends with a period where the profile
    has run out (startPeriod 299, limit -1): "calculated accordingly", not a failure. A period well inside the window
    still is one."""
    step = next(s for s in by_id("TC_057_CS").steps if s.name == "GetCompositeSchedule")

    def answer(*periods) -> tuple[str, dict]:
        schedule = {"duration": 300, "chargingRateUnit": "$unit",
                    "chargingSchedulePeriod": [{"startPeriod": s, "limit": lim} for s, lim in periods]}
        return "response", {"status": "Accepted", "connectorId": 1, "scheduleStart": iso(NOW),
                            "chargingSchedule": schedule}

    assert not match_step(step, [answer((0, 6))], now=NOW).problems
    assert not match_step(step, [answer((0, 6), (299, -1))], now=NOW).problems
    assert not match_step(step, [answer((0, 6), (297, -1))], now=NOW, lag=1.0).problems
    assert match_step(step, [answer((0, 6), (150, -1))], now=NOW, lag=0.5).problems
    assert match_step(step, [answer((0, 6), (296, -1))], now=NOW).problems
