"""§5.19, §7.36, errata 3.49: an UpdateFirmware while an earlier update may still go on leaves both uncertain (SAP
simulator fuzz seed 91 on 0b4e27f: a false UnexpectedStopTransaction, 'transaction on connector 2 stopped (Reboot)
with no cause').

The SAP simulator's update runs on its own timer: Downloading, Downloaded, Installing, Installed, then 15-30 s later
a reboot that stops any transaction with reason Reboot, across our power cycles and examples. A new UpdateFirmware
came while the model held that earlier update as uncertain (kept or forgotten across a power cut, an earlier
example's); start_transfer counted it as a second request only while surely busy, so the new update was certain and
the earlier one's reboot, stopping a transaction, had no cause.
"""

from __future__ import annotations

from test_model_core import boot, charging, down, result, sn, statuses, step, stop_tx, up
from test_model_firmware import ALL_AVAILABLE, fw, update, wait
from test_model_trigger import with_trigger


def test_5_19_a_new_request_while_an_earlier_update_may_go_on_may_see_its_reboot():
    """Before: UnexpectedStopTransaction at the StopTransaction (Reboot)."""
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading"))
    trace.ok(wait(30), fw("Downloaded"), fw("Installing"))
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), *statuses(*ALL_AVAILABLE))  # kept or forgotten: uncertain
    charging(trace)
    trace.ok(update(trace, later=3), result())
    trace.ok(wait(2), stop_tx(1, "Reboot"), sn(1, "Finishing"))


def test_7_36_a_reboot_stop_with_no_update_that_may_install_is_still_flagged():
    """The same request and stop with no earlier update: nothing installs within 2 s of a request whose retrieveDate
    is 3 s away."""
    trace = charging(with_trigger())
    trace.ok(update(trace, later=3), result())
    assert trace.do(wait(2), stop_tx(1, "Reboot"), sn(1, "Finishing")) == ["UnexpectedStopTransaction"]
