"""Recommendations of §4.2, §4.3, §4.9, §5.19 (errata 3.49) and OCPP-J §4.1.2: SHOULD and RECOMMENDED.

Each rule here is in :data:`model.violations.RECOMMENDATIONS`: breaking it is reported as a recommendation not
followed, never a finding. A recommendation is judged only where the model is certain the situation it speaks of
is the one seen; where it is not (or where the worlds of :mod:`model.worlds` disagree), it says nothing.

What a rule needs to know of the step being judged (a cable pulled out in it, the statuses sent since a
reconnection in it) is kept on the judgement, not in the state: check-log, which judges each event on its own
(with the hidden events it assumes before it), judges these less often, never more.
"""

from __future__ import annotations

import re

from vocabulary import HOSTILE_OPS
from vocabulary.dates import seconds

EV_SIDE_DISCONNECTED = "ev side disconnected"
"""§4.9: the 'info' of the status an EV-side disconnect leads to (compared case-insensitively)."""
REVERSED_DNS = re.compile(r"[a-z0-9_-]*[a-z][a-z0-9_-]*(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)+", re.IGNORECASE)
"""§4.3: at least two tiers, the top one (first) not all digits, each tier letters, digits, '-' and '_'."""
CLOCK_SLACK = 1.0
"""Seconds a synchronized clock may run ahead of the Central System's: a dateTime to the second, rounded up."""
IDENTIFIERS = {
    "BootNotification": ("chargePointSerialNumber", "chargeBoxSerialNumber", "firmwareVersion", "iccid", "imsi",
                         "meterSerialNumber"),
    "StatusNotification": ("vendorId", "vendorErrorCode"),
    "DataTransfer": ("vendorId", "messageId"),
}
"""Fields of the Charge Point's own CALLs that are identifiers, not natural-language text (OCPP-J §4.1.2): serial
numbers, versions, SIM identities, vendor ids and codes. Names (chargePointVendor, chargePointModel, meterType) and
free text (info, data) may be natural language; enumerations are judged by the schemas; an idTag is the card's."""


class AdvisoryRules:
    """Mixed into :class:`model.judge.Judgement` first: each method does its part, then the rules after it."""

    def __init__(self, state):
        super().__init__(state)
        self.step_op: str | None = None
        """The op of the step's stimulus; None where none was judged (check-log judges events on their own)."""
        self.disconnected: dict[int, str | None] = {}
        """connectorId -> its status reported when its EV side was disconnected in this step, a transaction running."""
        self.reconnected: dict[int, tuple[set, set, list]] = {}
        """connectorId -> (its statuses at the reconnection in this step, its statuses before going offline, the
        statuses without error sent since that fit neither) until it reports one of the first (§4.9)."""
        self.burst = False
        """A connection or a BootNotification came in this step: what follows may have been stamped before."""

    def stimulus(self, stimulus, answer) -> None:
        self.step_op = stimulus.op
        super().stimulus(stimulus, answer)

    # -- §4.9: 'EV side disconnected' --------------------------------------------------

    def on_Unplug(self, stimulus) -> None:
        c = self.state.connector(stimulus.get("connectorId"))
        if c.tx is not None and c.plugged and self.state.options.cable_sensed:
            self.disconnected[c.id] = c.reported
        super().on_Unplug(stimulus)

    def check_ev_side_disconnected(self, call) -> None:
        """§4.9: with a transaction running and the EV disconnected on the EV side, SuspendedEV
        (StopTransactionOnEVSideDisconnect false) or Finishing (true) SHOULD be sent, and "The Charge Point
        SHOULD add additional information in the 'info' field, Notifying the Central System with the reason
        of suspension [or stopping]: 'EV side disconnected'". Judged on the connector's first status after it."""
        connector_id, status = call.payload.get("connectorId"), call.payload.get("status")
        if connector_id not in self.disconnected:
            return
        before = self.disconnected.pop(connector_id)
        info = str(call.payload.get("info") or "")
        if status in ("SuspendedEV", "Finishing") and status != before and EV_SIDE_DISCONNECTED not in info.lower():
            self.fail("EVSideDisconnectedInfo", "OCPP 1.6 §4.9",
                      f"connector {connector_id} reported {status} after its EV side was disconnected during a "
                      f"transaction with info {call.payload.get('info')!r} (SHOULD: 'EV side disconnected')")

    # -- §4.9: no historical statuses after a reconnection ------------------------------

    def connection(self, event) -> None:
        self.burst = True
        if not event.connected:
            self.check_channel_kept(event)
            super().connection(event)
            return
        before = {c.id: set(self.settled_statuses(c)) for c in self.state.connectors}
        prior = {c.id: set(c.fitting) | {c.reported} for c in self.state.connectors}
        super().connection(event)
        if self.omits_short_statuses():  # a status shorter than MinimumStatusDuration may be sent late (§9.1.20)
            return
        self.reconnected = {c.id: (before[c.id] | set(self.settled_statuses(c)), prior[c.id], [])
                            for c in self.state.connectors}

    def boot(self, call) -> None:
        self.burst = True
        self.reconnected = {}
        super().boot(call)

    def check_historical_status(self, call) -> None:
        """§4.9 after being offline: "The Charge Point SHOULD NOT send StatusNotification.req PDUs for historical
        status change events that happened while the Charge Point was offline and that do not inform the Central
        System of Charge Point errors or the Charge Point's current status". A status without error sent after
        the reconnection, before the connector's status at the reconnection, that fits the connector neither then
        nor before it went offline: a history, the Charge Point itself says so by sending the current one after it
        ("in the order in which the events that they describe occurred"). The current one fits at the reconnection
        or once the messages of the burst so far are known (a StopTransaction queued offline tells of a stop); a
        status that fits then too is no history."""
        connector_id, status = call.payload.get("connectorId"), call.payload.get("status")
        if connector_id not in self.reconnected:
            return
        then, prior, history = self.reconnected[connector_id]
        fits = then | set(self.settled_statuses(self.state.connector(connector_id)))
        if status in fits:
            del self.reconnected[connector_id]
            for old in dict.fromkeys(old for old in history if old not in fits):
                self.fail("HistoricalStatusNotification", "OCPP 1.6 §4.9",
                          f"connector {connector_id} reported {old} after the reconnection, before its current status "
                          f"{status}: a status change of the time offline that is neither an error nor the current status")
        elif call.payload.get("errorCode") == "NoError" and status != "Faulted" and status not in prior:
            history.append(status)

    # -- §4.2: the clock, and the channel while Pending -----------------------------------

    def check_clock(self, call) -> None:
        """§4.2: after an Accepted BootNotification "it is RECOMMENDED to synchronize its internal clock with the
        supplied Central System's current time". A status stamped later than the Central System's time when it
        arrived: a clock ahead. Judged only where the status was surely made after the boot: in a step without a
        connection or a boot, for a connector that reported since them."""
        c = self.state.connectors[call.payload["connectorId"]]
        stamp = seconds(call.payload.get("timestamp"))
        if stamp is None or self.step_op is None or self.burst or c.reported is None or c.resync \
                or self.state.registration != "Accepted":
            return
        ahead = stamp - call.time
        if ahead > self.state.options.tolerance + CLOCK_SLACK:
            self.fail("InternalClockNotSynchronized", "OCPP 1.6 §4.2",
                      f"a StatusNotification stamped {ahead:.0f}s later than the Central System's time it arrived "
                      "at (RECOMMENDED: the clock synchronized with BootNotification.conf currentTime)")

    def check_channel_kept(self, event) -> None:
        """§4.2: "If the Central System returns the Pending status, the communication channel SHOULD NOT be closed
        by either the Charge Point or the Central System". A close in a step that neither took the network or the
        power away, nor sent a frame that breaks OCPP-J, nor asked for a reboot (Reset), with no firmware update
        that may be installing (one kept across a power loss may install while Pending, its statuses unsent)."""
        caused = self.step_op in (None, "NetworkDown", "PowerLoss") or self.step_op in HOSTILE_OPS
        if caused or self.state.registration != "Pending" or self.state.boot_response[0] != "Pending" \
                or self.state.rebooting or self.state.firmware.update is not None:
            return
        self.fail("ChannelClosedWhilePending", "OCPP 1.6 §4.2",
                  "the Charge Point closed the connection while its BootNotification was answered Pending")

    # -- the Charge Point's CALLs -------------------------------------------------------

    def cp_call(self, call) -> None:
        self.check_identifiers(call)
        if call.action == "StatusNotification" and self.valid_status_connector(call.payload.get("connectorId")):
            self.check_ev_side_disconnected(call)
            self.check_historical_status(call)
            self.check_clock(call)
        super().cp_call(call)

    def valid_status_connector(self, connector_id) -> bool:
        return connector_id == 0 or self.valid_connector(connector_id)

    def check_identifiers(self, call) -> None:
        """OCPP-J §4.1.2: "A Charge Point or Central System SHOULD only use characters not in US-ASCII for sending
        natural-language text": the identifiers of :data:`IDENTIFIERS`."""
        for field in IDENTIFIERS.get(call.action, ()):
            value = call.payload.get(field)
            if isinstance(value, str) and not value.isascii():
                self.fail("NonAsciiOutsideNaturalLanguageText", "OCPP-J 1.6 §4.1.2",
                          f"{call.action}.req {field} {value!r} has characters not in US-ASCII, and is no "
                          "natural-language text")

    def cp_DataTransfer(self, call) -> None:
        """§4.3: "The VendorId SHOULD be a value from the reversed DNS namespace". Whether its top tiers are the
        Vendor's registered DNS name is not on the wire; a value that is no reversed DNS name at all is."""
        vendor = call.payload.get("vendorId")
        if isinstance(vendor, str) and not REVERSED_DNS.fullmatch(vendor):
            self.fail("VendorIdNotReversedDns", "OCPP 1.6 §4.3",
                      f"DataTransfer.req vendorId {vendor!r} is no value from the reversed DNS namespace")
        parent = getattr(super(), "cp_DataTransfer", None)
        if parent is not None:
            parent(call)

    # -- errata 3.49: connectors not in use Unavailable while the installation waits ------

    def settle(self) -> None:
        self.check_unused_connectors()
        super().settle()

    def check_unused_connectors(self) -> None:
        """Errata 3.49 (§5.19): "It is RECOMMENDED to set connectors that are not in use to UNAVAILABLE while the
        Charge Point waits for the Session to end". It surely waits once the firmware was Downloaded longer ago
        than the model gives an installation to begin (FirmwareNotInstalled is due) and a transaction runs."""
        update, now = self.state.firmware.update, self.state.time
        if update is None or update.last != "Downloaded" or update.unseen or update.uncertain \
                or not (self.state.online and self.state.powered and self.state.registration == "Accepted"):
            return
        due = any(o.rule == "FirmwareNotInstalled" and o.due <= now for o in self.state.owed)
        if not due or not any(c.tx is not None and not c.tx.overdue for c in self.connectors()):
            return
        for c in self.connectors():
            if c.tx is None and c.reported == "Available" and not self.hidden_tx(c):
                self.fail("ConnectorNotInUseNotUnavailable", "OCPP 1.6 errata 3.49 (§5.19)",
                          f"connector {c.id} is Available while the Charge Point waits for a transaction to end "
                          "before installing the downloaded firmware (RECOMMENDED: Unavailable)")
