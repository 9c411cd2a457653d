"""The nightly's parts with real components: a redis-server shared by two shard processes, the
GitHub artifact database read offline from its cache, the HTML report in a headless Chromium,
and the observability files.

redis-server and chromium are Debian's packages; .ci/run installs them. Without them the tests
that need them skip, saying so.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from properties.cli import main
from properties.database import DatabaseError, open_database

ROOT = Path(__file__).resolve().parent.parent
MUTANT, SEED = "MeterStopBelowMeterStart", 2
"""A mutant that shard 1/2 kills after a few examples at SEED, and shard 2/2 a few examples later."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """Debian's redis-server on a free loopback port, in memory only; ended by its pid."""

    def __init__(self, directory: Path):
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run does it)")
        pytest.importorskip("redis", reason="the redis extra is not installed: pip install -e '.[test]'")
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self) -> None:
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=1).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)

    def client(self, db: int = 0):
        import redis

        return redis.Redis(port=self.port, db=db)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, 15)
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def fuzz_shard(out: Path, shard: str, *extra: str, cwd: Path = ROOT, env: dict | None = None) -> dict:
    """`ocpp-verify fuzz` as a CI shard runs it, in its own process: the --json summary."""
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "properties.cli", "fuzz", "--mutant", MUTANT, "--seed", str(SEED),
               "--max-examples", "25", "--no-shrink", "--stop-at-first", "--shard", shard,
               "--findings", str(out / "findings"), "--json", *extra]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    run = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=240)
    assert run.returncode == 1, f"exit {run.returncode}: {run.stderr[-2000:]}"
    (out / "summary.json").write_text(run.stdout)
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def first_shard(redis_server, tmp_path_factory):
    """Shard 1/2 of a nightly finds the mutant; its failing example goes to the shared Redis database."""
    out = tmp_path_factory.mktemp("shard-1")
    return out, fuzz_shard(out, "1/2", "--database", f"{redis_server.url}/0")


@pytest.fixture(scope="module")
def cold_second_shard(tmp_path_factory):
    """Shard 2/2 with no database, writing every report: what the second shard does on its own."""
    out = tmp_path_factory.mktemp("shard-2-cold")
    summary = fuzz_shard(out, "2/2", "--html", str(out / "report.html"), "--observability", str(out / "observed"),
                         "--junit", str(out / "junit.xml"))
    return out, summary


def test_a_shard_replays_first_the_example_another_shard_failed_on(redis_server, first_shard, cold_second_shard,
                                                                   tmp_path):
    out1, first = first_shard
    assert first["rules"] == [MUTANT_RULE] and first["examplesToFind"] > 1
    assert redis_server.client(0).keys("hypothesis-example:*"), "nothing was saved in Redis"
    second = fuzz_shard(tmp_path / "shard-2", "2/2", "--database", f"{redis_server.url}/0")
    assert second["examplesToFind"] == 1, "the shared example was not replayed first"
    assert second["findings"][0]["trace"] == first["findings"][0]["trace"]
    assert cold_second_shard[1]["examplesToFind"] > 1, "without the database shard 2 needs more examples"
    merged = subprocess.run([sys.executable, "-m", "properties.cli", "merge", str(out1), str(tmp_path / "shard-2"),
                             "--json", "--expect", "2"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert merged.returncode == 1, merged.stderr
    assert len(json.loads(merged.stdout)["findings"]) == 1, "the same rule and trace twice is one finding"


MUTANT_RULE = "MeterStopBelowMeterStart"


def test_github_artifact_database_replays_a_nightly_offline(redis_server, first_shard, tmp_path):
    """The nightly's examples as the artifact GitHubArtifactDatabase downloads, found in its cache."""
    from hypothesis.database import DirectoryBasedExampleDatabase

    exported = tmp_path / "artifact"
    directory = DirectoryBasedExampleDatabase(exported)
    client = redis_server.client(0)
    for key in client.keys("hypothesis-example:*"):
        for value in client.smembers(key):
            directory.save(key.removeprefix(b"hypothesis-example:"), value)
    cache = tmp_path / "work" / ".hypothesis" / "github-artifacts" / "nightly-db"
    cache.mkdir(parents=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat().replace(":", "_")
    shutil.make_archive(str(cache / stamp), "zip", root_dir=exported)
    artifact = cache / f"{stamp}.zip"
    before = artifact.read_bytes()
    summary = fuzz_shard(tmp_path / "out", "2/2", "--database", "github:someone/some-repo/nightly-db",
                         cwd=tmp_path / "work", env={"GITHUB_TOKEN": ""})
    assert summary["examplesToFind"] == 1, "the artifact's example was not replayed first"
    assert artifact.read_bytes() == before, "the remote database is read-only"
    local = tmp_path / "work" / ".hypothesis" / "examples"
    assert any(local.rglob("*")), "the local database under it keeps this run's examples"


def test_an_unreachable_redis_server_is_one_line_and_exit_2(capsys):
    url = f"redis://127.0.0.1:{free_port()}/0"
    pytest.importorskip("redis")
    assert main(["fuzz", "--max-examples", "1", "--database", url]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ocpp-verify: --database: cannot reach the Redis server at redis://127.0.0.1:"), err
    assert "\n" not in err


def test_redis_without_its_extra_is_one_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "hypothesis.extra.redis", None)
    open_database.cache_clear()
    assert main(["fuzz", "--max-examples", "1", "--database", "redis://127.0.0.1:1/0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("ocpp-verify: --database redis://127.0.0.1:1/0: Redis support is not installed: "
                   "pip install 'ocpp-verify[redis]'")


@pytest.mark.parametrize("spec, message", [("github:only-owner", "expected github:OWNER/REPO"),
                                           ("ftp://host/x", "expected a directory, redis://"),
                                           ("pyproject.toml", "not a directory")])
def test_a_bad_database_name_is_one_line_and_exit_2(spec, message, capsys):
    assert main(["fuzz", "--max-examples", "1", "--database", spec]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_a_redis_server_lost_during_a_run_is_a_database_error(tmp_path):
    server = RedisServer(tmp_path)
    try:
        database = open_database(f"{server.url}/3")
        database.save(b"key", b"value")
        assert list(database.fetch(b"key")) == [b"value"]
    finally:
        server.stop()
    with pytest.raises(DatabaseError, match="lost the Redis server at redis://127.0.0.1"):
        list(database.fetch(b"key"))


# --- the HTML report in a real browser -------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium; .ci/run does it)")
    profile.mkdir()
    return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120)


def test_the_html_report_needs_no_network(cold_second_shard):
    page = (cold_second_shard[0] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b|@import|url\((?!#)|(src|href)\s*=", page), \
        "the report must load nothing"


def test_the_html_report_shows_the_run_in_chromium(cold_second_shard, tmp_path):
    out, summary = cold_second_shard
    dom = chromium(out / "report.html", tmp_path / "dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    finding = summary["findings"][0]
    assert "1 new finding(s): MeterStopBelowMeterStart" in html
    assert html.count("class=\"finding\"") == 1 and f"data-rule=\"{MUTANT_RULE}\"" in html
    assert html.count("<svg class=\"sequence\"") == 1 and "BootNotification" in html
    assert f"ocpp-verify replay {finding['file']} --mutant {MUTANT}" in html
    assert "<td>2/2</td>" in html and f"<td>{MUTANT}</td>" in html
    assert "RemoteStartTransaction" in html and "Rule coverage" in html and "Requirement coverage" in html
    if summary.get("coverage", {}).get("requirements"):
        assert "judged requirements the state machine reaches were exercised" in html
    shot = tmp_path / "report.png"
    run = chromium(out / "report.html", tmp_path / "shot", "--window-size=1200,2000", f"--screenshot={shot}")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    width, height = png_size(shot)
    assert (width, height) == (1200, 2000)
    assert shot.stat().st_size > 50_000, "a page with tables and a diagram is not a blank screenshot"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


# --- observability for Tyche -----------------------------------------------------------------------

def test_observability_writes_a_json_line_per_example(cold_second_shard):
    out, summary = cold_second_shard
    files = sorted(p.name for p in (out / "observed").iterdir())
    assert any(name.endswith("_testcases.jsonl") for name in files), files
    cases = [json.loads(line) for p in (out / "observed").glob("*_testcases.jsonl")
             for line in p.read_text().splitlines()]
    assert {case["type"] for case in cases} == {"test_case"}
    assert len(cases) >= summary["examples"]
    assert "failed" in {case["status"] for case in cases}
    assert any(feature.startswith("judged ") for case in cases for feature in case["features"])


def test_only_a_runs_first_batch_replays_the_database():
    """Each batch is a Hypothesis run of its own: a shared database is replayed once per run, not per batch."""
    from hypothesis.database import InMemoryExampleDatabase

    from properties.runner import BATCH, FuzzConfig, Session, fuzz

    fetched_at = []

    class Counting(InMemoryExampleDatabase):
        def fetch(self, key):
            fetched_at.append(session.report.examples)
            return super().fetch(key)

    config = FuzzConfig(max_examples=BATCH + 10, seed=1003, shrink=False, database=Counting())
    session = Session(config)
    try:
        report = fuzz(config, session=session)
    finally:
        session.close()
    assert report.examples > BATCH + 5 and fetched_at, "two batches ran, the first replaying the database"
    assert set(fetched_at) == {0}, f"the database was read again after {max(fetched_at)} examples"
