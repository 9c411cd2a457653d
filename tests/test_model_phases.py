"""model/phases.py: the connector's phase decides the statuses that fit (§4.9), one table (issue 20)."""

import attrs

from model import Options, initial_state
from model.judge import Judgement
from model.phases import PHASES, phase_of


def test_every_phase_cites_its_clause_and_the_last_one_always_holds():
    assert all("§" in p.clause or "OCTT" in p.clause for p in PHASES)
    assert len({p.name for p in PHASES}) == len(PHASES)
    assert PHASES[-1].when(None, None) is True


def test_the_first_phase_that_holds_decides():
    rules = Judgement(initial_state(Options()))
    c = rules.state.connector(1)
    assert phase_of(rules, c).name == "idle"
    assert phase_of(rules, attrs.evolve(c, plugged=True)).name == "plugged"
    assert phase_of(rules, attrs.evolve(c, plugged=True, faulted=True)).name == "faulted"
    assert rules.settled_statuses(attrs.evolve(c, faulted=True)) == {"Faulted"}
    assert phase_of(rules, rules.state.connector(0)).name == "Charge Point operative"
