"""Charging profiles and the Composite Charging Schedule (OCPP 1.6 §3.13, §5.7, §7.8–§7.14), pure.

A :class:`ChargingProfile` is the frozen form of a ChargingProfile (§7.8).
:func:`composite` computes the Composite Schedule of one connector over
[X, X + duration) as a list of ``(startPeriod, limit)`` pieces, ``limit``
None where no profile limits charging (the Charge Point then reports a local
limit of its own, OCTT TC_067_CS step 12). :func:`matches` compares that
with what a Charge Point reported.

The rules the computation follows (each accepted reading where the spec is
open is a variant, see :data:`VARIANTS`):

* Within a purpose the prevailing profile at time t is the one with the
  highest stackLevel among those valid at t (validFrom <= t < validTo) whose
  schedule has a limit at t; a schedule that ended falls back to a lower
  stackLevel (§3.13.2, errata 3.43, OCTT TC_072_CS).
* A TxProfile of the connector's transaction that is valid at t overrules the
  TxDefaultProfiles at t, also after its own schedule ended (§3.13.1 "for the
  duration of the current transaction", OCTT TC_066_CS: after the TxProfile's
  260 s only the ChargePointMaxProfile limits).
* The ChargePointMaxProfile caps everything: the composite is the minimum of
  the two purposes (§3.13.3). ConnectorId 0 reports the ChargePointMaxProfile
  alone (the grid connection, §5.7).
* TxDefaultProfiles of the connector and of connector 0 (§3.13.1 "replaced only
  for that specific connector"): variant ``"stack"`` stacks both, the
  connector's own winning a tie of stackLevel; variant ``"replace"`` ignores
  connector 0's as soon as the connector has one of its own.
* Kinds (§7.9): Absolute from startSchedule (without one, like Relative);
  Relative from the start of the transaction, or from X when there is none —
  the start point is "determined by the charge point", so X is also accepted
  during a transaction; Recurring Daily/Weekly restarts every 24 h / 7 days at
  startSchedule (errata 3.78; without one, from the Relative start point),
  periods beyond the recurrence are not executed, and nothing applies before
  the first start.
* Units (§7.12): W = A x 230 V x numberPhases (3 when absent); the model
  assumes the 230 V line voltage of the charge point's area.
* Comparison: both schedules are compared as step functions over [0, duration)
  (adjacent equal periods may be merged or not), limits within
  :data:`LIMIT_TOLERANCE` (one decimal digit, §7.14). Where the profiles set
  no limit a Charge Point reports a local limit λ of its own (§5.7 "possible
  local limits", OCTT TC_067_CS step 12). Elsewhere it reports the profiles'
  limit, or λ when that is lower, provided the model has seen λ, in this
  answer or an earlier one (a lower value seen first is a bug, not a local
  limit). λ is taken as a constant of the connector in each unit: once
  learned, it must stay the same.
"""

from __future__ import annotations

import math
from typing import Iterable

import attrs

from vocabulary.dates import seconds

LINE_VOLTAGE = 230.0
DEFAULT_PHASES = 3
RECURRENCE = {"Daily": 86400, "Weekly": 7 * 86400}
LIMIT_TOLERANCE = 0.051
PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")
KINDS = ("Absolute", "Recurring", "Relative")
UNITS = ("A", "W")
VARIANTS = ("stack", "replace")


@attrs.frozen
class Period:
    start: int
    limit: float
    phases: int | None = None


@attrs.frozen
class Schedule:
    unit: str
    periods: tuple[Period, ...]
    duration: int | None = None
    start: float | None = None


@attrs.frozen
class ChargingProfile:
    """An installed ChargingProfile (§7.8) and what it is attached to.

    ``connector`` is None for a TxProfile of a RemoteStartTransaction without
    connectorId. ``pending`` (that idTag) while it waits for its transaction
    (§5.16.2); ``ended`` once its transaction ended (it ceased to be valid,
    §7.10, but the Charge Point SHOULD, not SHALL, delete it, §3.13.1);
    ``uncertain`` when the model cannot know whether the Charge Point holds it.
    """

    id: int
    connector: int | None
    stack_level: int
    purpose: str
    kind: str
    schedule: Schedule
    recurrency: str | None = None
    valid_from: float | None = None
    valid_to: float | None = None
    transaction_id: int | None = None
    pending: str | None = None
    ended: bool = False
    uncertain: bool = False

    @property
    def live(self) -> bool:
        return self.pending is None and not self.ended


def parse_profile(connector: int | None, data) -> ChargingProfile | None:
    """The ChargingProfile of a SetChargingProfile.req / RemoteStartTransaction.req, or None if malformed."""
    try:
        schedule = data["chargingSchedule"]
        periods = tuple(Period(int(p["startPeriod"]), float(p["limit"]), p.get("numberPhases"))
                        for p in schedule["chargingSchedulePeriod"])
        profile = ChargingProfile(
            id=int(data["chargingProfileId"]), connector=connector, stack_level=int(data["stackLevel"]),
            purpose=data["chargingProfilePurpose"], kind=data["chargingProfileKind"],
            schedule=Schedule(schedule["chargingRateUnit"], periods, schedule.get("duration"),
                              seconds(schedule.get("startSchedule"))),
            recurrency=data.get("recurrencyKind"), valid_from=seconds(data.get("validFrom")),
            valid_to=seconds(data.get("validTo")), transaction_id=data.get("transactionId"))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return profile if well_formed(profile) else None


def well_formed(p: ChargingProfile) -> bool:
    """§7.8–§7.14 with errata 3.45/3.56/3.69: enumerations, first startPeriod 0, increasing periods."""
    starts = [period.start for period in p.schedule.periods]
    return (p.purpose in PURPOSES and p.kind in KINDS and p.schedule.unit in UNITS and p.stack_level >= 0
            and bool(starts) and starts[0] == 0 and starts == sorted(set(starts))
            and (p.kind != "Recurring" or p.recurrency in RECURRENCE))


# -- one profile -------------------------------------------------------------------


def origin(p: ChargingProfile, relative_start: float) -> float:
    if p.kind in ("Absolute", "Recurring") and p.schedule.start is not None:
        return p.schedule.start
    return relative_start


def valid(p: ChargingProfile, t: float) -> bool:
    return (p.valid_from is None or p.valid_from <= t) and (p.valid_to is None or t < p.valid_to)


def offset_in_schedule(p: ChargingProfile, t: float, relative_start: float) -> float | None:
    """Seconds since the start of the schedule's current run at ``t``; None outside it."""
    start = origin(p, relative_start)
    if t < start:
        return None
    offset = t - start
    length = p.schedule.duration
    if p.kind == "Recurring":
        period = RECURRENCE[p.recurrency]
        offset = math.fmod(offset, period)
        length = period if length is None else min(length, period)
    if length is not None and offset >= length:
        return None
    return offset


def limit_at(p: ChargingProfile, t: float, unit: str, relative_start: float) -> float | None:
    """The profile's limit at ``t`` in ``unit``; None when it sets none then."""
    if not valid(p, t):
        return None
    offset = offset_in_schedule(p, t, relative_start)
    if offset is None:
        return None
    current = [period for period in p.schedule.periods if period.start <= offset]
    return convert(current[-1], p.schedule.unit, unit) if current else None


def convert(period: Period, unit: str, wanted: str) -> float:
    if unit == wanted:
        return period.limit
    factor = LINE_VOLTAGE * (period.phases or DEFAULT_PHASES)
    return period.limit * factor if wanted == "W" else period.limit / factor


def boundaries(p: ChargingProfile, begin: float, end: float, relative_start: float) -> set[float]:
    """Every instant in (begin, end) at which the profile's limit may change."""
    start = origin(p, relative_start)
    offsets = [period.start for period in p.schedule.periods]
    if p.schedule.duration is not None:
        offsets.append(p.schedule.duration)
    runs = [start]
    if p.kind == "Recurring":
        period = RECURRENCE[p.recurrency]
        offsets = [o for o in offsets if o < period] + [period]
        first = max(0, math.floor((begin - start) / period))
        runs = [start + k * period for k in range(first, first + int((end - begin) // period) + 2)]
    found = {run + o for run in runs for o in offsets} | {p.valid_from, p.valid_to}
    return {t for t in found if t is not None and begin < t < end}


# -- precedence --------------------------------------------------------------------


def prevailing(profiles: Iterable[ChargingProfile], t: float, unit: str, relative_start: float) -> float | None:
    """§3.13.2: the highest stackLevel with a limit at ``t`` (the connector's own first on a tie)."""
    ranked = sorted(profiles, key=lambda p: (-p.stack_level, p.connector == 0))
    for p in ranked:
        limit = limit_at(p, t, unit, relative_start)
        if limit is not None:
            return limit
    return None


@attrs.frozen
class Context:
    """What the Composite Schedule of ``connector`` depends on besides the profiles."""

    connector: int
    start: float
    duration: int
    unit: str
    transaction_start: float | None = None
    """When the connector's transaction started (None: no transaction)."""


def purposes(profiles: Iterable[ChargingProfile], ctx: Context, variant: str):
    """(ChargePointMaxProfiles, TxProfiles, TxDefaultProfiles) that count for ``ctx.connector``."""
    live = [p for p in profiles if p.live]
    maximum = [p for p in live if p.purpose == "ChargePointMaxProfile"]
    if ctx.connector == 0:
        return maximum, [], []
    tx = [p for p in live if p.purpose == "TxProfile" and p.connector == ctx.connector] \
        if ctx.transaction_start is not None else []
    defaults = [p for p in live if p.purpose == "TxDefaultProfile" and p.connector in (0, ctx.connector)]
    if variant == "replace" and any(p.connector == ctx.connector for p in defaults):
        defaults = [p for p in defaults if p.connector == ctx.connector]
    return maximum, tx, defaults


def composite_limit(t: float, maximum, tx, defaults, ctx: Context, relative_start: float) -> float | None:
    cap = prevailing(maximum, t, ctx.unit, relative_start)
    in_force = [p for p in tx if valid(p, t)]
    own = prevailing(in_force if in_force else defaults, t, ctx.unit, relative_start)
    limits = [limit for limit in (cap, own) if limit is not None]
    return min(limits) if limits else None


ROUNDINGS = (round, math.floor, math.ceil)
"""A period that starts between two whole seconds of X (the request arrived mid-second) may be reported
at either: startPeriod is an integer (§7.13) and the spec sets no rounding rule."""


def composite(profiles: Iterable[ChargingProfile], ctx: Context, variant: str = "stack",
              relative_start: float | None = None, rounding=round) -> list[tuple[int, float | None]]:
    """The Composite Schedule as ``(startPeriod, limit)`` pieces from X = ``ctx.start`` (§5.7)."""
    if relative_start is None:
        relative_start = ctx.transaction_start if ctx.transaction_start is not None else ctx.start
    maximum, tx, defaults = purposes(profiles, ctx, variant)
    begin, end = ctx.start, ctx.start + ctx.duration
    cuts = {begin}
    for p in maximum + tx + defaults:
        cuts |= boundaries(p, begin, end, relative_start)
    pieces: list[tuple[int, float | None]] = []
    for t in sorted(cuts):
        limit = composite_limit(t, maximum, tx, defaults, ctx, relative_start)
        offset = rounding(t - begin) if t > begin else 0
        if pieces and pieces[-1][0] == offset:  # two cuts within one second: the later one holds
            pieces.pop()
        if not pieces or pieces[-1][1] != limit:
            pieces.append((offset, limit))
    return pieces


def expected_schedules(profiles, ctx: Context) -> list[list[tuple[int, float | None]]]:
    """The composites of every accepted reading (:data:`VARIANTS`, Relative start points)."""
    starts = {ctx.transaction_start if ctx.transaction_start is not None else ctx.start, ctx.start}
    found: list[list[tuple[int, float | None]]] = []
    for variant in VARIANTS:
        for relative_start in sorted(starts):
            for rounding in ROUNDINGS:
                schedule = composite(profiles, ctx, variant, relative_start, rounding)
                if schedule not in found:
                    found.append(schedule)
    return found


# -- comparison --------------------------------------------------------------------


def value_at(pieces, offset: float):
    current = [limit for start, limit in pieces if start <= offset]
    return current[-1] if current else None


def close(a: float, b: float) -> bool:
    return abs(a - b) <= LIMIT_TOLERANCE


def matches(reported: list[tuple[int, float]], expected: list[tuple[int, float | None]], duration: int,
            local: float | None = None) -> bool:
    """Whether ``reported`` is ``expected``: where no profile limits, the local limit λ (``local`` when
    learned before); where the profiles' limit is higher than λ, that or λ."""
    cuts = sorted({s for s, _ in reported} | {s for s, _ in expected} | {0})
    pairs = [(value_at(reported, c), value_at(expected, c)) for c in cuts if 0 <= c < duration]
    unlimited = [r for r, m in pairs if m is None] + ([local] if local is not None else [])
    if any(r is None for r, _ in pairs) or (unlimited and max(unlimited) - min(unlimited) > LIMIT_TOLERANCE):
        return False
    local = unlimited[0] if unlimited else None
    return all(close(r, m) or (local is not None and close(r, local) and r < m)
               for r, m in pairs if m is not None)


def local_limit(reported, expected, duration: int) -> float | None:
    """The Charge Point's own limit λ, as reported where the profiles set none."""
    return next((value_at(reported, s) for s, m in expected if m is None and s < duration), None)


def reported_pieces(schedule) -> list[tuple[int, float]] | None:
    """The periods of a reported ChargingSchedule as pieces; None if they are not a schedule (§7.13)."""
    try:
        pieces = [(int(p["startPeriod"]), float(p["limit"])) for p in schedule["chargingSchedulePeriod"]]
    except (KeyError, TypeError, ValueError):
        return None
    starts = [s for s, _ in pieces]
    if not pieces or starts[0] != 0 or starts != sorted(set(starts)):
        return None
    return pieces
