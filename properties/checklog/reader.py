"""Reading logs as a stream: one :class:`~.formats.Record` at a time, whatever the size of the file.

A line its format cannot read is a :class:`LineError` (file, line number and
why); the reader goes on with the next line. Only a finding is read whole: it
is one JSON document, and small.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, NamedTuple

from . import formats
from .formats import FormatError, Record


class LineError(NamedTuple):
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class LogError(ValueError):
    """A log that cannot be read at all (missing, unknown format): one line for stderr, exit 2."""


def read(path: str | Path, fmt: str | None = None) -> Iterator[Record | LineError]:
    """The records of one log file, in order; ``fmt`` forces a format (else it is detected)."""
    path = Path(path)
    source = str(path)
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except OSError as error:
        raise LogError(f"{source}: cannot read ({error.strerror or error})") from None
    with handle:
        first = _first_line(handle)
        fmt = fmt or formats.detect(first or "")
        if first is None:
            return
        if fmt is None:
            raise LogError(f"{source}: cannot tell its format from its first line; give --format "
                           f"({'/'.join(formats.FORMATS)}; docs/log-formats.md)")
        handle.seek(0)
        if fmt == "finding":
            yield from _finding(handle, source)
            return
        parse = formats.PARSERS[fmt]
        for number, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                record = parse(text, source, number)
            except FormatError as error:
                yield LineError(source, number, f"not a {fmt} line: {error}")
                continue
            if record is not None:
                yield record


def _first_line(handle) -> str | None:
    for text in handle:
        if text.strip():
            return text
    return None


def _finding(handle, source: str) -> Iterator[Record | LineError]:
    try:
        document = json.load(handle)
    except ValueError as error:
        raise LogError(f"{source}: not a JSON finding ({error})") from None
    if not isinstance(document, dict) or document.get("format") != formats.FINDING_FORMAT:
        raise LogError(f"{source}: a JSON document, but not an ocpp-verify finding "
                       f"(format {formats.FINDING_FORMAT!r})")
    try:
        yield from formats.finding_records(document, source)
    except FormatError as error:
        raise LogError(f"{source}: {error}") from None
