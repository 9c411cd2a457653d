"""``ocpp-verify octt``: the OCTT catalogue against a charge point, as a table, JSON or JUnit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.etree import ElementTree

import attrs

from ..runner import FuzzConfig, Session
from vocabulary import FEATURE_PROFILES

from .catalogue import PREREQUISITES, SCENARIOS, by_id
from .runner import CaseResult, run_scenario


class UnknownCase(ValueError):
    pass


def list_cases() -> str:
    return "\n".join(f"{s.id}\t{s.title}{'  (derived)' if s.derived else ''}" for s in SCENARIOS)


def select(ids: list[str]):
    if not ids:
        return list(SCENARIOS)
    try:
        return [by_id(i) for i in ids]
    except KeyError as error:
        raise UnknownCase(f"unknown OCTT case {error}; `ocpp-verify octt --list` names them")


def run_all(scenarios, mutant: str | None = None, session: Session | None = None,
            config: FuzzConfig | None = None) -> list[CaseResult]:
    """Run the scenarios on one session; on the bundled charge point, each on a build that meets
    its OCTT prerequisites (a fixed cable, back-up power, a profile left out)."""
    config = config or FuzzConfig(mutant=mutant)
    if session is not None or config.external is not None:
        return _run_on(session or Session(config), scenarios, own=session is None)
    groups: dict[tuple, list] = {}
    for scenario in scenarios:
        groups.setdefault(bundled_build(scenario.id), []).append(scenario)
    results = {}
    for build, members in groups.items():
        variant = attrs.evolve(config, **dict(build))
        try:
            for result in _run_on(Session(variant), members, own=True):
                results[result.id] = result
        except CasesAborted as aborted:
            raise CasesAborted([*results.values(), *aborted.results], aborted.error) from None
    return [results[s.id] for s in scenarios]


def bundled_build(case_id: str) -> tuple:
    """The bundled charge point's settings (FuzzConfig fields) that meet a case's prerequisites."""
    needs = PREREQUISITES.get(case_id, ())
    left_out = [p.split(":", 1)[1] for p in needs if p.startswith("no-profile:")]
    build = {"fixed_cable": "fixed-cable" in needs,
             "power_loss": "before-down" if "backup-power" in needs else "at-boot",
             "one_reader": "one-reader" in needs}
    if left_out:
        build["feature_profiles"] = ",".join(p for p in FEATURE_PROFILES if p not in left_out)
    return tuple(sorted(build.items()))


class CasesAborted(BaseException):
    """An external charge point became unusable (``SutUnusable``), or a second signal stopped the run
    (a first one stops it before the next case), after ``results``: their verdicts are printed before the
    one-line error (sim-triage mo-octt-1 lost seven; sap-octt-s3 lost every one to SIGTERM)."""

    def __init__(self, results: list[CaseResult], error: BaseException):
        super().__init__(str(error))
        self.results, self.error = results, error


def _run_on(session: Session, scenarios, own: bool) -> list[CaseResult]:
    from ..external import SutUnusable

    results: list[CaseResult] = []
    try:
        features = frozenset(session.sut.features)
        for scenario in scenarios:
            results.append(run_scenario(scenario, session.new_harness(), session.capabilities, features))
        session.check_alive()
        return results
    except (SutUnusable, KeyboardInterrupt) as error:
        raise CasesAborted(results, error) from None
    finally:
        if own:
            session.close()


def table(results: list[CaseResult]) -> str:
    lines = [f"{'id':<22} {'result':<16} {'time s':>7}  title"]
    for r in results:
        lines.append(f"{r.id:<22} {r.result:<16} {r.seconds:7.3f}  {r.title}")
        if r.detail and r.result == "failed":
            lines.append(f"{'':<22} {r.detail}")
    counts = {k: sum(r.result == k for r in results) for k in ("passed", "failed", "not automatable")}
    lines.append(", ".join(f"{v} {k}" for k, v in counts.items()))
    return "\n".join(lines)


def write_junit(path: Path, results: list[CaseResult]) -> None:
    suite = ElementTree.Element("testsuite", name="ocpp-verify octt", tests=str(len(results)),
                                failures=str(sum(r.result == "failed" for r in results)),
                                skipped=str(sum(r.result == "not automatable" for r in results)))
    for r in results:
        case = ElementTree.SubElement(suite, "testcase", classname="octt", name=f"{r.id} {r.title}",
                                      time=f"{r.seconds:.3f}")
        if r.result == "failed":
            ElementTree.SubElement(case, "failure", message=r.detail[:200]).text = r.detail
        elif r.result == "not automatable":
            ElementTree.SubElement(case, "skipped", message=r.detail)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def report(results: list[CaseResult], as_json: bool, junit: Path | None) -> None:
    """The verdicts on stdout (a table, or JSON), and in ``junit`` when given."""
    print(json.dumps([attrs.asdict(r) for r in results], indent=2) if as_json else table(results))
    if junit:
        write_junit(junit, results)


def run_cases(ids: list[str], mutant: str | None, as_json: bool, junit: Path | None,
              config: FuzzConfig | None = None) -> int:
    from ..usage import UsageError, checked as _checked

    try:
        scenarios = select(ids)
    except UnknownCase as error:
        raise UsageError(str(error))
    try:
        results = run_all(scenarios, mutant, config=config)
    except CasesAborted as aborted:
        if aborted.results:
            report(aborted.results, as_json, junit)
            print(f"octt: the run stopped after {len(aborted.results)} cases: "
                  f"{len(scenarios) - len(aborted.results)} not run", file=sys.stderr)
        raise aborted.error from None
    report(results, as_json, junit)
    if any(r.result == "failed" for r in results):
        return 1
    return _checked(sum(r.result == "passed" for r in results), "no case (every one is not automatable)")
