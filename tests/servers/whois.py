"""A loopback WHOIS server (RFC 3912 over TCP) for tests.

It listens on an ephemeral port of 127.0.0.1, reads one query line per connection,
records it, and answers from canned texts keyed by the exact query line. Each answer can
misbehave: hang, reset the connection, dribble bytes slowly, or send an enormous body.
Connections are served on threads, so tests stay synchronous and run the asyncio client
with ``asyncio.run``.

    with LoopbackWhoisServer() as server:
        server.answer("-T dn,ace example.de", "Domain: example.de\\nStatus: free\\n")
        server.answer("slow.de", "...", behaviour=Behaviour.HANG)
        ... WhoisClient({"de": server.address}) ...
        assert server.queries == ["-T dn,ace example.de"]
"""

from __future__ import annotations

import enum
import socket
import struct
import threading
import time
from dataclasses import dataclass
from types import TracebackType

_MAX_QUERY = 4096


class Behaviour(enum.Enum):
    """How the server delivers an answer."""

    ANSWER = "answer"  # send the text, then close
    HANG = "hang"  # read the query, never answer, keep the connection open
    RESET = "reset"  # send the first half of the text, then reset (RST) the connection
    DRIBBLE = "dribble"  # send the text one byte at a time, ``delay`` seconds apart
    ENORMOUS = "enormous"  # send the text repeated until ``size`` bytes, then close
    SILENT_CLOSE = "silent-close"  # close without sending anything


@dataclass(frozen=True)
class Reply:
    """A canned answer and how to deliver it."""

    body: bytes
    behaviour: Behaviour = Behaviour.ANSWER
    delay: float = 0.05  # DRIBBLE: seconds between bytes
    size: int = 4 * 1024 * 1024  # ENORMOUS: bytes to send


class LoopbackWhoisServer:
    """A threaded WHOIS server on 127.0.0.1 with canned answers and a query log."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._replies: dict[str, Reply] = {}
        self._default: Reply | None = None
        self._queries: list[str] = []
        self._active = 0
        self._max_active = 0
        self._starts: list[float] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    # --- configuration -----------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) to hand to the client."""
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def answer(
        self,
        query: str,
        body: str | bytes,
        behaviour: Behaviour = Behaviour.ANSWER,
        *,
        delay: float = 0.05,
        size: int = 4 * 1024 * 1024,
    ) -> None:
        """Answer the query line ``query`` (without CRLF) with ``body``."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._replies[query] = Reply(data, behaviour, delay, size)

    def answer_anything(self, body: str | bytes, behaviour: Behaviour = Behaviour.ANSWER) -> None:
        """Answer every query that has no answer of its own."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._default = Reply(data, behaviour)

    # --- what happened -----------------------------------------------------------------

    @property
    def queries(self) -> list[str]:
        """Every query line received, in order."""
        with self._lock:
            return list(self._queries)

    def count(self, query: str) -> int:
        """How many times ``query`` was asked."""
        with self._lock:
            return self._queries.count(query)

    @property
    def max_concurrent(self) -> int:
        """The most connections that were being served at the same time."""
        with self._lock:
            return self._max_active

    @property
    def query_times(self) -> list[float]:
        """``time.monotonic()`` at which each query line arrived."""
        with self._lock:
            return list(self._starts)

    # --- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Stop accepting, release hanging connections and wait for every thread."""
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> LoopbackWhoisServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- serving -----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with self._lock:
            self._active += 1
            self._max_active = max(self._max_active, self._active)
        try:
            connection.settimeout(5)
            query = self._read_query(connection)
            if query is None:
                return
            with self._lock:
                self._queries.append(query)
                self._starts.append(time.monotonic())
                reply = self._replies.get(query, self._default)
            if reply is not None:
                self._deliver(connection, reply)
        except OSError:
            pass  # the client went away; that is its business
        finally:
            # counted out before the close, so the client cannot see EOF while still counted
            with self._lock:
                self._active -= 1
            connection.close()

    @staticmethod
    def _read_query(connection: socket.socket) -> str | None:
        data = b""
        while b"\n" not in data and len(data) < _MAX_QUERY:
            chunk = connection.recv(1024)
            if not chunk:
                return None
            data += chunk
        return data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")

    def _deliver(self, connection: socket.socket, reply: Reply) -> None:
        body, behaviour = reply.body, reply.behaviour
        if behaviour is Behaviour.ANSWER:
            connection.sendall(body)
        elif behaviour is Behaviour.HANG:
            self._stop.wait()
        elif behaviour is Behaviour.RESET:
            connection.sendall(body[: len(body) // 2])
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif behaviour is Behaviour.DRIBBLE:
            for index in range(len(body)):
                if self._stop.wait(reply.delay):
                    return
                connection.sendall(body[index : index + 1])
        elif behaviour is Behaviour.ENORMOUS:
            sent = 0
            block = (body or b"x") * max(1, 65536 // max(1, len(body)))
            while sent < reply.size and not self._stop.is_set():
                connection.sendall(block)
                sent += len(block)
        # SILENT_CLOSE: nothing to send; the connection closes on return
