"""A new user's first hour, through the real entry points (the console script, the
pre-commit hook's entry, the Action's) against loopback registries and DNS:
a run that could check nothing fails and says why on one line, an empty scan fails,
the hook skips excluded files it is handed, locations stay whole when piped."""

from __future__ import annotations

import json
import re
import shlex
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.hardening.cli import CliRun, run_cli
from tests.servers.dns import Fault, LoopbackDnsServer
from tests.servers.rdap import Fault as RdapFault
from tests.servers.rdap import RdapServer, synthetic_domain

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = """[project]
name = "demo"
version = "1.0"
authors = [
  { name = "Jane", email = "jane@alpha-project.org" },
  { name = "Bob", email = "bob@beta-project.com" },
]
"""


def _closed_port() -> int:
    """A loopback port nothing listens on: connections are refused (no route to a registry)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bootstrap(path: Path, url: str, tlds: list[str]) -> Path:
    path.write_text(json.dumps({"version": "1.0", "services": [[tlds, [url]]]}), encoding="utf-8")
    return path


@pytest.fixture
def offline_world(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A project, and lookup options under which no registry can be reached and the
    resolver answers NXDOMAIN for every name."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    port = _closed_port()
    bootstrap = _bootstrap(tmp_path / "dns.json", f"http://127.0.0.1:{port}/", ["org", "com"])
    with LoopbackDnsServer() as dns:
        host, dns_port = dns.address
        yield project, [
            "--rdap-bootstrap", str(bootstrap), "--nameserver", f"{host}:{dns_port}",
            "--whois-server", f"org=127.0.0.1:{port}", "--whois-server", f"com=127.0.0.1:{port}",
            "--no-cache", "--timeout", "2",
        ]  # fmt: skip


def _run(args: list[str], cwd: Path, tmp_path: Path, **env: str) -> CliRun:
    run = run_cli(args, cwd=cwd, home=tmp_path / "home", env=env)
    assert not run.escapes, run.escapes  # nothing beyond loopback was tried
    return run


def _could_not_check(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "could not check" in line]


def test_scan_without_network_exits_3_and_says_why_on_one_line(
    offline_world: tuple[Path, list[str]], tmp_path: Path
) -> None:
    project, options = offline_world
    run = _run(["scan", *options], project, tmp_path)
    assert run.returncode == 3, run.stdout + run.stderr
    lines = run.stderr.splitlines()
    assert lines == _could_not_check(run.stderr), run.stderr  # that one line, nothing else
    assert "could not check 2 of 2 domains: 2 registry unreachable" in lines[0]
    assert "rerun with -v" in lines[0]
    # The report itself still lists each domain as unknown, never healthy.
    assert "unknown   alpha-project.org" in run.stdout
    assert "unknown   beta-project.com" in run.stdout


def test_offline_by_choice_is_not_a_failure_but_still_says_so(
    offline_world: tuple[Path, list[str]], tmp_path: Path
) -> None:
    project, options = offline_world
    run = _run(["scan", "--offline", *options], project, tmp_path)
    assert run.returncode == 0, run.stderr
    assert _could_not_check(run.stderr) == [
        "domain-guard: could not check 2 of 2 domains: 2 not looked up (--offline); "
        "run without --offline to look them up"
    ]


def test_the_hook_entry_fails_without_network(
    offline_world: tuple[Path, list[str]], tmp_path: Path
) -> None:
    project, options = offline_world
    entry = shlex.split(_hook()["entry"])[1:]  # the console script is run_cli's
    run = _run([*entry, *options, "pyproject.toml"], project, tmp_path)
    assert run.returncode == 3, run.stderr
    assert len(_could_not_check(run.stderr)) == 1


def test_the_action_fails_without_network(
    offline_world: tuple[Path, list[str]], tmp_path: Path
) -> None:
    project, options = offline_world
    values = dict(zip(options[0::2], options[1::2], strict=False))
    outputs = tmp_path / "outputs"
    env = {
        "GITHUB_WORKSPACE": str(project),
        "GITHUB_OUTPUT": str(outputs),
        "INPUT_PATHS": ".",
        "DOMAIN_GUARD_RDAP_BOOTSTRAP": values["--rdap-bootstrap"],
        "DOMAIN_GUARD_NAMESERVER": values["--nameserver"],
        "DOMAIN_GUARD_WHOIS_SERVER": " ".join(options[5:9:2]),
        "DOMAIN_GUARD_NO_CACHE": "1",
        "DOMAIN_GUARD_TIMEOUT": "2",
    }
    run = _run(["action"], project, tmp_path, **env)
    assert run.returncode == 3, run.stdout + run.stderr
    assert len(_could_not_check(run.stderr)) == 1
    assert "highest-risk=unknown" in outputs.read_text(encoding="utf-8")


# --- the resolver's sanity check -------------------------------------------------------------

HEALTHY_ZONE = """
localhost. 300 IN A 127.0.0.1
alpha-project.org. 300 IN NS ns1.host.net.
alpha-project.org. 300 IN MX 10 mail.alpha-project.org.
mail.alpha-project.org. 300 IN A 192.0.2.10
"""


@pytest.mark.parametrize(
    ("sane", "fault"),
    [(True, None), (False, None), (False, Fault.DROP)],
    ids=["sane-resolver", "nxdomain-resolver", "silent-resolver"],
)
def test_a_resolver_that_finds_no_registry_host_gives_no_evidence(
    tmp_path: Path, sane: bool, fault: Fault | None
) -> None:
    """The registry is named by host (``localhost``): a resolver that cannot find it is
    failing, and its NXDOMAIN for the domain must not read "registered but not delegated"."""
    with RdapServer() as server, LoopbackDnsServer(HEALTHY_ZONE if sane else "") as dns:
        if fault is not None:
            dns.set_fault("localhost", fault)
        registry = server.add_registry("pir", ["org"])
        registry.add("alpha-project.org", synthetic_domain("alpha-project.org"))
        url = registry.base_url.replace("127.0.0.1", "localhost")
        bootstrap = _bootstrap(tmp_path / "dns.json", url, ["org"])
        host, port = dns.address
        run = _run(
            ["domain", "alpha-project.org", "-f", "json", "--rdap-bootstrap", str(bootstrap),
             "--nameserver", f"{host}:{port}", "--no-cache", "--timeout", "1",
             # A sane run would look ns1.host.net's domain up (no registry here holds it);
             # a failing resolver must feed neither the mail path nor the lame check.
             *(["--no-mail-path"] if sane else [])],
            tmp_path, tmp_path,
        )  # fmt: skip
        asked = dns.queries_for("alpha-project.org")
    (verdict,) = json.loads(run.stdout)["domains"]
    if sane:
        assert run.returncode == 0, run.stderr
        assert verdict["risk"] == "none"
        assert not _could_not_check(run.stderr)
        assert asked  # the domain's own questions were asked
        return
    assert run.returncode == 3, run.stderr
    assert verdict["risk"] == "unknown"
    codes = [r["code"] for r in verdict["reasons"]]
    assert codes == ["lookup-failed"], verdict  # not "inactive" from the resolver's NXDOMAIN
    message = verdict["reasons"][0]["message"]
    assert "is failing" in message
    assert ("localhost: no answer from" if fault else "localhost: NXDOMAIN") in message
    assert "1 resolver failing" in _could_not_check(run.stderr)[0]
    assert asked == []  # once failing, the resolver is asked nothing more


# --- nothing to scan --------------------------------------------------------------------------


def test_an_empty_scan_exits_3_naming_the_paths(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("no metadata here\n", encoding="utf-8")
    run = _run(["scan", "--offline", "empty"], tmp_path, tmp_path)
    assert run.returncode == 3
    assert run.stderr.splitlines() == [
        "domain-guard: error: nothing to scan: no pyproject.toml, setup.cfg, setup.py, "
        "PKG-INFO, METADATA, wheel or sdist in empty"
    ]


def test_an_action_whose_paths_hold_nothing_exits_3(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    run = _run(
        ["action"], tmp_path, tmp_path,
        GITHUB_WORKSPACE=str(tmp_path), INPUT_PATHS="src", INPUT_OFFLINE="true",
    )  # fmt: skip
    assert run.returncode == 3
    assert run.stdout.startswith("::error::domain-guard: nothing to scan")


# --- the hook's excludes ----------------------------------------------------------------------


def _hook() -> dict[str, str]:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return dict(hook)


@pytest.fixture
def project_with_fixtures(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "tests" / "fixtures").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\n'
        'authors = [{ name = "Jane", email = "jane@gmail.com" }]\n\n'
        '[tool.domain-guard]\nexclude = ["tests/fixtures"]\n',
        encoding="utf-8",
    )
    (project / "tests" / "fixtures" / "setup.cfg").write_text(
        "[metadata]\nauthor_email = stranger@stranger-domain.org\n", encoding="utf-8"
    )
    return project


@pytest.mark.parametrize("hook", [True, False], ids=["hook-entry", "plain-scan"])
def test_the_hook_skips_excluded_files_it_is_handed(
    project_with_fixtures: Path, tmp_path: Path, hook: bool
) -> None:
    # What pre-commit runs: the entry, then each staged file matching `files`.
    files = ["pyproject.toml", "tests/fixtures/setup.cfg"]
    assert all(re.search(_hook()["files"], f) for f in files)
    entry = shlex.split(_hook()["entry"])[1:] if hook else ["scan"]
    args = [*entry, "--offline", "--fail-on-unknown", *files]
    run = _run(args, project_with_fixtures, tmp_path)
    if hook:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "stranger" not in run.stdout + run.stderr
        assert "1 address in 1 file;" in run.stdout
    else:  # without --force-exclude an explicit path is read: what the hook must not do
        assert run.returncode == 1
        assert "stranger-domain.org" in run.stdout


def test_a_hook_handed_only_excluded_files_passes(
    project_with_fixtures: Path, tmp_path: Path
) -> None:
    entry = shlex.split(_hook()["entry"])[1:]
    run = _run([*entry, "--offline", "tests/fixtures/setup.cfg"], project_with_fixtures, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""


def test_this_repositorys_own_configuration_excludes_its_fixtures(tmp_path: Path) -> None:
    """README command 1 in this repository: only the project's own metadata is read."""
    run = _run(["scan", "--offline", "-f", "json", "."], ROOT, tmp_path)
    report = json.loads(run.stdout)
    paths = {c["source"]["path"] for c in report["contacts"]}
    assert not any(p.startswith("tests/") for p in paths), paths
    assert run.returncode == 0, run.stderr


# --- the text report ----------------------------------------------------------------------------


def test_every_location_is_whole_at_80_columns_when_piped(tmp_path: Path) -> None:
    deep = tmp_path / "pkgs" / ("a-rather-long-directory-name-" * 3) / "sdist" / "pexpect-4.9"
    deep.mkdir(parents=True)
    (deep / "setup.cfg").write_text(
        "[metadata]\nauthor = Someone With A Long Name\n"
        "author_email = someone@a-long-maintainer-domain-name.org\n"
        "maintainer_email = other@another-long-maintainer-domain.com\n",
        encoding="utf-8",
    )
    report = _run(["scan", "--offline", "-f", "json", "pkgs"], tmp_path, tmp_path)
    locations = [f"{c['source']['path']}:{c['source']['line']}" for c in report_of(report)]
    assert locations
    assert all(len(loc) > 80 for loc in locations)
    run = _run(["scan", "--offline", "pkgs"], tmp_path, tmp_path, COLUMNS="80")
    for loc in locations:
        assert loc in run.stdout, run.stdout
    assert "…" not in run.stdout


def report_of(run: CliRun) -> list[dict[str, dict[str, object]]]:
    contacts: list[dict[str, dict[str, object]]] = json.loads(run.stdout)["contacts"]
    return contacts


def test_the_line_groups_real_failures_by_cause(tmp_path: Path) -> None:
    """One registry hangs, one answers 503, one resets: the line names each cause."""
    with RdapServer() as server:
        registry = server.add_registry("pir", ["org"])
        registry.fault("hangs.org", RdapFault.HANG)
        registry.fault("busy.org", RdapFault.HTTP_500)
        registry.fault("resets.org", RdapFault.RESET)
        registry.add("fine.org", synthetic_domain("fine.org"))
        bootstrap = server.write_bootstrap(tmp_path / "dns.json")
        whois = f"org=127.0.0.1:{_closed_port()}"
        run = _run(
            ["domain", "hangs.org", "busy.org", "resets.org", "fine.org", "--no-dns",
             "--rdap-bootstrap", str(bootstrap), "--whois-server", whois,
             "--no-cache", "--timeout", "0.5"],
            tmp_path, tmp_path,
        )  # fmt: skip
    assert run.returncode == 0, run.stderr  # fine.org was judged: not a run that checked nothing
    (line,) = _could_not_check(run.stderr)
    assert line.startswith("domain-guard: could not check 3 of 4 domains: ")
    groups = set(line.split(": ", 2)[2].split(";")[0].split(", "))
    assert groups == {"1 timed out", "1 registry unreachable", "1 registry answer not usable"}
