"""What the runner and the harness need of a system under test (docs/architecture.md §4).

Both SUTs satisfy :class:`Sut`: the bundled charge point (adapters/bundled.py) and a charge
point we do not host (adapters/external.py); tests/test_sut_protocol.py checks every member.
The runner reads these members directly: a SUT that lacks one fails that test, not a run.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Sut(Protocol):
    csms: Any
    """The Central System endpoint (adapters/csms.py CentralSystem): every frame, our CALLs."""
    clock: Any
    """The clock the charge point and the endpoint read (adapters/clock.py)."""
    capabilities: frozenset[str]
    """The physical and environment ops this SUT can perform (vocabulary/ops.py)."""
    example_start: int
    """Index in ``csms.frames`` where the current example began."""
    real_time: bool
    """AdvanceTime is a real wait (docs/external.md §5); False: virtual time."""
    description: Any
    """The external charge point's description (adapters/external.py); None for the bundled one."""
    timing: Any
    """The description's [timing] (answer_limit, max_advance, ...); None for the bundled one."""
    skipped: Any
    """Physical steps the controller refused in the charge point's state (external runs)."""

    @property
    def features(self) -> frozenset[str]:
        """The OCTT prerequisites this charge point meets (properties/octt/catalogue.py)."""

    def identity(self) -> dict:
        """What the SUT knows of the charge point, for a finding."""

    async def open(self) -> None:
        """Once per session: the endpoint listens (an external SUT waits for the charge point)."""

    async def fresh(self) -> None:
        """Before each example: the OCTT §1.3 preconditions."""

    async def start(self) -> None:
        """The charge point connects and boots; then settle()."""

    async def perform(self, step: dict) -> Any:
        """A physical action or an environment op (docs/architecture.md §1)."""

    async def advance(self, seconds: float) -> None:
        """Time moves on: timers fire in order, settling after each."""

    async def settle(self) -> None:
        """Returns when the SUT is idle."""

    async def check_alive(self) -> None:
        """The end of a run: the charge point is still there (raises when it went away for good)."""

    async def close(self) -> None:
        """The end of the session."""
