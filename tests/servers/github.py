"""A loopback fake of the GitHub API for tests and benchmarks.

:class:`FakeGitHub` is a threaded HTTP/1.1 server on ``127.0.0.1`` that keeps issues,
labels and comments per repository in memory and implements the REST endpoints
domain-guard calls (issue listing with label filter and ``Link`` pagination, create,
update, comment; repository contents), plus ``POST /graphql`` answered by a pluggable
``graphql_handler``. It checks the bearer token, records every request, and can be told
to answer the next matching requests with something else (rate limits, errors).

    with FakeGitHub(token="ghs_x") as github:
        github.queue(Canned(429, {"message": "slow down"}, {"Retry-After": "1"}))
        ... GitHubClient("ghs_x", github.endpoints) ...
        assert github.issues("o/r")[0]["state"] == "open"
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from checker.github.client import Endpoints

GraphQLHandler = Callable[[str, dict[str, Any]], "Canned"]

_ISSUES = re.compile(r"^/repos/([^/]+/[^/]+)/issues$")
_ISSUE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)$")
_COMMENTS = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
_CONTENTS = re.compile(r"^/repos/([^/]+/[^/]+)/contents/(.+)$")


@dataclass(frozen=True)
class Canned:
    """One answer: status, JSON (or raw bytes) body, extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    """A request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class _Queued:
    answer: Canned
    method: str | None
    path_prefix: str | None


class FakeGitHub:
    """The fake API. ``read_only_tokens`` may read but get 403 on every write."""

    def __init__(
        self,
        token: str | None = "ghs_fake_token",
        *,
        read_only_tokens: frozenset[str] = frozenset(),
        page_size: int | None = None,
        login: str = "github-actions[bot]",
    ) -> None:
        self.token = token
        #: Whose token this is: the author of issues it creates, GraphQL's ``viewer``.
        self.login = login
        self.read_only_tokens = read_only_tokens
        self.page_size = page_size
        self.requests: list[Recorded] = []
        self.graphql_handler: GraphQLHandler | None = None
        self.contents: dict[tuple[str, str], bytes] = {}
        self._issues: dict[str, list[dict[str, Any]]] = {}
        self._queue: list[_Queued] = []
        self._lock = threading.Lock()
        self._active = 0
        self.max_active = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints(api_url=f"{self.url}/api/v3", graphql_url=f"{self.url}/api/graphql")

    # --- test set-up and inspection ----------------------------------------------------

    def queue(self, answer: Canned, *, method: str | None = None, path: str | None = None) -> None:
        """Answer the next request matching ``method``/``path`` prefix with ``answer``."""
        with self._lock:
            self._queue.append(_Queued(answer, method, path))

    def add_issue(
        self,
        repo: str,
        *,
        title: str,
        body: str,
        labels: list[str],
        state: str = "open",
        pull_request: bool = False,
        author: str | None = None,
    ) -> int:
        """Create an issue (or pull request) directly, written by ``author`` (the token's
        own identity unless given); returns its number."""
        with self._lock:
            return self._create(
                repo, title, body, labels, state, pull_request=pull_request, author=author
            )

    def issues(self, repo: str) -> list[dict[str, Any]]:
        """A snapshot of the repository's issues."""
        with self._lock:
            return json.loads(json.dumps(self._issues.get(repo, [])))

    def writes(self) -> list[Recorded]:
        """The requests that changed something."""
        return [
            r for r in self.requests if r.method not in ("GET", "HEAD") and r.path != "/api/graphql"
        ]

    # --- behaviour ---------------------------------------------------------------------

    def _create(
        self,
        repo: str,
        title: str,
        body: str,
        labels: list[str],
        state: str,
        *,
        pull_request: bool = False,
        author: str | None = None,
    ) -> int:
        issues = self._issues.setdefault(repo, [])
        number = len(issues) + 1
        issue: dict[str, Any] = {
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "labels": [{"name": name} for name in labels],
            "comments": [],
            "html_url": f"https://github.example/{repo}/issues/{number}",
            "user": {"login": author or self.login},
        }
        if pull_request:
            issue["pull_request"] = {"url": "x"}
        issues.append(issue)
        return number

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Canned:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(Recorded(method, parts.path, query, headers, body))
            for index, queued in enumerate(self._queue):
                if (queued.method in (None, method)) and (
                    queued.path_prefix is None or parts.path.startswith(queued.path_prefix)
                ):
                    del self._queue[index]
                    return queued.answer
        auth = headers.get("authorization", "")
        given = auth.removeprefix("Bearer ").removeprefix("token ") if auth else None
        if self.token is not None and given not in {self.token, *self.read_only_tokens}:
            return Canned(401, {"message": "Bad credentials"})
        read_only = given in self.read_only_tokens
        path = parts.path
        if path == "/api/graphql" and method == "POST":
            if isinstance(body, dict) and "DomainGuardIssueAuthor" in str(body.get("query")):
                # Whose token this is; bots have "[bot]" in REST logins, not in GraphQL ones.
                viewer = {"login": self.login.removesuffix("[bot]")}
                return Canned(200, {"data": {"viewer": viewer}})
            if self.graphql_handler is None or not isinstance(body, dict):
                return Canned(400, {"message": "no GraphQL here"})
            return self.graphql_handler(str(body.get("query", "")), body.get("variables") or {})
        path = path.removeprefix("/api/v3")
        if method != "GET" and read_only:
            return Canned(403, {"message": "Resource not accessible by integration"})
        with self._lock:
            return self._rest(method, path, query, body, target)

    def _rest(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, target: str
    ) -> Canned:
        if match := _ISSUES.match(path):
            repo = match.group(1)
            if method == "GET":
                return self._list(repo, query, target)
            if method == "POST" and isinstance(body, dict):
                number = self._create(
                    repo, str(body.get("title")), str(body.get("body", "")),
                    list(body.get("labels") or []), "open",
                )  # fmt: skip
                return Canned(201, self._issues[repo][number - 1])
        if (match := _ISSUE.match(path)) and method == "PATCH" and isinstance(body, dict):
            issue = self._find(match.group(1), int(match.group(2)))
            if issue is None:
                return Canned(404, {"message": "Not Found"})
            for key in ("title", "body", "state", "state_reason"):
                if key in body:
                    issue[key] = body[key]
            return Canned(200, issue)
        if (match := _COMMENTS.match(path)) and method == "POST" and isinstance(body, dict):
            issue = self._find(match.group(1), int(match.group(2)))
            if issue is None:
                return Canned(404, {"message": "Not Found"})
            issue["comments"].append(str(body.get("body", "")))
            return Canned(201, {"id": len(issue["comments"]), "body": body.get("body")})
        if (match := _CONTENTS.match(path)) and method == "GET":
            data = self.contents.get((match.group(1), match.group(2)))
            if data is None:
                return Canned(404, {"message": "Not Found"})
            return Canned(200, data)
        return Canned(404, {"message": "Not Found"})

    def _find(self, repo: str, number: int) -> dict[str, Any] | None:
        issues = self._issues.get(repo, [])
        return issues[number - 1] if 0 < number <= len(issues) else None

    def _list(self, repo: str, query: dict[str, list[str]], target: str) -> Canned:
        wanted = set((query.get("labels") or [""])[0].split(",")) - {""}
        state = (query.get("state") or ["open"])[0]
        found = [
            issue
            for issue in self._issues.get(repo, [])
            if wanted <= {label["name"] for label in issue["labels"]}
            and (state == "all" or issue["state"] == state)
        ]
        found.sort(key=lambda issue: -issue["number"])
        size = self.page_size or int((query.get("per_page") or ["30"])[0])
        page = int((query.get("page") or ["1"])[0])
        chunk = found[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(found):
            base = urlsplit(target)
            rest = [f"{k}={v[0]}" for k, v in query.items() if k != "page"]
            link = f"{self.url}{base.path}?{'&'.join([*rest, f'page={page + 1}'])}"
            headers["Link"] = f'<{link}>; rel="next"'
        return Canned(200, chunk, headers)


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without this, Nagle plus delayed ACK
        # adds ~40 ms to every exchange.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            with fake._lock:
                fake._active += 1
                fake.max_active = max(fake.max_active, fake._active)
            try:
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = fake.handle(self.command, self.path, headers, raw)
            finally:
                with fake._lock:
                    fake._active -= 1
            if isinstance(answer.body, bytes):
                data = answer.body
                kind = "application/octet-stream"
            else:
                data = json.dumps(answer.body).encode()
                kind = "application/json; charset=utf-8"
            self.send_response(answer.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler
