"""External mode: a firmware update or diagnostics upload is taken as possibly under way, in the model of an external
example, only when this run asked for one or saw one report (adapters/external/observed.py ``transfers_known``,
preconditions.py ``_note_queue``, properties/external.py ``without_transfers``).

The model starts every external example with both transfers uncertain (Options.leftovers: the SAP simulator's update
goes on across examples), and an uncertain update may be installing, so any transaction may end in its reboot
(§7.36 Reboot). A transaction that a power loss stopped (§4.10: reason PowerLoss) reported as Reboot passed in every
external example: PowerLossReportedAsReboot was killed in 9 and 5 examples in process at seeds 1 and 3, in none of
12 external. From the second example on (the first has shown what a transfer from before the run reports), a kind of
transfer this run never asked for nor saw is not under way."""

from __future__ import annotations

import attrs

from adapters.csms import Frame
from adapters.external.lifecycle import Leftover
from adapters.external.observed import Observed
from model import Options
from model.core import initial_state
from properties.external import start_from
from test_external import description
from test_external_lifecycle import FAST, judging, rules
from test_model_core import Trace, boot, charging, down, statuses, step, stop_tx, up

OPTIONS = Options(number_of_connectors=2, tolerance=0.5, leftovers=True)
NO_MINIMUM = {"MinimumStatusDuration": "0"}
FIRMWARE, DIAGNOSTICS = "FirmwareStatusNotification", "DiagnosticsStatusNotification"
NOON = "2025-01-01T12:00:00Z"


def frame(direction, action, payload, unique_id="1"):
    return Frame(seq=0, time=0.0, direction=direction, raw="", message_type=2, unique_id=unique_id, action=action,
                 payload=payload, error=None)


def test_a_transfer_is_known_once_asked_for_or_reported():
    observed = Observed()
    observed.update([frame("cs->cp", "UpdateFirmware", {"location": "ftp://x", "retrieveDate": NOON})])
    assert observed.transfers_known() == {FIRMWARE}
    observed.update([frame("cs->cp", "UpdateFirmware", {}), frame("cp->cs", DIAGNOSTICS, {"status": "Uploading"}, "2")])
    assert observed.transfers_known() == {FIRMWARE, DIAGNOSTICS}
    assert Observed().transfers_known() == frozenset()


def leftover(transfers):
    kept = Leftover()
    kept.transfers = transfers
    return kept


def test_the_model_starts_with_only_the_known_transfers_uncertain():
    state = initial_state(OPTIONS)
    assert state.firmware.update.uncertain and state.firmware.upload.uncertain
    assert start_from(state, leftover(None)).firmware == state.firmware  # the first example: anything may report
    assert start_from(state, {}).firmware == state.firmware
    firmware = start_from(state, leftover(frozenset({FIRMWARE}))).firmware
    assert firmware.update == state.firmware.update and firmware.upload is None
    firmware = start_from(state, leftover(frozenset())).firmware
    assert firmware.update is None and firmware.upload is None


def power_loss_stop(transfers) -> list[str]:
    """OCTT TC_032_2_CS in an external example's model: a transaction, a power loss, the boot, its StopTransaction
    with reason Reboot (§4.10 wants PowerLoss)."""
    trace = Trace(OPTIONS)
    trace.state = start_from(trace.state, leftover(transfers))
    trace = charging(trace)
    trace.ok(step("PowerLoss"), down())
    return trace.do(step("PowerOn"), up(), boot(), stop_tx(1, "Reboot"),
                    *statuses((0, "Available"), (1, "Finishing"), (2, "Available")))


def test_a_power_loss_stop_reported_as_reboot_is_found_when_no_transfer_is_under_way():
    assert power_loss_stop(frozenset()) == ["StopTransactionReason"]
    assert power_loss_stop(frozenset({DIAGNOSTICS})) == ["StopTransactionReason"]  # an upload does not reboot


def test_an_update_that_may_be_under_way_may_still_explain_a_reboot():
    assert power_loss_stop(None) == []  # the first example: an update from before the run may be installing
    assert power_loss_stop(frozenset({FIRMWARE})) == []  # one this run asked for


def test_fresh_tells_the_transfers_from_the_second_example_on():
    with judging(description(timing=FAST), options=OPTIONS, configuration=NO_MINIMUM) as (harness, sut, fake, run):
        assert sut.leftover.transfers is None
        assert rules(harness.start()) == []
        run(sut.fresh())
        assert sut.leftover.transfers == frozenset() and sut.leftover == {}
        assert rules(harness.start()) == []
        harness.step({"op": "UpdateFirmware", "location": "ftp://127.0.0.1/firmware.bin",
                      "retrieveDate": "2025-01-01T00:00:00Z"})
        run(sut.fresh())
        assert sut.leftover.transfers == {FIRMWARE}
