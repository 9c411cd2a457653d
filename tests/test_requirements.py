"""The register of requirements (properties/requirements): extraction, classification, coverage, report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ocpp.v16
import pytest

from adapters.csms import CP_ACTIONS, CS_ACTIONS
from properties import cli
from properties import requirements as req
from properties.requirements import extract, report

SPEC = extract.spec_dir()
SCHEMAS = Path(ocpp.v16.__file__).parent / "schemas"


# -- extraction ------------------------------------------------------------------------------------


@pytest.mark.skipif(SPEC is None, reason="the spec's .txt files are not in ../shared/spec (nor /work/shared/spec)")
def test_the_committed_register_is_what_the_spec_gives():
    assert extract.dumps(extract.extract(SPEC)) == req.REGISTER.read_text(encoding="utf-8"), \
        "the register drifted from the spec: python -m properties.requirements.extract"


def document(text: str) -> list[dict]:
    return extract.statements(extract.Document("T", "t.txt", "Test"), text.split("\n"))


def test_a_sentence_split_by_a_page_break_is_one_statement():
    found = document("4.1. Authorize\n\nThe Charge Point SHALL send\n\n\n      12\n\fAuthorize.req first. "
                     "Nothing else.")
    assert [(s["id"], s["section"], s["title"], s["line"], s["kind"]) for s in found] == \
        [("T-4.1-001", "4.1", "Authorize", 3, "obligation")]
    assert found[0]["text"] == "The Charge Point SHALL send Authorize.req first."


def test_kinds_follow_the_strongest_key_word_and_quoted_key_words_are_no_statement():
    found = document("5.2. Change\n\nIt SHOULD NOT go. It MUST NOT stay. It is RECOMMENDED to wait. "
                     "The key word “MUST” is defined in RFC 2119. It MAY only be omitted when Local.")
    assert [s["kind"] for s in found] == ["discouragement", "prohibition", "recommendation", "obligation"]


def test_old_text_of_an_erratum_is_left_out_and_its_new_text_kept():
    found = document("3.4. Page 13, section: 3.5.1: Cache\n\n  Old text    Cache values SHOULD be stored.\n\n\n"
                     "  New text    Cache values SHOULD be stored, and SHOULD be persisted.")
    assert [s["text"] for s in found] == ["Cache values SHOULD be stored, and SHOULD be persisted."]


def test_a_heading_must_follow_the_numbering_and_a_note_keeps_its_blank_lines():
    found = document("3.1. First\n\n7. Not a heading SHALL be ignored as heading.\n\n3.2. Second\n\n"
                     "                 The remainder SHALL not be\n\n                executed.")
    assert [(s["section"], s["text"]) for s in found] == [
        ("3.1", "Not a heading SHALL be ignored as heading."), ("3.2", "The remainder SHALL not be executed.")]


def test_field_rows_of_section_6_give_their_cardinality_type_and_ranges():
    text = ("6.45. StartTransaction.req\n\nThis contains the field definition of the StartTransaction.req PDU sent "
            "by the Charge Point to the Central System.\n\n  FIELD NAME     FIELD TYPE       CARD.   DESCRIPTION\n\n"
            "  connectorId    integer          1..1    Required. This identifies which connector.\n"
            "                 connectorId > 0\n\n"
            "  idTag          IdToken          1..1    Required. The identifier. A Charge Point SHALL send it.\n")
    found = extract.statements(extract.Document("OCPP16", "t.txt", "Test"), text.split("\n"))
    fields = [s["field"] for s in found if s["kind"] == "field"]
    assert fields[0] == {"owner": "StartTransaction.req", "name": "connectorId", "type": "integer connectorId > 0",
                         "card": "1..1", "sender": "Charge Point", "constraints": ["required", "connectorId > 0"]}
    assert [s["text"] for s in found if s["kind"] == "obligation"] == ["A Charge Point SHALL send it."]


def test_the_register_has_every_document_and_unique_ids():
    register = req.load_register()
    assert len({s["id"] for s in register}) == len(register)
    assert {s["document"] for s in register} == {d.title for d in extract.DOCUMENTS}
    assert sum(1 for s in register if s["kind"] == "enumeration") == 35
    assert all(s["text"] and s["line"] > 0 for s in register)


# -- classification ----------------------------------------------------------------------------------


def test_every_statement_is_classified_and_names_only_rules_machine_rules_and_tests_that_exist():
    assert req.problems() == []


def test_problems_name_an_unclassified_statement_and_a_rule_that_does_not_exist():
    register = req.load_register()[:2]
    table = {register[0]["id"]: {"class": "judged", "rules": ["NoSuchRule"], "machine": ["no_such_rule"],
                                 "tests": ["tests/test_requirements.py::test_nothing"]}}
    entries = req.classified(register, table)
    found = req.problems(entries, table)
    assert f"{register[1]['id']}: unclassified" in found
    assert f"{register[0]['id']}: model rule 'NoSuchRule' does not exist" in found
    assert f"{register[0]['id']}: machine rule 'no_such_rule' does not exist" in found
    assert f"{register[0]['id']}: test 'tests/test_requirements.py::test_nothing' does not exist" in found


def test_same_as_follows_a_chain_and_a_broken_one_is_unclassified():
    register = req.load_register()[:4]
    a, b, c, d = (s["id"] for s in register)
    table = {a: {"class": "gap", "note": "first"}, b: {"same_as": a}, c: {"same_as": b, "note": "mine"},
             d: {"same_as": d}}
    entries = {e["id"]: e for e in req.classified(register, table)}
    assert (entries[c]["class"], entries[c]["same_as"], entries[c]["note"]) == ("gap", b, "mine")
    assert entries[b]["note"] == "first"
    assert "class" not in entries[d]
    assert f"{d}: same_as {d!r}, which is unclassified" in req.problems(list(entries.values()), table)


def test_counts_add_up():
    counts = req.counts()
    parts = (counts["judged"] + sum(counts["not_judgeable"].values()) + counts["central_system"] + counts["gaps"]
             + counts["unclassified"])
    assert parts == counts["statements"] == sum(counts["by_document"].values())
    assert counts["reached"] <= counts["judged"] and counts["unclassified"] == 0


def test_feature_profiles_come_from_the_message_or_the_section():
    by_id = {e["id"]: e["profile"] for e in req.classified()}
    assert by_id["OCPP16-5.13-002"] == "Reservation"
    assert by_id["OCPP16-6.42-001"] == "Local Auth List Management"
    assert by_id["OCPP16-3.13.1-006"] == "Smart Charging"
    assert by_id["OCPP16E-3.25-001"] == "Smart Charging"  # errata 3.25 applies to §5.5
    assert by_id["OCPPJ16-4.1.4-001"] == "OCPP-J"
    assert by_id["OCPP16-4.9-001"] == "Core"


# -- what the schemas judge (rule OcppJFraming) ---------------------------------------------------------

CLASS_PATHS = {"KeyValue": ("GetConfigurationResponse", ["configurationKey"]),
               "MeterValue": ("MeterValues", ["meterValue"]),
               "SampledValue": ("MeterValues", ["meterValue", "sampledValue"]),
               "ChargingSchedule": ("GetCompositeScheduleResponse", ["chargingSchedule"]),
               "ChargingSchedulePeriod": ("GetCompositeScheduleResponse", ["chargingSchedule", "chargingSchedulePeriod"])}


def schema_object(owner: str) -> dict:
    """The JSON schema object that holds the fields of ``owner`` (a message or a §7 class)."""
    if owner in CLASS_PATHS:
        name, path = CLASS_PATHS[owner]
    else:
        message, kind = owner.split(".")
        name, path = (message if kind == "req" else f"{message}Response"), []
    node = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8-sig"))
    for step in path:
        node = node["properties"][step]
        node = node.get("items", node)
    return node


def schema_judged(kind: str) -> list[dict]:
    return [e for e in req.classified() if e["kind"] == kind and e.get("class") == "judged"
            and "OcppJFraming" in e["rules"]]


def test_charge_point_fields_judged_by_the_schemas_are_in_the_schemas():
    """Each constraint of a field the schemas judge is in the schema, or the field names a rule of its own."""
    checked = 0
    for entry in schema_judged("field"):
        missing = unencoded(entry["field"])
        assert not missing or set(entry["rules"]) - {"OcppJFraming"}, (entry["id"], missing)
        checked += 1
    assert checked > 50


def unencoded(field: dict) -> list[str]:
    """The constraints of a field table row that its JSON schema does not encode."""
    enums = {e["title"]: set(e["values"]) for e in req.load_register() if e["kind"] == "enumeration"}
    node = schema_object(field["owner"])
    prop = node["properties"][field["name"]]
    items, base = prop.get("items", prop), field["type"].split()[0]
    checks = {
        "required": (field["name"] in node.get("required", ())) == field["card"].startswith("1"),
        "at least one": field["card"] != "1..*" or prop.get("minItems") == 1,
        "length": all(c == f"at most {items.get('maxLength')} characters"
                      for c in field["constraints"] if c.startswith("at most")),
        "enumeration": base not in enums or enums[base] <= set(items.get("enum", ())),
        "dateTime": base != "dateTime" or items.get("format") == "date-time",
    }
    return [name for name, ok in checks.items() if not ok]


def test_a_constraint_the_schema_lacks_is_found():
    assert unencoded({"owner": "GetCompositeSchedule.conf", "name": "status", "type": "GetCompositeScheduleStatus",
                      "card": "1..1", "constraints": ["required"]}) == []
    assert unencoded({"owner": "ChargingSchedule", "name": "chargingSchedulePeriod", "type": "ChargingSchedulePeriod",
                      "card": "1..*", "constraints": ["required", "list, at least one"]}) == ["at least one"]
    assert unencoded({"owner": "Authorize.req", "name": "idTag", "type": "IdToken", "card": "1..1",
                      "constraints": ["required", "at most 25 characters"]}) == ["length"]


def test_charge_point_enumerations_judged_by_the_schemas_match_the_spec():
    lists = [set(values) - {"Celcius"} for values in _enum_lists([f"{a}" for a in CP_ACTIONS]
                                                                  + [f"{a}Response" for a in CS_ACTIONS])]
    judged = schema_judged("enumeration")
    for entry in judged:
        assert set(entry["values"]) in lists, entry["id"]
    assert len(judged) > 20


def _enum_lists(schemas: list[str]) -> list[list[str]]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list):
                found.append(node["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in schemas:
        path = SCHEMAS / f"{name}.json"
        if path.exists():
            walk(json.loads(path.read_text(encoding="utf-8-sig")))
    return found


# -- coverage -------------------------------------------------------------------------------------------


def test_coverage_counts_a_judged_requirement_once_any_of_its_rules_was_judged():
    entries = req.classified()
    none = req.coverage(set(), entries)
    assert (none["exercised"], none["fraction"], none["judged"]) == (0, 0.0, req.counts(entries)["judged"])
    some = req.coverage({"StatusNotReported", "NotARule"}, entries)
    expected = {e["id"] for e in entries if e.get("class") == "judged" and "StatusNotReported" in e["rules"]}
    assert set(some["exercised_ids"]) == expected and some["exercised"] == len(expected)
    assert set(some["missed_ids"]).isdisjoint(expected)
    assert some["fraction"] == pytest.approx(len(expected) / some["judged"])


def test_a_field_of_a_type_is_exercised_when_a_message_carrying_it_was_seen():
    entries = req.classified()
    sampled = [e["id"] for e in entries if e.get("class") == "judged" and set(e["rules"]) == {"OcppJFraming"}
               and (e.get("field") or {}).get("owner") in ("MeterValue", "SampledValue")]
    assert sampled
    seen = req.coverage({"OcppJFraming"}, entries, seen_messages={"MeterValues.req"})
    assert set(sampled) <= set(seen["exercised_ids"])
    unseen = req.coverage({"OcppJFraming"}, entries, seen_messages={"Authorize.req"})
    assert set(sampled) <= set(unseen["missed_ids"])


def test_coverage_of_every_rule_is_complete():
    every = req.coverage(set(req.model_rules()))
    assert every["fraction"] == 1.0 and every["fraction_reached"] == 1.0 and every["missed_ids"] == []
    assert every["reached_exercised"] == every["reached"] <= every["judged"]


# -- the report and the command ---------------------------------------------------------------------------


def test_the_committed_document_is_generated_from_the_register():
    assert req.DOC.read_text(encoding="utf-8") == report.markdown(), \
        "docs/spec-coverage.md drifted: ocpp-verify requirements --markdown"


def test_the_document_lists_every_statement_and_every_gap():
    text = report.markdown()
    for entry in req.classified():
        assert f"| {entry['id']} |" in text
    assert len(re.findall(r"\| gap( \(as [^)]+\))? \|", text)) == req.counts()["gaps"]


def test_command_prints_the_counts(capsys):
    assert cli.main(["requirements"]) == 0
    out = capsys.readouterr().out
    counts = req.counts()
    assert f"{counts['statements']} statements" in out and f"judged          {counts['judged']}" in out
    assert f"gaps            {counts['gaps']}" in out


def test_command_json_is_the_whole_register(capsys):
    assert cli.main(["requirements", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["requirements"]) == data["counts"]["statements"] == len(req.load_register())
    assert all("class" in entry for entry in data["requirements"])


def test_command_gaps_lists_the_gaps(capsys):
    assert cli.main(["requirements", "--gaps"]) == 0
    out = capsys.readouterr().out
    assert all(entry["id"] in out for entry in req.gaps())
    assert "OCPP16-4.9-001" not in out
