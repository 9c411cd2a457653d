"""The ``ocpp-verify`` command line (exit codes: :data:`EPILOG`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from . import stopping
from .checks import DEFAULT_FINDINGS
from .findings import version as findings_version
from .checklog import command as check_log
from .explore import cli as explore
from .requirements import report as requirements
from .usage import (EXIT_ERROR, EXIT_FINDINGS, EXIT_NOTHING_CHECKED, EXIT_OK, UsageError,  # noqa: F401
                    accepted_rules as _accepted_rules, add_sut_options as _add_sut_options,
                    check_listen as _check_listen, check_mutant as _check_mutant, checked as _checked,
                    external_settings as _external_settings, open_session as _open_session)


EPILOG = """\
exit codes:
  0  no findings (a replay that passes, every mutant killed)
  1  findings (a replay that still fails, a mutant that survived)
  2  usage or infrastructure error, or a run stopped by a signal (SIGINT, SIGTERM: the
     summary is printed and every finding kept)
  5  nothing was checked (fuzz, octt: no step judged, every OCTT case not automatable)

example:
  ocpp-verify fuzz --budget 60 --seed 1          fuzz the bundled charge point for a minute
  ocpp-verify replay ocpp-verify-findings/X.json  re-run a saved finding
"""


def _trace_out(args) -> Path | None:
    """``--trace-out FILE``, emptied now: the run's sessions append to it (properties/checklog/export.py)."""
    from .checklog import export

    if args.trace_out is None:
        return None
    try:
        export.start(args.trace_out)
    except OSError as error:
        raise UsageError(f"--trace-out {args.trace_out}: cannot write ({error.strerror or error})") from None
    return args.trace_out


def _add_fuzz(sub) -> None:
    """``fuzz``: the budget, where results go; then the charge point and how to fuzz it."""
    fuzz = sub.add_parser("fuzz", help="fuzz a charge point against the reference model")
    fuzz.add_argument("--max-examples", type=int, metavar="N",
                      help="run N examples (each a fresh charge point and a random trace), not a time budget")
    fuzz.add_argument("--budget", type=float, default=60.0, help="seconds (default 60) when --max-examples is not given")
    fuzz.add_argument("--seed", type=int, default=0,
                      help="the run's seed (default 0): the same seed gives the same run anywhere")
    fuzz.add_argument("--profile", choices=("dev", "ci", "nightly"), default="dev",
                      help="trace length and examples per batch: dev (default, 25 steps), ci (20), nightly (50)")
    fuzz.add_argument("--findings", type=Path, default=DEFAULT_FINDINGS, metavar="DIR",
                      help=f"where findings are saved (default ./{DEFAULT_FINDINGS}/; the repository's "
                      "findings/ holds curated examples)")
    fuzz.add_argument("--database", metavar="DB", help="Hypothesis example database: a directory, "
                      "redis://HOST:PORT/DB, or github:OWNER/REPO[/ARTIFACT] (read-only, over .hypothesis/examples); "
                      "docs/nightly.md")
    fuzz.add_argument("--shard", metavar="I/N", help="fuzz shard I of N: a disjoint share of the seeds and "
                      "feature-profile sets, for a CI matrix (docs/nightly.md)")
    fuzz.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    fuzz.add_argument("--observability", type=Path, metavar="DIR",
                      help="write Hypothesis observability JSON Lines (for Tyche) under DIR")
    fuzz.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report (for CI)")
    fuzz.add_argument("--json", action="store_true", help="print a machine-readable summary on stdout")
    _add_fuzz_charge_point_options(fuzz)
    _add_sut_options(fuzz)


def _add_fuzz_charge_point_options(fuzz) -> None:
    """``fuzz``: which charge point, which rules count, how the run goes."""
    fuzz.add_argument("--mutant", help="switch on one injected bug in the bundled charge point")
    fuzz.add_argument("--connectors", type=int, help="the bundled charge point's connectors (default 2)")
    fuzz.add_argument("--feature-profiles", metavar="CSL", action="append",
                      help="the bundled charge point's SupportedFeatureProfiles, e.g. Core,Reservation; "
                      "repeat it to fuzz several sets, one after another on the budget (or split by --shard)")
    fuzz.add_argument("--accept", action="append", default=[], metavar="RULE",
                      help="a rule this charge point is known to break: count it, do not stop (repeatable)")
    fuzz.add_argument("--stop-at-first", action="store_true",
                      help="end the run at the first finding (default: accept each rule once its finding "
                      "is shrunk and saved, and go on until the budget: one run lists every deviation)")
    fuzz.add_argument("--no-shrink", action="store_true",
                      help="keep the first failing trace as it is (shrinking an external charge "
                      "point's trace takes real time)")
    fuzz.add_argument("--states", type=Path, metavar="FILE",
                      help="an exploration's state set (explore --states): report the fraction of its states "
                      "and transitions this run reached, and steer toward the rare ones")
    fuzz.add_argument("--no-steering", action="store_true", help="with --states: measure only, do not steer")
    fuzz.add_argument("--hostile", action="store_true",
                      help="a hostile Central System too: frames that break OCPP-J (not JSON, binary, wrong "
                      "message types, unknown actions, schema faults, 1 MB, duplicate and unsolicited ids) and "
                      "CALLs that cross the charge point's own (docs/hostile.md); on in --profile nightly")
    fuzz.add_argument("--workers", default="auto", metavar="N",
                      help="processes fuzzing at once, each a share of the run's batches (default auto: one per "
                      "core for a time budget against the bundled charge point, else 1)")
    fuzz.add_argument("--link", choices=("websocket", "memory"), default="websocket",
                      help="how the bundled charge point reaches the endpoint: a loopback WebSocket "
                      "(default) or in memory, faster; a seed gives the same run on either")


def _add_replay(sub) -> None:
    """``replay FILE`` and its options."""
    replay = sub.add_parser("replay", help="re-run a saved finding; exit 1 if it still fails")
    replay.add_argument("file", type=Path, help="a finding's JSON file")
    replay.add_argument("--mutant", help="the bundled charge point's mutant (default: the one recorded in the "
                        "finding; 'none': the charge point without a mutant)")
    _add_sut_options(replay)


def _add_mutants(sub) -> None:
    """``mutants [NAME...]`` and its options."""
    mutants = sub.add_parser("mutants", help="list the bundled charge point's mutants, or fuzz them")
    mutants.add_argument("names", nargs="*", help="mutants to run (default: all)")
    mutants.add_argument("--list", action="store_true", help="name each mutant and the bug it injects")
    mutants.add_argument("--max-examples", type=int, metavar="N", help="examples per mutant, not a time budget")
    mutants.add_argument("--budget", type=float, default=60.0, help="seconds per mutant when --max-examples is not given")
    mutants.add_argument("--seed", type=int, default=0, help="the seed of every mutant's run (default 0)")
    mutants.add_argument("--findings", type=Path, metavar="DIR",
                         help="where each kill's finding is saved (default: a temporary folder)")
    mutants.add_argument("--json", action="store_true", help="print the table as JSON on stdout")
    mutants.add_argument("--no-shrink", action="store_true",
                         help="keep each kill's failing trace as drawn: the time to kill alone, not the shrink quality")
    mutants.add_argument("--workers", default="auto", metavar="N",
                         help="processes fuzzing each mutant at once (default auto: one per core with a time budget, "
                         "else 1); the first finding ends them all")
    mutants.add_argument("--octt", action="store_true",
                         help="also run the OCTT catalogue against each mutant: which cases catch it")


def _add_merge(sub) -> None:
    """``merge DIR...`` and its options."""
    merge = sub.add_parser("merge", help="combine the JSON summaries and findings of a matrix's shards")
    merge.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                       help="a shard's output: its --json summary and findings, at any depth")
    merge.add_argument("--known", type=Path, metavar="DIR",
                       help="saved findings (e.g. findings/): found again, they are known, not new")
    merge.add_argument("--findings", type=Path, metavar="DIR", help="write the new findings here")
    merge.add_argument("--expect", type=int, metavar="N", help="exit 2 unless there are N shard summaries")
    merge.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    merge.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    merge.add_argument("--json", action="store_true", help="print the merged summary on stdout")


def _add_octt(sub) -> None:
    """``octt`` and its options."""
    octt = sub.add_parser("octt", help="run the OCTT charge-point test cases as scenarios")
    octt.add_argument("--case", action="append", default=[], help="an OCTT id (repeatable)")
    octt.add_argument("--list", action="store_true", help="name the cases and their titles")
    octt.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    octt.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report (for CI)")
    octt.add_argument("--mutant", help="switch on one injected bug in the bundled charge point")
    octt.add_argument("--accept", action="append", default=[], metavar="RULE",
                      help="a rule this charge point is known to break: count it, do not fail the case "
                      "(repeatable)")
    _add_sut_options(octt)


def _add_simulate(sub) -> None:
    """``simulate --csms URL`` and its options."""
    simulate = sub.add_parser("simulate", help="run the bundled charge point against a Central System, "
                              "driven through the control API (docs/control-api.md)")
    simulate.add_argument("--csms", required=True, metavar="ws://HOST:PORT/ID",
                          help="the Central System; the last path segment is the chargePointId")
    simulate.add_argument("--control-port", type=int, default=0,
                          help="control API port on 127.0.0.1 (default 0: a free port, printed on stdout)")
    simulate.add_argument("--connectors", type=int, default=2, help="the charge point's connectors (default 2)")
    simulate.add_argument("--fixed-cable", action="store_true",
                          help="a cable fixed to the charge point (no lock at the charge point side)")
    simulate.add_argument("--mutant", help="switch on one injected bug in the bundled charge point")
    simulate.add_argument("--store", type=Path, help="JSON file that keeps configuration, "
                          "transactions and the queue across runs")
    simulate.add_argument("--reconnect-interval", type=float, metavar="SECONDS",
                          help="wait before connecting again after a lost or refused connection "
                          "(default 10)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocpp-verify", description="Verify OCPP 1.6-J charge points.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {findings_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_fuzz(sub)
    _add_replay(sub)
    _add_mutants(sub)
    _add_merge(sub)
    _add_octt(sub)
    _add_simulate(sub)
    requirements.add_parser(sub)
    check_log.add_parser(sub)
    explore.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        with stopping.on_signals():
            return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"ocpp-verify: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ocpp-verify: interrupted; findings written so far are kept", file=sys.stderr)
        return EXIT_ERROR


def cmd_fuzz(args) -> int:
    import attrs

    from . import html, workers
    from .runner import FuzzConfig
    from .summary import print_summary, summary_dict, write_junit

    external = _external_settings(args)
    _check_mutant(args.mutant)
    _check_fuzz_input(args)
    if args.connectors is not None and args.connectors < 1:
        raise UsageError("--connectors must be at least 1")
    config = FuzzConfig(max_examples=args.max_examples, budget=args.budget, seed=args.seed,
                        profile=args.profile, findings_dir=args.findings, database=_database(args.database),
                        mutant=args.mutant, connectors=args.connectors or 2,
                        external=external,
                        shrink=not args.no_shrink, accept=_accepted_rules(args.accept),
                        stop_at_first=args.stop_at_first, trace_out=_trace_out(args), link=args.link,
                        states=_explored_states(args), steer=not args.no_steering, hostile=args.hostile)
    if external is not None and args.link != "websocket":
        raise UsageError("--link memory is for the bundled charge point: an external one connects over a WebSocket")
    shard = _shard(args.shard)
    sets = args.feature_profiles or [None]
    config.workers = workers.count(workers.parse(args.workers), args, external is not None)
    _announce("fuzz", config, sets)
    with _observing(args.observability):
        report, failed = _fuzz_all(config, sets, shard)
    described = attrs.evolve(config, shard=shard, feature_profiles=" | ".join(p or "(default)" for p in sets)
                         if len(sets) > 1 else sets[0])
    summary = summary_dict(report, described)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(report, sys.stdout, described)
    if args.junit:
        write_junit(args.junit, report, described)
    if args.html:
        html.write(args.html, summary, [_finding_page(f) for f in report.findings])
    for error in failed:
        print(f"ocpp-verify: {error}", file=sys.stderr)
    if failed:
        return EXIT_ERROR
    if report.findings:
        return EXIT_FINDINGS
    return EXIT_ERROR if report.interrupted else _checked(report.judged, "no step of any example")


def _explored_states(args) -> dict | None:
    """``--states FILE``: the state set of an exploration of the same charge point; UsageError if not."""
    if args.states is None:
        return None
    from .explore.bridge import incompatible
    from .explore.report import StatesError, load_states

    try:
        data = load_states(args.states)
    except StatesError as error:
        raise UsageError(str(error)) from None
    problem = incompatible(data, args.connectors or 2, args.feature_profiles)
    if problem:
        raise UsageError(f"{args.states}: {problem}")
    return data


def _check_fuzz_input(args) -> None:
    """Everything a fuzz run is given, checked before it starts (properties/checks.py)."""
    from . import checks

    problem = checks.first(
        checks.positive("--budget", args.budget), checks.at_least_one("--max-examples", args.max_examples),
        *(checks.feature_profiles(csl) for csl in args.feature_profiles or ()),
        checks.output_folder("--findings", args.findings), checks.output_file("--junit", args.junit),
        checks.output_file("--html", args.html), checks.output_folder("--observability", args.observability))
    if problem is not None:
        raise UsageError(problem)


def _announce(command: str, config, profile_sets=(None,)) -> None:
    """The run's first line on stderr; in external mode, where it waits for the charge point."""
    from .banner import start_line

    print(start_line(command, config, profile_sets), file=sys.stderr)
    _listening(config.external)


def _listening(external) -> None:
    if external is not None:
        from .banner import listening_line

        print(listening_line(external), file=sys.stderr, flush=True)


def _check_output(output_file=(None, None), output_folder=(None, None)) -> None:
    """An output file and folder checked before a run starts (properties/checks.py)."""
    from . import checks

    problem = checks.first(checks.output_file(*output_file) if output_file[1] else None,
                           checks.output_folder(*output_folder) if output_folder[1] else None)
    if problem is not None:
        raise UsageError(problem)


def _fuzz_all(config, sets, shard):
    """The run, in this process or in ``config.workers`` (properties/workers.py); the report and workers' errors."""
    import attrs

    from . import shards, workers
    from .progress import Progress

    if config.workers == 1:
        return _fuzz_each(shards.plan(config, sets, shard)), []

    def configs_of(index):
        examples = workers.worker_examples(config.max_examples, index, config.workers)
        return shards.plan(attrs.evolve(config, max_examples=examples), sets,
                           workers.worker_shard(shard, index, config.workers))

    progress = Progress(config, stream=sys.stderr)
    try:
        return workers.run(configs_of, config.workers, _fuzz_each, progress, config.stop_at_first)
    finally:
        progress.close()


def _fuzz_each(configs, on_progress=None):
    """Fuzz with each config in turn (the feature-profile sets of a shard): one combined report."""
    from .shards import combine

    reports = []
    for config in configs:
        reports.append(_fuzz_one(config, on_progress))
        if stopping.requested():
            break
    return combine(reports)


def _fuzz_one(config, on_progress=None):
    from .database import DatabaseError
    from .external import SutUnusable
    from .progress import Progress
    from .runner import fuzz
    from .summary import print_summary

    progress = Progress(config, stream=sys.stderr, quiet=on_progress is not None)
    session = _open_session(config)
    try:
        report = fuzz(config, session=session, on_progress=on_progress or progress.update)
    except (SutUnusable, DatabaseError) as error:
        progress.close()
        if session.report.findings:
            print_summary(session.report, sys.stdout)
        raise UsageError(str(error)) from None
    finally:
        session.close()
    progress.close()
    return report


def _shard(text: str | None):
    from .shards import Shard, ShardError

    try:
        return Shard.parse(text) if text is not None else None
    except ShardError as error:
        raise UsageError(str(error)) from None


def _database(spec: str | None) -> str | None:
    """``--database``, checked now: a missing extra or an unreachable server is a UsageError."""
    from .database import DatabaseError, open_database

    if spec is not None:
        try:
            open_database(spec)
        except DatabaseError as error:
            raise UsageError(str(error)) from None
    return spec


@contextlib.contextmanager
def _observing(directory: Path | None):
    from .observability import ObservabilityError, observe

    try:
        with observe(directory):
            yield
    except ObservabilityError as error:
        raise UsageError(str(error)) from None


def _finding_page(finding) -> dict:
    """A finding of this run as the HTML report shows it: its file's contents."""
    from . import findings

    return findings.load(finding.path) | {"path": str(finding.path), "known": False}


def cmd_merge(args) -> int:
    from . import html
    from .merge import MergeError, merge, print_merged, save_new, write_junit

    try:
        merged = merge(args.dirs, known=args.known)
    except MergeError as error:
        raise UsageError(str(error)) from None
    if args.findings:
        save_new(merged, args.findings)
    if args.json:
        print(json.dumps(merged.summary, indent=2))
    else:
        print_merged(merged, sys.stdout)
    if args.junit:
        write_junit(args.junit, merged)
    if args.html:
        html.write(args.html, merged.summary, merged.findings, title="ocpp-verify nightly report")
    if args.expect is not None and merged.summary["shards"] != args.expect:
        print(f"ocpp-verify: merge: {merged.summary['shards']} shard summaries, {args.expect} expected",
              file=sys.stderr)
        return EXIT_ERROR
    if merged.new:
        return EXIT_FINDINGS
    return EXIT_ERROR if merged.summary["interrupted"] else EXIT_OK


def cmd_replay(args) -> int:
    from .external import SutUnusable
    from .findings import FindingError, load
    from .replay import ReplayError, chosen_mutant, replay
    from .steps import settings_problem

    if args.mutant != "none":
        _check_mutant(args.mutant)
    try:
        finding = load(args.file)
    except FindingError as error:
        raise UsageError(str(error))
    problem = settings_problem(finding.get("settings") or {})
    if problem is not None:
        raise UsageError(f"{args.file}: {problem}")
    external = _external_settings(args, recorded=finding.get("settings"))
    found_external = (finding.get("settings") or {}).get("sut") == "external"
    mutant, line = chosen_mutant(finding, args.mutant) if not (external or found_external) else (None, None)
    if line:
        print(line, file=sys.stderr)
    _listening(external)
    try:
        violations, steps_run = replay(finding, mutant=mutant, external=external, trace_out=_trace_out(args),
                                       name=str(args.file))
    except (ReplayError, SutUnusable) as error:
        raise UsageError(str(error)) from None
    if violations:
        print(f"still fails after {steps_run} step(s):")
        for v in violations:
            print(f"  - {v}")
        return EXIT_FINDINGS
    print(f"passes: {steps_run} step(s) replayed, no violation")
    return EXIT_OK


def cmd_mutants(args) -> int:
    from adapters.chargepoint.mutants import MUTANTS

    import attrs

    from .mutants import octt_kills, run_mutant, table

    if args.list:
        for name in sorted(MUTANTS):
            print(f"{name:<44} {_one_line(MUTANTS[name].__doc__)}")
        return EXIT_OK
    for name in args.names:
        _check_mutant(name)
    from . import checks

    problem = checks.first(checks.positive("--budget", args.budget),
                           checks.at_least_one("--max-examples", args.max_examples),
                           checks.output_folder("--findings", args.findings))
    if problem is not None:
        raise UsageError(problem)
    from . import workers

    count = workers.count(workers.parse(args.workers), _no_single_run(args), external=False)
    results = []
    for name in args.names or sorted(MUTANTS):
        result = run_mutant(name, MUTANTS[name], max_examples=args.max_examples, budget=args.budget,
                            seed=args.seed, findings_dir=args.findings, shrink=not args.no_shrink, workers=count)
        if args.octt:
            result = attrs.evolve(result, octt=octt_kills(name))
        done = (f"killed in {result.seconds:.2f}s, {result.examples} examples, {result.rule}" if result.killed
                else f"no finding, recommendation {result.recommendation} reported (no bug)" if result.as_expected
                else "survived")
        print(f"[{len(results) + 1}/{len(args.names or MUTANTS)}] {name}: {done}", file=sys.stderr, flush=True)
        results.append(result)
        if stopping.requested():
            print("mutants: stopped by a signal; the table shows the mutants run so far", file=sys.stderr)
            break
    if args.json:
        print(json.dumps([attrs.asdict(r) for r in results], indent=2))
    else:
        print(table(results))
    if stopping.requested():
        return EXIT_ERROR
    return EXIT_OK if all(r.as_expected for r in results) else EXIT_FINDINGS


def _no_single_run(args):
    """``mutants`` has none of the options that keep one run's record (``--trace-out`` and the like)."""
    import argparse

    return argparse.Namespace(max_examples=args.max_examples, trace_out=None, observability=None, states=None)


def _one_line(doc: str | None) -> str:
    """A docstring's first paragraph on one line."""
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def cmd_octt(args) -> int:
    from .octt.suite import list_cases, run_cases

    if args.list:
        print(list_cases())
        return EXIT_OK
    from .external import SutUnusable
    from .runner import FuzzConfig

    external = _external_settings(args)
    _check_mutant(args.mutant)
    config = FuzzConfig(mutant=args.mutant, external=external, accept=_accepted_rules(args.accept),
                        trace_out=_trace_out(args))
    _check_output(output_file=("--junit", args.junit))
    _listening(external)
    try:
        return run_cases(args.case, mutant=args.mutant, as_json=args.json, junit=args.junit,
                         config=config)
    except SutUnusable as error:
        raise UsageError(str(error)) from None


def cmd_simulate(args) -> int:
    import asyncio

    from .simulate import SimulateError, simulate

    _check_mutant(args.mutant)
    if args.connectors < 1:
        raise UsageError("--connectors must be at least 1")
    if not 0 <= args.control_port <= 65535:
        raise UsageError("--control-port must be 0 to 65535")
    try:
        asyncio.run(simulate(args.csms, control_port=args.control_port, connectors=args.connectors,
                             fixed_cable=args.fixed_cable, mutant=args.mutant, store=args.store,
                             reconnect_interval=args.reconnect_interval))
    except SimulateError as error:
        raise UsageError(str(error)) from None
    except KeyboardInterrupt:  # a signal before simulate() took over SIGINT/SIGTERM
        pass
    return EXIT_OK


COMMANDS = {"fuzz": cmd_fuzz, "merge": cmd_merge, "replay": cmd_replay, "mutants": cmd_mutants, "octt": cmd_octt,
            "simulate": cmd_simulate, "requirements": requirements.run,
            "check-log": check_log.run, "explore": explore.run}

if __name__ == "__main__":
    sys.exit(main())
