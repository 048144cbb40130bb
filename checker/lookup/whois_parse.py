"""Reading port-43 WHOIS answers: the server table and a pure, never-raising parser.

WHOIS has no format: every registry writes its own text. The table
(``checker/data/whois-servers.json``) says, per TLD, which server to ask, how to phrase
the question, and which phrasings mean "not found" or "slow down". The parser turns an
answer into a :class:`Registration` only on positive evidence: a recognised "not found"
phrase, or the name echoed back together with a status, a date, a nameserver or a
registrar. Anything else, and every rate-limit or refusal text, is a
:class:`LookupFailure`, so an unreadable answer can never pass for a healthy domain.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources

import idna

from checker.model import EvidenceSource, LookupFailure, ReasonCode, Registration

FIELD_KINDS = ("domain", "status", "created", "expires", "updated", "registrar", "nameservers")

#: RDAP status values (RFC 9083 section 10.2.2, RFC 8056); WHOIS spellings map onto these.
RDAP_STATUSES = (
    "validated",
    "renew prohibited",
    "update prohibited",
    "transfer prohibited",
    "delete prohibited",
    "proxy",
    "private",
    "removed",
    "obscured",
    "associated",
    "active",
    "inactive",
    "locked",
    "pending create",
    "pending renew",
    "pending transfer",
    "pending update",
    "pending delete",
    "add period",
    "auto renew period",
    "client delete prohibited",
    "client hold",
    "client renew prohibited",
    "client transfer prohibited",
    "client update prohibited",
    "pending restore",
    "redemption period",
    "renew period",
    "server delete prohibited",
    "server renew prohibited",
    "server transfer prohibited",
    "server update prohibited",
    "server hold",
    "transfer period",
    "administrative",
    "reserved",
)
_STATUS_BY_COMPACT = {status.replace(" ", ""): status for status in RDAP_STATUSES}
_STATUS_BY_COMPACT["ok"] = "active"  # EPP "ok" is RDAP "active" (RFC 8056 section 2)

MAX_TEXT = 1024 * 1024  # characters parsed; the client already caps the bytes read
MAX_LINE = 2000  # characters of one line looked at
MAX_MESSAGE = 200  # characters of server text quoted in a failure message
MAX_ITEMS = 32  # statuses / nameservers kept
MAX_VALUE = 200  # characters of a registrar name kept

_TABLE_RESOURCE = ("checker", "data/whois-servers.json")


# --- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WhoisProfile:
    """How one registry's WHOIS is asked and read (its own entries plus the generic ones)."""

    suffix: str  # "de"; "" for the generic profile used when no entry matches
    host: str | None = None
    port: int = 43
    query: str = "{domain}"
    not_found: tuple[str, ...] = ()
    rate_limited: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    free_statuses: frozenset[str] = frozenset()
    fields: Mapping[str, str] = field(default_factory=dict)  # field name -> kind
    status_aliases: Mapping[str, str | None] = field(default_factory=dict)

    def query_for(self, domain: str) -> str:
        """The query line (without CRLF) this registry expects for ``domain``."""
        return self.query.replace("{domain}", domain)


@dataclass(frozen=True)
class WhoisTable:
    """TLD suffix -> profile, plus the generic profile."""

    profiles: Mapping[str, WhoisProfile]
    generic: WhoisProfile

    def suffix_for(self, domain: str, extra: Iterable[str] = ()) -> str | None:
        """The longest suffix of ``domain`` that the table (or ``extra``) knows."""
        known = set(self.profiles) | set(extra)
        labels = domain.lower().rstrip(".").split(".")
        for start in range(len(labels)):
            suffix = ".".join(labels[start:])
            if suffix in known:
                return suffix
        return None

    def profile_for(self, domain: str) -> WhoisProfile:
        """The profile for ``domain``'s registry, or the generic one."""
        suffix = self.suffix_for(domain)
        return self.profiles[suffix] if suffix is not None else self.generic


@functools.lru_cache(maxsize=1)
def load_table() -> WhoisTable:
    """The shipped table (``checker/data/whois-servers.json``), read once."""
    package, name = _TABLE_RESOURCE
    resource = resources.files(package)
    for part in name.split("/"):
        resource = resource.joinpath(part)
    text = resource.read_text(encoding="utf-8")
    return table_from_json(json.loads(text))


def table_from_json(data: object) -> WhoisTable:
    """Build a table from the JSON document; ValueError when it is malformed."""
    doc = _mapping(data, "document")
    generic_doc = _mapping(doc.get("generic"), "generic")
    generic = _profile("", None, generic_doc, base=None)
    profiles: dict[str, WhoisProfile] = {}
    for suffix, entry in _mapping(doc.get("servers"), "servers").items():
        entry_doc = _mapping(entry, f"servers.{suffix}")
        host = entry_doc.get("host")
        if not isinstance(host, str) or not host:
            raise ValueError(f"servers.{suffix}: 'host' must be a non-empty string")
        profiles[suffix.lower()] = _profile(suffix.lower(), host, entry_doc, base=generic)
    return WhoisTable(profiles=profiles, generic=generic)


def _profile(
    suffix: str, host: str | None, doc: Mapping[str, object], base: WhoisProfile | None
) -> WhoisProfile:
    port = doc.get("port", 43)
    query = doc.get("query", "{domain}")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"{suffix or 'generic'}: bad port {port!r}")
    if not isinstance(query, str) or "{domain}" not in query:
        raise ValueError(f"{suffix or 'generic'}: 'query' must contain {{domain}}")
    fields: dict[str, str] = dict(base.fields) if base else {}
    for kind, names in _mapping(doc.get("fields", {}), "fields").items():
        if kind not in FIELD_KINDS:
            raise ValueError(f"{suffix or 'generic'}: unknown field kind {kind!r}")
        for name in _strings(names, f"fields.{kind}"):
            fields[_norm(name)] = kind
    aliases: dict[str, str | None] = {}
    for word, target in _mapping(doc.get("status_aliases", {}), "status_aliases").items():
        if target is not None and not isinstance(target, str):
            raise ValueError(f"{suffix}: status alias for {word!r} must be a string or null")
        aliases[_norm(word)] = target

    def merged(key: str, inherited: tuple[str, ...]) -> tuple[str, ...]:
        own = tuple(_norm(p) for p in _strings(doc.get(key, []), key))
        return tuple(dict.fromkeys(inherited + own))

    return WhoisProfile(
        suffix=suffix,
        host=host,
        port=port,
        query=query,
        not_found=merged("not_found", base.not_found if base else ()),
        rate_limited=merged("rate_limited", base.rate_limited if base else ()),
        unavailable=merged("unavailable", base.unavailable if base else ()),
        refused=merged("refused", base.refused if base else ()),
        free_statuses=frozenset(merged("free_statuses", tuple(base.free_statuses) if base else ())),
        fields=fields,
        status_aliases=aliases,
    )


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"{where}: expected an object")
    return value


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a list of strings")
    return value


# --- small text helpers ------------------------------------------------------------------

_PUNCTUATION = "\"'<>()[],;:."  # stripped from both ends of a name taken from text
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def sanitise(text: str, limit: int = MAX_MESSAGE) -> str:
    """Server words made safe to print: no control characters, one line, bounded."""
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _norm(text: str) -> str:
    """Lower case, whitespace collapsed, leading comment markers dropped."""
    return _SPACES.sub(" ", text).strip().lstrip("%#").strip().lower()


def _name_forms(domain: str) -> frozenset[str]:
    """The A-label and U-label spellings of a name, lower case, no trailing dot."""
    name = domain.strip().rstrip(".").lower()
    forms = {name}
    for convert in (_to_alabel, _to_ulabel):
        converted = convert(name)
        if converted:
            forms.add(converted)
    return frozenset(forms)


def _to_alabel(name: str) -> str | None:
    try:
        return idna.encode(name, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _to_ulabel(name: str) -> str | None:
    try:
        return idna.decode(name).lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _echoed_name(value: str) -> str:
    parts = value.split(maxsplit=1)
    token = parts[0] if parts else ""
    token = token.strip(_PUNCTUATION).lower()
    return _to_alabel(token) or token


_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_-]{1,63})+$")


def _nameserver(value: str) -> str | None:
    parts = value.split()
    if not parts:
        return None
    token = parts[0].strip(_PUNCTUATION).lower()
    if not token.isascii():
        token = _to_alabel(token) or ""
    return token if _HOSTNAME.match(token) else None


# --- dates -------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_ZONE = r"(?:\s*(?P<zone>z|utc|gmt|\(?jst\)?|\(utc\)|[+-]\d{2}:?\d{2}))?"
_TIME = r"(?:[t ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?"
_DATE_FORMS = (
    # 2013-05-26T04:00:00Z, 2019/01/23, 2004.03.04, 2013/06/01 01:05:07 (JST)
    re.compile(
        r"^(?P<year>\d{4})(?P<sep>[-./])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})" + _TIME + _ZONE
    ),
    # 20110426 17:57:27
    re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})" + _TIME + _ZONE),
    # 23.01.2019
    re.compile(r"^(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})" + _TIME + _ZONE),
    # 26-may-2013, 13-Jun-2008 17:17:40 UTC, 26 May 2013
    re.compile(
        r"^(?P<day>\d{1,2})[- ](?P<mname>[a-z]{3})[a-z]*\.?[- ](?P<year>\d{4})" + _TIME + _ZONE
    ),
    # Tue Dec 12 2000, Dec 12, 2000
    re.compile(
        r"^(?:[a-z]{3},?\s+)?(?P<mname>[a-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
        + _TIME
        + _ZONE
    ),
    # Wed Jan 22 22:13:48 GMT 2014
    re.compile(
        r"^(?:[a-z]{3}\s+)?(?P<mname>[a-z]{3})\s+(?P<day>\d{1,2})\s+(?P<hour>\d{1,2}):"
        r"(?P<minute>\d{2}):(?P<second>\d{2})\s+(?:(?P<zone>utc|gmt)\s+)?(?P<year>\d{4})"
    ),
)


def parse_whois_date(text: str) -> datetime | None:
    """A timezone-aware UTC datetime from the many ways registries write dates, or None.

    A date without a zone is taken as UTC. Day-first dates are read only with dots
    (``23.01.2019``); ``01/02/2019`` is ambiguous and yields None.
    """
    value = _SPACES.sub(" ", text).strip().lower()
    if not value or len(value) > 64:
        return None
    for form in _DATE_FORMS:
        match = form.match(value)
        if match is None or match.end() != len(value):
            continue
        parts = match.groupdict()
        try:
            month = _MONTHS[parts["mname"]] if parts.get("mname") else int(parts["month"])
            naive = datetime(
                int(parts["year"]),
                month,
                int(parts["day"]),
                int(parts.get("hour") or 0),
                int(parts.get("minute") or 0),
                int(parts.get("second") or 0),
            )
            return naive.replace(tzinfo=_zone(parts.get("zone"))).astimezone(timezone.utc)
        except (KeyError, ValueError, OverflowError):
            return None
    return None


def _zone(zone: str | None) -> timezone:
    if not zone or zone in ("z", "utc", "gmt", "(utc)"):
        return timezone.utc
    if "jst" in zone:
        return timezone(timedelta(hours=9))
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


# --- statuses ----------------------------------------------------------------------------

_URL = re.compile(r"\(?\bhttps?://\S*\)?", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\([^)]*\)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_STATUS_CODE = re.compile(r"^\d{3}\s+")


def normalise_statuses(raw: str, aliases: Mapping[str, str | None] | None = None) -> list[str]:
    """Status words as RDAP spells them: ``pendingDelete https://icann.org/epp#...``
    becomes ``pending delete``, ``ok`` becomes ``active``; ``aliases`` maps a registry's
    own words (None drops the word)."""
    return [status for status, _, _ in _read_statuses(raw, aliases or {})]


def _read_statuses(raw: str, aliases: Mapping[str, str | None]) -> list[tuple[str, str, bool]]:
    """(status, the registry's word, read through an alias) for each word in ``raw``."""
    cleaned = _PARENTHESIS.sub(" ", _URL.sub(" ", raw))
    result: list[tuple[str, str, bool]] = []
    for part in re.split(r"[,;/|]", cleaned):
        word = _STATUS_CODE.sub("", part.strip())
        word = _CAMEL.sub(" ", word)
        # Control and other unprintable characters are not part of any status word.
        word = "".join(char if char.isprintable() else " " for char in word)
        word = _SPACES.sub(" ", re.sub(r"[_\-]+", " ", word)).strip().lower()
        if not word:
            continue
        word = _STATUS_BY_COMPACT.get(word.replace(" ", ""), word)
        aliased = word in aliases
        if aliased:
            target = aliases[word]
            if target is None:
                continue
            word = target
        result.append((word[:64].strip(), part.strip(), aliased))
    return result


# --- the parser --------------------------------------------------------------------------

_KEY_LINE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z0-9 _\-/().']{0,60}?)\s*:(?!//)(?P<value>.*)$")
_BRACKET_LINE = re.compile(r"^\s*(?:[a-z]\.\s*)?\[(?P<key>[A-Za-z][^\]]{0,60})\](?P<value>.*)$")
_DOTTED = re.compile(r"[A-Za-z0-9-]\.[A-Za-z0-9]")
_NS_KEY = re.compile(r"^(?:ns|nserver|name ?server)[ _]?(?:name[ _]?)?\d{1,2}$")
_NS_HEADERS = frozenset({"nameservers", "name servers", "name server", "nameserver", "nserver"})


@dataclass
class _Fields:
    echoes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    first: dict[str, str] = field(default_factory=dict)  # created/expires/updated/registrar

    def add(self, kind: str, value: str) -> None:
        if kind == "domain":
            self.echoes.append(value)
        elif kind == "status":
            self.statuses.append(value)
        elif kind == "nameservers":
            self.nameservers.append(value)
        else:
            self.first.setdefault(kind, value)


def _read_fields(lines: list[str], profile: WhoisProfile) -> _Fields:
    found = _Fields()
    block: str | None = None  # kind whose values continue on the following lines
    for raw in lines:
        line = raw[:MAX_LINE]
        stripped = line.strip()
        if not stripped or stripped[0] in "%#":
            block = None
            continue
        match = _BRACKET_LINE.match(line) or _KEY_LINE.match(line)
        if match is not None and not _DOTTED.search(match["key"]):
            key = _norm(match["key"])
            kind = profile.fields.get(key) or ("nameservers" if _NS_KEY.match(key) else None)
            value = match["value"].strip()
            if value:
                if kind:
                    found.add(kind, value)
                block = None
            else:
                block = kind
            continue
        if _norm(stripped).rstrip(":") in _NS_HEADERS:
            block = "nameservers"
        elif block:
            found.add(block, stripped)
    return found


def _refusal(lines: list[str], profile: WhoisProfile) -> tuple[str, str, bool] | None:
    """(what happened, the server's line, retryable) for the first refusal line."""
    kinds = (
        ("rate-limited the query", profile.rate_limited, True),
        ("is unavailable", profile.unavailable, True),
        ("refused the query", profile.refused, False),
    )
    for raw in lines:
        text = _norm(raw[:MAX_LINE])
        if not text:
            continue
        for what, phrases, retryable in kinds:
            if any(phrase in text for phrase in phrases):
                return what, raw, retryable
    return None


def _not_found(
    lines: list[str], profile: WhoisProfile, forms: frozenset[str]
) -> tuple[str | None, str | None]:
    """(the not-found line, a different name it names) for the first not-found line."""
    phrases = [
        (phrase.replace("{domain}", form), "{domain}" in phrase)
        for phrase in profile.not_found
        for form in (sorted(forms) if "{domain}" in phrase else [""])
    ]
    for raw in lines:
        text = _norm(raw[:MAX_LINE])
        for phrase, names_domain in phrases:
            if not text.startswith(phrase):
                continue
            rest = text[len(phrase) :]
            if rest and rest[0].isalnum():
                continue  # "status: free" must not match "status: freeze"
            other = None if names_domain else _other_name(rest, forms)
            return raw, other
    return None, None


def _other_name(rest: str, forms: frozenset[str]) -> str | None:
    """A domain named right after a not-found phrase when it is not the one asked."""
    tokens = rest.strip(" :-\"'").split()
    if not tokens:
        return None
    token = tokens[0].strip(_PUNCTUATION)
    if not _DOTTED.search(token):
        return None
    name = _echoed_name(token)
    return None if name in forms or token in forms else token


def parse_whois(text: str, *, domain: str, server: str, url: str) -> Registration | LookupFailure:
    """Read a WHOIS answer for ``domain`` from ``server``; never raises.

    ``Registration(registered=False)`` needs a recognised "not found" phrasing;
    ``registered=True`` needs the name echoed back plus a status, a date, a nameserver or
    a registrar. Rate limits, refusals, answers about another name, contradictions and
    anything unrecognised are a :class:`LookupFailure` quoting the server.
    """
    return _parse(text, load_table().profile_for(domain), domain=domain, server=server, url=url)


def _parse(
    text: str, profile: WhoisProfile, *, domain: str, server: str, url: str
) -> Registration | LookupFailure:
    name = domain.strip().rstrip(".").lower()
    forms = _name_forms(name)
    lines = text[:MAX_TEXT].splitlines()

    def failure(why: str, retryable: bool = False) -> LookupFailure:
        return LookupFailure(
            code=ReasonCode.LOOKUP_FAILED,
            message=f"WHOIS {sanitise(server, 100)} for {sanitise(name, 100)}: {why}",
            url=url,
            retryable=retryable,
        )

    meaningful = [line for line in lines if _norm(line)]
    if not meaningful:
        return failure("empty answer", retryable=True)
    refusal = _refusal(lines, profile)
    if refusal is not None:
        what, said, retryable = refusal
        return failure(f"server {what}: '{sanitise(said)}'", retryable=retryable)

    found = _read_fields(lines, profile)
    echoes = [_echoed_name(value) for value in found.echoes]
    for echo, said in zip(echoes, found.echoes, strict=True):
        if echo not in forms:  # an answer naming any other object is not about ours alone
            return failure(f"answer is about '{sanitise(said)}', not the name asked")

    notes: list[str] = []
    statuses: list[str] = []
    free_status = None
    for raw_status in found.statuses:
        for status, word, aliased in _read_statuses(raw_status, profile.status_aliases):
            if status in profile.free_statuses:
                free_status = raw_status
                continue
            if status not in statuses:
                if len(statuses) == MAX_ITEMS:  # never cut: the next could be the one
                    return failure(f"more than {MAX_ITEMS} statuses, over the number read")
                statuses.append(status)
            note = f"registry status '{sanitise(word, 64)}' read as '{status}'"
            if aliased and note not in notes:
                notes.append(note)
    nameservers = list(
        dict.fromkeys(ns for ns in map(_nameserver, found.nameservers) if ns is not None)
    )[:MAX_ITEMS]
    registrar = (
        sanitise(found.first["registrar"], MAX_VALUE) if "registrar" in found.first else None
    )

    dates: dict[str, datetime | None] = {}
    for kind in ("created", "expires", "updated"):
        raw_date = found.first.get(kind)
        dates[kind] = parse_whois_date(raw_date) if raw_date else None
        if raw_date and dates[kind] is None:
            if kind == "expires":
                return failure(f"unreadable expiry date '{sanitise(raw_date)}'")
            notes.append(f"unreadable {kind} date '{sanitise(raw_date)}'")

    evidence = bool(statuses or nameservers or registrar or dates["created"] or dates["expires"])
    not_found_line, other_name = _not_found(lines, profile, forms)
    if other_name is not None:
        return failure(f"answer is about '{sanitise(other_name)}', not the name asked")
    if not_found_line is not None or free_status is not None:
        said = sanitise(not_found_line or free_status or "")
        if evidence:
            return failure(f"contradictory answer: '{said}' but registration data follows")
        return Registration(registered=False, source=EvidenceSource.WHOIS, url=url)
    if not echoes:
        first = sanitise(meaningful[0])
        return failure(f"unrecognised answer (no 'not found' and no record), starting '{first}'")
    if not evidence:
        return failure("the record names the domain but shows no status, date or nameserver")
    return Registration(
        registered=True,
        source=EvidenceSource.WHOIS,
        url=url,
        statuses=tuple(statuses),
        created=dates["created"],
        expires=dates["expires"],
        updated=dates["updated"],
        registrar=registrar,
        nameservers=tuple(nameservers),
        notes=tuple(notes),
    )
