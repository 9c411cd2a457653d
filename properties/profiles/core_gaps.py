"""Core rules that reach what the register of requirements showed was not judged (issue 13).

Each rule is one short scenario of OCPP 1.6 whose timing or order the model
judges on both sides: a StopTransaction the Central System fails to process
(§3.7, §3.7.1) or a StartTransaction it fails every time (errata 3.18), a
BootNotification answered Pending or Rejected (§4.2), sampled and
clock-aligned meter values (§3.16, errata 3.15), an EV that
suspends (§4.9) and a transaction started offline (§3.5.4). Choices are small
and fixed, the plainest first, so a failure shrinks to a readable trace.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

from model.configuration import value_of

RETRY_SCENARIOS = ("start behind the retry", "every attempt fails")
"""What follows a StopTransaction the Central System fails to process (§3.7, §3.7.1)."""
METERING = ("sampled", "clock-aligned")
AFTER_SUSPEND = ("inoperative", "unplug")


class CoreGapRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``online``, ``can``, ``connector``,
    ``connectors`` and ``start_charging``."""

    def running_transaction(self) -> int | None:
        running = [c.tx.transaction_id for c in self.model.connectors[1:]
                   if c.tx is not None and c.tx.transaction_id not in (None, -1)]
        return min(running) if running else None

    @precondition(lambda self: self.online() and self.can("FailNext") and self.running_transaction() is not None)
    @rule(scenario=st.sampled_from(RETRY_SCENARIOS), tag=st.sampled_from(("TAG2", "TAG1")))
    def stop_transaction_fails(self, scenario, tag):
        """The Central System fails a StopTransaction: once, while a new transaction starts on the other
        connector (its StartTransaction must wait behind the retry, §3.7); or every time, until
        TransactionMessageAttempts is spent and the message is discarded (§3.7.1)."""
        transaction_id = self.running_transaction()
        attempts = value_of(self.model.config, "TransactionMessageAttempts")
        count = attempts if scenario == "every attempt fails" and isinstance(attempts, int) and attempts > 0 else 1
        self.do({"op": "FailNext", "action": "StopTransaction", "count": count})
        self.do({"op": "RemoteStopTransaction", "transactionId": transaction_id})
        free = [c for c in range(1, self.connectors + 1)
                if self.connector(c).tx is None and not self.connector(c).plugged]
        if scenario == "start behind the retry" and free and self.online():
            self.start_charging(free[-1], tag, True)
        for _ in range(2 if scenario == "every attempt fails" else 1):
            self.do({"op": "AdvanceTime", "seconds": 300})

    @precondition(lambda self: self.online() and self.can("FailNext") and not self.harness.sut.real_time
                  and self.running_transaction() is not None)
    @rule(kind=st.sampled_from(("Soft", "Hard")), lost=st.integers(1, 2))
    def reset_stop_unconfirmed(self, kind, lost):
        """Errata v4.0 3.36 (§5.14): a reset, and the connection is lost before the StopTransaction.conf of its
        StopTransaction reaches the Charge Point (``lost`` times: the one sent again after the reboot too): the
        StopTransaction stays queued and comes again once the connection is back (§3.7)."""
        self.do({"op": "FailNext", "action": "StopTransaction", "count": lost, "failure": "ConnectionLost"})
        self.do({"op": "Reset", "type": kind})
        if not self.model.online:
            self.do({"op": "AdvanceTime", "seconds": 30})

    @precondition(lambda self: self.online() and self.can("FailNext") and self.can("PlugIn")
                  and self.can("PresentIdTag") and self.can("SetIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(("TAG1", "TAG2")))
    def start_transaction_fails(self, c, tag):
        """§3.7.1, errata 3.18: the Central System fails a StartTransaction every time, until it is given up;
        then the card stops the transaction, whose StopTransaction carries transactionId -1."""
        if c > self.connectors or self.connector(c).tx is not None or self.connector(c).plugged:
            return
        attempts = value_of(self.model.config, "TransactionMessageAttempts")
        count = attempts if isinstance(attempts, int) and attempts > 0 else 1
        self.do({"op": "FailNext", "action": "StartTransaction", "count": count})
        self.start_charging(c, tag, True)
        self.do({"op": "AdvanceTime", "seconds": 300})
        if self.model.powered:
            self.do({"op": "PresentIdTag", "connectorId": c, "idTag": tag})

    @precondition(lambda self: self.model.powered and self.can("SetBootResponse") and self.can("PowerLoss"))
    @rule(status=st.sampled_from(("Pending", "Rejected")))
    def boot_not_accepted(self, status):
        """§4.2: a reboot answered Pending or Rejected with interval 300: the next BootNotification comes
        after the interval, not before; then the Central System accepts it."""
        self.do({"op": "SetBootResponse", "status": status, "interval": 300})
        self.do({"op": "PowerLoss"})
        self.do({"op": "PowerOn"})
        self.do({"op": "AdvanceTime", "seconds": 61})
        self.do({"op": "SetBootResponse", "status": "Accepted", "interval": 300})
        self.do({"op": "AdvanceTime", "seconds": 300})

    @precondition(lambda self: self.online())
    @rule(kind=st.sampled_from(METERING), c=st.integers(1, 2), tag=st.sampled_from(("TAG1", "TAG2")))
    def meter_values(self, kind, c, tag):
        """§3.16.1: MeterValueSampleInterval 10 and a transaction, sampled for 30 s; §3.16.2, errata 3.15:
        ClockAlignedDataInterval 60, read for five minutes."""
        key, value = ("MeterValueSampleInterval", 10) if kind == "sampled" else ("ClockAlignedDataInterval", 60)
        if value_of(self.model.config, key) != value:
            self.do({"op": "ChangeConfiguration", "key": key, "value": str(value)})
        if kind == "sampled" and c <= self.connectors and self.connector(c).tx is None and self.online():
            self.start_charging(c, tag, True)
        self.do({"op": "AdvanceTime", "seconds": 30 if kind == "sampled" else 300})

    @precondition(lambda self: self.online() and self.can("PlugIn") and self.can("EVSuspend"))
    @rule(c=st.integers(1, 2), then=st.sampled_from(AFTER_SUSPEND))
    def ev_suspends_then(self, c, then):
        """§4.9: the EV suspends (SuspendedEV, or Preparing without a transaction), then the connector is made
        Inoperative and Operative again, or the EV leaves."""
        if c > self.connectors:
            return
        if not self.connector(c).plugged:
            self.do({"op": "PlugIn", "connectorId": c})
        self.do({"op": "EVSuspend", "connectorId": c})
        if then == "inoperative" and self.online():
            self.do({"op": "ChangeAvailability", "connectorId": c, "type": "Inoperative"})
            self.do({"op": "ChangeAvailability", "connectorId": c, "type": "Operative"})
        elif then == "unplug":
            self.do({"op": "Unplug", "connectorId": c})

    @precondition(lambda self: self.online() and self.can("NetworkDown") and self.can("PlugIn")
                  and self.can("PresentIdTag") and self.can("SetIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(("TAG1", "TAG2")))
    def charge_offline(self, c, tag):
        """§3.5, §3.5.4: the card is cached Accepted (presented online, then again to cancel), the network
        goes, a transaction starts offline; its StartTransaction is owed once the connection is back."""
        if c > self.connectors or self.connector(c).tx is not None or self.connector(c).plugged:
            return
        if self.model.policy_for(tag)[0] != "Accepted":
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        for _ in range(2):
            self.do({"op": "PresentIdTag", "connectorId": c, "idTag": tag})
        self.do({"op": "NetworkDown"})
        self.do({"op": "PlugIn", "connectorId": c})
        self.do({"op": "PresentIdTag", "connectorId": c, "idTag": tag})
        self.do({"op": "NetworkUp"})
