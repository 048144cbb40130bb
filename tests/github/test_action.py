"""`domain-guard action` run as the runner runs it: a process with INPUT_* and GITHUB_* set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from checker.github.action import ActionInputError, ActionInputs, output_lines
from tests.report.actions_runner import commands
from tests.report.reports import sarif_schema
from tests.servers.dns import LoopbackDnsServer
from tests.servers.github import Canned, FakeGitHub
from tests.servers.rdap import RdapServer, synthetic_domain

TOKEN = "ghs_actionTOKENabcdef0123456789"
ZONE = """
healthy.org. 300 IN NS ns1.host.net.
healthy.org. 300 IN MX 10 mail.healthy.org.
mail.healthy.org. 300 IN A 192.0.2.10
pending.org. 300 IN NS ns1.host.net.
fresh.org. 300 IN NS ns1.host.net.
fresh.org. 300 IN MX 10 mail.fresh.org.
mail.fresh.org. 300 IN A 192.0.2.11
"""
PYPROJECT = """\
[project]
name = "widgets"
version = "1.0"
authors = [{name = "Ada", email = "ada@healthy.org"}]
maintainers = [
  {name = "Bob\\n::set-output name=pwned::yes", email = "bob@pending.org"},
]
"""


def parse_outputs(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT file as the runner does (``k=v`` and ``k<<DELIM`` blocks)."""
    outputs: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for item in lines:
                if item == delimiter:
                    break
                value.append(item)
            else:
                raise AssertionError(f"unterminated output {name}")
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A workspace, registries, DNS and a GitHub API on loopback; the job's environment."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    commands_dir = tmp_path / "file_commands"
    commands_dir.mkdir()
    with RdapServer() as server, LoopbackDnsServer(ZONE) as dns, FakeGitHub(token=TOKEN) as github:
        org = server.add_registry("pir", ["org"], not_found="rdap-error")
        org.add("healthy.org", synthetic_domain("healthy.org"))
        org.add("pending.org", synthetic_domain("pending.org", statuses=["pending delete"]))
        org.add("fresh.org", synthetic_domain("fresh.org", registration="2024-03-01T00:00:00Z"))
        host, port = dns.address
        env = {
            "PATH": os.environ.get("PATH", ""),
            # The tree under test, wherever the package happens to be installed from.
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "HOME": str(tmp_path),
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_OUTPUT": str(commands_dir / "set_output"),
            "GITHUB_STEP_SUMMARY": str(commands_dir / "step_summary"),
            "GITHUB_REPOSITORY": "octo/widgets",
            "GITHUB_API_URL": github.endpoints.api_url,
            "GITHUB_GRAPHQL_URL": github.endpoints.graphql_url,
            "INPUT_GITHUB-TOKEN": TOKEN,
            "INPUT_FAIL-ON": "high",
            "INPUT_PATHS": ".",
            "DOMAIN_GUARD_RDAP_BOOTSTRAP": str(server.write_bootstrap(tmp_path / "dns.json")),
            "DOMAIN_GUARD_NAMESERVER": f"{host}:{port}",
            "DOMAIN_GUARD_CACHE_DIR": str(tmp_path / "cache"),
            "DOMAIN_GUARD_TIMEOUT": "2",
            "DOMAIN_GUARD_NO_MAIL_PATH": "1",  # no nameserver hosts here; see test_mailpath.py
            "__fake__": str(id(github)),
        }
        _FAKES[env["__fake__"]] = github
        yield env
        del _FAKES[env["__fake__"]]


_FAKES: dict[str, FakeGitHub] = {}


def _run(env: dict[str, str], **inputs: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in env.items() if not k.startswith("__")}
    full.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
    return subprocess.run(
        [sys.executable, "-m", "checker", "action"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",
    )


def _outputs(env: dict[str, str]) -> dict[str, str]:
    return parse_outputs(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))


def test_action_fails_on_a_pending_delete_domain_and_writes_every_output(
    world: dict[str, str],
) -> None:
    done = _run(world, sarif_file="results.sarif")
    assert done.returncode == 1, done.stderr
    outputs = _outputs(world)
    assert outputs == {
        "findings": "1",
        "highest-risk": "critical",
        "report-path": "domain-guard-report.json",
        "issue-number": "",
    }
    workspace = Path(world["GITHUB_WORKSPACE"])
    report = json.loads((workspace / "domain-guard-report.json").read_text())
    assert {d["domain"]: d["risk"] for d in report["domains"]} == {
        "pending.org": "critical",
        "healthy.org": "none",
    }
    sarif = json.loads((workspace / "results.sarif").read_text())
    jsonschema.validate(sarif, sarif_schema())
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for run in sarif["runs"]
        for res in run["results"]
        for loc in res["locations"]
    }
    assert uris == {"pyproject.toml"}
    summary = Path(world["GITHUB_STEP_SUMMARY"]).read_text()
    assert "## domain-guard" in summary
    assert "`pending.org`" in summary
    [error] = [c for _, c in commands(done.stdout) if c.name == "error"]
    assert error.properties["file"] == "pyproject.toml"
    assert error.properties["line"] == "6"


def test_hostile_metadata_forges_no_command_in_the_log(world: dict[str, str]) -> None:
    done = _run(world, format="text")
    names = {c.name for _, c in commands(done.stdout + done.stderr)}
    assert "set-output" not in names
    assert names <= {"error", "warning", "notice", "group", "endgroup"}
    assert "pwned" not in _outputs(world)


def test_open_issue_opens_then_closes_the_repository_issue(world: dict[str, str]) -> None:
    github = _FAKES[world["__fake__"]]
    done = _run(world, open_issue="true")
    assert done.returncode == 1
    assert _outputs(world)["issue-number"] == "1"
    [issue] = github.issues("octo/widgets")
    assert issue["state"] == "open"
    assert "`pending.org`" in issue["body"]
    for stream in (done.stdout, done.stderr, Path(world["GITHUB_STEP_SUMMARY"]).read_text()):
        assert TOKEN not in stream

    Path(world["GITHUB_OUTPUT"]).unlink()
    (Path(world["GITHUB_WORKSPACE"]) / "pyproject.toml").write_text(
        PYPROJECT.replace("bob@pending.org", "bob@healthy.org"), encoding="utf-8"
    )
    done = _run(world, open_issue="true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert github.issues("octo/widgets")[0]["state"] == "closed"
    assert _outputs(world)["highest-risk"] == "none"


def test_read_only_token_degrades_to_annotations_with_a_notice(world: dict[str, str]) -> None:
    github = _FAKES[world["__fake__"]]
    github.read_only_tokens = frozenset({TOKEN})
    github.token = "ghs_other"
    done = _run(world, open_issue="true")
    assert done.returncode == 1  # by the threshold, not by the refused write
    names = [c.name for _, c in commands(done.stdout)]
    assert "notice" in names
    assert "read-only" in done.stdout
    assert github.issues("octo/widgets") == []
    assert TOKEN not in done.stdout + done.stderr


def test_issue_failure_other_than_permission_fails_an_otherwise_clean_run(
    world: dict[str, str],
) -> None:
    (Path(world["GITHUB_WORKSPACE"]) / "pyproject.toml").write_text(
        PYPROJECT.replace("bob@pending.org", "bob@healthy.org"), encoding="utf-8"
    )
    github = _FAKES[world["__fake__"]]
    github.queue(Canned(422, {"message": "Validation Failed"}), path="/api/v3/repos/")
    done = _run(world, open_issue="true")
    assert done.returncode == 3
    assert "could not keep the issue" in done.stdout


def test_offline_run_reports_unknown_and_fails_only_when_asked(world: dict[str, str]) -> None:
    done = _run(world, offline="true")
    assert done.returncode == 0, done.stderr
    assert _outputs(world)["highest-risk"] == "unknown"
    assert _outputs(world)["findings"] == "0"
    Path(world["GITHUB_OUTPUT"]).unlink()
    done = _run(world, offline="true", fail_on_unknown="true")
    assert done.returncode == 1
    assert _outputs(world)["findings"] == "2"


def test_bad_inputs_are_usage_errors_as_workflow_errors(world: dict[str, str]) -> None:
    done = _run(world, fail_on="sometimes")
    assert done.returncode == 2
    [(_, command)] = commands(done.stdout)
    assert command.name == "error"
    assert "fail-on" in command.data
    done = _run(world, sarif_file="../outside.sarif")
    assert done.returncode == 2
    assert "outside the workspace" in done.stdout


def test_inputs_are_read_with_hyphens_as_the_runner_sets_them() -> None:
    inputs = ActionInputs.from_env(
        {
            "INPUT_PATHS": "pkg-a\npkg-b ",
            "INPUT_FAIL-ON": "Medium",
            "INPUT_FAIL-ON-UNKNOWN": "TRUE",
            "INPUT_EXPIRY-WINDOW": "45",
            "INPUT_OPEN-ISSUE": "false",
            "INPUT_GITHUB-TOKEN": TOKEN,
        }
    )
    assert inputs.paths == ("pkg-a", "pkg-b")
    assert inputs.fail_on == "medium"
    assert inputs.fail_on_unknown is True
    assert inputs.expiry_window == 45
    assert TOKEN not in repr(inputs)
    assert ActionInputs.from_env({}).fail_on is None
    with pytest.raises(ActionInputError, match="true or false"):
        ActionInputs.from_env({"INPUT_OFFLINE": "yes"})
    with pytest.raises(ActionInputError, match="expiry-window"):
        ActionInputs.from_env({"INPUT_EXPIRY-WINDOW": "-1"})


def test_multi_line_output_values_use_a_random_delimiter() -> None:
    first = output_lines("report", "line one\nline two")
    second = output_lines("report", "line one\nline two")
    assert first != second
    assert parse_outputs(first) == {"report": "line one\nline two"}
    assert output_lines("findings", "3") == "findings=3\n"
    with pytest.raises(ValueError, match="bad output name"):
        output_lines("a=b", "x")


def test_an_offline_run_holds_the_issue_instead_of_closing_it(world: dict[str, str]) -> None:
    github = _FAKES[world["__fake__"]]
    assert _run(world, open_issue="true").returncode == 1
    world["DOMAIN_GUARD_NO_CACHE"] = "1"
    done = _run(world, open_issue="true", offline="true")
    assert done.returncode == 0
    assert "issue held (#1)" in done.stdout
    assert "could not check" in done.stdout
    [issue] = github.issues("octo/widgets")
    assert issue["state"] == "open"
    assert "`pending.org`" in issue["body"]


def test_bad_credentials_fail_the_issue_step_instead_of_a_notice(world: dict[str, str]) -> None:
    (Path(world["GITHUB_WORKSPACE"]) / "pyproject.toml").write_text(
        PYPROJECT.replace("bob@pending.org", "bob@healthy.org"), encoding="utf-8"
    )
    world["INPUT_GITHUB-TOKEN"] = "ghs_revoked_token_0123456789"
    done = _run(world, open_issue="true")
    assert done.returncode == 3
    assert "401" in done.stdout
    assert "ghs_revoked_token_0123456789" not in done.stdout + done.stderr


def test_verbose_action_logs_github_requests_but_never_the_token(world: dict[str, str]) -> None:
    world["DOMAIN_GUARD_VERBOSE"] = "1"
    done = _run(world, open_issue="true")
    assert done.returncode == 1
    said = done.stderr
    assert "domain-guard: debug: GitHub GET /api/v3/repos/octo/widgets/issues -> 200" in said
    assert "domain-guard: debug: GitHub POST /api/v3/repos/octo/widgets/issues -> 201" in said
    assert "/domain/pending.org -> 200" in done.stderr
    assert TOKEN not in done.stdout + done.stderr


def test_issue_labels_are_checked_once_for_every_entry_point() -> None:
    for label in ("a,b", "x" * 51, "tab\there"):
        with pytest.raises(ActionInputError, match="issue-label"):
            ActionInputs.from_env({"INPUT_ISSUE-LABEL": label})
    assert (
        ActionInputs.from_env({"INPUT_ISSUE-LABEL": "supply chain"}).issue_label == "supply chain"
    )


def test_the_action_dates_addresses_from_a_full_clones_history(world: dict[str, str]) -> None:
    """fresh.org was registered in 2024; the address was committed in 2018."""
    workspace = Path(world["GITHUB_WORKSPACE"])
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "w"\nversion = "1"\nauthors = [{email = "bob@fresh.org"}]\n'
    )
    env = {**world, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t")
    env.update(GIT_COMMITTER_EMAIL="t@t", GIT_COMMITTER_DATE="2018-05-01T00:00:00Z")
    env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"]
    for command in (["init", "-q"], ["add", "pyproject.toml"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *command], cwd=workspace, env=env, check=True)
    done = _run(world)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((workspace / "domain-guard-report.json").read_text())
    [verdict] = report["domains"]
    assert [r["code"] for r in verdict["reasons"]] == ["re-registered"]
    assert report["contacts"][0]["source"]["uploaded"] == "2018-05-01T00:00:00Z"


def test_exclude_input_skips_paths_like_the_configurations_exclude(
    world: dict[str, str],
) -> None:
    workspace = Path(world["GITHUB_WORKSPACE"])
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "w"\nversion = "1"\nauthors = [{email = "ada@healthy.org"}]\n',
        encoding="utf-8",
    )
    vendored = workspace / "third_party" / "old"
    vendored.mkdir(parents=True)
    (vendored / "setup.cfg").write_text(
        "[metadata]\nauthor_email = bob@pending.org\n", encoding="utf-8"
    )
    assert _run(world).returncode == 1  # the vendored copy's domain is read without it
    done = _run(world, exclude="third_party\nbuild")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((workspace / "domain-guard-report.json").read_text())
    assert {d["domain"] for d in report["domains"]} == {"healthy.org"}


def test_an_issue_planted_by_someone_else_is_reported_never_adopted(
    world: dict[str, str],
) -> None:
    """Anyone can open an issue with the label and the marker (its fingerprint is public
    arithmetic). The Action must not edit, reopen or comment on it: it opens its own."""
    from checker.github.issues import marker

    github = _FAKES[world["__fake__"]]
    body = marker("repository", "0" * 16) + "\n| critical | `pending.org` | planted |\n"
    planted = github.add_issue(
        "octo/widgets", title="domain-guard: planted", body=body, labels=["domain-guard"],
        state="closed", author="mallory",
    )  # fmt: skip
    done = _run(world, open_issue="true")
    assert done.returncode == 1, done.stdout + done.stderr
    issues = {issue["number"]: issue for issue in github.issues("octo/widgets")}
    assert issues[planted]["state"] == "closed"
    assert issues[planted]["body"] == body
    assert issues[planted]["comments"] == []
    (mine,) = [n for n in issues if n != planted]
    assert issues[mine]["user"]["login"] == github.login
    assert _outputs(world)["issue-number"] == str(mine)
    warnings = [c for _, c in commands(done.stdout) if c.name == "warning"]
    assert any(f"#{planted}" in c.data and "not written" in c.data for c in warnings)


def test_sarif_links_the_readme_of_the_actions_own_repository(world: dict[str, str]) -> None:
    world = {**world, "GITHUB_ACTION_REPOSITORY": "octo/domain-guard",
             "GITHUB_SERVER_URL": "https://github.com"}  # fmt: skip
    assert _run(world, sarif_file="results.sarif").returncode == 1
    sarif = json.loads((Path(world["GITHUB_WORKSPACE"]) / "results.sarif").read_text())
    jsonschema.validate(sarif, sarif_schema())
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://github.com/octo/domain-guard#readme"
