"""Injected bugs of the bundled charge point's OCPP-J handling, against a hostile Central System
(docs/hostile.md; see :mod:`.mutants`). They are killed by ``fuzz --hostile`` (``hostile`` below:
``ocpp-verify mutants`` turns the family on for them)."""

from __future__ import annotations

import json

from ocpp.exceptions import GenericError, OCPPError, ProtocolError, TypeConstraintViolationError

from .charge_point import ChargePoint
from .state import Reply

CHARGING = [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
            {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]


def _message(raw) -> list | None:
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    return message if isinstance(message, list) and message else None


class HostileMutant(ChargePoint):
    """Marks the mutants that need the hostile family to die."""

    hostile = True


class CrashOnNotJson(HostileMutant):
    """OCPP-J 1.6 §4.1.2, §4.2.3 (rule RestartedOnMalformedMessage): a message that is not JSON is a
    failure to process it, at most answered with a CALLERROR; this charge point crashes on it and its
    watchdog restarts it (a new connection and a BootNotification)."""

    minimal_trace = [{"op": "NotJson", "text": "hello"}]

    async def route_message(self, raw_msg) -> None:
        if _message(raw_msg) is None and isinstance(raw_msg, str):
            self._spawn(self._reboot())
            return
        await super().route_message(raw_msg)


class RefusesEverythingWithProtocolError(HostileMutant):
    """OCPP-J 1.6 §4.2.3 Table 7 (rule CallErrorCodeDoesNotFit): a CALLERROR's code names the fault;
    this charge point says ProtocolError ("payload incomplete") whatever the fault."""

    minimal_trace = [{"op": "UnknownAction", "action": "NoSuchAction"}]

    def _call_error(self, msg, error: OCPPError) -> str:
        return super()._call_error(msg, ProtocolError(description=error.description))


class WrongTypeCoerced(HostileMutant):
    """OCPP-J 1.6 §4.2.3, Table 7 TypeConstraintViolation (rule MalformedMessageNotRefused): a field of the
    wrong type is refused; this charge point reads a string of digits as the integer it should have been
    and carries the CALL out."""

    minimal_trace = [{"op": "MalformedCall", "fault": "wrongType", "call": {"op": "RemoteStopTransaction",
                      "transactionId": 1}, "field": "transactionId", "value": "1"}]

    def _check(self, msg) -> None:
        try:
            super()._check(msg)
        except TypeConstraintViolationError:
            msg.payload = {key: int(value) if isinstance(value, str) and value.isdigit() else value
                           for key, value in msg.payload.items()}
            super()._check(msg)


class ConfigurationLostAfterBadFrame(HostileMutant):
    """OCPP-J 1.6 §4.2.3 and OCPP 1.6 §5.3 (rule ValueNotAsKnown): a refused CALL changes nothing; after
    refusing one this charge point has its configuration back at the factory values."""

    minimal_trace = [{"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": "60"},
                     {"op": "UnknownAction", "action": "NoSuchAction"}]

    def _call_error(self, msg, error: OCPPError) -> str:
        self.config.values.update({key.name: key.default for key in self.config.keys.values()})
        return super()._call_error(msg, error)


class DuplicateIdAnsweredTwice(HostileMutant):
    """OCPP-J 1.6 §4.1.4 (rule AnsweredTwice): a CALL is answered once; when its UniqueId was used
    before, this charge point sends a CALLERROR and then carries it out and answers it again."""

    minimal_trace = [{"op": "GetConfiguration", "key": ["HeartbeatInterval"]},
                     {"op": "DuplicateMessageId", "call": {"op": "GetConfiguration", "key": ["HeartbeatInterval"]}}]

    async def _answer(self, msg) -> None:
        seen = self.__dict__.setdefault("answered_ids", set())
        if msg.unique_id in seen:
            await self._send(msg.create_call_error(GenericError(description="UniqueId used before")).to_json())
        seen.add(msg.unique_id)
        await super()._answer(msg)


class RemoteStopAcceptedWhileStopPending(HostileMutant):
    """OCPP 1.6 §5.12, OCPP-J §4.1.1 (rule RemoteStopTransactionStatus): RemoteStopTransaction is Accepted
    only for an ongoing transaction; this charge point also accepts it for a transaction it stopped
    whose StopTransaction waits for its answer (a CALL crossing its own)."""

    minimal_trace = [*CHARGING, {"op": "CrossingCall", "hold": "StopTransaction",
                                 "call": {"op": "RemoteStopTransaction", "transactionId": 1}},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]

    def _remote_stop_status(self, transaction_id: int) -> str:
        if any(tx.transaction_id == transaction_id for tx in self.transactions.values()):
            return "Accepted"
        return super()._remote_stop_status(transaction_id)


class ResetSkipsUnconfirmedTransaction(HostileMutant):
    """OCPP 1.6 §5.14, OCPP-J §4.1.1 (rule StopTransactionReason): a Reset stops every transaction
    (SoftReset/HardReset); this charge point skips one whose StartTransaction still waits for its answer
    when the Reset crosses it, and stops it at the next boot instead (PowerLoss)."""

    minimal_trace = [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
                     {"op": "CrossingCall", "hold": "StartTransaction", "call": {"op": "Reset", "type": "Soft"}},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]

    async def _reset(self, kind: str) -> None:
        reason = self._reset_stop_reason(kind)
        for c in self.connectors[1:]:
            if c.transaction is not None and c.transaction.transaction_id is not None:
                self._stop_transaction(c, reason)
        await self._flush()
        await self._reboot()


class WrongMessageTypeTakenAsCall(HostileMutant):
    """OCPP-J 1.6 §4.1.3 (rule UnknownMessageTypeNotIgnored): a message whose MessageTypeId is not 2, 3 or
    4 SHALL be ignored; this charge point handles any 4-element message as a CALL."""

    minimal_trace = [{"op": "WrongMessageType", "messageTypeId": 5}]

    async def route_message(self, raw_msg) -> None:
        message = _message(raw_msg)
        if message is not None and len(message) == 4 and message[0] not in (2, 3, 4):
            raw_msg = json.dumps([2, *message[1:]])
        await super().route_message(raw_msg)


class CaseInsensitiveActions(HostileMutant):
    """OCPP-J 1.6 §4.2.1, §4.2.3 (rule MalformedMessageNotRefused): the Action "will be a case-sensitive
    string"; an unknown one is refused (NotImplemented); this charge point matches actions in any case
    and carries out "clearCache"."""

    minimal_trace = [{"op": "UnknownAction", "action": "clearCache"}]

    async def _handle_call(self, msg) -> None:
        known = {action.casefold(): action for action in self.route_map}
        msg.action = known.get(msg.action.casefold(), msg.action)
        await super()._handle_call(msg)


class UnsolicitedErrorTakenAsAnswer(HostileMutant):
    """OCPP-J 1.6 §4.1.4 (rule TransactionStoppedTwice): an answer belongs to the CALL with its UniqueId;
    this charge point takes a CALLERROR with an id it never sent as the answer to its waiting CALL, so a
    StopTransaction the Central System has already got is sent again after the retry interval."""

    minimal_trace = [*CHARGING, {"op": "CrossingCall", "hold": "StopTransaction",
                                 "call": {"op": "UnsolicitedCallError"}},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}, {"op": "AdvanceTime", "seconds": 61}]

    async def route_message(self, raw_msg) -> None:
        message = _message(raw_msg)
        waiting = [future for future in self._pending.values() if not future.done()]
        if message is not None and message[0] == 4 and len(message) > 2 and message[1] not in self._pending and waiting:
            waiting[0].set_result(Reply("error", None, message[2]))
            return
        await super().route_message(raw_msg)


class UnknownActionIgnored(HostileMutant):
    """OCPP-J 1.6 §4.2.3, errata 3.2 (rule MalformedMessageNotAnswered): an action the charge point does not
    know is refused with a CALLERROR NotImplemented; this charge point leaves it unanswered."""

    minimal_trace = [{"op": "UnknownAction", "action": "NoSuchAction"}]

    async def _answer(self, msg) -> None:
        if msg.action in self.route_map:
            await super()._answer(msg)


MUTANTS: tuple[type[ChargePoint], ...] = (
    CrashOnNotJson, RefusesEverythingWithProtocolError, WrongTypeCoerced, ConfigurationLostAfterBadFrame,
    DuplicateIdAnsweredTwice, RemoteStopAcceptedWhileStopPending, ResetSkipsUnconfirmedTransaction,
    WrongMessageTypeTakenAsCall, CaseInsensitiveActions, UnsolicitedErrorTakenAsAnswer, UnknownActionIgnored,
)
