"""The set of model states consistent with a log so far, and the hidden events that keep them so.

Theory of operation
-------------------
A log shows frames, not what happened at the charge point. The checker keeps
a small set of *worlds*: model states (model/state.py) each reached by the
log's events plus some hidden events (model/hidden.py) that the log does not
show. For every event of the log, in each world:

* if the model expects the event as it is (model/hidden.py ``expected``), it is
  judged as it is;
* otherwise each short sequence of hidden events that makes it expected is
  tried (a cable plugged in before a Preparing, a card before an Authorize, a
  power cut before a BootNotification, ...), and also the event as it is;
* every attempt that breaks a rule is dropped.

Each world counts what it assumed (its *cost*: one per hidden event, two for
an event taken as it is though the model did not expect it); the cheapest
:data:`MAX_WORLDS` are kept. Events are grouped into *bursts*: a burst ends
when the log goes quiet for longer than the tolerance. At the end of a burst
the Charge Point has had time to do all it owes, so each world is *settled*
(model ``settle``: owed messages, the status each connector must show, ...),
cheapest first; worlds that break a rule there are dropped too.

A violation is reported when no world remains: at an event, when every way
of explaining it breaks a rule; at the end of a burst, when every world
breaks a rule. The report names the rule of the cheapest world, and what was
tried. The check goes on from every state that broke as few rules, so one
fault is reported once, not again by what follows from it.

Rules the Charge Point is known to break (``--accept``) rule no world out, as
in ``fuzz`` (model/worlds.py); a message such a rule says it owes may also
have been given up at once.
"""

from __future__ import annotations

import operator
from typing import Callable, NamedTuple

import attrs

from model import configuration as cfgmodel
from model import hidden
from model.events import Answer, Connection, CpCall, Stimulus
from model.judge import Judgement
from model.records import evolve
from model.state import ChargePointState, Connector, Options
from model.violations import Violation
from model.violations import RECOMMENDATIONS
from model.firmware import KINDS
from model.trigger import triggered
from model.hostile import Released
from model.worlds import RESULTS, with_same_deviations

MAX_WORLDS = 8
"""Worlds kept after each event (the cheapest)."""
SETTLE_SLACK = 1
"""At the end of a burst, worlds costing more than the cheapest one that settles plus this are dropped
without being settled: settling is the dearest step of the model."""
IGNORED = 2
"""Cost of taking an event as it is though the model did not expect it."""
MAX_CONNECTORS = 64
ENDED_SILENTLY = frozenset({"StopTransactionOnInvalidId", "TransactionIdMinusOne"})
"""Rules whose accepted deviation is a transaction the Charge Point ended without its StopTransaction (a transaction it
kept, unstopped, still sends its StopTransaction later: ResetStopsTransactions on the SAP simulator's Hard Reset)."""
OFFLINE_GAP = 60.0
"""Seconds without a frame after which a log without connection events may hide a lost connection."""


@attrs.define(slots=True)
class World:
    state: ChargePointState
    cost: int = 0
    assumed: tuple = ()
    """The hidden events this world assumed since the last violation or start (for the report)."""


AS_IT_IS = "as it is"
UNKNOWN_ENTRIES = (("(entries from before the log)", "Accepted", None, None),)
"""The entries of a Local Authorization List from before the log, which the log never showed: an idTag no
IdToken can be (CiString20Type, §7.28), so that the list is not empty (§5.10: an empty list is version 0)."""


class Attempt(NamedTuple):
    world: "World | None"
    label: str
    violations: tuple
    state: ChargePointState
    """The state after the attempt, kept even when it broke a rule: the check goes on from the best one."""
    counts: bool = True
    """False: the hidden events did not make the event expected, so the attempt was not made."""
    cost: int = 0
    """What the world it leads to costs (as :attr:`World.cost`), broken rules aside."""
    before: tuple = ()
    """What the world owed before the attempt."""


@attrs.frozen
class Failure:
    """Why an event, or the end of a burst, could not be explained."""

    violations: tuple
    tried: tuple[str, ...]
    assumed: tuple
    kept: bool = False
    """The rules broken are all accepted (``--accept``): the worlds that broke them were kept, as ``fuzz`` keeps
    them (model/worlds.py); they are counted, not reported."""


class Worlds:
    """The worlds of one charge point, from its first BootNotification on."""

    def __init__(self, state: ChargePointState, hidden_connections: bool, grow: bool,
                 accepted: frozenset = frozenset()):
        self.worlds = [World(state)]
        self.accepted = with_same_deviations(accepted)
        """Rules the Charge Point is known to break (``--accept``): the worlds they allow are kept too."""
        self.hidden_connections = hidden_connections
        """The log does not record connection events: a lost connection may be assumed."""
        self.grow = grow
        """The number of connectors is not known: a connector the log names is added."""
        self.largest = 1
        self.since = state.time
        """The time of the worlds before the event being judged: the end of the silence before it."""
        self.unreported = set(range(len(state.connectors)))
        """Connectors without a StatusNotification since the judged part began: their availability may have
        been set before it (an Unavailable set by ChangeAvailability persists across reboots, §4.9)."""
        self.since_boot: set = set()
        """Connectors with a StatusNotification since the last BootNotification."""
        self.gap: tuple[float, float] | None = None
        """The last silence longer than the tolerance between two events: (its start, its end). One longer than
        :data:`OFFLINE_GAP` shows a lost connection; a shorter one may hide one (:meth:`_plugged_in_silence`)."""
        self.gap_queued = False
        """Since :attr:`gap` ended, the Charge Point sent messages queued during it: it was offline."""
        self.gap_statuses = False
        """Since :attr:`gap` ended, nothing but the Charge Point's StatusNotifications (what it reports on reconnecting)."""
        self.finals: dict = {}
        """The final status (Installed, ...) the last firmware update or diagnostics upload reported, by notification:
        it may come again until the next request (:meth:`_final_again`)."""
        self.list_unknown = True
        """The log has not shown the Local Authorization List yet (a GetLocalListVersion answer, a SendLocalList
        Accepted): a Charge Point that keeps it across reboots (§3.5.2) may hold one from before the log."""

    # -- events -------------------------------------------------------------------

    def cp_call(self, call: CpCall, queued: bool) -> Failure | None:
        self._grow_for(call)
        policy = hidden.central_system_answer(call)
        if policy is not None:
            self.worlds = [self._with_policy(w, policy) for w in self.worlds]
        dropped: list = []
        failure = self._advance(call.time, lambda w: _sent_with_power(self._call_options(w, call, queued), call,
                                                                      dropped), none=dropped)
        kind = KINDS.get(call.action)
        if kind is not None and call.payload.get("status") in kind.final and (failure is None or failure.kept):
            self.finals = {**self.finals, call.action: call.payload.get("status")}
        elif kind is not None and call.payload.get("status") != "Idle":  # the new request's process has begun
            self.finals = {k: v for k, v in self.finals.items() if k != call.action}
        if queued and self.gap is not None and call.time - self.gap[1] <= self.worlds[0].state.options.tolerance:
            self.gap_queued = True
        self.gap_statuses = self.gap_statuses and call.action == "StatusNotification"
        if call.action == "StatusNotification":
            self.unreported.discard(call.payload.get("connectorId"))
            self.since_boot.add(call.payload.get("connectorId"))
        elif call.action == "BootNotification":
            self.since_boot.clear()
        return failure

    @staticmethod
    def _with_policy(world: World, policy: Stimulus) -> World:
        """The Central System's answer for an idTag, known from its answer in the log, held from before."""
        entry = (policy.get("idTag"), policy.get("status"), policy.get("parentIdTag"))
        if entry in world.state.policy:
            return world
        judgement = Judgement(world.state)
        judgement.stimulus(policy, None)
        return World(judgement.state, world.cost, world.assumed)

    def cs_call(self, stimulus: Stimulus, answer: Answer | None, time: float) -> Failure | None:
        dropped: list = []
        options = (lambda w: self._stimulus_options(w, stimulus, answer)) if answer is None else \
            (lambda w: _sent_with_power(self._stimulus_options(w, stimulus, answer), None, dropped))
        failure = self._advance(time, options, none=dropped)
        self.gap_statuses = False
        if answer is not None and answer.kind == "result" and (stimulus.op == "GetLocalListVersion" or (
                stimulus.op == "SendLocalList" and (answer.payload or {}).get("status") == "Accepted")):
            self.list_unknown = False
        return failure

    def connection(self, event: Connection) -> Failure | None:
        return self._advance(event.time, lambda w: [self._attempt(w, (), observe=event)])

    def released(self, call: CpCall) -> Failure | None:
        """The answer to ``call`` reaching the Charge Point after Central System CALLs that crossed it (model/hostile.py
        ``Released``): a StartTransaction's transactionId is known from then on."""
        return self._advance(call.time, lambda w: [self._attempt(w, (), observe=Released(call))])

    def settle(self, time: float, quiet: float = 0.0, unanswered: bool = False) -> Failure | None:
        """The end of a burst: the Charge Point had time to do all it owes. ``quiet``: seconds until the
        log's next event; after :data:`OFFLINE_GAP` of silence the connection may have been lost. ``unanswered``:
        the burst ended with a CALL of the Charge Point that no answer followed: the connection may have been lost
        with the answer, however short the silence (OCPP-J §4.1.1: until the answer or its timeout the Charge Point
        sends no other CALL; a log without connection events, such as trace v1.0, cannot show the loss)."""
        passing, tolerated, failed = [], [], []
        for world in sorted(self.worlds, key=lambda w: w.cost):
            if passing and world.cost > passing[0].cost + SETTLE_SLACK:
                break
            judgement = self._judgement(world.state, time)
            try:
                judgement.settle()
            except Exception as error:  # noqa: BLE001 - the model must not stop the check
                failed.append((world, judgement.state, (model_error(error),)))
                continue
            if not judgement.violations:
                passing.append(World(judgement.state, world.cost, world.assumed))
                if len(passing) == MAX_WORLDS:
                    break
            elif self._blocking(judgement.violations):
                failed += [(world, state, tuple(judgement.violations)) for state in _after_missing(world.state, judgement)]
            else:
                tolerated += [(World(state, world.cost + IGNORED, world.assumed), tuple(judgement.violations))
                              for state in _after_missing(world.state, judgement)]
        if not passing and not tolerated and self.hidden_connections and (quiet > OFFLINE_GAP or unanswered):
            passing = self._gone_offline(failed, time)
        if not passing and not tolerated and self.hidden_connections:
            passing = self._card_at_reconnection(failed, time)
        if passing or tolerated:
            kept = sorted(passing + [w for w, _ in tolerated], key=lambda w: w.cost)[:MAX_WORLDS]
            self.worlds = [World(w.state, w.cost - kept[0].cost, w.assumed) for w in kept]
            return None if passing else Failure(tolerated[0][1], (), tolerated[0][0].assumed, kept=True)
        violations, assumed = self._go_on_after([(w.cost, state, v, w.assumed) for w, state, v in failed])
        tried = (f"{len(failed)} state(s) consistent with the log so far were settled; each breaks a rule",)
        return Failure(violations, tried, assumed)

    def _gone_offline(self, failed: list, time: float) -> list[World]:
        """The Charge Point may have lost its connection right after the burst: what it owes then waits."""
        found = []
        for world, _, _ in failed[:MAX_WORLDS]:
            if not world.state.online:
                continue
            judgement = self._judgement(world.state, time)
            try:
                judgement.observe(hidden.down(time))
                judgement.settle()
            except Exception:  # noqa: BLE001 - the model must not stop the check
                continue
            if not judgement.violations:
                found.append(World(judgement.state, world.cost + 1, world.assumed + ("connection lost",)))
        return found

    def _card_at_reconnection(self, failed: list, time: float) -> list[World]:
        """A burst after a silence longer than :data:`OFFLINE_GAP` (the connection lost) whose worlds all find a
        connector reported Preparing now free (its authorization ran out during the silence, ConnectionTimeOut §9.1.6):
        a card held there offline just before the reconnection and authorized by the Charge Point itself
        (LocalAuthorizeOffline, §3.5, §9.1.12) keeps it Preparing (§4.9 A2), a status it had reported already, so no
        StatusNotification shows the card (clean bundled charge point, walk seed 7, frame 9,114: a remote start's
        authorization ran out offline, TAG2 held there, then its StartTransaction with the cable)."""
        gap = self.gap
        if gap is None or gap[1] - gap[0] <= OFFLINE_GAP or time - gap[1] > self.worlds[0].state.options.tolerance:
            return []
        found = []
        for world, _, _ in failed[:MAX_WORLDS]:
            state = world.state
            for c in state.connectors[1:]:
                if c.reported == "Preparing" and not c.plugged and c.tx is None and c.authorized is None:
                    cards = (self._card_offline(world, c.id, tag, time) for tag in hidden.known_tags(state))
                    found += [w for w in cards if w is not None]
        return found

    def _card_offline(self, world: World, connector_id: int, id_tag: str, time: float) -> World | None:
        judgement = self._judgement(world.state, time)
        sequence = ((hidden.down(time),) if world.state.online else ()) + (hidden.present(connector_id, id_tag),
                                                                           hidden.up(time))
        try:
            for event in sequence:
                judgement.stimulus(event, None) if isinstance(event, Stimulus) else judgement.observe(event)
            judgement.settle()
        except Exception:  # noqa: BLE001 - the model must not stop the check
            return None
        if judgement.violations:
            return None
        return World(judgement.state, world.cost + 2, world.assumed + tuple(describe(e) for e in sequence))

    # -- options per world ----------------------------------------------------------

    def _call_options(self, world: World, call: CpCall, queued: bool) -> list[Attempt]:
        again = self._final_again(world, call)
        if again is not None:
            return [again]
        tried = []
        as_expected = hidden.expected(self._judgement(world.state, call.time), call)
        if as_expected:
            tried.append(self._attempt(world, (), observe=call))
            if tried[0].world is not None:
                cable = self._cable_instead(world, call)
                for sequence in ([(cable,)] if cable is not None else []) + _card_elsewhere(world, call):
                    attempt = self._attempt(world, sequence, observe=call, must_expect=True)
                    if attempt.world is not None:
                        tried.append(attempt)
                return tried
        for sequence in self._explanations(world.state, call, queued):
            attempt = self._attempt(world, sequence, observe=call, must_expect=True)
            if attempt.counts:
                tried.append(attempt)
        for before in (self._inoperative_before(world, call), self._plugged_before_boot(world, call),
                       self._ended_before_boot(world, call), _going_down(world, call)):
            if before is not None:
                tried.append(self._attempt(before, (), observe=call))
        cards = self._card_in_silence(world, call)
        for silence in [self._plugged_in_silence(world, call)] + cards:
            attempt = self._attempt(silence, (hidden.up(call.time),), observe=call, must_expect=True) \
                if silence is not None else None
            if attempt is not None and attempt.counts:
                tried.append(_adopted(attempt, call) if silence in cards else attempt)
        lost = self._progress_lost_in_silence(world, call)
        if lost is not None:
            tried.append(self._attempt(lost, (hidden.up(call.time),), observe=call))
        unpowered_boot = (call.action == "BootNotification" and not world.state.powered and tried  # §4.2: the power
                          and world.state.options.graceful_power_loss)  # came back first (hidden.POWER_ON)
        if not as_expected and not unpowered_boot:  # the attempts of a state changed before it (e.g. _going_down)
            # are labelled as it is too, but judge another state: the observation as it is in this one is still tried
            base = (hidden.up(call.time),) if not world.state.online and self.hidden_connections else ()
            tried.append(self._attempt(world, base, observe=call, extra=IGNORED))
        return tried

    def _final_again(self, world: World, call: CpCall) -> Attempt | None:
        """A FirmwareStatusNotification (DiagnosticsStatusNotification) repeating the final status its update process
        already reported, no new request since and none triggered: "The FirmwareStatusNotification.req PDUs SHALL be
        sent to keep the Central System updated with the status of the update process, started by the Central System
        with a FirmwareUpdate.req PDU" (§4.5; only Idle is restricted, to a TriggerMessage), and no clause forbids
        saying it again. The SAP simulator sends Installed at its boot and again from its update timer (sim-sap
        session 3; helper-51's log sap-51, frames 1,499 and 1,541); model/firmware.py ``left_over`` allows it for a
        transfer the model could not follow, check-log follows it. Taken as it is: it changes nothing. A new request
        whose process has reported nothing yet leaves it possible: the log cannot tell the two processes apart (SAP,
        sap-91 frame 719: Installed from the timer of the update before, 20 s after an UpdateFirmware it skipped)."""
        kind = KINDS.get(call.action)
        if kind is None or call.payload.get("status") != self.finals.get(call.action) \
                or not _not_begun(getattr(world.state.firmware, kind.field)) \
                or triggered(world.state.owed, call.action):
            return None
        state = self._judgement(world.state, call.time).state
        return Attempt(World(state, world.cost, world.assumed), f"{call.action} {call.payload.get('status')} again",
                       (), state, before=world.state.owed)

    @staticmethod
    def _cable_instead(world: World, call: CpCall):
        """A Preparing the model expects without a cable (a card it may have authorized, an availability scheduled)
        may still be a cable's: the log shows which only later, when ConnectionTimeOut (§9.1.6) runs out on the
        cable (Finishing) or the card's authorization ends (Available). Both worlds are kept (§4.9 A2, B1)."""
        connector_id = call.payload.get("connectorId")
        if call.action != "StatusNotification" or call.payload.get("status") != "Preparing" \
                or type(connector_id) is not int or not 1 <= connector_id < len(world.state.connectors):
            return None
        c = world.state.connector(connector_id)
        return None if c.plugged or c.tx is not None else hidden.plug_in(connector_id)

    def _inoperative_before(self, world: World, call: CpCall) -> World | None:
        """A connector's first status in the judged part is Unavailable: a ChangeAvailability before it may
        have made it Inoperative, which persists across reboots (§4.9)."""
        connector_id = call.payload.get("connectorId")
        if call.action != "StatusNotification" or call.payload.get("status") != "Unavailable" \
                or connector_id not in self.unreported or type(connector_id) is not int \
                or connector_id >= len(world.state.connectors) or world.state.connector(connector_id).inoperative:
            return None
        connector = attrs.evolve(world.state.connector(connector_id), inoperative=True)
        return World(world.state.with_connector(connector), world.cost + 1,
                     world.assumed + (f"connector {connector_id} made Inoperative before the judged part of the log",))

    def _plugged_in_silence(self, world: World, call: CpCall) -> World | None:
        """A Preparing or Finishing after more than :data:`OFFLINE_GAP` of silence: the connection may have
        been lost right after the last frame (or was, in this world) and the cable plugged in then, the statuses of
        the meantime unsent (§4.9): the cable as old as the silence (its ConnectionTimeOut may have run out, §9.1.6).
        The silence is what shows the lost connection: only the cable counts (as a cable plugged in at the status
        does), so that the end of the burst, which settles only the worlds within :data:`SETTLE_SLACK` of the
        cheapest, keeps this one too. The clean bundled charge point, offline for 27 minutes (walk seed 4, frame
        4,556), had a cable plugged in 10 s before it reconnected: Preparing on reconnection, Finishing 50 s later
        (ConnectionTimeOut 60 from the cable); this world, costing one more, was dropped unsettled and the cable
        assumed at the reconnection made that Finishing 10 s early (a false StatusNotReported)."""
        connector_id, state = call.payload.get("connectorId"), world.state
        start = self._reconnected(call.time, state)
        if not self.hidden_connections or call.action != "StatusNotification" \
                or call.payload.get("status") not in ("Preparing", "Finishing") or type(connector_id) is not int \
                or not 1 <= connector_id < len(state.connectors) or start is None \
                or state.connector(connector_id).plugged or state.connector(connector_id).tx:
            return None
        judgement = Judgement(attrs.evolve(state, time=self.since))
        lost = ("connection lost",) if state.online else ()
        try:
            if lost:
                judgement.observe(hidden.down(self.since))
            judgement.stimulus(hidden.plug_in(connector_id), None)
        except Exception:  # noqa: BLE001 - the model must not stop the check
            return None
        if judgement.violations:
            return None
        c = judgement.state.connector(connector_id)
        plugged = judgement.state.with_connector(attrs.evolve(c, plugged_at=start))
        return World(plugged, world.cost + 1, world.assumed + lost + (f"PlugIn(connectorId={connector_id})",))

    def _card_in_silence(self, world: World, call: CpCall) -> list[World]:
        """A Preparing after a silence, at a connector with no cable and no card: as a cable
        (:meth:`_plugged_in_silence`) a card may have been held to its reader while the connection was lost, and
        authorized by the Charge Point itself (LocalAuthorizeOffline, from its Authorization Cache or Local
        Authorization List, §3.5, §9.1.12): a card that "makes" the connector Preparing (§4.9 A2) and leaves no
        trace but the status sent on reconnecting (clean bundled charge point, walk seed 8, frame 3,130: TAG2 held
        offline, then RemoteStartTransaction for TAG2 there answered Rejected, a false RemoteStartTransactionStatus with
        a cable assumed instead). So may the first status after a boot: a card held before the boot was Accepted
        authorizes locally as offline (§4.2; the 100k walk log, frame 149,370)."""
        connector_id, state = call.payload.get("connectorId"), world.state
        if not self.hidden_connections or call.action != "StatusNotification" \
                or call.payload.get("status") != "Preparing" or type(connector_id) is not int \
                or not 1 <= connector_id < len(state.connectors) \
                or (self._reconnected(call.time, state) is None and connector_id in self.since_boot):
            return []
        c = state.connector(connector_id)
        if c.plugged or c.tx is not None or c.authorized is not None or c.offline_tags:
            return []
        lost = (hidden.down(call.time),) if state.online else ()  # the card as late as it may be: it may not have
        found = []  # run out yet (ConnectionTimeOut, §9.1.6)
        for id_tag in hidden.known_tags(state):
            judgement = Judgement(attrs.evolve(state, time=call.time))
            try:
                for event in lost:
                    judgement.observe(event)
                judgement.stimulus(hidden.present(connector_id, id_tag), None)
            except Exception:  # noqa: BLE001 - the model must not stop the check
                continue
            if not judgement.violations:
                found.append(World(judgement.state, world.cost + 1, world.assumed + ("connection lost",) * len(lost)
                                   + (f"PresentIdTag(connectorId={connector_id}, idTag={id_tag})",)))
        return found

    def _progress_lost_in_silence(self, world: World, call: CpCall) -> World | None:
        """A FirmwareStatusNotification (DiagnosticsStatusNotification) out of order after more than :data:`OFFLINE_GAP`
        of silence: the connection may have been lost right after the last frame, and the statuses sent meanwhile lost
        with it. They are not transaction-related, so not queued (§3.7: only StartTransaction, StopTransaction and
        MeterValues "MUST" be), and the model lets a transfer's statuses be lost while offline (model/firmware.py
        Transfer.unseen). The world offline since the silence began; the connection comes back before the
        notification. The clean bundled charge point, offline from 00:13:33 to 00:14:34, lost the Downloading it sent
        at the retrieveDate 00:14:03 and reported Downloaded on reconnecting (fuzz seed 3, 6 examples, CP001#4).
        Not after any silence over the tolerance (as a cable may be, :meth:`_plugged_in_silence`): every stage of a
        transfer takes time, so each skipped status would pass unseen in a log without connection events (the mutants
        FirmwareStatusOutOfOrder, Installing 30 s after Downloading, and DiagnosticsUploadedWithoutUploading were)."""
        state = world.state
        if not self.hidden_connections or call.action not in KINDS or not state.online \
                or call.time - self.since <= OFFLINE_GAP:
            return None
        judgement = Judgement(attrs.evolve(state, time=self.since))
        try:
            judgement.observe(hidden.down(self.since))
        except Exception:  # noqa: BLE001 - the model must not stop the check
            return None
        if judgement.violations:
            return None
        return World(judgement.state, world.cost + 1, world.assumed + ("connection lost",))

    def _reconnected(self, time: float, state: ChargePointState) -> float | None:
        """The start of the silence that ended this burst's first event, when ``time`` is still within the tolerance of
        that end, and since the silence the Charge Point sent messages queued during it (it was offline) or nothing but
        StatusNotifications: what it sent on reconnecting (its queued messages, its statuses) came after the silence,
        which hid when the cable went in (walk seed 6, frame 2,394: a queued StopTransaction, then Preparing,
        then Finishing 30 s later, ConnectionTimeOut 60; the 100k walk log, frame 91,440)."""
        gap = self.gap
        return gap[0] if gap is not None and (self.gap_queued or self.gap_statuses) \
            and time - gap[1] <= state.options.tolerance else None

    def _plugged_before_boot(self, world: World, call: CpCall) -> World | None:
        """A connector's first status after a boot is Preparing or Finishing: the cable may have been plugged
        in before the boot (while the Charge Point was off or rebooting), which §4.9 F2 allows to report so."""
        connector_id, state = call.payload.get("connectorId"), world.state
        if call.action != "StatusNotification" or call.payload.get("status") not in ("Preparing", "Finishing") \
                or connector_id in self.since_boot or type(connector_id) is not int \
                or not 1 <= connector_id < len(state.connectors) or state.boot_at is None:
            return None
        c = state.connector(connector_id)
        if c.plugged or c.tx is not None:
            return None
        judgement = Judgement(state)
        try:
            judgement.stimulus(hidden.plug_in(connector_id), None)
        except Exception:  # noqa: BLE001 - the model must not stop the check
            return None
        if judgement.violations:
            return None
        c = judgement.state.connector(connector_id)
        state = judgement.state.with_connector(attrs.evolve(c, plugged_at=state.boot_at, after_boot=True))
        return World(state, world.cost + 1, world.assumed + (f"PlugIn(connectorId={connector_id}) before the boot",))

    @staticmethod
    def _ended_before_boot(world: World, call: CpCall) -> World | None:
        """A StopTransaction with reason PowerLoss for a transaction whose StartTransaction was made no later than
        the last boot (held until after it): the transaction started before the power cut that caused the boot,
        which ended it, unseen (§4.10); not a power cut after the boot, which would owe another one."""
        state, transaction_id = world.state, call.payload.get("transactionId")
        if call.action != "StopTransaction" or call.payload.get("reason") != "PowerLoss" or state.boot_at is None:
            return None
        c = next((c for c in state.connectors[1:] if c.tx is not None and c.tx.transaction_id == transaction_id), None)
        if c is None or c.tx.sampled_stamp is None or c.tx.sampled_stamp > state.boot_at \
                or "PowerLoss" in c.offline_causes:
            return None
        judgement = Judgement(state)
        judgement.offline_cause(c.id, "PowerLoss")
        return World(judgement.state, world.cost + 1,
                     world.assumed + (f"transaction on connector {c.id} started before the power cut of the boot",))

    def _explanations(self, state: ChargePointState, call: CpCall, queued: bool) -> list:
        found = hidden.explanations(state, call, queued and self.hidden_connections)
        if not self.hidden_connections:
            found = [s for s in found if not any(isinstance(e, Connection) for e in s)]
        return found

    def _stimulus_options(self, world: World, stimulus: Stimulus, answer: Answer | None) -> list[Attempt]:
        if answer is None:  # no answer in the log: it had no effect, or any answer the spec allows
            answers = [Answer("pending")] + [Answer("result", p) for p in RESULTS.get(stimulus.op, ())]
            return [self._attempt(world, (), stimulus=(stimulus, a)) for a in answers]
        tried = [self._attempt(world, (), stimulus=(stimulus, answer))]
        if tried[0].world is None:
            for sequence in hidden.call_explanations(world.state, stimulus, answer.payload):
                tried.append(self._attempt(world, sequence, stimulus=(stimulus, answer)))
            no_lock = self._without_lock(world, stimulus, answer)
            if no_lock is not None:
                tried.append(self._attempt(no_lock, (), stimulus=(stimulus, answer)))
            listed = self._list_before(world, stimulus, answer) if self.list_unknown else None
            if listed is not None:
                tried.append(self._attempt(listed, (), stimulus=(stimulus, answer)))
        return tried

    @staticmethod
    def _list_before(world: World, stimulus: Stimulus, answer: Answer) -> World | None:
        """The Local Authorization List "SHOULD be persisted across reboots and power outages" (§3.5.2): a Charge
        Point may hold one from before the log (MicroOcppSimulator keeps its list across restarts), of a version the
        log shows only at its first GetLocalListVersion.conf (§5.10) or a Differential SendLocalList answered
        VersionMismatch (its version at least the update's, §5.15). Learnt then, with entries the log never
        showed (:data:`UNKNOWN_ENTRIES`); only in a log whose first boot is not a fresh charge point (a real clock,
        or after losing track: Options.leftovers)."""
        payload, state = answer.payload or {}, world.state
        if not state.options.leftovers:
            return None
        if stimulus.op == "GetLocalListVersion":
            version = payload.get("listVersion")
        elif stimulus.op == "SendLocalList" and stimulus.get("updateType") == "Differential" \
                and payload.get("status") == "VersionMismatch":
            version = stimulus.get("listVersion")
        else:
            return None
        if type(version) is not int or version <= 0 or state.local_list.versions == frozenset({version}):
            return None
        listed = attrs.evolve(state.local_list, entries=UNKNOWN_ENTRIES, versions=frozenset({version}), lost=())
        return World(attrs.evolve(state, local_list=listed), world.cost + 1,
                     world.assumed + (f"a Local Authorization List of version {version} from before the log",))

    @staticmethod
    def _without_lock(world: World, stimulus: Stimulus, answer: Answer) -> World | None:
        """A charge point whose connectors have no lock answers UnlockConnector NotSupported (§7.42): a fact
        the log shows only then, so it is learnt then."""
        options = world.state.options
        if stimulus.op != "UnlockConnector" or (answer.payload or {}).get("status") != "NotSupported" \
                or not options.connector_lock:
            return None
        state = attrs.evolve(world.state, options=attrs.evolve(options, connector_lock=False))
        return World(state, world.cost + 1, world.assumed + ("no connector lock",))

    def _attempt(self, world: World, sequence: tuple, observe=None, stimulus=None, must_expect: bool = False,
                 extra: int = 0) -> Attempt:
        """``sequence`` of hidden events, then the event: the world it leads to, or the rules it breaks."""
        time = getattr(observe, "time", world.state.time)
        judgement = self._judgement(world.state, time)
        described = tuple(describe(e) for e in sequence) if sequence else ()
        label = ", ".join(described) or AS_IT_IS
        try:
            for event in sequence:
                if isinstance(event, Stimulus):
                    judgement.stimulus(event, None)
                else:
                    judgement.observe(event)
            if must_expect and not hidden.expected(judgement, observe):
                return Attempt(None, label, (), world.state, counts=False)
            if stimulus is not None:
                judgement.stimulus(*stimulus)
            else:
                judgement.observe(observe)
        except Exception as error:  # noqa: BLE001 - the model must not stop the check
            return Attempt(None, label, (model_error(error),), world.state)
        violations, cost = tuple(judgement.violations), world.cost + len(sequence) + extra
        if violations and self._blocking(violations):
            return Attempt(None, label, violations, judgement.state, cost=cost)
        assumed = world.assumed + described if described else world.assumed
        cost += IGNORED if violations else 0  # only accepted rules broken: kept, as fuzz keeps it
        return Attempt(World(judgement.state, cost, assumed), label, violations, judgement.state, cost=cost,
                       before=world.state.owed)

    # -- the set -------------------------------------------------------------------

    def _advance(self, time: float, options: Callable[[World], list], none: list = ()) -> Failure | None:
        """``none``: attempts ``options`` left out, taken after all when it leaves nothing at all."""
        self.since = max(w.state.time for w in self.worlds)
        if time - self.since > self.worlds[0].state.options.tolerance:
            self.gap, self.gap_queued, self.gap_statuses = (self.since, time), False, True
        kept: list[Attempt] = []
        failed: list[tuple[World, Attempt]] = []
        for world in (w for before in self.worlds for w in _after_silence(self._at(before, time))):
            for attempt in options(world):
                if attempt.world is not None:
                    kept.append(attempt)
                else:
                    failed.append((world, attempt))
        if not kept and not failed:
            kept = list(none)
        if kept:
            worlds = [a.world for a in kept]
            self.worlds = _cheapest(self._given_up(kept) + worlds)
            if any(not a.violations for a in kept):
                return None
            best = min(kept, key=lambda a: a.cost)
            return Failure(best.violations, (), best.world.assumed, kept=True)
        return self._failed(failed)

    def _given_up(self, kept: list[Attempt]) -> list[World]:
        """A Charge Point known to break a rule about a message it owes (``--accept``) may have given the message
        up at once: the world in which it did, as if found missing as soon as owed (the harness keeps it for
        TransactionMessageRetry, model/worlds.py ``retries_discarded``; a StopTransaction never sent for a
        transaction the Charge Point ended silently is the same, and is offered again at every event while a world
        keeps that transaction: :func:`_stop_still_owed`). What follows then is not a second violation.
        It is what this Charge Point is known to do: it costs nothing and comes first among equals."""
        if not self.accepted - RECOMMENDATIONS:
            return []
        found = []
        for attempt in kept:
            world, before = attempt.world, {_owed_key(o) for o in attempt.before}
            owed = [o for o in world.state.owed if o.rule in self.accepted and o.action != "MayStopTransaction"
                    and (_owed_key(o) not in before or _stop_still_owed(world.state, o))]
            if owed:
                judgement = Judgement(world.state)
                for o in owed:
                    judgement.overdue(o)
                    c = judgement.state.connector(o.connector) if o.action == "StopTransaction" and o.connector else None
                    if c is not None and c.tx is not None and o.rule != "TransactionMessageRetry":
                        judgement.forget_ended(c)  # the Charge Point ended it without the message
                state = attrs.evolve(judgement.state, owed=tuple(o for o in judgement.state.owed if o not in owed))
                found.append(World(state, world.cost, world.assumed + tuple(
                    f"{o.action} given up at once ({o.rule}, accepted)" for o in owed)))
        return found

    def _failed(self, failed: list) -> Failure:
        """No world explains the event: report the attempt that broke the fewest rules."""
        violations, assumed = self._go_on_after([
            (a.cost, a.state, a.violations, w.assumed + (() if a.label == AS_IT_IS else (a.label,)))
            for w, a in failed])
        tried = tuple(dict.fromkeys(f"{a.label}: {a.violations[0]}" for _, a in failed))[:8]
        return Failure(violations, tried, assumed)

    def _go_on_after(self, failed: list[tuple]) -> tuple:
        """(cost, state after, violations, assumed) of each failed attempt: the one that broke the fewest rules
        not accepted, cheapest first, is reported; the check goes on from the states of every attempt that broke
        as few, so that what follows from the violation is explained by any of them, not reported again."""
        ranked = sorted(failed, key=lambda f: (self._blocking(f[2]), f[0]))
        fewest = self._blocking(ranked[0][2])
        states = [f for f in ranked if self._blocking(f[2]) == fewest
                  and not any(v.rule == MODEL_ERROR for v in f[2])] or ranked[:1]
        self.worlds = _cheapest([World(state, cost - states[0][0]) for cost, state, _, _ in states])
        return ranked[0][2], ranked[0][3]

    def _blocking(self, violations) -> int:
        """The rules broken that are not accepted."""
        return sum(v.rule not in self.accepted for v in violations)

    def holds(self, transaction_id) -> bool:
        """Some world has a transaction with this transactionId, or one whose StopTransaction, answered with a
        CALLERROR, waits to be sent again or was given up (§3.7.1). A transaction -1 (its StartTransaction given up,
        errata 3.18) is held by no world once stopped: its retried StopTransaction was left unjudged, and the retry
        seemed missing."""
        return any(c.tx is not None and c.tx.transaction_id == transaction_id
                   for w in self.worlds for c in w.state.connectors[1:]) \
            or any(transaction_id in w.state.retrying | w.state.exhausted for w in self.worlds)

    def _at(self, world: World, time: float) -> World:
        if time > world.state.time:
            return World(evolve(world.state, time=time), world.cost, world.assumed)
        return world

    @staticmethod
    def _judgement(state: ChargePointState, time: float) -> Judgement:
        if time > state.time:
            state = evolve(state, time=time)
        return Judgement(state)

    # -- connectors ------------------------------------------------------------------

    def _grow_for(self, call: CpCall) -> None:
        connector_id = call.payload.get("connectorId")
        if not self.grow or type(connector_id) is not int or connector_id <= self.largest:
            return
        if connector_id > MAX_CONNECTORS:
            return
        self.unreported.update(range(self.largest + 1, connector_id + 1))
        self.largest = connector_id
        self.worlds = [World(grow(w.state, connector_id), w.cost, w.assumed) for w in self.worlds]


def _stop_still_owed(state: ChargePointState, owed) -> bool:
    """A StopTransaction still owed under an accepted rule for a transaction the world keeps running: the Charge
    Point may give it up at any event, not only when it became owed. The world that keeps the transaction takes
    its connector's later statuses as those of a transaction that may be over (model/phases.py) and pays for
    nothing, so over a few reboots the world in which it was given up at once grew dearer and the bound dropped it
    (SAP simulator, StopTransactionOnInvalidId: sap-53 frame 738)."""
    if owed.action != "StopTransaction" or owed.rule not in ENDED_SILENTLY or not owed.connector:
        return False
    c = state.connector(owed.connector)
    return c.tx is not None and c.tx.transaction_id == owed.transaction_id


def _card_elsewhere(world: World, call: CpCall) -> list[tuple]:
    """An Authorize.req for an idTag whose card a connector authorized by itself (LocalPreAuthorize from its Local
    Authorization List or cache, §3.5) may be that card's, or another card of the idTag at another connector, one the
    list or cache no longer allowed (a list entry Blocked since: clean bundled charge point, fuzz seed 24, a
    LocalListConflict, §3.5.3). Which one shows only at the StartTransaction."""
    id_tag = call.payload.get("idTag")
    connectors = world.state.connectors[1:]
    if call.action != "Authorize" or not any(c.presented == id_tag == c.authorized for c in connectors):
        return []
    return [(hidden.present(c.id, id_tag),) for c in connectors if c.presented != id_tag and c.tx is None]


def _not_begun(transfer) -> bool:
    """No transfer, or one requested that has reported nothing yet (its Charge Point may not have begun it: "SHOULD
    start retrieving the firmware as soon as possible after retrieve-date", §5.19)."""
    return transfer is None or (transfer.last is None and transfer.attempts == 0)


def _adopted(attempt: Attempt, call: CpCall) -> Attempt:
    """A card held offline and authorized locally (:meth:`Worlds._card_in_silence`) holds the connector from the
    reconnection on, not only once the burst is settled (model ``adopt_offline_authorization``): a
    RemoteStartTransaction there in the same burst may be Rejected (§5.11; walk seed 8, frame 10,316)."""
    if attempt.world is None:
        return attempt
    judgement = Judgement(attempt.world.state)
    judgement.adopt_offline_authorization(judgement.state.connector(call.payload["connectorId"]))
    return attempt._replace(world=World(judgement.state, attempt.world.cost, attempt.world.assumed))


def _going_down(world: World, call: CpCall) -> World | None:
    """With ``--graceful-power-loss`` an Unavailable may be the first sign of a graceful power cut: the Charge Point
    reports its connectors Unavailable as it goes (model Options.graceful_power_loss, the SAP simulator's
    stopChargingStation), with no StopTransaction when no transaction runs (or none the Central System knows
    of: its StopTransaction got a CALLERROR, §3.7.1). The power cut is assumed before the status, which is judged as
    it is (it owes nothing once the power is off; the boot, PowerOn, follows)."""
    state = world.state
    if not (state.options.graceful_power_loss and state.powered and state.online
            and call.action == "StatusNotification" and call.payload.get("status") == "Unavailable"):
        return None
    judgement = Judgement(state)
    try:
        judgement.stimulus(hidden.POWER_LOSS, None)
    except Exception:  # noqa: BLE001 - the model must not stop the check
        return None
    if judgement.violations:
        return None
    return World(judgement.state, world.cost + 1, world.assumed + ("PowerLoss (graceful: reported Unavailable)",))


REQUESTS = {"UpdateFirmware": "FirmwareStatusNotification", "GetDiagnostics": "DiagnosticsStatusNotification"}
"""The Central System's requests whose transfer the notification reports (§4.4, §4.5)."""


GRACEFUL_STOP = frozenset({"StopTransaction", "StatusNotification"})
"""What a Charge Point whose power is taken away gracefully (``--graceful-power-loss``, model Options.graceful_power_loss)
sends as it goes down: its transactions' stops and its connectors' Unavailable (§7.36, §4.9)."""


def _going_down_message(call: CpCall) -> bool:
    """What a Charge Point taken off gracefully may still send (:data:`GRACEFUL_STOP`): its transactions' stops and
    the statuses of its stop (Unavailable, and Finishing or Available after a transaction stopped); a connector in use
    again (Preparing, Charging, ...) is not a Charge Point without power."""
    return call.action in GRACEFUL_STOP and (
        call.action != "StatusNotification" or call.payload.get("status") in STOP_STATUSES)


STOP_STATUSES = frozenset({"Unavailable", "Available", "Finishing"})


def _sent_with_power(tried: list[Attempt], call: CpCall | None, dropped: list) -> list[Attempt]:
    """The attempts that leave the Charge Point powered after sending ``call`` (None: its answer to a Central System
    CALL): without power it sends nothing (after
    a hard power cut it comes back with its BootNotification first, §4.2: "After a restart ... MUST send a
    BootNotification.req"). A hidden power cut assumed to explain a CALL (a StopTransaction with reason PowerLoss)
    with no power-on after it made a world that owed nothing and so outlived the worlds that had the power, yet
    went on sending (clean bundled charge point, walk seed 3, frames 5,986 to 6,482: every world kept was
    unpowered, and a cable plugged in while offline was refused, a false StatusTransitionNotAllowed). Left out
    (into ``dropped``), unless a graceful power cut's own messages (:func:`_going_down_message`)."""
    kept = []
    for attempt in tried:
        state = attempt.world.state if attempt.world is not None else None
        if state is not None and not state.powered and not (
                state.options.graceful_power_loss and (call is None or _going_down_message(call))):
            dropped.append(attempt)
        else:
            kept.append(attempt)
    return kept


def _after_silence(world: World) -> list[World]:
    """An authorization that found no cable ends with ConnectionTimeOut (§9.1.6), a timer the model applies at the
    end of a burst: after a silence it may have ended before the next event. With the timeout known it has;
    unknown (or 0: at any time), the world in which it did is kept too."""
    state = world.state
    waiting = [c for c in state.connectors[1:] if c.authorized is not None and not c.plugged and c.tx is None
               and c.authorized_at is not None and state.time - c.authorized_at > OFFLINE_GAP]
    if not waiting:
        return [world]
    judgement = Judgement(state)
    judgement.expire_authorizations()
    if judgement.state != state:
        return [World(judgement.state, world.cost, world.assumed)]
    if cfgmodel.value_of(state.config, "ConnectionTimeOut"):  # known, not run out yet
        return [world]
    for c in waiting:
        judgement.update(c.id, authorized=None, authorized_at=None)
    return [world, World(judgement.state, world.cost + 1, world.assumed + ("ConnectionTimeOut ran out",))]


def _after_missing(before: ChargePointState, judgement: Judgement) -> list[ChargePointState]:
    """The states after a settle that found messages missing: the model's (a transaction whose StopTransaction
    is missing may still run, its stop allowed: model ``overdue``) and, when such a transaction is still there,
    the one in which the Charge Point ended it without the message, so that what it does next with the
    connector (a power cut, a new start) is not a second violation of the same fault."""
    rules = {v.rule for v in judgement.violations} - {"TransactionMessageRetry"}
    missing = {o.transaction_id for o in before.owed if o.action == "StopTransaction" and o.rule in rules}
    running = [c for c in judgement.state.connectors[1:] if c.tx is not None and c.tx.transaction_id in missing]
    if not running:
        return [judgement.state]
    ended = Judgement(judgement.state)
    for c in running:
        ended.forget_ended(ended.state.connector(c.id))
    return [judgement.state, ended.state]


def grow(state: ChargePointState, connectors: int) -> ChargePointState:
    """``state`` with ``connectors`` connectors: the log named one the model did not know yet. Its status
    is unknown until the Charge Point reports it."""
    have = state.options.number_of_connectors
    if connectors <= have:
        return state
    added = tuple(Connector(id=i, reported=None) for i in range(have + 1, connectors + 1))
    options = attrs.evolve(state.options, number_of_connectors=connectors)
    return attrs.evolve(state, options=options, connectors=state.connectors + added)


def _cheapest(worlds: list[World]) -> list[World]:
    """At most :data:`MAX_WORLDS` worlds, one per state, cheapest first: the cheapest world of each physical
    situation (:func:`_physical`), then the cheapest of the rest. States that differ only in ``aligned_since``
    are one world: the latest time (None latest of all) owes the fewest clock-aligned readings (§3.16.2),
    so the merged world allows all that either did."""
    worlds.sort(key=lambda w: w.cost)
    if len(worlds) == 1:
        return worlds
    kept, seen = [], {}
    for world in worlds:
        state = world.state
        near = seen.setdefault((state.connectors, state.owed), [])  # most states differ there: a cheap hash
        same = next((i for i in near if _key(kept[i].state) == _key(state)), None) if near else None
        if same is not None:
            kept[same] = _later_alignment(kept[same], state.aligned_since)
            continue
        near.append(len(kept))
        kept.append(world)
    return kept if len(kept) <= MAX_WORLDS else _diverse(kept)


def _diverse(worlds: list[World]) -> list[World]:
    """:data:`MAX_WORLDS` of ``worlds`` (distinct, cheapest first). Those within :data:`SETTLE_SLACK` of the cheapest
    (the only ones a burst's end settles) are taken in turns from each physical situation (:func:`_physical`): the
    cheapest of each, then the second cheapest of each, ...; then the cheapest of the rest; kept in cost order.
    Cards are cheap to assume and many ways to place them cost the same: kept by cost alone, they crowd out the
    worlds with a cable that the log shows only later, when a ConnectionTimeOut (§9.1.6) runs out on it (clean
    bundled charge point, fuzz seed 4, 30 examples, CP001#7: three cards refused at two connectors, a cable at
    each, both Finishing 30 s later, §4.9)."""
    limit = worlds[0].cost + SETTLE_SLACK
    by_situation: dict[tuple, list[int]] = {}
    for i, world in enumerate(worlds):
        if world.cost > limit:
            break
        by_situation.setdefault(_physical(world.state), []).append(i)
    chosen: list[int] = []
    groups = list(by_situation.values())  # in the order of each situation's cheapest world
    for rank in range(max(len(g) for g in groups)):
        for indexes in groups:
            if rank < len(indexes):
                chosen.append(indexes[rank])
                if len(chosen) == MAX_WORLDS:
                    return [worlds[i] for i in sorted(chosen)]
    chosen += range(len(chosen), MAX_WORLDS)  # every world within the window was chosen (the first ones): the next
    return [worlds[i] for i in sorted(chosen)]


def _physical(state: ChargePointState) -> tuple:
    """The situation of a world: what is physically so at the charge point (power, connection, and per connector a
    cable, a transaction, a fault) and what it owes next (a StartTransaction where a card met a cable, ...)."""
    return (state.powered, state.online, tuple((c.plugged, c.tx is not None, c.faulted) for c in state.connectors),
            frozenset((o.action, o.connector) for o in state.owed))


_KEY_FIELDS = tuple(f.name for f in attrs.fields(ChargePointState) if f.name != "aligned_since")


def _owed_key(owed) -> tuple:
    return owed.action, owed.rule, owed.connector, owed.transaction_id


_key = operator.attrgetter(*_KEY_FIELDS)
"""A state's fields but ``aligned_since``, as a tuple."""


def _later_alignment(world: World, since: float | None) -> World:
    mine = world.state.aligned_since
    if mine is None or (since is not None and since <= mine):
        return world
    return World(attrs.evolve(world.state, aligned_since=since), world.cost, world.assumed)


MODEL_ERROR = "ModelError"


def model_error(error: Exception) -> Violation:
    """Not a violation of the Charge Point: the model failed on this input (reported as not judged)."""
    return Violation(MODEL_ERROR, "ocpp-verify", f"the model could not judge this: {type(error).__name__}: {error}")


def describe(event) -> str:
    """A hidden event in the words of docs/architecture.md §1."""
    if isinstance(event, Connection):
        return "connection restored" if event.connected else "connection lost"
    params = ", ".join(f"{k}={v}" for k, v in event.params)
    return f"{event.op}({params})" if params else event.op


def initial(options: Options, config, time: float) -> ChargePointState:
    """The state at the log's first BootNotification: just powered on and connected (OCTT §1.3, as the
    harness starts a charge point), with the configuration learnt from the log so far."""
    from model import initial_state

    state = initial_state(options, time)
    state = attrs.evolve(state, powered=False, online=False, registration="Booting", config=config)
    judgement = Judgement(state)
    judgement.stimulus(hidden.POWER_ON, None)
    judgement.observe(hidden.up(time))
    return judgement.state
