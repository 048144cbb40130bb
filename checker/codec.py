"""The JSON contract: the report (``schema_version`` 1) and the evidence the cache keeps.

Each object's keys are listed once, in a :class:`Shape` below; its writer (``*_to_dict``)
and its reader (``*_from_dict``) sit beside it, and ``checker/data/report.schema.json``
describes the same objects (``tests/test_codec_contract.py`` holds the three together).
:mod:`checker.report.json` lays the report's dicts out as a stream of text.

**One strictness rule for reading.** What is read back is only ever what this version
wrote: reports of the shards of one run (``merge``) and cache entries. So every object is
read strictly: a key the writer always writes must be present, a key it writes only with a
value (``Shape.optional``) is absent or holds one, and any other key is rejected, as is a
wrong type, an unknown enum word, a date without a zone or a derived figure (``summary``,
a verdict's ``risk``) that does not follow from the rest. An object that is accepted
re-encodes to exactly what was read. Tolerating unknown members would let a report of
another release lose them silently in a merged report that claims to hold its inputs
(never fail open); a damaged cache entry is a miss, never evidence. Every reader raises
:class:`ValueError` naming the path of the first bad field (``domains[3].reasons[0].code``).

Dates are ISO 8601 in UTC with a ``Z`` and whole seconds (``2024-05-01T12:00:00Z``).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from checker import __version__
from checker.ignores import Ignore, IgnoredDomain
from checker.model import (
    RISK_ORDER,
    Contact,
    ContactKind,
    DnsInfo,
    DomainResult,
    EvidenceSource,
    LookupFailure,
    Reason,
    ReasonCode,
    Registration,
    Report,
    Risk,
    Role,
    ScanError,
    SourceKind,
    SourceRef,
)
from checker.shard import MAX_SHARDS, ShardCoverage

JsonDict = dict[str, Any]
E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

#: The report schema version this release writes, and the only one it reads.
SCHEMA_VERSION = 1

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


# --- dates and bounded parsing ----------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """``value`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, fractions of a second dropped.

    A naive datetime is taken to be UTC already. Raises :class:`ValueError` when the
    instant cannot be expressed in UTC within years 1-9999.
    """
    if value.tzinfo is not None:
        try:
            value = value.astimezone(timezone.utc)
        except OverflowError as exc:
            raise ValueError(f"date out of range in UTC: {value!r}") from exc
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def parse_datetime(text: str) -> datetime:
    """Read an ISO 8601 date-time with a zone (``Z`` or ``±HH:MM``) into aware UTC.

    Accepts what :func:`format_datetime` writes, plus an offset and up to six digits of
    fractional seconds. Anything else, including a missing zone, raises ValueError.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a date string, got {type(text).__name__}")
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise ValueError(f"not an ISO 8601 UTC date-time: {text[:64]!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    microsecond = int(fraction.ljust(6, "0")) if fraction else 0
    if match.group(8) == "Z":
        zone = timezone.utc
    else:
        sign = -1 if match.group(9) == "-" else 1
        offset = timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        zone = timezone(sign * offset)  # raises ValueError past ±24h
    try:
        parsed = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=zone)
        return parsed.astimezone(timezone.utc)
    except OverflowError as exc:
        raise ValueError(f"date out of range: {text!r}") from exc


def loads_bounded(data: bytes, *, max_containers: int) -> Any:
    """``json.loads`` of outside bytes, refusing before parsing a document that could hold
    more than ``max_containers`` objects and arrays: a few MiB of ``{}`` would otherwise
    become gigabytes of dicts. Counting brackets overcounts (brackets inside strings), never
    undercounts, so a refusal is the only possible error. Raises ValueError."""
    containers = data.count(b"{") + data.count(b"[")
    if containers > max_containers:
        raise ValueError(f"more than {max_containers} JSON objects and arrays; not read")
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _date_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


# --- shapes and the strict reader -------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The keys of one JSON object: ``keys`` always written, ``optional`` only with a value."""

    keys: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        """Every key the object may hold."""
        return frozenset(self.keys + self.optional)

    def read(self, data: object, where: str) -> Fields:
        """``data`` checked against this shape (the module's strictness rule)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
        for key in self.keys:
            if key not in data:
                raise ValueError(f"{where}: missing key {key!r}")
        if len(data) > len(self.keys):
            names = self.names
            for key in data:
                if key not in names:
                    raise ValueError(f"{where}: unexpected key {str(key)[:32]!r}")
                if data[key] is None and key in self.optional:
                    raise ValueError(f"{where}.{key}: written only with a value, got null")
        return Fields(data, where)


class Fields:
    """The members of one checked object, read by type; errors name ``where.key``."""

    __slots__ = ("_data", "where")

    def __init__(self, data: Mapping[str, object], where: str) -> None:
        self._data = data
        self.where = where

    def at(self, key: str) -> str:
        """The path of ``key``, for messages."""
        return f"{self.where}.{key}" if self.where else key

    @property
    def mapping(self) -> Mapping[str, object]:
        """The checked object itself."""
        return self._data

    def raw(self, key: str) -> object:
        """The value of ``key``; None for an optional key that is absent."""
        return self._data.get(key)

    def text(self, key: str) -> str:
        return _text(self._data[key], self.at(key))

    def optional_text(self, key: str) -> str | None:
        value = self._data.get(key)
        return None if value is None else _text(value, self.at(key))

    def flag(self, key: str) -> bool:
        value = self._data[key]
        if not isinstance(value, bool):
            raise ValueError(f"{self.at(key)}: expected a boolean, got {type(value).__name__}")
        return value

    def optional_flag(self, key: str) -> bool | None:
        return None if self._data[key] is None else self.flag(key)

    def count(self, key: str, *, minimum: int = 0) -> int:
        return _count(self._data[key], self.at(key), minimum=minimum)

    def optional_line(self, key: str) -> int | None:
        value = self._data[key]
        return None if value is None else _count(value, self.at(key), minimum=1)

    def items(self, key: str) -> list[object]:
        value = self._data[key]
        if not isinstance(value, list):
            raise ValueError(f"{self.at(key)}: expected a list, got {type(value).__name__}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        at = self.at(key)
        return tuple(_text(item, f"{at}[{i}]") for i, item in enumerate(self.items(key)))

    def optional_texts(self, key: str) -> tuple[str, ...] | None:
        return None if self._data[key] is None else self.texts(key)

    def enum(self, enum_type: type[E], key: str) -> E:
        text = self.text(key)
        try:
            return enum_type(text)
        except ValueError:
            raise ValueError(f"{self.at(key)}: unknown value {text[:32]!r}") from None

    def date(self, key: str) -> datetime:
        try:
            return parse_datetime(self.text(key))
        except ValueError as exc:
            raise ValueError(f"{self.at(key)}: {exc}") from None

    def optional_date(self, key: str) -> datetime | None:
        return None if self._data.get(key) is None else self.date(key)

    def each(self, key: str, reader: Callable[[object, str], T]) -> tuple[T, ...]:
        """Every item of the list ``key``, read by ``reader(item, "where.key[i]")``."""
        at = self.at(key)
        return tuple(reader(item, f"{at}[{i}]") for i, item in enumerate(self.items(key)))


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _count(value: object, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}: expected an integer >= {minimum}, got {str(value)[:32]!r}")
    return value


REGISTRATION = Shape(
    (
        "registered",
        "statuses",
        "created",
        "expires",
        "updated",
        "reregistered",
        "registrar",
        "nameservers",
        "source",
        "url",
        "registrar_url",
        "notes",
    )
)
FAILURE = Shape(("code", "message", "url", "retryable"))
DNS = Shape(("nxdomain", "nameservers", "mail_routes", "parked_by", "resolver", "error"))
SOURCE = Shape(
    ("kind", "path", "line", "package"), optional=("version", "repository", "member", "uploaded")
)
CONTACT = Shape(
    (
        "email",
        "name",
        "role",
        "kind",
        "obfuscated",
        "domain",
        "registrable_domain",
        "note",
        "source",
    )
)
REASON = Shape(("code", "risk", "message"))
DOMAIN = Shape(
    ("domain", "risk", "reasons", "contacts", "registration", "dns", "checked_at", "cached")
)
IGNORED = Shape((*DOMAIN.keys, "ignored_by"))
IGNORE = Shape(("domain", "address", "reason", "until", "source"))
ERROR = Shape(("path", "line", "message"))
SHARD = Shape(("total", "indexes"))
TOOL = Shape(("name", "version"))
SUMMARY = Shape(
    (
        "files_scanned",
        "contacts",
        "contacts_by_kind",
        "domains",
        "by_risk",
        "highest_risk",
        "errors",
    )
)
REPORT = Shape(
    (
        "schema_version",
        "tool",
        "generated_at",
        "roots",
        "contacts",
        "domains",
        "errors",
        "ignored",
        "summary",
    ),
    optional=("shard",),
)


# --- registration -----------------------------------------------------------------------


def registration_to_dict(registration: Registration) -> JsonDict:
    """``registration`` as the report's ``domains[].registration`` object."""
    return {
        "registered": registration.registered,
        "statuses": list(registration.statuses),
        "created": _date_or_none(registration.created),
        "expires": _date_or_none(registration.expires),
        "updated": _date_or_none(registration.updated),
        "reregistered": _date_or_none(registration.reregistered),
        "registrar": registration.registrar,
        "nameservers": list(registration.nameservers),
        "source": registration.source.value,
        "url": registration.url,
        "registrar_url": registration.registrar_url,
        "notes": list(registration.notes),
    }


def registration_from_dict(data: object, where: str = "registration") -> Registration:
    """The :class:`Registration` that :func:`registration_to_dict` wrote; ValueError if not."""
    fields = REGISTRATION.read(data, where)
    return Registration(
        registered=fields.flag("registered"),
        source=fields.enum(EvidenceSource, "source"),
        url=fields.text("url"),
        statuses=fields.texts("statuses"),
        created=fields.optional_date("created"),
        expires=fields.optional_date("expires"),
        updated=fields.optional_date("updated"),
        reregistered=fields.optional_date("reregistered"),
        registrar=fields.optional_text("registrar"),
        nameservers=fields.texts("nameservers"),
        registrar_url=fields.optional_text("registrar_url"),
        notes=fields.texts("notes"),
    )


# --- failure ----------------------------------------------------------------------------


def failure_to_dict(failure: LookupFailure) -> JsonDict:
    """``failure`` as a JSON-ready object."""
    return {
        "code": failure.code.value,
        "message": failure.message,
        "url": failure.url,
        "retryable": failure.retryable,
    }


def failure_from_dict(data: object, where: str = "failure") -> LookupFailure:
    """The :class:`LookupFailure` that :func:`failure_to_dict` wrote; ValueError if not.

    Only codes whose risk is ``unknown`` are failures; any other code is rejected.
    """
    fields = FAILURE.read(data, where)
    code_text = fields.text("code")
    try:
        code = ReasonCode(code_text)
    except ValueError:
        raise ValueError(f"{where}.code: unknown reason code {code_text[:32]!r}") from None
    if code.risk is not Risk.UNKNOWN:
        raise ValueError(f"{where}.code: {code.value!r} is a finding, not a lookup failure")
    return LookupFailure(
        code=code,
        message=fields.text("message"),
        url=fields.optional_text("url"),
        retryable=fields.flag("retryable"),
    )


# --- dns --------------------------------------------------------------------------------


def dns_to_dict(dns: DnsInfo) -> JsonDict:
    """``dns`` as a JSON-ready object; unknown fields stay ``null``, never empty."""
    return {
        "nxdomain": dns.nxdomain,
        "nameservers": None if dns.nameservers is None else list(dns.nameservers),
        "mail_routes": None if dns.mail_routes is None else dict(dns.mail_routes),
        "parked_by": dns.parked_by,
        "resolver": dns.resolver,
        "error": dns.error,
    }


def dns_from_dict(data: object, where: str = "dns") -> DnsInfo:
    """The :class:`DnsInfo` that :func:`dns_to_dict` wrote; ValueError if not."""
    fields = DNS.read(data, where)
    routes = fields.raw("mail_routes")
    mail_routes: dict[str, bool] | None = None
    if routes is not None:
        at = fields.at("mail_routes")
        if not isinstance(routes, Mapping):
            raise ValueError(f"{at}: expected an object, got {type(routes).__name__}")
        mail_routes = {}
        for name, routed in routes.items():
            if not isinstance(name, str) or not isinstance(routed, bool):
                raise ValueError(f"{at}: expected domain names mapped to booleans")
            mail_routes[name] = routed
    return DnsInfo(
        nxdomain=fields.optional_flag("nxdomain"),
        nameservers=fields.optional_texts("nameservers"),
        mail_routes=mail_routes,
        parked_by=fields.optional_text("parked_by"),
        resolver=fields.optional_text("resolver"),
        error=fields.optional_text("error"),
    )


# --- contacts ---------------------------------------------------------------------------


def source_to_dict(source: SourceRef) -> JsonDict:
    """Where a contact was found; the optional members only when they have a value."""
    data: JsonDict = {
        "kind": source.kind.value,
        "path": source.path,
        "line": source.line,
        "package": source.package,
    }
    # Spelled out, not looped over: a dump's report has a million of these.
    if source.version is not None:
        data["version"] = source.version
    if source.repository is not None:
        data["repository"] = source.repository
    if source.member is not None:
        data["member"] = source.member
    if source.uploaded is not None:
        data["uploaded"] = format_datetime(source.uploaded)
    return data


def source_from_dict(data: object, where: str = "source") -> SourceRef:
    """The :class:`SourceRef` of a report contact; ValueError naming the bad field if not."""
    fields = SOURCE.read(data, where)
    return SourceRef(
        kind=fields.enum(SourceKind, "kind"),
        path=fields.optional_text("path"),
        line=fields.optional_line("line"),
        package=fields.optional_text("package"),
        version=fields.optional_text("version"),
        repository=fields.optional_text("repository"),
        member=fields.optional_text("member"),
        uploaded=fields.optional_date("uploaded"),
    )


def contact_to_dict(contact: Contact) -> JsonDict:
    """A report's ``contacts[]`` entry."""
    return {
        "email": contact.email,
        "name": contact.name,
        "role": contact.role.value,
        "kind": contact.kind.value,
        "obfuscated": contact.obfuscated,
        "domain": contact.domain,
        "registrable_domain": contact.registrable_domain,
        "note": contact.note,
        "source": source_to_dict(contact.source),
    }


def contact_from_dict(data: object, where: str = "contact") -> Contact:
    """A report's ``contacts[]`` entry; ValueError naming the bad field if not."""
    fields = CONTACT.read(data, where)
    return Contact(
        email=fields.text("email"),
        name=fields.optional_text("name"),
        role=fields.enum(Role, "role"),
        kind=fields.enum(ContactKind, "kind"),
        obfuscated=fields.flag("obfuscated"),
        domain=fields.optional_text("domain"),
        registrable_domain=fields.optional_text("registrable_domain"),
        source=source_from_dict(fields.raw("source"), fields.at("source")),
        note=fields.optional_text("note"),
    )


# --- verdicts ---------------------------------------------------------------------------


def domain_to_dict(result: DomainResult) -> JsonDict:
    """A report's ``domains[]`` entry."""
    return {
        "domain": result.domain,
        "risk": result.risk.value,
        "reasons": [
            {"code": r.code.value, "risk": r.risk.value, "message": r.message}
            for r in result.reasons
        ],
        "contacts": result.contacts,
        "registration": registration_to_dict(result.registration) if result.registration else None,
        "dns": dns_to_dict(result.dns) if result.dns else None,
        "checked_at": format_datetime(result.checked_at) if result.checked_at else None,
        "cached": result.cached,
    }


def _reason_from_dict(data: object, where: str) -> Reason:
    fields = REASON.read(data, where)
    code = fields.enum(ReasonCode, "code")
    risk = fields.enum(Risk, "risk")
    if risk not in code.risks:
        allowed = ", ".join(sorted(r.value for r in code.risks))
        raise ValueError(f"{fields.at('risk')}: {code.value!r} carries risk {allowed}")
    return Reason(code, fields.text("message"), None if risk is code.risk else risk)


def domain_from_dict(data: object, where: str = "domain", shape: Shape = DOMAIN) -> DomainResult:
    """A report's ``domains[]`` entry; ValueError naming the bad field if not.

    The risk must be the worst of the reasons' risks, and each reason's risk one its code
    can carry: a report whose verdicts were edited or garbled is not read.
    """
    fields = shape.read(data, where)
    reasons = fields.each("reasons", _reason_from_dict)
    risk = fields.enum(Risk, "risk")
    if risk is not Risk.worst(reason.risk for reason in reasons):
        raise ValueError(
            f"{fields.at('risk')}: {risk.value!r} is not the worst risk of its reasons"
        )
    registration = fields.raw("registration")
    if risk is Risk.NONE and registration is None:
        # The verdict never says healthy without a registration answer: a report that does
        # was not written by this tool, and must not pass for evidence.
        raise ValueError(f"{where}: risk 'none' without the registration it rests on")
    dns = fields.raw("dns")
    return DomainResult(
        domain=fields.text("domain"),
        risk=risk,
        reasons=reasons,
        registration=None
        if registration is None
        else registration_from_dict(registration, fields.at("registration")),
        dns=None if dns is None else dns_from_dict(dns, fields.at("dns")),
        checked_at=fields.optional_date("checked_at"),
        cached=fields.flag("cached"),
        contacts=fields.count("contacts"),
    )


# --- ignores ----------------------------------------------------------------------------


def ignore_to_dict(ignore: Ignore) -> JsonDict:
    """An ignore as the JSON report shows it."""
    return {
        "domain": ignore.domain,
        "address": ignore.address,
        "reason": ignore.reason,
        "until": ignore.until.isoformat() if ignore.until else None,
        "source": ignore.source,
    }


def _ignore_from_dict(data: object, where: str) -> Ignore:
    fields = IGNORE.read(data, where)
    until = fields.optional_text("until")
    try:
        until_date = None if until is None else date.fromisoformat(until)
    except ValueError:
        raise ValueError(f"{fields.at('until')}: not a date: {str(until)[:32]!r}") from None
    return Ignore(
        domain=fields.optional_text("domain"),
        address=fields.optional_text("address"),
        reason=fields.text("reason"),
        until=until_date,
        source=fields.text("source"),
    )


def ignored_to_dict(item: IgnoredDomain) -> JsonDict:
    """A report's ``ignored[]`` entry: the verdict and the ignores that cover it."""
    return {**domain_to_dict(item.result), "ignored_by": [ignore_to_dict(i) for i in item.ignores]}


def _ignored_from_dict(data: object, where: str) -> IgnoredDomain:
    result = domain_from_dict(data, where, IGNORED)
    ignores = IGNORED.read(data, where).each("ignored_by", _ignore_from_dict)
    if not ignores:
        raise ValueError(f"{where}.ignored_by: an ignored domain names no ignore")
    return IgnoredDomain(result, ignores)


# --- errors, shards, summary ------------------------------------------------------------


def error_to_dict(error: ScanError) -> JsonDict:
    """A report's ``errors[]`` entry."""
    return {"path": error.path, "line": error.line, "message": error.message}


def error_from_dict(data: object, where: str = "error") -> ScanError:
    """A report's ``errors[]`` entry; ValueError naming the bad field if not."""
    fields = ERROR.read(data, where)
    return ScanError(
        path=fields.text("path"),
        message=fields.text("message"),
        line=fields.optional_line("line"),
    )


def shard_to_dict(shard: ShardCoverage) -> JsonDict:
    """The shards a ``--shard`` run or a partial ``merge`` covers."""
    return {"total": shard.total, "indexes": list(shard.indexes)}


def _shard_from_dict(data: object, where: str = "shard") -> ShardCoverage:
    fields = SHARD.read(data, where)
    total = fields.count("total", minimum=1)
    if total > MAX_SHARDS:
        raise ValueError(f"{fields.at('total')}: more than {MAX_SHARDS} shards")
    indexes = [
        _count(item, f"{fields.at('indexes')}[{i}]", minimum=1)
        for i, item in enumerate(fields.items("indexes"))
    ]
    if not indexes or max(indexes) > total or sorted(set(indexes)) != indexes:
        raise ValueError(
            f"{fields.at('indexes')}: expected distinct shard numbers 1 to total, in order"
        )
    return ShardCoverage(total, tuple(indexes))


def summary(report: Report) -> JsonDict:
    """The report's ``summary``: figures derived from its lists."""
    by_risk = {risk.value: 0 for risk in RISK_ORDER}
    for result in report.domains:
        by_risk[result.risk.value] += 1
    by_kind = {kind.value: 0 for kind in ContactKind}
    for contact in report.contacts:
        by_kind[contact.kind.value] += 1
    return {
        "files_scanned": report.files_scanned,
        "contacts": len(report.contacts),
        "contacts_by_kind": by_kind,
        "domains": len(report.domains),
        "by_risk": by_risk,
        "highest_risk": report.highest_risk.value,
        "errors": len(report.errors),
    }


# --- reports ----------------------------------------------------------------------------


def report_head(report: Report) -> JsonDict:
    """The members written before the report's lists."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "domain-guard", "version": __version__},
        "generated_at": format_datetime(report.generated_at),
        "roots": list(report.roots),
    }


def report_lists(report: Report) -> dict[str, Iterable[JsonDict]]:
    """The report's long lists, each item made when it is iterated."""
    return {
        "contacts": (contact_to_dict(c) for c in report.contacts),
        "domains": (domain_to_dict(d) for d in report.domains),
        "errors": (error_to_dict(e) for e in report.errors),
        "ignored": (ignored_to_dict(i) for i in report.ignored),
    }


def report_tail(report: Report) -> JsonDict:
    """The members written after the report's lists (``shard`` only for a shard)."""
    tail: JsonDict = {"summary": summary(report)}
    if report.shard is not None:
        tail["shard"] = shard_to_dict(report.shard)
    return tail


def report_to_dict(report: Report) -> JsonDict:
    """The whole report as one dict (what :mod:`checker.report.json` streams)."""
    lists = {key: list(items) for key, items in report_lists(report).items()}
    return {**report_head(report), **lists, **report_tail(report)}


def report_from_dict(data: object) -> Report:
    """The :class:`Report` a ``--format json`` report (``schema_version`` 1) describes.

    The inverse of :func:`report_to_dict`, read by the module's strictness rule: the
    ``summary`` must be what the lists give. Raises ValueError naming the first bad field.
    """
    checked = REPORT.read(data, "report")
    version = checked.raw("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ValueError(f"schema_version: expected {SCHEMA_VERSION}, got {str(version)[:16]!r}")
    tool = TOOL.read(checked.raw("tool"), "tool")
    if tool.raw("name") != "domain-guard":
        raise ValueError("tool.name: not a domain-guard report")
    tool.text("version")
    fields = Fields(checked.mapping, "")  # members are named from the top: contacts[0].role
    written = SUMMARY.read(fields.raw("summary"), "summary")
    shard = fields.raw("shard")
    report = Report(
        contacts=fields.each("contacts", contact_from_dict),
        domains=fields.each("domains", domain_from_dict),
        errors=fields.each("errors", error_from_dict),
        generated_at=fields.date("generated_at"),
        roots=fields.texts("roots"),
        files_scanned=written.count("files_scanned"),
        ignored=fields.each("ignored", _ignored_from_dict),
        shard=None if shard is None else _shard_from_dict(shard),
    )
    for key, value in summary(report).items():
        if _canonical(written.raw(key)) != _canonical(value):
            raise ValueError(f"summary.{key}: does not match the report's lists ({value!r})")
    return report


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True)
