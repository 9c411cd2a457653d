"""Meter values (OCPP 1.6 §3.16, §4.7, §9.1.15-§9.1.28): which measurands, and how often.

Pure functions over the payloads the Charge Point sent; the judge in
:mod:`model.core` calls them and keeps the times.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable

from vocabulary import dates

from .configuration import PHASES

DEFAULT_MEASURAND = "Energy.Active.Import.Register"
"""§7.31 SampledValue.measurand: absent means this."""

KEY_FOR_CONTEXT = {"Sample.Periodic": "MeterValuesSampledData", "Sample.Clock": "MeterValuesAlignedData"}
STOP_KEY_FOR_CONTEXT = {"Sample.Periodic": "StopTxnSampledData", "Sample.Clock": "StopTxnAlignedData"}

_seconds = functools.lru_cache(maxsize=4096)(dates.seconds)
_moment = functools.lru_cache(maxsize=4096)(dates.moment)


FRAMES_KEPT = 64
"""Meter value lists whose content checks are kept (:func:`per_frame`): the frames being judged now."""
_FRAMES: dict[int, tuple[list, dict]] = {}


def per_frame(values, name: str, compute, *key):
    """``compute(values, *key)``, kept per meter value list (a frame's ``meterValue``, the same object in every state
    check-log and fuzz's worlds judge the frame in) and ``key`` (what else it reads: configuration values, times), so
    the checks of what a frame says run once per frame, not once per state. A frame's payload is never changed once
    judged (the model reads it only); the list is held while kept, so its ``id`` names it."""
    if type(values) is not list:
        return compute(values, *key)
    entry = _FRAMES.get(id(values))
    if entry is None or entry[0] is not values:
        if len(_FRAMES) >= FRAMES_KEPT:
            _FRAMES.clear()
        entry = _FRAMES[id(values)] = (values, {})
    memo, index = entry[1], (name, *key)
    try:
        return memo[index]
    except KeyError:
        found = memo[index] = compute(values, *key)
        return found


def seconds(text) -> float | None:
    """:func:`vocabulary.dates.seconds`, kept per text: a message's timestamps are read again in every state
    it is judged in."""
    return _seconds(text) if isinstance(text, str) else None


def moment(text):
    """:func:`vocabulary.dates.moment`, kept per text."""
    return _moment(text) if isinstance(text, str) else None


def base_measurand(item: str) -> str:
    """``Voltage.L1`` in a configuration list names the measurand ``Voltage`` on phase L1 (errata)."""
    head, _, tail = item.strip().rpartition(".")
    return head if head and tail in PHASES else item.strip()


def sampled_values(meter_values: Iterable[dict]) -> Iterable[dict]:
    for meter_value in meter_values or ():
        yield from meter_value.get("sampledValue") or ()


def unexpected_measurands(meter_values: Iterable[dict], allowed_by_context: dict) -> list[str]:
    """Measurands reported in a context whose configuration key (known) does not list them."""
    found = []
    for value in sampled_values(meter_values):
        context = value.get("context", "Sample.Periodic")
        allowed = allowed_by_context.get(context)
        measurand = value.get("measurand", DEFAULT_MEASURAND)
        if allowed is not None and measurand.casefold() not in allowed:
            found.append(f"{measurand} ({context})")
    return found


def not_configured(values, config, value_of, aligned_since: float | None, sampling_since: float | None,
                   tolerance: float) -> list[str]:
    """:func:`unexpected_measurands` among the readings of a MeterValues.req taken since their key last changed
    (:func:`sampled_since`), against the measurand keys of ``config`` (``value_of(config, key)``): what it reads of the
    state is its arguments, so it runs once per frame and configuration (:func:`per_frame`)."""
    return list(per_frame(values, "not_configured", _not_configured, config, value_of, aligned_since, sampling_since,
                          tolerance))


def _not_configured(values, config, value_of, aligned_since, sampling_since, tolerance) -> tuple[str, ...]:
    allowed = allowed_sets(lambda key: value_of(config, key), KEY_FOR_CONTEXT)
    return tuple(unexpected_measurands(sampled_since(values, aligned_since, sampling_since, tolerance), allowed))


def unsent_measurands(values, config, value_of, aligned_since: float | None, sampling_since: float | None,
                       tolerance: float) -> list[str]:
    """§3.16.1, §3.16.2: MeterValuesSampledData and MeterValuesAlignedData each "prescribes the set of measurands to be
    included in a MeterValues.req PDU" (and §3.16.4: a list with a measurand the Charge Point does not support is
    Rejected): the measurands a known key lists that a MeterValues.req lacks among its readings of that context taken
    since the key last changed (:func:`sampled_since`); a context it has no such reading of is not judged here."""
    return list(per_frame(values, "unsent_measurands", _unsent_measurands, config, value_of, aligned_since,
                          sampling_since, tolerance))


def _unsent_measurands(values, config, value_of, aligned_since, sampling_since, tolerance) -> tuple[str, ...]:
    wanted = allowed_sets(lambda key: value_of(config, key), KEY_FOR_CONTEXT)
    seen: dict[str, set[str]] = {}
    for value in sampled_values(sampled_since(values, aligned_since, sampling_since, tolerance)):
        measurand = value.get("measurand", DEFAULT_MEASURAND).casefold()
        seen.setdefault(value.get("context", "Sample.Periodic"), set()).add(measurand)
    return tuple(f"{measurand} ({context})" for context, got in sorted(seen.items()) if context in wanted
                 for measurand in sorted(wanted[context] - got))


def sampled_since(values, aligned_since: float | None, sampling_since: float | None, tolerance: float) -> list[dict]:
    """The readings taken since their measurand key last changed (Sample.Clock: ``aligned_since``, Sample.Periodic:
    ``sampling_since``): one stamped before was taken under the value before, and may come after the change, queued
    behind a retry (§3.7)."""
    since = {"Sample.Clock": aligned_since, "Sample.Periodic": sampling_since}

    def current(value: dict, stamp: float | None) -> bool:
        changed = since.get(value.get("context", "Sample.Periodic"))
        return stamp is None or changed is None or stamp >= changed + tolerance
    return [{**mv, "sampledValue": [v for v in mv.get("sampledValue") or ()
                                    if current(v, seconds(mv.get("timestamp")))]} for mv in values or ()]


def missing_measurands(meter_values: Iterable[dict], configured: Iterable[str], context: str) -> list[str]:
    """The items of a measurand list key (``configured``) without a sampled value of ``context`` among ``meter_values``."""
    found = {str(v.get("measurand", DEFAULT_MEASURAND)).casefold() for v in sampled_values(meter_values)
             if v.get("context") == context}
    return [item for item in configured if base_measurand(item).casefold() not in found]


DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
"""§7.43 SampledValue.value: 'Value as a "Raw" (decimal) number or "SignedData"'."""


def not_decimal(meter_values: Iterable[dict]) -> list[str]:
    """The values in format Raw (§7.49, the default) that are no decimal number."""
    return list(per_frame(meter_values, "not_decimal", _not_decimal))


def _not_decimal(meter_values: Iterable[dict]) -> tuple[str, ...]:
    return tuple([repr(v.get("value")) for v in sampled_values(meter_values)
            if v.get("format", "Raw") == "Raw"
            and not (isinstance(v.get("value"), str) and DECIMAL.fullmatch(v["value"].strip()))])


def allowed_sets(value_of, keys: dict) -> dict:
    """context → the casefolded measurands its configuration key lists, for keys whose value is known."""
    sets = {}
    for context, key in keys.items():
        listed = value_of(key)
        if listed is not None:
            sets[context] = {base_measurand(item).casefold() for item in listed}
    return sets


def has_context(meter_values: Iterable[dict], context: str) -> bool:
    """Some reading is of this ReadingContext (given: absent is Sample.Periodic, §7.31, and not asked for here)."""
    return per_frame(meter_values, "has_context", _has_context, context)


def _has_context(meter_values: Iterable[dict], context: str) -> bool:
    return any(v.get("context") == context for v in sampled_values(meter_values))


def periodic(meter_values: Iterable[dict]) -> bool:
    return per_frame(meter_values, "periodic", _periodic)


def _periodic(meter_values: Iterable[dict]) -> bool:
    return any(v.get("context", "Sample.Periodic") == "Sample.Periodic" for v in sampled_values(meter_values))


def periodic_timestamp(meter_values: Iterable[dict]) -> float | None:
    """Seconds since the epoch of the first meter value with a periodic (Sample.Periodic) reading."""
    return per_frame(meter_values, "periodic_timestamp", _periodic_timestamp)


def _periodic_timestamp(meter_values: Iterable[dict]) -> float | None:
    for mv in meter_values or ():
        if any(v.get("context", "Sample.Periodic") == "Sample.Periodic" for v in mv.get("sampledValue") or ()):
            return seconds(mv.get("timestamp"))
    return None


def clock_timestamps(meter_values: Iterable[dict]) -> list[str]:
    """Timestamps of the meter values that carry clock-aligned (Sample.Clock) readings."""
    return list(per_frame(meter_values, "clock_timestamps", _clock_timestamps))


def _clock_timestamps(meter_values: Iterable[dict]) -> tuple[str, ...]:
    return tuple([mv.get("timestamp") for mv in meter_values or ()
                  if any(v.get("context") == "Sample.Clock" for v in mv.get("sampledValue") or ())])


DAY = 86400.0


def boundaries(start: float, end: float, interval: int, most: int = 1000) -> list[float]:
    """The clock-aligned instants in (start, end], epoch seconds (§3.16.2: evenly spaced from 00:00:00
    each day; the last interval of a day ends at midnight)."""
    found: list[float] = []
    t = start
    while len(found) < most:
        midnight = (t // DAY) * DAY
        t = min(midnight + ((t - midnight) // interval + 1) * interval, midnight + DAY)
        if t > end:
            break
        found.append(t)
    return found


def aligned(timestamp: str, intervals: Iterable[int], slack: float) -> bool:
    """§3.16.2: clock-aligned intervals start at 00:00:00 and are ``interval`` seconds long."""
    stamp = moment(timestamp)
    if stamp is None:
        return False
    since_midnight = stamp.hour * 3600 + stamp.minute * 60 + stamp.second + stamp.microsecond / 1e6
    for interval in intervals:
        offset = since_midnight % interval
        if min(offset, interval - offset) <= slack:
            return True
    return False
