"""The model's state: immutable, hashable attrs values.

The state is what the Central System side can know of a Charge Point: the
physical situation the test created (cables, cards, faults, power, network),
what the Charge Point reported (statuses, transactions), what the Central
System answered (the authorization cache follows its idTagInfo), and what the
Charge Point still owes (:class:`Owed`).
"""

from __future__ import annotations

import attrs

from .configuration import ConfigurationModel
from .localauth import LocalList
from .firmware import FirmwareState
from .smartcharging import SmartChargingState
from .reservation import Reservations
from .records import evolve


@attrs.frozen
class Options:
    """Facts about the Charge Point under test that the spec leaves to it.

    ``tolerance`` is how late (seconds) an owed message may come, and how early
    a timer (ConnectionTimeOut, a reservation's expiryDate) may run out; 0 for
    the bundled charge point on a virtual clock.
    """

    number_of_connectors: int = 2
    fixed_cable: bool = False
    power_loss_stops_transactions: bool = True
    tolerance: float = 0.0
    reboot_limit: float = 0.0
    """How long (seconds, beyond ``tolerance``) a reboot may take after it was asked for (an accepted
    Reset, a firmware installation). The spec sets no limit; a description sets one ([timing])."""
    connector_lock: bool = True
    """False: the connectors have no lock, so UnlockConnector is NotSupported (§7.42)."""
    leftovers: bool = False
    """Each example starts where the last one left the Charge Point (an external one): a firmware update
    or diagnostics upload asked for earlier may still report its progress (§4.4, §4.5)."""
    cable_sensed: bool = True
    """False: the Charge Point has no cable sensor (the SAP simulator: a PlugIn is only a StatusNotification its
    controller makes it send), so after a boot it knows of no cable plugged in before it."""
    graceful_power_loss: bool = False
    """The controller can only take power away gracefully (the SAP simulator stops its transactions
    first): at a PowerLoss a transaction may be stopped with any reason (§7.39), not only PowerLoss."""


@attrs.frozen(cache_hash=True)  # hashed again for every world kept (check-log)
class Tx:
    """A transaction the Charge Point started (§4.8).

    ``transaction_id`` is None until a StartTransaction.conf assigned one.
    ``invalid`` marks a transaction whose StartTransaction.conf was not
    Accepted while StopTransactionOnInvalidId is false (§9.1.24).
    """

    id_tag: str
    meter_start: int
    transaction_id: int | None = None
    parent_id_tag: str | None = None
    invalid: bool = False
    sampled_at: float = 0.0
    sample_interval: int | None = None
    sampled_stamp: float | None = None
    """The timestamp of the last periodic sample (or of the start): when it was taken, not sent."""
    start_failures: int = 0
    """Transmissions of its StartTransaction the Central System failed to process (§3.7.1)."""
    stop_keys_before: tuple[tuple[str, tuple[str, ...] | None], ...] = ()
    """(StopTxnSampledData or StopTxnAlignedData, its value) when the key changed while it ran: its transactionData may
    hold readings by that value or by the new one (§5.3, §3.16; "from the start of the Transaction")."""
    energy_kept: bool = False
    """MaxEnergyOnInvalidId changed from a value > 0 while it ran invalid: it may still charge by the budget it
    began with (§5.3, §9.1.14)."""
    start_failed_at: float | None = None
    """When the last of those failed."""
    retry_before: tuple[int | None, int | None] | None = None
    """(TransactionMessageAttempts, TransactionMessageRetryInterval) its StartTransaction's retries began with, once
    either key changed while they went on: they may run by those values or the new ones (§5.3, §3.7.1)."""
    cableless: bool = False
    """Started with no cable plugged in, and none since (a Charge Point that starts at authorization; the SAP
    simulator has no cable at all): §4.9 defines no status for it (SuspendedEV/SuspendedEVSE: "the EV is
    connected"), so Charging fits as well."""
    stop_measurands: tuple[str, ...] | None = None
    """StopTxnSampledData when it began, None where the model cannot be sure of it (unknown, or changed while it may
    have begun unseen): with the same value at its stop, its Transaction.Begin and Transaction.End values of every
    measurand configured are RECOMMENDED in StopTransaction.req transactionData (errata 3.14)."""
    overdue: bool = False
    """A StopTransaction owed for it did not come (a violation found once), or the Charge Point reported it over
    (Finishing, Available) while its StopTransaction is owed: it may be over."""


@attrs.frozen(cache_hash=True, slots=False)  # see ChargePointState
class Connector:
    """One connector (index 0 is the Charge Point as a whole, §3.8)."""

    id: int
    reported: str | None = None
    plugged: bool = False
    ev_suspended: bool = False
    faulted: bool = False
    unlock_failing: bool = False
    inoperative: bool = False
    scheduled: str | None = None
    presented: str | None = None
    authorized: str | None = None
    authorized_at: float | None = None
    plugged_at: float | None = None
    tx: Tx | None = None
    offline_tags: frozenset[str] = frozenset()
    offline_denied: frozenset[str] = frozenset()
    """idTags presented offline that local authorization could not allow when they were presented."""
    offline_causes: frozenset[str] = frozenset()
    offline_last: tuple[str, float] | None = None
    alternatives: frozenset[str] = frozenset()
    uncertain: bool = False
    finishing: bool = False
    after_boot: bool = False
    replugged: bool = False
    resync: bool = False
    fitting: frozenset[str] = frozenset()
    """The statuses that fitted it (§4.9) at the end of the last step."""
    changed_at: float | None = None
    """When ``fitting`` last changed (seen at the end of a step) or the Charge Point booted: the status it is in has
    been active since then at the latest, and one active for less than MinimumStatusDuration need not be reported
    yet (§4.9, §9.1.20)."""
    stop_failed: bool = False
    """The StopTransaction of its last transaction was answered with a CALLERROR (§3.7.1): the transaction is over all
    the same, and a transaction status still reported after it is a rule of its own (StatusNotReportedAfterFailedStop)."""
    second_start: bool = False
    """A second StartTransaction came for it while its transaction ran (SecondTransactionOnConnector, §4.8): the statuses
    the Charge Point reported for that start (Preparing) may stand for the rest of the transaction (sim-sap r3)."""
    timeout_before: tuple[int | None, float] | None = None
    """(ConnectionTimeOut when its Preparing began, that beginning), once the key changed since: the Charge Point may
    time that session out by the value it began with or by the new one (§5.3, §9.1.6 do not say which)."""


@attrs.frozen(cache_hash=True)
class Owed:
    """A message the Charge Point must send by ``due``.

    ``action`` discharges it; ``connector`` and ``reasons`` narrow which one.
    """

    action: str
    rule: str
    section: str
    detail: str
    due: float
    connector: int | None = None
    transaction_id: int | None = None
    reasons: frozenset[str] = frozenset()
    id_tag: str | None = None
    queued_since: float | None = None
    """A StartTransaction or StopTransaction still owed at an Accepted boot waited in the Charge Point's queue (until
    then it could send nothing, §4.2): the boot's time, when it could begin to deliver that queue. §3.7 sets no
    deadline ("as soon as possible"): it is due ``tolerance`` after the boot at the earliest, and each queued message
    delivered in time moves that on (CoreRules.queue_from, CoreRules.queue_delivered)."""


@attrs.frozen(slots=False)  # a new state is a copy of the old one's __dict__ (model/records.py evolve)
class ChargePointState:
    time: float
    options: Options
    connectors: tuple[Connector, ...]
    config: ConfigurationModel = attrs.field(factory=ConfigurationModel)
    registration: str = "Accepted"
    accepted_after_rejected: bool = False
    """The last BootNotification was answered Accepted while the registration was Rejected, with no (re)boot between
    (a retry, §4.2), or was another such boot after one that no StatusNotification followed (a reconnection): connectors
    1..N not reported since are a rule of their own, StatusNotReportedAfterRejected (errata 3.22), so that accepting it
    (the SAP simulator ignores that answer, sim-sap final1, and boots again at each reconnection, final4) hides no other
    missing status."""
    accepted_on_connection: bool = True
    """A BootNotification.conf Accepted came on this connection: until a reset, reboot or reconnect a
    TriggerMessage for BootNotification is RECOMMENDED to be Rejected (errata 3.35)."""
    boot_at: float | None = None
    boot_not_before: float | None = None
    """After a BootNotification that was not Accepted: the earliest time of the next one (§4.2 interval)."""
    online: bool = True
    powered: bool = True
    rebooting: bool = False
    last_call_at: float | None = None
    """When the Charge Point's last CALL came."""
    held: bool = False
    """The connection was lost within ``tolerance`` of the Charge Point's last CALL, so our answer may not have reached
    it; until its next CALL it may be holding its messages for that CALL's timeout (OCPP-J §4.1.1: no CALL before the
    earlier ones are "responded to or have timed out", an "implementation-dependent timeout interval"; MicroOcpp 40 s)."""
    cache: tuple[tuple[str, str, str | None, float | None], ...] = ()
    """(idTag, status, parentIdTag, expiryDate as epoch seconds or None) of the last IdTagInfo of each idTag (§3.5.1)."""
    policy: tuple[tuple[str, str, str | None], ...] = ()
    boot_response: tuple[str, int] = ("Accepted", 300)
    owed: tuple[Owed, ...] = ()
    stopped: frozenset[int] = frozenset()
    retrying: frozenset[int] = frozenset()
    failures: tuple[tuple[int, int, float | None], ...] = ()
    """(transactionId, failed transmissions of its StopTransaction, when the last one failed, or None once a reboot
    forgot its wait) while it is retried (§3.7.1)."""
    retry_before: tuple[tuple[int, int | None, int | None], ...] = ()
    """(transactionId, TransactionMessageAttempts, TransactionMessageRetryInterval) its StopTransaction's retries began
    with, once either key changed while they went on: they may run by those values or the new ones (§5.3, §3.7.1)."""
    exhausted: frozenset[int] = frozenset()
    remote_starts: tuple[tuple[str, float], ...] = ()
    """(idTag, when) of each accepted RemoteStartTransaction without connectorId still waiting: each may
    hold a connector of the Charge Point's choice (§5.11) until it starts or ConnectionTimeOut ends it."""
    remote_timeout_before: int | None = None
    """ConnectionTimeOut before it changed while ``remote_starts`` waited: they may run by either value (§5.3, §9.1.6)."""
    charging_id_tags: frozenset[str] = frozenset()
    """The idTags given to the Charge Point for charging: presented at a reader, in a RemoteStartTransaction or a
    ReserveNow (its parentIdTag too). "Authorize.req SHOULD only be used for the authorization of an identifier for
    charging" (§4.1)."""
    status_duration_before: tuple[int, float] | None = None
    """(MinimumStatusDuration, when it changed) once it changed from a value > 0: a status that began before may be
    sent by the delay it began with or by the new one (§5.3, §9.1.20)."""
    stop_sampled_since: float | None = None
    """When StopTxnSampledData changed while a transaction may have begun unseen (queued, offline), or infinity
    after a RebootRequired: a transaction stamped no later began under a value the model cannot be sure of."""
    aligned_intervals: frozenset[int] = frozenset()
    aligned_since: float | None = None
    aligned_before: tuple[int, float] | None = None
    """(ClockAlignedDataInterval > 0, when it changed): a Charge Point may keep the timer it had armed for that
    interval's next boundary, so readings by the new interval are owed from that boundary on (§5.3, §9.1.5)."""
    """When ClockAlignedDataInterval took its value (a ChangeConfiguration Accepted, a boot): readings are
    owed from one interval later (§3.16.2, errata 3.15)."""
    sampling_since: float | None = None
    """When MeterValueSampleInterval or MeterValuesSampledData last changed (a ChangeConfiguration Accepted): a
    transaction that started unseen before it may sample from then (§9.1.19 says nothing)."""
    leftover_queue: bool = False
    """The Charge Point may still deliver statuses it queued when it could not send them, after the current ones: an
    external Charge Point that starts this example with a queue of an earlier one (the SAP simulator's buffer, flushed
    with growing pauses across examples, sim-sap final2), or one taken off gracefully while offline, whose stop reported
    its connectors Unavailable into that queue (Options.graceful_power_loss; SAP, sim-sap final3). A status that leaves a
    connector reported wrong is then StatusNotificationOutOfOrder (§4.9), not StatusNotReported."""
    local_list: LocalList = LocalList()
    """The Local Authorization List (§3.5.2), Local Auth List Management profile."""
    firmware: FirmwareState = FirmwareState()
    """The firmware update and diagnostics upload in progress (§5.9, §5.19), Firmware Management profile."""
    smart_charging: SmartChargingState = SmartChargingState()
    """The installed charging profiles (§3.13, §5.16), Smart Charging profile."""
    reservations: Reservations = Reservations()
    """The reservations in force (§5.13), Reservation profile."""

    def connector(self, connector_id: int) -> Connector:
        return self.connectors[connector_id]

    def with_connector(self, connector: Connector) -> "ChargePointState":
        if self.connectors[connector.id] == connector:
            return self  # most updates of a step change nothing: comparing costs less than a new state
        connectors = list(self.connectors)
        connectors[connector.id] = connector
        return evolve(self, connectors=tuple(connectors))

    def policy_for(self, id_tag: str) -> tuple[str, str | None]:
        """The Central System's (status, parentIdTag) for ``id_tag``."""
        for tag, status, parent in self.policy:
            if tag == id_tag:
                return status, parent
        return "Invalid", None

    def cached(self, id_tag: str) -> tuple[str, str | None] | None:
        """(status, parentIdTag) of the idTag's cache entry. "When the validity of a Cache entry expires, it SHALL
        be changed to expired in the Cache" (§3.5.1): an Accepted entry whose expiryDate has passed (beyond the
        tolerance) is Expired; at its expiryDate itself it may be either (:meth:`cache_expiring`)."""
        for tag, status, parent, expiry in self.cache:
            if tag == id_tag:
                expired = status == "Accepted" and expiry is not None and expiry + self.options.tolerance < self.time
                return ("Expired" if expired else status), parent
        return None

    def cache_expiring(self, id_tag: str) -> bool:
        """The idTag's Accepted cache entry reaches its expiryDate now (within the tolerance): the spec does not
        say whether the instant itself is valid, so the Charge Point may take the entry as Accepted or Expired."""
        return any(tag == id_tag and status == "Accepted" and expiry is not None
                   and abs(self.time - expiry) <= self.options.tolerance for tag, status, _, expiry in self.cache)
