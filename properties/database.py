"""The Hypothesis example database a run keeps and shares (``--database``, docs/nightly.md).

Three kinds, named by one string:

- a directory (``DirectoryBasedExampleDatabase``);
- ``redis://HOST:PORT/DB``: a Redis server every shard of a nightly reaches
  (``hypothesis[redis]``, the ``redis`` extra of ocpp-verify);
- ``github:OWNER/REPO[/ARTIFACT]``: the example database a nightly uploaded as a GitHub
  Actions artifact, read-only, under the local directory ``.hypothesis/examples`` that
  takes this run's new examples, as Hypothesis's documentation recommends.

Examples are Hypothesis's choice sequences, so a database is tied to the Hypothesis
version that wrote it: pin it wherever shards share one (examples/ci/).
"""

from __future__ import annotations

import functools
from pathlib import Path

from hypothesis.database import (DirectoryBasedExampleDatabase, ExampleDatabase, GitHubArtifactDatabase,
                                 MultiplexedDatabase, ReadOnlyDatabase)

LOCAL = Path(".hypothesis/examples")
"""Where a ``github:`` database keeps this run's examples (the remote one is read-only)."""
ARTIFACT = "hypothesis-example-db"
"""The artifact name GitHubArtifactDatabase looks for unless ``github:OWNER/REPO/ARTIFACT`` names one."""
FORMS = "a directory, redis://HOST:PORT/DB or github:OWNER/REPO[/ARTIFACT]"


class DatabaseError(Exception):
    """A database that cannot be opened or was lost: one line for the user (exit 2)."""


def as_database(value) -> ExampleDatabase | None:
    """``FuzzConfig.database`` as Hypothesis takes it: None, an open database, or its name."""
    if value is None or isinstance(value, ExampleDatabase):
        return value
    return open_database(str(value))


@functools.lru_cache(maxsize=None)
def open_database(spec: str) -> ExampleDatabase:
    """The database ``spec`` names; DatabaseError when it cannot be used."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return _redis(spec)
    if spec.startswith("github:"):
        return _github(spec)
    if "://" in spec or not spec:
        raise DatabaseError(f"--database {spec!r}: expected {FORMS}")
    if Path(spec).exists() and not Path(spec).is_dir():
        raise DatabaseError(f"--database {spec}: not a directory")
    return DirectoryBasedExampleDatabase(spec)


def _redis(url: str) -> ExampleDatabase:
    try:
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase
    except ImportError:
        raise DatabaseError(f"--database {url}: Redis support is not installed: "
                            "pip install 'ocpp-verify[redis]'") from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    except ValueError as error:
        raise DatabaseError(f"--database {url}: not a Redis URL ({error})") from None
    where = _where(client)
    try:
        client.ping()
    except redis.RedisError as error:
        raise DatabaseError(f"--database: cannot reach the Redis server at {where}: {error}") from None
    return Guarded(RedisExampleDatabase(client), f"lost the Redis server at {where}", redis.RedisError)


def _where(client) -> str:
    """The server without its password."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host')}:{kwargs.get('port')}/{kwargs.get('db', 0)}"


def _github(spec: str) -> ExampleDatabase:
    parts = spec.removeprefix("github:").split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise DatabaseError(f"--database {spec}: expected github:OWNER/REPO or github:OWNER/REPO/ARTIFACT")
    owner, repo, artifact = (*parts, ARTIFACT)[:3]
    remote = GitHubArtifactDatabase(owner, repo, artifact_name=artifact)
    return MultiplexedDatabase(DirectoryBasedExampleDatabase(LOCAL), ReadOnlyDatabase(remote))


class Guarded(ExampleDatabase):
    """A database whose server may go away mid-run: its errors become one DatabaseError."""

    def __init__(self, inner: ExampleDatabase, lost: str, errors: type[Exception]):
        super().__init__()
        self.inner, self.lost, self.errors = inner, lost, errors

    def __repr__(self) -> str:
        return f"Guarded({self.inner!r})"

    def _call(self, method: str, *args):
        try:
            result = getattr(self.inner, method)(*args)
            return None if result is None else list(result)  # fetch() yields lazily: read it here
        except self.errors as error:
            raise DatabaseError(f"--database: {self.lost}: {error}") from None

    def save(self, key: bytes, value: bytes) -> None:
        self._call("save", key, value)

    def fetch(self, key: bytes):
        return iter(self._call("fetch", key))

    def delete(self, key: bytes, value: bytes) -> None:
        self._call("delete", key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self._call("move", src, dest, value)
