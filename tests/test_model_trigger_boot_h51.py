"""A connection that was already there as the example began keeps the registration it had (OCPP 1.6 §4.2, errata
3.35 on §5.17).

With `[charge_point] boot = "trigger"` (examples/microocpp-simulator.toml) an external charge point stays connected
and registered across examples; ExternalSut records a `connected` event with `alreadyConnected` (docs/external.md §4)
and asks for a BootNotification with TriggerMessage. MicroOcpp sent a Heartbeat of its own timer between its
TriggerMessage.conf and the triggered BootNotification (h51 MicroOcppSimulator fuzz seed 53, a 0-step finding): the
model took the example's PowerOn as a reboot and flagged MessageBeforeAccepted. §4.2 forbids other requests only
until a BootNotification is Accepted after start-up; this charge point did not start up, it was Accepted before the
example (fresh() checks it, OCTT §1.3), and a triggered BootNotification does not end a registration (errata 3.35:
the Charge Point may even reject the TriggerMessage as already registered). A real power-on's connection still owes
the BootNotification before anything else.
"""

from __future__ import annotations

from model import Connection, CpCall
from test_model_core import IDLE, Trace, boot, statuses, step, up

HEARTBEAT = CpCall("Heartbeat", {}, 0.0, answer={"currentTime": "2025-01-01T00:00:00Z"})


def test_4_2_a_message_before_the_triggered_boot_on_a_connection_kept_is_allowed():
    trace = Trace()
    assert trace.do(step("PowerOn"), Connection(True, 0.0, resumed=True), HEARTBEAT, boot(), *statuses(*IDLE)) == []


def test_4_2_a_message_before_the_boot_after_a_power_on_is_still_message_before_accepted():
    trace = Trace()
    assert trace.do(step("PowerOn"), up(), HEARTBEAT, boot(), *statuses(*IDLE)) == ["MessageBeforeAccepted"]
