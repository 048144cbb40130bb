"""The fault matrix: every way a registry can fail ends as a LookupFailure with evidence."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from checker.lookup.bootstrap import Bootstrap, parse_bootstrap
from checker.lookup.rdap import RdapClient
from checker.model import EvidenceSource, LookupFailure, ReasonCode, Registration
from checker.net.http import HostLimiter, make_client
from tests.servers.rdap import (
    FakeRegistry,
    Fault,
    RdapServer,
    client_ssl_context,
    rdap_error,
    synthetic_domain,
)

#: What the failure message must say for each fault ("{url}" is the URL asked).
FAULT_EVIDENCE = {
    Fault.HANG: "no complete answer within 1 s",
    Fault.RESET: "connection failed (",
    Fault.SLOW_BODY: "no complete answer within 1 s",
    Fault.HTTP_500: "HTTP 500 (text/plain), not an RDAP answer",
    Fault.HTTP_503: "HTTP 503 (text/plain) after 2 attempts, not an RDAP answer",
    Fault.HTML_403: "HTTP 403 (text/html), not an RDAP answer",
    Fault.HTML_404: "HTTP 404 with a body that is not an RDAP error (text/html)",
    Fault.MALFORMED_JSON: "HTTP 200 (application/rdap+json) but body is not valid JSON",
    Fault.NOT_DOMAIN: "answer is an RDAP 'entity' object, not a domain",
    Fault.WRONG_DOMAIN: "answer is for 'other-wrong-domain.test', not 'wrong-domain.test'",
    Fault.HUGE_BODY: "body of 41943040 bytes exceeds the 2097152 byte limit",
    Fault.HUGE_BODY_CHUNKED: "body exceeds the 2097152 byte limit",
    Fault.REDIRECT_LOOP: "redirect loop back to {url}",
    Fault.REDIRECT_CHAIN: "more than 5 redirects",
    Fault.DOWNGRADE_REDIRECT: "redirect from https to http refused",
}


def bootstrap_for(server: RdapServer) -> Bootstrap:
    return parse_bootstrap(json.dumps(server.bootstrap_document()).encode(), source="test")


def run_lookups(
    server: RdapServer,
    names: list[str],
    *,
    timeout: float = 1.0,
    retries: int = 1,
    limiter: HostLimiter | None = None,
) -> list[Registration | LookupFailure]:
    async def run() -> list[Registration | LookupFailure]:
        async with make_client(verify=client_ssl_context()) as client:
            rdap = RdapClient(
                bootstrap_for(server),
                client,
                limiter=limiter or HostLimiter(default_pause=0.05),
                timeout=timeout,
                retries=retries,
            )
            return list(
                await asyncio.gather(
                    *(rdap.lookup(n, follow_registrar=lambda _: True) for n in names)
                )
            )

    return asyncio.run(run())


@pytest.fixture
def server() -> Iterator[RdapServer]:
    with RdapServer() as running:
        yield running


@pytest.fixture
def registry(server: RdapServer) -> FakeRegistry:
    return server.add_registry("faulty", tlds=["test"], tls=True)


def test_every_fault_ends_as_lookup_failed_with_its_evidence_within_the_deadline(
    server: RdapServer, registry: FakeRegistry
) -> None:
    names = {fault: f"{fault.value}.test" for fault in Fault}
    for fault, name in names.items():
        registry.fault(name, fault)
    started = time.monotonic()
    answers = run_lookups(server, list(names.values()))
    assert time.monotonic() - started < 10
    for (fault, name), answer in zip(names.items(), answers, strict=True):
        url = registry.url_for(name)
        assert isinstance(answer, LookupFailure), fault
        assert answer.code is ReasonCode.LOOKUP_FAILED
        assert answer.url == url
        assert answer.message.startswith(f"RDAP {url}: "), answer.message
        assert FAULT_EVIDENCE[fault].format(url=url) in answer.message, (fault, answer.message)


def test_transient_failures_are_marked_retryable_and_bad_answers_are_not(
    server: RdapServer, registry: FakeRegistry
) -> None:
    faults = [Fault.HANG, Fault.RESET, Fault.HTTP_503, Fault.HTML_403, Fault.NOT_DOMAIN]
    for fault in faults:
        registry.fault(f"{fault.value}.test", fault)
    answers = run_lookups(server, [f"{fault.value}.test" for fault in faults])
    assert [a.retryable for a in answers if isinstance(a, LookupFailure)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_a_dropped_connection_is_retried_before_giving_up(
    server: RdapServer, registry: FakeRegistry
) -> None:
    registry.fault("reset.test", Fault.RESET)
    run_lookups(server, ["reset.test"], retries=2)
    assert registry.requests_for("reset.test") == 3


HOSTILE_BODIES = {
    "nested": ("[" * 100_000 + "]" * 100_000, 200, "body nests too deeply"),
    "deep-but-parseable": (
        '{"objectClassName": "domain", "ldhName": "x.test", "a": ' + "[" * 60 + "]" * 60 + "}",
        200,
        "body nests deeper than 48 levels",
    ),
    "array": ("[1, 2, 3]", 200, "answer is not a JSON object"),
    "no-class": ('{"ldhName": "x.test"}', 200, "answer has no objectClassName"),
    "no-name": ('{"objectClassName": "domain"}', 200, "answer is for 'no name', not 'x.test'"),
    "not-utf8": (b'{"objectClassName": "domain", "ldhName": "\xff"}', 200, "body is not UTF-8"),
    "error-400": (json.dumps(rdap_error(400, "Bad")), 404, "HTTP 404 with RDAP errorCode 400"),
    "domain-404": (json.dumps(synthetic_domain("x.test")), 404, "not an RDAP error object"),
    "teapot": ("", 418, "HTTP 418 (application/rdap+json), not an RDAP answer"),
    "empty-200": ("", 200, "but body is not valid JSON"),
}


@pytest.mark.parametrize("case", list(HOSTILE_BODIES))
def test_hostile_bodies_are_lookup_failures_not_verdicts(
    server: RdapServer, registry: FakeRegistry, case: str
) -> None:
    body, status, evidence = HOSTILE_BODIES[case]
    registry.add("x.test", body, status=status)
    (answer,) = run_lookups(server, ["x.test"])
    assert isinstance(answer, LookupFailure)
    assert answer.code is ReasonCode.LOOKUP_FAILED
    assert evidence in answer.message


def test_an_empty_404_and_an_rdap_error_404_both_mean_not_registered(
    server: RdapServer,
) -> None:
    verisign_like = server.add_registry("empty", tlds=["com"], not_found="empty")
    pir_like = server.add_registry("error", tlds=["org"], not_found="rdap-error")
    empty, error = run_lookups(server, ["gone.com", "gone.org"])
    assert empty == Registration(
        registered=False, source=EvidenceSource.RDAP, url=verisign_like.url_for("gone.com")
    )
    assert isinstance(error, Registration)
    assert not error.registered
    assert error.url == pir_like.url_for("gone.org")
    assert error.notes == ("registry says: Object not found",)


def test_a_gzip_bomb_is_cut_at_the_body_limit_without_inflating_it(
    server: RdapServer, registry: FakeRegistry
) -> None:
    bomb = gzip.compress(b" " * (60 * 1024 * 1024), compresslevel=9)
    registry.add("bomb.test", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        (answer,) = run_lookups(server, ["bomb.test"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(answer, LookupFailure)
    assert "body exceeds the 2097152 byte limit" in answer.message
    assert peak < 16 * 1024 * 1024


def test_a_40_mb_stream_is_never_held_in_memory(server: RdapServer, registry: FakeRegistry) -> None:
    registry.fault("huge.test", Fault.HUGE_BODY_CHUNKED)
    tracemalloc.start()
    try:
        (answer,) = run_lookups(server, ["huge.test"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(answer, LookupFailure)
    assert peak < 16 * 1024 * 1024


def test_a_gzip_encoded_answer_is_decoded(server: RdapServer, registry: FakeRegistry) -> None:
    body = gzip.compress(json.dumps(synthetic_domain("zipped.test")).encode())
    registry.add("zipped.test", body, headers={"Content-Encoding": "gzip"})
    (answer,) = run_lookups(server, ["zipped.test"])
    assert isinstance(answer, Registration)
    assert answer.registrar == "Synthetic Registrar"


def test_the_run_deadline_cuts_a_hanging_request_short(
    server: RdapServer, registry: FakeRegistry
) -> None:
    registry.fault("hang.test", Fault.HANG)
    limiter = HostLimiter(deadline=time.monotonic() + 1.0)
    started = time.monotonic()
    (answer,) = run_lookups(server, ["hang.test"], timeout=30, limiter=limiter)
    assert time.monotonic() - started < 5
    assert isinstance(answer, LookupFailure)
    assert "no complete answer within" in answer.message


def test_a_tld_without_rdap_service_is_unsupported(server: RdapServer) -> None:
    server.add_registry("only-com", tlds=["com"])
    (answer,) = run_lookups(server, ["example.de"])
    assert isinstance(answer, LookupFailure)
    assert answer.code is ReasonCode.UNSUPPORTED_TLD
    assert answer.message == "no RDAP service for .de in the bootstrap (test)"


@pytest.mark.parametrize("bad", ["", "no_underscores.com", "-x.com", "com", "a..b.com", "é.com"])
def test_a_name_that_is_not_an_a_label_domain_is_refused_without_a_request(
    server: RdapServer, bad: str
) -> None:
    registry = server.add_registry("any", tlds=["com"])
    (answer,) = run_lookups(server, [bad])
    assert isinstance(answer, LookupFailure)
    assert "is not an A-label domain" in answer.message
    assert registry.requests == 0


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/rdap/"


def test_the_next_listed_service_is_asked_when_the_first_is_down(server: RdapServer) -> None:
    second = server.add_registry("second")
    second.add("up.test", synthetic_domain("up.test"))
    document = {"version": "1.0", "services": [[["test"], [closed_port_url(), second.base_url]]]}
    bootstrap = parse_bootstrap(json.dumps(document).encode(), source="two services")

    async def run() -> Registration | LookupFailure:
        async with make_client() as client:
            rdap = RdapClient(bootstrap, client, limiter=HostLimiter(), timeout=1, retries=0)
            return await rdap.lookup("up.test", follow_registrar=lambda _: False)

    answer = asyncio.run(run())
    assert isinstance(answer, Registration)
    assert answer.url == second.url_for("up.test")
