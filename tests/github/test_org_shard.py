"""``org --shard K/N``: every shard reads the organisation, each looks up its own domains,
and ``merge`` of the shard reports is the unsharded report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.shard import shard_of
from tests.servers.github import FakeGitHub
from tests.servers.github_org import FakeOrgGraphQL, FakeRepo

TOKEN = "ghp_SHARDTESTtoken0123456789abcdefghijklm"
runner = CliRunner()
WIDGETS = (
    '[project]\nname = "widgets"\nauthors = [{name = "Jane", email = "jane@janedoe.dev"}]\n'
    'maintainers = [{email = "bob@bobsmith.org"}]\n'
)
GADGETS = (
    "[metadata]\nname = gadgets\nauthor_email = ops@widgetco.io\nmaintainer_email = b@gmail.com\n"
)
LEGACY = "Metadata-Version: 2.1\nName: legacy\nAuthor-email: Old <old@oldmail.co.uk>\n"
# Two registrable domains in each of two shards, so that neither shard is trivially empty.
SHARD_OF = {"janedoe.dev": 1, "widgetco.io": 1, "bobsmith.org": 2, "oldmail.co.uk": 2}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as github:
        yield github


@pytest.fixture
def github(server: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    server.requests.clear()
    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme",
        [
            FakeRepo("widgets", files={"pyproject.toml": WIDGETS}),
            FakeRepo("gadgets", files={"setup.cfg": GADGETS}),
            FakeRepo("legacy", files={"PKG-INFO": LEGACY}),
            # An unreadable file: an error of every shard, once in the merged report.
            FakeRepo("broken", files={"setup.py": b"\x00\x01binary"}),
            FakeRepo("empty", empty=True),
        ],
    )
    fake.install(server)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_API_URL", server.endpoints.api_url)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", server.endpoints.graphql_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return server


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _org(*args: str) -> tuple[int, str, str]:
    return _run("org", "acme", "--offline", "--no-cache", *args)


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between two runs of the same scan: its time, and
    the order of its contacts (merge sorts them; a scan lists them as it read them)."""
    contacts = sorted(json.dumps(c, sort_keys=True) for c in report["contacts"])
    return {**report, "generated_at": None, "contacts": contacts}


def test_the_fixture_domains_fall_into_both_shards() -> None:
    assert {d: shard_of(d, 2) for d in SHARD_OF} == SHARD_OF


def test_shard_reports_merge_into_the_unsharded_org_report(github: FakeGitHub) -> None:
    code, _, err = _org("--format", "json", "--output", "whole.json")
    assert code == 3, err  # the binary setup.py
    for k in (1, 2):
        code, _, err = _org("--shard", f"{k}/2", "--format", "json", "--output", f"s{k}.json")
        assert code == 3, err
    shards = [json.loads(Path(f"s{k}.json").read_text()) for k in (1, 2)]
    for k, shard in enumerate(shards, 1):
        assert shard["shard"] == {"total": 2, "indexes": [k]}
        assert {d["domain"] for d in shard["domains"]} == {d for d, s in SHARD_OF.items() if s == k}
        # Reading happens in every shard: the unreadable file is in both.
        assert [e["path"] for e in shard["errors"]] == ["acme/broken:setup.py"]

    code, out, err = _run("merge", "s1.json", "s2.json", "--format", "json")
    assert code == 3, err
    merged, whole = json.loads(out), json.loads(Path("whole.json").read_text())
    assert [d["domain"] for d in merged["domains"]] == [d["domain"] for d in whole["domains"]]
    assert sorted(SHARD_OF) == sorted(d["domain"] for d in whole["domains"])
    assert _stable(merged) == _stable(whole)


def test_every_shard_reads_the_organisation_in_the_same_few_requests(
    github: FakeGitHub,
) -> None:
    counts = []
    for args in ((), ("--shard", "1/2"), ("--shard", "2/2")):
        github.requests.clear()
        _org(*args, "--format", "json")
        counts.append(sum(1 for r in github.requests if r.path == "/api/graphql"))
    assert counts == [1, 1, 1]  # five repositories: one page, in every shard


@pytest.mark.parametrize("issues", [["--open-issues"], ["--issue-repo", "acme/security"]])
def test_shard_with_issue_options_is_a_usage_error_before_any_request(
    github: FakeGitHub, issues: list[str]
) -> None:
    code, out, err = _org("--shard", "1/2", *issues)
    assert code == 2
    assert "a shard sees only its own domains" in err
    assert "domain-guard merge" in err
    assert out == ""
    assert github.requests == []


def test_a_malformed_shard_is_a_usage_error(github: FakeGitHub) -> None:
    code, _, err = _org("--shard", "3/2")
    assert code == 2
    assert "--shard" in err
    assert github.requests == []
