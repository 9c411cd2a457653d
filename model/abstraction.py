"""The canonical abstraction of a model state, for state-space exploration.

Two states of the model are the same abstract state when they differ only in
what no rule can tell apart:

* **time**: every time is kept relative to the state's ``time`` (now), so a
  state reached at 00:05 equals the same state reached at 00:10;
* **transactionIds**: the Central System numbers transactions in order; they
  are renumbered 1, 2, ... by rank, keeping their order;
* optionally, **symmetry**: connectors 1..n may be permuted, and idTags of a
  given set (the explorer's interchangeable cards) may be permuted. The key is
  the least encoding over all permutations. Symmetry is sound only when the
  stimuli explored are closed under the same permutations (the explorer checks).

:data:`FIELDS` classifies every field of every state class (a class or field
missing from it is an error, so a field added to the state is never silently
merged away); :data:`UNREAD` says why fields are left out.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from typing import Any, Callable, Iterable

import attrs

from .composite import ChargingProfile, Period, Schedule
from .configuration import ConfigurationModel
from .firmware import FirmwareState, Transfer
from .localauth import LocalList
from .reservation import Reservation, Reservations
from .smartcharging import SmartChargingState
from .state import ChargePointState, Connector, Options, Owed, Tx

PLAIN, TIME, CONNECTOR, ID_TAG, TRANSACTION, IGNORED = "plain", "time", "connector", "idTag", "transaction", "ignored"


def seq(shape) -> tuple:
    """A tuple of items whose order matters."""
    return ("seq", shape)


def bag(shape) -> tuple:
    """A frozenset, or a tuple whose order no rule reads (one entry per key): sorted after mapping."""
    return ("bag", shape)


def row(*shapes) -> tuple:
    """A fixed-length tuple, one shape per position."""
    return ("row", *shapes)


ENTRY = row(ID_TAG, PLAIN, ID_TAG)
"""(idTag, status, parentIdTag) of the Central System's answers."""
CACHE_ENTRY = row(ID_TAG, PLAIN, ID_TAG, TIME)
"""(idTag, status, parentIdTag, expiryDate) of the authorization cache."""

FIELDS: dict[type, dict[str, Any]] = {
    ChargePointState: dict(
        time=IGNORED, options=PLAIN, connectors="connectors", config=PLAIN, registration=PLAIN,
        accepted_after_rejected=PLAIN,
        accepted_on_connection=PLAIN, boot_at=IGNORED, boot_not_before=TIME, online=PLAIN, powered=PLAIN, rebooting=PLAIN, last_call_at=TIME, held=PLAIN, cache=bag(CACHE_ENTRY), policy=bag(ENTRY),
        boot_response=PLAIN, owed=seq(PLAIN), stopped=bag(TRANSACTION), retrying=bag(TRANSACTION),
        failures=bag(row(TRANSACTION, PLAIN, TIME)), retry_before=bag(row(TRANSACTION, PLAIN, PLAIN)), exhausted=bag(TRANSACTION), remote_starts=bag(row(ID_TAG, TIME)),
        remote_timeout_before=PLAIN,
        charging_id_tags=bag(ID_TAG), status_duration_before=row(PLAIN, TIME), stop_sampled_since=TIME,
        aligned_intervals=PLAIN, aligned_since=TIME, aligned_before=row(PLAIN, TIME), sampling_since=TIME, leftover_queue=PLAIN, local_list=PLAIN, firmware=PLAIN, smart_charging=PLAIN,
        reservations=PLAIN),
    Connector: dict(
        id=CONNECTOR, reported=PLAIN, plugged=PLAIN, ev_suspended=PLAIN, faulted=PLAIN, unlock_failing=PLAIN,
        inoperative=PLAIN, scheduled=PLAIN, presented=ID_TAG, authorized=ID_TAG, authorized_at=TIME,
        plugged_at=TIME, tx=PLAIN, offline_tags=bag(ID_TAG), offline_denied=bag(ID_TAG), offline_causes=PLAIN,
        offline_last=row(ID_TAG, TIME), alternatives=bag(ID_TAG), uncertain=PLAIN, finishing=PLAIN,
        after_boot=PLAIN, replugged=PLAIN, resync=PLAIN, fitting=PLAIN, changed_at=TIME, stop_failed=PLAIN,
        second_start=PLAIN, timeout_before=row(PLAIN, TIME)),
    Tx: dict(id_tag=ID_TAG, meter_start=PLAIN, transaction_id=TRANSACTION, parent_id_tag=ID_TAG, invalid=PLAIN,
             sampled_at=TIME, sample_interval=PLAIN, sampled_stamp=TIME, start_failures=PLAIN, cableless=PLAIN,
             stop_measurands=PLAIN, overdue=PLAIN, start_failed_at=TIME, retry_before=PLAIN, energy_kept=PLAIN, stop_keys_before=PLAIN),
    Owed: dict(action=PLAIN, rule=PLAIN, section=PLAIN, detail=IGNORED, due=TIME, connector=CONNECTOR,
               transaction_id=TRANSACTION, reasons=PLAIN, id_tag=ID_TAG, queued_since=TIME),
    LocalList: dict(entries=bag(row(ID_TAG, PLAIN, ID_TAG, TIME)), versions=PLAIN, failing=PLAIN,
                   withheld=bag(CACHE_ENTRY), lost=bag(PLAIN)),
    FirmwareState: dict(update=PLAIN, upload=PLAIN, firmware_failure=PLAIN, upload_failing=PLAIN),
    Transfer: dict(start_at=TIME, retries=PLAIN, retry_interval=PLAIN, last=PLAIN, attempts=PLAIN, unseen=PLAIN,
                   uncertain=PLAIN, idle=PLAIN, retry_from=TIME, repeatable=PLAIN),
    SmartChargingState: dict(profiles=seq(PLAIN), starts=seq(row(CONNECTOR, TIME)),
                             local_limits=seq(row(row(CONNECTOR, PLAIN), PLAIN))),
    ChargingProfile: dict(id=PLAIN, connector=CONNECTOR, stack_level=PLAIN, purpose=PLAIN, kind=PLAIN,
                          schedule=PLAIN, recurrency=PLAIN, valid_from=TIME, valid_to=TIME,
                          transaction_id=TRANSACTION, pending=ID_TAG, ended=PLAIN, uncertain=PLAIN),
    Schedule: dict(unit=PLAIN, periods=PLAIN, duration=PLAIN, start=TIME),
    Reservations: dict(live=seq(PLAIN), issued=PLAIN),
    Reservation: dict(reservation_id=PLAIN, connector_id=CONNECTOR, id_tag=ID_TAG, parent_id_tag=ID_TAG,
                      expiry=TIME, uncertain=PLAIN, made_at=TIME, unseen_on=bag(CONNECTOR), unvalidated=PLAIN,
                      replacing=PLAIN),
}
"""How each field of each state class enters the abstract state."""

UNREAD = frozenset({"boot_at"})
"""Fields left out because no rule reads them (tests/test_explore.py checks). The others left out:
``time`` is what every time is relative to, and an owed message's ``detail`` is words for a violation."""


@functools.cache
def fields_of(cls: type) -> dict[str, Any]:
    """The class's entry of :data:`FIELDS`, which must name each of its fields."""
    table = FIELDS.get(cls)
    if table is None:
        raise TypeError(f"model/abstraction.py does not know {cls.__name__}: add it to FIELDS")
    names = [f.name for f in attrs.fields(cls)]
    if sorted(names) != sorted(table):
        raise TypeError(f"model/abstraction.py: FIELDS[{cls.__name__}] names {sorted(table)}, the class has "
                        f"{sorted(names)}: classify the new field")
    return table


CONSTANT = frozenset({Options, ConfigurationModel, Period})
"""Classes whose fields are all plain values (facts about the Charge Point, configuration values, a
schedule period): every field is encoded as it is, once per value, with no entry in :data:`FIELDS`."""


@functools.lru_cache(maxsize=4096)
def constant(value):
    walk = Walk(Renaming(0.0, {}, {}, lambda t: t))
    return (type(value).__name__, *(walk.plain(getattr(value, f.name)) for f in attrs.fields(type(value))))


@attrs.frozen
class Renaming:
    """One element of the symmetry group, and the state's own frame of reference."""

    now: float
    connectors: dict[int, int]
    id_tags: dict[str, str]
    transactions: Callable[[int], Any]


class Walk:
    """Encodes a state as nested tuples under one :class:`Renaming`."""

    def __init__(self, renaming: Renaming):
        self.renaming = renaming

    def value(self, value, shape=PLAIN):
        if value is None or shape == IGNORED:
            return None
        if isinstance(shape, tuple):
            return self.compound(value, shape)
        if shape == PLAIN:
            return self.plain(value)
        if shape == TIME:
            return round(value - self.renaming.now, 6)
        if shape == CONNECTOR:
            return self.renaming.connectors.get(value, value)
        if shape == ID_TAG:
            return self.renaming.id_tags.get(value, value)
        if shape == TRANSACTION:
            return self.renaming.transactions(value)
        if shape == "connectors":
            return tuple(sorted((self.value(c) for c in value), key=lambda c: c[1]))
        raise ValueError(f"unknown shape {shape!r}")

    def compound(self, value, shape: tuple):
        kind, *inner = shape
        if kind == "seq":
            return tuple(self.value(v, inner[0]) for v in value)
        if kind == "bag":
            return tuple(sorted((self.value(v, inner[0]) for v in value), key=repr))
        if len(value) != len(inner):
            raise ValueError(f"{value!r} does not have the shape {shape!r}")
        return tuple(self.value(v, s) for v, s in zip(value, inner))

    def plain(self, value):
        if attrs.has(type(value)):
            if type(value) in CONSTANT:
                return constant(value)
            fields = fields_of(type(value))
            return (type(value).__name__, *(self.value(getattr(value, name), shape) for name, shape in fields.items()))
        if isinstance(value, frozenset):
            return tuple(sorted((self.plain(v) for v in value), key=repr))
        if isinstance(value, tuple):
            return tuple(self.plain(v) for v in value)
        return value


def encode(worlds: tuple[ChargePointState, ...], renaming: Renaming) -> str:
    return repr(tuple(Walk(renaming).value(state) for state in worlds))


def canonical(worlds: tuple[ChargePointState, ...], connector_symmetry: bool = False,
              symmetric_tags: tuple[str, ...] = ()) -> str:
    """The least encoding of ``worlds`` (the states the Charge Point may be in) over the symmetry group."""
    seen: set = set()

    def note(transaction_id):
        seen.add(transaction_id)
        return transaction_id

    now = worlds[0].time
    plain = encode(worlds, Renaming(now, {}, {}, note))
    rank = {t: i for i, t in enumerate(sorted(seen, key=repr), 1)}
    if not connector_symmetry and not symmetric_tags and all(rank[t] == t for t in rank):
        return plain
    numbers = range(1, worlds[0].options.number_of_connectors + 1)
    connector_orders = itertools.permutations(numbers) if connector_symmetry else [tuple(numbers)]
    tag_orders = list(itertools.permutations(symmetric_tags))
    return min(encode(worlds, Renaming(now, dict(zip(numbers, order)), dict(zip(symmetric_tags, tags)),
                                       rank.__getitem__))
               for order in connector_orders for tags in tag_orders)


def key(worlds: tuple[ChargePointState, ...], connector_symmetry: bool = False,
        symmetric_tags: tuple[str, ...] = ()) -> str:
    """A short digest of :func:`canonical`: equal for states no rule can tell apart."""
    text = canonical(worlds, connector_symmetry, symmetric_tags)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
