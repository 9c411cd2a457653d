"""The Reservation (OCPP 1.6 §3.11, §5.1, §5.13) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists Reservation; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16.enums import Action

from .configuration import Key
from .unsupported import refuse

PROFILE = "Reservation"


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9), added to the key table when the profile is supported."""
    return []


class Reservations:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    @on(Action.reserve_now, skip_schema_validation=True)
    def on_reserve_now(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.reserve_now)
        return refuse(Action.reserve_now)  # not implemented yet

    @on(Action.cancel_reservation, skip_schema_validation=True)
    def on_cancel_reservation(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.cancel_reservation)
        return refuse(Action.cancel_reservation)  # not implemented yet
