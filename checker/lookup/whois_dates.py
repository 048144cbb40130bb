"""Dates as WHOIS servers write them, read by their parts rather than by a list of formats.

A value is split into a date (year, month and day as numbers or a month name in one of
several languages), an optional time and an optional zone (``Z``, ``+03``, ``+0300``,
``(UTC+3)``, a named zone such as ``EAT``). Weekday names and ordinal suffixes
(``Monday 16th Jun 2014``) are dropped. Year-first dates are unambiguous; a
``03/08/2014`` is read day first or month first only when the registry's order is known
(``date_order`` in ``checker/data/whois-grammar.json``, or a ``(dd/mm/yyyy)`` hint in the
label) or one of the two numbers is above 12. Anything else is None, never a guess.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Literal

Order = Literal["dmy", "mdy"]

MAX_DATE_TEXT = 80


@dataclass(frozen=True)
class DateGrammar:
    """Month names, zone offsets and per-registry day/month order."""

    months: dict[str, int]
    zones: dict[str, float]
    orders: dict[str, Order]


@functools.lru_cache(maxsize=1)
def grammar() -> DateGrammar:
    """The date part of ``checker/data/whois-grammar.json``, read once."""
    text = (resources.files("checker") / "data" / "whois-grammar.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    orders: dict[str, Order] = {}
    for tld in doc["date_order"]["dmy"]:
        orders[tld] = "dmy"
    for tld in doc["date_order"]["mdy"]:
        orders[tld] = "mdy"
    return DateGrammar(
        months={k: int(v) for k, v in doc["months"]["names"].items()},
        zones={k: float(v) for k, v in doc["zones"]["hours"].items()},
        orders=orders,
    )


def order_for(domain: str) -> Order | None:
    """The day/month order the registry of ``domain`` writes, when known."""
    orders = grammar().orders
    labels = domain.lower().rstrip(".").split(".")
    for start in range(1, len(labels)):
        order = orders.get(".".join(labels[start:]))
        if order is not None:
            return order
    return None


_WEEKDAY = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\b,?",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_TIME = re.compile(
    r"(?:^|(?<=[\sT\d]))(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?\b)?",
    re.IGNORECASE,
)
_OFFSET = re.compile(
    r"(?:\(?\s*(?:utc|gmt)\s*)?(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?\s*\)?$",
    re.IGNORECASE,
)
_NAMED = re.compile(r"\(?\s*(?P<name>[a-z]{1,5})\s*\)?$", re.IGNORECASE)
_COMPACT = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?:(?P<rest>\d{4,6}))?$")
_HINT = re.compile(r"\((?:[ymdhs]+[-/. :]?){2,}\)", re.IGNORECASE)  # "(YYYY-MM-DD)", "(dd/mm/yyyy)"
_TOKEN = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


def parse_whois_date(text: str, order: Order | None = None) -> datetime | None:
    """A timezone-aware UTC datetime from a WHOIS date value, or None when unreadable.

    ``order`` is the registry's day/month order for dates that start with neither the
    year nor a month name. A value without a zone is read as UTC.
    """
    value = " ".join(text.split())
    if not value or len(value) > MAX_DATE_TEXT:
        return None
    value = _ORDINAL.sub("", _WEEKDAY.sub(" ", value)).strip(" ,.")
    compact = (
        _COMPACT.match(value.replace(" ", "").replace("T", "")) if value[:1].isdigit() else None
    )
    if compact and not re.search(r"[-/.:]", value):
        rest = compact["rest"] or ""
        return _build(
            int(compact["year"]),
            int(compact["month"]),
            int(compact["day"]),
            int(rest[0:2] or 0),
            int(rest[2:4] or 0),
            int(rest[4:6] or 0),
            timedelta(0),
        )
    value = _HINT.sub(" ", value).strip()
    hour = minute = second = 0
    time = _TIME.search(value)
    zone_text = ""  # a zone is read only after a time
    if time is not None:
        hour, minute = int(time["hour"]), int(time["minute"])
        second = int(time["second"] or 0)
        if time["ampm"]:
            hour = hour % 12 + (12 if time["ampm"].lower().startswith("p") else 0)
        zone_text = value[time.end() :]
        value = value[: time.start()] + " " + value[time.end() :]
    offset, value = _zone(zone_text, value)
    if offset is None:
        return None
    date = _date(value, order)
    if date is None:
        return None
    return _build(*date, hour, minute, second, offset)


def _zone(zone_text: str, value: str) -> tuple[timedelta | None, str]:
    """(the offset of the zone at the end of the value, the value without it)."""
    tail = zone_text.strip()
    if not tail:
        return timedelta(0), value
    match = _OFFSET.search(tail)
    if match is not None:
        minutes = int(match["minutes"] or 0)
        hours = int(match["hours"])
        if hours > 14 or minutes > 59:
            return None, value
        delta = timedelta(hours=hours, minutes=minutes)
        cut = value.rfind(match.group(0).strip())
        return (-delta if match["sign"] == "-" else delta), value[:cut]
    named = _NAMED.search(tail)
    if named is not None:
        zone_hours = grammar().zones.get(named["name"].lower())
        if zone_hours is not None:
            cut = value.rfind(named.group(0).strip())
            return timedelta(hours=zone_hours), value[:cut]
        if named["name"].lower() not in grammar().months:
            return None, value  # a zone we do not know: not read as UTC
    return timedelta(0), value


def _date(value: str, order: Order | None) -> tuple[int, int, int] | None:
    tokens = _TOKEN.findall(value.replace("T", " ") if re.search(r"\dT", value) else value)
    months = grammar().months
    numbers: list[int] = []
    digits: list[str] = []
    month_name: int | None = None
    for token in tokens:
        if token.isdigit():
            numbers.append(int(token))
            digits.append(token)
        elif token.lower() in months and month_name is None:
            month_name = months[token.lower()]
        elif token.lower() in ("t", "z", "utc", "gmt", "at", "de", "del", "of", "the"):
            continue
        else:
            return None
    if month_name is None and len(digits) == 1 and len(digits[0]) == 8:
        return int(digits[0][:4]), int(digits[0][4:6]), int(digits[0][6:])
    if month_name is not None:
        if len(numbers) != 2:
            return None
        if len(digits[0]) == 4:
            return numbers[0], month_name, numbers[1]
        if len(digits[1]) == 4:
            return numbers[1], month_name, numbers[0]
        return None
    if len(numbers) != 3:
        return None
    if len(digits[0]) == 4:
        return numbers[0], numbers[1], numbers[2]
    if len(digits[2]) == 2 and order is not None and "." not in value:
        numbers[2] += (
            2000 if numbers[2] < 70 else 1900
        )  # 16/09/14 from a registry whose order is known
    elif len(digits[2]) != 4:
        return None
    first, second, year = numbers
    if "." in value and "/" not in value:
        return year, second, first  # 23.01.2019: dotted dates are day first everywhere
    if first > 12 >= second:
        return year, second, first
    if second > 12 >= first:
        return year, first, second
    if first == second:
        return year, first, second
    if order == "dmy":
        return year, second, first
    if order == "mdy":
        return year, first, second
    return None


def _build(
    year: int, month: int, day: int, hour: int, minute: int, second: int, offset: timedelta
) -> datetime | None:
    try:
        moment = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=timezone(offset))
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None
