"""A GraphQL organisation for :class:`tests.servers.github.FakeGitHub`.

:class:`FakeOrgGraphQL` executes the queries it receives with graphql-core against
GitHub's published schema (``tests/fixtures/github/github-schema.graphql``), so a query
that GitHub would reject is rejected here too, and aliases, fragments and variables
behave as on GitHub. It serves organisations and users with repositories whose files
are read through ``object(expression: "HEAD:path")``, paginates ``repositories`` with
opaque cursors (at most 100 per page, ordered by name), honours the ``isArchived`` /
``isFork`` filters, truncates long blob texts like GitHub does, answers unknown logins
with ``NOT_FOUND`` errors and reports a ``rateLimit``.

    fake = FakeOrgGraphQL()
    fake.add_org("acme", [FakeRepo("widgets", files={"pyproject.toml": TEXT})])
    with FakeGitHub(token="ghp_x") as github:
        fake.install(github)
        ...
"""

from __future__ import annotations

import base64
import functools
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, build_ast_schema, graphql_sync, parse

from tests.servers.github import Canned, FakeGitHub

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "github-schema.graphql"
#: Where the fake truncates ``Blob.text`` (GitHub does not document its limit); longer
#: files say ``isTruncated: true``.
GITHUB_TRUNCATE_AT = 512 * 1024
RATE_LIMIT = 5000


@functools.cache
def github_schema() -> GraphQLSchema:
    """GitHub's schema, built once per process (about a second).

    GitHub's published schema is taken as valid as published: graphql-core 3.3 added a
    schema rule (a deprecated field may not implement a non-deprecated interface field)
    that GitHub's schema breaks, and our queries are what these tests validate.
    """
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    return build_ast_schema(parse(text), assume_valid=True, assume_valid_sdl=True)


class TypedError(Exception):
    """A field error carrying GitHub's ``type`` (``NOT_FOUND``, ``SERVICE_UNAVAILABLE``...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class FakeRepo:
    """One repository: its name, flags and the files at HEAD (none: an empty repository)."""

    name: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    archived: bool = False
    fork: bool = False
    empty: bool = False

    @property
    def oid(self) -> str:
        return hashlib.sha1(self.name.encode()).hexdigest()  # a fake commit id


@dataclass
class _Owner:
    login: str
    kind: str  # "organization" or "user"
    repos: list[FakeRepo]


class FakeOrgGraphQL:
    """A ``graphql_handler`` serving organisations and users from memory."""

    def __init__(self, *, truncate_at: int = GITHUB_TRUNCATE_AT) -> None:
        self.truncate_at = truncate_at
        self.owners: dict[str, _Owner] = {}
        self.failing: set[tuple[str, str]] = set()  # (nameWithOwner, path): a field error
        self.queries: list[tuple[str, dict[str, Any]]] = []
        self.remaining = RATE_LIMIT
        self._lock = threading.Lock()
        self._github: FakeGitHub | None = None

    # --- set-up ------------------------------------------------------------------------

    def add_org(self, login: str, repos: Iterable[FakeRepo]) -> None:
        self.owners[login.lower()] = _Owner(login, "organization", list(repos))
        self._publish()

    def add_user(self, login: str, repos: Iterable[FakeRepo]) -> None:
        self.owners[login.lower()] = _Owner(login, "user", list(repos))
        self._publish()

    def install(self, github: FakeGitHub) -> None:
        """Answer ``github``'s GraphQL endpoint and serve every file over REST contents."""
        self._github = github
        github.graphql_handler = self
        self._publish()

    def _publish(self) -> None:
        if self._github is None:
            return
        for owner in self.owners.values():
            for repo in owner.repos:
                for path, data in repo.files.items():
                    raw = data.encode() if isinstance(data, str) else data
                    self._github.contents[(f"{owner.login}/{repo.name}", path)] = raw

    # --- answering ---------------------------------------------------------------------

    def __call__(self, query: str, variables: dict[str, Any]) -> Canned:
        with self._lock:
            self.queries.append((query, variables))
            self.remaining = max(0, self.remaining - 1)
            remaining = self.remaining
        root = {
            "rateLimit": {"cost": 1, "remaining": remaining, "resetAt": "2026-11-21T11:00:00Z"},
            "organization": lambda info, login: self._owner(login, "organization"),
            "user": lambda info, login: self._owner(login, "user"),
        }
        result = graphql_sync(github_schema(), query, root_value=root, variable_values=variables)
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [_github_error(error) for error in result.errors]
        if result.data is not None or not result.errors:
            body["data"] = result.data
        headers = {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": "1900000000",
            "x-ratelimit-resource": "graphql",
        }
        return Canned(200, body, headers)

    def _owner(self, login: str, kind: str) -> dict[str, Any]:
        owner = self.owners.get(login.lower())
        if owner is None or owner.kind != kind:
            label = "an Organization" if kind == "organization" else "a User"
            raise TypedError(
                "NOT_FOUND", f"Could not resolve to {label} with the login of '{login}'."
            )
        return {"login": owner.login, "repositories": self._connection(owner)}

    def _connection(self, owner: _Owner) -> Any:
        def repositories(info: Any, **args: Any) -> dict[str, Any]:
            first = args.get("first")
            if first is None:
                raise TypedError(
                    "MISSING_PAGINATION_BOUNDARIES",
                    "You must provide a `first` or `last` value to properly paginate "
                    "the `repositories` connection.",
                )
            if not 0 <= first <= 100:
                raise TypedError(
                    "EXCESSIVE_PAGINATION",
                    f"Requesting {first} records on the `repositories` connection exceeds "
                    "the `first` limit of 100 records.",
                )
            repos = sorted(owner.repos, key=lambda r: r.name.lower())
            if args.get("isArchived") is not None:
                repos = [r for r in repos if r.archived == args["isArchived"]]
            if args.get("isFork") is not None:
                repos = [r for r in repos if r.fork == args["isFork"]]
            start = _cursor_index(args.get("after")) + 1 if args.get("after") else 0
            page = repos[start : start + first]
            end = start + len(page) - 1
            return {
                "totalCount": len(repos),
                "pageInfo": {
                    "hasNextPage": start + len(page) < len(repos),
                    "endCursor": _cursor(end) if page else None,
                },
                "nodes": [self._repository(owner, repo) for repo in page],
            }

        return repositories

    def _repository(self, owner: _Owner, repo: FakeRepo) -> dict[str, Any]:
        name_with_owner = f"{owner.login}/{repo.name}"

        def git_object(info: Any, expression: str | None = None, **_: Any) -> Any:
            if repo.empty or not expression or not expression.startswith("HEAD:"):
                return None
            path = expression.removeprefix("HEAD:")
            if (name_with_owner, path) in self.failing:
                raise TypedError(
                    "SERVICE_UNAVAILABLE", "Something went wrong while executing your query."
                )
            data = repo.files.get(path)
            return None if data is None else self._blob(data)

        return {
            "nameWithOwner": name_with_owner,
            "isArchived": repo.archived,
            "isFork": repo.fork,
            "isEmpty": repo.empty,
            "defaultBranchRef": (
                None if repo.empty else {"target": {"__typename": "Commit", "oid": repo.oid}}
            ),
            "object": git_object,
        }

    def _blob(self, data: str | bytes) -> dict[str, Any]:
        raw = data.encode() if isinstance(data, str) else data
        binary = b"\x00" in raw[:8000]
        truncated = not binary and len(raw) > self.truncate_at
        text = None if binary else raw[: self.truncate_at].decode("utf-8", "replace")
        return {
            "__typename": "Blob",
            "text": text,
            "isTruncated": truncated,
            "isBinary": binary,
            "byteSize": len(raw),
        }

    # --- inspection --------------------------------------------------------------------

    @property
    def requests(self) -> int:
        """GraphQL queries answered."""
        return len(self.queries)


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _cursor_index(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError):
        raise TypedError(
            "INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor."
        ) from None


def _github_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    formatted.pop("extensions", None)
    if isinstance(error.original_error, TypedError):
        formatted["type"] = error.original_error.kind
    return formatted
