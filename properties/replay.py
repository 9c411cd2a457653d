"""Replay a saved finding's steps against the bundled charge point or an external one."""

from __future__ import annotations

from .external import ExternalSettings
from .runner import FuzzConfig, Session


class ReplayError(ValueError):
    """The finding cannot be replayed as asked (e.g. an external finding without --sut external)."""


def replay(finding: dict, mutant: str | None = None, external: ExternalSettings | None = None,
           name: str = "the finding", trace_out=None) -> tuple[tuple, int]:
    """Run the finding's steps; return (violations of the first failing step, steps run).

    An external finding (settings ``sut = "external"``) needs ``external``: the
    charge point it was found on cannot be summoned from here.
    """
    settings = finding.get("settings") or {}
    recorded = ExternalSettings.from_dict(settings)
    if recorded is not None and external is None:
        raise ReplayError(_external_hint(name, recorded))
    config = FuzzConfig(mutant=mutant, connectors=int(settings.get("connectors") or 2),
                        feature_profiles=None if recorded else settings.get("featureProfiles"),
                        fixed_cable=bool(settings.get("fixedCable", False)),
                        power_loss=settings.get("powerLoss") or "at-boot",
                        one_reader=bool(settings.get("oneReader", False)),
                        accept=tuple(settings.get("accept") or ()), external=external, trace_out=trace_out)
    session = Session(config)
    try:
        return _run(session, finding["steps"], finding.get("clockStart"))
    finally:
        session.close()


def _run(session: Session, steps: list[dict], clock_start=None) -> tuple[tuple, int]:
    session.report.examples += 1
    clock_start = clock_start if isinstance(clock_start, (int, float)) else None
    return session.replay_steps(steps, clock_start=clock_start)


def _external_hint(name: str, recorded: ExternalSettings) -> str:
    options = [f"--description {recorded.description}"]
    options += [f"--{flag} {value}" for flag, value in (
        ("listen", recorded.listen), ("controller", recorded.controller),
        ("control-url", recorded.control_url)) if value is not None]
    return (f"{name} was found on an external charge point: start that charge point and run "
            f"`ocpp-verify replay {name} --sut external` ({' '.join(options)} are taken from the "
            "finding unless given)")
