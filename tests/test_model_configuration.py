"""The configuration key model: each rule fires on a wrong answer and is silent
on every answer the spec allows (OCPP 1.6 §5.3, §5.8, §9 and errata)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.configuration import (
    FEATURE_PROFILES,
    KEY_TABLE,
    KEYS,
    MEASURANDS,
    PHASE_ROTATIONS,
    PHASES,
    ConfigurationModel,
    forget_value,
    is_valid_value,
    judge_change_configuration,
    judge_get_configuration,
    on_reboot,
    supported_profiles,
    value_of,
)

EMPTY = ConfigurationModel()
WRITABLE = [s for s in KEYS if s.judged_access in ("RW", "R or RW")]
READ_ONLY = [s for s in KEYS if s.judged_access == "R"]
OPTIONAL = [s for s in KEYS if not s.required]
TYPICAL = {
    "boolean": "true",
    "integer": "10",
    "string": "0123456789abcdef",
}
TYPICAL_CSL = {
    "ConnectorPhaseRotation": "0.RST,1.RST,2.RTS",
    "SupportedFeatureProfiles": "Core",
    "ChargingScheduleAllowedChargingRateUnit": "Current",
    "SupportedFileTransferProtocols": "FTP,HTTPS",
}


def typical(key: str) -> str:
    spec = KEY_TABLE[key]
    if key == "NumberOfConnectors":
        return "2"
    if spec.type == "CSL":
        return TYPICAL_CSL.get(key, "Energy.Active.Import.Register")
    return TYPICAL[spec.type]


_TYPICAL = object()


def entry(key: str, value=_TYPICAL, readonly: bool | None = None) -> dict:
    spec = KEY_TABLE.get(key)
    if readonly is None:
        readonly = spec is not None and spec.accessibility == "R"
    if value is _TYPICAL:
        value = typical(key) if spec else "x"
    return {"key": key, "readonly": readonly} | ({} if value is None else {"value": value})


def conf(*entries: dict, unknown: tuple[str, ...] = ()) -> dict:
    return {"configurationKey": list(entries)} | ({"unknownKey": list(unknown)} if unknown else {})


def full_list(profiles: tuple[str, ...] = ("Core",), optional: tuple[str, ...] = ()) -> dict:
    keys = [s.name for s in KEYS if s.required and s.profile in profiles] + list(optional)
    entries = [entry(k) for k in keys]
    for e in entries:
        if e["key"] == "SupportedFeatureProfiles":
            e["value"] = ",".join(profiles)
    return conf(*entries)


def rules(violations) -> list[str]:
    return [v.rule for v in violations]


def get(cfg, requested, response):
    return judge_get_configuration(cfg, requested, response)


def change(cfg, key, value, status):
    return judge_change_configuration(cfg, key, value, status)


def chain_changes(cfg, *steps):
    for key, value, status in steps:
        cfg, violations = change(cfg, key, value, status)
        assert violations == ()
    return cfg


# --- the table ----------------------------------------------------------------


def test_table_has_one_row_per_key_with_a_section():
    assert len(KEY_TABLE) == len(KEYS) == 47
    for spec in KEYS:
        assert spec.accessibility in ("R", "RW", "R or RW", "W")
        assert spec.type in ("boolean", "integer", "CSL", "string")
        assert spec.section.startswith(("OCPP 1.6", "OCPP-J 1.6"))
        assert spec.profile in FEATURE_PROFILES


def test_required_core_keys_are_the_octt_tc_019_list():
    octt = {
        "AuthorizeRemoteTxRequests": "R or RW", "ClockAlignedDataInterval": "RW", "ConnectionTimeOut": "RW",
        "ConnectorPhaseRotation": "RW", "GetConfigurationMaxKeys": "R", "HeartbeatInterval": "RW",
        "LocalAuthorizeOffline": "RW", "LocalPreAuthorize": "RW", "MeterValuesAlignedData": "RW",
        "MeterValuesSampledData": "RW", "MeterValueSampleInterval": "RW", "NumberOfConnectors": "R",
        "ResetRetries": "RW", "StopTransactionOnInvalidId": "RW", "StopTxnAlignedData": "RW",
        "StopTxnSampledData": "RW", "SupportedFeatureProfiles": "R", "TransactionMessageAttempts": "RW",
        "TransactionMessageRetryInterval": "RW", "UnlockConnectorOnEVSideDisconnect": "R or RW",
    }
    core = {s.name: s.accessibility for s in KEYS if s.required and s.profile == "Core"}
    assert core == octt


def test_errata_overrides_stop_transaction_on_ev_side_disconnect():
    spec = KEY_TABLE["StopTransactionOnEVSideDisconnect"]
    assert (spec.required, spec.accessibility) == (False, "R or RW")


def test_errata_keys_are_in_the_table():
    for key in ("MessageTimeout", "StopTransactionMaxMeterValues", "SupportedFileTransferProtocols"):
        assert not KEY_TABLE[key].required


# --- values -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "false", "TRUE", "False", " true "])
def test_boolean_values_are_case_insensitive(value):
    assert is_valid_value("LocalPreAuthorize", value)


@pytest.mark.parametrize("value", ["1", "0", "yes", "", "truee"])
def test_boolean_rejects_other_words(value):
    assert not is_valid_value("LocalPreAuthorize", value)


@pytest.mark.parametrize("value,valid", [("0", True), ("300", True), ("-1", False), ("1.5", False),
                                         ("abc", False), ("", False), ("0x10", False)])
def test_integer_values(value, valid):
    assert is_valid_value("MeterValueSampleInterval", value) is valid


def test_light_intensity_is_a_percentage():
    assert is_valid_value("LightIntensity", "100")
    assert not is_valid_value("LightIntensity", "101")


def test_web_socket_ping_interval_not_negative():
    assert is_valid_value("WebSocketPingInterval", "0")
    assert not is_valid_value("WebSocketPingInterval", "-5")


@pytest.mark.parametrize("value", ["", "Voltage", "Voltage.L1,Current.Import", "energy.active.import.register",
                                   "Voltage.L1-N, SoC"])
def test_measurand_csl_valid(value):
    assert is_valid_value("MeterValuesSampledData", value)


@pytest.mark.parametrize("value", ["Volts", "Voltage,", "Voltage..L1", "Voltage.L4", ",SoC"])
def test_measurand_csl_invalid(value):
    assert not is_valid_value("MeterValuesSampledData", value)


def test_csl_bounded_by_known_max_length():
    cfg, _ = get(EMPTY, ("MeterValuesSampledDataMaxLength",), conf(entry("MeterValuesSampledDataMaxLength", "1")))
    assert is_valid_value("MeterValuesSampledData", "Voltage", cfg)
    assert not is_valid_value("MeterValuesSampledData", "Voltage,SoC", cfg)
    assert is_valid_value("MeterValuesSampledData", "Voltage,SoC")


def test_phase_rotation_values():
    assert is_valid_value("ConnectorPhaseRotation", "0.RST, 1.RST, 2.RTS")
    assert is_valid_value("ConnectorPhaseRotation", "NotApplicable")
    assert not is_valid_value("ConnectorPhaseRotation", "1.XYZ")
    cfg, _ = get(EMPTY, ("NumberOfConnectors",), conf(entry("NumberOfConnectors", "2")))
    assert is_valid_value("ConnectorPhaseRotation", "2.RST", cfg)
    assert not is_valid_value("ConnectorPhaseRotation", "3.RST", cfg)


def test_enumerated_csls():
    assert is_valid_value("SupportedFeatureProfiles", "Core,SmartCharging,RemoteTrigger")
    assert not is_valid_value("SupportedFeatureProfiles", "Core,Security")
    assert is_valid_value("ChargingScheduleAllowedChargingRateUnit", "Current,Power")
    assert not is_valid_value("ChargingScheduleAllowedChargingRateUnit", "A")
    assert is_valid_value("SupportedFileTransferProtocols", "FTPS,https")


def test_non_standard_keys_accept_any_value():
    assert is_valid_value("VendorThing", "anything at all")


def test_value_of_parses_and_is_none_when_unknown():
    cfg = chain_changes(EMPTY, ("HeartbeatInterval", "60", "Accepted"), ("LocalPreAuthorize", "TRUE", "Accepted"),
                        ("MeterValuesSampledData", "Voltage, SoC", "Accepted"), ("Vendor", "v", "Accepted"))
    assert value_of(cfg, "HeartbeatInterval") == 60
    assert value_of(cfg, "heartbeatinterval") == 60
    assert value_of(cfg, "LocalPreAuthorize") is True
    assert value_of(cfg, "MeterValuesSampledData") == ("Voltage", "SoC")
    assert value_of(cfg, "Vendor") == "v"
    assert value_of(cfg, "ResetRetries") is None


def test_supported_profiles_always_core():
    assert supported_profiles(EMPTY) == {"Core"}
    cfg, _ = get(EMPTY, ("SupportedFeatureProfiles",),
                 conf(entry("SupportedFeatureProfiles", "Core,smartcharging")))
    assert supported_profiles(cfg) == {"Core", "SmartCharging"}


# --- GetConfiguration: shape ---------------------------------------------------


@pytest.mark.parametrize("response", [
    [],
    {"configurationKey": {"key": "A"}},
    {"configurationKey": [{"key": "HeartbeatInterval"}]},
    {"configurationKey": [{"key": "HeartbeatInterval", "readonly": "false", "value": "1"}]},
    {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": 60}]},
    {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": None}]},
    {"configurationKey": [{"key": "K" * 51, "readonly": False}]},
    {"configurationKey": [{"key": "A", "readonly": False, "value": "x" * 501}]},
    {"configurationKey": [{"key": "A", "readonly": False, "value": "caf\u00e9"}]},
    {"unknownKey": [1]},
])
def test_malformed_conf_fires(response):
    cfg, violations = get(EMPTY, None, response)
    assert set(rules(violations)) == {"MalformedGetConfigurationConf"}
    assert cfg == EMPTY


def test_well_formed_conf_without_optional_lists_is_silent():
    assert get(EMPTY, ("Vendor",), {"unknownKey": ["Vendor"]})[1] == ()
    assert get(EMPTY, ("HeartbeatInterval",), conf(entry("HeartbeatInterval", None)))[1] == ()


# --- GetConfiguration: requested keys ------------------------------------------


def test_requested_key_not_reported_fires():
    _, violations = get(EMPTY, ("HeartbeatInterval",), conf())
    assert rules(violations) == ["RequestedKeyNotReported"]


def test_requested_keys_beyond_max_keys_may_be_left_out():
    cfg, _ = get(EMPTY, ("GetConfigurationMaxKeys",), conf(entry("GetConfigurationMaxKeys", "1")))
    _, violations = get(cfg, ("HeartbeatInterval", "ResetRetries"), conf(entry("HeartbeatInterval")))
    assert violations == ()
    _, violations = get(EMPTY, ("HeartbeatInterval", "ResetRetries"), conf(entry("HeartbeatInterval")))
    assert violations == ()


def test_requested_keys_within_max_keys_must_all_be_answered():
    cfg, _ = get(EMPTY, ("GetConfigurationMaxKeys",), conf(entry("GetConfigurationMaxKeys", "5")))
    _, violations = get(cfg, ("HeartbeatInterval", "ResetRetries"), conf(entry("HeartbeatInterval")))
    assert rules(violations) == ["RequestedKeyNotReported"]


def test_unknown_non_standard_key_in_unknown_key_is_silent():
    cfg, violations = get(EMPTY, ("Testing",), conf(unknown=("Testing",)))
    assert violations == ()
    assert "Testing" in cfg.unsupported


def test_vendor_key_reported_is_silent():
    cfg, violations = get(EMPTY, ("Testing",), conf(entry("Testing", "x", True)))
    assert violations == ()
    assert value_of(cfg, "Testing") == "x"


def test_unrequested_unknown_key_fires():
    _, violations = get(EMPTY, ("HeartbeatInterval",), conf(entry("HeartbeatInterval"), unknown=("Other",)))
    assert rules(violations) == ["UnrequestedUnknownKey"]
    _, violations = get(EMPTY, None, conf(unknown=("Other",)) | full_list())
    assert "UnrequestedUnknownKey" in rules(violations)


def test_key_both_known_and_unknown_fires():
    _, violations = get(EMPTY, ("Testing",), conf(entry("Testing"), unknown=("Testing",)))
    assert rules(violations) == ["KeyBothKnownAndUnknown"]


def test_required_key_unknown_fires():
    _, violations = get(EMPTY, ("HeartbeatInterval",), conf(unknown=("HeartbeatInterval",)))
    assert rules(violations) == ["RequiredKeyUnknown"]


def test_required_key_of_unsupported_or_unknown_profile_may_be_unknown():
    assert get(EMPTY, ("LocalAuthListEnabled",), conf(unknown=("LocalAuthListEnabled",)))[1] == ()


def test_required_key_of_supported_profile_must_not_be_unknown():
    cfg, _ = get(EMPTY, ("SupportedFeatureProfiles",),
                 conf(entry("SupportedFeatureProfiles", "Core,LocalAuthListManagement")))
    _, violations = get(cfg, ("LocalAuthListEnabled",), conf(unknown=("LocalAuthListEnabled",)))
    assert rules(violations) == ["RequiredKeyUnknown"]


def test_case_variant_of_required_key_may_be_unknown():
    assert get(EMPTY, ("heartbeatinterval",), conf(unknown=("heartbeatinterval",)))[1] == ()


def test_case_variant_of_key_may_be_reported():
    cfg, violations = get(EMPTY, ("heartbeatinterval",), conf(entry("HeartbeatInterval", "60")))
    assert violations == ()
    assert value_of(cfg, "HeartbeatInterval") == 60


def test_optional_key_may_be_unknown():
    for spec in OPTIONAL:
        assert get(EMPTY, (spec.name,), conf(unknown=(spec.name,)))[1] == (), spec.name


def test_supported_key_reported_unknown_fires():
    cfg, _ = get(EMPTY, ("BlinkRepeat",), conf(entry("BlinkRepeat", "3")))
    _, violations = get(cfg, ("BlinkRepeat",), conf(unknown=("BlinkRepeat",)))
    assert rules(violations) == ["SupportedKeyReportedUnknown"]


def test_accepted_key_reported_unknown_fires():
    cfg = chain_changes(EMPTY, ("BlinkRepeat", "3", "Accepted"))
    _, violations = get(cfg, ("BlinkRepeat",), conf(unknown=("BlinkRepeat",)))
    assert rules(violations) == ["SupportedKeyReportedUnknown"]


def test_write_only_authorization_key_may_stay_unreported():
    cfg = chain_changes(EMPTY, ("AuthorizationKey", "00" * 20, "Accepted"))
    assert get(cfg, ("AuthorizationKey",), conf(unknown=("AuthorizationKey",)))[1] == ()
    assert get(cfg, ("AuthorizationKey",), conf())[1] == ()
    assert get(cfg, ("AuthorizationKey",), conf(entry("AuthorizationKey", "unrelated", True)))[1] == ()
    assert get(cfg, None, full_list())[1] == ()


# --- GetConfiguration: all keys -------------------------------------------------


def test_full_list_with_all_required_core_keys_is_silent():
    assert get(EMPTY, None, full_list())[1] == ()
    assert get(EMPTY, (), full_list())[1] == ()


def test_full_list_missing_required_key_fires():
    response = full_list()
    response["configurationKey"] = [e for e in response["configurationKey"] if e["key"] != "ResetRetries"]
    _, violations = get(EMPTY, None, response)
    assert rules(violations) == ["RequiredKeyMissing"]


def test_a_required_key_found_missing_is_not_found_again_as_not_supported():
    """Issue 14: once RequiredKeyMissing was found (and accepted), NotSupported for that key is the same
    deviation, not NotSupportedForSupportedKey; another required key is still judged."""
    response = full_list()
    response["configurationKey"] = [e for e in response["configurationKey"] if e["key"] != "ResetRetries"]
    cfg, violations = get(EMPTY, None, response)
    assert rules(violations) == ["RequiredKeyMissing"]
    assert rules(change(cfg, "ResetRetries", "3", "NotSupported")[1]) == []
    assert rules(change(cfg, "HeartbeatInterval", "60", "NotSupported")[1]) == ["NotSupportedForSupportedKey"]


def test_full_list_missing_required_key_of_listed_profile_fires():
    response = full_list(("Core", "SmartCharging"))
    response["configurationKey"] = [e for e in response["configurationKey"]
                                    if e["key"] != "ChargingScheduleMaxPeriods"]
    _, violations = get(EMPTY, None, response)
    assert rules(violations) == ["RequiredKeyMissing"]


def test_full_list_missing_known_optional_key_fires():
    cfg, _ = get(EMPTY, ("BlinkRepeat",), conf(entry("BlinkRepeat", "3")))
    _, violations = get(cfg, None, full_list())
    assert rules(violations) == ["SupportedKeyMissing"]


def test_full_list_teaches_which_optional_keys_are_absent():
    cfg, _ = get(EMPTY, None, full_list())
    assert "BlinkRepeat" in cfg.unsupported
    assert "HeartbeatInterval" not in cfg.unsupported
    _, violations = change(cfg, "BlinkRepeat", "3", "Accepted")
    assert rules(violations) == ["NotSupportedExpected"]
    assert change(cfg, "BlinkRepeat", "3", "NotSupported")[1] == ()


def test_required_key_missing_is_blamed_once():
    response = full_list()
    response["configurationKey"] = [e for e in response["configurationKey"] if e["key"] != "ResetRetries"]
    cfg, _ = get(EMPTY, None, response)
    assert change(cfg, "ResetRetries", "3", "Accepted")[1] == ()


# --- GetConfiguration: readonly and values -------------------------------------


@pytest.mark.parametrize("spec", READ_ONLY, ids=lambda s: s.name)
def test_read_only_key_reported_writable_fires(spec):
    _, violations = get(EMPTY, (spec.name,), conf(entry(spec.name, readonly=False)))
    assert rules(violations) == ["ReadonlyMismatch"]


@pytest.mark.parametrize("spec", [s for s in KEYS if s.accessibility == "RW"], ids=lambda s: s.name)
def test_writable_key_reported_read_only_fires(spec):
    _, violations = get(EMPTY, (spec.name,), conf(entry(spec.name, readonly=True)))
    assert rules(violations) == ["ReadonlyMismatch"]


@pytest.mark.parametrize("key", ["AuthorizeRemoteTxRequests", "StopTransactionOnEVSideDisconnect",
                                 "UnlockConnectorOnEVSideDisconnect"])
@pytest.mark.parametrize("readonly", [True, False])
def test_r_or_rw_key_may_be_either(key, readonly):
    value = "false"
    assert get(EMPTY, (key,), conf(entry(key, value, readonly)))[1] == ()


@pytest.mark.parametrize("key", ["ReserveConnectorZeroSupported", "ConnectorSwitch3to1PhaseSupported"])
def test_optional_boolean_r_keys_may_be_writable(key):
    assert KEY_TABLE[key].accessibility == "R"
    cfg, violations = get(EMPTY, (key,), conf(entry(key, "true", False)))
    assert violations == ()
    assert change(cfg, key, "false", "Accepted")[1] == ()
    assert get(EMPTY, (key,), conf(entry(key, "true", True)))[1] == ()


def test_r_or_rw_choice_must_not_change():
    cfg, _ = get(EMPTY, ("AuthorizeRemoteTxRequests",), conf(entry("AuthorizeRemoteTxRequests", "true", True)))
    assert get(cfg, ("AuthorizeRemoteTxRequests",),
               conf(entry("AuthorizeRemoteTxRequests", "true", True)))[1] == ()
    _, violations = get(cfg, ("AuthorizeRemoteTxRequests",),
                        conf(entry("AuthorizeRemoteTxRequests", "true", False)))
    assert rules(violations) == ["AccessibilityChanged"]


def test_fixed_cable_must_report_false():
    key = "UnlockConnectorOnEVSideDisconnect"
    _, violations = get(EMPTY, (key,), conf(entry(key, "true", True)))
    assert rules(violations) == ["FixedCableUnlockValue"]
    assert get(EMPTY, (key,), conf(entry(key, "true", False)))[1] == ()


@pytest.mark.parametrize("key,value", [("HeartbeatInterval", "soon"), ("LocalPreAuthorize", "1"),
                                       ("MeterValuesSampledData", "Volts"), ("NumberOfConnectors", "-1"),
                                       ("SupportedFeatureProfiles", "Core,Security")])
def test_invalid_reported_value_fires(key, value):
    _, violations = get(EMPTY, (key,), conf(entry(key, value)))
    assert rules(violations) == ["InvalidValueReported"]


def test_reported_csl_longer_than_its_max_length_fires():
    response = conf(entry("MeterValuesSampledDataMaxLength", "1"), entry("MeterValuesSampledData", "Voltage,SoC"))
    _, violations = get(EMPTY, ("MeterValuesSampledDataMaxLength", "MeterValuesSampledData"), response)
    assert rules(violations) == ["InvalidValueReported"]


def test_accepted_value_reported_otherwise_fires():
    cfg = chain_changes(EMPTY, ("MeterValueSampleInterval", "60", "Accepted"))
    _, violations = get(cfg, ("MeterValueSampleInterval",), conf(entry("MeterValueSampleInterval", "300")))
    assert rules(violations) == ["ValueNotAsKnown"]
    _, violations = get(cfg, ("MeterValueSampleInterval",), conf(entry("MeterValueSampleInterval", None)))
    assert rules(violations) == ["ValueNotAsKnown"]


def test_accepted_value_in_another_spelling_is_silent():
    cfg = chain_changes(EMPTY, ("MeterValueSampleInterval", "060", "Accepted"),
                        ("LocalPreAuthorize", "TRUE", "Accepted"),
                        ("MeterValuesSampledData", "Voltage,soc", "Accepted"),
                        ("StopTxnSampledData", "", "Accepted"))
    response = conf(entry("MeterValueSampleInterval", "60"), entry("LocalPreAuthorize", "true"),
                    entry("MeterValuesSampledData", "SoC, Voltage"), entry("StopTxnSampledData", None))
    keys = ("MeterValueSampleInterval", "LocalPreAuthorize", "MeterValuesSampledData", "StopTxnSampledData")
    cfg, _ = get(cfg, ("GetConfigurationMaxKeys",), conf(entry("GetConfigurationMaxKeys", "10")))
    assert get(cfg, keys, response)[1] == ()


def test_read_only_value_must_stay():
    cfg, _ = get(EMPTY, ("NumberOfConnectors",), conf(entry("NumberOfConnectors", "2")))
    _, violations = get(cfg, ("NumberOfConnectors",), conf(entry("NumberOfConnectors", "3")))
    assert rules(violations) == ["ValueNotAsKnown"]


def test_phase_rotation_is_not_compared_with_the_value_set():
    cfg = chain_changes(EMPTY, ("ConnectorPhaseRotation", "1.Unknown", "Accepted"))
    assert get(cfg, ("ConnectorPhaseRotation",), conf(entry("ConnectorPhaseRotation", "0.RST,1.RST")))[1] == ()


def test_forget_value_after_boot_notification():
    cfg = chain_changes(EMPTY, ("HeartbeatInterval", "60", "Accepted"))
    cfg = forget_value(cfg, "HeartbeatInterval")
    assert get(cfg, ("HeartbeatInterval",), conf(entry("HeartbeatInterval", "300")))[1] == ()


# --- ChangeConfiguration ---------------------------------------------------------


def test_invalid_status_fires():
    cfg, violations = change(EMPTY, "HeartbeatInterval", "60", "Ok")
    assert rules(violations) == ["InvalidConfigurationStatus"]
    assert cfg == EMPTY


def test_unknown_key_not_supported_is_silent():
    cfg, violations = change(EMPTY, "Testing", "true", "NotSupported")
    assert violations == ()
    assert "Testing" in cfg.unsupported


@pytest.mark.parametrize("status", ["Accepted", "Rejected", "RebootRequired", "NotSupported"])
def test_vendor_key_any_status_before_anything_is_known(status):
    assert change(EMPTY, "Testing", "true", status)[1] == ()


@pytest.mark.parametrize("status", ["Accepted", "Rejected", "RebootRequired"])
def test_key_reported_unknown_must_answer_not_supported(status):
    cfg, _ = get(EMPTY, ("Testing",), conf(unknown=("Testing",)))
    _, violations = change(cfg, "Testing", "true", status)
    assert rules(violations) == ["NotSupportedExpected"]


def test_required_key_not_supported_fires():
    _, violations = change(EMPTY, "HeartbeatInterval", "60", "NotSupported")
    assert rules(violations) == ["NotSupportedForSupportedKey"]
    _, violations = change(EMPTY, "NumberOfConnectors", "3", "NotSupported")
    assert rules(violations) == ["NotSupportedForSupportedKey"]


def test_required_key_not_supported_is_blamed_once():
    cfg, _ = change(EMPTY, "HeartbeatInterval", "60", "NotSupported")
    assert change(cfg, "HeartbeatInterval", "60", "Accepted")[1] == ()


def test_case_variant_of_required_key_may_be_not_supported():
    assert change(EMPTY, "heartbeatinterval", "60", "NotSupported")[1] == ()


def test_reported_optional_key_not_supported_fires():
    cfg, _ = get(EMPTY, ("BlinkRepeat",), conf(entry("BlinkRepeat", "3")))
    _, violations = change(cfg, "BlinkRepeat", "4", "NotSupported")
    assert rules(violations) == ["NotSupportedForSupportedKey"]


@pytest.mark.parametrize("spec", READ_ONLY, ids=lambda s: s.name)
@pytest.mark.parametrize("status", ["Accepted", "RebootRequired"])
def test_read_only_key_changed_fires(spec, status):
    _, violations = change(EMPTY, spec.name, typical(spec.name), status)
    assert rules(violations) == ["ReadOnlyKeyChanged"]


@pytest.mark.parametrize("spec", READ_ONLY, ids=lambda s: s.name)
def test_read_only_key_rejected_is_silent(spec):
    assert change(EMPTY, spec.name, typical(spec.name), "Rejected")[1] == ()


def test_key_reported_readonly_must_not_be_changed():
    cfg, _ = get(EMPTY, ("AuthorizeRemoteTxRequests",), conf(entry("AuthorizeRemoteTxRequests", "true", True)))
    _, violations = change(cfg, "AuthorizeRemoteTxRequests", "false", "Accepted")
    assert rules(violations) == ["ReadOnlyKeyChanged"]
    cfg, _ = get(EMPTY, ("Vendor",), conf(entry("Vendor", "x", True)))
    _, violations = change(cfg, "Vendor", "y", "Accepted")
    assert rules(violations) == ["ReadOnlyKeyChanged"]


@pytest.mark.parametrize("key,value", [("MeterValueSampleInterval", "-1"), ("HeartbeatInterval", "abc"),
                                       ("LocalPreAuthorize", "yes"), ("MeterValuesSampledData", "Bogus"),
                                       ("LightIntensity", "150"), ("WebSocketPingInterval", "-10")])
@pytest.mark.parametrize("status", ["Accepted", "RebootRequired"])
def test_invalid_value_accepted_fires(key, value, status):
    _, violations = change(EMPTY, key, value, status)
    assert rules(violations) == ["InvalidValueAccepted"]


def test_invalid_value_rejected_is_silent():
    assert change(EMPTY, "MeterValueSampleInterval", "-1", "Rejected")[1] == ()


def test_csl_over_known_max_length_accepted_fires():
    cfg, _ = get(EMPTY, ("StopTxnSampledDataMaxLength",), conf(entry("StopTxnSampledDataMaxLength", "2")))
    assert change(cfg, "StopTxnSampledData", "Voltage,SoC", "Accepted")[1] == ()
    _, violations = change(cfg, "StopTxnSampledData", "Voltage,SoC,Current.Import", "Accepted")
    assert rules(violations) == ["InvalidValueAccepted"]


def test_accepted_value_becomes_known_and_rejected_changes_nothing():
    cfg = chain_changes(EMPTY, ("HeartbeatInterval", "60", "Accepted"))
    assert value_of(cfg, "HeartbeatInterval") == 60
    after, _ = change(cfg, "HeartbeatInterval", "90", "Rejected")
    assert after == cfg


def test_reboot_required_value_is_pending_until_reboot():
    cfg, _ = get(EMPTY, ("HeartbeatInterval",), conf(entry("HeartbeatInterval", "300")))
    cfg = chain_changes(cfg, ("HeartbeatInterval", "60", "RebootRequired"))
    assert value_of(cfg, "HeartbeatInterval") == 300
    for shown in ("300", "60"):
        assert get(cfg, ("HeartbeatInterval",), conf(entry("HeartbeatInterval", shown)))[1] == ()
    rebooted = on_reboot(cfg)
    assert value_of(rebooted, "HeartbeatInterval") == 60
    assert get(rebooted, ("HeartbeatInterval",), conf(entry("HeartbeatInterval", "60")))[1] == ()
    _, violations = get(rebooted, ("HeartbeatInterval",), conf(entry("HeartbeatInterval", "300")))
    assert rules(violations) == ["ValueNotAsKnown"]


def test_accepted_after_reboot_required_replaces_pending():
    cfg = chain_changes(EMPTY, ("ResetRetries", "1", "RebootRequired"), ("ResetRetries", "2", "Accepted"))
    assert on_reboot(cfg) == cfg
    assert value_of(cfg, "ResetRetries") == 2


def test_violations_cite_a_section():
    cases = [
        change(EMPTY, "HeartbeatInterval", "x", "Accepted"),
        change(EMPTY, "HeartbeatInterval", "1", "NotSupported"),
        get(EMPTY, ("HeartbeatInterval",), conf()),
        get(EMPTY, ("NumberOfConnectors",), conf(entry("NumberOfConnectors", readonly=False))),
    ]
    for _, violations in cases:
        assert violations and all("§" in v.section for v in violations)


# --- properties -------------------------------------------------------------------


def csl_items(spec) -> st.SearchStrategy[str]:
    if spec.name == "ConnectorPhaseRotation":
        return st.builds(lambda n, r: f"{n}.{r}", st.integers(0, 2), st.sampled_from(PHASE_ROTATIONS))
    if spec.allowed:
        return st.sampled_from(spec.allowed)
    return st.one_of(st.sampled_from(MEASURANDS),
                     st.builds(lambda m, p: f"{m}.{p}", st.sampled_from(MEASURANDS), st.sampled_from(PHASES)))


def valid_values(spec) -> st.SearchStrategy[str]:
    if spec.type == "boolean":
        return st.sampled_from(["true", "false", "True", "FALSE"])
    if spec.type == "integer":
        return st.integers(spec.minimum or 0, spec.maximum or 10**6).map(str)
    if spec.type == "CSL":
        return st.lists(csl_items(spec), max_size=4, unique=True).map(",".join)
    return st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)


def invalid_values(spec) -> st.SearchStrategy[str]:
    words = st.text(st.characters(min_codepoint=0x41, max_codepoint=0x5A), min_size=1, max_size=8)
    if spec.type == "integer":
        low = st.integers(max_value=-1).map(str) if spec.minimum == 0 else st.nothing()
        high = st.integers(min_value=spec.maximum + 1).map(str) if spec.maximum is not None else st.nothing()
        return st.one_of(words, low, high, st.just("1.5"))
    if spec.type == "boolean":
        return words.filter(lambda w: w.casefold() not in ("true", "false"))
    return st.builds(lambda w: f"Energy.Active.Import.Register,{w}9", words)


WRITABLE_SPECS = st.sampled_from([s for s in WRITABLE])
CSL_OR_SIMPLE = st.sampled_from([s for s in KEYS if s.type != "string"])


@given(spec=WRITABLE_SPECS, data=st.data())
@settings(max_examples=300)
def test_accepted_valid_value_is_reported_back_without_violation(spec, data):
    value = data.draw(valid_values(spec))
    assert is_valid_value(spec.name, value)
    cfg, violations = change(EMPTY, spec.name, value, "Accepted")
    assert violations == ()
    assert value_of(cfg, spec.name) is not None
    _, violations = get(cfg, (spec.name,), conf(entry(spec.name, value, False)))
    assert violations == ()


@given(spec=WRITABLE_SPECS, data=st.data())
@settings(max_examples=200)
def test_reboot_required_round_trip(spec, data):
    old, new = data.draw(valid_values(spec)), data.draw(valid_values(spec))
    cfg, _ = get(EMPTY, (spec.name,), conf(entry(spec.name, old, False)))
    cfg, violations = change(cfg, spec.name, new, "RebootRequired")
    assert violations == ()
    for shown in (old, new):
        assert get(cfg, (spec.name,), conf(entry(spec.name, shown, False)))[1] == ()
    assert get(on_reboot(cfg), (spec.name,), conf(entry(spec.name, new, False)))[1] == ()


@given(spec=st.sampled_from(OPTIONAL), data=st.data(),
       status=st.sampled_from(["Rejected", "NotSupported"]))
def test_optional_key_refused_is_always_silent(spec, data, status):
    value = data.draw(st.one_of(valid_values(spec), invalid_values(spec)) if spec.type != "string"
                      else valid_values(spec))
    cfg, violations = change(EMPTY, spec.name, value, status)
    assert violations == ()
    assert cfg.values == EMPTY.values


@given(spec=st.sampled_from([s for s in OPTIONAL if s.judged_access != "R"]), data=st.data(),
       status=st.sampled_from(["Accepted", "RebootRequired"]))
def test_optional_writable_key_applied_with_valid_value_is_silent(spec, data, status):
    assert change(EMPTY, spec.name, data.draw(valid_values(spec)), status)[1] == ()


@given(spec=st.sampled_from([s for s in KEYS if s.type != "string"]), data=st.data(),
       status=st.sampled_from(["Accepted", "RebootRequired"]))
def test_invalid_value_applied_always_fires(spec, data, status):
    value = data.draw(invalid_values(spec))
    assert not is_valid_value(spec.name, value)
    _, violations = change(EMPTY, spec.name, value, status)
    assert rules(violations) in (["InvalidValueAccepted"], ["ReadOnlyKeyChanged"])


@given(profiles=st.sets(st.sampled_from(FEATURE_PROFILES[1:])),
       optional=st.sets(st.sampled_from([s.name for s in OPTIONAL if s.accessibility != "W"])))
def test_any_complete_full_list_is_silent(profiles, optional):
    profiles = ("Core", *sorted(profiles))
    cfg, violations = get(EMPTY, None, full_list(profiles, tuple(sorted(optional))))
    assert violations == ()
    assert supported_profiles(cfg) == set(profiles)
    assert get(cfg, None, full_list(profiles, tuple(sorted(optional))))[1] == ()


@given(steps=st.lists(st.tuples(st.sampled_from([s.name for s in KEYS] + ["Vendor"]),
                                st.sampled_from(["1", "true", "Voltage", "", "x"]),
                                st.sampled_from(["Accepted", "Rejected", "RebootRequired", "NotSupported"])),
                      max_size=8))
def test_model_stays_hashable_and_judges_never_crash(steps):
    cfg = EMPTY
    for key, value, status in steps:
        cfg, _ = change(cfg, key, value, status)
        cfg, _ = get(cfg, (key,), conf(entry(key, value or None)))
    hash(on_reboot(cfg))
    assert attrs.evolve(cfg) == cfg
    for key, _, _ in steps:
        value_of(cfg, key)


@given(value=st.text(max_size=20), spec=CSL_OR_SIMPLE)
def test_value_of_agrees_with_is_valid_value(value, spec):
    cfg = attrs.evolve(EMPTY, values=frozenset({(spec.name, value)}))
    if is_valid_value(spec.name, value):
        assert value_of(cfg, spec.name) is not None

