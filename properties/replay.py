"""Replay a saved finding's steps against the bundled charge point."""

from __future__ import annotations

from .runner import FuzzConfig, Session


def replay(finding: dict, mutant: str | None = None) -> tuple[tuple, int]:
    """Run the finding's steps; return (violations of the first failing step, steps run)."""
    settings = finding.get("settings") or {}
    config = FuzzConfig(mutant=mutant, connectors=int(settings.get("connectors") or 2),
                        feature_profiles=settings.get("featureProfiles"))
    session = Session(config)
    try:
        harness = session.new_harness()
        found = harness.start()
        if found:
            return found, 0
        for count, step in enumerate(finding["steps"], 1):
            found = harness.step(step)
            if found:
                return found, count
        return (), len(finding["steps"])
    finally:
        session.close()
