"""``--trace-out FILE``: the frames of a run (fuzz, octt, replay) in the trace format v1.0.

Each example of the bundled charge point starts a new charge point, with
empty memory and the clock back at its epoch: its frames are written as a
charge point of their own, ``<id>#<example>``, so that ``check-log`` judges
each example from its own BootNotification. An external charge point keeps
its id: its examples follow one another on one wall clock.
"""

from __future__ import annotations

from pathlib import Path

from .formats import TraceWriter


_EXAMPLES: dict[str, int] = {}
"""Examples written so far per trace file: the sessions of one run (OCTT builds) number them on."""


def start(path: Path) -> None:
    """Begin a trace file: empty it (every session of the run then appends)."""
    Path(path).write_text("", encoding="utf-8")
    _EXAMPLES[str(Path(path).resolve())] = 0


class SessionTrace:
    """Writes a session's frames as each example ends."""

    def __init__(self, path: Path, sut):
        self.sut = sut
        self.virtual = not getattr(sut, "real_time", False)
        self.writer = TraceWriter(path, clock="virtual" if self.virtual else None, append=True)
        self.last_seq = -1
        self.key = str(Path(path).resolve())

    def flush(self) -> None:
        csms = getattr(self.sut, "csms", None)
        if csms is None:
            return
        frames = [f for f in csms.frames[self.sut.example_start:] if f.seq > self.last_seq]
        if not frames:
            return
        self.last_seq = frames[-1].seq
        _EXAMPLES[self.key] = example = _EXAMPLES.get(self.key, 0) + 1
        name = csms.charge_point_id or getattr(self.sut, "cp_id", None) or "CP"
        self.writer.write(frames, f"{name}#{example}" if self.virtual else name)

    def close(self) -> None:
        self.flush()
        self.writer.close()
