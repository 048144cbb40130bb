"""The issue lifecycle against a loopback fake of GitHub's REST API."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from checker.github.client import GitHubClient, GitHubError
from checker.github.issues import (
    MAX_BODY_CHARS,
    IssueAction,
    IssueOutcome,
    issue_body,
    marker,
    restrict,
    sync_issue,
)
from checker.model import Reason, ReasonCode, Report, Risk, ScanError, SourceRef
from tests.report.reports import NOW, contact, corpus_report, make_report, result
from tests.servers.github import FakeGitHub

TOKEN = "ghs_issueTOKEN0123456789"
REPO = "octo/widgets"


def _report(*expired: str, healthy: str = "fine.example") -> Report:
    contacts = [contact(f"dev@{d}", d) for d in (*expired, healthy)]
    results = [
        result(d, Reason(ReasonCode.EXPIRED, f"{d} expired"), expires=NOW - timedelta(days=3))
        for d in expired
    ]
    return make_report(contacts, [*results, result(healthy)])


def _sync(github: FakeGitHub, report: Report, **kwargs: object) -> IssueOutcome:
    async def run() -> IssueOutcome:
        async with GitHubClient(TOKEN, github.endpoints, write_interval=0, backoff=0.01) as client:
            return await sync_issue(
                client,
                REPO,
                report,
                label="domain-guard",
                limit=Risk.HIGH,
                **kwargs,  # type: ignore[arg-type]
            )

    return asyncio.run(run())


def test_first_run_with_findings_opens_one_labelled_issue() -> None:
    with FakeGitHub(token=TOKEN) as github:
        outcome = _sync(github, _report("lapsed.example"))
        assert outcome.action is IssueAction.OPENED
        assert outcome.number == 1
        [issue] = github.issues(REPO)
        assert issue["labels"] == [{"name": "domain-guard"}]
        assert "`lapsed.example`" in issue["body"]
        assert "fine.example" not in issue["body"]
        assert issue["title"] == "domain-guard: 1 maintainer e-mail domain at risk"


def test_the_same_findings_again_leave_the_issue_alone() -> None:
    with FakeGitHub(token=TOKEN) as github:
        _sync(github, _report("lapsed.example"))
        before = len(github.writes())
        outcome = _sync(github, _report("lapsed.example"))
        assert outcome.action is IssueAction.UNCHANGED
        assert outcome.number == 1
        assert len(github.writes()) == before
        assert len(github.issues(REPO)) == 1


def test_changed_findings_update_the_body_and_comment_on_the_change() -> None:
    with FakeGitHub(token=TOKEN) as github:
        _sync(github, _report("lapsed.example"))
        outcome = _sync(github, _report("lapsed.example", "gone.example"))
        assert outcome.action is IssueAction.UPDATED
        [issue] = github.issues(REPO)
        assert "`gone.example`" in issue["body"]
        assert issue["title"].startswith("domain-guard: 2 ")
        [comment] = issue["comments"]
        assert "New: `gone.example`" in comment


def test_all_healthy_closes_the_issue_with_a_comment_and_a_return_reopens_it() -> None:
    with FakeGitHub(token=TOKEN) as github:
        _sync(github, _report("lapsed.example"))
        closed = _sync(github, _report())
        assert closed.action is IssueAction.CLOSED
        issue = github.issues(REPO)[0]
        assert issue["state"] == "closed"
        assert issue["state_reason"] == "completed"
        assert "healthy" in issue["comments"][-1]
        assert _sync(github, _report()).action is IssueAction.NOTHING

        reopened = _sync(github, _report("lapsed.example"))
        assert reopened.action is IssueAction.REOPENED
        assert reopened.number == 1
        [issue] = github.issues(REPO)
        assert issue["state"] == "open"
        assert "came back" in issue["comments"][-1]


def test_nothing_at_risk_and_no_issue_writes_nothing() -> None:
    with FakeGitHub(token=TOKEN) as github:
        assert _sync(github, _report()).action is IssueAction.NOTHING
        assert github.writes() == []


def test_issues_without_our_marker_or_with_another_key_and_pull_requests_are_not_ours() -> None:
    with FakeGitHub(token=TOKEN) as github:
        body = marker("repository", "0" * 16) + "\nhand-written"
        github.add_issue(REPO, title="PR", body=body, labels=["domain-guard"], pull_request=True)
        github.add_issue(REPO, title="human", body="no marker", labels=["domain-guard"])
        github.add_issue(
            REPO, title="org", body=marker("org:octo", "0" * 16), labels=["domain-guard"]
        )
        outcome = _sync(github, _report("lapsed.example"))
        assert outcome.action is IssueAction.OPENED
        assert outcome.number == 4


def test_existing_issue_is_found_across_pages_without_the_search_api() -> None:
    with FakeGitHub(token=TOKEN, page_size=2) as github:
        _sync(github, _report("lapsed.example"))
        for n in range(5):
            github.add_issue(REPO, title=f"other {n}", body="x", labels=["domain-guard"])
        outcome = _sync(github, _report("lapsed.example", "second.example"))
        assert outcome.action is IssueAction.UPDATED
        assert outcome.number == 1
        assert all("/search/" not in r.path for r in github.requests)
        listing = next(r for r in github.requests if r.method == "GET")
        assert listing.query["labels"] == ["domain-guard"]
        assert listing.query["state"] == ["all"]


def test_read_only_token_raises_a_forbidden_error() -> None:
    with FakeGitHub(token=TOKEN, read_only_tokens=frozenset({TOKEN})) as github:
        with pytest.raises(GitHubError) as caught:
            _sync(github, _report("lapsed.example"))
        assert caught.value.forbidden
        assert TOKEN not in str(caught.value)


def test_hostile_text_in_the_body_renders_no_html_links_or_mentions() -> None:
    report = corpus_report()
    body = issue_body(
        report, [d for d in report.domains if d.risk.at_least(Risk.MEDIUM)], "repository"
    )
    assert len(body) <= MAX_BODY_CHARS + 1000
    outside_code = re.sub(r"``? .*? ``?|`[^`]*`", "", body)
    for needle in ("<script", "<img", "](", "@admin", "<!-- x"):
        assert needle not in outside_code.lower()
    assert body.startswith("<!-- domain-guard:issue key=repository findings=")


def test_restrict_keeps_only_one_repositorys_contacts_and_domains() -> None:
    a = contact("x@a.example", "a.example")
    b = contact("y@b.example", "b.example")
    a = a.__class__(
        **{
            **a.__dict__,
            "source": SourceRef(kind=a.source.kind, path="pyproject.toml", repository="o/a"),
        }
    )
    b = b.__class__(
        **{
            **b.__dict__,
            "source": SourceRef(kind=b.source.kind, path="setup.cfg", repository="o/b"),
        }
    )
    report = make_report([a, b], [result("a.example"), result("b.example")])
    only = restrict(report, "o/a")
    assert [c.email for c in only.contacts] == ["x@a.example"]
    assert [d.domain for d in only.domains] == ["a.example"]


def _unknown_report(*domains: str) -> Report:
    contacts = [contact(f"dev@{d}", d) for d in domains]
    results = [
        result(d, Reason(ReasonCode.LOOKUP_FAILED, "registry did not answer")) for d in domains
    ]
    return make_report(contacts, results)


def test_a_run_that_could_not_check_a_listed_domain_neither_closes_nor_shrinks_the_issue() -> None:
    with FakeGitHub(token=TOKEN) as github:
        _sync(github, _report("lapsed.example", "second.example"))
        before = len(github.writes())
        held = _sync(github, _unknown_report("lapsed.example", "second.example"))
        assert held.action is IssueAction.HELD
        assert github.issues(REPO)[0]["state"] == "open"
        partly = make_report(
            [contact("dev@lapsed.example", "lapsed.example")],
            [result("lapsed.example", Reason(ReasonCode.EXPIRED, "expired"))],
            [ScanError(path="setup.cfg", message="unreadable")],
        )
        assert _sync(github, partly).action is IssueAction.HELD
        assert len(github.writes()) == before
        assert "`second.example`" in github.issues(REPO)[0]["body"]
        # A complete run that proves them healthy does close it.
        assert _sync(github, _report()).action is IssueAction.CLOSED


def test_repository_names_that_would_move_the_url_are_refused() -> None:
    with FakeGitHub(token=TOKEN) as github:

        async def run() -> IssueOutcome:
            async with GitHubClient(TOKEN, github.endpoints, write_interval=0) as client:
                return await sync_issue(
                    client, "../..", _report("x.example"), label="l", limit=Risk.HIGH
                )

        with pytest.raises(ValueError, match="not a repository name"):
            asyncio.run(run())
        assert github.requests == []
