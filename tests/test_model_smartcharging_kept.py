"""Charging profiles the Charge Point keeps, replaces and re-applies (OCPP 1.6 §3.13.2, §3.13.6, errata v4.0 3.8,
3.37), judged from the Composite Schedule it reports (§5.7), both ways: what the spec requires passes, the profile
lost or the old one kept is CompositeScheduleMismatch."""

from __future__ import annotations

from model import Connection, CpCall, Stimulus, judge
from test_model_smartcharging import START, T0, call, charging, clear, fresh, get_composite, set_profile

LATER = "2025-01-01T01:00:00Z"


def sn(connector: int, status: str) -> CpCall:
    return CpCall("StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": status}, T0,
                  answer={})


def step(state, op: str, *observed, **payload):
    verdict = judge(state, Stimulus.from_step({"op": op, **payload}), list(observed))
    assert verdict.violations == (), verdict.violations
    return verdict.state


def composite_rules(state, periods, duration=300):
    return get_composite(state, periods, duration=duration)[1]


def own_limit(state, limit=32.0):
    """The Charge Point's own limit, learnt from a composite reported with no profile to compose from (§5.7)."""
    state, found = get_composite(state, [(0, limit)])
    assert found == []
    return state


def test_3_13_2_a_replacement_valid_from_the_future_reverts_to_default_until_then():
    """§3.13.2: an updated profile of the same stackLevel and purpose with validFrom in the future SHALL replace the
    installed one, and the Charge Point SHALL revert to default behaviour until validFrom."""
    state, _ = set_profile(own_limit(fresh()), profile_id=1, periods=((0, 6.0),), duration=7200)
    state, found = set_profile(state, profile_id=2, periods=((0, 10.0),), duration=7200, validFrom=LATER)
    assert found == [] and [p.id for p in state.smart_charging.profiles] == [2]
    assert composite_rules(state, [(0, 32.0)]) == []
    assert composite_rules(state, [(0, 6.0)]) == ["CompositeScheduleMismatch"]  # the replaced profile still used
    assert call(state, "GetCompositeSchedule", {"status": "Rejected"}, connectorId=1, duration=300,
                chargingRateUnit="A")[1] == []  # nothing valid now to compose from (§5.7)


def test_3_13_6_a_tx_profile_is_kept_over_a_network_loss():
    """§3.13.6: a Charge Point that goes offline after receiving a TxProfile SHALL continue to use it for the
    duration of the transaction; the composite reported after the reconnection shows it."""
    state, found = set_profile(charging(fresh()), purpose="TxProfile", periods=((0, 8.0),), start=None,
                               kind="Relative")
    state = step(state, "NetworkDown", Connection(False, T0))
    state = step(state, "NetworkUp", Connection(True, T0))
    assert found == [] and composite_rules(state, [(0, 8.0)]) == []
    assert composite_rules(state, [(0, 16.0)]) == ["CompositeScheduleMismatch"]


def test_3_13_6_offline_before_a_tx_profile_the_available_profiles_apply():
    """§3.13.6: offline before a TxProfile came, the Charge Point SHALL use the profiles available (a TxDefaultProfile
    here) for the transaction."""
    state, _ = set_profile(fresh(), periods=((0, 6.0),))
    state = step(state, "NetworkDown", Connection(False, T0))
    state = step(state, "NetworkUp", Connection(True, T0))
    state = charging(state)
    assert composite_rules(state, [(0, 6.0)]) == []
    assert composite_rules(state, [(0, 16.0)]) == ["CompositeScheduleMismatch"]


def test_errata_3_8_a_tx_default_profile_updated_during_a_transaction_applies_to_it():
    """Errata v4.0 3.8: a new or updated TxDefaultProfile received while a transaction runs that uses no profile or the
    current TxDefaultProfile SHALL be used by that transaction."""
    state, _ = set_profile(charging(fresh()), profile_id=1, periods=((0, 6.0),))
    assert composite_rules(state, [(0, 6.0)]) == []
    state, found = set_profile(state, profile_id=1, periods=((0, 10.0),))
    assert found == [] and composite_rules(state, [(0, 10.0)]) == []
    assert composite_rules(state, [(0, 6.0)]) == ["CompositeScheduleMismatch"]


def test_errata_3_8_a_tx_default_profile_cleared_during_a_transaction_no_longer_applies():
    """Errata v4.0 3.8: the transaction follows the TxDefaultProfiles there are: one cleared no longer limits it."""
    state, _ = set_profile(charging(own_limit(fresh())), profile_id=1, periods=((0, 6.0),))
    state, found = clear(state, "Accepted", id=1)
    assert found == [] and composite_rules(state, [(0, 32.0)]) == []
    assert composite_rules(state, [(0, 6.0)]) == ["CompositeScheduleMismatch"]


def test_errata_3_37_profiles_are_persistent_across_a_power_cycle():
    """Errata v4.0 3.37: profiles set by SetChargingProfile.req SHALL be persistent across reboots/power cycles."""
    state, _ = set_profile(fresh(), periods=((0, 6.0),))
    boot = CpCall("BootNotification", {"chargePointModel": "M", "chargePointVendor": "V"}, T0,
                  answer={"status": "Accepted", "interval": 300, "currentTime": START})
    state = step(state, "PowerLoss", Connection(False, T0))
    state = step(state, "PowerOn", Connection(True, T0), boot, sn(0, "Available"), sn(1, "Available"),
                 sn(2, "Available"))
    assert composite_rules(state, [(0, 6.0)]) == []
    assert composite_rules(state, [(0, 16.0)]) == ["CompositeScheduleMismatch"]
