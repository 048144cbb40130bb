"""The scan command: report contract, exit codes, environment variables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from checker.cli import app
from tests.schema import report_schema as _schema

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nauthors = [{name = "Jane", email = "jane@janedoe.dev"}]\n'
        'maintainers = [{email = "x@gmail.com"}, {email = "y@example.com"}]\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_offline_json_report_validates_and_marks_lookups_unknown(project: Path) -> None:
    result = runner.invoke(app, ["scan", "--offline", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, _schema())
    assert report["schema_version"] == 1
    assert [(c["email"], c["kind"]) for c in report["contacts"]] == [
        ("jane@janedoe.dev", "lookup"),
        ("x@gmail.com", "provider"),
        ("y@example.com", "invalid"),
    ]
    (domain,) = report["domains"]
    assert domain["domain"] == "janedoe.dev"
    assert domain["risk"] == "unknown"
    assert [r["code"] for r in domain["reasons"]] == ["offline"]
    assert report["summary"]["by_risk"]["unknown"] == 1
    assert report["contacts"][0]["source"] == {
        "kind": "pyproject", "path": "pyproject.toml", "line": 3, "package": "demo"
    }  # fmt: skip


def test_environment_variable_sets_an_option_and_the_command_line_wins(project: Path) -> None:
    env = {"DOMAIN_GUARD_OFFLINE": "1", "DOMAIN_GUARD_FORMAT": "json"}
    result = runner.invoke(app, ["scan"], env=env)
    assert json.loads(result.stdout)["domains"][0]["reasons"][0]["code"] == "offline"
    result = runner.invoke(app, ["scan", "--format", "text"], env=env)
    assert result.stdout.startswith("domain-guard ")


def test_output_file_gets_the_report(project: Path) -> None:
    result = runner.invoke(app, ["scan", "--offline", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads((project / "out.json").read_text())["summary"]["contacts"] == 3


def test_unreadable_input_exits_3_and_still_reports_the_rest(project: Path) -> None:
    (project / "broken").mkdir()
    (project / "broken" / "setup.cfg").write_text("no section header\n")
    result = runner.invoke(app, ["scan", "--offline", "-f", "json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["errors"] == [
        {"path": "broken/setup.cfg", "line": 1, "message": report["errors"][0]["message"]}
    ]
    assert report["summary"]["contacts"] == 3
    assert "broken/setup.cfg:1:" in result.stderr


def test_usage_errors_exit_2(project: Path) -> None:
    assert runner.invoke(app, ["scan", "--fail-on", "sometimes"]).exit_code == 2
    assert runner.invoke(app, ["scan", "--no-such-option"]).exit_code == 2


def test_text_output_has_no_colour_when_not_a_terminal(project: Path) -> None:
    result = runner.invoke(app, ["scan", "--offline"])
    assert "\x1b[" not in result.stdout
    assert "janedoe.dev" in result.stdout
    assert "unknown" in result.stdout


def test_rich_markup_in_untrusted_text_is_printed_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = tmp_path / "[bold red]evil[blink]"
    evil.mkdir()
    (evil / "setup.cfg").write_text("no header [link=https://x.invalid]x[/link]\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", "--offline"])
    assert "error: [bold red]evil[blink]/setup.cfg:1:" in result.stdout


def test_python_dash_m_runs_the_same_cli(project: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "checker", "scan", "--offline", "-f", "json"],
        capture_output=True, text=True, check=False, cwd=project,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["tool"]["name"] == "domain-guard"
    assert "Traceback" not in completed.stderr


def test_version_option() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("domain-guard 0.")


def test_config_file_sets_threshold_providers_excludes_and_ignores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n'
        'authors = [{email = "a@corp-mail.net"}, {email = "b@old-domain.org"}]\n'
        "[tool.domain-guard]\nproviders = ['corp-mail.net']\nexclude = ['vendored']\n"
        "fail-on-unknown = true\n"
        "[[tool.domain-guard.ignore]]\ndomain = 'old-domain.org'\n"
        "reason = 'we own it via the parent company'\n"
    )
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "setup.cfg").write_text("[metadata]\nauthor_email = v@vendored.org\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", "--offline", "-f", "json"])
    report = json.loads(result.stdout)
    jsonschema.validate(report, _schema())
    assert [(c["email"], c["kind"]) for c in report["contacts"]] == [
        ("a@corp-mail.net", "provider"),
        ("b@old-domain.org", "lookup"),
    ]
    assert report["domains"] == []
    (ignored,) = report["ignored"]
    assert ignored["domain"] == "old-domain.org"
    assert ignored["ignored_by"][0]["reason"] == "we own it via the parent company"
    assert result.exit_code == 0
    # the same unknown domain fails the run once it is no longer ignored
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nauthors = [{email = "b@old-domain.org"}]\n'
        "[tool.domain-guard]\nfail-on-unknown = true\n"
    )
    assert runner.invoke(app, ["scan", "--offline"]).exit_code == 1
    assert runner.invoke(app, ["scan", "--offline", "--no-fail-on-unknown"]).exit_code == 0


def test_bad_config_is_a_usage_error_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".domain-guard.yml").write_text("fail-on: high\nexpiry-windw: 3\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", "--offline"])
    assert result.exit_code == 2
    assert ".domain-guard.yml:2" in result.stderr
    assert "Traceback" not in result.output


def test_every_format_is_reachable_from_the_command_line(project: Path) -> None:
    schema = json.loads(
        (Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text()
    )
    sarif = runner.invoke(app, ["scan", "--offline", "-f", "sarif"])
    assert sarif.exit_code == 0
    document = json.loads(sarif.stdout)
    jsonschema.validate(document, schema)
    (result,) = document["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == (
        "pyproject.toml",
        3,
    )
    markdown = runner.invoke(app, ["scan", "--offline", "-f", "markdown"])
    assert "janedoe.dev" in markdown.stdout
    assert "|" in markdown.stdout
    github = runner.invoke(app, ["scan", "--offline", "-f", "github"])
    assert "::notice file=pyproject.toml,line=3," in github.stdout
