"""Operations of the feature profiles the bundled charge point does not support (§3.3).

SupportedFeatureProfiles lists Core only, so these answer the way the OCTT
expects of a charge point without the profile: a refusal in the answer where
the message has one (TC_042_1, TC_043_1, TC_048_4, TC_050_4), a CALLERROR
NotSupported (OCPP-J 1.6 §4.2.3) where it has none.
"""

from __future__ import annotations

from ocpp.exceptions import NotSupportedError
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action


class UnsupportedProfiles:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    @on(Action.get_local_list_version, skip_schema_validation=True)
    def on_get_local_list_version(self, **_):
        return call_result.GetLocalListVersion(list_version=-1)

    @on(Action.send_local_list, skip_schema_validation=True)
    def on_send_local_list(self, **_):
        return call_result.SendLocalList(status="NotSupported")

    @on(Action.reserve_now, skip_schema_validation=True)
    def on_reserve_now(self, **_):
        return call_result.ReserveNow(status="Rejected")

    @on(Action.cancel_reservation, skip_schema_validation=True)
    def on_cancel_reservation(self, **_):
        return call_result.CancelReservation(status="Rejected")

    @on(Action.set_charging_profile, skip_schema_validation=True)
    def on_set_charging_profile(self, **_):
        return call_result.SetChargingProfile(status="NotSupported")

    @on(Action.clear_charging_profile, skip_schema_validation=True)
    def on_clear_charging_profile(self, **_):
        return call_result.ClearChargingProfile(status="Unknown")

    @on(Action.get_composite_schedule, skip_schema_validation=True)
    def on_get_composite_schedule(self, **_):
        return call_result.GetCompositeSchedule(status="Rejected")

    @on(Action.trigger_message, skip_schema_validation=True)
    def on_trigger_message(self, **_):
        return call_result.TriggerMessage(status="NotImplemented")

    @on(Action.update_firmware, skip_schema_validation=True)
    def on_update_firmware(self, **_):
        raise NotSupportedError(details={"cause": "FirmwareManagement is not supported"})

    @on(Action.get_diagnostics, skip_schema_validation=True)
    def on_get_diagnostics(self, **_):
        raise NotSupportedError(details={"cause": "FirmwareManagement is not supported"})
