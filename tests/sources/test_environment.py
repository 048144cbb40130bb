"""Installed distributions (``env``): metadata files read in place, never imported."""

from __future__ import annotations

import json
import sys
import sysconfig
from pathlib import Path

from typer.testing import CliRunner

from checker.cli import app
from checker.model import SourceKind
from checker.sources.environment import interpreter_path, read_environment

runner = CliRunner()


def metadata(name: str, version: str, email: str) -> str:
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        f"Summary: demo\nAuthor-email: {email}\n\nlong description jane@not-read.example\n"
    )


def fake_site(root: Path) -> Path:
    """A site-packages directory with every way a distribution records its metadata."""
    site = root / "lib" / "python3.11" / "site-packages"
    (site / "demo-1.0.dist-info").mkdir(parents=True)
    (site / "demo-1.0.dist-info" / "METADATA").write_text(
        metadata("demo", "1.0", "Jane Doe <jane@janedoe.dev>")
    )
    (site / "Old_Pkg-0.9-py3.11.egg-info").mkdir()
    (site / "Old_Pkg-0.9-py3.11.egg-info" / "PKG-INFO").write_text(
        metadata("Old-Pkg", "0.9", "old@oldpkg.org")
    )
    (site / "legacy-0.1-py2.7.egg-info").write_text(metadata("legacy", "0.1", "l@legacy.net"))
    (site / "broken-1.0.dist-info").mkdir()
    (site / "broken-1.0.dist-info" / "METADATA").write_text("this is not metadata\n")
    (site / "ghost-1.0.dist-info").mkdir()  # half removed: no METADATA
    (site / "demo").mkdir()
    (site / "demo" / "__init__.py").write_text("raise SystemExit('never imported')\n")
    return site


def test_reads_dist_info_egg_info_dirs_and_files_without_importing(tmp_path: Path) -> None:
    site = fake_site(tmp_path)
    shadowed = tmp_path / "later"
    (shadowed / "demo-0.5.dist-info").mkdir(parents=True)
    (shadowed / "demo-0.5.dist-info" / "METADATA").write_text(
        metadata("demo", "0.5", "old@shadowed.org")
    )
    installed = read_environment([site, shadowed])
    found = sorted(
        (c.email, c.source.package, c.source.version, Path(c.source.path or "").name)
        for c in installed.contacts
    )
    assert found == [
        ("jane@janedoe.dev", "demo", "1.0", "METADATA"),
        ("l@legacy.net", "legacy", "0.1", "legacy-0.1-py2.7.egg-info"),
        ("old@oldpkg.org", "Old-Pkg", "0.9", "PKG-INFO"),
    ]  # the shadowed copy of demo is not read, like importlib.metadata
    assert {c.source.kind for c in installed.contacts} == {SourceKind.ENVIRONMENT}
    assert all(c.source.line == 5 for c in installed.contacts)
    assert installed.distributions == 3
    (error,) = installed.errors
    assert error.path.endswith("broken-1.0.dist-info/METADATA")
    assert "not a metadata file" in error.message


def test_python_option_asks_the_interpreter_for_its_path() -> None:
    directories = interpreter_path(Path(sys.executable))
    assert Path(sysconfig.get_paths()["purelib"]) in directories
    assert Path.cwd() not in directories  # -I: the working directory is not on the path


def test_an_interpreter_that_cannot_run_falls_back_to_site_packages_beside_it(
    tmp_path: Path,
) -> None:
    site = fake_site(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("not an executable\n")
    assert interpreter_path(python) == [site]


def test_env_command_reports_the_environment(tmp_path: Path) -> None:
    fake_site(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("not an executable\n")
    result = runner.invoke(
        app, ["env", "--python", str(python), "--offline", "--no-cache", "-f", "json"]
    )
    assert result.exit_code == 3, result.output  # broken-1.0 could not be read
    report = json.loads(result.stdout)
    assert {c["email"] for c in report["contacts"]} == {
        "jane@janedoe.dev", "old@oldpkg.org", "l@legacy.net",
    }  # fmt: skip
    source = report["contacts"][0]["source"]
    assert source["kind"] == "environment"
    assert {d["domain"] for d in report["domains"]} == {"janedoe.dev", "oldpkg.org", "legacy.net"}
    missing = runner.invoke(app, ["env", "--python", str(tmp_path / "nope"), "--offline"])
    assert missing.exit_code == 2
    assert "no such interpreter" in missing.output


def test_a_half_removed_first_copy_does_not_hide_a_whole_later_one(tmp_path: Path) -> None:
    from checker.sources.environment import read_environment

    first, second = tmp_path / "a", tmp_path / "b"
    (first / "widgets-1.0.dist-info").mkdir(parents=True)  # METADATA already gone
    (second / "widgets-2.0.dist-info").mkdir(parents=True)
    (second / "widgets-2.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: widgets\nVersion: 2.0\nAuthor-email: a@widgets.example\n"
    )
    installed = read_environment([first, second])
    assert [c.email for c in installed.contacts] == ["a@widgets.example"]
    assert installed.errors == []
