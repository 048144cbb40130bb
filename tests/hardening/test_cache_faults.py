"""The evidence cache under faults, through the real CLI in child processes.

Two processes scanning at once share the cache without loss; a truncated or garbage
file is reported once and rebuilt; a full disk (a 64 KiB tmpfs) and a read-only cache
directory (a read-only tmpfs: ``chmod`` does not stop root) degrade to no cache with one
warning, and the verdicts stay right. The tmpfs tests need ``mount`` (root); they are
skipped where it is not allowed.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.lookup.cache import CACHE_FILENAME
from tests.hardening.cli import CliRun, run_cli
from tests.servers.rdap import RdapServer, synthetic_domain

NAMES = [f"cached-{index}.org" for index in range(120)]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[RdapServer, Path]]:
    with RdapServer() as server:
        org = server.add_registry("pir", ["org"])
        for name in NAMES:
            org.add(name, synthetic_domain(name))
        yield server, server.write_bootstrap(tmp_path / "bootstrap.json")


def domains(
    names: list[str], bootstrap: Path, cache: Path, home: Path, *extra: str
) -> tuple[CliRun, dict[str, str]]:
    run = run_cli(
        ["domain", *names, "--rdap-bootstrap", str(bootstrap), "--cache-dir", str(cache),
         "--no-dns", "--timeout", "5", "-f", "json", "--fail-on", "never", *extra],
        cwd=home.parent, home=home, timeout=90,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert run.escapes == ()
    return run, {d["domain"]: d["risk"] for d in json.loads(run.stdout)["domains"]}


def cache_warnings(run: CliRun) -> list[str]:
    return [line for line in run.stderr.splitlines() if "warning: cache" in line]


def test_two_processes_scanning_at_once_share_the_cache_without_loss(
    registry: tuple[RdapServer, Path], tmp_path: Path
) -> None:
    server, bootstrap = registry
    cache = tmp_path / "cache"
    halves = [NAMES[:80], NAMES[40:]]  # overlapping: both write the middle 40
    runs: list[tuple[CliRun, dict[str, str]]] = [None, None]  # type: ignore[list-item]

    def scan(index: int) -> None:
        runs[index] = domains(halves[index], bootstrap, cache, tmp_path / f"home{index}")

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for run, verdicts in runs:
        assert cache_warnings(run) == []
        assert set(verdicts.values()) == {"none"}
    asked = server.requests
    offline, verdicts = domains(NAMES, bootstrap, cache, tmp_path / "home2", "--offline")
    assert verdicts == dict.fromkeys(NAMES, "none")  # every answer of both runs was kept
    assert server.requests == asked
    assert cache_warnings(offline) == []


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_cache_file_is_reported_once_and_rebuilt(
    registry: tuple[RdapServer, Path], tmp_path: Path, damage: str
) -> None:
    server, bootstrap = registry
    cache = tmp_path / "cache"
    domains(NAMES[:60], bootstrap, cache, tmp_path / "home0")
    path = cache / CACHE_FILENAME
    data = path.read_bytes()
    assert len(data) > 8192
    path.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x13garbage" * 2000)
    for suffix in ("-wal", "-shm"):
        (cache / (CACHE_FILENAME + suffix)).unlink(missing_ok=True)

    first, verdicts = domains(NAMES[:60], bootstrap, cache, tmp_path / "home1")
    assert len(cache_warnings(first)) == 1, first.stderr
    assert "started afresh" in cache_warnings(first)[0]
    assert set(verdicts.values()) == {"none"}  # asked again, not misread
    asked = server.requests
    second, verdicts = domains(NAMES[:60], bootstrap, cache, tmp_path / "home2")
    assert cache_warnings(second) == []
    assert server.requests == asked  # the rebuilt cache answers
    assert set(verdicts.values()) == {"none"}


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_degrades_to_no_cache_with_one_warning(
    registry: tuple[RdapServer, Path], tmp_path: Path, tmpfs: Path
) -> None:
    _, bootstrap = registry
    run, verdicts = domains(NAMES, bootstrap, tmpfs / "cache", tmp_path / "home")
    warnings = cache_warnings(run)
    assert len(warnings) == 1, run.stderr
    assert "full" in warnings[0]
    assert verdicts == dict.fromkeys(NAMES, "none")


@pytest.mark.parametrize("existing", [False, True], ids=["empty-dir", "existing-cache"])
def test_a_read_only_cache_dir_degrades_to_no_cache_with_one_warning(
    registry: tuple[RdapServer, Path], tmp_path: Path, tmpfs: Path, existing: bool
) -> None:
    server, bootstrap = registry
    cache = tmpfs / "cache"
    if existing:
        domains(NAMES[:5], bootstrap, cache, tmp_path / "home0")
    else:
        cache.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    asked = server.requests
    run, verdicts = domains(NAMES[:10], bootstrap, cache, tmp_path / "home1")
    warnings = cache_warnings(run)
    assert len(warnings) == 1, run.stderr
    assert "cache disabled" in warnings[0]
    assert verdicts == dict.fromkeys(NAMES[:10], "none")
    assert server.requests == asked + 10  # no cache: every name was asked
