"""What the subcommands share: exit codes, the usage error, the --sut options and their checks.

properties/cli.py builds the command line from these, and so do the subcommands that live in
their own packages (octt, check-log, explore): they import this module, never cli.py, so that
no import goes round in a circle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vocabulary import CONTROLLER_KINDS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_NOTHING_CHECKED = 5
"""A run that judged no step (pytest's "no tests collected"): never a green run."""


class UsageError(Exception):
    """A mistake of the user's: printed without a traceback, exit 2."""


def add_sut_options(parser: argparse.ArgumentParser) -> None:
    """--sut and the options of external mode (docs/external.md); --trace-out (fuzz, replay, octt)."""
    parser.add_argument("--trace-out", type=Path, metavar="FILE",
                        help="also write every frame in the OCPP trace format v1.0 (docs/log-formats.md)")
    group = parser.add_argument_group("external mode (docs/external.md)")
    group.add_argument("--sut", choices=("bundled", "external"), default="bundled",
                       help="bundled (default): the in-process charge point; external: a charge "
                       "point that connects to ws://HOST:PORT/<chargePointId>")
    group.add_argument("--description", type=Path, metavar="FILE",
                       help="the external charge point's description (TOML)")
    group.add_argument("--listen", metavar="HOST:PORT",
                       help="where the Central System endpoint listens (default: the "
                       "description's [endpoint] listen, else 127.0.0.1:9000)")
    group.add_argument("--controller", choices=CONTROLLER_KINDS,
                       help="how physical actions are done (overrides [controller] kind)")
    group.add_argument("--control-url", metavar="URL",
                       help="the controller's URL (overrides [controller] url)")


def check_mutant(name: str | None) -> None:
    from adapters.chargepoint.mutants import MUTANTS

    if name is not None and name not in MUTANTS:
        raise UsageError(f"unknown mutant {name!r}; `ocpp-verify mutants --list` names them")


def accepted_rules(names: list[str]) -> tuple[str, ...]:
    """``--accept`` names: each must be a rule the model can raise."""
    from .rules import known_rules

    rules = known_rules()
    for name in names:
        if name not in rules:
            raise UsageError(f"--accept {name}: the model has no rule {name!r} (a finding names its "
                             "rule first, e.g. \"StatusNotReported (OCPP 1.6 §4.9): ...\")")
    return tuple(names)


def external_settings(args, recorded: dict | None = None):
    """ExternalSettings for ``--sut external`` (None for bundled); UsageError for bad options.

    ``recorded``: a finding's settings, whose description and options are the defaults.
    """
    from adapters.external import DescriptionError

    from .external import ExternalSettings

    given = {"--description": args.description, "--listen": args.listen,
             "--controller": args.controller, "--control-url": args.control_url}
    if args.sut == "bundled":
        extra = [name for name, value in given.items() if value is not None]
        if extra:
            raise UsageError(f"{', '.join(extra)} only apply with --sut external")
        return None
    for name, why in (("mutant", "start the charge point with `ocpp-verify simulate --mutant M`"),
                      ("feature_profiles", "declare them in [charge_point] profiles"),
                      ("connectors", "declare them in [charge_point] connectors")):
        if getattr(args, name, None) is not None:
            raise UsageError(f"--{name.replace('_', '-')} is for the bundled charge point; "
                             f"for an external one {why}")
    base = ExternalSettings.from_dict(recorded or {})
    description = args.description or (base.description if base else None)
    if description is None:
        raise UsageError("--sut external needs --description FILE (the charge point's "
                         "description, docs/external.md §2; examples in examples/)")
    if args.listen is not None:
        check_listen(args.listen)

    def option(value, key):
        return value if value is not None or base is None else getattr(base, key)

    settings = ExternalSettings(description, option(args.listen, "listen"),
                                option(args.controller, "controller"),
                                option(args.control_url, "control_url"))
    try:
        settings.load()
    except DescriptionError as error:
        raise UsageError(str(error)) from None
    return settings


def check_listen(listen: str) -> None:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--listen must be HOST:PORT (port 0 to 65535), got {listen!r}")


def open_session(config):
    """The runner's Session; an external charge point that cannot be used is a UsageError."""
    from .external import SutUnusable
    from .runner import Session

    try:
        return Session(config)
    except SutUnusable as error:
        raise UsageError(str(error)) from None


def checked(count: int, what: str) -> int:
    """EXIT_OK when the run checked something; else one line and EXIT_NOTHING_CHECKED."""
    if count:
        return EXIT_OK
    print(f"ocpp-verify: nothing was checked: {what} was judged", file=sys.stderr)
    return EXIT_NOTHING_CHECKED
