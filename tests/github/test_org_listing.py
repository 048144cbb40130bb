"""An organisation listing GitHub answers in a malformed or incomplete way stops the scan."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checker.github.client import GitHubClient
from checker.github.org import OrgError, discover
from tests.servers.github import Canned, FakeGitHub

TOKEN = "ghs_listingTOKEN0123456789"


def _page(count: int, total: int, more: Any) -> Canned:
    nodes = [
        {"nameWithOwner": f"acme/r{i}", "isArchived": False, "isFork": False} for i in range(count)
    ]
    connection = {
        "totalCount": total,
        "nodes": nodes,
        "pageInfo": {"hasNextPage": more, "endCursor": "c1"},
    }
    return Canned(200, {"data": {"owner": {"repositories": connection}}})


def _discover(answer: Canned) -> Any:
    with FakeGitHub(token=TOKEN) as github:
        github.graphql_handler = lambda query, variables: answer

        async def run() -> Any:
            async with GitHubClient(TOKEN, github.endpoints, backoff=0.01) as client:
                return await discover(client, "acme")

        return asyncio.run(run())


def test_a_page_that_does_not_say_whether_more_follow_is_an_error() -> None:
    with pytest.raises(OrgError, match="whether more follow"):
        _discover(_page(2, 2, None))


def test_a_listing_shorter_than_its_own_count_is_an_error() -> None:
    with pytest.raises(OrgError, match="2 of the 5"):
        _discover(_page(2, 5, False))


def test_a_complete_listing_is_accepted() -> None:
    found = _discover(_page(2, 2, False))
    assert [r.name_with_owner for r in found.repositories] == ["acme/r0", "acme/r1"]
