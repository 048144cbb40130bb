"""action.yml, the GitHub workflows and the README's workflow examples: schema-valid, pinned,
least privilege, and clean under zizmor (offline: no finding at medium severity or above)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
README = ROOT / "README.md"
SELFTEST_FIXTURE = ROOT / "tests" / "fixtures" / "action-project"

EXPECTED_INPUTS = {
    "paths": ".",
    "exclude": "",
    # empty: the configuration file decides, else high / false / 30 (documented defaults)
    "fail-on": "",
    "fail-on-unknown": "",
    "expiry-window": "",
    "format": "github",
    "sarif-file": "",
    "open-issue": "false",
    "issue-label": "domain-guard",
    "github-token": "${{ github.token }}",
    "config": "",
    "offline": "false",
}
EXPECTED_OUTPUTS = {"findings", "highest-risk", "report-path", "issue-number"}
# owner/repo[/path]@<40 hex> followed by a version comment
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"^\s+#\s*v\d+(\.\d+)*\b")
# README examples name the released Action by placeholders the reader replaces
# (OWNER/domain-guard@COMMIT_SHA); the checks see a stand-in owner and commit.
README_PLACEHOLDERS = {"OWNER/": "example/", "COMMIT_SHA": "0" * 40}
README_STAND_IN = "example/domain-guard@" + "0" * 40


def _tool(name: str) -> str:
    """A console script of the test environment (beside this Python, or on PATH)."""
    beside = Path(sysconfig.get_path("scripts")) / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is not installed: pip install --require-hashes -r requirements/test.lock"
    return found


def check_schema(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with one of its vendored (offline) schemas."""
    command = [_tool("check-jsonschema"), "--builtin-schema", schema, *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def zizmor_findings(*paths: Path) -> list[dict[str, Any]]:
    """zizmor's findings at its default severity (low and above), offline (no GitHub API)."""
    command = [_tool("zizmor"), "--offline", "--no-config"]
    command += ["--format", "json", "--no-progress", *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    # exit 0: clean; 11-14: findings (by highest severity); anything else: zizmor failed
    assert done.returncode in (0, 11, 12, 13, 14), done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    assert (done.returncode == 0) == (not findings), done.stdout
    return findings


def _describe(findings: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']}" for f in findings
    )


def unpinned_uses(text: str) -> list[str]:
    """`uses:` lines that are not a local path, a docker:// image by digest, or a full commit
    SHA with a `# vX.Y.Z` comment."""
    bad = []
    for line in text.splitlines():
        match = USES_LINE.match(line)
        if not match:
            continue
        ref = match["ref"].strip("'\"")
        if ref.startswith("./"):
            continue
        if ref.startswith("docker://") and "@sha256:" in ref:
            continue
        if not (PINNED.match(ref) and VERSION_COMMENT.match(match["rest"])):
            bad.append(line.strip())
    return bad


def _steps(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in (document.get("jobs") or {}).values():
        yield from job.get("steps") or []


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def test_every_workflow_is_checked() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "action-selftest.yml", "scheduled-scan.yml", "org-scan.yml"} <= names
    assert "newest-deps.yml" in names
    assert "release.yml" in names


def test_action_metadata_passes_the_actions_schema() -> None:
    done = check_schema("vendor.github-actions", ACTION)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_the_workflows_schema(workflow: Path) -> None:
    done = check_schema("vendor.github-workflows", workflow)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing_at_its_default_severity() -> None:
    findings = zizmor_findings(ACTION, ROOT / ".pre-commit-hooks.yaml", *WORKFLOWS)
    assert not findings, _describe(findings)


def test_action_inputs_and_outputs_are_the_documented_ones() -> None:
    action = _load(ACTION)
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
    inputs = {name: spec.get("default") for name, spec in action["inputs"].items()}
    assert inputs == EXPECTED_INPUTS
    assert all(spec.get("description") for spec in action["inputs"].values())
    assert set(action["outputs"]) == EXPECTED_OUTPUTS
    assert all(spec.get("description") for spec in action["outputs"].values())
    assert {"name", "description", "author", "branding"} <= set(action)


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_every_uses_is_pinned_to_a_commit_sha(path: Path) -> None:
    assert unpinned_uses(path.read_text(encoding="utf-8")) == []


def test_an_action_is_pinned_to_one_commit_everywhere() -> None:
    seen: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for step in _steps(_load(path)):
            uses = step.get("uses", "")
            if "@" in uses:
                action, sha = uses.split("@", 1)
                seen.setdefault(action, set()).add(sha)
    assert {action: shas for action, shas in seen.items() if len(shas) > 1} == {}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_grants_nothing_by_default(workflow: Path) -> None:
    document = _load(workflow)
    assert document["permissions"] == {}
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"job {name} must state its permissions"
        if job["permissions"].get("id-token") == "write":
            # OIDC only where something is signed or published
            assert name in {"attest", "pypi", "image"}, name


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_never_persists_credentials(workflow: Path) -> None:
    for step in _steps(_load(workflow)):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, step


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_run_steps_never_expand_expressions(workflow: Path) -> None:
    for step in _steps(_load(workflow)):
        assert "${{" not in step.get("run", ""), step


def test_pypi_publishing_is_trusted_publishing_in_its_environment() -> None:
    release = _load(ROOT / ".github" / "workflows" / "release.yml")
    job = release["jobs"]["pypi"]
    assert job["permissions"] == {"id-token": "write"}
    assert job["environment"]["name"] == "pypi"
    publish = [s for s in job["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert len(publish) == 1
    assert not set(publish[0].get("with", {})) & {"password", "user"}


# -- the Action as the runner starts it ------------------------------------------------------


def runner_environment(step_with: dict[str, Any], workspace: Path, files: Path) -> dict[str, str]:
    """The environment GitHub's runner gives a docker action: every input of action.yml as
    INPUT_<NAME> (upper case, hyphens kept), its default unless the step's `with:` sets it."""
    inputs = _load(ACTION)["inputs"]
    assert set(step_with) <= set(inputs), (
        f"not inputs of action.yml: {set(step_with) - set(inputs)}"
    )
    values = {name: str(spec.get("default", "")) for name, spec in inputs.items()}
    values.update({name: str(value) for name, value in step_with.items()})
    values["github-token"] = "ghs_not_a_real_token"  # what ${{ github.token }} evaluates to
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INPUT_", "GITHUB_", "DOMAIN_GUARD_"))
    }
    env.update({"INPUT_" + name.upper(): value for name, value in values.items()})
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_OUTPUT=str(files / "output"),
        GITHUB_STEP_SUMMARY=str(files / "summary"),
    )
    return env


def read_outputs(text: str) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file: name=value lines and name<<DELIMITER blocks."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lines.__next__, delimiter))
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


SELFTEST_EXIT_CODES = {"scan": 0, "strict": 1}


@pytest.mark.parametrize("step_id", sorted(SELFTEST_EXIT_CODES))
def test_selftest_checks_pass_on_what_the_action_gives(step_id: str, tmp_path: Path) -> None:
    """Each `uses: ./` step of action-selftest.yml, run as the runner runs the image's
    entrypoint (`domain-guard action`), then the workflow's next step, which checks the
    outputs and reports: it passes on the real outputs and fails on others."""
    steps = list(_steps(_load(ROOT / ".github" / "workflows" / "action-selftest.yml")))
    index = next(i for i, s in enumerate(steps) if s.get("id") == step_id)
    step, check = steps[index], steps[index + 1]
    assert step["uses"] == "./"
    assert "run" in check
    workspace = tmp_path / "workspace"
    shutil.copytree(SELFTEST_FIXTURE, workspace / "tests" / "fixtures" / "action-project")
    files = tmp_path / "file_commands"
    files.mkdir()
    environment = runner_environment(step.get("with", {}), workspace, files)
    done = subprocess.run(
        [sys.executable, "-m", "checker", "action"],
        cwd=workspace,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == SELFTEST_EXIT_CODES[step_id], done.stdout + done.stderr
    outputs = read_outputs((files / "output").read_text(encoding="utf-8"))
    assert set(outputs) == EXPECTED_OUTPUTS
    assert "python.org" in (files / "summary").read_text(encoding="utf-8")

    def values(outputs: dict[str, str], outcome: str) -> dict[str, str]:
        found = {f"steps.{step_id}.outputs.{name}": value for name, value in outputs.items()}
        return {**found, f"steps.{step_id}.outcome": outcome}

    outcome = "success" if done.returncode == 0 else "failure"
    checked = _run_step(check, values(outputs, outcome), workspace, environment)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the check is real: other outputs, or another outcome, fail it
    wrong_findings = {**outputs, "findings": "7"}
    assert _run_step(check, values(wrong_findings, outcome), workspace, environment).returncode
    if step_id == "strict":
        assert _run_step(check, values(outputs, "success"), workspace, environment).returncode


# -- the reusable organisation scan, its shell steps run for real ----------------------------

ORG_TOKEN = "ghp_WORKFLOWTESTTOKEN0123456789abcdefghij"
ORG_DOMAINS = ["alpha.dev", "bravo.org", "charlie.net", "delta.io", "echo.dev", "foxtrot.org"]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def _run_step(
    step: dict[str, Any], values: dict[str, str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """A `run:` step through bash as the runner does (`bash -e {0}`), its `env:` expressions
    replaced by `values`."""

    def evaluate(match: re.Match[str]) -> str:
        assert match[1] in values, f"no value for ${{{{ {match[1]} }}}}"
        return values[match[1]]

    step_env = {k: EXPRESSION.sub(evaluate, str(v)) for k, v in step.get("env", {}).items()}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env={**env, **step_env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def fake_org(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A loopback GitHub with organisation `acme`, and an environment whose `domain-guard`
    is this checkout (offline lookups: the domains are all `unknown`)."""
    from tests.servers.github import FakeGitHub
    from tests.servers.github_org import FakeOrgGraphQL, FakeRepo

    fake = FakeOrgGraphQL()
    fake.add_org(
        "acme",
        [
            FakeRepo(
                f"repo-{n}",
                files={
                    "pyproject.toml": f'[project]\nname = "p{n}"\n'
                    f'authors = [{{name = "M {n}", email = "m{n}@{domain}"}}]\n'
                },
            )
            for n, domain in enumerate(ORG_DOMAINS)
        ],
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "domain-guard"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m checker "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    with FakeGitHub(token=ORG_TOKEN) as github:
        fake.install(github)
        yield {
            **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(ROOT),
            "GITHUB_API_URL": github.endpoints.api_url,
            "GITHUB_GRAPHQL_URL": github.endpoints.graphql_url,
            "DOMAIN_GUARD_OFFLINE": "1",
            "DOMAIN_GUARD_NO_CACHE": "1",
        }


def test_org_scan_shards_and_merge_run_as_written(fake_org: dict[str, str], tmp_path: Path) -> None:
    """org-scan.yml's own shell steps: two shards scan disjoint halves of the organisation,
    and the merge job's steps join them into the summary, SARIF and the verdict."""
    workflow = _load(ROOT / ".github" / "workflows" / "org-scan.yml")
    values = {
        "inputs.org": "acme",
        "inputs.shards": "2",
        "inputs.issue-repo": "",
        "inputs.open-issues": "false",
        "inputs.fail-on": "high",
        "secrets.token": ORG_TOKEN,
        "job.workflow_repository": "octo/domain-guard",
    }
    shard_dir = tmp_path / "shards"
    shard_dir.mkdir()
    scan = next(
        s for s in workflow["jobs"]["scan"]["steps"] if "domain-guard org" in s.get("run", "")
    )
    shards = {}
    for k in (1, 2):
        done = _run_step(scan, {**values, "matrix.shard": str(k)}, shard_dir, fake_org)
        assert done.returncode == 0, done.stdout + done.stderr
        assert ORG_TOKEN not in done.stdout + done.stderr
        report = json.loads((shard_dir / f"shard-{k}.json").read_text(encoding="utf-8"))
        shards[k] = {d["domain"] for d in report["domains"]}
    assert shards[1], shards  # both halves got work
    assert shards[2], shards
    assert not shards[1] & shards[2]
    assert shards[1] | shards[2] == set(ORG_DOMAINS)

    summary = tmp_path / "summary.md"
    merge_env = {**fake_org, "GITHUB_STEP_SUMMARY": str(summary)}
    merge_steps = [s for s in workflow["jobs"]["merge"]["steps"] if "run" in s]
    assert [s["name"] for s in merge_steps] == [
        "Install domain-guard",
        "Step summary",
        "SARIF",
        "Verdict (and issues)",
    ]
    for step in merge_steps[1:]:
        done = _run_step(step, values, shard_dir, merge_env)
        assert done.returncode == 0, step["name"] + ": " + done.stdout + done.stderr
    assert all(domain in summary.read_text(encoding="utf-8") for domain in ORG_DOMAINS)
    sarif = json.loads((shard_dir / "merged.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://github.com/octo/domain-guard#readme"
    merged = json.loads((shard_dir / "merged.json").read_text(encoding="utf-8"))
    assert {d["domain"] for d in merged["domains"]} == set(ORG_DOMAINS)
    # the verdict step is the gate: unknown domains fail it once fail-on-unknown applies
    strict = _run_step(
        merge_steps[-1], values, shard_dir, {**merge_env, "DOMAIN_GUARD_FAIL_ON_UNKNOWN": "1"}
    )
    assert strict.returncode == 1, strict.stdout + strict.stderr
    # the merge job, not a shard, keeps the organisation's tracking issue
    tracked = _run_step(
        merge_steps[-1],
        {**values, "inputs.issue-repo": "acme/security"},
        shard_dir,
        {**merge_env, "DOMAIN_GUARD_FAIL_ON_UNKNOWN": "1"},
    )
    assert tracked.returncode == 1, tracked.stdout + tracked.stderr
    assert "issue opened: acme/security #1" in tracked.stderr
    assert ORG_TOKEN not in tracked.stdout + tracked.stderr


# -- README workflow examples -------------------------------------------------------------


def readme_workflows(text: str) -> list[str]:
    """The ```yaml blocks of the README that are whole workflows (they have `jobs:`)."""
    blocks = re.findall(r"^```ya?ml\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    return [b for b in blocks if re.search(r"^jobs:", b, flags=re.MULTILINE)]


@pytest.fixture(scope="module")
def readme_examples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    directory = tmp_path_factory.mktemp("readme-workflows")
    paths = []
    for number, block in enumerate(readme_workflows(README.read_text(encoding="utf-8")), 1):
        path = directory / f"example-{number}.yml"
        text = block
        for placeholder, stand_in in README_PLACEHOLDERS.items():
            text = text.replace(placeholder, stand_in)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _triggers(document: dict[Any, Any]) -> set[str]:
    """The events of a workflow; YAML 1.1 (PyYAML) reads the key `on` as True."""
    events = document[True] if True in document else document["on"]
    return set(events)


def test_readme_has_the_three_workflow_examples(readme_examples: list[Path]) -> None:
    documents = [_load(p) for p in readme_examples]
    triggers = [_triggers(d) for d in documents]
    assert any("pull_request" in t for t in triggers)
    assert any("schedule" in t for t in triggers)
    uses = [s.get("uses", "") for d in documents for s in _steps(d)]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert sum(u == README_STAND_IN for u in uses) >= 3
    callers = [job.get("uses", "") for d in documents for job in d["jobs"].values()]
    assert any("/.github/workflows/org-scan.yml@" in u for u in callers)
    scheduled = next(d for d, t in zip(documents, triggers, strict=True) if "schedule" in t)
    steps = list(_steps(scheduled))
    assert any(s.get("with", {}).get("open-issue") == "true" for s in steps)


def test_readme_examples_use_only_inputs_and_outputs_the_action_has(
    readme_examples: list[Path],
) -> None:
    action = _load(ACTION)
    for path in readme_examples:
        text = path.read_text(encoding="utf-8")
        for step in _steps(_load(path)):
            if step.get("uses") == README_STAND_IN:
                assert set(step.get("with", {})) <= set(action["inputs"]), step
        for name in re.findall(r"steps\.[\w-]+\.outputs\.([\w-]+)", text):
            assert name in action["outputs"], name


def test_readme_pre_commit_configs_are_valid(tmp_path: Path) -> None:
    blocks = re.findall(
        r"^```ya?ml\n(.*?)^```", README.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL
    )
    configs = [b for b in blocks if re.search(r"^repos:", b, re.MULTILINE)]
    assert configs, "the README shows no .pre-commit-config.yaml"
    for number, block in enumerate(configs):
        config = tmp_path / f"pre-commit-config-{number}.yaml"
        config.write_text(block, encoding="utf-8")
        hooks = [h["id"] for r in _load(config)["repos"] for h in r["hooks"]]
        assert hooks == ["domain-guard"]
        done = subprocess.run(
            [sys.executable, "-m", "pre_commit", "validate-config", str(config)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_readme_examples_pass_the_workflows_schema(readme_examples: list[Path]) -> None:
    done = check_schema("vendor.github-workflows", *readme_examples)
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_examples_are_clean_under_zizmor(readme_examples: list[Path]) -> None:
    findings = zizmor_findings(*readme_examples)
    assert not findings, _describe(findings)


def test_readme_examples_are_pinned_and_least_privilege(readme_examples: list[Path]) -> None:
    for path in readme_examples:
        assert unpinned_uses(path.read_text(encoding="utf-8")) == [], path.read_text()
        document = _load(path)
        assert document["permissions"] == {}, path.read_text()
        for job in document["jobs"].values():
            assert "permissions" in job, path.read_text()
            assert "write" not in {job["permissions"].get(k) for k in ("contents", "id-token")}
        for step in _steps(document):
            assert "${{" not in step.get("run", ""), step


# -- the validators catch broken workflows --------------------------------------------------

BROKEN_INJECTION = """\
name: greet
on:
  issues:
    types: [opened]
permissions: {}
jobs:
  greet:
    name: greet
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - run: echo "${{ github.event.issue.title }}"
"""
BROKEN_SCHEMA = """\
name: typo
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    stepz:
      - run: echo hi
"""
BROKEN_ACTION = """\
name: broken
description: an action with a misspelt key
runs:
  using: docker
  imag: Dockerfile
"""


def test_zizmor_flags_an_expression_expanded_in_run(tmp_path: Path) -> None:
    workflow = tmp_path / "inject.yml"
    workflow.write_text(BROKEN_INJECTION, encoding="utf-8")
    findings = zizmor_findings(workflow)
    assert "template-injection" in {f["ident"] for f in findings}, _describe(findings)


def test_schema_rejects_an_unknown_workflow_key(tmp_path: Path) -> None:
    workflow = tmp_path / "typo.yml"
    workflow.write_text(BROKEN_SCHEMA, encoding="utf-8")
    done = check_schema("vendor.github-workflows", workflow)
    assert done.returncode == 1
    assert "stepz" in done.stdout


def test_schema_rejects_a_broken_action(tmp_path: Path) -> None:
    action = tmp_path / "action.yml"
    action.write_text(BROKEN_ACTION, encoding="utf-8")
    assert check_schema("vendor.github-actions", action).returncode == 1


@pytest.mark.parametrize(
    "line",
    [
        "- uses: actions/checkout@v4",
        "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",  # no version comment
        "  uses: actions/checkout@11bd719  # v4.2.2",
        "- uses: docker://python:3.12-slim",
        "- uses: actions/checkout@main # v4.2.2",
    ],
)
def test_pin_check_rejects_a_movable_reference(line: str) -> None:
    assert unpinned_uses(line) == [line.strip()]


def test_pin_check_accepts_a_sha_with_its_version() -> None:
    line = "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
    assert unpinned_uses(line + "\n      - uses: ./\n") == []


# -- the exit-code handling written in workflow shell steps ---------------------------------


def _stub_domain_guard(tmp_path: Path, script: str) -> dict[str, str]:
    """An environment whose `domain-guard` is a stub running ``script`` (sh)."""
    bin_dir = tmp_path / "stub-bin"
    bin_dir.mkdir(exist_ok=True)
    stub = bin_dir / "domain-guard"
    stub.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    stub.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def _named_step(workflow: str, job: str, needle: str) -> dict[str, Any]:
    steps = _load(ROOT / ".github" / "workflows" / workflow)["jobs"][job]["steps"]
    return next(s for s in steps if needle in s.get("name", "") or needle in s.get("run", ""))


@pytest.mark.parametrize("job", ["scan", "merge"])
def test_org_scan_installs_its_own_pinned_source_never_a_name_from_an_index(job: str) -> None:
    """Whoever registered the name ``domain-guard`` on an index would run code in a job
    that holds the organisation token: the jobs build the workflow's own commit, and pip
    installs nothing unhashed and nothing by name from an index."""
    steps = _load(ROOT / ".github" / "workflows" / "org-scan.yml")["jobs"][job]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["repository"] == "${{ job.workflow_repository }}"
    assert checkout["with"]["ref"] == "${{ job.workflow_sha }}"
    install = next(s for s in steps if s.get("name") == "Install domain-guard")
    assert steps.index(checkout) < steps.index(install)
    script = install["run"].replace("\\\n", " ")
    commands = [line for line in script.splitlines() if re.search(r"\bpip\b.*\binstall\b", line)]
    assert commands
    for command in commands:
        assert "--require-hashes" in command or "--no-index" in command, command
        assert "domain-guard==" not in command, command
        assert "domain_guard" not in command, command


@pytest.mark.parametrize(
    ("script", "passes"),
    [
        ('for a; do [ "$p" = --output ] && echo "{}" > "$a"; p=$a; done; exit 0\n', True),
        # exit 3 (a file could not be read) still wrote the report: the shard goes on
        ('for a; do [ "$p" = --output ] && echo "{}" > "$a"; p=$a; done; exit 3\n', True),
        ("exit 3\n", False),  # 3 without a report: the listing failed
        ('for a; do [ "$p" = --output ] && echo "{}" > "$a"; p=$a; done; exit 4\n', False),
        ("exit 2\n", False),
    ],
)
def test_org_scan_shard_step_lets_only_a_written_report_through(
    tmp_path: Path, script: str, passes: bool
) -> None:
    step = _named_step("org-scan.yml", "scan", "domain-guard org")
    values = {"inputs.org": "acme", "matrix.shard": "1", "inputs.shards": "2", "secrets.token": "t"}
    done = _run_step(step, values, tmp_path, _stub_domain_guard(tmp_path, script))
    assert (done.returncode == 0) is passes, done.stderr


@pytest.mark.parametrize(("code", "passes"), [(0, True), (3, True), (1, False), (4, False)])
def test_org_scan_summary_and_sarif_steps_let_exit_3_through(
    tmp_path: Path, code: int, passes: bool
) -> None:
    env = {**_stub_domain_guard(tmp_path, f"exit {code}\n"), "GITHUB_STEP_SUMMARY": os.devnull}
    for name in ("Step summary", "SARIF"):
        step = _named_step("org-scan.yml", "merge", name)
        values = {"job.workflow_repository": "octo/domain-guard"}
        assert (_run_step(step, values, tmp_path, env).returncode == 0) is passes, name


@pytest.mark.parametrize(("tag", "passes"), [("v0.1.0", True), ("0.1.0", True), ("v9.9.9", False)])
def test_release_refuses_a_tag_that_is_not_the_project_version(tag: str, passes: bool) -> None:
    step = _named_step("release.yml", "build", "The tag names the version")
    done = _run_step(step, {"github.event.release.tag_name": tag}, ROOT, dict(os.environ))
    assert (done.returncode == 0) is passes, done.stdout + done.stderr


def test_newest_deps_runs_the_suite_unlocked_and_opens_an_issue_when_it_fails() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "newest-deps.yml")
    triggers = workflow.get("on") or workflow.get(True)  # YAML 1.1 reads `on` as True
    assert "schedule" in triggers
    test, report = workflow["jobs"]["test"], workflow["jobs"]["report"]
    install = next(s["run"] for s in test["steps"] if s.get("name", "").startswith("Install"))
    assert "--upgrade-strategy eager" in install
    assert "'.[test]'" in install
    assert "requirements/" not in install  # not the locks: the newest releases
    assert any(s.get("run") == "python -m pytest -q" for s in test["steps"])
    assert test["permissions"] == {"contents": "read"}
    assert report["needs"] == "test"
    assert report["if"] == "${{ failure() }}"
    assert report["permissions"] == {"issues": "write"}
    script = report["steps"][0]["run"]
    assert "gh issue create" in script
    assert "gh issue comment" in script
