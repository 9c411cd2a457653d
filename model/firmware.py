"""The rules of the Firmware Management and Diagnostics (OCPP 1.6 §4.4, §4.5, §5.9, §5.19) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.
"""

from __future__ import annotations


class FirmwareRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""
