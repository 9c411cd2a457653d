"""The rules of the Remote Trigger (OCPP 1.6 §5.17) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.

What the Charge Point may choose (§5.17, §7.44, errata 3.35):

* a known requestedMessage may be Accepted, Rejected ("it is up to the Charge
  Point") or NotImplemented; a connectorId that is no connector of a message
  that is about a connector is Rejected, or answered with a CALLERROR
  (OCTT TC_055_CS); for the other messages the connectorId "should be ignored";
* "all allowed connectorId values": StatusNotification without connectorId is
  one for connector 0 and one for each connector; MeterValues without
  connectorId is one for each connector, or one for connector 0 (the whole
  Charge Point);
* the same message sent because of normal operations "MAY be considered as
  complying with the request".

A triggered BootNotification that is Accepted is not a reboot: transactions,
authorizations and statuses go on. A triggered MeterValues carries the context
Trigger (§7.30), so it is outside the MeterValueSampleInterval schedule; its
readings are "all measurands configured in MeterValuesSampledData" (errata 3.46).
"""

from __future__ import annotations

import attrs

from . import configuration as cfgmodel
from . import metering
from .events import Answer

TRIGGERED = "Triggered"
"""Marks an Owed message that a TriggerMessage asked for (``Owed.reasons``)."""
ALL_CONNECTORS = "AllConnectors"
"""Marks an Owed MeterValues of a TriggerMessage without connectorId: connector 0 discharges them all."""

MESSAGES = ("BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
            "MeterValues", "StatusNotification")
"""§7.32 MessageTrigger."""
ABOUT_A_CONNECTOR = ("MeterValues", "StatusNotification")
CHARGE_POINT_ACTIONS = frozenset({
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
    "Heartbeat", "MeterValues", "StartTransaction", "StatusNotification", "StopTransaction"})
"""The CALLs a Charge Point initiates (§4, §6); any other action is already OcppJFraming (OCPP-J §4.2.3)."""
SECTION = "OCPP 1.6 §5.17"


def is_triggered(owed, action: str, connector: int | None = None) -> bool:
    """Whether ``owed`` is a triggered ``action`` that a message for ``connector`` would send."""
    return (owed.action == action and TRIGGERED in owed.reasons
            and (owed.connector is None or owed.connector == connector
                 or (connector == 0 and ALL_CONNECTORS in owed.reasons)))


def triggered(owed: tuple, action: str, connector: int | None = None) -> bool:
    """A TriggerMessage asked for this message and it has not come yet."""
    return any(is_triggered(o, action, connector) for o in owed)


class RemoteTriggerRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""

    def __init__(self, state) -> None:
        super().__init__(state)
        self.trigger_answered = False
        """This step's answer to the Central System's CALL has been observed."""
        self.trigger_early: set[tuple[str, int | None]] = set()
        """(action, connectorId) of triggered messages seen before the TriggerMessage.conf."""

    # -- TriggerMessage.req (§5.17, §6.51) -------------------------------------

    def answer_TriggerMessage(self, stimulus, payload) -> None:
        message, connector_id = stimulus.get("requestedMessage"), stimulus.get("connectorId")
        status = self.expect_status(stimulus, payload, self.trigger_statuses(message, connector_id),
                                    "TriggerMessageStatus", "OCPP 1.6 §5.17, §7.44, OCTT TC_054_CS, TC_055_CS")
        if status == "Accepted":
            self.owe_triggered(message, connector_id)
        if status == "Accepted" and message == "BootNotification" and self.state.accepted_on_connection:
            self.fail("TriggeredBootNotificationAccepted", "OCPP 1.6 errata 3.35 (§5.17)",
                      "TriggerMessage BootNotification was Accepted after an Accepted BootNotification on the "
                      "same connection (RECOMMENDED: Rejected)")

    def trigger_statuses(self, message: str, connector_id) -> set[str]:
        if message not in MESSAGES:
            return {"NotImplemented"}
        if message in ABOUT_A_CONNECTOR and not self.trigger_connector_known(connector_id):
            return {"Rejected", "NotImplemented"}
        return {"Accepted", "Rejected", "NotImplemented"}

    def trigger_connector_known(self, connector_id) -> bool:
        """Absent, 0 (the Charge Point itself, §5.17) or a connector."""
        return connector_id is None or connector_id == 0 or self.valid_connector(connector_id)

    def error_allowed(self, stimulus, answer) -> bool:
        """OCTT TC_055_CS: a TriggerMessage for a connector the Charge Point does not have may get a CALLERROR."""
        if stimulus.op == "TriggerMessage" and not self.trigger_connector_known(stimulus.get("connectorId")):
            return True
        return super().error_allowed(stimulus, answer)

    def owe_triggered(self, message: str, connector_id) -> None:
        if message in ABOUT_A_CONNECTOR and connector_id is not None:
            targets, marks = (connector_id,), frozenset({TRIGGERED})
        elif message == "StatusNotification":
            targets, marks = tuple(range(self.state.options.number_of_connectors + 1)), frozenset({TRIGGERED})
        elif message == "MeterValues":
            targets = tuple(range(1, self.state.options.number_of_connectors + 1))
            marks = frozenset({TRIGGERED, ALL_CONNECTORS})
        else:
            targets, marks = (None,), frozenset({TRIGGERED})
        for target in targets:
            where = "" if target is None else f" for connector {target}"
            self.owe_message(message, "TriggeredMessageNotSent", f"{SECTION}, §7.44",
                             f"TriggerMessage {message}{where} was Accepted", connector=target, reasons=marks)

    # -- the triggered messages ---------------------------------------------

    def cp_call(self, call) -> None:
        super().cp_call(call)
        connector = call.payload.get("connectorId")
        triggered = False
        if call.action == "MeterValues" and connector == 0:
            while self.discharge(lambda o: is_triggered(o, "MeterValues", 0) and ALL_CONNECTORS in o.reasons):
                triggered = True
        triggered = bool(self.discharge(lambda o: is_triggered(o, call.action, connector))) or triggered
        if call.action not in CHARGE_POINT_ACTIONS:
            self.sent_misnamed()
        self.note_trigger_order(call.action, connector, triggered)

    def sent_misnamed(self) -> None:
        """A CALL whose action OCPP does not have (the endpoint flags it: OcppJFraming, OCPP-J §4.2.3 NotImplemented),
        sent while a triggered message not about a connector is owed, is taken as that message under a wrong name:
        one deviation, not a second one of §5.17 (TriggeredMessageNotSent). MicroOcppSimulator answers TriggerMessage
        FirmwareStatusNotification with a CALL 'CustomOperation' (sim-mo; docs/external.md, OcppJFraming)."""
        self.discharge(lambda o: TRIGGERED in o.reasons and o.connector is None and o.action in MESSAGES)

    # -- §5.17 "The Charge Point SHALL first send the TriggerMessage response" ------

    def observe(self, event) -> None:
        if isinstance(event, Answer) and event.kind in ("result", "error"):
            self.trigger_answered = True
        super().observe(event)

    def note_trigger_order(self, action: str, connector, triggered: bool) -> None:
        """A triggered message sent before the TriggerMessage.conf is early, unless the same message follows
        the answer (the one before it was then sent for another reason)."""
        if triggered and not self.trigger_answered:
            self.trigger_early.add((action, connector))
        elif self.trigger_answered:
            self.trigger_early.discard((action, connector))

    def settle(self) -> None:
        if self.trigger_answered:
            for action, connector in sorted(self.trigger_early, key=str):
                where = "" if connector is None else f" for connector {connector}"
                self.fail("TriggeredMessageBeforeConf", "OCPP 1.6 §5.17",
                          f"the requested {action}{where} was sent before the TriggerMessage.conf")
        super().settle()

    def boot(self, call) -> None:
        """Errata 3.35: an Accepted BootNotification that a TriggerMessage asked for is not a reboot."""
        accepted = (call.answer or {}).get("status") == "Accepted"
        if (self.state.rebooting or self.state.registration != "Accepted" or not accepted
                or not self.discharge(lambda o: is_triggered(o, "BootNotification"))):
            super().boot(call)
            return
        config = cfgmodel.forget_value(self.state.config, "HeartbeatInterval")
        self.state = attrs.evolve(self.state, boot_at=call.time, config=config)

    def cp_MeterValues(self, call) -> None:
        super().cp_MeterValues(call)
        values = call.payload.get("meterValue")
        if metering.has_context(values, "Trigger"):
            self.check_triggered_measurands(values)

    def check_triggered_measurands(self, values) -> None:
        """Errata 3.46: "the most recent measurements for all measurands configured in MeterValuesSampledData"."""
        configured = cfgmodel.value_of(self.state.config, "MeterValuesSampledData")
        if not configured:
            return
        wanted = {metering.base_measurand(item).casefold() for item in configured}
        seen = {v.get("measurand", metering.DEFAULT_MEASURAND).casefold()
                for v in metering.sampled_values(values) if v.get("context") == "Trigger"}
        if seen != wanted:
            self.fail("TriggeredMeterValuesMeasurands", f"{SECTION}, errata 3.46",
                      f"a triggered MeterValues has {sorted(seen)}, MeterValuesSampledData lists {sorted(wanted)}")
