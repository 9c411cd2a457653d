"""The bundled system under test: our charge point, a recording Central System, virtual time.

:class:`BundledSut` implements the Sut interface of docs/architecture.md §4.
One Central System endpoint serves a whole fuzzing session; :meth:`fresh`
starts each example with a new, unpowered charge point with empty memory,
the clock back at its epoch and a default :class:`CsmsPolicy`.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import attrs

from adapters.chargepoint import wsclient
from adapters.chargepoint.configuration import supported_profiles
from adapters.chargepoint.mutants import charge_point_class
from adapters.chargepoint.settings import Settings
from adapters.clock import EPOCH, VirtualClock
from adapters.csms import CS_ACTIONS, CentralSystem, CsmsPolicy
from vocabulary import ENVIRONMENT_OPS, FEATURE_PROFILES, PHYSICAL_OPS

CALL_TIMEOUT = 10.0
SETTLE_TIMEOUT = 30.0
LINKS = ("websocket", "memory")
"""How the charge point reaches the endpoint: a loopback WebSocket, or in memory (adapters/memory.py)."""


class BundledSut:
    """The bundled charge point (or one of its mutants) against our Central System endpoint."""

    capabilities = PHYSICAL_OPS | ENVIRONMENT_OPS
    real_time = False  # virtual time: AdvanceTime costs nothing
    description = timing = None  # an external charge point's; this one is set up by its Settings
    skipped = ()  # every physical action can be done here

    def __init__(self, connectors: int = 2, mutant: str | None = None,
                 settings: Settings | None = None, host: str = "127.0.0.1", port: int = 0,
                 cp_id: str = "CP001", feature_profiles: str | None = None, link: str = "websocket"):
        """``feature_profiles`` overrides the charge point's SupportedFeatureProfiles (§9.1.29);
        ``link`` is one of :data:`LINKS`."""
        if link not in LINKS:
            raise ValueError(f"link must be one of {', '.join(LINKS)}, got {link!r}")
        self.link = link
        self.settings = settings or Settings(number_of_connectors=connectors)
        if feature_profiles is not None:
            configuration = {**self.settings.configuration, "SupportedFeatureProfiles": feature_profiles}
            self.settings = attrs.evolve(self.settings, configuration=configuration)
        self.mutant = mutant
        self.charge_point_class = charge_point_class(mutant)
        self.host, self.port, self.cp_id = host, port, cp_id
        self.clock = VirtualClock()
        self.csms: CentralSystem | None = None
        self.cp = None
        self.example_start = 0
        self._event_cursor = 0
        self._csms_sees_cp = False
        self._parked = None
        """(the charge point's end, the endpoint's connection, how it was dialled): the WebSocket the last
        example's charge point left open and idle when it was switched off, for the next example's first
        connection (:meth:`_park`)."""
        self._dialled = None

    @property
    def features(self) -> frozenset[str]:
        """The OCTT prerequisites this charge point meets (properties/octt/catalogue.py PREREQUISITES)."""
        cable = "fixed-cable" if self.settings.fixed_cable else "no-fixed-cable"
        supported = supported_profiles(self.settings)
        profiles = {f"profile:{p}" if p in supported else f"no-profile:{p}" for p in FEATURE_PROFILES if p != "Core"}
        if "Reservation" in supported and self.settings.configuration.get("ReserveConnectorZeroSupported") != "false":
            profiles.add("reserve-connector-zero")  # §9.3.1, see adapters/chargepoint/reservation.py
        power = "backup-power" if self.settings.power_loss == "before-down" else "no-backup-power"
        reader = {"one-reader"} if self.settings.one_reader else set()
        return frozenset({cable, power, *reader, "authorization-cache", "offline-authorization", "local-stop",
                          "connector-lock", "file-server", "cable-sensed", "card-logic", *profiles})

    def identity(self) -> dict:
        s = self.settings
        return {"kind": "bundled", "vendor": s.vendor, "model": s.model,
                "firmwareVersion": s.firmware_version, "connectors": s.number_of_connectors,
                "fixedCable": s.fixed_cable, "mutant": self.mutant}

    # ---- life cycle

    async def open(self) -> None:
        """Start the Central System endpoint (once per session); in memory it needs no socket."""
        if self.csms is None:
            self.csms = CentralSystem(self.host, self.port, self.clock, CsmsPolicy())
            if self.link == "websocket":
                await self.csms.start()

    async def fresh(self, mutant: str | None = ..., settings: Settings | None = None) -> None:
        """A new example: a new unpowered charge point with empty memory, time at the epoch."""
        await self.open()
        if self.cp is not None:
            if self.link == "websocket":
                self.cp.hand_over = self._park
            await self.cp.close()
            await self.settle()
        if mutant is not ...:
            self.mutant, self.charge_point_class = mutant, charge_point_class(mutant)
        self.settings = settings or self.settings
        self.clock.reset(EPOCH)
        self.csms.policy = CsmsPolicy()
        self.cp = self.charge_point_class(self.cp_id, self.csms.url, self.clock, self.settings, {})
        self.cp.dial = self._dial_in_memory if self.link == "memory" else self._dial
        self._link_agreed()
        self.csms.forget_frames()
        self._event_cursor = self.example_start = 0

    async def _dial_in_memory(self, url: str, subprotocols: list[str]):
        return await self.csms.open_in_memory(urlsplit(url).path, subprotocols)

    async def _dial(self, url: str, subprotocols: list[str]):
        """A WebSocket to the endpoint: the one parked by the last example when it was dialled alike, else a new one."""
        parked, self._parked = self._parked, None
        if parked is not None:
            ws, conn, dialled = parked
            if dialled == (url, tuple(subprotocols)) and ws.quiet and self.csms.resume(conn):
                return ws
            await ws.close()
        ws = await wsclient.dial(url, subprotocols)
        self._dialled = (url, tuple(subprotocols))
        return ws

    def _park(self, ws) -> bool:
        """Keep the switched-off charge point's connection open for the next example (OCPP-J 1.6 §3: each
        example's charge point still starts with a new connection, as far as the endpoint's records and the model
        go: its ``disconnected`` and ``connected`` events and a new connection's state, CALL ids and all): only a
        quiet one, every message either way read, whose handshake was this session's own."""
        read = self.csms.exchanged == (self.cp.exchanged[1], self.cp.exchanged[0])
        if self._dialled is None or not getattr(ws, "quiet", False) or not read:
            return False
        conn = self.csms.park()
        if conn is None:
            return False
        self._parked = (ws, conn, self._dialled)
        return True

    async def start(self) -> None:
        """Power the charge point on; it connects and boots (§4.2)."""
        if self.cp is None:
            await self.fresh()
        await self.cp.power_on()
        await self.settle()

    async def check_alive(self) -> None:
        """The bundled charge point never goes away: nothing to check at the end of a run."""

    async def close(self) -> None:
        if self.cp is not None:
            await self.cp.close()
            self.cp = None
        if self._parked is not None:
            ws, self._parked = self._parked[0], None
            await ws.close()
        if self.csms is not None:
            await self.csms.stop()
            self.csms = None

    # ---- steps

    async def perform(self, step: dict):
        """A physical action or an environment op; a Central System CALL returns its CallOutcome."""
        op = step.get("op") if isinstance(step, dict) else None
        outcome = None
        if op in PHYSICAL_OPS:
            await self.cp.perform(step)
        elif op == "AdvanceTime":
            await self.advance(_seconds(step))
        elif op in ENVIRONMENT_OPS:
            self.csms.policy.apply(step)
        elif op in CS_ACTIONS:
            payload = {key: value for key, value in step.items() if key != "op"}
            outcome = await self.csms.call(op, payload, CALL_TIMEOUT)
        else:
            raise ValueError(f"unknown op {op!r} in step {step!r}")
        await self.settle()
        return outcome

    async def advance(self, seconds: float) -> None:
        """Move virtual time on, firing timers in order and settling after each (§4 of the doc)."""
        target = self.clock.now() + seconds
        while (deadline := self.clock.next_deadline()) is not None and deadline <= target:
            self.clock.advance_to(deadline)
            await self.settle()
        self.clock.advance_to(target)
        await self.settle()

    async def settle(self) -> None:
        """Return when the charge point and the Central System are both idle, and agree on the link."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while True:
            if self.cp is not None:
                await self.cp.wait_idle(max(deadline - loop.time(), 0.0))
            if self._quiet():
                await asyncio.sleep(0)
                if self._quiet():
                    return
            elif loop.time() > deadline:
                raise TimeoutError(f"the bundled SUT did not settle: csms idle {self.csms.idle}, "
                                   f"link agreed {self._link_agreed()}")
            else:
                await asyncio.sleep(0)

    def _quiet(self) -> bool:
        return (self.csms is None or self.csms.idle) and self._link_agreed() and (
            self.cp is None or self.cp.idle) and self._drained()

    def _drained(self) -> bool:
        """Every message sent either way on the connection has been read (a frame the charge point
        answers nothing, or a reply nobody waits for, may still be on its way)."""
        if self.cp is None or not self.cp.online or self.csms is None:
            return True
        exchanged = self.csms.exchanged
        return exchanged is None or (exchanged[0], exchanged[1]) == (self.cp.exchanged[1], self.cp.exchanged[0])

    def _link_agreed(self) -> bool:
        """The endpoint has recorded the connect/disconnect the charge point has seen."""
        if self.csms is None:
            return True
        frames = self.csms.frames
        while self._event_cursor < len(frames):
            frame = frames[self._event_cursor]
            self._event_cursor += 1
            if frame.direction == "event" and frame.error in ("connected", "disconnected"):
                self._csms_sees_cp = frame.error == "connected"
        return self._csms_sees_cp == (self.cp is not None and self.cp.online)


def _seconds(step: dict) -> float:
    seconds = step.get("seconds")
    if type(seconds) not in (int, float) or seconds < 0:
        raise ValueError(f"AdvanceTime: seconds must be a number >= 0, got {seconds!r}")
    return float(seconds)
