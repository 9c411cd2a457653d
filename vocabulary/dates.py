"""OCPP dateTime: reading and writing.

OCPP 1.6 §3.15 (errata 3.10): ISO 8601 notation; a receiver must handle
fractional seconds and time zone offsets. OCPP-J 1.6 gives every dateTime field
the JSON schema format ``date-time``, which is RFC 3339 §5.6: the offset (``Z``
or ``±hh:mm``) is required. OCPP prescribes no time zone (§3.14), so a
timestamp without an offset names no instant: it is not an OCPP dateTime, and
:func:`seconds` reads it as None, whatever the host's time zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}")


def moment(text) -> datetime | None:
    """The instant an OCPP dateTime names, with its own offset; None when ``text`` is not one."""
    if not isinstance(text, str) or not _SHAPE.match(text):
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def seconds(text) -> float | None:
    """An OCPP dateTime as seconds since the epoch; None when ``text`` is not one."""
    if not isinstance(text, str):
        return None
    value = _read.get(text, _UNREAD)
    if value is _UNREAD:
        stamp = moment(text)
        value = None if stamp is None else stamp.timestamp()
        if len(_read) >= _KEPT:
            _read.clear()
        _read[text] = value
    return value


_read: dict = {}
"""Texts read, kept: check-log reads a message's timestamps again in every state it judges the message in."""
_KEPT = 4096
_UNREAD = object()


def iso(t: float, milliseconds: bool = False) -> str:
    """Seconds since the epoch as an OCPP dateTime in UTC (``Z``), to the second or millisecond."""
    stamp = datetime.fromtimestamp(t, tz=timezone.utc)
    text = stamp.isoformat(timespec="milliseconds" if milliseconds else "seconds")
    return text.replace("+00:00", "Z")
