"""The registry of metadata files: every reader follows it, and a gap in it is a bug."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from checker import cli
from checker.model import SourceKind
from checker.scan import scan_paths
from checker.sources import registry
from checker.sources.walk import kind_of
from tests.schema import report_schema

_PKG_INFO = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nAuthor-email: jane@example.org\n"


def _schema_kinds() -> list[str]:
    schema = report_schema()
    found: list[list[str]] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            kind = node.get("properties", {}).get("kind") if "properties" in node else None
            if isinstance(kind, dict) and "pyproject" in kind.get("enum", []):
                found.append(kind["enum"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    assert len(found) == 1
    return found[0]


def test_schema_lists_every_source_kind_and_every_registered_file() -> None:
    kinds = _schema_kinds()
    assert kinds == [kind.value for kind in SourceKind]
    assert {entry.kind.value for entry in registry.METADATA_FILES} <= set(kinds)


def test_walk_recognises_exactly_the_registered_names() -> None:
    for entry in registry.METADATA_FILES:
        assert kind_of(entry.name) is entry.kind
        assert kind_of(entry.name + ".orig") is None


def test_org_scan_and_history_read_from_the_registry() -> None:
    from checker.github.queries import ORGANIZATION_REPOSITORIES, REPOSITORY_FILES
    from checker.history import DATED_KINDS

    assert [path for _, path in REPOSITORY_FILES] == [e.name for e in registry.ORG_FILES]
    for entry in registry.ORG_FILES:
        assert f'"HEAD:{entry.name}"' in ORGANIZATION_REPOSITORIES
    assert {e.kind for e in registry.METADATA_FILES if e.dated} == DATED_KINDS


def test_a_kind_missing_from_the_registry_is_a_bug_not_a_per_file_read_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "PKG-INFO").write_text(_PKG_INFO)
    found = scan_paths([tmp_path], base=tmp_path)
    assert [c.email for c in found.contacts] == ["jane@example.org"]
    assert not found.errors

    kinds = {k: v for k, v in registry._BY_KIND.items() if k is not SourceKind.PKG_INFO}
    monkeypatch.setattr(registry, "_BY_KIND", kinds)
    with pytest.raises(KeyError):
        scan_paths([tmp_path], base=tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["domain-guard", "scan", "--offline", "."])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_INTERNAL == 4


def test_a_hostile_file_still_costs_only_itself(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "setup.py").write_text("setup(" * 100_000)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "PKG-INFO").write_text(_PKG_INFO)
    found = scan_paths([tmp_path], base=tmp_path)
    assert [c.email for c in found.contacts] == ["jane@example.org"]
    assert [e.path for e in found.errors] == ["a/setup.py"]
