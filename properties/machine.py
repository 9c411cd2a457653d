"""The Hypothesis state machine: random interleavings of OCTT operations.

Each rule is one stimulus of docs/architecture.md §1. Rules draw from small,
fixed sets (connector 1 before 2, ``TAG1`` before ``TAG2``, short times
before long ones) so that a failing program shrinks to a trace that reads
like a bug report. Preconditions keep the physical world consistent (a cable
is plugged in before it is pulled out); the model, not the machine, decides
what the Charge Point must do.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from model.configuration import value_of

from . import stopping
from .preconditions import choose_rules_compactly, precondition
from .harness import ModelViolation
from .profiles.cache import AuthorizationCacheRules
from .profiles.core_gaps import CoreGapRules
from .profiles.firmware import FirmwareRules
from .profiles.localauth import LocalAuthListRules
from .profiles.reservation import ReservationRules
from .profiles.smartcharging import SmartChargingRules
from .profiles.trigger import RemoteTriggerRules
from .profiles.vocabulary import VocabularyRules
from .profiles.timers import TimerRules

ID_TAGS = ("TAG1", "TAG2", "TAG3")
ID_TAG_STATUSES = ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")
TIMES = (5, 30, 61, 300)
UNKNOWN_KEY = "NoSuchKey"
CONFIGURATION_CHANGES = (
    ("StopTransactionOnInvalidId", "false"),
    ("StopTransactionOnEVSideDisconnect", "false"),
    ("UnlockConnectorOnEVSideDisconnect", "false"),
    ("AuthorizeRemoteTxRequests", "true"),
    ("LocalPreAuthorize", "true"),
    ("AuthorizationCacheEnabled", "false"),
    ("ConnectionTimeOut", "30"),
    ("MeterValueSampleInterval", "10"),
    ("HeartbeatInterval", "60"),
    ("NumberOfConnectors", "3"),
    ("ConnectionTimeOut", "soon"),
    ("NoSuchKey", "1"),
    ("StopTransactionOnInvalidId", "true"),
    ("AuthorizeRemoteTxRequests", "false"),
    ("LocalAuthorizeOffline", "false"),
    ("AllowOfflineTxForUnknownId", "true"),
)

SAMPLED_DATA = "Energy.Active.Import.Register,Power.Active.Import"
"""Two measurands each periodic sample must hold (§3.16.1; a Charge Point that does not support one Rejects the list,
§3.16.4)."""
CONFIGURATION_PRESETS = (
    (),
    (("LocalPreAuthorize", "true"),),
    (("AuthorizationCacheEnabled", "false"), ("LocalPreAuthorize", "true")),
    (("StopTransactionOnInvalidId", "false"),),
    (("StopTransactionOnEVSideDisconnect", "false"), ("UnlockConnectorOnEVSideDisconnect", "false")),
    (("AuthorizeRemoteTxRequests", "false"),),
    (("AllowOfflineTxForUnknownId", "true"), ("LocalAuthorizeOffline", "false")),
    (("ConnectionTimeOut", "30"), ("MeterValueSampleInterval", "10"), ("MeterValuesSampledData", SAMPLED_DATA)),
    (("ClockAlignedDataInterval", "60"), ("MeterValuesAlignedData", "Energy.Active.Import.Register")),
)
"""Whole configurations to start from (swarm testing): a behaviour that needs two keys
changed together is as likely as one that needs none. The first preset, no change, is
where shrinking goes."""


class OcppMachine(LocalAuthListRules, ReservationRules, SmartChargingRules, RemoteTriggerRules, FirmwareRules,
                  VocabularyRules, CoreGapRules, AuthorizationCacheRules, TimerRules, RuleBasedStateMachine):
    """Subclassed per run with ``session`` and ``connectors`` set (see runner)."""

    session = None
    connectors = 2

    def __init__(self):
        super().__init__()
        choose_rules_compactly(self)
        self.harness = self.session.new_harness()
        self.steps: list[dict] = []

    # -- plumbing -----------------------------------------------------------

    def do(self, step: dict) -> None:
        stopping.check()
        self.steps.append(step)
        self.session.record(self)
        try:
            self.harness.check(step)
        except ModelViolation as error:
            self.session.found(self, error)
            raise
        finally:
            self.session.note_outcome(step, self.harness.last_observed)
        self.session.visit(self.harness.worlds)

    def teardown(self):
        self.session.note_judged(self.harness.handled)
        self.session.end_example()

    @property
    def model(self):
        return self.harness.state

    def connector(self, connector_id: int):
        return self.model.connector(connector_id)

    def online(self) -> bool:
        return self.model.online and self.model.powered and self.model.registration == "Accepted"

    def can(self, op: str) -> bool:
        return op in self.session.capabilities

    @initialize(preset=st.sampled_from(CONFIGURATION_PRESETS))
    def boot(self, preset):
        found = self.harness.start()
        if found:
            error = ModelViolation.of(found, {"op": "PowerOn"})
            self.session.found(self, error)
            raise error
        self.session.visit(self.harness.worlds, first=True)
        for key, value in preset:
            self.do({"op": "ChangeConfiguration", "key": key, "value": value})

    # -- physical actions ----------------------------------------------------

    @precondition(lambda self: self.model.powered and self.can("PlugIn"))
    @rule(c=st.integers(1, 2))
    def plug_in(self, c):
        if c <= self.connectors and not self.connector(c).plugged:
            self.do({"op": "PlugIn", "connectorId": c})

    @precondition(lambda self: self.model.powered and self.can("Unplug"))
    @rule(c=st.integers(1, 2))
    def unplug(self, c):
        if c <= self.connectors and self.connector(c).plugged:
            self.do({"op": "Unplug", "connectorId": c})

    @precondition(lambda self: self.model.powered and self.can("PresentIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS))
    def present_id_tag(self, c, tag):
        if c <= self.connectors:
            self.do({"op": "PresentIdTag", "connectorId": c, "idTag": tag})

    @precondition(lambda self: self.model.powered and self.can("PlugIn") and self.can("PresentIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS), plug_first=st.booleans())
    def start_charging(self, c, tag, plug_first):
        """A whole charging start (OCTT TC_003/TC_004): the tag known as Accepted, a cable and a card."""
        if c > self.connectors or self.connector(c).tx is not None:
            return
        if self.model.policy_for(tag)[0] != "Accepted" and self.can("SetIdTag"):
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        plug = [] if self.connector(c).plugged else [{"op": "PlugIn", "connectorId": c}]
        card = [{"op": "PresentIdTag", "connectorId": c, "idTag": tag}]
        for step in (plug + card if plug_first else card + plug):
            self.do(step)

    @precondition(lambda self: self.model.powered and self.can("EVSuspend"))
    @rule(c=st.integers(1, 2), suspend=st.booleans())
    def ev_suspend(self, c, suspend):
        if c <= self.connectors and self.connector(c).plugged:
            self.do({"op": "EVSuspend" if not suspend else "EVResume", "connectorId": c})

    @precondition(lambda self: self.model.powered and self.can("Fault"))
    @rule(c=st.integers(1, 2), clear=st.booleans())
    def fault(self, c, clear):
        if c > self.connectors:
            return
        if clear and self.connector(c).faulted:
            self.do({"op": "ClearFault", "connectorId": c})
        elif not clear and not self.connector(c).faulted:
            self.do({"op": "Fault", "connectorId": c, "errorCode": "GroundFailure"})

    @precondition(lambda self: self.can("SetUnlockFailure"))
    @rule(c=st.integers(1, 2), failing=st.booleans())
    def set_unlock_failure(self, c, failing):
        if c <= self.connectors and self.connector(c).unlock_failing != failing:
            self.do({"op": "SetUnlockFailure", "connectorId": c, "failing": failing})

    @precondition(lambda self: self.can("PowerLoss"))
    @rule()
    def power_cycle(self):
        if self.model.powered:
            self.do({"op": "PowerLoss"})
        else:
            self.do({"op": "PowerOn"})

    @precondition(lambda self: self.model.powered and self.can("NetworkDown"))
    @rule()
    def network(self):
        if self.model.online:
            self.do({"op": "NetworkDown"})
        else:
            self.do({"op": "NetworkUp"})

    # -- environment --------------------------------------------------------

    @precondition(lambda self: self.can("AdvanceTime"))
    @rule(seconds=st.sampled_from(TIMES))
    def advance_time(self, seconds):
        self.do({"op": "AdvanceTime", "seconds": seconds})

    @precondition(lambda self: self.can("SetIdTag"))
    @rule(tag=st.sampled_from(ID_TAGS), status=st.one_of(st.just("Accepted"), st.sampled_from(ID_TAG_STATUSES)),
          parent=st.sampled_from((None, "GROUP1")))
    def set_id_tag(self, tag, status, parent):
        step = {"op": "SetIdTag", "idTag": tag, "status": status}
        if parent:
            step["parentIdTag"] = parent
        self.do(step)

    @precondition(lambda self: self.can("SetBootResponse"))
    @rule(status=st.sampled_from(("Accepted", "Pending", "Rejected")), interval=st.sampled_from((30, 300)))
    def set_boot_response(self, status, interval):
        """The answer to the next BootNotifications (§4.2): Pending and Rejected make the charge point retry."""
        self.do({"op": "SetBootResponse", "status": status, "interval": interval})

    @precondition(lambda self: self.can("FailNext"))
    @rule(action=st.just("StopTransaction"), count=st.integers(1, 2), lost=st.booleans())
    def fail_next(self, action, count, lost):
        """A CALLERROR (§3.7.1), or a connection lost before the answer (errata 3.36; the bundled charge point's)."""
        step = {"op": "FailNext", "action": action, "count": count}
        if lost and not self.harness.sut.real_time:
            step["failure"] = "ConnectionLost"
        self.do(step)

    @precondition(lambda self: self.online() and self.can("FailNext") and any(
        c.tx is not None and c.tx.transaction_id is not None for c in self.model.connectors[1:]))
    @rule()
    def stop_transaction_fails_once(self):
        """§3.7.1, §9.1.32: the Central System fails to process a StopTransaction once; the Charge Point
        must send it again after TransactionMessageRetryInterval."""
        transaction_id = min(c.tx.transaction_id for c in self.model.connectors[1:]
                             if c.tx is not None and c.tx.transaction_id is not None)
        self.do({"op": "FailNext", "action": "StopTransaction", "count": 1})
        self.do({"op": "RemoteStopTransaction", "transactionId": transaction_id})
        self.do({"op": "AdvanceTime", "seconds": 300})

    # -- Central System initiated (§5) ---------------------------------------

    @precondition(lambda self: self.online())
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS), zero=st.booleans())
    def remote_start(self, c, tag, zero):
        if c <= self.connectors:
            self.do({"op": "RemoteStartTransaction", "connectorId": 0 if zero else c, "idTag": tag})

    @precondition(lambda self: self.online())
    @rule(index=st.integers(0, 3))
    def remote_stop(self, index):
        running = sorted(c.tx.transaction_id for c in self.model.connectors[1:]
                         if c.tx is not None and c.tx.transaction_id not in (None, -1))  # -1: errata 3.18
        known = running + sorted(self.model.stopped - {-1}) + [99999]
        self.do({"op": "RemoteStopTransaction", "transactionId": known[min(index, len(known) - 1)]})

    @precondition(lambda self: self.online())
    @rule(kind=st.sampled_from(("Soft", "Hard")))
    def reset(self, kind):
        self.do({"op": "Reset", "type": kind})

    @precondition(lambda self: self.online())
    @rule(c=st.integers(1, 3))
    def unlock_connector(self, c):
        self.do({"op": "UnlockConnector", "connectorId": c})

    @precondition(lambda self: self.online() and self.can("SetUnlockFailure"))
    @rule(c=st.integers(1, 2), charging=st.booleans())
    def unlock_stuck_lock(self, c, charging):
        """§5.18, §7.46: the lock of the connector will not open and the Central System asks to unlock it, with a
        transaction there (which SHALL be stopped first) or not: "The response PDU SHALL indicate whether the
        Charge Point was able to unlock its connector" (UnlockFailed)."""
        if c > self.connectors:
            return
        if charging and self.connector(c).tx is None and self.can("PlugIn") and self.can("PresentIdTag"):
            self.start_charging(c, "TAG1", True)
        if not self.connector(c).unlock_failing:
            self.do({"op": "SetUnlockFailure", "connectorId": c, "failing": True})
        if self.online():
            self.do({"op": "UnlockConnector", "connectorId": c})

    @precondition(lambda self: self.online())
    @rule(c=st.integers(0, 3), inoperative=st.booleans())
    def change_availability(self, c, inoperative):
        """Connector 3 of a two-connector charge point does not exist: Rejected (§5.2)."""
        if c <= self.connectors + 1:
            self.do({"op": "ChangeAvailability", "connectorId": c,
                     "type": "Inoperative" if inoperative else "Operative"})

    @precondition(lambda self: self.online())
    @rule(change=st.sampled_from(CONFIGURATION_CHANGES))
    def change_configuration(self, change):
        key, value = change
        if key == UNKNOWN_KEY and UNKNOWN_KEY not in self.model.config.unsupported:
            self.do({"op": "GetConfiguration", "key": [UNKNOWN_KEY]})
        self.do({"op": "ChangeConfiguration", "key": key, "value": value})

    @precondition(lambda self: self.online())
    @rule(keys=st.sampled_from((None, ("ConnectionTimeOut",), ("NoSuchKey",), ("NumberOfConnectors", "HeartbeatInterval"))))
    def get_configuration(self, keys):
        step = {"op": "GetConfiguration"}
        if keys:
            step["key"] = list(keys)
        self.do(step)

    @precondition(lambda self: self.online())
    @rule()
    def clear_cache(self):
        self.do({"op": "ClearCache"})

    @precondition(lambda self: self.online() and self.connectors > 1 and self.can("PlugIn")
                  and self.can("PresentIdTag") and self.can("SetIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS))
    def card_after_clear_cache(self, c, tag):
        """§5.4, §3.5: the idTag is cached Accepted (its card on the other connector), the cache is cleared
        and the Central System blocks the idTag; under LocalPreAuthorize its card on a plugged connector
        must be authorized again (Authorize.req), not from the cache that is gone."""
        def block():
            self.do({"op": "ClearCache"})
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Blocked"})

        self.card_cached_then_blocked(c, tag, block)

    def card_cached_then_blocked(self, c: int, tag: str, block) -> None:
        """The idTag cached Accepted (its card on the other connector, LocalPreAuthorize on), ``block()``
        takes that away, then its card on connector ``c`` with a cable (§3.5); nothing if busy."""
        other = self.connector(3 - c)
        if any(self.connector(i).tx is not None for i in (1, 2)) or other.plugged or other.authorized:
            return
        if self.model.policy_for(tag)[0] != "Accepted":
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        if value_of(self.model.config, "LocalPreAuthorize") is not True:
            self.do({"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"})
        self.do({"op": "PresentIdTag", "connectorId": 3 - c, "idTag": tag})
        block()
        if not self.connector(c).plugged:
            self.do({"op": "PlugIn", "connectorId": c})
        self.do({"op": "PresentIdTag", "connectorId": c, "idTag": tag})

    @precondition(lambda self: self.online())
    @rule()
    def data_transfer(self):
        self.do({"op": "DataTransfer", "vendorId": "com.example.unknown"})
