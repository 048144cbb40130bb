"""setup.py is read with ast: literal keywords, simple names, never executed."""

from __future__ import annotations

from pathlib import Path

from tests.sources.helpers import rows, scan_one


def test_setup_py_is_read_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    text = (
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n"
        "from setuptools import setup\n"
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "setup(name='evil', author_email='x@evil-domain.org')\n"
    )
    result = scan_one(tmp_path, "setup.py", text)
    assert not marker.exists()
    assert [c.email for c in result.contacts] == ["x@evil-domain.org"]


def test_constants_names_concatenation_and_kwargs(tmp_path: Path) -> None:
    text = """\
import setuptools
AUTHOR = "Jane Doe"
DOMAIN = "janedoe.dev"
EMAIL = "jane@" + DOMAIN
meta = dict(maintainer="Team", maintainer_email=f"team@{DOMAIN}")

setuptools.setup(
    name="demo",
    author=AUTHOR,
    author_email=EMAIL,
    **meta,
)
"""
    result = scan_one(tmp_path, "setup.py", text)
    assert rows(result.contacts) == [
        ("jane@janedoe.dev", "Jane Doe", "author", 4),
        ("team@janedoe.dev", "Team", "maintainer", 5),
    ]
    assert result.contacts[0].source.package == "demo"


def test_setup_inside_main_guard_and_join(tmp_path: Path) -> None:
    text = (
        "from distutils.core import setup\nif __name__ == '__main__':\n"
        "    setup(author_email=', '.join(['a@one.org', 'b@two.org']))\n"
    )
    result = scan_one(tmp_path, "setup.py", text)
    assert [c.email for c in result.contacts] == ["a@one.org", "b@two.org"]


def test_runtime_values_are_not_guessed(tmp_path: Path) -> None:
    text = (
        "about = {}\nexec(open('pkg/__about__.py').read(), about)\n"
        "setup(author_email=about['__email__'])\n"
    )
    result = scan_one(tmp_path, "setup.py", text)
    assert result.contacts == ()
    assert result.errors == ()


def test_syntax_error_is_reported_with_line(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "setup.py", "setup(\n  author_email='a@x.org',\n  )))\n")
    assert [(e.path, e.line) for e in result.errors] == [("setup.py", 3)]
    assert "invalid Python" in result.errors[0].message


def test_deep_nesting_does_not_crash(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "setup.py", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    assert result.contacts == ()
    assert len(result.errors) == 1
