"""Rules of the Local Auth List Management profile for :class:`properties.machine.OcppMachine`."""

from __future__ import annotations


class LocalAuthListRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""
