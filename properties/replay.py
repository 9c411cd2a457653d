"""Replay a saved finding's steps against the bundled charge point or an external one."""

from __future__ import annotations

from .external import ExternalSettings
from .runner import FuzzConfig, Session
from .steps import settings_problem, step_problem


class ReplayError(ValueError):
    """The finding cannot be replayed as asked (e.g. an external finding without --sut external)."""


def replay(finding: dict, mutant: str | None = None, external: ExternalSettings | None = None,
           name: str = "the finding", trace_out=None) -> tuple[tuple, int]:
    """Run the finding's steps; return (violations of the first failing step, steps run).

    An external finding (settings ``sut = "external"``) needs ``external``: the
    charge point it was found on cannot be summoned from here.
    """
    settings = finding.get("settings") or {}
    problem = settings_problem(settings)
    if problem is not None:
        raise ReplayError(f"{name}: {problem}")
    recorded = ExternalSettings.from_dict(settings)
    if recorded is not None and external is None:
        raise ReplayError(_external_hint(name, recorded))
    connectors = external.load().connectors if external is not None else settings.get("connectors") or 2
    for number, step in enumerate(finding["steps"], 1):
        problem = step_problem(step, connectors)
        if problem is not None:
            raise ReplayError(f"{name}: step {number}: {problem}")
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


def chosen_mutant(finding: dict, given: str | None) -> tuple[str | None, str]:
    """The mutant a replay runs (``--mutant``, else the one the finding records; ``none``: no mutant),
    and a line that says which."""
    recorded = (finding.get("settings") or {}).get("mutant")
    mutant = recorded if given is None else None if given == "none" else given
    if mutant is None:
        return None, "replaying on the bundled charge point without a mutant" + (
            f" (the finding records mutant {recorded}; --mutant {recorded} replays it)" if recorded else "")
    source = "recorded in the finding" if given is None else "--mutant"
    return mutant, f"replaying on the bundled charge point with mutant {mutant} ({source})"


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
