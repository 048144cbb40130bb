"""One registry of report formats: the command line and the Action offer exactly its
formats, and every format is written through the one ``(report, out, style)`` signature."""

from __future__ import annotations

import importlib
import io
import re

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.github.action import ActionInputError, ActionInputs
from checker.model import Reason, ReasonCode, Report
from checker.report import FORMATS, Style, render
from checker.report import text as text_report
from tests.report.reports import contact, make_report, result

#: The github format's stop-commands token is random on every render.
_TOKEN = re.compile(r"\b[0-9a-f]{32}\b")


def _report() -> Report:
    return make_report(
        [contact("ada@gone.org", "gone.org")],
        [result("gone.org", Reason(ReasonCode.UNREGISTERED, "the registry does not hold it"))],
    )


@pytest.mark.parametrize("name", [n for n in FORMATS if n not in ("text", "json")])
def test_a_whole_text_format_is_its_module_render(name: str) -> None:
    report = _report()
    module = importlib.import_module(f"checker.report.{name}")
    rendered = render(name, report)
    assert rendered.strip()
    assert _TOKEN.sub("T", rendered) == _TOKEN.sub("T", module.render(report))


def test_json_streams_the_same_document_its_render_makes() -> None:
    from checker.report import json as json_report

    report = _report()
    out = io.StringIO()
    FORMATS["json"](report, out, Style())
    assert out.getvalue() == json_report.render(report)


def test_text_style_reaches_the_text_report() -> None:
    report = _report()
    coloured = render("text", report, Style(color=True))
    assert coloured == text_report.render(report, color=True)
    assert "\x1b[" in coloured
    assert "\x1b[" not in render("text", report)


def test_the_command_line_offers_every_registered_format_and_no_other() -> None:
    runner = CliRunner()
    for name in FORMATS:
        done = runner.invoke(app, ["domain", "jane@example.com", "--offline", "--no-cache",
                                   "-f", name])  # fmt: skip
        assert done.exit_code in (0, 3), (name, done.output)
    refused = runner.invoke(app, ["domain", "example.org", "--offline", "-f", "pdf"])
    assert refused.exit_code == 2
    assert "|".join(FORMATS) in runner.invoke(app, ["scan", "--help"]).output


def test_the_action_accepts_every_registered_format_and_no_other() -> None:
    for name in FORMATS:
        assert ActionInputs.from_env({"INPUT_FORMAT": name}).format == name
    with pytest.raises(ActionInputError, match="input format must be one of"):
        ActionInputs.from_env({"INPUT_FORMAT": "pdf"})
