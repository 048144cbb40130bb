"""The provider tables the mail path reads: every entry parses and names its source."""

from __future__ import annotations

from importlib import resources

import pytest

from checker.lookup.lame import CLAIMABLE_DATA, load_claimable_table
from checker.lookup.mailpath import HOST_PROVIDERS_DATA, load_host_providers


@pytest.mark.parametrize("name", [CLAIMABLE_DATA, HOST_PROVIDERS_DATA])
def test_every_entry_names_a_source(name: str) -> None:
    text = (resources.files("checker") / "data" / name).read_text("utf-8")
    entries = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]

    assert len(entries) >= 20
    assert all(len(fields) == 3 and fields[2].startswith("https://") for fields in entries)


def test_claimable_suffixes_match_on_label_boundaries() -> None:
    table = load_claimable_table()

    entry = table.find("ns-cloud-c1.GoogleDomains.com.")
    assert entry is not None
    assert entry.service.startswith("Google Cloud DNS")
    assert table.find("ns1.notgoogledomains.com") is None
    assert table.find("ns3.digitalocean.com") is not None
    assert table.find("ns9.digitalocean.com") is None  # only the listed hosts


def test_host_providers_digit_pattern_matches_route53_and_nothing_else() -> None:
    providers = load_host_providers()

    assert providers.match("awsdns-07.com") == "Amazon Route 53"
    assert providers.match("awsdns-63.co.uk") == "Amazon Route 53"
    assert providers.match("awsdns-7x.com") is None
    assert providers.match("myawsdns-07.com") is None
    assert providers.match("small-dns-host.net") is None
