"""External mode: verify a charge point that ocpp-verify does not host.

The charge point connects to our recording Central System endpoint
(adapters/csms.py) and runs in real time; physical actions go through a
controller (adapters/controllers.py). :class:`ExternalSut` implements the
SUT interface of docs/architecture.md §4 on top of both, and brings the
charge point to the OCTT general preconditions (OCTT 1.6 test case document
§1.3) before each example. A :class:`Description` (a TOML file) tells what
the charge point is and what its controller can do. docs/external.md is the
user's guide. The package's four jobs, a module each:

* description.py: the description file, checked key by key (kinds.py: the controller kinds);
* observed.py: what the recorded frames tell about the charge point;
* preconditions.py: ``fresh()``, the OCTT §1.3 preconditions before each example;
* lifecycle.py: :class:`ExternalSut` itself, from ``open()`` to ``close()``.
"""

from .description import (
    BOOT_MODES, CHARGING_RATE_UNITS, FEATURE_PROFILES, OCTT_FEATURES, POWER_LOSS_KINDS, TABLES,
    ControllerSpec, Description, DescriptionError, Endpoint, Overrides, Timing,
)
from .kinds import CONTROLLER_KINDS, CONTROLLERS, ControllerKind
from .lifecycle import (
    ENVIRONMENT_OPS, POLL, REAL_TIME_CONFIGURATION, RETRY, ConnectTimeout, ExternalSut, Skipped,
)
from .observed import BUSY_TRANSFERS, Observed, outcome_status
from .preconditions import CABLE_STATUSES, FAILURE_UNDO, HEARTBEAT_INTERVAL, PreconditionError

__all__ = [
    "BOOT_MODES", "BUSY_TRANSFERS", "CABLE_STATUSES", "CHARGING_RATE_UNITS", "CONTROLLERS",
    "CONTROLLER_KINDS", "ENVIRONMENT_OPS", "FAILURE_UNDO", "FEATURE_PROFILES", "HEARTBEAT_INTERVAL",
    "OCTT_FEATURES", "POLL", "POWER_LOSS_KINDS", "REAL_TIME_CONFIGURATION", "RETRY", "TABLES",
    "ConnectTimeout", "ControllerKind", "ControllerSpec", "Description", "DescriptionError",
    "Endpoint", "ExternalSut", "Observed", "Overrides", "PreconditionError", "Skipped", "Timing",
    "outcome_status",
]
