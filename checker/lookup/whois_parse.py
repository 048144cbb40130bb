"""Reading port-43 WHOIS answers: the server table and a pure, never-raising parser.

WHOIS has no format: every registry writes its own text. The server table
(``checker/data/whois-servers.json``) says, per TLD, which server to ask and the phrasings
that registry is known for; the grammar (``checker/data/whois-grammar.json``) says how to
read any registry's answer: labels by kind and by keyword, contact sections, "not found"
and "reserved" phrases, rate-limit words, disclaimer markers. Labels may carry a colon,
dotted leaders, brackets, two languages or nothing, with the value on the next line;
fields of contact and handle sections are not the domain's; verdict phrases are read
outside the terms of use only; a rate limit is recognised by the answer's shape (no
record, no verdict). The parser turns an answer into a :class:`Registration` only on
positive evidence: a "not found" phrase, a registry saying it holds the name back, or the
name echoed back together with a status, a date, a nameserver or a registrar. Anything
else is a :class:`LookupFailure`, so an unreadable answer never passes for a healthy one.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources

import idna

from checker.lifecycle import Vocabulary, load_vocabulary
from checker.lookup.whois_dates import Order, order_for, parse_whois_date
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
    return " ".join(text.split()).lstrip("%#").strip().lower()


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


_DESCRIBED = re.compile(r"^\s*(?P<code>[A-Za-z][A-Za-z_]*)\s+[-\u2013\u2014]\s+\S", re.S)


def _read_statuses(raw: str, aliases: Mapping[str, str | None]) -> list[tuple[str, str, bool]]:
    """(status, the registry's word, read through an alias) for each word in ``raw``."""
    cleaned = _PARENTHESIS.sub(" ", _URL.sub(" ", raw))
    described = _DESCRIBED.match(cleaned)
    if described and load_vocabulary().state(described["code"]) is not None:
        # 'clientTransferProhibited - status prohibits domain transfer ...' (.kz): a known
        # code followed by the registry's prose about it; the prose is not more statuses.
        cleaned = described["code"]
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


# --- the grammar -------------------------------------------------------------------------

_GRAMMAR_RESOURCE = "whois-grammar.json"
#: Field kinds the grammar adds: expiry dates used only when no registry expiry is given.
_FALLBACK_EXPIRY = ("renewal_expires", "registrar_expires")
_GRAMMAR_KINDS = (*FIELD_KINDS, *_FALLBACK_EXPIRY)
_NO_VALUE = frozenset({"", "-", "--", "n/a", "na", "none", "null", "not defined", "unknown"})


@dataclass(frozen=True)
class Grammar:
    """What ``checker/data/whois-grammar.json`` says about reading any registry's answer."""

    labels: Mapping[str, str]  # normalised label -> field kind
    keywords: Mapping[str, tuple[str, ...]]  # field kind -> words a label may contain
    contact_words: tuple[str, ...]
    value_label_words: tuple[frozenset[str], ...]  # each: the words of one entry
    object_keys: frozenset[str]
    not_found: tuple[str, ...]
    reserved: tuple[str, ...]
    lifecycle_phrases: Mapping[str, str]  # phrase -> the status word it states
    lifecycle_pattern: re.Pattern[str]  # any of the phrases, longest first
    rate_limit_words: tuple[str, ...]
    rate_limit_strong: tuple[str, ...]
    disclaimer_markers: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def load_grammar() -> Grammar:
    """The shipped grammar, read once."""
    text = (resources.files("checker") / "data" / _GRAMMAR_RESOURCE).read_text(encoding="utf-8")
    return grammar_from_json(json.loads(text))


def grammar_from_json(data: object) -> Grammar:
    """Build the grammar from its JSON document; ValueError when it is malformed."""
    doc = _mapping(data, "grammar")
    labels: dict[str, str] = {}
    groups = doc.get("labels")
    if not isinstance(groups, list):
        raise ValueError("grammar: 'labels' must be a list")
    for group in groups:
        entry = _mapping(group, "labels[]")
        kind = entry.get("kind")
        if not isinstance(entry.get("source"), str) or kind not in _GRAMMAR_KINDS:
            raise ValueError(f"grammar: a label group needs a source and a known kind ({kind!r})")
        for label in _strings(entry.get("labels"), "labels"):
            labels.setdefault(_label_text(label), str(kind))
    keywords_doc = _mapping(doc.get("keywords"), "keywords")
    keywords = {
        kind: tuple(_strings(keywords_doc.get(kind, []), f"keywords.{kind}"))
        for kind in ("expires", "renewal_expires", "created", "updated")
    }

    def words(key: str, field_name: str) -> tuple[str, ...]:
        section = _mapping(doc.get(key), key)
        if not isinstance(section.get("source"), str):
            raise ValueError(f"grammar: '{key}' needs a source")
        return tuple(_norm(word) for word in _strings(section.get(field_name), key))

    return Grammar(
        labels=labels,
        keywords=keywords,
        contact_words=words("contact_words", "words"),
        value_label_words=tuple(
            frozenset(entry.split()) for entry in words("value_label_words", "words")
        ),
        object_keys=frozenset(words("object_keys", "keys")),
        not_found=words("not_found", "phrases"),
        reserved=words("reserved", "phrases"),
        lifecycle_phrases=(phrases := _phrase_states(doc.get("lifecycle_phrases"))),
        lifecycle_pattern=re.compile(
            "(?:"
            + ("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) or "(?!)")
            + r")(?![\w])"
        ),
        rate_limit_words=words("rate_limit_words", "words"),
        rate_limit_strong=words("rate_limit_strong", "words"),
        disclaimer_markers=words("disclaimer_markers", "words"),
    )


def _phrase_states(section: object) -> dict[str, str]:
    doc = _mapping(section, "lifecycle_phrases")
    if not isinstance(doc.get("source"), str):
        raise ValueError("grammar: 'lifecycle_phrases' needs a source")
    phrases = _mapping(doc.get("phrases"), "lifecycle_phrases.phrases")
    if not all(isinstance(word, str) for word in phrases.values()):
        raise ValueError("grammar: a lifecycle phrase must map to a status word")
    return {_norm(phrase): str(word) for phrase, word in phrases.items()}


def _label_text(label: str) -> str:
    return " ".join(label.replace("_", " ").replace("-", " ").split()).lower()


@dataclass(frozen=True)
class _Phrases:
    """Phrases found at word boundaries in normalised text; ``^`` makes one a whole line.

    Searched with ``str.find`` per phrase, which stays linear and fast on a 64 KiB answer
    where one regular expression alternating over every phrase would not."""

    phrases: tuple[tuple[str, bool], ...]  # (phrase, whole line)

    def search(self, text: str) -> int | None:
        """The offset of the earliest match in ``text``, or None."""
        best: int | None = None
        for phrase, whole_line in self.phrases:
            start = text.find(phrase)
            while start >= 0 and (best is None or start < best):
                end = start + len(phrase)
                if whole_line:
                    tail = text[end : end + 2]
                    ok = (start == 0 or text[start - 1] == "\n") and (
                        tail[:1] in ("", "\n") or (tail[:1] in ".!" and tail[1:] in ("", "\n"))
                    )
                else:
                    ok = (start == 0 or not _is_word(text[start - 1])) and (
                        end == len(text) or not _is_word(text[end])
                    )
                if ok:
                    best = start
                    break
                start = text.find(phrase, start + 1)
        return best


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


@functools.lru_cache(maxsize=64)
def _phrase_pattern(phrases: tuple[str, ...]) -> _Phrases:
    """The matcher for a set of phrases (cached: the tables' sets are few)."""
    anywhere = [p for p in phrases if p.strip() and not p.startswith("^")]
    # A phrase that contains another at word boundaries adds nothing to the search.
    kept = [
        phrase
        for phrase in dict.fromkeys(anywhere)
        if not any(
            other != phrase and re.search(rf"(?<!\w){re.escape(other)}(?!\w)", phrase)
            for other in anywhere
        )
    ]
    lines = [p[1:].strip() for p in phrases if p.startswith("^") and p[1:].strip()]
    return _Phrases(tuple((p, False) for p in kept) + tuple((p, True) for p in lines))


# --- reading the lines -------------------------------------------------------------------

_BRACKET_LINE = re.compile(
    r"^\s*(?:[a-z0-9]{1,2}\.?\s+)?\[(?P<key>[^\]\n]{1,60})\](?::)?\s*(?P<value>.*)$"
)
_LEADER_LINE = re.compile(
    r"^\s*(?P<key>[^\W\d_][^.:#\n]{0,60}?)\s*#?(?:\s?\.){3,}\s*(?P<value>[^\s.].*)$"
)
_SPACED_LINE = re.compile(
    r"^\s*(?P<key>[^\W\d_][\w./-]*(?: [\w./-]+){0,3})(?<![.,;])(?:\t+\s*|\s{2,})(?P<value>\S.*)$"
)
MAX_KEY_WORDS = 8
MAX_REFUSAL_LINE = 40  # a refusal that outweighs "not found" is a short line of its own
MAX_VERDICT_LINE = 60  # characters of a line inside a disclaimer still read for a verdict
_DOTTED = re.compile(r"[A-Za-z0-9-]\.[A-Za-z0-9]")
_TRAILING_COMMENT = re.compile(r"\s+#.*$")
_CLOCK_TAIL = re.compile(r"^\d{2}(?::\d{2})?(?:\s|$)")
_RWHOIS = re.compile(r"^(?P<key>[A-Z][A-Za-z]*(?:-[A-Za-z]+)*)(?:;[A-Z])?:(?P<value>.*)$")
_PARENTHESISED = re.compile(r"\([^)]*\)")
_NS_KEY = re.compile(r"^(?:ns|nserver|name ?server)[ _]?(?:name[ _]?)?\d{1,2}$")
_NS_HEADERS = frozenset(
    {"nameservers", "name servers", "name server", "nameserver", "nserver", "dns servers"}
)
_DMY_HINT = re.compile(r"dd\W*mm\W*(?:yy|aa)", re.IGNORECASE)
_MDY_HINT = re.compile(r"mm\W*dd\W*(?:yy|aa)", re.IGNORECASE)


@dataclass
class _Fields:
    guessed: set[str] = field(default_factory=set)  # kinds first read by a keyword rule
    echoes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    first: dict[str, str] = field(default_factory=dict)  # created/expires/updated/registrar
    orders: dict[str, Order] = field(default_factory=dict)  # date kind -> the label's hint

    def add(self, kind: str, value: str, order: Order | None = None, guessed: bool = False) -> None:
        if kind == "domain":
            self.echoes.append(value)
        elif kind == "status":
            self.statuses.append(value)
        elif kind == "nameservers":
            self.nameservers.append(value)
        elif kind not in self.first:
            self.first[kind] = value
            if order is not None:
                self.orders[kind] = order
            if guessed:
                self.guessed.add(kind)


def _split(line: str) -> tuple[str, str, bool] | None:
    """(key, value, written with a colon, brackets or a leader) for a field line, else None."""
    if "[" in line:
        found = _checked(_BRACKET_LINE.match(line))
        if found is not None:
            return found
    if ":" in line:
        found = _colon_field(line)
        if found is not None:
            return found
    if "..." in line or ". ." in line:
        found = _checked(_LEADER_LINE.match(line))
        if found is not None:
            return found
    match = _SPACED_LINE.match(line) if ("  " in line or "\t" in line) else None
    if match is not None and not _DOTTED.search(match["key"]):
        return match["key"], match["value"].strip(), False
    return None


def _colon_field(line: str) -> tuple[str, str, bool] | None:
    """``key: value`` read without a regular expression (the hot path of the reader)."""
    colon = line.find(":")
    if line.startswith("//", colon + 1):
        return None
    key = line[:colon].lstrip(" \t*>")
    if key[:1].isdigit():  # "1a. Domain Name :"
        number, dot, rest = key.partition(".")
        if not (dot and len(number) <= 3 and number[:1].isdigit()):
            return None
        key = rest.lstrip()
    key = key.rstrip()
    if not key or not key[0].isalpha() or len(key) > 80:
        return None
    if "." in key and _DOTTED.search(key):
        return None
    value = line[colon + 1 :].strip()
    if key[-1].isdigit() and _CLOCK_TAIL.match(value):
        return None  # "Record expires on Sun Mar 30 23:59:00 2014": a time, not a key
    if ":" in value and " " not in key:
        rwhois = _RWHOIS.match(value)
        if rwhois is not None:  # RWhois "class:Attribute:value"
            return rwhois["key"], rwhois["value"].strip(), True
    return key, value, True


def _checked(match: re.Match[str] | None) -> tuple[str, str, bool] | None:
    if match is None or _DOTTED.search(match["key"]):
        return None
    return match["key"], match["value"].strip(), True


@functools.lru_cache(maxsize=4096)
def _label_forms(key: str) -> tuple[tuple[str, ...], Order | None]:
    """The label spelled every way it may be listed, and a day/month hint it carries."""
    order: Order | None = None
    if _DMY_HINT.search(key):
        order = "dmy"
    elif _MDY_HINT.search(key):
        order = "mdy"
    bare = _PARENTHESISED.sub(" ", key).strip().rstrip(".").strip().lstrip("%#*>").strip()
    forms = [_label_text(bare)]
    if " / " in bare:  # two languages: "Nome de domínio / Domain Name"; not "State/Province"
        forms += [_label_text(part) for part in bare.split(" / ") if part.strip()]
    return tuple(form for form in forms if form), order


#: Labels not read inside terms of use, where no section tells a domain's "State:" from a
#: contact's address ("State......: CA" in .ai answers that are one long paragraph).
_ADDRESS_LIKE = frozenset({"state"})
_DOMAIN_PROSE = re.compile(
    r"^\s*domain(?: name)?\s+(?P<value>[^\s.]+(?:\.[^\s.]+)+)\.?\s*$", re.IGNORECASE
)
#: Dates read after a label with no colon. Not "updated": "Last updated on <date>" is
#: as often the database's timestamp as the record's.
_PROSE_KINDS = frozenset({"created", "expires", *_FALLBACK_EXPIRY})


@functools.lru_cache(maxsize=64)
def _prose_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(label) for label in labels) or "(?!)"
    return re.compile(rf"^(?P<label>{alternatives})\s+(?P<value>\S.*)$")


class _Reader:
    """Classifies labels for one profile (the registry's own, then the grammar's)."""

    def __init__(self, profile: WhoisProfile, grammar: Grammar) -> None:
        self.grammar = grammar
        self._exact: dict[tuple[tuple[str, ...], str | None], str | None] = {}
        self._guessed: dict[tuple[str, ...], str | None] = {}
        generic = load_table().generic.fields
        # The grammar refines the generic labels; a registry's own labels win over both.
        self.labels = {_label_text(name): kind for name, kind in generic.items()}
        self.labels.update(grammar.labels)
        self.labels.update(
            (_label_text(name), kind)
            for name, kind in profile.fields.items()
            if generic.get(name) != kind
        )
        dated = sorted(
            (
                label
                for label, kind in self.labels.items()
                if kind in _PROSE_KINDS and len(label) > 6
            ),
            key=len,
            reverse=True,
        )
        self._prose = _prose_pattern(tuple(dated))

    def trim(self) -> None:
        """Forget memoised decisions once there are many (bounded memory)."""
        if len(self._exact) + len(self._guessed) > MAX_MEMO:
            self._exact.clear()
            self._guessed.clear()

    def prose_label(self, line: str) -> tuple[str, str, bool] | None:
        """(label, value, True) for a date written after its label with no colon
        ('Record expires on 2011-11-09'), when the label is one the tables list."""
        match = self._prose.match(_label_text(line))
        if match is not None and parse_whois_date(match["value"]) is not None:
            return match["label"], match["value"], True
        echo = _DOMAIN_PROSE.match(line)  # "Domain GOOGLE.KG"
        if echo is not None:
            return "domain", echo["value"], True
        return None  # prose that starts like a label: "expiration date of the ..."

    def exact(self, forms: tuple[str, ...], section: str | None) -> str | None:
        """The kind of a label the registry's entry or the grammar lists exactly."""
        key = (forms, section)
        if key not in self._exact:
            self._exact[key] = self._exact_kind(forms, section)
        return self._exact[key]

    def _exact_kind(self, forms: tuple[str, ...], section: str | None) -> str | None:
        for form in forms:
            if section == "domain" and form in ("name", "domain name", "ldh name"):
                return "domain"
            if section == "registrar" and form in ("name", "organization", "organisation"):
                return "registrar"
            kind = self.labels.get(form)
            if kind is not None:
                return kind
            if _NS_KEY.match(form):
                return "nameservers"
        return None

    def kind(self, forms: tuple[str, ...], section: str | None) -> str | None:
        """The kind of a label: listed exactly, or by the keyword rules."""
        kind = self.exact(forms, section)
        if kind is not None:
            return kind
        if forms not in self._guessed:
            self._guessed[forms] = self._keyword_kind(forms)
        return self._guessed[forms]

    def _keyword_kind(self, forms: tuple[str, ...]) -> str | None:
        for form in forms:
            words = form.split()
            if any(word in words or word in form for word in self.grammar.contact_words):
                continue
            if "expir" in form and "registrar" in words:
                return "registrar_expires"
            for kind, keys in self.grammar.keywords.items():
                if any(key in form for key in keys):
                    return kind
        return None

    def names_one_value(self, forms: tuple[str, ...]) -> bool:
        """Whether a label left without a value is a field of one value (left empty)
        rather than a title opening a section."""
        words = set(" ".join(forms).split())
        return any(entry <= words for entry in self.grammar.value_label_words)

    def section_of(self, forms: tuple[str, ...]) -> str | None:
        """The section a header line opens (a label with no value, or a bare title)."""
        text = " ".join(forms)
        if any(word in text for word in ("name server", "nameserver", "dns", "domain servers")):
            return "nameservers"
        if "registrar" in text and not any(w in text for w in ("contact", "abuse")):
            return "registrar"
        if any(word in text.split() or word in text for word in self.grammar.contact_words):
            return "contact"
        if "domain" in text or "dominio" in text:
            return "domain"
        return "other"


def _marked_lines(norm: list[str], grammar: Grammar) -> list[bool]:
    """For each (normalised) line, whether it carries a disclaimer marker: one search of
    the whole answer, not one per line."""
    joined = " \n".join(norm)
    marked = [False] * len(norm)
    starts = [0]
    for text in norm[:-1]:
        starts.append(starts[-1] + len(text) + 2)
    for marker in grammar.disclaimer_markers:
        position = joined.find(marker)
        while position >= 0:
            line = bisect.bisect_right(starts, position) - 1
            marked[line] = True
            # the rest of this line is marked already: go on from the next one
            position = joined.find(
                marker, starts[line + 1] if line + 1 < len(starts) else len(joined)
            )
    return marked


_READERS: dict[int, tuple[WhoisProfile, Grammar, _Reader]] = {}
MAX_MEMO = 4096  # label decisions kept per reader; hostile answers cannot grow it further


def _reader(profile: WhoisProfile, grammar: Grammar) -> _Reader:
    """The reader for a profile, built once (the shipped table's profiles live for the run)."""
    cached = _READERS.get(id(profile))
    if cached is not None and cached[0] is profile and cached[1] is grammar:
        reader = cached[2]
        reader.trim()
        return reader
    if len(_READERS) >= 256:
        _READERS.clear()
    reader = _Reader(profile, grammar)
    _READERS[id(profile)] = (profile, grammar, reader)
    return reader


def _disclaimer_lines(norm: list[str], marked: list[bool]) -> list[bool]:
    """For each (normalised) line, whether it is part of a disclaimer paragraph (terms
    of use, copyright): several lines, or one long one, with a disclaimer marker."""
    flags = [False] * len(norm)
    start = 0
    for index in range(len(norm) + 1):
        if index < len(norm) and norm[index]:
            continue
        long_enough = index - start > 1 or (index > start and len(norm[start]) > 120)
        if index > start and long_enough and any(marked[start:index]):
            flags[start:index] = [True] * (index - start)
        start = index + 1
    return flags


def _read_fields(
    lines: list[str], profile: WhoisProfile, grammar: Grammar, disclaimer: list[bool]
) -> _Fields:
    reader = _reader(profile, grammar)
    found = _Fields()
    block: str | None = None  # kind whose values continue on the following lines
    block_order: Order | None = None
    section: str | None = None  # the section a header opened, until a blank line
    continued: str | None = None  # a list field whose values may go on, indented
    titled = False  # the last line was a title or a label with no value
    paragraph_start = True
    for raw, in_disclaimer in zip(lines, disclaimer, strict=True):
        line = raw[:MAX_LINE]
        stripped = line.strip()
        if in_disclaimer:
            # Terms of use: only a field under a label we know exactly, nothing else.
            colon = line.find(":")
            label = _label_text(line[:colon].lstrip(" \t*>")) if 0 < colon <= 80 else ""
            if (label in reader.labels and label not in _ADDRESS_LIKE) or _NS_KEY.match(label):
                split = _split(line)
                if split is not None and split[1]:
                    forms, order = _label_forms(split[0])
                    kind = reader.exact(forms, None)
                    if kind is not None:
                        found.add(kind, split[1], order)
            block = None
            continue
        if not stripped or stripped[0] in "%#":
            # A "Name Servers:" title's list may start after a blank line; other sections end.
            if not stripped and not (titled and section == "nameservers"):
                section = None
                block = None
                paragraph_start = True
            continued = None
            continue
        titled = False
        split = (
            _split(line)
            if (":" in line or "[" in line or "  " in line or "\t" in line or "..." in line)
            else None
        )
        if split is None:
            split = reader.prose_label(stripped)
        if split is None:
            if _norm(stripped).strip("*: ") in _NS_HEADERS:
                block, section = "nameservers", "nameservers"
            elif block:
                found.add(block, stripped, block_order)
            elif continued and line[:1].isspace():
                found.add(continued, stripped)  # "Domain status : a -\n    b -" (.kz)
                continue
            elif section == "nameservers" and _nameserver(stripped) is not None:
                found.add("nameservers", stripped)  # under a "Name Servers Information:" title
            elif (
                len(stripped) <= 60
                and ":" not in stripped.rstrip(":")  # a title, not an unread field
                and not _DOTTED.search(stripped)
                and not any(c.isdigit() for c in stripped)
            ):
                forms, _ = _label_forms(stripped.rstrip(":*").strip("* "))
                section = reader.section_of(forms)
                titled = True
            paragraph_start = False
            continued = None
            continue
        key, value, marked = split
        if len(_PARENTHESISED.sub(" ", key).split()) > MAX_KEY_WORDS:
            paragraph_start = False
            continue  # prose with a colon in it, not a label
        forms, order = _label_forms(key)
        first_key = paragraph_start
        paragraph_start = False
        if first_key and value and any(form in grammar.object_keys for form in forms):
            section = "object"
        kind = reader.exact(forms, section)
        guessed = kind is None
        if guessed:
            kind = reader.kind(forms, section)
        if kind is None and section == "nameservers" and value and _nameserver(value):
            kind = "nameservers"  # "Primary Server Hostname....: ns1.example.net" under a title
        if not marked and kind is None:
            continue
        if section in ("contact", "object") and kind != "nameservers":
            kind = None  # a contact's or another object's fields are not the domain's
        elif section == "registrar" and kind not in ("registrar", "nameservers"):
            kind = None
        continued = None
        if value:
            if kind:
                found.add(kind, value, order, guessed)
                if kind in ("status", "nameservers"):
                    continued = kind  # a list may go on, indented, on the next lines
            block = None
            continue
        if kind is None and reader.names_one_value(forms):
            continue  # 'Registrar WHOIS Server:' left blank is a field, not a section's title
        block, block_order = kind, order
        titled = True
        if kind is None:
            section = reader.section_of(forms)
        elif kind == "domain":
            section = "domain"
    return found


def _split_codes(status: str, word: str, name: str, vocabulary: Vocabulary) -> list[str]:
    """Several EPP codes written in one value with spaces between them
    ('clientDeleteProhibited clientTransferProhibited') as one status each, when every
    one is a known word; anything else stays whole (and unknown stays unknown)."""
    tokens = word.split()
    if len(tokens) < 2 or vocabulary.state(status, name) is not None:
        return [status]
    if not all(vocabulary.state(token, name) is not None for token in tokens):
        return [status]
    return [normalise_statuses(token)[0] for token in tokens if normalise_statuses(token)]


_STATUS_DATE = re.compile(r"(?:\buntil\b|\btill\b|\()\s*(?P<date>[^()]{6,40}?)\s*\)?\s*$", re.I)


def _status_expiry(
    statuses: list[str], name: str, order: Order | None, notes: list[str]
) -> datetime | None:
    """An expiry written into an active status (.ua 'OK-UNTIL 20140903121852', JPRS
    'Connected (2010/09/30)') when the answer has no expiry field."""
    vocabulary = load_vocabulary()
    for raw in statuses:
        match = _STATUS_DATE.search(raw)
        if match is None:
            continue
        head = raw[: match.start()]
        if vocabulary.state(head, name) not in ("active", "prohibited"):
            continue
        moment = parse_whois_date(match["date"], order)
        if moment is not None:
            notes.append(f"expiry read from the status '{sanitise(raw, 64)}'")
            return moment
    return None


# --- the verdict lines -------------------------------------------------------------------


@dataclass(frozen=True)
class _Lines:
    """Lines of an answer, normalised for matching (``text``) beside the server's words."""

    text: str
    raw: tuple[str, ...]

    def find(self, phrases: _Phrases) -> str | None:
        """The server's line where one of ``phrases`` first appears, or None."""
        start = phrases.search(self.text)
        if start is None:
            return None
        return self.raw[self.text.count("\n", 0, start)]


def _verdict_lines(
    lines: list[str], norm: list[str], disclaimer: list[bool], marked: list[bool]
) -> _Lines:
    """The lines that can carry the answer's verdict: all those outside disclaimer
    paragraphs, and the short lines inside one that carry no disclaimer marker
    (registries often end their terms with the verdict, no blank line between:
    '% Object "x.cat" NOT FOUND.')."""
    texts: list[str] = []
    raws: list[str] = []
    for index, raw in enumerate(lines):
        text = norm[index].strip("*>< ")
        if not text:
            continue
        if disclaimer[index] and (len(text) > MAX_VERDICT_LINE or marked[index]):
            continue
        texts.append(text)
        raws.append(raw[:MAX_LINE])
    return _Lines("\n".join(texts), tuple(raws))


def _not_found_pattern(profile: WhoisProfile, grammar: Grammar, forms: frozenset[str]) -> _Phrases:
    phrases: list[str] = []
    for phrase in (*profile.not_found, *grammar.not_found):
        if "{domain}" in phrase:
            phrases += [phrase.replace("{domain}", form) for form in sorted(forms)]
            phrases += [phrase.replace("{domain}", f'"{form}"') for form in sorted(forms)]
        else:
            phrases.append(phrase)
    phrases.append("^available")
    return _phrase_pattern(tuple(dict.fromkeys(phrases)))


def _other_name(line: str, forms: frozenset[str]) -> str | None:
    """A domain named in a not-found line when it is not the one asked."""
    for word in line.split():
        token = word.strip(_PUNCTUATION + "*")
        if not _DOTTED.search(token) or "/" in token or "@" in token:
            continue
        name = _echoed_name(token)
        if name in forms or token in forms:
            return None
        if name.count(".") >= 1 and all(part for part in name.split(".")):
            return token
    return None


# --- the parser --------------------------------------------------------------------------


def parse_whois(text: str, *, domain: str, server: str, url: str) -> Registration | LookupFailure:
    """Read a WHOIS answer for ``domain`` from ``server``; never raises.

    ``Registration(registered=False)`` needs a recognised "not found" phrasing outside
    the answer's disclaimer; ``registered=True`` needs the name echoed back plus a
    status, a date, a nameserver or a registrar, or a registry saying it holds the name
    back (status ``reserved``). A rate-limit text is recognised only in an answer that
    carries no record and no verdict. Answers about another name, contradictions and
    anything unrecognised are a :class:`LookupFailure` quoting the server.
    """
    return _parse(text, load_table().profile_for(domain), domain=domain, server=server, url=url)


def _parse(
    text: str, profile: WhoisProfile, *, domain: str, server: str, url: str
) -> Registration | LookupFailure:
    grammar = load_grammar()
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

    norm = [_norm(line[:MAX_LINE]) for line in lines]
    meaningful = [line for line, text in zip(lines, norm, strict=True) if text]
    if not meaningful:
        return failure("empty answer", retryable=True)

    marked = _marked_lines(norm, grammar)
    disclaimer = _disclaimer_lines(norm, marked)
    found = _read_fields(lines, profile, grammar, disclaimer)
    # Only a value that is a domain name echoes one; "(Handle x)" or a bare label is not.
    said_names = [
        value for value in found.echoes if _DOTTED.search(value.split()[0] if value.split() else "")
    ]
    echoes = [_echoed_name(value) for value in said_names]
    for echo, said in zip(echoes, said_names, strict=True):
        if echo and echo not in forms:  # an answer naming any other object is not about ours
            return failure(f"answer is about '{sanitise(said)}', not the name asked")

    notes: list[str] = []
    statuses: list[str] = []
    free_status = None
    vocabulary = load_vocabulary()
    for raw_status in found.statuses:
        for status, word, aliased in _read_statuses(raw_status, profile.status_aliases):
            if status in profile.free_statuses:
                free_status = raw_status
                continue
            for one in _split_codes(status, word, name, vocabulary):
                if one not in statuses:
                    if len(statuses) == MAX_ITEMS:  # never cut: the next could be the one
                        return failure(f"more than {MAX_ITEMS} statuses, over the number read")
                    statuses.append(one)
            note = f"registry status '{sanitise(word, 64)}' read as '{status}'"
            if aliased and note not in notes:
                notes.append(note)
    nameservers = list(
        dict.fromkeys(ns for ns in map(_nameserver, found.nameservers) if ns is not None)
    )[:MAX_ITEMS]
    registrar = (
        sanitise(found.first["registrar"], MAX_VALUE) if "registrar" in found.first else None
    )

    registry_order = order_for(name)
    dates: dict[str, datetime | None] = {}
    for kind in ("created", "expires", "updated", *_FALLBACK_EXPIRY):
        raw_date = found.first.get(kind)
        if raw_date is None or _norm(raw_date).strip(".\"'") in _NO_VALUE:
            dates[kind] = None
            continue
        value = _TRAILING_COMMENT.sub("", raw_date).strip("\"' ")  # .br "19961206 #24302"
        dates[kind] = parse_whois_date(value, found.orders.get(kind) or registry_order)
        if dates[kind] is None:
            if kind == "expires" and kind not in found.guessed:
                return failure(f"unreadable expiry date '{sanitise(raw_date)}'")
            notes.append(f"unreadable {kind.replace('_', ' ')} date '{sanitise(raw_date)}'")
    expires = dates["expires"]
    for kind, said in (
        ("renewal_expires", "the renewal date"),
        ("registrar_expires", "the registrar's expiration date"),
    ):
        if expires is None and dates[kind] is not None:
            expires = dates[kind]
            notes.append(f"no registry expiry date; {said} was used")
    if expires is None:
        expires = _status_expiry(found.statuses, name, registry_order, notes)

    evidence = bool(statuses or nameservers or registrar or dates["created"] or expires)
    verdict = _verdict_lines(lines, norm, disclaimer, marked)
    for raw_status in found.statuses:  # a status field that reports a refusal (.nz)
        status_line = _Lines(_norm(raw_status), (raw_status,))
        strong = (*profile.rate_limited, *grammar.rate_limit_strong)
        refusal = None
        if status_line.find(_phrase_pattern(strong)):
            refusal = ("rate-limited the query", raw_status, True)
        elif status_line.find(_phrase_pattern(profile.refused)):
            refusal = ("refused the query", raw_status, False)
        if refusal is not None:
            what, said, retryable = refusal
            return failure(f"server {what}: '{sanitise(said)}'", retryable=retryable)
    not_found_line = verdict.find(_not_found_pattern(profile, grammar, forms))
    if not evidence:
        # A throttled answer may also say "not found" (AFNIC "%% Too many requests..."):
        # a line of an answer with no record that starts with strong words, even in a
        # comment header; the same words inside a sentence of the terms do not count.
        throttled = next(
            (
                raw[:MAX_LINE]
                for text, raw in zip(norm, lines, strict=True)
                if len(text) <= MAX_REFUSAL_LINE
                and text.lstrip("%#*> ").startswith(grammar.rate_limit_strong)
            ),
            None,
        )
        if throttled is not None:
            return failure(f"server rate-limited the query: '{sanitise(throttled)}'", True)
    if not_found_line is not None and not evidence and not echoes:
        other = _other_name(not_found_line, forms)
        if other is not None:
            return failure(f"answer is about '{sanitise(other)}', not the name asked")
    if not_found_line is not None or free_status is not None:
        said = sanitise(not_found_line or free_status or "")
        if evidence:
            return failure(f"contradictory answer: '{said}' but registration data follows")
        return Registration(registered=False, source=EvidenceSource.WHOIS, url=url)
    if not evidence:
        refusal = _refusal(verdict, profile, grammar)
        if refusal is not None:
            what, said, retryable = refusal
            return failure(f"server {what}: '{sanitise(said)}'", retryable=retryable)
        reserved = verdict.find(_phrase_pattern(grammar.reserved))
        if reserved is not None:
            return Registration(
                registered=True,
                source=EvidenceSource.WHOIS,
                url=url,
                statuses=("reserved",),
                notes=(f"registry says: '{sanitise(reserved)}'",),
            )
    if evidence:
        for match in grammar.lifecycle_pattern.finditer(verdict.text):
            word = grammar.lifecycle_phrases[match[0]]  # the phrase as listed
            if word not in statuses:
                statuses.append(word)
                line = verdict.raw[verdict.text.count("\n", 0, match.start())]
                notes.append(f"registry says: '{sanitise(line)}'")
    if not echoes and dates["created"] and expires and (statuses or nameservers):
        # A full record that never names its subject (.tr): it answers the question asked,
        # as nothing in it names another object.
        notes.append("the answer does not repeat the domain name")
        echoes = [name]
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
        expires=expires,
        updated=dates["updated"],
        registrar=registrar,
        nameservers=tuple(nameservers),
        notes=tuple(notes),
    )


def _refusal(
    lines: _Lines, profile: WhoisProfile, grammar: Grammar
) -> tuple[str, str, bool] | None:
    """(what happened, the server's line, retryable) for an answer that is a refusal:
    only asked of an answer with no record and no verdict (or of a status field), so the
    same words in terms of use never turn a real answer into a refusal."""
    kinds = (
        ("rate-limited the query", profile.rate_limited, True),
        ("is unavailable", profile.unavailable, True),
        ("refused the query", profile.refused, False),
        ("rate-limited the query", grammar.rate_limit_words, True),
    )
    for what, phrases, retryable in kinds:
        line = lines.find(_phrase_pattern(tuple(phrases)))
        if line is not None:
            return what, line, retryable
    return None
