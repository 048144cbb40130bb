"""An organisation of 1,000 repositories on the loopback GitHub fake: requests and time.

domain-guard lists the repositories and reads their metadata files in the same GraphQL
query, 100 repositories per page: 1,000 repositories take 10 GraphQL requests (target:
at most 10), plus one REST read per blob GitHub truncated. The fake executes every query
against GitHub's published schema with graphql-core.

The comparison is a per-repository REST loop (what peer tools do): list the repositories
(10 pages of 100), then ``GET /repos/{owner}/{repo}/contents/{path}`` for each of the four
files in each repository, 4,010 requests. Its contents requests are timed one at a time
against the same fake.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from checker.github.client import GitHubClient
from checker.github.org import OrgScanResult, scan_org
from checker.github.queries import REPOSITORY_FILES
from tests.servers.github import FakeGitHub
from tests.servers.github_org import FakeOrgGraphQL, FakeRepo, github_schema

TOKEN = "ghp_benchmark0000000000000000000000000000"
REPOSITORIES = 1000
TRUNCATED = 5
MAX_GRAPHQL = 10
TARGET_SECONDS = 5.0


def organisation() -> FakeOrgGraphQL:
    fake = FakeOrgGraphQL(truncate_at=4096)
    repos = []
    for i in range(REPOSITORIES):
        files: dict[str, str | bytes] = {
            "pyproject.toml": (
                f'[project]\nname = "pkg{i}"\n'
                f'authors = [{{name = "Dev {i}", email = "dev{i}@maintainer{i % 200}.dev"}}]\n'
            )
        }
        if i % 10 == 0:
            files["setup.py"] = (
                f'from setuptools import setup\nsetup(author_email="a{i}@x{i}.org")\n'
            )
        if i % (REPOSITORIES // TRUNCATED) == 0:
            files["setup.cfg"] = "# padding\n" * 1000 + f"[metadata]\nauthor_email = c{i}@big.net\n"
        repos.append(FakeRepo(f"repo{i:04d}", files=files, archived=i % 97 == 0))
    fake.add_org("bench-org", repos)
    return fake


async def scan(github: FakeGitHub) -> OrgScanResult:
    # As the CLI does: GraphQL queries are not paced like writes.
    async with GitHubClient(TOKEN, github.endpoints, write_interval=0.0) as client:
        return await scan_org(client, "bench-org", include_archived=True)


def rest_loop(github: FakeGitHub, repositories: int) -> float:
    """Seconds for the contents requests of ``repositories`` repositories, one at a time."""
    start = time.perf_counter()
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for i in range(repositories):
            for _, path in REPOSITORY_FILES:
                client.get(
                    f"{github.endpoints.api_url}/repos/bench-org/repo{i:04d}/contents/{path}"
                )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--rest-sample", type=int, default=25, help="repositories of the REST loop to time"
    )
    args = parser.parse_args()
    github_schema()  # built once per process, not part of a scan
    failures = []
    fake = organisation()
    times, requests, rest_reads, contacts = [], [], [], 0
    with FakeGitHub(token=TOKEN) as github:
        fake.install(github)
        for _ in range(args.runs):
            github.requests.clear()
            start = time.perf_counter()
            result = asyncio.run(scan(github))
            times.append(time.perf_counter() - start)
            requests.append(sum(1 for r in github.requests if r.path.endswith("/graphql")))
            rest_reads.append(sum(1 for r in github.requests if r.method == "GET"))
            contacts = len(result.contacts)
            assert len(result.discovery.repositories) == REPOSITORIES, "repositories missing"
            assert not result.errors, result.errors[:3]
        sample = min(args.rest_sample, REPOSITORIES)
        loop = rest_loop(github, sample) * REPOSITORIES / sample
    rest_requests = REPOSITORIES // 100 + REPOSITORIES * len(REPOSITORY_FILES)
    print(
        f"domain-guard org, {REPOSITORIES} repositories: {statistics.median(times):.2f} s median "
        f"of {args.runs}, {max(requests)} GraphQL requests (target <= {MAX_GRAPHQL}), "
        f"{max(rest_reads)} REST reads of truncated blobs, {contacts} contacts"
    )
    print(
        f"per-repository REST loop: {rest_requests} requests; its contents requests one at a "
        f"time: {loop:.1f} s (extrapolated from {sample} repositories)"
    )
    if max(requests) > MAX_GRAPHQL:
        failures.append(f"{max(requests)} GraphQL requests > {MAX_GRAPHQL}")
    if statistics.median(times) > TARGET_SECONDS:
        failures.append(f"{statistics.median(times):.2f} s > {TARGET_SECONDS} s")
    if failures:
        print("MISSED:", ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
