"""Rules of the Remote Trigger profile for :class:`properties.machine.OcppMachine`."""

from __future__ import annotations


class RemoteTriggerRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""
