"""``scan --metadata-dump FILE``: an export of PyPI's ``distribution_metadata`` table.

The file is JSON Lines or CSV (optionally gzip-compressed) with the table's columns
``name``, ``version``, ``author``, ``author_email``, ``maintainer``, ``maintainer_email``
and ``upload_time``; other columns are ignored. It is read as a stream in bounded memory:
a million rows carry a few hundred thousand addresses, so instead of every contact the
reader keeps, per registrable domain, its mail domains, how often addresses point at it,
the latest upload that carries one, and a sample of up to ``sample`` distinct addresses
(each with the latest release it appears in; the latest use of the domain is always in
the sample, for the ``re-registered`` check). Bad rows are counted; the first few become
:class:`~checker.model.ScanError` entries with their line numbers.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import gzip
import io
import json
import re
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from checker.addresses import MAX_FIELD_CHARS, clean_name
from checker.contacts import build_contacts, new_contact, spell
from checker.domains import Classification, DomainClassifier
from checker.errors import IncompleteRun
from checker.model import Contact, ContactKind, Report, Role, ScanError, SourceKind, SourceRef
from checker.sources.base import Collected, Extraction, FieldText, PersonFields

#: Distinct addresses listed per domain by default.
DEFAULT_SAMPLE = 20
#: Bad rows listed as errors; the rest are counted in one more error.
MAX_LISTED_BAD_ROWS = 10
#: Longest JSON line read; a longer line is a bad row (hostile input).
MAX_LINE_CHARS = 1024 * 1024
#: Groups kept for addresses that are not looked up (providers, invalid names).
MAX_OTHER_GROUPS = 1000
#: Rows whose parsed contact fields are remembered: a dump repeats a package's fields in
#: every file of every release. A million-row dump has ~135,000 distinct rows: ~90 MB here.
PARSE_CACHE_SIZE = 1 << 18
#: Rows whose person fields are longer than this together are parsed without the cache, so
#: the cache holds at most PARSE_CACHE_SIZE rows of this size (a hostile dump cannot fill
#: memory with megabyte-long fields).
CACHED_ROW_CHARS = 2048

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR = rf"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@{_LABEL}(?:\.{_LABEL})+"
#: One address and nothing else, ASCII, every label well formed: what most e-mail fields hold.
_PLAIN_ADDRESS = re.compile(_ADDR)
#: One item of the common address lists (``Name <addr>``, ``"Name" <addr>``, ``addr``): no
#: character that changes how :func:`checker.addresses.parse_addresses` splits, decodes or
#: searches the field (``, ; newline ( ) \ = @`` and quotes or angles in odd places).
_LIST_ITEM = re.compile(
    rf'(?:(?:[^<>@,;()"\\=\n]|"[^"\\<>@=,;\n]*")*<(?P<angle>{_ADDR})>|[ \t]*(?P<plain>{_ADDR}))'
    r"[ \t]*"
)
_AT_WORD = re.compile(r"(?<![A-Za-z0-9])at", re.IGNORECASE)
#: Name fields that mean "no name" (as :func:`checker.contacts.build_contacts` reads them).
_NO_NAME = frozenset({"unknown", "none", "null"})

COLUMNS = ("name", "version", "author", "author_email", "maintainer", "maintainer_email")
UPLOAD_TIME = "upload_time"
_ALL_COLUMNS = (*COLUMNS, UPLOAD_TIME)
_PERSON_COLUMNS = COLUMNS[2:]

#: One address of a row, classified: (role, email, name, kind, domain, registrable,
#: note, obfuscated).
_Found = tuple[Role, str, str | None, ContactKind, str | None, str | None, str | None, bool]
#: The release an address was seen in: (package, version, upload time).
_Use = tuple[str | None, str | None, datetime | None]
#: One address of a row, ready to count: (group key, mail domain to look up or None when
#: the address is not looked up, sample key, the address).
_Entry = tuple[str, str | None, tuple[Role, str], _Found]


class BadRow(IncompleteRun, ValueError):
    """A row that is not a ``distribution_metadata`` record."""


@dataclass(frozen=True)
class DumpResult:
    """What a dump says: a sample of contacts, and per-domain aggregates of all of them."""

    contacts: tuple[Contact, ...]
    #: Registrable domains that need a lookup, each with every mail domain below it.
    domains: Mapping[str, tuple[str, ...]]
    #: Per registrable domain, how many addresses in the dump point at it.
    counts: Mapping[str, int]
    errors: tuple[ScanError, ...]
    rows: int
    bad_rows: int
    addresses: int
    #: Addresses read from rows with a usable upload time (what ``re-registered`` needs).
    dated: int = 0

    def lookup_domains(self, base: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
        """``base`` (from contacts found elsewhere) with this dump's domains added."""
        merged = {name: set(mail) for name, mail in base.items()}
        for name, mail in self.domains.items():
            merged.setdefault(name, set()).update(mail)
        return {name: sorted(mail) for name, mail in sorted(merged.items())}

    def with_counts(self, report: Report) -> Report:
        """``report`` with each domain's contact count including the unsampled addresses."""
        sampled: dict[str, int] = {}
        for contact in self.contacts:
            if contact.kind is ContactKind.LOOKUP and contact.registrable_domain:
                key = contact.registrable_domain
                sampled[key] = sampled.get(key, 0) + 1
        domains = tuple(
            replace(r, contacts=r.contacts - sampled.get(r.domain, 0) + self.counts[r.domain])
            if r.domain in self.counts
            else r
            for r in report.domains
        )
        return replace(report, domains=domains)


class _Group:
    """Everything kept about the addresses of one registrable domain."""

    __slots__ = ("count", "latest", "latest_key", "latest_use", "sample")

    def __init__(self) -> None:
        self.count = 0
        self.sample: dict[tuple[Role, str], tuple[_Found, _Use]] = {}
        self.latest: datetime | None = None
        self.latest_key: tuple[Role, str] | None = None
        self.latest_use: tuple[_Found, _Use] | None = None


_UPLOAD_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"\s*(Z|UTC|[+-]\d{2}:?\d{2})?"
)


_UTC_NAMES = frozenset({"Z", "UTC"})


def parse_upload_time(value: str) -> datetime:
    """BigQuery's ``2024-05-01 12:00:00.123 UTC``, or ISO 8601 (``Z``, an offset, or no
    zone: UTC), as aware UTC. The same on every supported Python (3.10's fromisoformat
    refuses ``Z`` and most fractions)."""
    text = value.strip()
    match = _UPLOAD_TIME.fullmatch(text)
    if match is None:
        raise BadRow(f"upload_time: not a date: {value[:40]!r}")
    fraction, zone_text = match.group(7), match.group(8)
    try:
        # One row in every dump: the common UTC forms go through fromisoformat (C), which
        # takes them on every supported Python when the fraction has 3 or 6 digits.
        if (zone_text is None or zone_text in _UTC_NAMES) and (
            fraction is None or len(fraction) in (3, 6)
        ):
            return datetime.fromisoformat(text[: match.end(7 if fraction else 6)] + "+00:00")
        year, month, day, hour, minute, second = map(int, match.groups()[:6])
        micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
        if zone_text is None or zone_text in _UTC_NAMES:
            return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone.utc)
        digits = zone_text[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        zone = timezone(-offset if zone_text[0] == "-" else offset)
        moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise BadRow(f"upload_time: not a date: {value[:40]!r}") from None


class DumpReader:
    """Reads dumps into one :class:`DumpResult`; the parse cache lives as long as it does."""

    def __init__(
        self, classifier: DomainClassifier | None = None, *, sample: int = DEFAULT_SAMPLE
    ) -> None:
        self._classifier = classifier or DomainClassifier()
        self._sample = max(1, sample)
        # Keyed by the raw person fields of a row: a package carries the same fields in
        # every release and file, so most rows are answered from here.
        self._row = functools.lru_cache(maxsize=PARSE_CACHE_SIZE)(self._parse_row)
        # Addresses to look up and the others apart: a provider's subdomain shares its
        # registrable domain with addresses that still need a lookup.
        self._groups: dict[str, _Group] = {}
        self._other_groups: dict[str, _Group] = {}
        #: Each mail domain looked up, with its registrable domain.
        self._mail: dict[str, str] = {}
        self._errors: list[ScanError] = []
        self._rows = 0
        self._bad = 0
        self._bad_path = ""
        self._addresses = 0
        self._dated = 0

    def _parse_person(self, name: str | None, email: str | None) -> tuple[_Found, ...]:
        """The addresses of one author or maintainer (name and e-mail field), as an author.

        The same as :func:`checker.contacts.build_contacts`; the most common shapes, a
        list of plain ASCII addresses, bare or as ``Name <addr>``, beside a name field
        without an address, take a short cut (tested to agree).
        """
        plain_name = name is None or not _may_hold_address(name)
        if email is None and plain_name:
            return ()  # a bare name is only ever a display name: no contact of its own
        if plain_name and email is not None:
            listed = _simple_list(email)
            if listed is not None:
                return self._classified(listed, name)
        person = PersonFields(
            Role.AUTHOR,
            FieldText(name, None) if name else None,
            FieldText(email, None) if email else None,
        )
        extraction = Extraction(path="", kind=SourceKind.PYPI, people=(person,))
        return tuple(
            (c.role, c.email, c.name, c.kind, c.domain, c.registrable_domain, c.note, c.obfuscated)
            for c in build_contacts(extraction, self._classifier)
        )

    def _classified(
        self, listed: list[tuple[str, str, str | None, bool]], name: str | None
    ) -> tuple[_Found, ...]:
        """:meth:`_parse_person` for the addresses :func:`_simple_list` found."""
        hint = " ".join(name.split()) if name else None
        if hint is not None and (not hint or hint.lower() in _NO_NAME):
            hint = None
        named = hint is not None and len(listed) == 1
        found: list[_Found] = []
        for local, domain, display, bare in listed:
            kind = self._classifier.classify(domain)
            found.append(
                (Role.AUTHOR, spell(local, domain), hint if named and bare else display,
                 kind.kind, kind.domain, kind.registrable, kind.note, False)
            )  # fmt: skip
        return tuple(found)

    def _parse_row(
        self, author: str | None, author_email: str | None, maintainer: str | None,
        maintainer_email: str | None,
    ) -> tuple[_Entry, ...]:  # fmt: skip
        """Every address of a row's person fields (raw: ``""`` is no value), ready to count."""
        found = list(self._parse_person(author or None, author_email or None))
        if maintainer or maintainer_email:
            for item in self._parse_person(maintainer or None, maintainer_email or None):
                found.append((Role.MAINTAINER, *item[1:]))
        entries: list[_Entry] = []
        for role, written, name, kind, domain, registrable, note, obfuscated in found:
            # The same person turns up in many rows: share the strings (memory).
            email = sys.intern(written)
            item = (role, email, name and sys.intern(name), kind, domain, registrable, note,
                    obfuscated)  # fmt: skip
            lookup = kind is ContactKind.LOOKUP and domain is not None
            entries.append((registrable or domain or "", domain if lookup else None,
                            (role, email), item))  # fmt: skip
        return tuple(entries)

    def read(self, path: Path, display: str | None = None) -> None:
        """Add the rows of the dump at ``path``; unreadable files and bad rows become errors."""
        shown = display or path.as_posix()
        try:
            with _collector_paused(), path.open("rb") as raw:
                binary: io.BufferedReader | gzip.GzipFile = raw
                if raw.peek(2)[:2] == b"\x1f\x8b":
                    binary = gzip.GzipFile(fileobj=raw, mode="rb")
                csv_format = _is_csv(path, binary.peek(64))
                stream = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
                if csv_format:
                    self._read_csv(stream, shown)
                else:
                    self._read_jsonl(stream, shown)
        except (OSError, EOFError, zlib.error) as exc:
            message = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            self._errors.append(ScanError(shown, f"cannot read the metadata dump: {message}"))

    def _bad_row(self, shown: str, line: int, message: str) -> None:
        self._bad += 1
        self._bad_path = shown
        if self._bad <= MAX_LISTED_BAD_ROWS:
            self._errors.append(ScanError(shown, f"bad row: {message}", line))

    def _read_jsonl(self, stream: io.TextIOWrapper, shown: str) -> None:
        lines = _CappedLines(stream)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except _LineTooLong as exc:
                self._rows += 1
                self._bad_row(shown, lines.number, str(exc))
                continue
            number = lines.number
            if not line.strip():
                continue
            self._rows += 1
            try:
                record = _decode_line(line)
                if record.__class__ is not dict:
                    raise BadRow(f"expected a JSON object, got {type(record).__name__}")
                values = tuple(map(record.get, _ALL_COLUMNS))
                if not _STRING_OR_NONE.issuperset(map(type, values)):
                    values = tuple(_column(record, key) for key in _ALL_COLUMNS)  # raises
                self._add(*values)
            except ValueError as exc:  # json.JSONDecodeError and BadRow
                self._bad_row(shown, number, str(exc))
            except RecursionError:
                self._bad_row(shown, number, "JSON nested too deeply")

    def _read_csv(self, stream: io.TextIOWrapper, shown: str) -> None:
        lines = _CappedLines(stream)  # a line of a million commas is one bad row, not 1 GB
        reader = csv.reader(lines)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            self._errors.append(ScanError(shown, f"unreadable CSV header: {exc}", 1))
            return
        columns = [name.strip().lstrip("\ufeff").lower() for name in header or ()]
        if "name" not in columns or not any(c in columns for c in _PERSON_COLUMNS):
            self._errors.append(
                ScanError(
                    shown,
                    "not a distribution_metadata export: the header needs 'name' and at least "
                    f"one of {', '.join(_PERSON_COLUMNS)}",
                    1,
                )
            )
            return
        where = [columns.index(c) if c in columns else None for c in (*COLUMNS, UPLOAD_TIME)]
        width = len(columns)
        while True:
            start = lines.number + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._rows += 1
                self._bad_row(shown, start, f"unreadable CSV: {exc}")
                continue
            except _LineTooLong as exc:
                self._rows += 1
                self._bad_row(shown, start, str(exc))
                reader = csv.reader(lines)  # start afresh after the skipped line
                continue
            if not row:
                continue
            self._rows += 1
            if len(row) != width:
                self._bad_row(shown, start, f"{len(row)} fields, the header has {width}")
                continue
            try:
                self._add(*(row[i] or None if i is not None else None for i in where))
            except BadRow as exc:
                self._bad_row(shown, start, str(exc))

    def _add(
        self, name: str | None, version: str | None, author: str | None,
        author_email: str | None, maintainer: str | None, maintainer_email: str | None,
        upload_time: str | None,
    ) -> None:  # fmt: skip
        """Count one row; empty strings are no value. The hot loop of a dump.

        Raises BadRow for a person field too long to read (its addresses would be lost
        silently otherwise) and, after counting the row's addresses undated, for an
        upload time that is not a date.
        """
        fields = (author, author_email, maintainer, maintainer_email)
        size = (
            len(author or "") + len(author_email or "")
            + len(maintainer or "") + len(maintainer_email or "")
        )  # fmt: skip
        if size > CACHED_ROW_CHARS:
            for column, value in zip(_PERSON_COLUMNS, fields, strict=True):
                if value and len(value) > MAX_FIELD_CHARS:
                    raise BadRow(f"{column}: longer than {MAX_FIELD_CHARS} characters; not read")
            entries = self._parse_row(*fields)  # rare and large: not worth a cache slot
        else:
            entries = self._row(*fields)
        if not entries:
            return
        time_error = None
        try:
            uploaded = parse_upload_time(upload_time) if upload_time else None
        except BadRow as exc:
            uploaded, time_error = None, f"{exc} (its addresses are checked, undated)"
        use: _Use = (name or None, version or None, uploaded)
        self._addresses += len(entries)
        if uploaded is not None:
            self._dated += len(entries)
        groups, others, limit = self._groups, self._other_groups, self._sample
        for key, mail, contact_key, item in entries:
            if mail is not None:
                self._mail[mail] = key
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Group()
            else:
                group = others.get(key)
                if group is None:
                    if len(others) >= MAX_OTHER_GROUPS:
                        continue  # counted in ``addresses``, never looked up anyway
                    group = others[key] = _Group()
            group.count += 1
            sample = group.sample
            this = None
            kept = sample.get(contact_key)
            if kept is not None:
                if uploaded is not None and (kept[1][2] is None or uploaded > kept[1][2]):
                    sample[contact_key] = this = (item, use)
            elif len(sample) < limit:
                sample[contact_key] = this = (item, use)
            if uploaded is not None and (group.latest is None or uploaded > group.latest):
                group.latest = uploaded
                group.latest_key = contact_key
                group.latest_use = this or (item, use)
        if time_error is not None:
            raise BadRow(time_error)

    def drop_cache(self) -> None:
        """Free the parse cache (when no more dumps come): the result fits in its place."""
        self._row.cache_clear()

    def result(self) -> DumpResult:
        """Everything read so far."""
        with _collector_paused():
            return self._result()

    def _result(self) -> DumpResult:
        contacts: list[Contact] = []
        mail: dict[str, list[str]] = {}
        for name, key in self._mail.items():
            mail.setdefault(key, []).append(name)
        domains = {key: tuple(sorted(mail[key])) for key in sorted(self._groups)}
        counts = {key: self._groups[key].count for key in domains}
        for key in sorted(self._groups.keys() | self._other_groups.keys()):
            for group in (self._groups.get(key), self._other_groups.get(key)):
                if group is None:
                    continue
                entries = list(group.sample.values())
                if group.latest_use is not None and group.latest_key not in group.sample:
                    entries.append(group.latest_use)
                contacts.extend(_contact(found, use) for found, use in entries)
        if self._bad > MAX_LISTED_BAD_ROWS:
            self._errors.append(
                ScanError(
                    self._bad_path,
                    f"{self._bad - MAX_LISTED_BAD_ROWS} more bad rows not listed "
                    f"({self._bad} in all)",
                )
            )
        return DumpResult(
            contacts=tuple(contacts),
            domains=domains,
            counts=counts,
            errors=tuple(self._errors),
            rows=self._rows,
            bad_rows=self._bad,
            addresses=self._addresses,
            dated=self._dated,
        )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a dump is read.

    The reader makes no reference cycles, but its parse cache and samples hold millions
    of tuples that every full collection walks again: a third of a million-row read.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_metadata_dumps(
    paths: Sequence[Path],
    classifier: DomainClassifier | None = None,
    *,
    sample: int = DEFAULT_SAMPLE,
) -> DumpResult:
    """Read every dump in ``paths`` into one :class:`DumpResult`."""
    reader = DumpReader(classifier, sample=sample)
    for path in paths:
        reader.read(path)
    reader.drop_cache()
    return reader.result()


@dataclass(frozen=True)
class MetadataDumps:
    """``--metadata-dump`` files as a :class:`~checker.sources.base.Source`: read into one
    aggregate, said on ``info`` (and a warning on ``say`` when no row is dated)."""

    paths: Sequence[Path]
    classifier: DomainClassifier
    say: Callable[[str], None]
    info: Callable[[str], None]

    def collect(self) -> Collected:
        """The dumps' sample of contacts, with their aggregates in ``dump``."""
        dump = read_metadata_dumps(self.paths, self.classifier)
        # What the dump left is kept to the end of the run: the collector need not walk its
        # million objects again on every full pass while verdicts and the report are made.
        # One collection first (the read ran without one): garbage is not frozen with them.
        gc.collect()
        gc.freeze()
        self.info(
            f"metadata dump: {dump.rows:,} rows ({dump.bad_rows:,} bad), "
            f"{dump.addresses:,} addresses ({dump.dated:,} with an upload time), "
            f"{len(dump.domains):,} registrable domains to look up; "
            f"the report lists up to {DEFAULT_SAMPLE} addresses per domain"
        )
        if dump.addresses and not dump.dated:
            self.say(
                "warning: no row has a usable upload_time: the re-registered check cannot "
                "compare registration dates with the last use of an address"
            )
        roots = tuple(p.as_posix() for p in self.paths)
        return Collected(dump.contacts, dump.errors, len(self.paths), roots, dump)


_DECODER = json.JSONDecoder()
_JSON_SPACE = " \t\n\r"
_LOADS_FIRST = _JSON_SPACE + "\ufeff"  # json.loads skips leading space, rejects a BOM
_STRING_OR_NONE = frozenset({str, type(None)})


def _decode_line(line: str) -> object:
    """``json.loads(line)``, without its per-call overhead for the usual line."""
    if line[0] in _LOADS_FIRST:
        return json.loads(line)
    value, end = _DECODER.raw_decode(line)
    if end != len(line) and line[end:].strip(_JSON_SPACE):
        return json.loads(line)  # raises "Extra data" with its position
    return value


def _simple_list(email: str) -> list[tuple[str, str, str | None, bool]] | None:
    """(local, domain, display name, bare) of each address of a common address list.

    The answer :func:`checker.addresses.parse_addresses` gives, for lists of ``addr``,
    ``Name <addr>`` and ``"Name" <addr>`` items of plain ASCII addresses; None for
    anything else.
    """
    if len(email) > MAX_FIELD_CHARS:
        return None
    unique: dict[str, tuple[str, str, str | None, bool]] = {}
    for item in email.split(","):
        match = _LIST_ITEM.fullmatch(item)
        if match is None:
            return None
        address = match.group("plain")
        if address is None:
            address = match.group("angle")
            before = item[: match.start("angle") - 1]
            display = clean_name(before)
            bare = display is None and not before.strip()
        else:
            display, bare = None, True
        local, _, domain = address.partition("@")
        key = f"{local}@{domain.lower()}"
        kept = unique.get(key)
        if kept is None or (kept[2] is None and display is not None):
            unique[key] = (local, domain, display, bare)
    return list(unique.values())


def _may_hold_address(text: str) -> bool:
    """False when ``text`` cannot contain an address, plain, obfuscated or RFC 2047 encoded.

    Every obfuscated "at" the address parser knows starts after a space, a bracket, an
    underscore or a non-word character, never inside a word ("Matthew").
    """
    return "@" in text or "=?" in text or _AT_WORD.search(text) is not None


class _LineTooLong(Exception):
    """A physical line over MAX_LINE_CHARS (already skipped)."""


class _CappedLines:
    """The lines of a text stream, each at most MAX_LINE_CHARS; a longer one is skipped
    and announced by raising :class:`_LineTooLong` from that ``next`` (iteration goes on)."""

    def __init__(self, stream: io.TextIOWrapper) -> None:
        self._stream = stream
        self.number = 0  # physical lines read so far

    def __iter__(self) -> _CappedLines:
        return self

    def __next__(self) -> str:
        line = self._stream.readline(MAX_LINE_CHARS)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            while (rest := self._stream.readline(MAX_LINE_CHARS)) and not rest.endswith("\n"):
                pass
            raise _LineTooLong(f"longer than {MAX_LINE_CHARS} characters")
        return line


def _column(record: Mapping[str, object], key: str) -> str | None:
    value = record.get(key)
    if value.__class__ is str:
        return value or None
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRow(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _is_csv(path: Path, head: bytes) -> bool:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return True
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return False
    # No telling suffix: JSON Lines start with an object.
    return not head.lstrip().startswith(b"{")


def _contact(found: _Found, use: _Use) -> Contact:
    role, email, name, kind, domain, registrable, note, obfuscated = found
    package, version, uploaded = use
    local, _, written = email.rpartition("@")  # already spelled: spelling it again is a no-op
    return new_contact(
        local,
        written,
        name=name,
        role=role,
        classification=Classification(kind, domain, registrable, note),
        source=SourceRef(kind=SourceKind.PYPI, package=package, version=version, uploaded=uploaded),
        obfuscated=obfuscated,
    )
