"""The rules of the Remote Trigger (OCPP 1.6 §5.17) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.
"""

from __future__ import annotations


class RemoteTriggerRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""
