"""Operations of the feature profiles the bundled charge point does not support (§3.3).

When SupportedFeatureProfiles does not list an operation's profile, the
operation answers the way the OCTT expects of a charge point without the profile: a refusal in the answer where
the message has one (TC_042_1, TC_043_1, TC_048_4, TC_050_4), a CALLERROR
NotSupported (OCPP-J 1.6 §4.2.3) where it has none.
"""

from __future__ import annotations

from ocpp.exceptions import NotSupportedError
from ocpp.v16 import call_result
from ocpp.v16.enums import Action


def refuse(action: Action):
    """The answer to ``action`` when its profile is not supported (raises for a CALLERROR)."""
    if action in (Action.update_firmware, Action.get_diagnostics):
        raise NotSupportedError(details={"cause": "FirmwareManagement is not supported"})
    return REFUSALS[action]()


REFUSALS = {
    Action.get_local_list_version: lambda: call_result.GetLocalListVersion(list_version=-1),
    Action.send_local_list: lambda: call_result.SendLocalList(status="NotSupported"),
    Action.reserve_now: lambda: call_result.ReserveNow(status="Rejected"),
    Action.cancel_reservation: lambda: call_result.CancelReservation(status="Rejected"),
    Action.set_charging_profile: lambda: call_result.SetChargingProfile(status="NotSupported"),
    Action.clear_charging_profile: lambda: call_result.ClearChargingProfile(status="Unknown"),
    Action.get_composite_schedule: lambda: call_result.GetCompositeSchedule(status="Rejected"),
    Action.trigger_message: lambda: call_result.TriggerMessage(status="NotImplemented"),
}
