"""The GitHub client against a loopback fake of the API."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from checker.github.client import Endpoints, GitHubClient, GitHubError, RateLimited
from tests.servers.github import Canned, FakeGitHub

TOKEN = "ghs_SECRETtoken0123456789abcdef"


def _client(github: FakeGitHub, **kwargs: Any) -> GitHubClient:
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("write_interval", 0.0)
    return GitHubClient(TOKEN, github.endpoints, **kwargs)


async def _call(github: FakeGitHub, method: str, path: str, **kwargs: Any) -> Any:
    async with _client(github) as client:
        return await client.rest(method, path, **kwargs)


def test_endpoints_follow_the_enterprise_environment() -> None:
    env = {
        "GITHUB_API_URL": "https://ghe.example/api/v3",
        "GITHUB_GRAPHQL_URL": "https://ghe.example/api/graphql",
    }
    assert Endpoints.from_env(env) == Endpoints(
        "https://ghe.example/api/v3", "https://ghe.example/api/graphql"
    )
    assert Endpoints.from_env({}) == Endpoints()
    assert Endpoints.from_env({"GITHUB_API_URL": "https://ghe.example/api/v3/"}).graphql_url == (
        "https://ghe.example/api/v3/graphql"
    )
    with pytest.raises(ValueError, match="not an http"):
        Endpoints.from_env({"GITHUB_API_URL": "file:///etc/passwd"})


def test_retry_after_on_a_secondary_rate_limit_is_waited_out() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.queue(
            Canned(
                403, {"message": "You have exceeded a secondary rate limit."}, {"Retry-After": "1"}
            )
        )
        started = time.monotonic()
        answer = asyncio.run(_call(github, "GET", "repos/o/r/issues"))
        assert answer.status == 200
        assert time.monotonic() - started >= 0.9
        assert len(github.requests) == 2


def test_exhausted_primary_limit_pauses_until_reset() -> None:
    with FakeGitHub(token=TOKEN) as github:
        reset = str(int(time.time()) + 2)
        github.queue(Canned(200, [], {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}))

        async def two_calls() -> float:
            async with _client(github) as client:
                await client.rest("GET", "repos/o/r/issues")
                started = time.monotonic()
                await client.rest("GET", "repos/o/r/issues")
                return time.monotonic() - started

        assert asyncio.run(two_calls()) >= 0.5


def test_a_wait_longer_than_the_limit_is_an_error_not_a_hang() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.queue(Canned(429, {"message": "slow"}, {"Retry-After": "3600"}))

        async def call() -> None:
            async with _client(github, max_wait=5) as client:
                await client.rest("GET", "repos/o/r/issues")

        with pytest.raises(RateLimited):
            asyncio.run(call())


def test_plain_forbidden_is_not_retried_and_marks_a_read_only_token() -> None:
    with FakeGitHub(token=TOKEN, read_only_tokens=frozenset({"ro"})) as github:

        async def call() -> None:
            async with GitHubClient("ro", github.endpoints, backoff=0.01) as client:
                await client.rest("POST", "repos/o/r/issues", json_body={"title": "t"})

        with pytest.raises(GitHubError) as caught:
            asyncio.run(call())
        assert caught.value.status == 403
        assert caught.value.forbidden
        assert "Resource not accessible by integration" in caught.value.message
        assert len(github.requests) == 1


def test_error_messages_never_carry_the_token() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.queue(Canned(422, {"message": f"Validation failed for {TOKEN}\n::error::x"}))
        with pytest.raises(GitHubError) as caught:
            asyncio.run(_call(github, "POST", "repos/o/r/issues", json_body={}))
        assert TOKEN not in str(caught.value)
        assert "\n" not in str(caught.value)
        assert TOKEN not in repr(GitHubClient(TOKEN))


def test_pagination_follows_next_links_on_the_same_host_only() -> None:
    with FakeGitHub(token=TOKEN, page_size=2) as github:
        for n in range(5):
            github.add_issue("o/r", title=f"t{n}", body="", labels=["x"])

        async def pages() -> list[int]:
            async with _client(github) as client:
                return [
                    len(p) async for p in client.rest_pages("repos/o/r/issues", {"labels": "x"})
                ]

        assert asyncio.run(pages()) == [2, 2, 1]

        github.queue(Canned(200, [], {"Link": '<https://evil.example/steal>; rel="next"'}))

        async def foreign() -> None:
            async with _client(github) as client:
                async for _ in client.rest_pages("repos/o/r/issues"):
                    pass

        with pytest.raises(GitHubError, match="another host"):
            asyncio.run(foreign())
        assert all("evil" not in r.path for r in github.requests)


def test_graphql_errors_and_garbage_are_errors_not_empty_answers() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.graphql_handler = lambda q, v: Canned(
            200, {"data": None, "errors": [{"message": "nope"}]}
        )

        async def query() -> Any:
            async with _client(github) as client:
                return await client.graphql("{ viewer { login } }")

        with pytest.raises(GitHubError, match="nope"):
            asyncio.run(query())
        github.graphql_handler = lambda q, v: Canned(200, b"[" * 100_000)
        with pytest.raises(GitHubError, match="unreadable JSON"):
            asyncio.run(query())
        github.graphql_handler = lambda q, v: Canned(200, {"data": {"viewer": {"login": "me"}}})
        assert asyncio.run(query()) == {"viewer": {"login": "me"}}
        assert github.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_graphql_rate_limited_errors_are_retried() -> None:
    with FakeGitHub(token=TOKEN) as github:
        answers = [
            Canned(200, {"data": None, "errors": [{"type": "RATE_LIMITED", "message": "x"}]}),
            Canned(200, {"data": {"ok": True}}),
        ]
        github.graphql_handler = lambda q, v: answers.pop(0)

        async def query() -> Any:
            async with _client(github, backoff=0.001) as client:
                return await client.graphql("{ ok }")

        assert asyncio.run(query()) == {"ok": True}


def test_concurrency_stays_under_the_cap() -> None:
    with FakeGitHub(token=TOKEN) as github:

        async def many() -> None:
            async with _client(github, max_concurrency=4) as client:
                await asyncio.gather(*(client.rest("GET", "repos/o/r/issues") for _ in range(40)))

        asyncio.run(many())
        assert github.max_active <= 4
        assert GitHubClient(None, max_concurrency=10_000)._gate._value == 100


def test_oversized_answers_are_refused() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.queue(Canned(200, b"x" * 2048))

        async def call() -> None:
            async with _client(github) as client:
                await client.rest("GET", "repos/o/r/issues", max_body=1024)

        with pytest.raises(GitHubError, match="limit"):
            asyncio.run(call())


def test_a_partial_graphql_answer_is_an_error_unless_asked_for() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.graphql_handler = lambda q, v: Canned(
            200, {"data": {"a": None, "b": 1}, "errors": [{"message": "a failed", "path": ["a"]}]}
        )

        async def strict() -> Any:
            async with _client(github) as client:
                return await client.graphql("{ a b }")

        async def partial() -> Any:
            async with _client(github) as client:
                return await client.graphql_partial("{ a b }")

        with pytest.raises(GitHubError, match="a failed"):
            asyncio.run(strict())
        data, errors = asyncio.run(partial())
        assert data == {"a": None, "b": 1}
        assert errors[0]["path"] == ["a"]


def test_queries_are_not_paced_like_writes() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.graphql_handler = lambda q, v: Canned(200, {"data": {"ok": True}})

        async def queries() -> float:
            async with GitHubClient(TOKEN, github.endpoints, write_interval=5.0) as client:
                started = time.monotonic()
                await asyncio.gather(*(client.graphql("{ ok }") for _ in range(3)))
                return time.monotonic() - started

        assert asyncio.run(queries()) < 4.0


def test_a_rate_limit_that_persists_is_rate_limited_not_a_read_only_token() -> None:
    with FakeGitHub(token=TOKEN) as github:
        for _ in range(3):
            github.queue(
                Canned(
                    403,
                    {"message": "You have exceeded a secondary rate limit"},
                    {"Retry-After": "0"},
                )
            )

        async def call() -> None:
            async with _client(github, max_retries=2) as client:
                await client.rest("POST", "repos/o/r/issues", json_body={"title": "t"})

        with pytest.raises(RateLimited) as caught:
            asyncio.run(call())
        assert not caught.value.forbidden
        assert len(github.requests) == 3


def test_bad_credentials_are_not_mistaken_for_a_read_only_token() -> None:
    with FakeGitHub(token="ghs_the_right_one") as github:
        with pytest.raises(GitHubError) as caught:
            asyncio.run(_call(github, "GET", "repos/o/r/issues"))
        assert caught.value.status == 401
        assert not caught.value.forbidden


def test_a_token_cut_by_the_message_limit_is_still_scrubbed() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.queue(Canned(422, {"message": "x" * 190 + TOKEN}))
        with pytest.raises(GitHubError) as caught:
            asyncio.run(_call(github, "POST", "repos/o/r/issues", json_body={}))
        assert TOKEN[:6] not in caught.value.message


def test_odd_digits_in_rate_limit_headers_are_ignored_not_a_crash() -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.queue(Canned(200, [], {"x-ratelimit-remaining": "²", "x-ratelimit-reset": "١٢"}))
        assert asyncio.run(_call(github, "GET", "repos/o/r/issues")).status == 200
