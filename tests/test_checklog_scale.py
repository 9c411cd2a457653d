"""check-log (issue 17): what its speed rests on reads logs as before, the progress line, and octt --trace-out."""

from __future__ import annotations

import io
import json

import pytest

from properties.checklog import check, command, formats
from properties.cli import main
from vocabulary import dates


@pytest.mark.parametrize("text", [
    '[2,"1","Heartbeat",{}]', '{"a":1,"a":2}', '{"k":"\\u00e9\\ud83d\\ude00"}', " [1, -0, -0.0, 1E2, 5e-324] ",
    '{"meterStart":123456789012345678901}',  # past 64 bits: orjson would read a float, json an int
    "[18446744073709551616, -9223372036854775809]", "1e400", "NaN", '"\\ud800"',  # orjson rejects them, json reads them
])
def test_a_text_is_read_as_json_reads_it(text):
    expected, got = json.loads(text), formats.loads(text)
    assert repr(got) == repr(expected)
    assert [type(x) for x in got] == [type(x) for x in expected] if isinstance(got, list) else True


@pytest.mark.parametrize("text", ["{not json", "[1,2,]", '"a\tb"', "\ufeff[1]", "[" * 2000])
def test_a_malformed_text_fails_as_json_fails(text):
    with pytest.raises((ValueError, RecursionError)) as expected:
        json.loads(text)
    with pytest.raises(expected.type) as got:
        formats.loads(text)
    assert str(got.value) == str(expected.value)


def test_times_read_once_are_read_the_same_again():
    for text in ("2025-01-01T00:00:00Z", "2025-01-01T01:00:00.5+01:00", "2025-01-01T00:00:00", "soon"):
        assert dates.seconds(text) == dates.seconds(text) == (
            None if dates.moment(text) is None else dates.moment(text).timestamp())
    assert dates.seconds(None) is None and dates.seconds(12) is None


class _Stream(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_a_long_log_gets_a_progress_line(monkeypatch):
    clock = iter([0.0, 1.0, 10.0, 15.0, 20.0])
    monkeypatch.setattr(command.time, "monotonic", lambda: next(clock))
    stream = _Stream()
    progress = command.Progress(stream)  # started at 0 s

    class Report:
        frames, charge_points, violation_count = 30_000, {"CP001": None}, 2

    for _ in range(4):  # at 1 s: too early (PROGRESS_AFTER); 10 s: a line; 15 s: not yet (one every 10 s off a terminal)
        progress.update(Report)
    progress.close()
    assert stream.getvalue().splitlines() == [
        "check-log: 30000 frames, 3000 frames/s, 1 charge point(s), 2 violation(s) so far",
        "check-log: 30000 frames, 1500 frames/s, 1 charge point(s), 2 violation(s) so far"]


def test_octt_writes_its_frames_with_trace_out(tmp_path, capsys):
    trace = tmp_path / "octt.jsonl"
    assert main(["octt", "--case", "TC_003_CS", "--trace-out", str(trace)]) == 0
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert records and all(r["schemaVersion"] == formats.TRACE_VERSION for r in records)
    report = check([trace])
    assert report.frames == len(records) and report.judged > 10 and report.violation_count == 0
