"""A signal during an OCTT case stops it after the step under way (sim-triage session 4: sap-octt-s3 looked hung)."""

from __future__ import annotations

import json
import signal

from properties import stopping
from properties.cli import main
from properties.octt import runner


def test_octt_a_signal_in_the_middle_of_a_case_stops_after_its_step_under_way(capsys, monkeypatch):
    """sap-octt-s3 (session 3) was no hang in fresh(): TC_036_CS waits 180 s offline and 60 s for the reconnection by
    design, and a first SIGTERM waited for the end of the case. It now stops after the step under way: the case
    gets no verdict (it did not run to its end), the cases before keep theirs."""
    performed, ops = runner.performed, []

    def signalled(harness, op):
        ops.append(op["op"])
        if op["op"] == "NetworkDown":
            stopping._handler(signal.SIGTERM, None)
        return performed(harness, op)

    monkeypatch.setattr(runner, "performed", signalled)
    code = main(["octt", "--case", "TC_001_CS", "--case", "TC_036_CS", "--json"])
    out, err = capsys.readouterr()
    assert code == 2
    assert [case["id"] for case in json.loads(out)] == ["TC_001_CS"]
    assert ops[-1] == "NetworkDown" and "AdvanceTime" not in ops[ops.index("NetworkDown"):]
    assert "1 not run" in err and "interrupted" in err
