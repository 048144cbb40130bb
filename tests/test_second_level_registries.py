"""Second-level registries: ``foo.uk.com`` is judged at CentralNic's uk.com registry.

End to end through the CLI with a loopback RDAP registry for .com (which holds uk.com,
healthy) and a loopback WHOIS server standing in for CentralNic's port 43.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.domains import DomainClassifier
from checker.registries import registries_from_json, registry_for, second_level_registries
from tests.conftest import FIXTURES
from tests.servers.rdap import RdapServer, synthetic_domain
from tests.servers.whois import Behaviour, LoopbackWhoisServer

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "checker" / "data"
RAW = json.loads((DATA / "second-level-registries.json").read_text(encoding="utf-8"))
# whois.centralnic.com's whole answer for an unregistered name (weppos/whois-parser,
# responses/whois.centralnic.com/uk.com/status_available.txt, MIT).
CENTRALNIC_NOT_FOUND = "DOMAIN NOT FOUND\n"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[list[str], LoopbackWhoisServer, RdapServer]]:
    with RdapServer() as rdap, LoopbackWhoisServer() as whois:
        com = rdap.add_registry("verisign", ["com"])
        com.add("uk.com", synthetic_domain("uk.com"))  # CentralNic's own name: healthy
        whois.answer("lapsed.uk.com", CENTRALNIC_NOT_FOUND)
        whois.answer(
            "history.uk.com",
            (
                FIXTURES
                / "whois"
                / "weppos-whois_whois.centralnic.com_uk.com_status_registered.txt"
            ).read_bytes(),
        )
        host, port = whois.address
        args = [
            "--rdap-bootstrap", str(rdap.write_bootstrap(tmp_path / "bootstrap.json")),
            "--whois-server", f"uk.com={host}:{port}",
            "--no-dns", "--no-mail-path", "--cache-dir", str(tmp_path / "cache"), "--timeout", "2",
            "-f", "json", "--fail-on", "never",
        ]  # fmt: skip
        yield args, whois, rdap


def test_lapsed_name_under_uk_com_is_critical_though_uk_com_is_healthy(
    world: tuple[list[str], LoopbackWhoisServer, RdapServer],
) -> None:
    args, whois, rdap = world
    result = runner.invoke(
        app, ["domain", "jane@lapsed.uk.com", "ops@mail.history.uk.com", "uk.com", *args]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    verdicts = {d["domain"]: d for d in report["domains"]}
    assert set(verdicts) == {"lapsed.uk.com", "history.uk.com", "uk.com"}
    lapsed = verdicts["lapsed.uk.com"]
    assert (lapsed["risk"], [r["code"] for r in lapsed["reasons"]]) == (
        "critical",
        ["unregistered"],
    )
    assert lapsed["registration"]["source"] == "whois"
    expired = verdicts["history.uk.com"]
    assert expired["risk"] == "high"
    assert [r["code"] for r in expired["reasons"]] == ["expired"]
    assert expired["registration"]["expires"] == "2015-08-31T23:59:59Z"
    assert verdicts["uk.com"]["risk"] == "none"
    # each name was asked at the uk.com registry; the .com registry only about uk.com
    assert sorted(whois.queries) == ["history.uk.com", "lapsed.uk.com"]
    assert rdap.requests == 1


def test_name_under_a_private_registry_is_never_sent_to_the_parent_rdap(
    world: tuple[list[str], LoopbackWhoisServer, RdapServer],
) -> None:
    args, whois, rdap = world
    # The uk.com registry fails: the answer is unknown, and the .com registry, which does
    # not hold the name and would say "not found", is not asked in its place.
    whois.answer("flaky.uk.com", "Domain Name: FLAKY.UK.COM\n", behaviour=Behaviour.RESET)
    result = runner.invoke(app, ["domain", "flaky.uk.com", *args])
    report = json.loads(result.stdout)
    assert report["domains"][0]["risk"] == "unknown"
    assert [r["code"] for r in report["domains"][0]["reasons"]] == ["lookup-failed"]
    assert whois.queries == ["flaky.uk.com"]
    assert rdap.requests == 0


@pytest.mark.parametrize(
    ("address", "registrable"),
    [
        ("foo.uk.com", "foo.uk.com"),
        ("mail.foo.us.com", "foo.us.com"),
        ("x.de.eu.org", "x.de.eu.org"),
        ("a.b.co.pl", "b.co.pl"),
        ("uk.com", "uk.com"),  # CentralNic's own .com name
        ("mail.example.co.uk", "example.co.uk"),  # ICANN suffixes unchanged
        ("cs.ox.ac.uk", "ox.ac.uk"),  # a registry in the ICANN section: as the PSL says
    ],
)
def test_registrable_domain_is_the_name_at_the_private_registry(
    address: str, registrable: str
) -> None:
    assert DomainClassifier().classify(address).registrable == registrable


def test_every_registry_is_in_its_psl_section_with_a_cited_service() -> None:
    import publicsuffixlist

    text = Path(publicsuffixlist.PSLFILE).read_text(encoding="utf-8")
    split = text.index("// ===BEGIN PRIVATE DOMAINS===")
    rules = {
        "icann": {line.strip() for line in text[:split].splitlines()},
        "private": {line.strip() for line in text[split:].splitlines()},
    }
    table = second_level_registries()
    assert {"uk.com", "us.com", "eu.com", "gb.net", "za.com", "jpn.com", "co.com"} <= set(table)
    assert {"eu.org", "co.pl", "za.net", "ac.uk", "co.za"} <= set(table)
    for suffix, registry in table.items():
        assert suffix in rules[registry.section], suffix
        assert registry.whois or registry.rdap, suffix
        assert set(registry.sources) <= set(RAW["sources"]), suffix
    assert registry_for("foo.uk.com") is table["uk.com"]
    assert registry_for("uk.com") is None


def test_a_university_name_is_asked_at_jisc_not_at_nominet(tmp_path: Path) -> None:
    with RdapServer() as rdap, LoopbackWhoisServer() as jisc:
        nominet = rdap.add_registry("nominet", ["uk"], not_found="rdap-error")
        # Jisc's answer for an unregistered ac.uk name (weppos/whois-parser,
        # responses/whois.ja.net/ac.uk/status_available.txt, MIT).
        jisc.answer("u34jedzcq.ac.uk", "\nNo such domain u34jedzcq.ac.uk\n\n")
        host, port = jisc.address
        args = [
            "domain", "jane@cs.u34jedzcq.ac.uk", "-f", "json", "--fail-on", "never",
            "--rdap-bootstrap", str(rdap.write_bootstrap(tmp_path / "bootstrap.json")),
            "--whois-server", f"ac.uk={host}:{port}", "--no-dns",
            "--cache-dir", str(tmp_path / "cache"), "--timeout", "2",
        ]  # fmt: skip
        result = runner.invoke(app, args)
        assert nominet.requests == 0
    report = json.loads(result.stdout)
    assert report["domains"][0]["domain"] == "u34jedzcq.ac.uk"
    assert report["domains"][0]["registration"] is None or (
        report["domains"][0]["registration"]["source"] == "whois"
    )
    assert report["domains"][0]["risk"] != "none"
    assert jisc.queries == ["u34jedzcq.ac.uk"]


@pytest.mark.parametrize(
    "entry",
    [
        {"section": "private", "operator": "X", "sources": ["psl-private"]},  # no service
        {"section": "private", "operator": "X", "whois": "not a host", "sources": ["psl-private"]},
        {
            "section": "private",
            "operator": "X",
            "rdap": ["http://x.example/"],
            "sources": ["psl-private"],
        },
        {"section": "private", "operator": "X", "whois": "whois.example.net", "sources": ["none"]},
    ],
)
def test_malformed_entry_is_rejected(entry: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        registries_from_json({"sources": RAW["sources"], "registries": {"uk.com": entry}})


def test_an_entry_needs_its_psl_section() -> None:
    entry = {"operator": "X", "whois": "whois.example.net", "sources": ["psl-private"]}
    with pytest.raises(ValueError, match="section"):
        registries_from_json({"sources": RAW["sources"], "registries": {"uk.com": entry}})
