"""Operations initiated by the Central System (OCPP 1.6 §5), Core profile.

Each ``@on`` route only decides the answer; everything the charge point does
because of the request happens in the matching ``@after`` route, so the
answer is always on the wire before any CALL it causes. ``@after`` routes
are synchronous and hand asynchronous work to tracked tasks (see :mod:`.link`).
"""

from __future__ import annotations

import asyncio

from ocpp.exceptions import OccurenceConstraintViolationError
from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from .keys import Key


class CentralSystemOperations:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    # ---- ChangeAvailability (§5.2)

    @on(Action.change_availability, skip_schema_validation=True)
    def on_change_availability(self, connector_id: int, type: str, **_):
        return call_result.ChangeAvailability(status=self._availability_answer(connector_id, type))

    def _availability_answer(self, connector_id: int, kind: str) -> str:
        """Accepted when already so; Scheduled when a transaction is in progress on an
        affected connector; unknown connector: Rejected (§5.2)."""
        targets = self._availability_targets(connector_id)
        if targets is None:
            return "Rejected"
        if all(self._availability(c) == kind for c in targets):
            return "Accepted"
        if any(c.transaction for c in targets if c.id):
            return "Scheduled"
        return "Accepted"

    def _availability_targets(self, connector_id: int):
        """ConnectorId 0 addresses the charge point and all connectors (§3.8, §5.2)."""
        if not 0 <= connector_id < len(self.connectors):
            return None
        return self.connectors if connector_id == 0 else [self.connectors[connector_id]]

    def _availability(self, c) -> str:
        return self.store["availability"].get(str(c.id), "Operative")

    @after(Action.change_availability)
    def after_change_availability(self, connector_id: int, type: str, **_):
        targets = self._availability_targets(connector_id)
        if targets is None:
            return
        scheduled = self._availability_answer(connector_id, type) == "Scheduled"
        for c in targets:
            if scheduled:
                self.store["scheduled"][str(c.id)] = type
            else:
                self._set_availability(c, type)
        self.store.save()
        self._update()

    def _set_availability(self, c, kind: str) -> None:
        """Persistent across reboots (§5.2); making a connector Inoperative ends a waiting authorization."""
        self.store["availability"][str(c.id)] = kind
        self.store["scheduled"].pop(str(c.id), None)
        if kind == "Inoperative":
            c.pending_tag = c.pending_parent = None

    def _apply_scheduled(self, ended=None) -> None:
        """A Scheduled change happens after the transaction: on the connector whose transaction
        ended, and everywhere once no transaction is in progress."""
        scheduled = self.store["scheduled"]
        if not scheduled:
            return
        idle = not any(c.transaction for c in self.connectors[1:])
        for c in self.connectors:
            if str(c.id) in scheduled and (idle or c is ended):
                self._set_availability(c, scheduled[str(c.id)])
        self.store.save()

    # ---- ChangeConfiguration (§5.3) and GetConfiguration (§5.8)

    @on(Action.change_configuration, skip_schema_validation=True)
    def on_change_configuration(self, key: str, value: str, **_):
        return call_result.ChangeConfiguration(status=self._change_configuration(key, value))

    def _change_configuration(self, name: str, value: str) -> str:
        key = self.config.lookup(name)
        if key is None:
            return self._unknown_key_status()
        if not self._writable(key):
            return "Rejected"
        checked = self.config.checked(key, value)
        if checked is None:
            return "Rejected"  # §5.3: out-of-range or badly formatted value
        self.config.values[key.name] = checked
        self.store.save()
        self._configuration_changed(key.name)
        return "Accepted"

    def _unknown_key_status(self) -> str:
        return "NotSupported"

    def _writable(self, key: Key) -> bool:
        return not key.read_only

    def _configuration_changed(self, name: str) -> None:
        if name == "HeartbeatInterval":
            self._arm_heartbeat()
        elif name == "MeterValueSampleInterval":
            for c in self.connectors[1:]:
                self._arm_sampling(c)
        elif name == "ClockAlignedDataInterval":
            self._arm_aligned()

    @on(Action.get_configuration, skip_schema_validation=True)
    def on_get_configuration(self, key: list[str] | None = None, **_):
        limit = self.config.integer("GetConfigurationMaxKeys")
        if key and len(key) > limit:
            raise OccurenceConstraintViolationError(
                description=f"at most GetConfigurationMaxKeys={limit} keys per request (§5.8)")
        known, unknown = [], []
        for name in key or list(self.config.keys):
            found = self.config.lookup(name)
            if found is None:
                unknown.append(name)
            else:
                known.append(self.config.entry(found.name))
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    # ---- ClearCache (§5.4) and DataTransfer (§5.6)

    @on(Action.clear_cache, skip_schema_validation=True)
    def on_clear_cache(self, **_):
        self._clear_cache()
        return call_result.ClearCache(status="Accepted")

    def _clear_cache(self) -> None:
        """§5.4: the Authorization Cache is emptied (it persists across reboots, §3.5.1)."""
        self.store["cache"].clear()
        self.store.save()

    @on(Action.data_transfer, skip_schema_validation=True)
    def on_data_transfer(self, vendor_id: str, **_):
        """§4.3: no vendor-specific extensions here, so every vendorId is unknown."""
        return call_result.DataTransfer(status="UnknownVendorId")

    # ---- RemoteStartTransaction (§5.11) and RemoteStopTransaction (§5.12)

    @on(Action.remote_start_transaction, skip_schema_validation=True)
    def on_remote_start_transaction(self, id_tag: str, connector_id: int | None = None, charging_profile=None, **_):
        target = self._remote_start_target(connector_id)
        if target is not None and not self._remote_profile_accepted(target, id_tag, charging_profile):
            target = None  # Smart Charging (§5.16.2)
        self._remote_start = (target, id_tag) if target is not None else None
        return call_result.RemoteStartTransaction(status="Accepted" if target else "Rejected")

    def _remote_start_target(self, connector_id: int | None):
        """The connector to start on, or None to reject: connector 0 or a busy connector (OCTT TC_026/027)."""
        if self._registration != "Accepted":
            return None  # §4.2: not allowed while Pending
        if connector_id is None:
            free = [c for c in self.connectors[1:] if self._free(c)]
            return min(free, key=lambda c: (not c.plugged, c.id), default=None)
        if not 1 <= connector_id < len(self.connectors):
            return None
        c = self.connectors[connector_id]
        return c if self._free(c) else None

    def _free(self, c) -> bool:
        return c.transaction is None and c.pending_tag is None and self._can_charge(c)

    @after(Action.remote_start_transaction)
    def after_remote_start_transaction(self, **_):
        if self._remote_start is not None:
            c, id_tag = self._remote_start
            self._remote_start = None
            self._spawn(self._remote_start_transaction(c, id_tag))

    async def _remote_start_transaction(self, c, id_tag: str) -> None:
        """§5.11: AuthorizeRemoteTxRequests true authorizes first, like a local start."""
        if self.config.boolean("AuthorizeRemoteTxRequests"):
            info = await self._authorize(id_tag)
            if info is None:
                return
        else:
            info = {"status": "Accepted"}
        if self._free(c):
            self._begin(c, id_tag, info)

    @on(Action.remote_stop_transaction, skip_schema_validation=True)
    def on_remote_stop_transaction(self, transaction_id: int, **_):
        return call_result.RemoteStopTransaction(status=self._remote_stop_status(transaction_id))

    def _remote_stop_status(self, transaction_id: int) -> str:
        """§5.12: Accepted when "a transaction with the given transactionId is ongoing": not one already
        stopped, whose StopTransaction may still wait for its answer."""
        running = self._registration == "Accepted" and self._running(transaction_id) is not None
        return "Accepted" if running else "Rejected"

    @after(Action.remote_stop_transaction)
    def after_remote_stop_transaction(self, transaction_id: int, **_):
        c = self._running(transaction_id) if self._registration == "Accepted" else None
        if c is not None:
            self._stop_transaction(c, "Remote")

    # ---- Reset (§5.14)

    @on(Action.reset, skip_schema_validation=True)
    def on_reset(self, type: str, **_):
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    def after_reset(self, type: str, **_):
        self._spawn(self._reset(type))

    def _reset_stop_reason(self, kind: str) -> str:
        return "HardReset" if kind == "Hard" else "SoftReset"

    async def _reset(self, kind: str) -> None:
        """Stop every transaction, try to deliver what is queued, then reboot (errata 3.36)."""
        reason = self._reset_stop_reason(kind)
        for c in self.connectors[1:]:
            if c.transaction is not None:
                self._stop_transaction(c, reason)
        await self._flush()
        await self._reboot()

    async def _flush(self) -> None:
        while self._sender is not None and not self._sender.done():
            await asyncio.wait({self._sender})

    # ---- UnlockConnector (§5.18)

    @on(Action.unlock_connector, skip_schema_validation=True)
    def on_unlock_connector(self, connector_id: int, **_):
        return call_result.UnlockConnector(status=self._unlock_status(connector_id))

    def _has_lock(self, connector_id: int) -> bool:
        return 1 <= connector_id < len(self.connectors) and not self.settings.fixed_cable

    def _unlock_status(self, connector_id: int) -> str:
        """NotSupported for a fixed cable or an unknown connector (errata 3.85)."""
        if not self._has_lock(connector_id):
            return "NotSupported"
        return "UnlockFailed" if self.connectors[connector_id].unlock_failing else "Unlocked"

    @after(Action.unlock_connector)
    def after_unlock_connector(self, connector_id: int, **_):
        if not self._has_lock(connector_id):
            return
        c = self.connectors[connector_id]
        if c.transaction is not None:
            self._stop_for_unlock(c)
        if not c.unlock_failing and c.held_for is not None:
            self._release_cable(c)

    def _stop_for_unlock(self, c) -> None:
        """§5.18: a transaction on the connector is finished first."""
        self._stop_transaction(c, "UnlockCommand")
