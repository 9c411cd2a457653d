"""The rules of the Reservation (OCPP 1.6 §3.11, §5.1, §5.13) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.
"""

from __future__ import annotations


class ReservationRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""
