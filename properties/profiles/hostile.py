"""Rules of a hostile Central System (``fuzz --hostile``, and the nightly profile): frames that break
OCPP-J 1.6, and CALLs that cross the Charge Point's own (docs/hostile.md, model/hostile.py).

Each rule sends one small frame drawn from a fixed table, simplest first, so that a failing program
shrinks to the plainest frame that still fails. Mixed into the machine only when the family is on
(properties/runner.py): without it, generation is what it always was.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

NOT_JSON = ("hello", "", "[2,\"1\",\"Reset\",", "{\"a\":}", "[2, 'x', 'Reset', {}]")
BINARY = ("call", "notUtf8")
MESSAGE_TYPES = (5, 0, "2", 99, None)
UNKNOWN_ACTIONS = ("NoSuchAction", "clearCache", "Authorize", "")
LATER = "2025-06-01T00:00:00Z"

MISSING_FIELD = (
    ({"op": "Reset", "type": "Soft"}, "type", None),
    ({"op": "ChangeAvailability", "connectorId": 1, "type": "Inoperative"}, "connectorId", None),
    ({"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": "60"}, "value", None),
    ({"op": "RemoteStopTransaction", "transactionId": 1}, "transactionId", None),
)
WRONG_TYPE = (
    ({"op": "RemoteStopTransaction", "transactionId": 1}, "transactionId", "1"),
    ({"op": "ChangeAvailability", "connectorId": 1, "type": "Inoperative"}, "connectorId", "1"),
    ({"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": "60"}, "value", 60),
    ({"op": "UnlockConnector", "connectorId": 1}, "connectorId", 1.5),
    ({"op": "GetConfiguration", "key": ["HeartbeatInterval"]}, "key", "HeartbeatInterval"),
)
INVALID_ENUM = (
    ({"op": "Reset", "type": "Soft"}, "type", "Medium"),
    ({"op": "ChangeAvailability", "connectorId": 0, "type": "Inoperative"}, "type", "Broken"),
    ({"op": "TriggerMessage", "requestedMessage": "Heartbeat"}, "requestedMessage", "Everything"),
    ({"op": "GetCompositeSchedule", "connectorId": 1, "duration": 60}, "chargingRateUnit", "kW"),
)
EXTRA_FIELD = (
    ({"op": "ClearCache"}, "unexpected", 1),
    ({"op": "GetConfiguration", "key": ["HeartbeatInterval"]}, "unexpected", True),
    ({"op": "Reset", "type": "Soft"}, "unexpected", "x"),
)
OUT_OF_RANGE = (
    ({"op": "UnlockConnector", "connectorId": 1}, "connectorId", 0),
    ({"op": "UnlockConnector", "connectorId": 1}, "connectorId", -1),
    ({"op": "ChangeAvailability", "connectorId": 1, "type": "Inoperative"}, "connectorId", -1),
)
TOO_LONG = (
    ({"op": "RemoteStartTransaction", "idTag": "TAG1"}, "idTag", "T" * 21),
    ({"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": "60"}, "key", "K" * 51),
    ({"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": "60"}, "value", "9" * 501),
    ({"op": "DataTransfer", "vendorId": "com.example.unknown"}, "vendorId", "v" * 256),
)
INVALID_DATE_TIME = (
    ({"op": "ReserveNow", "connectorId": 1, "expiryDate": LATER, "idTag": "TAG1", "reservationId": 5},
     "expiryDate", "tomorrow"),
    ({"op": "UpdateFirmware", "location": "ftp://example.com/fw.bin", "retrieveDate": LATER},
     "retrieveDate", "2025-13-01T00:00:00Z"),
    ({"op": "GetDiagnostics", "location": "ftp://example.com/", "startTime": LATER},
     "startTime", "2025-06-01 00:00:00"),
)
FAULTS = {"missingField": MISSING_FIELD, "wrongType": WRONG_TYPE, "invalidEnum": INVALID_ENUM,
          "extraField": EXTRA_FIELD, "outOfRange": OUT_OF_RANGE, "tooLong": TOO_LONG,
          "invalidDateTime": INVALID_DATE_TIME}
"""Every schema fault of docs/hostile.md: (the well-formed CALL, the field, its value; None: left out),
on CALLs that would change something if carried out."""

DUPLICATED = ({"op": "GetConfiguration", "key": ["HeartbeatInterval"]}, {"op": "ClearCache"},
              {"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": "60"})
LARGE_FRAMES = (1_000_000,)
UNSOLICITED = ({"op": "UnsolicitedCallError"}, {"op": "UnsolicitedCallResult"},
               {"op": "UnsolicitedCallResult", "payload": {"transactionId": 999, "idTagInfo": {"status": "Blocked"}}})


def malformed_step(fault: str, entry: tuple) -> dict:
    call, field, value = entry
    step = {"op": "MalformedCall", "fault": fault, "call": call, "field": field}
    if fault != "missingField":
        step["value"] = value
    return step


def malformed_rule(fault: str):
    """A rule that sends a MalformedCall of ``fault``: one rule per fault, so that each is as likely as
    any other op of the machine."""

    @precondition(lambda self: self.online())
    @rule(entry=st.sampled_from(FAULTS[fault]))
    def malformed_call(self, entry):
        self.do(malformed_step(fault, entry))

    malformed_call.__name__ = malformed_call.__qualname__ = f"malformed_{fault}"
    return malformed_call


class HostileRules:
    """Mixed into the state machine (``fuzz --hostile``); uses its ``do``, ``model``, ``online``,
    ``can`` and ``connectors``."""

    @precondition(lambda self: self.online())
    @rule(text=st.sampled_from(NOT_JSON))
    def not_json(self, text):
        self.do({"op": "NotJson", "text": text})

    @precondition(lambda self: self.online())
    @rule(content=st.sampled_from(BINARY))
    def binary_frame(self, content):
        self.do({"op": "BinaryFrame", "content": content})

    @precondition(lambda self: self.online())
    @rule(message_type=st.sampled_from(MESSAGE_TYPES))
    def wrong_message_type(self, message_type):
        self.do({"op": "WrongMessageType", "messageTypeId": message_type})

    @precondition(lambda self: self.online())
    @rule(action=st.sampled_from(UNKNOWN_ACTIONS))
    def unknown_action(self, action):
        self.do({"op": "UnknownAction", "action": action})

    missing_field = malformed_rule("missingField")
    wrong_type = malformed_rule("wrongType")
    invalid_enum = malformed_rule("invalidEnum")
    extra_field = malformed_rule("extraField")
    out_of_range = malformed_rule("outOfRange")
    too_long = malformed_rule("tooLong")
    invalid_date_time = malformed_rule("invalidDateTime")

    @precondition(lambda self: self.online())
    @rule(size=st.sampled_from(LARGE_FRAMES))
    def large_frame(self, size):
        self.do({"op": "LargeFrame", "size": size})

    @precondition(lambda self: self.online())
    @rule(call=st.sampled_from(DUPLICATED))
    def duplicate_message_id(self, call):
        """§4.1.4: the UniqueId of our last CALL again (after a GetConfiguration, so that there is one)."""
        self.do(DUPLICATED[0])
        self.do({"op": "DuplicateMessageId", "call": call})

    @precondition(lambda self: self.online())
    @rule(result=st.booleans())
    def unsolicited_answer(self, result):
        self.do({"op": "UnsolicitedCallResult"} if result else {"op": "UnsolicitedCallError"})

    @precondition(lambda self: self.online() and self.can_charge())
    @rule(call=st.sampled_from(("RemoteStopTransaction", "Reset", "UnlockConnector")))
    def crossing_local_stop(self, call):
        """OCPP-J §4.1.1: a CALL of ours while the StopTransaction of a card's stop waits for our answer."""
        self.cross_stop(call)

    @precondition(lambda self: self.online() and self.can_charge())
    @rule(unsolicited=st.sampled_from(UNSOLICITED))
    def unsolicited_while_stopping(self, unsolicited):
        """OCPP-J §4.1.4: an answer to no CALL of the Charge Point's while its StopTransaction waits; then the
        retry interval (§3.7.1), in which a Charge Point that took it for a failure would send it again."""
        self.cross_stop(unsolicited)
        if self.can("AdvanceTime") and not self.session.sut.real_time:
            self.do({"op": "AdvanceTime", "seconds": 61})

    def cross_stop(self, call) -> None:
        """A transaction (started now if none runs), then the crossing of its stop by a card."""
        if not self.running():
            self.start_charging(1, "TAG1", True)
        if not self.running() or not self.online():
            return
        c = self.running()[0]
        self.do({"op": "CrossingCall", "hold": "StopTransaction", "call": self.crossing_call(call, c)})
        self.do({"op": "PresentIdTag", "connectorId": c.id, "idTag": c.tx.id_tag})

    def can_charge(self) -> bool:
        return self.can("PlugIn") and self.can("PresentIdTag") and self.can("SetIdTag")

    @precondition(lambda self: self.online() and self.can_charge())
    @rule(c=st.integers(1, 2), call=st.sampled_from(("Reset", "UnlockConnector", "ChangeAvailability",
                                                     "RemoteStopTransaction", *UNSOLICITED[:1])))
    def crossing_start(self, c, call):
        """OCPP-J §4.1.1: a CALL of ours while the StartTransaction of a card at a plugged connector waits."""
        if c > self.connectors or self.connector(c).tx is not None:
            return
        if self.model.policy_for("TAG1")[0] != "Accepted":
            self.do({"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"})
        if not self.connector(c).plugged:
            self.do({"op": "PlugIn", "connectorId": c})
        self.do({"op": "CrossingCall", "hold": "StartTransaction", "call": self.crossing_call(call, self.connector(c))})
        self.do({"op": "PresentIdTag", "connectorId": c, "idTag": "TAG1"})

    @precondition(lambda self: self.online() and self.can("PlugIn"))
    @rule(c=st.integers(1, 2), call=st.sampled_from(("UnlockConnector", "ChangeAvailability", "Reset")))
    def crossing_status(self, c, call):
        """OCPP-J §4.1.1: a CALL of ours while a StatusNotification (a cable plugged in) waits."""
        if c > self.connectors or self.connector(c).plugged:
            return
        self.do({"op": "CrossingCall", "hold": "StatusNotification", "call": self.crossing_call(call, self.connector(c))})
        self.do({"op": "PlugIn", "connectorId": c})

    def running(self) -> list:
        return [c for c in self.model.connectors[1:] if c.tx is not None and c.tx.transaction_id is not None]

    @staticmethod
    def crossing_call(call, c) -> dict:
        if isinstance(call, dict):
            return call
        return {"RemoteStopTransaction": {"op": "RemoteStopTransaction",
                                          "transactionId": c.tx.transaction_id if c.tx and c.tx.transaction_id else 1},
                "Reset": {"op": "Reset", "type": "Soft"},
                "UnlockConnector": {"op": "UnlockConnector", "connectorId": c.id},
                "ChangeAvailability": {"op": "ChangeAvailability", "connectorId": c.id, "type": "Inoperative"}}[call]
