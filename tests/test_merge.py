"""domain-guard merge: shard reports back into the unsharded report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from checker.cli import app
from checker.codec import report_from_dict
from checker.merge import merge_reports
from checker.model import (
    Contact,
    ContactKind,
    DomainResult,
    EvidenceSource,
    Reason,
    ReasonCode,
    Registration,
    Report,
    Risk,
    Role,
    ScanError,
    SourceKind,
    SourceRef,
)
from checker.pipeline import make_report
from checker.report.json import render, report_to_dict
from checker.shard import Shard, mark_shard, select_contacts, select_domains
from checker.verdict import worst_risk

runner = CliRunner()
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
DOMAINS = [
    "alpha.org",
    "beta.com",
    "gamma.net",
    "delta.dev",
    "eta.co.uk",
    "zeta.de",
    "iota.io",
]

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_moment = st.integers(0, 10**9).map(
    lambda s: datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=s)
)


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    kind = draw(st.sampled_from(ContactKind))
    domain = draw(st.sampled_from(DOMAINS))
    mail_domain = draw(st.sampled_from([domain, f"mail.{domain}"]))
    return Contact(
        email=f"{draw(st.sampled_from(['a', 'b', 'jane']))}@{mail_domain}",
        name=draw(st.none() | _text),
        role=draw(st.sampled_from(Role)),
        kind=kind,
        obfuscated=draw(st.booleans()),
        domain=mail_domain if kind is not ContactKind.INVALID else draw(st.none() | _text),
        registrable_domain=domain if kind is not ContactKind.INVALID else None,
        source=SourceRef(
            kind=draw(st.sampled_from(SourceKind)),
            path=draw(st.none() | st.sampled_from(["pyproject.toml", "a/PKG-INFO"])),
            line=draw(st.none() | st.integers(1, 99)),
            package=draw(st.none() | _text),
            version=draw(st.none() | st.just("1.0")),
            uploaded=draw(st.none() | _moment),
        ),
        note=draw(st.none() | _text),
    )


@st.composite
def reports(draw: st.DrawFn) -> Report:
    found = draw(st.lists(contacts(), max_size=25, unique=True))
    names = sorted({c.registrable_domain for c in found if c.kind is ContactKind.LOOKUP})
    results = []
    for name in names:
        codes = draw(st.lists(st.sampled_from(ReasonCode), max_size=3, unique=True))
        reasons = tuple(Reason(code, draw(_text)) for code in codes)
        risk = worst_risk(reasons)
        # A healthy verdict always rests on a registration answer (reports say so).
        evidence = Registration(True, EvidenceSource.RDAP, f"https://rdap.example/domain/{name}")
        results.append(
            DomainResult(
                name,  # type: ignore[arg-type]
                risk,
                reasons,
                registration=evidence if risk is Risk.NONE or draw(st.booleans()) else None,
                checked_at=draw(st.none() | _moment),
                cached=draw(st.booleans()),
            )
        )
    errors = draw(
        st.lists(
            st.builds(ScanError, path=_text, message=_text, line=st.none() | st.integers(1, 9)),
            max_size=3,
            unique=True,
        )
    )
    return make_report(
        found,
        results,
        errors,
        files_scanned=draw(st.integers(0, 50)),
        roots=["."],
        now=NOW,
    )


def _through_json(report: Report) -> Report:
    return report_from_dict(json.loads(render(report)))


def _split(report: Report, shard: Shard) -> Report:
    """What a --shard run reports: the same selection pipeline.run makes."""
    part = select_contacts(report.contacts, shard)
    results = select_domains({r.domain: r for r in report.domains}, shard)
    return mark_shard(
        make_report(
            part,
            list(results.values()),
            report.errors,
            files_scanned=report.files_scanned,
            roots=report.roots,
            now=report.generated_at,
        ),
        shard,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports(), total=st.integers(1, 5))
def test_split_into_shards_then_merged_equals_the_unsharded_report(
    report: Report, total: int
) -> None:
    whole = _through_json(report)
    assert report_to_dict(whole) == report_to_dict(report)  # the reader inverts the writer
    shards = [_through_json(_split(report, Shard(k, total))) for k in range(1, total + 1)]
    merged = merge_reports([(f"s{i}.json", s) for i, s in enumerate(reversed(shards))])
    assert merged.warnings == ()
    assert merged.coverage is not None
    assert merged.coverage.complete
    expected = merge_reports([("whole.json", whole)]).report
    assert report_to_dict(merged.report) == report_to_dict(expected)
    # ... and that canonical order aside, it is the unsharded report itself
    got, want = report_to_dict(merged.report), report_to_dict(report)
    for key in ("contacts", "errors"):
        key_of = lambda item: json.dumps(item, sort_keys=True)  # noqa: E731
        assert sorted(got.pop(key), key=key_of) == sorted(want.pop(key), key=key_of)
    assert got == want


# --- the command ---------------------------------------------------------------------


NAMES = ["alpha.org", "beta.com", "gamma.net", "delta.dev", "eta.co.uk", "zeta.de"]


@pytest.fixture
def shard_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.chdir(tmp_path)
    files = []
    for k in (1, 2, 3):
        path = tmp_path / f"shard{k}.json"
        result = runner.invoke(
            app,
            ["domain", "--offline", "--no-cache", "-f", "json", "-o", str(path),
             "--shard", f"{k}/3", *NAMES],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        files.append(path)
    return files


def test_merge_of_every_shard_is_the_whole_run_in_any_format(
    shard_files: list[Path],
) -> None:
    whole = runner.invoke(app, ["domain", "--offline", "--no-cache", "-f", "json", *NAMES])
    merged = runner.invoke(app, ["merge", *map(str, reversed(shard_files)), "-f", "json"])
    assert merged.exit_code == 0, merged.output
    got, want = json.loads(merged.stdout), json.loads(whole.stdout)
    got.pop("generated_at"), want.pop("generated_at")
    assert got == want
    sarif = runner.invoke(app, ["merge", *map(str, shard_files), "-f", "sarif"])
    assert json.loads(sarif.stdout)["version"] == "2.1.0"


def test_merge_applies_the_exit_code_rules(shard_files: list[Path]) -> None:
    files = list(map(str, shard_files))
    assert runner.invoke(app, ["merge", *files, "--fail-on-unknown"]).exit_code == 1
    Path("pyproject.toml").write_text(
        "[tool.domain-guard]\nfail-on-unknown = true\n"
        + "".join(f'[[tool.domain-guard.ignore]]\ndomain = "{n}"\nreason = "ours"\n' for n in NAMES)
    )
    result = runner.invoke(app, ["merge", *files, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert {d["domain"] for d in json.loads(result.stdout)["ignored"]} == set(NAMES)


def test_a_missing_shard_is_exit_3_unless_allowed(shard_files: list[Path]) -> None:
    files = [str(shard_files[0]), str(shard_files[2])]
    result = runner.invoke(app, ["merge", *files, "-f", "json"])
    assert result.exit_code == 3
    assert "missing: 2/3" in result.stderr
    report = json.loads(result.stdout)
    assert report["shard"] == {"total": 3, "indexes": [1, 3]}
    assert report["errors"] == [
        {
            "path": "shard 2/3",
            "line": None,
            "message": "no report for this shard was merged",
        }
    ]
    allowed = runner.invoke(app, ["merge", *files, "--allow-partial", "-f", "json"])
    assert allowed.exit_code == 0
    assert "missing: 2/3" in allowed.stderr
    assert json.loads(allowed.stdout)["errors"] == []


def test_shards_of_different_splits_are_a_usage_error(
    shard_files: list[Path], tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    runner.invoke(
        app, ["domain", "--offline", "--no-cache", "-f", "json", "-o", str(other),
              "--shard", "1/2", *NAMES],
    )  # fmt: skip
    result = runner.invoke(app, ["merge", str(shard_files[0]), str(other)])
    assert result.exit_code == 2
    assert "other.json covers shards of 2" in result.stderr


def test_ignores_recorded_in_a_shard_apply_to_the_merged_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the test writes ./pyproject.toml
    Path("pyproject.toml").write_text(
        '[[tool.domain-guard.ignore]]\ndomain = "alpha.org"\nreason = "held by us"\n'
    )
    shard = tmp_path / "s.json"
    runner.invoke(app, ["domain", "--offline", "--no-cache", "-f", "json", "-o", str(shard),
                        "alpha.org"])  # fmt: skip
    Path("pyproject.toml").unlink()
    result = runner.invoke(app, ["merge", str(shard), "-f", "json", "--fail-on-unknown"])
    assert result.exit_code == 0, result.output
    (ignored,) = json.loads(result.stdout)["ignored"]
    assert ignored["ignored_by"][0]["reason"] == "held by us"


def test_conflicting_verdicts_keep_the_worse_one(shard_files: list[Path]) -> None:
    data = json.loads(shard_files[0].read_text())
    data.pop("shard")
    name = data["domains"][0]["domain"]
    gone = {"code": "unregistered", "risk": "critical", "message": "gone"}
    worse = dict(data["domains"][0], risk="critical", reasons=[gone])
    by_risk = dict.fromkeys(data["summary"]["by_risk"], 0) | {"critical": 1}
    judged = dict(domains=1, by_risk=by_risk, highest_risk="critical")
    other = dict(data, domains=[worse], summary=dict(data["summary"], **judged))
    first, second = Path("a.json"), Path("b.json")
    first.write_text(json.dumps(data))
    second.write_text(json.dumps(other))
    for order in ([first, second], [second, first]):
        result = runner.invoke(app, ["merge", *map(str, order), "-f", "json"])
        assert result.exit_code == 1
        (kept,) = [d for d in json.loads(result.stdout)["domains"] if d["domain"] == name]
        assert kept["risk"] == "critical"
        assert f"{name} is judged in both" in result.stderr


def test_re_merging_a_partial_merge_with_its_missing_shard_is_complete() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def shard(k: int) -> Report:
        empty = Report(contacts=(), domains=(), errors=(), generated_at=now, roots=("x",))
        return mark_shard(empty, Shard(k, 2))

    partial = merge_reports([("s1", shard(1))]).report
    assert [e.path for e in partial.errors] == ["shard 2/2"]
    full = merge_reports([("partial", partial), ("s2", shard(2))])
    assert full.coverage is not None
    assert full.coverage.complete
    assert full.report.errors == ()
