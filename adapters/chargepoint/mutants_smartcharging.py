"""Injected bugs of the Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) profile (see :mod:`.mutants`)."""

from __future__ import annotations

from .charge_point import ChargePoint

MUTANTS: tuple[type[ChargePoint], ...] = ()
