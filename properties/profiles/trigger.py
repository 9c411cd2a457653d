"""Rules of the Remote Trigger profile (OCPP 1.6 §5.17) for :class:`properties.machine.OcppMachine`.

Every requestedMessage of §7.32, with connectorId absent, 1, 2, 9 (no
connector: OCTT TC_055_CS) or 0 (the Charge Point: MeterValues of the main
energy meter carry no transactionId, errata 3.16). BootNotification is only asked for while the
Central System would accept it: errata 3.40 forbids the Central System to
ask for one after an Accepted registration, so what a Charge Point does with a
Pending or Rejected answer to it is not the Charge Point's to get right.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

MESSAGES = ("StatusNotification", "MeterValues", "Heartbeat", "FirmwareStatusNotification",
            "DiagnosticsStatusNotification", "BootNotification")
CONNECTORS = (None, 1, 2, 9, 0)


class RemoteTriggerRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""

    @precondition(lambda self: self.online())
    @rule(message=st.sampled_from(MESSAGES), connector=st.sampled_from(CONNECTORS))
    def trigger_message(self, message, connector):
        if message == "BootNotification" and self.model.boot_response[0] != "Accepted":
            return
        step = {"op": "TriggerMessage", "requestedMessage": message}
        if connector is not None:
            step["connectorId"] = connector
        self.do(step)
