"""The configuration keys of the bundled charge point (OCPP 1.6 §9.1, Core profile).

Values are kept as the strings GetConfiguration reports (§5.8); typed reads
go through :meth:`Configuration.integer`, :meth:`Configuration.boolean` and
:meth:`Configuration.items`. Optional Core keys for features this charge point
does not have (BlinkRepeat, LightIntensity, MaxEnergyOnInvalidId,
MinimumStatusDuration, WebSocketPingInterval) are absent, so they answer
NotSupported / unknownKey.
"""

from __future__ import annotations

import re
from typing import Callable

import attrs

from vocabulary import FEATURE_PROFILES

from .settings import Settings

MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage")
"""The measurands this charge point can sample (§7.31); others are Rejected (§3.16.4)."""
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
CSL_MAX_LENGTH = 4
GET_CONFIGURATION_MAX_KEYS = 32


@attrs.frozen
class Key:
    """One configuration key: its name, accessibility and how a value is checked."""

    name: str
    default: str
    check: Callable[[str, "Configuration"], str | None]
    """Returns the value as stored, or None when the value is invalid."""
    read_only: bool = False


def boolean(value: str, _config=None) -> str | None:
    """A §9 boolean: "true" or "false" (case-insensitive on input, stored lower case)."""
    lowered = value.strip().lower()
    return lowered if lowered in ("true", "false") else None


def non_negative(value: str, _config=None) -> str | None:
    text = value.strip()
    return str(int(text)) if text.isdigit() else None


def positive(value: str, _config=None) -> str | None:
    text = non_negative(value)
    return text if text is not None and int(text) > 0 else None


def profiles(value: str, _config=None) -> str | None:
    items = split_csl(value)
    return ",".join(items) if items and all(item in FEATURE_PROFILES for item in items) else None


def split_csl(value: str) -> list[str]:
    """The items of a comma separated list (§9); an empty string has none."""
    return [item.strip() for item in value.split(",")] if value.strip() else []


def measurand_list(max_key: str) -> Callable[[str, "Configuration"], str | None]:
    """A CSL of supported measurands, no longer than the value of ``max_key`` (§3.16.4, §5.3)."""

    def check(value: str, config: "Configuration") -> str | None:
        items = split_csl(value)
        if len(items) > config.integer(max_key) or any(item not in MEASURANDS for item in items):
            return None
        return ",".join(items)

    return check


_ROTATION = re.compile(r"^(\d+)\.(\w+)$")


def phase_rotation(value: str, config: "Configuration") -> str | None:
    """ConnectorPhaseRotation (§9.1.7): ``<connectorId>.<rotation>`` items, e.g. ``0.RST, 1.RST``."""
    items = split_csl(value)
    if len(items) > config.integer("ConnectorPhaseRotationMaxLength"):
        return None
    for item in items:
        match = _ROTATION.match(item)
        if not match or int(match[1]) > config.number_of_connectors or match[2] not in PHASE_ROTATIONS:
            return None
    return ", ".join(items)


def keys_for(settings: Settings) -> dict[str, Key]:
    """The key table of a charge point built with ``settings`` (§9.1)."""
    n = settings.number_of_connectors
    rotation = ", ".join(f"{c}.RST" for c in range(n + 1))
    unlock_default = "false" if settings.fixed_cable else "true"
    table = [
        Key("AllowOfflineTxForUnknownId", "false", boolean),
        Key("AuthorizationCacheEnabled", "true", boolean),
        Key("AuthorizeRemoteTxRequests", "true", boolean),
        Key("ClockAlignedDataInterval", "0", non_negative),
        Key("ConnectionTimeOut", "60", non_negative),
        Key("ConnectorPhaseRotation", rotation, phase_rotation),
        Key("ConnectorPhaseRotationMaxLength", str(n + 1), non_negative, read_only=True),
        Key("GetConfigurationMaxKeys", str(GET_CONFIGURATION_MAX_KEYS), non_negative, read_only=True),
        Key("HeartbeatInterval", "300", non_negative),
        Key("LocalAuthorizeOffline", "true", boolean),
        Key("LocalPreAuthorize", "false", boolean),
        Key("MeterValuesAlignedData", MEASURANDS[0], measurand_list("MeterValuesAlignedDataMaxLength")),
        Key("MeterValuesAlignedDataMaxLength", str(CSL_MAX_LENGTH), non_negative, read_only=True),
        Key("MeterValuesSampledData", MEASURANDS[0], measurand_list("MeterValuesSampledDataMaxLength")),
        Key("MeterValuesSampledDataMaxLength", str(CSL_MAX_LENGTH), non_negative, read_only=True),
        Key("MeterValueSampleInterval", "0", non_negative),
        Key("NumberOfConnectors", str(n), non_negative, read_only=True),
        Key("ResetRetries", "1", non_negative),
        Key("StopTransactionOnEVSideDisconnect", "true", boolean),
        Key("StopTransactionOnInvalidId", "true", boolean),
        Key("StopTxnAlignedData", "", measurand_list("StopTxnAlignedDataMaxLength")),
        Key("StopTxnAlignedDataMaxLength", str(CSL_MAX_LENGTH), non_negative, read_only=True),
        Key("StopTxnSampledData", "", measurand_list("StopTxnSampledDataMaxLength")),
        Key("StopTxnSampledDataMaxLength", str(CSL_MAX_LENGTH), non_negative, read_only=True),
        Key("SupportedFeatureProfiles", ",".join(supported_profiles(settings)), profiles, read_only=True),
        Key("SupportedFeatureProfilesMaxLength", "6", non_negative, read_only=True),
        Key("TransactionMessageAttempts", "3", positive),
        Key("TransactionMessageRetryInterval", "60", non_negative),
        # errata 3.83: a fixed cable reports false and does not allow a change
        Key("UnlockConnectorOnEVSideDisconnect", unlock_default, boolean,
            read_only=settings.fixed_cable),
    ]
    return {key.name: key for key in table + profile_keys(settings)}


DEFAULT_PROFILES = ",".join(FEATURE_PROFILES)


def supported_profiles(settings: Settings) -> list[str]:
    return split_csl(settings.configuration.get("SupportedFeatureProfiles", DEFAULT_PROFILES))


def profile_keys(settings: Settings) -> list[Key]:
    """The keys of the supported feature profiles other than Core (§9.2–§9.4)."""
    from . import firmware, localauth, reservation, smartcharging, trigger

    modules = (firmware, localauth, reservation, smartcharging, trigger)
    supported = supported_profiles(settings)
    return [key for module in modules if module.PROFILE in supported for key in module.keys(settings)]


class Configuration:
    """Configuration values kept in the charge point's persistent store."""

    def __init__(self, settings: Settings, values: dict[str, str]):
        self.number_of_connectors = settings.number_of_connectors
        self.keys = keys_for(settings)
        self._lowered = {name.lower(): key for name, key in self.keys.items()}
        self.values = values
        factory_new = not values
        for key in self.keys.values():
            values.setdefault(key.name, key.default)
        if factory_new:
            self._apply_overrides(settings.configuration)
        for key in self.keys.values():
            if key.read_only:
                values[key.name] = key.default

    def _apply_overrides(self, overrides: dict[str, str]) -> None:
        for name, value in overrides.items():
            key = self.keys.get(name)
            if key is None:
                raise ValueError(f"Settings.configuration: {name!r} is not a configuration key "
                                 f"of this charge point (§9.1)")
            checked = self.checked(key, value)
            if checked is None or key.read_only and checked != key.default:  # a read-only value comes from settings
                raise ValueError(f"Settings.configuration: {value!r} is not a valid value "
                                 f"for {name}")
            self.values[name] = checked

    def checked(self, key: Key, value: str) -> str | None:
        """``value`` as stored for ``key``, or None when it is invalid."""
        return key.check(value, self)

    def lookup(self, name: str) -> Key | None:
        """The key called ``name``; key names are CiString50Type, so case-insensitive (§7.15)."""
        key = self.keys.get(name)
        if key is None:
            key = self._lowered.get(name.lower())
        return key

    def get(self, name: str) -> str:
        return self.values[name]

    def integer(self, name: str) -> int:
        return int(self.values[name])

    def boolean(self, name: str) -> bool:
        return self.values[name] == "true"

    def items(self, name: str) -> list[str]:
        return split_csl(self.values[name])

    def entry(self, name: str) -> dict:
        """A KeyValue (§7.29) for GetConfiguration.conf."""
        return {"key": name, "readonly": self.keys[name].read_only, "value": self.values[name]}
