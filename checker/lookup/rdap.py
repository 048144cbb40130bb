"""A thin RDAP (RFC 9082/9083) domain client that never mistakes a bad answer for a good one.

A registry answer becomes a :class:`Registration` only when it is an HTTP 200 RDAP domain
object for the name asked, or an HTTP 404 that is empty (Verisign) or an RDAP error
object. Anything else is a :class:`LookupFailure` that says what was wrong. Nothing here
caches.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from importlib import resources
from urllib.parse import quote, urlsplit

import httpx

from checker.lifecycle import event_key, load_vocabulary
from checker.lookup.bootstrap import Bootstrap
from checker.lookup.registrar import registrar_unavailable
from checker.model import EvidenceSource, LookupFailure, ReasonCode, Registration
from checker.net.http import (
    DEFAULT_MAX_BODY,
    DEFAULT_TIMEOUT,
    AddressResolver,
    FailureKind,
    FetchFailure,
    FetchResult,
    HostLimiter,
    check_public_https,
    fetch,
    link_pins,
)
from checker.registries import registry_for

RDAP_ACCEPT = "application/rdap+json, application/json"
MAX_JSON_DEPTH = 48
MAX_JSON_NODES = 250_000
MAX_LIST_ITEMS = 256
MAX_TEXT = 256

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
#: A date whose year has five or more digits (Nomulus's END_OF_TIME, 294247-01-10).
_END_OF_TIME = re.compile(r"^\s*\+?[1-9]\d{4,}-\d{2}-\d{2}")
#: EPP status names whose RDAP spelling (RFC 8056) is not the words of the EPP name.
_EPP_TO_RDAP = {"ok": "active"}


def parse_rdap_date(value: object) -> datetime | None:
    """A timezone-aware UTC datetime from a registry date string, or None if unreadable.

    Accepts ``Z``, ``+0000``, ``+03:00``, ``+03``, no zone (read as UTC), a space
    instead of ``T``, a bare date, and any number of fractional-second digits.
    """
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _DATE.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or "0")
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        if zone[0] == "-":
            offset = -offset
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            min(int(second or 0), 59),  # a leap second reads as :59
            micro,
            tzinfo=timezone(offset),
        )
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def normalise_status(raw: object) -> str | None:
    """An RDAP status in lower case with RFC 8056 spelling; None when not a usable string.

    EPP spellings (``clientHold``, ``pendingDelete``, ``ok``) become their RDAP form;
    values outside RFC 8056 are kept, lower-cased.
    """
    if not isinstance(raw, str):
        return None
    words = [w for w in _clean_text(raw).split() if not w.lower().startswith("http")]
    text = " ".join(words)
    if not text:
        return None
    if " " not in text:
        text = _CAMEL.sub(" ", text)
    text = " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    return _EPP_TO_RDAP.get(text, text)


def _clean_text(value: str, limit: int = MAX_TEXT) -> str:
    """Printable text only, whitespace collapsed, at most ``limit`` characters."""
    kept = "".join(ch for ch in value[: limit * 4] if unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())[:limit]


def _normalise_host(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    name = value.strip().rstrip(".").lower()
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        return None
    return name


class _BadJson(ValueError):
    pass


def _load_json(body: bytes) -> object:
    """Parse a body as JSON within nesting and size bounds; raises :class:`_BadJson`."""
    try:
        value = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _BadJson("body is not UTF-8") from exc
    except RecursionError as exc:
        raise _BadJson("body nests too deeply") from exc
    except ValueError as exc:
        raise _BadJson(f"body is not valid JSON ({str(exc)[:80]})") from exc
    stack: list[tuple[object, int]] = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if depth > MAX_JSON_DEPTH:
            raise _BadJson(f"body nests deeper than {MAX_JSON_DEPTH} levels")
        if nodes > MAX_JSON_NODES:
            raise _BadJson(f"body has more than {MAX_JSON_NODES} JSON values")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return value


def _items(value: object) -> list[object]:
    """The first :data:`MAX_LIST_ITEMS` members of a JSON array; [] for anything else."""
    return value[:MAX_LIST_ITEMS] if isinstance(value, list) else []


@dataclass
class _Dates:
    created: datetime | None = None
    expires: datetime | None = None
    registrar_expires: datetime | None = None
    updated: datetime | None = None
    last_update: datetime | None = None
    reregistered: datetime | None = None
    notes: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # dates a verdict depends on


def _later(current: datetime | None, new: datetime) -> datetime:
    return new if current is None or new > current else current


def _event_kind(action: str) -> str | None:
    """What an RDAP event action records: expiry by the lifecycle table (``Record
    expires`` at .kg), the other dates by RFC 9083's names."""
    key = event_key(action)
    vocabulary = load_vocabulary()
    if key in vocabulary.expiry_events:
        return "expiration"
    if key in vocabulary.registrar_expiry_events:
        return "registrar expiration"
    return key if key in _DATE_EVENTS else None


_DATE_EVENTS = frozenset({"registration", "last changed", "last update", "reregistration"})


def _read_events(events: object) -> _Dates:
    dates = _Dates()
    registrar_expiry_unreadable: str | None = None
    for event in _items(events):
        if not isinstance(event, dict):
            continue
        raw_action = event.get("eventAction")
        if not isinstance(raw_action, str):
            continue
        action = _event_kind(raw_action[:MAX_TEXT])
        if action is None:
            continue
        raw = event.get("eventDate")
        moment = parse_rdap_date(raw)
        if moment is None:
            shown = repr(_clean_text(raw, 60)) if isinstance(raw, str) else "(not text)"
            if action in ("expiration", "registrar expiration") and _END_OF_TIME.match(
                raw if isinstance(raw, str) else ""
            ):
                # Nomulus publishes 'end of time' (year 294247) as the expiry of a name in
                # redemption: no expiry in any calendar we read, never a reason to drop the
                # answer (its statuses decide it).
                dates.notes.append(f"{action} date {shown} is past the year 9999: no expiry")
                continue
            if action in ("registration", "expiration", "reregistration"):
                dates.unreadable.append(f"unreadable {action} date {shown}")
            else:
                dates.notes.append(f"ignored unparseable {action} date {shown}")
                if action == "registrar expiration":
                    registrar_expiry_unreadable = f"unreadable {action} date {shown}"
            continue
        if action == "registration":
            dates.created = moment if dates.created is None else min(dates.created, moment)
        elif action == "expiration":
            dates.expires = _later(dates.expires, moment)
        elif action == "registrar expiration":
            dates.registrar_expires = _later(dates.registrar_expires, moment)
        elif action == "last changed":
            dates.updated = _later(dates.updated, moment)
        elif action == "last update":
            dates.last_update = _later(dates.last_update, moment)
        else:
            dates.reregistered = _later(dates.reregistered, moment)
    if dates.expires is None and registrar_expiry_unreadable:
        dates.unreadable.append(registrar_expiry_unreadable)  # it was the only expiry
    return dates


def _vcard_name(entity: dict[str, object]) -> str | None:
    vcard = entity.get("vcardArray")
    if not (isinstance(vcard, list) and len(vcard) == 2 and isinstance(vcard[1], list)):
        return None
    found: dict[str, str] = {}
    for prop in _items(vcard[1]):
        if not (isinstance(prop, list) and len(prop) >= 4 and isinstance(prop[0], str)):
            continue
        name, value = prop[0].lower(), prop[3]
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if name in ("fn", "org") and isinstance(value, str) and _clean_text(value):
            found.setdefault(name, _clean_text(value))
    return found.get("fn") or found.get("org")


def _registrar_name(entities: object) -> str | None:
    for entity in _items(entities):
        if not isinstance(entity, dict):
            continue
        roles = [r.lower() for r in _items(entity.get("roles")) if isinstance(r, str)]
        if "registrar" not in roles:
            continue
        name = _vcard_name(entity)
        handle = entity.get("handle")
        if name is None and isinstance(handle, str) and _clean_text(handle):
            name = _clean_text(handle)
        if name:
            return name
    return None


def _related_link(links: object, self_url: str) -> str | None:
    """The first ``rel: related`` link that points at another RDAP domain object."""
    for link in _items(links):
        if not isinstance(link, dict):
            continue
        rel, href, kind = link.get("rel"), link.get("href"), link.get("type")
        if not (isinstance(rel, str) and rel.lower() == "related" and isinstance(href, str)):
            continue
        href = href.strip()
        if len(href) > 2048 or href.rstrip("/").lower() == self_url.rstrip("/").lower():
            continue
        is_rdap = isinstance(kind, str) and "rdap+json" in kind.lower()
        try:
            path = urlsplit(href).path.lower()
        except ValueError:
            continue
        if is_rdap or "/domain/" in path:
            return href
    return None


@dataclass(frozen=True)
class _Answer:
    """A parsed RDAP answer: the registration and the registrar link it named."""

    registration: Registration
    related: str | None = None
    registrar_expires: datetime | None = None


def _domain_answer(document: object, name: str, url: str) -> _Answer | str:
    """Read an RDAP domain object; a string is the reason it is not one for ``name``."""
    if not isinstance(document, dict):
        return "answer is not a JSON object"
    kind = document.get("objectClassName")
    if kind != "domain":
        if isinstance(kind, str):
            return f"answer is an RDAP {_clean_text(kind, 40)!r} object, not a domain"
        return "answer has no objectClassName, so it is not a domain object"
    ldh = document.get("ldhName")
    answered = ldh.strip().rstrip(".").lower() if isinstance(ldh, str) else None
    if answered != name:
        shown = _clean_text(ldh, 80) if isinstance(ldh, str) else "no name"
        return f"answer is for {shown!r}, not {name!r}"
    # A verdict rests on statuses and dates: an answer whose statuses or key dates cannot
    # be read is no answer (never fail open), as in the WHOIS reader.
    notes: list[str] = []
    statuses: list[str] = []
    raw_status = document.get("status")
    if raw_status is not None and not isinstance(raw_status, list):
        return "answer's 'status' is not an array"
    for raw_list, what in ((raw_status, "statuses"), (document.get("events"), "events")):
        if isinstance(raw_list, list) and len(raw_list) > MAX_LIST_ITEMS:
            # Never cut: the one left out could be the status or event that matters.
            return f"answer has {len(raw_list)} {what}, over the {MAX_LIST_ITEMS} read"
    for raw in _items(raw_status):
        status = normalise_status(raw)
        if status is None:
            return "answer has a status that is not text"
        if status not in statuses:
            statuses.append(status)
    raw_events = document.get("events")
    if raw_events is not None and not isinstance(raw_events, list):
        return "answer's 'events' is not an array"
    dates = _read_events(raw_events)
    if dates.unreadable:
        return "answer has an " + "; ".join(dates.unreadable)
    notes.extend(dates.notes)
    nameservers: list[str] = []
    for server in _items(document.get("nameservers")):
        host = _normalise_host(server.get("ldhName")) if isinstance(server, dict) else None
        if host is not None and host not in nameservers:
            nameservers.append(host)
    expires = dates.expires
    if expires is None and dates.registrar_expires is not None:
        expires = dates.registrar_expires
        notes.append(f"no expiration event; used registrar expiration {expires.isoformat()}")
    registrar = _registrar_name(document.get("entities"))
    if not (statuses or dates.created or expires or nameservers or registrar):
        return "answer shows no status, date, nameserver or registrar"
    registration = Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url=url,
        statuses=tuple(statuses),
        created=dates.created,
        expires=expires,
        updated=dates.updated or dates.last_update,
        reregistered=dates.reregistered,
        registrar=registrar,
        nameservers=tuple(nameservers),
        notes=tuple(notes),
    )
    return _Answer(registration, _related_link(document.get("links"), url), dates.registrar_expires)


def _not_found_answer(result: FetchResult, url: str) -> Registration | str:
    """A 404 is "not registered" only when empty or an RDAP error object."""
    if not result.body.strip():
        return Registration(registered=False, source=EvidenceSource.RDAP, url=url)
    try:
        document = _load_json(result.body)
    except _BadJson:
        return (
            f"HTTP 404 with a body that is not an RDAP error ({result.content_type or 'no type'})"
        )
    if not isinstance(document, dict) or "objectClassName" in document:
        return "HTTP 404 with a JSON body that is not an RDAP error object"
    code = document.get("errorCode")
    if code is not None and code != 404:
        return f"HTTP 404 with RDAP errorCode {_clean_text(str(code), 20)}"
    said = _error_text(document)
    note = f"registry says: {said}" if said else None
    return Registration(
        registered=False,
        source=EvidenceSource.RDAP,
        url=url,
        # The registry does not hold the name for anyone, but holds it back: RFC 9083 "reserved".
        statuses=("reserved",) if said and says_reserved(said) else (),
        notes=(note,) if note else (),
    )


def _error_text(document: dict[str, object]) -> str:
    """An RDAP error's title and description lines as one printable line."""
    parts = [document.get("title"), *_items(document.get("description"))[:8]]
    lines = dict.fromkeys(_clean_text(part) for part in parts if isinstance(part, str))
    return _clean_text(" ".join(line for line in lines if line), 240)


@functools.lru_cache(maxsize=1)
def _not_found_phrases() -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """(reserved phrases, phrases to cut out first) from ``checker/data/rdap-not-found.json``."""
    text = (
        resources.files("checker")
        .joinpath("data")
        .joinpath("rdap-not-found.json")
        .read_text("utf-8")
    )
    document = json.loads(text)

    def pattern(key: str) -> re.Pattern[str] | None:
        phrases = [re.escape(entry["phrase"].lower()) for entry in document.get(key, [])]
        return re.compile(rf"\b(?:{'|'.join(phrases)})\b") if phrases else None

    reserved = pattern("reserved")
    if reserved is None:
        raise ValueError("rdap-not-found.json: no 'reserved' phrases")
    return reserved, pattern("ignore")


def says_reserved(text: str) -> bool:
    """True when an RDAP 404 error's words say the registry holds the name back."""
    reserved, ignore = _not_found_phrases()
    words = " ".join(text.lower().split())
    if ignore is not None:
        words = ignore.sub(" ", words)
    return reserved.search(words) is not None


def _describe_status(result: FetchResult) -> str:
    kind = result.content_type or "no content type"
    text = f"HTTP {result.status} ({kind})"
    if result.status in (429, 503) and result.attempts > 1:
        text += f" after {result.attempts} attempts"
    return text


def is_a_label_domain(domain: str) -> bool:
    """True for a lower-case LDH domain name of at least two labels."""
    labels = domain.split(".")
    return len(labels) >= 2 and len(domain) <= 253 and all(_LABEL.match(label) for label in labels)


class RdapClient:
    """Asks the registry's RDAP service about a registrable domain.

    ``limiter`` shapes concurrency per registry host; ``resolver`` is used by the link
    guard before following a registrar link or a redirect to another host.
    """

    def __init__(
        self,
        bootstrap: Bootstrap,
        client: httpx.AsyncClient,
        *,
        limiter: HostLimiter,
        timeout: float = DEFAULT_TIMEOUT,
        resolver: AddressResolver | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        retries: int = 3,
    ) -> None:
        self.bootstrap = bootstrap
        self._client = client
        self._limiter = limiter
        self._timeout = timeout
        self._resolver = resolver
        self._max_body = max_body
        self._retries = retries

    def covers(self, domain: str) -> bool:
        """True when an RDAP service is known for ``domain``."""
        return bool(self._base_urls(domain.strip().rstrip(".").lower()))

    def query_urls(self, domain: str) -> tuple[str, ...]:
        """The RDAP URLs that would be asked about ``domain``, in order."""
        name = domain.strip().rstrip(".").lower()
        return tuple(f"{base}domain/{quote(name, safe='.-')}" for base in self._base_urls(name))

    def _base_urls(self, name: str) -> tuple[str, ...]:
        """The bootstrap's services for ``name``; under a second-level registry
        only a bootstrap entry at or below its suffix, else the registry's own RDAP:
        the parent TLD's registry does not hold ``foo.uk.com`` and would say "not found"."""
        registry = registry_for(name)
        if registry is None:
            return self.bootstrap.base_urls(name)
        labels = name.split(".")
        for start in range(len(labels) - registry.suffix.count(".")):
            urls = self.bootstrap.services.get(".".join(labels[start:]))
            if urls:
                return urls
        return registry.rdap

    async def lookup(
        self, domain: str, *, follow_registrar: Callable[[Registration], bool]
    ) -> Registration | LookupFailure:
        """Look ``domain`` (an A-label registrable domain) up at its registry.

        The registrar's ``related`` link is read only when ``follow_registrar`` says so
        for the registry's answer and the link passes the public-https guard; what the
        registrar says is added to the registry answer, whose statuses stay authoritative.
        """
        name = domain.strip().rstrip(".").lower()
        if not is_a_label_domain(name):
            return LookupFailure(
                ReasonCode.LOOKUP_FAILED, f"{domain[:100]!r} is not an A-label domain"
            )
        urls = self.query_urls(name)
        if not urls:
            tld = name.rsplit(".", 1)[-1]
            return LookupFailure(
                ReasonCode.UNSUPPORTED_TLD,
                f"no RDAP service for .{tld} in the bootstrap ({self.bootstrap.source})",
            )
        failures: list[LookupFailure] = []
        for url in urls:
            answer = await self._query(url, name, same_origin_ok=True)
            if isinstance(answer, LookupFailure):
                failures.append(answer)
                continue
            if isinstance(answer, Registration):
                return answer
            registration = answer.registration
            if answer.related and follow_registrar(registration):
                registration = await self._with_registrar(registration, answer.related, name)
            return registration
        return failures[0]  # every listed service failed; the first one is the evidence

    async def _query(
        self, url: str, name: str, *, same_origin_ok: bool
    ) -> _Answer | Registration | LookupFailure:
        """One RDAP question: an answer, a "not registered" Registration, or a failure."""
        start = urlsplit(url)

        async def guard(target: str) -> str | None:
            parts = urlsplit(target)
            if same_origin_ok and (parts.scheme, parts.netloc) == (start.scheme, start.netloc):
                return None
            return await check_public_https(
                target, resolver=self._resolver, pins=link_pins(self._client)
            )

        result = await fetch(
            self._client,
            url,
            limiter=self._limiter,
            timeout=self._timeout,
            max_body=self._max_body,
            accept=RDAP_ACCEPT,
            retries=self._retries,
            redirect_guard=guard,
        )
        if isinstance(result, FetchFailure):
            transient = result.kind in (FailureKind.TIMEOUT, FailureKind.CONNECTION)
            return LookupFailure(
                ReasonCode.LOOKUP_FAILED, f"RDAP {url}: {result.message}", url, transient
            )
        if result.status == 404:
            not_found = _not_found_answer(result, url)
            if isinstance(not_found, str):
                return LookupFailure(ReasonCode.LOOKUP_FAILED, f"RDAP {url}: {not_found}", url)
            return not_found
        if result.status != 200:
            retryable = result.status in (429, 503) or result.status >= 500
            return LookupFailure(
                ReasonCode.LOOKUP_FAILED,
                f"RDAP {url}: {_describe_status(result)}, not an RDAP answer",
                url,
                retryable,
            )
        try:
            document = _load_json(result.body)
        except _BadJson as exc:
            return LookupFailure(
                ReasonCode.LOOKUP_FAILED,
                f"RDAP {url}: HTTP 200 ({result.content_type or 'no content type'}) but {exc}",
                url,
            )
        answer = _domain_answer(document, name, url)
        if isinstance(answer, str):
            return LookupFailure(ReasonCode.LOOKUP_FAILED, f"RDAP {url}: {answer}", url)
        return answer

    async def _with_registrar(self, registry: Registration, link: str, name: str) -> Registration:
        """The registry answer with what the registrar at ``link`` adds (notes, missing expiry)."""
        reason = await check_public_https(
            link, resolver=self._resolver, pins=link_pins(self._client)
        )
        if reason is not None:
            return registrar_unavailable(
                registry, link, f"registrar link {link[:200]} not followed: {reason}"
            )
        answer = await self._query(link, name, same_origin_ok=False)
        if isinstance(answer, LookupFailure):
            return registrar_unavailable(
                registry, link, f"registrar lookup failed: {answer.message}"
            )
        if isinstance(answer, Registration):
            return registrar_unavailable(
                registry, link, f"registrar RDAP {link[:200]} does not know the name (HTTP 404)"
            )
        registrar = answer.registration
        notes: list[str] = []
        expires = registry.expires
        if registry.expires is None and registrar.expires is not None:
            expires = registrar.expires
            notes.append(f"expiry {expires.isoformat()} taken from the registrar answer")
        elif (
            registry.expires is not None
            and registrar.expires is not None
            and registrar.expires.date() != registry.expires.date()
        ):
            notes.append(f"registrar answer differs: expires {registrar.expires.date()}")
        extra = [s for s in registrar.statuses if s not in registry.statuses]
        if extra:
            notes.append(f"registrar also reports status {', '.join(extra[:8])}")
        return replace(
            registry,
            expires=expires,
            registrar=registry.registrar or registrar.registrar,
            registrar_url=link,
            notes=registry.notes + tuple(notes),
        )
