"""model/phases.py ``phase_of`` skips rows that cannot hold (check-log speed, issue 17, session 9): a connector without
a transaction skips the transaction rows, one with a transaction the rows after them. The same row as the whole table."""

import itertools

import attrs

from model import Options, initial_state
from model.judge import Judgement
from model.phases import _OF_CONNECTORS, PHASES, phase_of
from model.state import Owed, Tx


def _first_row(rules, c):
    return next(p for p in (PHASES if c.id == 0 else _OF_CONNECTORS) if p.when(rules, c))


TXS = (None, Tx("TAG1", 0, transaction_id=7), Tx("TAG1", 0, start_failures=1), Tx("TAG1", 0, overdue=True))
STOP = Owed("StopTransaction", "StopTransactionMissing", "§4.10", "", 0.0, connector=1, reasons=frozenset({"Local"}))


def test_phase_of_gives_the_first_row_of_the_whole_table():
    seen = set()
    for owed, retrying, zero_inoperative in itertools.product(((), (STOP,)), (frozenset(), frozenset({7})), (False, True)):
        state = initial_state(Options())
        zero = attrs.evolve(state.connector(0), inoperative=zero_inoperative)
        state = attrs.evolve(state, owed=owed, retrying=retrying, connectors=(zero,) + state.connectors[1:])
        rules = Judgement(state)
        for tx, plugged, faulted, tags, finishing, authorized, inoperative in itertools.product(
                TXS, (False, True), (False, True), (frozenset(), frozenset({"TAG2"})), (False, True), (None, "TAG1"),
                (False, True)):
            c = attrs.evolve(state.connector(1), tx=tx, plugged=plugged, faulted=faulted, offline_tags=tags,
                             offline_causes=tags and frozenset({"PowerLoss"}), finishing=finishing,
                             authorized=authorized, inoperative=inoperative)
            assert phase_of(rules, c) is _first_row(rules, c), c
            seen.add(phase_of(rules, c).name)
        assert phase_of(rules, state.connector(0)) is _first_row(rules, state.connector(0))
    assert len(seen) >= 12  # transaction rows and idle rows alike
