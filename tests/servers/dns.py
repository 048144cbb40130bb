"""A loopback DNS server speaking the real wire protocol, for tests.

It plays a recursive resolver (RA set) over UDP and TCP on one ephemeral port of
127.0.0.1, answering from records given in zone-file syntax, with per-name faults and a
log of every query. Encoding and decoding are dnslib's; the sockets are plain threads,
so tests stay synchronous and call ``asyncio.run`` on the client side.

    with LoopbackDnsServer() as server:
        server.add_records("example.com. 300 IN NS ns1.example.net.")
        server.set_fault("broken.example", Fault.SERVFAIL)
        ... DnsChecker(nameserver=server.address) ...
        assert server.queries_for("example.com") == [("NS", "udp")]
"""

from __future__ import annotations

import enum
import select
import socket
import struct
import threading
from dataclasses import dataclass
from types import TracebackType

from dnslib import QTYPE, RCODE, RR, DNSRecord

_BIND_ATTEMPTS = 20


class Fault(enum.Enum):
    """How the server misbehaves for a name."""

    SERVFAIL = "servfail"  # rcode 2
    REFUSED = "refused"  # rcode 5
    DROP = "drop"  # never answer: the client times out
    TRUNCATE = "truncate"  # over UDP, an empty answer with TC set; TCP answers fully
    MALFORMED = "malformed"  # the right message id followed by bytes that do not parse
    NXDOMAIN = "nxdomain"  # rcode 3 for a name that may well exist elsewhere
    NOT_AUTHORITATIVE = "not-authoritative"  # an authoritative server's answer without AA


@dataclass(frozen=True)
class Query:
    """One question the server received."""

    name: str  # lower case, no trailing dot
    qtype: str  # "NS", "MX", "A"...
    transport: str  # "udp" or "tcp"


class LoopbackDnsServer:
    """A threaded DNS server on 127.0.0.1, same ephemeral port for UDP and TCP.

    ``authoritative=True`` plays an authoritative server instead of a resolver: answers
    carry AA and not RA. ``host`` and ``port`` bind another loopback address (127.0.0.x)
    or a given port, so that several authoritative servers can share one port.
    """

    def __init__(
        self,
        records: str = "",
        *,
        authoritative: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._authoritative = authoritative
        # Indexed by owner name, with every name above one (empty non-terminals exist too):
        # a benchmark's thousands of records must not make each answer a linear scan.
        self._records: dict[str, list[RR]] = {}
        self._names: set[str] = set()
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self._queries: list[Query] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._udp, self._tcp = _bind_pair(host, port)
        if records:
            self.add_records(records)

    # --- configuration ---------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) to hand to the client."""
        host, port = self._udp.getsockname()[:2]
        return str(host), int(port)

    def add_records(self, zone_text: str) -> None:
        """Add records written in zone-file syntax, one per line, names absolute."""
        parsed = RR.fromZone(zone_text)
        with self._lock:
            for rr in parsed:
                owner = _key(str(rr.rname))
                self._records.setdefault(owner, []).append(rr)
                labels = owner.split(".")
                self._names.update(".".join(labels[i:]) for i in range(len(labels)))

    def set_fault(self, name: str, fault: Fault, qtype: str | None = None) -> None:
        """Misbehave for ``name`` (for every type, or only ``qtype``)."""
        with self._lock:
            self._faults[(_key(name), qtype.upper() if qtype else None)] = fault

    @property
    def queries(self) -> list[Query]:
        """Every question received so far, in order."""
        with self._lock:
            return list(self._queries)

    def queries_for(self, name: str) -> list[tuple[str, str]]:
        """(qtype, transport) of the questions about ``name``."""
        key = _key(name)
        return [(q.qtype, q.transport) for q in self.queries if q.name == key]

    # --- life cycle ------------------------------------------------------------------

    def start(self) -> LoopbackDnsServer:
        for target in (self._serve_udp, self._serve_tcp):
            thread = threading.Thread(target=target, name="loopback-dns", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.close_sockets()

    def close_sockets(self) -> None:
        """Release the port (of a server never started, or after :meth:`stop`)."""
        self._udp.close()
        self._tcp.close()

    def __enter__(self) -> LoopbackDnsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- transports ------------------------------------------------------------------

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._udp], [], [], 0.05)
            if not ready:
                continue
            try:
                data, peer = self._udp.recvfrom(65535)
            except OSError:
                continue
            reply = self._respond(data, "udp")
            if reply is not None:
                self._udp.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._tcp], [], [], 0.05)
            if not ready:
                continue
            try:
                conn, _ = self._tcp.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve_connection, args=(conn,), daemon=True)
            thread.start()

    def _serve_connection(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.05)
            buffer = b""
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65535)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while len(buffer) >= 2:
                    (length,) = struct.unpack("!H", buffer[:2])
                    if len(buffer) < 2 + length:
                        break
                    message, buffer = buffer[2 : 2 + length], buffer[2 + length :]
                    reply = self._respond(message, "tcp")
                    if reply is not None:
                        conn.sendall(struct.pack("!H", len(reply)) + reply)

    # --- answering -------------------------------------------------------------------

    def _respond(self, data: bytes, transport: str) -> bytes | None:
        try:
            request = DNSRecord.parse(data)
        except Exception:
            return None
        if not request.questions:
            return None
        question = request.questions[0]
        name = _key(str(question.qname))
        qtype = QTYPE.get(question.qtype, str(question.qtype))
        with self._lock:
            self._queries.append(Query(name, qtype, transport))
            fault = self._faults.get((name, qtype)) or self._faults.get((name, None))
            # Read without copying: records are only ever added, under the GIL.
            records, names = self._records, self._names
        reply = request.reply(ra=0, aa=1) if self._authoritative else request.reply(ra=1, aa=0)
        if fault is Fault.DROP:
            return None
        if fault is Fault.MALFORMED:
            return data[:2] + b"\x81\x80\x00\x01\x00\x05" + b"\xff" * 7
        if fault is Fault.SERVFAIL:
            reply.header.rcode = RCODE.SERVFAIL
            return bytes(reply.pack())
        if fault is Fault.REFUSED:
            reply.header.rcode = RCODE.REFUSED
            return bytes(reply.pack())
        if fault is Fault.NXDOMAIN:
            reply.header.rcode = RCODE.NXDOMAIN
            return bytes(reply.pack())
        if fault is Fault.NOT_AUTHORITATIVE:
            reply.header.aa = 0
        if fault is Fault.TRUNCATE and transport == "udp":
            reply.header.tc = 1
            return bytes(reply.pack())
        _answer(reply, name, question.qtype, records, names)
        return bytes(reply.pack())


def _answer(
    reply: DNSRecord, name: str, qtype: int, records: dict[str, list[RR]], names: set[str]
) -> None:
    """Fill ``reply`` from ``records``: data, CNAME chain, NODATA or NXDOMAIN."""
    for _ in range(8):  # follow at most a short CNAME chain
        at_name = records.get(name, [])
        matching = [rr for rr in at_name if rr.rtype == qtype]
        if matching:
            reply.add_answer(*matching)
            return
        cnames = [rr for rr in at_name if rr.rtype == QTYPE.CNAME]
        if cnames and qtype != QTYPE.CNAME:
            reply.add_answer(cnames[0])
            name = _key(str(cnames[0].rdata.label))
            continue
        exists = bool(at_name) or name in names
        if not exists:
            reply.header.rcode = RCODE.NXDOMAIN
        return


def _key(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _bind_pair(host: str = "127.0.0.1", wanted: int = 0) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same port (ephemeral unless ``wanted``) of ``host``."""
    for _ in range(_BIND_ATTEMPTS if wanted == 0 else 1):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind((host, wanted))
        except OSError:
            udp.close()
            raise
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((host, port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(16)
        return udp, tcp
    raise OSError(f"could not bind UDP and TCP to one port of {host}")


def authoritative_servers(hosts: list[str], attempts: int = 20) -> list[LoopbackDnsServer]:
    """Authoritative servers (not started) on each of ``hosts`` (127.0.0.x), sharing one port."""
    for _ in range(attempts):
        first = LoopbackDnsServer(authoritative=True, host=hosts[0])
        servers = [first]
        try:
            for host in hosts[1:]:
                servers.append(
                    LoopbackDnsServer(authoritative=True, host=host, port=first.address[1])
                )
        except OSError:
            for server in servers:
                server.close_sockets()
            continue
        return servers
    raise OSError("could not bind one port on every address")
