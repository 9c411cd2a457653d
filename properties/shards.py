"""``--shard I/N``: the jobs of a CI matrix split a nightly's work without talking to each other.

The work is an endless sequence of cells. Cell k is one batch (``runner.BATCH`` examples)
of the feature-profile set k mod P, with the Hypothesis seed SEED + k // P, for the P
sets given (``--feature-profiles``, repeatable; one set, the charge point's own, when
none is given). Shard I of N takes the cells k = I-1, I-1+N, I-1+2N, ...: two shards of
a matrix never run the same cell, and together they run the cells one unsharded run
takes, in the same order. With N a multiple of P each shard keeps to one set.
"""

from __future__ import annotations

import collections
import itertools
import math
from typing import Iterator

import attrs


class ShardError(ValueError):
    """A ``--shard`` that is not I/N with 1 <= I <= N."""


@attrs.frozen
class Shard:
    index: int
    """1 to ``count``."""
    count: int
    profile: int = 0
    """Which of the feature-profile sets this run fuzzes."""
    profile_sets: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, slash, count = text.partition("/")
        if not (slash and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
            raise ShardError(f"--shard must be I/N with 1 <= I <= N (e.g. 2/4), got {text!r}")
        return cls(int(index), int(count))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def cells(self) -> Iterator[tuple[int, int]]:
        """(feature-profile set, seed offset) of this shard's cells, in order."""
        for k in itertools.count(self.index - 1, self.count):
            yield k % self.profile_sets, k // self.profile_sets

    def profiles(self) -> list[int]:
        """The feature-profile sets this shard has cells of."""
        return sorted({(self.index - 1 + j * self.count) % self.profile_sets for j in range(self.profile_sets)})

    def seeds(self, seed: int) -> Iterator[int]:
        """The Hypothesis seeds of this shard's batches of its feature-profile set ``profile``."""
        return (seed + offset for profile, offset in self.cells() if profile == self.profile)


def batch_seeds(config) -> Iterator[int]:
    """The seed of each batch of a run: SEED, SEED+1, ... or the shard's (``config.shard``)."""
    shard = getattr(config, "shard", None)
    return shard.seeds(config.seed) if shard else itertools.count(config.seed)


def plan(config, profile_sets: list[str | None], shard: Shard | None) -> list:
    """One FuzzConfig per feature-profile set this shard fuzzes, sharing its budget equally."""
    shard = shard or Shard(1, 1)
    if len(profile_sets) == 1 and shard.count == 1:
        return [attrs.evolve(config, feature_profiles=profile_sets[0])]
    shard = attrs.evolve(shard, profile_sets=len(profile_sets))
    mine = shard.profiles()
    budget = config.budget / len(mine) if config.budget else config.budget
    examples = math.ceil(config.max_examples / len(mine)) if config.max_examples else config.max_examples
    return [attrs.evolve(config, feature_profiles=profile_sets[p], shard=attrs.evolve(shard, profile=p),
                         budget=budget, max_examples=examples) for p in mine]


def combine(reports: list):
    """One report of runs done one after another: counts added, findings and times in order."""
    if len(reports) == 1:
        return reports[0]
    total = type(reports[0])()
    for field in attrs.fields(type(total)):
        values = [getattr(r, field.name) for r in reports]
        if isinstance(values[0], collections.Counter):
            setattr(total, field.name, sum(values, collections.Counter()))
    total.examples = sum(r.examples for r in reports)
    total.steps = sum(r.steps for r in reports)
    total.judged = sum(r.judged for r in reports)
    total.seconds = sum(r.seconds for r in reports)
    total.findings = [f for r in reports for f in r.findings]
    total.interrupted = any(r.interrupted for r in reports)
    total.started = reports[0].started
    _first_find(total, reports)
    return total


def _first_find(total, reports: list) -> None:
    seconds = examples = 0
    for r in reports:
        if r.time_to_find is not None:
            total.time_to_find, total.examples_to_find = seconds + r.time_to_find, examples + r.examples_to_find
            return
        seconds, examples = seconds + r.seconds, examples + r.examples
