"""Injected bugs of the Remote Trigger (OCPP 1.6 §5.17) profile (see :mod:`.mutants`)."""

from __future__ import annotations

import asyncio

from .charge_point import ChargePoint


class TriggerAcceptedButNeverSent(ChargePoint):
    """§5.17 (rule TriggeredMessageNotSent), OCTT TC_054_CS: a TriggerMessage answered Accepted
    is followed by the requested message; this one accepts and sends nothing."""

    minimal_trace = [{"op": "TriggerMessage", "requestedMessage": "Heartbeat"}]

    def _send_triggered(self, message, connector_id) -> None:
        pass


class TriggeredStatusNotificationForWrongConnector(ChargePoint):
    """§5.17 Figure 39 (rule TriggeredMessageNotSent): a StatusNotification triggered for a connector
    reports that connector; this one reports connector 0 instead."""

    minimal_trace = [{"op": "TriggerMessage", "requestedMessage": "StatusNotification", "connectorId": 1}]

    def _trigger_targets(self, message, connector_id):
        targets = super()._trigger_targets(message, connector_id)
        return [self.connectors[0]] if connector_id and targets is not None else targets


class TriggerForUnknownConnectorAccepted(ChargePoint):
    """§5.17, OCTT TC_055_CS (rule TriggerMessageStatus): a TriggerMessage for a connector the charge point
    does not have is Rejected; this one answers Accepted (and sends nothing)."""

    minimal_trace = [{"op": "TriggerMessage", "requestedMessage": "MeterValues", "connectorId": 9}]

    def _trigger_status(self, message, connector_id) -> str:
        return "Accepted"


class TriggeredMessageBeforeConf(ChargePoint):
    """§5.17: the Charge Point SHALL first send the TriggerMessage response, then the requested message; this
    one sends the requested message first."""

    minimal_trace = [{"op": "TriggerMessage", "requestedMessage": "Heartbeat"}]

    async def _reply(self, msg, payload: dict, after) -> None:
        if msg.action != "TriggerMessage":
            await super()._reply(msg, payload, after)
            return
        after()
        await asyncio.sleep(0)  # the requested message's CALL goes out
        await self._send(msg.create_call_result(payload).to_json())


MUTANTS: tuple[type[ChargePoint], ...] = (
    TriggerAcceptedButNeverSent, TriggeredStatusNotificationForWrongConnector, TriggerForUnknownConnectorAccepted,
    TriggeredMessageBeforeConf,
)
