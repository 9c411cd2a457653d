"""What the recorded frames tell about an external charge point: its statuses, transactions,
reservations, registration, transfers and Local Authorization List, read incrementally from
the endpoint's frames (adapters/csms.py) as far as they go.
"""

from __future__ import annotations

import attrs

from adapters.csms import Frame

BUSY_TRANSFERS = {"FirmwareStatusNotification": {"Downloading", "Downloaded", "Installing"},
                  "DiagnosticsStatusNotification": {"Uploading"}}  # a transfer under way (§4.4, §4.5)
TRANSFER_REQUESTS = {"UpdateFirmware": "FirmwareStatusNotification",  # the statuses of each request's transfer
                     "GetDiagnostics": "DiagnosticsStatusNotification"}  # (§5.19, §5.9)


@attrs.define
class Observed:
    """The charge point's state as far as the recorded frames tell (updated incrementally)."""

    cursor: int = 0
    charge_point_id: str | None = None
    connected: bool = False
    boot: dict = attrs.Factory(dict)  # the last BootNotification payload
    registration: str | None = None  # our answer to the last BootNotification
    status: dict[int, tuple[str, str]] = attrs.Factory(dict)  # connectorId -> (status, errorCode)
    transactions: dict[int, int] = attrs.Factory(dict)  # transactionId -> connectorId
    unconfirmed: set[int] = attrs.Factory(set)  # StopTransaction sent, no CALLRESULT yet (§3.7)
    stopped: set[int] = attrs.Factory(set)  # transactionIds of every StopTransaction seen
    reservations: set[int] = attrs.Factory(set)
    changed_keys: set[str] = attrs.Factory(set)  # ChangeConfiguration accepted
    requests: dict[tuple[str, str], tuple[str, dict]] = attrs.Factory(dict)
    boot_interval: int | None = None  # the interval of our answer to the last BootNotification
    disconnected_at: float | None = None  # when the connection was last lost
    rebooting: bool = False  # a Reset was accepted and no BootNotification has come since
    transfers: dict[str, str] = attrs.Factory(dict)  # Firmware/DiagnosticsStatusNotification -> status
    transfers_asked: set[str] = attrs.Factory(set)  # the notifications of transfers we asked for (TRANSFER_REQUESTS)
    transfers_seen: set[str] = attrs.Factory(set)  # the notifications seen with a status other than Idle
    local_list: dict[str, dict] | None = None  # idTag -> AuthorizationData; None: not known
    list_version: int | None = None  # the listVersion of our last accepted SendLocalList

    def transfers_known(self) -> frozenset[str]:
        """The notifications (BUSY_TRANSFERS) of every transfer this run asked for or saw report: those it may
        still report."""
        return frozenset(action for action in BUSY_TRANSFERS
                         if action in self.transfers_seen or action in self.transfers_asked)

    def forget_charge_point(self) -> None:
        """A different charge point: nothing learnt so far holds."""
        self.boot, self.registration, self.local_list, self.list_version = {}, None, None, None
        for known in (self.status, self.transactions, self.unconfirmed, self.stopped, self.reservations,
                      self.changed_keys, self.transfers, self.transfers_asked, self.transfers_seen):
            known.clear()

    def update(self, frames: list[Frame]) -> list[tuple[str, str]]:
        """Read the new frames; returns the identity changes seen, as (old, new) pairs."""
        changes = []
        while self.cursor < len(frames):
            frame = frames[self.cursor]
            self.cursor += 1
            if frame.direction == "event":
                changes += self._event(frame)
            elif frame.message_type == 2 and frame.unique_id is not None:
                self._call(frame)
            elif frame.message_type == 3:
                self._result(frame)
        return changes

    def _event(self, frame: Frame) -> list[tuple[str, str]]:
        if frame.error not in ("connected", "disconnected"):
            return []
        self.connected = frame.error == "connected"
        if not self.connected:
            self.disconnected_at = frame.time
        new = (frame.payload or {}).get("chargePointId")
        old, changed = self.charge_point_id, self.connected and new != self.charge_point_id
        if changed:
            self.charge_point_id = new
            if old is not None:
                self.forget_charge_point()
                return [(old, new)]
        return []

    def _call(self, frame: Frame) -> None:
        side = "cp" if frame.direction == "cp->cs" else "cs"
        payload = frame.payload or {}
        self.requests[(side, frame.unique_id)] = (frame.action, payload)
        if side == "cs":
            if frame.action in TRANSFER_REQUESTS:
                self.transfers_asked.add(TRANSFER_REQUESTS[frame.action])
            return
        if frame.action == "BootNotification" and not frame.error:
            self.boot, self.rebooting = dict(payload), False
        elif frame.action == "StatusNotification" and not frame.error:
            self.status[payload["connectorId"]] = (payload["status"], payload["errorCode"])
        elif frame.action in BUSY_TRANSFERS and not frame.error:
            self.transfers[frame.action] = payload.get("status")
            if payload.get("status") != "Idle":  # Idle answers a trigger: no transfer (§4.4, §4.5)
                self.transfers_seen.add(frame.action)
        elif frame.action == "StopTransaction" and not frame.error:
            self.transactions.pop(payload.get("transactionId"), None)
            self.unconfirmed.add(payload.get("transactionId"))
            self.stopped.add(payload.get("transactionId"))

    def _result(self, frame: Frame) -> None:
        side = "cp" if frame.direction == "cs->cp" else "cs"  # who sent the CALL
        action, request = self.requests.pop((side, frame.unique_id), (None, {}))
        answer = frame.payload or {}
        if side == "cp":
            self._answered_by_us(action, request, answer)
        elif answer.get("status") in ("Accepted", "RebootRequired"):
            self._accepted_by_cp(action, request)

    def _answered_by_us(self, action: str | None, request: dict, answer: dict) -> None:
        if action == "BootNotification":
            self.registration = answer.get("status")
            self.boot_interval = answer.get("interval")
        elif action == "StartTransaction" and "transactionId" in answer:
            self.transactions[answer["transactionId"]] = request.get("connectorId")
            self.reservations.discard(request.get("reservationId"))
        elif action == "StopTransaction":
            self.unconfirmed.discard(request.get("transactionId"))

    def _accepted_by_cp(self, action: str | None, request: dict) -> None:
        if action == "ReserveNow":
            self.reservations.add(request.get("reservationId"))
        elif action == "CancelReservation":
            self.reservations.discard(request.get("reservationId"))
        elif action == "ChangeConfiguration":
            self.changed_keys.add(request.get("key"))
        elif action == "SendLocalList":
            self._list_updated(request)
        elif action == "Reset":
            self.rebooting = True

    def _list_updated(self, request: dict) -> None:
        """An accepted SendLocalList (§5.15): a Full update replaces the list, a Differential one
        adds, updates, or (an entry without idTagInfo, §7.1) deletes."""
        if request.get("updateType") == "Full":
            self.local_list = {}
        elif self.local_list is None:
            return  # changes to a list we never saw whole
        for data in request.get("localAuthorizationList") or ():
            if isinstance(data, dict) and "idTagInfo" in data:
                self.local_list[data.get("idTag")] = data
            elif isinstance(data, dict):
                self.local_list.pop(data.get("idTag"), None)
        self.list_version = request.get("listVersion")


def outcome_status(outcome) -> str:
    """A CALL outcome in words: the payload's status, or what went wrong."""
    if outcome.kind == "result":
        status = (outcome.payload or {}).get("status")
        return status if isinstance(status, str) else f"a CALLRESULT {outcome.payload}"
    if outcome.kind == "error":
        return f"CALLERROR {outcome.error_code} ({outcome.error_description})"
    if outcome.kind == "timeout":
        return "nothing (no answer in time)"
    return "nothing (the charge point is offline)"
