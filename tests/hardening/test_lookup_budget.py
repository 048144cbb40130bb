"""One domain cannot hold a run for many times ``--timeout``.

A hostile registry answers each request with headers, then drips the body for most of the
timeout and resets the connection (a retried failure); the fourth try of each URL gets a
same-origin redirect to a new URL, five times over. Without a per-domain budget that is
24 requests and about 30 times the timeout for one domain. With it, the domain's requests,
retries and redirects included, stop after 3 times the timeout: ``unknown``
(``lookup-failed``), saying why.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app

TIMEOUT = 0.5
DRIP = 0.4  # seconds of body before the reset: most of the timeout


class DrippingRegistry:
    """A loopback HTTP/1.1 server misbehaving as above; counts requests per path."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: Counter[str] = Counter()
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            path = head.split(b" ", 2)[1].decode()
            self.requests[path] += 1
            hop = path.count("/hop")
            if self.requests[path] == 4 and hop < 5:
                target = "/hop" + path
                conn.sendall(
                    f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n".encode()
                )
                return
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/rdap+json\r\n"
                b"Content-Length: 1000\r\n\r\n"
            )
            until = time.monotonic() + DRIP
            try:
                while time.monotonic() < until:
                    conn.sendall(b" ")
                    time.sleep(0.05)
            except OSError:  # the client gave up first
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture
def registry() -> Iterator[DrippingRegistry]:
    server = DrippingRegistry()
    yield server
    server.close()


def test_one_domain_spends_at_most_its_lookup_budget(
    registry: DrippingRegistry, tmp_path: Path
) -> None:
    bootstrap = tmp_path / "bootstrap.json"
    bootstrap.write_text(json.dumps({
        "version": "1.0",
        "services": [[["org"], [f"http://127.0.0.1:{registry.port}/"]]],
    }))  # fmt: skip
    started = time.monotonic()
    result = CliRunner().invoke(
        app,
        ["domain", "dripping.org", "--rdap-bootstrap", str(bootstrap), "--timeout", str(TIMEOUT),
         "--whois-server", "org=127.0.0.1:9", "--no-dns", "--no-cache", "-f", "json",
         "--fail-on", "never"],
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.exit_code == 3, result.output  # its one domain could not be checked
    # 3 x timeout on the wire, plus the back-off pauses between tries
    assert sum(registry.requests.values()) <= 6, registry.requests
    assert elapsed < 10 * TIMEOUT, elapsed
    (verdict,) = json.loads(result.stdout)["domains"]
    assert verdict["risk"] == "unknown"
    (reason,) = verdict["reasons"]
    assert reason["code"] == "lookup-failed"
    assert "lookup budget of 1.5 s" in reason["message"]


def test_a_run_has_a_deadline_by_default() -> None:
    result = CliRunner().invoke(app, ["domain", "--help"], env={"COLUMNS": "200"})
    assert "DOMAIN_GUARD_DEADLINE; default: 2700.0" in result.output
