"""``merge --open-issues`` / ``--issue-repo``: the issues of a sharded organisation scan are
kept from the merged report, exactly as ``org`` keeps them (loopback GitHub fake)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.github.issues import marker
from tests.servers.github import Canned, FakeGitHub
from tests.servers.github_org import FakeOrgGraphQL

TOKEN = "ghp_MERGEISSUEStoken0123456789abcdefghijk"
READ_ONLY = "ghp_READONLYtoken0123456789abcdefghijklmn"
runner = CliRunner()
# janedoe.dev falls in shard 1 of 2, bobsmith.org in shard 2 (tests/github/test_org_shard.py).
WIDGETS = '[project]\nname = "widgets"\nauthors = [{email = "jane@janedoe.dev"}]\n'
GADGETS = "[metadata]\nname = gadgets\nauthor_email = bob@bobsmith.org\n"
QUIET = "[metadata]\nname = quiet\nauthor_email = q@gmail.com\n"


def _organisation() -> FakeOrgGraphQL:
    from tests.servers.github_org import FakeRepo

    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme",
        [
            FakeRepo("widgets", files={"pyproject.toml": WIDGETS}),
            FakeRepo("gadgets", files={"setup.cfg": GADGETS}),
            FakeRepo("quiet", files={"setup.cfg": QUIET}),
        ],
    )
    return fake


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shard reports 1/2 and 2/2 of an ``org`` scan, and two reports that are not."""
    folder = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch, FakeGitHub(token=TOKEN) as github:
        _organisation().install(github)
        patch.chdir(folder)
        patch.setenv("GITHUB_API_URL", github.endpoints.api_url)
        patch.setenv("GITHUB_GRAPHQL_URL", github.endpoints.graphql_url)
        patch.setenv("GITHUB_TOKEN", TOKEN)
        for k in (1, 2):
            code, _, err = _run(
                "org", "acme", "--shard", f"{k}/2", "--offline", "--no-cache",
                "--format", "json", "--output", f"s{k}.json",
            )  # fmt: skip
            assert code == 0, err
        code, _, err = _run(
            "domain", "jane@janedoe.dev", "--offline", "--no-cache",
            "--format", "json", "--output", "domain.json",
        )  # fmt: skip
        assert code == 0, err
        (folder / "project").mkdir()
        (folder / "project" / "setup.cfg").write_text(QUIET)
        code, _, err = _run(
            "scan", "project", "--offline", "--no-cache", "--format", "json",
            "--output", "project.json",
        )  # fmt: skip
        assert code == 0, err
    return folder


@pytest.fixture
def github(reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """A fresh GitHub (no issues yet) and a working directory holding the reports."""
    with FakeGitHub(token=TOKEN, read_only_tokens=frozenset({READ_ONLY})) as server:
        _organisation().install(server)
        for report in reports.glob("*.json"):
            (tmp_path / report.name).write_bytes(report.read_bytes())
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("GITHUB_API_URL", server.endpoints.api_url)
        monkeypatch.setenv("GITHUB_GRAPHQL_URL", server.endpoints.graphql_url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        yield server


def _merge(*args: str) -> tuple[int, str, str]:
    return _run("merge", "s1.json", "s2.json", *args)


def _issue_writes(github: FakeGitHub) -> int:
    return sum(1 for r in github.writes() if r.path != "/api/graphql")


def test_issue_repo_opens_one_tracking_issue_and_an_identical_merge_writes_nothing(
    github: FakeGitHub,
) -> None:
    code, _, err = _merge("--issue-repo", "acme/security", "--fail-on-unknown")
    assert code == 1  # offline: both domains unknown, and unknown fails here
    assert "issue opened: acme/security #1" in err
    (issue,) = github.issues("acme/security")
    assert "key=organization:acme " in issue["body"]
    assert "janedoe.dev" in issue["body"]
    assert "bobsmith.org" in issue["body"]
    assert _issue_writes(github) == 1

    code, _, err = _merge("--issue-repo", "acme/security", "--fail-on-unknown")
    assert code == 1
    assert "issue unchanged: acme/security #1" in err
    assert _issue_writes(github) == 1
    # Keyed as `org --issue-repo` keys it: an unsharded org run finds the same issue.
    code, _, _ = _run(
        "org", "acme", "--issue-repo", "acme/security", "--fail-on-unknown", "--offline",
        "--no-cache",
    )  # fmt: skip
    assert code == 1
    assert len(github.issues("acme/security")) == 1
    assert _issue_writes(github) == 1


def test_open_issues_opens_an_issue_per_repository_for_its_own_findings(
    github: FakeGitHub,
) -> None:
    code, out, _err = _merge("--open-issues", "--fail-on-unknown", "--format", "json")
    assert code == 1
    assert {d["domain"] for d in json.loads(out)["domains"]} == {"janedoe.dev", "bobsmith.org"}
    (widgets,) = github.issues("acme/widgets")
    (gadgets,) = github.issues("acme/gadgets")
    assert "janedoe.dev" in widgets["body"]
    assert "bobsmith.org" not in widgets["body"]
    assert "bobsmith.org" in gadgets["body"]
    assert "janedoe.dev" not in gadgets["body"]
    assert github.issues("acme/quiet") == []  # a provider address only
    assert github.issues("acme/security") == []
    assert _issue_writes(github) == 2
    assert [r.query["labels"] for r in github.requests if r.method == "GET"] == [
        ["domain-guard"]
    ] * 3  # every repository with contacts was looked at, once
    code, _, _ = _merge("--open-issues", "--fail-on-unknown")
    assert code == 1
    assert _issue_writes(github) == 2


def test_open_issues_never_closes_an_issue_on_domains_it_could_not_check(
    github: FakeGitHub,
) -> None:
    number = github.add_issue(
        "acme/widgets",
        title="domain-guard: 1 maintainer e-mail domain at risk",
        body=marker("repository", "0" * 16) + "\n| high | `janedoe.dev` | x |\n",
        labels=["domain-guard"],
    )
    # Offline, every domain is unknown: no finding without --fail-on-unknown, yet no proof
    # that janedoe.dev is healthy either. The issue stays open and untouched.
    code, _, err = _merge("--open-issues")
    assert code == 0, err
    assert f"issue held: acme/widgets #{number}" in err
    (issue,) = github.issues("acme/widgets")
    assert issue["state"] == "open"
    assert issue["comments"] == []


def test_a_read_only_token_is_a_notice_not_a_failure(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.add_issue(
        "acme/widgets", title="t", body=marker("repository", "0" * 16), labels=["domain-guard"]
    )
    monkeypatch.setenv("GITHUB_TOKEN", READ_ONLY)
    code, out, err = _merge("--open-issues", "--fail-on-unknown", "--format", "json")
    assert code == 1  # by the findings, not by the refused write
    assert "notice: the token may not write issues in acme/gadgets, acme/widgets" in err
    assert json.loads(out)["summary"]["domains"] == 2  # the report is written regardless
    assert github.issues("acme/widgets")[0]["state"] == "open"
    assert READ_ONLY not in err
    assert READ_ONLY not in out


def test_a_failed_issue_write_is_exit_3_and_findings_keep_exit_1(github: FakeGitHub) -> None:
    number = github.add_issue(
        "acme/security", title="t", body=marker("organization:acme", "0" * 16), labels=["x"]
    )
    broken = Canned(422, {"message": "Validation Failed"})
    github.queue(broken, method="GET", path="/api/v3/repos/acme/security/issues")
    code, _, err = _merge("--issue-repo", "acme/security", "--issue-label", "x")
    assert code == 3
    assert "error: issue in acme/security" in err
    assert "422" in err
    assert github.issues("acme/security")[0]["state"] == "open"

    github.queue(broken, method="PATCH", path=f"/api/v3/repos/acme/security/issues/{number}")
    code, _, err = _merge("--issue-repo", "acme/security", "--issue-label=x", "--fail-on-unknown")
    assert code == 1
    assert "error: issue in acme/security" in err


def test_a_missing_shard_leaves_every_issue_alone(github: FakeGitHub) -> None:
    code, _, err = _run("merge", "s1.json", "--open-issues", "--fail-on-unknown")
    assert code == 1  # janedoe.dev (shard 1) is a finding
    assert "issues not kept: the merged reports miss shards" in err
    assert github.requests == []
    code, _, err = _run("merge", "s1.json", "--issue-repo", "acme/security", "--allow-partial")
    assert code == 3  # --allow-partial accepts the report, not issues closed from half of it
    assert github.requests == []


def test_reports_that_are_not_an_organisation_scan(github: FakeGitHub) -> None:
    code, _, err = _run("merge", "domain.json", "--open-issues")
    assert code == 2
    assert "--open-issues needs reports of `domain-guard org`" in err
    code, _, err = _merge("project.json", "--issue-repo", "acme/security")
    assert code == 2
    assert "mix an organisation scan with other roots" in err
    assert github.requests == []
    # A tracking issue of any other merge is keyed "merged".
    code, _, err = _run(
        "merge", "domain.json", "--issue-repo", "acme/security", "--fail-on-unknown"
    )
    assert code == 1
    (issue,) = github.issues("acme/security")
    assert "key=merged " in issue["body"]


def test_a_report_naming_a_repository_outside_the_organisation_is_refused(
    github: FakeGitHub,
) -> None:
    report = json.loads(Path("s1.json").read_text())
    report["contacts"][0]["source"]["repository"] = "victim/project"
    Path("s1.json").write_text(json.dumps(report))
    code, _, err = _merge("--open-issues")
    assert code == 2
    assert "'victim/project' is not a repository of acme" in err
    assert github.requests == []


def test_keeping_issues_needs_a_token_and_valid_options(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _merge("--open-issues", "--issue-repo", "acme/security")[0] == 2
    assert _merge("--issue-repo", "not-a-repo")[0] == 2
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = _merge("--issue-repo", "acme/security")
    assert code == 2
    assert "needs a GitHub token" in err
    assert _merge("--format", "json")[0] == 0  # without issue options no token is needed
    assert github.requests == []
