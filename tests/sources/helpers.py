"""Small helpers shared by the source tests."""

from __future__ import annotations

from pathlib import Path

from checker.model import Contact
from checker.scan import ScanResult, scan_paths


def scan_one(tmp_path: Path, name: str, content: str | bytes) -> ScanResult:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    return scan_paths([tmp_path], base=tmp_path)


def rows(contacts: tuple[Contact, ...]) -> list[tuple[str, str | None, str, int | None]]:
    return [(c.email, c.name, c.role.value, c.source.line) for c in contacts]
