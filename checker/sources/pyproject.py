"""``pyproject.toml``: PEP 621 ``[project]``, ``[tool.poetry]`` and ``[tool.flit.metadata]``."""

from __future__ import annotations

import re
import sys
from typing import Any

from checker.model import Role, SourceKind
from checker.sources.base import Extraction, FieldText, PersonFields, SourceError
from checker.toml_lines import TomlText

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_TOML_LINE = re.compile(r"at line (\d+)")


def _field(locate: TomlText, value: str, cursor: int) -> tuple[FieldText, int]:
    """The value as a field located at its first occurrence at or after ``cursor``."""
    found = locate.value_offset(value, cursor)
    if found is None:
        return FieldText(value, locate.line_of(cursor)), cursor
    breaks = tuple(m.end() for m in re.finditer(r"\n", value))
    return FieldText(value, locate.line_of(found[0]), breaks), found[1]


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    node: Any = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def parse_pyproject(text: str, path: str) -> Extraction:
    """Contacts of a pyproject.toml document."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise SourceError("invalid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        if match:
            line: int | None = int(match.group(1))
        elif "end of document" in str(exc):
            # Counted like tomllib and the rest of the sources: at "\n" only.
            line = text.rstrip().count("\n") + 1
        else:
            line = None
        raise SourceError(f"invalid TOML: {exc}", line) from None
    locate = TomlText(text)
    people: list[PersonFields] = []
    project = _table(data, "project")
    for role in (Role.AUTHOR, Role.MAINTAINER):
        key = f"{role.value}s"
        entries = project.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise SourceError(
                f"[project].{key} must be an array of tables",
                locate.line_of(locate.key_offset("project", key)),
            )
        cursor = locate.key_offset("project", key)
        for entry in entries:
            if not isinstance(entry, dict):
                raise SourceError(
                    f"[project].{key} entries must be tables with name and/or email",
                    locate.line_of(cursor),
                )
            name = email = None
            if isinstance(entry.get("name"), str):
                name, cursor = _field(locate, entry["name"], cursor)
            if isinstance(entry.get("email"), str):
                email, cursor = _field(locate, entry["email"], cursor)
            people.append(PersonFields(role, name, email))

    poetry = _table(data, "tool", "poetry")
    for role in (Role.AUTHOR, Role.MAINTAINER):
        key = f"{role.value}s"
        entries = poetry.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise SourceError(
                f"[tool.poetry].{key} must be an array of strings",
                locate.line_of(locate.key_offset("tool.poetry", key)),
            )
        cursor = locate.key_offset("tool.poetry", key)
        for entry in entries:
            field, cursor = _field(locate, entry, cursor)
            people.append(PersonFields(role, None, field))

    flit = _table(data, "tool", "flit", "metadata")
    for role in (Role.AUTHOR, Role.MAINTAINER):
        name_value, email_value = flit.get(role.value), flit.get(f"{role.value}-email")
        if not isinstance(name_value, str) and not isinstance(email_value, str):
            continue
        cursor = locate.key_offset("tool.flit.metadata", role.value)
        name = email = None
        if isinstance(name_value, str):
            name, cursor = _field(locate, name_value, cursor)
        if isinstance(email_value, str):
            email, _ = _field(
                locate, email_value, locate.key_offset("tool.flit.metadata", f"{role.value}-email")
            )
        people.append(PersonFields(role, name, email))

    package = project.get("name") or poetry.get("name") or flit.get("module")
    version = project.get("version") or poetry.get("version")
    return Extraction(
        path=path,
        kind=SourceKind.PYPROJECT,
        people=tuple(people),
        package=package if isinstance(package, str) else None,
        version=version if isinstance(version, str) else None,
    )
