"""The ``sarif`` format: valid SARIF 2.1.0, located results, stable fingerprints, bounded."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft4Validator

from checker.escape import clip
from checker.model import (
    EvidenceSource,
    Reason,
    ReasonCode,
    Registration,
    Report,
    Risk,
    SourceKind,
)
from checker.pipeline import make_report as pipeline_report
from checker.pipeline import unique_domains
from checker.report import sarif
from checker.report.guidance import guidance
from checker.scan import scan_paths
from checker.verdict import judge
from tests.report import actions_runner
from tests.report.reports import (
    NOW,
    contact,
    corpus,
    corpus_report,
    hostile_report,
    make_report,
    result,
    sarif_schema,
)

VALIDATOR = Draft4Validator(sarif_schema())
# RFC 3986 URI-reference characters, with every % starting a two-digit escape.
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _render(report: Report, **options: Any) -> dict[str, Any]:
    text = sarif.render(report, **options)
    document: dict[str, Any] = json.loads(text)
    errors = sorted(VALIDATOR.iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return document


def _run(document: dict[str, Any]) -> dict[str, Any]:
    (run,) = document["runs"]
    return run  # type: ignore[no-any-return]


def _uris(run: dict[str, Any]) -> list[str]:
    return [
        location["physicalLocation"]["artifactLocation"]["uri"]
        for item in run["results"]
        for location in item["locations"]
    ]


def _project(root: Path, *, padding: int = 0) -> None:
    """A project whose addresses sit at known lines, and a wheel."""
    (root / "pyproject.toml").write_text(
        "# padding\n" * padding + "[project]\n"  # line 1
        'name = "demo"\n'
        'version = "1.0"\n'
        "authors = [\n"
        '  { name = "Jane", email = "jane@lapsed-zz.com" },\n'  # line 5
        "]\n"
        "maintainers = [\n"
        '  { name = "Bob", email = "bob@lapsed-zz.com" },\n'  # line 8
        '  { name = "Jane", email = "jane@lapsed-zz.com" },\n'  # line 9
        '  { name = "Ok", email = "ok@healthy-zz.org" },\n'  # line 10
        "]\n",
        encoding="utf-8",
    )
    (root / "dist").mkdir(exist_ok=True)
    with zipfile.ZipFile(root / "dist" / "demo-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr(
            "demo-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
            "Author-email: Carol <carol@lapsed-zz.com>\n",
        )


def _scanned(root: Path, *, now_offset: int = 0) -> Report:
    """Scan ``root`` for real and judge its domains: lapsed-zz.com unregistered."""
    found = scan_paths([root], base=root)
    now = NOW + timedelta(hours=now_offset)
    results = []
    for domain in unique_domains(found.contacts):
        registered = domain != "lapsed-zz.com"
        evidence = Registration(
            registered=registered,
            source=EvidenceSource.RDAP,
            url=f"https://rdap.example/domain/{domain}",
            expires=now + timedelta(days=500) if registered else None,
        )
        results.append(judge(domain, registration=evidence, now=now))
    return pipeline_report(
        found.contacts,
        results,
        found.errors,
        files_scanned=found.files_scanned,
        roots=["."],
        now=now,
    )


def test_rules_cover_every_reason_code_with_help_and_severity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_ACTION_REPOSITORY", raising=False)
    run = _run(_render(make_report([], [])))
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [code.value for code in ReasonCode]
    for rule, code in zip(rules, ReasonCode, strict=True):
        help_ = guidance(code)
        assert rule["shortDescription"]["text"] == help_.title
        assert help_.action in rule["help"]["text"]
        assert help_.action in rule["help"]["markdown"]
        if code.risk in (Risk.UNKNOWN, Risk.NONE):  # none: no-expiry-published
            assert rule["defaultConfiguration"]["level"] == "note"
            assert "security-severity" not in rule["properties"]
        else:
            assert rule["properties"]["security-severity"] == SEVERITY[code.risk.value]
    driver = run["tool"]["driver"]
    assert driver["name"] == "domain-guard"
    assert driver["version"] == "0.1.0"
    # Outside the Action nothing says where this copy came from: no link to a page that
    # may not exist (the PyPI project page did not).
    assert "informationUri" not in driver
    assert len({r["name"] for r in rules}) == len(rules)


def test_results_sit_at_the_file_and_line_of_each_address(tmp_path: Path) -> None:
    _project(tmp_path)
    run = _run(_render(_scanned(tmp_path)))
    results = run["results"]
    located = {
        (r["properties"]["email"], loc["physicalLocation"]["artifactLocation"]["uri"]): [
            loc["physicalLocation"]["region"]["startLine"] for loc in r["locations"]
        ]
        for r in results
        for loc in r["locations"][:1]
    }
    assert located == {
        ("bob@lapsed-zz.com", "pyproject.toml"): [8],
        ("jane@lapsed-zz.com", "pyproject.toml"): [5, 9],  # one result, both lines
        ("carol@lapsed-zz.com", "dist/demo-1.0-py3-none-any.whl"): [1],
    }
    jane = next(r for r in results if r["properties"]["email"] == "jane@lapsed-zz.com")
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in jane["locations"]] == [5, 9]
    assert jane["properties"]["roles"] == ["author", "maintainer"]
    carol = next(r for r in results if r["properties"]["email"] == "carol@lapsed-zz.com")
    assert carol["locations"][0]["message"]["text"] == "in demo-1.0.dist-info/METADATA line 4"
    for item in results:
        assert item["ruleId"] == "unregistered"
        assert item["level"] == "error"
        assert run["tool"]["driver"]["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        for location in item["locations"]:
            assert location["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    # The healthy domain (ok@healthy-zz.org) is no result.
    assert "healthy-zz.org" not in json.dumps(results)


def test_fingerprints_survive_moved_lines_and_new_runs(tmp_path: Path) -> None:
    _project(tmp_path)
    first = _run(_render(_scanned(tmp_path)))["results"]
    _project(tmp_path, padding=3)
    second = _run(_render(_scanned(tmp_path, now_offset=30)))["results"]

    def prints(results: list[dict[str, Any]]) -> dict[str, str]:
        return {
            r["properties"]["email"]: r["partialFingerprints"][sarif.FINGERPRINT_KEY]
            for r in results
        }

    assert prints(first) == prints(second)
    assert len(set(prints(first).values())) == 3
    jane = next(r for r in second if r["properties"]["email"] == "jane@lapsed-zz.com")
    lines = [loc["physicalLocation"]["region"]["startLine"] for loc in jane["locations"]]
    assert lines == [5 + 3, 9 + 3]  # the locations moved, the fingerprint did not
    assert sarif.fingerprint(ReasonCode.EXPIRED, "a.example", "p", "x@a.example") != (
        sarif.fingerprint(ReasonCode.EXPIRED, "a.example", "p", "y@a.example")
    )


def test_only_findings_become_results_and_unknown_is_a_note() -> None:
    domains = [
        result("crit.example", Reason(ReasonCode.REDEMPTION, "m")),
        result("low.example", Reason(ReasonCode.NO_MAIL_ROUTE, "m")),
        result("unknown.example", Reason(ReasonCode.OFFLINE, "m")),
        result("ok.example"),
    ]
    contacts = [contact(f"a@{d.domain}", d.domain) for d in domains]
    results = _run(_render(make_report(contacts, domains)))["results"]
    assert [(r["properties"]["domain"], r["level"]) for r in results] == [
        ("crit.example", "error"),
        ("unknown.example", "note"),
        ("low.example", "warning"),
    ]


def test_addresses_without_a_file_are_counted_not_emitted() -> None:
    domains = [result("crit.example", Reason(ReasonCode.UNREGISTERED, "m"))]
    contacts = [contact("a@crit.example", "crit.example", path=None, kind=SourceKind.ARGUMENT)]
    run = _run(_render(make_report(contacts, domains)))
    assert run["results"] == []
    assert run["properties"]["domain-guard"]["unlocatedFindings"] == 1


def test_results_are_capped_worst_first_and_the_cut_is_reported() -> None:
    domains = [result(f"m{i}.example", Reason(ReasonCode.PARKED, "m")) for i in range(4)]
    domains.append(result("c.example", Reason(ReasonCode.UNREGISTERED, "m")))
    contacts = [contact(f"a@{d.domain}", d.domain) for d in domains]
    run = _run(_render(make_report(contacts, domains), max_results=2))
    assert [r["properties"]["domain"] for r in run["results"]] == ["c.example", "m0.example"]
    properties = run["properties"]["domain-guard"]
    assert properties["truncated"] is True
    assert (properties["resultsTotal"], properties["resultsIncluded"]) == (5, 2)
    assert "3 of 5 results were left out" in properties["truncationNote"]
    assert sarif.MAX_RESULTS == 5000


def test_unreadable_inputs_are_tool_notifications() -> None:
    from checker.model import ScanError

    report = make_report([], [], [ScanError(path="broken/setup.cfg", message="bad", line=3)])
    (invocation,) = _run(_render(report))["invocations"]
    (note,) = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == "could not read broken/setup.cfg: bad"
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "broken/setup.cfg", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 3}


def test_uris_are_relative_and_escaped() -> None:
    assert sarif.artifact_uri("./a b/pyproject.toml") == ("a%20b/pyproject.toml", "%SRCROOT%")
    assert sarif.artifact_uri("c:x/#?%") == ("c%3Ax/%23%3F%25", "%SRCROOT%")
    assert sarif.artifact_uri("/abs/p.toml") == ("file:///abs/p.toml", None)
    assert sarif.artifact_uri("bad\udcff.toml") == ("bad%FF.toml", "%SRCROOT%")


@pytest.mark.parametrize("entry", corpus(), ids=lambda e: e["id"])
def test_hostile_text_yields_valid_inert_sarif(entry: dict[str, str]) -> None:
    text = entry["text"]
    raw = sarif.render(hostile_report(text))
    assert "##[" not in raw
    assert not re.search("[\x7f-\x9f\u2028\u2029\u202a-\u202e]", raw)
    assert actions_runner.forged_lines(raw, set()) == []
    run = _run(_render(hostile_report(text)))

    for item in run["results"]:
        # SARIF embedded links are [text](target): every bracket must be escaped.
        assert not re.search(r"(?<!\\)[\[\]]", item["message"]["text"])
        for location in item["locations"]:
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert URI_REFERENCE.fullmatch(uri), uri
    by_email = {r["properties"]["email"]: r for r in run["results"]}
    hostile = by_email[clip(f"{text}@evil.example", 1000)]  # the exact value, as data
    uri = hostile["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote(uri) == text  # no corpus path is absolute or starts with ./
    assert hostile["properties"]["reasons"][0]["message"] == clip(text, 1000)


def test_every_corpus_string_at_once_validates() -> None:
    run = _run(_render(corpus_report()))
    assert len(run["results"]) == len(corpus())
    assert all(URI_REFERENCE.fullmatch(uri) for uri in _uris(run))


def test_one_address_on_one_line_in_two_roles_is_one_location() -> None:
    from checker.model import Role

    domains = [result("crit.example", Reason(ReasonCode.UNREGISTERED, "m"))]
    contacts = [
        contact("a@crit.example", "crit.example", line=4, role=Role.AUTHOR),
        contact("a@crit.example", "crit.example", line=4, role=Role.MAINTAINER),
    ]
    (item,) = _run(_render(make_report(contacts, domains)))["results"]
    assert len(item["locations"]) == 1
    assert item["properties"]["roles"] == ["author", "maintainer"]


def test_healthy_domains_without_a_published_expiry_are_named_in_the_run() -> None:
    undated = result("undated.ch", Reason(ReasonCode.NO_EXPIRY_PUBLISHED, "no expiry"))
    run = _run(_render(make_report([], [undated, result("dated.org")])))
    assert run["results"] == []
    assert run["properties"]["domain-guard"]["noExpiryPublished"] == ["undated.ch"]
