"""The configuration keys of the bundled charge point (OCPP 1.6 §9.1, Core profile).

Values are kept as the strings GetConfiguration reports (§5.8); typed reads
go through :meth:`Configuration.integer`, :meth:`Configuration.boolean` and
:meth:`Configuration.items`. Optional Core keys for features this charge point
does not have (BlinkRepeat, LightIntensity, MaxEnergyOnInvalidId,
MinimumStatusDuration, WebSocketPingInterval) are absent, so they answer
NotSupported / unknownKey.
"""

from __future__ import annotations

from vocabulary import FEATURE_PROFILES

from .keys import (  # noqa: F401 (the key checks are this module's too)
    CSL_MAX_LENGTH,
    GET_CONFIGURATION_MAX_KEYS,
    Key,
    MEASURANDS,
    PHASE_ROTATIONS,
    boolean,
    measurand_list,
    non_negative,
    phase_rotation,
    positive,
    profiles,
    split_csl,
)
from .settings import Settings


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
