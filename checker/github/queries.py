"""GraphQL query text for organisation scans.

One query lists a page of up to 100 repositories *and* reads the metadata files at each
one's ``HEAD``, so an organisation of 1,000 repositories takes 10 requests. Every query
here is validated against GitHub's published schema in the tests.
"""

from __future__ import annotations

from checker.sources.registry import ORG_FILES

#: Files read at each repository's HEAD: (GraphQL alias, path in the repository), from
#: the registry of metadata files.
REPOSITORY_FILES: tuple[tuple[str, str], ...] = tuple(
    (entry.org_alias, entry.name) for entry in ORG_FILES if entry.org_alias is not None
)

#: GitHub's largest page; also its limit on the nodes of one connection.
PAGE_SIZE = 100

_FILES = "\n".join(
    f'  {alias}: object(expression: "HEAD:{path}") {{ ...BlobText }}'
    for alias, path in REPOSITORY_FILES
)

_FRAGMENTS = f"""
fragment RepositoryFiles on Repository {{
  nameWithOwner
  isArchived
  isFork
  isEmpty
  defaultBranchRef {{ target {{ oid }} }}
{_FILES}
}}

fragment BlobText on GitObject {{
  ... on Blob {{ text isTruncated isBinary byteSize }}
}}
"""

_PAGE = """
  rateLimit { cost remaining resetAt }
  owner: %(field)s(login: $login) {
    login
    repositories(
      first: $pageSize
      after: $cursor
      isArchived: $isArchived
      isFork: $isFork%(affiliations)s
      orderBy: {field: NAME, direction: ASC}
    ) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...RepositoryFiles }
    }
  }
"""

_VARIABLES = (
    "$login: String!, $cursor: String, $pageSize: Int!, $isArchived: Boolean, $isFork: Boolean"
)

#: A page of an organisation's repositories with their metadata files.
ORGANIZATION_REPOSITORIES = (
    f"query OrganizationRepositories({_VARIABLES}) {{"
    + _PAGE % {"field": "organization", "affiliations": ""}
    + "}\n"
    + _FRAGMENTS
)

#: The same for a user account: only repositories the user owns, not those it collaborates on.
USER_REPOSITORIES = (
    f"query UserRepositories({_VARIABLES}) {{"
    + _PAGE % {"field": "user", "affiliations": "\n      ownerAffiliations: [OWNER]"}
    + "}\n"
    + _FRAGMENTS
)

#: Every query this module defines, for schema validation.
ALL_QUERIES: dict[str, str] = {
    "ORGANIZATION_REPOSITORIES": ORGANIZATION_REPOSITORIES,
    "USER_REPOSITORIES": USER_REPOSITORIES,
}
