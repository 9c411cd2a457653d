"""The log formats ``ocpp-verify check-log`` reads, and the trace format v1.0 it writes.

Each format turns one line (or, for a finding, one document) into
:class:`Record` values: when, which way, the exact OCPP-J text frame, and the
charge point it belongs to. docs/log-formats.md describes every format.

* ``finding``: an ocpp-verify finding (``"format": "ocpp-verify/finding-1"``), its ``frames``;
* ``jsonl``: one object per line, ``{"t": <seconds>, "dir": "cp->cs"|"cs->cp", "raw": "<frame>"}``
  with an optional ``"cp"``; other keys, and lines without ``raw``, are ignored;
* ``trace``: the OCPP trace format v1.x of shiv3/ocpp-cp-simulator and OCPP DebugKit
  (``schemaVersion``, ``timestamp``, ``chargePointId``, ``direction``, ``messageType``, ...);
* ``text``: ``<ISO time> <direction> <raw frame>``, one frame a line; ``#`` starts a comment.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from vocabulary.dates import iso, seconds

try:
    import orjson
except ImportError:  # optional (pyproject.toml, extra 'fast'): json reads every log the same, slower
    orjson = None

FORMATS = ("finding", "jsonl", "trace", "text")
FINDING_FORMAT = "ocpp-verify/finding-1"
TRACE_VERSION = "1.0"
DIRECTIONS = {"cp->cs": "cp->cs", "cs->cp": "cs->cp", "cp-to-csms": "cp->cs", "csms-to-cp": "cs->cp"}
TRACE_DIRECTIONS = {"cp->cs": "cp-to-csms", "cs->cp": "csms-to-cp"}
MESSAGE_TYPES = {"CALL": 2, "CALLRESULT": 3, "CALLERROR": 4}
TRACE_TYPES = {number: name for name, number in MESSAGE_TYPES.items()}


class Record(NamedTuple):
    """One frame of a log, or a connection event (``direction == "event"``, ``raw`` is the event)."""

    source: str
    line: int
    time: float
    direction: str
    raw: str
    cp: str | None = None
    virtual: bool = False
    """Recorded on a virtual clock (the bundled charge point): no latency, so no tolerance is needed."""
    settled_end: bool = False
    """The recording went on until the Charge Point had done all it owed (a finding, a virtual clock): the
    end of the log is the end of a quiet period, not only of the recording."""


class FormatError(ValueError):
    """A line that its format cannot read; the message says why."""


# -- one line of each format -------------------------------------------------------


def parse_jsonl(text: str, source: str, line: int) -> Record | None:
    item = _object(text)
    if "raw" not in item:
        return None
    raw, t, direction = item["raw"], item.get("t"), item.get("dir")
    if not isinstance(raw, str):
        raise FormatError(f"'raw' must be a string (the exact OCPP-J text frame), got {type(raw).__name__}")
    if type(t) not in (int, float):
        raise FormatError(f"'t' must be a number of seconds, got {t!r}")
    if direction not in ("cp->cs", "cs->cp"):
        raise FormatError(f"'dir' must be \"cp->cs\" or \"cs->cp\", got {direction!r}")
    return Record(source, line, float(t), direction, raw, _cp(item.get("cp")))


def parse_trace(text: str, source: str, line: int) -> Record | None:
    item = _object(text)
    version = item.get("schemaVersion")
    if not isinstance(version, str) or not version.startswith("1."):
        raise FormatError(f"schemaVersion {version!r} is not 1.x (trace format v1.0 or v1.1)")
    t = seconds(item.get("timestamp"))
    if t is None:
        raise FormatError(f"timestamp {item.get('timestamp')!r} is not an ISO 8601 time with an offset")
    direction = item.get("direction")
    if direction not in TRACE_DIRECTIONS.values():
        raise FormatError(f"direction must be \"cp-to-csms\" or \"csms-to-cp\", got {direction!r}")
    if item.get("transport", "json") != "json":
        return None  # SOAP: not OCPP-J
    meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
    return Record(source, line, t, DIRECTIONS[direction], _trace_raw(item, meta), _cp(item.get("chargePointId")),
                  meta.get("clock") == "virtual")


def _trace_raw(item: dict, meta: dict) -> str:
    """The frame text: ``raw`` (v1.1), ``meta.raw`` (what ocpp-verify writes in v1.0), or rebuilt."""
    for raw in (item.get("raw"), meta.get("raw")):
        if isinstance(raw, str):
            return raw
    kind = MESSAGE_TYPES.get(item.get("messageType"))
    unique_id = item.get("messageId")
    if kind is None:
        raise FormatError(f"messageType must be CALL, CALLRESULT or CALLERROR, got {item.get('messageType')!r}")
    if kind == 2:
        message = [2, unique_id, item.get("action"), item.get("payload", {})]
    elif kind == 3:
        message = [3, unique_id, item.get("payload", {})]
    else:
        error = item.get("error") if isinstance(item.get("error"), dict) else {}
        message = [4, unique_id, error.get("code", ""), error.get("description", ""), error.get("details", {})]
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def parse_text(text: str, source: str, line: int) -> Record | None:
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    parts = stripped.split(None, 2)
    if len(parts) < 3:
        raise FormatError("expected <ISO time> <direction> <raw frame>")
    t = seconds(parts[0])
    if t is None:
        raise FormatError(f"{parts[0]!r} is not an ISO 8601 time with an offset")
    direction = DIRECTIONS.get(parts[1])
    if direction is None:
        raise FormatError(f"direction must be cp->cs, cs->cp, cp-to-csms or csms-to-cp, got {parts[1]!r}")
    return Record(source, line, t, direction, parts[2])


def finding_records(document: dict, source: str) -> list[Record]:
    """The frames of a finding (events included); ``line`` is the frame's position in ``frames``."""
    frames = document.get("frames")
    if not isinstance(frames, list):
        raise FormatError("a finding has a 'frames' list")
    virtual = (document.get("settings") or {}).get("sut") != "external"
    records = []
    for number, frame in enumerate(frames, 1):
        if not isinstance(frame, dict) or frame.get("direction") not in ("cp->cs", "cs->cp", "event"):
            raise FormatError(f"frame {number} is not a frame object with a direction")
        raw = frame.get("error") if frame["direction"] == "event" else frame.get("raw")
        if frame["direction"] == "event" and raw not in ("connected", "disconnected"):
            continue
        time = frame.get("time")
        if type(time) not in (int, float) or not isinstance(raw, str):
            raise FormatError(f"frame {number} needs a numeric 'time' and a string 'raw'")
        records.append(Record(source, number, float(time), frame["direction"], raw, None, virtual, True))
    return records


PARSERS = {"jsonl": parse_jsonl, "trace": parse_trace, "text": parse_text}


def detect(first_line: str) -> str | None:
    """The format of a log by its first non-blank line; None when it cannot be told."""
    stripped = first_line.strip()
    if stripped.startswith("{"):
        try:
            item = json.loads(stripped)
        except ValueError:
            return "finding"  # a JSON document over several lines
        if not isinstance(item, dict):
            return None
        if item.get("format") == FINDING_FORMAT:
            return "finding"
        return "trace" if "schemaVersion" in item else "jsonl"
    token = stripped.split(None, 1)[0] if stripped else ""
    return "text" if seconds(token) is not None or stripped.startswith("#") else None


_DIGITS = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
"""Every digit to '0', every other byte to a space."""
_LONG_NUMBER = b"0" * 19
"""Digits enough for an integer past 64 bits, which orjson reads as a float (json as an int)."""


def loads(text: str):
    """``json.loads(text)``, by orjson when it reads the text as json does (a log's line and frame are each read
    once: with orjson three times faster). What orjson rejects (NaN, 1e400, a lone surrogate, a malformed text)
    goes to json, which reads it or words the error as always."""
    if orjson is not None:
        try:
            data = text.encode()
        except UnicodeEncodeError:  # a lone surrogate
            return json.loads(text)
        if _LONG_NUMBER not in data.translate(_DIGITS):
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                pass
    return json.loads(text)


def _object(text: str) -> dict:
    try:
        item = loads(text)
    except ValueError as error:
        raise FormatError(f"not a JSON object ({error})") from None
    if not isinstance(item, dict):
        raise FormatError(f"not a JSON object, got {type(item).__name__}")
    return item


def _cp(value) -> str | None:
    return value if isinstance(value, str) and value else None


# -- writing the trace format v1.0 ----------------------------------------------------


def trace_record(frame, charge_point: str | None, meta: dict | None = None) -> dict | None:
    """One frame of the Central System endpoint (adapters/csms.py ``Frame``) as a trace v1.0 record;
    None for a connection event or a frame that is no OCPP-J message (v1.0 cannot hold them).
    The exact frame text goes in ``meta.raw``: v1.0 has no ``raw`` field (v1.1 added it)."""
    kind = TRACE_TYPES.get(frame.message_type)
    if frame.direction not in TRACE_DIRECTIONS:
        return None
    record = {"schemaVersion": TRACE_VERSION, "timestamp": iso(frame.time, milliseconds=True),
              "ocppVersion": "1.6", "transport": "json"}
    if charge_point:
        record["chargePointId"] = charge_point
    payload = frame.payload if isinstance(frame.payload, dict) else None
    connector = (payload or {}).get("connectorId")
    if type(connector) is int and connector >= 0 and kind != "CALLERROR":
        record["connectorId"] = connector
    record["direction"] = TRACE_DIRECTIONS[frame.direction]
    if kind is not None:  # a frame that is no OCPP-J message (a hostile Central System's) has only meta.raw
        record["messageType"] = kind
    if frame.unique_id is not None:
        record["messageId"] = frame.unique_id
    if frame.action is not None:
        record["action"] = frame.action
    if kind == "CALLERROR":
        error = payload or {}
        record["error"] = {"code": error.get("errorCode"), "description": error.get("errorDescription"),
                           "details": error.get("errorDetails")}
    elif payload is not None:
        record["payload"] = payload
    record["meta"] = {"raw": frame.raw, "seq": frame.seq, **(meta or {})}
    return record


class TraceWriter:
    """Writes frames as trace v1.0 JSON Lines, as they come (``fuzz|octt|replay --trace-out FILE``)."""

    def __init__(self, path, clock: str | None = None, append: bool = False):
        self.path = path
        self.file = open(path, "a" if append else "w", encoding="utf-8")
        self.meta = {"clock": clock} if clock else {}
        self.written = 0

    def write(self, frames, charge_point: str | None) -> None:
        for frame in frames:
            record = trace_record(frame, charge_point, self.meta)
            if record is not None:
                self.file.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
                self.written += 1
        self.file.flush()

    def close(self) -> None:
        self.file.close()
