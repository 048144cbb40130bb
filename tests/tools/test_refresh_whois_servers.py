"""tools/refresh_whois_servers.py: reading IANA's records into the WHOIS table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.servers.whois import LoopbackWhoisServer

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "refresh_whois_servers.py"

# The shape of whois.iana.org's answer for a TLD (fields as IANA prints them).
IANA_ANSWER = """\
% IANA WHOIS server
% for more information on IANA, visit http://www.iana.org
% This query returned 1 object

domain:       TR

organisation: Information and Communication Technologies Authority
address:      Ankara

whois:        whois.trabis.gov.tr.

status:       ACTIVE
remarks:      Registration information: https://www.trabis.gov.tr/
"""


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_whois_servers", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = load_tool()


def test_whois_line_of_an_iana_record_is_the_server() -> None:
    assert tool.whois_field(IANA_ANSWER) == "whois.trabis.gov.tr"
    assert tool.whois_field(IANA_ANSWER.replace("whois.trabis.gov.tr.", "")) is None
    assert tool.whois_field("whois: not a host name\n") is None


def test_tld_list_skips_the_header_and_lowers_case() -> None:
    text = "# Version 2026120600, Last Updated Sun Dec  6 07:07:01 2026 UTC\nAAA\nXN--P1AI\nTR\n"
    assert tool.tlds_from_list(text) == ["aaa", "xn--p1ai", "tr"]


def test_build_keeps_tlds_without_rdap_and_lists_those_without_whois() -> None:
    document = tool.build(
        {"tr": "whois.trabis.gov.tr", "com": "whois.verisign-grs.com", "gr": None, "es": "x.es"},
        with_rdap={"com"},
        excluded=["es"],
        source="test",
        retrieved="2026-12-06",
        bootstrap_publication="2026-03-23T19:00:02Z",
    )
    assert document["servers"] == {"tr": "whois.trabis.gov.tr"}
    assert document["without_whois"] == ["gr"]
    assert document["retrieved"] == "2026-12-06"


def test_whoisserver_world_entries_give_hosts_and_the_latest_read_date() -> None:
    servers, read = tool.from_whoisserver_world(
        {
            "tr": {"whoisServer": ["whois.trabis.gov.tr"], "t": 1745434100256},
            "gr": {"whoisServer": [], "t": 1700000000000},
            "Bad TLD": {"whoisServer": ["x.example"]},
        }
    )
    assert servers == {"tr": "whois.trabis.gov.tr", "gr": None}
    assert read == "2025-04-23"


def test_iana_is_asked_once_per_tld_over_port_43(monkeypatch: pytest.MonkeyPatch) -> None:
    with LoopbackWhoisServer() as iana:
        iana.answer("tr", IANA_ANSWER)
        iana.answer("gr", IANA_ANSWER.replace("whois:        whois.trabis.gov.tr.\n", ""))
        monkeypatch.setattr(tool, "IANA_WHOIS", iana.address)
        monkeypatch.setattr(tool, "PAUSE", 0.0)
        assert tool.from_iana(["tr", "gr"]) == {"tr": "whois.trabis.gov.tr", "gr": None}
        assert iana.queries == ["tr", "gr"]
