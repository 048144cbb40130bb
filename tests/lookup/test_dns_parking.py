"""The parking nameserver table and the --nameserver syntax."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.lookup.dns import ParkingEntry, ParkingTable, load_parking_table, parse_nameserver


@pytest.fixture(scope="module")
def shipped() -> ParkingTable:
    return load_parking_table()


@pytest.mark.parametrize(
    ("nameservers", "service"),
    [
        (["ns1.sedoparking.com", "ns2.sedoparking.com"], "Sedo"),
        (["NS1.PARKINGCREW.NET."], "ParkingCrew"),
        (["ns1.bodis.com"], "Bodis"),
        (["230.ns1.above.com"], "Above.com"),
        (["ns01.cashparking.com"], "GoDaddy CashParking"),
        (["ns3.afternic.com"], "Afternic (GoDaddy)"),
        (["ns1.dan.com"], "Dan.com (GoDaddy)"),
        (["ns1.uniregistrymarket.link"], "Uniregistry Market (GoDaddy)"),
        # One parking host among ordinary ones is enough.
        (["ns1.dnshost.example", "ns2.sedoparking.com"], "Sedo"),
    ],
)
def test_shipped_table_recognises_parking_services(
    shipped: ParkingTable, nameservers: list[str], service: str
) -> None:
    assert shipped.match(nameservers) == service


@pytest.mark.parametrize(
    "nameservers",
    [
        ["ns01.domaincontrol.com", "ns02.domaincontrol.com"],  # GoDaddy's ordinary DNS
        ["dns1.registrar-servers.com"],  # Namecheap's ordinary DNS
        ["ns1.dns-parking.com"],  # Hostinger's DNS for every customer
        ["ns1.notsedoparking.com"],  # lookalike: no label boundary
        ["sedoparking.com.evil.example"],  # suffix must be at the end
        ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"],
        [],
        ["", "."],
    ],
)
def test_shipped_table_leaves_ordinary_nameservers_alone(
    shipped: ParkingTable, nameservers: list[str]
) -> None:
    assert shipped.match(nameservers) is None


def test_every_shipped_entry_names_its_source(shipped: ParkingTable) -> None:
    assert len(shipped.entries) >= 8
    for entry in shipped.entries:
        assert entry.service
        assert len(entry.source) > 10
        assert "." in entry.suffix


def test_longest_suffix_wins() -> None:
    table = ParkingTable(
        (
            ParkingEntry("example.net", "Host", "test"),
            ParkingEntry("park.example.net", "Parking", "test"),
        )
    )

    assert table.match(["ns1.park.example.net"]) == "Parking"
    assert table.match(["ns1.example.net"]) == "Host"
    assert table.match(["park.example.net."]) == "Parking"


def test_extra_file_adds_entries(tmp_path: Path, shipped: ParkingTable) -> None:
    extra = tmp_path / "parking.txt"
    extra.write_text(
        "# local additions\n\nParkHere.Example.\tPark Here\tour own list\n", encoding="utf-8"
    )

    table = load_parking_table(extra)

    assert table.match(["ns1.parkhere.example"]) == "Park Here"
    assert table.match(["ns1.sedoparking.com"]) == "Sedo"
    assert len(table.entries) == len(shipped.entries) + 1


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("parkhere.example Park Here source", "expected 'suffix<TAB>service<TAB>source'"),
        ("parkhere.example\tPark Here", "expected 'suffix<TAB>service<TAB>source'"),
        ("parkhere.example\t\tsource", "expected 'suffix<TAB>service<TAB>source'"),
        ("com\tEverything\tsource", "two or more labels"),
        ("bad_label.example\tBad\tsource", "two or more labels"),
    ],
)
def test_malformed_extra_file_names_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    extra = tmp_path / "parking.txt"
    extra.write_text(f"# header\n{line}\n", encoding="utf-8")

    with pytest.raises(ValueError, match=r"parking\.txt:2") as caught:
        load_parking_table(extra)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        (" 192.0.2.1:53 ", ("192.0.2.1", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("[::1]", ("::1", 53)),
        ("::1", ("::1", 53)),
        ("2001:db8::53", ("2001:db8::53", 53)),
        ("Resolver.Example:5300", ("resolver.example", 5300)),
        ("resolver.example.", ("resolver.example", 53)),
    ],
)
def test_parse_nameserver_accepts_host_and_port_forms(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("[::1", "missing ']'"),
        ("[::1]5353", "expected ':PORT'"),
        ("[127.0.0.1]:53", "not an IPv6 address"),
        ("2001:db8::zz", "not an IPv6 address"),
        ("127.0.0.1:", "is not a number"),
        ("127.0.0.1:dns", "is not a number"),
        ("127.0.0.1:0", "outside 1-65535"),
        ("127.0.0.1:65536", "outside 1-65535"),
        ("127.0.0.1:٥٣", "is not a number"),
        ("bad host:53", "not an address or host name"),
        ("-bad.example", "not an address or host name"),
        ("300.1.2.3:53", "not an address or host name"),
    ],
)
def test_parse_nameserver_rejects_bad_values_clearly(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match="--nameserver") as caught:
        parse_nameserver(text)
    assert problem in str(caught.value)
