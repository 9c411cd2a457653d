"""``fresh()``: an external charge point brought to the OCTT §1.3 preconditions before each
example (OCTT 1.6 test case document §1.3, docs/external.md §3), and verified; what it will
not give up is left to the model (``leftover``).
"""

from __future__ import annotations

import time
from typing import Any

from adapters.csms import CsmsPolicy

from .observed import BUSY_TRANSFERS, outcome_status

CABLE_STATUSES = ("Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing")  # §4.9
FAILURE_UNDO = {"SetUploadFailure": {"failing": False}, "SetLocalListFailure": {"failing": False},
                "SetFirmwareFailure": {}}  # the step that ends each injected failure (no stage: none)
HEARTBEAT_INTERVAL = 5  # BootNotification.conf interval (OCPP 1.6 §4.2) in external runs


class PreconditionError(RuntimeError):
    """The charge point cannot be brought to the OCTT §1.3 preconditions."""


class Preconditions:
    """Mixed into :class:`~adapters.external.lifecycle.ExternalSut`, whose frames, controller and
    steps it uses."""

    async def fresh(self) -> None:
        """Bring the charge point to the OCTT §1.3 preconditions, verify them, start an example."""
        await self.open()
        self._boot_prepared = False
        self.setup_from = len(self.csms.frames)
        self.csms.policy = CsmsPolicy(next_transaction_id=self.csms.policy.next_transaction_id,
                                      heartbeat_interval=HEARTBEAT_INTERVAL)
        try:
            await self._reach_preconditions()
        except PreconditionError:
            if self.boot_mode != "power-cycle":
                raise
            # the SAP simulator, left Rejected by a boot retry it kept across its stop/start (sim-triage
            # S23), answers nothing: one power cycle registers it again before the preconditions fail
            await self._prepare_boot()
            await self.start()
            await self._reach_preconditions()
        if not self.example_start:
            await self._ask_transfers()
        await self._prepare_boot()
        self._note_queue()
        self.example_start = len(self.csms.frames)

    def _note_queue(self) -> None:
        """What the charge point may still deliver from a queue an earlier example left it (``leftover``): ``stops``,
        the transactions seen to start and never seen to stop that it no longer runs (a RemoteStopTransaction it
        Rejected: stopped, their StopTransaction queued, OCPP 1.6 §3.7, §4.10); ``queue``, whether such a queue is
        still being delivered: stops newly left over, or one left over earlier delivered since the last example
        began (the SAP simulator flushes its buffer with growing pauses across examples, statuses behind its
        stops, sim-sap final2), or the model of the last example took statuses as queued (``queue_kept``: a
        graceful power loss while offline, properties/harness.py note_queue). A queue seen delivering nothing for a
        whole example is not taken as delivering. ``leftover.transfers``, from the second example on: the
        notifications of the transfers this run asked for or saw report (a firmware update or diagnostics upload
        may go on across examples, §4.4, §4.5); of any other kind none is under way."""
        self._observe()
        before = frozenset(self.leftover.get("stops", ()))
        pending = frozenset(t for t in before | self.queued_stops if t not in self.observed.stopped)
        queue = bool(self.queued_stops or before - pending or self.queue_kept)
        self.queue_kept = False
        for key, value in (("queue", queue), ("stops", pending)):
            if value:
                self.leftover[key] = value
            else:
                self.leftover.pop(key, None)
        self.queued_stops.clear()
        if self.example_start:  # a whole example has shown what a transfer from before the run would report
            self.leftover.transfers = self.observed.transfers_known()
            self.leftover.idle = self.leftover.triggered = frozenset()  # said before the first example only

    async def _ask_transfers(self) -> None:
        """Before the first example, whether a firmware update or diagnostics upload from before the run is under
        way: TriggerMessage FirmwareStatusNotification and DiagnosticsStatusNotification (§5.17, §6.51). A
        notification answered Idle ("not busy", §4.4, §4.5) starts the model's transfer of its kind as not busy
        (``leftover.idle``); a trigger Rejected or NotImplemented (§7.44), or another status, leaves it uncertain.
        One Accepted whose notification has not come within ``tolerance`` is owed in the example
        (``leftover.triggered``): it may still come."""
        idle, triggered = set(), set()
        for action in BUSY_TRANSFERS if "RemoteTrigger" in self.profiles else ():
            since = len(self.csms.frames)
            outcome = await self.call("TriggerMessage", {"requestedMessage": action})
            if outcome_status(outcome) != "Accepted":
                continue
            await self._wait(lambda: self._notified_since(action, since) is not None, self.timing.tolerance)
            status = self._notified_since(action, since)
            if status == "Idle":
                idle.add(action)
            elif status is None:
                triggered.add(action)
        self.leftover.idle, self.leftover.triggered = frozenset(idle), frozenset(triggered)

    def _notified_since(self, action: str, index: int) -> str | None:
        """The status of the first ``action`` the charge point sent since frame ``index``."""
        for frame in self.csms.frames[index:]:
            if frame.direction == "cp->cs" and frame.message_type == 2 and frame.action == action and not frame.error:
                return (frame.payload or {}).get("status")
        return None

    async def _reach_preconditions(self) -> None:
        await self._reconnect()
        if await self._wait_transfers():
            await self._reconnect()  # an installed firmware reboots the charge point
        await self._ensure_registered()
        await self._drain_queue()
        await self._stop_transactions()
        await self._undo_physical()
        await self._clear_ocpp_state()
        await self._restore_configuration()
        await self.settle()
        await self._learn_statuses()
        await self._remedy_connectors()
        await self._verify()
    async def _reconnect(self) -> None:
        """Connected: what we switched off comes back on; a charge point still away after half
        of connect_timeout gets its controller's PowerOn and NetworkUp before we give up."""
        await self._restore_power_and_network()
        half = self.timing.connect_timeout / 2
        if await self._wait(self._online, half):
            return
        revived = await self._revive()
        if not await self._wait(self._online, self.timing.connect_timeout - half):
            raise PreconditionError(self._gone_message(revived))

    def _gone_message(self, revived: list[str] = ()) -> str:
        lost = self.observed.disconnected_at
        when = "" if lost is None else \
            f" since {time.strftime('%H:%M:%S', time.localtime(lost))}"
        tried = f"; its controller's {' and '.join(revived)} did not help" if revived else ""
        return (f"the charge point is not connected to {self.csms.url}{when} and did not come back "
                f"within {self.timing.connect_timeout} s{tried}")

    async def _ensure_registered(self) -> None:
        status = self.observed.registration
        if status in (None, "Accepted"):
            return
        if (status == "Rejected" and self.boot_mode != "power-cycle") or self.boot_mode == "none":
            await self._await_boot_retry()  # while Rejected it need not answer us (§4.2)
            status = self.observed.registration
            if status == "Accepted":
                return
        if self.boot_mode == "none":
            raise PreconditionError(f"the charge point's last BootNotification was answered "
                                    f"{status} and [charge_point] boot = \"none\" cannot make it "
                                    "boot again")
        await self.start()
        if self.observed.registration != "Accepted":
            raise PreconditionError("the charge point did not boot again with a BootNotification "
                                    f"(last answer {self.observed.registration})")

    async def _wait_transfers(self) -> bool:
        """A firmware update or diagnostics upload an earlier example asked for may still be under
        way (the SAP simulator's lives through its power cycle): let it end (bounded by
        connect_timeout), so that its statuses do not fall into the next example. True if one was."""
        def busy() -> bool:
            return any(status in BUSY_TRANSFERS[action]
                       for action, status in self.observed.transfers.items())
        self._observe()
        if not busy():
            return False
        await self._wait(lambda: not busy(), self.timing.connect_timeout)
        await self.settle()
        return True

    async def _await_boot_retry(self) -> None:
        """A Pending or Rejected charge point boots again after the interval we answered
        (OCPP 1.6 §4.2), now answered Accepted; wait for that (bounded by connect_timeout)."""
        interval = self.observed.boot_interval
        wait = min(self.timing.connect_timeout, (interval if isinstance(interval, (int, float))
                                                 else 0) + self.timing.tolerance)
        await self._wait(lambda: self.observed.registration == "Accepted", wait)

    async def _stop_transactions(self) -> None:
        for transaction_id in sorted(self.observed.transactions):
            outcome = await self.call("RemoteStopTransaction", {"transactionId": transaction_id})
            if outcome_status(outcome) == "Rejected":  # the charge point no longer has it: its stop may be queued
                self.observed.transactions.pop(transaction_id, None)
                self.queued_stops.add(transaction_id)
        if not await self._wait(lambda: not self.observed.transactions, self.timing.call_timeout):
            raise PreconditionError(f"transactions {sorted(self.observed.transactions)} did not "
                                    "stop after RemoteStopTransaction")
        await self._wait_queue_delivered()

    async def _wait_queue_delivered(self) -> None:
        """Nothing queued (OCTT §1.3): a StopTransaction that got no CALLRESULT is sent again
        (OCPP 1.6 §3.7, after TransactionMessageRetryInterval); wait for it. One that does not
        come within connect_timeout the charge point has dropped (MicroOcpp does, on a CALLERROR):
        the example judged that (TransactionMessageRetry), and nothing is left to wait for."""
        if not await self._wait(lambda: not self.observed.unconfirmed,
                                self.timing.connect_timeout):
            self.observed.unconfirmed.clear()

    async def _undo_physical(self) -> None:
        for step in self._undo_steps():
            await self._controller_step(step)

    def _undo_steps(self) -> list[dict]:
        """The controller steps that undo what the examples did to the physical world."""
        return ([{"op": "SetUnlockFailure", "connectorId": c, "failing": False}
                 for c in sorted(self.unlock_failing)]
                + [{"op": "Unplug", "connectorId": c} for c in sorted(self.plugged)]
                + [{"op": "ClearFault", "connectorId": c} for c in sorted(self.faulted)]
                + [{"op": op, **FAILURE_UNDO[op]} for op in sorted(self.failing)])

    async def _clear_ocpp_state(self) -> None:
        profiles = self.profiles
        for reservation_id in sorted(self.observed.reservations):
            await self.call("CancelReservation", {"reservationId": reservation_id})
        self.observed.reservations.clear()
        if "SmartCharging" in profiles:
            await self._expect("ClearChargingProfile", {}, ("Accepted", "Unknown"))
        if "LocalAuthListManagement" in profiles:
            await self._clear_local_list()
        await self._expect("ChangeAvailability", {"connectorId": 0, "type": "Operative"},
                           ("Accepted", "Scheduled"))
        await self._expect("ClearCache", {}, ("Accepted", "Rejected"))  # Rejected: no cache

    async def _remedy_connectors(self) -> None:
        """What OCPP can do for a connector that is not Available (statuses as last seen)."""
        for connector, (status, _) in sorted(self.observed.status.items()):
            if connector > 0 and status == "Unavailable":
                await self._expect("ChangeAvailability", {"connectorId": connector,
                                                          "type": "Operative"}, ("Accepted",))
            elif connector > 0 and status == "Finishing":  # a cable still locked (§4.9, §5.18)
                await self.call("UnlockConnector", {"connectorId": connector})
            elif connector > 0 and status == "Preparing" and connector not in self.plugged:
                await self._cancel_waiting_authorization(connector)
            else:
                continue
            await self.settle()
        await self._controller_remedies()
        await self._outwait_connection_timeout()

    async def _outwait_connection_timeout(self) -> None:
        """A connector still Preparing may hold an authorization (a card, a RemoteStart) that waits
        for a cable, which neither Inoperative/Operative nor an Unplug ends on every charge point
        (MicroOcpp): it ends after ConnectionTimeOut (§9.1.4, the run's baseline value); wait that
        long, then ask for the statuses anew."""
        def preparing() -> bool:
            return any(connector > 0 and status == "Preparing"
                       for connector, (status, _) in self.observed.status.items())
        if not preparing():
            return
        timeout = self.baseline.get("ConnectionTimeOut", "")
        seconds = float(timeout) if timeout.isdigit() else self.timing.connect_timeout
        await self._wait(lambda: not preparing(), seconds + self.timing.tolerance)
        await self.settle()
        await self._learn_statuses()

    async def _controller_remedies(self) -> None:
        """A connector still not Available that the controller can mend, though not broken by us
        (a cable or a fault an earlier run left behind): Unplug or ClearFault, then its status
        anew. Only then is the charge point blamed (_verify)."""
        steps = []
        for connector, (status, _) in sorted(self.observed.status.items()):
            if connector > 0 and status == "Faulted" and "ClearFault" in self.capabilities:
                steps.append({"op": "ClearFault", "connectorId": connector})
            elif connector > 0 and status in CABLE_STATUSES and "Unplug" in self.capabilities:
                steps.append({"op": "Unplug", "connectorId": connector})
        for step in steps:
            await self._controller_step(step)
        if steps:
            await self.settle()
            await self._learn_statuses()

    async def _cancel_waiting_authorization(self, connector: int) -> None:
        """Preparing with no cable of ours: an authorization (a card, a RemoteStart) waits for
        one until ConnectionTimeOut. Inoperative, then Operative again, ends the wait (§5.2;
        §4.9 allows Preparing -> Unavailable -> Available)."""
        for kind in ("Inoperative", "Operative"):
            await self._expect("ChangeAvailability", {"connectorId": connector, "type": kind},
                               ("Accepted",))

    async def _clear_local_list(self) -> None:
        """Empty the list: SendLocalList Full with listVersion 0, else (a charge point may refuse
        version 0) with the next version. A list it will not give up is left to the model as
        observed (``leftover``), when the frames tell its entries."""
        self.leftover.pop("localList", None)
        version = await self._empty_local_list()
        if version not in (0, -1) and await self._local_list_enabled() == "false":
            # a charge point may refuse to update a list it does not use (the SAP simulator answers Failed)
            await self._change_configuration("LocalAuthListEnabled", "true", "emptying the local list")
            version = await self._empty_local_list()
            await self._change_configuration("LocalAuthListEnabled", "false", "emptying the local list")
        if version in (0, -1):
            return
        self._observe()
        entries = self.observed.local_list
        if entries is None or version != self.observed.list_version:
            raise PreconditionError(
                f"the local authorization list (version {version}) could not be emptied with "
                "SendLocalList Full, listVersion 0 or the next, and its entries are unknown (no "
                "accepted SendLocalList of this run has that version)")
        self.leftover["localList"] = (sorted(entries.values(), key=lambda d: str(d.get("idTag"))),
                                      version)

    async def _empty_local_list(self) -> Any:
        """SendLocalList Full, empty, listVersion 0, then the next version; the version afterwards."""
        version = await self._local_list_version()
        for attempt in (0, version + 1 if isinstance(version, int) else 1):
            if version in (0, -1):  # empty, or not supported (OCPP 1.6 §5.10)
                return version
            await self.call("SendLocalList", {"listVersion": attempt, "updateType": "Full",
                                              "localAuthorizationList": []})
            version = await self._local_list_version()
        return version

    async def _local_list_enabled(self) -> str | None:
        """LocalAuthListEnabled as the charge point reports it now, when it is writable."""
        outcome = await self.call("GetConfiguration", {"key": ["LocalAuthListEnabled"]})
        for entry in (outcome.payload or {}).get("configurationKey") or ():
            if isinstance(entry, dict) and entry.get("key") == "LocalAuthListEnabled" and not entry.get("readonly"):
                return entry.get("value")
        return None

    async def _local_list_version(self) -> Any:
        outcome = await self.call("GetLocalListVersion", {})
        return (outcome.payload or {}).get("listVersion", outcome_status(outcome))

    async def _expect(self, action: str, payload: dict, allowed: tuple[str, ...]) -> None:
        outcome = await self.call(action, payload)
        status = outcome_status(outcome)
        if status not in allowed:
            raise PreconditionError(f"{action} {payload or ''} was answered {status}, "
                                    f"expected {' or '.join(allowed)}")

    async def _drain_queue(self) -> None:
        """What the charge point held back comes now, before anything is undone or verified: a charge point whose
        answer the lost connection took sends nothing until that CALL times out (OCPP-J §4.1.1; MicroOcpp 40 s), then
        all it queued at once, an earlier example's transaction too (sim-triage mo-s4-2). The StatusNotifications a
        trigger asks for come behind it: once they came, and the burst settled, the queue is free."""
        if "RemoteTrigger" in self.profiles:
            await self._trigger_statuses(range(1, self.description.connectors + 1))
            await self.settle()

    async def _learn_statuses(self) -> None:
        """Every connector's status: asked for (RemoteTrigger), or as last reported."""
        connectors = range(1, self.description.connectors + 1)
        if "RemoteTrigger" in self.profiles:
            await self._trigger_statuses(connectors)
        else:  # statuses may still be on their way (a slow boot)
            await self._wait(lambda: set(connectors) <= self.observed.status.keys(),
                             self.timing.tolerance)
            if not set(connectors) <= self.observed.status.keys():
                await self._reboot_for_statuses()

    async def _verify(self) -> None:
        connectors = range(1, self.description.connectors + 1)
        problems = [problem for problem in map(self._connector_problem, connectors) if problem]
        if self.observed.transactions:
            problems.append(f"transactions {sorted(self.observed.transactions)} are running")
        if not self.csms.connected:
            problems.append("the charge point is not connected")
        if problems:
            raise PreconditionError("the charge point is not at the OCTT §1.3 preconditions: "
                                    + "; ".join(problems))

    def _connector_problem(self, connector: int) -> str | None:
        seen = self.observed.status.get(connector)
        if seen is None:
            how = "" if "RemoteTrigger" in self.profiles else \
                " and without the RemoteTrigger profile it cannot be asked for one"
            return f"connector {connector}: no StatusNotification seen{how}"
        status, error_code = seen
        if status == "Available":
            return None
        missing = ({"Unplug", "ClearFault"} if status == "Faulted" else {"Unplug"}) - self.capabilities
        hint = f" (its controller cannot {' or '.join(sorted(missing))}: do it by hand)" \
            if missing else ""
        if status == "Preparing" and not missing:
            hint = " (still after ConnectionTimeOut: an authorization waiting for a cable did not end)"
        return f"connector {connector} is {status} (errorCode {error_code}), not Available{hint}"

    async def _reboot_for_statuses(self) -> None:
        """A charge point that reconnected without booting reports only what changed while it
        was offline (OCPP 1.6 §4.9); without RemoteTrigger, a reboot makes it report every
        connector (§4.2), when the boot mode has one."""
        since = len(self.csms.frames)
        if self.boot_mode == "power-cycle":
            await self._controller_step({"op": "PowerLoss"})
            await self._wait(lambda: self._disconnected_since(since), self.timing.tolerance)
            await self._controller_step({"op": "PowerOn"})
        elif self.boot_mode == "reset":
            await self._reset(since)
        else:
            return
        await self._wait_boot(since)
        await self.settle()

    async def _trigger_statuses(self, connectors) -> None:
        since = len(self.csms.frames)
        await self._expect("TriggerMessage", {"requestedMessage": "StatusNotification"},
                           ("Accepted",))
        wanted = set(connectors)
        if await self._wait(lambda: wanted <= self._statuses_since(since), self.timing.tolerance):
            return
        for connector in sorted(wanted - self._statuses_since(since)):
            await self._expect("TriggerMessage", {"requestedMessage": "StatusNotification",
                                                  "connectorId": connector}, ("Accepted",))
        # accepted, but its own CALLs may wait behind one an earlier connection left unanswered (our endpoint
        # closed as it came: MicroOcpp holds its queue for that Heartbeat's 40 s timeout), which OCPP-J §4.1.1
        # allows for "an implementation-dependent timeout interval": wait up to connect_timeout before blaming
        await self._wait(lambda: wanted <= self._statuses_since(since), self.timing.connect_timeout)

    def _statuses_since(self, index: int) -> set[int]:
        return {frame.payload["connectorId"] for frame in self.csms.frames[index:]
                if frame.direction == "cp->cs" and frame.message_type == 2 and not frame.error
                and frame.action == "StatusNotification"}

    def _boot_answered_since(self, index: int) -> bool:
        return any(frame.direction == "cs->cp" and frame.message_type == 3
                   and frame.action == "BootNotification" for frame in self.csms.frames[index:])
