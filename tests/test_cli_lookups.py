"""scan and domain end to end: real loopback RDAP registries and a real DNS server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from checker.cli import app
from tests.schema import report_schema as _schema
from tests.servers.dns import LoopbackDnsServer
from tests.servers.rdap import Fault, RdapServer, synthetic_domain

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "rdap"

ZONE = """
healthy.org. 300 IN NS ns1.host.net.
healthy.org. 300 IN MX 10 mail.healthy.org.
mail.healthy.org. 300 IN A 192.0.2.10
expiring.org. 300 IN NS ns1.host.net.
expiring.org. 300 IN MX 10 mail.expiring.org.
parked.com. 300 IN NS ns1.sedoparking.com.
parked.com. 300 IN A 192.0.2.1
"""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[RdapServer, LoopbackDnsServer, Path]]:
    with RdapServer() as server, LoopbackDnsServer(ZONE) as dns:
        org = server.add_registry("pir", ["org"], not_found="rdap-error")
        com = server.add_registry("verisign", ["com"])
        org.add("healthy.org", synthetic_domain("healthy.org"))
        org.add("expiring.org", synthetic_domain("expiring.org", expiration="2026-11-25T00:00:00Z"))
        org.add("pending.org", synthetic_domain("pending.org", statuses=["pending delete"]))
        org.fault("broken.org", Fault.HTML_403)
        com.add("parked.com", synthetic_domain("parked.com"))
        yield server, dns, server.write_bootstrap(tmp_path / "bootstrap.json")


def _args(world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path) -> list[str]:
    _, dns, bootstrap = world
    host, port = dns.address
    return [
        "--rdap-bootstrap", str(bootstrap), "--nameserver", f"{host}:{port}",
        "--cache-dir", str(tmp_path / "cache"), "--timeout", "2",
        # This world has no nameserver hosts: the mail path is tested in test_mailpath.py.
        "--no-mail-path",
    ]  # fmt: skip


def test_domain_command_gives_each_verdict_with_evidence(
    world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path
) -> None:
    names = ["healthy.org", "jane@expiring.org", "nobody.org", "pending.org", "broken.org",
             "parked.com", "x.unsupportedtld-zz.io"]  # fmt: skip
    result = runner.invoke(
        app, ["domain", *names, "-f", "json", "--fail-on", "never", *_args(world, tmp_path)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, _schema())
    verdicts = {
        d["domain"]: (d["risk"], [r["code"] for r in d["reasons"]]) for d in report["domains"]
    }
    assert verdicts["healthy.org"] == ("none", [])
    assert verdicts["nobody.org"] == ("critical", ["unregistered"])
    assert verdicts["pending.org"][0] == "critical"
    assert "pending-delete" in verdicts["pending.org"][1]
    assert verdicts["broken.org"] == ("unknown", ["lookup-failed"])
    assert verdicts["parked.com"] == ("medium", ["parked"])
    healthy = next(d for d in report["domains"] if d["domain"] == "healthy.org")
    assert healthy["registration"]["source"] == "rdap"
    assert healthy["registration"]["url"].endswith("/domain/healthy.org")
    assert healthy["registration"]["expires"] == "2035-01-01T00:00:00Z"
    assert healthy["dns"]["nameservers"] == ["ns1.host.net"]


def test_fail_on_threshold_sets_the_exit_code(
    world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path
) -> None:
    args = _args(world, tmp_path)
    assert runner.invoke(app, ["domain", "nobody.org", *args]).exit_code == 1
    assert runner.invoke(app, ["domain", "healthy.org", *args]).exit_code == 0
    # unknown is never read as a finding at or above a threshold, nor as healthy
    unknown = runner.invoke(app, ["domain", "broken.org", "healthy.org", "-f", "json", *args])
    assert unknown.exit_code == 0
    assert json.loads(unknown.stdout)["domains"][0]["risk"] == "unknown"
    # ... but a run that could judge none of its domains is incomplete, not a pass
    alone = runner.invoke(app, ["domain", "broken.org", *args])
    assert alone.exit_code == 3
    assert "could not check 1 of 1 domain: 1 registry answer not usable" in alone.stderr


def test_warm_second_scan_makes_no_request(
    world: tuple[RdapServer, LoopbackDnsServer, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, dns, _ = world
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.cfg").write_text(
        "[metadata]\nauthor_email = a@healthy.org, b@mail.healthy.org\n"
        "maintainer_email = c@gmail.com\n"
    )
    monkeypatch.chdir(project)
    first = runner.invoke(app, ["scan", "-f", "json", *_args(world, tmp_path)])
    assert first.exit_code == 0, first.output
    assert server.registries[0].requests_for("healthy.org") == 1  # two addresses, one request
    before_http, before_dns = server.requests, len(dns.queries)
    second = runner.invoke(app, ["scan", "-f", "json", *_args(world, tmp_path)])
    assert (server.requests, len(dns.queries)) == (before_http, before_dns)
    domain = json.loads(second.stdout)["domains"][0]
    assert (domain["domain"], domain["risk"], domain["cached"]) == ("healthy.org", "none", True)


def test_offline_reads_the_cache_but_asks_nobody(
    world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path
) -> None:
    server, _, _ = world
    args = _args(world, tmp_path)
    runner.invoke(app, ["domain", "healthy.org", *args])
    before = server.requests
    result = runner.invoke(
        app, ["domain", "healthy.org", "pending.org", "-f", "json", "--offline", *args]
    )
    assert server.requests == before
    verdicts = {d["domain"]: d["reasons"] for d in json.loads(result.stdout)["domains"]}
    assert verdicts["healthy.org"] == []
    assert [r["code"] for r in verdicts["pending.org"]] == ["offline"]


def test_offline_never_trusts_evidence_written_without_the_dns_answers(
    world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path
) -> None:
    args = _args(world, tmp_path)
    runner.invoke(app, ["domain", "healthy.org", "--no-dns", *args])  # cached without DNS
    result = runner.invoke(app, ["domain", "healthy.org", "-f", "json", "--offline", *args])
    [verdict] = json.loads(result.stdout)["domains"]
    assert verdict["risk"] == "unknown"
    assert [r["code"] for r in verdict["reasons"]] == ["offline"]
    result = runner.invoke(
        app, ["domain", "healthy.org", "-f", "json", "--offline", "--no-dns", *args]
    )
    assert json.loads(result.stdout)["domains"][0]["risk"] == "none"


def test_deadline_turns_what_is_left_into_unknown(
    world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path
) -> None:
    server, _, _ = world
    server.registries[0].fault("slow.org", Fault.HANG)
    result = runner.invoke(
        app, ["domain", "slow.org", "healthy.org", "-f", "json", "--deadline", "1.5",
              *_args(world, tmp_path), "--timeout", "30"],
    )  # fmt: skip
    verdicts = {d["domain"]: d for d in json.loads(result.stdout)["domains"]}
    assert verdicts["slow.org"]["risk"] == "unknown"
    assert "deadline" in verdicts["slow.org"]["reasons"][0]["message"]
    assert verdicts["healthy.org"]["risk"] == "none"


def test_bad_settings_are_usage_errors(tmp_path: Path) -> None:
    assert runner.invoke(app, ["domain", "x.org", "--nameserver", "300.1.1.1"]).exit_code == 2
    assert runner.invoke(app, ["domain", "x.org", "--whois-server", "nonsense"]).exit_code == 2
    missing = runner.invoke(app, ["domain", "x.org", "--rdap-bootstrap", str(tmp_path / "no.json")])
    assert missing.exit_code == 2
    assert "--rdap-bootstrap" in missing.stderr


def test_invalid_argument_is_reported_not_looked_up() -> None:
    result = runner.invoke(app, ["domain", "jane@example.com", "--offline", "-f", "json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["domains"] == []
    assert "reserved" in report["errors"][0]["message"]


def test_dns_servfail_with_a_healthy_registry_answer_is_unknown_and_not_cached(
    world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path
) -> None:
    from tests.servers.dns import Fault as DnsFault

    server, dns, _ = world
    dns.set_fault("healthy.org", DnsFault.SERVFAIL)
    args = _args(world, tmp_path)
    result = runner.invoke(app, ["domain", "healthy.org", "-f", "json", *args])
    (domain,) = json.loads(result.stdout)["domains"]
    assert domain["risk"] == "unknown"
    assert "SERVFAIL" in domain["reasons"][0]["message"]
    before = server.requests
    runner.invoke(app, ["domain", "healthy.org", "-f", "json", *args])
    assert server.requests == before + 1  # the incomplete answer was not cached


def test_progress_bar_path_gives_the_same_verdicts(
    world: tuple[RdapServer, LoopbackDnsServer, Path], tmp_path: Path
) -> None:
    from datetime import datetime, timezone

    from checker.lookup.run import run_assessment
    from checker.settings import LookupSettings

    server, _, bootstrap = world
    names = [f"n{i}.org" for i in range(8)]
    for name in names:
        server.registries[0].add(name, synthetic_domain(name))
    settings = LookupSettings(rdap_bootstrap=str(bootstrap), dns=False, cache=False)
    results, stats, _ = run_assessment(
        {n: [n] for n in names}, settings, now=datetime.now(timezone.utc), progress=True
    )
    assert sorted((r.domain, r.risk.value) for r in results) == [(n, "none") for n in names]
    assert stats.registry_lookups == 8


def test_a_run_the_cache_answers_whole_opens_no_socket(
    world: tuple[RdapServer, LoopbackDnsServer, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    names = ["healthy.org", "expiring.org", "parked.com"]
    args = ["domain", *names, "-f", "json", "--fail-on", "never", *_args(world, tmp_path)]
    cold = runner.invoke(app, args)
    assert cold.exit_code == 0, cold.output
    opened: list[tuple[object, ...]] = []
    real_init = socket.socket.__init__

    def spy(self: socket.socket, *options: object, **named: object) -> None:
        opened.append(options)
        real_init(self, *options, **named)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "__init__", spy)
    server = world[0]
    before = server.requests
    warm = runner.invoke(app, args)
    assert warm.exit_code == 0, warm.output
    # Not even the event loop's self-pipe: a warm run sets up no network stack at all.
    assert opened == []
    assert server.requests == before
    verdicts = {d["domain"]: d for d in json.loads(warm.stdout)["domains"]}
    assert sorted(verdicts) == sorted(names)
    assert all(d["cached"] for d in verdicts.values())
    cold_risks = {d["domain"]: d["risk"] for d in json.loads(cold.stdout)["domains"]}
    assert {name: d["risk"] for name, d in verdicts.items()} == cold_risks
