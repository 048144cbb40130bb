"""The address parser: RFC 5322 lists, names, real oddities, obfuscations, hostile text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.addresses import parse_addresses, single_label_addresses, split_top_level


def pairs(text: str) -> list[tuple[str, str | None]]:
    return [(a.email, a.name) for a in parse_addresses(text)]


def test_rfc5322_list_with_quoted_comma_in_display_name() -> None:
    assert pairs('A <a@x.org>, "B, C" <b@y.org>') == [("a@x.org", "A"), ("b@y.org", "B, C")]


def test_name_field_holding_an_address_as_aiohttp_does() -> None:
    assert pairs("aiohttp team <team@aiohttp.org>") == [("team@aiohttp.org", "aiohttp team")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@x.org,", ["a@x.org"]),
        ("a@x.org, , b@y.org,,", ["a@x.org", "b@y.org"]),
        ("a@x.org; b@y.org", ["a@x.org", "b@y.org"]),
        ("a@x.org b@y.org", ["a@x.org", "b@y.org"]),
        ("a@x.org\n  b@y.org", ["a@x.org", "b@y.org"]),
        ("mailto:a@x.org", ["a@x.org"]),
        ("<a@x.org>", ["a@x.org"]),
        ("x@y.org.", ["x@y.org"]),
        ("user+tag@sub.example.com", ["user+tag@sub.example.com"]),
        ("«jane@x.org»", ["jane@x.org"]),
    ],
)
def test_separators_and_punctuation_around_addresses(text: str, expected: list[str]) -> None:
    assert [a.email for a in parse_addresses(text)] == expected


def test_old_style_comment_gives_the_name() -> None:
    assert pairs("a@x.org (Jane Doe)") == [("a@x.org", "Jane Doe")]


def test_rfc2047_encoded_display_name_is_decoded() -> None:
    assert pairs("=?utf-8?q?J=C3=B6rg?= <j@x.de>") == [("j@x.de", "Jörg")]


def test_internationalised_address_is_kept_as_written() -> None:
    assert pairs("Jörg <jörg@bücher.de>") == [("jörg@bücher.de", "Jörg")]


def test_same_address_twice_is_reported_once_keeping_the_name() -> None:
    assert pairs("a@x.org, Jane <a@X.org>") == [("a@X.org", "Jane")]


@pytest.mark.parametrize(
    "text",
    [
        "jane at janedoe dot dev",
        "jane [at] janedoe [dot] dev",
        "jane(at)janedoe.dev",
        "jane {at} janedoe {dot} dev",
        "jane AT janedoe DOT dev",
        "jane _at_ janedoe _dot_ dev",
    ],
)
def test_common_obfuscations_are_recognised_and_marked(text: str) -> None:
    found = parse_addresses(text)
    assert [(a.email, a.obfuscated) for a in found] == [("jane@janedoe.dev", True)]


def test_dot_obfuscated_local_part_as_mycli_published_it() -> None:
    found = parse_addresses("amjith[dot]r[at]gmail.com")
    assert [(a.email, a.obfuscated) for a in found] == [("amjith.r@gmail.com", True)]


@pytest.mark.parametrize(
    "text", ["Jane Doe", "UNKNOWN", "look at the docs.", "", "The PSF", "foo@bar", "@x.org"]
)
def test_text_without_an_address_yields_nothing(text: str) -> None:
    assert parse_addresses(text) == []


def test_single_label_addresses_are_found_separately() -> None:
    assert single_label_addresses("root@localhost, a@x.org") == ["root@localhost"]


def test_unbalanced_quote_still_finds_both_addresses() -> None:
    assert [a.email for a in parse_addresses('"Jane <a@x.org>, b@y.org')] == ["a@x.org", "b@y.org"]


def test_split_top_level_respects_quotes_angles_and_comments() -> None:
    assert split_top_level('"a, b" <x@y.org>, c (d, e) <z@y.org>') == [
        '"a, b" <x@y.org>',
        " c (d, e) <z@y.org>",
    ]


def test_huge_field_is_cut_and_parsed_in_bounded_time() -> None:
    text = "x" * 5_000_000 + " a@x.org"
    assert parse_addresses(text) == []  # beyond the cap: not read at all


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_parser_never_raises_on_any_text(text: str) -> None:
    for address in parse_addresses(text):
        assert "@" in address.email


_local = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,15}[a-z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)
_domain = st.from_regex(
    r"[a-z0-9]{1,12}(\.[a-z0-9]{1,12}){0,2}\.(org|com|dev|io|de)", fullmatch=True
)
_before = st.sampled_from(["", " ", "Jane Doe ", "Team, ", "(c) ", "mail: ", "; "])
_after = st.sampled_from(["", " ", " Jane Doe", ", Team", " (c)", ";", ".", ","])


@given(_local, _domain, _before, _after)
@settings(max_examples=200, deadline=None)
def test_parser_finds_a_plain_address_it_is_given(
    local: str, domain: str, before: str, after: str
) -> None:
    address = f"{local}@{domain}"
    assert address in [a.email for a in parse_addresses(f"{before}{address}{after}")]


@given(_local, _domain, st.sampled_from(["Jane Doe", "Doe, Jane", 'Jane "JD" Doe', "Ünïcode"]))
@settings(max_examples=100, deadline=None)
def test_parser_finds_a_named_address(local: str, domain: str, name: str) -> None:
    quoted = '"' + name.replace('"', '\\"') + '"'
    found = parse_addresses(f"{quoted} <{local}@{domain}>")
    assert [(a.email, a.name) for a in found] == [(f"{local}@{domain}", name)]
