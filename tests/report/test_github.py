"""The ``github`` format: annotations the runner reads, and nothing it should not."""

from __future__ import annotations

import re

import pytest

from checker.escape import ZERO_WIDTH_SPACE, one_line
from checker.model import Reason, ReasonCode
from checker.report import github
from tests.report import actions_runner
from tests.report.reports import contact, corpus, hostile_report, make_report, result

ANNOTATIONS = {"error", "warning", "notice"}


def _shown(text: str) -> str:
    return text.replace("##[", "##" + ZERO_WIDTH_SPACE + "[")


def _annotations(output: str) -> list[actions_runner.Command]:
    return [c for _, c in actions_runner.commands(output) if c.name in ANNOTATIONS]


@pytest.mark.parametrize("entry", corpus(), ids=lambda e: e["id"])
def test_hostile_text_forges_no_workflow_command(entry: dict[str, str]) -> None:
    text = entry["text"]
    output = github.render(hostile_report(text))
    assert "\r" not in output
    assert "##[" not in output

    found = actions_runner.commands(output)
    names = [command.name for _, command in found]
    token = next(c.data for _, c in found if c.name == "stop-commands")
    # Exactly the commands the report calls for, in order, and no other.
    assert names == [
        *["error"] * 4,  # file, archive and file-less address of the critical domain; the error
        "warning",  # the medium domain
        "notice",  # the unknown domain
        "group",
        "stop-commands",
        token,
        "endgroup",
    ]
    assert re.fullmatch("[0-9a-f]{32}", token)
    # No other line even looks like a command, to any reader, stop or no stop.
    assert actions_runner.forged_lines(output, {index for index, _ in found}) == []

    errors = _annotations(output)
    for annotation in errors:
        assert set(annotation.properties) <= {"file", "line", "title"}
        assert annotation.properties["title"].startswith("domain-guard: ")
        assert not re.search("[\r\n\x1b\x85\u2028\u2029\u202e]", annotation.data)
        assert not re.search("[\r\n\x1b\x85\u2028\u2029\u202e]", annotation.properties["title"])
    in_file, in_archive, no_file, unreadable, *_ = errors
    assert in_file.properties.get("file") == _shown(text) or not text
    assert in_file.properties["line"] == "3"
    assert _shown(one_line(f"{text}@evil.example", 320)) in in_file.data
    assert in_archive.properties["file"] == _shown(f"dist/{text}-1.0-py3-none-any.whl")
    assert "line" not in in_archive.properties  # a line of the member, not of the archive
    assert "file" not in no_file.properties
    assert unreadable.properties["line"] == "2"


def test_annotation_levels_follow_risk() -> None:
    domains = [
        result("a.example", Reason(ReasonCode.PENDING_DELETE, "m")),
        result("b.example", Reason(ReasonCode.ON_HOLD, "m")),
        result("c.example", Reason(ReasonCode.PARKED, "m")),
        result("d.example", Reason(ReasonCode.NO_MAIL_ROUTE, "m")),
        result("e.example", Reason(ReasonCode.UNSUPPORTED_TLD, "m")),
        result("f.example"),  # healthy: no annotation
    ]
    contacts = [contact(f"x@{d.domain}", d.domain) for d in domains]
    output = github.render(make_report(contacts, domains))
    levels = {a.data.split(" uses ")[1].split(",")[0]: a.name for a in _annotations(output)}
    assert levels == {
        "a.example": "error",
        "b.example": "error",
        "c.example": "warning",
        "d.example": "warning",
        "e.example": "notice",
    }
    titles = {a.properties["title"] for a in _annotations(output)}
    assert "domain-guard: a.example is critical (pending-delete)" in titles


def test_at_most_ten_annotations_per_level_with_a_count_of_the_rest() -> None:
    domains = [result(f"d{i:02d}.example", Reason(ReasonCode.EXPIRED, "m")) for i in range(25)]
    domains += [result(f"w{i}.example", Reason(ReasonCode.PARKED, "m")) for i in range(10)]
    domains += [result(f"u{i}.example", Reason(ReasonCode.LOOKUP_FAILED, "m")) for i in range(3)]
    contacts = [contact(f"x@{d.domain}", d.domain, line=i + 1) for i, d in enumerate(domains)]
    output = github.render(make_report(contacts, domains))
    annotations = _annotations(output)
    errors = [a for a in annotations if a.name == "error"]
    assert len(errors) == 10
    assert errors[-1].data.startswith(
        "16 more error annotation(s) (critical or high risk, unreadable inputs) left out"
    )
    assert "file" not in errors[-1].properties
    assert [a.properties["file"] for a in errors[:9]] == ["pyproject.toml"] * 9
    assert len([a for a in annotations if a.name == "warning"]) == 10  # exactly at the limit
    assert len([a for a in annotations if a.name == "notice"]) == 3
    # Every finding is still listed in the log group, inside the stop-commands block.
    lines = output.splitlines()
    start = lines.index("::group::domain-guard findings")
    body = lines[start + 2 : lines.index("::endgroup::") - 1]
    assert len(body) == 38
    assert body[0].startswith("high d00.example: expired: m [x@d00.example (pyproject.toml:1)]")


def test_per_level_limit_is_configurable() -> None:
    domains = [result(f"d{i}.example", Reason(ReasonCode.EXPIRED, "m")) for i in range(5)]
    contacts = [contact(f"x@{d.domain}", d.domain) for d in domains]
    annotations = _annotations(github.render(make_report(contacts, domains), per_level=2))
    assert [a.data.split(" ")[0] for a in annotations] == ["x@d0.example", "4"]
    with pytest.raises(ValueError, match="per_level"):
        github.render(make_report(contacts, domains), per_level=0)


def test_a_healthy_report_prints_only_its_summary_line() -> None:
    domains = [result("ok.example")]
    output = github.render(make_report([contact("a@ok.example", "ok.example")], domains))
    assert output == (
        "domain-guard 0.1.0: 0 domain(s) need attention, 1 healthy, 0 unreadable input(s).\n"
    )
    assert actions_runner.commands(output) == []
