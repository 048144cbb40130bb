"""--shard K/N: a stable split by registrable domain, disjoint and complete."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.shard import Shard, parse_shard, shard_of
from tests.schema import report_schema as _schema

runner = CliRunner()
NAMES = ["alpha.org", "beta.com", "gamma.net", "delta.dev", "x@mail.epsilon.io", "zeta.de",
         "eta.co.uk", "theta.fr", "jane@gmail.com"]  # fmt: skip


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_shard_of_is_sha256_based_and_stable_across_runs() -> None:
    # sha256("example.org") starts with 0x1b2ba8e0...: fixed forever, never Python's hash().
    import hashlib

    digest = hashlib.sha256(b"example.org").hexdigest()
    assert shard_of("example.org", 7) == int(digest[:8], 16) % 7 + 1
    assert [shard_of(f"d{i}.org", 4) for i in range(8)] == [
        shard_of(f"d{i}.org", 4) for i in range(8)
    ]
    counts = [0] * 4
    for i in range(4000):
        counts[shard_of(f"domain{i}.org", 4) - 1] += 1
    assert min(counts) > 850  # an even split


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "1/1001", "a/b", "3", "1/2/3", "-1/2"])
def test_parse_shard_rejects_out_of_range_and_malformed(text: str) -> None:
    with pytest.raises(ValueError, match=r"K/N|must be"):
        parse_shard(text)


def test_parse_shard_accepts_bounds() -> None:
    assert parse_shard("1/1") == Shard(1, 1)
    assert parse_shard(" 1000/1000 ") == Shard(1000, 1000)


@pytest.mark.parametrize("text", ["0/4", "5/4", "2-4", "1/1001"])
def test_bad_shard_is_a_usage_error(text: str) -> None:
    result = runner.invoke(app, ["domain", "--offline", "--shard", text, "alpha.org"])
    assert result.exit_code == 2
    assert "--shard" in result.stderr


def _run(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--offline", "--no-cache", "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, object] = json.loads(result.stdout)
    jsonschema.validate(report, _schema())
    return report


def test_shard_reports_are_disjoint_cover_everything_and_record_the_shard() -> None:
    whole = _run(["domain", *NAMES])
    shards = [_run(["domain", "--shard", f"{k}/3", *NAMES]) for k in (1, 2, 3)]
    domains = [[d["domain"] for d in s["domains"]] for s in shards]  # type: ignore[attr-defined]
    contacts = [[c["email"] for c in s["contacts"]] for s in shards]  # type: ignore[attr-defined]
    assert sorted(n for names in domains for n in names) == sorted(
        d["domain"] for d in whole["domains"]
    )  # type: ignore[attr-defined]
    assert sorted(e for emails in contacts for e in emails) == sorted(
        c["email"] for c in whole["contacts"]
    )  # type: ignore[attr-defined]
    assert all(domains), "every shard got some domains"
    for k, shard in enumerate(shards, start=1):
        assert shard["shard"] == {"total": 3, "indexes": [k]}
        for name in domains[k - 1]:
            assert shard_of(name, 3) == k
    assert "shard" not in whole


def test_scan_takes_the_shard_option_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nauthors = [{email = "a@alpha.org"}, {email = "b@beta.com"}]\n'
    )
    found = [
        [d["domain"] for d in _run(["scan", "--shard", f"{k}/2"])["domains"]]  # type: ignore[attr-defined]
        for k in (1, 2)
    ]
    assert sorted(n for names in found for n in names) == ["alpha.org", "beta.com"]
    assert {shard_of("alpha.org", 2), shard_of("beta.com", 2)} == {
        k for k, names in enumerate(found, start=1) if names
    }


def test_shard_comes_from_the_environment() -> None:
    result = runner.invoke(
        app,
        ["domain", "--offline", "-f", "json", *NAMES],
        env={"DOMAIN_GUARD_SHARD": "2/2"},
    )
    assert json.loads(result.stdout)["shard"] == {"total": 2, "indexes": [2]}
