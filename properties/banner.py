"""The first lines of a run: what it runs against, and (external mode) where it waits for the charge point."""

from __future__ import annotations

import shlex

from vocabulary import FEATURE_PROFILES


def start_line(command: str, config, profile_sets=(None,)) -> str:
    """``ocpp-verify fuzz: bundled charge point, seed 0, budget 60 s, profiles ..., 2 connectors``."""
    parts = [_sut(config), f"seed {config.seed}", _budget(config),
             "profiles " + " | ".join(_profiles(config, csl) for csl in profile_sets),
             f"{_connectors(config)} connector{'s' if _connectors(config) != 1 else ''}"]
    if getattr(config, "hostile_family", False):
        parts.append("hostile frames and crossing CALLs")
    if getattr(config, "workers", 1) > 1:
        parts.append(f"{config.workers} worker processes")
    return f"ocpp-verify {command}: " + ", ".join(parts)


def listening_line(settings) -> str:
    """Where the Central System endpoint of an external run listens: the charge point connects there."""
    description = settings.load()
    endpoint = description.endpoint
    scheme = "wss" if endpoint.tls_cert is not None else "ws"
    port = endpoint.port if endpoint.port else "<a free port>"
    return (f"listening on {scheme}://{endpoint.host}:{port}/{description.id or '<chargePointId>'}: "
            "waiting for the charge point to connect")


def _sut(config) -> str:
    if config.external is not None:
        return f"external charge point ({config.external.description})"
    return "bundled charge point" + (f" with mutant {config.mutant}" if config.mutant else "")


def _budget(config) -> str:
    if config.max_examples:
        return f"{config.max_examples} examples"
    return f"budget {config.budget:g} s"


def _profiles(config, csl: str | None) -> str:
    if config.external is not None:
        declared = config.external.load().profiles
        return ",".join(p for p in FEATURE_PROFILES if p in declared)
    return csl or ",".join(FEATURE_PROFILES)


def _connectors(config) -> int:
    return config.external.load().connectors if config.external is not None else config.connectors


def rerun_command(config) -> str:
    """The command line that runs the same fuzz run again (the seed makes it the same)."""
    words = ["ocpp-verify", "fuzz", "--seed", str(config.seed)]
    words += ["--max-examples", str(config.max_examples)] if config.max_examples else ["--budget", f"{config.budget:g}"]
    if config.profile != "dev":
        words += ["--profile", config.profile]
    if config.hostile and config.profile != "nightly":
        words.append("--hostile")
    for rule in config.accept:
        words += ["--accept", rule]
    if not config.shrink:
        words.append("--no-shrink")
    if config.external is not None:
        words += ["--sut", "external", "--description", str(config.external.description)]
        words += [f"--{flag}={value}" for flag, value in (("listen", config.external.listen),
                  ("controller", config.external.controller), ("control-url", config.external.control_url)) if value]
        return shlex.join(words)
    if config.mutant:
        words += ["--mutant", config.mutant]
    if config.connectors != 2:
        words += ["--connectors", str(config.connectors)]
    for csl in (config.feature_profiles or "").split(" | "):
        if csl and csl != "(default)":
            words += ["--feature-profiles", csl]
    return shlex.join(words)
