"""Configuration keys: GetConfiguration (§5.8) and ChangeConfiguration (§5.3).

Sources: OCPP 1.6 edition 2 §5.3, §5.8, §6.9/§6.10, §6.23/§6.24, §7.22,
§7.29 and §9 (Standard Configuration Key Names & Values); the OCPP 1.6
errata sheet v4.0 (which overrides the edition: §3.14.4, §3.79, §3.80, §3.82,
§3.83, §3.86, §3.88, §3.89); the OCPP-J 1.6 specification §7 and its errata
sheet §3.10.

Choices the spec leaves to the Charge Point are all accepted:

* Any writable key may answer ``RebootRequired`` instead of ``Accepted``: §9
  names no key that needs a reboot, §5.3 leaves it to the Charge Point. Until
  a reboot, GetConfiguration may report the old or the new value.
* ``Rejected`` is always allowed for a key the Charge Point supports: it may
  refuse any value it cannot support (§5.3, errata §3.14.4 for measurands).
* Optional keys may be absent; then ChangeConfiguration answers
  ``NotSupported`` and GetConfiguration lists them in ``unknownKey``.
* Keys and values are CiStrings, "case insensitive" (§7.17, §7.19): booleans
  and enumerated items are compared without case, and a Charge Point may
  match a key in another spelling. One that matches keys case-sensitively and
  calls ``heartbeatinterval`` unknown is not faulted either.
* A CSL is only bounded by its ``[KeyName]MaxLength`` key once that key's
  value is known; the "safe value of 1" of §5.3 is advice to the Central
  System, not a limit on the Charge Point.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import attrs

import vocabulary

from .violations import Violation

MEASURANDS = (
    "Current.Export",
    "Current.Import",
    "Current.Offered",
    "Energy.Active.Export.Register",
    "Energy.Active.Import.Register",
    "Energy.Reactive.Export.Register",
    "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval",
    "Energy.Active.Import.Interval",
    "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval",
    "Frequency",
    "Power.Active.Export",
    "Power.Active.Import",
    "Power.Factor",
    "Power.Offered",
    "Power.Reactive.Export",
    "Power.Reactive.Import",
    "RPM",
    "SoC",
    "Temperature",
    "Voltage",
)
"""§7.31 Measurand."""

PHASES = ("L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1")
"""§7.34 Phase."""

PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
"""§9.1.7 ConnectorPhaseRotation: possible values per connector."""

FEATURE_PROFILES = vocabulary.FEATURE_PROFILES
"""§9.1.29 SupportedFeatureProfiles: possible profile identifiers."""

CHARGING_RATE_UNITS = ("Current", "Power")
"""§9.4.2 ChargingScheduleAllowedChargingRateUnit, explained by errata §3.86."""

FILE_TRANSFER_PROTOCOLS = ("FTP", "FTPS", "HTTP", "HTTPS")
"""Errata §3.88 SupportedFileTransferProtocols."""

CONFIGURATION_STATUSES = ("Accepted", "Rejected", "RebootRequired", "NotSupported")
"""§7.22 ConfigurationStatus."""

MEASURAND_ITEM = "Measurand[.Phase]"
ROTATION_ITEM = "[connectorId.]PhaseRotation"

_ERRATA = "OCPP 1.6 errata v4.0"


@attrs.frozen
class KeySpec:
    """One row of the §9 table.

    ``accessibility`` is ``"R"``, ``"RW"``, ``"R or RW"`` (the Charge Point
    chooses) or ``"W"`` (write-only). ``allowed`` holds the CSL item values;
    ``items`` names a composite item format (:data:`MEASURAND_ITEM`,
    :data:`ROTATION_ITEM`). ``minimum``/``maximum`` bound integers.
    ``compare`` is False where a reported value may differ from the one set.
    ``either_access`` makes the judges accept R and RW although the row says
    one of them. ``note`` gives the reasoning where the spec leaves a choice.
    """

    name: str
    profile: str
    required: bool
    accessibility: str
    type: str
    section: str
    unit: str = ""
    allowed: tuple[str, ...] = ()
    items: str = ""
    minimum: int | None = None
    maximum: int | None = None
    max_length_key: str = ""
    compare: bool = True
    either_access: bool = False
    note: str = ""

    @property
    def judged_access(self) -> str:
        """The accessibility the judges hold the Charge Point to."""
        return "R or RW" if self.either_access else self.accessibility


def _s(number: str) -> str:
    return f"OCPP 1.6 §{number}"


def _measurands(name: str, number: str) -> KeySpec:
    return KeySpec(
        name, "Core", True, "RW", "CSL", _s(number), items=MEASURAND_ITEM,
        max_length_key=f"{name}MaxLength",
        note="items are Measurands (§7.31), optionally with a Phase (§7.34) as in "
        "'Voltage.L1'; an empty value is allowed (errata §3.14.5); the CP SHALL "
        "reject measurands it does not support (errata §3.14.4), so Rejected is "
        "always allowed",
    )


def _max_length(name: str, number: str, note: str = "") -> KeySpec:
    return KeySpec(f"{name}MaxLength", "Core", False, "R", "integer", _s(number), minimum=0, note=note)


_OPTIONAL_BOOLEAN = (
    "the row says R, but §9 says of optional boolean keys that a present key 'can be enabled or "
    "disabled by setting the value for the key': both readings are accepted"
)

_NON_NEGATIVE = "negative values are out of range for a count or duration (OCTT TC_040_2 expects Rejected for -1)"

KEYS: tuple[KeySpec, ...] = (
    KeySpec("AllowOfflineTxForUnknownId", "Core", False, "RW", "boolean", _s("9.1.1")),
    KeySpec("AuthorizationCacheEnabled", "Core", False, "RW", "boolean", _s("9.1.2")),
    KeySpec("AuthorizeRemoteTxRequests", "Core", True, "R or RW", "boolean", _s("9.1.3"),
            note="'R or RW. Choice is up to Charge Point implementation.'"),
    KeySpec("BlinkRepeat", "Core", False, "RW", "integer", _s("9.1.4"), "times", minimum=0, note=_NON_NEGATIVE),
    KeySpec("ClockAlignedDataInterval", "Core", True, "RW", "integer", _s("9.1.5"), "seconds", minimum=0,
            note="0 means no clock-aligned data; " + _NON_NEGATIVE),
    KeySpec("ConnectionTimeOut", "Core", True, "RW", "integer", _s("9.1.6"), "seconds", minimum=0, note=_NON_NEGATIVE),
    KeySpec("ConnectorPhaseRotation", "Core", True, "RW", "CSL", _s("9.1.7"), allowed=PHASE_ROTATIONS,
            items=ROTATION_ITEM, max_length_key="ConnectorPhaseRotationMaxLength", compare=False,
            note="items formatted '0.RST'; the connectorId prefix is accepted as optional and must not exceed "
            "NumberOfConnectors when known; not compared with the value set: the CP MAY add index 0 and may "
            "replace 'Unknown' with a measured rotation"),
    _max_length("ConnectorPhaseRotation", "9.1.8"),
    KeySpec("GetConfigurationMaxKeys", "Core", True, "R", "integer", _s("9.1.9"), minimum=0),
    KeySpec("HeartbeatInterval", "Core", True, "RW", "integer", _s("9.1.10"), "seconds", minimum=0,
            note="BootNotification.conf adjusts the heartbeat interval (§4.2): callers forget_value() "
            "the key when one is Accepted; " + _NON_NEGATIVE),
    KeySpec("LightIntensity", "Core", False, "RW", "integer", _s("9.1.11"), "%", minimum=0, maximum=100,
            note="a percentage of maximum intensity: 0..100"),
    KeySpec("LocalAuthorizeOffline", "Core", True, "RW", "boolean", _s("9.1.12")),
    KeySpec("LocalPreAuthorize", "Core", True, "RW", "boolean", _s("9.1.13")),
    KeySpec("MaxEnergyOnInvalidId", "Core", False, "RW", "integer", _s("9.1.14"), "Wh", minimum=0,
            note=_NON_NEGATIVE),
    _measurands("MeterValuesAlignedData", "9.1.15"),
    _max_length("MeterValuesAlignedData", "9.1.16"),
    _measurands("MeterValuesSampledData", "9.1.17"),
    _max_length("MeterValuesSampledData", "9.1.18"),
    KeySpec("MeterValueSampleInterval", "Core", True, "RW", "integer", _s("9.1.19"), "seconds", minimum=0,
            note="0 means no sampled data; " + _NON_NEGATIVE),
    KeySpec("MinimumStatusDuration", "Core", False, "RW", "integer", _s("9.1.20"), "seconds", minimum=0,
            note=_NON_NEGATIVE),
    KeySpec("NumberOfConnectors", "Core", True, "R", "integer", _s("9.1.21"), minimum=0),
    KeySpec("ResetRetries", "Core", True, "RW", "integer", _s("9.1.22"), "times", minimum=0, note=_NON_NEGATIVE),
    KeySpec("StopTransactionOnEVSideDisconnect", "Core", False, "R or RW", "boolean", f"{_ERRATA} §3.79",
            note="edition 2 §9.1.23 says required, RW; errata §3.79 makes it optional, 'R or RW'"),
    KeySpec("StopTransactionOnInvalidId", "Core", True, "RW", "boolean", _s("9.1.24")),
    _measurands("StopTxnAlignedData", "9.1.25"),
    _max_length("StopTxnAlignedData", "9.1.26"),
    _measurands("StopTxnSampledData", "9.1.27"),
    _max_length("StopTxnSampledData", "9.1.28"),
    KeySpec("SupportedFeatureProfiles", "Core", True, "R", "CSL", _s("9.1.29"), allowed=FEATURE_PROFILES,
            max_length_key="SupportedFeatureProfilesMaxLength"),
    _max_length("SupportedFeatureProfiles", "9.1.30", note="errata §3.80: need not be implemented"),
    KeySpec("TransactionMessageAttempts", "Core", True, "RW", "integer", _s("9.1.31"), "times", minimum=0,
            note=_NON_NEGATIVE),
    KeySpec("TransactionMessageRetryInterval", "Core", True, "RW", "integer", _s("9.1.32"), "seconds",
            minimum=0, note=_NON_NEGATIVE),
    KeySpec("UnlockConnectorOnEVSideDisconnect", "Core", True, "R or RW", "boolean", f"{_ERRATA} §3.83",
            note="errata §3.83: 'RW (RO in case of fixed cable)'; a fixed cable SHALL report false"),
    KeySpec("WebSocketPingInterval", "Core", False, "RW", "integer", _s("9.1.34"), "seconds", minimum=0,
            note="'Negative values are not allowed. ChangeConfiguration is expected to return a REJECTED result.'"),
    KeySpec("MessageTimeout", "Core", False, "RW", "integer", f"{_ERRATA} §3.82", "seconds", minimum=0,
            note=_NON_NEGATIVE),
    KeySpec("StopTransactionMaxMeterValues", "Core", False, "R", "integer", f"{_ERRATA} §3.89", minimum=0),
    KeySpec("AuthorizationKey", "Core", False, "W", "string", "OCPP-J 1.6 errata §3.10", compare=False,
            note="write-only: GetConfiguration may omit it or report an unrelated value (OCPP-J §6); "
            "any string is accepted as valid because the security whitepaper redefines its format"),
    KeySpec("LocalAuthListEnabled", "LocalAuthListManagement", True, "RW", "boolean", _s("9.2.1")),
    KeySpec("LocalAuthListMaxLength", "LocalAuthListManagement", True, "R", "integer", _s("9.2.2"), minimum=0),
    KeySpec("SendLocalListMaxLength", "LocalAuthListManagement", True, "R", "integer", _s("9.2.3"), minimum=0),
    KeySpec("ReserveConnectorZeroSupported", "Reservation", False, "R", "boolean", _s("9.3.1"),
            either_access=True, note=_OPTIONAL_BOOLEAN),
    KeySpec("ChargeProfileMaxStackLevel", "SmartCharging", True, "R", "integer", _s("9.4.1"), minimum=0),
    KeySpec("ChargingScheduleAllowedChargingRateUnit", "SmartCharging", True, "R", "CSL", _s("9.4.2"),
            allowed=CHARGING_RATE_UNITS),
    KeySpec("ChargingScheduleMaxPeriods", "SmartCharging", True, "R", "integer", _s("9.4.3"), minimum=0),
    KeySpec("ConnectorSwitch3to1PhaseSupported", "SmartCharging", False, "R", "boolean", _s("9.4.4"),
            either_access=True, note="type boolean per errata §4.28; " + _OPTIONAL_BOOLEAN),
    KeySpec("MaxChargingProfilesInstalled", "SmartCharging", True, "R", "integer", _s("9.4.5"), minimum=0),
    KeySpec("SupportedFileTransferProtocols", "FirmwareManagement", False, "R", "CSL", f"{_ERRATA} §3.88",
            allowed=FILE_TRANSFER_PROTOCOLS),
)
"""Every standard configuration key, as the errata leave it."""

KEY_TABLE: dict[str, KeySpec] = {spec.name: spec for spec in KEYS}
_BY_FOLDED: dict[str, KeySpec] = {spec.name.casefold(): spec for spec in KEYS}
_MEASURAND_ITEMS = frozenset(
    m.casefold() for m in MEASURANDS + tuple(f"{m}.{p}" for m in MEASURANDS for p in PHASES)
)
_INVALID = object()
_PRINTABLE = re.compile(r"[\x20-\x7e]*")


def spec_of(key: str) -> KeySpec | None:
    """The standard key ``key`` names, in any spelling (keys are CiString50, §6.9)."""
    return _BY_FOLDED.get(key.casefold())


def canonical_key(key: str) -> str:
    """The standard name for ``key`` in any spelling; other keys unchanged."""
    spec = spec_of(key)
    return spec.name if spec else key


def _is_variant(key: str) -> bool:
    """A standard key in a spelling other than the spec's own."""
    return spec_of(key) is not None and key not in KEY_TABLE


@attrs.frozen(cache_hash=True)
class ConfigurationModel:
    """What the model knows of the Charge Point's configuration keys.

    Pairs are (key, value) with standard keys under their spec name.
    ``values``: the raw value last accepted (§5.3) or reported (§5.8);
    ``pending``: values answered ``RebootRequired``, effective after reboot;
    ``readonly``: the flag GetConfiguration last reported (§7.29);
    ``supported``: keys the Charge Point reported or accepted;
    ``unsupported``: keys it reported unknown or answered ``NotSupported``;
    ``missing``: required keys it does not have (RequiredKeyMissing or RequiredKeyUnknown was found:
    that deviation is not found again as NotSupportedForSupportedKey).
    """

    values: frozenset[tuple[str, str]] = frozenset()
    pending: frozenset[tuple[str, str]] = frozenset()
    readonly: frozenset[tuple[str, bool]] = frozenset()
    supported: frozenset[str] = frozenset()
    unsupported: frozenset[str] = frozenset()
    missing: frozenset[str] = frozenset()


def _get(pairs: frozenset, key: str) -> Any:
    return next((v for k, v in pairs if k == key), None)


def _put(pairs: frozenset, key: str, value: Any) -> frozenset:
    return frozenset((k, v) for k, v in pairs if k != key) | {(key, value)}


def _drop(pairs: frozenset, key: str) -> frozenset:
    return frozenset((k, v) for k, v in pairs if k != key)


# --- values ------------------------------------------------------------------


def _parse_boolean(raw: str) -> Any:
    folded = raw.strip().casefold()
    return {"true": True, "false": False}.get(folded, _INVALID)


def _parse_integer(raw: str) -> Any:
    text = raw.strip()
    return int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else _INVALID


def _parse_csl(raw: str) -> Any:
    if raw.strip() == "":
        return ()
    items = tuple(item.strip() for item in raw.split(","))
    return _INVALID if "" in items else items


_PARSERS = {"boolean": _parse_boolean, "integer": _parse_integer, "CSL": _parse_csl, "string": str}


def _parse(spec: KeySpec, raw: str) -> Any:
    """bool, int, tuple of items (CSL) or str; ``_INVALID`` if not of the type."""
    return _PARSERS[spec.type](raw)


@functools.lru_cache(maxsize=4096)
def value_of(cfg: ConfigurationModel, key: str) -> Any:
    """The known value of ``key``, parsed; None if unknown or not of its type (kept per configuration:
    a step asks for the same keys many times, and a ConfigurationModel never changes)."""
    raw = _get(cfg.values, canonical_key(key))
    spec = spec_of(key)
    if raw is None or spec is None:
        return raw
    parsed = _parse(spec, raw)
    return None if parsed is _INVALID else parsed


_MADE: dict[ConfigurationModel, ConfigurationModel] = {}
MADE_LIMIT = 4096


def one(cfg: ConfigurationModel) -> ConfigurationModel:
    """The configuration equal to ``cfg`` made before, if any: equal configurations are one object, so that
    :func:`value_of`'s memo finds theirs without comparing them (a comparison goes over every pair)."""
    made = _MADE.get(cfg)
    if made is None:
        if len(_MADE) >= MADE_LIMIT:
            _MADE.clear()
        made = _MADE[cfg] = cfg
    return made


def _known_int(cfg: ConfigurationModel | None, key: str) -> int | None:
    value = value_of(cfg, key) if cfg is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _item_ok(spec: KeySpec, item: str, cfg: ConfigurationModel | None) -> bool:
    if spec.items == MEASURAND_ITEM:
        return item.casefold() in _MEASURAND_ITEMS
    if spec.items == ROTATION_ITEM:
        return _rotation_ok(item, cfg)
    return item.casefold() in {a.casefold() for a in spec.allowed}


def _rotation_ok(item: str, cfg: ConfigurationModel | None) -> bool:
    """§9.1.7: 'Values are reported in CSL, formatted: 0.RST, 1.RST, 2.RTS'."""
    match = re.fullmatch(r"(?:([0-9]+)\.)?([A-Za-z]+)", item)
    if not match or match[2].casefold() not in {r.casefold() for r in PHASE_ROTATIONS}:
        return False
    connectors = _known_int(cfg, "NumberOfConnectors")
    return match[1] is None or connectors is None or int(match[1]) <= connectors


def _in_range(spec: KeySpec, number: int) -> bool:
    return (spec.minimum is None or number >= spec.minimum) and (spec.maximum is None or number <= spec.maximum)


def _csl_ok(spec: KeySpec, items: tuple[str, ...], cfg: ConfigurationModel | None) -> bool:
    limit = _known_int(cfg, spec.max_length_key) if spec.max_length_key else None
    within = limit is None or len(items) <= limit
    return within and all(_item_ok(spec, item, cfg) for item in items)


def is_valid_value(key: str, value: str, cfg: ConfigurationModel | None = None) -> bool:
    """Whether ``value`` is of ``key``'s type and among its allowed values (§9).

    Non-standard keys: always True (the spec says nothing of them). With
    ``cfg``, a CSL is also bounded by its known ``*MaxLength`` (§5.3) and a
    ConnectorPhaseRotation connectorId by the known NumberOfConnectors.
    """
    spec = spec_of(key)
    if spec is None:
        return True
    parsed = _parse(spec, value)
    if parsed is _INVALID:
        return False
    if spec.type == "integer":
        return _in_range(spec, parsed)
    if spec.type == "CSL":
        return _csl_ok(spec, parsed, cfg)
    return True


def _normal(spec: KeySpec, raw: str | None) -> Any:
    """A value as compared: CSL items as a case-folded set (order carries no meaning)."""
    parsed = _INVALID if raw is None else _parse(spec, raw)
    if parsed is _INVALID:
        return ("raw", raw)
    if spec.type == "CSL":
        return frozenset(item.casefold() for item in parsed)
    return parsed


@functools.lru_cache(maxsize=1024)
def supported_profiles(cfg: ConfigurationModel) -> frozenset[str]:
    """Core plus the profiles a known SupportedFeatureProfiles value lists (§9.1.29)."""
    listed = value_of(cfg, "SupportedFeatureProfiles") or ()
    folded = {item.casefold() for item in listed}
    return frozenset(p for p in FEATURE_PROFILES if p == "Core" or p.casefold() in folded)


def _required_here(cfg: ConfigurationModel, spec: KeySpec | None) -> bool:
    """§9: 'A required configuration key ... only has to be supported ... if it supports that profile.'"""
    return spec is not None and spec.required and spec.profile in supported_profiles(cfg)


def _write_only(key: str) -> bool:
    spec = spec_of(key)
    return spec is not None and spec.accessibility == "W"


# --- state changes -------------------------------------------------------------


def on_reboot(cfg: ConfigurationModel) -> ConfigurationModel:
    """Values answered ``RebootRequired`` take effect (§5.3, §7.22)."""
    values = cfg.values
    for key, value in cfg.pending:
        values = _put(values, key, value)
    return one(attrs.evolve(cfg, values=values, pending=frozenset()))


def forget_value(cfg: ConfigurationModel, key: str) -> ConfigurationModel:
    """Make ``key``'s value unknown, e.g. HeartbeatInterval after BootNotification.conf (§4.2)."""
    return one(attrs.evolve(cfg, values=_drop(cfg.values, canonical_key(key))))


# --- GetConfiguration ------------------------------------------------------------

_SHAPE = "OCPP 1.6 §6.24, §7.29"


def _cistring_problem(what: str, text: Any, limit: int) -> str | None:
    if not isinstance(text, str):
        return f"{what} is not a string: {text!r}"
    if len(text) > limit or not _PRINTABLE.fullmatch(text):
        return f"{what} is not a CiString{limit} (printable ASCII, at most {limit}): {text!r}"
    return None


def _entry_problems(entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return [f"configurationKey entry is not an object: {entry!r}"]
    problems = [_cistring_problem("configurationKey.key", entry.get("key"), 50)]
    if not isinstance(entry.get("readonly"), bool):
        problems.append(f"configurationKey.readonly is not a boolean: {entry.get('readonly')!r}")
    if "value" in entry:
        problems.append(_cistring_problem("configurationKey.value", entry["value"], 500))
    return [p for p in problems if p]


def _shape_problems(response: Any) -> list[str]:
    if not isinstance(response, dict):
        return [f"payload is not an object: {response!r}"]
    entries, unknown = response.get("configurationKey", []), response.get("unknownKey", [])
    if not isinstance(entries, list) or not isinstance(unknown, list):
        return ["configurationKey and unknownKey must be lists"]
    problems = [p for entry in entries for p in _entry_problems(entry)]
    problems += [p for p in (_cistring_problem("unknownKey", u, 50) for u in unknown) if p]
    return problems


@attrs.frozen
class _Reply:
    """A well-formed GetConfiguration.conf, with the request it answers."""

    requested: tuple[str, ...] | None
    entries: tuple[tuple[str, bool, str | None], ...]
    unknown: tuple[str, ...]

    def reported(self, key: str) -> bool:
        return key.casefold() in {k.casefold() for k, _, _ in self.entries}

    def listed_unknown(self, key: str) -> bool:
        return key.casefold() in {u.casefold() for u in self.unknown}


def _reply(requested_keys: tuple[str, ...] | None, response: dict) -> _Reply:
    requested = tuple(dict.fromkeys(requested_keys)) if requested_keys else None
    entries = tuple((e["key"], e["readonly"], e.get("value")) for e in response.get("configurationKey", []))
    return _Reply(requested, entries, tuple(response.get("unknownKey", [])))


def _learn_entry(cfg: ConfigurationModel, key: str, readonly: bool, value: str | None) -> ConfigurationModel:
    name = canonical_key(key)
    values = cfg.values if value is None or _write_only(name) else _put(cfg.values, name, value)
    return attrs.evolve(
        cfg,
        values=values,
        readonly=_put(cfg.readonly, name, readonly),
        supported=cfg.supported | {name},
        unsupported=cfg.unsupported - {name},
    )


def _not_present(reply: _Reply) -> frozenset[str]:
    """Keys the reply shows the Charge Point does not have (§5.8)."""
    if reply.requested is None:
        return frozenset(s.name for s in KEYS if s.accessibility != "W" and not reply.reported(s.name))
    return frozenset(u for u in reply.unknown if not _is_variant(u) and not _write_only(u))


def _mark_unsupported(cfg: ConfigurationModel, keys: frozenset[str]) -> ConfigurationModel:
    """Record keys the Charge Point disowned; a supported or required key is blamed, not recorded."""
    gone = {k for k in keys if k not in cfg.supported and not _required_here(cfg, spec_of(k))}
    return attrs.evolve(cfg, unsupported=cfg.unsupported | gone)


def _learn(cfg: ConfigurationModel, reply: _Reply) -> ConfigurationModel:
    for key, readonly, value in reply.entries:
        cfg = _learn_entry(cfg, key, readonly, value)
    return _mark_unsupported(cfg, _not_present(reply))


def _max_keys_respected(cfg: ConfigurationModel, requested: tuple[str, ...]) -> bool:
    """§5.8: the number of keys in one request 'MAY be limited by the Charge Point'."""
    limit = _known_int(cfg, "GetConfigurationMaxKeys")
    return len(requested) <= (limit if limit is not None else 1)


def _check_requested(cfg: ConfigurationModel, reply: _Reply) -> list[Violation]:
    if reply.requested is None or not _max_keys_respected(cfg, reply.requested):
        return []
    return [
        Violation("RequestedKeyNotReported", "OCPP 1.6 §5.8",
                  f"requested key {key!r} is neither in configurationKey nor in unknownKey")
        for key in reply.requested
        if not _write_only(key) and not reply.reported(key) and not reply.listed_unknown(key)
    ]


def _check_unknown_entry(cfg: ConfigurationModel, reply: _Reply, key: str) -> list[Violation]:
    if reply.requested is None or key.casefold() not in {k.casefold() for k in reply.requested}:
        return [Violation("UnrequestedUnknownKey", "OCPP 1.6 §6.24",
                          f"unknownKey holds {key!r}, which was not requested")]
    if reply.reported(key):
        return [Violation("KeyBothKnownAndUnknown", "OCPP 1.6 §5.8",
                          f"{key!r} is both in configurationKey and in unknownKey")]
    if key in KEY_TABLE and _required_here(cfg, KEY_TABLE[key]):
        spec = KEY_TABLE[key]
        return [Violation("RequiredKeyUnknown", spec.section,
                          f"{key} is required for profile {spec.profile} but was reported in unknownKey")]
    if key in cfg.supported and not _write_only(key):
        return [Violation("SupportedKeyReportedUnknown", "OCPP 1.6 §5.8",
                          f"{key!r} was reported or accepted before, now it is in unknownKey")]
    return []


def _check_full_list(cfg: ConfigurationModel, reply: _Reply) -> list[Violation]:
    """§5.8: without a key list 'the Charge Point SHALL return a list of all configuration settings'."""
    if reply.requested is not None:
        return []
    required = [s for s in KEYS if _required_here(cfg, s) and not reply.reported(s.name)]
    violations = [
        Violation("RequiredKeyMissing", s.section, f"{s.name} is required for profile {s.profile} "
                  "but missing from the list of all configuration settings")
        for s in required
    ]
    known = sorted(k for k in cfg.supported if not _write_only(k) and not _required_here(cfg, spec_of(k)))
    return violations + [
        Violation("SupportedKeyMissing", "OCPP 1.6 §5.8",
                  f"{key!r} was reported or accepted before but is missing from the list of all settings")
        for key in known
        if not reply.reported(key)
    ]


def _check_readonly(cfg: ConfigurationModel, spec: KeySpec, readonly: bool) -> list[Violation]:
    """§9: 'The "Accessibility" property shows if the value ... is read-only ("R") or read-write ("RW")'."""
    expected = {"R": True, "RW": False}.get(spec.judged_access)
    if expected is not None and readonly != expected:
        return [Violation("ReadonlyMismatch", spec.section,
                          f"{spec.name} has accessibility {spec.accessibility} but was reported readonly={readonly}")]
    before = _get(cfg.readonly, spec.name)
    if spec.judged_access == "R or RW" and before is not None and before != readonly:
        return [Violation("AccessibilityChanged", spec.section,
                          f"{spec.name} was reported readonly={before}, now readonly={readonly}")]
    return []


def _check_reported_value(cfg: ConfigurationModel, spec: KeySpec, value: str) -> list[Violation]:
    if not is_valid_value(spec.name, value, cfg):
        return [Violation("InvalidValueReported", spec.section,
                          f"{spec.name}={value!r} is not a valid {spec.type} value for this key")]
    return []


def _check_fixed_cable(spec: KeySpec, readonly: bool, value: str | None) -> list[Violation]:
    """Errata §3.83: a fixed cable (read-only key) 'SHALL always report this value as false'."""
    if spec.name == "UnlockConnectorOnEVSideDisconnect" and readonly and value is not None \
            and _parse(spec, value) is True:
        return [Violation("FixedCableUnlockValue", spec.section,
                          "UnlockConnectorOnEVSideDisconnect is read-only (fixed cable) but reports true")]
    return []


def _expected_values(cfg: ConfigurationModel, spec: KeySpec) -> list[str]:
    """Values a report may show: the known one, or one awaiting a reboot (§5.3)."""
    return [v for v in (_get(cfg.values, spec.name), _get(cfg.pending, spec.name)) if v is not None]


def _check_known_value(cfg: ConfigurationModel, spec: KeySpec, value: str | None) -> list[Violation]:
    expected = _expected_values(cfg, spec)
    if not spec.compare or not expected:
        return []
    empty_csl = spec.type == "CSL" and value is None
    shown = _normal(spec, "" if empty_csl else value)
    if any(_normal(spec, e) == shown for e in expected):
        return []
    return [Violation("ValueNotAsKnown", "OCPP 1.6 §5.3, §5.8",
                      f"{spec.name} reported {value!r}, expected {' or '.join(map(repr, expected))} "
                      "(accepted by ChangeConfiguration or reported before)")]


def _check_entry(cfg: ConfigurationModel, learned: ConfigurationModel, entry: tuple) -> list[Violation]:
    key, readonly, value = entry
    spec = spec_of(key)
    if spec is None or spec.accessibility == "W":
        return []
    violations = _check_readonly(cfg, spec, readonly) + _check_fixed_cable(spec, readonly, value)
    if value is not None:
        violations += _check_reported_value(learned, spec, value)
    return violations + _check_known_value(cfg, spec, value)


def judge_get_configuration(
    cfg: ConfigurationModel, requested_keys: tuple[str, ...] | None, response: dict
) -> tuple[ConfigurationModel, tuple[Violation, ...]]:
    """Judge a GetConfiguration.conf (§5.8, §6.24) and learn what it reports.

    ``requested_keys`` is the request's key list; None or empty asks for all.
    """
    problems = _shape_problems(response)
    if problems:
        return cfg, tuple(Violation("MalformedGetConfigurationConf", _SHAPE, p) for p in problems)
    reply = _reply(requested_keys, response)
    learned = _learn(cfg, reply)
    violations = _check_requested(learned, reply) + _check_full_list(learned, reply)
    for key in reply.unknown:
        violations += _check_unknown_entry(learned, reply, key)
    for entry in reply.entries:
        violations += _check_entry(cfg, learned, entry)
    gone = _required_absent(learned, reply)
    return one(attrs.evolve(learned, missing=learned.missing | gone) if gone else learned), tuple(violations)


def _required_absent(cfg: ConfigurationModel, reply: _Reply) -> frozenset[str]:
    """Required keys this reply shows the Charge Point lacks: reported unknown, or left out of the full list."""
    unknown = {k for k in reply.unknown if k in KEY_TABLE and _required_here(cfg, KEY_TABLE[k])}
    left_out = {s.name for s in KEYS if reply.requested is None and _required_here(cfg, s)
                and not reply.reported(s.name)}
    return frozenset(unknown | left_out)


# --- ChangeConfiguration ---------------------------------------------------------


def _supported_now(cfg: ConfigurationModel, key: str) -> bool:
    required = key in KEY_TABLE and _required_here(cfg, KEY_TABLE[key]) and key not in cfg.missing
    return key in cfg.supported or required


def _check_not_supported(cfg: ConfigurationModel, key: str) -> list[Violation]:
    """§5.3: NotSupported only 'If "key" does not correspond to a configuration setting supported'."""
    if not _supported_now(cfg, key):
        return []
    return [Violation("NotSupportedForSupportedKey", "OCPP 1.6 §5.3, §7.22",
                      f"{key} is supported (required for its profile, reported or accepted) "
                      "but ChangeConfiguration answered NotSupported")]


def _is_read_only(cfg: ConfigurationModel, spec: KeySpec | None, key: str) -> bool:
    return (spec is not None and spec.judged_access == "R") or _get(cfg.readonly, canonical_key(key)) is True


def _check_applied(cfg: ConfigurationModel, key: str, value: str, status: str) -> list[Violation]:
    """Accepted/RebootRequired mean 'setting has been changed' (§7.22): only a writable key, a valid value."""
    spec = spec_of(key)
    if _is_read_only(cfg, spec, key):
        return [Violation("ReadOnlyKeyChanged", spec.section if spec else "OCPP 1.6 §7.29, §9",
                          f"{key} is read-only but ChangeConfiguration answered {status}")]
    if not is_valid_value(key, value, cfg):
        return [Violation("InvalidValueAccepted", f"{spec.section}, OCPP 1.6 §5.3",
                          f"{key}={value!r} is not a valid {spec.type} value but was answered {status}")]
    return []


def _check_status(cfg: ConfigurationModel, key: str, value: str, status: str) -> list[Violation]:
    if status == "NotSupported":
        return _check_not_supported(cfg, key)
    if key in cfg.unsupported and not _write_only(key):
        return [Violation("NotSupportedExpected", "OCPP 1.6 §5.3, §5.8",
                          f"{key!r} was reported unknown but ChangeConfiguration answered {status}")]
    return _check_applied(cfg, key, value, status) if status != "Rejected" else []


def _apply(cfg: ConfigurationModel, key: str, value: str, status: str) -> ConfigurationModel:
    name = canonical_key(key)
    if status == "NotSupported":
        return cfg if _is_variant(key) else _mark_unsupported(cfg, frozenset({name}))
    if status == "Rejected":
        return cfg
    known = {name} if name in KEY_TABLE and not _write_only(name) else set()
    cfg = attrs.evolve(cfg, supported=cfg.supported | known, unsupported=cfg.unsupported - {name})
    if status == "RebootRequired":
        return attrs.evolve(cfg, pending=_put(cfg.pending, name, value))
    values = cfg.values if _write_only(name) else _put(cfg.values, name, value)
    return attrs.evolve(cfg, values=values, pending=_drop(cfg.pending, name))


def judge_change_configuration(
    cfg: ConfigurationModel, key: str, value: str, status: str
) -> tuple[ConfigurationModel, tuple[Violation, ...]]:
    """Judge the status of a ChangeConfiguration.conf (§5.3, §7.22) and apply it.

    Accepted: the value is known; RebootRequired: pending until
    :func:`on_reboot`; Rejected/NotSupported: nothing changes.
    """
    if status not in CONFIGURATION_STATUSES:
        return cfg, (Violation("InvalidConfigurationStatus", "OCPP 1.6 §6.10, §7.22",
                               f"ChangeConfiguration.conf status {status!r}"),)
    violations = _check_status(cfg, key, value, status)
    return one(_apply(cfg, key, value, status)), tuple(violations)
