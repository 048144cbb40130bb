"""What a registry's answer says beyond "found": reserved 404s, and a registrar that is needed.

End to end through the CLI against loopback RDAP registries.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from checker.cli import app
from checker.lookup.rdap import says_reserved
from checker.model import EvidenceSource, Registration, Risk
from checker.verdict import judge
from tests.schema import report_schema as _schema
from tests.servers.rdap import RdapServer, rdap_error

runner = CliRunner()
FIXTURES = Path(__file__).parents[1] / "fixtures" / "rdap"
RESERVED_404 = FIXTURES / "rdaporg-issue13_jailbreaks.fun.reserved-404.json"
THIN = "lapsing-maintainer.com"
NOW = datetime(2026, 12, 6, tzinfo=timezone.utc)
# DERIVED: Verisign's google.com answer with the expiration event removed (see README).
NO_EXPIRY = json.loads((FIXTURES / "derived_no-expiry_google.com.json").read_text())


def _run(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, ["domain", *args, "-f", "json", "--fail-on", "never", "--no-dns"])
    report: dict[str, Any] = json.loads(result.stdout)
    # A run whose every domain is unknown could check nothing: exit 3, never a quiet pass.
    everything_unknown = all(d["risk"] == "unknown" for d in report["domains"])
    assert result.exit_code == (3 if everything_unknown else 0), result.output
    jsonschema.validate(report, _schema())
    return report


@pytest.fixture
def rdap(tmp_path: Path) -> Iterator[tuple[RdapServer, list[str]]]:
    with RdapServer() as server:
        yield server, [
            "--rdap-bootstrap", str(tmp_path / "bootstrap.json"),
            "--cache-dir", str(tmp_path / "cache"), "--timeout", "2",
        ]  # fmt: skip


def test_a_404_that_says_registry_reserved_is_not_unregistered(
    rdap: tuple[RdapServer, list[str]], tmp_path: Path
) -> None:
    server, args = rdap
    fun = server.add_registry("fun", ["fun"], not_found="rdap-error")
    fun.add_file("jailbreaks.fun", RESERVED_404, status=404)
    fun.add("free.fun", rdap_error(), status=404)
    server.write_bootstrap(tmp_path / "bootstrap.json")
    report = _run(["jailbreaks.fun", "free.fun", *args])
    verdicts = {d["domain"]: d for d in report["domains"]}
    reserved = verdicts["jailbreaks.fun"]
    assert reserved["risk"] == "medium"
    assert [r["code"] for r in reserved["reasons"]] == ["registry-reserved"]
    message = reserved["reasons"][0]["message"]
    assert "This name is not available for registration: Registry Reserved" in message
    assert "anyone can register it" not in message
    assert reserved["registration"]["registered"] is False
    assert verdicts["free.fun"]["risk"] == "critical"
    assert [r["code"] for r in verdicts["free.fun"]["reasons"]] == ["unregistered"]


@pytest.mark.parametrize(
    "text",
    [
        "Not Found",
        "Object does not exist",
        "The domain name is available. Copyright 2026 Registry, all rights reserved.",
        "unblocked names are free",
    ],
)
def test_a_plain_not_found_body_stays_unregistered(text: str) -> None:
    assert says_reserved(text) is False


@given(
    st.sampled_from(
        ["reserved", "Reserved by the registry", "BLOCKED", "not available for registration"]
    ),
    st.text(max_size=40),
)
def test_a_reserved_or_blocked_404_is_never_judged_below_medium(phrase: str, noise: str) -> None:
    text = f"{noise} {phrase} {noise}"
    registration = Registration(
        registered=False,
        source=EvidenceSource.RDAP,
        url="https://rdap.example/domain/x.fun",
        statuses=("reserved",) if says_reserved(text) else (),
        notes=(f"registry says: {text}",),
    )
    result = judge("x.fun", registration=registration, now=NOW)
    assert result.risk.rank >= Risk.MEDIUM.rank


def _thin(server: RdapServer, tmp_path: Path, statuses: list[str] | None = None) -> Any:
    """A .com registry whose answer about THIN (Verisign's for google.com, renamed) has no
    expiry and points at a registrar service on loopback, which the link guard never lets
    a request reach."""
    registry = server.add_registry("verisign", ["com"])
    registrar = server.add_registry("registrar", tls=True)
    registrar.add(THIN, (FIXTURES / "whodap_google.com.markmonitor-registrar.json").read_bytes())
    body = copy.deepcopy(NO_EXPIRY)
    body.pop("_derived", None)
    body["ldhName"] = THIN.upper()
    for link in body["links"]:
        if link["rel"] == "related":
            link["href"] = registrar.url_for(THIN)
    if statuses is not None:
        body["status"] = statuses
    registry.add(THIN, body)
    server.write_bootstrap(tmp_path / "bootstrap.json")
    return registry, registrar


def test_a_thin_answer_whose_registrar_cannot_be_had_is_unknown_and_not_cached(
    rdap: tuple[RdapServer, list[str]], tmp_path: Path
) -> None:
    server, args = rdap
    registry, registrar = _thin(server, tmp_path)
    for _ in range(2):
        report = _run([THIN, *args])
        result = report["domains"][0]
        assert result["risk"] == "unknown"
        assert [r["code"] for r in result["reasons"]] == ["registrar-unavailable"]
        message = result["reasons"][0]["message"]
        assert "has no expiry date" in message
        assert registrar.url_for(THIN) in message
        assert "non-public address 127.0.0.1" in message
    assert registrar.requests == 0
    assert registry.requests_for(THIN) == 2  # the second run asked again


def test_a_risk_the_registry_already_shows_still_decides(
    rdap: tuple[RdapServer, list[str]], tmp_path: Path
) -> None:
    server, args = rdap
    _thin(server, tmp_path, statuses=["pending delete"])
    result = _run([THIN, *args])["domains"][0]
    assert result["risk"] == "critical"
    codes = [r["code"] for r in result["reasons"]]
    assert codes[0] == "pending-delete"
    assert "registrar-unavailable" in codes
