"""External mode for ``fuzz``, ``octt`` and ``replay`` (``--sut external``).

Builds the :class:`adapters.external.ExternalSut` a run uses from a description
file and the command-line options, the model's :class:`Options` from the
description, and the state-machine rules that differ in real time
(docs/external.md §5):

* ``AdvanceTime`` is a real wait, so the machine draws it from
  :func:`real_times` (at most ``[timing] max_advance`` seconds) instead of
  properties/machine.py ``TIMES`` (up to 300 s), and any longer wait another
  rule asks for (a firmware stage, 61 or 400 s) is cut to ``max_advance``;
* ``SetBootResponse`` uses short intervals for the same reason (a Pending or
  Rejected registration is retried after ``interval`` seconds, OCPP 1.6 §4.2);
* a ``ReserveNow`` expires after 3 or 10 s instead of the machine's 30 or 120 s
  (:data:`REAL_EXPIRIES`), so that expiry happens within a run (§5.13), and so
  does an idTag's ``SetIdTag`` expiryDate 30 s away (§3.5.1); an
  ``UpdateFirmware`` retrieves after 3 s instead of 60 (:data:`REAL_RETRIEVALS`), and
  a ``SetBootResponse`` interval of 300 s is cut to ``max_advance`` + 1 s;
* an example ends with real waits for what falls due soon after its last step
  and for a transfer under way (``RealTimeRules.teardown``).

When the charge point or its controller cannot go on (it cannot be brought to
the OCTT §1.3 preconditions, it does not connect, the controller fails) the run
stops with :class:`SutUnusable`: not a finding, an error that says what is wrong.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import rule

from .preconditions import precondition

from adapters.controllers import ControllerError
from adapters.external.kinds import CONTROLLERS
from adapters.external import (
    ConnectTimeout, Description, DescriptionError, ExternalSut, Overrides, PreconditionError,
)
from model import Options
from model.core import STOP_REASONS
from model.firmware import under_way
from model.localauth import updated
from model.state import ChargePointState, Owed
from model.trigger import SECTION as TRIGGER_SECTION
from model.trigger import TRIGGERED
from vocabulary.dates import iso, seconds

TRANSFER_FIELDS = {"FirmwareStatusNotification": "update", "DiagnosticsStatusNotification": "upload"}
"""The model's transfer (model/firmware.py FirmwareState) that each notification reports."""
REAL_TIMES = (1, 2, 5, 10, 30, 61)
"""Candidate real waits (seconds); a run uses those up to ``[timing] max_advance``."""
REAL_EXPIRIES = {30: 3, 120: 10}
"""ReserveNow expiries (seconds after now) of properties/profiles/reservation.py, and the idTag expiries of
properties/profiles/cache.py (SetIdTag: an Authorize.conf's expiryDate, §3.5.1), shortened for real time."""
REAL_RETRIEVALS = {60: 3}
"""UpdateFirmware retrieveDates (seconds after now) of properties/profiles/firmware.py, shortened for real time."""
HORIZON = max(REAL_EXPIRIES.values())
"""An example ends with real waits for what falls due this long (and ``tolerance``) after its last step: the longest
shortened reservation expiry (:meth:`RealTimeRules.teardown`)."""
MAX_WAITS = 40
"""At most this many waits end an example (a reservation's expiry, then the status it owes, a transfer's stages)."""
BOOT_INTERVALS = (2, 30)
"""SetBootResponse intervals in real time: one retried within a run's waits, one not."""
INFRASTRUCTURE_ERRORS = (ConnectTimeout, DescriptionError, PreconditionError, ControllerError,
                         OSError)


class SutUnusable(BaseException):
    """The external charge point (or its controller) cannot go on: the run stops.

    A BaseException, not an Exception, so that Hypothesis neither shrinks nor
    replays it as if it were a failing example: it ends the run at once.
    """


@attrs.frozen
class ExternalSettings:
    """What ``--sut external`` runs against: the description and its overrides."""

    description: Path
    listen: str | None = None
    controller: str | None = None
    control_url: str | None = None

    def overrides(self) -> Overrides:
        return Overrides(self.listen, self.controller, self.control_url)

    def load(self) -> Description:
        return Description.load(self.description, self.overrides())

    def as_dict(self) -> dict:
        """For a finding's settings (``replay --sut external`` re-reads them)."""
        return {"sut": "external", "description": str(self.description), "listen": self.listen,
                "controller": self.controller, "controlUrl": self.control_url}

    @classmethod
    def from_dict(cls, settings: dict) -> ExternalSettings | None:
        """The external settings a finding was found with; None for a bundled finding."""
        if settings.get("sut") != "external":
            return None
        return cls(Path(settings["description"]), settings.get("listen"),
                   settings.get("controller"), settings.get("controlUrl"))


class GuardedExternalSut(ExternalSut):
    """ExternalSut whose infrastructure failures end the run (:class:`SutUnusable`)."""

    async def open(self) -> None:
        await _guard(super().open(), "cannot start")
        if self.boot_mode == "none":
            await self.close()
            raise SutUnusable(
                f"{self.description.path}: [charge_point] boot = \"none\" gives no boot, but "
                "every example starts with one (PowerOn); set boot = \"reset\", or \"trigger\" "
                "for a charge point with RemoteTrigger, or use a controller that can PowerLoss "
                "and PowerOn")

    async def fresh(self) -> None:
        await _guard(super().fresh(), "cannot begin an example")

    async def start(self) -> None:
        await _guard(super().start(), "cannot boot the charge point")

    async def perform(self, step: dict):
        return await _guard(super().perform(step), f"cannot perform {step.get('op')}")

    async def check_alive(self) -> None:
        await _guard(super().check_alive(), "at the end of the run")


async def _guard(coroutine, what: str):
    try:
        return await coroutine
    except INFRASTRUCTURE_ERRORS as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise SutUnusable(f"external charge point: {what}: {detail}") from exc


def build_sut(settings: ExternalSettings, input=None, output=None) -> GuardedExternalSut:
    """The (unopened) SUT; a manual controller prompts on ``output`` (default stderr)."""
    try:
        description = settings.load()
    except DescriptionError as exc:
        raise SutUnusable(str(exc)) from None
    output = sys.stderr if output is None else output
    try:
        return GuardedExternalSut(description, input=input, output=output)
    except ValueError as exc:  # a controller URL the controller cannot use
        raise SutUnusable(f"{description.path}: [controller] url: {exc}") from None


def model_options(description: Description) -> Options:
    """What the model must know of the charge point: connectors, cable, timing slack, what the
    description declares of its lock, its controller's PowerLoss and its reboot time; and that each
    example starts where the last one left it."""
    return Options(number_of_connectors=description.connectors,
                   fixed_cable=description.fixed_cable, tolerance=description.timing.tolerance,
                   connector_lock=description.connector_lock,
                   graceful_power_loss=description.controller.power_loss == "graceful",
                   cable_sensed=CONTROLLERS[description.controller.kind].cable,
                   reboot_limit=description.timing.reboot, leftovers=True)


def start_from(state, leftover: dict):
    """The model's first state with what the charge point kept from earlier examples because it
    would not give it up (``ExternalSut.leftover``): a Local Authorization List that SendLocalList
    could not empty starts as observed (its entries from our accepted updates, its version).
    A transaction this Central System numbered in an earlier example, stopped there but its
    StopTransaction still queued (``stops``), may be stopped in this one, with any reason (OCPP 1.6
    §3.7 "as soon as possible", §4.10): not a StopTransactionUnknownId. While such a queue is
    delivered (``queue``), a status from it is judged as sent out of order (§4.9). Only the transfers
    ``leftover.transfers`` names may still be under way (:func:`without_transfers`); in the first example, those the
    charge point said Idle of are not busy (:func:`idle_transfers`)."""
    stops = tuple(sorted(leftover.get("stops") or ()))
    if stops:
        owed = tuple(Owed("MayStopTransaction", "", "", "", float("inf"), transaction_id=transaction_id,
                          reasons=STOP_REASONS) for transaction_id in stops)
        state = attrs.evolve(state, owed=state.owed + owed)
    if leftover.get("queue"):
        state = attrs.evolve(state, leftover_queue=True)
    if getattr(leftover, "transfers", None) is not None:
        state = without_transfers(state, leftover.transfers)
    state = idle_transfers(state, getattr(leftover, "idle", ()), getattr(leftover, "triggered", ()))
    if "localList" not in leftover:
        return state
    entries, version = leftover["localList"]
    local_list = attrs.evolve(state.local_list, entries=updated((), "Full", list(entries)),
                              versions=frozenset({version}))
    return attrs.evolve(state, local_list=local_list)


def without_transfers(state, known) -> ChargePointState:
    """No firmware update or diagnostics upload under way but those whose notifications are ``known`` (asked for or
    seen in this run). The model starts an external example with both uncertain (Options.leftovers), and an uncertain
    update may be installing, so any transaction may be stopped for its reboot (§7.36 Reboot): a stop owed with
    reason PowerLoss (§4.10), stopped as Reboot, went unseen in every example."""
    fields = {field: None for action, field in TRANSFER_FIELDS.items() if action not in known}
    return attrs.evolve(state, firmware=attrs.evolve(state.firmware, **fields)) if fields else state


def idle_transfers(state, idle, triggered) -> ChargePointState:
    """What the charge point said before the first example (ExternalSut._ask_transfers): a transfer whose notification
    it answered Idle is not busy (§4.4, §4.5), as after a triggered Idle in an example: it may still keep an update
    waiting for its retrieveDate, so a status that follows begins an attempt (model/firmware.py ``quiet``). A
    notification ``triggered`` and not yet sent may still come (§5.17), at any time: owed, never late."""
    firmware = state.firmware
    for action in idle:
        transfer = getattr(firmware, TRANSFER_FIELDS[action])
        if transfer is not None:
            firmware = attrs.evolve(firmware, **{TRANSFER_FIELDS[action]: attrs.evolve(transfer, idle=True)})
    owed = tuple(Owed(action, "TriggeredMessageNotSent", f"{TRIGGER_SECTION}, §7.44",
                      f"TriggerMessage {action} was Accepted before the example", float("inf"),
                      reasons=frozenset({TRIGGERED})) for action in sorted(triggered))
    return attrs.evolve(state, firmware=firmware, owed=state.owed + owed)


def real_times(max_advance: float) -> tuple[float, ...]:
    """The AdvanceTime values of a real-time run: REAL_TIMES up to ``max_advance``, and it."""
    cap = int(max_advance) if float(max_advance).is_integer() else max_advance
    return tuple(sorted({t for t in REAL_TIMES if t < cap} | {cap}))


def shorter_expiry(step: dict, now: float) -> dict:
    """A ReserveNow whose expiryDate is one of :data:`REAL_EXPIRIES` after ``now``, made that short."""
    expiry = seconds(step["expiryDate"])
    for long, short in REAL_EXPIRIES.items():
        if expiry is not None and abs(expiry - now - long) <= 1:
            return {**step, "expiryDate": iso(now + short)}
    return step


def sooner_retrieval(step: dict, now: float) -> dict:
    """An UpdateFirmware whose retrieveDate is one of :data:`REAL_RETRIEVALS` after ``now``, made that soon."""
    retrieve = seconds(step.get("retrieveDate"))
    for later, sooner in REAL_RETRIEVALS.items():
        if retrieve is not None and abs(retrieve - now - later) <= 1:
            return {**step, "retrieveDate": iso(now + sooner)}
    return step


def shorter_interval(step: dict, cap: float) -> dict:
    """A SetBootResponse whose interval is longer than :data:`BOOT_INTERVALS` comes from a rule that waits it out
    (properties/profiles/core_gaps.py: 61 s, no retry yet; 300 s more, the retry answered Accepted, §4.2); its waits
    are cut to ``cap``, so its interval is cut to ``cap`` + 1 s: the first wait sees no retry, the second sees it."""
    interval = step.get("interval")
    if isinstance(interval, (int, float)) and interval > BOOT_INTERVALS[-1]:
        return {**step, "interval": math.floor(cap) + 1}
    return step


def due_by(state, end: float) -> float:
    """Seconds until the last deadline the model judges the Charge Point at by ``end``; 0 when none falls due by then,
    or it cannot send (offline, powered off). A deadline is a message owed (a retry, §3.7.1; a StatusNotification) or
    a reservation's expiryDate, past which, and the tolerance, its connector is Available again (§5.13 (2))."""
    now, tolerance = state.time, state.options.tolerance
    if not (state.online and state.powered):
        return 0
    dues = [o.due for o in state.owed if o.action != "MayStopTransaction"]
    dues += [r.expiry + tolerance for r in state.reservations.live if not r.uncertain]
    dues = [due for due in dues if now < due <= end]
    return max(dues) - now if dues else 0


def transferring(state) -> bool:
    """A firmware update or diagnostics upload is under way (§4.4, §4.5) on a Charge Point that is powered."""
    return state.powered and (under_way(state, "update") or under_way(state, "upload"))


def owed_now(state) -> float:
    """Seconds until the last message the Charge Point owes within ``tolerance`` of now is due; 0 when it owes none,
    or cannot send (offline, powered off)."""
    now, tolerance = state.time, state.options.tolerance
    if not (state.online and state.powered):
        return 0
    dues = [o.due for o in state.owed if o.action != "MayStopTransaction" and now < o.due <= now + tolerance]
    return max(dues) - now if dues else 0


def real_time_rules(max_advance: float) -> type:
    """A mixin for OcppMachine whose time rules suit a charge point on the wall clock."""
    times = real_times(max_advance)
    cap = times[-1]

    class RealTimeRules:
        failed = False

        def do(self, step: dict) -> None:
            """Every wait, whichever rule asks for it (profile rules wait 61 or 400 s), is
            at most ``max_advance``: the step records the wait that really happened."""
            if step.get("op") == "AdvanceTime" and step.get("seconds", 0) > cap:
                step = {**step, "seconds": cap}
            if step.get("op") in ("ReserveNow", "SetIdTag") and "expiryDate" in step:
                step = shorter_expiry(step, self.model.time)
            if step.get("op") == "UpdateFirmware":
                step = sooner_retrieval(step, self.model.time)
            if step.get("op") == "SetBootResponse":
                step = shorter_interval(step, cap)
            try:
                super().do(step)
            except BaseException:
                self.failed = True
                raise

        def teardown(self):
            """An example ends judged: what falls due by :data:`HORIZON` and ``tolerance`` after the last step, and a
            firmware update or diagnostics upload under way, for up to ``connect_timeout`` (which fresh() would wait
            unjudged), are waited for as real waits that a replay repeats. The next example starts where this one
            ended (start_from), which forgives an unsent StopTransaction and a transfer's statuses, and fresh()
            cancels the reservations, so without the waits the last steps of an example went unjudged (an
            UnlockConnector answered Unlocked, its transaction never stopped: §5.18; a reservation kept past its
            expiryDate: §5.13; a firmware update reporting Installing without Downloaded: §5.19)."""
            try:
                now, online = self.model.time, self.model.online  # offline, no transfer can report
                self.wait_out(now + HORIZON + self.model.options.tolerance,
                              now + (self.transfer_limit() if online else 0))
            finally:
                super().teardown()

        def wait_out(self, end: float, transfers_end: float) -> None:
            for _ in range(MAX_WAITS):
                state = self.model
                wait = due_by(state, end)
                if state.time < transfers_end and transferring(state):
                    wait = max(wait, min(cap, transfers_end - state.time))
                if self.failed or not math.ceil(wait):
                    return
                self.do({"op": "AdvanceTime", "seconds": min(math.ceil(wait), cap)})
                if self.model.time <= state.time:  # no time passed: nothing more to wait for
                    return

        def transfer_limit(self) -> float:
            """How long fresh() waits for a transfer an example left under way: ``connect_timeout``."""
            sut = getattr(getattr(self, "session", None), "sut", None)
            return getattr(getattr(sut, "timing", None), "connect_timeout", 0.0)

        @precondition(lambda self: self.can("AdvanceTime"))
        @rule(seconds=st.sampled_from(times))
        def advance_time(self, seconds):
            self.do({"op": "AdvanceTime", "seconds": seconds})

        @precondition(lambda self: self.can("SetBootResponse"))
        @rule(status=st.sampled_from(("Accepted", "Pending", "Rejected")),
              interval=st.sampled_from(BOOT_INTERVALS))
        def set_boot_response(self, status, interval):
            """OCPP 1.6 §4.2: Pending and Rejected make the charge point retry after interval."""
            self.do({"op": "SetBootResponse", "status": status, "interval": interval})

    return RealTimeRules
