"""The strict JSON report reader behind ``merge``: a bad file is a usage error naming it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.codec import report_from_dict

runner = CliRunner()


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app,
        ["domain", "--offline", "--no-cache", "-f", "json", "alpha.org", "x@gmail.com"],
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _garble(data: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    *parents, last = path.split(".")
    target: Any = copy
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return copy


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("schema_version", 2, "schema_version: expected 1"),
        ("schema_version", True, "schema_version: expected 1"),
        ("tool.name", "other", "tool.name"),
        ("contacts", KeyError, "missing key 'contacts'"),
        ("contacts.0.role", "owner", "contacts[0].role: unknown value 'owner'"),
        (
            "contacts.0.source.line",
            0,
            "contacts[0].source.line: expected an integer >= 1",
        ),
        ("contacts.0.source.uploaded", "yesterday", "contacts[0].source.uploaded"),
        ("domains.0.risk", "none", "domains[0].risk: 'none' is not the worst risk"),
        (
            "domains.0.reasons.0.code",
            "hacked",
            "domains[0].reasons[0].code: unknown value",
        ),
        ("domains.0.reasons.0.risk", "low", "domains[0].reasons[0].risk"),
        ("domains.0.checked_at", "2026-13-01", "domains[0].checked_at"),
        ("domains.0.contacts", -1, "domains[0].contacts"),
        ("errors", {}, "errors: expected a list"),
        ("summary.domains", 5, "summary.domains: does not match"),
        ("generated_at", "2026-11-21", "generated_at: not an ISO 8601"),
        ("roots", [7], "roots[0]: expected a string"),
    ],
)
def test_garbled_field_is_named(
    report: dict[str, Any], path: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=r".") as info:
        report_from_dict(_garble(report, path, value))
    assert message in str(info.value)


def test_an_unreadable_report_is_a_usage_error_naming_the_file(
    report: dict[str, Any], tmp_path: Path
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(report))
    for name, content in [
        ("truncated.json", json.dumps(report)[:-40]),
        ("v2.json", json.dumps(dict(report, schema_version=2))),
        ("list.json", "[]"),
        ("latin1.json", "\udcff"),
    ]:
        bad = tmp_path / name
        bad.write_bytes(content.encode("utf-8", "surrogateescape"))
        result = runner.invoke(app, ["merge", str(good), str(bad)])
        assert result.exit_code == 2, (name, result.output)
        assert f"{bad}: " in result.stderr


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("future", "report: unexpected key 'future'"),
        ("contacts.0.future", "contacts[0]: unexpected key 'future'"),
        ("domains.0.reasons.0.future", "domains[0].reasons[0]: unexpected key 'future'"),
    ],
)
def test_a_member_this_release_does_not_write_is_refused_not_dropped(
    report: dict[str, Any], path: str, message: str
) -> None:
    # Merging would re-write the report without it: refusing is the only faithful answer.
    with pytest.raises(ValueError, match=re.escape(message)):
        report_from_dict(_garble(report, path, {"anything": 1}))


@pytest.mark.parametrize(
    "path",
    ["contacts.0.note", "domains.0.cached", "domains.0.reasons.0.risk", "summary.files_scanned"],
)
def test_a_member_the_writer_always_writes_is_required(report: dict[str, Any], path: str) -> None:
    *_, key = path.split(".")
    with pytest.raises(ValueError, match=f"missing key '{key}'"):
        report_from_dict(_garble(report, path, KeyError))


def test_a_summary_that_does_not_follow_from_the_lists_is_refused(
    report: dict[str, Any],
) -> None:
    with pytest.raises(ValueError, match=r"summary\.by_risk: does not match"):
        report_from_dict(_garble(report, "summary.by_risk.critical", 3))


def test_a_fifo_named_as_a_report_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    from checker.merge import read_report

    fifo = tmp_path / "shard-1.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        read_report(fifo)


def test_a_report_of_millions_of_empty_objects_is_refused_before_parsing(tmp_path: Path) -> None:
    from checker.merge import MAX_REPORT_CONTAINERS, read_report

    bomb = tmp_path / "bomb.json"
    bomb.write_bytes(b"[" + b"{}," * (MAX_REPORT_CONTAINERS + 1) + b"{}]")
    with pytest.raises(ValueError, match="objects and arrays; not read"):
        read_report(bomb)
