"""Every GraphQL query domain-guard sends is valid against GitHub's published schema."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from checker.github.queries import ALL_QUERIES, PAGE_SIZE, REPOSITORY_FILES
from tests.servers.github_org import github_schema


@pytest.mark.parametrize("name", sorted(ALL_QUERIES))
def test_query_validates_against_githubs_schema(name: str) -> None:
    errors = validate(github_schema(), parse(ALL_QUERIES[name]))
    assert errors == [], [e.message for e in errors]


def test_schema_validation_rejects_a_field_github_does_not_have() -> None:
    broken = ALL_QUERIES["ORGANIZATION_REPOSITORIES"].replace("isTruncated", "isCut")
    errors = validate(github_schema(), parse(broken))
    assert any("isCut" in e.message for e in errors)


@pytest.mark.parametrize("name", sorted(ALL_QUERIES))
def test_query_reads_every_metadata_file_at_head_in_the_listing(name: str) -> None:
    query = ALL_QUERIES[name]
    for alias, path in REPOSITORY_FILES:
        assert f'{alias}: object(expression: "HEAD:{path}")' in query
    assert "pageInfo { hasNextPage endCursor }" in query
    assert "rateLimit { cost remaining resetAt }" in query
    assert PAGE_SIZE == 100


def test_user_query_lists_only_repositories_the_user_owns() -> None:
    assert "ownerAffiliations: [OWNER]" in ALL_QUERIES["USER_REPOSITORIES"]
