"""§5.19 Figure 41, errata 3.49: after Installed the Charge Point owes the reboot into the new firmware; until it, the
free connectors it made Unavailable for the update may stay Unavailable (SAP simulator fuzz seed 101 on b9d5753: a
false StatusNotReported, 'connector 2 last reported Unavailable, but it is now Available', 5 s after Installed)."""

from __future__ import annotations

from test_model_core import boot, down, sn, statuses, up
from test_model_firmware import downloaded, fw, wait


def installed_with_connector_unavailable():
    trace = downloaded()
    trace.ok(wait(1), sn(1, "Unavailable"), fw("Installing"))
    trace.ok(wait(1), fw("Installed"))
    return trace


def test_errata_3_49_unavailable_until_the_reboot_after_installed():
    """Before: StatusNotReported 5 s after Installed."""
    installed_with_connector_unavailable().ok(wait(5))


def test_4_9_unavailable_after_the_reboot_into_the_new_firmware_is_still_flagged():
    trace = installed_with_connector_unavailable()
    rebooted = [down(), up(), boot(), *statuses((0, "Available"), (1, "Unavailable"), (2, "Available"))]
    assert "StatusNotReported" in trace.do(wait(1), *rebooted)
