"""Injected bugs of the Reservation (OCPP 1.6 §3.11, §5.1, §5.13) profile (see :mod:`.mutants`)."""

from __future__ import annotations

from .charge_point import ChargePoint

MUTANTS: tuple[type[ChargePoint], ...] = ()
