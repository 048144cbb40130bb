"""Port-43 WHOIS for TLDs that have no RDAP.

One TCP exchange per lookup (RFC 3912): connect, send the query and CRLF, read until the
server closes. Answers are bounded in bytes and time, decoded as UTF-8 with a latin-1
fallback, and handed to :func:`~checker.lookup.whois_parse.parse_whois`. The registry's
answer is the one that counts: a referral (``Registrar WHOIS Server:``, ``refer:``) is
followed only when that answer lacks the expiry, only to a host whose every address is
public, and then only for the expiry; when it cannot be had the registration says so
(``registrar-unavailable``). The server is the hand-kept profile's
(``whois-servers.json``), else the one the IANA root zone database names for the TLD
(``whois-iana.json``), else that of a second-level registry
(``second-level-registries.json``). WHOIS servers rate-limit hard, so each server gets at
most ``per_server`` connections at a time and a pause between queries.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import re
import types
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from importlib import resources

import idna

from checker.lookup.registrar import registrar_unavailable
from checker.lookup.whois_parse import WhoisProfile, WhoisTable, load_table, parse_whois
from checker.model import LookupFailure, ReasonCode, Registration
from checker.net.http import AddressResolver, SystemResolver, is_public_address
from checker.registries import second_level_registries

DEFAULT_PORT = 43
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_PER_SERVER = 1
DEFAULT_SPACING = 1.0  # seconds between the starts of two queries to one server

_CHUNK = 16 * 1024
_CLOSE_TIMEOUT = 1.0
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$")
_SUFFIX = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")
_NO_OVERRIDES: Mapping[str, tuple[str, int]] = types.MappingProxyType({})


@dataclass(frozen=True)
class _Target:
    host: str
    port: int
    profile: WhoisProfile

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class WhoisClient:
    """Asks registries' WHOIS servers about registrable domains.

    ``servers_override`` maps a TLD (or longer suffix) to ``(host, port)`` and wins over
    the shipped table; a registry's query format (DENIC's ``-T dn,ace``) is kept when
    only its address is overridden. ``hosts`` maps a suffix to the port-43 host of a
    registry without a hand-kept profile (default: :func:`shipped_hosts`). ``resolver``
    and ``is_public`` vet a registrar host named in a referral before it is asked.
    """

    def __init__(
        self,
        servers_override: Mapping[str, tuple[str, int]] = _NO_OVERRIDES,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        *,
        per_server: int = DEFAULT_PER_SERVER,
        spacing: float = DEFAULT_SPACING,
        table: WhoisTable | None = None,
        hosts: Mapping[str, str] | None = None,
        resolver: AddressResolver | None = None,
        is_public: Callable[[str], bool] = is_public_address,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0 or per_server < 1 or spacing < 0:
            raise ValueError("timeout, max_bytes and per_server must be positive, spacing >= 0")
        self._table = table or load_table()
        self._hosts = shipped_hosts() if hosts is None else hosts
        self._resolver = resolver
        self._is_public = is_public
        self._overrides = {
            _normalise_suffix(suffix): (host, port)
            for suffix, (host, port) in servers_override.items()
        }
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._per_server = per_server
        self._spacing = spacing
        self._gates: dict[tuple[str, int], _Gate] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def covers(self, domain: str) -> bool:
        """True when a WHOIS server is known for ``domain``'s TLD."""
        name = _normalise_domain(domain)
        return name is not None and self._target(name) is not None

    async def lookup(self, domain: str) -> Registration | LookupFailure:
        """The registry's answer about ``domain``; never raises for network or server faults."""
        name = _normalise_domain(domain)
        if name is None:
            return LookupFailure(
                code=ReasonCode.LOOKUP_FAILED,
                message=f"not a domain name that can be sent to a WHOIS server: {domain[:100]!r}",
            )
        target = self._target(name)
        if target is None:
            tld = name.rsplit(".", 1)[-1]
            return LookupFailure(
                code=ReasonCode.UNSUPPORTED_TLD,
                message=f"no WHOIS server known for .{tld} (--whois-server {tld}=HOST adds one)",
            )
        url = f"whois://{target.address}/{name}"
        query = target.profile.query_for(name)
        async with self._gate(target).slot():
            answer = await self._exchange(target, query, url)
        if isinstance(answer, LookupFailure):
            return answer
        text = _decode(answer)
        result = parse_whois(text, domain=name, server=target.host, url=url)
        if isinstance(result, Registration) and result.registered and result.expires is None:
            refers_to = referral(text)
            if refers_to is not None and refers_to != (target.host.lower(), target.port):
                return await self._with_registrar(result, refers_to, name)
        return result

    # --- internals ---------------------------------------------------------------------

    async def _with_registrar(
        self, registry: Registration, registrar_at: tuple[str, int], name: str
    ) -> Registration:
        """The registry answer with the expiry the registrar's WHOIS gives."""
        host, port = registrar_at
        url = f"whois://{host}:{port}/{name}"
        address, refused = await self._public_address(host)
        if address is None:
            return registrar_unavailable(
                registry, url, f"registrar WHOIS {host} not asked: {refused}"
            )
        target = _Target(address, port, self._table.generic)
        async with self._gate(target).slot():
            answer = await self._exchange(target, name, url)
        if isinstance(answer, LookupFailure):
            return registrar_unavailable(registry, url, f"registrar WHOIS failed: {answer.message}")
        registrar = parse_whois(_decode(answer), domain=name, server=host, url=url)
        if isinstance(registrar, LookupFailure):
            return registrar_unavailable(registry, url, f"registrar WHOIS: {registrar.message}")
        if not registrar.registered:
            return registrar_unavailable(
                registry, url, f"registrar WHOIS {host} does not know the name"
            )
        if registrar.expires is None:
            note = f"registrar WHOIS {host} publishes no expiry either"
            return replace(registry, registrar_url=url, notes=(*registry.notes, note))
        note = f"expiry {registrar.expires.isoformat()} taken from the registrar WHOIS {host}"
        return replace(
            registry,
            expires=registrar.expires,
            registrar_url=url,
            notes=(*registry.notes, note),
        )

    async def _public_address(self, host: str) -> tuple[str | None, str]:
        """(an address of ``host`` to connect to, "") or (None, why it must not be asked).

        Every address it resolves to must be public; the connection goes to one of them,
        so a second resolution cannot swap in another."""
        addresses = await (self._resolver or SystemResolver(self._timeout)).addresses(host)
        if not addresses:
            return None, f"host {host} does not resolve"
        for address in addresses:
            if not self._is_public(address):
                return None, f"host {host} resolves to non-public address {address}"
        return addresses[0], ""

    def _target(self, name: str) -> _Target | None:
        suffix = self._table.suffix_for(name, extra=self._overrides.keys() | self._hosts.keys())
        if suffix is None:
            return None
        profile = self._table.profile_for(name)  # the registry's query format and phrasing
        if suffix in self._overrides:
            host, port = self._overrides[suffix]
            return _Target(host, port, profile)
        if profile.suffix == suffix and profile.host is not None:
            return _Target(profile.host, profile.port, profile)
        # A registry the hand-kept table does not describe: asked and read the generic way.
        shipped = self._hosts.get(suffix)
        return None if shipped is None else _Target(shipped, DEFAULT_PORT, self._table.generic)

    def _gate(self, target: _Target) -> _Gate:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # gates hold loop-bound primitives
            self._loop, self._gates = loop, {}
        key = (target.host.lower(), target.port)
        if key not in self._gates:
            self._gates[key] = _Gate(self._per_server, self._spacing)
        return self._gates[key]

    async def _exchange(self, target: _Target, query: str, url: str) -> bytes | LookupFailure:
        def failure(why: str, retryable: bool = True) -> LookupFailure:
            return LookupFailure(
                code=ReasonCode.LOOKUP_FAILED, message=f"{url}: {why}", url=url, retryable=retryable
            )

        try:
            return await asyncio.wait_for(self._talk(target, query), self._timeout)
        except asyncio.TimeoutError:
            return failure(f"no complete answer within {self._timeout:g} s")
        except _Oversize:
            return failure(f"answer larger than {self._max_bytes} bytes", retryable=False)
        except ConnectionRefusedError:
            return failure("connection refused")
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError):
            return failure("connection reset before the answer was complete")
        except OSError as error:
            return failure(f"network error: {error.strerror or type(error).__name__}")

    async def _talk(self, target: _Target, query: str) -> bytes:
        reader, writer = await asyncio.open_connection(target.host, target.port)
        try:
            writer.write(query.encode("ascii") + b"\r\n")
            await writer.drain()
            received = bytearray()
            while chunk := await reader.read(_CHUNK):
                received += chunk
                if len(received) > self._max_bytes:
                    raise _Oversize
            return bytes(received)
        finally:
            writer.close()
            with suppress(OSError, asyncio.TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), _CLOSE_TIMEOUT)


@functools.lru_cache(maxsize=1)
def shipped_hosts() -> Mapping[str, str]:
    """Suffix -> port-43 host: every TLD without RDAP whose IANA root zone record names a
    WHOIS server (``checker/data/whois-iana.json``), and every second-level registry
    with a WHOIS server (``checker/data/second-level-registries.json``)."""
    data = resources.files("checker").joinpath("data")
    document = json.loads(data.joinpath("whois-iana.json").read_text(encoding="utf-8"))
    servers = document.get("servers") if isinstance(document, dict) else None
    if not isinstance(servers, dict):
        raise ValueError("whois-iana.json: 'servers' must be an object")
    hosts = {_normalise_suffix(tld): str(host) for tld, host in servers.items()}
    for suffix, registry in second_level_registries().items():
        if registry.whois is not None:
            hosts[suffix] = registry.whois
    return types.MappingProxyType(hosts)


class _Oversize(Exception):
    """The server sent more than the byte limit."""


class _Gate:
    """At most ``limit`` queries at once to one server, starts ``spacing`` seconds apart."""

    def __init__(self, limit: int, spacing: float) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._turn = asyncio.Lock()
        self._spacing = spacing
        self._next_start = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            async with self._turn:
                loop = asyncio.get_running_loop()
                wait = self._next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = loop.time() + self._spacing
            yield


_REFERRAL_KEYS = frozenset({"registrar whois server", "whois server", "referralserver", "refer"})
_REFERRAL_LINES = 400  # referrals sit near the top of an answer


def referral(text: str) -> tuple[str, int] | None:
    """(host, port) of the registrar WHOIS a registry's answer refers to, or None.

    ``Registrar WHOIS Server: whois.example.net`` is port 43; a port is read only from the
    URL form (``ReferralServer: whois://whois.example.net:4343``)."""
    for line in text.splitlines()[:_REFERRAL_LINES]:
        key, sep, value = line[:300].partition(":")
        if not sep or " ".join(key.lower().split()) not in _REFERRAL_KEYS:
            continue
        target = value.strip().lower()
        is_url = target.startswith("whois://")
        target = target.removeprefix("whois://").split("/", 1)[0]
        host, colon, port_text = target.partition(":")
        host = host.strip().rstrip(".")
        port = DEFAULT_PORT
        if colon and is_url and port_text.isdigit() and 0 < int(port_text) < 65536:
            port = int(port_text)
        elif colon:
            continue
        if "." in host and _HOST.match(host):
            return host, port
    return None


def _decode(answer: bytes) -> str:
    try:
        return answer.decode("utf-8")
    except UnicodeDecodeError:
        return answer.decode("latin-1")


def _normalise_domain(domain: str) -> str | None:
    """Lower-case A-label form, or None when it is not a plain domain name."""
    name = domain.strip().rstrip(".").lower()
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            return None
    return name if _DOMAIN.match(name) else None


def _normalise_suffix(suffix: str) -> str:
    text = suffix.strip().strip(".").lower()
    if text and not text.isascii():
        try:
            text = idna.encode(text, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise ValueError(f"not a TLD: {suffix!r}") from None
    if not _SUFFIX.match(text):
        raise ValueError(f"not a TLD: {suffix!r}")
    return text


def parse_server_override(text: str) -> tuple[str, tuple[str, int]]:
    """Read ``--whois-server TLD=HOST[:PORT]`` into ``(tld, (host, port))``.

    ``HOST`` is a host name, an IPv4 address or a bracketed IPv6 address (a bare IPv6
    address is accepted without a port). Raises ValueError saying what is wrong.
    """
    usage = f"--whois-server expects TLD=HOST[:PORT], e.g. de=whois.denic.de:43; got {text!r}"
    tld_text, sep, address = text.strip().partition("=")
    if not sep or not tld_text.strip() or not address.strip():
        raise ValueError(usage)
    try:
        tld = _normalise_suffix(tld_text)
    except ValueError:
        raise ValueError(f"{usage}: {tld_text.strip()!r} is not a TLD") from None
    host, port = _split_address(address.strip(), usage)
    return tld, (host, port)


def _split_address(address: str, usage: str) -> tuple[str, int]:
    port_text = ""
    if address.startswith("["):
        host, bracket, rest = address[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{usage}: unbalanced brackets in {address!r}")
        port_text = rest[1:] if rest else ""
        if not _is_ip(host, version=6):
            raise ValueError(f"{usage}: {host!r} is not an IPv6 address")
        if rest and not port_text:
            raise ValueError(f"{usage}: missing port after ':'")
    elif address.count(":") > 1:
        host = address
        if not _is_ip(host, version=6):
            raise ValueError(f"{usage}: {host!r} is not an IPv6 address (put it in brackets)")
    else:
        host, colon, port_text = address.partition(":")
        if colon and not port_text:
            raise ValueError(f"{usage}: missing port after ':'")
        if not (_is_ip(host, version=4) or _HOST.match(host.lower())):
            raise ValueError(f"{usage}: {host!r} is not a host name or address")
        host = host.lower().rstrip(".")
    if not port_text:
        return host, DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{usage}: port must be a number from 1 to 65535, got {port_text!r}")
    return host, int(port_text)


def _is_ip(text: str, *, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False
