"""Following a registry's ``related`` link to the registrar, and only when it is safe."""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import json
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import vcr

from checker.lookup.bootstrap import parse_bootstrap, shipped_bootstrap
from checker.lookup.rdap import RdapClient
from checker.model import LookupFailure, Registration
from checker.net.http import HostLimiter, make_client
from tests.servers.rdap import RdapServer, StubResolver, client_ssl_context

CASSETTES = Path(__file__).parents[1] / "cassettes" / "rdap"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "rdap"
REGISTRAR_URL = "https://rdap.markmonitor.com/rdap/domain/GOOGLE.COM"
PUBLIC = StubResolver({"rdap.markmonitor.com": ["64.124.14.63"]})

PLAYBACK = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    serializer="json",
    match_on=("method", "scheme", "host", "port", "path", "query"),
)


def google_lookup(
    cassette: str, *, follow: bool, resolver: StubResolver = PUBLIC
) -> tuple[Registration | LookupFailure, list[Registration], int]:
    """Look google.com up against a cassette; returns the answer, what the predicate saw,
    and how many recorded answers were played."""
    seen: list[Registration] = []

    def follow_registrar(registration: Registration) -> bool:
        seen.append(registration)
        return follow

    async def run() -> Registration | LookupFailure:
        async with make_client() as client:
            rdap = RdapClient(
                shipped_bootstrap(), client, limiter=HostLimiter(), timeout=5, resolver=resolver
            )
            return await rdap.lookup("google.com", follow_registrar=follow_registrar)

    with PLAYBACK.use_cassette(cassette) as played:
        answer = asyncio.run(run())
        return answer, seen, played.play_count


def test_registrar_answer_adds_a_note_but_registry_dates_and_statuses_stand() -> None:
    answer, seen, played = google_lookup("registrar.json", follow=True)
    assert played == 2
    assert isinstance(answer, Registration)
    registry = seen[0]
    assert registry.url == "https://rdap.verisign.com/com/v1/domain/google.com"
    assert answer.registrar_url == REGISTRAR_URL
    # MarkMonitor says 2028-09-13T07:00, the registry 2028-09-14T04:00: the registry wins.
    assert answer.expires == datetime(2028, 9, 14, 4, tzinfo=timezone.utc)
    assert answer.notes == ("registrar answer differs: expires 2028-09-13",)
    assert answer.statuses == registry.statuses
    assert answer.created == registry.created


def test_registrar_is_not_asked_when_the_predicate_says_no() -> None:
    answer, seen, played = google_lookup("registrar.json", follow=False)
    assert played == 1
    assert answer == seen[0]
    assert isinstance(answer, Registration)
    assert answer.registrar_url is None


def test_registrar_expiry_fills_in_when_the_registry_has_none() -> None:
    answer, seen, played = google_lookup("registrar-fills-expiry.json", follow=True)
    assert played == 2
    assert seen[0].expires is None
    assert isinstance(answer, Registration)
    assert answer.expires == datetime(2028, 9, 13, 7, tzinfo=timezone.utc)
    assert answer.notes == ("expiry 2028-09-13T07:00:00+00:00 taken from the registrar answer",)


def test_a_failed_registrar_lookup_leaves_the_registry_answer_with_a_note() -> None:
    answer, seen, played = google_lookup("registrar-error.json", follow=True)
    assert played == 2
    assert isinstance(answer, Registration)
    assert answer.expires == seen[0].expires
    assert answer.statuses == seen[0].statuses
    assert answer.registrar_url is None
    assert answer.notes == (
        f"registrar lookup failed: RDAP {REGISTRAR_URL}: HTTP 500 (text/html), not an RDAP answer",
    )


def test_a_registrar_link_resolving_to_a_private_address_is_not_followed() -> None:
    private = StubResolver({"rdap.markmonitor.com": ["64.124.14.63", "10.0.0.7"]})
    answer, _, played = google_lookup("registrar.json", follow=True, resolver=private)
    assert played == 1
    assert private.asked == ["rdap.markmonitor.com"]
    assert isinstance(answer, Registration)
    assert answer.registrar_url is None
    assert answer.notes == (
        f"registrar link {REGISTRAR_URL} not followed: "
        "host rdap.markmonitor.com resolves to non-public address 10.0.0.7",
    )


def _registrar_world(link: str, resolver: object) -> tuple[Registration | LookupFailure, int, str]:
    """A registry whose google.com answer links the registrar at ``link`` (``{port}``: a
    loopback TLS registrar that knows google.com); the answer, the registrar's request
    count, and the link."""
    body = json.loads((FIXTURES / "whoisit_google.com.verisign.json").read_text())
    with RdapServer() as server:
        registry = server.add_registry("registry", tlds=["com"])
        internal = server.add_registry("internal", tls=True)
        internal.add(
            "google.com", (FIXTURES / "whodap_google.com.markmonitor-registrar.json").read_bytes()
        )
        hostile = copy.deepcopy(body)
        for item in hostile["links"]:
            if item["rel"] == "related":
                item["href"] = link = link.format(port=internal.port)
        registry.add("google.com", hostile)
        bootstrap = parse_bootstrap(json.dumps(server.bootstrap_document()).encode(), source="t")

        async def run() -> Registration | LookupFailure:
            async with make_client(verify=client_ssl_context()) as client:
                rdap = RdapClient(
                    bootstrap, client, limiter=HostLimiter(), timeout=2,
                    resolver=resolver,  # type: ignore[arg-type]
                )  # fmt: skip
                return await rdap.lookup("google.com", follow_registrar=lambda _: True)

        answer = asyncio.run(run())
        return answer, internal.requests, link


def test_a_registrar_link_to_loopback_is_never_requested() -> None:
    """A hostile registry pointing at a loopback service gets no request sent there."""
    answer, internal_requests, link = _registrar_world(
        "https://127.0.0.1:{port}/domain/google.com", None
    )
    assert internal_requests == 0
    assert isinstance(answer, Registration)
    assert answer.registrar_url is None
    assert answer.notes == (
        f"registrar link {link} not followed: host 127.0.0.1 is the non-public address 127.0.0.1",
    )


def test_a_registry_redirect_to_another_host_must_pass_the_link_guard() -> None:
    with RdapServer() as server:
        registry = server.add_registry("registry", tlds=["com"])
        elsewhere = server.add_registry("elsewhere")
        elsewhere.add("moved.com", b"{}")
        registry.redirect("moved.com", elsewhere.url_for("moved.com"))
        bootstrap = parse_bootstrap(json.dumps(server.bootstrap_document()).encode(), source="t")

        async def run() -> Registration | LookupFailure:
            async with make_client() as client:
                rdap = RdapClient(bootstrap, client, limiter=HostLimiter(), timeout=2)
                return await rdap.lookup("moved.com", follow_registrar=lambda _: True)

        answer = asyncio.run(run())
        assert elsewhere.requests == 0
    assert isinstance(answer, LookupFailure)
    assert answer.message.endswith(
        f"redirect to {elsewhere.url_for('moved.com')} refused: scheme is 'http', not https"
    )


def test_a_registry_redirect_within_its_own_host_is_followed() -> None:
    with RdapServer() as server:
        registry = server.add_registry("registry", tlds=["com"])
        registry.add_path(
            "/v2/domain/moved.com",
            json.dumps({"objectClassName": "domain", "ldhName": "moved.com", "status": ["active"]}),
            content_type="application/rdap+json",
        )
        registry.redirect("moved.com", "/v2/domain/moved.com")
        bootstrap = parse_bootstrap(json.dumps(server.bootstrap_document()).encode(), source="t")

        async def run() -> Registration | LookupFailure:
            async with make_client() as client:
                rdap = RdapClient(bootstrap, client, limiter=HostLimiter(), timeout=2)
                return await rdap.lookup("moved.com", follow_registrar=lambda _: True)

        answer = asyncio.run(run())
    assert isinstance(answer, Registration)
    assert answer.statuses == ("active",)
    assert answer.url == registry.url_for("moved.com")


class _Network:
    """Records where the client resolves and connects; nothing leaves loopback. Names are
    resolved by the system only for ``localhost``; other names fail like NXDOMAIN."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.resolved: list[str] = []
        self.connected: list[str] = []
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            self.resolved.append(name)
            if name != "localhost" and not name.replace(".", "").isdigit():
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real_getaddrinfo(host, *args, **kwargs)

        def connect(sock: socket.socket, address: Any) -> None:
            self.connected.append(str(address[0]))
            if not ipaddress.ip_address(str(address[0])).is_loopback:
                raise ConnectionRefusedError(111, "Connection refused")
            real_connect(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)


def test_a_link_is_connected_to_the_address_that_was_checked_never_resolved_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name resolves to a public address when checked, to loopback when
    the connection is made. The connection must go to the checked address."""
    network = _Network(monkeypatch)
    public_then_loopback = StubResolver({"localhost": ["64.124.14.63"]})
    answer, internal_requests, _ = _registrar_world(
        "https://localhost:{port}/domain/google.com", public_then_loopback
    )
    assert internal_requests == 0, "the loopback service was reached"
    assert "localhost" not in network.resolved  # never resolved a second time
    assert "64.124.14.63" in network.connected
    assert isinstance(answer, Registration)
    (note,) = answer.notes
    assert note.startswith("registrar lookup failed:")
    assert "no connection to the checked addresses" in note
    assert "refused" not in note.lower()  # no word on how a port answered


class _CodecResolver:
    """A resolver that, like getaddrinfo, turns a Unicode name into ASCII with Python's
    IDNA 2003 codec before looking it up (faß -> fass)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def addresses(self, host: str) -> tuple[str, ...]:
        ascii_name = host.encode("idna").decode("ascii").lower()
        self.asked.append(ascii_name)
        return tuple(self.answers.get(ascii_name, ()))


def test_a_link_is_checked_under_the_name_httpx_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    """``faß.example`` is sent as ``xn--fa-hia.example`` (IDNA 2008); the stdlib codec would
    check ``fass.example``, a different name, instead."""
    _Network(monkeypatch)
    resolver = _CodecResolver(
        {"fass.example": ["64.124.14.63"], "xn--fa-hia.example": ["10.0.0.7"]}
    )
    answer, internal_requests, _ = _registrar_world(
        "https://faß.example/domain/google.com", resolver
    )
    assert internal_requests == 0
    assert resolver.asked == ["xn--fa-hia.example"]
    assert isinstance(answer, Registration)
    assert answer.notes == (
        "registrar link https://faß.example/domain/google.com not followed: "
        "host xn--fa-hia.example resolves to non-public address 10.0.0.7",
    )
