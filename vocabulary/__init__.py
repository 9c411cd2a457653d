"""The words every package shares: operations, feature profiles, controller kinds, dateTime.

Pure and dependency-free (no I/O, no third-party imports, nothing of the
project), so that ``model/``, ``adapters/`` and ``properties/`` may all import
it while ``adapters/`` still never imports ``model/``.
"""

from .dates import iso, moment, seconds
from .ops import (
    ALL_OPS, CENTRAL_SYSTEM_OPS, CONTROLLER_KINDS, CORE_OPS, ENVIRONMENT_OPS, FEATURE_PROFILES, HOSTILE_OPS,
    PHYSICAL_OPS, PHYSICAL_PARAMS, PROFILE_OPS, profile_of, profiles_problem,
)

__all__ = ["ALL_OPS", "CENTRAL_SYSTEM_OPS", "CONTROLLER_KINDS", "CORE_OPS", "ENVIRONMENT_OPS",
           "FEATURE_PROFILES", "HOSTILE_OPS", "PHYSICAL_OPS", "PHYSICAL_PARAMS", "PROFILE_OPS", "iso", "moment",
           "profile_of", "profiles_problem", "seconds"]
