"""RdapClient against real registry answers (vcrpy cassettes built from recorded bodies)."""

from __future__ import annotations

import asyncio
import importlib.util
from datetime import datetime, timezone
from pathlib import Path

import pytest
import vcr

from checker.lookup.bootstrap import shipped_bootstrap
from checker.lookup.rdap import RdapClient
from checker.model import EvidenceSource, LookupFailure, Registration
from checker.net.http import HostLimiter, make_client

CASSETTES = Path(__file__).parents[1] / "cassettes" / "rdap"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "rdap"
VERISIGN = "https://rdap.verisign.com/com/v1/domain/"
PIR = "https://rdap.publicinterestregistry.org/rdap/domain/"

PLAYBACK = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    serializer="json",
    match_on=("method", "scheme", "host", "port", "path", "query"),
)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


def never(_: Registration) -> bool:
    return False


def lookup_all(cassette: str, names: list[str]) -> dict[str, Registration | LookupFailure]:
    async def run() -> dict[str, Registration | LookupFailure]:
        async with make_client() as client:
            rdap = RdapClient(shipped_bootstrap(), client, limiter=HostLimiter(), timeout=5)
            answers = await asyncio.gather(*(rdap.lookup(n, follow_registrar=never) for n in names))
            return dict(zip(names, answers, strict=True))

    with PLAYBACK.use_cassette(cassette) as played:
        result = asyncio.run(run())
        assert played.play_count == len(names)
    return result


REGISTRY_ANSWERS = {
    "google.com": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url=VERISIGN + "google.com",
        statuses=(
            "client delete prohibited",
            "client transfer prohibited",
            "client update prohibited",
            "server delete prohibited",
            "server transfer prohibited",
            "server update prohibited",
        ),
        created=at(1997, 9, 15, 4),
        expires=at(2028, 9, 14, 4),
        registrar="MarkMonitor Inc.",
        nameservers=("ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com"),
    ),
    "themarquetry.com": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url=VERISIGN + "themarquetry.com",
        statuses=("client transfer prohibited",),
        created=at(2021, 3, 16, 17, 7, 37),
        expires=at(2022, 3, 16, 17, 7, 37),
        registrar="Hosting Concepts B.V. d/b/a Registrar.eu",
        nameservers=("ns1.dns-parking.com", "ns2.dns-parking.com"),
    ),
    "hhgames.com": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url=VERISIGN + "hhgames.com",
        statuses=(
            "client delete prohibited",
            "client transfer prohibited",
            "client update prohibited",
        ),
        created=at(2002, 7, 4, 19, 15, 32),
        expires=at(2026, 7, 4, 19, 21, 2),
        updated=at(2025, 4, 16, 4, 27, 20),
        registrar="Sea Wasp, LLC",
        nameservers=(
            "ns1.fabulous.com",
            "ns2.fabulous.com",
            "ns3.fabulous.com",
            "ns4.fabulous.com",
        ),
    ),
    "unregistered-7f3kq9.com": Registration(
        registered=False, source=EvidenceSource.RDAP, url=VERISIGN + "unregistered-7f3kq9.com"
    ),
    "wikipedia.org": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url=PIR + "wikipedia.org",
        statuses=(
            "client delete prohibited",
            "client transfer prohibited",
            "client update prohibited",
        ),
        created=at(2001, 1, 13, 0, 12, 14, 754000),
        expires=at(2027, 1, 13, 0, 12, 14),
        updated=at(2026, 8, 12, 8, 47, 19, 410000),
        registrar="MarkMonitor Inc.",
        nameservers=("ns0.wikimedia.org", "ns1.wikimedia.org", "ns2.wikimedia.org"),
    ),
    "markwatch-nonexistent-7f3kq9.org": Registration(
        registered=False,
        source=EvidenceSource.RDAP,
        url=PIR + "markwatch-nonexistent-7f3kq9.org",
        notes=("registry says: Object not found",),
    ),
    "web.dev": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url="https://pubapi.registry.google/rdap/domain/web.dev",
        statuses=(
            "client delete prohibited",
            "client transfer prohibited",
            "client update prohibited",
            "server delete prohibited",
            "server transfer prohibited",
            "server update prohibited",
        ),
        created=at(2018, 10, 29, 15, 57, 39, 435000),
        expires=at(2027, 10, 29, 15, 57, 39, 435000),
        updated=at(2026, 10, 3, 10, 22, 38, 601000),
        registrar="MarkMonitor Inc.",
        nameservers=("ns1.zdns.google", "ns2.zdns.google", "ns3.zdns.google", "ns4.zdns.google"),
    ),
    "bbc.co.uk": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url="https://rdap.nominet.uk/uk/domain/bbc.co.uk",
        statuses=(
            "server delete prohibited",
            "server transfer prohibited",
            "server update prohibited",
        ),
        created=at(1994, 12, 13, 3, 49, 48),
        expires=at(2034, 12, 13, 3, 49, 48),
        updated=at(2025, 10, 29, 3, 51, 11, 9091),
        registrar="British Broadcasting Corporation",
        nameservers=(
            "ddns0.bbc.co.uk",
            "ddns0.bbc.com",
            "ddns1.bbc.co.uk",
            "ddns1.bbc.com",
            "dns0.bbc.co.uk",
            "dns0.bbc.com",
            "dns1.bbc.co.uk",
            "dns1.bbc.com",
        ),
    ),
    "example.cz": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url="https://rdap.nic.cz/domain/example.cz",
        statuses=("active",),
        created=at(2004, 8, 30, 22, 55),
        expires=at(2019, 8, 30, 12),
        registrar="REG-INTERNET-CZ",  # CZ.NIC's registrar entity has a handle and no vCard
        nameservers=("ns2.pipni.cz", "ns3.pipni.cz", "ns.pipni.cz"),
    ),
    "norway.no": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url="https://rdap.norid.no/domain/norway.no",
        created=at(2017, 1, 24, 12, 9, 23),
        updated=at(2021, 1, 14, 5, 16, 59),
        registrar="Domeneshop AS",
        nameservers=(
            "ns1-09.azure-dns.com",
            "ns2-09.azure-dns.net",
            "ns3-09.azure-dns.org",
            "ns4-09.azure-dns.info",
        ),
    ),
    "you.tube": Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url="https://rdap.nic.tube/domain/you.tube",
        statuses=(
            "client update prohibited",
            "client transfer prohibited",
            "client delete prohibited",
        ),
        created=at(2016, 4, 17, 11, 31, 13),
        expires=at(2022, 4, 16, 23, 59, 59),
        updated=at(2021, 3, 20, 9, 34, 32),
        registrar="MarkMonitor, Inc.",
        nameservers=(
            "ns3.googledomains.com",
            "ns1.googledomains.com",
            "ns2.googledomains.com",
            "ns4.googledomains.com",
        ),
    ),
}


@pytest.fixture(scope="module")
def registry_answers() -> dict[str, Registration | LookupFailure]:
    return lookup_all("registries.json", list(REGISTRY_ANSWERS))


@pytest.mark.parametrize("domain", list(REGISTRY_ANSWERS))
def test_real_registry_answer_parses_to_exact_registration(
    registry_answers: dict[str, Registration | LookupFailure], domain: str
) -> None:
    assert registry_answers[domain] == REGISTRY_ANSWERS[domain]


def test_lookup_accepts_upper_case_and_trailing_dot_names() -> None:
    answers = lookup_all("registries.json", ["GOOGLE.COM."])
    assert answers["GOOGLE.COM."] == REGISTRY_ANSWERS["google.com"]


DERIVED_STATES = {
    "themarquetry.com": ("redemption period",),
    "hhgames.com": ("pending delete", "server hold"),
    "wikipedia.org": ("auto renew period", "client transfer prohibited"),
    # EPP spellings become RFC 8056 ones; a value outside RFC 8056 is kept as sent.
    "norway.no": ("client hold", "pending delete", "active", "server recover prohibited"),
}


@pytest.fixture(scope="module")
def derived_answers() -> dict[str, Registration | LookupFailure]:
    return lookup_all("derived.json", [*DERIVED_STATES, "example.cz"])


@pytest.mark.parametrize("domain", list(DERIVED_STATES))
def test_derived_lifecycle_statuses_are_read(
    derived_answers: dict[str, Registration | LookupFailure], domain: str
) -> None:
    answer = derived_answers[domain]
    assert isinstance(answer, Registration)
    assert answer.registered
    assert answer.statuses == DERIVED_STATES[domain]
    real = REGISTRY_ANSWERS[domain]
    assert (answer.created, answer.expires, answer.nameservers) == (
        real.created,
        real.expires,
        real.nameservers,
    )


def test_derived_date_spellings_are_all_read_as_utc(
    derived_answers: dict[str, Registration | LookupFailure],
) -> None:
    answer = derived_answers["example.cz"]
    assert isinstance(answer, Registration)
    assert answer.created == at(2004, 8, 30, 19, 55, 0, 123456)  # +03:00, 7 fraction digits
    assert answer.expires == at(2019, 8, 30, 12)  # +0000
    assert answer.updated == at(2019, 1, 1, 10)  # no zone: read as UTC
    assert answer.reregistered == at(2018, 5, 5)  # Z
    assert answer.notes == ("ignored unparseable registrar expiration date '31/12/2030'",)


def test_committed_cassettes_and_derived_fixtures_match_their_builder() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_cassettes", CASSETTES / "build_cassettes.py"
    )
    assert spec is not None
    assert spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for name, text in builder.derived_fixtures().items():
        assert (FIXTURES / name).read_text() == text, f"{name} is stale: rerun the builder"
    for name, text in builder.cassettes().items():
        assert (CASSETTES / name).read_text() == text, f"{name} is stale: rerun the builder"
