"""Meter readings (§3.16, §4.7, §7.31, §7.43) of the bundled charge point."""

from __future__ import annotations

import math

from adapters.clock import iso

from .keys import MEASURANDS

DAY = 86400.0
DEFAULT_MEASURAND = MEASURANDS[0]


def measurand_value(measurand: str, energy_wh: float, power_w: float, voltage: float,
                    phases: int) -> tuple[str, str]:
    """(value, unit) of one measurand; energy is a register in whole Wh (errata 3.77)."""
    if measurand == "Energy.Active.Import.Register":
        return str(int(energy_wh)), "Wh"
    if measurand == "Power.Active.Import":
        return str(int(power_w)), "W"
    if measurand == "Current.Import":
        return f"{power_w / (voltage * phases):.1f}", "A"
    if measurand == "Voltage":
        return f"{voltage:.1f}", "V"
    raise ValueError(f"unsupported measurand {measurand!r}")


def sampled_values(measurands: list[str], context: str, energy_wh: float, power_w: float,
                   voltage: float, phases: int) -> list[dict]:
    """SampledValue elements (§7.43) taken at the connector's outlet."""
    values = []
    for measurand in measurands:
        value, unit = measurand_value(measurand, energy_wh, power_w, voltage, phases)
        values.append({"value": value, "context": context, "format": "Raw",
                       "measurand": measurand, "location": "Outlet", "unit": unit})
    return values


def meter_value(now: float, sampled: list[dict]) -> dict:
    """A MeterValue element (§7.33)."""
    return {"timestamp": iso(now), "sampledValue": sampled}


def next_aligned(now: float, interval: int) -> float:
    """The next clock-aligned instant after ``now`` (§9.1.5: intervals start at midnight UTC)."""
    midnight = math.floor(now / DAY) * DAY
    k = math.floor((now - midnight) / interval) + 1
    return min(midnight + k * interval, midnight + DAY)
