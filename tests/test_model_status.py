"""The connector status table of OCPP 1.6 §4.9 (model/status.py).

The expected table below is transcribed by hand from the spec's table
("The following table describes which status transitions are possible");
when the spec text is on this machine, it is also parsed from there.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import CpCall, Options, Stimulus, initial_state, judge
from model.status import CONNECTOR_ZERO_STATUSES, STATUSES, TRANSITIONS, transition_code

SPEC = Path("/work/shared/spec/ocpp-1.6-edition-2.txt")

# Row: from-status; the to-statuses whose cell is filled in the §4.9 table.
SPEC_TABLE = {
    "Available": "Preparing Charging SuspendedEV SuspendedEVSE Reserved Unavailable Faulted",
    "Preparing": "Available Charging SuspendedEV SuspendedEVSE Finishing Faulted",
    "Charging": "Available SuspendedEV SuspendedEVSE Finishing Unavailable Faulted",
    "SuspendedEV": "Available Charging SuspendedEVSE Finishing Unavailable Faulted",
    "SuspendedEVSE": "Available Charging SuspendedEV Finishing Unavailable Faulted",
    "Finishing": "Available Preparing Unavailable Faulted",
    "Reserved": "Available Preparing Unavailable Faulted",
    "Unavailable": "Available Preparing Charging SuspendedEV SuspendedEVSE Faulted",
    "Faulted": "Available Preparing Charging SuspendedEV SuspendedEVSE Finishing Reserved Unavailable",
}
COLUMNS = ("Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE",
           "Finishing", "Reserved", "Unavailable", "Faulted")
ROW_LETTERS = "ABCDEFGHI"


def cell_code(old: str, new: str) -> str:
    return f"{ROW_LETTERS[COLUMNS.index(old)]}{COLUMNS.index(new) + 1}"


EXPECTED = {(old, new): cell_code(old, new) for old, row in SPEC_TABLE.items() for new in row.split()}
ALLOWED_PAIRS = sorted(EXPECTED)
FORBIDDEN_PAIRS = sorted(
    (old, new) for old in COLUMNS for new in COLUMNS if old != new and (old, new) not in EXPECTED
)

statuses = st.sampled_from(STATUSES)
connector_ids = st.integers(min_value=1, max_value=64)


def test_7_7_statuses_are_the_nine_charge_point_statuses_in_table_order():
    assert STATUSES == COLUMNS


def test_4_9_transitions_hold_exactly_the_cells_of_the_table():
    assert TRANSITIONS == EXPECTED


def test_4_9_table_has_the_spec_cell_count():
    # A:7 B:6 C:6 D:6 E:6 F:4 G:4 H:6 I:8
    assert len(TRANSITIONS) == 53


def test_4_9_table_matches_the_spec_text():
    if not SPEC.exists():
        pytest.skip("spec text not on this machine")
    row = re.compile(r"^\s+([A-I])\s+(Available|Preparing|Charging|SuspendedEVSE|SuspendedEV|Finishing"
                     r"|Reserved|Unavailable|Faulted)\s+((?:[A-I][1-9]\s*)+)$")
    parsed = {}
    for line in SPEC.read_text().splitlines():
        match = row.match(line)
        if match:
            letter, status, cells = match.groups()
            for cell in cells.split():
                assert cell[0] == letter
                parsed[(status, COLUMNS[int(cell[1]) - 1])] = cell
    assert parsed == TRANSITIONS


@pytest.mark.parametrize(("old", "new"), ALLOWED_PAIRS)
def test_4_9_every_cell_of_the_table_is_allowed_with_its_code(old, new):
    assert transition_code(old, new, 1) == cell_code(old, new)


SHORT_PREPARING_PAIRS = [(old, new) for old, new in FORBIDDEN_PAIRS
                         if new in ("Charging", "SuspendedEV", "SuspendedEVSE") and (old, "Preparing") in TRANSITIONS]


@pytest.mark.parametrize(("old", "new"), [p for p in FORBIDDEN_PAIRS if p not in SHORT_PREPARING_PAIRS])
def test_4_9_status_transition_not_in_table_is_not_allowed(old, new):
    assert transition_code(old, new, 1) is None


@pytest.mark.parametrize(("old", "new"), SHORT_PREPARING_PAIRS)
def test_4_9_minimum_status_duration_a_short_preparing_before_a_start_may_go_unreported(old, new):
    """§4.9: Preparing to Charging "possibly within a couple of seconds"; a status active for less than
    MinimumStatusDuration (or the manufacturer's minimum) MAY be omitted (issue 14: Reserved → Charging)."""
    assert transition_code(old, new, 1) == f"{cell_code(old, 'Preparing')}+{cell_code('Preparing', new)}"


def test_4_9_examples_of_forbidden_transitions():
    assert transition_code("Preparing", "Reserved", 1) is None  # no B7
    assert transition_code("Preparing", "Unavailable", 1) is None  # no B8
    assert transition_code("Finishing", "Charging", 1) == "F2+B3"  # no F3: it passes a short Preparing
    assert transition_code("Reserved", "Charging", 1) == "G2+B3"  # no G3: likewise
    assert transition_code("Charging", "Reserved", 1) is None  # no C7
    assert transition_code("Unavailable", "Finishing", 1) is None  # no H6
    assert transition_code("Charging", "Preparing", 1) is None  # no C2


@given(statuses, connector_ids)
def test_4_9_repeating_the_current_status_is_always_allowed(status, connector_id):
    assert transition_code(status, status, connector_id) == "="


@given(statuses, connector_ids)
def test_4_9_first_report_after_boot_may_be_any_status(status, connector_id):
    assert transition_code(None, status, connector_id) == "="


@given(statuses, statuses, connector_ids)
def test_4_9_the_table_is_the_same_for_every_connector_above_zero(old, new, connector_id):
    assert transition_code(old, new, connector_id) == transition_code(old, new, 1)


@given(st.one_of(st.none(), statuses), statuses)
def test_4_9_connector_zero_only_available_unavailable_faulted(old, new):
    code = transition_code(old, new, 0)
    if new in ("Available", "Unavailable", "Faulted"):
        assert code is not None
    else:
        assert code is None


def test_4_9_connector_zero_limited_set():
    assert CONNECTOR_ZERO_STATUSES == {"Available", "Unavailable", "Faulted"}


@given(statuses, statuses)
def test_4_9_connector_zero_moves_freely_within_its_set(old, new):
    """'The status of ConnectorId 0 has no direct connection to the status of the individual Connectors'."""
    if old in CONNECTOR_ZERO_STATUSES and new in CONNECTOR_ZERO_STATUSES:
        assert transition_code(old, new, 0) is not None


@given(st.text(min_size=1, max_size=12).filter(lambda s: s not in STATUSES), st.one_of(st.none(), statuses),
       st.integers(min_value=0, max_value=3))
def test_4_9_unknown_status_is_never_allowed(new, old, connector_id):
    """'Occupied' and other names are not statuses of 1.6 (§4.9, §7.7)."""
    if old is None and connector_id > 0:
        return  # the first report is not judged by the table
    assert transition_code(old, new, connector_id) is None


def test_4_9_occupied_is_no_longer_a_status():
    assert transition_code("Available", "Occupied", 1) is None
    assert transition_code("Available", "Occupied", 0) is None


@given(st.one_of(st.none(), statuses), statuses, st.integers(min_value=0, max_value=2))
def test_4_9_judge_flags_a_status_notification_iff_the_table_forbids_it(old, new, connector_id):
    state = initial_state(Options(number_of_connectors=2))
    state = state.with_connector(attrs.evolve(state.connector(connector_id), reported=old))
    call = CpCall("StatusNotification", {"connectorId": connector_id, "errorCode": "NoError", "status": new}, 0.0, answer={})
    verdict = judge(state, Stimulus.from_step({"op": "AdvanceTime", "seconds": 0}), [call])
    flagged = "StatusTransitionNotAllowed" in [v.rule for v in verdict.violations]
    assert flagged == (transition_code(old, new, connector_id) is None)
    assert verdict.state.connector(connector_id).reported == new


@pytest.mark.parametrize(("old", "new"), FORBIDDEN_PAIRS)
def test_4_9_9_1_20_with_minimum_status_duration_any_status_may_follow_any_other(old, new):
    """§4.9: a status "active for less time than" MinimumStatusDuration MAY go unreported; the table reaches every
    status from every other, so with MinimumStatusDuration set every pair is a path with statuses omitted."""
    assert transition_code(old, new, 1, omitting=True) == "~"
    assert transition_code(old, new, 0, omitting=True) == transition_code(old, new, 0)


def test_4_9_the_table_reaches_every_status_from_every_other():
    reached = {s: {s} for s in STATUSES}
    for _ in STATUSES:
        for old, new in TRANSITIONS:
            for start in STATUSES:
                if old in reached[start]:
                    reached[start].add(new)
    assert all(reached[s] == set(STATUSES) for s in STATUSES)
