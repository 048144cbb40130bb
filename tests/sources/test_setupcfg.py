"""setup.cfg [metadata]."""

from __future__ import annotations

from pathlib import Path

from tests.sources.helpers import rows, scan_one


def test_metadata_fields_with_continuation_lines(tmp_path: Path) -> None:
    text = (
        "[metadata]\nname = demo\nauthor = Jane Doe\nauthor_email = jane@janedoe.dev\n"
        "maintainer = The Team <team@team.org>\nmaintainer_email =\n    a@one.org,\n    b@two.org\n"
        "\n[options]\npackages = find:\n"
    )
    result = scan_one(tmp_path, "setup.cfg", text)
    assert rows(result.contacts) == [
        ("jane@janedoe.dev", "Jane Doe", "author", 4),
        ("a@one.org", None, "maintainer", 7),
        ("b@two.org", None, "maintainer", 8),
        ("team@team.org", "The Team", "maintainer", 5),
    ]
    assert {c.source.package for c in result.contacts} == {"demo"}


def test_dash_spelling_and_other_sections_are_ignored(tmp_path: Path) -> None:
    text = "[tool:pytest]\nauthor_email = no@pytest.org\n[metadata]\nauthor-email = yes@meta.org\n"
    result = scan_one(tmp_path, "setup.cfg", text)
    assert [c.email for c in result.contacts] == ["yes@meta.org"]


def test_malformed_setup_cfg_names_the_line(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "setup.cfg", "author_email = a@x.org\n[metadata]\n")
    assert [(e.path, e.line) for e in result.errors] == [("setup.cfg", 1)]
    assert result.contacts == ()


def test_an_address_inside_a_longer_one_gets_its_own_line(tmp_path: Path) -> None:
    text = "[metadata]\nauthor_email =\n    jbob@example-one.org,\n    bob@example-one.org\n"
    result = scan_one(tmp_path, "setup.cfg", text)
    assert [(c.email, c.source.line) for c in result.contacts] == [
        ("jbob@example-one.org", 3),
        ("bob@example-one.org", 4),
    ]
