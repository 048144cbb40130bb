"""The conventions of pip-audit, ruff and zizmor: -V, -v/-q anywhere, --color and NO_COLOR,
--no-progress, exit codes and examples in every --help, one placeholder style, an
environment variable for every option."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from checker import __version__
from checker.cli import app
from tests.servers.rdap import RdapServer, synthetic_domain

runner = CliRunner()
COMMAND = typer.main.get_command(app)
NAMES = sorted(COMMAND.commands)  # type: ignore[attr-defined]
PROJECT = (
    '[project]\nname = "demo"\nversion = "1"\n'
    'authors = [{ name = "Jane", email = "jane@janedoe-project.dev" }]\n'
)


def _help(*names: str) -> str:
    result = runner.invoke(app, [*names, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flags(flag: str) -> None:
    result = runner.invoke(app, [flag])
    assert result.exit_code == 0
    assert result.stdout == f"domain-guard {__version__}\n"


@pytest.mark.parametrize("name", ["", *NAMES])
def test_every_help_lists_the_exit_codes_and_two_examples(name: str) -> None:
    text = _help(*filter(None, [name]))
    assert "Exit codes:" in text
    for code in range(5):
        assert re.search(rf"^\s+{code}  \S", text, re.MULTILINE), text
    examples = text.split("Examples:", 1)[1].split("Exit codes:", 1)[0]
    lines = [line.strip() for line in examples.splitlines() if "domain-guard" in line]
    assert len(lines) >= 2, examples
    if name:
        assert all(re.search(rf"domain-guard {name}\b", line) for line in lines), lines


@pytest.mark.parametrize("name", NAMES)
def test_help_uses_one_placeholder_style(name: str) -> None:
    text = _help(name)
    assert not re.search(r"<[a-z ]+>", text), text  # no click-style <file>, <int range>
    for click_default in ("INTEGER", "FLOAT", "TEXT"):
        assert click_default not in text


@pytest.mark.parametrize("name", NAMES)
def test_every_option_has_an_environment_variable(name: str) -> None:
    command = COMMAND.commands[name]  # type: ignore[attr-defined]
    missing = [
        param.opts[0]
        for param in command.params
        if param.param_type_name == "option" and param.name != "help" and not param.envvar
    ]
    assert missing == []


def test_deps_requirement_files_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_text("-e ./local-project\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["deps", "--offline", "--no-cache", "-f", "json"],
        env={"DOMAIN_GUARD_REQUIREMENT": str(tmp_path / "req.txt")},
    )
    # The file was read: its editable line is reported as skipped, not "deps needs ...".
    assert "skipped" in result.stdout, result.output


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(PROJECT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def registry(project: Path) -> Iterator[list[str]]:
    """A loopback registry that holds the project's domain: lookup options to reach it."""
    with RdapServer() as server:
        registry = server.add_registry("google", ["dev"])
        registry.add("janedoe-project.dev", synthetic_domain("janedoe-project.dev"))
        bootstrap = server.write_bootstrap(project / "dns.json")
        yield ["--rdap-bootstrap", str(bootstrap), "--no-dns", "--no-cache"]


@pytest.mark.parametrize(
    "args",
    [
        ["-v", "scan"],
        ["scan", "-v"],
        ["scan", "pyproject.toml", "-v"],
        ["scan", "--verbose"],
    ],
)
def test_verbose_works_in_any_position_and_lists_healthy_domains(
    registry: list[str], args: list[str]
) -> None:
    result = runner.invoke(app, [*args, *registry])
    assert result.exit_code == 0, result.output
    assert "GET http://127.0.0.1:" in result.stderr  # each request is said
    assert re.search(r"^none\s+janedoe-project\.dev \(pyproject\.toml:4\)$", result.stdout, re.M)


def test_healthy_domains_are_a_count_without_verbose(registry: list[str]) -> None:
    result = runner.invoke(app, ["scan", *registry])
    assert result.exit_code == 0, result.output
    assert "1 domain healthy" in result.stdout
    assert "janedoe-project.dev" not in result.stdout


@pytest.mark.parametrize("args", [["-q", "scan", "--offline"], ["scan", "--offline", "-q"]])
def test_quiet_keeps_the_could_not_check_line_but_not_informational_ones(
    project: Path, args: list[str]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "could not check 1 of 1 domain" in result.stderr


def test_verbose_and_quiet_exclude_each_other(project: Path) -> None:
    result = runner.invoke(app, ["scan", "-v", "-q", "--offline"])
    assert result.exit_code == 2
    assert "exclude each other" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),  # an explicit choice wins
        (["--color", "never"], {}, False),
        ([], {}, False),  # auto: CliRunner's stdout is not a terminal
        ([], {"DOMAIN_GUARD_COLOR": "always"}, True),
    ],
)
def test_color_switch(project: Path, args: list[str], env: dict[str, str], coloured: bool) -> None:
    result = runner.invoke(app, ["scan", "--offline", *args], env=env)
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.stdout) is coloured


def test_no_color_turns_auto_colour_off_on_a_terminal() -> None:
    from checker.cli import Color, Ui

    class Terminal:
        def isatty(self) -> bool:
            return True

    assert Ui(color=Color.AUTO).colour_for(Terminal())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NO_COLOR", "1")
        assert not Ui(color=Color.AUTO).colour_for(Terminal())
        assert Ui(color=Color.ALWAYS).colour_for(Terminal())


def test_no_progress_is_accepted_on_every_lookup_command(project: Path) -> None:
    for args in (["scan", "--no-progress", "--offline"], ["--no-progress", "scan", "--offline"]):
        assert runner.invoke(app, args).exit_code == 0
