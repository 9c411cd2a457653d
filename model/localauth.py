"""The rules of the Local Auth List Management (OCPP 1.6 §3.5, §5.10, §5.15) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.
"""

from __future__ import annotations


class LocalAuthListRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""
