"""Injected bugs of the Local Auth List Management (OCPP 1.6 §3.5, §5.10, §5.15) profile (see :mod:`.mutants`)."""

from __future__ import annotations

from .charge_point import ChargePoint

MUTANTS: tuple[type[ChargePoint], ...] = ()
