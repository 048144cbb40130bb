"""Configuration files: sources, discovery, precedence, validation, ignores."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from checker.arguments import contacts_from_arguments
from checker.codec import ignore_to_dict
from checker.config import (
    DEFAULTS,
    MAX_CONFIG_BYTES,
    Config,
    ConfigError,
    load_config,
    load_file,
    merge,
    resolve,
)
from checker.ignores import Ignore, apply_ignores
from checker.model import DomainResult, Reason, ReasonCode, Report, Risk
from checker.pipeline import make_report


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_file(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- sources --------------------------------------------------------------------------


def test_yaml_file_gives_every_setting_normalised(tmp_path: Path) -> None:
    write(
        tmp_path / ".domain-guard.yml",
        """
        fail-on: medium
        fail-on-unknown: true
        expiry-window: 60
        exclude: [tests/**, " build/* "]
        providers:
          - Example-Mail.COM
          - Bücher.de
        ignore:
          - domain: Bücher.de
            reason: our own domain, renewed by finance
            until: 2030-01-31
          - address: Bob@Example.ORG
            reason: left the project
            until: "2029-12-31"
        """,
    )
    config = load_config(tmp_path)
    source = str(tmp_path / ".domain-guard.yml")
    assert config == Config(
        fail_on="medium",
        fail_on_unknown=True,
        expiry_window=60,
        exclude=("tests/**", "build/*"),
        providers=("example-mail.com", "xn--bcher-kva.de"),
        ignore=(
            Ignore(
                "xn--bcher-kva.de",
                None,
                "our own domain, renewed by finance",
                date(2030, 1, 31),
                f"{source}:9",
            ),
            Ignore(None, "Bob@example.org", "left the project", date(2029, 12, 31), f"{source}:12"),
        ),
        path=source,
    )


def test_yaml_alternative_extension_is_found(tmp_path: Path) -> None:
    write(tmp_path / ".domain-guard.yaml", "fail-on: low\n")
    assert load_config(tmp_path).fail_on == "low"


def test_empty_yaml_file_sets_nothing(tmp_path: Path) -> None:
    write(tmp_path / ".domain-guard.yml", "# nothing yet\n")
    config = load_config(tmp_path)
    assert config == Config(path=str(tmp_path / ".domain-guard.yml"))


def test_pyproject_table_is_read_with_arrays_of_tables(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "demo"
        dependencies = ["domain-guard>=0.1"]

        [tool.domain-guard]
        fail-on = "critical"
        expiry-window = 0
        exclude = ["vendor/**"]

        [[tool.domain-guard.ignore]]
        domain = "example.org"
        reason = "parked on purpose"
        until = 2031-05-01
        """,
    )
    config = load_config(tmp_path)
    assert config.fail_on == "critical"
    assert config.expiry_window == 0
    assert config.exclude == ("vendor/**",)
    assert config.ignore == (
        Ignore(
            "example.org",
            None,
            "parked on purpose",
            date(2031, 5, 1),
            f"{tmp_path / 'pyproject.toml'}:10",
        ),
    )


def test_pyproject_with_only_an_ignore_array_is_configuration(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "demo"

        [[tool.domain-guard.ignore]]
        address = "a@example.org"
        reason = "r"
        """,
    )
    config = load_config(tmp_path)
    assert config.ignore is not None
    assert config.ignore[0].address == "a@example.org"
    assert config.ignore[0].source.endswith("pyproject.toml:4")


def test_pyproject_without_the_table_is_not_configuration(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\n[tool.ruff]\nline-length = 1\n')
    assert load_config(tmp_path) == Config()


def test_no_file_means_nothing_set(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()


def test_broken_pyproject_that_does_not_name_the_table_is_left_to_the_scan(
    tmp_path: Path,
) -> None:
    write(tmp_path / "pyproject.toml", '[project\nname = "demo"\n')
    assert load_config(tmp_path) == Config()


def test_broken_pyproject_that_names_the_table_is_an_error_with_its_line(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml", '[project]\nname = "demo"\n\n[tool.domain-guard]\nfail-on =\n'
    )
    with pytest.raises(ConfigError, match=r"pyproject\.toml:5: invalid TOML"):
        load_config(tmp_path)


def test_discovery_does_not_look_above_the_start_directory(tmp_path: Path) -> None:
    write(tmp_path / ".domain-guard.yml", "fail-on: never\n")
    child = tmp_path / "project"
    child.mkdir()
    assert load_config(child) == Config()


def test_pyproject_table_and_yaml_file_together_are_an_error(tmp_path: Path) -> None:
    write(tmp_path / ".domain-guard.yml", "fail-on: never\n")
    write(tmp_path / "pyproject.toml", '[tool.domain-guard]\nfail-on = "low"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert ".domain-guard.yml and " in str(caught.value)
    assert "pyproject.toml both configure domain-guard" in str(caught.value)
    assert "--config" in str(caught.value)


def test_both_yaml_spellings_together_are_an_error(tmp_path: Path) -> None:
    write(tmp_path / ".domain-guard.yml", "fail-on: never\n")
    write(tmp_path / ".domain-guard.yaml", "fail-on: low\n")
    with pytest.raises(ConfigError, match="both configure domain-guard"):
        load_config(tmp_path)


def test_explicit_file_wins_over_discovery(tmp_path: Path) -> None:
    write(tmp_path / ".domain-guard.yml", "fail-on: never\n")
    write(tmp_path / "pyproject.toml", '[tool.domain-guard]\nfail-on = "low"\n')
    chosen = write(tmp_path / "strict.yaml", "fail-on: critical\n")
    assert load_config(tmp_path, explicit=chosen).fail_on == "critical"


def test_explicit_standalone_toml_uses_its_root(tmp_path: Path) -> None:
    path = write(tmp_path / "domain-guard.toml", 'fail-on = "low"\nexpiry-window = 7\n')
    config = load_file(path)
    assert (config.fail_on, config.expiry_window) == ("low", 7)


def test_explicit_pyproject_must_have_the_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\n')
    assert "has no [tool.domain-guard] table" in config_error(path)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    assert "configuration file not found" in config_error(tmp_path / "nope.yml")


def test_explicit_file_of_unknown_type_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.ini", "[x]\n")
    assert "use .toml, .yml or .yaml" in config_error(path)


def test_directory_in_place_of_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".domain-guard.yml").mkdir()
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(tmp_path)


def test_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_bytes(b"fail-on: \xff\xfe high\n")
    assert "not UTF-8" in config_error(path)


# --- precedence -----------------------------------------------------------------------


def test_resolve_takes_the_first_layer_that_is_set() -> None:
    assert resolve("cli", "env", "file", default="default") == "cli"
    assert resolve(None, "env", "file", default="default") == "env"
    assert resolve(None, None, "file", default="default") == "file"
    assert resolve(None, None, None, default="default") == "default"
    assert resolve(None, False, True, default=True) is False  # False is a value, not unset
    assert resolve(None, 0, 30, default=30) == 0


def test_merge_puts_given_options_over_the_file_over_defaults() -> None:
    ignore = Ignore("example.org", None, "r", None, "x.yml:3")
    config = Config(fail_on="low", expiry_window=90, exclude=("a/**",), ignore=(ignore,))
    options = merge(config, fail_on="critical", exclude=["b/**"], fail_on_unknown=False)
    assert options.fail_on == "critical"
    assert options.fail_on_unknown is False
    assert options.expiry_window == 90
    assert options.exclude == ("b/**",)  # replaced, not extended
    assert options.providers == DEFAULTS.providers
    assert options.ignore == (ignore,)
    assert merge(Config()) == DEFAULTS


#: Whatever the calling environment holds, these start unset in the tests below.
UNSET_ENV: dict[str, str | None] = {
    "DOMAIN_GUARD_FAIL_ON": None,
    "DOMAIN_GUARD_FAIL_ON_UNKNOWN": None,
}


def _wired_app(config_dir: Path) -> typer.Typer:
    """The option declarations recommended for the CLI, feeding :func:`merge`."""
    app = typer.Typer()

    @app.command()
    def run(
        fail_on: Annotated[
            str | None, typer.Option("--fail-on", envvar="DOMAIN_GUARD_FAIL_ON")
        ] = None,
        fail_on_unknown: Annotated[
            bool | None,
            typer.Option(
                "--fail-on-unknown/--no-fail-on-unknown", envvar="DOMAIN_GUARD_FAIL_ON_UNKNOWN"
            ),
        ] = None,
    ) -> None:
        options = merge(load_config(config_dir), fail_on=fail_on, fail_on_unknown=fail_on_unknown)
        typer.echo(f"{options.fail_on} {options.fail_on_unknown}")

    return app


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, "medium True"),  # the file
        ([], {"DOMAIN_GUARD_FAIL_ON": "low"}, "low True"),  # environment over file
        (["--fail-on", "critical"], {"DOMAIN_GUARD_FAIL_ON": "low"}, "critical True"),
        (["--no-fail-on-unknown"], {"DOMAIN_GUARD_FAIL_ON_UNKNOWN": "1"}, "medium False"),
        ([], {"DOMAIN_GUARD_FAIL_ON_UNKNOWN": "0"}, "medium False"),
    ],
)
def test_command_line_over_environment_over_file(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    write(tmp_path / ".domain-guard.yml", "fail-on: medium\nfail-on-unknown: true\n")
    result = CliRunner().invoke(_wired_app(tmp_path), args, env={**UNSET_ENV, **env})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


def test_defaults_apply_when_nothing_is_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(_wired_app(tmp_path), [], env=UNSET_ENV)
    assert result.output.strip() == f"{DEFAULTS.fail_on} {DEFAULTS.fail_on_unknown}"


# --- validation -----------------------------------------------------------------------

BAD_YAML = [
    ("fail-on: severe", "fail-on: must be one of critical, high, medium, low, never, not 'severe'"),
    ("fail-on: HIGH", "fail-on: must be one of"),
    ("fail-on: no", "fail-on: must be one of critical, high, medium, low, never, not false"),
    ("fail-on: [high]", "fail-on: must be one of critical, high, medium, low, never, not a list"),
    ("fail-on-unknown: maybe", "fail-on-unknown: must be true or false, not 'maybe'"),
    ("fail-on-unknown: 1", "fail-on-unknown: must be true or false, not 1"),
    ("expiry-window: -1", "expiry-window: must be a whole number of days from 0 to 3650, not -1"),
    ("expiry-window: 3651", "not 3651"),
    ("expiry-window: 30.5", "not 30.5"),
    ("expiry-window: true", "not true"),
    ("expiry-window: '30'", "not '30'"),
    ("expiry-window: " + "9" * 5000, "invalid YAML"),
    ("exclude: tests/**", "exclude: must be a list of strings, not 'tests/**'"),
    ("exclude: [a, '']", "exclude[1]: must be a non-empty string, not ''"),
    ("exclude: [a, 3]", "exclude[1]: must be a non-empty string, not 3"),
    ('exclude: ["a\\nb"]', "exclude[0]: must be one line without control characters"),
    ("exclude: ['" + "x" * 1001 + "']", "exclude[0]: longer than 1000 characters"),
    ("providers: [co.uk]", "providers[0]: 'co.uk' is a public suffix or has no known TLD"),
    ("providers: [com]", "providers[0]: 'com' is a public suffix"),
    ("providers: [example.notatld]", "providers[0]: 'example.notatld' is a public suffix or has"),
    ("providers: [exa_mple.com]", "providers[0]: not a valid domain name"),
    ("providers: [mail.example.*]", "providers[0]: wildcards are not allowed"),
    ("providers: [live.*]", "providers[0]: wildcards are not allowed"),
    ("ignore: {domain: example.org}", "ignore: must be a list of entries, not a mapping"),
    ("ignore: [example.org]", "ignore[0]: must be a mapping with domain or address"),
    ("ignore: [{reason: r}]", "ignore[0]: give exactly one of domain and address"),
    (
        "ignore: [{domain: example.org, address: a@example.org, reason: r}]",
        "ignore[0]: give exactly one of domain and address",
    ),
    ("ignore: [{domain: example.org}]", "ignore[0].reason: is required"),
    ("ignore: [{domain: example.org, reason: ''}]", "ignore[0].reason: must be a non-empty string"),
    ("ignore: [{domain: example.org, reason: 7}]", "ignore[0].reason: must be a non-empty string"),
    ("ignore: [{domain: co.uk, reason: r}]", "ignore[0].domain: 'co.uk' is a public suffix"),
    ("ignore: [{domain: '*.example.org', reason: r}]", "ignore[0].domain: not a valid domain"),
    ("ignore: [{address: example.org, reason: r}]", "ignore[0].address: not an e-mail address"),
    ("ignore: [{address: '@example.org', reason: r}]", "ignore[0].address: not an e-mail"),
    ("ignore: [{address: a@co.uk, reason: r}]", "ignore[0].address: 'co.uk' is a public suffix"),
    (
        "ignore: [{domain: example.org, reason: r, until: 2024-13-01}]",
        "ignore[0].until: not a date: month must be in 1..12",
    ),
    (
        "ignore: [{domain: example.org, reason: r, until: 31/12/2024}]",
        "ignore[0].until: must be a date YYYY-MM-DD, not '31/12/2024'",
    ),
    (
        "ignore: [{domain: example.org, reason: r, until: 2024-12-31T10:00:00Z}]",
        "ignore[0].until: must be a date YYYY-MM-DD",
    ),
    ("ignore: [{domain: example.org, reason: r, until: 20241231}]", "not 20241231"),
    ("- fail-on: high", "must be a mapping of settings, not a list"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_YAML)
def test_bad_yaml_values_are_clear_one_line_errors(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path / "c.yml", "# settings\n" + text + "\n")
    message = config_error(path)
    assert message.startswith(f"{path}:2: ") or "invalid YAML" in message
    assert expected in message


BAD_TOML = [
    ('fail-on = "severe"', 3, "[tool.domain-guard] fail-on: must be one of"),
    ('fail-on-unknown = "yes"', 3, "[tool.domain-guard] fail-on-unknown: must be true or false"),
    ("expiry-window = 5000", 3, "[tool.domain-guard] expiry-window: must be a whole number"),
    ('exclude = "tests/**"', 3, "[tool.domain-guard] exclude: must be a list of strings"),
    ('providers = ["ok.example.org",\n  "co.uk"]', 4, "providers[1]: 'co.uk' is a public suffix"),
    (
        'ignore = [\n  {domain = "example.org", reason = "r"},\n  {domain = "example.com"},\n]',
        5,
        "[tool.domain-guard] ignore[1].reason: is required",
    ),
    (
        'ignore = [\n  {domain = "example.org", reason = "r"},  # {x = 1}\n'
        '  {domain = "example.com", reason = "[x, y]", until = 2024-01-01T00:00:00},\n]',
        5,
        "[tool.domain-guard] ignore[1].until: must be a date YYYY-MM-DD, not 2024-01-01 00:00:00",
    ),
    ('fail_on = "high"', 3, "[tool.domain-guard] fail_on: unknown key (did you mean 'fail-on'?)"),
]


@pytest.mark.parametrize(("text", "line", "expected"), BAD_TOML)
def test_bad_pyproject_values_name_file_line_and_key(
    tmp_path: Path, text: str, line: int, expected: str
) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.domain-guard]\n# settings\n" + text + "\n")
    message = config_error(path)
    assert message.startswith(f"{path}:{line}: ")
    assert expected in message


def test_unknown_top_level_yaml_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yml", "fail-on: high\nexpiry_window: 10\n")
    assert (
        config_error(path)
        == f"{path}:2: expiry_window: unknown key (did you mean 'expiry-window'?)"
    )


def test_unknown_key_without_a_near_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yml", "colour: blue\n")
    message = config_error(path)
    assert "colour: unknown key (allowed: fail-on, fail-on-unknown, expiry-window" in message


def test_unknown_key_in_an_ignore_entry_is_named_with_its_path_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.yml",
        """
        ignore:
          - domain: example.org
            reason: fine
          - domain: example.com
            reason: fine
            expires: 2030-01-01
        """,
    )
    message = config_error(path)
    assert message.startswith(f"{path}:6: ignore[1].expires: unknown key")
    assert "did you mean 'address'" not in message


def test_yaml_error_lines_point_at_the_third_ignore_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.yml",
        """
        fail-on: high
        ignore:
          - domain: example.org
            reason: one
          - address: a@example.com
            reason: two
          - domain: example.net
            reason: three
            until: 2025-02-30
        """,
    )
    assert config_error(path) == (
        f"{path}:9: ignore[2].until: not a date: day is out of range for month"
    )


def test_missing_reason_points_at_its_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.yml",
        "ignore:\n  - domain: example.org\n    reason: ok\n\n  - domain: example.com\n",
    )
    assert config_error(path).startswith(f"{path}:5: ignore[1].reason: is required")


def test_toml_error_lines_point_into_arrays_of_tables(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "demo"

        [tool.domain-guard]
        fail-on = "high"

        [[tool.domain-guard.ignore]]
        domain = "example.org"
        reason = "one"

        [[tool.domain-guard.ignore]]
        domain = "example.com"
        reason = "two"
        "until" = "someday"

        [tool.other]
        until = 1
        """,
    )
    assert config_error(path) == (
        f"{path}:14: [tool.domain-guard] ignore[1].until: must be a date YYYY-MM-DD, not 'someday'"
    )


def test_toml_unknown_key_in_an_array_of_tables_entry_has_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        """
        [[tool.domain-guard.ignore]]
        domain = "example.org"
        reason = "one"

        [[tool.domain-guard.ignore]]
        domain = "example.com"
        why = "two"
        """,
    )
    message = config_error(path)
    assert message.startswith(f"{path}:7: [tool.domain-guard] ignore[1].why: unknown key")


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'fail-on = "high"\nexclude = [\n"a",\n"b"\n')
    message = config_error(path)
    assert "invalid TOML" in message
    assert message.startswith(f"{path}:")


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yml", "fail-on: critical\nexclude: []\nfail-on: never\n")
    assert config_error(path) == f"{path}:3: fail-on: duplicate key (first set on line 1)"


def test_duplicate_key_in_an_ignore_entry_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.yml", "ignore:\n  - domain: example.org\n    reason: a\n    reason: b\n"
    )
    assert "ignore[0].reason: duplicate key (first set on line 3)" in config_error(path)


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yml", "fail-on: high\nexclude: [a, b\nproviders: []\n")
    message = config_error(path)
    assert message.startswith(f"{path}:3: invalid YAML")


def test_quoted_and_toml_native_dates_are_both_accepted(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        """
        [[ignore]]
        domain = "example.org"
        reason = "r"
        until = 2030-01-02

        [[ignore]]
        domain = "example.com"
        reason = "r"
        until = "2030-01-03"
        """,
    )
    config = load_file(path)
    assert config.ignore is not None
    assert [i.until for i in config.ignore] == [date(2030, 1, 2), date(2030, 1, 3)]
    assert [i.source for i in config.ignore] == [f"{path}:1", f"{path}:6"]


# --- hostile files --------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "fail-on: !!python/object/apply:os.system ['touch {marker}']",
        "exclude:\n  - !!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "ignore: !!python/name:os.system",
        "nested: {a: !!python/object/apply:os.system ['touch {marker}']}",
    ],
)
def test_python_tags_are_refused_not_executed(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "executed"
    path = write(tmp_path / "c.yml", payload.replace("{marker}", str(marker)) + "\n")
    message = config_error(path)
    assert "python/" in message
    assert "invalid YAML" in message
    assert not marker.exists()


def test_file_over_the_size_bound_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("exclude:\n" + "  - a\n" * (MAX_CONFIG_BYTES // 6 + 1), encoding="utf-8")
    assert path.stat().st_size > MAX_CONFIG_BYTES
    assert "larger than 1024 KiB; not read" in config_error(path)


def test_oversized_pyproject_is_refused_during_discovery(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("# x\n" * (MAX_CONFIG_BYTES // 4 + 1))
    with pytest.raises(ConfigError, match="larger than 1024 KiB"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "exclude: " + "[" * 5000 + "]" * 5000,
        "exclude:\n" + "".join("  " * i + "- \n" for i in range(1, 200)),
    ],
)
def test_deeply_nested_yaml_is_refused(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "c.yml", text)
    assert "nested deeper than 32 levels" in config_error(path)


def test_deeply_nested_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("exclude = " + "[" * 50000 + "]" * 50000 + "\n")
    assert "invalid TOML: nested too deeply" in config_error(path)


def test_alias_expansion_bomb_is_rejected_without_expanding(tmp_path: Path) -> None:
    # 10**12 strings if expanded; as written, a couple of kilobytes.
    lines = ["exclude:", "  - &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    lines += ["ignore: [" + ", ".join(["*a11"] * 10) + "]"]
    path = write(tmp_path / "c.yml", "\n".join(lines) + "\n")
    assert config_error(path) == f"{path}:2: exclude[0]: must be a non-empty string, not a list"
    path = write(tmp_path / "d.yml", "\n".join(lines).replace("  - &a0", "  - y\n  - &a0") + "\n")
    assert config_error(path) == f"{path}:3: exclude[1]: must be a non-empty string, not a list"


def test_values_shown_in_errors_are_bounded_and_escaped(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yml", 'fail-on: "' + "\\n::error::" * 50 + '"\n')
    message = config_error(path)
    assert len(message.removeprefix(str(path))) < 200  # the value is clipped, whatever the path
    assert "::error::" in message  # shown escaped, on the same line
    assert "\n" not in message


# --- ignores --------------------------------------------------------------------------

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def _report(*arguments: str) -> Report:
    contacts, errors = contacts_from_arguments(list(arguments))
    assert not errors
    registrable = sorted({c.registrable_domain for c in contacts if c.registrable_domain})
    results = [
        DomainResult(
            domain=name,
            risk=Risk.CRITICAL,
            reasons=(Reason(ReasonCode.UNREGISTERED, f"RDAP 404 for {name}"),),
            checked_at=NOW,
        )
        for name in registrable
    ]
    return make_report(contacts, results, [], files_scanned=1, roots=["."], now=NOW)


def _ignore(
    domain: str | None = None, address: str | None = None, until: str | None = None
) -> Ignore:
    """An ignore as the loader builds it from a file."""
    return Ignore(
        domain,
        address,
        "accepted",
        date.fromisoformat(until) if until else None,
        ".domain-guard.yml:3",
    )


def test_domain_ignore_moves_the_finding_out_and_keeps_it_visible() -> None:
    report = _report("a@demo-widgets.org", "b@demo-widgets.com")
    ignore = _ignore(domain="demo-widgets.org")
    result, warnings = apply_ignores(report, [ignore], today=date(2025, 6, 1))
    assert [d.domain for d in result.domains] == ["demo-widgets.com"]
    ignored = result.ignored
    assert [(i.result.domain, i.ignores) for i in ignored] == [("demo-widgets.org", (ignore,))]
    assert ignored[0].result.risk is Risk.CRITICAL
    assert result.contacts == report.contacts
    assert warnings == []


def test_no_ignores_leave_the_findings_untouched() -> None:
    report = _report("a@demo-widgets.org")
    result, warnings = apply_ignores(report, [], today=date(2025, 6, 1))
    assert result.domains == report.domains
    assert result.ignored == ()
    assert warnings == []


def test_ignore_is_active_through_its_until_day_and_lapses_after() -> None:
    report = _report("a@demo-widgets.org")
    ignore = Ignore(
        "demo-widgets.org", None, "renewal ordered", date(2025, 6, 1), "pyproject.toml:9"
    )
    active, warnings = apply_ignores(report, [ignore], today=date(2025, 6, 1))
    assert active.domains == ()
    assert warnings == []
    lapsed, warnings = apply_ignores(report, [ignore], today=date(2025, 6, 2))
    assert [d.domain for d in lapsed.domains] == ["demo-widgets.org"]
    assert lapsed.ignored == ()
    assert warnings == [
        "ignore for demo-widgets.org lapsed on 2025-06-01 "
        "(reason: renewal ordered; set in pyproject.toml:9)"
    ]


def test_lapsed_ignore_does_not_hide_a_domain_another_active_ignore_covers() -> None:
    report = _report("a@demo-widgets.org")
    old = _ignore(domain="demo-widgets.org", until="2020-01-01")
    current = _ignore(address="a@demo-widgets.org")
    result, warnings = apply_ignores(report, [old, current], today=date(2025, 6, 1))
    assert result.domains == ()
    assert result.ignored[0].ignores == (current,)
    assert len(warnings) == 1


def test_idn_ignore_matches_the_a_label_domain(tmp_path: Path) -> None:
    write(tmp_path / ".domain-guard.yml", "ignore:\n  - domain: Bücher.DE\n    reason: ours\n")
    config = load_config(tmp_path)
    assert config.ignore is not None
    report = _report("info@xn--bcher-kva.de", "a@demo-widgets.org")
    result, _ = apply_ignores(report, config.ignore, today=date(2025, 6, 1))
    assert [d.domain for d in result.domains] == ["demo-widgets.org"]
    assert [i.result.domain for i in result.ignored] == ["xn--bcher-kva.de"]


def test_a_label_ignore_matches_an_address_written_in_unicode(tmp_path: Path) -> None:
    write(
        tmp_path / ".domain-guard.yml",
        "ignore:\n  - address: info@xn--bcher-kva.de\n    reason: ours\n",
    )
    config = load_config(tmp_path)
    assert config.ignore is not None
    result, _ = apply_ignores(_report("Info@Bücher.de"), config.ignore, today=date(2025, 6, 1))
    assert result.domains == ()


def test_address_ignore_removes_a_domain_only_when_it_covers_every_contact() -> None:
    report = _report("Bob@demo-widgets.org", "alice@demo-widgets.org")
    bob = _ignore(address="bob@demo-widgets.org")
    partial, _ = apply_ignores(report, [bob], today=date(2025, 6, 1))
    assert [d.domain for d in partial.domains] == ["demo-widgets.org"]
    alice = _ignore(address="alice@demo-widgets.org")
    full, _ = apply_ignores(report, [bob, alice], today=date(2025, 6, 1))
    assert full.domains == ()
    assert full.ignored[0].ignores == (bob, alice)


def test_subdomain_ignore_covers_names_below_it_but_not_the_registrable_domain() -> None:
    only_sub = _report("a@mail.demo-widgets.org", "b@lists.mail.demo-widgets.org")
    sub = _ignore(domain="mail.demo-widgets.org")
    result, _ = apply_ignores(only_sub, [sub], today=date(2025, 6, 1))
    assert result.domains == ()
    mixed = _report("a@mail.demo-widgets.org", "c@demo-widgets.org")
    result, _ = apply_ignores(mixed, [sub], today=date(2025, 6, 1))
    assert [d.domain for d in result.domains] == ["demo-widgets.org"]


def test_registrable_ignore_covers_every_name_below_it() -> None:
    report = _report("a@mail.demo-widgets.org", "c@demo-widgets.org")
    result, _ = apply_ignores(report, [_ignore(domain="demo-widgets.org")], today=date(2025, 6, 1))
    assert result.domains == ()


def test_ignore_for_a_lookalike_domain_does_not_match() -> None:
    report = _report("a@notdemo-widgets.org", "b@demo-widgets.org.uk")
    result, _ = apply_ignores(report, [_ignore(domain="demo-widgets.org")], today=date(2025, 6, 1))
    assert [d.domain for d in result.domains] == ["demo-widgets.org.uk", "notdemo-widgets.org"]


def test_ignore_serialises_for_the_json_report() -> None:
    ignore = Ignore(None, "a@demo-widgets.org", "left", date(2030, 1, 1), "c.yml:4")
    assert ignore_to_dict(ignore) == {
        "domain": None,
        "address": "a@demo-widgets.org",
        "reason": "left",
        "until": "2030-01-01",
        "source": "c.yml:4",
    }


def test_an_ignore_list_costs_one_classifier_however_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One entry aliased thousands of times (120,000 fit in the size cap) is checked with
    one Public Suffix classifier, not one per entry: start-up stays linear."""
    from checker import domains
    from checker.cli import app

    built: list[object] = []
    original = domains.DomainClassifier.__init__

    def counting(self: domains.DomainClassifier, *args: object, **kwargs: object) -> None:
        built.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(domains.DomainClassifier, "__init__", counting)
    entries = 5_000
    (tmp_path / ".domain-guard.yml").write_text(
        "ignore:\n- &e {domain: janedoe.org, reason: accepted}\n" + "- *e\n" * entries
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["domain", "janedoe.org", "--offline", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "ignored" in result.output.lower()
    assert len(built) <= 2, f"{len(built)} classifiers for {entries + 1} ignore entries"


# --- registry-concurrency ---------------------------------------------------------------


def test_registry_concurrency_reaches_the_lookup_settings(tmp_path: Path) -> None:
    from checker.cli import LookupArgs

    write(
        tmp_path / "pyproject.toml",
        """
        [tool.domain-guard.registry-concurrency]
        default = 4
        "rdap.verisign.com" = 16
        "127.0.0.1:8443" = 1
        """,
    )
    options = merge(load_config(tmp_path))
    assert options.registry_concurrency == (
        ("default", 4),
        ("rdap.verisign.com", 16),
        ("127.0.0.1:8443", 1),
    )
    settings = LookupArgs().settings(30, registries=options.registry_concurrency)
    assert settings.registry_concurrency == {
        "default": 4,
        "rdap.verisign.com": 16,
        "127.0.0.1:8443": 1,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("registry-concurrency: 8", "registry-concurrency: must be a mapping"),
        ("registry-concurrency: {rdap.verisign.com: 0}", "must be from 1 to 64, not 0"),
        ("registry-concurrency: {rdap.verisign.com: 65}", "must be from 1 to 64, not 65"),
        ("registry-concurrency: {rdap.verisign.com: '8'}", "must be a whole number"),
        ("registry-concurrency: {rdap.verisign.com: true}", "must be a whole number"),
        ("registry-concurrency: {RDAP.Verisign.com: 8}", "must be a lower-case host name"),
        ("registry-concurrency: {'https://rdap.org/': 8}", "must be a lower-case host name"),
    ],
)
def test_bad_registry_concurrency_is_a_clear_error(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = config_error(write(tmp_path / "c.yml", text + "\n"))
    assert expected in message
