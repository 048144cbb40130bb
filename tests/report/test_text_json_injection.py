"""The injection corpus through the ``text`` and ``json`` formats (read-only use of both).

Both are printed to a workflow log when run in a GitHub Actions step, so the same rule
holds for them: nothing printed may forge a workflow command.
"""

from __future__ import annotations

import json
import re

import pytest

from checker.report import json as json_report
from checker.report import text as text_report
from tests.report import actions_runner
from tests.report.reports import corpus, corpus_report, hostile_report

TERMINAL_CONTROLS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _command_starts(output: str) -> list[str]:
    return [line for line in actions_runner.split_lines(output) if line.lstrip().startswith("::")]


# --- json ---------------------------------------------------------------------------------


def test_json_report_round_trips_every_hostile_string_exactly() -> None:
    data = json.loads(json_report.render(corpus_report()))
    texts = [entry["text"] for entry in corpus()]
    assert [c["name"] for c in data["contacts"]] == texts
    assert [c["source"]["path"] for c in data["contacts"]] == texts
    assert [d["reasons"][0]["message"] for d in data["domains"]] == texts
    assert [e["message"] for e in data["errors"]] == texts


def test_json_report_lines_never_start_a_workflow_command() -> None:
    output = json_report.render(corpus_report())
    assert _command_starts(output) == []
    assert "\r" not in output


def test_json_report_holds_no_legacy_command_or_raw_control() -> None:
    output = json_report.render(corpus_report())
    assert actions_runner.forged_lines(output, set()) == []
    assert not TERMINAL_CONTROLS.search(output)


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup", ["[bold red]markup[/bold red]", "[link=https://x.example]y[/link]"]
)
def test_text_report_shows_rich_markup_literally(markup: str) -> None:
    output = text_report.render(hostile_report(markup), color=True)
    assert markup in output
    assert "\x1b]8;" not in output  # no terminal hyperlink was made from it


def test_text_report_forges_no_workflow_command() -> None:
    output = text_report.render(corpus_report())
    assert actions_runner.forged_lines(output, set()) == []


def test_text_report_holds_no_terminal_control_sequence() -> None:
    output = text_report.render(corpus_report())
    assert not TERMINAL_CONTROLS.search(output)
