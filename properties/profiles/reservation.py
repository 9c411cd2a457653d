"""Rules of the Reservation profile for :class:`properties.machine.OcppMachine`."""

from __future__ import annotations


class ReservationRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""
