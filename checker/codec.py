"""JSON-ready dicts for lookup evidence, and back.

The report writes ``domains[].registration`` with :func:`registration_to_dict` and the
cache stores evidence the same way. The ``*_from_dict`` functions read data that may
have been damaged or written by another version: they check every key and type and
raise :class:`ValueError` on anything that is not exactly what ``*_to_dict`` writes.

Dates are ISO 8601 in UTC with a ``Z`` and whole seconds (``2024-05-01T12:00:00Z``).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from checker.model import (
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

if TYPE_CHECKING:
    from checker.ignores import IgnoredDomain
    from checker.shard import ShardCoverage

JsonDict = dict[str, Any]
E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

_REGISTRATION_KEYS = frozenset(
    {
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
    }
)
_FAILURE_KEYS = frozenset({"code", "message", "url", "retryable"})
_DNS_KEYS = frozenset({"nxdomain", "nameservers", "mail_routes", "parked_by", "resolver", "error"})

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


# --- dates ------------------------------------------------------------------------------


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


def _date_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


# --- strict readers ---------------------------------------------------------------------


def _checked_mapping(data: object, keys: frozenset[str], what: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected an object, got {type(data).__name__}")
    present = set(data)
    if present != keys:
        missing = sorted(keys - present)
        extra = sorted(str(key) for key in present - keys)
        raise ValueError(f"{what}: missing keys {missing}, unexpected keys {extra[:10]}")
    return data


def _bool(data: Mapping[str, object], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise ValueError(f"{key}: expected a boolean, got {type(value).__name__}")
    return value


def _optional_bool(data: Mapping[str, object], key: str) -> bool | None:
    return None if data[key] is None else _bool(data, key)


def _str(data: Mapping[str, object], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _optional_str(data: Mapping[str, object], key: str) -> str | None:
    return None if data[key] is None else _str(data, key)


def _str_tuple(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = data[key]
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list, got {type(value).__name__}")
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"{key}: expected strings, got {type(item).__name__}")
    return tuple(value)


def _optional_str_tuple(data: Mapping[str, object], key: str) -> tuple[str, ...] | None:
    return None if data[key] is None else _str_tuple(data, key)


def _optional_date(data: Mapping[str, object], key: str) -> datetime | None:
    value = data[key]
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected a date string, got {type(value).__name__}")
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None


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


def registration_from_dict(data: object) -> Registration:
    """The :class:`Registration` that :func:`registration_to_dict` wrote; ValueError if not."""
    fields = _checked_mapping(data, _REGISTRATION_KEYS, "registration")
    source = _str(fields, "source")
    try:
        evidence_source = EvidenceSource(source)
    except ValueError:
        raise ValueError(f"source: unknown evidence source {source[:32]!r}") from None
    return Registration(
        registered=_bool(fields, "registered"),
        source=evidence_source,
        url=_str(fields, "url"),
        statuses=_str_tuple(fields, "statuses"),
        created=_optional_date(fields, "created"),
        expires=_optional_date(fields, "expires"),
        updated=_optional_date(fields, "updated"),
        reregistered=_optional_date(fields, "reregistered"),
        registrar=_optional_str(fields, "registrar"),
        nameservers=_str_tuple(fields, "nameservers"),
        registrar_url=_optional_str(fields, "registrar_url"),
        notes=_str_tuple(fields, "notes"),
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


def failure_from_dict(data: object) -> LookupFailure:
    """The :class:`LookupFailure` that :func:`failure_to_dict` wrote; ValueError if not.

    Only codes whose risk is ``unknown`` are failures; any other code is rejected.
    """
    fields = _checked_mapping(data, _FAILURE_KEYS, "failure")
    code_text = _str(fields, "code")
    try:
        code = ReasonCode(code_text)
    except ValueError:
        raise ValueError(f"code: unknown reason code {code_text[:32]!r}") from None
    if code.risk is not Risk.UNKNOWN:
        raise ValueError(f"code: {code.value!r} is a finding, not a lookup failure")
    return LookupFailure(
        code=code,
        message=_str(fields, "message"),
        url=_optional_str(fields, "url"),
        retryable=_bool(fields, "retryable"),
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


def dns_from_dict(data: object) -> DnsInfo:
    """The :class:`DnsInfo` that :func:`dns_to_dict` wrote; ValueError if not."""
    fields = _checked_mapping(data, _DNS_KEYS, "dns")
    routes = fields["mail_routes"]
    mail_routes: dict[str, bool] | None = None
    if routes is not None:
        if not isinstance(routes, Mapping):
            raise ValueError(f"mail_routes: expected an object, got {type(routes).__name__}")
        mail_routes = {}
        for name, routed in routes.items():
            if not isinstance(name, str) or not isinstance(routed, bool):
                raise ValueError("mail_routes: expected domain names mapped to booleans")
            mail_routes[name] = routed
    return DnsInfo(
        nxdomain=_optional_bool(fields, "nxdomain"),
        nameservers=_optional_str_tuple(fields, "nameservers"),
        mail_routes=mail_routes,
        parked_by=_optional_str(fields, "parked_by"),
        resolver=_optional_str(fields, "resolver"),
        error=_optional_str(fields, "error"),
    )


# --- reports ----------------------------------------------------------------------------

#: The only report schema version :func:`report_from_dict` reads.
REPORT_SCHEMA_VERSION = 1


def _field(data: Mapping[str, object], key: str, where: str) -> object:
    if key not in data:
        raise ValueError(f"{where}: missing key {key!r}")
    return data[key]


def _object(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _optional_text(value: object, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: expected a boolean, got {type(value).__name__}")
    return value


def _count(value: object, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}: expected an integer >= {minimum}, got {str(value)[:32]!r}")
    return value


def _optional_line(value: object, where: str) -> int | None:
    return None if value is None else _count(value, where, minimum=1)


def _enum(enum_type: type[E], value: object, where: str) -> E:
    text = _text(value, where)
    try:
        return enum_type(text)
    except ValueError:
        raise ValueError(f"{where}: unknown value {text[:32]!r}") from None


def _date(value: object, where: str) -> datetime:
    try:
        return parse_datetime(_text(value, where))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _nested(reader: Callable[[object], T], value: object, where: str) -> T:
    try:
        return reader(value)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def source_from_dict(data: object, where: str = "source") -> SourceRef:
    """The :class:`SourceRef` of a report contact; ValueError naming the bad field if not."""
    fields = _object(data, where)

    def optional(key: str) -> str | None:
        return _text(fields[key], f"{where}.{key}") if key in fields else None

    uploaded = fields.get("uploaded")
    return SourceRef(
        kind=_enum(SourceKind, _field(fields, "kind", where), f"{where}.kind"),
        path=_optional_text(_field(fields, "path", where), f"{where}.path"),
        line=_optional_line(_field(fields, "line", where), f"{where}.line"),
        package=_optional_text(_field(fields, "package", where), f"{where}.package"),
        version=optional("version"),
        repository=optional("repository"),
        member=optional("member"),
        uploaded=None if uploaded is None else _date(uploaded, f"{where}.uploaded"),
    )


def contact_from_dict(data: object, where: str = "contact") -> Contact:
    """A report's ``contacts[]`` entry; ValueError naming the bad field if not."""
    fields = _object(data, where)

    def get(key: str) -> object:
        return _field(fields, key, where)

    return Contact(
        email=_text(get("email"), f"{where}.email"),
        name=_optional_text(get("name"), f"{where}.name"),
        role=_enum(Role, get("role"), f"{where}.role"),
        kind=_enum(ContactKind, get("kind"), f"{where}.kind"),
        obfuscated=_flag(get("obfuscated"), f"{where}.obfuscated"),
        domain=_optional_text(get("domain"), f"{where}.domain"),
        registrable_domain=_optional_text(get("registrable_domain"), f"{where}.registrable_domain"),
        source=source_from_dict(get("source"), f"{where}.source"),
        note=_optional_text(fields.get("note"), f"{where}.note"),
    )


def domain_from_dict(data: object, where: str = "domain") -> DomainResult:
    """A report's ``domains[]`` entry; ValueError naming the bad field if not.

    The risk must be the worst of the reasons' risks, and each reason's risk that of its
    code: a report whose verdicts were edited or garbled is not read.
    """
    from checker.verdict import worst_risk

    fields = _object(data, where)
    reasons = []
    for index, item in enumerate(_list(_field(fields, "reasons", where), f"{where}.reasons")):
        at = f"{where}.reasons[{index}]"
        reason_fields = _object(item, at)
        code = _enum(ReasonCode, _field(reason_fields, "code", at), f"{at}.code")
        severity = None
        if "risk" in reason_fields:
            severity = _enum(Risk, reason_fields["risk"], f"{at}.risk")
            if severity not in code.risks:
                allowed = ", ".join(sorted(risk.value for risk in code.risks))
                raise ValueError(f"{at}.risk: {code.value!r} carries risk {allowed}")
        message = _text(_field(reason_fields, "message", at), f"{at}.message")
        reasons.append(Reason(code, message, None if severity is code.risk else severity))
    risk = _enum(Risk, _field(fields, "risk", where), f"{where}.risk")
    if risk is not worst_risk(reasons):
        raise ValueError(f"{where}.risk: {risk.value!r} is not the worst risk of its reasons")
    registration = fields.get("registration")
    if risk is Risk.NONE and not isinstance(registration, dict):
        # The verdict never says healthy without a registration answer: a report that does
        # was not written by this tool, and must not pass for evidence.
        raise ValueError(f"{where}: risk 'none' without the registration it rests on")
    dns = fields.get("dns")
    checked_at = fields.get("checked_at")
    return DomainResult(
        domain=_text(_field(fields, "domain", where), f"{where}.domain"),
        risk=risk,
        reasons=tuple(reasons),
        registration=None
        if registration is None
        else _nested(registration_from_dict, registration, where),
        dns=None if dns is None else _nested(dns_from_dict, dns, where),
        checked_at=None if checked_at is None else _date(checked_at, f"{where}.checked_at"),
        cached=_flag(fields.get("cached", False), f"{where}.cached"),
        contacts=_count(fields.get("contacts", 0), f"{where}.contacts"),
    )


def error_from_dict(data: object, where: str = "error") -> ScanError:
    """A report's ``errors[]`` entry; ValueError naming the bad field if not."""
    fields = _object(data, where)
    return ScanError(
        path=_text(_field(fields, "path", where), f"{where}.path"),
        message=_text(_field(fields, "message", where), f"{where}.message"),
        line=_optional_line(fields.get("line"), f"{where}.line"),
    )


def _ignored_from_dict(data: object, where: str) -> IgnoredDomain:
    from datetime import date

    from checker.ignores import Ignore, IgnoredDomain

    result = domain_from_dict(data, where)
    ignores = []
    fields = _object(data, where)
    entries = _list(_field(fields, "ignored_by", where), f"{where}.ignored_by")
    for index, item in enumerate(entries):
        at = f"{where}.ignored_by[{index}]"
        entry = _object(item, at)
        until = _optional_text(entry.get("until"), f"{at}.until")
        try:
            until_date = None if until is None else date.fromisoformat(until)
        except ValueError:
            raise ValueError(f"{at}.until: not a date: {str(until)[:32]!r}") from None
        ignores.append(
            Ignore(
                domain=_optional_text(entry.get("domain"), f"{at}.domain"),
                address=_optional_text(entry.get("address"), f"{at}.address"),
                reason=_text(_field(entry, "reason", at), f"{at}.reason"),
                until=until_date,
                source=_text(entry.get("source", ""), f"{at}.source"),
            )
        )
    if not ignores:
        raise ValueError(f"{where}.ignored_by: an ignored domain names no ignore")
    return IgnoredDomain(result, tuple(ignores))


def _shard_from_dict(data: object) -> ShardCoverage:
    from checker.shard import MAX_SHARDS, ShardCoverage

    fields = _object(data, "shard")
    total = _count(_field(fields, "total", "shard"), "shard.total", minimum=1)
    if total > MAX_SHARDS:
        raise ValueError(f"shard.total: more than {MAX_SHARDS} shards")
    indexes = [
        _count(item, f"shard.indexes[{i}]", minimum=1)
        for i, item in enumerate(_list(_field(fields, "indexes", "shard"), "shard.indexes"))
    ]
    if not indexes or max(indexes) > total or sorted(set(indexes)) != indexes:
        raise ValueError("shard.indexes: expected distinct shard numbers 1 to total, in order")
    return ShardCoverage(total, tuple(indexes))


def report_from_dict(data: object) -> Report:
    """The :class:`Report` a ``--format json`` report (``schema_version`` 1) describes.

    The inverse of :func:`checker.report.json.report_to_dict`: ``ignored`` entries come back
    as :class:`~checker.ignores.IgnoredDomain` in ``ignored`` and ``shard`` as a
    :class:`~checker.shard.ShardCoverage` in ``shard``; the ``summary`` is checked
    against the lists, not read. Raises ValueError naming the first bad field. Members a
    later release may add are ignored.
    """
    fields = _object(data, "report")
    version = _field(fields, "schema_version", "report")
    if version != REPORT_SCHEMA_VERSION or isinstance(version, bool):
        raise ValueError(
            f"schema_version: expected {REPORT_SCHEMA_VERSION}, got {str(version)[:16]!r}"
        )
    tool = _object(_field(fields, "tool", "report"), "tool")
    if tool.get("name") != "domain-guard":
        raise ValueError("tool.name: not a domain-guard report")
    contacts = tuple(
        contact_from_dict(item, f"contacts[{i}]")
        for i, item in enumerate(_list(_field(fields, "contacts", "report"), "contacts"))
    )
    domains = tuple(
        domain_from_dict(item, f"domains[{i}]")
        for i, item in enumerate(_list(_field(fields, "domains", "report"), "domains"))
    )
    errors = tuple(
        error_from_dict(item, f"errors[{i}]")
        for i, item in enumerate(_list(_field(fields, "errors", "report"), "errors"))
    )
    roots = tuple(
        _text(item, f"roots[{i}]") for i, item in enumerate(_list(fields.get("roots", []), "roots"))
    )
    summary = _object(_field(fields, "summary", "report"), "summary")
    for key, items in (("contacts", contacts), ("domains", domains), ("errors", errors)):
        if _count(_field(summary, key, "summary"), f"summary.{key}") != len(items):
            raise ValueError(f"summary.{key}: does not match the {len(items)} {key} listed")
    ignored = tuple(
        _ignored_from_dict(item, f"ignored[{i}]")
        for i, item in enumerate(_list(fields.get("ignored", []), "ignored"))
    )
    shard = _shard_from_dict(fields["shard"]) if fields.get("shard") is not None else None
    return Report(
        contacts=contacts,
        domains=domains,
        errors=errors,
        generated_at=_date(_field(fields, "generated_at", "report"), "generated_at"),
        roots=roots,
        files_scanned=_count(summary.get("files_scanned", 0), "summary.files_scanned"),
        ignored=ignored,
        shard=shard,
    )
