"""Drift between runs: two runs sharing one cache, with the registry's answer changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from checker.lookup.cache import CACHE_FILENAME, Cache
from checker.lookup.drift import REPORT_DAYS, DriftStore, Snapshot, compare
from checker.lookup.run import run_assessment
from checker.model import DomainResult, ReasonCode, Risk
from checker.settings import LookupSettings
from tests.servers.rdap import FakeRegistry, RdapServer, synthetic_domain

# The cache prunes by the real clock, so the runs are dated around it.
NOW = datetime.now(timezone.utc).replace(microsecond=0)
EARLIER = NOW - timedelta(days=3)
NS = ("ns1.synthetic.example", "ns2.synthetic.example")


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[FakeRegistry, LookupSettings]]:
    with RdapServer() as server:
        org = server.add_registry("pir", ["org"])
        settings = LookupSettings(
            rdap_bootstrap=str(server.write_bootstrap(tmp_path / "bootstrap.json")),
            dns=False,
            cache_dir=tmp_path / "cache",
        )
        yield org, settings


def run(settings: LookupSettings, domain: str, now: datetime) -> DomainResult:
    results, _, _ = run_assessment({domain: [domain]}, settings, now=now, progress=False)
    return results[0]


def two_runs(
    registry: tuple[FakeRegistry, LookupSettings],
    before: dict[str, object],
    after: dict[str, object],
) -> DomainResult:
    """maintainer.org as ``before`` says three days ago, then as ``after`` says now."""
    org, settings = registry
    org.add("maintainer.org", synthetic_domain("maintainer.org", **before))  # type: ignore[arg-type]
    run(settings, "maintainer.org", EARLIER)
    org.add("maintainer.org", synthetic_domain("maintainer.org", **after))  # type: ignore[arg-type]
    return run(settings, "maintainer.org", NOW)


def changed(result: DomainResult) -> list[tuple[Risk, str]]:
    return [(r.risk, r.message) for r in result.reasons if r.code is ReasonCode.CHANGED_HANDS]


def test_a_new_registration_date_between_two_runs_is_critical(
    registry: tuple[FakeRegistry, LookupSettings],
) -> None:
    org, settings = registry
    org.add("maintainer.org", synthetic_domain("maintainer.org"))
    first = run(settings, "maintainer.org", EARLIER)
    assert (first.risk, changed(first)) == (Risk.NONE, [])

    org.add(
        "maintainer.org",
        synthetic_domain("maintainer.org", registration="2026-11-20T10:00:00Z"),
    )
    second = run(settings, "maintainer.org", NOW)

    assert second.risk is Risk.CRITICAL
    [(risk, message)] = changed(second)
    assert risk is Risk.CRITICAL
    assert "from 2015-01-01 to 2026-11-20" in message
    assert f"since the run of {EARLIER:%Y-%m-%d}" in message

    # A re-run answered from the cache still reports the change.
    third = run(settings, "maintainer.org", NOW)
    assert third.cached
    assert changed(third) == [(risk, message)]


def test_registrar_and_nameservers_changing_together_is_high(
    registry: tuple[FakeRegistry, LookupSettings],
) -> None:
    after = {"registrar": "Dropcatch Registrar", "nameservers": ["ns1.other.example"]}
    result = two_runs(registry, {"nameservers": NS}, after)

    [(risk, message)] = changed(result)
    assert (result.risk, risk) == (Risk.HIGH, Risk.HIGH)
    assert "'Synthetic Registrar' to 'Dropcatch Registrar'" in message


def test_a_new_registrar_alone_is_not_a_change_of_hands(
    registry: tuple[FakeRegistry, LookupSettings],
) -> None:
    after = {"registrar": "Transfer Registrar", "nameservers": NS}

    assert two_runs(registry, {"nameservers": NS}, after).risk is Risk.NONE


@pytest.mark.parametrize("state", ["\ufffd not json", '{"seen": 3}', "[]", "{}", "x" * 70000])
def test_a_corrupt_state_is_no_comparison_and_is_replaced(
    registry: tuple[FakeRegistry, LookupSettings], state: str
) -> None:
    org, settings = registry
    assert settings.cache_dir is not None
    with Cache.open(settings.cache_dir) as cache:
        cache.put_drift("maintainer.org", state, 3600, now=NOW)
    org.add("maintainer.org", synthetic_domain("maintainer.org"))

    first = run(settings, "maintainer.org", EARLIER)
    assert (first.risk, changed(first)) == (Risk.NONE, [])

    # The unreadable state was replaced: the next change is seen.
    org.add(
        "maintainer.org", synthetic_domain("maintainer.org", registration="2026-11-20T00:00:00Z")
    )
    assert run(settings, "maintainer.org", NOW).risk is Risk.CRITICAL


def test_without_a_cache_there_is_no_state_and_no_error(tmp_path: Path) -> None:
    with RdapServer() as server:
        org = server.add_registry("pir", ["org"])
        org.add("maintainer.org", synthetic_domain("maintainer.org"))
        settings = LookupSettings(
            rdap_bootstrap=str(server.write_bootstrap(tmp_path / "bootstrap.json")),
            dns=False,
            cache=False,
        )
        run(settings, "maintainer.org", EARLIER)
        org.add(
            "maintainer.org",
            synthetic_domain("maintainer.org", registration="2026-11-20T00:00:00Z"),
        )
        result = run(settings, "maintainer.org", NOW)

    assert (result.risk, changed(result)) == (Risk.NONE, [])


def _shot(seen: datetime, **changes: object) -> Snapshot:
    values: dict[str, object] = {
        "created": datetime(2015, 1, 1, tzinfo=timezone.utc),
        "registrar": "Registrar A",
        "nameservers": ("ns1.a.example",),
        "statuses": ("active",),
        "seen": seen,
    }
    values.update(changes)
    return Snapshot(**values)  # type: ignore[arg-type]


def test_a_few_hours_of_difference_in_the_registration_date_is_not_a_change() -> None:
    before = _shot(EARLIER)
    after = _shot(NOW, created=datetime(2015, 1, 1, 23, tzinfo=timezone.utc))

    assert compare(before, after) is None


def test_missing_evidence_on_either_side_is_no_comparison() -> None:
    before = _shot(EARLIER, created=None, registrar=None)
    after = _shot(NOW, created=datetime(2026, 1, 1, tzinfo=timezone.utc), nameservers=())

    assert compare(before, after) is None


def test_a_change_stops_being_reported_after_the_report_window(tmp_path: Path) -> None:
    with Cache.open(tmp_path) as cache:
        store = DriftStore(cache)
        store.observe("x.org", _shot(NOW - timedelta(days=REPORT_DAYS + 10)))
        seen = NOW - timedelta(days=REPORT_DAYS + 5)
        change = store.observe(
            "x.org", _shot(seen, created=datetime(2026, 1, 1, tzinfo=timezone.utc))
        )
        assert change is not None
        assert change.risk is Risk.CRITICAL
        assert store.recall("x.org", seen + timedelta(days=1)) == change
        assert store.recall("x.org", NOW) is None


def test_a_cache_of_the_previous_version_gets_the_table_and_keeps_its_evidence(
    tmp_path: Path,
) -> None:
    version_1 = sqlite3.connect(tmp_path / CACHE_FILENAME)
    version_1.executescript(
        "CREATE TABLE evidence (domain TEXT PRIMARY KEY, payload TEXT NOT NULL,"
        " checked_at TEXT NOT NULL, expires_at REAL NOT NULL);"
        "CREATE TABLE blobs (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL NOT NULL);"
        "INSERT INTO blobs VALUES ('kept', x'6279746573', 4102444800);"
        "PRAGMA user_version = 1;"
    )
    version_1.close()
    with Cache.open(tmp_path) as cache:
        assert cache.warnings == []
        assert cache.get_blob("kept") == b"bytes"
        DriftStore(cache).observe("x.org", _shot(NOW))
        state = DriftStore(cache).load("x.org")
    assert state is not None
    assert state.snapshot.registrar == "Registrar A"
