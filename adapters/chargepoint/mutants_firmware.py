"""Injected bugs of the Firmware Management and Diagnostics (OCPP 1.6 §4.4, §4.5, §5.9, §5.19) profile (see :mod:`.mutants`)."""

from __future__ import annotations

from .charge_point import ChargePoint

MUTANTS: tuple[type[ChargePoint], ...] = ()
