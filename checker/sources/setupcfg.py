"""``setup.cfg`` ``[metadata]`` (setuptools declarative configuration)."""

from __future__ import annotations

import configparser
import re

from checker.model import Role, SourceKind
from checker.sources.base import Extraction, FieldText, PersonFields, SourceError, joined

_SECTION = re.compile(r"^\[\s*([^\]]+?)\s*\]")
_OPTION = re.compile(r"^([^=:\s][^=:]*?)\s*[=:]\s?(.*)$")


def _validate(text: str) -> None:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.MissingSectionHeaderError as exc:
        raise SourceError(
            "invalid setup.cfg: content before the first [section]", exc.lineno
        ) from None
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else None
        raise SourceError("invalid setup.cfg: a line is not 'key = value'", line) from None
    except configparser.Error as exc:
        raise SourceError(f"invalid setup.cfg: {exc.message}") from None


def read_metadata_section(text: str) -> dict[str, FieldText]:
    """Options of ``[metadata]`` with their lines; continuation lines joined by newlines."""
    options: dict[str, FieldText] = {}
    in_metadata = False
    key: str | None = None
    lines: list[tuple[str, int]] = []

    def flush() -> None:
        if key is not None and key not in options:
            kept = [(t, n) for t, n in lines if t] or lines[:1]
            options[key] = joined(kept)

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        section = _SECTION.match(line)
        if section and not line[0].isspace():
            flush()
            key = None
            in_metadata = section.group(1).lower() == "metadata"
            continue
        if not in_metadata:
            continue
        if line[0].isspace() and key is not None:
            lines.append((stripped, number))
            continue
        option = _OPTION.match(line)
        if option:
            flush()
            key = option.group(1).strip().lower().replace("-", "_")
            lines = [(option.group(2).strip(), number)]
    flush()
    return options


def parse_setup_cfg(text: str, path: str) -> Extraction:
    """Contacts of a setup.cfg document."""
    _validate(text)
    options = read_metadata_section(text)
    people = []
    for role in (Role.AUTHOR, Role.MAINTAINER):
        name, email = options.get(role.value), options.get(f"{role.value}_email")
        if name or email:
            people.append(PersonFields(role, name, email))
    package, version = options.get("name"), options.get("version")
    return Extraction(
        path=path,
        kind=SourceKind.SETUP_CFG,
        people=tuple(people),
        package=package.text if package else None,
        version=version.text
        if version and not version.text.startswith(("attr:", "file:"))
        else None,
    )
