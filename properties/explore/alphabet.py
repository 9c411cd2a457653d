"""The operations an exploration tries in every state: a finite alphabet of steps.

A :class:`Letter` is one stimulus of docs/architecture.md §1 with fixed
parameters (connector 1, idTag ``TAG1``, 30 s, ...). It becomes a step dict in
a given model state: times are relative to the state's clock (a reservation
expiring 30 s from now), ids come from the state (the running transaction),
and a letter that does not apply there gives no step (a cable already plugged
in, a CALL while offline), as the Hypothesis machine's preconditions keep the
physical world consistent.

Alphabets come per feature profile (Core is always in) and in two sizes:
``small`` (default: one letter per behaviour of each profile, enough for the
hand-written minimal trace of every mutant) and ``large`` (more idTags,
statuses, waits and operations, closer to the machine's vocabulary).
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable

import attrs

from model.configuration import supported_profiles
from model.firmware import under_way
from model.state import ChargePointState

from vocabulary import HOSTILE_OPS

from ..profiles.firmware import DIAGNOSTICS_URL, FIRMWARE_URL
from ..profiles.hostile import DUPLICATED, FAULTS
from ..profiles.smartcharging import STACKED, charging_profile, iso

ALPHABETS = ("small", "large")
UNKNOWN_TRANSACTION = 99999
PARENT = "GROUP1"
Args = tuple[tuple[str, Any], ...]


@attrs.frozen
class Letter:
    """One operation of the alphabet: ``kind`` names its builder, ``args`` its fixed parameters.

    Arguments named ``c`` are connectorIds and ``tag`` idTags: symmetry reduction permutes them."""

    kind: str
    profile: str
    args: Args = ()

    @property
    def name(self) -> str:
        if len(self.args) > 2:
            return f"{self.kind}({', '.join(f'{k}={show(v)}' for k, v in self.args)})"
        return f"{self.kind}({', '.join(show(v) for _, v in self.args)})" if self.args else self.kind

    def step(self, state: ChargePointState) -> dict | None:
        """The step in ``state``, or None where the letter does not apply."""
        return BUILDERS[self.kind](state, **dict(self.args))

    def renamed(self, connectors: dict, tags: dict) -> "Letter":
        names = {"c": connectors, "tag": tags}
        return attrs.evolve(self, args=tuple((k, names.get(k, {}).get(v, v)) for k, v in self.args))


def show(value) -> str:
    """An argument as a letter's name shows it: ``NoSuchKey``, ``stackLevel=1``, ``TAG1=Accepted``."""
    if isinstance(value, tuple):
        return "+".join("=".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in value) or "-"
    return str(value)


def letter(kind: str, profile: str = "Core", **args) -> Letter:
    return Letter(kind, profile, tuple(args.items()))


# -- guards ---------------------------------------------------------------------------------------


def online(state: ChargePointState) -> bool:
    """The Central System can send a CALL (the machine's ``online``)."""
    return state.online and state.powered and state.registration == "Accepted"


def exists(state: ChargePointState, c: int) -> bool:
    return 1 <= c <= state.options.number_of_connectors


def call(op: str, **payload) -> Callable[[ChargePointState], dict | None]:
    return lambda state: {"op": op, **payload} if online(state) else None


# -- builders: a step from a letter's arguments, in a state ----------------------------------------


def plug_in(state, c):
    return {"op": "PlugIn", "connectorId": c} if state.powered and exists(state, c) and not state.connector(c).plugged else None


def unplug(state, c):
    return {"op": "Unplug", "connectorId": c} if state.powered and exists(state, c) and state.connector(c).plugged else None


def present_id_tag(state, c, tag):
    return {"op": "PresentIdTag", "connectorId": c, "idTag": tag} if state.powered and exists(state, c) else None


def fault(state, c):
    usable = state.powered and exists(state, c) and not state.connector(c).faulted
    return {"op": "Fault", "connectorId": c, "errorCode": "GroundFailure"} if usable else None


def clear_fault(state, c):
    return {"op": "ClearFault", "connectorId": c} if state.powered and exists(state, c) and state.connector(c).faulted else None


def ev_suspend(state, c, suspend):
    if not (state.powered and exists(state, c) and state.connector(c).plugged):
        return None
    return {"op": "EVSuspend" if suspend else "EVResume", "connectorId": c}


def set_unlock_failure(state, c):
    failing = exists(state, c) and state.connector(c).unlock_failing
    return {"op": "SetUnlockFailure", "connectorId": c, "failing": not failing} if exists(state, c) else None


def power(state):
    return {"op": "PowerLoss" if state.powered else "PowerOn"}


def network(state):
    return {"op": "NetworkDown" if state.online else "NetworkUp"} if state.powered else None


def set_id_tag(state, tag, status, parent=None):
    if state.policy_for(tag) == (status, parent):
        return None  # the Central System already answers so: nothing would change
    step = {"op": "SetIdTag", "idTag": tag, "status": status}
    return step | {"parentIdTag": parent} if parent else step


def set_boot_response(state, status, interval):
    if state.boot_response == (status, interval):
        return None  # the Central System already answers so
    return {"op": "SetBootResponse", "status": status, "interval": interval}


def remote_start(state, c, tag):
    return {"op": "RemoteStartTransaction", "connectorId": c, "idTag": tag} if online(state) else None


def remote_stop(state, which):
    """``running``: the lowest running transaction; ``unknown``: an id the Central System never gave."""
    if not online(state):
        return None
    running = sorted(c.tx.transaction_id for c in state.connectors[1:] if c.tx and c.tx.transaction_id is not None)
    if which == "running" and not running:
        return None
    return {"op": "RemoteStopTransaction", "transactionId": running[0] if which == "running" else UNKNOWN_TRANSACTION}


def connector_call(op: str, **payload):
    """A CALL about connector ``c`` (0 or one past the last connector included: the spec says what then)."""
    def build(state, c):
        fits = 0 <= c <= state.options.number_of_connectors + 1
        return {"op": op, "connectorId": c, **payload} if online(state) and fits else None
    return build


def change_availability(state, c, type):
    return connector_call("ChangeAvailability", type=type)(state, c)


def change_configuration(state, key, value):
    return call("ChangeConfiguration", key=key, value=value)(state)


def get_configuration(state, keys=None):
    return call("GetConfiguration", **({"key": list(keys)} if keys else {}))(state)


def send_local_list(state, update, entries):
    """``entries``: ((idTag, status or None), ...); the version is the next one after the list's."""
    if not online(state):
        return None
    data = [{"idTag": t} if s is None else {"idTag": t, "idTagInfo": {"status": s}} for t, s in entries]
    step = {"op": "SendLocalList", "listVersion": max(state.local_list.versions) + 1, "updateType": update}
    return step | {"localAuthorizationList": data} if data else step


def reserve_now(state, c, tag, reservation_id, expiry, parent=False):
    if not online(state):
        return None
    step = {"op": "ReserveNow", "connectorId": c, "expiryDate": iso(state.time + expiry), "idTag": tag,
            "reservationId": reservation_id}
    return step | {"parentIdTag": PARENT} if parent else step


def cancel_reservation(state, reservation_id):
    return call("CancelReservation", reservationId=reservation_id)(state)


def set_charging_profile(state, c, template, profile_id, stack):
    """A profile of properties/profiles/smartcharging.py TEMPLATES, starting now; a TxProfile is for the
    connector's transaction, or for none when it has none (which the Charge Point must reject)."""
    if not online(state):
        return None
    profile = charging_profile(template, profile_id, stack, "A", state.time)
    tx = state.connector(c).tx if exists(state, c) else None
    if profile["chargingProfilePurpose"] == "TxProfile" and tx is not None and tx.transaction_id is not None:
        profile["transactionId"] = tx.transaction_id
    return {"op": "SetChargingProfile", "connectorId": c, "csChargingProfiles": profile}


def clear_charging_profile(state, fields):
    return call("ClearChargingProfile", **dict(fields))(state)


def get_composite_schedule(state, c, duration):
    return connector_call("GetCompositeSchedule", duration=duration, chargingRateUnit="A")(state, c)


def remote_start_with_profile(state, c, tag, template):
    step = remote_start(state, c, tag)
    return step and step | {"chargingProfile": charging_profile(template, 9, 0, "A", state.time)}


def trigger_message(state, message, c=None):
    if message == "BootNotification" and state.boot_response[0] != "Accepted":
        return None  # errata 3.40: not after an Accepted registration with another answer waiting
    return call("TriggerMessage", requestedMessage=message, **({} if c is None else {"connectorId": c}))(state)


def update_firmware(state, retries, failure):
    """OCTT TC_044_x: the firmware downloads and installs, or fails (``SetFirmwareFailure`` first)."""
    if not online(state) or under_way(state, "update") or state.firmware.firmware_failure != failure:
        return None
    step = {"op": "UpdateFirmware", "location": FIRMWARE_URL, "retrieveDate": iso(state.time)}
    return step | {"retries": retries, "retryInterval": 30} if retries else step


def get_diagnostics(state):
    return None if under_way(state, "upload") else call("GetDiagnostics", location=DIAGNOSTICS_URL)(state)


def set_firmware_failure(state, stage):
    return None if state.firmware.firmware_failure == stage else {"op": "SetFirmwareFailure", "stage": stage}


def set_upload_failure(state, failing):
    return None if state.firmware.upload_failing == failing else {"op": "SetUploadFailure", "failing": failing}


def set_local_list_failure(state, failing):
    return None if state.local_list.failing == failing else {"op": "SetLocalListFailure", "failing": failing}


def hostile_frame(op: str):
    """A hostile frame with fixed keys (docs/hostile.md), sent when a CALL could be."""
    return lambda state, **keys: {"op": op, **keys} if online(state) else None


def malformed_call(state, fault, call):
    """The ``fault`` of properties/profiles/hostile.py's table on its first ``call``."""
    if not online(state):
        return None
    well_formed, field, value = next(entry for entry in FAULTS[fault] if entry[0]["op"] == call)
    step = {"op": "MalformedCall", "fault": fault, "call": well_formed, "field": field}
    return step if fault == "missingField" else step | {"value": value}


def duplicate_message_id(state, call):
    return hostile_frame("DuplicateMessageId")(state, call=next(c for c in DUPLICATED if c["op"] == call))


def crossing_call(state, hold, call):
    """OCPP-J §4.1.1: ``call`` crosses the Charge Point's next CALL of ``hold`` (in the next step); a
    RemoteStopTransaction of the lowest running transaction (none: no letter)."""
    if not online(state):
        return None
    crossing = {"Reset": {"op": "Reset", "type": "Soft"}, "UnsolicitedCallError": {"op": "UnsolicitedCallError"},
                "UnlockConnector": {"op": "UnlockConnector", "connectorId": 1}}.get(call)
    if call == "RemoteStopTransaction":
        crossing = remote_stop(state, "running")
    return {"op": "CrossingCall", "hold": hold, "call": crossing} if crossing else None


BUILDERS: dict[str, Callable[..., dict | None]] = {
    "PlugIn": plug_in, "Unplug": unplug, "PresentIdTag": present_id_tag, "Fault": fault, "ClearFault": clear_fault,
    "EVSuspend": ev_suspend, "SetUnlockFailure": set_unlock_failure, "Power": power, "Network": network,
    "SetIdTag": set_id_tag, "AdvanceTime": lambda state, seconds: {"op": "AdvanceTime", "seconds": seconds},
    "FailNext": lambda state, action, count: {"op": "FailNext", "action": action, "count": count},
    "SetBootResponse": set_boot_response,
    "Reset": lambda state, type: call("Reset", type=type)(state),
    "RemoteStartTransaction": remote_start, "RemoteStopTransaction": remote_stop,
    "UnlockConnector": connector_call("UnlockConnector"), "ChangeAvailability": change_availability,
    "ChangeConfiguration": change_configuration, "GetConfiguration": get_configuration,
    "ClearCache": lambda state: call("ClearCache")(state),
    "DataTransfer": lambda state: call("DataTransfer", vendorId="com.example.unknown")(state),
    "SendLocalList": send_local_list, "GetLocalListVersion": lambda state: call("GetLocalListVersion")(state),
    "SetLocalListFailure": set_local_list_failure,
    "ReserveNow": reserve_now, "CancelReservation": cancel_reservation,
    "SetChargingProfile": set_charging_profile, "ClearChargingProfile": clear_charging_profile,
    "GetCompositeSchedule": get_composite_schedule, "RemoteStartWithProfile": remote_start_with_profile,
    "TriggerMessage": trigger_message,
    "UpdateFirmware": update_firmware, "GetDiagnostics": get_diagnostics,
    "SetFirmwareFailure": set_firmware_failure, "SetUploadFailure": set_upload_failure,
    **{op: hostile_frame(op) for op in ("NotJson", "BinaryFrame", "WrongMessageType", "UnknownAction", "LargeFrame",
                                        "UnsolicitedCallResult", "UnsolicitedCallError")},
    "MalformedCall": malformed_call, "DuplicateMessageId": duplicate_message_id, "CrossingCall": crossing_call,
}


# -- the alphabets --------------------------------------------------------------------------------


def core(connectors: range, size: str) -> list[Letter]:
    tags = ("TAG1",) if size == "small" else ("TAG1", "TAG2")
    letters = [letter(kind, c=c) for c in connectors for kind in ("PlugIn", "Unplug", "UnlockConnector")]
    letters += [letter(kind, c=c, tag=t) for c in connectors for t in tags
                for kind in ("PresentIdTag", "RemoteStartTransaction")]
    letters += [letter("SetIdTag", tag=t, status="Accepted") for t in tags]
    letters += [letter("AdvanceTime", seconds=s) for s in (30, 300)]
    letters += [letter("Power"), letter("Network"), letter("Reset", type="Soft"), letter("ClearCache"),
                letter("RemoteStartTransaction", c=0, tag="TAG1"), letter("RemoteStopTransaction", which="running"),
                letter("GetConfiguration", keys=("NoSuchKey",)), letter("FailNext", action="StopTransaction", count=1),
                letter("SetBootResponse", status="Pending", interval=300)]
    letters += [letter("ChangeConfiguration", key=k, value=v) for k, v in (
        ("NumberOfConnectors", "3"), ("LocalPreAuthorize", "true"), ("AuthorizationCacheEnabled", "false"),
        ("MeterValueSampleInterval", "10"), ("ClockAlignedDataInterval", "60"), ("NoSuchKey", "1"))]
    letters += [letter("EVSuspend", c=c, suspend=True) for c in connectors]
    letters += [letter("ChangeAvailability", c=c, type="Inoperative") for c in connectors]
    if size == "large":
        letters += [letter("SetIdTag", tag=t, status=s) for t in tags for s in ("Blocked", "Invalid")]
        letters += [letter(kind, c=c) for c in connectors for kind in ("Fault", "ClearFault", "SetUnlockFailure")]
        letters += [letter("EVSuspend", c=c, suspend=False) for c in connectors]
        letters += [letter("ChangeAvailability", c=0, type="Inoperative")]
        letters += [letter("ChangeAvailability", c=c, type="Operative") for c in (0, *connectors)]
        letters += [letter("AdvanceTime", seconds=s) for s in (5, 61)]
        letters += [letter("Reset", type="Hard"), letter("DataTransfer"), letter("GetConfiguration"),
                    letter("RemoteStopTransaction", which="unknown"),
                    letter("SetBootResponse", status="Rejected", interval=30),
                    letter("SetBootResponse", status="Accepted", interval=300)]
        letters += [letter("ChangeConfiguration", key=k, value=v) for k, v in (
            ("StopTransactionOnInvalidId", "false"), ("StopTransactionOnEVSideDisconnect", "false"),
            ("AuthorizeRemoteTxRequests", "true"), ("ConnectionTimeOut", "30"), ("LocalAuthorizeOffline", "false"),
            ("AllowOfflineTxForUnknownId", "true"))]
    return letters


def local_auth_list(connectors: range, size: str) -> list[Letter]:
    p = "LocalAuthListManagement"
    lists = [("Full", (("TAG1", "Accepted"),)), ("Full", (("TAG1", "Blocked"),)), ("Differential", ()),
             ("Differential", (("TAG2", "Accepted"),))]
    if size == "large":
        lists += [("Full", ()), ("Differential", (("TAG1", None),))]
    letters = [letter("SendLocalList", p, update=u, entries=e) for u, e in lists]
    letters += [letter("GetLocalListVersion", p), letter("ChangeConfiguration", p, key="LocalAuthListEnabled", value="false")]
    if size == "large":
        letters += [letter("SetLocalListFailure", p, failing=f) for f in (True, False)]
    return letters


def reservation(connectors: range, size: str) -> list[Letter]:
    p = "Reservation"
    letters = [letter("ReserveNow", p, c=c, tag="TAG1", reservation_id=1, expiry=30, parent=parent)
               for c in connectors for parent in (False, True)]
    letters += [letter(kind, p, c=c) for c in connectors for kind in ("Fault", "ClearFault")]
    letters += [letter("PresentIdTag", p, c=c, tag="TAG2") for c in connectors]
    letters += [letter("CancelReservation", p, reservation_id=1), letter("SetIdTag", p, tag="TAG2", status="Accepted"),
                letter("SetIdTag", p, tag="TAG2", status="Accepted", parent=PARENT)]
    if size == "large":
        letters += [letter("ReserveNow", p, c=0, tag="TAG1", reservation_id=2, expiry=300),
                    letter("CancelReservation", p, reservation_id=99)]
    return letters


def smart_charging(connectors: range, size: str) -> list[Letter]:
    p = "SmartCharging"
    letters = [letter("SetChargingProfile", p, c=c, template=t, profile_id=i, stack=s)
               for c in connectors for t, i, s in ((0, 1, 0), (STACKED, 2, 1), (2, 3, 0))]
    letters += [letter("SetChargingProfile", p, c=0, template=1, profile_id=4, stack=0),
                letter("ClearChargingProfile", p, fields=(("stackLevel", 1),))]
    letters += [letter("GetCompositeSchedule", p, c=c, duration=60) for c in connectors]
    letters += [letter("RemoteStartWithProfile", p, c=c, tag="TAG1", template=5) for c in connectors]
    if size == "large":
        letters += [letter("ClearChargingProfile", p, fields=()), letter("GetCompositeSchedule", p, c=0, duration=3600)]
    return letters


def remote_trigger(connectors: range, size: str) -> list[Letter]:
    p = "RemoteTrigger"
    letters = [letter("TriggerMessage", p, message=m) for m in ("Heartbeat", "FirmwareStatusNotification")]
    letters += [letter("TriggerMessage", p, message="StatusNotification", c=c) for c in connectors]
    letters += [letter("TriggerMessage", p, message="MeterValues", c=9)]
    if size == "large":
        letters += [letter("TriggerMessage", p, message=m) for m in
                    ("StatusNotification", "MeterValues", "DiagnosticsStatusNotification", "BootNotification")]
    return letters


def firmware(connectors: range, size: str) -> list[Letter]:
    p = "FirmwareManagement"
    letters = [letter("UpdateFirmware", p, retries=0, failure=None), letter("UpdateFirmware", p, retries=2, failure="Download"),
               letter("SetFirmwareFailure", p, stage="Download"), letter("GetDiagnostics", p),
               letter("TriggerMessage", p, message="FirmwareStatusNotification")]
    if size == "large":
        letters += [letter("SetFirmwareFailure", p, stage=s) for s in ("Install", None)]
        letters += [letter("UpdateFirmware", p, retries=0, failure="Install"), letter("SetUploadFailure", p, failing=True)]
    return letters


def hostile(connectors: range, size: str) -> list[Letter]:
    """A hostile Central System (``--hostile``, docs/hostile.md): one frame of each kind the mutants of
    adapters/chargepoint/mutants_hostile.py need, a HeartbeatInterval the probe reads, and crossings."""
    p = "Hostile"
    letters = [letter("NotJson", p, text="hello"), letter("WrongMessageType", p, messageTypeId=5),
               letter("UnknownAction", p, action="NoSuchAction"), letter("UnknownAction", p, action="clearCache"),
               letter("MalformedCall", p, fault="wrongType", call="RemoteStopTransaction"),
               letter("DuplicateMessageId", p, call="GetConfiguration"), letter("UnsolicitedCallError", p),
               letter("ChangeConfiguration", p, key="HeartbeatInterval", value="60")]
    letters += [letter("CrossingCall", p, hold=h, call=c) for h, c in (
        ("StopTransaction", "RemoteStopTransaction"), ("StopTransaction", "UnsolicitedCallError"),
        ("StartTransaction", "Reset"))]
    if size == "large":
        letters += [letter("BinaryFrame", p, content="notUtf8"), letter("LargeFrame", p, size=1_000_000),
                    letter("UnsolicitedCallResult", p),
                    letter("MalformedCall", p, fault="missingField", call="Reset"),
                    letter("MalformedCall", p, fault="invalidEnum", call="TriggerMessage"),
                    letter("CrossingCall", p, hold="StatusNotification", call="UnlockConnector")]
    return letters


PROFILE_LETTERS = {"Core": core, "LocalAuthListManagement": local_auth_list, "Reservation": reservation,
                   "SmartCharging": smart_charging, "RemoteTrigger": remote_trigger, "FirmwareManagement": firmware}


class AlphabetError(ValueError):
    """An alphabet that cannot be built as asked (an unknown name or op)."""


def build(root: ChargePointState, size: str = "small", ops: Iterable[str] | None = None,
          capabilities: frozenset[str] | None = None, hostile_frames: bool = False) -> list[Letter]:
    """The letters of every feature profile the Charge Point supports (read from ``root``'s
    configuration), and the hostile ones if asked, of ``size``, limited to ``ops`` and to what the SUT
    can perform."""
    if size not in ALPHABETS:
        raise AlphabetError(f"unknown alphabet {size!r}; choose one of {', '.join(ALPHABETS)}")
    connectors = range(1, root.options.number_of_connectors + 1)
    letters: list[Letter] = []
    for profile in PROFILE_LETTERS:
        if profile in supported_profiles(root.config):
            names = {x.name for x in letters}
            letters += [x for x in PROFILE_LETTERS[profile](connectors, size) if x.name not in names]
    if hostile_frames:
        letters += hostile(connectors, size)
    wanted = set(ops) if ops is not None else None
    if wanted is not None:
        unknown = wanted - {op for x in letters for op in ops_of(x)}
        if unknown:
            raise AlphabetError(f"--ops: no letter of this alphabet is {', '.join(sorted(unknown))}")
        letters = [x for x in letters if ops_of(x) & wanted]
    if capabilities is not None:
        sent = CALL_OPS | HOSTILE_OPS  # by the endpoint: every charge point gets them
        letters = [x for x in letters if all(op in capabilities or op in sent for op in ops_of(x))]
    return letters


CALL_OPS = frozenset({"Reset", "RemoteStartTransaction", "RemoteStopTransaction", "UnlockConnector",
                      "ChangeAvailability", "ChangeConfiguration", "GetConfiguration", "ClearCache", "DataTransfer",
                      "SendLocalList", "GetLocalListVersion", "ReserveNow", "CancelReservation",
                      "SetChargingProfile", "ClearChargingProfile", "GetCompositeSchedule", "TriggerMessage",
                      "UpdateFirmware", "GetDiagnostics"})
SEVERAL_OPS = {"Power": {"PowerLoss", "PowerOn"}, "Network": {"NetworkDown", "NetworkUp"},
               "EVSuspend": {"EVSuspend", "EVResume"}, "RemoteStartWithProfile": {"RemoteStartTransaction"}}


def ops_of(x: Letter) -> set[str]:
    """The ops a letter's steps can have."""
    return SEVERAL_OPS.get(x.kind, {x.kind})


def symmetric_tags(letters: Iterable[Letter]) -> tuple[str, ...]:
    """The idTags the alphabet uses (``TAG1``, ...): the cards symmetry reduction may permute."""
    return tuple(sorted({v for x in letters for k, v in x.args if k == "tag"}))


def closed(letters: list[Letter], connectors: int, tags: tuple[str, ...], connector_symmetry: bool) -> list[Letter]:
    """The alphabet with every image of its letters under the symmetry group added: symmetry
    reduction misses no state only when the alphabet is closed under it."""
    numbers = tuple(range(1, connectors + 1))
    orders = list(itertools.permutations(numbers)) if connector_symmetry else [numbers]
    result = list(letters)
    for order in orders:
        for permuted in itertools.permutations(tags):
            renaming = (dict(zip(numbers, order)), dict(zip(tags, permuted)))
            result += [y for y in (x.renamed(*renaming) for x in letters) if y not in result]
    return result


def in_real_time(letters: list[Letter], max_advance: float) -> list[Letter]:
    """The alphabet for a charge point on the wall clock: waits and reservations cut short as the
    machine's real-time rules cut them (properties/external.py), duplicates dropped."""
    from ..external import REAL_EXPIRIES

    def short(x: Letter) -> Letter:
        args = dict(x.args)
        if x.kind == "AdvanceTime":
            args["seconds"] = min(args["seconds"], max_advance)
        elif x.kind == "ReserveNow":
            args["expiry"] = REAL_EXPIRIES.get(args["expiry"], min(args["expiry"], max_advance))
        return attrs.evolve(x, args=tuple(args.items()))

    result: list[Letter] = []
    for x in map(short, letters):
        if x.name not in {y.name for y in result}:
            result.append(x)
    return result
