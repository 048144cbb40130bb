"""A loopback RDAP server for tests, benchmarks and soak runs.

:class:`RdapServer` runs one background thread with its own event loop and hosts any
number of :class:`FakeRegistry` endpoints. Each registry listens on its own
``127.0.0.1`` port (so each is a separate "registry host" for the client's per-host
limits), optionally over TLS with the test certificate in ``tests/fixtures/rdap/tls``.
A registry serves configured bodies per domain, answers unknown names with a 404, and
can be told to misbehave per domain (:class:`Fault`), to answer slowly (``latency``),
and to refuse more than ``max_concurrency`` requests at once with 429 + ``Retry-After``.

    with RdapServer() as server:
        verisign = server.add_registry("verisign", tlds=["com"], latency=0.1)
        verisign.add("example.com", body_dict)
        verisign.fault("broken.com", Fault.HTML_403)
        bootstrap_path = server.write_bootstrap(tmp_path / "dns.json")
        ...
        assert verisign.requests == 2

It speaks plain HTTP/1.1 (keep-alive, GET only) written against the socket, so faults
such as resets, hangs and oversize bodies are real wire behaviour.
"""

from __future__ import annotations

import asyncio
import enum
import http
import json
import socket
import ssl
import struct
import threading
from collections import Counter, deque
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

RDAP_TYPE = "application/rdap+json"
TLS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "rdap" / "tls"
TLS_CERT = TLS_DIR / "cert.pem"
TLS_KEY = TLS_DIR / "key.pem"
HUGE_BODY_BYTES = 40 * 1024 * 1024

T = TypeVar("T")


def client_ssl_context() -> ssl.SSLContext:
    """An SSL context that trusts the loopback test certificate (for ``verify=``)."""
    return ssl.create_default_context(cafile=str(TLS_CERT))


class Fault(enum.Enum):
    """Ways a registry can misbehave for one domain."""

    HANG = "hang"  # read the request, never answer
    RESET = "reset"  # drop the connection with a TCP RST
    SLOW_BODY = "slow-body"  # headers at once, then one byte every 0.2 s
    HTTP_500 = "http-500"
    HTTP_503 = "http-503"  # without Retry-After
    HTML_403 = "html-403"  # an HTML access-denied page
    HTML_404 = "html-404"  # a web server's 404 page, not an RDAP answer
    MALFORMED_JSON = "malformed-json"  # 200 with a truncated JSON body
    NOT_DOMAIN = "not-domain"  # 200 with a valid RDAP entity object
    WRONG_DOMAIN = "wrong-domain"  # 200 with a domain object for another name
    HUGE_BODY = "huge-body"  # 200 with a declared 40 MB body
    HUGE_BODY_CHUNKED = "huge-body-chunked"  # 200, 40 MB chunked, no length declared
    REDIRECT_LOOP = "redirect-loop"  # domain -> loop -> domain
    REDIRECT_CHAIN = "redirect-chain"  # an endless chain of new URLs
    DOWNGRADE_REDIRECT = "downgrade-redirect"  # https -> http on the same host


class StubResolver:
    """A stand-in for the OS resolver: fixed answers per host name, nothing else resolves.

    Lets a test say "rdap.registrar.example resolves to 198.51.100.7" (or to a private
    address) without any DNS traffic; it satisfies ``checker.net.http.AddressResolver``.
    """

    def __init__(self, answers: Mapping[str, Iterable[str]]) -> None:
        self.answers = {host.lower(): tuple(addresses) for host, addresses in answers.items()}
        self.asked: list[str] = []

    async def addresses(self, host: str) -> tuple[str, ...]:
        self.asked.append(host)
        return self.answers.get(host.lower(), ())


def synthetic_domain(
    name: str,
    *,
    statuses: Iterable[str] = ("active",),
    registration: str = "2015-01-01T00:00:00Z",
    expiration: str | None = "2035-01-01T00:00:00Z",
    registrar: str = "Synthetic Registrar",
    nameservers: Iterable[str] = ("ns1.synthetic.example", "ns2.synthetic.example"),
) -> dict[str, Any]:
    """A small, valid RDAP domain object (synthetic: for load tests, not for parsing tests)."""
    events = [{"eventAction": "registration", "eventDate": registration}]
    if expiration is not None:
        events.append({"eventAction": "expiration", "eventDate": expiration})
    return {
        "objectClassName": "domain",
        "rdapConformance": ["rdap_level_0"],
        "ldhName": name,
        "status": list(statuses),
        "events": events,
        "entities": [
            {
                "objectClassName": "entity",
                "roles": ["registrar"],
                "vcardArray": [
                    "vcard",
                    [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar]],
                ],
            }
        ],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": ns} for ns in nameservers],
    }


def rdap_error(code: int = 404, title: str = "Object not found") -> dict[str, Any]:
    """An RFC 9083 error response body."""
    return {"rdapConformance": ["rdap_level_0"], "errorCode": code, "title": title}


@dataclass(frozen=True)
class _Canned:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


class FakeRegistry:
    """One simulated RDAP service on its own loopback port (see :meth:`RdapServer.add_registry`)."""

    def __init__(
        self,
        name: str,
        tlds: Iterable[str],
        *,
        latency: float,
        max_concurrency: int | None,
        retry_after: int,
        tls: bool,
        not_found: str,
        prefix: str,
    ) -> None:
        if not_found not in ("empty", "rdap-error"):
            raise ValueError("not_found must be 'empty' or 'rdap-error'")
        self.name = name
        self.tlds = tuple(t.lower() for t in tlds)
        self.latency = latency
        self.max_concurrency = max_concurrency
        self.retry_after = retry_after
        self.tls = tls
        self.not_found = not_found
        self.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        self.port = 0
        self._answers: dict[str, _Canned] = {}
        self._paths: dict[str, _Canned] = {}
        self.log: deque[tuple[str, dict[str, str]]] = deque(maxlen=1000)  # (path, headers)
        self._faults: dict[str, Fault] = {}
        self.requests = 0  # every request received, 429s included
        self.throttled = 0  # 429 answers sent because of max_concurrency
        self.in_flight = 0
        self.peak_concurrency = 0
        self.by_domain: Counter[str] = Counter()

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: the host key a client sees for this registry."""
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The RDAP base URL, ending in ``/``, as a bootstrap would list it."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{self.prefix}"

    def url_for(self, domain: str) -> str:
        """The URL a client asks for ``domain``."""
        return f"{self.base_url}domain/{domain}"

    def add(
        self,
        domain: str,
        body: bytes | str | Mapping[str, Any],
        *,
        status: int = 200,
        content_type: str = RDAP_TYPE,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Serve ``body`` (JSON-encoded when a mapping) for ``domain`` with ``status``."""
        if isinstance(body, Mapping):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        self._answers[domain.lower()] = _Canned(
            status, data, content_type, tuple((headers or {}).items())
        )

    def add_file(self, domain: str, path: Path, *, status: int = 200) -> None:
        """Serve the bytes of ``path`` (a recorded registry body) for ``domain``."""
        self.add(domain, path.read_bytes(), status=status)

    def add_path(
        self, path: str, body: bytes | str, *, content_type: str = "application/json"
    ) -> str:
        """Serve ``body`` at the exact ``path`` (e.g. a bootstrap file); returns its URL."""
        data = body.encode() if isinstance(body, str) else body
        self._paths[path] = _Canned(200, data, content_type)
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def redirect(self, domain: str, location: str, *, status: int = 301) -> None:
        """Answer ``domain`` with a redirect to ``location``."""
        self.add(
            domain, b"", status=status, content_type="text/plain", headers={"Location": location}
        )

    def fault(self, domain: str, fault: Fault) -> None:
        """Make the registry misbehave for ``domain``."""
        self._faults[domain.lower()] = fault

    def requests_for(self, domain: str) -> int:
        """How many requests asked about ``domain`` (redirect hops excluded)."""
        return self.by_domain[domain.lower()]

    def reset_counters(self) -> None:
        self.requests = self.throttled = self.peak_concurrency = 0
        self.by_domain.clear()

    # --- serving (runs on the server thread) ------------------------------------------

    async def respond(
        self,
        target: str,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Answer one request; False when the connection must be closed."""
        self.requests += 1
        self.log.append((target, headers))
        if self.max_concurrency is not None and self.in_flight >= self.max_concurrency:
            self.throttled += 1
            body = json.dumps(rdap_error(429, "Too many requests")).encode()
            await _write(writer, 429, body, RDAP_TYPE, [("Retry-After", str(self.retry_after))])
            return True
        self.in_flight += 1
        self.peak_concurrency = max(self.peak_concurrency, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return await self._route(target, reader, writer)
        finally:
            self.in_flight -= 1

    async def _route(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        path = target.split("?", 1)[0]
        static = self._paths.get(path)
        if static is not None:
            await _write(writer, static.status, static.body, static.content_type)
            return True
        if not path.startswith(self.prefix):
            await _write(
                writer, 400, json.dumps(rdap_error(400, "Bad request")).encode(), RDAP_TYPE
            )
            return True
        rest = path[len(self.prefix) :]
        kind, _, name = rest.partition("/")
        if kind == "loop":
            await _redirect(writer, f"{self.prefix}domain/{name}")
            return True
        if kind == "chain":
            domain, _, hop = name.rpartition("/")
            await _redirect(writer, f"{self.prefix}chain/{domain}/{int(hop or 0) + 1}")
            return True
        if kind != "domain" or not name:
            await _write(
                writer, 400, json.dumps(rdap_error(400, "Bad request")).encode(), RDAP_TYPE
            )
            return True
        domain = name.lower()
        self.by_domain[domain] += 1
        fault = self._faults.get(domain)
        if fault is not None:
            return await self._misbehave(fault, domain, reader, writer)
        canned = self._answers.get(domain)
        if canned is not None:
            await _write(
                writer, canned.status, canned.body, canned.content_type, list(canned.headers)
            )
        elif self.not_found == "empty":
            await _write(writer, 404, b"", RDAP_TYPE)
        else:
            await _write(writer, 404, json.dumps(rdap_error()).encode(), RDAP_TYPE)
        return True

    async def _misbehave(
        self, fault: Fault, domain: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        if fault is Fault.HANG:
            await reader.read()  # until the client gives up and closes
            return False
        if fault is Fault.RESET:
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if fault is Fault.SLOW_BODY:
            writer.write(_head(200, RDAP_TYPE, [("Content-Length", "1000")]))
            for _ in range(1000):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.2)
            return False
        if fault in (Fault.HUGE_BODY, Fault.HUGE_BODY_CHUNKED):
            return await _write_huge(writer, domain, chunked=fault is Fault.HUGE_BODY_CHUNKED)
        if fault is Fault.REDIRECT_LOOP:
            await _redirect(writer, f"{self.prefix}loop/{domain}")
        elif fault is Fault.REDIRECT_CHAIN:
            await _redirect(writer, f"{self.prefix}chain/{domain}/1")
        elif fault is Fault.DOWNGRADE_REDIRECT:
            await _redirect(writer, f"http://127.0.0.1:{self.port}{self.prefix}domain/{domain}")
        else:
            status, body, content_type = _CANNED_FAULTS[fault](domain)
            await _write(writer, status, body, content_type)
        return True


_CANNED_FAULTS = {
    Fault.HTTP_500: lambda d: (500, b"Internal Server Error", "text/plain"),
    Fault.HTTP_503: lambda d: (503, b"Service Unavailable", "text/plain"),
    Fault.HTML_403: lambda d: (
        403,
        b"<html><head><title>403 Forbidden</title></head><body>Access denied</body></html>",
        "text/html",
    ),
    Fault.HTML_404: lambda d: (404, b"<html><body><h1>Not Found</h1></body></html>", "text/html"),
    Fault.MALFORMED_JSON: lambda d: (
        200,
        ('{"objectClassName": "domain", "ldhName": "' + d + '", "status": ["act').encode(),
        RDAP_TYPE,
    ),
    Fault.NOT_DOMAIN: lambda d: (
        200,
        json.dumps(
            {"objectClassName": "entity", "handle": "REG-1", "roles": ["registrar"]}
        ).encode(),
        RDAP_TYPE,
    ),
    Fault.WRONG_DOMAIN: lambda d: (
        200,
        json.dumps(synthetic_domain("other-" + d)).encode(),
        RDAP_TYPE,
    ),
}


def _head(status: int, content_type: str, headers: Iterable[tuple[str, str]]) -> bytes:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {status} {phrase}", f"Content-Type: {content_type}"]
    lines.extend(f"{k}: {v}" for k, v in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _write(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes,
    content_type: str,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    writer.write(_head(status, content_type, [*headers, ("Content-Length", str(len(body)))]) + body)
    await writer.drain()


async def _redirect(writer: asyncio.StreamWriter, location: str) -> None:
    await _write(writer, 302, b"", "text/plain", [("Location", location)])


async def _write_huge(writer: asyncio.StreamWriter, domain: str, *, chunked: bool) -> bool:
    """Stream a 40 MB JSON-looking body until done or until the client hangs up."""
    prefix = ('{"objectClassName": "domain", "ldhName": "' + domain + '", "padding": "').encode()
    block = b"x" * (64 * 1024)
    headers = (
        [("Transfer-Encoding", "chunked")]
        if chunked
        else [("Content-Length", str(HUGE_BODY_BYTES))]
    )
    sent = 0
    try:
        writer.write(_head(200, RDAP_TYPE, headers))
        while sent < HUGE_BODY_BYTES:
            piece = (prefix + block[len(prefix) :]) if sent == 0 else block
            piece = piece[: HUGE_BODY_BYTES - sent]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except (ConnectionError, OSError):
        return False
    return False


class RdapServer:
    """Hosts :class:`FakeRegistry` endpoints on one background event loop thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self.registries: list[FakeRegistry] = []

    def __enter__(self) -> RdapServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def requests(self) -> int:
        """Requests received by all registries."""
        return sum(r.requests for r in self.registries)

    @property
    def throttled(self) -> int:
        """429 answers sent by all registries."""
        return sum(r.throttled for r in self.registries)

    def start(self) -> None:
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="rdap-test-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close every registry and connection, and end the thread."""
        if self._loop is None or self._thread is None:
            return
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None
        self._thread = None

    def add_registry(
        self,
        name: str = "registry",
        tlds: Iterable[str] = (),
        *,
        latency: float = 0.0,
        max_concurrency: int | None = None,
        retry_after: int = 1,
        tls: bool = False,
        not_found: str = "empty",
        prefix: str = "/rdap/",
    ) -> FakeRegistry:
        """Start a registry on a fresh loopback port; ``tlds`` go into :meth:`bootstrap_document`.

        ``not_found`` picks how unknown names are answered: ``"empty"`` (HTTP 404 with no
        body, as Verisign does) or ``"rdap-error"`` (404 with an RFC 9083 error object).
        """
        self.start()
        registry = FakeRegistry(
            name,
            tlds,
            latency=latency,
            max_concurrency=max_concurrency,
            retry_after=retry_after,
            tls=tls,
            not_found=not_found,
            prefix=prefix,
        )
        registry.port = self._call(self._listen(registry))
        self.registries.append(registry)
        return registry

    def bootstrap_document(self) -> dict[str, Any]:
        """An RFC 9224 ``dns.json`` that maps each registry's TLDs to it."""
        return {
            "version": "1.0",
            "publication": "2026-01-01T00:00:00Z",
            "description": "loopback test registries",
            "services": [[list(r.tlds), [r.base_url]] for r in self.registries if r.tlds],
        }

    def write_bootstrap(self, path: Path) -> Path:
        """Write :meth:`bootstrap_document` to ``path`` (for ``--rdap-bootstrap PATH``)."""
        path.write_text(json.dumps(self.bootstrap_document(), indent=1))
        return path

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    async def _listen(self, registry: FakeRegistry) -> int:
        context = None
        if registry.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(TLS_CERT, TLS_KEY)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._serve_connection(registry, reader, writer)

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context, backlog=512)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def _serve_connection(
        self, registry: FakeRegistry, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                    ConnectionError,
                    OSError,
                ):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")
                parts = request_line.split(" ")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (ln.partition(":") for ln in lines if ln)
                }
                if len(parts) != 3 or parts[0] != "GET":
                    await _write(writer, 405, b"", "text/plain", [("Connection", "close")])
                    return
                keep = await registry.respond(parts[1], headers, reader, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, OSError, asyncio.CancelledError):
            return
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        if handlers:
            await asyncio.wait(handlers, timeout=5)
        self._servers.clear()
