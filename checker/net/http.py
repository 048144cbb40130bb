"""Shared HTTP plumbing: bounded, streamed GETs behind an adaptive per-host limit.

Everything a server sends is hostile: bodies are streamed and cut at a size limit
(decompression included), redirects are followed by hand (no https -> http, no
loops, a small hop limit), and every error comes back as a :class:`FetchFailure`
value instead of an exception.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import socket
import ssl
import time
import weakref
import zlib
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpcore
import httpx

from checker.errors import IncompleteRun
from checker.log import LOGGER

DEFAULT_MAX_BODY = 2 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
MAX_REDIRECTS = 5
USER_AGENT = "domain-guard/0.1"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
THROTTLE_STATUSES = frozenset({429, 503})

_CHUNK = 64 * 1024


#: One domain's lookups (every request, retry and redirect) may spend this many times the
#: per-request timeout on the wire; waiting for a registry's slot is not counted.
DOMAIN_BUDGET_TIMEOUTS = 3.0


@dataclass
class LookupBudget:
    """Seconds of network time one domain's lookups may still spend."""

    seconds: float
    spent: float = 0.0

    def left(self) -> float:
        return self.seconds - self.spent


#: The budget of the domain whose lookup is running in this task (None: no budget).
DOMAIN_BUDGET: ContextVar[LookupBudget | None] = ContextVar("domain_budget", default=None)


class DeadlineReached(IncompleteRun):
    """The run's deadline passed while waiting for a request slot."""


# --- adaptive concurrency --------------------------------------------------------------


@dataclass
class _HostState:
    limit: int
    in_flight: int = 0
    paused_until: float = 0.0
    streak: int = 0
    last_cut: float = float("-inf")
    ceiling: int | None = None  # the limit at which the host last throttled us
    cap: int = 8  # this host's configured maximum
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)


class Slot:
    """One granted request slot; report how the request went through it."""

    def __init__(self, limiter: HostLimiter, host: str, started: float) -> None:
        self._limiter = limiter
        self.host = host
        self.started = started

    def succeeded(self) -> None:
        """The host answered normally (anything but 429/503)."""
        self._limiter._succeeded(self)

    def throttled(self, retry_after: float | None) -> float:
        """The host answered 429/503; returns the pause applied to the host, in seconds."""
        return self._limiter._throttled(self, retry_after)


class HostLimiter:
    """A global concurrency limit plus an AIMD limit per host.

    Each host starts at ``initial_per_host`` concurrent requests (by default its cap).
    ``grow_after`` answers in a row without throttling raise its limit by one, up to its
    cap (``per_host``, or its entry in ``host_caps``); growing back to the level that
    last drew a 429 takes four times as many. A 429 or 503 halves the limit (not below
    ``min_per_host``; at most once per round of requests already in flight) and pauses
    every request to that host for ``Retry-After`` seconds, bounded by ``max_pause`` and
    the run's ``deadline``.

    A released slot wakes one waiter, never all of them: the cost of a run stays linear
    in its requests however many wait. A limiter belongs to one event loop.
    ``deadline`` is a :func:`time.monotonic` value.
    """

    def __init__(
        self,
        total: int = 32,
        per_host: int = 8,
        *,
        initial_per_host: int | None = None,
        min_per_host: int = 1,
        grow_after: int = 8,
        max_pause: float = 30.0,
        default_pause: float = 1.0,
        deadline: float | None = None,
        host_caps: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        caps = dict(host_caps or {})
        if total < 1 or per_host < 1 or not 1 <= min_per_host <= per_host:
            raise ValueError("concurrency limits must be at least 1")
        if any(cap < 1 for cap in caps.values()):
            raise ValueError("concurrency limits must be at least 1")
        self.total = total
        self.per_host = per_host
        self.initial_per_host = initial_per_host
        self.min_per_host = min_per_host
        self.grow_after = max(1, grow_after)
        self.max_pause = max_pause
        self.default_pause = default_pause
        self.deadline = deadline
        self.host_caps = {host.lower(): cap for host, cap in caps.items()}
        self._clock = clock
        self._hosts: dict[str, _HostState] = {}
        self._in_flight = 0
        self._global_waiters: deque[asyncio.Future[None]] = deque()
        self.throttle_count = 0
        self.wakeups = 0  # waiters resumed by a freed slot: at most two per release

    def cap(self, host: str) -> int:
        """The most requests ``host`` ever sees at once."""
        return self.host_caps.get(host.lower(), self.per_host)

    def limit(self, host: str) -> int:
        """The current concurrency limit for ``host``."""
        return self._state(host).limit

    def paused_for(self, host: str) -> float:
        """Seconds until requests to ``host`` may start again (0 when not paused)."""
        return max(0.0, self._state(host).paused_until - self._clock())

    def time_left(self) -> float | None:
        """Seconds until the deadline, or None without one."""
        if self.deadline is None:
            return None
        return self.deadline - self._clock()

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[Slot]:
        """Wait for a free slot for ``host``; raises :class:`DeadlineReached` past the deadline."""
        host = host.lower()
        await self._acquire(host)
        try:
            yield Slot(self, host, self._clock())
        finally:
            self._release(host)

    def _state(self, host: str) -> _HostState:
        key = host.lower()
        state = self._hosts.get(key)
        if state is None:
            cap = self.host_caps.get(key, self.per_host)
            floor = min(self.min_per_host, cap)
            first = cap if self.initial_per_host is None else self.initial_per_host
            state = self._hosts[key] = _HostState(limit=min(max(first, floor), cap), cap=cap)
        return state

    async def _acquire(self, host: str) -> None:
        state = self._state(host)
        loop = asyncio.get_running_loop()
        woken = False  # a waiter woken by a release that finds no room goes back in front
        while True:
            now = self._clock()
            if self.deadline is not None and now >= self.deadline:
                raise DeadlineReached
            pause = state.paused_until - now
            host_room = pause <= 0 and state.in_flight < state.limit
            if host_room and self._in_flight < self.total:
                state.in_flight += 1
                self._in_flight += 1
                return
            waiters = self._global_waiters if host_room else state.waiters
            timeout = pause if pause > 0 else None
            if self.deadline is not None:
                left = self.deadline - now
                timeout = left if timeout is None else min(timeout, left)
            waiter: asyncio.Future[None] = loop.create_future()
            if woken:
                waiters.appendleft(waiter)
            else:
                waiters.append(waiter)
            timer = None if timeout is None else loop.call_later(timeout, _set, waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    _wake_one(waiters)  # pass on a wake-up this task can no longer use
                else:
                    waiter.cancel()  # skipped by the next wake-up
                raise
            finally:
                if timer is not None:
                    timer.cancel()
            woken = True

    def _release(self, host: str) -> None:
        state = self._state(host)
        state.in_flight -= 1
        self._in_flight -= 1
        self.wakeups += _wake_one(state.waiters) + _wake_one(self._global_waiters)

    def _succeeded(self, slot: Slot) -> None:
        state = self._state(slot.host)
        state.streak += 1
        probing = state.ceiling is not None and state.limit + 1 >= state.ceiling
        needed = self.grow_after * (4 if probing else 1)
        if state.streak >= needed and state.limit < state.cap:
            state.limit += 1
            state.streak = 0
            if probing:
                state.ceiling = None  # the host now takes what drew a 429 before
            _wake_one(state.waiters)

    def _throttled(self, slot: Slot, retry_after: float | None) -> float:
        state = self._state(slot.host)
        now = self._clock()
        self.throttle_count += 1
        pause = self.default_pause if retry_after is None else retry_after
        pause = min(max(pause, 0.0), self.max_pause)
        if self.deadline is not None:
            pause = min(pause, max(0.0, self.deadline - now))
        state.paused_until = max(state.paused_until, now + pause)
        state.streak = 0
        # Requests sent before the last cut were sized for the old limit: one cut per round.
        if slot.started >= state.last_cut:
            state.ceiling = state.limit
            state.limit = max(min(self.min_per_host, state.cap), state.limit // 2)
            state.last_cut = now
        return pause


def _set(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _wake_one(waiters: deque[asyncio.Future[None]]) -> int:
    """Wake the first waiter still waiting (1), if any (0); those that gave up are dropped."""
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return 1
    return 0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if text.isdigit():
        return float(min(int(text[:9]), 10**9))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return max(0.0, (when - current).total_seconds())


# --- link guard --------------------------------------------------------------------------


class AddressResolver(Protocol):
    """Resolves a host name to the addresses a connection could reach."""

    async def addresses(self, host: str) -> Sequence[str]:
        """Every address ``host`` resolves to; empty when it does not resolve."""
        ...


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``)."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout

    async def addresses(self, host: str) -> Sequence[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, 443, type=socket.SOCK_STREAM), self.timeout
            )
        except (OSError, asyncio.TimeoutError, UnicodeError):
            return ()
        return tuple(str(info[4][0]) for info in infos)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address.

    Loopback, private, link-local, CGNAT, multicast, unspecified and reserved
    addresses are refused, as are IPv6 forms that embed such an IPv4 address
    (IPv4-mapped, NAT64, 6to4, Teredo).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return not (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_reserved
    )


def _literal_address(host: str) -> str | None:
    """The address a host written as an IP literal stands for (legacy IPv4 forms too)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefx." for c in host) and host[0].isdigit():
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


#: Addresses a link's host was checked to resolve to, per host name as sent (A-label).
Pins = dict[str, tuple[str, ...]]


async def check_public_https(
    url: str, *, resolver: AddressResolver | None = None, pins: Pins | None = None
) -> str | None:
    """Why ``url`` must not be followed, or None when it is a public ``https`` URL.

    Used before following any URL taken from a response: the scheme must be https,
    the URL must carry no credentials, and every address its host resolves to must
    be public. The host is checked exactly as httpx will send it (IDNA 2008: ``faß``
    is ``xn--fa-hia``, not the stdlib codec's ``fass``), and the addresses checked go
    into ``pins`` (:func:`link_pins` of the client), so the connection goes to one of
    them and the name is never resolved a second time (DNS rebinding).
    """
    try:
        parts = urlsplit(url)
        _ = parts.port
        host = httpx.URL(url).raw_host.decode("ascii").lower()
    except (ValueError, httpx.InvalidURL, UnicodeError):
        return "not a valid URL"
    if parts.scheme.lower() != "https":
        return f"scheme is {parts.scheme or 'missing'!r}, not https"
    if parts.username is not None or parts.password is not None:
        return "URL carries credentials"
    if not host:
        return "URL has no host"
    literal = _literal_address(host.strip("[]"))
    if literal is not None:
        if not is_public_address(literal):
            return f"host {host.strip('[]')} is the non-public address {literal}"
        return None
    addresses = tuple(await (resolver or SystemResolver()).addresses(host))
    if not addresses:
        return f"host {host} does not resolve"
    for address in addresses:
        if not is_public_address(address):
            return f"host {host} resolves to non-public address {address}"
    if pins is not None:
        pins[host] = addresses
    return None


#: Decides whether a redirect may go to a URL: None to allow, else the reason to refuse.
RedirectGuard = Callable[[str], Awaitable[str | None]]


# --- fetch ---------------------------------------------------------------------------------


class FailureKind(str, enum.Enum):
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    OVERSIZE = "oversize"
    REDIRECT = "redirect"
    DEADLINE = "deadline"
    BUDGET = "budget"
    INVALID_URL = "invalid-url"
    PROTOCOL = "protocol"


@dataclass(frozen=True)
class FetchFailure:
    """No HTTP answer could be had; ``message`` says why."""

    kind: FailureKind
    message: str
    url: str
    retryable: bool = False


@dataclass(frozen=True)
class FetchResult:
    """A complete HTTP answer whose body fit within the size limit."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str  # the final URL, after redirects
    attempts: int = 1
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ("" when absent)."""
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()


class _PinningBackend(httpcore.AsyncNetworkBackend):
    """Connects a pinned host (a link that passed the guard) only to the addresses the
    guard checked; every other host (the configured registries) as usual."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.pins: Pins = {}

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self.pins.get(host.lower())
        if addresses is None:
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError):
                continue
        # The same words whatever happened: a link's failure says nothing about a port.
        raise httpcore.ConnectError("no connection to the checked addresses")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


_PINS: weakref.WeakKeyDictionary[httpx.AsyncClient, Pins] = weakref.WeakKeyDictionary()


def link_pins(client: httpx.AsyncClient) -> Pins | None:
    """Where :func:`check_public_https` records checked addresses for ``client`` (None for
    a client not made by :func:`make_client`)."""
    return _PINS.get(client)


def _pinned(transport: httpx.AsyncHTTPTransport, backend: _PinningBackend) -> None:
    """Make ``transport`` connect through ``backend``."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.AsyncConnectionPool) or not hasattr(
        pool, "_network_backend"
    ):  # an httpx/httpcore whose insides moved: refuse rather than connect unpinned
        raise RuntimeError("cannot pin link connections with this httpx version")
    pool._network_backend = backend  # httpx has no public hook for the network backend


def make_client(*, verify: ssl.SSLContext | bool = True, per_origin: int = 64) -> httpx.AsyncClient:
    """An AsyncClient set up for :func:`fetch` (no automatic redirects), whose connections
    to a link's host go only to the addresses the link guard checked.

    Each origin gets its own small connection pool (at most ``per_origin`` connections):
    httpcore's pool scans every connection it holds, twice over, for each request, so
    one pool shared by every registry costs a run time in the square of its size.
    """
    _no_sniffio()
    backend = _PinningBackend()
    _pinned(httpx.AsyncHTTPTransport(verify=False), backend)  # fail here, not at a link
    client = httpx.AsyncClient(
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        transport=_PerOriginTransport(verify, max(1, per_origin), backend),
    )
    _PINS[client] = backend.pins
    return client


#: Connection pools kept open at once; the least recently used idle one is closed past it
#: (registrar follow-ups reach many hosts once each: their idle sockets must not pile up).
MAX_POOLS = 32


class _PerOriginTransport(httpx.AsyncBaseTransport):
    """One connection pool per origin, created on first use; one TLS context for all."""

    def __init__(
        self, verify: ssl.SSLContext | bool, per_origin: int, backend: _PinningBackend
    ) -> None:
        self._verify = verify
        self._per_origin = per_origin
        self._backend = backend
        self._pools: OrderedDict[_Origin, httpx.AsyncHTTPTransport] = OrderedDict()
        self._active: dict[_Origin, int] = {}  # responses not yet closed, per pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            await self._make_room()
            limits = httpx.Limits(
                max_connections=self._per_origin, max_keepalive_connections=self._per_origin
            )
            pool = httpx.AsyncHTTPTransport(verify=self._context(url.scheme), limits=limits)
            _pinned(pool, self._backend)
            self._pools[key] = pool
        self._pools.move_to_end(key)
        self._active[key] = self._active.get(key, 0) + 1
        try:
            response = await pool.handle_async_request(request)
        except BaseException:
            self._done(key)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Tracked(response.stream, lambda: self._done(key))
        return response

    def _done(self, key: _Origin) -> None:
        self._active[key] -= 1

    async def _make_room(self) -> None:
        if len(self._pools) < MAX_POOLS:
            return
        for key in self._pools:  # least recently used first
            if not self._active.get(key):
                pool = self._pools.pop(key)
                self._active.pop(key, None)
                await pool.aclose()
                return

    def _context(self, scheme: str) -> ssl.SSLContext:
        if scheme != "https":
            # Never used for TLS; verifying, with no CA loaded: it could only refuse.
            return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if not isinstance(self._verify, ssl.SSLContext):  # the CA bundle once, not per origin
            self._verify = httpx.create_ssl_context(verify=self._verify)
        return self._verify

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()


_Origin = tuple[bytes, bytes, int | None]


class _Tracked(httpx.AsyncByteStream):
    """A response body that says when it is closed (its connection is free again)."""

    def __init__(self, stream: httpx.AsyncByteStream, closed: Callable[[], None]) -> None:
        self._stream = stream
        self._closed: Callable[[], None] | None = closed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            closed, self._closed = self._closed, None  # once, however often closed
            if closed is not None:
                closed()


def _no_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` fail at once when it is not installed.

    httpcore asks sniffio which event loop runs; without sniffio (anyio 4.x no longer
    needs it) every request searched ``sys.path`` for it again, 13 % of a lookup's CPU.
    A ``None`` entry in ``sys.modules`` makes the import fail without a search; httpcore
    then assumes asyncio, which is what runs here.
    """
    import importlib.util
    import sys

    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def host_key(url: str) -> str:
    """The limiter key of a URL: ``host`` or ``host:port`` when the port is explicit."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a URL, lower case: what "the same origin" compares."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    limiter: HostLimiter,
    timeout: float = DEFAULT_TIMEOUT,
    max_body: int = DEFAULT_MAX_BODY,
    accept: str = "application/json",
    retries: int = DEFAULT_RETRIES,
    headers: Mapping[str, str] | None = None,
    redirect_guard: RedirectGuard | None = None,
    max_redirects: int = MAX_REDIRECTS,
    backoff: float = 0.25,
) -> FetchResult | FetchFailure:
    """GET ``url``, streaming at most ``max_body`` bytes; never raises for network trouble.

    429/503 answers and broken connections are retried up to ``retries`` times (429/503
    wait out the host's pause; others back off exponentially). Redirects are followed
    by hand, at most ``max_redirects`` hops, never from https to http, never in a loop,
    and only to URLs ``redirect_guard`` allows. ``headers`` go only to the first URL's
    origin. A 429/503 that persists comes back as a :class:`FetchResult` with that status.
    """
    first = origin(url)
    current = url
    seen = {url}
    hops: list[str] = []
    attempts = 0
    while True:
        sent_headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate"}
        if headers and origin(current) == first:
            sent_headers.update(headers)
        outcome = await _fetch_with_retries(
            client=client,
            url=current,
            limiter=limiter,
            timeout=timeout,
            max_body=max_body,
            retries=retries,
            headers=sent_headers,
            backoff=backoff,
        )
        if isinstance(outcome, FetchFailure):
            return outcome
        attempts += outcome.attempts
        location = outcome.headers.get("location")
        if outcome.status not in REDIRECT_STATUSES or not location:
            return FetchResult(
                outcome.status, outcome.headers, outcome.body, current, attempts, tuple(hops)
            )
        target, refusal = _redirect_target(current, location, seen, len(hops), max_redirects)
        if refusal is None and redirect_guard is not None:
            reason = await redirect_guard(target)
            if reason is not None:
                refusal = f"redirect to {target} refused: {reason}"
        if refusal is not None:
            return FetchFailure(FailureKind.REDIRECT, refusal, current)
        hops.append(target)
        seen.add(target)
        current = target


def _redirect_target(
    current: str, location: str, seen: set[str], hops: int, max_redirects: int
) -> tuple[str, str | None]:
    """Where a redirect points, and why it must not be followed (None when it may be)."""
    try:
        parsed = httpx.URL(current).join(location.strip())
    except (httpx.InvalidURL, ValueError):
        return "", f"redirect to an invalid location {location[:200]!r}"
    target = str(parsed)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return target, f"redirect to unsupported location {target[:200]!r}"
    if urlsplit(current).scheme == "https" and parsed.scheme == "http":
        return target, f"redirect from https to http refused ({target[:200]})"
    if target in seen:
        return target, f"redirect loop back to {target[:200]}"
    if hops >= max_redirects:
        return target, f"more than {max_redirects} redirects"
    return target, None


async def _fetch_with_retries(
    *,
    client: httpx.AsyncClient,
    url: str,
    limiter: HostLimiter,
    timeout: float,
    max_body: int,
    retries: int,
    headers: Mapping[str, str],
    backoff: float,
) -> FetchResult | FetchFailure:
    host = host_key(url)
    attempt = 0
    previous: FetchResult | FetchFailure | None = None
    while True:
        attempt += 1
        try:
            async with limiter.slot(host) as slot:
                left = limiter.time_left()
                budget = timeout if left is None else min(timeout, left)
                if budget <= 0:
                    raise DeadlineReached
                domain_budget = DOMAIN_BUDGET.get()
                if domain_budget is not None:
                    if domain_budget.left() <= 0:
                        return _budget_spent(domain_budget, url)
                    budget = min(budget, domain_budget.left())
                started = time.monotonic()
                outcome = await _exchange(client, url, budget, max_body, headers)
                if domain_budget is not None:
                    domain_budget.spent += time.monotonic() - started
                    if isinstance(outcome, FetchFailure) and domain_budget.left() <= 0:
                        return _budget_spent(domain_budget, url)
                throttled = isinstance(outcome, FetchResult) and outcome.status in THROTTLE_STATUSES
                if isinstance(outcome, FetchResult):
                    if throttled:
                        slot.throttled(parse_retry_after(outcome.headers.get("retry-after")))
                    else:
                        slot.succeeded()
        except DeadlineReached:
            if previous is not None:
                return previous
            return FetchFailure(FailureKind.DEADLINE, "run deadline reached before asking", url)
        if isinstance(outcome, FetchResult):
            outcome = FetchResult(outcome.status, outcome.headers, outcome.body, url, attempt)
            LOGGER.debug("GET %s -> %d, %d bytes (attempt %d)", url, outcome.status,
                         len(outcome.body), attempt)  # fmt: skip
        else:
            LOGGER.debug("GET %s -> %s (attempt %d)", url, outcome.message, attempt)
        retry = throttled or (isinstance(outcome, FetchFailure) and outcome.retryable)
        if not retry or attempt > retries:
            return outcome
        previous = outcome
        if not throttled:  # a throttled host's pause is waited out inside limiter.slot()
            delay = backoff * 2 ** (attempt - 1)
            left = limiter.time_left()
            if left is not None and left <= delay:
                return outcome
            await asyncio.sleep(delay)


def _budget_spent(budget: LookupBudget, url: str) -> FetchFailure:
    return FetchFailure(
        FailureKind.BUDGET,
        f"the domain's lookup budget of {budget.seconds:.3g} s (retries and redirects "
        "included) is spent",
        url,
    )


async def _exchange(
    client: httpx.AsyncClient,
    url: str,
    timeout: float,
    max_body: int,
    headers: Mapping[str, str],
) -> FetchResult | FetchFailure:
    """One request and its bounded body, with a wall-clock limit for the whole exchange."""
    try:
        request = client.build_request("GET", url, headers=headers, timeout=timeout)
        return await asyncio.wait_for(_send(client, request, url, max_body), timeout)
    except asyncio.TimeoutError:
        return FetchFailure(FailureKind.TIMEOUT, f"no complete answer within {timeout:.3g} s", url)
    except httpx.TimeoutException as exc:
        what = type(exc).__name__
        return FetchFailure(FailureKind.TIMEOUT, f"timed out after {timeout:.3g} s ({what})", url)
    except (
        httpx.ConnectError,
        httpx.ReadError,
        httpx.WriteError,
        httpx.RemoteProtocolError,
    ) as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return FetchFailure(
            FailureKind.CONNECTION, f"connection failed ({detail[:200]})", url, True
        )
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return FetchFailure(FailureKind.INVALID_URL, f"cannot request URL: {exc}"[:300], url)
    except httpx.HTTPError as exc:
        detail = str(exc)[:200] or type(exc).__name__
        return FetchFailure(FailureKind.PROTOCOL, f"HTTP error: {detail}", url)
    except (OSError, ValueError) as exc:
        detail = str(exc)[:200] or type(exc).__name__
        return FetchFailure(FailureKind.CONNECTION, f"connection failed: {detail}", url, True)


async def _send(
    client: httpx.AsyncClient, request: httpx.Request, url: str, max_body: int
) -> FetchResult | FetchFailure:
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        if response.status_code in REDIRECT_STATUSES:
            return FetchResult(response.status_code, response.headers, b"", url)
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > max_body:
            return FetchFailure(
                FailureKind.OVERSIZE,
                f"body of {int(declared)} bytes exceeds the {max_body} byte limit",
                url,
            )
        body = await read_bounded(response, max_body)
        if isinstance(body, str):
            kind = FailureKind.OVERSIZE if "exceeds" in body else FailureKind.PROTOCOL
            return FetchFailure(kind, body, url)
        return FetchResult(response.status_code, response.headers, body, url)
    finally:
        await response.aclose()


async def read_bounded(response: httpx.Response, max_body: int) -> bytes | str:
    """The decoded body, or an error message when it is too large or undecodable."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    decoder: zlib._Decompress | None
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj(zlib.MAX_WBITS)
    else:
        return f"unsupported content-encoding {encoding[:40]!r}"
    too_big = f"body exceeds the {max_body} byte limit"
    parts: list[bytes] = []
    total = 0
    async for raw in response.aiter_raw(_CHUNK):
        if decoder is None:
            chunks = [raw]
        else:
            try:
                chunks = _inflate(decoder, raw, max_body - total + 1)
            except zlib.error:
                return f"body is not valid {encoding}"
        for chunk in chunks:
            total += len(chunk)
            if total > max_body:
                return too_big
            parts.append(chunk)
    return b"".join(parts)


def _inflate(decoder: zlib._Decompress, data: bytes, room: int) -> list[bytes]:
    """Decompress ``data`` producing at most about ``room`` bytes (a bomb stops early)."""
    out = [decoder.decompress(data, room)]
    produced = len(out[0])
    while decoder.unconsumed_tail and produced <= room:
        more = decoder.decompress(decoder.unconsumed_tail, room - produced + 1)
        if not more:
            break
        out.append(more)
        produced += len(more)
    return out
