"""The Remote Trigger (OCPP 1.6 §5.17) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists RemoteTrigger; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).
"""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16.enums import Action

from .configuration import Key
from .unsupported import refuse

PROFILE = "RemoteTrigger"


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9), added to the key table when the profile is supported."""
    return []


class RemoteTrigger:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    @on(Action.trigger_message, skip_schema_validation=True)
    def on_trigger_message(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.trigger_message)
        return refuse(Action.trigger_message)  # not implemented yet
