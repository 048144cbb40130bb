"""Organisation scans against the loopback GitHub fake executing GitHub's schema."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from checker.github.client import GitHubClient
from checker.github.org import (
    Discovery,
    OrgError,
    OrgNotFound,
    OrgScanResult,
    discover,
    matches_filter,
    scan_org,
)
from checker.model import SourceKind
from tests.conftest import FIXTURES
from tests.servers.github import Canned, FakeGitHub
from tests.servers.github_org import FakeOrgGraphQL, FakeRepo

TOKEN = "ghp_TESTTOKENabc123def456ghi789jkl012mno"
PYPROJECT = (
    "[project]\n"
    'name = "widgets"\n'
    "authors = [\n"
    '  {name = "Jane Doe", email = "jane@janedoe.dev"},\n'
    "]\n"
)
SETUP_CFG = "[metadata]\nname = gadgets\nauthor = Bob\nauthor_email = bob@bobsite.org\n"
SETUP_PY = (
    "from setuptools import setup\n\nsetup(\n"
    '    name="tools",\n    maintainer_email="m@tools.io",\n)\n'
)
PKG_INFO = "Metadata-Version: 2.1\nName: legacy\nAuthor-email: Old <old@legacy.net>\n"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as github:
        yield github


@pytest.fixture
def github(server: FakeGitHub) -> FakeGitHub:
    """The module's server, emptied for this test."""
    server.requests.clear()
    server.contents.clear()
    server.graphql_handler = None
    return server


def _client(github: FakeGitHub) -> GitHubClient:
    return GitHubClient(TOKEN, github.endpoints, backoff=0.01, write_interval=0.0)


def _run(
    github: FakeGitHub, fake: FakeOrgGraphQL, login: str = "acme", **kwargs: Any
) -> OrgScanResult:
    fake.install(github)
    return asyncio.run(_scan(github, login, **kwargs))


async def _scan(github: FakeGitHub, login: str, **kwargs: Any) -> OrgScanResult:
    kwargs.setdefault("rate_backoff", 0.01)
    async with _client(github) as client:
        return await scan_org(client, login, **kwargs)


async def _discover(github: FakeGitHub, login: str, **kwargs: Any) -> Discovery:
    async with _client(github) as client:
        return await discover(client, login, rate_backoff=0.01, **kwargs)


def _graphql_posts(github: FakeGitHub) -> int:
    return sum(1 for r in github.requests if r.path == "/api/graphql")


def test_250_repositories_are_listed_with_their_files_in_3_queries(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme", [FakeRepo(f"repo{i:03d}", files={"pyproject.toml": PYPROJECT}) for i in range(250)]
    )
    fake.install(github)
    found = asyncio.run(_discover(github, "acme"))
    assert _graphql_posts(github) == 3
    assert github.requests[1].body["variables"]["cursor"] is not None
    assert not [r for r in github.requests if r.method == "GET"]  # no REST at all
    assert found.graphql_requests == 3
    assert found.owner_type == "organization"
    assert [r.name_with_owner for r in found.repositories] == [
        f"acme/repo{i:03d}" for i in range(250)
    ]
    assert all(r.files[0].text == PYPROJECT for r in found.repositories)
    assert found.rate_limit is not None
    assert found.rate_limit.remaining == 5000 - 3


def test_contacts_carry_repository_path_and_exact_line_for_every_file_kind(
    github: FakeGitHub,
) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme",
        [
            FakeRepo(
                "widgets",
                files={
                    "pyproject.toml": PYPROJECT,
                    "setup.cfg": SETUP_CFG,
                    "setup.py": SETUP_PY,
                    "PKG-INFO": PKG_INFO,
                },
            )
        ],
    )
    result = _run(github, fake)
    assert result.errors == ()
    assert result.files_scanned == 4
    found = {
        (c.email, c.source.kind, c.source.path, c.source.line, c.source.repository)
        for c in result.contacts
    }
    assert found == {
        ("jane@janedoe.dev", SourceKind.PYPROJECT, "pyproject.toml", 4, "acme/widgets"),
        ("bob@bobsite.org", SourceKind.SETUP_CFG, "setup.cfg", 4, "acme/widgets"),
        ("m@tools.io", SourceKind.SETUP_PY, "setup.py", 5, "acme/widgets"),
        ("old@legacy.net", SourceKind.PKG_INFO, "PKG-INFO", 3, "acme/widgets"),
    }


def test_archived_repositories_and_forks_are_skipped_unless_asked_for(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme",
        [
            FakeRepo("live", files={"pyproject.toml": PYPROJECT}),
            FakeRepo("old", files={"setup.cfg": SETUP_CFG}, archived=True),
            FakeRepo("copy", files={"setup.py": SETUP_PY}, fork=True),
        ],
    )
    fake.install(github)
    default = asyncio.run(_discover(github, "acme"))
    every = asyncio.run(_discover(github, "acme", include_archived=True, include_forks=True))
    sent = [r.body["variables"] for r in github.requests]
    assert [r.name_with_owner for r in default.repositories] == ["acme/live"]
    assert [r.name_with_owner for r in every.repositories] == ["acme/copy", "acme/live", "acme/old"]
    # Filtered by GitHub, not downloaded and dropped.
    assert (sent[0]["isArchived"], sent[0]["isFork"]) == (False, False)
    assert (sent[1]["isArchived"], sent[1]["isFork"]) == (None, None)


def test_repository_filter_globs_match_name_or_owner_and_name_ignoring_case(
    github: FakeGitHub,
) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org("acme", [FakeRepo(n) for n in ("py-core", "py-web", "Docs", "infra")])
    fake.install(github)
    found = asyncio.run(_discover(github, "acme", repo_filter=["py-*", "ACME/docs"]))
    assert [r.name_with_owner for r in found.repositories] == [
        "acme/Docs",
        "acme/py-core",
        "acme/py-web",
    ]
    assert found.skipped_filter == 1
    assert matches_filter("acme/x", [])
    assert not matches_filter("acme/x", ["y*"])
    assert not matches_filter("acme/x", ["a*"])  # a glob without "/" sees the name only
    assert matches_filter("acme/x", ["*/x"])


def test_truncated_blob_is_read_over_rest_contents_at_the_head_commit(github: FakeGitHub) -> None:
    padding = "# " + "x" * 200 + "\n"
    long_text = padding * 10 + PYPROJECT  # the address is past the truncation point
    fake = FakeOrgGraphQL(truncate_at=1000)
    repo = FakeRepo("big", files={"pyproject.toml": long_text})
    fake.add_org("acme", [repo])
    fake.install(github)
    result = asyncio.run(_scan(github, "acme"))
    gets = [r for r in github.requests if r.method == "GET"]
    assert result.errors == ()
    assert result.rest_fallbacks == 1
    ((contact),) = result.contacts
    assert contact.email == "jane@janedoe.dev"
    assert contact.source.line == 14
    (get,) = gets
    assert get.path == "/api/v3/repos/acme/big/contents/pyproject.toml"
    assert get.query == {"ref": [repo.oid]}
    assert get.headers["accept"] == "application/vnd.github.raw+json"


def test_truncated_blob_over_the_size_cap_is_an_error_without_a_download(
    github: FakeGitHub,
) -> None:
    fake = FakeOrgGraphQL(truncate_at=1000)
    fake.add_org("acme", [FakeRepo("huge", files={"setup.py": "#" * (5 * 1024 * 1024)})])
    fake.install(github)
    result = asyncio.run(_scan(github, "acme"))
    assert not [r for r in github.requests if r.method == "GET"]
    ((error),) = result.errors
    assert error.path == "acme/huge:setup.py"
    assert "cap" in error.message


def test_a_file_github_failed_to_read_is_an_error_not_an_absent_file(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org("acme", [FakeRepo("flaky", files={"setup.cfg": SETUP_CFG})])
    fake.failing.add(("acme/flaky", "setup.cfg"))
    result = _run(github, fake)
    assert result.contacts == ()
    ((error),) = result.errors
    assert error.path == "acme/flaky:setup.cfg"
    assert "Something went wrong" in error.message


def test_empty_repositories_and_binary_files_are_handled(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme",
        [
            FakeRepo("empty", empty=True),
            FakeRepo("odd", files={"PKG-INFO": b"\x00\x01binary"}),
            FakeRepo("ok", files={"setup.cfg": SETUP_CFG}),
        ],
    )
    result = _run(github, fake)
    assert [r.name_with_owner for r in result.discovery.repositories] == [
        "acme/empty",
        "acme/odd",
        "acme/ok",
    ]
    assert result.discovery.repositories[0].head is None
    assert [c.email for c in result.contacts] == ["bob@bobsite.org"]
    ((error),) = result.errors
    assert (error.path, "binary" in error.message) == ("acme/odd:PKG-INFO", True)


def test_secondary_rate_limit_403_waits_for_retry_after_then_succeeds(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org("acme", [FakeRepo("widgets", files={"pyproject.toml": PYPROJECT})])
    fake.install(github)
    github.queue(
        Canned(
            403,
            {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
            {"Retry-After": "1"},
        ),
        path="/api/graphql",
    )
    started = time.monotonic()
    result = asyncio.run(_scan(github, "acme"))
    elapsed = time.monotonic() - started
    assert _graphql_posts(github) == 2
    assert elapsed >= 0.9
    assert [c.email for c in result.contacts] == ["jane@janedoe.dev"]


def test_graphql_rate_limited_error_is_retried(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org("acme", [FakeRepo("widgets", files={"pyproject.toml": PYPROJECT})])
    limited = {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user."}]}
    fake.install(github)
    github.queue(Canned(200, limited), path="/api/graphql")
    result = asyncio.run(_scan(github, "acme"))
    assert _graphql_posts(github) == 2
    assert result.discovery.graphql_requests == 2
    assert [c.email for c in result.contacts] == ["jane@janedoe.dev"]


def test_a_user_login_falls_back_to_the_repositories_the_user_owns(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_user("jdoe", [FakeRepo("dotfiles", files={"setup.cfg": SETUP_CFG})])
    fake.install(github)
    found = asyncio.run(_discover(github, "jdoe"))
    queries = [r.body["query"] for r in github.requests]
    assert found.owner_type == "user"
    assert [r.name_with_owner for r in found.repositories] == ["jdoe/dotfiles"]
    assert "organization(login: $login)" in queries[0]
    assert "user(login: $login)" in queries[1]


def test_unknown_login_is_a_clear_not_found_error(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.install(github)
    with pytest.raises(OrgNotFound, match="no GitHub organisation or user named 'nobody'"):
        asyncio.run(_discover(github, "nobody"))


def test_invalid_login_is_refused_before_any_request(github: FakeGitHub) -> None:
    with pytest.raises(OrgError, match="not a GitHub organisation"):
        asyncio.run(_discover(github, "acme/../x"))
    assert github.requests == []


def test_repository_names_that_are_not_github_names_are_refused(github: FakeGitHub) -> None:
    fake = FakeOrgGraphQL()
    fake.add_org("acme", [FakeRepo("..", files={"setup.cfg": SETUP_CFG})])
    with pytest.raises(OrgError, match="unexpected repository"):
        _run(github, fake)


def test_pages_that_do_not_advance_stop_the_scan(github: FakeGitHub) -> None:
    stuck = {
        "data": {
            "rateLimit": None,
            "owner": {
                "login": "acme",
                "repositories": {
                    "totalCount": 2,
                    "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
                    "nodes": [],
                },
            },
        }
    }
    github.graphql_handler = lambda query, variables: Canned(200, stuck)
    with pytest.raises(OrgError, match="do not advance"):
        asyncio.run(_discover(github, "acme"))
    assert _graphql_posts(github) == 2


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / "github" / name).read_text())


def test_a_page_shaped_like_githubs_documentation_is_read(github: FakeGitHub) -> None:
    page = _fixture("org-page.json")
    github.graphql_handler = lambda query, variables: Canned(200, page)
    result = asyncio.run(_scan(github, "octo-org"))
    assert [r.name_with_owner for r in result.discovery.repositories] == [
        "octo-org/octo-repo",
        "octo-org/empty",
    ]
    assert result.discovery.repositories[1].head is None
    ((contact),) = result.contacts
    assert (contact.email, contact.source.path, contact.source.line) == (
        "mona@octo-example.dev",
        "pyproject.toml",
        4,
    )
    # setupPy answered {}: an object that is not a blob (a directory), so no file.
    assert result.errors == ()
    assert result.files_scanned == 1
    assert result.discovery.rate_limit is not None
    assert result.discovery.rate_limit.remaining == 4987


def test_not_found_answer_shaped_like_githubs_falls_back_to_a_user(github: FakeGitHub) -> None:
    answers = [_fixture("org-not-found.json"), _fixture("org-page.json")]
    github.graphql_handler = lambda query, variables: Canned(200, answers.pop(0))
    found = asyncio.run(_discover(github, "octo-org"))
    assert found.owner_type == "user"
    assert "user(login: $login)" in github.requests[1].body["query"]
