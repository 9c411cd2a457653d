"""The OCTT catalogue covers the user's list and reproduces the section-2 cases of the OCTT document."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest

from properties.octt import catalogue as cat
from properties.octt import coverage
from properties.octt.catalogue import (SCENARIOS, Expect, by_id, expect_matches, field_matches, match_step,
                                       resolve)
from vocabulary import ALL_OPS as OPS, CENTRAL_SYSTEM_OPS as CALL_OPS, ENVIRONMENT_OPS as ENV_OPS, HOSTILE_OPS, PHYSICAL_OPS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LIST_FILE = SHARED / "octt-1.6-test-case-list.txt"
OCTT_FILE = SHARED / "spec" / "octt-1.6-test-case-document.txt"

needs_shared = pytest.mark.skipif(not (LIST_FILE.exists() and OCTT_FILE.exists()),
                                  reason="../shared inputs not present")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def octt_cases(section: str) -> dict[str, str]:
    """Test case id -> name, from the body of OCTT section 2 ("CS") or 3 ("CSMS")."""
    text = OCTT_FILE.read_text(encoding="utf-8")
    body2 = text.index("\n2. System Under Test (SUT) Charge Point\n")
    body3 = text.index("\n3. System Under Test (SUT) Central System\n")
    part = text[body2:body3] if section == "CS" else text[body3:]
    lines = [line for line in part.splitlines()
             if not line.startswith("OCPP Compliancy Testing Tool") and "© Open Charge Alliance" not in line]
    cases: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = re.match(r"\s*Test case Id\s+(TC_\S+)", line)
        if not m:
            continue
        j = i - 1
        name_lines: list[str] = []
        while j >= 0 and not lines[j].lstrip().startswith("Test case name"):
            if lines[j].strip():
                name_lines.insert(0, lines[j].strip())
            j -= 1
        name_lines.insert(0, lines[j].strip()[len("Test case name"):])
        cases[m.group(1)] = _norm(" ".join(name_lines))
    return cases


def octt_toc() -> list[tuple[str, str]]:
    """(number, name) of the section-2 entries of the OCTT table of contents."""
    text = OCTT_FILE.read_text(encoding="utf-8")
    toc = text[:text.index("\n2. System Under Test (SUT) Charge Point\n")]
    out = []
    for line in toc.splitlines():
        m = re.match(r"\s*(2\.\d+(?:\.\d+)?)\.\s+(.*?)[\s.]*\d*$", line)
        if m:
            out.append((m.group(1), _norm(m.group(2)).rstrip(". ")))
    return out


def in_scope(case_id: str) -> bool:
    number = int(case_id.split("_")[1])
    return number <= 72 or number == 82


# ---------------------------------------------------------------------------------------------
# Coverage of the user's list


@needs_shared
def test_every_list_title_is_covered():
    items = coverage.load_list(LIST_FILE)
    assert len(items) > 90
    for item in items:
        assert coverage.scenarios_for(item), f"list title not covered: {item.title!r}"


@needs_shared
def test_list_parser_keeps_every_line():
    raw = [line.strip() for line in LIST_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = coverage.load_list(LIST_FILE)
    titles = [i.title for i in items]
    for line in raw:
        if line.startswith("#") or line in coverage.UNMARKED_HEADINGS:
            continue
        assert any(line in t for t in titles), f"line lost by the parser: {line!r}"
    assert "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true, UnlockConnectorOnEVSideDisconnect = true" \
        in titles
    assert ("Offline Start Transaction - Using valid idTag, AllowOfflineTxForUnknownId = true, "
            "LocalAuthorizeOffline = true") in titles


@needs_shared
def test_unmarked_headings_are_octt_sections():
    toc = octt_toc()
    sections = {name for number, name in toc if number.count(".") == 1}
    subsections = {name for number, name in toc if number.count(".") == 2}
    for heading in coverage.UNMARKED_HEADINGS:
        assert heading in sections, heading
        assert heading not in subsections, heading


@needs_shared
def test_list_titles_of_scenarios_are_verbatim_list_titles():
    titles = {i.title for i in coverage.load_list(LIST_FILE)}
    for s in SCENARIOS:
        assert s.list_titles, s.id
        for t in s.list_titles:
            assert t in titles, f"{s.id}: {t!r} is not a title of the list"


@needs_shared
def test_duplicate_titles_map_to_distinct_octt_cases():
    items = coverage.load_list(LIST_FILE)
    counts = collections.Counter(i.title for i in items)
    duplicated = {t for t, n in counts.items() if n > 1}
    assert duplicated == {"Unlock Connector - With Charging Session", "Send Local Authorization List",
                          "Cancel Reservation", "Remote Start Transaction with Charging Profile"}
    for title in duplicated:
        per_occurrence = []
        for item in (i for i in items if i.title == title):
            found = coverage.scenarios_for(item)
            assert found
            per_occurrence.append({x for s in found for x in (coverage.octt_ids(s) or (s.id,))})
        assert not set.intersection(*per_occurrence), title


@needs_shared
def test_coverage_document_is_up_to_date():
    assert (ROOT / "docs" / "octt-coverage.md").read_text(encoding="utf-8") == coverage.render(
        coverage.bundled_results())


def test_coverage_render_shows_results():
    item = coverage.ListTitle("Cold Boot Charge Point", "Cold Boot Charge Point", 1)
    text = coverage.render({"TC_001_CS": "passed"}, items=[item])
    assert "| Cold Boot Charge Point | Cold Boot Charge Point | TC_001_CS | `TC_001_CS` | section 2 | passed |" in text


# ---------------------------------------------------------------------------------------------
# The OCTT document


@needs_shared
def test_section_2_has_102_charge_point_cases():
    cases = octt_cases("CS")
    assert len(cases) == 102
    assert sum(in_scope(i) for i in cases) == 87


@needs_shared
def test_every_section_2_case_in_scope_is_a_scenario_with_its_title():
    for case_id, name in octt_cases("CS").items():
        if not in_scope(case_id):
            continue
        scenario = by_id(case_id)
        assert not scenario.derived
        assert _norm(scenario.title) == name, case_id
        assert scenario.source == f"OCTT §2 {case_id}"


@needs_shared
def test_section_3_sources_exist():
    csms = octt_cases("CSMS")
    for s in SCENARIOS:
        for case_id in coverage.octt_ids(s):
            if case_id.endswith("_CSMS"):
                assert case_id in csms, f"{s.id} cites {case_id}"


def test_counts():
    assert sum(not s.derived for s in SCENARIOS) == 87
    assert all(s.id.startswith("DERIVED_") == s.derived for s in SCENARIOS)
    assert all(s.source.startswith("derived: ") == s.derived for s in SCENARIOS)
    assert not [s.id for s in SCENARIOS if not s.derived and not re.fullmatch(r"TC_\d{3}(_\d)?_CS", s.id)]


# ---------------------------------------------------------------------------------------------
# The data


def test_unique_ids():
    counts = collections.Counter(s.id for s in SCENARIOS)
    assert [i for i, n in counts.items() if n > 1] == []
    assert all(by_id(s.id) is s for s in SCENARIOS)


def test_vocabulary():
    assert CALL_OPS | PHYSICAL_OPS | ENV_OPS | HOSTILE_OPS == OPS
    assert not (CALL_OPS & PHYSICAL_OPS or CALL_OPS & ENV_OPS or PHYSICAL_OPS & ENV_OPS or HOSTILE_OPS & CALL_OPS)
    for s in SCENARIOS:
        for st in s.steps:
            assert st.name in OPS, f"{s.id}: {st.name}"
            assert st.as_dict()["op"] == st.name
            assert dict(st.op)["op"] == st.name


def test_requires_is_physical_and_environment_only():
    for s in SCENARIOS:
        assert s.requires() <= PHYSICAL_OPS | ENV_OPS, s.id
        assert s.requires() == {st.name for st in s.steps} - CALL_OPS


def test_scenarios_are_hashable_and_ops_are_plain_json():
    import json
    assert len(set(SCENARIOS)) == len(SCENARIOS)
    for s in SCENARIOS:
        for st in s.steps:
            json.dumps(st.as_dict())
            json.dumps(dict(st.op))


def test_no_stubs():
    for s in SCENARIOS:
        assert s.steps, s.id
        assert any(e for st in s.steps for e in st.expect), f"{s.id} validates nothing"
        assert all(st.note for st in s.steps), s.id


def test_expects_are_well_formed():
    cp_actions = {"Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
                  "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
                  "StatusNotification", "StopTransaction"}
    for s in SCENARIOS:
        for st in s.steps:
            for e in st.expect:
                assert isinstance(e, Expect)
                assert e.action in cp_actions | {"response"}, f"{s.id}: {e.action}"
                if e.action == "response":
                    assert st.name in CALL_OPS, f"{s.id}: a response expected from {st.name}"
                for path, _ in e.fields:
                    assert re.fullmatch(r"[A-Za-z0-9]+(\.[A-Za-z0-9]+)*", path), path


def test_configuration_values_are_strings():
    for s in SCENARIOS:
        for key, value in s.configuration:
            assert isinstance(key, str) and isinstance(value, str), s.id
    for case_id, keys in cat.IF_IMPLEMENTED.items():
        assert keys <= {k for k, _ in by_id(case_id).configuration}, case_id
    for case_id in cat.PREREQUISITES:
        by_id(case_id)
    for key, ids in cat.DUPLICATE_TITLES.items():
        for i in ids:
            assert key[0] in by_id(i).list_titles


def test_transaction_placeholders_refer_to_started_transactions():
    for s in SCENARIOS:
        started: set[int] = set()
        for st in s.steps:
            text = repr(st.as_dict()) + repr(st.expect)
            for c in map(int, re.findall(r"\$tx:(\d+)", text)):
                assert c in started, f"{s.id}: $tx:{c} before a transaction on connector {c}"
            for e in st.expect:
                if e.action == "StartTransaction":
                    started.add(dict(e.fields).get("connectorId", cat.CONNECTOR))
            if st.name == "PresentIdTag" or st.name == "PlugIn":
                started.add(st.as_dict()["connectorId"])  # offline starts are only seen later


# ---------------------------------------------------------------------------------------------
# Back at the general post-conditions (OCTT §1.3)


def _response_statuses(st) -> set:
    out = set()
    for e in st.expect:
        if e.action == "response":
            for path, wanted in e.fields:
                if path == "status":
                    out |= set(wanted) if isinstance(wanted, tuple) else {wanted}
    return out


def test_cleanup_restores_the_general_preconditions():
    for s in SCENARIOS:
        cable = collections.Counter()
        faulted: set[int] = set()
        inoperative: set[int] = set()
        offline = powered_off = False
        unlock_failing = upload_failing = False
        local_list = profiles = False
        for st in s.steps:
            d = st.as_dict()
            if st.name == "PlugIn":
                cable[d["connectorId"]] += 1
            elif st.name == "Unplug":
                cable[d["connectorId"]] -= 1
            elif st.name == "Fault":
                faulted.add(d["connectorId"])
            elif st.name == "ClearFault":
                faulted.discard(d["connectorId"])
            elif st.name == "ChangeAvailability":
                (inoperative.add if d["type"] == "Inoperative" else inoperative.discard)(d["connectorId"])
            elif st.name in ("NetworkDown", "NetworkUp"):
                offline = st.name == "NetworkDown"
            elif st.name in ("PowerLoss", "PowerOn"):
                powered_off = st.name == "PowerLoss"
            elif st.name == "SetUnlockFailure":
                unlock_failing = d["failing"]
            elif st.name == "SetUploadFailure":
                upload_failing = d["failing"]
            elif st.name == "SendLocalList":
                installs = "localAuthorizationList" in d and (not _response_statuses(st)
                                                              or "Accepted" in _response_statuses(st))
                local_list = installs if "localAuthorizationList" in d else False
            elif st.name == "SetChargingProfile" or (st.name == "RemoteStartTransaction" and "chargingProfile" in d):
                profiles = profiles or "Accepted" in _response_statuses(st)
            elif st.name == "ClearChargingProfile" and len(d) == 1:
                profiles = False
        assert all(v == 0 for v in cable.values()), f"{s.id}: cable left plugged in {dict(cable)}"
        assert not faulted, f"{s.id}: fault left on {faulted}"
        assert not inoperative, f"{s.id}: connectors left Inoperative {inoperative}"
        assert not offline and not powered_off, s.id
        assert not unlock_failing and not upload_failing, s.id
        assert not local_list, f"{s.id}: local authorization list left installed"
        assert not profiles, f"{s.id}: charging profiles left installed"
        names = [st.name for st in s.steps]
        authorizing = [i for i, n in enumerate(names) if n in ("PresentIdTag", "RemoteStartTransaction", "ReserveNow")]
        if authorizing:
            assert "ClearCache" in names[authorizing[-1]:], f"{s.id}: authorization cache not cleared"


def test_boot_responses_are_restored():
    for s in SCENARIOS:
        boots = [st.as_dict() for st in s.steps if st.name == "SetBootResponse"]
        if boots:
            assert boots[-1]["status"] == "Accepted", s.id


# ---------------------------------------------------------------------------------------------
# Some cases, spot-checked against the OCTT text


def test_tc_003_plugin_first():
    s = by_id("TC_003_CS")
    names = [st.name for st in s.steps]
    assert names[:3] == ["SetIdTag", "PlugIn", "PresentIdTag"]
    present = s.steps[2]
    actions = sorted(e.action for e in present.expect)
    assert actions == ["Authorize", "StartTransaction", "StatusNotification"]
    assert ("status", "Charging") in next(e for e in present.expect if e.action == "StatusNotification").fields


def test_tc_004_2_connection_timeout():
    s = by_id("TC_004_2_CS")
    assert ("ConnectionTimeOut", str(cat.CONNECTION_TIMEOUT)) in s.configuration
    wait = next(st for st in s.steps if st.name == "AdvanceTime")
    assert wait.as_dict()["seconds"] >= cat.CONNECTION_TIMEOUT
    assert ("status", "Available") in wait.expect[0].fields


def test_tc_068_negative_validations():
    s = by_id("TC_068_CS")
    first = next(st for st in s.steps if st.name == "PresentIdTag")
    assert first.as_dict()["idTag"] == cat.TAG2
    assert {(e.action, e.absent) for e in first.expect} == {("Authorize", True), ("StopTransaction", True)}


def test_reserve_now_uses_relative_expiry():
    d = next(st for st in by_id("TC_047_CS").steps if st.name == "ReserveNow").as_dict()
    assert d == {"op": "ReserveNow", "connectorId": 1, "expiryDate": "+300s", "idTag": "TAG1", "reservationId": 1}


def test_tc_066_composite_schedule_periods():
    step = next(st for st in by_id("TC_066_CS").steps if st.name == "GetCompositeSchedule")
    fields = dict(step.expect[0].fields)
    got = [(fields[f"chargingSchedule.chargingSchedulePeriod.{i}.startPeriod"],
            fields[f"chargingSchedule.chargingSchedulePeriod.{i}.limit"]) for i in range(4)]
    assert got == [(0, 8), (50, 10), (200, 6), (240, 10)]
    assert fields["chargingSchedule.chargingSchedulePeriod.4"] == "$tail:400"  # none, or where a profile ran out at the end


def _mo_tc_066_answer(*periods: tuple[int, int]) -> tuple[str, dict]:
    """MicroOcppSimulator's GetCompositeSchedule.conf of TC_066_CS (sim-mo oc1, 2026-12-07), in W."""
    return ("response", {"status": "Accepted", "connectorId": 1, "scheduleStart": "2026-12-07T15:45:56.618Z",
                         "chargingSchedule": {"duration": 400, "startSchedule": "2026-12-07T15:45:56.618Z",
                                              "chargingRateUnit": "W", "chargingSchedulePeriod": [
                                                  {"startPeriod": s, "limit": lim} for s, lim in periods]}})


def test_composite_repeated_period_is_the_same_schedule_3_13_3_7_14():
    """OCPP 1.6 §3.13.3: the composite is "the minimum value for each time interval", whose intervals "do
    not have to be of fixed length"; §7.14 "StartPeriod also defines the stop time of the previous
    period". A period that repeats the limit before it (MicroOcpp's boundary at 140 s of TC_066_CS's
    TxProfile, under the ChargePointMaxProfile's 10 kW) is the same schedule: not a failed Tool validation."""
    step = cat.with_unit(next(st for st in by_id("TC_066_CS").steps if st.name == "GetCompositeSchedule"), "W")
    repeated = _mo_tc_066_answer((0, 8000), (50, 10000), (140, 10000), (200, 6000), (240, 10000))
    assert match_step(step, [repeated]).problems == ()
    assert cat.merged_periods(repeated[1])["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 8000}, {"startPeriod": 50, "limit": 10000},
        {"startPeriod": 200, "limit": 6000}, {"startPeriod": 240, "limit": 10000}]
    # numberPhases absent is 3 (§7.14); another number of phases is another period
    phases = {"chargingSchedule": {"chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": 6, "numberPhases": 3}, {"startPeriod": 10, "limit": 6},
        {"startPeriod": 20, "limit": 6, "numberPhases": 1}]}}
    assert [p["startPeriod"] for p in cat.merged_periods(phases)["chargingSchedule"]["chargingSchedulePeriod"]] == [0, 20]


def test_composite_falling_back_to_tx_default_still_fails_3_13_1():
    """OCPP 1.6 §3.13.1 "TxProfile ... SHALL override TxDefaultProfile for the duration of the current
    transaction": MicroOcpp's TC_066_CS answer (sim-mo oc1) falls back to the TxDefaultProfile's 8 kW when
    the TxProfile ends at 260 s: merging its repeated period still leaves that period, a failed validation."""
    step = cat.with_unit(next(st for st in by_id("TC_066_CS").steps if st.name == "GetCompositeSchedule"), "W")
    answer = _mo_tc_066_answer((0, 8000), (50, 10000), (140, 10000), (200, 6000), (240, 10000), (260, 8000),
                               (299, 10000))
    problems = match_step(step, [answer]).problems
    assert len(problems) == 1 and "chargingSchedule.chargingSchedulePeriod.4='$tail:400'" in problems[0]
    assert "chargingSchedulePeriod.2" not in problems[0]
    # a different limit in place of the repeated one is still wrong
    wrong = _mo_tc_066_answer((0, 8000), (50, 10000), (140, 11000), (200, 6000), (240, 10000))
    assert match_step(step, [wrong]).problems != ()


# ---------------------------------------------------------------------------------------------
# The reference matcher


def test_field_matches_paths_lists_and_choices():
    payload = {"idTagInfo": {"status": "Accepted"},
               "configurationKey": [{"key": "A", "readonly": True}, {"key": "B", "readonly": False}],
               "unknownKey": [], "meterValue": [{"sampledValue": [{"value": "1"}, {"context": "Sample.Clock"}]}]}
    assert field_matches(payload, "idTagInfo.status", "Accepted")
    assert field_matches(payload, "idTagInfo.status", ("Blocked", "Accepted"))
    assert not field_matches(payload, "idTagInfo.status", "Blocked")
    assert field_matches(payload, "configurationKey.key", "B")
    assert field_matches(payload, "configurationKey.1.key", "B")
    assert not field_matches(payload, "configurationKey.0.key", "B")
    assert field_matches(payload, "configurationKey.2", None)
    assert field_matches(payload, "unknownKey", ((), None))
    assert field_matches({}, "unknownKey", ((), None))
    assert not field_matches({"unknownKey": ["X"]}, "unknownKey", ((), None))
    assert field_matches(payload, "reason", ("Local", None))
    assert not field_matches({"reason": "Remote"}, "reason", ("Local", None))
    assert field_matches(payload, "meterValue.sampledValue.context", "Sample.Clock")
    assert field_matches({"limit": 6.0}, "limit", 6)
    assert not field_matches({"flag": 1}, "flag", True)


def test_field_matches_times_and_transactions():
    now = 1_735_689_600.0  # 2025-01-01T00:00:00Z
    assert field_matches({"t": "2025-01-01T00:01:00Z"}, "t", "+60s", now=now)
    assert field_matches({"t": "2024-12-31T23:59:00.000+00:00"}, "t", "-60s", now=now)
    assert not field_matches({"t": "2025-01-01T00:01:05Z"}, "t", "+60s", now=now)
    assert field_matches({"transactionId": 7}, "transactionId", "$tx:1", transaction_id=lambda c: {1: 7}[c])


def test_resolve_placeholders():
    op = by_id("TC_057_CS").steps[-0]  # any op
    assert resolve({"a": "+300s", "b": ["$tx:2", "x"], "c": 3}, now=1_735_689_600.0,
                   transaction_id=lambda c: 40 + c) == {"a": "2025-01-01T00:05:00Z", "b": [42, "x"], "c": 3}
    assert op is not None


def test_response_or_error():
    e = cat.response_or_error("PropertyConstraintViolation", status="Rejected")
    assert expect_matches(e, ("response", {"status": "Rejected"}))
    assert expect_matches(e, ("response", {"callError": "PropertyConstraintViolation"}))
    assert not expect_matches(e, ("response", {"status": "Accepted"}))
    assert not expect_matches(e, ("response", {"callError": "InternalError"}))


def test_match_step_is_order_free_and_distinct():
    st = cat.present(1, "TAG1", cat.status(1, "Charging"), cat.sent("StartTransaction"), cat.status(1, ("Charging",)))
    observed = [("StatusNotification", {"connectorId": 1, "status": "Charging"}), ("StartTransaction", {})]
    check = match_step(st, observed)
    assert len(check.problems) == 1 and check.problems[0].startswith("missing StatusNotification")
    observed.append(("StatusNotification", {"connectorId": 1, "status": "Charging"}))
    assert match_step(st, list(reversed(observed))).problems == ()


def test_match_step_absent_and_carry_over():
    first = cat.advance(9, cat.not_sent("BootNotification"))
    second = cat.advance(1, cat.sent("BootNotification"), cat.sent("Heartbeat"))
    early = match_step(first, [("Heartbeat", {})])
    assert early.problems == () and early.unclaimed == (("Heartbeat", {}),)
    later = match_step(second, [("BootNotification", {})], carried=early.unclaimed)
    assert later.problems == ()
    assert match_step(first, [("BootNotification", {})]).problems == ("unexpected no BootNotification()",)
    # an absent check does not look at carried messages
    assert match_step(first, [], carried=[("BootNotification", {})]).problems == ()


def test_match_step_response_views():
    class Answer:  # duck-typed like model.Answer
        def __init__(self, kind, payload=None, error_code=None):
            self.kind, self.payload, self.error_code = kind, payload, error_code

    st = cat.csms("ChangeConfiguration", cat.response_or_error("PropertyConstraintViolation", status="Rejected"),
                  key="MeterValueSampleInterval", value="-1")
    assert match_step(st, [Answer("error", None, "PropertyConstraintViolation")]).problems == ()
    assert match_step(st, [Answer("result", {"status": "Rejected"})]).problems == ()
    assert match_step(st, [Answer("timeout")]).problems != ()
