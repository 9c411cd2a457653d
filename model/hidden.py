"""Hidden events: what a recorded log does not show, but may have happened.

A log of OCPP-J frames shows what the Charge Point and the Central System
said, not what happened at the charge point: a cable plugged in, a card held
to the reader, a fault, a power cut, a lost connection. ``ocpp-verify
check-log`` (properties/checklog/) judges a log by assuming such events
wherever the frames need them. This module says, for one CALL of the Charge
Point, whether the model already expects it (:func:`expected`) and which short
sequences of hidden events could make it expected (:func:`explanations`).

A hidden event is a physical :class:`~model.events.Stimulus` (``PlugIn``,
``PresentIdTag``, ...) or a :class:`~model.events.Connection` the log does not
record. The lists are suggestions only: the model judges every one, and the
checker keeps those that break no rule. Pure: no I/O.
"""

from __future__ import annotations

from .events import Connection, CpCall, Stimulus
from .judge import Judgement
from .state import ChargePointState, Connector

Hidden = tuple
"""A sequence of hidden events, applied in order before the CALL they explain."""

OTHER_ERROR = "OtherError"


def plug_in(c: int) -> Stimulus:
    return Stimulus("PlugIn", (("connectorId", c),))


def unplug(c: int) -> Stimulus:
    return Stimulus("Unplug", (("connectorId", c),))


def present(c: int, id_tag: str) -> Stimulus:
    return Stimulus("PresentIdTag", (("connectorId", c), ("idTag", id_tag)))


def on_connector(op: str, c: int) -> Stimulus:
    return Stimulus(op, (("connectorId", c),))


def fault(c: int, error_code: str) -> Stimulus:
    return Stimulus("Fault", (("connectorId", c), ("errorCode", error_code)))


POWER_LOSS = Stimulus("PowerLoss")
POWER_ON = Stimulus("PowerOn")


def down(time: float) -> Connection:
    return Connection(False, time)


def up(time: float) -> Connection:
    return Connection(True, time)


# -- does the model expect the CALL as it is? ------------------------------------


def expected(judgement: Judgement, call: CpCall) -> bool:
    """Whether ``call`` fits the state of ``judgement`` without any hidden event: a status that fits the
    connector's situation, an idTag a reader is waiting for, a transaction start or stop the Charge Point
    owes or may send, a boot it owes. Every other CALL is expected (the model judges it as it is)."""
    state = judgement.state
    if not state.online:
        return False
    check = _EXPECTED.get(call.action)
    return True if check is None else check(judgement, call.payload)


def _status_expected(judgement: Judgement, payload: dict) -> bool:
    connector = _connector(judgement.state, payload.get("connectorId"), zero=True)
    if connector is None:
        return True
    if payload.get("status") == "Charging" and connector.tx is not None and not connector.plugged:
        return False  # a cable plugged in unseen comes first; a transaction with none ever is tried as it is (§4.9)
    return payload.get("status") in judgement.settled_statuses(connector)


def _authorize_expected(judgement: Judgement, payload: dict) -> bool:
    id_tag = payload.get("idTag")
    return any(c.presented == id_tag for c in judgement.state.connectors[1:])


def _start_expected(judgement: Judgement, payload: dict) -> bool:
    connector = _connector(judgement.state, payload.get("connectorId"))
    return connector is None or connector.tx is not None or judgement.may_start(connector, payload.get("idTag"))


def _stop_expected(judgement: Judgement, payload: dict) -> bool:
    state, reason = judgement.state, payload.get("reason", "Local")
    transaction_id = payload.get("transactionId")
    if transaction_id in state.retrying | state.exhausted | state.stopped:
        return True
    owner = _owner(state, transaction_id)
    if owner is None:
        return True
    return (reason in owner.offline_causes or (owner.faulted and reason in ("Other", "EmergencyStop"))
            or any(o.action in ("StopTransaction", "MayStopTransaction") and o.connector == owner.id
                   and reason in o.reasons for o in state.owed))


def _boot_expected(judgement: Judgement, payload: dict) -> bool:
    state = judgement.state  # powered off (a power cut assumed before): the power must come back first
    return state.powered and (state.rebooting or state.registration != "Accepted"
                              or any(o.action == "BootNotification" for o in state.owed))


_EXPECTED = {
    "StatusNotification": _status_expected,
    "Authorize": _authorize_expected,
    "StartTransaction": _start_expected,
    "StopTransaction": _stop_expected,
    "BootNotification": _boot_expected,
}


# -- what may have happened before it --------------------------------------------


def explanations(state: ChargePointState, call: CpCall, queued: bool = False) -> list[Hidden]:
    """Short sequences of hidden events after which ``call`` may be expected, most likely first.

    ``queued``: the CALL's own timestamp says it waited (the Charge Point was offline when it happened),
    so sequences that happened offline are offered too. A Charge Point the model has offline must have
    reconnected first: every sequence then starts with that."""
    suggest = _SUGGEST.get(call.action)
    found = list(suggest(state, call.payload, call.time, queued)) if suggest else []
    if not state.online and call.action == "BootNotification":  # powered on first, then connected
        found = [hidden + (up(call.time),) for hidden in found + [()]]
    elif not state.online:
        found = [(up(call.time),) + hidden for hidden in [()] + found]
    return found


def _status(state: ChargePointState, payload: dict, time: float, queued: bool) -> list[Hidden]:
    c = _connector(state, payload.get("connectorId"), zero=True)
    if c is None:
        return []
    status, code = payload.get("status"), payload.get("errorCode") or OTHER_ERROR
    found: list[Hidden] = []
    if status == "Faulted" and not c.faulted:
        found.append((fault(c.id, code if code != "NoError" else OTHER_ERROR),))
    if c.faulted and status != "Faulted":
        found.append((on_connector("ClearFault", c.id),))
    if c.id == 0:
        return found
    needs = _connector_status(c, status) + _started_behind_queue(state, c, status)
    if status == "Preparing" and not c.plugged and c.authorized is None and c.tx is None:
        needs += [(present(c.id, tag),) for tag in known_tags(state)]  # a card authorized locally (§3.5, §4.9 A2)
    if c.faulted and status != "Faulted":  # the fault cleared, then what the status needs (§4.9 G: to any status)
        needs += [(on_connector("ClearFault", c.id),) + hidden for hidden in needs]
    return found + needs


def _connector_status(c: Connector, status: str) -> list[Hidden]:
    found: list[Hidden] = []
    if status in ("Preparing", "Finishing", "Charging", "SuspendedEV", "SuspendedEVSE") and not c.plugged:
        found.append((plug_in(c.id),))
    if status in ("Preparing", "Finishing") and c.plugged:
        found.append((unplug(c.id), plug_in(c.id)))
    if status == "SuspendedEV" and not c.ev_suspended:  # before the cable: an EV pausing leaves no other trace
        found.append((on_connector("EVSuspend", c.id),))
    if status in ("Available", "SuspendedEV", "SuspendedEVSE", "Finishing") and c.plugged:
        found.append((unplug(c.id),))
    if status == "Available" and c.authorized is not None and not c.plugged:
        found.append((present(c.id, c.authorized),))
    if status == "Charging" and c.ev_suspended:
        found.append((on_connector("EVResume", c.id),))
    if status == "Finishing" and c.tx is not None:
        found.append((present(c.id, c.tx.id_tag),))
    return found


TRANSACTION_STATUSES = ("Charging", "SuspendedEV", "SuspendedEVSE")


def _started_behind_queue(state: ChargePointState, c: Connector, status: str) -> list[Hidden]:
    """A transaction's status with no transaction seen, while transaction messages wait for a retry (a StopTransaction
    answered with a CALLERROR, §3.7.1) or an answer: a card accepted locally (§3.5: the cache or the Local
    Authorization List) may have started one whose StartTransaction waits in the queue, in order (§3.7). Which card
    the log shows only with that StartTransaction: each idTag the Charge Point may know."""
    if status not in TRANSACTION_STATUSES or c.tx is not None or c.authorized is not None \
            or not Judgement(state).queue_blocked():
        return []
    cable = () if c.plugged else (plug_in(c.id),)
    return [cable + (present(c.id, tag),) for tag in known_tags(state)]


def known_tags(state: ChargePointState) -> list[str]:
    """The idTags the Charge Point may accept without asking: its cache's and its list's Accepted ones (§3.5.1, §3.5.2)."""
    tags = [t for t, status, *_ in state.cache if status == "Accepted"]
    tags += [t for t, status, *_ in state.local_list.entries if status == "Accepted"]
    return list(dict.fromkeys(tags))


def _authorize(state: ChargePointState, payload: dict, time: float, queued: bool) -> list[Hidden]:
    id_tag = payload.get("idTag")
    if not isinstance(id_tag, str):
        return []
    waiting = sorted(state.connectors[1:], key=lambda c: (c.tx is not None, c.reported != "Preparing", not c.plugged))
    return [(present(c.id, id_tag),) for c in waiting]


def _start(state: ChargePointState, payload: dict, time: float, queued: bool) -> list[Hidden]:
    c = _connector(state, payload.get("connectorId"))
    id_tag = payload.get("idTag")
    if c is None or c.tx is not None or not isinstance(id_tag, str):
        return []
    card, cable = present(c.id, id_tag), plug_in(c.id)
    online = [(card,)] if c.plugged else [(card,), (cable,), (cable, card), (card, cable)]
    offline = [(down(time),) + hidden + (up(time),) for hidden in online]
    return offline + online if queued else online + offline


def _stop(state: ChargePointState, payload: dict, time: float, queued: bool) -> list[Hidden]:
    c = _owner(state, payload.get("transactionId"))
    if c is None:
        return []
    reason = payload.get("reason", "Local")
    if reason == "EVDisconnected":  # a transaction started with no cable seen: one was plugged in unseen too
        found = [(unplug(c.id),)] if c.plugged else [(plug_in(c.id), unplug(c.id))]
    elif reason == "Local":
        tags = [t for t in (payload.get("idTag"), c.tx.id_tag) if isinstance(t, str)]
        found = [(present(c.id, tag),) for tag in dict.fromkeys(tags)]
    elif reason == "PowerLoss":
        found = [(POWER_LOSS,)] if state.powered else []  # the power comes back with its BootNotification
    elif reason in ("Other", "EmergencyStop"):
        found = [(fault(c.id, OTHER_ERROR),)]
    else:
        found = []
    if reason != "PowerLoss" and state.options.graceful_power_loss and state.powered:
        found.append((POWER_LOSS,))  # a graceful power cut may stop it with any reason (§7.36, Options)
    offline = [(down(time),) + hidden + (up(time),) for hidden in found]
    return offline + found if queued else found + offline


def _boot(state: ChargePointState, payload: dict, time: float, queued: bool) -> list[Hidden]:
    return [(POWER_ON,)] if not state.powered else [(POWER_LOSS, POWER_ON)]


_SUGGEST = {
    "StatusNotification": _status,
    "Authorize": _authorize,
    "StartTransaction": _start,
    "StopTransaction": _stop,
    "BootNotification": _boot,
}


# -- Central System CALLs whose answer needs a hidden event ------------------------


def call_explanations(state: ChargePointState, stimulus: Stimulus, answer: dict | None) -> list[Hidden]:
    """Hidden events that may explain the Charge Point's answer to a Central System CALL: a lock that will
    not open (UnlockConnector UnlockFailed) or opens again, a Local Authorization List that cannot be stored
    (SendLocalList Failed) or can again, a cable at a reserved connector (ReserveNow Occupied)."""
    status = (answer or {}).get("status")
    if stimulus.op == "SendLocalList" and status in ("Failed", "Accepted"):
        failing = status == "Failed"
        return [(Stimulus("SetLocalListFailure", (("failing", failing),)),)] \
            if failing != state.local_list.failing else []
    c = _connector(state, stimulus.get("connectorId"))
    if c is None:
        return []
    if stimulus.op == "UnlockConnector":
        failing = status == "UnlockFailed"
        return [(Stimulus("SetUnlockFailure", (("connectorId", c.id), ("failing", failing))),)] \
            if failing != c.unlock_failing else []
    if stimulus.op == "ReserveNow" and status == "Occupied":
        return _occupied_unseen(state, c)
    return []


def _occupied_unseen(state: ChargePointState, c: Connector) -> list[Hidden]:
    """A ReserveNow for a reserved connector answered 'Occupied': a cable may have been plugged in there unseen.
    "The Charge Point SHALL return 'Occupied' if the Charge Point or the specified connector are occupied" (§5.13),
    and a cable at a reserved connector may leave it Reserved (the §4.9 table has no Reserved -> Preparing for a
    cable, only G2 for the reserved idTag; model/reservation.py), so no StatusNotification shows it. The clean
    bundled charge point, cable in at connector 1 right after its reservation, answered 'Occupied' to a ReserveNow
    with the same reservationId (fuzz seed 4, 30 examples): replacing it (§5.13 "SHALL replace that reservation")
    would still reserve an occupied connector. A connector without a reservation would have to report the cable
    (Preparing, §4.9 A2): a cable there is left to the statuses, not assumed here."""
    reserved = any(r.connector_id == c.id for r in state.reservations.live)
    if not reserved or c.plugged or c.tx is not None:
        return []
    return [(plug_in(c.id),)]


# -- helpers --------------------------------------------------------------------


def _connector(state: ChargePointState, connector_id, zero: bool = False) -> Connector | None:
    if not isinstance(connector_id, int) or isinstance(connector_id, bool):
        return None
    if not (0 if zero else 1) <= connector_id < len(state.connectors):
        return None
    return state.connectors[connector_id]


def _owner(state: ChargePointState, transaction_id) -> Connector | None:
    return next((c for c in state.connectors[1:] if c.tx is not None and c.tx.transaction_id == transaction_id), None)


def central_system_answer(call: CpCall) -> Stimulus | None:
    """What the Central System answers for the CALL's idTag (``SetIdTag``), as its answer shows: a log
    shows the Central System's decisions, not the rules it decides by."""
    id_tag = call.payload.get("idTag")
    info = (call.answer or {}).get("idTagInfo")
    if not isinstance(id_tag, str) or not isinstance(info, dict) or not isinstance(info.get("status"), str):
        return None
    params = {"idTag": id_tag, "status": info["status"]}
    if isinstance(info.get("parentIdTag"), str):
        params["parentIdTag"] = info["parentIdTag"]
    return Stimulus("SetIdTag", tuple(sorted(params.items())))
