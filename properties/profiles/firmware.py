"""Rules of the Firmware Management and Diagnostics profile for :class:`properties.machine.OcppMachine`."""

from __future__ import annotations


class FirmwareRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""
