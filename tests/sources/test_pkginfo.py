"""PKG-INFO / METADATA headers: folding, name pairing, the body never read, encodings."""

from __future__ import annotations

from pathlib import Path

from tests.sources.helpers import rows, scan_one

METADATA = """\
Metadata-Version: 2.1
Name: aiohttp
Version: 3.9.0
Author: Nikolay Kim
Author-email: fafhrd91@gmail.com
Maintainer: aiohttp team <team@aiohttp.org>
Maintainer-email: team@aiohttp.org
License: Apache 2
Description: multi
        line with nobody@description.org

This body mentions body@readme.org and must never be read.
"""


def test_real_aiohttp_shape_name_pairing_and_dedupe(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "pkg/PKG-INFO", METADATA)
    assert rows(result.contacts) == [
        ("fafhrd91@gmail.com", "Nikolay Kim", "author", 5),
        ("team@aiohttp.org", "aiohttp team", "maintainer", 7),
    ]
    assert [c.kind.value for c in result.contacts] == ["provider", "lookup"]
    assert result.contacts[0].source.package == "aiohttp"
    assert result.contacts[0].source.version == "3.9.0"


def test_folded_header_lines_point_at_the_right_line(tmp_path: Path) -> None:
    text = "Metadata-Version: 2.4\nName: x\nAuthor-email: A <a@one.org>,\n  B <b@two.org>\n\n"
    result = scan_one(tmp_path, "x.dist-info/METADATA", text)
    assert rows(result.contacts) == [
        ("a@one.org", "A", "author", 3),
        ("b@two.org", "B", "author", 4),
    ]
    assert result.contacts[0].source.kind.value == "metadata"


def test_metadata_1_0_and_unknown_placeholders(tmp_path: Path) -> None:
    text = (
        "Metadata-Version: 1.0\nName: old\nVersion: 0.1\nAuthor: UNKNOWN\nAuthor-email: UNKNOWN\n"
    )
    result = scan_one(tmp_path, "PKG-INFO", text)
    assert result.contacts == ()
    assert result.errors == ()


def test_latin1_and_utf16_files_are_decoded(tmp_path: Path) -> None:
    latin = "Metadata-Version: 1.1\nName: x\nAuthor: Jürgen\nAuthor-email: j@jurgen.de\n".encode(
        "latin-1"
    )
    result = scan_one(tmp_path, "a/PKG-INFO", latin)
    assert rows(result.contacts) == [("j@jurgen.de", "Jürgen", "author", 4)]
    utf16 = "Metadata-Version: 2.1\nName: y\nAuthor-email: u@utf16.org\n".encode("utf-16")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "PKG-INFO").write_bytes(utf16)
    from checker.scan import scan_paths

    assert "u@utf16.org" in [c.email for c in scan_paths([tmp_path]).contacts]


def test_not_a_metadata_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "PKG-INFO", "this is prose, not headers\n")
    assert [(e.path, e.line) for e in result.errors] == [("PKG-INFO", 1)]


def test_binary_garbage_is_an_error(tmp_path: Path) -> None:
    result = scan_one(tmp_path, "PKG-INFO", b"\x00\x01\x02Name: x\n")
    assert len(result.errors) == 1
    assert "binary" in result.errors[0].message


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    result = scan_one(
        tmp_path, "PKG-INFO", "Name: x\n" + "X-Pad: " + "a" * (5 * 1024 * 1024) + "\n"
    )
    assert len(result.errors) == 1
    assert "cap" in result.errors[0].message


def test_placeholder_display_name_does_not_borrow_the_author_field(tmp_path: Path) -> None:
    text = (
        "Metadata-Version: 2.1\nName: matplotlib\nAuthor: John D. Hunter, Michael Droettboom\n"
        "Author-email: Unknown <matplotlib-users@python.org>\n"
    )
    result = scan_one(tmp_path, "PKG-INFO", text)
    assert rows(result.contacts) == [("matplotlib-users@python.org", None, "author", 4)]
