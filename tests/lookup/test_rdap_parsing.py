"""Reading RDAP domain objects: lenient dates and statuses, strict shape, never a crash."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.lookup.rdap import (
    _Answer,
    _BadJson,
    _domain_answer,
    _load_json,
    normalise_status,
    parse_rdap_date,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rdap"
UTC = timezone.utc

DATES = {
    "2028-09-14T04:00:00Z": datetime(2028, 9, 14, 4, tzinfo=UTC),
    "2028-09-13T07:00:00.000+0000": datetime(2028, 9, 13, 7, tzinfo=UTC),
    "2004-08-30T22:55:00+00:00": datetime(2004, 8, 30, 22, 55, tzinfo=UTC),
    "2020-01-01T03:00:00+03:00": datetime(2020, 1, 1, 0, 0, tzinfo=UTC),
    "2020-01-01T00:00:00-05": datetime(2020, 1, 1, 5, 0, tzinfo=UTC),
    "2025-10-29T03:51:11.009091Z": datetime(2025, 10, 29, 3, 51, 11, 9091, tzinfo=UTC),
    "2026-10-05T23:37:43.98Z": datetime(2026, 10, 5, 23, 37, 43, 980000, tzinfo=UTC),
    "2020-02-02T02:02:02.123456789Z": datetime(2020, 2, 2, 2, 2, 2, 123456, tzinfo=UTC),
    "2019-01-01 10:00:00": datetime(2019, 1, 1, 10, tzinfo=UTC),
    "2019-01-01T10:00": datetime(2019, 1, 1, 10, tzinfo=UTC),
    "2019-01-01": datetime(2019, 1, 1, tzinfo=UTC),
    "2016-12-31t23:59:60z": datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC),
    " 2019-01-01T00:00:00Z ": datetime(2019, 1, 1, tzinfo=UTC),
}


@pytest.mark.parametrize("text", list(DATES))
def test_registry_date_spellings_read_as_utc(text: str) -> None:
    assert parse_rdap_date(text) == DATES[text]


@pytest.mark.parametrize(
    "text",
    ["", "31/12/2030", "2019-13-01T00:00:00Z", "2019-02-30", "2019-01-01T25:00:00Z",
     "2019-01-01T00:00:00+99:00", "yesterday", "9" * 100, None, 20190101, ["2019-01-01"]],
)  # fmt: skip
def test_unreadable_dates_are_none_not_errors(text: Any) -> None:
    assert parse_rdap_date(text) is None


STATUSES = {
    "active": "active",
    "Client Transfer Prohibited": "client transfer prohibited",
    "clientTransferProhibited": "client transfer prohibited",
    "pendingDelete": "pending delete",
    "redemptionPeriod": "redemption period",
    "autoRenewPeriod": "auto renew period",
    "ok": "active",
    "OK": "active",
    "server_hold": "server hold",
    "server recover prohibited": "server recover prohibited",  # AFNIC, outside RFC 8056
    "clientHold https://icann.org/epp#clientHold": "client hold",
    "  pending   restore\t": "pending restore",
}


@pytest.mark.parametrize("raw", list(STATUSES))
def test_statuses_are_normalised_to_rfc_8056_spelling(raw: str) -> None:
    assert normalise_status(raw) == STATUSES[raw]


@pytest.mark.parametrize("raw", [None, 5, "", "   ", "\x00\x01", {"status": "x"}])
def test_unusable_statuses_are_dropped(raw: Any) -> None:
    assert normalise_status(raw) is None


def test_a_registrar_answer_reads_org_last_update_and_colonless_offsets() -> None:
    body = json.loads((FIXTURES / "whodap_google.com.markmonitor-registrar.json").read_text())
    answer = _domain_answer(body, "google.com", "https://rdap.markmonitor.com/x")
    assert isinstance(answer, _Answer)
    registration = answer.registration
    assert registration.registrar == "MarkMonitor Inc."  # vCard 'org': there is no 'fn'
    assert registration.updated == datetime(2019, 9, 9, 15, 39, 4, tzinfo=UTC)  # 'last update'
    assert registration.expires == datetime(2028, 9, 13, 7, tzinfo=UTC)
    assert answer.related is None


def test_the_related_link_is_taken_from_the_registry_answer() -> None:
    body = json.loads((FIXTURES / "rct_hhgames.com.verisign-2025.json").read_text())
    answer = _domain_answer(body, "hhgames.com", "https://rdap.verisign.com/com/v1/domain/x")
    assert isinstance(answer, _Answer)
    assert answer.related == "https://rdap.fabulous.com/rdap/domain/HHGAMES.COM"


def test_a_registrar_expiration_event_fills_a_missing_expiry_with_a_note() -> None:
    body = {
        "objectClassName": "domain",
        "ldhName": "x.test",
        "events": [{"eventAction": "registrar expiration", "eventDate": "2030-01-01T00:00:00Z"}],
    }
    answer = _domain_answer(body, "x.test", "u")
    assert isinstance(answer, _Answer)
    assert answer.registration.expires == datetime(2030, 1, 1, tzinfo=UTC)
    assert answer.registration.notes == (
        "no expiration event; used registrar expiration 2030-01-01T00:00:00+00:00",
    )


def test_odd_member_types_outside_statuses_and_dates_are_ignored() -> None:
    body = {
        "objectClassName": "domain",
        "ldhName": "x.test",
        "status": ["active"],
        "events": [5, {"eventAction": 7}, {"eventAction": "last changed", "eventDate": None}],
        "nameservers": ["ns1.x.test", {"ldhName": "NS2.X.TEST."}, {"ldhName": "bad name"}],
        "entities": {"roles": ["registrar"]},
        "links": "https://elsewhere/",
    }
    answer = _domain_answer(body, "x.test", "u")
    assert isinstance(answer, _Answer)
    assert answer.registration.statuses == ("active",)
    assert answer.registration.nameservers == ("ns2.x.test",)
    assert answer.registration.registrar is None
    assert answer.registration.notes == ("ignored unparseable last changed date (not text)",)


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"status": "active"}, "'status' is not an array"),
        ({"status": [{"value": "active"}]}, "a status that is not text"),
        (
            {"status": ["active"], "events": {"eventAction": "expiration"}},
            "'events' is not an array",
        ),
        (
            {
                "status": ["active"],
                "events": [{"eventAction": "expiration", "eventDate": "2026-06-31"}],
            },
            "unreadable expiration date '2026-06-31'",
        ),
        ({}, "no status, date, nameserver or registrar"),
    ],
)
def test_unreadable_statuses_or_dates_make_the_answer_a_failure(
    members: dict[str, Any], reason: str
) -> None:
    body = {"objectClassName": "domain", "ldhName": "x.test", **members}
    answer = _domain_answer(body, "x.test", "u")
    assert isinstance(answer, str)
    assert reason in answer


def test_hyphenated_statuses_are_recognised() -> None:
    body = {"objectClassName": "domain", "ldhName": "x.test", "status": ["pending-delete"]}
    answer = _domain_answer(body, "x.test", "u")
    assert isinstance(answer, _Answer)
    assert answer.registration.statuses == ("pending delete",)


@pytest.mark.parametrize(
    "action", ["expiration", "Record expires", "EXPIRATION", "expiry", "expiration date"]
)
def test_every_event_action_that_denotes_expiry_is_read_as_the_expiry(action: str) -> None:
    # .kg answers "Record expires" (issue 10); the lifecycle table lists the spellings
    body = {
        "objectClassName": "domain",
        "ldhName": "x.kg",
        "status": ["active"],
        "events": [{"eventAction": action, "eventDate": "2030-01-01T00:00:00Z"}],
    }
    answer = _domain_answer(body, "x.kg", "u")
    assert isinstance(answer, _Answer)
    assert answer.registration.expires == datetime(2030, 1, 1, tzinfo=UTC)


def test_an_event_action_that_only_contains_expiry_words_is_not_the_expiry() -> None:
    body = {
        "objectClassName": "domain",
        "ldhName": "x.test",
        "status": ["active"],
        "events": [
            {"eventAction": "expiration notice sent", "eventDate": "2020-01-01T00:00:00Z"},
            {"eventAction": "last update of RDAP database", "eventDate": "2026-01-01T00:00:00Z"},
        ],
    }
    answer = _domain_answer(body, "x.test", "u")
    assert isinstance(answer, _Answer)
    assert answer.registration.expires is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("redemption", "redemption"),
        ("pending_delete", "pending-delete"),
        ("PENDING DELETE", "pending-delete"),
        ("pendingDelete", "pending-delete"),
        ("client hold", "on-hold"),
        ("some registry word", "unrecognised-status"),
    ],
)
def test_rdap_status_variants_reach_the_verdict(raw: str, reason: str) -> None:
    from checker.verdict import judge

    body = {
        "objectClassName": "domain",
        "ldhName": "x.test",
        "status": [raw],
        "events": [{"eventAction": "expiration", "eventDate": "2030-01-01T00:00:00Z"}],
    }
    answer = _domain_answer(body, "x.test", "u")
    assert isinstance(answer, _Answer)
    result = judge("x.test", registration=answer.registration, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert reason in [r.code.value for r in result.reasons]
    assert result.risk.value != "none"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=40,
)
MEMBERS = st.sampled_from(["status", "events", "nameservers", "entities", "links", "ldhName"])


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(MEMBERS, JSON, max_size=6), JSON)
def test_any_json_in_a_domain_object_gives_an_answer_or_a_reason(
    members: dict[str, Any], stray: Any
) -> None:
    body = {"objectClassName": "domain", "ldhName": "x.test", **members, "extra": stray}
    answer = _domain_answer(body, "x.test", "u")
    assert isinstance(answer, (_Answer, str))
    if isinstance(answer, _Answer):
        assert all(s == s.lower() for s in answer.registration.statuses)
        assert all(not ns.endswith(".") for ns in answer.registration.nameservers)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_either_parse_or_raise_only_the_bounded_json_error(data: bytes) -> None:
    with contextlib.suppress(_BadJson):
        _load_json(data)


def test_an_end_of_time_expiry_is_no_expiry_and_the_statuses_still_decide() -> None:
    """Nomulus (Google Registry's server) publishes END_OF_TIME, year 294247, as the expiry
    of a name in redemption (its test fixture rdap_domain_redemption); dropping the whole
    answer as unreadable turned a critical name into an unknown one."""
    body = {
        "objectClassName": "domain",
        "ldhName": "redemption.test",
        "status": ["pending delete", "redemption period"],
        "events": [
            {"eventAction": "registration", "eventDate": "2000-01-01T00:00:00.000Z"},
            {"eventAction": "expiration", "eventDate": "294247-01-10T04:00:54.775Z"},
        ],
    }
    answer = _domain_answer(body, "redemption.test", "u")
    assert isinstance(answer, _Answer)
    assert answer.registration.expires is None
    assert any("past the year 9999" in note for note in answer.registration.notes)
    from checker.verdict import judge

    verdict = judge(
        "redemption.test", registration=answer.registration, now=datetime(2001, 1, 1, tzinfo=UTC)
    )
    assert verdict.risk.value == "critical"
    # a registration date out of range is still no answer at all
    body["events"][0]["eventDate"] = "294247-01-10T04:00:54.775Z"  # type: ignore[index]
    assert isinstance(_domain_answer(body, "redemption.test", "u"), str)
