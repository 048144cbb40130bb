"""DNS evidence about a registrable domain and the mail domains below it.

Three questions, asked through one recursive resolver (the system's, or the one given
with ``--nameserver``):

- NS of the registrable domain: NXDOMAIN supports ``unregistered``; NOERROR without NS
  records means registered but not delegated; NS hosts at a parking service mean
  ``parked``.
- MX of each mail domain, and A/AAAA when there is no MX (the implicit MX of RFC 5321
  section 5.1). A null MX (``MX 0 .``, RFC 7505) means the domain accepts no mail.

A question that got no usable answer (SERVFAIL, REFUSED, timeout, a malformed reply)
leaves its field ``None`` and says why in :attr:`DnsInfo.error`; it is never read as
"no nameservers" or "no mail route".
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import dns.rrset
import idna

from checker.model import DnsInfo

#: More mail domains than this under one registrable domain are not asked about.
MAX_MAIL_DOMAINS = 32

_PARKING_DATA = "parking-nameservers.txt"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAX_ERROR_CHARS = 300


# --- parking services -------------------------------------------------------------------


@dataclass(frozen=True)
class ParkingEntry:
    """One nameserver suffix of a parking / aftermarket service."""

    suffix: str
    service: str
    source: str


@dataclass(frozen=True)
class ParkingTable:
    """Nameserver suffixes of parking, aftermarket and for-sale services."""

    entries: tuple[ParkingEntry, ...]

    def match(self, nameservers: Iterable[str]) -> str | None:
        """The service the nameservers point at, or None.

        Suffixes match on label boundaries, case-insensitively, with trailing dots
        ignored: ``parkingcrew.net`` matches ``NS1.ParkingCrew.NET.`` but not
        ``ns1.notparkingcrew.net``. The longest matching suffix wins.
        """
        best: ParkingEntry | None = None
        for raw in nameservers:
            entry = self.find(raw)
            if entry is not None and (best is None or len(entry.suffix) > len(best.suffix)):
                best = entry
        return best.service if best else None

    def find(self, host: str) -> ParkingEntry | None:
        """The longest entry whose suffix ``host`` is at or below, or None."""
        name = _normalise_host(host)
        best: ParkingEntry | None = None
        if not name:
            return None
        for entry in self.entries:
            hit = name == entry.suffix or name.endswith("." + entry.suffix)
            if hit and (best is None or len(entry.suffix) > len(best.suffix)):
                best = entry
        return best


def load_parking_table(extra_path: Path | None = None) -> ParkingTable:
    """The shipped parking table, plus the entries of ``extra_path`` when given.

    Raises ValueError naming the file and line of a malformed entry, and OSError when
    ``extra_path`` cannot be read.
    """
    return load_suffix_table(_PARKING_DATA, extra_path)


def load_suffix_table(data_file: str, extra_path: Path | None = None) -> ParkingTable:
    """A shipped ``suffix<TAB>service<TAB>source`` table of ``checker/data``, plus a file."""
    shipped = resources.files("checker") / "data" / data_file
    entries = list(_parse_parking(shipped.read_text(encoding="utf-8"), data_file))
    if extra_path is not None:
        entries.extend(_parse_parking(extra_path.read_text(encoding="utf-8"), str(extra_path)))
    return ParkingTable(tuple(entries))


def _parse_parking(text: str, origin: str) -> Iterable[ParkingEntry]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != 3 or not all(fields):
            raise ValueError(
                f"{origin}:{number}: expected 'suffix<TAB>service<TAB>source', got {line!r}"
            )
        suffix = _normalise_host(fields[0])
        labels = suffix.split(".")
        if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
            raise ValueError(
                f"{origin}:{number}: {fields[0]!r} is not a host name suffix of two or more labels"
            )
        yield ParkingEntry(suffix=suffix, service=fields[1], source=fields[2])


def _normalise_host(name: str) -> str:
    return name.strip().rstrip(".").lower()


# --- the --nameserver option ------------------------------------------------------------


def parse_nameserver(text: str) -> tuple[str, int]:
    """Parse ``HOST[:PORT]``: an IPv4 address, ``[IPv6]``, a bare IPv6 or a host name.

    The port defaults to 53. Raises ValueError with a message fit for the user.
    """
    value = text.strip()
    if not value:
        raise ValueError("--nameserver: empty value; expected HOST[:PORT]")
    port_text: str | None = None
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket:
            raise ValueError(f"--nameserver {text!r}: missing ']' after the IPv6 address")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"--nameserver {text!r}: expected ':PORT' after ']'")
            port_text = rest[1:]
        if not _is_ip(host, version=6):
            raise ValueError(f"--nameserver {text!r}: {host!r} is not an IPv6 address")
    elif value.count(":") > 1:
        host = value
        if not _is_ip(host, version=6):
            raise ValueError(
                f"--nameserver {text!r}: not an IPv6 address (write [ADDRESS]:PORT to give a port)"
            )
    else:
        host, colon, port_text_or_empty = value.partition(":")
        if colon:
            port_text = port_text_or_empty
        host = host.rstrip(".").lower()
        if not (_is_ip(host, version=4) or _is_hostname(host)):
            raise ValueError(f"--nameserver {text!r}: {host!r} is not an address or host name")
    port = 53 if port_text is None else _parse_port(port_text, text)
    return host, port


def _parse_port(port_text: str, text: str) -> int:
    if not port_text.isdigit() or not port_text.isascii():
        raise ValueError(f"--nameserver {text!r}: port {port_text!r} is not a number")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"--nameserver {text!r}: port {port} is outside 1-65535")
    return port


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def _is_hostname(text: str) -> bool:
    labels = text.split(".")
    # A numeric last label means a mistyped address (300.1.2.3), not a host name.
    return (
        len(text) <= 253
        and all(_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


# --- the checker ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    """One question's result: records, "does not exist", "exists without data", or a failure."""

    records: tuple[str, ...] = ()
    nxdomain: bool = False
    error: str | None = None
    aliased: bool = False  # the answer was reached through a CNAME

    @property
    def failed(self) -> bool:
        return self.error is not None


class DnsChecker:
    """Asks DNS about registrable domains; one instance serves many checks."""

    def __init__(
        self,
        nameserver: tuple[str, int] | None = None,
        timeout: float = 5.0,
        parking: ParkingTable | None = None,
    ) -> None:
        self._nameserver = nameserver
        self._timeout = timeout
        self._parking = parking if parking is not None else load_parking_table()
        self._resolver: dns.asyncresolver.Resolver | None = None
        self._setup_error: str | None = None
        #: Mail domain -> the MX hosts its answer named (not reached through a CNAME), read
        #: by the mail path (:mod:`checker.lookup.mailpath`) instead of asking again.
        self.mx_hosts: dict[str, tuple[str, ...]] = {}

    @property
    def resolver_text(self) -> str:
        """The resolver asked, as shown in reports."""
        if self._nameserver is not None:
            return _host_port(*self._nameserver)
        if self._resolver is not None:
            return "system (" + ", ".join(str(ns) for ns in self._resolver.nameservers) + ")"
        return "system"

    async def check(self, registrable: str, mail_domains: Sequence[str]) -> DnsInfo:
        """Ask NS of ``registrable`` and the mail route of each of ``mail_domains``."""
        resolver = await self._get_resolver()
        if resolver is None:
            return DnsInfo(
                nxdomain=None,
                nameservers=None,
                resolver=self.resolver_text,
                error=self._setup_error,
            )
        errors: list[str] = []
        name = _to_a_label(registrable)
        if isinstance(name, _Outcome):
            errors.append(f"{registrable!r}: {name.error}")

        wanted = _unique_domains(mail_domains)
        if len(wanted) > MAX_MAIL_DOMAINS:
            errors.append(
                f"{len(wanted) - MAX_MAIL_DOMAINS} mail domains beyond the first "
                f"{MAX_MAIL_DOMAINS} were not checked"
            )
            wanted = wanted[:MAX_MAIL_DOMAINS]
        # gather, so that cancelling a check (the run's deadline) cancels every question.
        ns, route_results = await asyncio.gather(
            self._nameservers(resolver, name),
            asyncio.gather(*(self._mail_route(resolver, domain) for domain in wanted)),
        )

        nxdomain: bool | None = None
        nameservers: tuple[str, ...] | None = None
        if ns is not None:
            if ns.failed:
                errors.append(f"NS {registrable}: {ns.error}")
            else:
                nxdomain = ns.nxdomain
                # No zone at all is not "registered but undelegated" (an empty tuple).
                nameservers = None if ns.nxdomain else ns.records

        mail_routes: dict[str, bool] = {}
        for domain, (route, error) in zip(wanted, route_results, strict=True):
            if route is not None:
                mail_routes[domain] = route
            if error:
                errors.append(error)

        parked_by = self._parking.match(nameservers) if nameservers else None
        return DnsInfo(
            nxdomain=nxdomain,
            nameservers=nameservers,
            mail_routes=mail_routes or None,
            parked_by=parked_by,
            resolver=self.resolver_text,
            error="; ".join(errors) or None,
        )

    async def resolver(self) -> dns.asyncresolver.Resolver | None:
        """The recursive resolver this checker asks (None when it cannot be set up)."""
        return await self._get_resolver()

    async def _nameservers(
        self, resolver: dns.asyncresolver.Resolver, name: dns.name.Name | _Outcome
    ) -> _Outcome | None:
        if isinstance(name, _Outcome):
            return None
        return await self._query(resolver, name, "NS")

    async def _mail_route(
        self, resolver: dns.asyncresolver.Resolver, domain: str
    ) -> tuple[bool | None, str | None]:
        """(has a mail route, error): MX first, then the implicit MX (A/AAAA)."""
        name = _to_a_label(domain)
        if isinstance(name, _Outcome):
            return None, f"mail domain {domain!r}: {name.error}"
        mx = await self._query(resolver, name, "MX")
        if mx.failed:
            return None, f"MX {domain}: {mx.error}"
        if mx.nxdomain:
            return False, None
        if mx.records and not mx.aliased:
            self.mx_hosts[domain] = mx.records
        if mx.records:
            # RFC 7505: a lone "MX 0 ." says the domain accepts no mail at all.
            return any(exchange != "." for exchange in mx.records), None
        a, aaaa = await asyncio.gather(
            self._query(resolver, name, "A"), self._query(resolver, name, "AAAA")
        )
        if a.records or aaaa.records:
            return True, None
        failures = [
            f"{kind} {domain}: {o.error}" for kind, o in (("A", a), ("AAAA", aaaa)) if o.error
        ]
        if failures:
            return None, "; ".join(failures)
        return False, None

    async def _query(
        self, resolver: dns.asyncresolver.Resolver, name: dns.name.Name, rdtype: str
    ) -> _Outcome:
        try:
            # lifetime already bounds dnspython; this guards against a stalled transport.
            answer = await asyncio.wait_for(
                resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False),
                timeout=self._timeout + 1.0,
            )
        except dns.resolver.NXDOMAIN:
            return _Outcome(nxdomain=True)
        except dns.resolver.NoNameservers as exc:
            return _Outcome(error=_describe_failures(exc))
        except (dns.exception.Timeout, asyncio.TimeoutError):
            return _Outcome(error=f"no answer from {self.resolver_text} within {self._timeout:g} s")
        except dns.resolver.YXDOMAIN:
            return _Outcome(error="YXDOMAIN (the name is too long after DNAME substitution)")
        except Exception as exc:  # any other failure is "not known", never "empty"
            return _Outcome(error=_truncate(f"{type(exc).__name__}: {exc}"))
        if answer.rrset is None:
            return _Outcome()
        aliased = answer.canonical_name != name
        return _Outcome(records=_rdata_texts(answer.rrset, rdtype), aliased=aliased)

    async def _get_resolver(self) -> dns.asyncresolver.Resolver | None:
        # Two concurrent first checks may both build a resolver; either one will do.
        if self._resolver is None and self._setup_error is None:
            try:
                self._resolver = await self._make_resolver()
            except Exception as exc:
                self._setup_error = _truncate(
                    f"cannot set up the DNS resolver ({self.resolver_text}): "
                    f"{type(exc).__name__}: {exc}"
                )
        return self._resolver

    async def _make_resolver(self) -> dns.asyncresolver.Resolver:
        if self._nameserver is None:
            resolver = dns.asyncresolver.Resolver(configure=True)
        else:
            host, port = self._nameserver
            address = host if _is_ip(host, 4) or _is_ip(host, 6) else await _lookup(host, port)
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [address]
            resolver.port = port
        resolver.cache = None  # the verdict cache lives elsewhere; answers must be fresh
        resolver.timeout = self._timeout
        resolver.lifetime = self._timeout
        return resolver


async def _lookup(host: str, port: int) -> str:
    """The first address of a ``--nameserver`` given as a host name."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    if not infos:
        raise OSError(f"{host} has no address")
    return str(infos[0][4][0])


def _to_a_label(domain: str) -> dns.name.Name | _Outcome:
    text = _normalise_host(domain)
    try:
        if not text.isascii():
            text = idna.encode(text, uts46=True).decode("ascii")
        return dns.name.from_text(text, origin=dns.name.root)
    except (idna.IDNAError, UnicodeError, dns.exception.DNSException) as exc:
        return _Outcome(error=_truncate(f"not a valid domain name ({exc})"))


def _unique_domains(domains: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for domain in domains:
        key = _normalise_host(domain)
        if key:
            seen.setdefault(key, None)
    return list(seen)


def _rdata_texts(rrset: dns.rrset.RRset, rdtype: str) -> tuple[str, ...]:
    texts: list[str] = []
    for rdata in rrset:
        if rdtype == "NS":
            texts.append(rdata.target.to_text(omit_final_dot=True).lower())
        elif rdtype == "MX":
            texts.append(rdata.exchange.to_text().lower())
        else:
            texts.append(rdata.to_text())
    return tuple(sorted(set(texts)))


def _describe_failures(exc: dns.resolver.NoNameservers) -> str:
    """ "SERVFAIL from 127.0.0.1:5353" rather than dnspython's whole message."""
    parts: list[str] = []
    for error in exc.kwargs.get("errors", []):
        if len(error) < 4:
            continue
        server, tcp, port, problem = error[0], error[1], error[2], error[3]
        address = str(server).split(":", 1)[-1].split("@", 1)[0]
        transport = "TCP" if tcp else "UDP"
        if isinstance(problem, str):
            what = f"{problem} from {_host_port(address, port)} ({transport})"
        else:
            detail = str(problem) or type(problem).__name__
            what = f"bad answer from {_host_port(address, port)} ({transport}): {detail}"
        if what not in parts:
            parts.append(what)
    return _truncate("; ".join(parts) or "all nameservers failed to answer")


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _truncate(text: str) -> str:
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 1] + "…"
