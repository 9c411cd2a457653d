"""Injected bugs of the Remote Trigger (OCPP 1.6 §5.17) profile (see :mod:`.mutants`)."""

from __future__ import annotations

from .charge_point import ChargePoint

MUTANTS: tuple[type[ChargePoint], ...] = ()
