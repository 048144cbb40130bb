"""A sqlite cache of lookup evidence and of small downloaded documents.

One file, ``evidence.sqlite3``, in the user cache directory (or ``--cache-dir``). It holds
the evidence read about each registrable domain (never a failure: only a
:class:`~checker.model.Registration` can be stored) and opaque blobs such as the RDAP
bootstrap. The cache is an optimisation and never a reason to fail a run: a corrupt
file is moved aside and rebuilt, an unusable directory or a write that fails (disk
full, a lock held past the timeout) turns the cache off, each with one warning in
:attr:`Cache.warnings`.

A small ``drift`` table keeps each domain's last registration state far longer than the
evidence, to see a domain change hands between runs (:mod:`checker.lookup.drift`); a file
of the previous schema version gets it in place, its evidence kept.

Two processes may share the file: WAL journal, a busy timeout, one statement per
transaction, ``INSERT OR REPLACE``. Calls are synchronous and short; under asyncio they
run on the event loop thread and never hold a transaction across an ``await``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

import platformdirs

from checker.codec import (
    Shape,
    dns_from_dict,
    dns_to_dict,
    format_datetime,
    parse_datetime,
    registration_from_dict,
    registration_to_dict,
)
from checker.model import DnsInfo, Registration

#: A cache entry's payload, read by the codec's one strictness rule.
_EVIDENCE = Shape(("registration", "dns"))

#: How long evidence of a healthy domain is kept (seconds).
HEALTHY_TTL = 86400
#: How long evidence of a domain at risk is kept (seconds): its state may change soon.
AT_RISK_TTL = 3600

CACHE_FILENAME = "evidence.sqlite3"
SCHEMA_VERSION = 2
DEFAULT_BUSY_TIMEOUT = 2.0

_DRIFT_TABLE = (
    "CREATE TABLE IF NOT EXISTS drift ("
    " domain TEXT PRIMARY KEY, payload TEXT NOT NULL, expires_at REAL NOT NULL)"
)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS evidence ("
    " domain TEXT PRIMARY KEY, payload TEXT NOT NULL, checked_at TEXT NOT NULL,"
    " expires_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS blobs ("
    " key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL NOT NULL)",
    _DRIFT_TABLE,
)
#: In-place upgrades: a file at the key's version is brought to the next one.
_UPGRADES = {1: (_DRIFT_TABLE,)}
# Selecting every column proves the tables have the shape this version writes.
_SCHEMA_PROBES = (
    "SELECT domain, payload, checked_at, expires_at FROM evidence LIMIT 0",
    "SELECT key, value, expires_at FROM blobs LIMIT 0",
    "SELECT domain, payload, expires_at FROM drift LIMIT 0",
)
_OUR_TABLES = frozenset({"evidence", "blobs", "drift"})

_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_CORRUPTION_MESSAGES = ("malformed", "not a database", "file is encrypted")


@dataclass(frozen=True)
class CachedEvidence:
    """What was learnt about one registrable domain, and when.

    Stored with whole-second precision, like every date in the report.
    """

    registration: Registration
    dns: DnsInfo | None
    checked_at: datetime

    def answers(self, mail_domains: Sequence[str], *, dns: bool) -> bool:
        """Whether this evidence answers every question a run would ask: with DNS checks
        on, the mail route of each of ``mail_domains`` must be in it (evidence written by a
        ``--no-dns`` run, or for other mail domains, does not do)."""
        if not dns:
            return True
        if not mail_domains:  # a nameserver's or mail host's domain: no mail questions
            return self.dns is not None
        routes = self.dns.mail_routes if self.dns is not None else None
        return routes is not None and all(name in routes for name in mail_domains)

    def __post_init__(self) -> None:
        # Failures must never be cached: refuse anything but a real answer.
        if not isinstance(self.registration, Registration):
            raise TypeError(
                f"only a Registration can be cached, not {type(self.registration).__name__}"
            )
        if self.dns is not None and not isinstance(self.dns, DnsInfo):
            raise TypeError(f"dns must be DnsInfo or None, not {type(self.dns).__name__}")


class _CorruptCache(Exception):
    """The file exists but is not a cache this version can use."""


def _is_corruption(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return any(text in str(error) for text in _CORRUPTION_MESSAGES)


def _is_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


def _timestamp(moment: datetime | None) -> float:
    if moment is None:
        return time.time()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _domain_key(domain: str) -> str:
    return domain.strip().rstrip(".").lower()


class Cache:
    """Evidence per registrable domain plus a blob store. Build with :meth:`open`."""

    def __init__(
        self, connection: sqlite3.Connection | None, path: Path | None, warnings: list[str]
    ) -> None:
        self._connection = connection
        self.path = path
        self.warnings = warnings

    @property
    def enabled(self) -> bool:
        """False for ``--no-cache`` and once the cache has been turned off by a fault."""
        return self._connection is not None

    # --- construction -------------------------------------------------------------------

    @classmethod
    def disabled(cls) -> Cache:
        """A cache that stores nothing and finds nothing (``--no-cache``)."""
        return cls(None, None, [])

    @classmethod
    def open(
        cls, directory: Path | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> Cache:
        """Open (creating or rebuilding as needed) the cache in ``directory``.

        ``None`` means the user cache directory. Never raises: problems end up in
        :attr:`warnings`, and a cache that cannot be used is returned disabled.
        """
        try:
            default = directory is None
            directory = Path(
                platformdirs.user_cache_dir("domain-guard") if directory is None else directory
            )
            # Private: the evidence decides verdicts, and the domains say what is scanned.
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if default:
                directory.chmod(0o700)  # ours alone, also when an older version made it 0755
        except (OSError, ValueError) as exc:
            return cls(None, None, [f"cache disabled: cannot create {directory}: {_describe(exc)}"])
        path = directory / CACHE_FILENAME
        warnings: list[str] = []
        try:
            _create_private(path)
            try:
                connection = _connect(path, busy_timeout)
            except _CorruptCache as exc:
                aside = _move_aside(path)
                where = f"moved it to {aside}" if aside else "deleted it"
                warnings.append(f"cache {path} was unusable ({exc}); {where} and started afresh")
                _create_private(path)
                connection = _connect(path, busy_timeout)
        except (_CorruptCache, sqlite3.Error, OSError, ValueError) as exc:
            warnings.append(f"cache disabled: cannot use {path}: {_describe(exc)}")
            return cls(None, path, warnings)
        cache = cls(connection, path, warnings)
        cache._prune()
        return cache

    def close(self) -> None:
        """Close the file; the cache is disabled afterwards."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Cache:
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- evidence -----------------------------------------------------------------------

    def get(self, domain: str, now: datetime) -> CachedEvidence | None:
        """The evidence stored for ``domain`` unless it expired by ``now``."""
        row = self._read(
            "SELECT payload, checked_at FROM evidence WHERE domain = ? AND expires_at > ?",
            (_domain_key(domain), _timestamp(now)),
        )
        if row is None:
            return None
        payload, checked_at = row
        try:
            if not isinstance(payload, str) or not isinstance(checked_at, str):
                raise ValueError("payload columns have the wrong type")
            fields = _EVIDENCE.read(json.loads(payload), "evidence")
            dns = fields.raw("dns")
            return CachedEvidence(
                registration=registration_from_dict(fields.raw("registration")),
                dns=None if dns is None else dns_from_dict(dns),
                checked_at=parse_datetime(checked_at),
            )
        except (ValueError, RecursionError):
            return None  # an entry this version cannot read is a miss

    def put(self, domain: str, evidence: CachedEvidence, ttl_seconds: float) -> None:
        """Store ``evidence`` for ``domain``, valid ``ttl_seconds`` after it was checked."""
        if not isinstance(evidence, CachedEvidence):
            raise TypeError(f"only CachedEvidence can be cached, not {type(evidence).__name__}")
        try:
            payload = json.dumps(
                {
                    "registration": registration_to_dict(evidence.registration),
                    "dns": None if evidence.dns is None else dns_to_dict(evidence.dns),
                },
                separators=(",", ":"),
            )
            checked_at = format_datetime(evidence.checked_at)
            expires_at = _timestamp(evidence.checked_at) + ttl_seconds
        except (ValueError, OverflowError):
            return  # a date outside what the codec writes: not worth keeping
        self._write(
            "INSERT OR REPLACE INTO evidence (domain, payload, checked_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (_domain_key(domain), payload, checked_at, expires_at),
        )

    # --- blobs --------------------------------------------------------------------------

    def get_blob(self, key: str, *, now: datetime | None = None) -> bytes | None:
        """The bytes stored under ``key`` unless they expired (by ``now``, default: the clock)."""
        row = self._read(
            "SELECT value FROM blobs WHERE key = ? AND expires_at > ?", (key, _timestamp(now))
        )
        if row is None or not isinstance(row[0], bytes):
            return None
        return row[0]

    def put_blob(
        self, key: str, value: bytes, ttl_seconds: float, *, now: datetime | None = None
    ) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds`` from ``now`` (default: the clock)."""
        self._write(
            "INSERT OR REPLACE INTO blobs (key, value, expires_at) VALUES (?, ?, ?)",
            (key, bytes(value), _timestamp(now) + ttl_seconds),
        )

    # --- drift between runs -------------------------------------------------------------

    def get_drift(self, domain: str, *, now: datetime | None = None) -> str | None:
        """The last run's state of ``domain`` (see :mod:`checker.lookup.drift`), if kept."""
        row = self._read(
            "SELECT payload FROM drift WHERE domain = ? AND expires_at > ?",
            (_domain_key(domain), _timestamp(now)),
        )
        if row is None or not isinstance(row[0], str):
            return None
        return row[0]

    def put_drift(self, domain: str, payload: str, ttl_seconds: float, *, now: datetime) -> None:
        """Keep ``payload`` as the state of ``domain`` for ``ttl_seconds`` from ``now``."""
        self._write(
            "INSERT OR REPLACE INTO drift (domain, payload, expires_at) VALUES (?, ?, ?)",
            (_domain_key(domain), payload, _timestamp(now) + ttl_seconds),
        )

    # --- plumbing -----------------------------------------------------------------------

    def _read(self, sql: str, parameters: tuple[object, ...]) -> tuple[object, ...] | None:
        if self._connection is None:
            return None
        try:
            row: tuple[object, ...] | None = self._connection.execute(sql, parameters).fetchone()
        except UnicodeEncodeError:
            return None  # a key sqlite cannot hold was never stored
        except sqlite3.Error as exc:
            # A read that waited too long on another process is only a miss.
            if not _is_busy(exc):
                self._disable(f"cache disabled: cannot read {self.path}: {exc}")
            return None
        return row

    def _write(self, sql: str, parameters: tuple[object, ...]) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(sql, parameters)
        except UnicodeEncodeError:
            return
        except sqlite3.Error as exc:
            self._disable(f"cache disabled: cannot write to {self.path}: {exc}")

    def _disable(self, warning: str) -> None:
        self.warnings.append(warning)
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    def _prune(self) -> None:
        """Drop expired rows so the file does not grow without bound; best effort."""
        if self._connection is None:
            return
        now = time.time()
        try:
            self._connection.execute("DELETE FROM evidence WHERE expires_at <= ?", (now,))
            self._connection.execute("DELETE FROM blobs WHERE expires_at <= ?", (now,))
            self._connection.execute("DELETE FROM drift WHERE expires_at <= ?", (now,))
        except sqlite3.Error:
            pass  # another process may hold the write lock; it will prune next time


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _create_private(path: Path) -> None:
    """Create ``path`` (or tighten it) with mode 0600 before SQLite opens it; SQLite gives
    its WAL and shared-memory files the database file's mode."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open ``path`` and make sure it holds our schema; raise _CorruptCache if it cannot.

    Switching a new file to WAL takes an exclusive lock and SQLite does not always wait
    on the busy handler for it, so a second process opening the file at the same moment
    may be told "locked" at once: retry that for up to ``busy_timeout``.
    """
    deadline = time.monotonic() + busy_timeout
    pause = 0.02
    while True:
        try:
            return _connect_once(path, busy_timeout)
        except sqlite3.Error as exc:
            if not _is_busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _connect_once(path: Path, busy_timeout: float) -> sqlite3.Connection:
    # isolation_level=None: every statement commits on its own, so no transaction is
    # ever left open between calls (another process would wait on it).
    connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    try:
        _prepare(connection)
    except sqlite3.Error as exc:
        connection.close()
        if _is_corruption(exc):
            raise _CorruptCache(str(exc)) from exc
        raise
    except _CorruptCache:
        connection.close()
        raise
    return connection


def _prepare(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise _CorruptCache("; ".join(str(problem) for problem in problems))
    if _user_version(connection) == 0:
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have just built it.
            if _user_version(connection) == 0:
                tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
                if tables - _OUR_TABLES:
                    raise _CorruptCache(f"unexpected tables {sorted(tables)[:5]}")
                for statement in _SCHEMA:
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    if _user_version(connection) in _UPGRADES:
        _upgrade(connection)
    version = _user_version(connection)
    if version != SCHEMA_VERSION:
        raise _CorruptCache(f"schema version {version}, this version uses {SCHEMA_VERSION}")
    for probe in _SCHEMA_PROBES:
        try:
            connection.execute(probe)
        except sqlite3.OperationalError as exc:
            raise _CorruptCache(f"wrong schema: {exc}") from exc


def _upgrade(connection: sqlite3.Connection) -> None:
    """Bring an older file to this version in place (its evidence is kept)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = _user_version(connection)  # re-read under the write lock
        while version in _UPGRADES:
            for statement in _UPGRADES[version]:
                connection.execute(statement)
            version += 1
        connection.execute(f"PRAGMA user_version = {version}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _user_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def _move_aside(path: Path) -> Path | None:
    """Rename a corrupt file to ``*.corrupt`` (or delete it); drop its WAL and index."""
    aside: Path | None = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, path.with_name(path.name + ".corrupt"))
    except OSError:
        aside = None
        path.unlink(missing_ok=True)
    # A stale WAL would be replayed into the new file.
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return aside
