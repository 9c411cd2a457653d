"""Physical actions on the bundled charge point (docs/architecture.md §1).

:meth:`PhysicalActions.perform` takes a step dict. A malformed step (unknown
op, missing or extra keys, wrong types, unknown connector, invalid errorCode)
raises ValueError. A step that changes nothing in the physical world (PlugIn
of a plugged cable, PowerOn while powered, ...) does nothing. While the
power is off, cables, EVs and faults still change, but the charge point
neither reads cards nor reacts until it boots.
"""

from __future__ import annotations

from ocpp.v16.enums import ChargePointErrorCode

from vocabulary import PHYSICAL_OPS, PHYSICAL_PARAMS

FAULT_CODES = frozenset(code.value for code in ChargePointErrorCode) - {"NoError", "EVCommunicationError"}
"""§7.6; EVCommunicationError is a warning, never a fault that prevents charging (§4.9)."""

FIRMWARE_FAILURE_STAGES = (None, "Download", "Install")
"""SetFirmwareFailure stage null: nothing fails."""


def step_error(step, number_of_connectors: int) -> str | None:
    """Why ``step`` is not a valid physical action, or None."""
    if not isinstance(step, dict) or not isinstance(step.get("op"), str):
        return f"a step is a dict with an 'op' string, got {step!r}"
    op = step["op"]
    if op not in PHYSICAL_OPS:
        return f"unknown physical action {op!r}; one of {', '.join(sorted(PHYSICAL_OPS))}"
    keys = PHYSICAL_PARAMS[op]
    extra = sorted(set(step) - set(keys) - {"op"})
    if extra:
        return f"{op} takes no {extra[0]!r}"
    for key, (kind, required) in keys.items():
        if key not in step:
            if not required:
                continue
            return f"{op} needs {key!r}"
        if type(step[key]) is not kind and not (step[key] is None and not required):
            return f"{op}: {key!r} must be of type {kind.__name__}, got {step[key]!r}"
    return _value_error(step, number_of_connectors)


def _value_error(step: dict, number_of_connectors: int) -> str | None:
    op = step["op"]
    lowest = 0 if op in ("Fault", "ClearFault") else 1
    if "connectorId" in step and not lowest <= step["connectorId"] <= number_of_connectors:
        return (f"{op}: connectorId {step['connectorId']} is not a connector of this charge point "
                f"({lowest}..{number_of_connectors})")
    if op == "PresentIdTag" and not 1 <= len(step["idTag"]) <= 20:
        return "PresentIdTag: idTag must be 1 to 20 characters (IdToken, §7.28)"
    if op == "SetFirmwareFailure" and step.get("stage") not in FIRMWARE_FAILURE_STAGES:
        return f"SetFirmwareFailure: stage must be Download, Install or null, got {step['stage']!r}"
    if op == "Fault" and step.get("errorCode", "OtherError") not in FAULT_CODES:
        return f"Fault: errorCode {step['errorCode']!r} is not a ChargePointErrorCode of a fault (§7.6)"
    return None


class PhysicalActions:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    async def perform(self, step: dict) -> None:
        """Do one physical action; the charge point reacts in tasks (see ``wait_idle``)."""
        problem = step_error(step, len(self.connectors) - 1)
        if problem is not None:
            raise ValueError(problem)
        op = step["op"]
        connector = self.connectors[step["connectorId"]] if "connectorId" in step else None
        if op == "PowerOn":
            await self.power_on()
        elif op == "PowerLoss":
            await self.power_off()
        elif op == "NetworkDown":
            self._network_up = False
            await self._disconnect()
        elif op == "NetworkUp":
            self._network_up = True
            self._connect_soon()
        else:
            getattr(self, f"_physical_{op}")(connector, step)

    def _physical_PlugIn(self, c, step) -> None:
        if c.plugged:
            return
        c.plugged = True
        if c.finishing and c.transaction is None:
            c.finishing, c.held_for = False, None  # F2: a new session
        self._update()

    def _physical_Unplug(self, c, step) -> None:
        if not c.plugged:
            return
        c.plugged = c.ev_suspended = False
        if c.transaction is None:
            if c.held_for is None:
                c.finishing = False  # F1
            self._update()
        elif self._powered and self.config.boolean("StopTransactionOnEVSideDisconnect"):
            self._stop_transaction(c, "EVDisconnected")  # §9.1.23
        else:
            self._update()  # the transaction goes on, SuspendedEV (§4.9)

    def _physical_PresentIdTag(self, c, step) -> None:
        if self.settings.one_reader:
            c = self._reader_connector(step["idTag"], c)
        if self._powered:
            self._spawn(self._present_id_tag(c, step["idTag"]))

    def _reader_connector(self, id_tag: str, asked):
        """With one reader the charge point decides which connector a card is for (§4.8, §4.10)."""
        connectors = self.connectors[1:]
        for c in connectors:
            if c.transaction is not None and c.transaction.id_tag == id_tag:
                return c
        waiting = [c for c in connectors if c.plugged and c.transaction is None]
        return waiting[0] if waiting else asked

    def _physical_EVSuspend(self, c, step) -> None:
        if c.plugged:
            c.ev_suspended = True
            self._update()

    def _physical_EVResume(self, c, step) -> None:
        c.ev_suspended = False
        self._update()

    def _physical_Fault(self, c, step) -> None:
        c.fault = step.get("errorCode", "OtherError")
        if c.id:
            c.pending_tag = c.pending_parent = None
        self._update()

    def _physical_ClearFault(self, c, step) -> None:
        c.fault = None
        self._update()

    def _physical_SetUnlockFailure(self, c, step) -> None:
        c.unlock_failing = step["failing"]

    async def _present_id_tag(self, c, id_tag: str) -> None:
        """A card at the reader of connector ``c`` (§3.5, §4.1, §3.10, §4.9)."""
        if c.transaction is not None:
            await self._present_during_transaction(c, id_tag)
            return
        if c.pending_tag == id_tag:
            c.pending_tag = c.pending_parent = None  # B1: second presentation of idTag
            self._update()
            return
        if c.held_for is not None:
            if c.held_for == id_tag:
                self._release_cable(c)
            return
        if not self._can_charge(c):
            return
        info = await self._authorize(id_tag)
        if c.transaction is not None or not self._can_charge(c):
            return
        if info is not None:
            self._begin(c, id_tag, info)
        elif c.pending_tag is not None:
            c.pending_tag = c.pending_parent = None  # the newest card replaced the waiting one
            self._update()

    async def _present_during_transaction(self, c, id_tag: str) -> None:
        """§3.10: the same idTag stops; another one only with the same parentIdTag (OCTT TC_068/069)."""
        tx = c.transaction
        if id_tag == tx.id_tag:
            self._stop_transaction(c, "Local", id_tag)
            return
        if tx.parent_id_tag is None:
            return
        info = await self._authorize(id_tag)
        if info is not None and info.get("parentIdTag") == tx.parent_id_tag and c.transaction is tx:
            self._stop_transaction(c, "Local", id_tag)
