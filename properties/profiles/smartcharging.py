"""Rules of the Smart Charging profile for :class:`properties.machine.OcppMachine`."""

from __future__ import annotations


class SmartChargingRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""
