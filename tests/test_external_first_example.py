"""External mode: the first example is judged as strictly as the later ones about transfers from before the run.

The model starts an external example with a firmware update and a diagnostics upload uncertain (Options.leftovers),
and an uncertain update may be installing, so any transaction may be stopped for its reboot (§7.36 Reboot). From the
second example on only the transfers the run asked for or saw are (53910f2); the first example, and so every
``replay --sut external``, stayed lenient: PowerLossReportedAsReboot (a stop owed with reason PowerLoss, §4.10,
reported as Reboot) went unseen there. Before the first example fresh() now asks (TriggerMessage
FirmwareStatusNotification and DiagnosticsStatusNotification, §5.17): one answered Idle ("not busy", §4.4, §4.5)
starts the model's transfer as not busy (adapters/external/preconditions.py ``_ask_transfers``, properties/external.py
``idle_transfers``), and a transfer not busy, reachable since, is not installing (model/firmware.py ``quiet``).
"""

from __future__ import annotations

import json

import pytest

from adapters.csms import Frame
from adapters.external.lifecycle import Leftover
from adapters.external.observed import Observed
from model import Options
from properties import findings
from properties.external import start_from
from test_external import FakeChargePoint, description
from test_external_cli import free_port, run, simulator, write_description
from test_external_lifecycle import FAST, judging, rules
from test_model_core import Trace, boot, charging, down, result, statuses, step, stop_tx, up
from test_model_firmware import fw, reset, update, wait
from test_model_trigger import trigger, with_trigger

OPTIONS = Options(number_of_connectors=2, tolerance=0.5, leftovers=True)
FIRMWARE, DIAGNOSTICS = "FirmwareStatusNotification", "DiagnosticsStatusNotification"
BUSY = {FIRMWARE: "Downloading", DIAGNOSTICS: "Uploading"}
AFTER_BOOT = statuses((0, "Available"), (1, "Finishing"), (2, "Available"))


def first_example(idle=frozenset(), triggered=frozenset()) -> Leftover:
    kept = Leftover()
    kept.idle, kept.triggered = frozenset(idle), frozenset(triggered)
    return kept


def power_loss_stop(trace: Trace, reason: str = "Reboot") -> list[str]:
    """OCTT TC_032_2_CS: a transaction, a power loss, the boot, its StopTransaction (§4.10 wants PowerLoss)."""
    trace = charging(trace)
    trace.ok(step("PowerLoss"), down())
    return trace.do(step("PowerOn"), up(), boot(), stop_tx(1, reason), *AFTER_BOOT)


def started(leftover: Leftover) -> Trace:
    trace = Trace(OPTIONS)
    trace.state = start_from(trace.state, leftover)
    return trace


# -- the model ---------------------------------------------------------------------------------------------------


def test_an_update_said_idle_before_the_first_example_does_not_explain_a_reboot_stop():
    assert power_loss_stop(started(first_example(idle={FIRMWARE, DIAGNOSTICS}))) == ["StopTransactionReason"]
    assert power_loss_stop(started(first_example(idle={FIRMWARE}))) == ["StopTransactionReason"]
    assert power_loss_stop(started(first_example(idle={FIRMWARE})), "PowerLoss") == []


def test_an_update_not_said_idle_may_still_explain_it():
    assert power_loss_stop(started(first_example())) == []  # no answer, Rejected or NotImplemented: as before
    assert power_loss_stop(started(first_example(idle={DIAGNOSTICS}))) == []  # an upload does not reboot


def test_an_update_said_idle_may_still_begin_at_its_retrieve_date():
    """§4.5: Idle is "not busy downloading/installing", not "no update kept": one waiting for its retrieveDate may
    report Downloading later, also after a power cycle (the power-cycle boot each external example starts with)."""
    trace = started(first_example(idle={FIRMWARE}))
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses((0, "Available"), (1, "Available"), (2, "Available")))
    trace.ok(wait(30), fw("Downloading", t=30.0))
    trace.ok(wait(30), fw("Downloaded", t=60.0))
    trace = started(first_example(idle={FIRMWARE}))
    assert trace.do(wait(30), fw("Installed", t=30.0)) == ["FirmwareStatusOutOfOrder"]


def test_a_notification_triggered_before_the_example_may_come_in_it_and_is_never_late():
    trace = started(first_example(triggered={FIRMWARE}))
    trace.ok(wait(600))
    trace.ok(wait(1), fw("Idle", t=601.0))
    assert trace.state.owed == ()
    assert started(first_example()).do(wait(1), fw("Idle")) == ["IdleStatusNotTriggered"]


def in_example_idle() -> Trace:
    """An update of this example, kept or forgotten across a reset (uncertain), then a triggered Idle."""
    trace = with_trigger()
    trace.ok(update(trace, later=600), result())
    reset(trace)
    return trace.ok(trigger(FIRMWARE), result(status="Accepted"), fw("Idle"))


def test_after_a_triggered_idle_a_power_loss_stop_reported_as_reboot_is_found():
    """Fails before: a power loss made the update uncertain again (``abandon``), which excused any Reboot."""
    assert power_loss_stop(in_example_idle()) == ["StopTransactionReason"]


def test_after_a_triggered_idle_an_outage_while_powered_may_hide_an_installation():
    """Offline, its Downloading, Downloaded and Installing may be lost (§3.7 queues transaction messages only):
    its reboot may have stopped the transaction, reported Reboot after the connection is back."""
    trace = charging(in_example_idle())
    trace.ok(step("NetworkDown"), down())
    trace.ok(wait(30))
    assert trace.do(step("NetworkUp"), up(), boot(), stop_tx(1, "Reboot"), *AFTER_BOOT) == []


# -- the charge point is asked (fresh) ---------------------------------------------------------------------------


def test_a_triggered_idle_is_no_transfer_seen():
    """Idle says no transfer is busy: a run that saw only Idle starts its later examples with none under way."""
    frames = [Frame(0, 0.0, "cp->cs", "", 2, "1", DIAGNOSTICS, {"status": "Idle"}, None)]
    observed = Observed()
    observed.update(frames)
    assert observed.transfers_known() == frozenset()
    observed.update(frames + [Frame(1, 0.0, "cp->cs", "", 2, "2", DIAGNOSTICS, {"status": "Uploading"}, None)])
    assert observed.transfers_known() == {DIAGNOSTICS}


class Transfers(FakeChargePoint):
    """Answers a TriggerMessage for a transfer's notification with ``transfer_trigger`` and then sends ``notified``."""

    transfer_trigger, notified = "Accepted", "Idle"

    def on_TriggerMessage(self, payload):
        if payload["requestedMessage"] not in (FIRMWARE, DIAGNOSTICS):
            return super().on_TriggerMessage(payload)
        if self.transfer_trigger != "Accepted":
            return {"status": self.transfer_trigger}, None
        status = BUSY[payload["requestedMessage"]] if self.notified == "busy" else self.notified
        then = self.call(payload["requestedMessage"], {"status": status}) if status else None
        return {"status": "Accepted"}, then


@pytest.mark.parametrize("trigger, notified, idle, triggered", [
    ("Accepted", "Idle", {FIRMWARE, DIAGNOSTICS}, set()),
    ("Rejected", None, set(), set()),  # §7.44: "it is up to the Charge Point"
    ("NotImplemented", None, set(), set()),
    ("Accepted", "busy", set(), set()),  # Downloading, Uploading: uncertain, as before
    ("Accepted", None, set(), {FIRMWARE, DIAGNOSTICS}),  # not sent yet: owed, never late
])
def test_fresh_asks_before_the_first_example_only(trigger, notified, idle, triggered):
    fake = type("Fake", (Transfers,), {"transfer_trigger": trigger, "notified": notified})
    with judging(description(timing=FAST), fake_class=fake, options=OPTIONS) as (harness, sut, _, run_on):
        assert (sut.leftover.idle, sut.leftover.triggered) == (idle, triggered)
        assert rules(harness.start()) == []  # a notification triggered and not yet sent is owed, not late
        assert harness.state.firmware.update.idle == (FIRMWARE in idle)
        assert rules(harness.step({"op": "AdvanceTime", "seconds": 0.2})) == []
        asked = len(sut.csms.frames)
        run_on(sut.fresh())
        assert (sut.leftover.idle, sut.leftover.triggered) == (frozenset(), frozenset())
        assert not any(f.action == "TriggerMessage" and (f.payload or {}).get("requestedMessage") == FIRMWARE
                       for f in sut.csms.frames[asked:])


def test_fresh_without_remote_trigger_asks_nothing():
    configured = description(timing=FAST, charge_point={"connectors": 2, "profiles": ["Core"], "boot": "reset"})
    with judging(configured, fake_class=Transfers, options=OPTIONS) as (harness, sut, fake, run_on):
        assert (sut.leftover.idle, sut.leftover.triggered) == (frozenset(), frozenset())
        assert not any(f.action == "TriggerMessage" for f in sut.csms.frames)


# -- end to end: ocpp-verify simulate as the external charge point ------------------------------------------------


POWER_LOSS_STEPS = [{"op": "SetIdTag", "idTag": "A", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
                    {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}, {"op": "AdvanceTime", "seconds": 2},
                    {"op": "PowerLoss"}, {"op": "PowerOn"}, {"op": "AdvanceTime", "seconds": 5}]
"""OCTT TC_032_2_CS as one external example: a transaction, a power loss, the boot and its StopTransaction."""


def saved_finding(tmp_path, description_path) -> str:
    """POWER_LOSS_STEPS saved as a finding of the external charge point ``description_path`` describes."""
    path = tmp_path / "power-loss.json"
    path.write_text(json.dumps({
        "format": findings.FORMAT, "status": "final", "violations": [], "steps": POWER_LOSS_STEPS,
        "settings": {"sut": "external", "description": str(description_path), "seed": 0, "profile": "ci"}}))
    return str(path)


@pytest.mark.parametrize("mutant, code", [("PowerLossReportedAsReboot", 1), (None, 0)])
def test_a_replay_is_judged_from_what_the_charge_point_said_before_it(capsys, tmp_path, mutant, code):
    """``ocpp-verify simulate`` answers both triggers Idle: replayed, the mutant's Reboot is a StopTransactionReason
    (before: "passes", an update from before the run might have been installing); the clean charge point passes."""
    port, control_port = free_port(), free_port()
    described = write_description(tmp_path / "cp.toml", port, control_port)
    described.write_text(described.read_text().replace('profiles = ["Core"]', 'profiles = ["Core", "RemoteTrigger"]'))
    with simulator(port, control_port, mutant):
        found, out, err = run(capsys, "replay", saved_finding(tmp_path, described), "--sut", "external")
    assert found == code, err + out
    assert ("StopTransactionReason" in out and "'Reboot', expected PowerLoss" in out) == bool(code)
