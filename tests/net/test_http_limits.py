"""The shared HTTP layer: adaptive per-host limits, Retry-After, redirects, the link guard."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from checker.lookup.bootstrap import parse_bootstrap
from checker.lookup.rdap import RdapClient
from checker.model import Registration
from checker.net.http import (
    DeadlineReached,
    FailureKind,
    FetchFailure,
    FetchResult,
    HostLimiter,
    Slot,
    SystemResolver,
    check_public_https,
    fetch,
    is_public_address,
    make_client,
    parse_retry_after,
)
from tests.servers.rdap import RdapServer, StubResolver, synthetic_domain


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def take_slot(limiter: HostLimiter, host: str = "rdap.test") -> Slot:
    """Acquire and release one slot, returning it (for feeding back an outcome)."""

    async def run() -> Slot:
        async with limiter.slot(host) as slot:
            return slot

    return asyncio.run(run())


# --- AIMD ------------------------------------------------------------------------------


def test_a_429_halves_the_host_limit_down_to_the_floor() -> None:
    clock = FakeClock()
    limiter = HostLimiter(per_host=8, initial_per_host=8, clock=clock)
    limits = []
    for _ in range(5):
        clock.now += 1
        slot = take_slot(limiter)
        clock.now += 1
        slot.throttled(0)
        limits.append(limiter.limit("rdap.test"))
    assert limits == [4, 2, 1, 1, 1]


def test_requests_already_in_flight_cut_the_limit_only_once() -> None:
    clock = FakeClock()
    limiter = HostLimiter(per_host=8, initial_per_host=8, clock=clock)
    in_flight = [take_slot(limiter) for _ in range(6)]
    clock.now += 1
    for slot in in_flight:
        slot.throttled(0)
    assert limiter.limit("rdap.test") == 4
    assert limiter.throttle_count == 6


def test_a_run_of_answers_grows_the_limit_back_to_the_cap_slower_near_the_last_429() -> None:
    clock = FakeClock()
    limiter = HostLimiter(per_host=6, initial_per_host=6, grow_after=2, clock=clock)
    take_slot(limiter).throttled(0)
    assert limiter.limit("rdap.test") == 3
    growth = []
    for _ in range(16):
        take_slot(limiter).succeeded()
        growth.append(limiter.limit("rdap.test"))
    # 3 -> 4 -> 5 take two answers each; 5 -> 6 (the level that drew the 429) takes eight.
    assert growth == [3, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6]


def test_a_host_limit_never_grows_past_the_cap() -> None:
    limiter = HostLimiter(per_host=5, initial_per_host=2, grow_after=1)
    for _ in range(20):
        take_slot(limiter).succeeded()
    assert limiter.limit("rdap.test") == 5


def test_retry_after_pauses_the_host_bounded_by_max_pause_and_the_deadline() -> None:
    clock = FakeClock()
    limiter = HostLimiter(max_pause=30, clock=clock)
    assert take_slot(limiter, "a").throttled(2.5) == 2.5
    assert limiter.paused_for("a") == 2.5
    assert take_slot(limiter, "b").throttled(3600) == 30
    limiter.deadline = clock.now + 4
    assert take_slot(limiter, "c").throttled(20) == 4
    assert limiter.paused_for("untouched") == 0


def test_every_request_to_a_paused_host_waits_out_the_pause() -> None:
    async def run() -> tuple[bool, bool, bool]:
        limiter = HostLimiter()
        async with limiter.slot("slow.test") as slot:
            slot.throttled(1.0)
        waiting = asyncio.ensure_future(_hold(limiter, "slow.test"))
        other_host = asyncio.ensure_future(_hold(limiter, "other.test"))
        await asyncio.sleep(0.1)
        early = waiting.done(), other_host.done()
        await asyncio.wait_for(waiting, 5)
        return early[0], early[1], waiting.done()

    paused_early, other_early, finished = asyncio.run(run())
    assert not paused_early
    assert other_early
    assert finished


async def _hold(limiter: HostLimiter, host: str) -> None:
    async with limiter.slot(host):
        pass


def test_the_global_limit_holds_across_hosts() -> None:
    async def run() -> int:
        limiter = HostLimiter(total=3, per_host=8, initial_per_host=8)
        active = peak = 0

        async def one(host: str) -> None:
            nonlocal active, peak
            async with limiter.slot(host):
                active += 1
                peak = max(peak, active)
                await asyncio.sleep(0.01)
                active -= 1

        await asyncio.gather(*(one(f"h{i % 4}") for i in range(24)))
        return peak

    assert asyncio.run(run()) == 3


def test_a_slot_is_refused_once_the_deadline_has_passed() -> None:
    async def run() -> None:
        limiter = HostLimiter(deadline=time.monotonic() - 1)
        async with limiter.slot("late.test"):
            pass

    with pytest.raises(DeadlineReached):
        asyncio.run(run())


# --- Retry-After -------------------------------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("1", now=now) == 1.0
    assert parse_retry_after(" 120 ", now=now) == 120.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    )
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 0.0
    for garbage in (None, "", "soon", "-5", "1.5", "x" * 100):
        assert parse_retry_after(garbage, now=now) is None


# --- the link guard ------------------------------------------------------------------------

NON_PUBLIC = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "224.0.0.1",  # multicast, though Python calls it global
    "0.0.0.0",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 form of 169.254.169.254
    "2002:a9fe:a9fe::1",  # 6to4 form of 169.254.169.254
    "fe80::1%eth0",
    "not-an-address",
]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "64.124.14.63", "2606:4700:4700::1111"])
def test_public_addresses_are_accepted(address: str) -> None:
    assert is_public_address(address)


GUARD_CASES = {
    "https://rdap.registrar.example/domain/x.com": None,
    "http://rdap.registrar.example/domain/x.com": "scheme is 'http', not https",
    "ftp://rdap.registrar.example/": "scheme is 'ftp', not https",
    "https://user:pw@rdap.registrar.example/": "URL carries credentials",
    "https:///domain/x.com": "URL has no host",
    "https://[::1/": "not a valid URL",
    "https://rdap.nowhere.example/": "host rdap.nowhere.example does not resolve",
    "https://rdap.mixed.example/": (
        "host rdap.mixed.example resolves to non-public address 10.0.0.9"
    ),
    "https://127.1/": "host 127.1 is the non-public address 127.0.0.1",
    "https://2130706433/": "host 2130706433 is the non-public address 127.0.0.1",
    "https://0x7f000001/": "host 0x7f000001 is the non-public address 127.0.0.1",
    "https://[::ffff:169.254.169.254]/": (
        "host ::ffff:169.254.169.254 is the non-public address ::ffff:a9fe:a9fe"
    ),
    "https://8.8.8.8/": None,
}

STUB = StubResolver(
    {
        "rdap.registrar.example": ["64.124.14.63", "2606:4700:4700::1111"],
        "rdap.mixed.example": ["64.124.14.63", "10.0.0.9"],
    }
)


@pytest.mark.parametrize("url", list(GUARD_CASES))
def test_link_guard_explains_why_a_url_is_refused(url: str) -> None:
    assert asyncio.run(check_public_https(url, resolver=STUB)) == GUARD_CASES[url]


def test_link_guard_with_the_system_resolver_refuses_localhost() -> None:
    reason = asyncio.run(check_public_https("https://localhost/x", resolver=SystemResolver()))
    assert reason is not None
    assert reason.startswith("host localhost resolves to non-public address")


# --- fetch -----------------------------------------------------------------------------------


def fetch_once(url: str, **options: object) -> FetchResult | FetchFailure:
    async def run() -> FetchResult | FetchFailure:
        async with make_client() as client:
            return await fetch(client, url, limiter=HostLimiter(), timeout=2, **options)  # type: ignore[arg-type]

    return asyncio.run(run())


def test_headers_go_to_the_first_origin_only_and_redirects_are_reported() -> None:
    with RdapServer() as server:
        first = server.add_registry("first")
        second = server.add_registry("second")
        second.add("x.test", synthetic_domain("x.test"))
        first.redirect("x.test", second.url_for("x.test"))
        result = fetch_once(
            first.url_for("x.test"), headers={"Authorization": "token secret"}, accept="a/b"
        )
        (_, first_headers), (_, second_headers) = first.log[0], second.log[0]
    assert isinstance(result, FetchResult)
    assert result.status == 200
    assert result.url == second.url_for("x.test")
    assert result.redirects == (second.url_for("x.test"),)
    assert first_headers["authorization"] == "token secret"
    assert "authorization" not in second_headers
    assert first_headers["accept"] == second_headers["accept"] == "a/b"


def test_a_redirect_guard_refusal_stops_the_fetch_with_its_reason() -> None:
    async def refuse(url: str) -> str | None:
        return "not on the list"

    with RdapServer() as server:
        first = server.add_registry("first")
        second = server.add_registry("second")
        first.redirect("x.test", second.url_for("x.test"))
        result = fetch_once(first.url_for("x.test"), redirect_guard=refuse)
        assert second.requests == 0
    assert isinstance(result, FetchFailure)
    assert result.kind is FailureKind.REDIRECT
    assert result.message == f"redirect to {second.url_for('x.test')} refused: not on the list"


def test_a_persistent_429_comes_back_as_an_answer_after_the_retries() -> None:
    with RdapServer() as server:
        registry = server.add_registry("busy")
        registry.add("x.test", b"{}", status=429, headers={"Retry-After": "0"})
        result = fetch_once(registry.url_for("x.test"), retries=2)
        assert registry.requests == 3
    assert isinstance(result, FetchResult)
    assert (result.status, result.attempts) == (429, 3)


def test_100_concurrent_lookups_against_a_host_refusing_more_than_4_all_resolve() -> None:
    with RdapServer() as server:
        registry = server.add_registry(
            "strict", tlds=["test"], latency=0.05, max_concurrency=4, retry_after=1
        )
        names = [f"d{i}.test" for i in range(100)]
        for name in names:
            registry.add(name, synthetic_domain(name))
        bootstrap = parse_bootstrap(json.dumps(server.bootstrap_document()).encode(), source="t")
        limiter = HostLimiter(total=64, per_host=8)

        async def run() -> list[Registration | object]:
            async with make_client() as client:
                rdap = RdapClient(bootstrap, client, limiter=limiter, timeout=5)
                return list(
                    await asyncio.gather(
                        *(rdap.lookup(n, follow_registrar=lambda _: False) for n in names)
                    )
                )

        answers = asyncio.run(run())
        throttled, requests = registry.throttled, registry.requests
    assert all(isinstance(a, Registration) and a.registered for a in answers)
    assert throttled <= 10
    assert requests == 100 + throttled
    assert limiter.limit(registry.host) <= 4


def test_a_pinned_host_is_reached_at_its_pinned_address_with_tls_checked_for_its_name() -> None:
    """Pinning changes where the connection goes, not whose certificate is accepted: the
    name stays the TLS server name. A pin to an address nothing listens on is not
    'corrected' by resolving the name again."""
    from checker.net.http import link_pins
    from tests.servers.rdap import client_ssl_context

    with RdapServer() as server:
        registrar = server.add_registry("registrar", tls=True)
        registrar.add("x.test", synthetic_domain("x.test"))
        url = registrar.url_for("x.test").replace("127.0.0.1", "localhost")

        async def get(address: str) -> FetchResult | FetchFailure:
            async with make_client(verify=client_ssl_context()) as client:
                pins = link_pins(client)
                assert pins is not None
                pins["localhost"] = (address,)
                return await fetch(client, url, limiter=HostLimiter(), timeout=2, retries=0)

        reached = asyncio.run(get("127.0.0.1"))
        missed = asyncio.run(get("127.0.0.2"))
        assert registrar.requests == 1
    assert isinstance(reached, FetchResult)
    assert reached.status == 200
    assert isinstance(missed, FetchFailure)
    assert (
        missed.message == "connection failed (ConnectError: no connection to the checked addresses)"
    )


# --- waking at scale -------------------------------------------------------------------


def test_a_freed_slot_wakes_one_waiter_not_every_waiter_of_the_host() -> None:
    async def run() -> tuple[int, int]:
        limiter = HostLimiter(per_host=1)
        done = 0

        async def one() -> None:
            nonlocal done
            async with limiter.slot("one.test"):
                await asyncio.sleep(0)
                done += 1

        await asyncio.gather(*(one() for _ in range(300)))
        return done, limiter.wakeups

    done, wakeups = asyncio.run(run())
    assert done == 300
    # Waking all waiters per release would resume ~300 * 300 / 2 of them.
    assert wakeups <= 300


def test_a_waiter_cancelled_after_its_wake_up_passes_the_slot_on() -> None:
    async def run() -> bool:
        limiter = HostLimiter(per_host=1)
        held = limiter.slot("h.test")
        await held.__aenter__()
        doomed = asyncio.ensure_future(_hold(limiter, "h.test"))
        survivor = asyncio.ensure_future(_hold(limiter, "h.test"))
        await asyncio.sleep(0)  # both wait, `doomed` first
        await held.__aexit__(None, None, None)  # wakes `doomed` only ...
        doomed.cancel()  # ... which is cancelled before it could take the slot
        await asyncio.wait({survivor}, timeout=2)
        return survivor.done() and not survivor.cancelled()

    assert asyncio.run(run())


def test_a_host_never_has_more_requests_in_flight_than_its_configured_cap() -> None:
    async def run() -> dict[str, int]:
        limiter = HostLimiter(total=64, per_host=6, host_caps={"Capped.test": 2})
        active: dict[str, int] = {"capped.test": 0, "other.test": 0}
        peak = dict(active)

        async def one(host: str) -> None:
            async with limiter.slot(host):
                active[host] += 1
                peak[host] = max(peak[host], active[host])
                await asyncio.sleep(0.005)
                active[host] -= 1

        await asyncio.gather(*(one(h) for h in active for _ in range(30)))
        return peak

    assert asyncio.run(run()) == {"capped.test": 2, "other.test": 6}


def test_idle_connections_to_many_hosts_do_not_pile_up() -> None:
    from checker.net.http import MAX_POOLS

    with RdapServer() as server:
        registries = [server.add_registry(f"registrar-{i}") for i in range(MAX_POOLS + 8)]
        for registry in registries:
            registry.add("x.test", synthetic_domain("x.test"))

        async def run() -> tuple[list[int], int]:
            async with make_client() as client:
                statuses = []
                for registry in registries:  # one request each, as registrar follow-ups go
                    result = await fetch(client, registry.url_for("x.test"), limiter=HostLimiter())
                    statuses.append(result.status if isinstance(result, FetchResult) else 0)
                await asyncio.sleep(0.3)  # the server notices the closed connections
                return statuses, len(server._handlers)

        statuses, still_open = asyncio.run(run())
    assert statuses == [200] * len(registries)
    assert still_open <= MAX_POOLS
