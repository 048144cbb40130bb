"""The address reader against the real metadata of popular PyPI packages.

The fixture holds the ``Author``, ``Author-email``, ``Maintainer`` and
``Maintainer-email`` fields exactly as PyPI served them (``tools/fetch_corpus.py``),
with the addresses each package publishes, reviewed by hand (``README.md`` beside it).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from checker.scan import scan_paths

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "pypi-metadata-2026-11-21.json"
FIELDS = (
    ("author", "Author"),
    ("author_email", "Author-email"),
    ("maintainer", "Maintainer"),
    ("maintainer_email", "Maintainer-email"),
)

Key = tuple[str, str]  # (role, address with its domain in lower case)


def _load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CORPUS.read_text(encoding="utf-8"))
    return data


def _key(role: str, email: str) -> Key:
    local, _, domain = email.rpartition("@")
    return role, f"{local}@{domain.lower()}"


def _folded(value: str) -> str:
    """An RFC 822 header value: continuation lines start with whitespace."""
    return value.replace("\r\n", "\n").replace("\n", "\n        ")


def _pkg_info(package: dict[str, Any]) -> str:
    lines = [
        f"Metadata-Version: {package['metadata_version']}",
        f"Name: {package['name']}",
        f"Version: {package['version']}",
    ]
    lines += [
        f"{header}: {_folded(package[field])}"
        for field, header in FIELDS
        if package[field] is not None
    ]
    return "\n".join(lines) + "\n\n"


def _directory(package: dict[str, Any]) -> str:
    return f"{package['name']}-{package['version']}"


def test_corpus_is_a_dated_reviewed_sample_of_popular_packages() -> None:
    data = _load()
    packages = data["packages"]
    assert CORPUS.stem.endswith(data["fetched"])
    assert "--dry-run" in data["command"]
    assert "--report" in data["command"]
    assert len(packages) >= 200
    assert sum(len(p["expected"]) for p in packages) >= 150
    assert len({_directory(p) for p in packages}) == len(packages)
    assert not [p["name"] for p in packages if p.get("draft")], "unreviewed drafts"
    for package in packages:
        fields = {f: package[f] for f, _ in FIELDS}
        for entry in package["expected"]:
            assert entry["role"] in ("author", "maintainer")
            raw = " ".join(
                v for f, v in fields.items() if v is not None and f.startswith(entry["role"])
            )
            if entry.get("obfuscated"):
                assert "@" not in raw, package["name"]
            else:
                # an expected address is always written out in a field of its role
                assert entry["email"].lower() in raw.lower(), (package["name"], entry)


def test_every_published_address_is_found_and_nothing_else(tmp_path: Path) -> None:
    packages = _load()["packages"]
    for package in packages:
        folder = tmp_path / _directory(package)
        folder.mkdir()
        (folder / "PKG-INFO").write_text(_pkg_info(package), encoding="utf-8")

    result = scan_paths([tmp_path], base=tmp_path)

    found: dict[str, list[Any]] = {_directory(p): [] for p in packages}
    stray = []
    for contact in result.contacts:
        top = (contact.source.path or "").split("/", 1)[0]
        if top in found:
            found[top].append(contact)
        else:
            stray.append(contact)

    mismatches: list[str] = []
    for package in packages:
        label = _directory(package)
        raw = {f: package[f] for f, _ in FIELDS if package[f] is not None}
        expected = {_key(e["role"], e["email"]): e for e in package["expected"]}
        contacts = found[label]
        counts = Counter(_key(c.role.value, c.email) for c in contacts)
        problems = []
        if missing := sorted(set(expected) - set(counts)):
            problems.append(f"missing {missing}")
        if extra := sorted(set(counts) - set(expected)):
            problems.append(f"unexpected {extra}")
        if repeated := sorted(k for k, n in counts.items() if n > 1):
            problems.append(f"reported more than once {repeated}")
        for contact in contacts:
            want = expected.get(_key(contact.role.value, contact.email))
            if want is None:
                continue
            if contact.name != want["name"]:
                problems.append(f"{contact.email}: name {contact.name!r}, want {want['name']!r}")
            if contact.obfuscated != want.get("obfuscated", False):
                problems.append(f"{contact.email}: obfuscated {contact.obfuscated}")
            if contact.source.package != package["name"]:
                problems.append(f"{contact.email}: package {contact.source.package!r}")
        if problems:
            mismatches.append(f"{label} {raw}: " + "; ".join(problems))

    assert not result.errors, [f"{e.path}: {e.message}" for e in result.errors]
    assert not stray, stray
    assert not mismatches, f"{len(mismatches)} packages:\n" + "\n".join(mismatches)


def test_pkg_info_builder_folds_multi_line_values() -> None:
    text = _pkg_info(
        {
            "metadata_version": "2.1",
            "name": "x",
            "version": "1",
            "author": "A\nB",
            "author_email": None,
            "maintainer": None,
            "maintainer_email": "m@x.org",
        }
    )
    assert re.search(r"^Author: A\n {8}B$", text, re.MULTILINE)
    assert "Author-email" not in text
    assert text.endswith("Maintainer-email: m@x.org\n\n")
