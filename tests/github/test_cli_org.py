"""The ``org`` command end to end against the loopback GitHub fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from tests.servers.github import Canned, FakeGitHub
from tests.servers.github_org import FakeOrgGraphQL, FakeRepo

TOKEN = "ghp_TESTTOKENabc123def456ghi789jkl012mno"
runner = CliRunner()
WIDGETS = '[project]\nname = "widgets"\nauthors = [{name = "Jane", email = "jane@janedoe.dev"}]\n'
GADGETS = "[metadata]\nname = gadgets\nauthor_email = bob@gmail.com\n"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as github:
        yield github


@pytest.fixture
def github(server: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """The module's server with a fresh organisation; issues persist across tests."""
    server.requests.clear()
    server.contents.clear()
    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme",
        [
            FakeRepo("widgets", files={"pyproject.toml": WIDGETS}),
            FakeRepo("gadgets", files={"setup.cfg": GADGETS}),
            FakeRepo("attic", files={"setup.cfg": GADGETS}, archived=True),
        ],
    )
    fake.install(server)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_API_URL", server.endpoints.api_url)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", server.endpoints.graphql_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return server


def _issue_writes(github: FakeGitHub) -> int:
    return sum(1 for r in github.writes() if r.path != "/api/graphql")


def _org(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["org", *args, "--offline", "--no-cache"])
    return result.exit_code, result.stdout, result.stderr


def test_json_report_names_the_repository_of_every_contact(github: FakeGitHub) -> None:
    code, out, err = _org("acme", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["roots"] == ["github:acme"]
    assert {
        (c["email"], c["source"]["repository"], c["source"]["path"]) for c in report["contacts"]
    } == {
        ("jane@janedoe.dev", "acme/widgets", "pyproject.toml"),
        ("bob@gmail.com", "acme/gadgets", "setup.cfg"),
    }
    assert [d["domain"] for d in report["domains"]] == ["janedoe.dev"]
    assert "acme: 2 repositories scanned (left out: archived, forks)" in err
    assert "GitHub requests: 1 GraphQL, 0 REST" in err


def test_the_token_never_appears_in_output_report_or_errors(github: FakeGitHub) -> None:
    hostile = {
        "data": None,
        "errors": [{"message": f"token {TOKEN} is not allowed", "type": "FORBIDDEN"}],
    }
    code, out, err = _org("acme", "--format", "json", "--output", "report.json")
    assert code == 0
    report_text = Path("report.json").read_text()
    github.queue(Canned(200, hostile), path="/api/graphql")
    failed_code, failed_out, failed_err = _org("acme")
    assert failed_code == 3
    assert "***" in failed_err  # GitHub's message is shown, with the token scrubbed
    help_text = runner.invoke(app, ["org", "--help"]).stdout
    for text in (out, err, report_text, failed_out, failed_err, help_text):
        assert TOKEN not in text
        assert TOKEN[4:20] not in text
    assert all(
        r.headers.get("authorization") == f"Bearer {TOKEN}" for r in github.requests
    )  # it was really used


def test_unknown_organisation_is_a_usage_error_with_a_clear_message(github: FakeGitHub) -> None:
    code, _, err = _org("nobody-here")
    assert code == 2
    assert "no GitHub organisation or user named 'nobody-here'" in err


def test_a_login_that_cannot_be_a_github_name_is_a_usage_error(github: FakeGitHub) -> None:
    code, _, err = _org("acme/../x")
    assert code == 2
    assert "not a GitHub organisation or user name" in err
    assert github.requests == []


def test_missing_token_is_a_usage_error(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = _org("acme")
    assert code == 2
    assert "needs a GitHub token" in err
    assert github.requests == []


def test_bad_credentials_stop_the_scan_without_a_report(github: FakeGitHub) -> None:
    result = runner.invoke(
        app, ["org", "acme", "--offline", "--no-cache", "--token", "ghp_wrong0123456789"]
    )
    assert result.exit_code == 3
    assert "401" in result.stderr
    assert "ghp_wrong0123456789" not in result.stderr
    assert result.stdout == ""


def test_repo_filter_and_include_archived(github: FakeGitHub) -> None:
    code, out, _ = _org("acme", "--format", "json", "--include-archived", "--repo-filter", "a*")
    assert code == 0
    report = json.loads(out)
    assert {c["source"]["repository"] for c in report["contacts"]} == {"acme/attic"}


def test_open_issues_opens_one_issue_per_affected_repository_once(github: FakeGitHub) -> None:
    args = ("acme", "--open-issues", "--fail-on-unknown", "--format", "json")
    code, _, err = _org(*args)
    assert code == 1  # offline: janedoe.dev is unknown, and unknown fails here
    assert "issue opened: acme/widgets #1" in err
    (issue,) = github.issues("acme/widgets")
    assert issue["state"] == "open"
    assert [label["name"] for label in issue["labels"]] == ["domain-guard"]
    assert "janedoe.dev" in issue["body"]
    assert github.issues("acme/gadgets") == []  # only a provider address there
    assert github.issues("acme/attic") == []
    writes = _issue_writes(github)
    assert writes == 1
    code, _, err = _org(*args)
    assert code == 1
    assert len(github.issues("acme/widgets")) == 1
    assert _issue_writes(github) == writes  # unchanged findings: nothing written


def test_issue_repo_keeps_one_tracking_issue_for_the_organisation(github: FakeGitHub) -> None:
    code, _, _ = _org("acme", "--issue-repo", "acme/security", "--fail-on-unknown")
    assert code == 1
    (issue,) = github.issues("acme/security")
    assert "organization:acme" in issue["body"]
    assert "janedoe.dev" in issue["body"]
    assert _issue_writes(github) == 1  # no issue anywhere else
