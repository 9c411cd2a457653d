"""Connectors, transactions and queued messages of the bundled charge point."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs


@attrs.define(eq=False)
class Transaction:
    """A transaction (§3.6) from its start until its StopTransaction is delivered.

    ``number`` is the charge point's own counter; ``transaction_id`` is the
    Central System's, known once StartTransaction.conf arrives (§4.8).
    """

    number: int
    connector_id: int
    id_tag: str
    meter_start: int
    start_time: float
    transaction_id: int | None = None
    parent_id_tag: str | None = None
    deauthorized: bool = False
    """Not Accepted in StartTransaction.conf while StopTransactionOnInvalidId is false (§3.5.4)."""
    stopped: bool = False
    data: list[dict] = attrs.Factory(list)
    """MeterValue elements for StopTransaction.req transactionData (§3.16)."""

    def to_json(self) -> dict:
        """What ``attrs.asdict(self)`` gives (the fields, containers copied all the way down), faster: it is
        taken at every sample of a transaction, with its data growing."""
        return {name: _plain(getattr(self, name)) for name in _TRANSACTION_FIELDS}

    @classmethod
    def from_json(cls, data: dict) -> "Transaction":
        return cls(**data)


_TRANSACTION_FIELDS = tuple(field.name for field in attrs.fields(Transaction))


def _plain(value):
    """A copy of JSON-like ``value`` as ``attrs.asdict`` makes it: dicts copied, lists, tuples and sets as lists."""
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    return value


@attrs.define(eq=False)
class Connector:
    """Connector ``id`` (0 is the charge point itself, §3.8).

    The physical fields (plugged, ev_suspended, fault, unlock_failing) and
    the session fields (finishing, held_for) describe the world around the
    charge point, so they survive a reboot; the rest is volatile.
    """

    id: int
    plugged: bool = False
    ev_suspended: bool = False
    fault: str | None = None
    unlock_failing: bool = False
    finishing: bool = False
    """A transaction ended here and a user action is still due (§4.9 Finishing)."""
    held_for: str | None = None
    """The cable stays locked until this idTag is presented (§4.10, UnlockConnectorOnEVSideDisconnect)."""
    pending_tag: str | None = None
    pending_parent: str | None = None
    transaction: Transaction | None = None
    status: str | None = None
    reported: str | None = None
    info: str | None = None
    energy: float = 0.0
    power: float = 0.0
    since: float = 0.0
    preparing_timer: Any = None
    sample_timer: Any = None

    def forget_volatile(self) -> None:
        self.pending_tag = self.pending_parent = None
        self.transaction = None
        self.status = self.reported = None
        self.preparing_timer = self.sample_timer = None
        self.power = 0.0


@attrs.define(eq=False)
class Outgoing:
    """A CALL waiting to be sent. ``transaction`` is set for transaction-related messages (§3.7)."""

    action: str
    payload: dict
    transaction: int | None = None
    attempts: int = 0
    future: asyncio.Future | None = None

    def to_json(self) -> dict:
        return {"action": self.action, "payload": self.payload,
                "transaction": self.transaction, "attempts": self.attempts}

    @classmethod
    def from_json(cls, data: dict) -> "Outgoing":
        return cls(data["action"], data["payload"], data["transaction"], data["attempts"])


@attrs.frozen
class Reply:
    """The outcome of one CALL we sent: "result", "error", "timeout" or "offline"."""

    kind: str
    payload: dict | None = None
    error_code: str | None = None


OFFLINE = Reply("offline")
TIMEOUT = Reply("timeout")
