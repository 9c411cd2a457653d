"""The Firmware Management and Diagnostics (OCPP 1.6 §4.4, §4.5, §5.9, §5.19) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists FirmwareManagement; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16.enums import Action

from .configuration import Key
from .unsupported import refuse

PROFILE = "FirmwareManagement"


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9), added to the key table when the profile is supported."""
    return []


class FirmwareManagement:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    @on(Action.update_firmware, skip_schema_validation=True)
    def on_update_firmware(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.update_firmware)
        return refuse(Action.update_firmware)  # not implemented yet

    @on(Action.get_diagnostics, skip_schema_validation=True)
    def on_get_diagnostics(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.get_diagnostics)
        return refuse(Action.get_diagnostics)  # not implemented yet
