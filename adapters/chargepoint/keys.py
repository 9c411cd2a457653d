"""A configuration key of the bundled charge point and the checks of its values (OCPP 1.6 §9).

The profile modules (firmware.py, localauth.py, ...) declare their keys with these; configuration.py
gathers every profile's keys, so it imports the profile modules and they import this module, not it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

import attrs

from vocabulary import FEATURE_PROFILES

if TYPE_CHECKING:
    from .configuration import Configuration

MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage")
"""The measurands this charge point can sample (§7.31); others are Rejected (§3.16.4)."""
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
CSL_MAX_LENGTH = 4
GET_CONFIGURATION_MAX_KEYS = 32


@attrs.frozen
class Key:
    """One configuration key: its name, accessibility and how a value is checked."""

    name: str
    default: str
    check: Callable[[str, "Configuration"], str | None]
    """Returns the value as stored, or None when the value is invalid."""
    read_only: bool = False


def boolean(value: str, _config=None) -> str | None:
    """A §9 boolean: "true" or "false" (case-insensitive on input, stored lower case)."""
    lowered = value.strip().lower()
    return lowered if lowered in ("true", "false") else None


def non_negative(value: str, _config=None) -> str | None:
    text = value.strip()
    return str(int(text)) if text.isdigit() else None


def positive(value: str, _config=None) -> str | None:
    text = non_negative(value)
    return text if text is not None and int(text) > 0 else None


def profiles(value: str, _config=None) -> str | None:
    items = split_csl(value)
    return ",".join(items) if items and all(item in FEATURE_PROFILES for item in items) else None


def split_csl(value: str) -> list[str]:
    """The items of a comma separated list (§9); an empty string has none."""
    return [item.strip() for item in value.split(",")] if value.strip() else []


def measurand_list(max_key: str) -> Callable[[str, "Configuration"], str | None]:
    """A CSL of supported measurands, no longer than the value of ``max_key`` (§3.16.4, §5.3)."""

    def check(value: str, config: "Configuration") -> str | None:
        items = split_csl(value)
        if len(items) > config.integer(max_key) or any(item not in MEASURANDS for item in items):
            return None
        return ",".join(items)

    return check


_ROTATION = re.compile(r"^(\d+)\.(\w+)$")


def phase_rotation(value: str, config: "Configuration") -> str | None:
    """ConnectorPhaseRotation (§9.1.7): ``<connectorId>.<rotation>`` items, e.g. ``0.RST, 1.RST``."""
    items = split_csl(value)
    if len(items) > config.integer("ConnectorPhaseRotationMaxLength"):
        return None
    for item in items:
        match = _ROTATION.match(item)
        if not match or int(match[1]) > config.number_of_connectors or match[2] not in PHASE_ROTATIONS:
            return None
    return ", ".join(items)
