"""JSON-ready dicts for lookup evidence, and back.

The report writes ``domains[].registration`` with :func:`registration_to_dict` and the
cache stores evidence the same way. The ``*_from_dict`` functions read data that may
have been damaged or written by another version: they check every key and type and
raise :class:`ValueError` on anything that is not exactly what ``*_to_dict`` writes.

Dates are ISO 8601 in UTC with a ``Z`` and whole seconds (``2024-05-01T12:00:00Z``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from checker.model import DnsInfo, EvidenceSource, LookupFailure, ReasonCode, Registration, Risk

JsonDict = dict[str, Any]

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
