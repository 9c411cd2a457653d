"""The Remote Trigger (OCPP 1.6 §5.17) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists RemoteTrigger; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).

Choices where the specification leaves freedom:

* Every MessageTrigger (§7.32) is Accepted, also BootNotification (errata 3.35
  only RECOMMENDS rejecting it once Accepted): the triggered BootNotification
  is not a reboot, and its Accepted answer re-arms the heartbeat and repeats
  the status of every connector, as after any Accepted BootNotification.
* A connectorId is only read for StatusNotification and MeterValues; one that
  is no connector (nor 0, the charge point itself) is Rejected (OCTT TC_055_CS).
* Without connectorId: StatusNotification for connector 0 and every connector,
  MeterValues for every connector (§5.17 "for all allowed connectorId values").
* A triggered MeterValues holds one reading, context Trigger, of the
  measurands in MeterValuesSampledData (errata 3.46), without transactionId:
  it is not transaction-related and is not queued while offline.
* The triggered message is sent after the TriggerMessage.conf (the ``@after`` route).
"""

from __future__ import annotations

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from .keys import Key
from .metering import DEFAULT_MEASURAND
from .state import Outgoing
from .unsupported import refuse

PROFILE = "RemoteTrigger"
MESSAGES = ("BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
            "MeterValues", "StatusNotification")
ABOUT_A_CONNECTOR = ("MeterValues", "StatusNotification")


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9), added to the key table when the profile is supported."""
    return []


class RemoteTrigger:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    @on(Action.trigger_message, skip_schema_validation=True)
    def on_trigger_message(self, requested_message: str, connector_id: int | None = None, **_):
        if not self._supports(PROFILE):
            return refuse(Action.trigger_message)
        return call_result.TriggerMessage(status=self._trigger_status(requested_message, connector_id))

    def _trigger_status(self, message: str, connector_id: int | None) -> str:
        if message not in MESSAGES:
            return "NotImplemented"
        if message in ABOUT_A_CONNECTOR and self._trigger_targets(message, connector_id) is None:
            return "Rejected"
        return "Accepted"

    def _trigger_targets(self, message: str, connector_id: int | None) -> list | None:
        """The connectors the message is about; None for a connectorId that is no connector."""
        if connector_id is None:
            return self.connectors if message == "StatusNotification" else self.connectors[1:]
        if not 0 <= connector_id < len(self.connectors):
            return None
        return [self.connectors[connector_id]]

    @after(Action.trigger_message)
    def after_trigger_message(self, requested_message: str, connector_id: int | None = None, **_):
        if self._supports(PROFILE) and self._trigger_status(requested_message, connector_id) == "Accepted":
            self._send_triggered(requested_message, connector_id)

    def _send_triggered(self, message: str, connector_id: int | None) -> None:
        if message == "BootNotification":
            self._spawn(self._boot())
        elif message == "Heartbeat":
            self._enqueue(Outgoing("Heartbeat", {}))
        elif message == "StatusNotification":
            for c in self._trigger_targets(message, connector_id) or []:
                self._send_status(c)
        elif message == "MeterValues":
            for c in self._trigger_targets(message, connector_id) or []:
                self._enqueue(Outgoing("MeterValues", self._triggered_meter_values(c)))
        else:
            self._send_progress(message, self._progress_now(message))

    def _triggered_meter_values(self, c) -> dict:
        """Errata 3.46: the most recent measurements of all measurands in MeterValuesSampledData."""
        measurands = self.config.items("MeterValuesSampledData") or [DEFAULT_MEASURAND]
        return {"connectorId": c.id, "meterValue": [self._reading(c, measurands, "Trigger")]}
