"""ExternalSut: the SUT interface of docs/architecture.md §4 for a charge point we do not host,
behind our recording endpoint and a controller: its life from ``open()`` to ``close()`` (left
as found on every exit path), its steps, and the boot each example starts with.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Callable

import attrs

from adapters.clock import RealClock
from adapters.control import PHYSICAL_OPS, step_problem
from adapters.controllers import ControllerError, MicroOcppController
from adapters.csms import CS_ACTIONS, CentralSystem, CsmsPolicy, Frame
from vocabulary import ENVIRONMENT_OPS

from .description import FEATURE_PROFILES, Description, DescriptionError
from .kinds import CONTROLLERS
from .observed import Observed, outcome_status
from .preconditions import FAILURE_UNDO, HEARTBEAT_INTERVAL, PreconditionError, Preconditions

POLL = 0.005  # seconds between looks at the recorded frames
RETRY = 0.2  # seconds between requests to a controller that cannot be reached
REAL_TIME_CONFIGURATION = (("HeartbeatInterval", "5"), ("MeterValueSampleInterval", "3"),
                           ("TransactionMessageRetryInterval", "1"), ("ConnectionTimeOut", "10"))
"""Short intervals set at open() so that the charge point's timers run out within the
short real waits of an external run (docs/external.md §5); [configuration] overrides them.
The model allows ``tolerance`` either way on ConnectionTimeOut, so a timeout that fires
within a step is not judged early."""


ACTED = frozenset({"Authorize", "StartTransaction", "StopTransaction", "StatusNotification"})
"""What a charge point sends because of a physical step (a card, a cable): a step the controller calls
refused after one of these was sent has happened (:meth:`ExternalSut._physical`)."""


class ConnectTimeout(TimeoutError):
    """No charge point connected to the endpoint in time."""


@attrs.frozen
class Skipped:
    """A physical step the controller refused in the charge point's present state (e.g. a card
    while the charge point is not Accepted): nothing happened, and the run goes on."""

    step: dict
    reason: str
    kind = "skipped"


class Leftover(dict):
    """``ExternalSut.leftover``: its items, and beside them ``transfers``, the notifications (Firmware- and
    DiagnosticsStatusNotification) of the transfers that may still be under way; None (the first example): any.
    Before the first example: ``idle``, the notifications that a TriggerMessage got answered Idle; ``triggered``,
    those a TriggerMessage Accepted that have not come yet."""

    transfers: frozenset[str] | None = None
    idle: frozenset[str] = frozenset()
    triggered: frozenset[str] = frozenset()


class ExternalSut(Preconditions):
    """A charge point we do not host, behind our endpoint and a controller (architecture §4)."""

    real_time = True  # AdvanceTime is a real wait: runs generate short ones (timing.max_advance)

    def __init__(self, description: Description, controller=None, *, input=None, output=None):
        self.description = description
        self.timing = description.timing
        self.controller = controller if controller is not None else description.controller.build(
            description.timing.call_timeout, input, output)
        self.clock = RealClock()
        self.csms: CentralSystem | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.reported_profiles: frozenset[str] = frozenset()
        self.boot_mode = description.boot
        self.example_start = 0
        self.observed = Observed(charge_point_id=description.id)
        self.baseline: dict[str, str] = {}  # configuration to restore before each example
        self.original: dict[str, str] = {}  # the writable configuration as found at open(), restored at close()
        self.plugged: set[int] = set()
        self.faulted: set[int] = set()
        self.unlock_failing: set[int] = set()
        self.failing: set[str] = set()  # FAILURE_UNDO ops switched on
        self.powered = self.network = True
        self._boot_prepared = False
        self.injected: set[int] = set()
        """Seqs of frames the controller made the charge point send (docs/external.md §7)."""
        self.skipped: list[Skipped] = []
        self.leftover: Leftover = Leftover()
        """What the charge point kept from earlier examples and fresh() could not clear: the model
        starts from it (``localList``: (AuthorizationData list, listVersion); ``stops``: transactionIds
        whose StopTransaction may still come from its queue; ``queue``: that queue may still be delivering;
        beside the items, ``transfers``)."""
        self.queue_kept = False
        """The model of the example under way took statuses as queued (properties/harness.py note_queue)."""
        self.queued_stops: set[int] = set()
        """Transactions seen running that the charge point no longer has (RemoteStopTransaction Rejected)
        while fresh() runs: their StopTransaction may still be in its queue (Preconditions._note_queue)."""
        self.setup_from = 0  # where the frames of the last fresh() begin

    def identity(self) -> dict:
        """The last BootNotification payload seen."""
        self._observe()
        return dict(self.observed.boot)

    @property
    def features(self) -> frozenset[str]:
        """The OCTT prerequisites this charge point meets (properties/octt/catalogue.py
        PREREQUISITES), as its description declares them."""
        d = self.description
        profiles = {f"profile:{p}" if p in self.profiles else f"no-profile:{p}"
                    for p in FEATURE_PROFILES if p != "Core"}
        cable = "fixed-cable" if d.fixed_cable else "no-fixed-cable"
        power = set() if "backup-power" in d.features else {"no-backup-power"}
        lock = {"connector-lock"} if d.connector_lock else set()  # without one, TC_017_1/TC_018_1 do not apply
        # a controller whose PlugIn is a message only (sap): the charge point senses no cable, so the
        # ConnectionTimeOut cases do not apply (OCPP 1.6 §9.1.6, errata v4.0 3.87; §3.6)
        kind = CONTROLLERS[d.controller.kind]
        sensed = {"cable-sensed"} if kind.cable else set()
        card = {"card-logic"} if kind.card else set()  # sap: the controller decides what a card does (TC_068/069)
        return frozenset({cable, *profiles, *power, *lock, *sensed, *card, *d.features})

    # ---- life cycle

    async def open(self) -> None:
        """Listen, wait for the charge point, learn the controller's ops, set [configuration]."""
        if self.csms is not None:
            return
        endpoint = self.description.endpoint
        self.csms = CentralSystem(
            endpoint.host, endpoint.port, self.clock,
            CsmsPolicy(heartbeat_interval=HEARTBEAT_INTERVAL),
            basic_auth=None if endpoint.basic_auth is None else dict([endpoint.basic_auth]),
            ssl_context=endpoint.ssl_context(), max_frame=endpoint.max_frame, max_rate=endpoint.max_rate)
        await self.csms.start()
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        await self._wait_first_connection()
        self.capabilities = await self._physical_ops() | ENVIRONMENT_OPS
        await self.settle()
        try:
            await self._configure()
        except PreconditionError:
            if not {"PowerLoss", "PowerOn"} <= self.capabilities:
                raise
            # a charge point stuck by an earlier run (the SAP simulator left Rejected answers no CALL,
            # sim-triage sap-s2-5) gets one power cycle before the run gives up
            await self._power_cycle()
            await self._configure()

    async def _configure(self) -> None:
        await self._learn_configuration()
        self.boot_mode = self._resolve_boot_mode()
        await self._apply_configuration()

    async def _power_cycle(self) -> None:
        """PowerLoss and PowerOn through the controller, and the boot after it (bounded)."""
        since = len(self.csms.frames)
        await self._controller_step({"op": "PowerLoss"})
        await self._wait(lambda: self._disconnected_since(since), self.timing.tolerance)
        await self._controller_step({"op": "PowerOn"})
        await self._wait_boot(since)
        await self.settle()

    async def _physical_ops(self) -> frozenset[str]:
        reported = frozenset(await self.controller.capabilities()) & frozenset(PHYSICAL_OPS)
        declared = self.description.actions
        if declared is None:
            return reported
        if not declared <= reported:
            raise DescriptionError(
                f"{self.description.path}: [actions] supported: the controller cannot perform "
                f"{sorted(declared - reported)} (it reports {sorted(reported)})")
        return declared

    def _resolve_boot_mode(self) -> str:
        mode = self.description.boot
        if mode == "auto":
            if {"PowerLoss", "PowerOn"} <= self.capabilities:
                return "power-cycle"
            return "trigger" if "RemoteTrigger" in self.profiles else "none"
        if mode == "power-cycle" and not {"PowerLoss", "PowerOn"} <= self.capabilities:
            raise DescriptionError(f"{self.description.path}: [charge_point] boot: "
                                   "\"power-cycle\" needs a controller that can PowerLoss and PowerOn")
        if mode == "trigger" and "RemoteTrigger" not in self.profiles:
            raise DescriptionError(f"{self.description.path}: [charge_point] boot: \"trigger\" "
                                   "needs the RemoteTrigger profile in [charge_point] profiles")
        return mode

    async def _wait_first_connection(self) -> None:
        """Half of connect_timeout for the charge point to connect by itself; then its controller
        powers it on and brings its network up (an earlier run may have left it off or offline),
        and the other half."""
        if isinstance(self.controller, MicroOcppController):
            self.controller.default_backend_url = self.csms.url
        half = self.timing.connect_timeout / 2
        if not await self._connected_within(half):
            revived = await self._revive()
            if not await self._connected_within(self.timing.connect_timeout - half):
                raise ConnectTimeout(self._no_connection_message(revived))
        changes = self.observed.update(self.csms.frames)
        if changes:
            raise PreconditionError(
                f"charge point {changes[0][1]!r} connected to {self.csms.url}, but the "
                f"description {self.description.path} expects [charge_point] id = "
                f"{changes[0][0]!r}")

    async def _connected_within(self, seconds: float) -> bool:
        try:
            await self.csms.wait_connected(seconds)
        except TimeoutError:
            return False
        return True

    async def _revive(self) -> list[str]:
        """PowerOn and NetworkUp through the controller, as far as it can (best effort); the ops
        it carried out."""
        try:
            ops = await self._physical_ops()
        except (ControllerError, DescriptionError):
            return []
        done = []
        for op in ("PowerOn", "NetworkUp"):
            if op in ops:
                try:
                    await self.controller.perform({"op": op})
                    done.append(op)
                except ControllerError:
                    pass
        return done

    def _no_connection_message(self, revived: list[str] = ()) -> str:
        refused = [frame.error for frame in self.csms.frames if frame.is_violation]
        hint = f"; refused attempts: {' | '.join(refused[-3:])}" if refused else ""
        if revived:
            hint += f"; its controller's {' and '.join(revived)} did not help"
        name = self.description.id or "<identity>"
        return (f"no charge point connected to {self.csms.url} within "
                f"{self.timing.connect_timeout} s: set the charge point's Central System URL to "
                f"{self.csms.url}/{name} (subprotocol ocpp1.6){hint}")

    async def close(self) -> None:
        """Leave the charge point as found (best effort), stop the controller and endpoint."""
        try:
            async with asyncio.timeout(self.timing.connect_timeout + 2 * self.timing.call_timeout):
                await self._leave_as_found()
        except TimeoutError:
            pass  # the next run's fresh() will say what is wrong
        close = getattr(self.controller, "close", None)
        if close is not None:
            await close()
        if self.csms is not None:
            await self.csms.stop()
            self.csms = None

    async def _leave_as_found(self) -> None:
        """Undo what the examples did, each part whatever became of the others: a later run
        against the same charge point cannot know that we switched its power or network off,
        answered its boot Rejected, or plugged its cables, nor the transactions we started
        (their StopTransaction would come as news to it)."""
        undo = [self._restore_power_and_network, self._restore_registration,
                self._stop_transactions, self._restore_original]
        undo += [functools.partial(self._controller_step, step) for step in self._undo_steps()]
        online_only = (self._stop_transactions, self._restore_original)
        for part in undo:
            try:
                if part not in online_only or self.csms is not None and self.csms.connected:
                    await part()
            except (ControllerError, PreconditionError):
                pass  # the next run's fresh() will say what is wrong
        if self.csms is not None:
            await self.settle()

    async def _restore_power_and_network(self) -> None:
        """PowerOn and NetworkUp for what we took away, and the reconnection (bounded)."""
        was_off = not (self.powered and self.network)
        if not self.powered:
            await self._controller_step({"op": "PowerOn"})
        if not self.network:
            await self._controller_step({"op": "NetworkUp"})
        if was_off and self.csms is not None:
            await self._wait(self._online, self.timing.connect_timeout)

    async def _restore_registration(self) -> None:
        """Our boot answers back to Accepted; a charge point left Pending or Rejected by a
        SetBootResponse boots again (its own retry after the interval, else our boot mode)."""
        if self.csms is None:
            return
        self.csms.policy = CsmsPolicy(next_transaction_id=self.csms.policy.next_transaction_id,
                                      heartbeat_interval=HEARTBEAT_INTERVAL)
        if self.csms.connected:
            await self._ensure_registered()

    # ---- configuration

    @property
    def profiles(self) -> frozenset[str]:
        """The feature profiles the description declares and those the charge point reports
        (SupportedFeatureProfiles, OCPP 1.6 §9.1.29): fresh() clears what either has."""
        return self.description.profiles | self.reported_profiles

    async def _learn_configuration(self) -> None:
        outcome = await self.call("GetConfiguration", {})
        keys = (outcome.payload or {}).get("configurationKey")
        for entry in keys if isinstance(keys, list) else ():
            if isinstance(entry, dict) and entry.get("key") == "SupportedFeatureProfiles" \
                    and isinstance(entry.get("value"), str):
                self.reported_profiles = frozenset(
                    name.strip() for name in entry["value"].split(",")) & set(FEATURE_PROFILES)
        self.baseline = {entry["key"]: entry["value"] for entry in keys or ()
                         if isinstance(entry, dict) and not entry.get("readonly")
                         and isinstance(entry.get("key"), str) and isinstance(entry.get("value"), str)
                         } if isinstance(keys, list) else {}
        self.original = dict(self.baseline)

    async def _restore_original(self) -> None:
        """The keys this run changed (its [configuration], the short intervals, the examples' changes) back
        to what open() found: a charge point that persists its configuration (MicroOcppSimulator) would
        otherwise start the next run from this one's (sim-triage, open item 6)."""
        self._observe()
        changed = self.observed.changed_keys | {k for k, v in self.baseline.items() if self.original.get(k) != v}
        for key in sorted(changed & self.original.keys()):
            await self.call("ChangeConfiguration", {"key": key, "value": self.original[key]})

    async def _apply_configuration(self) -> None:
        await self._shorten_intervals()
        for key, value in self.description.configuration:
            if self.baseline.get(key) != value:
                await self._change_configuration(key, value, "[configuration] " + key)
            self.baseline[key] = value
        self._observe()
        self.observed.changed_keys.clear()

    async def _shorten_intervals(self) -> None:
        """REAL_TIME_CONFIGURATION, for the writable keys the charge point reported and
        [configuration] leaves alone; a refusal keeps the charge point's value (no error)."""
        explicit = {key for key, _ in self.description.configuration}
        for key, value in REAL_TIME_CONFIGURATION:
            if key in explicit or key not in self.baseline or self.baseline[key] == value:
                continue
            outcome = await self.call("ChangeConfiguration", {"key": key, "value": value})
            if outcome_status(outcome) in ("Accepted", "RebootRequired"):
                self.baseline[key] = value

    async def _change_configuration(self, key: str, value: str, why: str) -> None:
        outcome = await self.call("ChangeConfiguration", {"key": key, "value": value})
        status = outcome_status(outcome)
        if status not in ("Accepted", "RebootRequired"):
            raise PreconditionError(f"{self.description.path}: {why}: ChangeConfiguration "
                                    f"{key} = {value!r} was answered {status}")

    async def _restore_configuration(self) -> None:
        self._observe()
        for key in sorted(self.observed.changed_keys & self.baseline.keys()):
            await self._change_configuration(key, self.baseline[key], "restoring the value "
                                             "found at the start of the run")
        self._observe()
        self.observed.changed_keys.clear()

    # ---- frames

    async def call(self, action: str, payload: dict):
        """A CALL of our own (setup, not an example's step). A connection lost in its middle
        (OCPP-J allows it) is waited out: the CALL is sent again once the charge point is back,
        until connect_timeout (docs/external.md §6)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timing.connect_timeout
        while True:
            outcome = await self.csms.call(action, payload, self.timing.call_timeout)
            if outcome.kind != "offline" or not (self.powered and self.network):
                return outcome
            if not await self._wait(self._online, deadline - loop.time()):
                return outcome

    def _observe(self) -> None:
        """Read new frames; a new charge point identity is recorded as an error event."""
        if self.csms is None:
            return
        for old, new in self.observed.update(self.csms.frames):
            self._identity_changed(old, new)

    def _add_event(self, payload: dict, error: str) -> None:
        """An event frame of our own (the endpoint records only what crosses the wire)."""
        self._observe()
        self.csms.frames.append(Frame(len(self.csms.frames), self.clock.now(), "event", "",
                                      None, None, None, payload, error))
        self.observed.cursor = len(self.csms.frames)

    def _identity_changed(self, old: str, new: str) -> None:
        self._add_event(
            {"chargePointId": new, "previousChargePointId": old},
            f"OCPP-J 1.6 §3.1.1: a charge point connected as {new!r} while {old!r} was under "
            f"test (the identity in the connection URL identifies one charge point); "
            f"treated as a new charge point, whose state is unknown until the next fresh()")
        for marked in (self.plugged, self.faulted, self.unlock_failing, self.failing):
            marked.clear()

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Poll (observing frames) until ``predicate()`` or ``timeout`` real seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._observe()
            if predicate():
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(POLL)

    async def settle(self) -> None:
        """Return once no frame arrived for ``quiet`` s and no CP CALL is unanswered (bounded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timing.settle_limit
        seen, since = len(self.csms.frames), loop.time()
        while loop.time() < deadline:
            await asyncio.sleep(POLL)
            if len(self.csms.frames) != seen:
                seen, since = len(self.csms.frames), loop.time()
            elif loop.time() - since >= self.timing.quiet and self.csms.idle:
                break
        self._observe()

    async def check_alive(self) -> None:
        """The end of a run: the charge point is connected, or comes back within connect_timeout
        (what we switched off is switched on first); else PreconditionError, since the examples
        after it went away checked next to nothing."""
        if self.csms is None:
            return
        await self._restore_power_and_network()
        if not await self._wait(self._online, self.timing.connect_timeout):
            raise PreconditionError(self._gone_message())

    async def advance(self, seconds: float) -> None:
        """Real time passes (the charge point's timers run on its own clock)."""
        await asyncio.sleep(seconds)
        await self.settle()

    # ---- steps

    async def perform(self, step: dict):
        """A physical action, an environment op, or a Central System CALL (returns its outcome)."""
        op = step.get("op") if isinstance(step, dict) else None
        if op in PHYSICAL_OPS:
            return await self._physical(step)
        elif op == "AdvanceTime":
            await self.advance(_seconds(step))
        elif op in ENVIRONMENT_OPS:
            self.csms.policy.apply(step)
        elif op in CS_ACTIONS:
            payload = {key: value for key, value in step.items() if key != "op"}
            return await self.csms.call(op, payload, self.timing.call_timeout)
        else:
            raise ValueError(f"unknown op {op!r} in step {step!r}")
        return None

    async def _physical(self, step: dict) -> None:
        op = step["op"]
        if op not in self.capabilities:
            raise ValueError(f"{op}: the controller of {self.description.path} cannot perform it "
                             f"(it can: {sorted(self.capabilities & set(PHYSICAL_OPS))})")
        problem = step_problem(step, PHYSICAL_OPS)
        if problem is None and step.get("connectorId", 0) > self.description.connectors:
            problem = (f"{op}: connector {step['connectorId']} does not exist (the charge point "
                       f"has {self.description.connectors})")
        if problem is not None:
            raise ValueError(problem)
        await self.await_reboot(step)
        since = len(self.csms.frames)
        try:
            injected = await self._control(step)
        except ControllerError as exc:
            if not exc.refused:
                raise
            if not self._acted_since(since):
                self.skipped.append(Skipped(step, str(exc)))
                return self.skipped[-1]
            injected = []  # the charge point acted on it: the SAP simulator calls a startTransaction failed
            # when the Central System answered its StartTransaction with a CALLERROR (a FailNext)
        self._remember(step)
        await self._mark_injected(injected, since)
        if op in ("PowerOn", "NetworkUp"):
            await self._wait(self._online, self.timing.connect_timeout)
        elif op in ("PowerLoss", "NetworkDown"):
            await self._wait(lambda: self._disconnected_since(since), self.timing.tolerance)
        return None

    async def _mark_injected(self, injected: list[dict], since: int) -> None:
        """Find the frames the controller made the charge point send (up to ``tolerance`` for
        each to arrive) and mark them: the harness does not judge their transitions."""
        for message in injected:
            def frame():
                return next((f for f in self.csms.frames[since:] if f.seq not in self.injected
                             and f.direction == "cp->cs" and f.message_type == 2
                             and f.action == message["action"] and not f.error
                             and all((f.payload or {}).get(key) == value
                                     for key, value in message.items() if key != "action")), None)
            if await self._wait(lambda: frame() is not None, self.timing.tolerance):
                self.injected.add(frame().seq)

    def _online(self) -> bool:
        """Connected, and the endpoint has recorded the connection."""
        return self.csms.connected and self.observed.connected

    def _acted_since(self, index: int) -> bool:
        """The charge point has sent a CALL a physical step leads to since frame ``index``."""
        return any(frame.direction == "cp->cs" and frame.message_type == 2 and frame.action in ACTED
                   for frame in self.csms.frames[index:])

    def _disconnected_since(self, index: int) -> bool:
        """The endpoint has recorded a disconnection since frame ``index``."""
        return any(frame.direction == "event" and frame.error == "disconnected"
                   for frame in self.csms.frames[index:])

    def _remember(self, step: dict) -> None:
        """What we did to the physical world, to undo it in fresh()."""
        op, connector = step["op"], step.get("connectorId")
        marks = {"PlugIn": (self.plugged, True), "Unplug": (self.plugged, False),
                 "Fault": (self.faulted, True), "ClearFault": (self.faulted, False),
                 "SetUnlockFailure": (self.unlock_failing, step.get("failing"))}
        if op in marks:
            marked, on = marks[op]
            (marked.add if on else marked.discard)(connector)
        elif op in FAILURE_UNDO:
            on = step.get("failing", step.get("stage")) not in (None, False)
            (self.failing.add if on else self.failing.discard)(op)
        elif op in ("PowerLoss", "PowerOn"):
            self.powered = op == "PowerOn"
        elif op in ("NetworkDown", "NetworkUp"):
            self.network = op == "NetworkUp"

    async def _controller_step(self, step: dict) -> None:
        if step["op"] not in self.capabilities:
            raise PreconditionError(f"the charge point needs {step} to reach the OCTT §1.3 "
                                    f"preconditions, but its controller cannot do {step['op']}")
        await self.await_reboot(step)
        try:
            await self._control(step)
        except ControllerError as exc:
            raise PreconditionError(f"{step['op']} failed: {exc}") from exc
        self._remember(step)

    def reboot_first(self, step: dict) -> bool:
        """A controller whose PowerLoss is a graceful stop (SAP) does not cut the charge point's
        power: a reboot after an accepted Reset still under way (SAP's reset sleeps resetTime, then
        starts the station whatever the controller did meanwhile) would undo its PowerLoss or
        PowerOn (sim-triage S26). A controller that restarts with the charge point (MicroOcpp's API)
        carries a step out only once the charge point is back: judged at the step's start, its card
        would be taken as one presented offline (session 2). Such a step waits for that reboot's
        BootNotification first (:meth:`await_reboot`); the harness judges the wait as time passing
        before the step."""
        op = step.get("op")
        graceful = op in ("PowerLoss", "PowerOn") and self.description.controller.power_loss == "graceful"
        restarting = op in PHYSICAL_OPS and getattr(self.controller, "restarts_with_charge_point", False)
        if not (graceful or restarting):
            return False
        self._observe()
        return self.observed.rebooting

    async def await_reboot(self, step: dict) -> None:
        """Up to [timing] reboot for the reboot :meth:`reboot_first` says ``step`` must wait for."""
        if self.reboot_first(step):
            await self._wait(lambda: not self.observed.rebooting, self.timing.reboot)
            self.observed.rebooting = False

    async def await_reset_reboot(self) -> None:
        """Up to [timing] reboot for the reboot an accepted Reset started (no spec deadline, §5.14): an
        OCTT case takes its BootNotification as the Reset step's doing (MicroOcpp reboots 10 s later)."""
        self._observe()
        if self.observed.rebooting:
            await self._wait(lambda: not self.observed.rebooting, self.timing.reboot)
            self.observed.rebooting = False

    async def _control(self, step: dict) -> list[dict]:
        """The controller performs the step; while it cannot be reached (a simulator restarting
        after a Reset), it is asked again until connect_timeout. Returns the messages it made
        the charge point send (a controller's injections, e.g. SAP's StatusNotifications)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timing.connect_timeout
        while True:
            try:
                return list(await self.controller.perform(step) or ())
            except ControllerError as exc:
                if exc.refused or loop.time() >= deadline:
                    raise
            await asyncio.sleep(min(RETRY, max(0.0, deadline - loop.time())))

    # ---- the example's first step: PowerOn

    async def _prepare_boot(self) -> None:
        """The first half of the boot the next example starts with (see start())."""
        since = len(self.csms.frames)
        if self.boot_mode == "power-cycle":
            await self._controller_step({"op": "PowerLoss"})
            await self._wait(lambda: self._disconnected_since(since), self.timing.tolerance)
        self._boot_prepared = True

    async def start(self) -> None:
        """Boot: power-cycle (prepared by fresh()), reset, triggered boot, or connection only."""
        await self.open()
        if not self._boot_prepared:
            await self._prepare_boot()
        self._boot_prepared = False
        since = len(self.csms.frames)
        if self.boot_mode == "power-cycle":
            await self._controller_step({"op": "PowerOn"})
        elif self.boot_mode == "reset":
            await self._reset(since)
        if self.boot_mode in ("power-cycle", "reset"):
            await self._wait_boot(since)
        else:
            await self._reconnect()
            self._still_connected()
        if self.boot_mode == "trigger":
            await self._expect("TriggerMessage", {"requestedMessage": "BootNotification"},
                               ("Accepted",))
            await self._wait_boot(since)
        await self.settle()

    async def _reset(self, since: int) -> None:
        """Reset Soft and the disconnection: all within the example's first step, because the
        charge point reconnects by itself (the model sees the connection drop and come back)."""
        await self._expect("Reset", {"type": "Soft"}, ("Accepted",))
        if not await self._wait(lambda: self._disconnected_since(since),
                                self.timing.connect_timeout):
            raise PreconditionError("Reset Soft was Accepted but the charge point did not "
                                    f"disconnect within {self.timing.connect_timeout} s")

    def _still_connected(self) -> None:
        """Record that the connection, made before the example, is there as it begins.

        The model starts each example with the charge point off and offline; with
        boot "trigger" or "none" the charge point stays connected, so PowerOn would
        otherwise show its messages without a connection.
        """
        self._add_event({"chargePointId": self.observed.charge_point_id,
                         "subprotocol": "ocpp1.6", "alreadyConnected": True}, "connected")

    async def _wait_boot(self, since: int) -> None:
        """Wait for a BootNotification and the StatusNotifications after it (bounded)."""
        if not await self._wait(lambda: self._boot_answered_since(since),
                                self.timing.connect_timeout):
            return  # no boot: the model judges what was (not) seen
        connectors = set(range(self.description.connectors + 1))
        if not await self._wait(lambda: connectors <= self._statuses_since(since),
                                self.timing.tolerance) and self.boot_mode == "trigger":
            await self._trigger_statuses(connectors)


def _seconds(step: dict) -> float:
    seconds = step.get("seconds")
    if type(seconds) not in (int, float) or not 0 <= seconds < float("inf"):
        raise ValueError(f"AdvanceTime: seconds must be a number >= 0, got {seconds!r}")
    return float(seconds)
