"""The ``ocpp-verify check-log`` command: its options, progress line and exit codes."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .formats import FORMATS

PROGRESS_AFTER = 2.0
"""Seconds before a progress line appears (short logs print none)."""


def add_parser(sub) -> None:
    parser = sub.add_parser("check-log", help="judge recorded OCPP-J traffic against the model",
                            description="Judge the recorded conversation of one or more charge points "
                            "against the reference model, assuming any physical event the log does not "
                            "show (docs/check-log.md, docs/log-formats.md).")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a log of OCPP-J frames (docs/log-formats.md)")
    parser.add_argument("--format", choices=FORMATS, help="the log format (default: detected per file)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report on stdout")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML (one test per charge point)")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="write a Markdown report with a Mermaid diagram around each violation")
    parser.add_argument("--strict", action="store_true", help="a malformed line ends the check (exit 2)")
    parser.add_argument("--tolerance", type=float, metavar="SECONDS",
                        help="how late an owed message may come and how early a timer may run out "
                        "(default 0 for logs recorded on a virtual clock, else 5)")
    parser.add_argument("--connectors", type=int, metavar="N",
                        help="the charge point's connectors (default: learnt from the log)")
    parser.add_argument("--accept", action="append", default=[], metavar="RULE",
                        help="a rule this charge point is known to break: counted, not a violation (repeatable, "
                        "or comma-separated)")
    parser.add_argument("--graceful-power-loss", action="store_true",
                        help="the charge point's power is taken away gracefully (as fuzz's [controller] power_loss = "
                        "\"graceful\"): a power cut may stop transactions with any reason and report Unavailable first")
    parser.add_argument("--no-schemas", action="store_true",
                        help="do not check payloads against the OCPP 1.6 JSON schemas (faster)")


def run(args: argparse.Namespace) -> int:
    from ..usage import UsageError
    from . import LogError, check
    from .checker import CheckOptions
    from .report import as_dict, exit_code, markdown, summary, write_junit

    if args.tolerance is not None and args.tolerance < 0:
        raise UsageError("--tolerance must be 0 or more")
    if args.connectors is not None and args.connectors < 1:
        raise UsageError("--connectors must be at least 1")
    accept = frozenset(rule.strip() for given in args.accept for rule in given.split(",") if rule.strip())
    options = CheckOptions(tolerance=args.tolerance, connectors=args.connectors, schemas=not args.no_schemas,
                           accept=accept, graceful_power_loss=args.graceful_power_loss)
    progress = Progress(sys.stderr)
    try:
        report = check(args.files, args.format, options, strict=args.strict, on_progress=progress.update)
    except LogError as error:
        progress.close()
        raise UsageError(str(error)) from None
    progress.close()
    print(json.dumps(as_dict(report), indent=2) if args.json else summary(report))
    if args.junit:
        write_junit(args.junit, report)
    if args.markdown:
        args.markdown.write_text(markdown(report), encoding="utf-8")
    return exit_code(report)


class Progress:
    """A progress line on stderr for long logs: rewritten in place on a terminal, a line a while elsewhere."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self.last = self.started
        self.shown = False

    def update(self, report) -> None:
        now = time.monotonic()
        if now - self.started < PROGRESS_AFTER or now - self.last < (0.5 if self.tty else 10.0):
            return
        self.last, self.shown = now, True
        line = (f"check-log: {report.frames} frames, {report.frames / (now - self.started):.0f} frames/s, "
                f"{len(report.charge_points)} charge point(s), {report.violation_count} violation(s) so far")
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.shown:
            self.stream.write("\n")
            self.stream.flush()
