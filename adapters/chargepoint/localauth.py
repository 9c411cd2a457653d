"""The Local Auth List Management (OCPP 1.6 §3.5, §5.10, §5.15) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists LocalAuthListManagement; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16.enums import Action

from .configuration import Key
from .unsupported import refuse

PROFILE = "LocalAuthListManagement"


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9), added to the key table when the profile is supported."""
    return []


class LocalAuthList:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    @on(Action.get_local_list_version, skip_schema_validation=True)
    def on_get_local_list_version(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.get_local_list_version)
        return refuse(Action.get_local_list_version)  # not implemented yet

    @on(Action.send_local_list, skip_schema_validation=True)
    def on_send_local_list(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.send_local_list)
        return refuse(Action.send_local_list)  # not implemented yet
