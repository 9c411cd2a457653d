"""The connector status table of OCPP 1.6 §4.9, as data.

Rows are the status a connector was in, columns the status it moves to; each
allowed cell carries the table's code (``"A2"``: Available → Preparing). A
status reported twice in a row is not a transition and is always allowed: a
Charge Point repeats its status after a reboot, a reconnect or a trigger.
"""

from __future__ import annotations

STATUSES = (
    "Available",
    "Preparing",
    "Charging",
    "SuspendedEV",
    "SuspendedEVSE",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Faulted",
)

_ROWS = {
    "A": ("Available", "A2 A3 A4 A5 A7 A8 A9"),
    "B": ("Preparing", "B1 B3 B4 B5 B6 B9"),
    "C": ("Charging", "C1 C4 C5 C6 C8 C9"),
    "D": ("SuspendedEV", "D1 D3 D5 D6 D8 D9"),
    "E": ("SuspendedEVSE", "E1 E3 E4 E6 E8 E9"),
    "F": ("Finishing", "F1 F2 F8 F9"),
    "G": ("Reserved", "G1 G2 G8 G9"),
    "H": ("Unavailable", "H1 H2 H3 H4 H5 H9"),
    "I": ("Faulted", "I1 I2 I3 I4 I5 I6 I7 I8"),
}


def _table() -> dict[tuple[str, str], str]:
    table = {}
    for source, cells in _ROWS.values():
        for cell in cells.split():
            table[(source, STATUSES[int(cell[1]) - 1])] = cell
    return table


TRANSITIONS: dict[tuple[str, str], str] = _table()
"""(from, to) → cell code of the §4.9 table, for ConnectorId > 0."""

CONNECTOR_ZERO_STATUSES = frozenset({"Available", "Unavailable", "Faulted"})
"""§4.9: "For ConnectorId 0, only a limited set is applicable"."""


SHORT_PREPARING = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE"})
"""A transaction starts from Preparing "possibly within a couple of seconds" (§4.9), and the Charge Point
"MAY omit sending a StatusNotification.req if it was active for less time than" MinimumStatusDuration or
its manufacturer's own minimum: Reserved → (Preparing) → Charging may be reported as Reserved → Charging."""


def transition_code(old: str | None, new: str, connector_id: int, omitting: bool = False) -> str | None:
    """The table cell that allows ``old`` → ``new`` (two cells joined by "+" where a short Preparing in
    between went unreported), or None if it is not allowed.

    The first report after a (re)boot has no previous status, so any status is
    allowed; so is repeating the current one. ``omitting``: MinimumStatusDuration is set, so every status
    active for less than it may have gone unreported (§4.9, §9.1.20): any path through the table, which
    reaches every status from every other ("~").
    """
    if connector_id == 0:
        return "0" if new in CONNECTOR_ZERO_STATUSES else None
    if old is None or old == new:
        return "="
    if omitting:
        return "~"
    direct = TRANSITIONS.get((old, new))
    if direct is not None:
        return direct
    if new in SHORT_PREPARING and (old, "Preparing") in TRANSITIONS:
        return f"{TRANSITIONS[old, 'Preparing']}+{TRANSITIONS['Preparing', new]}"
    return None
