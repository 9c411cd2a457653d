"""``--trace-out FILE``: the frames of a run (fuzz, octt, replay) in the trace format v1.0.

Each example of the bundled charge point starts a new charge point, with
empty memory and the clock back at its epoch: its frames are written as a
charge point of their own, ``<id>#<example>``, so that ``check-log`` judges
each example from its own BootNotification. An external charge point keeps
its id: its examples follow one another on one wall clock, and its trace holds
every frame of the connection, the frames with which the run brings it back to
a known state between examples included (they are part of the conversation:
without them the configuration and the lists it restores would change unseen).
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
        frames = _after(csms.frames, self.last_seq, 0 if not self.virtual else self.sut.example_start)
        if not frames:
            return
        self.last_seq = frames[-1].seq
        _EXAMPLES[self.key] = example = _EXAMPLES.get(self.key, 0) + 1
        name = csms.charge_point_id or getattr(self.sut, "cp_id", None) or "CP"
        self.writer.write(frames, f"{name}#{example}" if self.virtual else name)

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _after(frames: list, seq: int, start: int) -> list:
    """The frames from index ``start`` on whose seq is above ``seq`` (frames come in seq order)."""
    first = len(frames)
    while first > start and frames[first - 1].seq > seq:
        first -= 1
    return frames[first:]
