"""The JSON codec of lookup evidence: exact round trips and strict, total readers."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.codec import (
    dns_from_dict,
    dns_to_dict,
    failure_from_dict,
    failure_to_dict,
    format_datetime,
    parse_datetime,
    registration_from_dict,
    registration_to_dict,
)
from checker.model import DnsInfo, EvidenceSource, LookupFailure, ReasonCode, Registration, Risk

UTC = timezone.utc

# --- strategies ---------------------------------------------------------------------------

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Aware datetimes in any fixed zone, kept where their UTC form stays within years 1-9999.
aware_datetimes = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)
# What the codec stores exactly: UTC, whole seconds.
utc_seconds = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
).map(lambda value: value.replace(microsecond=0))
optional_dates = st.none() | utc_seconds
texts = st.text(max_size=40)
text_tuples = st.lists(texts, max_size=5).map(tuple)

registrations = st.builds(
    Registration,
    registered=st.booleans(),
    source=st.sampled_from(EvidenceSource),
    url=texts,
    statuses=text_tuples,
    created=optional_dates,
    expires=optional_dates,
    updated=optional_dates,
    reregistered=optional_dates,
    registrar=st.none() | texts,
    nameservers=text_tuples,
    registrar_url=st.none() | texts,
    notes=text_tuples,
)
failures = st.builds(
    LookupFailure,
    code=st.sampled_from([code for code in ReasonCode if code.risk is Risk.UNKNOWN]),
    message=texts,
    url=st.none() | texts,
    retryable=st.booleans(),
)
dns_infos = st.builds(
    DnsInfo,
    nxdomain=st.none() | st.booleans(),
    nameservers=st.none() | text_tuples,
    mail_routes=st.none() | st.dictionaries(texts, st.booleans(), max_size=4),
    parked_by=st.none() | texts,
    resolver=st.none() | texts,
    error=st.none() | texts,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)


def through_json(data: dict[str, Any]) -> Any:
    return json.loads(json.dumps(data))


def sample_registration() -> Registration:
    return Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url="https://rdap.verisign.com/com/v1/domain/EXAMPLE.COM",
        statuses=("client delete prohibited", "client transfer prohibited"),
        created=datetime(1995, 8, 14, 4, 0, tzinfo=UTC),
        expires=datetime(2025, 8, 13, 4, 0, tzinfo=UTC),
        updated=datetime(2024, 8, 14, 7, 1, 34, tzinfo=UTC),
        registrar="RESERVED-Internet Assigned Numbers Authority",
        nameservers=("a.iana-servers.net", "b.iana-servers.net"),
    )


# --- round trips --------------------------------------------------------------------------


@given(registrations)
def test_registration_survives_a_json_round_trip(registration: Registration) -> None:
    assert registration_from_dict(through_json(registration_to_dict(registration))) == registration


@given(failures)
def test_failure_survives_a_json_round_trip(failure: LookupFailure) -> None:
    assert failure_from_dict(through_json(failure_to_dict(failure))) == failure


@given(dns_infos)
def test_dns_survives_a_json_round_trip(dns: DnsInfo) -> None:
    assert dns_from_dict(through_json(dns_to_dict(dns))) == dns


def test_registration_dict_has_the_report_keys_and_string_dates() -> None:
    data = registration_to_dict(sample_registration())
    assert list(data) == [
        "registered",
        "statuses",
        "created",
        "expires",
        "updated",
        "reregistered",
        "registrar",
        "nameservers",
        "source",
        "url",
        "registrar_url",
        "notes",
    ]
    assert data["expires"] == "2025-08-13T04:00:00Z"
    assert data["reregistered"] is None
    assert data["source"] == "rdap"
    assert data["statuses"] == ["client delete prohibited", "client transfer prohibited"]


def test_unknown_dns_fields_stay_null_rather_than_empty() -> None:
    data = dns_to_dict(DnsInfo(nxdomain=None, nameservers=None, error="SERVFAIL from 127.0.0.1"))
    assert data["nameservers"] is None
    assert data["mail_routes"] is None
    assert dns_from_dict(data).nameservers is None
    assert dns_to_dict(DnsInfo(nxdomain=False, nameservers=()))["nameservers"] == []


# --- dates --------------------------------------------------------------------------------


@given(aware_datetimes)
def test_format_datetime_writes_the_same_instant_in_utc_whole_seconds(value: datetime) -> None:
    text = format_datetime(value)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text)
    assert parse_datetime(text) == value.replace(microsecond=0)
    assert parse_datetime(text).tzinfo == UTC


def test_format_datetime_converts_offsets_and_drops_fractions() -> None:
    plus_three = timezone(timedelta(hours=3))
    moment = datetime(2024, 1, 1, 2, 30, 15, 999999, tzinfo=plus_three)
    assert format_datetime(moment) == "2023-12-31T23:30:15Z"


def test_format_datetime_reads_a_naive_datetime_as_utc() -> None:
    assert format_datetime(datetime(2024, 2, 29, 12, 0, 1)) == "2024-02-29T12:00:01Z"


def test_format_datetime_pads_years_below_1000() -> None:
    assert format_datetime(datetime(9, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0009-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00+03:00", datetime(2024, 5, 1, 9, tzinfo=UTC)),
        ("2024-05-01T12:00:00-00:30", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T12:00:00.5Z", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_parse_datetime_reads_zoned_iso_dates_into_utc(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T12:00:00",  # no zone: the instant is unknown
        "2024-05-01 12:00:00Z",
        "2024-05-01t12:00:00z",
        "2024-13-01T12:00:00Z",
        "2024-02-30T12:00:00Z",
        "2024-05-01T24:00:00Z",
        "0000-01-01T00:00:00Z",
        "2024-05-01T12:00:00+24:00",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "2024-05-01T12:00:00.1234567Z",
        "\uff12\uff10\uff12\uff14-05-01T12:00:00Z",  # full-width digits
        "2024-05-01T12:00:00Z\n",
        "",
        "yesterday",
    ],
)
def test_parse_datetime_rejects_anything_but_a_zoned_iso_date(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the fault
        parse_datetime(text)


def test_parse_datetime_rejects_a_non_string() -> None:
    with pytest.raises(ValueError, match="date string"):
        parse_datetime(1714564800)  # type: ignore[arg-type]


# --- strict readers -----------------------------------------------------------------------

REGISTRATION_BAD_VALUES = [
    ("registered", 1),
    ("registered", None),
    ("registered", "true"),
    ("statuses", "active"),
    ("statuses", ["active", 3]),
    ("statuses", None),
    ("created", 1714564800),
    ("created", "2024-05-01"),
    ("expires", "2024-05-01T12:00:00"),
    ("expires", {"date": "2024-05-01T12:00:00Z"}),
    ("registrar", ["Example Registrar"]),
    ("nameservers", [None]),
    ("source", "carrier-pigeon"),
    ("source", None),
    ("url", None),
    ("registrar_url", 443),
    ("notes", [["nested"]]),
]


@pytest.mark.parametrize(("key", "value"), REGISTRATION_BAD_VALUES)
def test_registration_from_dict_rejects_a_wrongly_typed_field(key: str, value: object) -> None:
    data = registration_to_dict(sample_registration())
    registration_from_dict(dict(data))  # the untouched dict is fine
    data[key] = value
    with pytest.raises(ValueError, match=key):
        registration_from_dict(data)


def test_registration_from_dict_rejects_missing_and_unknown_keys() -> None:
    data = registration_to_dict(sample_registration())
    missing = {key: value for key, value in data.items() if key != "expires"}
    with pytest.raises(ValueError, match="expires"):
        registration_from_dict(missing)
    with pytest.raises(ValueError, match="verdict"):
        registration_from_dict({**data, "verdict": "healthy"})


@pytest.mark.parametrize("value", [None, [], "registration", 42, [("registered", True)]])
def test_registration_from_dict_rejects_a_non_object(value: object) -> None:
    with pytest.raises(ValueError, match="expected an object"):
        registration_from_dict(value)


def test_failure_from_dict_rejects_a_finding_code() -> None:
    data = failure_to_dict(LookupFailure(ReasonCode.LOOKUP_FAILED, "HTTP 503 from rdap.test"))
    data["code"] = ReasonCode.UNREGISTERED.value
    with pytest.raises(ValueError, match="not a lookup failure"):
        failure_from_dict(data)
    data["code"] = "no-such-code"
    with pytest.raises(ValueError, match="unknown reason code"):
        failure_from_dict(data)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("nxdomain", "no"),
        ("nameservers", "ns1.example.net"),
        ("mail_routes", ["example.org"]),
        ("mail_routes", {"example.org": 1}),
        ("parked_by", False),
        ("error", 503),
    ],
)
def test_dns_from_dict_rejects_a_wrongly_typed_field(key: str, value: object) -> None:
    data = dns_to_dict(DnsInfo(nxdomain=False, nameservers=("ns1.example.net",)))
    data[key] = value
    with pytest.raises(ValueError, match=key):
        dns_from_dict(data)


def _mutations(valid: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[object]:
    """A valid dict with one key replaced, dropped or added, or any JSON value at all."""

    @st.composite
    def mutate(draw: st.DrawFn) -> object:
        data = dict(draw(valid))
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "add":
            data[draw(texts)] = draw(json_values)
        else:
            key = draw(st.sampled_from(sorted(data)))
            if action == "drop":
                del data[key]
            else:
                data[key] = draw(json_values)
        return data

    return mutate() | json_values


@pytest.mark.parametrize(
    ("strategy", "to_dict", "from_dict"),
    [
        (registrations, registration_to_dict, registration_from_dict),
        (failures, failure_to_dict, failure_from_dict),
        (dns_infos, dns_to_dict, dns_from_dict),
    ],
    ids=["registration", "failure", "dns"],
)
def test_readers_either_return_a_faithful_object_or_raise_value_error(
    strategy: st.SearchStrategy[Any], to_dict: Any, from_dict: Any
) -> None:
    @given(_mutations(strategy.map(to_dict)))
    def check(data: object) -> None:
        try:
            decoded = from_dict(data)
        except ValueError:
            return
        # Whatever is accepted re-encodes to what was read: nothing is invented or lost.
        assert to_dict(decoded) == data

    check()


def test_loads_bounded_refuses_what_could_hold_too_many_containers() -> None:
    from checker.codec import loads_bounded

    assert loads_bounded(b'{"a": [1, 2]}', max_containers=2) == {"a": [1, 2]}
    with pytest.raises(ValueError, match="more than 2"):
        loads_bounded(b"[{}, {}]", max_containers=2)
    with pytest.raises(ValueError, match="nested too deeply"):
        loads_bounded(b"[" * 200_000 + b"]" * 200_000, max_containers=10**6)


def test_a_healthy_verdict_without_its_registration_is_not_read() -> None:
    from checker.codec import domain_from_dict

    forged = {
        "domain": "widgets.org",
        "risk": "none",
        "reasons": [],
        "contacts": 1,
        "registration": None,
        "dns": None,
        "checked_at": None,
        "cached": False,
    }
    with pytest.raises(ValueError, match="without the registration it rests on"):
        domain_from_dict(forged, "domains[0]")
