"""The bundled charge point's Composite Charging Schedule (OCPP 1.6 §3.13.2, §3.13.3, §5.7).

Profiles are the ChargingProfile JSON objects of SetChargingProfile.req
(§7.8, camelCase keys), as the charge point stores them. The schedule from
``now`` is cut at every instant where some profile may change its limit; on
each piece the limit is the minimum of the prevailing ChargePointMaxProfile
and the prevailing TxProfile (or, without one in force, TxDefaultProfile),
"prevailing" being the highest stackLevel that has a limit then. Where no
profile limits, the charge point's own maximum (its local limit) is reported;
it does not lower a profile's limit.

Choices: a Relative profile runs from the start of the transaction (from
``now`` without one); TxDefaultProfiles of connector 0 and of the connector
stack together, the connector's own winning a tie; W = A x line voltage x
numberPhases (3 when absent, §7.12); limits are reported with one decimal
(§7.14).
"""

from __future__ import annotations

import math

from vocabulary import dates

DAY = 86400
RECURRENCE = {"Daily": DAY, "Weekly": 7 * DAY}


def _time(text: str | None) -> float | None:
    """None when absent, or when not an OCPP dateTime (an offset is required: vocabulary/dates.py)."""
    return dates.seconds(text)


class Timeline:
    """One profile's schedule laid on the clock; ``own``: set on the connector itself, not on 0."""

    def __init__(self, profile: dict, anchor: float, own: bool = False):
        self.profile, self.own = profile, own
        self.schedule = profile["chargingSchedule"]
        self.periods = self.schedule["chargingSchedulePeriod"]
        start = _time(self.schedule.get("startSchedule"))
        self.start = anchor if start is None or profile["chargingProfileKind"] == "Relative" else start
        self.recurrence = RECURRENCE.get(profile.get("recurrencyKind")) \
            if profile["chargingProfileKind"] == "Recurring" else None
        self.valid_from = _time(profile.get("validFrom"))
        self.valid_to = _time(profile.get("validTo"))

    @property
    def stack_level(self) -> int:
        return self.profile["stackLevel"]

    def in_force(self, t: float) -> bool:
        return (self.valid_from is None or t >= self.valid_from) and (self.valid_to is None or t < self.valid_to)

    def period_at(self, t: float) -> dict | None:
        if not self.in_force(t) or t < self.start:
            return None
        elapsed = t - self.start
        length = self.schedule.get("duration")
        if self.recurrence:
            elapsed %= self.recurrence
            length = self.recurrence if length is None else min(length, self.recurrence)
        if length is not None and elapsed >= length:
            return None
        started = [p for p in self.periods if p["startPeriod"] <= elapsed]
        return started[-1] if started else None

    def changes(self, begin: float, end: float) -> list[float]:
        marks = [p["startPeriod"] for p in self.periods]
        if self.schedule.get("duration") is not None:
            marks.append(self.schedule["duration"])
        runs = [self.start]
        if self.recurrence:
            marks = [m for m in marks if m < self.recurrence] + [self.recurrence]
            first = max(0, math.floor((begin - self.start) / self.recurrence))
            last = math.ceil((end - self.start) / self.recurrence)
            runs = [self.start + k * self.recurrence for k in range(first, last + 1)]
        found = [run + mark for run in runs for mark in marks] + [self.valid_from, self.valid_to]
        return [t for t in found if t is not None and begin < t < end]


def in_unit(period: dict, unit: str, wanted: str, voltage: float) -> float:
    if unit == wanted:
        return float(period["limit"])
    watts_per_amp = voltage * period.get("numberPhases", 3)
    return period["limit"] * watts_per_amp if wanted == "W" else period["limit"] / watts_per_amp


def by_precedence(timelines: list[Timeline]) -> list[Timeline]:
    """§3.13.2: the highest stackLevel first; on a tie the connector's own before connector 0's."""
    return sorted(timelines, key=lambda tl: (tl.stack_level, tl.own), reverse=True)


class Composer:
    """The composite for one connector: the profiles by purpose, the unit and the local limit."""

    def __init__(self, maximum: list[Timeline], tx: list[Timeline], defaults: list[Timeline], unit: str,
                 voltage: float, local_limit: float, rank=None):
        self.maximum, self.tx, self.defaults = maximum, tx, defaults
        self.unit, self.voltage, self.local_limit = unit, voltage, local_limit
        self.rank = rank or by_precedence

    def prevailing(self, timelines: list[Timeline], t: float) -> tuple[Timeline, dict] | None:
        """The first in order of precedence with a period at ``t``."""
        for timeline in self.rank(timelines):
            period = timeline.period_at(t)
            if period is not None:
                return timeline, period
        return None

    def limit(self, t: float) -> float:
        own = [tl for tl in self.tx if tl.in_force(t)] or self.defaults
        limits = []
        for found in (self.prevailing(self.maximum, t), self.prevailing(own, t)):
            if found is not None:
                timeline, period = found
                limits.append(in_unit(period, timeline.schedule["chargingRateUnit"], self.unit, self.voltage))
        return round(min(limits), 1) if limits else self.local_limit

    def periods(self, now: float, duration: int) -> list[dict]:
        cuts = {now}
        for timeline in self.maximum + self.tx + self.defaults:
            cuts.update(timeline.changes(now, now + duration))
        latest: dict[int, float] = {}
        for t in sorted(cuts):  # whole seconds (§7.13): of changes within one second, the last counts
            latest[max(0, int(round(t - now)))] = t
        result: list[dict] = []
        for offset, t in sorted(latest.items()):
            limit = self.limit(t)
            if not result or result[-1]["limit"] != limit:
                result.append({"startPeriod": offset, "limit": limit})
        return result
