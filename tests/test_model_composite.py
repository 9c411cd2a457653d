"""Properties of the Composite Schedule computation (model/composite.py; OCPP 1.6 §3.13.2, §3.13.3, §5.7)."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model import composite as comp

X = 1_000_000.0
DURATION = 1000


@st.composite
def schedules(draw, unit=st.sampled_from(comp.UNITS)):
    starts = draw(st.lists(st.sampled_from((10, 50, 100, 300)), unique=True, max_size=3))
    periods = tuple(comp.Period(s, float(draw(st.sampled_from((6, 8, 10, 16, 32)))))
                    for s in [0, *sorted(starts)])
    duration = draw(st.sampled_from((None, 60, 150, 400)))
    start = X + draw(st.sampled_from((-30, 0, 60)))
    return comp.Schedule(draw(unit), periods, duration, start)


@st.composite
def profiles(draw, purpose=st.sampled_from(comp.PURPOSES), unit=st.sampled_from(comp.UNITS)):
    kind = draw(st.sampled_from(comp.KINDS))
    window = draw(st.sampled_from((None, (0, 500), (100, 2000))))
    return comp.ChargingProfile(
        id=draw(st.integers(1, 4)), connector=draw(st.sampled_from((0, 1))), stack_level=draw(st.integers(0, 2)),
        purpose=draw(purpose), kind=kind, schedule=draw(schedules(unit)),
        recurrency="Daily" if kind == "Recurring" else None,
        valid_from=X + window[0] if window else None, valid_to=X + window[1] if window else None)


def context(unit="A", transaction=True) -> comp.Context:
    return comp.Context(1, X, DURATION, unit, X - 20 if transaction else None)


def value(pieces, offset):
    return comp.value_at(pieces, offset)


def offsets(*schedules):
    return sorted({s for pieces in schedules for s, _ in pieces})


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles(), max_size=5), st.sampled_from(comp.UNITS), st.booleans())
def test_periods_start_at_zero_in_order_within_the_duration(installed, unit, transaction):
    pieces = comp.composite(installed, context(unit, transaction))
    starts = [s for s, _ in pieces]
    assert starts[0] == 0 and starts == sorted(set(starts)) and starts[-1] < DURATION
    assert all(a[1] != b[1] for a, b in zip(pieces, pieces[1:]))  # adjacent periods differ


@settings(max_examples=60, deadline=None)
@given(schedules(unit=st.just("A")))
def test_a_single_absolute_profile_is_its_own_schedule(schedule):
    schedule = attrs.evolve(schedule, start=X, duration=None)
    profile = comp.ChargingProfile(1, 1, 0, "TxDefaultProfile", "Absolute", schedule)
    pieces = comp.composite([profile], context())
    for period in schedule.periods:
        assert value(pieces, period.start) == value([(p.start, p.limit) for p in schedule.periods], period.start)


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles(), max_size=5), st.sampled_from((6.0, 10.0, 16.0)))
def test_never_above_a_charge_point_max_profile_3_13_3(installed, cap):
    maximum = comp.ChargingProfile(99, 0, 3, "ChargePointMaxProfile", "Absolute",
                                   comp.Schedule("A", (comp.Period(0, cap),), None, X))
    pieces = comp.composite(installed + [maximum], context())
    assert all(limit is not None and limit <= cap for _, limit in pieces)


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles(), max_size=5), st.sampled_from((6.0, 10.0)), st.sampled_from((2.0, 4.0)))
def test_monotone_in_the_cap(installed, cap, lower_by):
    def with_cap(limit):
        maximum = comp.ChargingProfile(99, 0, 3, "ChargePointMaxProfile", "Absolute",
                                       comp.Schedule("A", (comp.Period(0, limit),), None, X))
        return comp.composite(installed + [maximum], context())

    high, low = with_cap(cap), with_cap(cap - lower_by)
    assert all(value(low, s) <= value(high, s) for s in offsets(high, low))


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles(purpose=st.just("TxDefaultProfile")), max_size=4), st.sampled_from((6.0, 32.0)))
def test_the_highest_stack_level_prevails_3_13_2(installed, limit):
    top = comp.ChargingProfile(98, 1, 3, "TxDefaultProfile", "Absolute",
                               comp.Schedule("A", (comp.Period(0, limit),), None, X - 100))
    assert comp.composite(installed + [top], context()) == [(0, limit)]


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles(purpose=st.sampled_from(("TxDefaultProfile", "ChargePointMaxProfile"))), max_size=4),
       st.sampled_from((6.0, 32.0)))
def test_a_tx_profile_in_force_overrules_the_defaults_3_13_1(installed, limit):
    tx = comp.ChargingProfile(97, 1, 0, "TxProfile", "Absolute", comp.Schedule("A", (comp.Period(0, limit),), None, X))
    without_defaults = [p for p in installed if p.purpose != "TxDefaultProfile"]
    assert comp.composite(installed + [tx], context()) == comp.composite(without_defaults + [tx], context())


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles(), max_size=5))
def test_watts_are_amperes_times_230_v_times_3_phases_7_12(installed):
    amps, watts = comp.composite(installed, context("A")), comp.composite(installed, context("W"))
    for s in offsets(amps, watts):
        a, w = value(amps, s), value(watts, s)
        assert (a is None) == (w is None)
        assert a is None or abs(a * comp.LINE_VOLTAGE * comp.DEFAULT_PHASES - w) < 1e-6


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles(), max_size=5), st.sampled_from((12.0, 40.0)))
def test_a_charge_point_reporting_the_composite_matches(installed, local):
    expected = comp.composite(installed, context())
    capped = [(s, local if m is None else m) for s, m in expected]
    assert comp.matches(capped, expected, DURATION)
    lowered = [(s, local if m is None else m - 1) for s, m in expected]
    assert comp.matches(lowered, expected, DURATION) == all(m is None for _, m in expected)


def test_profile_schedule_ended_falls_back_to_a_lower_stack_level_tc_072():
    def tx_default(profile_id, stack, periods, duration):
        return comp.ChargingProfile(profile_id, 1, stack, "TxDefaultProfile", "Absolute", comp.Schedule(
            "A", tuple(comp.Period(s, float(limit)) for s, limit in periods), duration, X), valid_to=X + 401)

    installed = [tx_default(1, 0, ((0, 6), (100, 8), (200, 10)), 400), tx_default(2, 1, ((0, 7), (100, 9)), 150)]
    assert comp.composite(installed, comp.Context(1, X, 350, "A")) == [(0, 7.0), (100, 9.0), (150, 8.0), (200, 10.0)]


def test_recurring_daily_restarts_every_24_hours_errata_3_78():
    daily = comp.ChargingProfile(1, 0, 0, "ChargePointMaxProfile", "Recurring", comp.Schedule(
        "A", (comp.Period(0, 16.0), (comp.Period(3600, 8.0))), 7200, X - 1000), recurrency="Daily")
    pieces = comp.composite([daily], comp.Context(1, X, 2 * 86400, "A"))
    assert pieces == [(0, 16.0), (2600, 8.0), (6200, None), (85400, 16.0), (89000, 8.0), (92600, None),
                      (171800, 16.0)]
