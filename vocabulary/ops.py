"""The ops of a trace (docs/architecture.md §1), the feature profiles and the controller kinds."""

from __future__ import annotations

FEATURE_PROFILES = ("Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation",
                    "SmartCharging", "RemoteTrigger")
"""OCPP 1.6 §3.3 and §9.1.29 SupportedFeatureProfiles: the profile identifiers."""

CORE_OPS = frozenset({
    "ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer", "GetConfiguration",
    "RemoteStartTransaction", "RemoteStopTransaction", "Reset", "UnlockConnector",
})
"""Central System initiated operations of the Core profile (§3.3)."""

PROFILE_OPS = {
    "GetLocalListVersion": "LocalAuthListManagement",
    "SendLocalList": "LocalAuthListManagement",
    "ReserveNow": "Reservation",
    "CancelReservation": "Reservation",
    "SetChargingProfile": "SmartCharging",
    "ClearChargingProfile": "SmartCharging",
    "GetCompositeSchedule": "SmartCharging",
    "TriggerMessage": "RemoteTrigger",
    "UpdateFirmware": "FirmwareManagement",
    "GetDiagnostics": "FirmwareManagement",
}
"""Central System operations of the feature profiles other than Core (§3.3)."""

CENTRAL_SYSTEM_OPS = CORE_OPS | frozenset(PROFILE_OPS)
"""Every op the harness sends as a CALL: the OCPP action, the payload as on the wire."""

_CONNECTOR = {"connectorId": (int, True)}
PHYSICAL_PARAMS: dict[str, dict[str, tuple[type, bool]]] = {
    "PlugIn": _CONNECTOR,
    "Unplug": _CONNECTOR,
    "PresentIdTag": _CONNECTOR | {"idTag": (str, True)},
    "EVSuspend": _CONNECTOR,
    "EVResume": _CONNECTOR,
    "Fault": _CONNECTOR | {"errorCode": (str, False)},
    "ClearFault": _CONNECTOR,
    "SetUnlockFailure": _CONNECTOR | {"failing": (bool, True)},
    "SetLocalListFailure": {"failing": (bool, True)},
    "SetFirmwareFailure": {"stage": (str, False)},
    "SetUploadFailure": {"failing": (bool, True)},
    "PowerLoss": {},
    "PowerOn": {},
    "NetworkDown": {},
    "NetworkUp": {},
}
"""Physical actions, performed on the charge point by a controller: op -> {key: (type, required)};
a key that is not required may also be null."""
PHYSICAL_OPS = frozenset(PHYSICAL_PARAMS)

ENVIRONMENT_OPS = frozenset({"AdvanceTime", "SetIdTag", "SetBootResponse", "FailNext"})
"""Changes of the world around the charge point: time, and the Central System's answers."""

HOSTILE_OPS = frozenset({
    "NotJson", "BinaryFrame", "WrongMessageType", "UnknownAction", "MalformedCall", "LargeFrame",
    "DuplicateMessageId", "UnsolicitedCallResult", "UnsolicitedCallError", "CrossingCall",
})
"""A hostile Central System (docs/hostile.md): frames that break OCPP-J 1.6, sent by the endpoint as they
are, and a CALL that crosses one of the Charge Point's own (``fuzz --hostile``)."""

ALL_OPS = CENTRAL_SYSTEM_OPS | PHYSICAL_OPS | ENVIRONMENT_OPS | HOSTILE_OPS

CONTROLLER_KINDS = ("http", "manual", "none", "sap", "microocpp")
"""How physical actions are done on an external charge point (docs/external.md §3)."""


def profile_of(op: str) -> str:
    """The feature profile a Central System operation belongs to."""
    return PROFILE_OPS.get(op, "Core")


def profiles_problem(names) -> str | None:
    """Why ``names`` is not a charge point's list of feature profiles (§9.1.29), or None."""
    for name in names:
        if name not in FEATURE_PROFILES:
            return f"unknown feature profile {name!r}; OCPP 1.6 has {', '.join(FEATURE_PROFILES)}"
    if "Core" not in names:
        return "the feature profiles must include Core (every OCPP 1.6 charge point implements it)"
    return None
