"""``ocpp-verify explore``: the command line of the bounded exploration."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..checks import DEFAULT_FINDINGS
from .alphabet import ALPHABETS


def add_parser(sub) -> None:
    explore = sub.add_parser("explore", help="check every sequence of up to --depth operations (breadth-first, "
                             "shortest counterexamples)")
    explore.add_argument("--depth", type=int, default=3, help="operations per path (default 3)")
    explore.add_argument("--budget", type=float, default=60.0, help="seconds (default 60); 0: no limit")
    explore.add_argument("--states-limit", type=int, metavar="N", help="stop after N abstract states")
    explore.add_argument("--alphabet", choices=ALPHABETS, default="small",
                         help="the operations tried in every state (default small)")
    explore.add_argument("--ops", metavar="CSL", help="only the letters of these ops, e.g. PlugIn,PresentIdTag,SetIdTag")
    explore.add_argument("--symmetry", action="store_true",
                         help="connectors and the alphabet's idTags are interchangeable (fewer states)")
    explore.add_argument("--stop-at-first", action="store_true", help="end at the first finding")
    explore.add_argument("--hostile", action="store_true",
                         help="hostile letters too: frames that break OCPP-J and CALLs that cross the charge "
                         "point's own (docs/hostile.md)")
    explore.add_argument("--mutant", help="switch on one injected bug in the bundled charge point")
    explore.add_argument("--connectors", type=int, help="the bundled charge point's connectors (default 2)")
    explore.add_argument("--feature-profiles", metavar="CSL",
                         help="the bundled charge point's SupportedFeatureProfiles; their operations are explored")
    explore.add_argument("--findings", type=Path, default=DEFAULT_FINDINGS, metavar="DIR",
                         help=f"where findings are saved (default ./{DEFAULT_FINDINGS}/)")
    explore.add_argument("--link", choices=("memory", "websocket"),
                         help="how the bundled charge point reaches the endpoint: in memory (default, faster) "
                         "or over a loopback WebSocket; an external charge point always uses the WebSocket")
    explore.add_argument("--json", action="store_true", help="print a machine-readable summary on stdout")
    explore.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report (for CI)")
    explore.add_argument("--states", type=Path, metavar="FILE",
                         help="write the abstract states and transitions reached (for fuzz --states)")
    explore.add_argument("--graph", type=Path, metavar="FILE",
                         help="draw the abstract state graph: Mermaid (.mmd, .md) or Graphviz (.dot)")
    from ..usage import add_sut_options as _add_sut_options

    _add_sut_options(explore)


def config_of(args):
    """The ExploreConfig the options ask for; UsageError for bad ones."""
    from ..usage import UsageError, check_mutant as _check_mutant, external_settings as _external_settings
    from ..runner import FuzzConfig
    from .search import ExploreConfig

    external = _external_settings(args)
    _check_mutant(args.mutant)
    for name, value, least in (("--depth", args.depth, 1), ("--connectors", args.connectors, 1),
                               ("--states-limit", args.states_limit, 1)):
        if value is not None and value < least:
            raise UsageError(f"{name} must be at least {least}")
    if args.budget < 0:
        raise UsageError("--budget must be at least 0")
    if external is not None and args.link == "memory":
        raise UsageError("--link memory is for the bundled charge point; an external one connects over a WebSocket")
    ops = tuple(op.strip() for op in args.ops.split(",") if op.strip()) if args.ops else None
    fuzz = FuzzConfig(findings_dir=args.findings, mutant=args.mutant, connectors=args.connectors or 2,
                      feature_profiles=args.feature_profiles, external=external,
                      link=args.link or ("websocket" if external else "memory"), hostile=args.hostile)
    return ExploreConfig(depth=args.depth, budget=args.budget or None, states_limit=args.states_limit,
                         alphabet=args.alphabet, ops=ops, symmetry=args.symmetry, stop_at_first=args.stop_at_first,
                         fuzz=fuzz)


def run(args) -> int:
    from ..usage import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError, open_session as _open_session
    from ..external import SutUnusable
    from . import report as out
    from .alphabet import AlphabetError
    from .search import ExploreError, Explorer

    config = config_of(args)
    progress = out.Progress(config)
    session = _open_session(config.fuzz)
    try:
        explorer = Explorer(config, session, progress.update)
        result = explorer.run()
    except (AlphabetError, ExploreError, SutUnusable) as error:
        raise UsageError(str(error)) from None
    finally:
        progress.close()
        session.close()
    if args.json:
        print(json.dumps(out.summary_dict(result, config), indent=2))
    else:
        out.print_summary(result, config, sys.stdout)
    if args.junit:
        out.write_junit(args.junit, result, config)
    if args.states:
        out.save_states(args.states, result, config, explorer)
    if args.graph:
        why_not = out.write_graph(args.graph, result, explorer)
        if why_not:
            print(f"ocpp-verify: {why_not}", file=sys.stderr)
    if result.findings:
        return EXIT_FINDINGS
    if result.transitions == 0:
        print("ocpp-verify: explore checked nothing: no letter of the alphabet applies after the boot",
              file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR if result.stopped == "signal" else EXIT_OK
