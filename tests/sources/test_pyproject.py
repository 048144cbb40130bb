"""pyproject.toml: PEP 621 tables, Poetry strings, flit metadata, exact lines, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.sources.base import SourceError
from checker.sources.pyproject import parse_pyproject
from tests.sources.helpers import rows, scan_one

PEP621 = """\
[build-system]
requires = ["hatchling"]

[project]
name = "demo"
version = "1.0"
authors = [
  { name = "Jane Doe", email = "jane@janedoe.dev" },
  { email = "A <a@x.org>, \\"B, C\\" <b@y.org>" },
  { name = "Name Only" },
]
maintainers = [{ name = "aiohttp team <team@aiohttp.org>" }]
"""


def test_pep621_authors_and_maintainers_with_lines(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "pyproject.toml", PEP621)
    assert rows(result.contacts) == [
        ("jane@janedoe.dev", "Jane Doe", "author", 8),
        ("a@x.org", "A", "author", 9),
        ("b@y.org", "B, C", "author", 9),
        ("team@aiohttp.org", "aiohttp team", "maintainer", 12),
    ]
    assert {c.source.package for c in result.contacts} == {"demo"}
    assert {c.source.path for c in result.contacts} == {"pyproject.toml"}
    assert result.errors == ()


def test_array_of_tables_form_is_located(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "x"\n\n[[project.authors]]\nname = "J"\nemail = "j@one.org"\n'
        '\n[[project.maintainers]]\nemail = "m@two.org"\n'
    )
    result = scan_one(tmp_path, "pyproject.toml", text)
    assert rows(result.contacts) == [
        ("j@one.org", "J", "author", 6),
        ("m@two.org", None, "maintainer", 9),
    ]


def test_poetry_name_address_strings(tmp_path: Path) -> None:
    text = (
        '[tool.poetry]\nname = "p"\nauthors = [\n  "Sébastien <seb@poetry.dev>",\n'
        '  "Bob <bob@bob.org>",\n]\nmaintainers = ["m@maint.org"]\n'
    )
    result = scan_one(tmp_path, "pyproject.toml", text)
    assert rows(result.contacts) == [
        ("seb@poetry.dev", "Sébastien", "author", 4),
        ("bob@bob.org", "Bob", "author", 5),
        ("m@maint.org", None, "maintainer", 7),
    ]
    assert result.contacts[0].source.package == "p"


def test_flit_metadata_table(tmp_path: Path) -> None:
    text = '[tool.flit.metadata]\nmodule = "m"\nauthor = "Thomas"\nauthor-email = "t@flit.org"\n'
    result = scan_one(tmp_path, "pyproject.toml", text)
    assert rows(result.contacts) == [("t@flit.org", "Thomas", "author", 4)]


def test_invalid_toml_is_one_error_with_its_line_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "setup.cfg").write_text("[metadata]\nauthor_email = a@good.org\n")
    result = scan_one(tmp_path, "bad/pyproject.toml", '[project]\nname = "x"\nauthors = [\n')
    assert [(e.path, e.line) for e in result.errors] == [("bad/pyproject.toml", 3)]
    assert "invalid TOML" in result.errors[0].message
    assert [c.email for c in result.contacts] == ["a@good.org"]


def test_wrong_types_are_reported_not_crashed_on(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "pyproject.toml", '[project]\nname = "x"\nauthors = "me@x.org"\n')
    assert len(result.errors) == 1
    assert result.errors[0].line == 3
    assert "array of tables" in result.errors[0].message


def test_a_bad_key_is_reported_on_its_own_line_not_a_blank_line_above() -> None:
    text = '[project]\nname = "widgets"\n\n\nauthors = "Jane <jane@widgets.org>"\n'
    with pytest.raises(SourceError, match="must be an array of tables") as info:
        parse_pyproject(text, "pyproject.toml")
    assert info.value.line == 5
