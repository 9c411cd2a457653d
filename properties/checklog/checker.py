"""Judging one charge point's recorded conversation against the model.

How steps are cut from frames
-----------------------------
* Each CALL becomes one event with its answer (properties/checklog/segments.py):
  a CALL of the Central System is a stimulus (docs/architecture.md §1) judged
  with the Charge Point's answer; a CALL of the Charge Point is an
  observation. Events are judged in the order their CALLs were sent.
* Between two events, any hidden event may have happened (model/hidden.py):
  each observation the model does not expect as it is gets the hidden events
  that would explain it (properties/checklog/worlds.py).
* A *burst* is a run of events with no gap longer than the tolerance between
  them (on a virtual clock: the same time). At its end the Charge Point has
  had time to do all it owes, and every world is settled.

Before the first BootNotification the state is unknown: frames are only
checked for OCPP-J, and GetConfiguration answers and accepted
ChangeConfigurations teach the configuration the model starts from.
"""

from __future__ import annotations

import copy
from collections import Counter, deque

import attrs

from model import configuration as cfgmodel
from model import hidden
from model.configuration import ConfigurationModel
from model.events import Answer, Connection, CpCall, Stimulus
from model.state import Options
from model.worlds import with_same_deviations
from vocabulary.dates import seconds

from .formats import Record
from .framing import Framer, Message
from .segments import Item, Segmenter
from .worlds import MODEL_ERROR, Failure, World, Worlds, _cheapest, initial

CONTEXT = 8
"""Frames shown before and after a violation in the Markdown report."""
MAX_LISTED = 200
"""Violations listed per charge point; the rest are counted by rule."""


@attrs.define
class LogViolation:
    cp: str
    index: int
    source: str
    line: int
    time: float
    rule: str
    section: str
    detail: str
    why: tuple = ()
    assumed: tuple = ()
    before: list = attrs.Factory(list)
    after: list = attrs.Factory(list)
    repeats: int = 0
    """How many more times the same rule was broken with the same detail later in the log."""
    follows: str = ""
    """The rule reported first at the same frame, by the same attempt: this one is listed under it."""

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@attrs.define
class CheckOptions:
    tolerance: float | None = None
    """Seconds an owed message may come late and a timer early; None: 0 on a virtual clock, else 5."""
    connectors: int | None = None
    schemas: bool = True
    power_loss_stops_transactions: bool = True
    graceful_power_loss: bool = False
    """``--graceful-power-loss``: the charge point's power is taken away gracefully (fuzz's [controller] power_loss =
    "graceful", the SAP simulator's stop): at a hidden power cut its transactions may be stopped with any reason
    (§7.36) and its connectors reported Unavailable before it goes (model Options.graceful_power_loss)."""
    accept: frozenset = frozenset()
    """Rules this charge point is known to break (``--accept``): counted, not reported."""


DEFAULT_TOLERANCE = 5.0
REBOOT_LIMIT = 300.0
"""Seconds a real charge point may take to reboot after an accepted Reset (the spec sets no limit; a
virtual clock reboots at once)."""
QUEUED_AFTER = 1.0
"""Seconds a message's own timestamp may lie before the frame before it counts as queued (sent after an
offline period)."""
CUT_AFTER_BOOT = "the log ends before the statuses owed after a boot (a real clock: no time shown for them)"
LOST_TRACK = ("a message queued during an offline period the log does not show, that no hidden event explains "
              "(judged again from the next BootNotification)")


class CpChecker:
    """The check of one charge point: frames in, violations out."""

    def __init__(self, name: str, options: CheckOptions):
        self.name = name
        self.options = options
        self.accept = with_same_deviations(options.accept)
        """The rules accepted, and those each of them breaks as well (model/worlds.py SAME_DEVIATION)."""
        self.framer = Framer(options.schemas)
        self.segmenter = Segmenter()
        self.frames = 0
        self.judged_from: int | None = None
        self.judged = 0
        self.violations: list[LogViolation] = []
        self.listed: dict[tuple[str, str], LogViolation] = {}
        """The violations listed, by rule and detail: the same one again is counted, not listed."""
        self.by_rule: Counter = Counter()
        self.accepted: Counter = Counter()
        self.not_judged: Counter = Counter()
        self.recent: deque = deque(maxlen=CONTEXT)
        self.open_context: list[LogViolation] = []
        self.config = ConfigurationModel()
        self.largest_connector = 0
        self.events_recorded = False
        self.virtual: bool | None = None
        self.settled_end = False
        self.worlds: Worlds | None = None
        self.burst_end: float | None = None
        self.assigned: set = set()
        self.last_time = float("-inf")
        self.burst_message: Message | None = None
        self.burst_unanswered = False
        """The burst ended with a CALL of the Charge Point that no answer followed."""
        self.burst_queued = False
        self.lost_track: list[int] = []
        self.registering_since: float | None = None
        """When the first BootNotification not Accepted of the registration going on was made."""
        self.registration_wait: tuple[float, float] | None = None
        """From that first boot to the Accepted one, for the registration that ended last (None: at once)."""

    @property
    def tolerance(self) -> float:
        if self.options.tolerance is not None:
            return self.options.tolerance
        return 0.0 if self.virtual else DEFAULT_TOLERANCE

    # -- frames -----------------------------------------------------------------------

    def feed(self, record: Record) -> None:
        if self.virtual is None:
            self.virtual = record.virtual
        self.settled_end = record.settled_end
        if record.direction == "event":
            self.events_recorded = True
        message = self.framer.parse(self.frames, record)
        self.frames += 1
        self._context(message)
        if message.problem:
            self._report(message, "OcppJFraming", _section(message.problem), message.problem)
        for item in self.segmenter.add(message):
            self._item(item)

    def finish(self) -> None:
        for item in self.segmenter.finish():
            self._item(item)
        if self.worlds is not None and self.burst_end is not None:
            self._settle(cut=not (self.virtual or self.settled_end))
        for violation in self.open_context:
            violation.after.append("(end of log)")
        self.open_context = []

    # -- events -----------------------------------------------------------------------

    def _item(self, item: Item) -> None:
        if self.worlds is not None and self.burst_end is not None and item.time > self.burst_end + self.tolerance:
            self._settle(item.time - self.burst_end)  # may lose track: then the state is unknown again
        if item.crossing:
            self._crossing(item)
            return
        if item.crossed and self.worlds is not None:
            self._crossed(item)
            return
        if self.worlds is None:
            if item.kind == "cp" and item.action == "BootNotification":
                self._start(item)
            else:
                self._learn(item)
                self.not_judged["before the first BootNotification" if not self.lost_track
                                else "after losing track, before the next BootNotification"] += 1
                return
        self.judged += 1
        queued = item.kind == "cp" and self._queued(item)
        self.burst_queued = self.burst_queued or queued
        failure = self._judge(item, queued)
        if failure is not None and queued and not failure.kept and not _about_content(failure):
            self._lose_track(item.message)
        elif failure is not None:
            self._failed(item.message, failure)
        self.burst_end = max(item.time, self.burst_end if self.burst_end is not None else item.time)
        self.burst_message = item.message
        self.burst_unanswered = item.kind == "cp" and item.answer is None

    def _crossing(self, item: Item) -> None:
        """A CALL of the Central System and the Charge Point's CALLs that came between it and its answer. Those
        frames are in the order the Central System saw them, not necessarily the order in which the Charge Point
        acted: "CALL messages from both sides can always cross each other" (OCPP-J §4.1.1), so each of its CALLs
        there may have been sent before it received the Central System's (a StatusNotification already in flight
        when a RemoteStartTransaction, ChangeAvailability or ReserveNow went out), or after (a CALL it made while
        handling it, as the Authorize.req of §5.13). Every order that keeps each side's own order is tried: the
        first k of its CALLs before the Central System's (k = 0: as logged), a world each; an order other than the
        log's costs one, as a hidden event does. Only a CALL that came within the tolerance of the Central
        System's can have crossed it, and never a BootNotification (the Charge Point's first CALL on a new
        connection) nor an Authorize.req for the CALL's own idTag (the validation of §5.11, §5.13: made once the
        CALL came, :attr:`Item.nested`), nor any CALL after those. When every order fails, the log's is judged and
        reported as before."""
        crossing, item.crossing = item.crossing, ()
        crossable, id_tag = 0, item.payload.get("idTag")
        for other in crossing:
            if other.action == "BootNotification" or other.time > item.time + self.tolerance \
                    or (other.action == "Authorize" and id_tag is not None and other.payload.get("idTag") == id_tag):
                break  # the Authorize.req validating the CALL's idTag (§5.11, §5.13): sent after it came, as all after
            crossable += 1
        if self.worlds is None or not crossable:
            for one in (item,) + crossing:
                self._item(one)
            return
        queued = {id(c): self._queued(c) for c in crossing}
        base, runs = self.worlds, []
        for k in range(crossable + 1):
            order = crossing[:k] + (item,) + crossing[k:]
            self.worlds = _fork(base)
            failures = []
            for one in order:
                failure = self._judge(one, queued.get(id(one), False))
                failures.append((one, failure))
                if failure is not None and not failure.kept:
                    break
            else:
                runs.append((k, self.worlds, failures))
        self.worlds = base
        if not runs:  # no order explains them: the log's order is judged, and reported, as it always was
            for one in (item,) + crossing:
                self._item(one)
            return
        k, self.worlds, failures = runs[0]
        worlds = []
        for k, run, _ in runs:
            if k:
                what = f"{', '.join(c.action for c in crossing[:k])} sent before {item.action} was received " \
                       f"(the CALLs crossed, OCPP-J §4.1.1)"
                worlds += [World(w.state, w.cost + 1, w.assumed + (what,)) for w in run.worlds]
            else:
                worlds += run.worlds
        self.worlds.worlds = _cheapest(worlds)
        for one, failure in failures:
            if failure is not None:
                self._failed(one.message, failure)
        for one in (item,) + crossing:
            self.judged += 1
            self.burst_queued = self.burst_queued or queued.get(id(one), False)
            self.burst_end = max(one.time, self.burst_end if self.burst_end is not None else one.time)
            self.burst_message = one.message
            self.burst_unanswered = one.kind == "cp" and one.answer is None

    def _crossed(self, item: Item) -> None:
        """A CALL of the Charge Point and the Central System's CALLs that came before its answer: the Charge Point
        received them first and may have handled them before the answer ("CALL messages from both sides can always
        cross each other", OCPP-J §4.1.1), as fuzz's CrossingCall judges them (model/hostile.py ``crossing_orders``): a
        RemoteStopTransaction for the transactionId the StartTransaction.conf is still to give, answered Rejected.
        Two orders, a world each: as logged (the answer first), and the CALL waiting for its answer, the Central
        System's CALLs, then the answer (model ``Released``), which costs one, as a hidden event does. When neither
        explains the frames, the log's order is judged and reported as before."""
        crossed, item.crossed = item.crossed, ()
        queued = self._queued(item)
        base, runs = self.worlds, []
        for waiting in (False, True):
            self.worlds = _fork(base)
            failures = [(item, self._cp_call(item, queued, waiting=waiting))]
            for one in crossed:
                if failures[-1][1] is not None and not failures[-1][1].kept:
                    break
                failures.append((one, self._judge(one, False)))
            else:
                if waiting and (failures[-1][1] is None or failures[-1][1].kept):
                    failures.append((item, self.worlds.released(self._call_of(item))))
                if failures[-1][1] is None or failures[-1][1].kept:
                    runs.append((waiting, self.worlds, failures))
        self.worlds = base
        if not runs:
            for one in (item,) + crossed:
                self._item(one)
            return
        self.worlds, failures = runs[0][1], runs[0][2]
        what = f"{', '.join(c.action for c in crossed)} handled before the {item.action}.conf came (OCPP-J §4.1.1)"
        self.worlds.worlds = _cheapest([World(w.state, w.cost + waiting, w.assumed + ((what,) if waiting else ()))
                                        for waiting, run, _ in runs for w in run.worlds])
        for one, failure in failures:
            if failure is not None:
                self._failed(one.message, failure)
        for one in (item,) + crossed:
            self.judged += 1
            self.burst_queued = self.burst_queued or (one is item and queued)
            self.burst_end = max(one.time, self.burst_end if self.burst_end is not None else one.time)
            self.burst_message = one.message
            self.burst_unanswered = False

    def _judge(self, item: Item, queued: bool) -> Failure | None:
        if item.kind == "event":
            return self.worlds.connection(Connection(item.action == "connected", item.time))
        if item.kind == "cs":
            return self._cs_call(item)
        return self._cp_call(item, queued)

    @staticmethod
    def _call_of(item: Item) -> CpCall:
        answer, error = None, None
        if item.answer is not None and item.answer.kind == 3:
            answer = item.answer.payload or {}
        elif item.answer is not None:
            error = item.answer.error_code or "GenericError"
        return CpCall(item.action, item.payload, item.time, answer, error)

    def _cp_call(self, item: Item, queued: bool, waiting: bool = False) -> Failure | None:
        payload = item.payload
        if item.action in ("StopTransaction", "MeterValues") and self._before_log(payload.get("transactionId")):
            self.not_judged[f"{item.action} of a transaction started before the judged part of the log"] += 1
            return None
        call = self._call_of(item)
        answer = call.answer
        failure = self.worlds.cp_call(attrs.evolve(call, answer=None, error=None) if waiting else call, queued)
        if item.action == "StartTransaction" and answer is not None:
            self.assigned.add(answer.get("transactionId"))
        elif item.action == "BootNotification":
            self._registration((answer or {}).get("status"), item.time)
        return failure

    def _registration(self, status, time: float) -> None:
        """Until a BootNotification is Accepted the Charge Point holds its other messages (§4.2): those it
        made from the first boot not Accepted on waited for the registration, not for a connection."""
        if status == "Accepted":
            self.registration_wait = None if self.registering_since is None else (self.registering_since, time)
            self.registering_since = None
        elif self.registering_since is None:
            self.registering_since = time

    def _before_log(self, transaction_id) -> bool:
        """A transactionId the judged part of the log never gave, nor a transaction of the model holds (-1: its
        StartTransaction was given up, errata 3.18)."""
        return (transaction_id is not None and transaction_id not in self.assigned
                and not self.worlds.holds(transaction_id))

    def _queued(self, item: Item) -> bool:
        """The CALL's own timestamp is older than the frame: it waited in a queue, offline."""
        payload = item.payload
        stamp = payload.get("timestamp")
        values = payload.get("meterValue")
        if stamp is None and isinstance(values, list) and values and isinstance(values[0], dict):
            stamp = values[0].get("timestamp")
        stamp = seconds(stamp)
        wait = self.registration_wait
        waited = wait is not None and stamp is not None and wait[0] <= stamp <= wait[1]
        return stamp is not None and stamp < item.time - self.tolerance - QUEUED_AFTER and not waited

    def _cs_call(self, item: Item) -> Failure | None:
        from adapters.csms import request_violation

        payload = item.message.payload
        if payload is None or request_violation(item.action or "", payload) is not None:
            self.not_judged["a Central System CALL that breaks the OCPP 1.6 schema"] += 1
            return None
        stimulus = Stimulus.from_step({"op": item.action, **payload})
        answer = None
        if item.answer is not None and item.answer.kind == 3:
            answer = Answer("result", item.answer.payload)
        elif item.answer is not None:
            answer = Answer("error", None, item.answer.error_code)
        for nested in item.nested:  # the Central System decided on the idTag before the Charge Point answered
            policy = hidden.central_system_answer(CpCall(nested.action, nested.payload, nested.time,
                                                         nested.answer.payload if nested.answer.kind == 3 else None))
            if policy is not None:
                self.worlds.worlds = [self.worlds._with_policy(w, policy) for w in self.worlds.worlds]
        return self.worlds.cs_call(stimulus, answer, item.time)

    def _settle(self, quiet: float = 0.0, cut: bool = False) -> None:
        """The end of a burst. ``cut``: the log's last burst, on a real clock, with no sign that the recording
        went on after it (a finding's does)."""
        failure = self.worlds.settle(self.burst_end, quiet, unanswered=self.burst_unanswered)
        self.burst_end = None
        queued, self.burst_queued = self.burst_queued, False
        if failure is not None and cut and self._unreported_since_boot(failure):
            self.not_judged[CUT_AFTER_BOOT] += 1
        elif failure is not None and queued and not failure.kept and not _about_content(failure):
            self._lose_track(self.burst_message)
        elif failure is not None:
            self._failed(self.burst_message, failure, at_end=True)

    def _unreported_since_boot(self, failure: Failure) -> bool:
        """Only statuses not yet reported since a boot are missing: the log may end before they came."""
        unreported = {f"connector {c.id} last reported None," for c in self.worlds.worlds[0].state.connectors
                      if c.reported is None}
        return all(v.rule in ("StatusNotReported", "ConnectorZeroStatusNotReported", "StatusNotReportedAfterRejected")
                   and v.detail.startswith(tuple(unreported))
                   for v in failure.violations) if unreported else False

    def _lose_track(self, message: Message) -> None:
        """Messages that waited through an offline period the log does not show, and that no short sequence
        of hidden events explains: too much happened unseen. The state is unknown again until the next
        BootNotification; the configuration learnt so far is kept."""
        self.not_judged[LOST_TRACK] += 1
        self.lost_track.append(message.index)
        self.config = self.worlds.worlds[0].state.config
        self.worlds, self.burst_end, self.burst_queued = None, None, False
        self.framer.judging = False

    # -- before the model starts --------------------------------------------------------

    def _learn(self, item: Item) -> None:
        """Before the first BootNotification: the configuration and the connectors the log tells."""
        connector = item.payload.get("connectorId")
        if item.kind == "cp" and type(connector) is int and 0 < connector <= 64:
            self.largest_connector = max(self.largest_connector, connector)
        if item.kind != "cs" or item.answer is None or item.answer.kind != 3:
            return
        answer = item.answer.payload or {}
        try:
            if item.action == "GetConfiguration":
                keys = item.payload.get("key")
                self.config, _ = cfgmodel.judge_get_configuration(self.config, tuple(keys) if keys else None, answer)
            elif item.action == "ChangeConfiguration":
                self.config, _ = cfgmodel.judge_change_configuration(
                    self.config, item.payload.get("key"), item.payload.get("value"), answer.get("status"))
        except Exception:  # noqa: BLE001 - a malformed answer teaches nothing
            self.not_judged["a configuration answer the model could not read"] += 1

    def _start(self, item: Item) -> None:
        known = cfgmodel.value_of(self.config, "NumberOfConnectors")
        connectors = self.options.connectors or (known if type(known) is int and known > 0 else None)
        options = Options(number_of_connectors=connectors or max(self.largest_connector, 1),
                          power_loss_stops_transactions=self.options.power_loss_stops_transactions,
                          graceful_power_loss=self.options.graceful_power_loss,
                          tolerance=self.tolerance, reboot_limit=0.0 if self.virtual else REBOOT_LIMIT,
                          leftovers=self._before_unknown())
        self.worlds = Worlds(initial(options, self.config, item.time), hidden_connections=not self.events_recorded,
                             grow=connectors is None, accepted=self.options.accept)
        self.worlds.largest = options.number_of_connectors
        self.judged_from = item.message.index if self.judged_from is None else self.judged_from
        self.framer.judging = True
        self.burst_end, self.burst_queued = None, False

    def _before_unknown(self) -> bool:
        """Whether a firmware or diagnostics transfer may be under way from before the judged part: always,
        but at the first boot of a virtual-clock log (ours: each example a fresh charge point)."""
        return not self.virtual or bool(self.lost_track)

    # -- reporting ------------------------------------------------------------------

    def _failed(self, message: Message, failure: Failure, at_end: bool = False) -> None:
        if all(v.rule == MODEL_ERROR for v in failure.violations):
            self.not_judged[failure.violations[0].detail] += 1
            return
        why = failure.tried
        if at_end and why:
            why = (f"at the end of the burst that ends with this frame (no frame for more than "
                   f"{self.tolerance:g} s after it): {why[0]}",)
        first = ""
        for v in failure.violations:
            if v.rule != MODEL_ERROR:
                self._report(message, v.rule, v.section, v.detail, why, failure.assumed, follows=first)
                first = first or (v.rule if v.rule not in self.accept else "")

    def _report(self, message: Message, rule: str, section: str, detail: str, why: tuple = (),
                assumed: tuple = (), follows: str = "") -> None:
        if rule in self.accept:
            self.accepted[rule] += 1
            return
        self.by_rule[rule] += 1
        listed = self.listed.get((rule, detail))
        if listed is not None:
            listed.repeats += 1
            return
        if len(self.violations) >= MAX_LISTED:
            return
        record = message.record
        violation = LogViolation(self.name, message.index, record.source, record.line, record.time, rule, section,
                                 detail, why, assumed[-6:], before=list(self.recent), follows=follows)
        self.violations.append(violation)
        self.listed[rule, detail] = violation
        self.open_context.append(violation)

    def _context(self, message: Message) -> None:
        self.last_message = message
        self.last_time = max(self.last_time, message.record.time)
        line = (message.index, message.record.direction, message.record.raw)
        for violation in self.open_context:
            violation.after.append(line)
        self.open_context = [v for v in self.open_context if len(v.after) < CONTEXT]
        self.recent.append(line)


CONTENT_RULES = frozenset({
    "MeterStopBelowMeterStart", "MeasurandNotConfigured", "ClockAlignedReadingNotAligned", "StartTransactionConnector",
    "MeterValuesConnector", "StatusNotificationConnector", "TransactionStoppedTwice", "OcppJFraming",
})
"""Rules about what a message says, which no hidden event changes: broken even in a message that waited
through an offline period."""


def _fork(worlds: Worlds) -> Worlds:
    """A copy of ``worlds`` to try one order of crossing CALLs on."""
    twin = copy.copy(worlds)
    twin.worlds = list(worlds.worlds)
    twin.unreported, twin.since_boot = set(worlds.unreported), set(worlds.since_boot)
    return twin


def _about_content(failure: Failure) -> bool:
    return all(v.rule in CONTENT_RULES for v in failure.violations)


def _section(problem: str) -> str:
    return problem.split(":", 1)[0] if problem.startswith("OCPP-J") else "OCPP-J 1.6 §4"
