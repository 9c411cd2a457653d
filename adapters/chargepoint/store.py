"""The charge point's non-volatile memory.

Everything a charge point must remember across reboots and power outages lives
here as plain JSON data: configuration (§9), availability and scheduled
availability changes (§5.2 "persistent states"), the queue of transaction-related messages (§3.7), transactions that
are open or whose StopTransaction is not yet delivered, the authorization
cache (§3.5.1, errata 3.4: persisted across reboots, resets and power
outages), and the energy registers (errata 3.77: register values come from
non-volatile meter registers).

The data is a dict owned by the caller, so it outlives the charge point
object; with a ``path`` it is also written to a JSON file on every save.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SECTIONS = ("configuration", "availability", "scheduled", "queue", "transactions", "cache", "meters",
            "local_list")


class Store:
    def __init__(self, data: dict | None = None, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        if data is None:
            data = self._read() if self.path is not None else {}
        self.data = data
        for section in SECTIONS:
            data.setdefault(section, [] if section == "queue" else {})
        data.setdefault("next_transaction", 1)

    def _read(self) -> dict:
        if self.path is None or not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    def __getitem__(self, section: str):
        return self.data[section]

    def __setitem__(self, section: str, value) -> None:
        self.data[section] = value
