"""The machine's waits to the edge of a timer the Charge Point runs, for :class:`properties.machine.OcppMachine`.

Fuzzing waits fixed times (machine.TIMES), so a timer that runs out a second early or late is seldom seen: the
wait that shows it must end between the wrong time and the right one. Here the machine computes a deadline from
what it did and what the model knows, and waits to just before it or just after it:

* ConnectionTimeOut (§9.1.6, errata 3.87: "Interval from beginning of status: 'Preparing' until incipient session
  is automatically canceled"), from a card waiting for its cable or a cable waiting for its card;
* a reservation's expiryDate (§5.13: the reservation ends "when the expiryDate is reached");
* the retryInterval of a failed firmware download (§5.19, §6.55: "retries", "retryInterval"): a download that fails,
  with retries 2, and a wait past each status the model owes next, until the transfer is over.

The edge is ``EDGE`` seconds beyond the model's tolerance (``Options.tolerance``: how early a timer may run out,
how late an owed message may come), so that no wait ends where the tolerance leaves the verdict open; the model,
not the machine, judges what the Charge Point did by then.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from model.configuration import value_of
from model.firmware import FIRMWARE_KIND, under_way
from vocabulary.dates import iso

from ..preconditions import precondition

EDGE = 0.5
"""Seconds either side of a deadline (beyond the tolerance): the bundled charge point's clock is virtual, so half a
second tells a timer one second off."""
TIMERS = ("ConnectionTimeOut", "expiryDate", "retryInterval")
FIRMWARE_URL = "ftp://127.0.0.1/firmware.bin"
RETRIES = 2
"""A download retried twice: a Charge Point that tries once, or gives up after the first retry, shows it in either
reading of §6.55 retries (how many times to try, or to retry)."""
RETRY_INTERVAL = 120
"""Longer than an attempt of the bundled charge point and its own 30 s together, so that a Charge Point that ignores
retryInterval shows it in either reading (from the attempt's start, or from its failure: §6.55)."""
OWED_WAITS = 2 * (RETRIES + 2)
"""At most this many waits for the statuses of one download (each attempt: Downloading, DownloadFailed)."""


def connection_timeouts(state, early: bool = True) -> list[float]:
    """When each incipient session's ConnectionTimeOut runs out: a card authorized at a connector without cable, or
    a cable plugged without card, the connector Preparing since (none while a connector or the Charge Point is
    Inoperative: §4.9 H2, no Preparing yet). A session begun before the key changed may run by either value (§5.3,
    §9.1.6 do not say which): the earlier deadline for a wait before it, the later for a wait after it."""
    timeout = value_of(state.config, "ConnectionTimeOut")
    if not isinstance(timeout, int) or timeout <= 0 or state.connectors[0].inoperative:
        return []
    found = []
    for c in state.connectors[1:]:
        if c.tx is not None or c.faulted or c.inoperative:
            continue
        if c.authorized is not None and not c.plugged and c.authorized_at is not None:
            since = c.authorized_at
        elif c.plugged and c.authorized is None and c.plugged_at is not None and c.reported == "Preparing":
            since = c.plugged_at
        else:
            continue
        before = getattr(c, "timeout_before", None)
        if before is None:
            found.append(since + timeout)
        elif isinstance(before[0], int) and before[0] > 0:
            either = (since + timeout, before[1] + before[0])
            found.append(min(either) if early else max(either))
    return found


def expiry_dates(state) -> list[float]:
    return [r.expiry for r in state.reservations.live if not r.uncertain]


def firmware_dues(state) -> list[float]:
    """When each status the model owes of the firmware update falls due (its tolerance included)."""
    return [o.due for o in state.owed if o.action == FIRMWARE_KIND.action and FIRMWARE_KIND.marker in o.reasons]


def edge_wait(now: float, deadlines: list[float], early: bool, tolerance: float) -> float | None:
    """Seconds to wait from ``now`` to just before (``early``) or just after the first deadline still ahead."""
    margin = tolerance + EDGE
    ahead = sorted(d for d in deadlines if d - margin > now) if early else sorted(d for d in deadlines if d > now)
    if not ahead:
        return None
    return round(ahead[0] - margin - now if early else ahead[0] + margin - now, 3)


class TimerRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can``, ``connectors``, ``online`` and
    ``reserve_now``."""

    @precondition(lambda self: self.model.powered and self.can("AdvanceTime"))
    @rule(timer=st.sampled_from(TIMERS), early=st.booleans(), c=st.integers(1, 2), cable=st.booleans())
    def wait_for_timer(self, timer, early, c, cable):
        """Start the timer if none runs (a card, or a cable, at connector ``c``; a reservation of ``c``; a failing
        download), then wait to just before (``early``) or just after the first deadline."""
        if timer == "retryInterval":
            self.download_retried()
            return
        def deadlines():
            return connection_timeouts(self.model, early) if timer == "ConnectionTimeOut" else expiry_dates(self.model)

        if not deadlines() and c <= self.connectors:
            self.start_timer(timer, c, cable)
        self.wait_to_edge(deadlines(), early, self.model.options.tolerance)

    def start_timer(self, timer: str, c: int, cable: bool) -> None:
        here = self.connector(c)
        if here.tx is not None or here.plugged or here.authorized is not None:
            return
        if timer == "expiryDate":
            if self.online():
                self.reserve_now(c, "TAG1", 1, 30, False)
        elif cable and self.can("PlugIn"):
            self.do({"op": "PlugIn", "connectorId": c})
        elif not cable and self.can("PresentIdTag"):
            if self.model.policy_for("TAG1")[0] != "Accepted" and self.can("SetIdTag"):
                self.do({"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"})
            self.do({"op": "PresentIdTag", "connectorId": c, "idTag": "TAG1"})

    def wait_to_edge(self, deadlines: list[float], early: bool, tolerance: float) -> bool:
        seconds = edge_wait(self.model.time, deadlines, early, tolerance)
        if seconds is None or not self.model.powered:
            return False
        self.do({"op": "AdvanceTime", "seconds": seconds})
        return True

    def download_retried(self) -> None:
        """A firmware download that fails (SetFirmwareFailure Download), asked for with retries 2 and retryInterval
        120 (§5.19, §6.55), and waits just past each status the model owes, while the update goes on."""
        if not self.online() or under_way(self.model, "update"):
            return
        if self.model.firmware.firmware_failure != "Download" and self.can("SetFirmwareFailure"):
            self.do({"op": "SetFirmwareFailure", "stage": "Download"})
        self.do({"op": "UpdateFirmware", "location": FIRMWARE_URL, "retrieveDate": iso(self.model.time),
                 "retries": RETRIES, "retryInterval": RETRY_INTERVAL})
        for _ in range(OWED_WAITS):
            if not (under_way(self.model, "update") and self.wait_to_edge(firmware_dues(self.model), False, 0.0)):
                return

