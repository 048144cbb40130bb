"""What ``deps`` looks up: specifiers, pip requirements files and lockfiles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.sources.pypi import Requirement
from checker.sources.requirements import (
    collect,
    lockfile_format,
    parse_specifier,
    read_lockfile,
    read_requirements_file,
)

DEPS = Path(__file__).parents[1] / "fixtures" / "deps"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(DEPS, tmp_path / "deps")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "deps"


def test_specifiers_pin_only_exact_versions() -> None:
    def pin(text: str) -> tuple[str, str | None]:
        found = parse_specifier(text, "<arguments>", 1)
        assert isinstance(found, Requirement), found
        return found.name, found.version

    assert pin("requests") == ("requests", None)
    assert pin("Django==4.2.11") == ("Django", "4.2.11")
    assert pin("urllib3===2.2.1") == ("urllib3", "2.2.1")
    assert pin("attrs>=20,<26") == ("attrs", None)
    assert pin("zope.interface==6.*") == ("zope.interface", None)
    assert pin('requests[socks]==2.32.3 ; python_version >= "3.8"') == ("requests", "2.32.3")


def test_url_and_garbage_specifiers_are_errors_not_crashes() -> None:
    url = parse_specifier("pkg @ https://example.org/pkg-1.0.tar.gz", "<arguments>", 2)
    assert not isinstance(url, Requirement)
    assert url.message.startswith("skipped: pkg @ (a URL)")
    path = parse_specifier("./vendor/pkg", "<arguments>", 3)
    assert not isinstance(path, Requirement)
    assert "skipped: a URL or path requirement" in path.message
    assert path.line == 3
    garbage = parse_specifier("requests >>>> 2", "<arguments>", 4)
    assert not isinstance(garbage, Requirement)
    assert garbage.message.startswith("not a requirement: ")
    assert ">>>>" not in garbage.message  # the line is named by number, never quoted


def test_requirements_file_with_includes_cycles_hashes_and_options(project: Path) -> None:
    found = read_requirements_file(Path("deps/project/requirements.txt"))
    got = [(r.name, r.version, r.path, r.line) for r in found.requirements]
    assert got == [
        # -r base.txt at line 4 is read where it is written; its -r back is a cycle
        ("urllib3", "2.2.1", "deps/project/base.txt", 2),
        ("certifi", None, "deps/project/base.txt", 3),
        ("requests", None, "deps/project/requirements.txt", 6),
        ("Django", "4.2.11", "deps/project/requirements.txt", 7),  # hashes on the next lines
        ("attrs", None, "deps/project/requirements.txt", 10),
        ("zope.interface", None, "deps/project/requirements.txt", 11),
        # --requirement=dev/extra.txt, relative to the including file; its -r ../base.txt
        # was read already
        ("pytest", None, "deps/project/dev/extra.txt", 1),
    ]
    assert found.files == 3  # constraints.txt is never opened
    skipped = [(e.line, e.message.split(" is not looked up")[0]) for e in found.errors]
    assert skipped == [
        (12, "skipped: an editable requirement"),
        (13, "skipped: a URL or path requirement"),
        (14, "skipped: mypkg @ (a URL)"),
    ]
    assert all(e.path == "deps/project/requirements.txt" for e in found.errors)


def test_missing_include_is_an_error_naming_the_file(tmp_path: Path) -> None:
    top = tmp_path / "requirements.txt"
    top.write_text("-r nowhere.txt\nattrs\n")
    found = read_requirements_file(top)
    assert [r.name for r in found.requirements] == ["attrs"]
    (error,) = found.errors
    assert error.path.endswith("nowhere.txt")
    assert "cannot read" in error.message


def test_uv_lock_pins_registry_packages_and_skips_the_rest(project: Path) -> None:
    found = read_lockfile(Path("deps/uv.lock"))
    assert [(r.name, r.version) for r in found.requirements] == [
        ("anyio", "4.6.2.post1"),
        ("idna", "3.10"),
        ("sniffio", "1.3.1"),
    ]
    assert all(r.path == "deps/uv.lock" for r in found.requirements)
    messages = [e.message for e in found.errors]  # the editable project itself is silent
    assert len(messages) == 2
    assert messages[0].startswith("skipped: forked (from git https://github.com/example/forked")
    assert messages[1].startswith(
        "skipped: private-lib (from the index https://pkgs.corp.example/simple)"
    )


def test_poetry_lock_pins_packages_and_skips_directories_and_private_sources(
    project: Path,
) -> None:
    found = read_lockfile(Path("deps/poetry.lock"))
    assert [(r.name, r.version) for r in found.requirements] == [
        ("certifi", "2024.8.30"),
        ("charset-normalizer", "3.3.2"),
        ("requests", "2.32.3"),
    ]
    assert [e.message.split(" is not")[0] for e in found.errors] == [
        "skipped: internal-tools (from legacy https://pkgs.corp.example/simple)",
        "skipped: mylib (from directory ../mylib)",
    ]


def test_pylock_toml_of_pep_751(project: Path) -> None:
    found = read_lockfile(Path("deps/pylock.toml"))
    assert [(r.name, r.version) for r in found.requirements] == [
        ("attrs", "25.1.0"),
        ("cattrs", "24.1.2"),
        ("numpy", "2.2.3"),
    ]
    assert [e.message.split(" is not")[0] for e in found.errors] == [
        "skipped: pep751-demo (from a vcs)"
    ]


def test_lockfiles_are_recognised_by_content_under_any_name(project: Path) -> None:
    import tomllib

    for name, kind in (("uv.lock", "uv"), ("poetry.lock", "poetry"), ("pylock.toml", "pylock")):
        renamed = project / f"renamed-{kind}.toml"
        renamed.write_bytes((project / name).read_bytes())
        assert lockfile_format(renamed, tomllib.loads(renamed.read_text())) == kind
        pins = [(r.name, r.version) for r in read_lockfile(renamed).requirements]
        assert pins == [(r.name, r.version) for r in read_lockfile(project / name).requirements]
        assert pins


def test_a_file_that_is_no_lockfile_is_an_error(tmp_path: Path) -> None:
    other = tmp_path / "deps.toml"
    other.write_text('[tool.something]\nname = "x"\n')
    found = read_lockfile(other)
    assert found.requirements == []
    assert "not a lockfile" in found.errors[0].message
    broken = tmp_path / "uv.lock"
    broken.write_text("version = = 1\n")
    assert "invalid TOML" in read_lockfile(broken).errors[0].message


def test_collect_joins_arguments_files_and_lockfiles(project: Path) -> None:
    found = collect(
        ["Requests==2.32.3", "git+https://github.com/x/y"],
        [Path("deps/project/dev/extra.txt")],
        [Path("deps/pylock.toml")],
    )
    # extra.txt includes base.txt, which includes requirements.txt, which includes both
    assert [r.key for r in found.requirements] == [
        "requests", "pytest", "requests", "django", "attrs", "zope-interface", "urllib3",
        "certifi", "attrs", "cattrs", "numpy",
    ]  # fmt: skip
    assert [(e.path, e.line) for e in found.errors] == [
        ("<arguments>", 2),
        *[("deps/project/requirements.txt", line) for line in (12, 13, 14)],
        ("deps/pylock.toml", None),
    ]


def test_an_include_of_a_secret_file_never_quotes_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    secret = "extraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA=="
    (tmp_path / ".git" / "config").write_text(f"[http]\n\t{secret}\n")
    (tmp_path / "requirements.txt").write_text("-r .git/config\nrequests\n")
    found = read_requirements_file(tmp_path / "requirements.txt")
    assert [r.name for r in found.requirements] == ["requests"]
    assert found.errors  # the included lines are not requirements...
    for error in found.errors:  # ...and nothing of them is repeated
        assert "AUTHORIZATION" not in error.message
        assert "eC1hY2Nl" not in error.message


def test_includes_outside_the_project_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    (tmp_path / "elsewhere.txt").write_text("attrs\n")
    (project / "requirements.txt").write_text("-r ../elsewhere.txt\n-r /etc/passwd\nrequests\n")
    found = read_requirements_file(project / "requirements.txt")
    assert [r.name for r in found.requirements] == ["requests"]
    assert [e.line for e in found.errors] == [1, 2]
    assert all("outside" in e.message for e in found.errors)


def test_a_fifo_or_a_device_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "requirements.txt"
    os.mkfifo(fifo)
    found = read_requirements_file(fifo)
    assert found.requirements == []
    assert "not a regular file" in found.errors[0].message
    assert "not a regular file" in read_requirements_file(Path("/dev/zero")).errors[0].message


def test_a_lockfile_nested_too_deeply_for_the_toml_parser_is_an_error(tmp_path: Path) -> None:
    deep = tmp_path / "uv.lock"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    found = read_lockfile(deep)
    assert found.requirements == []
    assert "TOML" in found.errors[0].message
