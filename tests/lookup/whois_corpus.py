"""Reading the shared whois-parser corpus in place and judging each answer against it.

The corpus (``../shared/fixtures/whois-parser/`` from the project root; MIT, provenance
in its README) holds real WHOIS answers, ``<server>/<tld>/<name>.txt``, each with a
``.expected`` file in whois-parser's notation. Nothing of it is copied here: the test
(and ``python -m tests.lookup.whois_corpus`` for a summary) read it where it is.

Each answer is judged as of its own capture time, estimated from the answer's own dates
(the newest "updated" or "created" date it states, or the database timestamp it prints),
so an expiry date that had not passed when the answer was captured does not decide it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from checker.lookup.whois_parse import parse_whois, parse_whois_date
from checker.model import LookupFailure, Registration
from checker.verdict import judge

PROJECT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT.parent / "shared" / "fixtures" / "whois-parser" / "responses"

#: whois-parser's ``#status`` symbols -> the reading domain-guard must give. A symbol
#: names a class; several reason codes can express one registry state (a JPRS
#: "Suspended" name is past expiry and held: ``expired`` or ``on-hold`` both say so).
LIFECYCLE_CLASSES: dict[str, frozenset[str]] = {
    # whois-parser files EPP pendingDelete under :redemption; the registry's word decides
    "redemption": frozenset({"redemption", "pending-delete"}),
    "pending_delete": frozenset({"pending-delete"}),
    "expired": frozenset({"expired", "on-hold", "pending-delete", "redemption"}),
    "suspended": frozenset({"on-hold", "pending-delete", "expired"}),
    "inactive": frozenset({"inactive", "on-hold"}),
    "reserved": frozenset({"registry-reserved"}),
}
#: Reason codes that say the registration is at risk (the others are healthy notes).
LIFECYCLE_CODES = frozenset(
    {
        "pending-delete",
        "redemption",
        "expired",
        "auto-renew-grace",
        "on-hold",
        "inactive",
        "registry-reserved",
        "unregistered",
    }
)


@dataclass(frozen=True)
class Expected:
    """What whois-parser says one answer means (only the properties a verdict uses)."""

    verdict: str | None  # available, registered, throttled, failure, or a lifecycle class
    statuses: tuple[str, ...] = ()
    expires: str | None = None  # the date as whois-parser writes it
    domain: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How one answer was judged."""

    path: str
    expected: Expected
    reading: str  # available, registered, throttled, failure, unknown, or reason codes
    exact: bool
    misread: bool
    expiry_found: bool | None  # None when the answer states no expiry
    detail: str


_PROPERTY = re.compile(r"^#(?P<name>[a-z_?]+)\s*\n(?P<body>(?:[ \t]+.*\n?)*)", re.MULTILINE)


def read_expected(text: str) -> Expected:
    """The verdict-relevant properties of a ``.expected`` file."""
    props: dict[str, str] = {}
    for match in _PROPERTY.finditer(text):
        props[match["name"]] = match["body"].strip()

    def value(name: str) -> str | None:
        body = props.get(name, "")
        found = re.search(r"%s == (.*)", body)
        return found[1].strip() if found else None

    verdict: str | None = None
    statuses: tuple[str, ...] = ()
    status = value("status")
    if value("response_throttled?") == "true":
        verdict = "throttled"
    elif status and status.startswith(":"):
        symbol = status[1:]
        if symbol in ("available",):
            verdict = "available"
        elif symbol in ("registered",):
            verdict = "registered"
        elif symbol in ("invalid", "unavailable", "incomplete"):
            verdict = "failure"
        else:
            verdict = symbol
    elif status and status.startswith("["):
        statuses = tuple(re.findall(r'"((?:[^"\\]|\\.)*)"', status))
        verdict = "registered" if statuses else None
    if verdict in (None, "registered") and value("reserved?") == "true":
        verdict = "reserved"
    if verdict is None:
        if value("available?") == "true":
            verdict = "available"
        elif value("registered?") == "true":
            verdict = "registered"
    expires: str | None = None
    body = props.get("expires_on", "")
    stated = re.search(r'%TIME\{([^}]*)\}|Time\.parse\("([^"]*)"\)', body)
    if stated:
        expires = stated[1] or stated[2]
    domain = value("domain")
    return Expected(
        verdict=verdict,
        statuses=statuses,
        expires=expires,
        domain=domain.strip('"') if domain and domain.startswith('"') else None,
    )


def _subject(answer: str, tld: str, expected: Expected, stem: str) -> str:
    """The name the answer was asked about: stated, or the one it names, or the
    convention whois-parser used (``u34jedzcq`` for free names, ``google`` for taken)."""
    if expected.domain:
        return expected.domain.lower()
    suffix = re.escape(tld)
    labelled = re.search(
        r"^[ \t%#*>]*(?:[a-z]\.[ \t]*)?\[?(?:domain(?:[ _-]?name)?|dominio|nombre de dominio"
        r"|domaine|query|no match for(?: domain)?)\]?[ \t]*[:.]*[ \t]*\n?[ \t]*\"?"
        rf"((?:[\w-]+\.)+{suffix})\.?\"?(?![\w.-])",
        answer,
        re.IGNORECASE | re.MULTILINE,
    )
    if labelled:
        return labelled[1].lower()
    names = re.findall(rf"(?<![\w.@/-])((?:[\w-]+\.)+{suffix})(?![\w.-])", answer, re.IGNORECASE)
    names = [n.lower() for n in names if not n.lower().startswith(("www.", "whois."))]
    for hint in ("u34jedzcq", "google"):
        for name in names:
            if name.split(".")[0] == hint:
                return name
    if names:
        return Counter(names).most_common(1)[0][0]
    free = expected.verdict == "available" or "available" in stem
    return f"{'u34jedzcq' if free else 'google'}.{tld}"


_STAMP = re.compile(
    r"(?:last update of whois database|database last updated|whois database updated"
    r"|timestamp|record last updated|last updated)[^:\d]*:?\s*(?P<date>[^<\n]{6,40})",
    re.IGNORECASE,
)


def capture_time(answer: str, registration: Registration | None) -> datetime:
    """When the answer was captured, as near as its own text tells."""
    moments: list[datetime] = []
    for match in _STAMP.finditer(answer):
        moment = parse_whois_date(match["date"].strip().rstrip(". "))
        if moment is not None:
            moments.append(moment)
    if registration is not None:
        moments += [m for m in (registration.updated, registration.created) if m is not None]
        if not moments and registration.expires is not None:
            # Nothing dates the capture: take the expiry as not yet reached.
            moments.append(registration.expires - timedelta(days=180))
    return (
        max(moments) + timedelta(hours=1) if moments else datetime(2015, 1, 1, tzinfo=timezone.utc)
    )


def _expected_moment(text: str) -> datetime | None:
    value = text.strip()
    named = re.fullmatch(r"(.*\d)\s+([A-Z]{3})", value)
    if named and named[2] not in ("UTC", "GMT"):
        zone = {"EAT": 3, "WAT": 1, "CET": 1, "JST": 9}.get(named[2])
        base = parse_whois_date(named[1])
        return None if base is None or zone is None else base - timedelta(hours=zone)
    if re.fullmatch(r"\d{2}/\d{2}/\d{2}", value):  # Ruby read yy/mm/dd; the registry dd/mm/yy
        day, month, year = (int(part) for part in value.split("/"))
        return datetime(2000 + year, month, day, tzinfo=timezone.utc)
    return parse_whois_date(value)


def judge_answer(path: Path) -> Outcome | None:
    """Judge one corpus answer; None when its ``.expected`` states nothing we read."""
    expected_file = path.with_suffix(".expected")
    if not expected_file.exists():
        return None
    expected = read_expected(expected_file.read_text(encoding="utf-8", errors="replace"))
    answer = path.read_bytes().decode("utf-8", errors="replace")
    relative = path.relative_to(CORPUS).parts
    server = relative[0]
    tld = relative[1] if len(relative) > 2 else "com"  # registrars' own servers: .com
    domain = _subject(answer, tld, expected, path.stem)
    parsed = parse_whois(answer, domain=domain, server=server, url=f"whois://{server}/{domain}")
    registration = parsed if isinstance(parsed, Registration) else None
    failure = parsed if isinstance(parsed, LookupFailure) else None
    now = capture_time(answer, registration)
    result = judge(domain, registration=registration, failure=failure, now=now)
    codes = {reason.code.value for reason in result.reasons}
    risky = codes & LIFECYCLE_CODES
    if failure is not None:
        reading = "throttled" if "rate-limit" in failure.message else "failure"
    elif "unrecognised-status" in codes:
        reading = "unknown"
    elif registration is not None and not registration.registered:
        reading = "available"
    else:
        reading = "registered" if not risky else ",".join(sorted(risky))

    want = expected.verdict
    exact = False
    misread = False
    if want == "available":
        exact = reading == "available"
        misread = registration is not None and registration.registered
    elif want == "registered":
        exact = registration is not None and registration.registered and reading != "unknown"
        misread = registration is not None and not registration.registered
        # A risk read from a registry status word is stated by the answer; one read from a
        # date must be true as of the capture; anything else must be in the answer's words.
        stated = {
            r.code.value
            for r in result.reasons
            if r.code.value in risky and "the registry reports status" not in r.message
        }
        if registration is not None and registration.expires and registration.expires < now:
            stated.discard("expired")
        if exact and stated and not _stated_risk(answer, stated):
            exact = False
    elif want == "throttled":
        exact = reading == "throttled"
        misread = registration is not None and reading != "unknown"
    elif want == "failure":
        # whois-parser's :invalid / :unavailable: the registry will not give the name to
        # anyone. A failure, an unknown status or "registry-reserved" all keep it from
        # reading healthy or free.
        exact = failure is not None or reading in ("unknown", "registry-reserved")
        misread = not exact
    elif want in LIFECYCLE_CLASSES:
        exact = bool(risky & LIFECYCLE_CLASSES[want])
        misread = (
            registration is not None
            and reading != "unknown"
            and (not risky or not registration.registered)
        )
    expiry_found: bool | None = None
    if expected.expires is not None:
        moment = _expected_moment(expected.expires)
        got = registration.expires if registration is not None else None
        if moment is None or got is None:
            expiry_found = False
        elif not re.search(
            r"(?:[zZ]|UTC|GMT|[+-]\d{2}:?\d{2}|[A-Z]{3})$", expected.expires.strip()
        ):
            # whois-parser states no zone: the wall-clock date is compared, whatever the
            # zone the registry wrote (which domain-guard honours).
            expiry_found = abs(got - moment) <= timedelta(hours=14)
        else:
            expiry_found = got == moment
    detail = failure.message if failure is not None else ",".join(sorted(codes))
    return Outcome(
        path=str(path.relative_to(CORPUS)),
        expected=expected,
        reading=reading,
        exact=exact,
        misread=misread,
        expiry_found=expiry_found,
        detail=detail,
    )


def _stated_risk(answer: str, risky: set[str]) -> bool:
    """True when a risk read from a ``:registered`` answer is one the answer states in
    words (whois-parser files grace periods, holds and the like under ``registered``)."""
    text = answer.lower()
    words = {
        "auto-renew-grace": ("autorenew", "auto-renew", "auto renew", "grace"),
        "on-hold": ("hold", "suspend", "blocked", "frozen"),
        "inactive": ("inactive", "not delegated", "no-delegation", "unassigned"),
        "redemption": ("redemption", "quarantine"),
        "pending-delete": ("pendingdelete", "pending delete", "pending-delete", "deleted"),
        "expired": ("expired",),
        "registry-reserved": ("reserved",),
    }
    return all(any(word in text for word in words.get(code, ())) for code in risky)


def judge_corpus(root: Path = CORPUS) -> list[Outcome]:
    """Every answer in the corpus that has expectations, judged."""
    outcomes = []
    for path in sorted(root.rglob("*.txt")):
        outcome = judge_answer(path)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    """Counts the README reports."""
    stated = [o for o in outcomes if o.expected.verdict is not None]
    expiries = [o for o in outcomes if o.expiry_found is not None]
    return {
        "answers": len(outcomes),
        "stating a verdict": len(stated),
        "judged exactly": sum(o.exact for o in stated),
        "misread": sum(o.misread for o in stated),
        "unknown": sum(
            o.reading in ("failure", "throttled", "unknown")
            for o in stated
            if o.expected.verdict not in ("failure", "throttled")
        ),
        "stating an expiry": len(expiries),
        "expiry found": sum(bool(o.expiry_found) for o in expiries),
    }


if __name__ == "__main__":  # pragma: no cover - a summary for the README
    import sys

    results = judge_corpus()
    for key, count in summary(results).items():
        print(f"{key}: {count}")
    if "-v" in sys.argv:
        for o in results:
            if (o.expected.verdict is not None and not o.exact) or o.expiry_found is False:
                flag = "MISREAD " if o.misread else ""
                print(
                    f"{flag}{o.path}: want {o.expected.verdict} {o.expected.expires or ''}"
                    f" got {o.reading} [{o.detail[:150]}]"
                )
