"""The evidence cache on real sqlite files: expiry, corruption, faults, two processes."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from checker.codec import format_datetime
from checker.lookup.cache import (
    AT_RISK_TTL,
    CACHE_FILENAME,
    HEALTHY_TTL,
    SCHEMA_VERSION,
    Cache,
    CachedEvidence,
)
from checker.model import DnsInfo, EvidenceSource, LookupFailure, ReasonCode, Registration

REPO = Path(__file__).resolve().parents[2]
# Near the real clock: opening the cache drops entries that expired by the clock.
CHECKED = datetime.now(timezone.utc).replace(microsecond=0)


def evidence(domain: str = "example.com", *, checked_at: datetime = CHECKED) -> CachedEvidence:
    return CachedEvidence(
        registration=Registration(
            registered=True,
            source=EvidenceSource.RDAP,
            url=f"https://rdap.test/domain/{domain}",
            statuses=("active",),
            created=datetime(2001, 3, 4, 5, 6, 7, tzinfo=timezone.utc),
            expires=datetime(2030, 3, 4, 5, 6, 7, tzinfo=timezone.utc),
            registrar="Example Registrar, Inc.",
            nameservers=(f"ns1.{domain}", f"ns2.{domain}"),
        ),
        dns=DnsInfo(
            nxdomain=False,
            nameservers=(f"ns1.{domain}",),
            mail_routes={domain: True, f"lists.{domain}": False},
            resolver="127.0.0.1:5353",
        ),
        checked_at=checked_at,
    )


def populate(directory: Path, count: int) -> None:
    with Cache.open(directory) as cache:
        for index in range(count):
            cache.put(f"domain{index}.test", evidence(f"domain{index}.test"), HEALTHY_TTL)


def assert_works(cache: Cache) -> None:
    assert cache.enabled
    cache.put("works.test", evidence("works.test"), HEALTHY_TTL)
    assert cache.get("works.test", CHECKED) == evidence("works.test")
    cache.put_blob("bootstrap", b"{}", 60, now=CHECKED)
    assert cache.get_blob("bootstrap", now=CHECKED) == b"{}"


# --- storing and expiry -------------------------------------------------------------------


def test_evidence_round_trips_through_the_file(tmp_path: Path) -> None:
    with Cache.open(tmp_path) as cache:
        cache.put("example.com", evidence(), HEALTHY_TTL)
        cache.put("nodns.test", CachedEvidence(evidence().registration, None, CHECKED), HEALTHY_TTL)
    with Cache.open(tmp_path) as reopened:
        assert reopened.warnings == []
        assert reopened.get("example.com", CHECKED) == evidence()
        nodns = reopened.get("nodns.test", CHECKED)
        assert nodns is not None
        assert nodns.dns is None
        assert reopened.get("other.com", CHECKED) is None


def test_the_same_name_in_any_case_or_with_a_root_dot_is_one_entry(tmp_path: Path) -> None:
    with Cache.open(tmp_path) as cache:
        cache.put("Example.COM.", evidence(), HEALTHY_TTL)
        assert cache.get("example.com", CHECKED) == evidence()


def test_a_newer_answer_replaces_the_older_one(tmp_path: Path) -> None:
    later = CHECKED + timedelta(minutes=5)
    with Cache.open(tmp_path) as cache:
        cache.put("example.com", evidence(), HEALTHY_TTL)
        cache.put("example.com", evidence(checked_at=later), AT_RISK_TTL)
        found = cache.get("example.com", later)
        assert found is not None
        assert found.checked_at == later


@pytest.mark.parametrize("ttl", [AT_RISK_TTL, HEALTHY_TTL])
def test_entries_expire_ttl_seconds_after_they_were_checked(tmp_path: Path, ttl: int) -> None:
    with Cache.open(tmp_path) as cache:
        cache.put("example.com", evidence(), ttl)
        assert cache.get("example.com", CHECKED + timedelta(seconds=ttl - 1)) is not None
        assert cache.get("example.com", CHECKED + timedelta(seconds=ttl)) is None
        assert cache.get("example.com", CHECKED + timedelta(seconds=ttl + 1)) is None


def test_at_risk_answers_are_kept_for_a_shorter_time_than_healthy_ones() -> None:
    assert AT_RISK_TTL <= 3600 < HEALTHY_TTL <= 86400


def test_expired_entries_are_dropped_from_the_file_on_open(tmp_path: Path) -> None:
    long_ago = datetime.now(timezone.utc) - timedelta(days=3)
    with Cache.open(tmp_path) as cache:
        cache.put("old.test", evidence("old.test", checked_at=long_ago), HEALTHY_TTL)
        cache.put("fresh.test", evidence("fresh.test", checked_at=long_ago), 10 * HEALTHY_TTL)
        cache.put_blob("old", b"x", 1, now=long_ago)
    Cache.open(tmp_path).close()
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as db:
        assert db.execute("SELECT domain FROM evidence").fetchall() == [("fresh.test",)]
        assert db.execute("SELECT count(*) FROM blobs").fetchone() == (0,)


def test_blobs_round_trip_exact_bytes_until_they_expire(tmp_path: Path) -> None:
    value = bytes(range(256)) * 4096  # 1 MiB with NUL bytes
    with Cache.open(tmp_path) as cache:
        cache.put_blob("rdap-bootstrap", value, 86400, now=CHECKED)
        assert cache.get_blob("rdap-bootstrap", now=CHECKED + timedelta(hours=23)) == value
        assert cache.get_blob("rdap-bootstrap", now=CHECKED + timedelta(hours=24)) is None
        assert cache.get_blob("pypi/requests", now=CHECKED) is None


def test_blob_expiry_defaults_to_the_clock(tmp_path: Path) -> None:
    with Cache.open(tmp_path) as cache:
        cache.put_blob("fresh", b"1", 600)
        cache.put_blob("stale", b"2", -1)
        assert cache.get_blob("fresh") == b"1"
        assert cache.get_blob("stale") is None


def test_the_default_directory_is_the_user_cache_dir(tmp_path: Path) -> None:
    # conftest points XDG_CACHE_HOME at tmp_path / "xdg-cache".
    with Cache.open(None) as cache:
        assert cache.enabled
        cache.put("example.com", evidence(), HEALTHY_TTL)
    assert (tmp_path / "xdg-cache" / "domain-guard" / CACHE_FILENAME).is_file()


def test_the_file_uses_the_wal_journal_and_a_schema_version(tmp_path: Path) -> None:
    Cache.open(tmp_path).close()
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


# --- failures are never cached --------------------------------------------------------------


def test_a_lookup_failure_cannot_be_cached(tmp_path: Path) -> None:
    failure = LookupFailure(ReasonCode.LOOKUP_FAILED, "HTTP 503", url="https://rdap.test/x")
    with pytest.raises(TypeError, match="only a Registration"):
        CachedEvidence(failure, None, CHECKED)  # type: ignore[arg-type]
    with Cache.open(tmp_path) as cache:
        with pytest.raises(TypeError, match="only CachedEvidence"):
            cache.put("example.com", failure, HEALTHY_TTL)  # type: ignore[arg-type]
        assert cache.get("example.com", CHECKED) is None
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as db:
        assert db.execute("SELECT count(*) FROM evidence").fetchone() == (0,)


# --- the disabled cache ---------------------------------------------------------------------


def test_the_disabled_cache_stores_nothing_and_says_nothing() -> None:
    cache = Cache.disabled()
    cache.put("example.com", evidence(), HEALTHY_TTL)
    cache.put_blob("key", b"value", 60)
    assert not cache.enabled
    assert cache.get("example.com", CHECKED) is None
    assert cache.get_blob("key") is None
    assert cache.warnings == []


# --- corrupt files ------------------------------------------------------------------------


def test_a_truncated_file_is_reported_once_and_rebuilt(tmp_path: Path) -> None:
    populate(tmp_path, 300)
    path = tmp_path / CACHE_FILENAME
    data = path.read_bytes()
    assert len(data) > 8192
    path.write_bytes(data[: len(data) // 2])

    cache = Cache.open(tmp_path)
    assert len(cache.warnings) == 1
    assert str(path) in cache.warnings[0]
    assert (tmp_path / (CACHE_FILENAME + ".corrupt")).read_bytes() == data[: len(data) // 2]
    assert cache.get("domain1.test", CHECKED) is None  # the old entries are gone, not misread
    assert_works(cache)
    cache.close()

    with Cache.open(tmp_path) as again:
        assert again.warnings == []
        assert again.get("works.test", CHECKED) == evidence("works.test")


def test_a_file_of_garbage_bytes_is_reported_once_and_rebuilt(tmp_path: Path) -> None:
    garbage = random.Random(1).randbytes(16384)
    (tmp_path / CACHE_FILENAME).write_bytes(garbage)
    (tmp_path / (CACHE_FILENAME + "-wal")).write_bytes(garbage[:5000])

    cache = Cache.open(tmp_path)
    assert len(cache.warnings) == 1
    assert "unusable" in cache.warnings[0]
    assert_works(cache)
    cache.close()
    with Cache.open(tmp_path) as again:
        assert again.warnings == []
        assert again.get("works.test", CHECKED) == evidence("works.test")


def _sqlite_file(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


@pytest.mark.parametrize(
    "statements",
    [
        (f"PRAGMA user_version = {SCHEMA_VERSION + 1}",),
        ("CREATE TABLE evidence (name TEXT)", f"PRAGMA user_version = {SCHEMA_VERSION}"),
        ("CREATE TABLE contacts (email TEXT)",),
    ],
    ids=["other-version", "other-columns", "foreign-database"],
)
def test_a_database_with_another_schema_is_reported_and_rebuilt(
    tmp_path: Path, statements: tuple[str, ...]
) -> None:
    _sqlite_file(tmp_path / CACHE_FILENAME, *statements)
    cache = Cache.open(tmp_path)
    assert len(cache.warnings) == 1
    assert (tmp_path / (CACHE_FILENAME + ".corrupt")).is_file()
    assert_works(cache)
    cache.close()


def test_an_entry_this_version_cannot_read_is_a_miss(tmp_path: Path) -> None:
    Cache.open(tmp_path).close()
    far = CHECKED.timestamp() + 10 * HEALTHY_TTL
    stamp = format_datetime(CHECKED)
    _sqlite_file(
        tmp_path / CACHE_FILENAME,
        f"INSERT INTO evidence VALUES ('bad-json.test', '{{not json', '{stamp}', {far})",
        "INSERT INTO evidence VALUES ('bad-shape.test', '{\"registration\": 1, \"dns\": null}',"
        f" '{stamp}', {far})",
        f"INSERT INTO evidence VALUES ('bad-type.test', 42, '{stamp}', {far})",
        f"INSERT INTO blobs VALUES ('text-blob', 'not bytes', {far})",
    )
    with Cache.open(tmp_path) as cache:
        for domain in ("bad-json.test", "bad-shape.test", "bad-type.test"):
            assert cache.get(domain, CHECKED) is None
        assert cache.get_blob("text-blob", now=CHECKED) is None
        assert cache.enabled
        assert cache.warnings == []


# --- unusable places and write faults -------------------------------------------------------


def test_a_directory_that_cannot_be_created_disables_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    directory = blocker / "cache"  # fails even for root: the parent is a regular file
    cache = Cache.open(directory)
    assert not cache.enabled
    assert len(cache.warnings) == 1
    assert str(directory) in cache.warnings[0]
    cache.put("example.com", evidence(), HEALTHY_TTL)
    cache.put_blob("key", b"value", 60)
    assert cache.get("example.com", CHECKED) is None
    assert len(cache.warnings) == 1


def test_a_directory_in_place_of_the_file_disables_the_cache(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILENAME).mkdir()
    cache = Cache.open(tmp_path)
    assert not cache.enabled
    assert len(cache.warnings) == 1
    assert (tmp_path / CACHE_FILENAME).is_dir()  # nothing of the user's is moved or deleted


def test_a_write_lock_held_past_the_timeout_disables_the_cache_once(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path, busy_timeout=0.2)
    cache.put("example.com", evidence(), HEALTHY_TTL)
    other = sqlite3.connect(tmp_path / CACHE_FILENAME, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process is writing and does not let go
    try:
        # WAL: readers go on while another connection writes.
        assert cache.get("example.com", CHECKED) == evidence()
        cache.put("second.test", evidence("second.test"), HEALTHY_TTL)
        assert not cache.enabled
        assert len(cache.warnings) == 1
        assert "locked" in cache.warnings[0]
        cache.put("third.test", evidence("third.test"), HEALTHY_TTL)
        cache.put_blob("key", b"value", 60)
        assert cache.get("example.com", CHECKED) is None
        assert len(cache.warnings) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()


def run_python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )


DISK_FULL_CHILD = """
    import json, resource, signal, sys
    from pathlib import Path
    from checker.lookup.cache import Cache

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    cache = Cache.open(Path(sys.argv[1]))
    cache.put_blob("small", b"x" * 100, 600)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
    for index in range(4):
        cache.put_blob(f"large{index}", bytes(1024 * 1024), 600)
    print(json.dumps({"enabled": cache.enabled, "warnings": cache.warnings,
                      "small": cache.get_blob("small")}))
"""


def test_a_full_disk_disables_the_cache_with_one_warning(tmp_path: Path) -> None:
    result = run_python(DISK_FULL_CHILD, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["enabled"] is False
    assert len(outcome["warnings"]) == 1
    assert "cannot write" in outcome["warnings"][0]
    assert outcome["small"] is None  # disabled: nothing more is read from it
    with Cache.open(tmp_path) as cache:  # and the file is still sound for the next run
        assert cache.warnings == []
        assert_works(cache)


# --- two processes --------------------------------------------------------------------------

WRITER_CHILD = """
    import json, sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from checker.lookup.cache import Cache, CachedEvidence, HEALTHY_TTL
    from checker.model import EvidenceSource, Registration

    directory, prefix, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    cache = Cache.open(directory)
    checked = datetime.now(timezone.utc)
    for index in range(200):
        name = f"{prefix}{index}.test"
        registration = Registration(True, EvidenceSource.RDAP, f"https://rdap.test/{name}")
        cache.put(name, CachedEvidence(registration, None, checked), HEALTHY_TTL)
        cache.put_blob(name, name.encode(), HEALTHY_TTL)
    print(json.dumps({"enabled": cache.enabled, "warnings": cache.warnings}))
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER_CHILD), str(tmp_path), prefix, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for prefix in ("first", "second")
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
    go.touch()  # both start on a fresh directory: they also race to create the schema
    for child in children:
        stdout, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr
        assert json.loads(stdout) == {"enabled": True, "warnings": []}

    with Cache.open(tmp_path) as cache:
        for prefix in ("first", "second"):
            for index in range(200):
                name = f"{prefix}{index}.test"
                found = cache.get(name, CHECKED)
                assert found is not None, name
                assert found.registration.url == f"https://rdap.test/{name}"
                assert cache.get_blob(name) == name.encode()
