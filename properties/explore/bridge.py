"""From exploration to fuzzing: ``fuzz --states FILE``.

An exploration's state set (``explore --states FILE``) lists the abstract
states and transitions every path of up to k operations reaches. A fuzzing
run given that set computes the abstract state after each of its steps and
reports which fraction of those states and transitions it reached. It also
steers toward the rare ones: each example scores the explored states it
visits, each weighted by how seldom the run had visited it before, and gives
that score to Hypothesis ``target()``, which then prefers to vary the examples
that scored high; ``event()`` counts the depths of the explored states reached.
"""

from __future__ import annotations

import collections

from hypothesis import event, target

from model.abstraction import key

LABEL = "rare explored states"


class ExploredStates:
    """The state set of one exploration and what a fuzzing run reached of it."""

    def __init__(self, data: dict, steer: bool = True):
        self.depths: dict[str, int] = dict(data["states"])
        self.transitions = {(source, target) for source, _, target in data["transitions"]}
        self.symmetry = bool(data.get("symmetry"))
        self.tags = tuple(data.get("tags") or ())
        self.steer = steer
        self.hits: collections.Counter = collections.Counter()
        self.reached_transitions: set[tuple[str, str]] = set()
        self.outside = 0
        """Steps that ended in a state the exploration did not reach (deeper than its bound, or other stimuli)."""
        self.previous: str | None = None
        self.score = 0.0
        self.deepest = -1
        self.boots = self.boots_known = 0
        self.first = False
        """Examples, and those whose boot state is the exploration's root (else the keys do not compare)."""

    def start_example(self) -> None:
        self.previous, self.score, self.deepest = None, 0.0, -1
        self.boots += 1
        self.first = True

    def visit(self, worlds) -> None:
        """The state after a step (or after the boot) of the current example."""
        current = key(tuple(worlds), self.symmetry, self.tags)
        if self.first:
            self.first = False
            self.boots_known += current in self.depths
        if current not in self.depths:
            self.outside += 1
            self.previous = None
            return
        self.score += 1.0 / (1 + self.hits[current])
        self.hits[current] += 1
        self.deepest = max(self.deepest, self.depths[current])
        if (self.previous, current) in self.transitions:
            self.reached_transitions.add((self.previous, current))
        self.previous = current

    def end_example(self) -> None:
        """Inside the Hypothesis test: the example's score for ``target()`` and its deepest state."""
        if self.steer:
            target(self.score, label=LABEL)
            if self.deepest >= 0:
                event(f"deepest explored state reached: depth {self.deepest}")
        self.previous, self.score, self.deepest = None, 0.0, -1

    def coverage(self) -> dict:
        reached = [k for k in self.hits if k in self.depths]
        by_depth = collections.Counter(self.depths.values())
        reached_by_depth = collections.Counter(self.depths[k] for k in reached)
        return {
            "states": len(self.depths), "statesReached": len(reached),
            "stateFraction": round(len(reached) / len(self.depths), 4) if self.depths else 0.0,
            "transitions": len(self.transitions), "transitionsReached": len(self.reached_transitions),
            "transitionFraction": round(len(self.reached_transitions) / len(self.transitions), 4)
            if self.transitions else 0.0,
            "reachedByDepth": {d: f"{reached_by_depth[d]}/{by_depth[d]}" for d in sorted(by_depth)},
            "stepsOutside": self.outside, "steered": self.steer,
            "bootStateKnown": self.boots_known == self.boots > 0,
        }


def coverage_line(coverage: dict) -> str:
    return (f"explored states reached: {coverage['statesReached']}/{coverage['states']} "
            f"({coverage['stateFraction']:.0%}), transitions: {coverage['transitionsReached']}/"
            f"{coverage['transitions']} ({coverage['transitionFraction']:.0%}); by depth "
            + ", ".join(f"{d}: {n}" for d, n in coverage["reachedByDepth"].items())
            + (" (steered)" if coverage["steered"] else "")
            + ("" if coverage["bootStateKnown"] else "; the boot state is not the exploration's: was it made with "
               "another version of the model or another charge point?"))


def incompatible(data: dict, connectors: int, feature_profiles: list[str] | None) -> str | None:
    """Why a run with these settings cannot be measured against the state set (its keys would not
    compare), or None."""
    settings = data.get("settings") or {}
    explored = settings.get("featureProfiles")
    sets = feature_profiles or [None]
    if len(sets) != 1 or sets[0] != explored:
        return (f"the state set was explored with --feature-profiles {explored or '(the default)'}: "
                "fuzz with that one set")
    if settings.get("connectors", 2) != connectors:
        return f"the state set was explored with --connectors {settings.get('connectors')}: fuzz with the same"
    return None
