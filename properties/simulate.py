"""``ocpp-verify simulate``: the bundled charge point against any Central System.

The charge point (or one of its mutants) runs on the wall clock and connects
to ``--csms ws://HOST:PORT/ID`` (OCPP-J 1.6, subprotocol ``ocpp1.6``; the
chargePointId is the last path segment). The physical world around it (cables,
cards, power, network) is driven through the control API (docs/control-api.md)
on 127.0.0.1. The first line on stdout is ``control API: http://127.0.0.1:PORT``;
connection changes and errors of the charge point go to stderr. It runs until
SIGINT/SIGTERM (or ``stop`` is set), then closes the server and the charge point.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from adapters.chargepoint.mutants import charge_point_class
from adapters.chargepoint.settings import Settings
from adapters.chargepoint.store import Store
from adapters.clock import RealClock, iso
from adapters.control import PHYSICAL_OPS, ControlServer

WATCH_INTERVAL = 0.5
"""Seconds between two looks at the charge point's connection and errors (for stderr)."""
CLOSE_TIMEOUT = 10.0
"""Seconds the shutdown may take before it is abandoned."""


class SimulateError(ValueError):
    """A setup mistake (URL, mutant, store, port): printed without a traceback."""


def split_csms_url(url: str) -> tuple[str, str]:
    """(base URL, chargePointId) of ``ws://HOST:PORT/[PATH/]ID`` (OCPP-J 1.6 §3.1.1)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise SimulateError(f"--csms {url!r} is not a valid URL ({error})") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise SimulateError(f"--csms must be ws://HOST:PORT/ID (or wss://), got {url!r}")
    if parts.query or parts.fragment:
        raise SimulateError(f"--csms {url!r}: no query or fragment; the URL ends with the "
                            f"chargePointId")
    base, _, cp_id = parts.path.rpartition("/")
    if not cp_id:
        raise SimulateError(f"--csms {url!r} ends without a chargePointId; "
                            f"give it as the last path segment, e.g. ws://host:{port or 9000}/CP001")
    return f"{parts.scheme}://{parts.netloc}{base}", cp_id


class SimulatedChargePoint:
    """The control API's target (adapters/control.py): a bundled ChargePoint and its state."""

    capabilities = frozenset(PHYSICAL_OPS)

    def __init__(self, cp, url: str, mutant: str | None = None):
        self.cp = cp
        self.url = url
        self.mutant = mutant
        self.clock = cp.clock  # real time: no /clock/advance

    async def perform(self, step: dict) -> None:
        """A physical action; ValueError (400) for a step the charge point refuses."""
        await self.cp.perform(step)

    def state(self) -> dict:
        """The charge point's own view: connectors, transactions, availability, link."""
        cp = self.cp
        return {
            "chargePointId": cp.id,
            "csms": self.url,
            "mutant": self.mutant,
            "powered": cp.powered,
            "online": cp.online,
            "registration": getattr(cp, "_registration", None),
            "connectors": [_connector(c) for c in cp.connectors],
            "transactions": [_transaction(tx) for tx in cp.transactions.values()],
            "availability": dict(cp.store["availability"]),
        }


def _connector(c) -> dict:
    answer = {"connectorId": c.id, "status": c.status, "errorCode": c.fault or "NoError"}
    if c.id == 0:
        return answer
    tx = c.transaction
    return answer | {
        "plugged": c.plugged, "evSuspended": c.ev_suspended, "unlockFailing": c.unlock_failing,
        "pendingIdTag": c.pending_tag,
        "transactionId": None if tx is None else tx.transaction_id,
    }


def _transaction(tx) -> dict:
    return {"number": tx.number, "transactionId": tx.transaction_id,
            "connectorId": tx.connector_id, "idTag": tx.id_tag,
            "parentIdTag": tx.parent_id_tag, "meterStart": tx.meter_start,
            "startTime": iso(tx.start_time), "stopped": tx.stopped,
            "deauthorized": tx.deauthorized}


def _open_store(path: str | Path | None) -> Store:
    if path is None:
        return Store()
    try:
        store = Store(path=path)
    except (OSError, ValueError) as error:
        raise SimulateError(f"--store {str(path)!r} cannot be read as a JSON store "
                            f"({type(error).__name__}: {error})") from None
    if not isinstance(store.data, dict):
        raise SimulateError(f"--store {str(path)!r} does not hold a JSON object")
    return store


def build(csms_url: str, *, connectors: int = 2, fixed_cable: bool = False,
          mutant: str | None = None, store: str | Path | None = None,
          reconnect_interval: float | None = None) -> SimulatedChargePoint:
    """The (unpowered) charge point, wrapped for the control API; SimulateError for bad input.

    ``reconnect_interval``: seconds before it tries again after a lost or refused connection
    (default: the bundled charge point's, 10 s).
    """
    base, cp_id = split_csms_url(csms_url)
    if reconnect_interval is not None and not 0 < reconnect_interval < float("inf"):
        raise SimulateError(f"--reconnect-interval must be a number of seconds > 0, "
                            f"got {reconnect_interval}")
    extra = {} if reconnect_interval is None else {"reconnect_interval": reconnect_interval}
    try:
        cls = charge_point_class(mutant)
        settings = Settings(number_of_connectors=connectors, fixed_cable=fixed_cable, **extra)
    except ValueError as error:
        raise SimulateError(str(error)) from None
    memory = _open_store(store)
    try:
        cp = cls(cp_id, base, RealClock(), settings, memory)
    except OSError as error:
        raise SimulateError(f"--store {str(store)!r} cannot be written ({error})") from None
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise SimulateError(f"--store {str(store)!r} is not a store of the bundled charge point "
                            f"({type(error).__name__}: {error})") from None
    return SimulatedChargePoint(cp, csms_url, mutant)


async def simulate(csms_url: str, *, control_host: str = "127.0.0.1", control_port: int = 0,
                   connectors: int = 2, fixed_cable: bool = False, mutant: str | None = None,
                   store: str | Path | None = None, reconnect_interval: float | None = None,
                   out: TextIO | None = None,
                   log: TextIO | None = None, stop: asyncio.Event | None = None) -> None:
    """Run the charge point and its control API until SIGINT/SIGTERM or ``stop``."""
    out = sys.stdout if out is None else out
    log = sys.stderr if log is None else log
    target = build(csms_url, connectors=connectors, fixed_cable=fixed_cable, mutant=mutant,
                   store=store, reconnect_interval=reconnect_interval)
    server = ControlServer(target, host=control_host, port=control_port)
    try:
        await server.start()
    except OSError as error:
        raise SimulateError(f"cannot serve the control API on {control_host}:{control_port} "
                            f"({error.strerror or error})") from None
    stop = stop if stop is not None else asyncio.Event()
    restore = _on_signals(stop)
    watcher = None
    try:
        print(f"control API: {server.url}", file=out, flush=True)
        what = f"mutant {mutant}" if mutant else "the bundled charge point"
        print(f"simulate: {what} {target.cp.id} -> {csms_url}; SIGINT/SIGTERM to stop",
              file=log, flush=True)
        await target.cp.power_on()
        watcher = asyncio.ensure_future(_watch(target.cp, csms_url, log))
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await server.stop()
                await target.cp.close()
        except TimeoutError:
            print(f"simulate: shutdown took longer than {CLOSE_TIMEOUT} s; abandoned",
                  file=log, flush=True)
        finally:
            restore()
    print("simulate: stopped", file=log, flush=True)


def _on_signals(stop: asyncio.Event):
    """SIGINT and SIGTERM set ``stop``; returns the function that restores the old handlers."""
    loop = asyncio.get_running_loop()
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.getsignal(signum)
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / platform
            previous.pop(signum, None)

    def restore() -> None:
        for signum, handler in previous.items():
            loop.remove_signal_handler(signum)
            if handler is not None:
                signal.signal(signum, handler)

    return restore


async def _watch(cp, url: str, log: TextIO) -> None:
    """Tell a person on stderr when the link changes and when the charge point hits an error."""
    online, registration = False, None
    while True:
        await asyncio.sleep(WATCH_INTERVAL)
        errors = getattr(cp, "_errors", [])
        while errors:
            error = errors.pop(0)
            print(f"simulate: charge point error: {type(error).__name__}: {error}",
                  file=log, flush=True)
        now_registration = getattr(cp, "_registration", None)
        if cp.online != online or now_registration != registration:
            online, registration = cp.online, now_registration
            text = (f"connected to {url}, registration {registration or 'not yet answered'}"
                    if online else f"disconnected from {url}")
            print(f"simulate: {text}", file=log, flush=True)

