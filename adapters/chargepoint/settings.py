"""Settings of the bundled charge point: its hardware and its factory defaults."""

from __future__ import annotations

import attrs

POWER_LOSS_POLICIES = ("at-boot", "none", "before-down")


def _at_least_one(instance, attribute, value) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")


@attrs.frozen
class Settings:
    """What a charge point is, as opposed to what it remembers (see :mod:`.store`).

    ``configuration`` overrides the factory values of the configuration keys
    (OCPP 1.6 §9.1) on the first boot with an empty store.

    ``power_loss``: what happens at boot to transactions that were open when
    the power went (OCTT TC_032_2_CS): ``"at-boot"`` stops them with reason
    PowerLoss (§7.36) once booted; ``"none"`` stops none, they resume; ``"before-down"``
    has back-up power (OCTT TC_032_1_CS): it stops them with reason PowerLoss and delivers
    what it can before it goes down.
    """

    number_of_connectors: int = attrs.field(default=2, validator=_at_least_one)
    fixed_cable: bool = False
    vendor: str = "ocpp-verify"
    model: str = "Bundled"
    serial_number: str = "BUNDLED-0001"
    firmware_version: str = "1.0.0"
    configuration: dict[str, str] = attrs.field(factory=dict)
    power_loss: str = attrs.field(default="at-boot", validator=attrs.validators.in_(POWER_LOSS_POLICIES))
    charging_power_w: float = 11000.0
    voltage_v: float = 230.0
    phases: int = 3
    cache_size: int = attrs.field(default=64, validator=_at_least_one)
    call_timeout: float = 30.0
    """Virtual seconds after which an unanswered CALL has timed out (OCPP-J §4.1.1)."""
    boot_retry_interval: float = 60.0
    """Wait before the next BootNotification when the answer carries interval 0 (§4.2)."""
    reconnect_interval: float = 10.0
    """Wait before connecting again after a lost or refused connection."""
    one_reader: bool = False
    """One card reader for all connectors (OCTT: One Reader for Multiple Connectors): a card goes to
    the connector whose transaction it started, else to a plugged-in connector waiting for one."""
    validate_messages: bool = False
    """Check every CALL we send against the OCPP 1.6 JSON schema (slower; for tests)."""
