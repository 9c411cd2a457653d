"""The rules of the Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.
"""

from __future__ import annotations


class SmartChargingRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""
