"""The bundled OCPP 1.6-J charge point, an independent implementation of the Core profile."""

from .charge_point import CHOICES, ChargePoint
from .physical import PHYSICAL_OPS
from .settings import Settings
from .store import Store

__all__ = ["CHOICES", "ChargePoint", "PHYSICAL_OPS", "Settings", "Store"]
