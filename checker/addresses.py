"""Finding e-mail addresses in free-form metadata text.

Metadata fields hold RFC 5322 address lists (``A <a@x.org>, "B, C" <b@y.org>``), bare
addresses, addresses in name fields, old ``addr (Name)`` comments, and obfuscated forms
(``jane at janedoe dot dev``). :func:`parse_addresses` finds every address and nothing
else; it never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longest field text read; metadata fields beyond this are cut (hostile input).
MAX_FIELD_CHARS = 64 * 1024

# Character classes are written as negations of ASCII ranges so that every non-ASCII
# character is admitted (RFC 6531, IDNs) without compiling huge Unicode ranges at start-up.
_ATEXT = r"[^\s\x00-\x20\x7f()<>\[\]:;@\\,.\"]"  # RFC 5322 atext, plus non-ASCII
_LOCAL = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_LDH = r"[^\s\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"  # letters, digits, hyphen
_LD = r"[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"  # letters, digits
_LABEL = rf"{_LD}(?:{_LDH}{{0,61}}{_LD})?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})+\.?"
_ADDRESS = re.compile(rf"(?<!{_ATEXT})(?<!\.)(?P<local>{_LOCAL})@(?P<domain>{_DOMAIN})(?!{_LDH})")
_SINGLE_LABEL_ADDRESS = re.compile(
    rf"(?<!{_ATEXT})(?<!\.)(?P<local>{_LOCAL})@(?P<domain>{_LABEL})(?!{_LDH}|\.)"
)

_AT = (
    r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+|\s*_at_\s*|\s+AT\s+"
    r"|\s*\bat\b\s*(?=[A-Za-z0-9-]+\s*[\[({<]\s*dot))"
)
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\s*_dot_\s*|\s+DOT\s+|\.)"
_OBF_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OBF_LOCAL_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\.)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.+\])}}>-])"
    # Bounded repetitions: an unbounded lazy local part made the scan quadratic.
    rf"(?P<local>[A-Za-z0-9][\w+-]{{0,63}}(?:{_OBF_LOCAL_DOT}[\w+-]{{1,63}}){{0,8}}?)"
    rf"(?P<at>{_AT})"
    rf"(?P<domain>{_OBF_LABEL}(?:{_DOT}{_OBF_LABEL})+)(?![\w-])",
    re.IGNORECASE,
)
_OBF_DOT_SPLIT = re.compile(_DOT, re.IGNORECASE)
_PLACEHOLDERS = frozenset({"unknown", "none", "null", "n/a", "na", "-", "tbd", "todo"})


@dataclass(frozen=True)
class ParsedAddress:
    """An address found in text. ``domain`` is as written (not yet normalised)."""

    email: str
    local: str
    domain: str
    name: str | None
    obfuscated: bool = False
    bare: bool = True  # written with no display name at all ("Unknown <a@x>" is not bare)


def decode_encoded_words(text: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?q?...?=``) that old metadata carries."""
    if "=?" not in text:
        return text
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(text)))
    except (ValueError, LookupError, UnicodeError, AssertionError):
        return text


def split_top_level(text: str) -> list[str]:
    """Split an address list at commas and semicolons outside quotes, <> and ()."""
    if "," not in text and ";" not in text and "\n" not in text:
        return [text]  # nothing to split at, whatever the nesting
    if '"' not in text and "<" not in text and "(" not in text:
        return re.split(r"[,;\n]", text)  # no nesting: every separator splits
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    angle = 0
    paren = 0
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
            continue
        if char == "\\" and quoted:
            escaped = True
            current.append(char)
            continue
        if char == '"' and not angle:
            quoted = not quoted
        elif not quoted:
            if char == "<":
                angle += 1
            elif char == ">" and angle:
                angle -= 1
            elif char == "(":
                paren += 1
            elif char == ")" and paren:
                paren -= 1
            elif char in ",;\n" and not angle and not paren:
                parts.append("".join(current))
                current = []
                continue
        current.append(char)
    parts.append("".join(current))
    if quoted:
        # An unbalanced quote: the structure cannot be trusted, split plainly instead.
        return re.split(r"[,;\n]", text)
    return parts


def clean_name(text: str) -> str | None:
    """The display name written as ``text`` (unquoted, spaces collapsed), or None."""
    name = text.strip().strip(",;").strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    name = " ".join(name.split())
    if name.startswith("(") and name.endswith(")"):
        name = name[1:-1].strip()
    if not name or name.lower() in _PLACEHOLDERS:
        return None
    return name


def _strip_comments(text: str) -> tuple[str, list[str]]:
    """Remove (comments) outside quotes; return the rest and the comments."""
    out: list[str] = []
    comments: list[str] = []
    depth = 0
    quoted = False
    buf: list[str] = []
    for char in text:
        if char == '"' and not depth:
            quoted = not quoted
        if not quoted and char == "(":
            depth += 1
            if depth == 1:
                buf = []
                continue
        if not quoted and char == ")" and depth:
            depth -= 1
            if depth == 0:
                comments.append("".join(buf))
                continue
        (buf if depth else out).append(char)
    if depth:  # unbalanced: keep the text as it was
        return text, []
    return "".join(out), comments


def _match_addresses(text: str) -> list[re.Match[str]]:
    if "@" not in text:
        return []  # the scan tries every position: costly on names, and never matches
    return list(_ADDRESS.finditer(text))


def _parse_segment(segment: str) -> list[ParsedAddress]:
    angle = re.search(r"<([^<>]*)>", segment)
    if angle is not None:
        inner = angle.group(1).strip()
        found = _ADDRESS.fullmatch(inner.removeprefix("mailto:"))
        if found is not None:
            name = clean_name(segment[: angle.start()])
            if name is None:
                name = clean_name(segment[angle.end() :])
            rest = segment[: angle.start()] + " " + segment[angle.end() :]
            extra = [
                ParsedAddress(m.group(0), m.group("local"), m.group("domain"), None)
                for m in _match_addresses(rest)
            ]
            bare = not segment[: angle.start()].strip() and not segment[angle.end() :].strip()
            if extra:  # "a@x.org <a@x.org>": the angle form wins, the rest are more addresses
                extra = [e for e in extra if e.email.lower() != inner.lower()]
                return [_address(found, name, bare=bare), *extra]
            return [_address(found, name, bare=bare)]
    matches = _match_addresses(segment)
    if not matches:
        return []
    if len(matches) == 1:
        match = matches[0]
        rest = segment[: match.start()] + segment[match.end() :]
        rest = re.sub(r"^\s*mailto:|<\s*>", "", rest)
        without_comments, comments = _strip_comments(rest)
        name = clean_name(comments[0]) if comments else clean_name(without_comments)
        return [_address(match, name, bare=not rest.strip())]
    return [_address(m, None) for m in matches]


def _trim(text: str, *, leading: bool) -> str:
    """Drop non-ASCII punctuation (quotes like « », dashes) the broad classes let in."""
    while text and not text[0 if leading else -1].isascii():
        char = text[0 if leading else -1]
        if char.isalnum():
            break
        text = text[1:] if leading else text[:-1]
    return text


def _address(match: re.Match[str], name: str | None, *, bare: bool = True) -> ParsedAddress:
    domain = _trim(match.group("domain").rstrip("."), leading=False)
    local = _trim(match.group("local"), leading=True)
    return ParsedAddress(f"{local}@{domain}", local, domain, name, bare=bare and name is None)


def _parse_obfuscated(text: str) -> list[ParsedAddress]:
    found: list[ParsedAddress] = []
    for match in _OBFUSCATED.finditer(text):
        at = match.group("at")
        domain_text = match.group("domain")
        # "jane at example.org" in prose is too weak: a bare " at " needs a dotted
        # domain written in the same obfuscated style or a bracketed marker somewhere.
        labels = [label for label in _OBF_DOT_SPLIT.split(domain_text) if label]
        if len(labels) < 2:
            continue
        if (
            at.strip().lower() == "at"
            and "." not in domain_text
            and "dot" not in domain_text.lower()
        ):
            continue
        domain = ".".join(labels)
        local = ".".join(re.split(_OBF_LOCAL_DOT, match.group("local"), flags=re.IGNORECASE))
        prefix = text[: match.start()]
        found.append(ParsedAddress(f"{local}@{domain}", local, domain, clean_name(prefix), True))
    return found


def parse_addresses(text: str | None) -> list[ParsedAddress]:
    """Every address in ``text``, in order, with its display name where one is attached."""
    if not text:
        return []
    text = decode_encoded_words(text[:MAX_FIELD_CHARS])
    found: list[ParsedAddress] = []
    for segment in split_top_level(text):
        if "@" in segment:
            found.extend(_parse_segment(segment))
        elif segment.strip():
            found.extend(_parse_obfuscated(segment))
    unique: dict[str, ParsedAddress] = {}
    for address in found:
        if not address.local or not address.domain:
            continue  # only punctuation was on one side of the "@"
        key = f"{address.local}@{address.domain.lower()}"
        if key not in unique or (unique[key].name is None and address.name is not None):
            unique[key] = address
    return list(unique.values())


def single_label_addresses(text: str | None) -> list[str]:
    """Addresses whose domain has no dot (``root@localhost``): invalid, but worth reporting."""
    if not text or "@" not in text:
        return []
    return [m.group(0) for m in _SINGLE_LABEL_ADDRESS.finditer(text[:MAX_FIELD_CHARS])]
