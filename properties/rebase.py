"""Absolute times in a trace, moved to the clock of the run that replays it.

A step may carry an OCPP dateTime (a ReserveNow's expiryDate, a profile's
startSchedule, validFrom and validTo, an UpdateFirmware's retrieveDate, a
GetDiagnostics window). The machine draws them relative to the model's clock,
so on a charge point that runs on the wall clock a finding replayed later would
send times long gone. A finding records when its example started
(``clockStart``); a replay moves every such time by as much as its own example
started later. On the bundled charge point both start at the same virtual
epoch and nothing moves.
"""

from __future__ import annotations

from vocabulary.dates import iso, seconds

TIME_KEYS = frozenset({"expiryDate", "retrieveDate", "startTime", "stopTime", "startSchedule",
                       "validFrom", "validTo"})
"""The dateTime fields of the Central System's requests (OCPP 1.6 §6, §7.7, §7.8)."""


def rebased(value, shift: float):
    """``value`` (a step, or any part of one) with each time of :data:`TIME_KEYS` ``shift`` seconds later."""
    if isinstance(value, dict):
        return {key: _moved(item, shift) if key in TIME_KEYS else rebased(item, shift)
                for key, item in value.items()}
    if isinstance(value, list):
        return [rebased(item, shift) for item in value]
    return value


def _moved(text, shift: float):
    moment = seconds(text)
    if moment is None or not shift:
        return text
    return iso(moment + shift, milliseconds="." in text)
