"""Loaded by every Python process the hardening tests start (PYTHONPATH=this directory).

The same rule as tests/conftest.py, for child processes: nothing but loopback. Every
attempt to go further is refused and written to the file named by
``DOMAIN_GUARD_TEST_GUARD_LOG``, so a test can assert that there was none.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

_LOG = os.environ.get("DOMAIN_GUARD_TEST_GUARD_LOG")


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(what + "\n")
    raise OSError(f"hardening test guard: {what}")


def _address_host(address: Any) -> Any:
    return address if isinstance(address, (str, bytes)) else address[0]


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_sendto = socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family != socket.AF_UNIX and not _is_loopback(_address_host(address)):
        _refuse(f"connect to {address!r}")
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if self.family != socket.AF_UNIX and not _is_loopback(_address_host(address)):
        _refuse(f"connect to {address!r}")
    return _connect_ex(self, address)


def _guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
    if not _is_loopback(_address_host(args[-1])):
        _refuse(f"send to {args[-1]!r}")
    return _sendto(self, data, *args)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # Resolving a public name would itself leave the machine (libc asks the resolver).
    if not _is_loopback(host):
        _refuse(f"resolve {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.socket.sendto = _guarded_sendto  # type: ignore[method-assign,assignment]
socket.getaddrinfo = _guarded_getaddrinfo
