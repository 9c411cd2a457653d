"""Wall time of the whole OCTT catalogue against the bundled charge point (virtual time).

Usage: python benchmarks/octt_catalogue.py
"""

from __future__ import annotations

import collections
import time

from properties.octt.catalogue import SCENARIOS
from properties.octt.suite import run_all


def main() -> None:
    started = time.perf_counter()
    results = run_all(list(SCENARIOS))
    seconds = time.perf_counter() - started
    counts = collections.Counter(r.result for r in results)
    ran = [r for r in results if r.result != "not automatable"]
    print(f"{len(results)} scenarios in {seconds:.2f} s wall ({dict(counts)})")
    print(f"mean per executed scenario: {sum(r.seconds for r in ran) / max(len(ran), 1) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
