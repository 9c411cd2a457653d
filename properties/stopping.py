"""Stopping a run on SIGINT or SIGTERM without losing what it found.

A signal only asks for a stop: the step under way finishes, the event loop is
left in a sound state, and the machine raises :class:`KeyboardInterrupt` before
its next step (:func:`check`). The runner then ends the run as if its budget
were spent, so findings are finalized and the summary is printed. A second
signal stops at once.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

_requested = threading.Event()


def requested() -> bool:
    return _requested.is_set()


def request() -> None:
    """Ask for a stop, as a signal does (a worker whose parent is gone, properties/workers.py)."""
    _requested.set()


def check() -> None:
    """Between steps: end the run if a stop was asked for."""
    if _requested.is_set():
        raise KeyboardInterrupt


def _handler(signum, frame) -> None:
    if _requested.is_set():
        raise KeyboardInterrupt
    _requested.set()
    print(f"ocpp-verify: {signal.Signals(signum).name}: stopping after the current step "
          "(send it again to stop at once)", file=sys.stderr, flush=True)


@contextlib.contextmanager
def on_signals():
    """SIGINT and SIGTERM ask for a stop while the block runs (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _requested.clear()
    previous = {signum: signal.signal(signum, _handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _requested.clear()
