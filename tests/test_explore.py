"""``ocpp-verify explore``: bounded breadth-first exploration (properties/explore/), the canonical
abstract state (model/abstraction.py) and the model's invariants (model/invariants.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import pytest

from model import Options, initial_state
from model import invariants
from model.abstraction import FIELDS, UNREAD, fields_of, key
from model.reservation import Reservation, Reservations
from model.state import Tx
from properties import findings
from properties.cli import main
from properties.explore.alphabet import build, closed, core, symmetric_tags
from properties.explore.report import load_states
from properties.explore.search import ExploreConfig, explore
from properties.replay import replay
from properties.runner import FuzzConfig

MODEL = Path(__file__).resolve().parents[1] / "model"


def run(tmp_path: Path, depth: int, ops=None, mutant=None, profiles="Core", link="memory", hostile=False, **options):
    fuzz = FuzzConfig(feature_profiles=profiles, mutant=mutant, findings_dir=tmp_path / "findings", link=link,
                      hostile=hostile)
    return explore(ExploreConfig(depth=depth, budget=None, ops=ops, fuzz=fuzz, **options))


# -- the search ---------------------------------------------------------------------------------------------------


def test_the_state_count_is_deterministic_for_a_bound(tmp_path):
    ops = ("PlugIn", "Unplug", "PresentIdTag", "SetIdTag")
    first, second = run(tmp_path, 3, ops), run(tmp_path, 3, ops)
    assert (first.states, first.transitions, first.per_depth) == (second.states, second.transitions, second.per_depth)
    assert first.edges == second.edges
    assert first.depth_completed == 3 and first.stopped == "depth" and not first.findings
    assert first.per_depth[0] == 1 and first.states == sum(first.per_depth)


def test_every_way_of_reaching_a_state_explores_the_same_graph(tmp_path):
    """Replaying each state's path over either link, or trying each letter in a forked copy of the
    process, gives the same states and transitions."""
    ops = ("PlugIn", "PresentIdTag", "SetIdTag", "NetworkDown")
    graphs = [run(tmp_path, 2, ops, link=link, restore=restore).edges
              for link, restore in (("memory", "replay"), ("websocket", "replay"), ("memory", "fork"))]
    assert graphs[0] == graphs[1] == graphs[2] and len(graphs[0]) > 20


def test_symmetry_merges_mirrored_states(tmp_path):
    ops = ("PlugIn", "Unplug", "PresentIdTag", "SetIdTag")
    plain, symmetric = run(tmp_path, 3, ops), run(tmp_path, 3, ops, symmetry=True)
    assert symmetric.states < plain.states
    assert not symmetric.findings


def test_the_clean_charge_point_keeps_every_invariant_and_is_never_flagged(tmp_path):
    """No dead end within depth 2 of the small Core alphabet: no model rule and no invariant fails."""
    report = run(tmp_path, 2)
    assert report.depth_completed == 2 and report.transitions > 200
    assert not report.findings and not report.dead_ends


PINNED = [
    ("ReadOnlyKeyAccepted", "Core", None, 1, "ReadOnlyKeyChanged",
     [{"op": "ChangeConfiguration", "key": "NumberOfConnectors", "value": "3"}]),
    ("UnknownKeyRejectedNotNotSupported", "Core", ("GetConfiguration", "ChangeConfiguration"), 2,
     "NotSupportedExpected",
     [{"op": "GetConfiguration", "key": ["NoSuchKey"]}, {"op": "ChangeConfiguration", "key": "NoSuchKey", "value": "1"}]),
    ("StatusNotReportedAfterReconnect", "Core", ("NetworkDown", "NetworkUp", "PlugIn", "Unplug"), 3,
     "StatusNotReported", [{"op": "NetworkDown"}, {"op": "PlugIn", "connectorId": 1}, {"op": "NetworkUp"}]),
    ("ReservationNotReleasedAtExpiry", "Core,Reservation", ("ReserveNow", "AdvanceTime"), 2, "ReservedAfterReservationEnded",
     [{"op": "ReserveNow", "connectorId": 1, "expiryDate": "2025-01-01T00:00:30Z", "idTag": "TAG1",
       "reservationId": 1}, {"op": "AdvanceTime", "seconds": 30}]),
]


@pytest.mark.parametrize("mutant, profiles, ops, depth, rule, trace", PINNED, ids=[p[0] for p in PINNED])
def test_the_counterexample_of_a_mutant_is_pinned(tmp_path, mutant, profiles, ops, depth, rule, trace):
    report = run(tmp_path, depth, ops, mutant, profiles, stop_at_first=True)
    assert [(f.rule, f.trace) for f in report.findings] == [(rule, trace)]
    assert not report.dead_ends


HOSTILE_PINNED = [
    ("CaseInsensitiveActions", ("UnknownAction",), 1, "MalformedMessageNotRefused",
     [{"op": "UnknownAction", "action": "clearCache"}]),
    ("ResetSkipsUnconfirmedTransaction", ("SetIdTag", "PlugIn", "CrossingCall", "PresentIdTag"), 4,
     "StopTransactionReason",
     [{"op": "PlugIn", "connectorId": 1}, {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"},
      {"op": "CrossingCall", "hold": "StartTransaction", "call": {"op": "Reset", "type": "Soft"}},
      {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]),
]


@pytest.mark.parametrize("mutant, ops, depth, rule, trace", HOSTILE_PINNED, ids=[p[0] for p in HOSTILE_PINNED])
def test_the_counterexample_of_a_hostile_mutant_is_pinned(tmp_path, mutant, ops, depth, rule, trace):
    """With --hostile the alphabet has the frames and crossings of docs/hostile.md; a crossing armed by
    one step and carried by the next is replayed as a judged run carries it."""
    report = run(tmp_path, depth, ops, mutant, hostile=True, stop_at_first=True)
    assert [(f.rule, f.trace) for f in report.findings] == [(rule, trace)]
    assert not report.dead_ends


def test_a_crossing_armed_is_a_state_of_its_own(tmp_path):
    """A CrossingCall changes nothing the model keeps, only what the endpoint does at the next step:
    the state after it is not the state before it, or the crossing would never be tried. The clean
    charge point passes every crossing."""
    report = run(tmp_path, 3, ("SetIdTag", "PlugIn", "CrossingCall"), hostile=True)
    crossings = [(before, after) for before, name, after in report.edges if name.startswith("CrossingCall")]
    armed = {after for _, after in crossings}
    unarmed = [(before, after) for before, after in crossings if before not in armed]
    assert unarmed and all(before != after for before, after in unarmed)
    assert not report.findings
    assert not [x for x in run(tmp_path, 1, ("PlugIn", "SetIdTag")).letters if x.profile == "Hostile"]


def test_paths_the_model_says_commute_are_kept_apart_by_what_the_charge_point_said(tmp_path):
    """The model's state after a charging profile and a reboot is the one after a reboot and a profile (errata
    3.37: profiles SHALL persist across reboots); a charge point that loses its profiles at the reboot tells them
    apart only by a later GetCompositeSchedule. With the charge point's last messages in the state (the default),
    the path through the reboot is explored. (A Local Authorization List no longer serves: it only SHOULD persist,
    §3.5.2, so the model keeps a list lost at the reboot possible, a state of its own.)"""
    ops, profiles = ("SetChargingProfile", "Reset", "GetCompositeSchedule"), "Core,SmartCharging"
    found = run(tmp_path, 3, ops, "ChargingProfilesLostAtReboot", profiles)
    assert [(f.rule, [s["op"] for s in f.trace]) for f in found.findings] == [
        ("CompositeScheduleMismatch", ["SetChargingProfile", "Reset", "GetCompositeSchedule"])]
    merged = run(tmp_path, 3, ops, "ChargingProfilesLostAtReboot", profiles, history=False)
    assert not merged.findings and merged.states < found.states


def test_a_finding_replays_unchanged_and_only_on_its_mutant(tmp_path):
    report = run(tmp_path, 1, mutant="ReadOnlyKeyAccepted")
    saved = findings.load(report.findings[0].path)
    assert saved["steps"] == report.findings[0].trace and saved["violations"][0]["rule"] == "ReadOnlyKeyChanged"
    violations, _ = replay(saved, mutant="ReadOnlyKeyAccepted")
    assert [v.rule for v in violations] == ["ReadOnlyKeyChanged"]
    assert replay(saved) == ((), 1)


def test_a_violation_on_the_clean_charge_point_is_a_dead_end(tmp_path, monkeypatch):
    """A property that the clean charge point breaks (here an invariant made up for the test) is reported
    as a dead end: a false alarm of the model or a bug of the bundled charge point."""
    monkeypatch.setitem(invariants.INVARIANTS, "NeverPlugged", (
        "none", lambda state: "plugged" if any(c.plugged for c in state.connectors) else None))
    report = run(tmp_path, 2, ("PlugIn", "Unplug"))
    assert [(f.rule, len(f.trace)) for f in report.findings] == [("InvariantNeverPlugged", 1)]
    assert report.dead_ends == {"InvariantNeverPlugged"}


def test_budget_and_states_limit_stop_the_search_with_a_frontier_left(tmp_path):
    fuzz = FuzzConfig(feature_profiles="Core", findings_dir=tmp_path)
    report = explore(ExploreConfig(depth=5, budget=None, states_limit=10, fuzz=fuzz))
    assert report.stopped == "states-limit" and report.states == 10 and report.frontier_left > 0
    assert report.depth_completed < 5


# -- the alphabet ---------------------------------------------------------------------------------------------------


def test_letters_respect_the_physical_world_and_the_connection():
    state = initial_state(Options())
    letters = {x.name: x for x in core(range(1, 3), "small")}
    assert letters["PlugIn(1)"].step(state) == {"op": "PlugIn", "connectorId": 1}
    assert letters["Unplug(1)"].step(state) is None
    plugged = state.with_connector(attrs.evolve(state.connector(1), plugged=True, plugged_at=0.0))
    assert letters["PlugIn(1)"].step(plugged) is None
    assert letters["Reset(Soft)"].step(attrs.evolve(state, online=False)) is None
    assert letters["RemoteStopTransaction(running)"].step(state) is None


def test_the_alphabet_follows_the_supported_profiles_and_ops():
    root = initial_state(Options())
    assert {x.profile for x in build(root)} == {"Core"}
    only = build(root, ops=["PlugIn"])
    assert [x.name for x in only] == ["PlugIn(1)", "PlugIn(2)"]
    with pytest.raises(ValueError, match="ReserveNow"):
        build(root, ops=["ReserveNow"])


def test_a_symmetric_alphabet_is_closed_under_the_permutations():
    letters = core(range(1, 3), "large")
    tags = symmetric_tags(letters)
    assert tags == ("TAG1", "TAG2")
    closure = closed(letters, 2, tags, True)
    assert closure[:len(letters)] == letters
    assert any(x.name == "RemoteStartTransaction(0, TAG2)" for x in closure)
    assert closed(closure, 2, tags, True) == closure


# -- the abstraction ------------------------------------------------------------------------------------------------


def plugged(state, c: int, at: float):
    return state.with_connector(attrs.evolve(state.connector(c), plugged=True, plugged_at=at))


def test_times_count_from_now():
    early = plugged(initial_state(Options(), time=100.0), 1, 70.0)
    late = plugged(initial_state(Options(), time=500.0), 1, 470.0)
    assert key((early,)) == key((late,))
    assert key((early,)) != key((plugged(initial_state(Options(), time=500.0), 1, 400.0),))


def test_transaction_ids_are_renumbered_in_order():
    def charging(tx_id, stopped):
        state = attrs.evolve(initial_state(Options()), stopped=frozenset(stopped))
        return state.with_connector(attrs.evolve(state.connector(1), tx=Tx("TAG1", 0, tx_id)))

    assert key((charging(7, {3}),)) == key((charging(2, {1}),))
    assert key((charging(1, {2}),)) != key((charging(2, {1}),))


def test_symmetry_permutes_connectors_and_id_tags_but_nothing_else():
    state = initial_state(Options())
    one, two = plugged(state, 1, 0.0), plugged(state, 2, 0.0)
    assert key((one,)) != key((two,))
    assert key((one,), True) == key((two,), True)
    tag1 = attrs.evolve(state, policy=(("TAG1", "Accepted", None),))
    tag2 = attrs.evolve(state, policy=(("TAG2", "Accepted", None),))
    assert key((tag1,), False, ("TAG1", "TAG2")) == key((tag2,), False, ("TAG1", "TAG2"))
    reserved = Reservations((Reservation(1, 1, "TAG1", None, 30.0),), frozenset({1}))
    near = attrs.evolve(one, reservations=reserved)
    far = attrs.evolve(two, reservations=reserved)
    assert key((near,), True) != key((far,), True), "a reservation's connector moves with its connector"


def test_every_field_of_the_state_is_classified():
    for cls in FIELDS:
        fields_of(cls)
    state = initial_state(Options())
    with pytest.raises(TypeError, match="does not know"):
        key((attrs.evolve(state, firmware=attrs.make_class("Unknown", ["x"], frozen=True)(1)),))


def test_the_fields_left_out_are_read_by_no_rule():
    source = "\n".join(p.read_text() for p in MODEL.glob("*.py") if p.name not in ("abstraction.py", "state.py"))
    for name in UNREAD:
        assert not re.search(rf"\.{name}\b", source), f"a rule reads {name}: classify it in model/abstraction.py"


# -- the invariants -------------------------------------------------------------------------------------------------


def broken_names(state) -> list[str]:
    return [v.rule for v in invariants.broken((state,))]


def test_each_invariant_can_fail():
    state = initial_state(Options(), time=100.0)
    tx = Tx("TAG1", 0, 1)
    both = state.with_connector(attrs.evolve(state.connector(1), tx=tx)).with_connector(
        attrs.evolve(state.connector(2), tx=tx))
    assert broken_names(state) == []
    assert broken_names(both) == ["InvariantOneConnectorPerTransaction"]
    assert "InvariantNoTransactionOnConnectorZero" in broken_names(
        state.with_connector(attrs.evolve(state.connector(0), tx=tx)))
    assert broken_names(attrs.evolve(both.with_connector(state.connector(2)), stopped=frozenset({1}))) == [
        "InvariantRunningTransactionNotStopped"]
    assert broken_names(attrs.evolve(state, cache=(("TAG1", "Accepted", None, None),) * 2)) == ["InvariantOneEntryPerIdTag"]
    reserved = state.with_connector(attrs.evolve(state.connector(1), reported="Reserved"))
    assert broken_names(reserved) == ["InvariantReservedConnectorHasItsReservation"]
    live = Reservations((Reservation(1, 1, "TAG1", None, 50.0),), frozenset())
    assert broken_names(attrs.evolve(reserved, reservations=live)) == [
        "InvariantLiveReservationsIssued", "InvariantNoReservationPastExpiry"]
    assert broken_names(plugged(state, 1, None)) == ["InvariantPlugAndCardTimes"]


def test_something_owed_past_due_breaks_an_invariant():
    from model.state import Owed

    state = initial_state(Options(), time=100.0)
    late = attrs.evolve(state, owed=(Owed("StatusNotification", "StatusNotReported", "§4.9", "", 50.0, connector=1),))
    assert broken_names(late) == ["InvariantNothingOwedOverdue"]
    assert broken_names(attrs.evolve(late, online=False)) == []


# -- the command line -----------------------------------------------------------------------------------------------


def test_cli_writes_summary_state_set_picture_and_junit(tmp_path, capsys):
    states, graph, junit = tmp_path / "states.json", tmp_path / "graph.mmd", tmp_path / "junit.xml"
    code = main(["explore", "--depth", "2", "--feature-profiles", "Core", "--ops", "PlugIn,Unplug,PresentIdTag",
                 "--findings", str(tmp_path), "--json", "--states", str(states), "--graph", str(graph),
                 "--junit", str(junit)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["depthCompleted"] == 2 and summary["states"] >= len(load_states(states)["states"]) > 1
    assert summary["requirements"]["exercised"] > 0 and summary["rulesJudged"]
    assert summary["transitions"] >= len(load_states(states)["transitions"]) > 0
    assert graph.read_text().startswith("flowchart LR") and "PlugIn(1)" in graph.read_text()
    assert 'failures="0"' in junit.read_text()


def test_cli_exit_codes(tmp_path, capsys):
    common = ["--feature-profiles", "Core", "--findings", str(tmp_path)]
    assert main(["explore", "--depth", "1", "--mutant", "ReadOnlyKeyAccepted", *common]) == 1
    assert "ReadOnlyKeyChanged" in capsys.readouterr().out
    assert main(["explore", "--depth", "0", *common]) == 2
    assert main(["explore", "--ops", "ReserveNow", *common]) == 2
    assert "no letter" in capsys.readouterr().err
    assert main(["explore", "--mutant", "NoSuchMutant", *common]) == 2


# -- the bridge to fuzzing ------------------------------------------------------------------------------------------


def test_fuzz_reports_what_it_reached_of_an_exploration_and_steers(tmp_path, capsys, monkeypatch):
    states = tmp_path / "states.json"
    assert main(["explore", "--depth", "2", "--feature-profiles", "Core", "--ops", "PlugIn,Unplug,PresentIdTag,SetIdTag",
                 "--findings", str(tmp_path), "--states", str(states)]) == 0
    targets = []
    monkeypatch.setattr("properties.explore.bridge.target", lambda score, label: targets.append(score))
    capsys.readouterr()
    code = main(["fuzz", "--feature-profiles", "Core", "--max-examples", "5", "--seed", "1", "--link", "memory",
                 "--findings", str(tmp_path / "fuzz"), "--states", str(states), "--json"])
    assert code == 0
    explored = json.loads(capsys.readouterr().out)["explored"]
    assert explored["bootStateKnown"] and explored["states"] == len(load_states(states)["states"])
    assert 1 <= explored["statesReached"] <= explored["states"]
    assert explored["reachedByDepth"]["0"] == "1/1"
    assert len(targets) >= 5 and all(score > 0 for score in targets), "every example starts at the root"


def test_fuzz_refuses_a_state_set_of_other_settings(tmp_path, capsys):
    states = tmp_path / "states.json"
    assert main(["explore", "--depth", "1", "--feature-profiles", "Core", "--ops", "PlugIn", "--findings",
                 str(tmp_path), "--states", str(states)]) == 0
    code = main(["fuzz", "--connectors", "3", "--feature-profiles", "Core", "--max-examples", "1",
                 "--findings", str(tmp_path), "--states", str(states)])
    assert code == 2 and "--connectors" in capsys.readouterr().err
    (tmp_path / "other.json").write_text("{}")
    assert main(["fuzz", "--max-examples", "1", "--states", str(tmp_path / "other.json")]) == 2


# -- an external charge point ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_explore_an_external_charge_point(tmp_path, capsys):
    """The bundled charge point with a mutant in its own process (``ocpp-verify simulate``), explored in
    real time: the shortest trace is found and saved as an external finding."""
    from test_external_cli import free_port, simulator, write_description

    port, control_port = free_port(), free_port()
    description = write_description(tmp_path / "cp.toml", port, control_port)
    with simulator(port, control_port, "ReadOnlyKeyAccepted"):
        code = main(["explore", "--sut", "external", "--description", str(description), "--depth", "1",
                     "--ops", "ChangeConfiguration", "--findings", str(tmp_path), "--json"])
    assert code == 1
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    assert finding["trace"] == [{"op": "ChangeConfiguration", "key": "NumberOfConnectors", "value": "3"}]
    assert findings.load(finding["file"])["settings"]["sut"] == "external"
