"""The Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists SmartCharging; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16.enums import Action

from .configuration import Key
from .unsupported import refuse

PROFILE = "SmartCharging"


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9), added to the key table when the profile is supported."""
    return []


class SmartCharging:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    @on(Action.set_charging_profile, skip_schema_validation=True)
    def on_set_charging_profile(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.set_charging_profile)
        return refuse(Action.set_charging_profile)  # not implemented yet

    @on(Action.clear_charging_profile, skip_schema_validation=True)
    def on_clear_charging_profile(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.clear_charging_profile)
        return refuse(Action.clear_charging_profile)  # not implemented yet

    @on(Action.get_composite_schedule, skip_schema_validation=True)
    def on_get_composite_schedule(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.get_composite_schedule)
        return refuse(Action.get_composite_schedule)  # not implemented yet
