"""Injected bugs: each mutant overrides one small method of the bundled charge point.

Every mutant's docstring names the rule it breaks; ``minimal_trace`` is a
hand-written shortest trace (steps of docs/architecture.md §1, after the
charge point has booted with the default CsmsPolicy) that exposes it.
"""

from __future__ import annotations

from .charge_point import ChargePoint
from .keys import Key

ACCEPT_A = {"op": "SetIdTag", "idTag": "A", "status": "Accepted"}
CHARGING = [ACCEPT_A, {"op": "PlugIn", "connectorId": 1},
            {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}]


class SoftResetReportsHardReset(ChargePoint):
    """§5.14, §7.36: a transaction stopped by a soft reset has reason SoftReset; this says HardReset."""

    minimal_trace = [*CHARGING, {"op": "Reset", "type": "Soft"}]

    def _reset_stop_reason(self, kind: str) -> str:
        return "HardReset"


class NoAvailableAfterConnectionTimeOut(ChargePoint):
    """§9.1.6, §4.9 B1: after ConnectionTimeOut without a cable the connector stays Preparing."""

    minimal_trace = [ACCEPT_A, {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"},
                     {"op": "AdvanceTime", "seconds": 61}]

    def _on_connection_timeout(self, c) -> None:
        c.preparing_timer = None


class ReadOnlyKeyAccepted(ChargePoint):
    """§5.3, §9.1.21: a read-only key (NumberOfConnectors) must be Rejected; this accepts it."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "NumberOfConnectors", "value": "3"}]

    def _writable(self, key: Key) -> bool:
        return True


class StopTransactionDroppedWhileOffline(ChargePoint):
    """§3.7: a StopTransaction made while offline MUST be queued; this one is lost."""

    minimal_trace = [*CHARGING, {"op": "NetworkDown"},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}, {"op": "NetworkUp"}]

    def _queues_offline(self, item) -> bool:
        return item.transaction is not None and item.action != "StopTransaction"


class RemoteStartOnConnectorZeroAccepted(ChargePoint):
    """§3.8, §5.11, OCTT TC_027: RemoteStartTransaction on connectorId 0 must be Rejected;
    this treats 0 as "any connector" and starts."""

    minimal_trace = [{"op": "RemoteStartTransaction", "connectorId": 0, "idTag": "A"}]

    def _remote_start_target(self, connector_id):
        return super()._remote_start_target(None if connector_id == 0 else connector_id)


class CacheUsedWhenDisabled(ChargePoint):
    """§3.5.1, §9.1.2: with AuthorizationCacheEnabled false the cache is neither filled nor
    used; this one still authorizes from it (no Authorize.req under LocalPreAuthorize)."""

    minimal_trace = [ACCEPT_A,
                     {"op": "ChangeConfiguration", "key": "AuthorizationCacheEnabled", "value": "false"},
                     {"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"},
                     {"op": "PresentIdTag", "connectorId": 2, "idTag": "A"}]

    def _cache_enabled(self) -> bool:
        return True


class MeterStopBelowMeterStart(ChargePoint):
    """§4.10, errata 3.77: the energy register never goes backwards; meterStop < meterStart here."""

    minimal_trace = [*CHARGING, {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}]

    def _meter_stop(self, c, tx) -> int:
        return tx.meter_start - 1


class ConnectorZeroStatusNotReported(ChargePoint):
    """§4.2, errata 3.22, OCTT TC_001: after Boot Accepted the status of connector 0 and of
    every connector is reported; connector 0 is missing here (the boot itself shows it)."""

    minimal_trace: list[dict] = []

    def _boot_status_connectors(self) -> range:
        return range(1, len(self.connectors))


class UnlockWithoutStoppingTransaction(ChargePoint):
    """§5.18, OCTT TC_018_1: UnlockConnector first stops the transaction on the connector
    (reason UnlockCommand); this unlocks and leaves it running."""

    minimal_trace = [*CHARGING, {"op": "UnlockConnector", "connectorId": 1}]

    def _stop_for_unlock(self, c) -> None:
        pass


class UnknownKeyRejectedNotNotSupported(ChargePoint):
    """§5.3, OCTT TC_040_1: ChangeConfiguration of an unknown key is NotSupported; this says Rejected."""

    minimal_trace = [{"op": "GetConfiguration", "key": ["NoSuchKey"]},  # the model learns the key is unknown
                     {"op": "ChangeConfiguration", "key": "NoSuchKey", "value": "1"}]

    def _unknown_key_status(self) -> str:
        return "Rejected"


class StatusNotReportedAfterReconnect(ChargePoint):
    """§4.9: after being offline the Charge Point SHOULD report its current status when it
    changed meanwhile; this one stays silent."""

    minimal_trace = [{"op": "NetworkDown"}, {"op": "PlugIn", "connectorId": 1}, {"op": "NetworkUp"}]

    def _report_changes(self) -> None:
        pass


class NoAuthorizeForUnknownIdTag(ChargePoint):
    """§4.1: an idTag not in the cache SHALL be authorized with Authorize.req before charging;
    this one starts a transaction for any idTag while online."""

    minimal_trace = [{"op": "PlugIn", "connectorId": 1},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}]

    async def _authorize(self, id_tag: str):
        return {"status": "Accepted"}


class MeterValueSampleIntervalOffByOne(ChargePoint):
    """§3.16.1, §9.1.19: sampled MeterValues come every MeterValueSampleInterval seconds; this one
    waits one second longer each time, so samples drift and one goes missing."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "MeterValueSampleInterval", "value": "10"},
                     *CHARGING, {"op": "AdvanceTime", "seconds": 30}]

    def _sample_delay(self, interval: int) -> float:
        return interval + 1


class SampledDataFirstMeasurandOnly(ChargePoint):
    """§3.16.1, §9.1.17: MeterValuesSampledData "prescribes the set of measurands to be included in a MeterValues.req
    PDU"; this one's periodic samples carry only the first measurand of the list (a meter driver that reads one
    register). Written blind (outside the model's view, session 8) and missed until ConfiguredMeasurandMissing."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "MeterValuesSampledData",
                      "value": "Energy.Active.Import.Register,Power.Active.Import"},
                     {"op": "ChangeConfiguration", "key": "MeterValueSampleInterval", "value": "10"},
                     *CHARGING, {"op": "AdvanceTime", "seconds": 10}]

    def _reading(self, c, measurands: list[str], context: str) -> dict:
        return super()._reading(c, measurands[:1] if context == "Sample.Periodic" else measurands, context)


class ClearCacheKeepsEntries(ChargePoint):
    """§5.4: ClearCache.conf Accepted means the Authorization Cache is empty; this one answers
    Accepted and keeps it, so an idTag it no longer knows starts without Authorize.req under
    LocalPreAuthorize (§3.5, §5.11), or offline (§3.5)."""

    minimal_trace = [ACCEPT_A, {"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}, {"op": "ClearCache"},
                     {"op": "PowerLoss"}, {"op": "PowerOn"},
                     {"op": "RemoteStartTransaction", "connectorId": 1, "idTag": "A"}]

    def _clear_cache(self) -> None:
        pass


class PowerLossReportedAsReboot(ChargePoint):
    """§7.36, OCTT TC_032_2: a transaction found open at boot after a power loss is stopped with
    reason PowerLoss; this one says Reboot."""

    minimal_trace = [*CHARGING, {"op": "PowerLoss"}, {"op": "PowerOn"}]

    def _close_open_transactions(self) -> None:
        for connector in self.connectors[1:]:
            if connector.transaction is not None:
                self._stop_transaction(connector, "Reboot")


class StopTransactionNotRetried(ChargePoint):
    """§3.7.1, §9.1.32: a transaction-related message the Central System failed to process is sent
    again, up to TransactionMessageAttempts times; this one gives up after the first CALLERROR."""

    minimal_trace = [*CHARGING, {"op": "FailNext", "action": "StopTransaction", "count": 1},
                     {"op": "Unplug", "connectorId": 1}, {"op": "AdvanceTime", "seconds": 300}]

    def _failed(self, item) -> None:
        self._drop(item)


class StartTransactionNotRetried(ChargePoint):
    """§3.7.1, §9.1.31: a StartTransaction the Central System failed to process is sent again, up to
    TransactionMessageAttempts times, like any transaction-related message; this one gives it up after the first
    CALLERROR (its StopTransactions are retried)."""

    minimal_trace = [{"op": "FailNext", "action": "StartTransaction", "count": 1}, *CHARGING,
                     {"op": "AdvanceTime", "seconds": 61}]

    def _failed(self, item) -> None:
        if item.action == "StartTransaction":
            self._drop(item)
        else:
            super()._failed(item)


class StopTransactionRetriedAtOnce(ChargePoint):
    """§3.7.1: before every retransmission the charge point waits TransactionMessageRetryInterval × the
    transmissions so far; this one counts one transmission too few, so the first resend goes at once."""

    minimal_trace = [*CHARGING, {"op": "FailNext", "action": "StopTransaction", "count": 1},
                     {"op": "Unplug", "connectorId": 1}]

    def _retry_delay(self, item) -> float:
        return self.config.integer("TransactionMessageRetryInterval") * (item.attempts - 1)


class StartTransactionOvertakesRetry(ChargePoint):
    """§3.7: new transaction-related messages wait until the queue is empty; this one sends a
    StartTransaction while a failed StopTransaction waits for its retry (§3.7.1)."""

    minimal_trace = [*CHARGING, {"op": "FailNext", "action": "StopTransaction", "count": 1},
                     {"op": "Unplug", "connectorId": 1}, {"op": "PlugIn", "connectorId": 2},
                     {"op": "PresentIdTag", "connectorId": 2, "idTag": "A"}]

    def _next_sendable(self):
        if not self._can_send():
            return None
        return next((item for item in self._outbox if item.transaction is None or self._retry_timer is None
                     or item.action == "StartTransaction"), None)


class BootRetryCappedAtOwnInterval(ChargePoint):
    """§4.2: after Pending or Rejected the interval of the answer is the minimum wait before the next
    BootNotification; this one never waits longer than its own retry interval (60 s)."""

    minimal_trace = [{"op": "SetBootResponse", "status": "Pending", "interval": 300},
                     {"op": "PowerLoss"}, {"op": "PowerOn"}, {"op": "AdvanceTime", "seconds": 61}]

    def _retry_boot(self, interval: int) -> None:
        delay = min(interval, self.settings.boot_retry_interval) if interval > 0 else self.settings.boot_retry_interval
        self._boot_timer = self._timer(delay, self._boot_due)


class MeterValueSampleIntervalShort(ChargePoint):
    """§3.16.1, §9.1.19, errata 3.15: sampled MeterValues come every MeterValueSampleInterval seconds; this
    one samples one second sooner each time."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "MeterValueSampleInterval", "value": "10"},
                     *CHARGING, {"op": "AdvanceTime", "seconds": 30}]

    def _sample_delay(self, interval: int) -> float:
        return max(interval - 1, 1)


class MeterValueWithUnitInValue(ChargePoint):
    """§7.43: a SampledValue in format Raw is a decimal number; this one writes its unit into it ("12 Wh")."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "MeterValueSampleInterval", "value": "10"},
                     *CHARGING, {"op": "AdvanceTime", "seconds": 10}]

    def _reading(self, c, measurands: list[str], context: str) -> dict:
        reading = super()._reading(c, measurands, context)
        for value in reading["sampledValue"]:
            value["value"] = f"{value['value']} {value['unit']}"
        return reading


class EVCommunicationErrorWhileEVSuspended(ChargePoint):
    """§4.9, §7.6: EVCommunicationError SHALL only be used with status Preparing, SuspendedEV, SuspendedEVSE
    and Finishing; this one reports it whenever the EV has suspended, whatever the status."""

    minimal_trace = [{"op": "PlugIn", "connectorId": 1}, {"op": "EVSuspend", "connectorId": 1},
                     {"op": "ChangeAvailability", "connectorId": 1, "type": "Inoperative"}]

    def _error_code(self, c) -> str:
        return c.fault or ("EVCommunicationError" if c.ev_suspended else "NoError")


class StopTransactionTriedOnceTooOften(ChargePoint):
    """§3.7.1, §9.1.31: after TransactionMessageAttempts failed transmissions the message SHOULD be
    discarded; this one counts retries, not tries, and sends it once more."""

    minimal_trace = [*CHARGING, {"op": "FailNext", "action": "StopTransaction", "count": 3},
                     {"op": "Unplug", "connectorId": 1}, {"op": "AdvanceTime", "seconds": 360}]

    def _attempts(self) -> int:
        return super()._attempts() + 1


class ClockAlignedReadingsStopAfterFirst(ChargePoint):
    """§3.16.2, errata 3.15: with ClockAlignedDataInterval > 0 MeterValues are sent at every interval; this
    one arms its clock-aligned timer once and never again."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "ClockAlignedDataInterval", "value": "60"},
                     {"op": "AdvanceTime", "seconds": 300}]

    def _aligned_due(self) -> None:
        self._aligned_timer = None
        for c in self.connectors[1:]:
            self._aligned_sample(c)


class StartTransactionDroppedWhileOffline(ChargePoint):
    """§3.5.4, §3.7: the StartTransaction of a transaction authorized offline is sent once the connection is
    restored; this one drops it (the transaction goes on unknown to the Central System)."""

    minimal_trace = [ACCEPT_A, {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}, {"op": "NetworkDown"},
                     {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"},
                     {"op": "NetworkUp"}]

    def _queues_offline(self, item) -> bool:
        return item.transaction is not None and item.action != "StartTransaction"


class MessagesDroppedWithoutTransactionId(ChargePoint):
    """Errata 3.18: when the StartTransaction was given up (§3.7.1) the transaction's messages carry
    transactionId -1; this one drops them, so its StopTransaction never comes."""

    minimal_trace = [{"op": "FailNext", "action": "StartTransaction", "count": 3}, *CHARGING,
                     {"op": "AdvanceTime", "seconds": 300}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}]

    def _transaction_id(self, tx):
        return tx.transaction_id


class UnconfirmedStopTransactionForgottenAtReset(ChargePoint):
    """Errata v4.0 3.36 (§5.14): a StopTransaction sent before a soft reset whose StopTransaction.conf never came
    SHALL be queued; this one forgets it at the reboot (the first StopTransaction of its queue, if the Central System
    did not fail to process it, §3.7.1), so the Central System never learns the transaction ended."""

    minimal_trace = [*CHARGING, {"op": "FailNext", "action": "StopTransaction", "count": 1, "failure": "ConnectionLost"},
                     {"op": "Reset", "type": "Soft"}]

    async def _reset(self, kind: str) -> None:
        for c in self.connectors[1:]:
            if c.transaction is not None:
                self._stop_transaction(c, self._reset_stop_reason(kind))
        await self._flush()
        lost = next((item for item in self._outbox if item.action == "StopTransaction"), None)
        if kind == "Soft" and lost is not None and not lost.attempts:
            self._outbox.remove(lost)
            self._save_queue()
        await self._reboot()


class CacheEntryNeverExpires(ChargePoint):
    """§3.5.1, §3.5.4: "When the validity of a Cache entry expires, it SHALL be changed to expired in the Cache";
    this one keeps it Accepted past its expiryDate, so the card still starts under LocalPreAuthorize (or offline)."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"},
                     {**ACCEPT_A, "expiryDate": "2025-01-01T00:00:30Z"},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}, {"op": "AdvanceTime", "seconds": 61},
                     {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "A"}]

    def _cached(self, id_tag: str) -> dict | None:
        return self.store["cache"].get(id_tag) if self._cache_enabled() else None


CORE_MUTANTS: tuple[type[ChargePoint], ...] = (
        SoftResetReportsHardReset, NoAvailableAfterConnectionTimeOut, ReadOnlyKeyAccepted,
        StopTransactionDroppedWhileOffline, RemoteStartOnConnectorZeroAccepted,
        CacheUsedWhenDisabled, MeterStopBelowMeterStart, ConnectorZeroStatusNotReported,
        UnlockWithoutStoppingTransaction, UnknownKeyRejectedNotNotSupported,
        StatusNotReportedAfterReconnect, NoAuthorizeForUnknownIdTag, MeterValueSampleIntervalOffByOne,
        ClearCacheKeepsEntries, PowerLossReportedAsReboot, StopTransactionNotRetried, StartTransactionNotRetried,
        StopTransactionRetriedAtOnce, StartTransactionOvertakesRetry, BootRetryCappedAtOwnInterval,
        MeterValueSampleIntervalShort, MeterValueWithUnitInValue, EVCommunicationErrorWhileEVSuspended,
        StopTransactionTriedOnceTooOften, ClockAlignedReadingsStopAfterFirst, StartTransactionDroppedWhileOffline,
        MessagesDroppedWithoutTransactionId, UnconfirmedStopTransactionForgottenAtReset, CacheEntryNeverExpires,
        SampledDataFirstMeasurandOnly,
)


def _all() -> dict[str, type[ChargePoint]]:
    from . import (mutants_firmware, mutants_hostile, mutants_localauth, mutants_reservation, mutants_smartcharging,
                   mutants_trigger)

    profiles = (mutants_localauth, mutants_reservation, mutants_smartcharging, mutants_trigger, mutants_firmware,
                mutants_hostile)
    return {cls.__name__: cls for cls in CORE_MUTANTS + sum((m.MUTANTS for m in profiles), ())}


MUTANTS: dict[str, type[ChargePoint]] = _all()


def charge_point_class(mutant: str | None) -> type[ChargePoint]:
    """The bundled charge point, or the mutant called ``mutant``."""
    if mutant is None:
        return ChargePoint
    try:
        return MUTANTS[mutant]
    except KeyError:
        raise ValueError(f"unknown mutant {mutant!r}; known mutants: {', '.join(sorted(MUTANTS))}") from None
