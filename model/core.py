"""Judging one step of a Core-profile Charge Point (OCPP 1.6 §3–§5, errata applied).

Theory of operation
-------------------
The model never predicts one exact message sequence. For each step it reads

1. the stimulus (what the test did) and the Charge Point's answer to it, if it
   was a CALL: the answer is judged against the state *before* the step;
2. every CALL the Charge Point sent during the step, in order: each one must be
   allowed in the state reached so far, and it advances that state (this is
   how the model follows the Charge Point's own choices, e.g. whether it sent
   Authorize or used its cache);
3. the end of the step, when the Charge Point is settled: every message it
   owes (:class:`~model.state.Owed`) must have come by its due time, and the
   last status reported for each connector must be one that fits the
   situation (§4.9).

Freedoms of the spec are kept open: statuses may be skipped (§4.9
MinimumStatusDuration), StatusNotification and Start/StopTransaction may come
in either order (OCTT §1.2), Authorize may be skipped where the cache allows
(§3.5), and heartbeats are not mandatory over JSON (§4.6).
"""

from __future__ import annotations

import functools
from typing import Callable


from . import configuration as cfgmodel
from . import metering
from .events import PROFILE_OPS, Answer, Connection, CpCall, NoAnswer, ProtocolError, Stimulus
from .state import ChargePointState, Connector, Options, Owed, Tx
from .phases import phase_of
from .records import evolve
from .status import transition_code
from .violations import Violation

from vocabulary.dates import iso



STOP_REASONS = frozenset({"DeAuthorized", "EmergencyStop", "EVDisconnected", "HardReset", "Local", "Other",
                          "PowerLoss", "Reboot", "Remote", "SoftReset", "UnlockCommand"})
"""§7.39 Reason."""
UNCONFIRMED = "Unconfirmed"
"""Not a §7.39 Reason: marks the MayStopTransaction of a StopTransaction whose .conf never came (errata 3.36)."""
RESTART_REASONS = frozenset({"HardReset", "PowerLoss", "Reboot"})
"""§7.36: the reasons that say the Charge Point restarted (a transaction lost at a hard reset, §5.14)."""
EV_COMMUNICATION_STATUSES = ("Preparing", "SuspendedEV", "SuspendedEVSE", "Finishing")
"""§4.9: "ChargePointErrorCode EVCommunicationError SHALL only be used with" these statuses."""
TRANSACTION_STATUSES = ("Charging", "SuspendedEV", "SuspendedEVSE")
"""§4.9: the statuses of a connector whose transaction runs."""
STOPPING_STATUSES = TRANSACTION_STATUSES + ("Finishing",)
"""§4.9: those and Finishing ("a Transaction has stopped at a Connector"): still reported after a StopTransaction.req the
Central System answered with a CALLERROR, they are StatusNotReportedAfterFailedStop (a Charge Point that keeps such a
transaction open inside stays Finishing when the cable is plugged in again or taken out: the SAP simulator, sim-sap r2)."""
QUEUED_AT_A_STOP = frozenset({"Available", "Unavailable"})
"""The statuses a queue left by a graceful stop may still deliver (ChargePointState.leftover_queue): its transactions
ended (the SAP simulator reports Available after a stop) and its connectors Unavailable (sim-sap final2, final3). Any
other wrong status is the current one not reported (StatusNotReported), queue or not."""
SYNCHRONICITY = "OCPP-J 1.6 §4.1.1: "
"""How the endpoint's frame error of a CALL sent while another waits for its answer begins (adapters/csms.py)."""
QUEUED_MESSAGES = frozenset({"StartTransaction", "StopTransaction", "MeterValues", "StatusNotification"})
"""What a Charge Point may deliver from the queue it kept while it could not send: the transaction-related messages
(§3.7) and statuses of the time offline (§4.9 allows them after the reconnection; the SAP simulator queues them too)."""
CHARGING_OPS = frozenset({"PresentIdTag", "RemoteStartTransaction", "ReserveNow"})
"""The steps that give the Charge Point an idTag for charging (§4.1: what Authorize.req SHOULD only be used for)."""


def initial_state(options: Options = Options(), time: float = 0.0) -> ChargePointState:
    """The OCTT general preconditions (OCTT §1.3): Accepted, online, all Available."""
    connectors = tuple(
        Connector(id=i, reported="Available") for i in range(options.number_of_connectors + 1)
    )
    state = ChargePointState(time=time, options=options, connectors=connectors)
    return with_leftovers(state) if options.leftovers else state


def with_leftovers(state: ChargePointState) -> ChargePointState:
    """An external Charge Point may still be busy with a transfer asked for in an earlier example: its
    statuses are taken as those of a transfer the model knows nothing of (uncertain, §4.4, §4.5)."""
    from .firmware import FirmwareState, Transfer

    unknown = Transfer(start_at=state.time, uncertain=True)
    return evolve(state, firmware=FirmwareState(update=unknown, upload=unknown))


def setting(state: ChargePointState, key: str, default=None):
    value = cfgmodel.value_of(state.config, key)
    return default if value is None else value


class CoreRules:
    """The working copy of one step's judgement; the state stays immutable.

    The rules of the other feature profiles are mixins that extend these
    (:mod:`model.judge`); they override the hooks below and call ``super()``."""

    def __init__(self, state: ChargePointState):
        self.state = state
        self.violations: list[Violation] = []
        self.handled: set[str] = set()
        """The handlers that ran: what this step judged (properties/rules.py names their rules)."""
        self.stamps: dict = {}
        """connectorId -> the latest StatusNotification timestamp of this step (:meth:`outdated`)."""
        self.answered_at: float | None = None
        """When the answer to this step's CALL came (:attr:`model.events.Answer.time`), if the harness saw it."""
        self.lost: dict = {}
        """connectorId -> the transaction :meth:`lose_transactions` took as over at this step's boot (:meth:`kept_across_reset`)."""

    @classmethod
    @functools.cache
    def handlers(cls, prefix: str) -> dict[str, Callable]:
        """What judges each op, by the method's prefix: ``answer_<Op>`` the answer to a Central System
        CALL, ``cp_<Action>`` a Charge Point's CALL, ``on_<Op>`` a physical or environment step. The
        mixins of :mod:`model.judge` extend them; model.judge.DISPATCH is the table of the whole judge."""
        return {name[len(prefix):]: getattr(cls, name) for name in dir(cls)
                if name.startswith(prefix) and name != "cp_call" and callable(getattr(cls, name))}

    # -- helpers -----------------------------------------------------------

    def fail(self, rule: str, section: str, detail: str) -> None:
        self.violations.append(Violation(rule, section, detail))

    def update(self, connector_id: int, **changes) -> None:
        c = self.state.connector(connector_id)
        for name, value in changes.items():
            if getattr(c, name) != value:  # most updates change nothing
                connectors = list(self.state.connectors)
                connectors[connector_id] = evolve(c, **changes)
                self.state = evolve(self.state, connectors=tuple(connectors))
                return

    def owe(self, owed: Owed) -> None:
        self.state = evolve(self.state, owed=self.state.owed + (owed,))

    def owe_message(self, action: str, rule: str, section: str, detail: str, due: float | None = None,
                    **narrowing) -> None:
        """The Charge Point must send ``action`` by ``due`` (default: by the end of this step)."""
        self.owe(Owed(action, rule, section, detail, self.due() if due is None else due, **narrowing))

    def discharge(self, match) -> Owed | None:
        for owed in self.state.owed:
            if match(owed):
                self.handled.add(f"rule:{owed.rule}")
                rest = tuple(o for o in self.state.owed if o is not owed)
                self.state = evolve(self.state, owed=rest)
                return owed
        return None

    def due(self) -> float:
        return self.state.time + self.state.options.tolerance

    def connectors(self) -> tuple[Connector, ...]:
        return self.state.connectors[1:]

    def valid_connector(self, connector_id) -> bool:
        return isinstance(connector_id, int) and 1 <= connector_id <= self.state.options.number_of_connectors

    # -- 1. stimulus -------------------------------------------------------

    def stimulus(self, stimulus: Stimulus, answer: Answer | None) -> None:
        self.note_aligned_interval()
        if stimulus.is_call:
            self.call(stimulus, answer)
            return
        self.note_charging_id_tags(stimulus)
        self.handled.add(f"on_{stimulus.op}")
        self.handlers("on_")[stimulus.op](self, stimulus)

    def call(self, stimulus: Stimulus, answer: Answer | None) -> None:
        self.note_charging_id_tags(stimulus)
        if answer is None or answer.kind in ("offline", "pending"):
            return
        self.handled.add("call")
        if self.state.registration == "Rejected":
            if answer.kind != "timeout":
                self.fail("RespondedWhileRejected", "OCPP 1.6 §4.2",
                          f"{stimulus.op} was answered while the registration is Rejected")
            return
        if stimulus.op in PROFILE_OPS and not self.supports(PROFILE_OPS[stimulus.op]):
            self.profile_operation(stimulus, answer)
            return
        if answer.kind == "error" and self.error_allowed(stimulus, answer):
            return
        if answer.kind != "result":
            self.fail("NoValidResponse", "OCPP-J 1.6 §4.1.3",
                      f"{stimulus.op} got {answer.kind} {answer.error_code or ''}".strip())
            return
        self.handled.add(f"answer_{stimulus.op}")
        self.answered_at = answer.time
        self.handlers("answer_")[stimulus.op](self, stimulus, answer.payload or {})

    def note_charging_id_tags(self, stimulus: Stimulus) -> None:
        """The idTags given for charging (ChargePointState.charging_id_tags): a card, a RemoteStartTransaction, a
        ReserveNow (§4.1, §5.11, §5.13), however it was answered (a CALL whose answer crossed another's too)."""
        if stimulus.op not in CHARGING_OPS:
            return
        tags = {stimulus.get("idTag"), stimulus.get("parentIdTag")}
        new = {tag for tag in tags if isinstance(tag, str)} - self.state.charging_id_tags
        if new:
            self.state = evolve(self.state, charging_id_tags=self.state.charging_id_tags | new)

    def supports(self, profile: str) -> bool:
        """Whether SupportedFeatureProfiles lists ``profile`` (§9.1.29); Core always."""
        return profile in cfgmodel.supported_profiles(self.state.config)

    def profile_operation(self, stimulus: Stimulus, answer: Answer) -> None:
        """An operation of a feature profile the Charge Point does not list in SupportedFeatureProfiles
        (§3.3, §9.1.29) must not succeed: a CALLERROR NotSupported or NotImplemented (OCPP-J §4.2.3),
        or an answer that says so (OCTT TC_042_1_CS: listVersion -1). Supported profiles are judged
        by their own rules (issue 3), not here."""
        profile = PROFILE_OPS[stimulus.op]
        if cfgmodel.value_of(self.state.config, "SupportedFeatureProfiles") is None:
            return
        payload = answer.payload or {}
        refused = (answer.kind == "error" and answer.error_code in ("NotSupported", "NotImplemented")
                   or payload.get("status") in ("NotSupported", "NotImplemented", "Rejected", "Unknown")
                   or payload.get("listVersion") == -1)
        if not refused:
            self.fail("UnsupportedProfileOperation", "OCPP 1.6 §3.3, §9.1.29; OCPP-J 1.6 §4.2.3",
                      f"{stimulus.op} of {profile}, which SupportedFeatureProfiles does not list, got "
                      f"{answer.kind} {answer.error_code or payload}")

    def error_allowed(self, stimulus: Stimulus, answer: Answer) -> bool:
        """OCTT TC_040_2 accepts a CALLERROR for an invalid configuration value."""
        return (stimulus.op == "ChangeConfiguration"
                and answer.error_code in ("PropertyConstraintViolation", "TypeConstraintViolation")
                and not cfgmodel.is_valid_value(stimulus.get("key"), stimulus.get("value"), self.state.config))

    def check_here(self, rule: str, section: str, passed: bool, detail: str) -> None:
        """A rule judged only where this runs, recorded as judged then (properties/rules.py RECORDED), not whenever
        a handler that can reach it runs."""
        self.handled.add(f"rule:{rule}")
        if not passed:
            self.fail(rule, section, detail)

    def expect_status(self, stimulus: Stimulus, payload: dict, allowed: set[str], rule: str, section: str) -> str | None:
        status = payload.get("status")
        self.handled.add(f"rule:{rule}")
        if status not in allowed:
            self.fail(rule, section, f"{stimulus.op} {stimulus.payload()} answered {status!r}, allowed {sorted(allowed)}")
            return None
        return status

    # -- Central System initiated operations (§5) ----------------------------

    def answer_ClearCache(self, stimulus, payload) -> None:
        if self.expect_status(stimulus, payload, {"Accepted", "Rejected"}, "ClearCacheStatus", "OCPP 1.6 §5.4") == "Accepted":
            self.state = evolve(self.state, cache=())

    def answer_DataTransfer(self, stimulus, payload) -> None:
        self.expect_status(stimulus, payload, {"UnknownVendorId"}, "DataTransferUnknownVendorId", "OCPP 1.6 §4.3, §5.6")
        if "data" in payload:
            self.fail("DataTransferUnknownVendorId", "OCPP 1.6 §4.3", "UnknownVendorId answer carries data")

    def answer_GetConfiguration(self, stimulus, payload) -> None:
        keys = stimulus.get("key")
        config, found = cfgmodel.judge_get_configuration(
            self.state.config, tuple(keys) if keys else None, payload
        )
        if config is not self.state.config:  # an equal configuration is the same object (configuration.one)
            self.state = evolve(self.state, config=config)
        self.violations.extend(found)

    def answer_ChangeConfiguration(self, stimulus, payload) -> None:
        timeout = setting(self.state, "ConnectionTimeOut", None)
        retry = self.retry_keys()
        minimum = setting(self.state, "MinimumStatusDuration", 0) or 0
        aligned = setting(self.state, "ClockAlignedDataInterval", None)
        max_energy = setting(self.state, "MaxEnergyOnInvalidId", None)
        stop_keys = {key: cfgmodel.value_of(self.state.config, key) for key in metering.STOP_KEY_FOR_CONTEXT.values()}
        config, found = cfgmodel.judge_change_configuration(
            self.state.config, stimulus.get("key"), stimulus.get("value"), payload.get("status")
        )
        if config is not self.state.config:
            self.state = evolve(self.state, config=config)
        self.violations.extend(found)
        key, accepted = str(stimulus.get("key")).casefold(), payload.get("status") == "Accepted"
        if key in ("metervaluesampleinterval", "metervaluessampleddata") and accepted:
            self.forget_sampling()
            self.state = evolve(self.state, sampling_since=self.state.time)
        if key in ("clockaligneddatainterval", "metervaluesaligneddata") and accepted:
            self.state = evolve(self.state, aligned_since=self.state.time)
        if key == "clockaligneddatainterval" and accepted:  # §5.3 does not say whether a timer armed goes on
            before = (aligned, self.state.time) if isinstance(aligned, int) and aligned > 0 else None
            self.state = evolve(self.state, aligned_before=before)
        if key == "stoptxnsampleddata" and payload.get("status") in ("Accepted", "RebootRequired"):
            self.stop_sampled_changed(payload.get("status"))
        if key in ("stoptxnsampleddata", "stoptxnaligneddata") and payload.get("status") in ("Accepted", "RebootRequired"):
            self.keep_stop_keys(next(k for k in stop_keys if k.casefold() == key), stop_keys)
        if key == "stoptransactiononinvalidid" and accepted and str(stimulus.get("value")).casefold() == "true":
            self.invalid_may_stop()
        if key == "connectiontimeout" and accepted:
            self.keep_session_timeouts(timeout)
        if key in ("transactionmessageattempts", "transactionmessageretryinterval") and accepted:
            self.keep_retry_settings(retry)
        if key == "minimumstatusduration" and accepted:
            self.keep_status_duration(minimum)
        if key == "maxenergyoninvalidid" and accepted and max_energy:
            self.keep_energy_budgets()

    def keep_energy_budgets(self) -> None:
        """MaxEnergyOnInvalidId changed (§9.1.14) while a transaction runs invalid by a budget > 0: §5.3 ("effective
        immediately") does not say whether its budget, set when it became invalid, follows the new value: it may
        go on charging by the old one, or not (:meth:`transaction_statuses`)."""
        for c in self.connectors():
            if c.tx is not None and c.tx.invalid and not c.tx.energy_kept:
                self.update(c.id, tx=evolve(c.tx, energy_kept=True))

    def keep_stop_keys(self, key: str, before: dict) -> None:
        """StopTxnSampledData or StopTxnAlignedData changed while a transaction runs: its transactionData may hold
        readings taken by the value it began with, or by the new one (:meth:`check_transaction_data`)."""
        for c in self.connectors():
            if c.tx is not None and all(k != key for k, _ in c.tx.stop_keys_before):
                self.update(c.id, tx=evolve(c.tx, stop_keys_before=c.tx.stop_keys_before + ((key, before[key]),)))

    def retry_keys(self) -> tuple[int | None, int | None]:
        return (setting(self.state, "TransactionMessageAttempts", None),
                setting(self.state, "TransactionMessageRetryInterval", None))

    def keep_retry_settings(self, before: tuple[int | None, int | None]) -> None:
        """TransactionMessageAttempts or TransactionMessageRetryInterval changed (§9.1.31, §9.1.32) while a message is
        retried: §5.3 ("effective immediately") does not say whether its retries take the new values or keep those
        they began with (the bundled charge point arms each wait when a transmission fails): either is allowed for
        that message's retries (:meth:`retry_settings`), the owed retry due by the later, not owed where either
        reading has it discarded."""
        kept = {entry[0] for entry in self.state.retry_before}
        new = tuple((f[0], *before) for f in self.state.failures if f[0] not in kept)
        self.state = evolve(self.state, retry_before=self.state.retry_before + new)
        for c in self.connectors():
            if c.tx is not None and c.tx.transaction_id is None and c.tx.start_failures and c.tx.retry_before is None:
                self.update(c.id, tx=evolve(c.tx, retry_before=before))
        self.state = evolve(self.state, owed=tuple(filter(None, map(self.retry_owed_again, self.state.owed))))

    def retry_owed_again(self, owed: Owed) -> Owed | None:
        """An owed retry by the values its message may now run by: due by the longest wait, dropped where the fewest
        attempts have it discarded."""
        if owed.rule != "TransactionMessageRetry":
            return owed
        if owed.action == "StopTransaction":
            failed, at = next(((f[1], f[2]) for f in self.state.failures if f[0] == owed.transaction_id), (0, None))
            attempts, intervals = self.retry_settings(self.stop_retry_before(owed.transaction_id))
        else:
            tx = self.state.connector(owed.connector).tx
            failed, at = (tx.start_failures, tx.start_failed_at) if tx is not None else (0, None)
            attempts, intervals = self.retry_settings(None if tx is None else tx.retry_before)
        if at is None or None in attempts or None in intervals:
            return owed
        if failed >= min(attempts):
            return None
        return evolve(owed, due=max(owed.due, at + max(intervals) * failed + self.state.options.tolerance))

    def retry_settings(self, before: tuple[int | None, int | None] | None) -> tuple[set, set]:
        """The TransactionMessageAttempts and TransactionMessageRetryInterval values a message's retries may run by:
        the keys', and those they began with if either changed since (:meth:`keep_retry_settings`)."""
        attempts, interval = self.retry_keys()
        if before is None:
            return {attempts}, {interval}
        return {attempts, before[0]}, {interval, before[1]}

    def stop_retry_before(self, transaction_id) -> tuple[int | None, int | None] | None:
        return next((entry[1:] for entry in self.state.retry_before if entry[0] == transaction_id), None)

    def keep_session_timeouts(self, timeout: int | None) -> None:
        """ConnectionTimeOut changed (§9.1.6): §5.3 ("effective immediately") does not say whether a session already
        Preparing takes the new value or keeps the one it began with (the bundled charge point arms its timer when
        Preparing begins; blind set 3's false alarm): either is allowed for that session (:meth:`session_timeouts`)."""
        for c in self.connectors():
            since = self.preparing_began(c)
            if since is not None and (c.timeout_before is None or c.timeout_before[1] != since):
                self.update(c.id, timeout_before=(timeout, since))
        if self.state.remote_starts and self.state.remote_timeout_before is None:
            self.state = evolve(self.state, remote_timeout_before=timeout)

    @staticmethod
    def preparing_began(c: Connector) -> float | None:
        """When the session that ConnectionTimeOut may end began: a card waiting for its cable, or a cable for its card."""
        if c.authorized is not None and not c.plugged:
            return c.authorized_at
        return c.plugged_at if c.plugged and c.tx is None else None

    def session_timeouts(self, c: Connector, since: float | None) -> tuple[int | None, ...]:
        """The ConnectionTimeOut values the session begun at ``since`` may run by: the key's, and the one it began
        with if the key changed since (:meth:`keep_session_timeouts`)."""
        timeout = setting(self.state, "ConnectionTimeOut", None)
        kept = c.timeout_before
        return (timeout, kept[0]) if kept is not None and kept[1] == since and kept[0] != timeout else (timeout,)

    def invalid_may_stop(self) -> None:
        """§4.8 (errata 3.17, moved from §3.5.4): "When the authorization status in the StartTransaction.conf is not
        Accepted, and the transaction is still ongoing, the Charge Point SHOULD: when StopTransactionOnInvalidId is set
        to true: stop the transaction normally ... DeAuthorized". A transaction kept (suspended) while the key was false
        is still such a transaction once it is set to true: the Charge Point may stop it then, or go on (§9.1.24 speaks
        of the StartTransaction.conf it received). MicroOcppSimulator stops it at once (sim-mo: a false
        UnexpectedStopTransaction)."""
        for c in self.connectors():
            if c.tx is not None and c.tx.invalid and not self.stop_owed_on(c.id):
                self.allow_stop(c, {"DeAuthorized"}, None)

    def forget_sampling(self) -> None:
        """A new MeterValueSampleInterval may apply at once or from the next sample (§9.1.19 says nothing):
        the sampling of running transactions is no longer judged."""
        for c in self.connectors():
            if c.tx is not None:
                self.update(c.id, tx=evolve(c.tx, sample_interval=None))

    def answer_ChangeAvailability(self, stimulus, payload) -> None:
        connector_id, kind = stimulus.get("connectorId"), stimulus.get("type")
        if not (connector_id == 0 or self.valid_connector(connector_id)):
            self.expect_status(stimulus, payload, {"Rejected"}, "ChangeAvailabilityUnknownConnector", "OCPP 1.6 §5.2")
            return
        targets = self.state.connectors if connector_id == 0 else (self.state.connector(connector_id),)
        inoperative = kind == "Inoperative"
        busy = [c for c in targets if c.tx is not None and c.id != 0 and not self.may_be_over(c)]
        hidden = any(self.hidden_tx(c) or self.may_be_over(c) for c in targets if c.id != 0)
        same = all(c.inoperative == inoperative for c in targets)
        pending = any(c.scheduled for c in targets)
        allowed = ({"Accepted", "Scheduled"} if pending else {"Accepted"}) if same else \
            {"Scheduled"} if busy else {"Accepted", "Rejected", "Scheduled"} if hidden else {"Accepted", "Rejected"}
        if busy and not same and not inoperative and not any(c.inoperative for c in busy):
            allowed = allowed | {"Accepted"}  # §5.2, §7.3: a charging connector is operative, the rest change now
        status = self.expect_status(stimulus, payload, allowed, "ChangeAvailabilityStatus", "OCPP 1.6 §5.2")
        if status not in ("Accepted", "Scheduled"):
            return
        for c in targets:
            if same:
                self.update(c.id, scheduled=None)
            elif status == "Scheduled":  # (busy: only Scheduled, or Accepted to Operative, executed now)
                self.update(c.id, scheduled=kind)
            else:
                if self.hidden_tx(c) or self.may_be_over(c):  # Accepted, not Scheduled: no transaction in progress
                    # there (§5.2), so one that ran unseen, or one seen whose StopTransaction still waits in the queue
                    # (stopped at a power loss, §7.36, §3.7), is over and its Finishing gone (§4.9 A8, H1-H5)
                    self.update(c.id, replugged=True)
                self.set_availability(c, inoperative)

    def set_availability(self, c: Connector, inoperative: bool) -> None:
        """A connector leaves or enters Unavailable (§4.9 A8/H1-H5); waiting usage ends."""
        if inoperative and c.tx is None:
            self.update(c.id, inoperative=True, scheduled=None, authorized=None, presented=None)
        else:
            leaving_unavailable = c.inoperative and not inoperative
            self.update(c.id, inoperative=inoperative, scheduled=None, finishing=c.finishing and not leaving_unavailable)
            if leaving_unavailable and c.tx is None and c.authorized is not None:  # a card kept (§4.9 H2): Preparing
                self.update(c.id, authorized_at=self.state.time)                   # begins now (§9.1.6)

    def answer_UnlockConnector(self, stimulus, payload) -> None:
        connector_id = stimulus.get("connectorId")
        options = self.state.options
        if not self.valid_connector(connector_id) or options.fixed_cable or not options.connector_lock:
            self.expect_status(stimulus, payload, {"NotSupported"}, "UnlockConnectorNotSupported",
                               "OCPP 1.6 §5.18, §7.42, errata 3.85")
            return
        c = self.state.connector(connector_id)
        self.hidden_cause("UnlockCommand", connector_id)
        expected = "UnlockFailed" if c.unlock_failing else "Unlocked"
        self.expect_status(stimulus, payload, {expected}, "UnlockConnectorStatus", "OCPP 1.6 §5.18")
        if c.tx is not None:
            self.owe_stop(c, {"UnlockCommand"}, "UnlockStopsTransaction", "OCPP 1.6 §5.18")

    def answer_RemoteStopTransaction(self, stimulus, payload) -> None:
        transaction_id = stimulus.get("transactionId")
        running = [c for c in self.connectors() if c.tx and c.tx.transaction_id == transaction_id]
        allowed = {"Accepted"} if running else {"Rejected"}
        if running and (self.may_be_over(running[0]) or transaction_id == -1):  # -1: errata 3.18, no real id
            allowed = {"Accepted", "Rejected"}
        status = self.expect_status(stimulus, payload, allowed, "RemoteStopTransactionStatus", "OCPP 1.6 §5.12")
        if status == "Accepted":
            self.owe_stop(running[0], {"Remote"}, "RemoteStopStopsTransaction", "OCPP 1.6 §5.12")

    def answer_RemoteStartTransaction(self, stimulus, payload) -> None:
        connector_id = stimulus.get("connectorId")
        if connector_id == 0:
            if self.expect_status(stimulus, payload, {"Rejected"}, "RemoteStartConnectorZero", "OCPP 1.6 §5.11"):
                return
            connector_id = None  # a deviation (--accept may let the run go on): taken as "any connector"
        if connector_id is None:
            status = self.expect_status(stimulus, payload, {"Accepted", "Rejected"}, "RemoteStartTransactionStatus", "OCPP 1.6 §5.11")
            if status == "Accepted":
                started = self.state.remote_starts + ((stimulus.get("idTag"), self.state.time),)
                self.state = evolve(self.state, remote_starts=started)
                for c in self.connectors():  # over unseen: the Charge Point may choose it, and start there unseen
                    if self.may_be_over(c):
                        self.update(c.id, offline_tags=c.offline_tags | {stimulus.get("idTag")})
            return
        c = self.state.connector(connector_id)
        free = (self.usable(c) and c.tx is None and c.authorized is None and not c.finishing
                and self.state.registration == "Accepted" and not self.hidden_tx(c))  # no card taken there unseen
        allowed = {"Accepted"} if free else {"Accepted", "Rejected"}
        if self.refused_by_authorization(stimulus.get("idTag")):
            allowed.add("Rejected")
        status = self.expect_status(stimulus, payload, allowed, "RemoteStartTransactionStatus", "OCPP 1.6 §5.11, OCTT TC_011_CS")
        if status == "Accepted" and c.tx is None and self.usable(c):
            self.remote_start(c, stimulus.get("idTag"))
        elif status == "Accepted" and self.may_be_over(c):  # over unseen: the next transaction may start unseen
            self.update(c.id, authorized=stimulus.get("idTag"), authorized_at=self.state.time, uncertain=True,
                        offline_tags=c.offline_tags | {stimulus.get("idTag")})

    def refused_by_authorization(self, id_tag: str) -> bool:
        """§5.11: with AuthorizeRemoteTxRequests true the Charge Point "SHALL behave as if in response to a local action
        ... will first try to authorize the idTag ... A transaction will only be started after authorization was
        obtained", and its conf tells "whether it has accepted the request and will attempt to start a transaction".
        One that authorizes before it answers (the SAP simulator: Authorize.req, then the conf) and is not given the
        idTag (the Central System does not accept it, nor does local authorization) will not attempt to start:
        'Rejected' then fits at a free connector too (sim-h44 h44s2)."""
        return (bool(setting(self.state, "AuthorizeRemoteTxRequests", False)) and not self.pre_authorized(id_tag)
                and self.state.policy_for(id_tag)[0] != "Accepted")

    def remote_start(self, c: Connector, id_tag: str) -> None:
        if setting(self.state, "AuthorizeRemoteTxRequests", False):
            self.present(c, id_tag)
            return
        self.authorize(c.id, id_tag)

    def answer_Reset(self, stimulus, payload) -> None:
        status = self.expect_status(stimulus, payload, {"Accepted", "Rejected"}, "ResetStatus", "OCPP 1.6 §5.14")
        if status != "Accepted":
            return
        reason = "HardReset" if stimulus.get("type") == "Hard" else "SoftReset"
        self.hidden_cause(reason)
        for c in self.connectors():
            if c.tx is not None:
                self.owe_stop(c, {reason}, "ResetStopsTransactions", "OCPP 1.6 §5.14")
        self.reboot("Reset")
        if reason == "HardReset":  # a transaction may be lost at the reboot (lose_transactions)
            self.state = evolve(self.state, rebooting="Hard")

    # -- physical actions and environment ------------------------------------

    def on_PlugIn(self, stimulus: Stimulus) -> None:
        c = self.state.connector(stimulus.get("connectorId"))
        if c.plugged:  # a cable already in cannot be plugged in again (a step-minimized trace may ask): nothing happens
            return
        self.update(c.id, plugged=True, plugged_at=self.state.time, finishing=False)
        if c.tx is not None:
            self.update(c.id, replugged=True, tx=evolve(c.tx, cableless=False))
            return
        if c.authorized is not None and self.may_have_timed_out(c):  # §9.1.6: it may have ended just before
            self.update(c.id, uncertain=True)
        elif c.authorized is not None and self.usable(c) and not c.uncertain:
            self.owe_start(self.state.connector(c.id), c.authorized)
        self.update(c.id, after_boot=False)

    def on_Unplug(self, stimulus: Stimulus) -> None:
        self.hidden_cause("EVDisconnected", stimulus.get("connectorId"))
        c = self.state.connector(stimulus.get("connectorId"))
        keep = c.tx is not None or self.authorizes_offline() or self.queue_blocked()
        self.update(c.id, plugged=False, plugged_at=None, finishing=False, presented=None, after_boot=False,
                    ev_suspended=False,
                    offline_tags=c.offline_tags if keep else frozenset())
        if c.offline_tags and c.tx is None:
            self.offline_cause(c.id, "EVDisconnected")
        if c.tx is None:
            return
        if not self.state.online:
            self.update(c.id, offline_tags=c.offline_tags | {c.tx.id_tag})
        if not self.state.online or c.offline_tags:
            self.offline_cause(c.id, "EVDisconnected")
        if setting(self.state, "StopTransactionOnEVSideDisconnect", True):
            self.owe_stop(self.state.connector(c.id), {"EVDisconnected"}, "StopTransactionOnEVSideDisconnect", "OCPP 1.6 §9.1.23, §4.9")

    def on_PresentIdTag(self, stimulus: Stimulus) -> None:
        self.hidden_cause("Local", stimulus.get("connectorId"))
        c = self.state.connector(stimulus.get("connectorId"))
        id_tag = stimulus.get("idTag")
        if self.authorizes_offline():
            if id_tag in c.offline_tags:  # it may stop a transaction it started offline, unseen (§4.10)
                self.offline_cause(c.id, "Local")
            allowed = self.offline_authorizable(id_tag) or id_tag == c.authorized  # authorized there already
            # A refusal now takes back no earlier authorization there: a transaction the idTag may already have
            # begun unseen (an Authorize.conf Accepted behind a StopTransaction retry, §3.7; nightly seed 1160)
            # still sends its StartTransaction (§4.8). Only an idTag nothing allowed there yet is denied.
            earlier = id_tag in c.offline_tags - c.offline_denied
            denied = c.offline_denied - {id_tag} if allowed or earlier else c.offline_denied | {id_tag}
            self.update(c.id, offline_tags=c.offline_tags | {id_tag}, offline_last=(id_tag, self.state.time),
                        offline_denied=denied)
        if c.tx is not None:
            over = self.may_be_over(c)  # then the card may stop it, or start the next transaction (§3.7.1, §4.1)
            if not self.state.online or over:
                self.update(c.id, offline_tags=c.offline_tags | {id_tag})
            if id_tag == c.tx.id_tag and self.start_maybe_given_up(c.tx):
                self.allow_stop(c, {"Local"}, id_tag)  # or, the transaction given up, a new start (§3.7.1)
                self.update(c.id, presented=id_tag)
            elif id_tag == c.tx.id_tag and over:
                self.allow_stop(c, {"Local"}, id_tag)
            elif id_tag == c.tx.id_tag:
                self.owe_stop(c, {"Local"}, "StopByPresentingIdTag", "OCPP 1.6 §4.10, OCTT TC_005_CS", id_tag=id_tag)
            elif self.state.online:
                self.update(c.id, presented=id_tag)
                cached = self.state.cached(id_tag)
                if cached and cached[1] and cached[1] == c.tx.parent_id_tag and cached[0] == "Accepted":
                    self.allow_stop(c, {"Local"}, id_tag)
            return
        if c.authorized == id_tag and not c.plugged and c.uncertain:  # maybe not held: or a first presentation
            self.update(c.id, authorized_at=self.state.time)
            return
        if c.authorized == id_tag and not c.plugged:  # §4.9 B1: "second presentation of idTag" ends it
            self.update(c.id, authorized=None, authorized_at=None)
            return
        if c.authorized is not None:  # another card while one waits for its cable: the spec does not say which
            # counts; the new one may replace it, or be ignored (MicroOcppSimulator, h51 mo-61): either may start
            self.update(c.id, uncertain=True, alternatives=c.alternatives | {c.authorized})
        if self.authorizes_offline():
            if id_tag in c.offline_tags:
                self.offline_cause(c.id, "Local")
            self.update(c.id, offline_tags=self.state.connector(c.id).offline_tags | {id_tag})
        elif self.usable(c):
            self.present(c, id_tag)
        elif self.held_while_unavailable(c):  # it may authorize the card for when it is set Available
            self.update(c.id, presented=id_tag)

    def held_while_unavailable(self, c: Connector) -> bool:
        """§4.9 H2 "Connector is set Available after a user had interacted with the Charge Point" (Unavailable →
        Preparing) and H3 "Connector is set Available and no user action is required to start charging" (→ Charging):
        a card presented at a connector a ChangeAvailability made Unavailable (or connector 0), with no transaction,
        may be authorized and kept until it is set Available, then wait for its cable or start; or be ignored.
        ConnectionTimeOut runs from the Preparing that follows (§9.1.6, errata v4.0 3.76). MicroOcpp keeps it (sim-mo
        s8: TAG1 at connectors 2 and 1, cable in at 1, while Unavailable; at Operative 2 is Preparing, 1 starts)."""
        zero = self.state.connector(0)
        return c.id != 0 and c.tx is None and not c.faulted and (c.inoperative or zero.inoperative)

    def start_maybe_given_up(self, tx) -> bool:
        """§3.7.1, §9.1.31: a StartTransaction the Central System failed to process, TransactionMessageAttempts
        unknown (it may be 1), or changed meanwhile to a count its failures reached (:meth:`keep_retry_settings`):
        the Charge Point may have given it up, and with it the transaction (the SAP simulator does, sim-triage
        session 2); a card of its idTag may then start a new one."""
        attempts = self.retry_settings(tx.retry_before)[0]  # (either count, when it changed meanwhile)
        return tx.transaction_id is None and tx.start_failures > 0 and \
            (None in attempts or tx.start_failures >= min(attempts))

    def remote_start_for(self, id_tag: str) -> bool:
        """An accepted RemoteStartTransaction without connectorId for ``id_tag`` still waits (§5.11)."""
        return any(tag == id_tag for tag, _ in self.state.remote_starts)

    def authorizes_offline(self) -> bool:
        """No Authorize.req can be sent: offline, or before a BootNotification was Accepted (§4.2),
        so local authorization decides (§3.5)."""
        return not self.state.online or self.state.registration != "Accepted"

    def present(self, c: Connector, id_tag: str) -> None:
        """The idTag waits for Authorize.conf, or is accepted at once from the cache (§3.5, §5.11)."""
        self.update(c.id, presented=id_tag)
        if self.pre_authorized(id_tag):
            self.update(c.id, authorized=id_tag, authorized_at=self.state.time)
            if self.expiring(id_tag):  # it may as well take the entry as Expired and ask (Authorize.req)
                self.update(c.id, uncertain=True)

    def pre_authorized(self, id_tag: str) -> bool:
        """LocalPreAuthorize lets a cached Accepted idTag start without waiting for Authorize (§3.5, §9.1.13)."""
        entry = self.local_entry(id_tag)
        return bool(setting(self.state, "LocalPreAuthorize", False)) and entry is not None and entry[0] == "Accepted"

    def local_entry(self, id_tag: str) -> tuple[str, str | None] | None:
        """What local authorization knows of ``id_tag`` (§3.5): its cache entry while the cache is enabled.
        The Local Auth List Management profile puts its list first (§3.5.3)."""
        return self.state.cached(id_tag) if setting(self.state, "AuthorizationCacheEnabled", True) else None

    def expiring(self, id_tag: str) -> bool:
        """The entry of :meth:`local_entry` reaches its expiryDate now: it may be taken as valid or Expired (§3.5.1)."""
        return bool(setting(self.state, "AuthorizationCacheEnabled", True)) and self.state.cache_expiring(id_tag)

    def on_EVSuspend(self, stimulus: Stimulus) -> None:
        self.update(stimulus.get("connectorId"), ev_suspended=True)

    def on_EVResume(self, stimulus: Stimulus) -> None:
        self.update(stimulus.get("connectorId"), ev_suspended=False)

    def on_Fault(self, stimulus: Stimulus) -> None:
        for reason in ("Other", "EmergencyStop"):  # may stop a transaction started unseen (offline, queued)
            self.hidden_cause(reason, stimulus.get("connectorId"))
        c = self.state.connector(stimulus.get("connectorId"))
        self.update(c.id, faulted=True, presented=None, **self.card_taken_unseen(c))

    def card_taken_unseen(self, c: Connector) -> dict:
        """The authorization ends; but a transaction it may have begun unseen, its StartTransaction queued behind a
        retry (§3.7), goes on or ends, and that StartTransaction still comes: its idTag is kept as a card taken
        unseen (as at a reboot, :meth:`kept_at_boot`)."""
        if c.authorized is not None and self.hidden_tx(c):
            return {"authorized": None, "authorized_at": None, "offline_tags": c.offline_tags | {c.authorized},
                    "offline_denied": c.offline_denied - {c.authorized}}
        return {"authorized": None}

    def on_ClearFault(self, stimulus: Stimulus) -> None:
        self.update(stimulus.get("connectorId"), faulted=False)

    def on_SetUnlockFailure(self, stimulus: Stimulus) -> None:
        self.update(stimulus.get("connectorId"), unlock_failing=bool(stimulus.get("failing")))

    def on_PowerLoss(self, stimulus: Stimulus) -> None:
        self.hidden_cause("PowerLoss")
        self.forget_aligned_readings()
        self.state = evolve(self.state, powered=False)
        for c in self.connectors():
            if c.offline_tags:
                self.offline_cause(c.id, "PowerLoss")
        reasons = STOP_REASONS if self.state.options.graceful_power_loss else {"PowerLoss"}
        for c in self.connectors():
            if c.tx is not None:
                self.allow_stop(c, reasons, None)
        if self.state.options.graceful_power_loss:  # its controller's stop reports them Unavailable: not a §4.9 transition
            for c in self.state.connectors:
                self.update(c.id, resync=True)
            if not self.state.online:  # reported into its queue, which it may deliver after the next boot's statuses
                self.state = evolve(self.state, leftover_queue=True)

    def on_PowerOn(self, stimulus: Stimulus) -> None:
        self.state = evolve(self.state, powered=True)
        if self.state.options.power_loss_stops_transactions:
            for c in self.connectors():
                if c.tx is not None:
                    self.owe_stop(c, {"PowerLoss"}, "PowerLossStopsTransactions", "OCPP 1.6 §4.10, OCTT TC_032_CS")
        for c in self.connectors():
            if c.tx is None and c.authorized is not None:  # a card waiting for its cable: volatile, or not
                self.update(c.id, uncertain=True)
        self.state = evolve(self.state, registration="Booting")
        self.reboot("PowerOn")

    def on_NetworkDown(self, stimulus: Stimulus) -> None:
        pass

    def on_NetworkUp(self, stimulus: Stimulus) -> None:
        pass

    def on_AdvanceTime(self, stimulus: Stimulus) -> None:
        end = self.state.time + float(stimulus.get("seconds"))
        self.owe_aligned_readings(self.state.time, end)
        self.state = evolve(self.state, time=end)
        before = self.state.aligned_before
        if before is not None and end >= metering.boundaries(before[1], float("inf"), before[0], most=1)[0]:
            self.state = evolve(self.state, aligned_before=None)  # its timer's boundary has passed

    def owe_aligned_readings(self, start: float, end: float) -> None:
        """Errata 3.15: with ClockAlignedDataInterval > 0 "the Charge Point SHALL send MeterValues at the given
        interval(s)": a Sample.Clock reading at each boundary passed while it can send (online, Accepted, the
        transaction-related queue not held), from one interval after the key took its value."""
        interval = setting(self.state, "ClockAlignedDataInterval", None)
        since = self.state.aligned_since
        if (not isinstance(interval, int) or interval <= 0 or since is None or self.state.rebooting
                or not setting(self.state, "MeterValuesAlignedData", None)  # unknown, or no measurand to read
                or not (self.state.online and self.state.powered and self.state.registration == "Accepted")
                or self.queue_blocked()):
            return
        for boundary in metering.boundaries(max(start, self.aligned_owed_from(since, interval)), end, interval):
            self.owe_message("MeterValues", "ClockAlignedReadingMissing", "OCPP 1.6 §3.16.2, errata 3.15",
                             f"a Sample.Clock reading at {iso(boundary)} (ClockAlignedDataInterval {interval})",
                             due=boundary + self.state.options.tolerance, reasons=frozenset({"Sample.Clock"}))

    def aligned_owed_from(self, since: float, interval: int) -> float:
        """Readings are owed one interval after the key took its value; after a change, from the boundary the
        timer armed for the old interval would wake at, too (:attr:`ChargePointState.aligned_before`)."""
        start, before = since + interval - 1e-6, self.state.aligned_before
        if before is None:
            return start
        return max(start, metering.boundaries(before[1], float("inf"), before[0], most=1)[0] - 1e-6)

    def forget_aligned_readings(self) -> None:
        """Readings not yet sent when the Charge Point went offline or down are lost, not owed (§3.7:
        only transaction-related messages are queued)."""
        if any(o.rule == "ClockAlignedReadingMissing" for o in self.state.owed):
            owed = tuple(o for o in self.state.owed if o.rule != "ClockAlignedReadingMissing")
            self.state = evolve(self.state, owed=owed)

    def discharge_aligned_readings(self, call: CpCall) -> None:
        """A Sample.Clock reading meets the earliest boundary it can be for: by the time it arrived, not by
        its timestamp (the Charge Point's clock may differ from ours)."""
        if metering.clock_timestamps(call.payload.get("meterValue")):
            slack = max(1.0, self.state.options.tolerance)
            self.discharge(lambda o: o.rule == "ClockAlignedReadingMissing"
                           and o.due - self.state.options.tolerance <= call.time + slack)

    def on_SetIdTag(self, stimulus: Stimulus) -> None:
        id_tag = stimulus.get("idTag")
        entry = (id_tag, stimulus.get("status"), stimulus.get("parentIdTag"))
        policy = tuple(p for p in self.state.policy if p[0] != id_tag) + (entry,)
        self.state = evolve(self.state, policy=policy)

    def on_SetBootResponse(self, stimulus: Stimulus) -> None:
        response = (stimulus.get("status"), int(stimulus.get("interval")))
        self.state = evolve(self.state, boot_response=response)

    def on_FailNext(self, stimulus: Stimulus) -> None:
        pass

    # -- shared transitions --------------------------------------------------

    def offline_cause(self, connector_id: int, reason: str) -> None:
        """Something happened, unseen, that may have stopped a transaction started offline (§3.5, §4.10)."""
        c = self.state.connector(connector_id)
        self.update(connector_id, offline_causes=c.offline_causes | {reason})

    def usable(self, c: Connector) -> bool:
        zero = self.state.connector(0)
        return not (c.faulted or c.inoperative or zero.inoperative)

    def reboot(self, why: str) -> None:
        """A boot after power-on is due at once; a reboot that was asked for may take the description's
        ``reboot_limit``: the spec sets none, and until it reboots the Charge Point is still registered."""
        self.state = evolve(self.state, rebooting=True)
        if any(o.action == "BootNotification" for o in self.state.owed):
            return
        later = 0.0 if why == "PowerOn" else self.state.options.reboot_limit
        self.owe(Owed("BootNotification", "BootNotificationAtReboot", "OCPP 1.6 §4.2",
                      f"a BootNotification after {why}", self.due() + later))

    def authorize(self, connector_id: int, id_tag: str) -> None:
        """``id_tag`` is authorized on the connector: start now, or wait for the cable (§3.6)."""
        c = self.state.connector(connector_id)
        in_use = self.tag_in_use(id_tag, connector_id)
        at = self.preparing_since(c, id_tag, self.state.time)
        self.update(connector_id, presented=None, authorized=id_tag, authorized_at=at, uncertain=in_use,
                    offline_denied=c.offline_denied - {id_tag})  # allowed now, whatever was refused offline
        if c.plugged and not (c.finishing or c.after_boot or in_use):
            self.owe_start(self.state.connector(connector_id), id_tag)

    @staticmethod
    def preparing_since(c: Connector, id_tag: str, at: float) -> float:
        """When ``id_tag``'s ConnectionTimeOut starts, authorized at ``at``: it runs "from beginning of status:
        'Preparing'" (§9.1.6, errata v4.0 3.76, 3.87; once "from successful authorization"), and another idTag
        authorized where one already waits for its cable, the connector still Preparing as last reported, does not
        begin Preparing again: the first one's time (one reported Available since begins it anew)."""
        waiting = c.authorized not in (None, id_tag) and not c.plugged and c.tx is None and c.authorized_at is not None \
            and c.reported == "Preparing"
        return min(at, c.authorized_at) if waiting else at

    def tag_in_use(self, id_tag: str, connector_id: int) -> bool:
        """The idTag already has a transaction on another connector: the Charge Point may
        start a second one, refuse, or take the card as the stop of the first (§3.6, §4.10)."""
        busy = [c for c in self.connectors() if c.tx is not None and c.tx.id_tag == id_tag and c.id != connector_id]
        for c in busy:
            self.allow_stop(c, {"Local"}, id_tag)
        return bool(busy)

    def owe_start(self, c: Connector, id_tag: str) -> None:
        """One transaction per connector: a start already owed (queued behind a retry, unseen) takes a later card
        as a card presented during that transaction (§4.10), not as a second start. On a connector whose last
        StopTransaction.req the Central System answered with a CALLERROR (§3.7.1: the transaction is over all the same) a
        missing start is a rule of its own, StartTransactionAfterFailedStop: the SAP simulator keeps such a transaction
        open inside and starts no other there (sim-sap final1), the deviation of StatusNotReportedAfterFailedStop, so
        that accepting it hides no other missing start."""
        if any(o.action == "StartTransaction" and o.connector == c.id for o in self.state.owed):
            return
        self.owe(Owed("StartTransaction",
                      "StartTransactionAfterFailedStop" if c.stop_failed else "StartTransactionWhenAuthorizedAndPlugged",
                      "OCPP 1.6 §3.6, §4.8",
                      f"connector {c.id} is plugged and {id_tag!r} is authorized", self.due(),
                      connector=c.id, id_tag=id_tag))

    def owe_stop(self, c: Connector, reasons: set[str], rule: str, section: str, id_tag: str | None = None) -> None:
        if self.stop_owed_on(c.id):
            return
        if c.tx.transaction_id == -1:  # errata 3.18: its StartTransaction was given up
            rule, section = "TransactionIdMinusOne", f"{section}; OCPP 1.6 §4.8, errata 3.18"
        self.owe(Owed("StopTransaction", rule, section,
                      f"transaction {c.tx.transaction_id} on connector {c.id} must stop ({'/'.join(sorted(reasons))})",
                      self.due(), connector=c.id, transaction_id=c.tx.transaction_id,
                      reasons=frozenset(reasons), id_tag=id_tag))

    # -- 2. observations ----------------------------------------------------

    def observe(self, event) -> None:
        self.handled.add("observe")
        if isinstance(event, ProtocolError):
            self.protocol_error(event.detail)
        elif isinstance(event, Connection):
            self.connection(event)
        elif isinstance(event, CpCall):
            self.cp_call(event)
        elif isinstance(event, NoAnswer) and self.state.registration != "Rejected":
            self.fail("NoValidResponse", "OCPP-J 1.6 §4.1.3", f"{event.action} was never answered")

    def protocol_error(self, detail: str) -> None:
        """OCPP-J 1.6 §4: a frame that breaks the framing. One CALL sent while another of the Charge Point's waits for
        its answer is only a SHOULD NOT (§4.1.1: "unless all the CALL messages it sent before have been responded to or
        have timed out", the timeout its own): a recommendation not followed, not a framing violation."""
        parts = detail.split("; ")
        unanswered = [part for part in parts if part.startswith(SYNCHRONICITY)]
        if unanswered:
            self.fail("CallBeforeAnswer", "OCPP-J 1.6 §4.1.1", unanswered[0].removeprefix(SYNCHRONICITY))
        rest = [part for part in parts if not part.startswith(SYNCHRONICITY)]
        if rest:
            self.fail("OcppJFraming", "OCPP-J 1.6 §4", "; ".join(rest))

    def connection(self, event: Connection) -> None:
        if not event.connected:
            self.forget_aligned_readings()
            slow = self.state.options.reboot_limit and self.state.powered
            booting = "Booting" if self.state.rebooting and not slow else self.state.registration
            last, tolerance = self.state.last_call_at, self.state.options.tolerance
            self.state = evolve(self.state, online=False, registration=booting,
                                held=tolerance > 0 and last is not None and event.time - last <= tolerance)
            return
        if not self.state.powered:
            self.fail("ConnectedWithoutPower", "OCPP 1.6 §4.2", "the Charge Point connected while powered off")
        # a new connection may follow a reboot the Central System cannot see: the §4.2 wait is not judged
        self.state = evolve(self.state, online=True, boot_not_before=None, accepted_on_connection=False,
                            connectors=tuple(evolve(c, resync=True, tx=self.resampled(c.tx))
                                             for c in self.state.connectors))
        if event.resumed and self.state.registration == "Booting":  # no start-up: still Accepted until its triggered
            self.state = evolve(self.state, registration="Accepted")  # BootNotification (§4.2, errata 3.35)

    def resampled(self, tx: Tx | None) -> Tx | None:
        """Samples taken offline are queued (§3.7), and the spec sets no time for sending them once the connection is
        back: the next is owed one MeterValueSampleInterval after the reconnection (the SAP simulator flushes its
        queue on a timer of its own, sim-triage session 3)."""
        return tx if tx is None or tx.sampled_at >= self.state.time else evolve(tx, sampled_at=self.state.time)

    def cp_call(self, call: CpCall) -> None:
        if self.state.last_call_at != call.time or self.state.held:  # several CALLs at one time: the same state
            self.state = evolve(self.state, last_call_at=call.time, held=False)
        if not self.state.online:
            self.fail("MessageWhileOffline", "OCPP-J 1.6 §3", f"{call.action} arrived while the model has the Charge Point offline")
        if call.action == "BootNotification":
            self.boot(call)
            return
        if self.state.registration != "Accepted":
            self.fail("MessageBeforeAccepted", "OCPP 1.6 §4.2",
                      f"{call.action} sent before a BootNotification was Accepted")
        if call.action in QUEUED_MESSAGES:
            self.queue_delivered(call)
        handler = self.handlers("cp_").get(call.action)
        self.handled.add(f"cp_{call.action}")
        if handler is not None:
            handler(self, call)

    def boot(self, call: CpCall) -> None:
        self.check_boot_wait(call)
        if self.state.rebooting == "Hard":
            self.lose_transactions()
        status = (call.answer or {}).get("status")
        connectors = tuple(
            evolve(c, reported=None, presented=None, faulted=False if c.id == 0 else c.faulted, changed_at=call.time,
                   after_boot=c.plugged and c.tx is None and self.state.options.cable_sensed, **self.kept_at_boot(c))
            for c in self.state.connectors
        )
        self.discharge(lambda o: o.action == "BootNotification")
        if status == "Accepted":
            self.queue_from(call.time)
        config = cfgmodel.on_reboot(self.state.config) if self.state.rebooting else self.state.config
        if self.state.rebooting:  # the retry waits of §3.7.1 are forgotten: the queue may go out at boot
            failures = tuple((transaction_id, failed, None) for transaction_id, failed, _ in self.state.failures)
            self.state = evolve(self.state, failures=failures, aligned_since=call.time, aligned_before=None)
        if status == "Accepted":
            config = cfgmodel.forget_value(config, "HeartbeatInterval")
        # a retry while Rejected, or again after one that no StatusNotification followed (a reconnection's boot: the
        # SAP simulator ignored that answer, stays Rejected inside and boots on each reconnection, sim-sap final4)
        unanswered = self.state.accepted_after_rejected and all(c.reported is None for c in self.connectors())
        retried = status == "Accepted" and ((self.state.registration == "Rejected" and not self.state.rebooting) or unanswered)
        self.state = evolve(self.state, registration=status or "Pending", rebooting=False, accepted_after_rejected=retried,
                            accepted_on_connection=status == "Accepted", boot_at=call.time, connectors=connectors,
                            config=config)
        answered = int((call.answer or {}).get("interval", 0))
        wait = call.time + answered - self.state.options.tolerance if status != "Accepted" and answered > 0 else None
        self.state = evolve(self.state, boot_not_before=wait)
        if status != "Accepted":
            interval = answered or 60
            self.owe(Owed("BootNotification", "BootNotificationRetry", "OCPP 1.6 §4.2",
                          f"a new BootNotification {interval}s after {status}", call.time + interval + 1 + self.state.options.tolerance))

    def queue_from(self, at: float) -> None:
        """§3.7: "The Charge Point SHOULD deliver transaction-related messages to the Central System in chronological
        order as soon as possible", and until a BootNotification is Accepted it may send none (§4.2): a StartTransaction
        or StopTransaction owed now (a transaction stopped at a power loss while offline or Pending) waits in its queue,
        and the spec sets no time for delivering it. It is owed ``tolerance`` after this Accepted boot at the earliest,
        and each queued message delivered in time moves that on (:meth:`queue_delivered`). With tolerance 0 (the
        bundled charge point on a virtual clock) nothing changes: it is due at the boot."""
        tolerance = self.state.options.tolerance
        owed = tuple(evolve(o, due=max(o.due, at + tolerance), queued_since=at)
                     if o.action in ("StartTransaction", "StopTransaction") else o for o in self.state.owed)
        if owed != self.state.owed:
            self.state = evolve(self.state, owed=owed)

    def queue_delivered(self, call: CpCall) -> None:
        """§3.7 ("as soon as possible"): while the Charge Point delivers its queue (:meth:`queue_from`), a message of it
        that comes before the queued ones behind it are due gives them as long again as the delivery has taken so far,
        twice over (a queue sent with growing pauses: the SAP simulator waits 0.1 s x 2^n, +20 %, between its buffered
        messages, so its StopTransactions come seconds after the boot, sim-sap final2 F9), at least ``tolerance``. A
        Charge Point that delivers nothing still owes them ``tolerance`` after the boot."""
        tolerance, at = self.state.options.tolerance, call.time
        owed = tuple(evolve(o, due=max(o.due, at + max(tolerance, 2 * (at - o.queued_since))))
                     if o.queued_since is not None and o.due > at else o for o in self.state.owed)
        if owed != self.state.owed:
            self.state = evolve(self.state, owed=owed)

    def kept_at_boot(self, c: Connector) -> dict:
        """An authorization waiting for its cable may outlive a reboot or not (the spec does not say; MicroOcpp
        keeps a remote start's across its restart for a moment): it becomes uncertain, it is not owed."""
        unsensed = {} if self.state.options.cable_sensed or c.tx is not None else {"plugged": False, "plugged_at": None}
        if c.authorized is not None and c.tx is None and not c.plugged:
            return {"uncertain": True, **unsensed}
        return {"authorized_at": None, **self.card_taken_unseen(c), **unsensed}

    def lose_transactions(self) -> None:
        """§5.14: at a hard reset the Charge Point "is not required to gracefully stop ongoing transaction. If
        possible [it] sends a StopTransaction.req for previously ongoing transactions after having restarted
        ... (queued) information might get lost". A transaction still running at the reboot that owes no
        StopTransaction (started while the reboot was under way) is over; its StopTransaction may come, with a
        reason that says the Charge Point restarted (§7.36), or never."""
        for c in self.connectors():
            if c.tx is not None and not self.stop_owed_on(c.id):
                self.owe(Owed("MayStopTransaction", "", "", "", float("inf"), transaction_id=c.tx.transaction_id,
                              reasons=RESTART_REASONS))
                self.lost[c.id] = c.tx
                self.update(c.id, tx=None, finishing=False)

    def kept_across_reset(self, c: Connector, status: str) -> None:
        """§5.14: "After receipt of a Reset.req, The Charge Point SHALL send a StopTransaction.req for any ongoing
        transaction before performing the reset", and a hard reset restarts "(all) the hardware": a transaction
        running when it reset (started while the accepted Reset waited) is over, its StopTransaction may only come
        after the restart. A connector that reports Charging/SuspendedEV/SuspendedEVSE at the boot for it kept the
        transaction across the reset (MicroOcppSimulator, sim-mo): ResetStopsTransactions, once, and the model
        follows the transaction it kept, so its MeterValues and StopTransaction are judged as any."""
        tx = self.lost.pop(c.id, None)
        if tx is None or c.tx is not None:
            return
        kept = status in TRANSACTION_STATUSES
        self.check_here("ResetStopsTransactions", "OCPP 1.6 §5.14", not kept,
                        f"transaction {tx.transaction_id} on connector {c.id} was running when the accepted hard Reset "
                        f"restarted the Charge Point, with no StopTransaction, and goes on after the reboot ({status})")
        if not kept:
            return
        self.discharge(lambda o: o.action == "MayStopTransaction" and o.transaction_id == tx.transaction_id
                       and o.reasons == RESTART_REASONS)
        self.update(c.id, tx=tx, after_boot=False)

    def check_boot_wait(self, call: CpCall) -> None:
        """§4.2: after Pending or Rejected "the value of the interval field indicates the minimum wait time
        before sending a next BootNotification request"; "A Charge Point SHOULD NOT send a
        BootNotification.req earlier, unless requested to do so with a TriggerMessage.req". A (re)boot sends
        one at once ("each time it boots or reboots"). A graceful power loss (a controller that stops and starts
        the charge point's software, the SAP simulator's) may leave the boot retries of before it running: then
        the wait is not judged (sim-triage S23)."""
        wait = None if self.state.options.graceful_power_loss else self.state.boot_not_before
        asked = self.state.rebooting or any(o.action == "BootNotification" and o.rule != "BootNotificationRetry"
                                            for o in self.state.owed)
        if wait is not None and call.time < wait and not asked:
            self.fail("BootNotificationRetryEarly", "OCPP 1.6 §4.2",
                      f"a BootNotification {wait - call.time:.0f}s before the interval of the last answer had passed")

    def learn(self, id_tag: str | None, info: dict | None) -> None:
        """Every idTagInfo received updates the authorization cache (§3.5.1), its expiryDate too (§7.27)."""
        if not id_tag or not info:
            return
        entry = (id_tag, info.get("status"), info.get("parentIdTag"), metering.seconds(info.get("expiryDate")))
        cache = tuple(e for e in self.state.cache if e[0] != id_tag) + (entry,)
        if cache != self.state.cache:
            self.state = evolve(self.state, cache=cache)

    def cp_Authorize(self, call: CpCall) -> None:
        id_tag = call.payload.get("idTag")
        info = (call.answer or {}).get("idTagInfo") or {}
        self.learn(id_tag, info)
        charging = (self.remote_start_for(id_tag) or any(c.presented == id_tag and c.tx is None for c in self.connectors())
                    or any(o.action == "MayStopTransaction" and o.id_tag == id_tag for o in self.state.owed))
        if any(o.action == "StopTransaction" and o.id_tag == id_tag for o in self.state.owed) and not charging:
            self.fail("AuthorizeWhenStoppingWithSameIdTag", "OCPP 1.6 §4.1",
                      f"Authorize for {id_tag!r}, the idTag that started the transaction it stops")
        if id_tag not in self.state.charging_id_tags and not self.state.options.leftovers:
            self.fail("AuthorizeNotForCharging", "OCPP 1.6 §4.1",
                      f"Authorize for {id_tag!r}, an idTag never presented nor sent in a RemoteStartTransaction or "
                      "ReserveNow: Authorize.req SHOULD only be used for the authorization of an identifier for charging")
        for c in self.connectors():
            if c.presented != id_tag:
                continue
            if c.tx is not None:
                self.stop_by_group(c, id_tag, info)
            elif info.get("status") == "Accepted" and self.usable(c):
                self.authorize(c.id, id_tag)
            elif info.get("status") == "Accepted" and self.held_while_unavailable(c):  # §4.9 H2, H3: may be kept
                self.update(c.id, presented=None, authorized=id_tag, authorized_at=self.state.time, uncertain=True)
            else:
                self.update(c.id, presented=None, authorized=None, authorized_at=None)
        if info.get("status") != "Accepted":
            self.refuse_remote_start(id_tag)

    def refuse_remote_start(self, id_tag: str) -> None:
        """§5.11: with AuthorizeRemoteTxRequests the Charge Point first authorizes a remote start's idTag; a
        refusal ends it, wherever it waited (its connector, if it had chosen one, goes back to Available)."""
        self.state = evolve(self.state, remote_starts=tuple(
            e for e in self.state.remote_starts if e[0] != id_tag))
        for c in self.connectors():
            if c.tx is None and c.authorized == id_tag and c.presented is None and not c.plugged:
                self.update(c.id, uncertain=True)

    def stop_by_group(self, c: Connector, id_tag: str, info: dict) -> None:
        """§3.10: an idTag of the transaction's group (the same parentIdTag) may stop it. The Charge Point knows the
        group from the StartTransaction.conf, or, when that never came (a CALLERROR, §3.7.1), from the IdTagInfo it
        learnt of the idTag before (an Authorize.conf, §3.5.1)."""
        self.update(c.id, presented=None)
        parent = info.get("parentIdTag")
        cached = self.state.cached(c.tx.id_tag)
        groups = {c.tx.parent_id_tag, cached[1] if cached else None} - {None}
        if info.get("status") == "Accepted" and parent and parent in groups:
            self.allow_stop(c, {"Local"}, id_tag)

    def allow_stop(self, c: Connector, reasons: set[str], id_tag: str) -> None:
        """§3.10: a token of the same group MAY stop the transaction."""
        self.owe(Owed("MayStopTransaction", "", "", "", float("inf"), connector=c.id,
                      transaction_id=c.tx.transaction_id, reasons=frozenset(reasons), id_tag=id_tag))

    def may_start(self, c: Connector, id_tag: str) -> bool:
        if self.remote_start_for(id_tag) or (c.authorized is not None and id_tag in c.alternatives):
            return True
        if (c.authorized == id_tag and not (self.held_while_unavailable(c) and c.inoperative)) \
                or any(o.action == "StartTransaction" and o.connector == c.id and o.id_tag in (None, id_tag)
                       for o in self.state.owed):
            return True  # (a card kept while Unavailable starts nothing until the connector is set Available, §4.9 H3;
            # set Operative while connector 0 stays Inoperative, it may be taken as available: _as_operative, MO mo-81)
        if id_tag in c.offline_tags - c.offline_denied:
            return True
        entry = self.local_entry(id_tag)
        pre = setting(self.state, "LocalPreAuthorize", True)  # a key the Charge Point lacks allows either
        return c.presented == id_tag and pre and entry is not None and entry[0] == "Accepted"

    def offline_authorizable(self, id_tag: str) -> bool:
        """Offline (§3.5): a cached Accepted idTag when LocalAuthorizeOffline (§9.1.12), an idTag the
        Charge Point does not know when AllowOfflineTxForUnknownId (§9.1.1); never a known invalid one, nor
        a cached one whose expiryDate has passed: it is Expired in the cache (§3.5.1), not unknown, and
        "Identifiers that were valid but are apparently expired due to passage of time MUST also be
        rejected" (§3.5.4). A key whose value the model has not learnt allows either."""
        cache_on = setting(self.state, "AuthorizationCacheEnabled", None)
        cached = self.state.cached(id_tag) if cache_on is not False else None
        as_unknown = bool(setting(self.state, "AllowOfflineTxForUnknownId", True))
        if cached is None:
            return as_unknown
        as_cached = cached[0] == "Accepted" and bool(setting(self.state, "LocalAuthorizeOffline", True))
        return as_cached or (cache_on is None and as_unknown)  # no such key: maybe no cache at all

    def cp_StartTransaction(self, call: CpCall) -> None:
        connector_id, id_tag = call.payload.get("connectorId"), call.payload.get("idTag")
        if not self.valid_connector(connector_id):
            self.fail("StartTransactionConnector", "OCPP 1.6 §4.8", f"StartTransaction on connector {connector_id}")
            return
        self.check_queue_order(call)
        c = self.state.connector(connector_id)
        if c.tx is not None and c.tx.overdue and c.tx.transaction_id is not None:  # (None: this is its resend)
            self.ended_unstopped(c)
            c = self.state.connector(connector_id)
        anew = c.tx is not None and self.started_anew(c.tx, call)
        if anew:  # (its card may start anew, :meth:`start_maybe_given_up`: not judged again below)
            self.ended_without_minus_one(c)
            c = self.state.connector(connector_id)
        if c.tx is not None and c.tx.transaction_id == -1:
            self.fail("DiscardedMessageResent", "OCPP 1.6 §3.7.1, §9.1.31",
                      f"StartTransaction on connector {c.id} sent again after its final attempt (of "
                      "TransactionMessageAttempts) failed: \"the Charge Point SHOULD discard the message\"")
            self.update(c.id, tx=evolve(c.tx, transaction_id=None))
            c = self.state.connector(connector_id)
        if c.tx is not None and c.tx.transaction_id is not None:
            self.fail("SecondTransactionOnConnector", "OCPP 1.6 §4.8", f"a second StartTransaction on connector {c.id}")
            self.update(c.id, second_start=True)
            return
        if c.tx is None and not anew and not self.may_start(c, id_tag):
            self.fail("StartTransactionWithoutAuthorization", "OCPP 1.6 §3.5, §4.8",
                      f"StartTransaction for {id_tag!r} on connector {c.id}, which was not authorized there")
        self.discharge(lambda o: o.action == "StartTransaction" and o.connector == c.id)
        failed = c.tx.start_failures if c.tx is not None and c.tx.transaction_id is None else 0
        self.begin(c, call)
        if call.error is not None:
            self.start_failed(c.id, failed + 1, call)

    def ended_unstopped(self, c: Connector) -> None:
        """A StartTransaction on a connector whose transaction may be over (reported over, or its StopTransaction
        found missing): transaction messages go in order (§3.7), so that StopTransaction will not come now. Any
        still owed is found missing; the transaction is over (not a second one on the connector, §4.8)."""
        for owed in [o for o in self.state.owed if o.action == "StopTransaction" and o.connector == c.id]:
            self.discharge(lambda o: o is owed)
            self.fail(owed.rule, owed.section, f"missing {owed.action}: {owed.detail}")
        self.update(c.id, tx=None)

    def start_failed(self, connector_id: int, failed: int, call: CpCall) -> None:
        """§3.7.1: a StartTransaction the Central System failed to process is sent again, up to
        TransactionMessageAttempts times; errata 3.18: once it is given up the transaction has no
        transactionId, and its messages carry transactionId -1."""
        tx = evolve(self.state.connector(connector_id).tx, start_failures=failed, start_failed_at=call.time)
        self.update(connector_id, tx=tx)
        attempts, intervals = self.retry_settings(tx.retry_before)
        if None not in attempts and failed >= max(attempts):
            self.given_up(connector_id)
            return
        if None in attempts or None in intervals or failed >= min(attempts):  # (either reading may give it up)
            return  # §3.7.1 "SHOULD send this message again" within interval × n
        self.owe_message("StartTransaction", "TransactionMessageRetry", "OCPP 1.6 §3.7.1, §9.1.31, §9.1.32",
                         f"StartTransaction on connector {connector_id} again after failure {failed} of "
                         f"{'/'.join(map(str, sorted(attempts)))}",
                         due=call.time + max(intervals) * failed + self.state.options.tolerance, connector=connector_id)

    def given_up(self, connector_id: int) -> None:
        """Errata 3.18: the transaction's StartTransaction given up, its messages carry transactionId -1."""
        self.update(connector_id, tx=evolve(self.state.connector(connector_id).tx, transaction_id=-1))
        self.state = evolve(
            self.state, stopped=self.state.stopped - {-1}, retrying=self.state.retrying - {-1},
            exhausted=self.state.exhausted - {-1},
            owed=tuple(self.owed_with_minus_one(o) if o.action == "StopTransaction"
                       and o.connector == connector_id else o for o in self.state.owed))

    @staticmethod
    def owed_with_minus_one(owed: Owed) -> Owed:
        """A StopTransaction owed before its StartTransaction was given up now carries -1 (errata 3.18); missing, it is
        that deviation (as :meth:`owe_stop` names it), not a second one."""
        return evolve(owed, transaction_id=-1, rule="TransactionIdMinusOne",
                            section=f"{owed.section}; OCPP 1.6 §4.8, errata 3.18")

    def adopt_given_up_start(self) -> None:
        """A StopTransaction with transactionId -1 (errata 3.18) where a StartTransaction may have been given up
        (:meth:`start_maybe_given_up`): it was."""
        given_up = [c for c in self.connectors() if c.tx is not None and self.start_maybe_given_up(c.tx)]
        if len(given_up) == 1:
            self.given_up(given_up[0].id)

    def started_anew(self, tx, call: CpCall) -> bool:
        """A StartTransaction where one may have been given up (:meth:`start_maybe_given_up`) that is not that one
        sent again (§3.7.1 sends "this message again": the same timestamp): a later start is a new transaction."""
        stamp = metering.seconds(call.payload.get("timestamp"))
        return self.start_maybe_given_up(tx) and None not in (stamp, tx.sampled_stamp) and stamp > tx.sampled_stamp

    def ended_without_minus_one(self, c: Connector) -> None:
        """Errata 3.18, §3.7: a new transaction on the connector shows the one whose StartTransaction was given
        up over; its StopTransaction (transactionId -1) did not come before (in order, §3.7). Found once; a late
        one is still taken."""
        self.fail("TransactionIdMinusOne", "OCPP 1.6 §4.8, errata 3.18, §3.7",
                  f"a new StartTransaction on connector {c.id}, but the transaction whose StartTransaction was given "
                  "up there ended without a StopTransaction with transactionId -1")
        self.state = evolve(self.state, owed=tuple(o for o in self.state.owed if not (
            o.action in ("StopTransaction", "MayStopTransaction") and o.connector == c.id)))
        self.owe(Owed("MayStopTransaction", "", "", "", float("inf"), transaction_id=-1, reasons=STOP_REASONS))
        self.update(c.id, tx=None)

    def begin(self, c: Connector, call: CpCall) -> None:
        info = (call.answer or {}).get("idTagInfo") or {}
        id_tag = call.payload.get("idTag")
        self.learn(id_tag, info)
        invalid = call.answer is not None and info.get("status") != "Accepted"
        stamp, since = metering.seconds(call.payload.get("timestamp")), self.state.sampling_since
        resampled = stamp is not None and since is not None and stamp < since + self.state.options.tolerance
        tx = Tx(id_tag=id_tag, meter_start=int(call.payload.get("meterStart", 0)), sampled_at=call.time,
                sample_interval=None if resampled else setting(self.state, "MeterValueSampleInterval", None),
                sampled_stamp=stamp, cableless=not c.plugged, stop_measurands=self.stop_measurands_at(stamp),
                transaction_id=(call.answer or {}).get("transactionId"),
                parent_id_tag=info.get("parentIdTag"),
                invalid=invalid and not setting(self.state, "StopTransactionOnInvalidId", True))
        if c.tx is not None and c.tx.transaction_id is None and c.tx.id_tag == id_tag:
            # its StartTransaction sent again (§3.7.1) starts nothing new: what was seen of it stays (reported over)
            tx = evolve(c.tx, transaction_id=tx.transaction_id, parent_id_tag=tx.parent_id_tag, invalid=tx.invalid)
        later = {c.authorized} - {None, id_tag}  # a card authorized there since; this start waited in the queue (§3.7)
        # §4.9: a Charge Point that senses no cable (Options.cable_sensed, SAP) knows no EV pausing a new transaction
        unsensed = {} if self.state.options.cable_sensed or c.tx is not None else {"ev_suspended": False}
        self.update(c.id, tx=tx, presented=None, authorized=None, authorized_at=None, alternatives=frozenset(),
                    uncertain=False, offline_tags=c.offline_tags | later, second_start=False, **unsensed)
        own = c.authorized == id_tag or id_tag in c.offline_tags - c.offline_denied  # authorized there, maybe unseen
        waiting = [entry for entry in self.state.remote_starts if entry[0] == id_tag
                   and not own  # then another connector's remote start waits on (§5.11)
                   and c.tx is None]  # a StartTransaction sent again (§3.7.1) starts nothing new: it takes none
        if waiting:
            self.state = evolve(self.state, remote_starts=tuple(
                e for e in self.state.remote_starts if e is not waiting[0]))
        self.state = evolve(self.state, owed=tuple(
            evolve(o, transaction_id=tx.transaction_id, due=max(o.due, self.due()))
            if o.action == "StopTransaction" and o.connector == c.id else o for o in self.state.owed))
        if invalid and setting(self.state, "StopTransactionOnInvalidId", True):
            self.owe_stop(self.state.connector(c.id), {"DeAuthorized"}, "StopTransactionOnInvalidId", "OCPP 1.6 §9.1.24")

    def stop_measurands_at(self, stamp: float | None) -> tuple[str, ...] | None:
        """StopTxnSampledData when a transaction stamped ``stamp`` began, where the model is sure of it (Tx.stop_measurands)."""
        since = self.state.stop_sampled_since
        if stamp is None or (since is not None and stamp <= since + self.state.options.tolerance):
            return None
        return setting(self.state, "StopTxnSampledData", None)

    def stop_sampled_changed(self, status: str) -> None:
        """StopTxnSampledData took a new value (Accepted), or will at a reboot (RebootRequired, §5.3): the values of a
        running transaction may follow either, and so may those of one that began unseen (errata 3.14)."""
        for c in self.connectors():
            if c.tx is not None:
                self.update(c.id, tx=evolve(c.tx, stop_measurands=None))
        unseen = self.queue_blocked() or any(self.hidden_tx(c) or c.offline_tags for c in self.connectors())
        since = float("inf") if status == "RebootRequired" else self.state.time if unseen else None
        self.state = evolve(self.state, stop_sampled_since=since)

    def cp_StopTransaction(self, call: CpCall) -> None:
        transaction_id = call.payload.get("transactionId")
        if transaction_id in self.state.retrying | self.state.exhausted:
            self.retry_stop(transaction_id, call)
            return
        if self.resent_unconfirmed(transaction_id, call):
            return
        self.check_queue_order(call)
        if transaction_id == -1:
            self.adopt_given_up_start()
        if transaction_id in self.state.stopped and transaction_id != -1:
            self.fail("TransactionStoppedTwice", "OCPP 1.6 §4.10", f"transaction {transaction_id} stopped again")
            return
        owners = self.owners(transaction_id, call)
        if not owners and any(c.tx and c.tx.transaction_id == -1 for c in self.connectors()):
            self.fail("TransactionIdMinusOne", "OCPP 1.6 §4.8, errata 3.18",
                      f"StopTransaction for transaction {transaction_id}: a transaction whose StartTransaction was "
                      "given up is stopped with transactionId -1")
            return
        if not owners and self.lost_stopped(transaction_id, call.payload.get("reason", "Local")):
            self.queue_unconfirmed(call)
            return
        if not owners:
            self.fail("StopTransactionUnknownId", "OCPP 1.6 §4.10", f"StopTransaction for unknown transaction {transaction_id}")
            return
        c = owners[0]
        self.check_stop(c, call)
        self.learn(call.payload.get("idTag"), (call.answer or {}).get("idTagInfo"))
        self.end(c, call)
        if call.error is not None:
            self.state = evolve(self.state, retrying=self.state.retrying | {transaction_id})
            self.stop_failed(transaction_id, call)
        self.queue_unconfirmed(call)

    def owners(self, transaction_id: int, call: CpCall) -> list[Connector]:
        """The connectors running the transaction; with -1, the id of every transaction whose StartTransaction was
        given up (errata 3.18), the one a StopTransaction is owed for first, then the one of the stop's idTag."""
        owners = [c for c in self.connectors() if c.tx and c.tx.transaction_id == transaction_id]
        owed = {o.connector for o in self.state.owed if o.action == "StopTransaction"}
        tag = call.payload.get("idTag")
        return sorted(owners, key=lambda c: (c.id not in owed, tag is None or c.tx.id_tag != tag))

    def queue_unconfirmed(self, call: CpCall) -> None:
        """Errata v4.0 3.36 (§5.14): "If the Charge Point fails to receive a StopTransaction.conf from the Central
        System, it SHALL queue the StopTransaction.req": it may come again, however often (the Charge Point cannot
        know the Central System has it). After a soft reset it is owed once the queue can go (§3.7); after a hard
        reset "(queued) information might get lost" (§5.14), and a connection lost at another time is left to it."""
        if call.answer is not None or call.error is not None:
            return
        transaction_id = call.payload.get("transactionId")
        if not self.unconfirmed(transaction_id):
            self.owe(Owed("MayStopTransaction", "", "", "", float("inf"), transaction_id=transaction_id,
                          reasons=frozenset({UNCONFIRMED})))
        if call.payload.get("reason") == "SoftReset":
            self.owe(Owed("StopTransaction", "UnconfirmedStopTransactionNotQueued",
                          "OCPP 1.6 errata v4.0 3.36 (§5.14), §3.7",
                          f"transaction {transaction_id}: its StopTransaction.conf never came before the soft reset, "
                          "so the StopTransaction stays queued and is sent again", self.due(),
                          transaction_id=transaction_id))

    def unconfirmed(self, transaction_id) -> bool:
        """A StopTransaction of the transaction was sent and its .conf never came (:meth:`queue_unconfirmed`)."""
        return any(o.action == "MayStopTransaction" and UNCONFIRMED in o.reasons and o.transaction_id == transaction_id
                   for o in self.state.owed)

    def resent_unconfirmed(self, transaction_id, call: CpCall) -> bool:
        """The StopTransaction of :meth:`queue_unconfirmed` again: the Central System may fail to process it now
        (retried as any, §3.7.1), or answer it, or again not."""
        if not self.unconfirmed(transaction_id) or any(c.tx and c.tx.transaction_id == transaction_id
                                                       for c in self.connectors()):  # -1: another one given up
            return False
        self.discharge(lambda o: o.rule == "UnconfirmedStopTransactionNotQueued" and o.transaction_id == transaction_id)
        self.learn(call.payload.get("idTag"), (call.answer or {}).get("idTagInfo"))
        if call.error is not None:
            self.state = evolve(self.state, retrying=self.state.retrying | {transaction_id})
            self.stop_failed(transaction_id, call)
        self.queue_unconfirmed(call)
        return True

    def lost_stopped(self, transaction_id, reason: str) -> bool:
        """The StopTransaction of a transaction lost at a hard reset (:meth:`lose_transactions`) or over without
        transactionId (:meth:`forget_ended`)."""
        lost = self.discharge(lambda o: o.action == "MayStopTransaction" and o.connector is None
                              and transaction_id is not None and (o.transaction_id == transaction_id or
                                                                  transaction_id == -1 and o.transaction_id is None))
        if lost is not None and reason not in lost.reasons:
            self.fail("StopTransactionReason", "OCPP 1.6 §5.14, §7.36",
                      f"transaction {transaction_id}, lost at a hard reset, stopped with reason {reason}")
        return lost is not None

    def retry_stop(self, transaction_id: int, call: CpCall) -> None:
        """A StopTransaction the Central System answered with a CALLERROR is sent again (§3.7.1, §9.1.31)."""
        self.check_retry_wait(transaction_id, call)
        if transaction_id in self.state.exhausted:
            self.fail("DiscardedMessageResent", "OCPP 1.6 §3.7.1, §9.1.31",
                      f"StopTransaction of transaction {transaction_id} sent again after its final attempt (of "
                      "TransactionMessageAttempts) failed: \"the Charge Point SHOULD discard the message\"")
        self.discharge(lambda o: o.rule in ("TransactionMessageRetry", "UnconfirmedStopTransactionNotQueued")
                       and o.transaction_id == transaction_id)
        if call.error is None and call.answer is None:
            pass  # its .conf never came: it stays queued (errata 3.36), its failures counted so far
        elif call.error is None:  # its StopTransaction.conf's IdTagInfo updates the cache as any (§3.5.1)
            self.learn(call.payload.get("idTag"), (call.answer or {}).get("idTagInfo"))
            self.state = evolve(self.state, retrying=self.state.retrying - {transaction_id},
                                      failures=tuple(f for f in self.state.failures if f[0] != transaction_id))
            self.forget_retry_settings(transaction_id)
        elif transaction_id in self.state.retrying:
            self.stop_failed(transaction_id, call)
        self.queue_unconfirmed(call)

    def stop_failed(self, transaction_id: int, call: CpCall) -> None:
        """§3.7.1: after the n-th failure, resend within TransactionMessageRetryInterval × n seconds, until
        TransactionMessageAttempts failures; then the Charge Point SHOULD discard it (DiscardedMessageResent)."""
        failed = next((f[1] for f in self.state.failures if f[0] == transaction_id), 0) + 1
        rest = tuple(f for f in self.state.failures if f[0] != transaction_id)
        attempts, intervals = self.retry_settings(self.stop_retry_before(transaction_id))
        self.state = evolve(self.state, failures=rest + ((transaction_id, failed, call.time),))
        if None in attempts or None in intervals:
            return
        if failed >= max(attempts):
            self.state = evolve(self.state, retrying=self.state.retrying - {transaction_id}, failures=rest,
                                exhausted=self.state.exhausted | {transaction_id})
            self.forget_retry_settings(transaction_id)
            return
        if failed >= min(attempts):  # discarded by one reading of a changed key, not by the other: either
            return
        self.owe_message("StopTransaction", "TransactionMessageRetry", "OCPP 1.6 §3.7.1, §9.1.31, §9.1.32",
                         f"StopTransaction of transaction {transaction_id} again after failure {failed} of "
                         f"{'/'.join(map(str, sorted(attempts)))}",
                         due=call.time + max(intervals) * failed + self.state.options.tolerance,
                         transaction_id=transaction_id)

    def forget_retry_settings(self, transaction_id) -> None:
        if any(entry[0] == transaction_id for entry in self.state.retry_before):
            kept = tuple(entry for entry in self.state.retry_before if entry[0] != transaction_id)
            self.state = evolve(self.state, retry_before=kept)

    def check_retry_wait(self, transaction_id: int, call: CpCall) -> None:
        """§3.7.1: "Before every retransmission, it SHOULD wait as many seconds as specified in its
        TransactionMessageRetryInterval key, multiplied by the number of preceding transmissions" (the
        example: "SHALL wait for 60 seconds"). A reboot forgets the wait (the queue goes out at boot)."""
        for failed_id, failed, at in self.state.failures:
            intervals = self.retry_settings(self.stop_retry_before(failed_id))[1]
            if failed_id != transaction_id or at is None or None in intervals:
                continue
            wait = at + min(intervals) * failed - self.state.options.tolerance
            if call.time < wait:
                self.fail("TransactionMessageRetryEarly", "OCPP 1.6 §3.7.1, §9.1.32",
                          f"StopTransaction of transaction {transaction_id} sent again {wait - call.time:.0f}s "
                          f"before TransactionMessageRetryInterval × {failed} had passed")

    def awaiting_retry(self) -> frozenset[int]:
        """The transactions whose failed StopTransaction waits for its retry (§3.7.1), when the Charge
        Point's TransactionMessageAttempts and TransactionMessageRetryInterval are known."""
        known = all(setting(self.state, key, None) is not None
                    for key in ("TransactionMessageAttempts", "TransactionMessageRetryInterval"))
        return frozenset(f[0] for f in self.state.failures if f[0] in self.state.retrying
                         and not self.may_be_discarded(f[0], f[1])) if known else frozenset()

    def may_be_discarded(self, transaction_id: int, failed: int) -> bool:
        """After ``failed`` failures, a reading of TransactionMessageAttempts (:meth:`retry_settings`) may have the
        StopTransaction discarded (§3.7.1): it then holds the queue no longer."""
        attempts = self.retry_settings(self.stop_retry_before(transaction_id))[0]
        return None in attempts or failed >= min(attempts)

    def check_queue_order(self, call: CpCall) -> None:
        """§3.7: "The delivery of new transaction-related messages SHALL wait until the queue has been
        emptied": nothing transaction-related may overtake a StopTransaction waiting for its retry."""
        waiting = self.awaiting_retry()
        if waiting and call.payload.get("transactionId") not in waiting:
            self.fail("TransactionMessageBeforeQueueEmptied", "OCPP 1.6 §3.7, §3.7.1",
                      f"{call.action} sent while the StopTransaction of transaction "
                      f"{', '.join(map(str, sorted(waiting)))} waits for its retry")

    def check_stop(self, c: Connector, call: CpCall) -> None:
        payload = call.payload
        reason = payload.get("reason", "Local")
        self.check_transaction_data(payload.get("transactionData"), c.tx)
        self.check_start_and_stop_values(c.tx, payload.get("transactionData"))
        self.check_raw_values(payload.get("transactionData"), "StopTransaction.transactionData")
        self.check_alignment(payload.get("transactionData"), "StopTransaction.transactionData")
        if int(payload.get("meterStop", 0)) < c.tx.meter_start:
            self.fail("MeterStopBelowMeterStart", "OCPP 1.6 §4.10, §3.16",
                      f"meterStop {payload.get('meterStop')} < meterStart {c.tx.meter_start}")
        owed = self.discharge(lambda o: o.action == "StopTransaction" and o.connector == c.id and reason in o.reasons)
        if owed is None and reason in c.offline_causes:  # over unseen (§3.5, §3.7) before what owes a stop now
            self.unowed_stop(c, reason)
            return
        may = None if owed else next((o for o in self.state.owed if o.action == "MayStopTransaction"
                                      and o.connector == c.id and reason in o.reasons), None)
        if may is not None:
            self.stopped_before(c, may)
        owed = owed or may
        if owed is None:
            self.unowed_stop(c, reason)
        elif owed.id_tag and reason == "Local" and payload.get("idTag") != owed.id_tag:
            self.fail("StopTransactionIdTag", "OCPP 1.6 §4.10, OCTT TC_005_CS",
                      f"stopped by {owed.id_tag!r} but StopTransaction.idTag is {payload.get('idTag')!r}")

    def check_transaction_data(self, data, tx: Tx) -> None:
        """StopTxnSampledData / StopTxnAlignedData say which measurands transactionData holds (§3.16, §3.16.5), by
        either value of a key that changed while the transaction ran (Tx.stop_keys_before)."""
        value_of = lambda key: cfgmodel.value_of(self.state.config, key)  # noqa: E731
        allowed = metering.allowed_sets(value_of, metering.STOP_KEY_FOR_CONTEXT)
        for key, value in tx.stop_keys_before:
            context = next(ctx for ctx, k in metering.STOP_KEY_FOR_CONTEXT.items() if k == key)
            before = metering.allowed_sets(lambda _: value, {context: key})
            if context in allowed and context in before:
                allowed[context] = allowed[context] | before[context]
            else:  # a value unknown: the context is not judged
                allowed.pop(context, None)
        for measurand in metering.unexpected_measurands(data, allowed):
            self.fail("MeasurandNotConfigured", "OCPP 1.6 §3.16, §9.1.25, §9.1.27",
                      f"StopTransaction.transactionData carries {measurand}, which its configuration key does not list")

    def check_start_and_stop_values(self, tx: Tx, data) -> None:
        """Errata 3.14 (§3.16.6): "When the Charge Point is configured to provide metering data in the
        StopTransaction.req, the Charge Point is RECOMMENDED to always provide the start (Transaction.Begin) and stop
        (Transaction.End) values of every measurand configured": judged where StopTxnSampledData is known and was
        the same all through the transaction (Tx.stop_measurands)."""
        configured = setting(self.state, "StopTxnSampledData", None)
        if not configured or tx.stop_measurands != configured:
            return
        missing = [f"{measurand} ({context})" for context in ("Transaction.Begin", "Transaction.End")
                   for measurand in metering.missing_measurands(data, configured, context)]
        if missing:
            self.fail("StartAndStopValuesMissing", "OCPP 1.6 errata 3.14 (§3.16.6)",
                      f"StopTransaction of transaction {tx.transaction_id} lacks {', '.join(missing)} of "
                      f"StopTxnSampledData {','.join(configured)} in transactionData (RECOMMENDED: always provided)")

    def unowed_stop(self, c: Connector, reason: str) -> None:
        owed = [o for o in self.state.owed if o.action == "StopTransaction" and o.connector == c.id]
        if owed and reason in c.offline_causes:
            self.discharge(lambda o: o is owed[0])
        elif owed:
            self.fail("StopTransactionReason", owed[0].section,
                      f"transaction on connector {c.id} stopped with reason {reason!r}, expected {'/'.join(sorted(owed[0].reasons))}")
            self.discharge(lambda o: o is owed[0])
        elif reason in c.offline_causes:
            return
        elif not (c.faulted and reason in ("Other", "EmergencyStop")):
            self.fail("UnexpectedStopTransaction", "OCPP 1.6 §4.10",
                      f"transaction on connector {c.id} stopped ({reason}) with no cause")

    def end(self, c: Connector, call: CpCall) -> None:
        self.state = evolve(
            self.state,
            stopped=self.state.stopped | {c.tx.transaction_id},
            owed=tuple(o for o in self.state.owed if not (o.action == "MayStopTransaction" and o.connector == c.id)),
        )
        c = self.state.connector(c.id)
        # stopped because the EV was disconnected, yet plugged now: plugged in again after the stop, unseen;
        # or unplugged at some time the Central System could not see (offline): maybe after the stop;
        # or a transaction that ran unseen, over before a ChangeAvailability the connector Accepted (§5.2, §3.7)
        unseen_unplug = "EVDisconnected" in c.offline_causes or call.payload.get("reason") == "EVDisconnected"
        replugged = c.replugged or (unseen_unplug and c.plugged)
        self.update(c.id, tx=None, finishing=not replugged, after_boot=c.plugged and (replugged or self.before_boot(c)),
                    replugged=False,
                    stop_failed=call.error is not None)
        if any(other.offline_tags for other in self.connectors()):  # a transaction that started before the change
            return  # may follow in the queue (§3.7): the change waits for the end of the step (settle)
        if not any(other.tx for other in self.connectors()):
            self.apply_scheduled()
        elif c.scheduled:
            self.set_availability(self.state.connector(c.id), c.scheduled == "Inoperative")

    @staticmethod
    def before_boot(c: Connector) -> bool:
        """A transaction of a card taken while the queue waited (§3.7), delivered after the boot that found the
        cable in and no transaction (after_boot): it began and ended before that boot, so the connector is as the
        boot left it (§4.9 F2: Preparing fits), not Finishing."""
        return c.after_boot and c.tx.id_tag in c.offline_tags

    def apply_scheduled(self) -> None:
        """§5.2: a change answered Scheduled "is scheduled to occur after the transaction has finished"."""
        for c in self.state.connectors:
            if c.scheduled:
                self.set_availability(c, c.scheduled == "Inoperative")

    def cp_MeterValues(self, call: CpCall) -> None:
        connector_id = call.payload.get("connectorId")
        if connector_id != 0 and not self.valid_connector(connector_id):
            self.fail("MeterValuesConnector", "OCPP 1.6 §4.7", f"MeterValues for connector {connector_id}")
            return
        if connector_id == 0 and "transactionId" in call.payload:
            self.fail("TransactionIdInMainMeterValues", "OCPP 1.6 errata 3.16 (§4.7)",
                      f"MeterValues for connectorId 0 (the main energy meter) carries transactionId "
                      f"{call.payload['transactionId']!r}: RECOMMENDED NOT to add a TransactionId")
        values, state = call.payload.get("meterValue"), self.state
        for measurand in metering.not_configured(values, state.config, cfgmodel.value_of, state.aligned_since,
                                                 state.sampling_since, state.options.tolerance):
            self.fail("MeasurandNotConfigured", "OCPP 1.6 §3.16, §9.1.15, §9.1.17",
                      f"MeterValues carries {measurand}, which its configuration key does not list")
        for measurand in metering.unsent_measurands(values, state.config, cfgmodel.value_of, state.aligned_since,
                                                     state.sampling_since, state.options.tolerance):
            self.fail("ConfiguredMeasurandMissing", "OCPP 1.6 §3.16.1, §3.16.2, §3.16.4",
                      f"MeterValues lacks {measurand}, which its configuration key lists: the key \"prescribes the set "
                      "of measurands to be included in a MeterValues.req PDU\"")
        self.check_alignment(values, "MeterValues")
        self.discharge_aligned_readings(call)
        self.check_raw_values(values, "MeterValues")
        if "transactionId" in call.payload and (metering.periodic(values) or metering.clock_timestamps(values)):
            self.check_queue_order(call)
        c = self.state.connector(connector_id)
        if connector_id and c.tx is not None and metering.periodic(values) and self.sampled_for(c.tx, call):
            stamp = metering.periodic_timestamp(values)
            self.check_sample_drift(c.tx, stamp)
            self.update(connector_id, tx=evolve(c.tx, sampled_at=call.time, sampled_stamp=stamp))

    @staticmethod
    def sampled_for(tx: Tx, call: CpCall) -> bool:
        """A periodic sample is this transaction's unless it names another (one queued for an earlier transaction, §3.7:
        the SAP simulator sends samples of an earlier example's transaction, sim-triage session 4)."""
        named = call.payload.get("transactionId")
        return named is None or tx.transaction_id is None or named == tx.transaction_id

    def check_sample_drift(self, tx: Tx, stamp: float | None) -> None:
        """Samples are taken every MeterValueSampleInterval seconds (§3.16.1, §9.1.19): a gap a little
        longer than the interval is a drifting timer. Longer gaps (an outage) are left to check_sampling."""
        interval = tx.sample_interval
        if (stamp is None or tx.sampled_stamp is None or not interval
                or interval != setting(self.state, "MeterValueSampleInterval", None)):
            return
        gap = stamp - tx.sampled_stamp
        slack = self.state.options.tolerance + 0.5
        if interval + slack < gap < 2 * interval:
            self.fail("MeterValuesSampleLate", "OCPP 1.6 §3.16.1, §9.1.19",
                      f"a periodic sample {gap:.0f}s after the previous one (MeterValueSampleInterval {interval})")
        elif gap < interval - slack:
            self.fail("MeterValuesSampleEarly", "OCPP 1.6 §3.16.1, §9.1.19, errata 3.15",
                      f"a periodic sample {gap:.0f}s after the previous one, sooner than MeterValueSampleInterval "
                      f"{interval}: samples are taken \"periodically at this interval from the start of the charging "
                      f"transaction\"")

    def check_raw_values(self, values, where: str) -> None:
        """§7.43: a SampledValue in format Raw (the default, §7.49) is a decimal number."""
        wrong = metering.not_decimal(values)
        if wrong:
            self.fail("SampledValueNotDecimal", "OCPP 1.6 §7.43, §7.49",
                      f"{where} has Raw values that are no decimal number: {', '.join(wrong)}")

    def check_alignment(self, values, where: str) -> None:
        """Clock-aligned readings fall on ClockAlignedDataInterval boundaries from midnight (§3.16.2, §9.1.5);
        any interval the key had during the run counts, since a change may apply from the next boundary."""
        intervals = self.state.aligned_intervals
        if not intervals:
            return
        slack = max(1.0, self.state.options.tolerance)
        for timestamp in metering.clock_timestamps(values):
            if not metering.aligned(timestamp, intervals, slack):
                self.fail("ClockAlignedReadingNotAligned", "OCPP 1.6 §3.16.2, §9.1.5",
                          f"{where} has a Sample.Clock reading at {timestamp}, not on a "
                          f"ClockAlignedDataInterval boundary ({', '.join(map(str, sorted(intervals)))} s)")

    def note_aligned_interval(self) -> None:
        interval = setting(self.state, "ClockAlignedDataInterval", None)
        if interval and interval not in self.state.aligned_intervals:
            self.state = evolve(self.state, aligned_intervals=self.state.aligned_intervals | {interval})

    def check_sampling(self, c: Connector) -> None:
        """MeterValueSampleInterval > 0: samples every interval from the start of the transaction (§3.16.1, §9.1.19)."""
        tx = c.tx
        if tx is None or tx.transaction_id is None or not tx.sample_interval or self.queue_blocked() or tx.overdue:
            return  # overdue: it may be over (its StopTransaction was found missing), its samples are not owed
        if tx.sample_interval != setting(self.state, "MeterValueSampleInterval", None):
            return
        if setting(self.state, "MeterValuesSampledData", None) in ((), []):  # no measurand: nothing to send
            return
        due = tx.sampled_at + tx.sample_interval + self.state.options.tolerance
        if self.state.time > due:
            self.fail("MeterValuesSampleMissing", "OCPP 1.6 §3.16.1, §9.1.19",
                      f"no sampled MeterValues for transaction {tx.transaction_id} for "
                      f"{self.state.time - tx.sampled_at:.0f}s (MeterValueSampleInterval {tx.sample_interval})")
            self.update(c.id, tx=evolve(tx, sample_interval=None))

    def commanded_status(self, c: Connector, status: str) -> bool:
        """A status the Central System's command put the connector in from any other: Unavailable by ChangeAvailability
        (§5.2; the §4.9 table has no B8)."""
        return status == "Unavailable" and (c.inoperative or c.scheduled == "Inoperative"
                                            or self.state.connector(0).inoperative)

    def cp_StatusNotification(self, call: CpCall) -> None:
        connector_id, status = call.payload.get("connectorId"), call.payload.get("status")
        if self.outdated(call):
            return
        if connector_id != 0 and not self.valid_connector(connector_id):
            self.fail("StatusNotificationConnector", "OCPP 1.6 §4.9", f"StatusNotification for connector {connector_id}")
            return
        if call.payload.get("errorCode") == "EVCommunicationError" and status not in EV_COMMUNICATION_STATUSES:
            self.fail("EVCommunicationErrorStatus", "OCPP 1.6 §4.9, §7.6",
                      f"connector {connector_id} reports EVCommunicationError with status {status}; it SHALL only be "
                      f"used with {', '.join(EV_COMMUNICATION_STATUSES)}")
        c = self.state.connector(connector_id)
        if connector_id in self.lost:
            self.kept_across_reset(c, status)
            c = self.state.connector(connector_id)
        if transition_code(None if c.resync else c.reported, status, connector_id, self.omits_short_statuses()) is None \
                and not self.commanded_status(c, status):
            self.fail("StatusTransitionNotAllowed", "OCPP 1.6 §4.9",
                      f"connector {connector_id}: {c.reported} → {status} is not in the transition table")
        self.update(connector_id, reported=status, resync=False)
        if connector_id and status == "Available" and c.tx is None and c.offline_last is not None:
            # §4.9 (statuses in the order of the events, B1): an Available after a card presented offline ends the
            # incipient session it began; a later Preparing runs its own ConnectionTimeOut (§9.1.6, errata v4.0)
            self.update(connector_id, offline_last=None)
        if connector_id and status in ("Finishing", "Available") and c.tx is not None:
            self.reported_over(self.state.connector(connector_id))
        if status == "Unavailable" and c.scheduled == "Inoperative" and c.tx is None:
            self.set_availability(self.state.connector(connector_id), True)
        if status == "Available" and connector_id and not c.plugged and (
                self.may_have_timed_out(c) or c.uncertain or self.card_not_taken(c)):
            self.update(connector_id, authorized=None, authorized_at=None)
        if status == "Preparing" and connector_id and self.state.remote_starts and c.tx is None \
                and c.authorized is None and not c.plugged:
            self.adopt_remote_start(c)

    @staticmethod
    def card_not_taken(c: Connector) -> bool:
        """§4.9 F1 "All user interaction is complete" (Finishing → Available), not F2 "User restart charging session
        (e.g. reconnects cable, presents idTag again)" (→ Preparing): a card presented in Finishing that the Charge
        Point answers with Available is not held for a new session (nightly seeds 3000, 3120)."""
        return c.finishing and c.presented is not None and c.presented == c.authorized

    def outdated(self, call: CpCall) -> bool:
        """§6.47: timestamp is "The time for which the status is reported". One stamped earlier than a status
        for the same connector received before it in this step is history, not the connector's status now
        (MicroOcppSimulator sends statuses captured before its clock was set, stamped 1970, after the current
        ones at boot: sim-triage M21)."""
        connector_id, stamp = call.payload.get("connectorId"), metering.seconds(call.payload.get("timestamp"))
        if stamp is None:
            return False
        if stamp < self.stamps.get(connector_id, stamp):
            return True
        self.stamps[connector_id] = stamp
        return False

    def adopt_remote_start(self, c: Connector) -> None:
        """A RemoteStartTransaction without connectorId: the connector the Charge Point chose shows itself
        Preparing (§5.11, §4.9 A2); it now waits there for its cable like any authorization."""
        tags = frozenset(tag for tag, _ in self.state.remote_starts)
        tag, at = self.state.remote_starts[0]
        kept = self.state.remote_timeout_before
        self.update(c.id, authorized=tag, authorized_at=at, alternatives=tags, uncertain=len(tags) > 1,
                    timeout_before=None if kept is None else (kept, at))
        self.state = evolve(self.state, remote_starts=self.state.remote_starts[1:])

    # -- 3. settle ----------------------------------------------------------

    def settle(self) -> None:
        self.handled.add("settle")
        self.note_aligned_interval()
        if self.state.status_duration_before is not None and not self.status_duration_before():
            self.state = evolve(self.state, status_duration_before=None)
        self.expire_authorizations()
        if not (self.state.online and self.state.powered) or self.state.held:  # held: as good as offline (State.held)
            return
        now = self.state.time
        waiting = tuple(o for o in self.state.owed if self.waits_for_start(o) or self.waits_for_registration(o))
        for owed in self.state.owed:
            if owed.action != "MayStopTransaction" and owed.due <= now and owed not in waiting:
                self.handled.add(f"rule:{owed.rule}")
                self.fail(owed.rule, owed.section, f"missing {owed.action}: {owed.detail}")
                self.overdue(owed)
        kept = tuple(o for o in self.state.owed if o.due > now or o in waiting)
        if len(kept) != len(self.state.owed):
            self.state = evolve(self.state, owed=kept)
        if self.state.registration == "Accepted" and not self.state.rebooting:
            if not self.queue_blocked() and not any(c.tx for c in self.connectors()):
                self.apply_scheduled()
            self.check_offline_starts()
            for c in self.state.connectors:
                self.check_settled_status(c)
            for c in self.connectors():
                self.check_sampling(c)
            self.check_presented()
            if not self.queue_blocked():
                for c in self.connectors():
                    self.adopt_offline_authorization(c)
                    self.update(c.id, offline_tags=frozenset(), offline_causes=frozenset(),
                                offline_denied=frozenset(), replugged=c.replugged and c.tx is not None)

    def check_offline_starts(self) -> None:
        """§3.5.4: "When connection to the Central Server is restored, the Charge Point SHALL send a Start
        Transaction request for any transaction that was authorized offline": once the queue is delivered, a
        connector that reports a transaction the Central System never saw start is one whose StartTransaction
        was not sent."""
        if self.queue_blocked():
            return
        for c in self.connectors():
            if c.tx is None and c.offline_tags and c.reported in ("Charging", "SuspendedEV", "SuspendedEVSE"):
                self.fail("OfflineTransactionNotSent", "OCPP 1.6 §3.5.4, §3.7",
                          f"connector {c.id} reports {c.reported} for a transaction authorized offline "
                          f"({', '.join(sorted(c.offline_tags))}), but no StartTransaction came after the reconnection")

    def waits_for_start(self, owed: Owed) -> bool:
        """Transaction messages go in order: while one waits for a retry, those behind it wait too
        (a StopTransaction cannot come before its StartTransaction was accepted, §3.7.1, §4.8)."""
        return (owed.action in ("StartTransaction", "StopTransaction") and self.queue_blocked()
                and owed.rule != "TransactionMessageRetry")

    def waits_for_registration(self, owed: Owed) -> bool:
        """Until a BootNotification is Accepted the Charge Point sends nothing else (§4.2)."""
        return owed.action != "BootNotification" and self.state.registration != "Accepted"

    def queue_blocked(self) -> bool:
        state = self.state  # asked for every connector and phase (§4.9): kept for the state it was asked of
        known = self.__dict__.get("_queue_blocked")
        if known is not None and known[0] is state:
            return known[1]
        blocked = bool(state.retrying) or any(c.tx and c.tx.transaction_id is None for c in state.connectors[1:])
        self._queue_blocked = (state, blocked)
        return blocked

    def hidden_tx(self, c: Connector) -> bool:
        """A transaction may have started whose StartTransaction waits in the queue (§3.7.1); a remote start
        without connectorId (§5.11) may have chosen any plugged connector."""
        if c.tx is not None or not (self.queue_blocked() or not self.state.online):  # not unseen
            return False
        if c.offline_tags:
            return True
        return c.plugged and (c.authorized is not None or bool(self.state.remote_starts) or any(
            o.action == "StartTransaction" and o.connector == c.id for o in self.state.owed))

    def hidden_cause(self, reason: str, connector_id: int | None = None) -> None:
        """Something that may stop a transaction the Central System cannot see yet."""
        for c in self.connectors():
            if connector_id in (None, c.id) and (self.hidden_tx(c) or (self.may_be_over(c) and c.offline_tags)):
                tags = c.offline_tags | ({c.authorized} if c.authorized else self.remote_tags(c))
                self.update(c.id, offline_tags=tags, offline_causes=c.offline_causes | {reason})

    def remote_tags(self, c: Connector) -> set[str]:
        """The idTags of remote starts without connectorId a plugged connector may have taken (§5.11)."""
        return {tag for tag, _ in self.state.remote_starts} if c.plugged else set()

    def stop_owed_on(self, connector_id: int) -> bool:
        """A StopTransaction is owed for the transaction on the connector (§3.7: not sent yet)."""
        return any(o.action == "StopTransaction" and o.connector == connector_id for o in self.state.owed)

    def may_be_over(self, c: Connector) -> bool:
        """The transaction may have ended in the Charge Point while its StopTransaction waits in the queue (one owed,
        or one it may send: a card of its group, §3.10), or ended without the StopTransaction it owed (found once:
        what follows is not judged again)."""
        if c.tx is None:
            return False
        if c.tx.overdue:
            return True
        if not self.queue_blocked():
            return False
        return bool(c.offline_causes) or any(o.action in ("StopTransaction", "MayStopTransaction")
                                             and o.connector == c.id for o in self.state.owed)

    def overdue(self, owed: Owed) -> None:
        """A StopTransaction that did not come: the transaction may be over for the Charge Point; a retry
        that did not come was discarded (found once: the queue goes on without it, §3.7.1)."""
        if owed.rule == "TransactionMessageRetry" and owed.transaction_id is not None:
            self.state = evolve(
                self.state, retrying=self.state.retrying - {owed.transaction_id},
                failures=tuple(f for f in self.state.failures if f[0] != owed.transaction_id),
                exhausted=self.state.exhausted | {owed.transaction_id})
            self.forget_retry_settings(owed.transaction_id)
        c = self.state.connector(owed.connector) if owed.action == "StopTransaction" and owed.connector else None
        if c is not None and c.tx is not None and (c.reported == "Finishing" or c.reported == "Available" and not c.plugged):
            self.forget_ended(c)
        elif c is not None and c.tx is not None:
            self.update(c.id, tx=evolve(c.tx, overdue=True))
            self.allow_stop(self.state.connector(c.id), set(owed.reasons), owed.id_tag)

    def reported_over(self, c: Connector) -> None:
        """The Charge Point reports a connector whose transaction runs Finishing or Available (§4.9 C1, C6): the
        transaction is over for it. Its StopTransaction is owed (for one without transactionId or refused,
        from now), and until it comes the transaction may be over (may_be_over)."""
        if self.unstoppable(c):
            self.owe_stop(c, STOP_REASONS, "StopTransactionOnInvalidId",
                          "OCPP 1.6 §3.5.4, §4.9 C1, C6: the transaction is over, §9.1.24")
        if self.stop_owed_on(c.id):
            self.update(c.id, tx=evolve(self.state.connector(c.id).tx, overdue=True))

    def stopped_before(self, c: Connector, may: Owed) -> None:
        """A transaction stops once (§4.10): stopped as a card of its group allowed (§3.10, ``may``), it is not
        stopped again by what came after that card and would have stopped it still running (a Reset, §5.14; an
        UnlockConnector, §5.18; a power loss, §4.10): the StopTransactions owed since are met by this one."""
        later = self.state.owed[self.state.owed.index(may):]
        for owed in [may] + [o for o in later if o.action == "StopTransaction" and o.connector == c.id]:
            self.discharge(lambda o: o is owed)

    @staticmethod
    def unstoppable(c: Connector) -> bool:
        """A transaction the Charge Point may end without a StopTransaction the model already owes: one without
        transactionId (errata 3.18: its StopTransaction carries -1) or one whose StartTransaction.conf was not
        Accepted (§3.5.4: stopped normally, or only its energy delivery)."""
        return c.tx is not None and (c.tx.transaction_id == -1 or c.tx.invalid)

    def forget_ended(self, c: Connector) -> None:
        """A transaction the Charge Point reported over (§4.9 C1, C6) and whose StopTransaction was found
        missing: it is over (found once: its MeterValues are not owed); a late StopTransaction may still come."""
        self.owe(Owed("MayStopTransaction", "", "", "", float("inf"), transaction_id=c.tx.transaction_id,
                      reasons=STOP_REASONS))
        self.update(c.id, tx=None, finishing=c.reported == "Finishing")

    def expire_authorizations(self) -> None:
        """ConnectionTimeOut ends an authorization that found no cable (§9.1.6). The spec does not say what 0
        means (at once, or never): then an authorization may end at any time (may_have_timed_out), not must."""
        timeout = setting(self.state, "ConnectionTimeOut", None)
        if not timeout:
            return
        if self.state.remote_starts and not self.queue_blocked():  # else it may have started, queued unseen (§3.7)
            before = self.state.remote_timeout_before
            late = self.state.time - max(timeout, before or 0) - self.state.options.tolerance
            kept = tuple(e for e in self.state.remote_starts if e[1] >= late)
            if len(kept) != len(self.state.remote_starts):
                self.state = evolve(self.state, remote_starts=kept, remote_timeout_before=before if kept else None)
        for c in self.connectors():
            if c.authorized is not None and not c.plugged and c.authorized_at + self.latest_timeout(c) \
                    + self.state.options.tolerance < self.state.time \
                    and not self.held_while_unavailable(c):  # no Preparing yet (§4.9 H2), so no ConnectionTimeOut
                self.update(c.id, authorized=None, authorized_at=None)

    def latest_timeout(self, c: Connector) -> float:
        """The longest ConnectionTimeOut the card's session may run by; a value unknown or 0 (at once, or never: the
        spec does not say) ends nothing."""
        timeouts = self.session_timeouts(c, c.authorized_at)
        return float("inf") if None in timeouts or 0 in timeouts else max(timeouts)

    def may_have_timed_out(self, c: Connector) -> bool:
        """ConnectionTimeOut (§9.1.6) may have run out: ``tolerance`` either way, since on a wall clock
        the Charge Point's timer and the time we see its messages differ by latency."""
        timeouts = [t for t in self.session_timeouts(c, c.authorized_at) if t is not None]
        return (c.authorized is not None and not c.plugged and bool(timeouts)
                and self.state.time >= c.authorized_at + min(timeouts) - self.state.options.tolerance)

    def adopt_offline_authorization(self, c: Connector) -> None:
        """A card authorized offline (§3.5) leaves the connector Preparing, waiting for the cable;
        its ConnectionTimeOut may already be running, so it may end at any moment."""
        if c.tx is None and not c.plugged and c.reported == "Preparing" and c.offline_last is not None:
            id_tag, at = c.offline_last
            self.update(c.id, authorized=id_tag, authorized_at=self.preparing_since(c, id_tag, at),
                        uncertain=len(c.offline_tags) > 1, alternatives=c.offline_tags)
        self.update(c.id, offline_last=None)

    def offline_card_waits(self, c: Connector) -> bool:
        """A card presented offline at an empty connector may have been authorized locally (§3.5,
        §4.9 Available → Preparing) after the transaction the Central System sees ending was over;
        it then waits for its cable, Preparing, until ConnectionTimeOut (§9.1.6)."""
        return (c.tx is None and not c.plugged and c.offline_last is not None
                and c.offline_last[0] not in c.offline_denied)  # as local authorization decided then

    def check_presented(self) -> None:
        """§4.1: a card presented for charging is authorized (Authorize.req, or locally). At a connector already
        authorized for another idTag and waiting for its cable (Preparing: "no longer available for a new
        user", §4.9) a card has nothing to start or stop: the Charge Point may ignore it (MicroOcpp, sim-triage
        M4) or authorize it."""
        for c in self.connectors():
            if c.presented is None or c.tx is not None or c.finishing or c.after_boot or self.hidden_tx(c) \
                    or c.authorized not in (None, c.presented) \
                    or self.held_while_unavailable(c):  # held for another idTag (below); Unavailable: may ignore it
                self.update(c.id, presented=None)
                continue
            cached = self.local_entry(c.presented)
            if not (setting(self.state, "LocalPreAuthorize", True) and cached is not None):
                self.fail("IdTagNotAuthorized", "OCPP 1.6 §4.1, §3.5",
                          f"{c.presented!r} presented on connector {c.id} but neither Authorize nor StartTransaction followed")
            self.update(c.id, presented=None)

    def check_settled_status(self, c: Connector, allowed: set[str] | None = None) -> None:
        """``allowed``: :meth:`settled_statuses` of ``c``, if a mixin has it already."""
        allowed = self.settled_statuses(c) if allowed is None else allowed
        c = self.note_status_change(c, allowed)
        if self.status_may_wait(c):
            return
        if c.id == 0 and c.reported is None:  # a rule of its own: accepting it hides no other missing status
            self.fail("ConnectorZeroStatusNotReported", "OCPP 1.6 errata v4.0 3.22, §4.9, OCTT TC_001_CS",
                      f"connector 0 last reported None, but it is now {'/'.join(sorted(allowed))}: no "
                      "StatusNotification for connectorId 0 since the BootNotification was Accepted")
        elif c.reported is None and c.reported not in allowed and self.state.accepted_after_rejected:
            self.fail("StatusNotReportedAfterRejected", "OCPP 1.6 errata v4.0 3.22, §4.2",
                      f"connector {c.id} last reported None, but it is now {'/'.join(sorted(allowed))}: no "
                      "StatusNotification since a BootNotification retried while Rejected was answered Accepted")
        elif c.reported not in allowed and c.stop_failed and c.tx is None and c.reported in STOPPING_STATUSES:
            self.fail("StatusNotReportedAfterFailedStop", "OCPP 1.6 §4.9, §3.7.1",
                      f"connector {c.id} last reported {c.reported}, but its transaction is over (its StopTransaction.req "
                      f"was sent; the CALLERROR asks for a retry of the message only): it is now {'/'.join(sorted(allowed))}")
        elif c.reported == "Preparing" and c.reported not in allowed and c.stop_failed and c.tx is not None:
            # the same deviation: the SAP simulator kept the transaction of the failed stop open inside and dropped this
            # start ("already used connector", sim-sap final7), never reporting it
            self.fail("StatusNotReportedAfterFailedStop", "OCPP 1.6 §4.9, §3.7.1",
                      f"connector {c.id} last reported Preparing for a transaction started after a StopTransaction.req "
                      f"there was answered with a CALLERROR: it is now {'/'.join(sorted(allowed))}")
        elif c.reported not in allowed and c.second_start and c.tx is not None:
            # the same deviation, not a second one: the Charge Point that started a second transaction on a connector
            # reported it Preparing and, refusing that start itself (the SAP simulator), never reported the first again
            self.fail("SecondTransactionOnConnector", "OCPP 1.6 §4.8, §4.9",
                      f"connector {c.id} last reported {c.reported} for the second StartTransaction on it, but its "
                      f"transaction runs: it is now {'/'.join(sorted(allowed))}")
        elif c.reported not in allowed and c.reported in QUEUED_AT_A_STOP and self.state.leftover_queue:
            # a status queued while it could not send, sent after the current ones (the SAP simulator: the Unavailable
            # of a power loss while offline, after its boot reported Available, sim-sap final2 F10, final3)
            self.fail("StatusNotificationOutOfOrder", "OCPP 1.6 §4.9",
                      f"connector {c.id} last reported {c.reported}, but it is now {'/'.join(sorted(allowed))}, while "
                      "the Charge Point may still deliver statuses it queued when it could not send them: \"The "
                      "StatusNotification.req messages MUST be sent in the order in which the events that they "
                      "describe occurred\"")
        elif c.reported not in allowed:
            self.fail("StatusNotReported", "OCPP 1.6 §4.9, OCTT TC_001_CS",
                      f"connector {c.id} last reported {c.reported}, but it is now {'/'.join(sorted(allowed))}")

    def note_status_change(self, c: Connector, allowed: set[str]) -> Connector:
        """The connector as updated with the statuses that fit it now, and since when (:attr:`Connector.changed_at`)."""
        if c.fitting != allowed:
            self.update(c.id, fitting=frozenset(allowed), changed_at=self.state.time)
        return self.state.connector(c.id)

    def omits_short_statuses(self) -> bool:
        """MinimumStatusDuration is set, or was until lately (:meth:`keep_status_duration`): a status active for less
        time than it may go unreported (§4.9, §9.1.20)."""
        return (setting(self.state, "MinimumStatusDuration", 0) or 0) > 0 or self.status_duration_before() > 0

    def status_duration_before(self) -> int:
        """The MinimumStatusDuration a status begun before the key changed may still be waiting by, else 0."""
        before = self.state.status_duration_before
        if before is None or self.state.time >= before[1] + before[0] + self.state.options.tolerance:
            return 0
        return before[0]

    def keep_status_duration(self, minimum: int) -> None:
        """MinimumStatusDuration changed (§9.1.20): §5.3 ("effective immediately") does not say whether a status
        already waiting to be sent takes the new delay or keeps the one it began with (a timer armed when the status
        began): either is allowed for it (:meth:`status_may_wait`), until the longer has passed."""
        longest = max(minimum, self.status_duration_before())
        self.state = evolve(self.state, status_duration_before=(longest, self.state.time) if longest > 0 else None)

    def status_may_wait(self, c: Connector) -> bool:
        """§4.9: "Setting a high MinimumStatusDuration time may result in the delayed sending of all
        StatusNotifications, since the Charge Point will only send the StatusNotification.req once the
        MinimumStatusDuration time is passed" (§9.1.20): a status that does not fit yet is owed only then."""
        minimum = setting(self.state, "MinimumStatusDuration", 0) or 0
        if c.changed_at is not None and self.state.status_duration_before is not None \
                and c.changed_at <= self.state.status_duration_before[1]:  # begun before the key changed
            minimum = max(minimum, self.status_duration_before())
        return c.reported not in c.fitting and minimum > 0 and c.changed_at is not None \
            and self.state.time < c.changed_at + minimum + self.state.options.tolerance

    def settled_statuses(self, c: Connector) -> set[str]:
        """The statuses that fit a connector once nothing is happening (§4.9): its phase (model/phases.py). A Charge
        Point that senses no cable (``Options.cable_sensed``) may report one without a transaction Available, whatever
        cable our controller "plugged" (the SAP simulator after a card's stop: Available, not Finishing)."""
        allowed = phase_of(self, c).fitting(self, c)
        if c.plugged and c.tx is None and not self.state.options.cable_sensed:
            return allowed | {"Available"}
        return allowed

    def plugged_statuses(self, c: Connector) -> set[str]:
        timeout = min(t if t is not None else 0 for t in self.session_timeouts(c, c.plugged_at))  # unknown: may have run out
        timed_out = c.plugged_at is not None and self.state.time >= c.plugged_at + timeout - self.state.options.tolerance
        return {"Preparing", "Finishing"} if timed_out else {"Preparing"}

    def transaction_statuses(self, c: Connector) -> set[str]:
        if not c.plugged:  # §4.9: SuspendedEV, SuspendedEVSE "when the EV is connected"; none ever was: Charging too
            return {"SuspendedEV", "SuspendedEVSE", "Charging"} if c.tx.cableless else {"SuspendedEV", "SuspendedEVSE"}
        if c.tx.invalid:
            max_energy = setting(self.state, "MaxEnergyOnInvalidId", None)
            return {"SuspendedEVSE", "Charging"} if max_energy or c.tx.energy_kept else {"SuspendedEVSE"}
        if c.ev_suspended:
            return {"SuspendedEV", "SuspendedEVSE"}
        return {"Charging"}
