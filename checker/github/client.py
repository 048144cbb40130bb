"""A small GitHub REST and GraphQL client that respects rate limits and keeps the token secret.

* Endpoints come from ``GITHUB_API_URL`` / ``GITHUB_GRAPHQL_URL`` (GitHub Enterprise
  Server works unchanged). The token is sent only to those two origins: pagination links
  that point anywhere else are refused.
* Rate limits: a 429, or a 403 that says it is a (secondary) rate limit, waits for
  ``Retry-After``, else until ``x-ratelimit-reset`` when nothing remains, else backs off
  exponentially; a wait longer than ``max_wait`` is an error rather than a hang. When a
  response says no requests remain, the next request waits for the reset first.
  Requests at once never exceed ``max_concurrency`` (at most 100); writes go one at a
  time with a pause between them, as GitHub asks of integrations.
* Answers are hostile: bodies are read with a size cap, JSON nesting errors are caught,
  and error messages quote GitHub's text only through :func:`~checker.escape.one_line`.
* The token never appears in an exception, ``repr`` or message: :func:`redact` scrubs any
  text built from an answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from checker.errors import IncompleteRun
from checker.escape import one_line
from checker.log import LOGGER
from checker.net.http import USER_AGENT, origin, parse_retry_after, read_bounded

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_GRAPHQL_URL = "https://api.github.com/graphql"
#: GitHub allows 100 concurrent requests per client; we never go above it.
MAX_CONCURRENCY = 100
MAX_REST_BODY = 8 * 1024 * 1024
MAX_GRAPHQL_BODY = 32 * 1024 * 1024
API_VERSION = "2022-11-28"
_RETRYABLE = frozenset({500, 502, 503, 504})
_LINK_NEXT = re.compile(r'<([^<>\s]+)>\s*;\s*rel="?next"?')
_MESSAGE_LIMIT = 200
_DIGITS = re.compile(r"[0-9]{1,15}")


class GitHubError(IncompleteRun):
    """A request to GitHub failed. The message never contains the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def forbidden(self) -> bool:
        """True when the token may read but not do this (403: a read-only token, as on a
        pull request from a fork). Not for rate limits, bad credentials (401) or 404."""
        return self.status == 403 and not isinstance(self, RateLimited)


class RateLimited(GitHubError):
    """GitHub kept asking us to wait, or asked for longer than we are prepared to."""


@dataclass(frozen=True)
class Endpoints:
    """Where the REST and GraphQL APIs live."""

    api_url: str = DEFAULT_API_URL
    graphql_url: str = DEFAULT_GRAPHQL_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Endpoints:
        """From ``GITHUB_API_URL`` and ``GITHUB_GRAPHQL_URL``, else github.com."""
        env = os.environ if environ is None else environ
        api = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        graphql = env.get("GITHUB_GRAPHQL_URL") or (
            DEFAULT_GRAPHQL_URL if api == DEFAULT_API_URL else f"{api}/graphql"
        )
        for url in (api, graphql):
            if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname:
                raise ValueError(f"not an http(s) URL: {one_line(url, 200)}")
        return cls(api, graphql)


@dataclass(frozen=True)
class RestResponse:
    """A successful REST answer: status, headers and the decoded JSON body (or None)."""

    status: int
    headers: Mapping[str, str]
    data: Any


def redact(text: str, token: str | None) -> str:
    """``text`` with every occurrence of ``token`` replaced."""
    if token and len(token) >= 4:
        return text.replace(token, "***")
    return text


class GitHubClient:
    """REST and GraphQL calls with one token, within GitHub's limits."""

    def __init__(
        self,
        token: str | None,
        endpoints: Endpoints | None = None,
        *,
        timeout: float = 30.0,
        max_concurrency: int = 16,
        max_retries: int = 4,
        max_wait: float = 300.0,
        write_interval: float = 1.0,
        backoff: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoints = endpoints or Endpoints()
        self._token = token or None
        self._timeout = timeout
        self._gate = asyncio.Semaphore(max(1, min(max_concurrency, MAX_CONCURRENCY)))
        self._write_lock = asyncio.Lock()
        self._last_write = 0.0
        self._write_interval = write_interval
        self._max_retries = max_retries
        self._max_wait = max_wait
        self._backoff = backoff
        self._paused_until = 0.0
        self._origins = {origin(self.endpoints.api_url), origin(self.endpoints.graphql_url)}
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT, "X-GitHub-Api-Version": API_VERSION},
        )
        self.requests = 0
        self.graphql_requests = 0

    def __repr__(self) -> str:
        return f"GitHubClient({self.endpoints.api_url!r}, token={'set' if self._token else None})"

    async def __aenter__(self) -> GitHubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def redact(self, text: str) -> str:
        """``text`` without this client's token."""
        return redact(text, self._token)

    # --- public calls ------------------------------------------------------------------

    async def rest(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        accept: str = "application/vnd.github+json",
        max_body: int = MAX_REST_BODY,
    ) -> RestResponse:
        """Call a REST endpoint (``path`` below the API URL, or a same-origin URL).

        Raises :class:`GitHubError` for any status of 400 and above."""
        url = path if "://" in path else f"{self.endpoints.api_url}/{path.lstrip('/')}"
        status, headers, body = await self._request(
            method.upper(), url, params=params, json_body=json_body, accept=accept,
            max_body=max_body,
        )  # fmt: skip
        if accept.endswith("raw") or accept.endswith(".raw+json"):
            return RestResponse(status, headers, body)
        return RestResponse(status, headers, _decode(body) if body else None)

    async def rest_pages(
        self, path: str, params: Mapping[str, str | int] | None = None, *, max_pages: int = 100
    ) -> AsyncIterator[list[Any]]:
        """Each page of a paginated list endpoint, following ``Link: rel="next"``."""
        url: str | None = path
        query: Mapping[str, str | int] | None = {"per_page": 100, **(params or {})}
        for _ in range(max_pages):
            if url is None:
                return
            answer = await self.rest("GET", url, params=query)
            if not isinstance(answer.data, list):
                raise GitHubError("GitHub answered a list request with something else")
            yield answer.data
            url = self._next_link(answer.headers.get("link"))
            query = None  # the next link carries the query
        raise GitHubError(f"more than {max_pages} pages; stopped")

    async def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> Any:
        """Run a GraphQL query and return its ``data``; errors raise :class:`GitHubError`.

        A partial answer (``data`` with ``errors``) is an error too: a field GitHub failed
        to resolve reads as null, which must not pass for "absent". Callers that can use
        partial answers call :meth:`graphql_partial`.
        """
        data, errors = await self.graphql_partial(query, variables)
        if errors:
            raise GitHubError(f"GitHub GraphQL error: {self._describe_errors(errors)}")
        return data

    async def graphql_partial(
        self, query: str, variables: Mapping[str, Any] | None = None
    ) -> tuple[Any, list[Any]]:
        """``(data, errors)`` of a GraphQL query; raises only when there is no data at all."""
        payload = {"query": query, "variables": dict(variables or {})}
        for attempt in range(self._max_retries + 1):
            self.graphql_requests += 1
            _, _, body = await self._request(
                "POST", self.endpoints.graphql_url, json_body=payload,
                accept="application/json", max_body=MAX_GRAPHQL_BODY, paced=False,
            )  # fmt: skip
            answer = _decode(body)
            if not isinstance(answer, dict):
                raise GitHubError("GitHub GraphQL answered with something other than an object")
            errors = answer.get("errors")
            if errors and not isinstance(errors, list):
                raise GitHubError("GitHub GraphQL answered with an unreadable error list")
            if errors:
                if _graphql_rate_limited(errors) and attempt < self._max_retries:
                    await self._sleep(self._backoff * 2**attempt * 30)
                    continue
                if answer.get("data") is None:
                    raise GitHubError(f"GitHub GraphQL error: {self._describe_errors(errors)}")
            return answer.get("data"), errors or []
        raise RateLimited("GitHub GraphQL rate limit persisted")

    # --- plumbing ----------------------------------------------------------------------

    def _next_link(self, header: str | None) -> str | None:
        if not header:
            return None
        match = _LINK_NEXT.search(header)
        if match is None:
            return None
        target: str = urljoin(self.endpoints.api_url + "/", match.group(1))
        if origin(target) not in self._origins:
            raise GitHubError("GitHub's next-page link points to another host; refused")
        return target

    def _describe_errors(self, errors: Any) -> str:
        if not isinstance(errors, list):
            return "unreadable error list"
        messages = [str(e.get("message", "")) if isinstance(e, dict) else "" for e in errors[:3]]
        # Redact before clipping: a token cut in two by the clip would no longer match.
        return one_line(self.redact("; ".join(m for m in messages if m)), _MESSAGE_LIMIT)

    async def _sleep(self, seconds: float) -> None:
        if seconds >= 0.5:
            LOGGER.debug("GitHub: waiting %.1f s (rate limit or retry)", seconds)
        if seconds > self._max_wait:
            raise RateLimited(
                f"GitHub asks to wait {seconds:.0f} s, more than the {self._max_wait:.0f} s limit",
                429,
            )
        await asyncio.sleep(max(0.0, seconds))

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        accept: str,
        max_body: int,
        paced: bool | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """``paced``: one at a time with a pause (default: for every method but GET/HEAD)."""
        if origin(url) not in self._origins:
            raise GitHubError("refusing to send the token to another host")
        headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        writing = method not in ("GET", "HEAD") if paced is None else paced
        for attempt in range(self._max_retries + 1):
            wait = self._paused_until - time.monotonic()
            if wait > 0:
                await self._sleep(wait)
            if writing:
                async with self._write_lock:
                    pause = self._last_write + self._write_interval - time.monotonic()
                    if pause > 0:
                        await asyncio.sleep(pause)
                    outcome = await self._send(method, url, params, json_body, headers, max_body)
                    self._last_write = time.monotonic()
            else:
                outcome = await self._send(method, url, params, json_body, headers, max_body)
            if isinstance(outcome, GitHubError):
                if attempt < self._max_retries:
                    await self._sleep(self._backoff * 2**attempt)
                    continue
                raise outcome
            status, response_headers, body = outcome
            self._note_limits(response_headers)
            delay = self._rate_limit_delay(status, response_headers, body)
            if delay is not None:
                if attempt == self._max_retries:
                    message = self._status_message(method, url, status, body)
                    raise RateLimited(f"{message} (rate limited; retries exhausted)", status)
                await self._sleep(max(delay, self._backoff * 2**attempt))
                continue
            if status in _RETRYABLE and attempt < self._max_retries and not writing:
                await self._sleep(self._backoff * 2**attempt)
                continue
            if status >= 400:
                raise GitHubError(self._status_message(method, url, status, body), status)
            return status, response_headers, body
        raise GitHubError("GitHub request retries exhausted")  # pragma: no cover

    async def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        json_body: Any,
        headers: Mapping[str, str],
        max_body: int,
    ) -> tuple[int, Mapping[str, str], bytes] | GitHubError:
        self.requests += 1
        async with self._gate:
            try:
                request = self._client.build_request(
                    method, url, params=params, json=json_body, headers=headers
                )
                response = await self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                return GitHubError(f"cannot reach GitHub: {type(exc).__name__}")
            try:
                body = await read_bounded(response, max_body)
            except httpx.HTTPError as exc:
                return GitHubError(f"GitHub connection broke: {type(exc).__name__}")
            finally:
                await response.aclose()
        LOGGER.debug("GitHub %s %s -> %d", method, urlsplit(url).path, response.status_code)
        if isinstance(body, str):
            # Not retried: the same oversized or garbled answer would come back.
            raise GitHubError(f"GitHub answer refused: {body}", response.status_code)
        return response.status_code, dict(response.headers), body

    def _note_limits(self, headers: Mapping[str, str]) -> None:
        remaining = _int(headers.get("x-ratelimit-remaining"))
        if remaining is None:
            return
        reset = _int(headers.get("x-ratelimit-reset"))
        if remaining == 0 and reset is not None:
            self._paused_until = max(
                self._paused_until, time.monotonic() + max(0.0, reset - time.time())
            )

    def _rate_limit_delay(
        self, status: int, headers: Mapping[str, str], body: bytes
    ) -> float | None:
        if status not in (403, 429):
            return None
        retry_after = parse_retry_after(headers.get("retry-after"))
        if retry_after is not None:
            return retry_after
        reset = _int(headers.get("x-ratelimit-reset"))
        if headers.get("x-ratelimit-remaining") == "0" and reset is not None:
            return max(0.0, reset - time.time())
        if status == 429 or b"rate limit" in body[:2000].lower():
            return 60.0 * self._backoff  # GitHub: wait at least a minute on a secondary limit
        return None

    def _status_message(self, method: str, url: str, status: int, body: bytes) -> str:
        detail = ""
        try:
            data = json.loads(body[:65536]) if body else None
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            detail = ": " + one_line(self.redact(data["message"]), _MESSAGE_LIMIT)
        path = one_line(self.redact(urlsplit(url).path), 200)
        return self.redact(f"GitHub {method} {path} answered {status}{detail}")


def _int(value: str | None) -> int | None:
    # Not str.isdigit(): it accepts "²", which int() refuses.
    if value is None or not _DIGITS.fullmatch(value.strip()):
        return None
    return int(value)


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise GitHubError(f"GitHub answered with unreadable JSON ({type(exc).__name__})") from None


def _graphql_rate_limited(errors: Any) -> bool:
    return isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors
    )
