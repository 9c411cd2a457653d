"""The bundled charge point: OCPP 1.6 Core behaviour written from the specification.

Section numbers refer to OCPP 1.6 edition 2 (with the errata sheet) unless
marked OCPP-J or OCTT. This module never imports the reference model: it is
the independent implementation the model is checked against.

Choices where the specification leaves freedom are listed in
:data:`CHOICES`; each is implemented by one small method.
"""

from __future__ import annotations

import asyncio

from adapters.clock import iso, parse_iso

from .configuration import Configuration
from .link import Link, resolve
from .metering import meter_value, next_aligned, sampled_values
from .firmware import FirmwareManagement
from .localauth import LocalAuthList
from .operations import CentralSystemOperations
from .physical import PhysicalActions
from .reservation import Reservations
from .settings import Settings
from .smartcharging import SmartCharging
from .state import OFFLINE, Connector, Outgoing, Reply, Transaction
from .store import Store
from .trigger import RemoteTrigger

CHOICES = """\
* Status transitions outside the §4.9 table are never reported: Preparing ->
  Unavailable goes through Available (B1, A8), Finishing -> a charging state
  through Preparing (F2, B3): an idTag authorized at a Finishing connector
  with the EV still plugged starts a new transaction.
* ConnectionTimeOut (§9.1.6) runs from the start of Preparing. It ends an
  authorization that waits for a cable with Available (B1) and a cable that
  waits for an idTag with Finishing (B6, errata 3.20); 0 disables it.
* A second presentation of the pending idTag cancels it (B1). Another idTag
  replaces the pending one: if it is not authorized, nothing waits any more.
* A card stops a transaction when it is the transaction's idTag, or when the
  transaction has a parentIdTag and Authorize (or the cache under
  LocalPreAuthorize) gives the card the same parentIdTag (§3.10, OCTT TC_068/069).
* Offline authorization (§3.5): cached Accepted idTags when LocalAuthorizeOffline;
  idTags not in the cache when AllowOfflineTxForUnknownId; cached NOT-valid
  idTags never. Before the first Accepted BootNotification counts as offline.
* After Boot Accepted: queued transaction-related messages first, then a
  StatusNotification for connector 0 and every connector. After a reconnect:
  the queue, then the connectors whose status changed while offline (§4.9).
* A transaction that ends while the EV is still plugged goes to Finishing until
  Unplug. When it ends with the EV gone: a detachable cable is unlocked, so
  Finishing is reported and left at once as the user takes the cable (§4.9 text
  on StopTransactionOnEVSideDisconnect); with UnlockConnectorOnEVSideDisconnect
  false the cable stays locked in Finishing until the transaction's idTag is
  presented, UnlockConnector, or a new PlugIn (F2); a fixed cable goes straight
  to Available (C1).
* Reset (§5.14, both types): stop transactions (SoftReset/HardReset), try to
  deliver the queue once, drop the connection, boot again.
* ChangeAvailability (§5.2): connectorId 0 sets the charge point and every
  connector; a connector is Unavailable while it or the charge point is
  Inoperative (an Operative connector of an Inoperative charge point stays
  Unavailable, the answer is Accepted). A request that changes a setting while a
  transaction is in progress on an affected connector is Scheduled: it happens
  on a connector when its transaction ends, and on all its connectors (and
  connector 0) once no transaction is in progress. An authorization waiting for
  a cable is cancelled when its connector becomes Inoperative.
* Fault on connector 0 blocks new transactions everywhere and suspends running
  ones (SuspendedEVSE); other connectors keep their own status.
* StopTransaction carries idTag only when a card stopped it.
* While Pending (§4.2) every CALL is answered, but RemoteStart/RemoteStop are Rejected.
"""

VIA = {
    ("Preparing", "Unavailable"): "Available",
    ("Finishing", "Charging"): "Preparing",
    ("Finishing", "SuspendedEV"): "Preparing",
    ("Finishing", "SuspendedEVSE"): "Preparing",
    ("Reserved", "Charging"): "Preparing",
    ("Reserved", "SuspendedEV"): "Preparing",
    ("Reserved", "SuspendedEVSE"): "Preparing",
    **{(busy, "Reserved"): "Available" for busy in ("Preparing", "Charging", "SuspendedEV", "SuspendedEVSE",
                                                     "Finishing", "Unavailable")},
}
"""§4.9: the status between two statuses whose direct transition is not in the table."""


class ChargePoint(PhysicalActions, CentralSystemOperations, LocalAuthList, Reservations, SmartCharging,
                  RemoteTrigger, FirmwareManagement, Link):
    """An OCPP 1.6-J charge point on ``ocpp.v16.ChargePoint``.

    ``store`` is the non-volatile memory (a dict, kept by the caller, or a
    :class:`Store`); it survives reboots and power loss of this object.
    """

    def __init__(self, cp_id: str, url: str, clock, settings: Settings | None = None,
                 store: dict | Store | None = None):
        self.settings = settings or Settings()
        self.store = store if isinstance(store, Store) else Store(store)
        self.config = Configuration(self.settings, self.store["configuration"])
        super().__init__(cp_id, url, clock, self.settings)
        self.connectors = [Connector(i) for i in range(self.settings.number_of_connectors + 1)]
        self.transactions: dict[int, Transaction] = {}
        self._boot_timer = self._heartbeat_timer = self._aligned_timer = None
        self._remote_start: tuple[Connector, str] | None = None
        self.store.save()

    def _supports(self, profile: str) -> bool:
        """Whether SupportedFeatureProfiles lists ``profile`` (§9.1.29)."""
        return profile in self.config.items("SupportedFeatureProfiles")

    # ---- power

    @property
    def powered(self) -> bool:
        return self._powered

    async def power_on(self) -> None:
        """Boot (§4.2): load what the store remembers, then connect and send BootNotification."""
        if self._powered:
            return
        self._powered = True
        self._registration = None
        self._load()
        self._close_open_transactions()
        self._update()
        self._arm_aligned()
        self._resume_firmware()
        self._connect_soon()

    async def power_off(self) -> None:
        """Lose power: the connection drops, everything volatile is forgotten."""
        if not self._powered:
            return
        if self.settings.power_loss == "before-down":
            await self._stop_before_going_down()
        for connector in self.connectors:
            self._rebase(connector, 0.0)
        self._powered = False
        self._registration = None
        self._cancel_all_timers()
        self._boot_timer = self._heartbeat_timer = self._aligned_timer = None
        await self._cancel_tasks()
        await self._disconnect()
        for item in self._outbox:
            resolve(item, OFFLINE)
        self._outbox = []
        self._sender = None
        self.transactions = {}
        for connector in self.connectors:
            connector.forget_volatile()

    async def _stop_before_going_down(self) -> None:
        """Back-up power (OCTT TC_032_1_CS): stop every transaction (PowerLoss) and deliver the queue."""
        for c in self.connectors[1:]:
            if c.transaction is not None:
                self._stop_transaction(c, "PowerLoss")
        await self._flush()

    async def close(self) -> None:
        await self.power_off()

    async def _cancel_tasks(self) -> None:
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _reboot(self) -> None:
        await self.power_off()
        await self.power_on()

    def _load(self) -> None:
        now = self.clock.now()
        self.transactions = {int(number): Transaction.from_json(data)
                             for number, data in self.store["transactions"].items()}
        self._outbox = [Outgoing.from_json(data) for data in self.store["queue"]]
        for connector in self.connectors:
            connector.forget_volatile()
            connector.energy = self.store["meters"].get(str(connector.id), 0.0)
            connector.since = now
        for tx in self.transactions.values():
            if not tx.stopped:
                self.connectors[tx.connector_id].transaction = tx

    def _close_open_transactions(self) -> None:
        """OCTT TC_032_2: transactions open at power-on are stopped (PowerLoss) or resume."""
        for connector in self.connectors[1:]:
            if connector.transaction is None:
                continue
            if self.settings.power_loss == "at-boot":
                self._stop_transaction(connector, "PowerLoss")
            else:
                self._arm_sampling(connector)

    # ---- registration (§4.2) and heartbeat (§4.6)

    async def _on_connected(self) -> None:
        if self._registration == "Accepted":
            self._report_changes()
            self._kick()
        elif self._boot_timer is None:
            await self._boot()

    def _boot_payload(self) -> dict:
        s = self.settings
        return {"chargePointVendor": s.vendor, "chargePointModel": s.model,
                "chargePointSerialNumber": s.serial_number, "firmwareVersion": s.firmware_version}

    async def _boot(self) -> None:
        reply = await self._call("BootNotification", self._boot_payload())
        if reply.kind == "offline":
            return
        if reply.kind != "result":
            self._retry_boot(0)
            return
        self._registration = reply.payload["status"]
        if self._registration == "Accepted":
            self._accepted(reply.payload["interval"])
        else:
            self._retry_boot(reply.payload["interval"])

    def _retry_boot(self, interval: int) -> None:
        """§4.2: not before ``interval``; when it is 0 we choose (Settings.boot_retry_interval)."""
        delay = interval if interval > 0 else self.settings.boot_retry_interval
        self._boot_timer = self._timer(delay, self._boot_due)

    def _boot_due(self) -> None:
        self._boot_timer = None
        if self.online:
            self._spawn(self._boot())

    def _accepted(self, interval: int) -> None:
        if interval > 0:
            self.config.values["HeartbeatInterval"] = str(interval)
            self.store.save()
        self._arm_heartbeat()
        for connector_id in self._boot_status_connectors():
            self._send_status(self.connectors[connector_id])
        self._report_progress()
        self._kick()

    def _boot_status_connectors(self) -> range:
        """Errata 3.22: after Accepted, the status of connector 0 and of every connector."""
        return range(len(self.connectors))

    def _arm_heartbeat(self) -> None:
        self._cancel(self._heartbeat_timer)
        self._heartbeat_timer = None
        interval = self.config.integer("HeartbeatInterval")
        if interval > 0 and self._registration == "Accepted":
            self._heartbeat_timer = self._timer_at(self._last_exchange + interval, self._heartbeat_due)

    def _heartbeat_due(self) -> None:
        """§9.1.10: a Heartbeat after HeartbeatInterval seconds without any OCPP exchange."""
        self._heartbeat_timer = None
        interval = self.config.integer("HeartbeatInterval")
        now = self.clock.now()
        if interval <= 0 or self._registration != "Accepted":
            return
        if now < self._last_exchange + interval:
            self._heartbeat_timer = self._timer_at(self._last_exchange + interval, self._heartbeat_due)
            return
        if self._can_send() and not any(item.action == "Heartbeat" for item in self._outbox):
            self._enqueue(Outgoing("Heartbeat", {}))
        self._heartbeat_timer = self._timer_at(now + interval, self._heartbeat_due)

    # ---- status (§4.9)

    def _update(self) -> None:
        """Re-evaluate every connector after a change: start what may start, report statuses."""
        if not self._powered:
            return
        self._apply_scheduled()
        self._review_reservations()
        for connector in self.connectors[1:]:
            self._try_start(connector)
        for connector in self.connectors[1:]:  # a start may change another connector (§5.13 connector 0)
            self._update_status(connector)
        self._update_status(self.connectors[0])

    def _update_status(self, connector: Connector) -> None:
        status = self._derive(connector)
        power = self.settings.charging_power_w if status == "Charging" else 0.0
        self._rebase(connector, power)
        if status == connector.status:
            return
        via = VIA.get((connector.status, status))
        if via is not None:
            self._enter(connector, via)
        self._enter(connector, status)

    def _derive(self, c: Connector) -> str:
        if c.id == 0:
            return self._derive_main(c)
        if c.fault:
            return "Faulted"
        if c.transaction is not None:
            return self._transaction_status(c)
        if self._inoperative(c):
            return "Unavailable"
        if c.finishing:
            return "Finishing"
        if c.pending_tag is None and self._shows_reserved(c):
            return "Reserved"
        if c.plugged or c.pending_tag:
            return "Preparing"
        return "Available"

    def _derive_main(self, c: Connector) -> str:
        if c.fault:
            return "Faulted"
        if self._inoperative(c):
            return "Unavailable"
        return "Available"

    def _transaction_status(self, c: Connector) -> str:
        """SuspendedEVSE has precedence over SuspendedEV (§4.9)."""
        if c.transaction.deauthorized or self.connectors[0].fault:
            return "SuspendedEVSE"
        if not c.plugged or c.ev_suspended:
            return "SuspendedEV"
        return "Charging"

    def _inoperative(self, c: Connector) -> bool:
        """Set Inoperative itself, or the whole charge point is (§5.2: no charging at all)."""
        availability = self.store["availability"]
        return "Inoperative" in (availability.get(str(c.id)), availability.get("0"))

    def _enter(self, c: Connector, status: str) -> None:
        previous, c.status = c.status, status
        if status == "Unavailable":
            c.finishing, c.held_for = False, None  # H2: a user who comes back starts anew
        if status == "Preparing":
            self._arm_connection_timeout(c)
        elif previous == "Preparing":
            self._cancel(c.preparing_timer)
            c.preparing_timer = None
        if self._can_send():
            self._send_status(c)

    def _send_status(self, c: Connector) -> None:
        payload = {"connectorId": c.id, "errorCode": self._error_code(c), "status": c.status,
                   "timestamp": iso(self.clock.now())}
        if c.id and not c.plugged and c.status in ("SuspendedEV", "Finishing"):
            payload["info"] = "EV side disconnected"  # §4.9
        c.reported = c.status
        self._enqueue(Outgoing("StatusNotification", payload))

    def _error_code(self, c: Connector) -> str:
        """§7.6 ChargePointErrorCode: the fault's, else NoError."""
        return c.fault or "NoError"

    def _report_changes(self) -> None:
        """§4.9: after being offline, the current status of connectors whose status changed."""
        for c in self.connectors:
            if c.status != c.reported:
                self._send_status(c)
        self._report_progress()

    def _on_dropped(self, item: Outgoing) -> None:
        if item.action == "StatusNotification":
            self.connectors[item.payload["connectorId"]].reported = None

    def _arm_connection_timeout(self, c: Connector) -> None:
        self._cancel(c.preparing_timer)
        c.preparing_timer = None
        timeout = self.config.integer("ConnectionTimeOut")
        if timeout > 0:
            c.preparing_timer = self._timer(timeout, lambda: self._on_connection_timeout(c))

    def _on_connection_timeout(self, c: Connector) -> None:
        """§9.1.6, §4.9 B1 (back to Available) and B6 (cable plugged: Finishing, errata 3.20)."""
        c.preparing_timer = None
        if c.status != "Preparing" or c.transaction is not None:
            return
        c.pending_tag = c.pending_parent = None
        c.finishing = c.plugged
        self._update()

    # ---- authorization (§3.5, §4.1)

    def _cache_enabled(self) -> bool:
        return self.config.boolean("AuthorizationCacheEnabled")

    def _cached(self, id_tag: str) -> dict | None:
        """The cache entry of ``id_tag``; a passed expiryDate makes it Expired (§3.5.1)."""
        if not self._cache_enabled():
            return None
        entry = self.store["cache"].get(id_tag)
        if entry is not None and entry["status"] == "Accepted" and self._expired(entry):
            entry["status"] = "Expired"
            self.store.save()
        return entry

    def _expired(self, entry: dict) -> bool:
        try:
            return "expiryDate" in entry and parse_iso(entry["expiryDate"]) <= self.clock.now()
        except ValueError:
            return False

    def _remember(self, id_tag: str, info: dict) -> None:
        """§3.5.1: every IdTagInfo received updates the cache; NOT-valid entries go first when full."""
        if not self._cache_enabled() or not self._may_cache(id_tag):
            return
        cache = self.store["cache"]
        cache.pop(id_tag, None)
        cache[id_tag] = dict(info)
        while len(cache) > self.settings.cache_size:
            invalid = [tag for tag, entry in cache.items() if entry["status"] != "Accepted"]
            del cache[invalid[0] if invalid else next(iter(cache))]
        self.store.save()

    def _may_cache(self, id_tag: str) -> bool:
        """§3.5.3: identifiers known in the Local Authorization List are not added to the cache; one that
        is in the cache already is updated (§3.5.1)."""
        return not self._in_local_list(id_tag) or id_tag in self.store["cache"]

    async def _authorize(self, id_tag: str) -> dict | None:
        """The IdTagInfo that authorizes ``id_tag``, or None (§3.5, §4.1)."""
        entry = self._local_entry(id_tag)
        if self._can_send():
            if entry is not None and entry["status"] == "Accepted" and self.config.boolean("LocalPreAuthorize"):
                return entry
            reply = await self._request("Authorize", {"idTag": id_tag})
            if reply.kind == "result":
                info = reply.payload["idTagInfo"]
                self._remember(id_tag, info)
                return info if info["status"] == "Accepted" else None
            if reply.kind != "offline":
                return None
            entry = self._local_entry(id_tag)
        return self._authorize_offline(entry)

    def _authorize_offline(self, entry: dict | None) -> dict | None:
        """§3.5 LocalAuthorizeOffline, §3.5.4 AllowOfflineTxForUnknownId."""
        if entry is None:
            return {"status": "Accepted"} if self.config.boolean("AllowOfflineTxForUnknownId") else None
        if entry["status"] == "Accepted" and self.config.boolean("LocalAuthorizeOffline"):
            return entry
        return None

    def _can_charge(self, c: Connector) -> bool:
        return (not c.fault and not self.connectors[0].fault and not self._inoperative(c)
                and c.held_for is None)

    def _begin(self, c: Connector, id_tag: str, info: dict) -> None:
        """An authorized idTag: start now if the cable is in, else wait for it (Preparing)."""
        if not self._may_use(c, id_tag, info.get("parentIdTag")):
            return  # §5.13: reserved for another idTag
        c.pending_tag, c.pending_parent = id_tag, info.get("parentIdTag")
        c.finishing = False  # F2: a new session
        self._update()

    # ---- transactions (§4.8, §4.10)

    def _try_start(self, c: Connector) -> None:
        if c.pending_tag and c.plugged and c.transaction is None and self._can_charge(c):
            if not self._may_use(c, c.pending_tag, c.pending_parent):
                c.pending_tag = c.pending_parent = None  # §5.13: a reservation made since holds this connector
                return
            self._start_transaction(c, c.pending_tag, c.pending_parent)

    def _start_transaction(self, c: Connector, id_tag: str, parent: str | None) -> None:
        now = self.clock.now()
        number = self.store["next_transaction"]
        self.store["next_transaction"] = number + 1
        tx = Transaction(number, c.id, id_tag, int(self._energy(c)), now, parent_id_tag=parent)
        c.pending_tag = c.pending_parent = None
        c.finishing = False
        c.transaction = self.transactions[number] = tx
        self._start_charging_profile(c, tx)
        self._record_stop_sample(c, tx, "Transaction.Begin")
        self._save_transaction(tx)
        payload = {"connectorId": c.id, "idTag": id_tag, "meterStart": tx.meter_start,
                   "timestamp": iso(now)}
        reservation_id = self._consume_reservation(c, id_tag, parent)
        if reservation_id is not None:
            payload["reservationId"] = reservation_id  # §4.8
        self._enqueue(Outgoing("StartTransaction", payload, number))
        self._arm_sampling(c)

    def _stop_transaction(self, c: Connector, reason: str, id_tag: str | None = None) -> None:
        """§4.10: StopTransaction.req with meterStop, timestamp, reason (§7.36), idTag when a card stopped it."""
        tx = c.transaction
        self._cancel(c.sample_timer)
        c.sample_timer = None
        self._record_stop_sample(c, tx, "Transaction.End")
        payload = {"meterStop": self._meter_stop(c, tx), "timestamp": iso(self.clock.now()),
                   "reason": reason}
        if id_tag is not None:
            payload["idTag"] = id_tag
        if tx.data:
            payload["transactionData"] = tx.data
        tx.stopped = True
        c.transaction = None
        self._save_transaction(tx)
        self._enqueue(Outgoing("StopTransaction", payload, tx.number))
        self._apply_scheduled(ended=c)
        self._after_stop(c, tx, reason)

    def _meter_stop(self, c: Connector, tx: Transaction) -> int:
        return int(self._energy(c))

    def _after_stop(self, c: Connector, tx: Transaction, reason: str) -> None:
        if c.plugged:
            c.finishing = True
            self._update()
        elif reason == "EVDisconnected" and self._keeps_cable_locked():
            c.held_for, c.finishing = tx.id_tag, True
            self._update()
        else:
            self._release_cable(c)

    def _keeps_cable_locked(self) -> bool:
        """§4.10: with UnlockConnectorOnEVSideDisconnect false the cable stays locked at the charge point."""
        return not self.settings.fixed_cable and not self.config.boolean("UnlockConnectorOnEVSideDisconnect")

    def _release_cable(self, c: Connector) -> None:
        """The cable is unlocked with the EV gone: a detachable cable is taken away (Finishing, then F1)."""
        if not self.settings.fixed_cable:
            c.finishing = True
            self._update()
        c.finishing, c.held_for = False, None
        self._update()

    def _started(self, tx: Transaction, payload: dict) -> None:
        """StartTransaction.conf: transactionId, cache update (§4.8), invalid idTag (§3.5.4, §9.1.24)."""
        tx.transaction_id = payload["transactionId"]
        info = payload["idTagInfo"]
        self._remember(tx.id_tag, info)
        self._local_list_conflict(tx.id_tag, info)
        tx.parent_id_tag = info.get("parentIdTag", tx.parent_id_tag)
        self._save_transaction(tx)
        c = self.connectors[tx.connector_id]
        if info["status"] != "Accepted" and c.transaction is tx:
            self._invalidated(c, tx)

    def _invalidated(self, c: Connector, tx: Transaction) -> None:
        if self.config.boolean("StopTransactionOnInvalidId"):
            self._stop_transaction(c, "DeAuthorized")
            return
        tx.deauthorized = True
        self._save_transaction(tx)
        self._update()

    def _save_transaction(self, tx: Transaction) -> None:
        self.store["transactions"][str(tx.number)] = tx.to_json()
        self.store.save()

    def _running(self, transaction_id: int) -> Connector | None:
        for c in self.connectors[1:]:
            if c.transaction is not None and c.transaction.transaction_id == transaction_id:
                return c
        return None

    # ---- queue hooks

    def _payload_for(self, item: Outgoing) -> dict | None:
        """transactionId of queued StopTransaction/MeterValues: known once its StartTransaction is answered."""
        if item.transaction is None or item.action == "StartTransaction":
            return item.payload
        tx = self.transactions.get(item.transaction)
        transaction_id = None if tx is None else self._transaction_id(tx)
        if transaction_id is None:
            return None
        return {**item.payload, "transactionId": transaction_id}

    def _transaction_id(self, tx: Transaction) -> int | None:
        """Errata 3.18: a transaction whose StartTransaction was given up (§3.7.1; messages go in order, so by
        now it was answered or discarded) has no transactionId: its messages carry -1."""
        return -1 if tx.transaction_id is None else tx.transaction_id

    def _on_result(self, item: Outgoing, reply: Reply) -> None:
        if item.action == "StartTransaction":
            self._started(self.transactions[item.transaction], reply.payload)
        elif item.action == "StopTransaction" and "idTag" in item.payload:
            info = reply.payload.get("idTagInfo")
            if info is not None:
                self._remember(item.payload["idTag"], info)  # §4.10

    def _finished(self, item: Outgoing) -> None:
        if item.action == "StopTransaction" and item.transaction in self.transactions:
            del self.transactions[item.transaction]
            self.store["transactions"].pop(str(item.transaction), None)
            self.store.save()

    # ---- metering (§3.16, §4.7)

    def _energy(self, c: Connector) -> float:
        return c.energy + c.power * (self.clock.now() - c.since) / 3600.0

    def _rebase(self, c: Connector, power: float) -> None:
        energy = self._energy(c)
        c.since, c.power = self.clock.now(), power
        if energy != c.energy:
            c.energy = energy
            self.store["meters"][str(c.id)] = energy
            self.store.save()

    def _reading(self, c: Connector, measurands: list[str], context: str) -> dict:
        s = self.settings
        values = sampled_values(measurands, context, self._energy(c), c.power, s.voltage_v, s.phases)
        return meter_value(self.clock.now(), values)

    def _record_stop_sample(self, c: Connector, tx: Transaction, context: str) -> None:
        """§3.16.1 StopTxnSampledData: Begin, every sample, End; empty means none (§3.16.5)."""
        measurands = self.config.items("StopTxnSampledData")
        if measurands:
            tx.data.append(self._reading(c, measurands, context))

    def _arm_sampling(self, c: Connector) -> None:
        self._cancel(c.sample_timer)
        c.sample_timer = None
        interval = self.config.integer("MeterValueSampleInterval")
        if interval > 0 and c.transaction is not None:
            c.sample_timer = self._timer(self._sample_delay(interval), lambda: self._sample(c))

    def _sample_delay(self, interval: int) -> float:
        """§3.16.1: the next sample MeterValueSampleInterval seconds after the last (or the start)."""
        return interval

    def _sample(self, c: Connector) -> None:
        """§3.16.1: every MeterValueSampleInterval from the start of the transaction."""
        c.sample_timer = None
        tx = c.transaction
        if tx is None:
            return
        measurands = self.config.items("MeterValuesSampledData")
        if measurands:  # the list prescribes what a sample holds (§3.16.1): an empty one, no MeterValues
            payload = {"connectorId": c.id, "meterValue": [self._reading(c, measurands, "Sample.Periodic")]}
            self._enqueue(Outgoing("MeterValues", payload, tx.number))
        self._record_stop_sample(c, tx, "Sample.Periodic")
        self._save_transaction(tx)
        self._arm_sampling(c)

    def _arm_aligned(self) -> None:
        self._cancel(self._aligned_timer)
        self._aligned_timer = None
        interval = self.config.integer("ClockAlignedDataInterval")
        if interval > 0 and self._powered:
            when = next_aligned(self.clock.now(), interval)
            self._aligned_timer = self._timer_at(when, self._aligned_due)

    def _aligned_due(self) -> None:
        """§3.16.2: clock-aligned readings of every connector, transaction-related where one runs."""
        self._aligned_timer = None
        for c in self.connectors[1:]:
            self._aligned_sample(c)
        self._arm_aligned()

    def _aligned_sample(self, c: Connector) -> None:
        measurands = self.config.items("MeterValuesAlignedData")
        tx = c.transaction
        if measurands:  # the list prescribes what a reading holds (§3.16.2): an empty one, no MeterValues
            payload = {"connectorId": c.id, "meterValue": [self._reading(c, measurands, "Sample.Clock")]}
            self._enqueue(Outgoing("MeterValues", payload, tx.number if tx else None))
        stop_measurands = self.config.items("StopTxnAlignedData")
        if tx is not None and stop_measurands:
            tx.data.append(self._reading(c, stop_measurands, "Sample.Clock"))
            self._save_transaction(tx)
