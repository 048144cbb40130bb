"""``PKG-INFO`` and ``METADATA`` (core metadata, any Metadata-Version)."""

from __future__ import annotations

from checker.model import Role, SourceKind
from checker.sources.base import Extraction, FieldText, PersonFields, SourceError, joined

_WANTED = {"author", "author-email", "maintainer", "maintainer-email", "name", "version"}


def parse_headers(text: str) -> dict[str, FieldText]:
    """Read the header block (RFC 822 style, folded lines unfolded) up to the first blank line.

    The body after the blank line is the long description and is never read.
    Only the first occurrence of each wanted header counts.
    """
    headers: dict[str, FieldText] = {}
    current: str | None = None
    current_lines: list[tuple[str, int]] = []
    seen_any = False

    def flush() -> None:
        if current is not None and current in _WANTED and current not in headers:
            headers[current] = joined(current_lines, separator=" ")

    # Split on "\n" only: str.splitlines() also breaks at \x0c, \x85 and U+2028, which
    # appear inside values (a cp1252 "…" read as Latin-1 is \x85).
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if line == "":
            break  # a whitespace-only line is a continuation (distutils folds blank lines so)
        if not line.strip():
            continue
        if line[0] in " \t":
            if current is None:
                raise SourceError("continuation line before any header", number)
            current_lines.append((line.strip(), number))
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or " " in key.strip():
            if not seen_any:
                raise SourceError("not a metadata file: no 'Name: value' header", number)
            raise SourceError(f"malformed header line {line[:60]!r}", number)
        flush()
        seen_any = True
        current = key.strip().lower()
        current_lines = [(value.strip(), number)]
    flush()
    if not seen_any:
        raise SourceError("not a metadata file: no headers")
    return headers


def parse_pkg_info(text: str, path: str, kind: SourceKind = SourceKind.PKG_INFO) -> Extraction:
    """Contacts of a PKG-INFO or METADATA document."""
    headers = parse_headers(text)
    people = []
    for role, name_key, email_key in (
        (Role.AUTHOR, "author", "author-email"),
        (Role.MAINTAINER, "maintainer", "maintainer-email"),
    ):
        if name_key in headers or email_key in headers:
            people.append(PersonFields(role, headers.get(name_key), headers.get(email_key)))
    name = headers.get("name")
    version = headers.get("version")
    return Extraction(
        path=path,
        kind=kind,
        people=tuple(people),
        package=name.text or None if name else None,
        version=version.text or None if version else None,
    )
