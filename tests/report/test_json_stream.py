"""The JSON report written as a stream says exactly what the whole-document writer said."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date
from typing import Any

import jsonschema

from checker.escape import guard_json
from checker.ignores import Ignore, apply_ignores
from checker.report import json as json_report
from checker.shard import ShardCoverage
from tests.report.reports import corpus_report
from tests.schema import report_schema as _schema


def _full_report() -> Any:
    """Every corpus string in every field, an ignored finding, and shard coverage."""
    report = corpus_report()
    ignored = report.domains[0].domain
    report, _ = apply_ignores(
        report, (Ignore(ignored, None, "held ##[by us]\u2028", None, "c.yml:3"),),
        today=date(2026, 1, 1),
    )  # fmt: skip
    return replace(report, shard=ShardCoverage(total=4, indexes=(2,)))


def _old_render(report: Any) -> str:
    """How the report was written before it was streamed: one indented document."""
    document = json_report.report_to_dict(report)
    return guard_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def test_the_streamed_report_parses_to_what_the_old_writer_wrote() -> None:
    report = _full_report()
    streamed = json_report.render(report)
    old = json.loads(_old_render(report))
    assert all(old[part] for part in ("ignored", "shard", "errors"))  # every part is exercised
    assert json.loads(streamed) == old
    assert list(json.loads(streamed)) == list(old)  # the keys in the same order


def test_the_streamed_report_is_valid_against_the_schema() -> None:
    jsonschema.validate(json.loads(json_report.render(_full_report())), _schema())


def test_an_empty_report_streams_empty_lists() -> None:
    report = replace(corpus_report(), contacts=(), domains=(), errors=())
    data = json.loads(json_report.render(report))
    assert (data["contacts"], data["domains"], data["errors"], data["ignored"]) == ([], [], [], [])
    assert data == json.loads(_old_render(report))


def test_the_stream_forges_no_workflow_command_and_keeps_one_entry_per_line() -> None:
    report = _full_report()
    out = io.StringIO()
    json_report.write(report, out)
    lines = out.getvalue().splitlines()
    assert not any("##[" in line or line.lstrip().startswith("::") for line in lines)
    assert not any(ch in out.getvalue() for ch in "\u2028\u2029\x85\x1b")
    contact_lines = [line for line in lines if line.startswith('    {"email"')]
    assert len(contact_lines) == len(report.contacts)
