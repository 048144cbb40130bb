"""parse_whois on real registry answers (tests/fixtures/whois/README.md) and on hostile text."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.lookup.whois_parse import (
    normalise_statuses,
    parse_whois,
    parse_whois_date,
    sanitise,
)
from checker.model import EvidenceSource, LookupFailure, ReasonCode, Registration
from tests.conftest import FIXTURES

WHOIS = FIXTURES / "whois"
URL = "whois://whois.example:43/"


def read(name: str) -> str:
    return (WHOIS / name).read_bytes().decode("utf-8")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


def free(domain: str) -> Registration:
    return Registration(registered=False, source=EvidenceSource.WHOIS, url=URL + domain)


def held(domain: str, **fields: object) -> Registration:
    return Registration(registered=True, source=EvidenceSource.WHOIS, url=URL + domain, **fields)  # type: ignore[arg-type]


GOOGLE_NS = ("ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com")

REAL_ANSWERS = [
    # .com (Verisign), the shared samples
    (
        "weppos_whois.verisign-grs.com_com_status_available.txt",
        "u34jedzcq.com",
        free("u34jedzcq.com"),
    ),
    (
        "weppos_whois.verisign-grs.com_com_status_registered.txt",
        "google.com",
        held(
            "google.com",
            statuses=(
                "client delete prohibited",
                "client transfer prohibited",
                "client update prohibited",
                "server delete prohibited",
                "server transfer prohibited",
                "server update prohibited",
            ),
            created=utc(1997, 9, 15, 4),
            expires=utc(2020, 9, 14, 4),
            updated=utc(2011, 7, 20, 16, 55, 31),
            registrar="MarkMonitor Inc.",
            nameservers=GOOGLE_NS,
        ),
    ),
    (
        # pendingDelete with the expiry already in the past: both are reported as read
        "weppos_whois.verisign-grs.com_com_property_status_pendingdelete.txt",
        "killianestates.com",
        held(
            "killianestates.com",
            statuses=("pending delete",),
            created=utc(2010, 5, 26),
            expires=utc(2013, 5, 26),
            updated=utc(2013, 5, 5),
            registrar="GODADDY.COM, LLC",
            nameservers=("ns75.domaincontrol.com", "ns76.domaincontrol.com"),
        ),
    ),
    ("weppos_whois.denic.de_de_status_available.txt", "u34jedzcq.de", free("u34jedzcq.de")),
    (
        "weppos_whois.denic.de_de_status_registered.txt",
        "google.de",
        held(
            "google.de",
            statuses=("connect",),
            updated=utc(2011, 3, 30, 17, 36, 27),  # +02:00 in the answer
            nameservers=GOOGLE_NS,
        ),
    ),
    ("weppos_whois.eu_eu_status_available.txt", "u34jedzcq.eu", free("u34jedzcq.eu")),
    ("weppos_whois.nic.uk_uk_status_available.txt", "u34jedzcq.co.uk", free("u34jedzcq.co.uk")),
    # found with the code search
    ("weppos-parser_whois.nic.io_io_status_available.txt", "u34jedzcq.io", free("u34jedzcq.io")),
    (
        "weppos-parser_whois.nic.io_io_status_registered.txt",
        "redis.io",
        held(
            "redis.io",
            statuses=("client transfer prohibited",),
            created=utc(2010, 5, 28, 22, 9, 44),
            expires=utc(2020, 5, 28, 22, 9, 44),  # the registry's, not the empty registrar one
            updated=utc(2019, 5, 6, 17, 24, 58),
            registrar="Name.com LLC",
            nameservers=(
                "ns2kqz.name.com",
                "ns1djs.name.com",
                "ns4bht.name.com",
                "ns3ckl.name.com",
            ),
        ),
    ),
    ("weppos-parser_whois.nic.co_co_status_available.txt", "u34jedzcq.co", free("u34jedzcq.co")),
    ("weppos-whois_whois.nic.ch_status_available.txt", "u34jedzcq.ch", free("u34jedzcq.ch")),
    (
        # SWITCH: value on the line after the field name, no status, no dates
        "weppos-whois_whois.nic.ch_ch_status_registered.txt",
        "google.ch",
        held("google.ch", nameservers=GOOGLE_NS),
    ),
    ("weppos-whois_whois.nic.it_it_status_available.txt", "u34jedzcq.it", free("u34jedzcq.it")),
    (
        # contacts carry their own "Created:" lines; the domain's come first
        "weppos-whois_whois.nic.it_status_registered.txt",
        "google.it",
        held(
            "google.it",
            statuses=("active",),  # EPP "ok"
            created=utc(1999, 12, 10),
            expires=utc(2014, 4, 21),
            updated=utc(2013, 4, 21, 1, 5, 35),
            registrar="MarkMonitor International Limited",  # the Registrar section's name
            nameservers=("ns1.google.com", "ns4.google.com", "ns2.google.com", "ns3.google.com"),
        ),
    ),
    (
        "weppos-whois_whois.nic.it_property_status_pendingdelete_redemptionperiod.txt",
        "concessionari-fiat.it",
        held(
            "concessionari-fiat.it",
            statuses=("pending delete", "redemption period"),
            created=utc(2010, 2, 8, 22, 30, 4),
            expires=utc(2011, 2, 8),
            updated=utc(2011, 2, 11, 15, 38, 31),
            registrar="Seeweb S.r.l.",
            nameservers=("ns1.th.seeweb.it", "ns2.th.seeweb.it"),
        ),
    ),
    ("weppos-whois_whois.iis.se_se_status_available.txt", "u34jedzcq.se", free("u34jedzcq.se")),
    (
        "weppos-whois_whois.iis.se_se_status_registered.txt",
        "google.se",
        held(
            "google.se",
            statuses=(
                "active",
                "server delete prohibited",
                "server update prohibited",
                "server transfer prohibited",
            ),
            created=utc(2008, 10, 20),
            expires=utc(2014, 10, 20),
            updated=utc(2013, 9, 18),
            registrar="MarkMonitor Inc",
            nameservers=GOOGLE_NS,
        ),
    ),
    ("weppos-whois_whois.jprs.jp_jp_status_available.txt", "u34jedzcq.jp", free("u34jedzcq.jp")),
    (
        "weppos-whois_whois.jprs.jp_jp_status_registered.txt",
        "google.jp",
        held(
            "google.jp",
            statuses=("active",),
            created=utc(2005, 5, 30),
            expires=utc(2014, 5, 31),
            updated=utc(2013, 5, 31, 16, 5, 7),  # 2013/06/01 01:05:07 (JST)
            nameservers=GOOGLE_NS,
        ),
    ),
    ("weppos-whois_whois.nic.us_us_status_available.txt", "u34jedzcq.us", free("u34jedzcq.us")),
    (
        # "Status: NOT AVAILABLE" is DNS Belgium's word for registered, not a status
        "weppos-whois_whois.dns.be_status_registered.txt",
        "google.be",
        held(
            "google.be",
            created=utc(2000, 12, 12),
            nameservers=("ns4.google.com", "ns3.google.com", "ns1.google.com", "ns2.google.com"),
        ),
    ),
    (
        "weppos-whois_whois.dk-hostmaster.dk_status_registered.txt",
        "google.dk",
        held(
            "google.dk",
            statuses=("active",),
            created=utc(1999, 1, 10),
            expires=utc(2010, 3, 31),
            nameservers=("ns1.google.com", "ns2.google.com"),
        ),
    ),
    ("weppos-whois_whois.nic.at_at_status_available.txt", "u34jedzcq.at", free("u34jedzcq.at")),
    (
        "weppos-whois_whois.nic.at_status_registered.txt",
        "google.at",
        held("google.at", updated=utc(2011, 4, 26, 17, 57, 27), nameservers=GOOGLE_NS),
    ),
    ("weppos-whois_whois.tcinet.ru_ru_status_available.txt", "u34jedzcq.ru", free("u34jedzcq.ru")),
    (
        "weppos-whois_whois.tcinet.ru_ru_status_registered.txt",
        "google.ru",
        held(
            "google.ru",
            statuses=("registered", "delegated", "verified"),
            created=utc(2004, 3, 4),
            expires=utc(2015, 3, 5),  # paid-till
            registrar="RU-CENTER-REG-RIPN",
            nameservers=GOOGLE_NS,
        ),
    ),
    (
        "weppos-whois_whois.srs.net.nz_status_available.txt",
        "u34jedzcq.co.nz",
        free("u34jedzcq.co.nz"),
    ),
    (
        "weppos-whois_whois.srs.net.nz_property_status_pendingrelease.txt",
        "zumbafitness.co.nz",
        held(
            "zumbafitness.co.nz",
            statuses=("pending delete",),
            created=utc(2009, 7, 14, 0, 11, 36),
            expires=utc(2011, 7, 14, 0, 11, 36),
            updated=utc(2011, 7, 13, 15, 13, 49),
            registrar="NETREGISTRY PTY LTD",
            nameservers=("ns1.netregistry.net", "ns2.netregistry.net", "ns3.netregistry.net"),
            notes=("registry status '210 PendingRelease' read as 'pending delete'",),
        ),
    ),
    # derived from the real answers above (see the README)
    (
        "derived_io_status_autorenewperiod_clienthold.txt",
        "redis.io",
        held(
            "redis.io",
            statuses=("auto renew period", "client hold"),
            created=utc(2010, 5, 28, 22, 9, 44),
            expires=utc(2020, 5, 28, 22, 9, 44),
            updated=utc(2019, 5, 6, 17, 24, 58),
            registrar="Name.com LLC",
            nameservers=(
                "ns2kqz.name.com",
                "ns1djs.name.com",
                "ns4bht.name.com",
                "ns3ckl.name.com",
            ),
        ),
    ),
]


@pytest.mark.parametrize(("fixture", "domain", "expected"), REAL_ANSWERS)
def test_real_answer_parses_to_the_registry_state(
    fixture: str, domain: str, expected: Registration
) -> None:
    assert parse_whois(read(fixture), domain=domain, server="whois.example", url=URL + domain) == (
        expected
    )


THROTTLED = [
    (
        "weppos_whois.denic.de_de_response_throttled.txt",
        "google.de",
        "rate-limited the query: "
        "'% Error: 55000000002 Connection refused; access control limit reached.'",
        True,
    ),
    (
        "weppos-whois_whois.dk-hostmaster.dk_response_throttled.txt",
        "google.dk",
        "rate-limited the query: '# Too many connections.'",
        True,
    ),
    (
        "weppos-whois_whois.dns.be_be_response_throttled_hourly.txt",
        "test.be",
        "rate-limited the query: '% Maximum queries per hour reached (100)'",
        True,
    ),
    (
        "weppos-whois_whois.dns.be_be_response_blocked.txt",
        "example.be",
        "refused the query: '-3: IP address blocked'",
        False,
    ),
    (
        "weppos-whois_whois.eu_eu_response_throttled.txt",
        "wholesalegolfshop.eu",
        "rate-limited the query: '-1: Still in grace period, wait 7777777 seconds'",
        True,
    ),
    (
        "weppos-whois_whois.srs.net.nz_response_throttled.txt",
        "jaycar.co.nz",
        "rate-limited the query: '440 Request Denied'",  # the status field says it
        True,
    ),
    (
        "weppos-whois_whois.nic.it_it_response_unavailable.txt",
        "google.it",
        "is unavailable: 'Service temporarily unavailable.'",
        True,
    ),
]


@pytest.mark.parametrize(("fixture", "domain", "said", "retryable"), THROTTLED)
def test_rate_limit_and_refusal_are_failures_quoting_the_server(
    fixture: str, domain: str, said: str, retryable: bool
) -> None:
    result = parse_whois(read(fixture), domain=domain, server="whois.example", url=URL + domain)
    assert result == LookupFailure(
        code=ReasonCode.LOOKUP_FAILED,
        message=f"WHOIS whois.example for {domain}: server {said}",
        url=URL + domain,
        retryable=retryable,
    )


UNTRUSTWORTHY = [
    ("derived_de_status_free_other_name.txt", "u34jedzcq.de", "answer is about 'someone-else.de'"),
    (
        "derived_com_status_available_other_name.txt",
        "u34jedzcq.com",
        "answer is about 'SOMEONE-ELSE.COM'",
    ),
    ("derived_de_status_registered_no_echo.txt", "google.de", "unrecognised answer"),
    ("derived_it_status_available_with_created.txt", "u34jedzcq.it", "contradictory answer"),
    (
        "derived_it_status_registered_unreadable_expiry.txt",
        "google.it",
        "unreadable expiry date 'see web whois'",
    ),
    # a real registered answer read for another name
    (
        "weppos_whois.denic.de_de_status_registered.txt",
        "google-other.de",
        "answer is about 'google.de'",
    ),
    # a real "not found" of .se is about the name it quotes
    (
        "weppos-whois_whois.iis.se_se_status_available.txt",
        "other.se",
        "answer is about 'u34jedzcq.se'",
    ),
]


@pytest.mark.parametrize(("fixture", "domain", "why"), UNTRUSTWORTHY)
def test_answer_without_trustworthy_evidence_is_a_failure(
    fixture: str, domain: str, why: str
) -> None:
    result = parse_whois(read(fixture), domain=domain, server="whois.example", url=URL + domain)
    assert isinstance(result, LookupFailure)
    assert result.code is ReasonCode.LOOKUP_FAILED
    assert result.url == URL + domain
    assert why in result.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\r\n\r\n",
        "% only a disclaimer\n% nothing else\n",
        "Domain: google.de\n",  # echoed, but nothing about it
        "Welcome to our WHOIS service.\nPlease try later.\n",
    ],
)
def test_answer_with_no_recognised_content_is_never_registered(text: str) -> None:
    result = parse_whois(text, domain="google.de", server="whois.example", url=URL)
    assert isinstance(result, LookupFailure)


def test_not_found_phrase_is_matched_whole_not_as_a_prefix_of_another_word() -> None:
    text = "Domain: example.de\nStatus: freeze\n"
    result = parse_whois(text, domain="example.de", server="whois.example", url=URL)
    assert result == Registration(
        registered=True, source=EvidenceSource.WHOIS, url=URL, statuses=("freeze",)
    )


def test_idn_echo_in_unicode_matches_the_a_label_asked() -> None:
    text = "Domain: müller.de\nNserver: ns1.example.net\nStatus: connect\n"
    result = parse_whois(text, domain="xn--mller-kva.de", server="whois.example", url=URL)
    assert isinstance(result, Registration)
    assert result.registered is True
    assert result.nameservers == ("ns1.example.net",)


def test_quarantine_is_read_as_redemption_with_a_note() -> None:
    text = "Domain:\texample.be\nStatus:\tQUARANTINE\nRegistered:\tMon Dec 22 2003\n"
    result = parse_whois(text, domain="example.be", server="whois.dns.be", url=URL)
    assert result == Registration(
        registered=True,
        source=EvidenceSource.WHOIS,
        url=URL,
        statuses=("redemption period",),
        created=utc(2003, 12, 22),
        notes=("registry status 'QUARANTINE' read as 'redemption period'",),
    )


def test_server_words_in_a_failure_are_sanitised_and_bounded() -> None:
    hostile = "% Error: access control limit reached \x1b[31m\u202e" + "A" * 5000 + "\n"
    result = parse_whois(hostile, domain="google.de", server="whois.example", url=URL)
    assert isinstance(result, LookupFailure)
    assert "\x1b" not in result.message
    assert "\u202e" not in result.message
    assert len(result.message) < 400
    assert result.retryable is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-05-26T04:00:00Z", utc(2013, 5, 26, 4)),
        ("2013-05-26T04:00:00.000Z", utc(2013, 5, 26, 4)),
        ("2011-03-30T19:36:27+02:00", utc(2011, 3, 30, 17, 36, 27)),
        ("2011-03-30T19:36:27+0200", utc(2011, 3, 30, 17, 36, 27)),
        ("2019-01-23", utc(2019, 1, 23)),
        ("2019-01-23 10:11:12", utc(2019, 1, 23, 10, 11, 12)),
        ("2019/01/23", utc(2019, 1, 23)),
        ("2004.03.04", utc(2004, 3, 4)),
        ("23.01.2019", utc(2019, 1, 23)),
        ("26-may-2013", utc(2013, 5, 26)),
        ("13-Jun-2008 17:17:40 UTC", utc(2008, 6, 13, 17, 17, 40)),
        ("26 May 2013", utc(2013, 5, 26)),
        ("Tue Dec 12 2000", utc(2000, 12, 12)),
        ("Wed Jan 22 22:13:48 GMT 2014", utc(2014, 1, 22, 22, 13, 48)),
        ("20110426 17:57:27", utc(2011, 4, 26, 17, 57, 27)),
        ("2013/06/01 01:05:07 (JST)", utc(2013, 5, 31, 16, 5, 7)),
    ],
)
def test_dates_are_read_leniently_into_utc(text: str, expected: datetime) -> None:
    assert parse_whois_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "before 1996",
        "01/02/2019",
        "2019-13-01",
        "2019-02-30",
        "31.02.2019",
        "9999-12-31T23:59:59-23:59",
        "x" * 500,
    ],
)
def test_unreadable_or_ambiguous_dates_are_none(text: str) -> None:
    assert parse_whois_date(text) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "clientTransferProhibited https://icann.org/epp#clientTransferProhibited",
            ["client transfer prohibited"],
        ),
        ("pendingDelete", ["pending delete"]),
        ("redemptionPeriod", ["redemption period"]),
        ("autoRenewPeriod https://icann.org/epp#autoRenewPeriod", ["auto renew period"]),
        ("clientHold", ["client hold"]),
        ("serverHold", ["server hold"]),
        ("pendingRestore", ["pending restore"]),
        ("ok", ["active"]),
        ("CLIENT DELETE PROHIBITED", ["client delete prohibited"]),
        ("PENDING_DELETE", ["pending delete"]),
        ("pending-delete", ["pending delete"]),
        ("pendingdelete", ["pending delete"]),
        ("pendingDelete / redemptionPeriod", ["pending delete", "redemption period"]),
        ("REGISTERED, DELEGATED, VERIFIED", ["registered", "delegated", "verified"]),
        ("server recover prohibited", ["server recover prohibited"]),
        ("Connected (2019/05/31)", ["connected"]),
    ],
)
def test_statuses_are_spelled_as_rdap_spells_them(raw: str, expected: list[str]) -> None:
    assert normalise_statuses(raw) == expected


def test_sanitise_strips_control_characters_and_bounds_length() -> None:
    assert sanitise("a\x00b\tc\r\nd\x7f") == "a b c d"
    assert len(sanitise("x" * 1000)) == 200


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=3000),
    st.sampled_from(["example.de", "example.com", "xn--mller-kva.de", "a.b"]),
)
def test_parse_never_raises_on_arbitrary_text(text: str, domain: str) -> None:
    result = parse_whois(text, domain=domain, server="whois.example", url=URL)
    assert isinstance(result, (Registration, LookupFailure))


_REAL_LINES = sorted(
    {line for path in WHOIS.glob("*.txt") for line in path.read_text(encoding="utf-8").splitlines()}
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_REAL_LINES), max_size=60),
    st.sampled_from(["google.de", "google.com", "redis.io"]),
)
def test_parse_never_raises_on_shuffled_real_lines(lines: list[str], domain: str) -> None:
    result = parse_whois("\n".join(lines), domain=domain, server="whois.example", url=URL)
    assert isinstance(result, (Registration, LookupFailure))
    if isinstance(result, Registration) and result.registered:
        # a registered verdict rests on the name being echoed back, or on a full record
        # (created, expiry, and statuses or nameservers) that names no other object (.tr
        # answers never repeat the name), which the evidence then says
        assert any(domain in line.lower() for line in lines) or (
            "the answer does not repeat the domain name" in result.notes
            and result.created is not None
            and result.expires is not None
            and (result.statuses or result.nameservers)
        )
