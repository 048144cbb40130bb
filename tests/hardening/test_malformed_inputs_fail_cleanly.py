"""Bugs the hardening work found, each pinned by the smallest input that showed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.config import ConfigError, load_file, parse_yaml


@pytest.mark.parametrize("text", ["\x00", "fail-on: high\n\x00\n", "a: \x07"])
def test_a_yaml_config_with_a_control_character_is_a_config_error(text: str) -> None:
    # Found by fuzzing: the YAML reader raised ReaderError from its constructor, outside
    # the parser's error handling, and the CLI ended with an internal error.
    with pytest.raises(ConfigError, match=r"^cfg\.yml: invalid YAML: unacceptable character"):
        parse_yaml(text, "cfg.yml")


def test_a_yaml_config_file_with_a_nul_byte_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / ".domain-guard.yml"
    path.write_bytes(b"fail-on: high\n\x00\n")
    with pytest.raises(ConfigError, match="special characters are not allowed"):
        load_file(path)


def test_an_address_whose_local_part_is_only_punctuation_is_not_reported() -> None:
    # Found by atheris: a C1 control character (Latin-1 \x80) passed the address pattern,
    # was trimmed as punctuation, and "@¯.ÂÁ" came out with an empty local part.
    from checker.addresses import parse_addresses

    assert parse_addresses(">\x80@\xaf.\xc2\xc1") == []
    assert [a.email for a in parse_addresses("\x80@x.org, jane@x.org")] == ["jane@x.org"]


def test_a_toml_error_at_the_end_of_the_document_points_at_a_line_of_the_file() -> None:
    # Found by atheris: the end-of-document fallback counted lines with str.splitlines(),
    # which also breaks at \x1c, \x0c and friends, and pointed past the last line.
    from checker.sources.base import SourceError
    from checker.sources.pyproject import parse_pyproject

    with pytest.raises(SourceError) as raised:
        parse_pyproject("'\x1c\x00\x00\x00\x00\x000", "pyproject.toml")
    assert raised.value.line == 1
    with pytest.raises(SourceError) as raised:
        parse_pyproject('[project]\nname = "unterminated', "pyproject.toml")
    assert raised.value.line == 2


def test_reading_a_path_that_became_a_fifo_fails_instead_of_hanging(tmp_path: Path) -> None:
    # The walk saw a regular file; by the time it is read it is a FIFO with no writer.
    import os

    from checker.sources.base import SourceError, read_limited

    fifo = tmp_path / "setup.cfg"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        read_limited(fifo)
