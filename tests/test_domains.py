"""Domain normalisation and the lookup / provider / invalid classification."""

from __future__ import annotations

import pytest

from checker.domains import DomainClassifier, InvalidDomain, to_a_label
from checker.model import ContactKind


def test_idn_is_converted_with_uts46_not_idna2003() -> None:
    assert to_a_label("Bücher.DE") == "xn--bcher-kva.de"
    # IDNA 2003 (the stdlib codec) maps ß to ss; UTS-46 non-transitional keeps it.
    assert to_a_label("faß.de") == "xn--fa-hia.de"


@pytest.mark.parametrize(
    "bad", ["a..b", "-x.com", "under_score.org", "xn--zz.com", "", "a" * 64 + ".com"]
)
def test_invalid_names_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidDomain):
        to_a_label(bad)


@pytest.mark.parametrize(
    ("domain", "kind", "registrable"),
    [
        ("mail.example.co.uk", ContactKind.LOOKUP, "example.co.uk"),
        ("Foo.Bar.ORG.", ContactKind.LOOKUP, "bar.org"),
        ("bücher.de", ContactKind.LOOKUP, "xn--bcher-kva.de"),
        ("x.github.io", ContactKind.LOOKUP, "github.io"),  # ICANN section only
        ("gmail.com", ContactKind.PROVIDER, "gmail.com"),
        ("users.noreply.github.com", ContactKind.PROVIDER, "github.com"),
        ("yahoo.co.uk", ContactKind.PROVIDER, "yahoo.co.uk"),
        ("example.com", ContactKind.INVALID, None),
        ("sub.example.org", ContactKind.INVALID, None),
        ("x.test", ContactKind.INVALID, None),
        ("box.localhost", ContactKind.INVALID, None),
        ("a.invalid", ContactKind.INVALID, None),
        ("foo.nosuchtld", ContactKind.INVALID, None),
        ("co.uk", ContactKind.INVALID, None),
    ],
)
def test_classification(domain: str, kind: ContactKind, registrable: str | None) -> None:
    result = DomainClassifier().classify(domain)
    assert (result.kind, result.registrable) == (kind, registrable)
    if kind is not ContactKind.LOOKUP:
        assert result.note


@pytest.mark.parametrize("domain", ["live.io", "live.org", "outlook.xyz", "aol.dev", "gmx.org"])
def test_lookalikes_of_provider_names_on_other_tlds_are_looked_up(domain: str) -> None:
    # Anyone can register these: they must never be waved through as providers.
    assert DomainClassifier().classify(domain).kind is ContactKind.LOOKUP


def test_users_extend_the_provider_list() -> None:
    classifier = DomainClassifier(extra_providers=["corp-mail.net"])
    assert classifier.classify("eu.corp-mail.net").kind is ContactKind.PROVIDER
    assert DomainClassifier().classify("eu.corp-mail.net").kind is ContactKind.LOOKUP
    assert DomainClassifier(extra_providers=["corp.co.uk"]).classify("mail.corp.co.uk").kind is (
        ContactKind.PROVIDER
    )


def test_prepared_icann_rules_answer_like_the_full_list() -> None:
    from pathlib import Path

    import publicsuffixlist
    from publicsuffixlist import PublicSuffixList

    from checker.domains import prepare_icann_rules

    text = Path(publicsuffixlist.PSLFILE).read_text(encoding="utf-8")
    fast = PublicSuffixList(
        source=prepare_icann_rules(text).splitlines(), only_icann=True, accept_encoded_idn=False
    )
    full = PublicSuffixList(only_icann=True)
    names = [
        "a.b.xn--p1ai", "foo.xn--90ais", "mail.example.co.uk", "x.github.io", "city.kawasaki.jp",
        "b.c.kawasaki.jp", "a.www.ck", "foo.nosuchtld", "x.blogspot.com",
    ]  # fmt: skip
    for name in names:
        assert fast.privatesuffix(name, accept_unknown=False) == full.privatesuffix(
            name, accept_unknown=False
        ), name
        assert fast.publicsuffix(name, accept_unknown=False) == full.publicsuffix(
            name, accept_unknown=False
        ), name
