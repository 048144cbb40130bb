"""The escaping helpers every report sink shares, against the parsers that read the output."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from checker.escape import (
    ZERO_WIDTH_SPACE,
    clip,
    code_span,
    command_data,
    command_property,
    guard_json,
    guard_output,
    mermaid_label,
    neutralise_commands,
    one_line,
    stop_commands,
    workflow_command,
)
from tests.report import actions_runner
from tests.report.reports import corpus

CORPUS = [entry["text"] for entry in corpus()]
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")
# Hostile-leaning text: the corpus's building blocks mixed with anything at all.
HOSTILE = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("`|\\<>&@[]()%:,#\r\n\x1b\x85\u2028\u2029\u202e !*_~=;")),
        st.characters(),
    )
)


def _shown(text: str) -> str:
    """What a sink shows for untrusted ``text``: one line, ``##[`` broken up."""
    return one_line(text).replace("##[", "##" + ZERO_WIDTH_SPACE + "[")


# --- one line -----------------------------------------------------------------------------


@given(HOSTILE)
def test_one_line_never_breaks_a_line_or_keeps_a_control_character(text: str) -> None:
    shown = one_line(text)
    assert len(shown.splitlines()) <= 1
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", shown)


def test_one_line_shows_controls_as_escapes_and_keeps_ordinary_text() -> None:
    assert one_line("a\nb\r\x1b[31m\u2028\u202e") == "a\\nb\\r\\x1b[31m\\u2028\\u202e"
    assert one_line("Jürgen Ünïcødé 名前 🎉") == "Jürgen Ünïcødé 名前 🎉"


def test_one_line_clips_after_escaping() -> None:
    assert one_line("\n" * 100, 10) == "\\n\\n\\n\\n\\" + "…"
    assert len(one_line("x" * 10_000, 50)) == 50
    assert clip("abc", 3) == "abc"
    assert clip("abcd", 3) == "ab…"


# --- workflow commands --------------------------------------------------------------------


def test_runner_port_finds_the_commands_a_raw_corpus_would_forge() -> None:
    """The checks below are only as good as this parser: it must catch raw injections."""
    assert actions_runner.parse_line("::set-output name=x::y").name == "set-output"  # type: ignore[union-attr]
    assert actions_runner.parse_line("   ::error file=x::forged") is not None
    legacy = actions_runner.parse_line("x ##[add-mask]secret")
    assert legacy is not None
    assert legacy.legacy
    assert legacy.name == "add-mask"
    raw = "ok\n::warning::forged\r##[error]x"
    assert [c.name for _, c in actions_runner.commands(raw)] == ["warning", "error"]


@given(HOSTILE, HOSTILE)
def test_workflow_command_round_trips_message_and_properties(message: str, value: str) -> None:
    # ``line`` last: the runner trims the property list, which would eat edge whitespace.
    line = workflow_command("error", message, file=value, title=value, line=3)
    assert len(actions_runner.split_lines(line)) == 1
    assert "##[" not in line
    command = actions_runner.parse_v2(line)
    assert command is not None
    assert command.name == "error"
    assert command.data == message.replace("##[", "##" + ZERO_WIDTH_SPACE + "[")
    expected = value.replace("##[", "##" + ZERO_WIDTH_SPACE + "[")
    # An empty value drops out as the runner's split removes it; the rest is exact.
    want = {"line": "3"} | ({"file": expected, "title": expected} if expected else {})
    assert command.properties == want


def test_command_escaping_matches_the_toolkit() -> None:
    assert command_data("50%\r\n:,") == "50%25%0D%0A:,"
    assert command_property("50%\r\n:,") == "50%25%0D%0A%3A%2C"
    assert command_data("a ##[error]b") == "a ##\u200b[error]b"


@given(HOSTILE)
def test_neutralised_lines_are_never_commands(text: str) -> None:
    for line in actions_runner.split_lines(text):
        safe = neutralise_commands(line)
        assert actions_runner.parse_line(safe) is None
        assert actions_runner.forged_lines(safe, set()) == []


@pytest.mark.parametrize("text", CORPUS)
def test_guard_output_neutralises_every_line_of_free_text(text: str) -> None:
    guarded = guard_output(f"header\n{text}\n  {text}\n")
    assert actions_runner.commands(guarded) == []
    assert actions_runner.forged_lines(guarded, set()) == []


def test_stop_commands_block_uses_a_fresh_random_token_and_holds_no_command() -> None:
    block = stop_commands(CORPUS)
    lines = block.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert re.fullmatch("[0-9a-f]{32}", token)
    assert lines[-1] == f"::{token}::"
    assert token not in "\n".join(lines[1:-1])
    assert stop_commands(["x"]).splitlines()[0] != lines[0]
    # Even a reader that ignores the stop finds no command in the body.
    assert actions_runner.forged_lines(block, {0, len(lines) - 1}) == []
    assert [c.name for _, c in actions_runner.commands(block)] == ["stop-commands", token]


# --- JSON ---------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | HOSTILE,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE, inner, max_size=4),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_guard_json_is_lossless_and_forges_nothing(value: object) -> None:
    for indent in (None, 2):
        text = guard_json(json.dumps(value, ensure_ascii=False, indent=indent))
        assert json.loads(text) == value
        assert actions_runner.forged_lines(text, set()) == []
        assert not re.search("[\x7f-\x9f\u2028\u2029\u202a-\u202e\ud800-\udfff]", text)
        text.encode("utf-8")  # lone surrogates are escaped, so this cannot fail


# --- Markdown -----------------------------------------------------------------------------


def _inline_children(markdown: str) -> list[tuple[str, str]]:
    children = []
    for token in MARKDOWN.parse(markdown):
        assert token.type not in ("html_block", "fence", "code_block"), token
        for child in token.children or []:
            children.append((child.type, child.content))
    return children


@settings(max_examples=300)
@given(HOSTILE)
def test_code_span_in_a_table_cell_shows_exactly_the_text(text: str) -> None:
    row = f"| head | tail |\n|---|---|\n| {code_span(text, table=True)} | end |\n"
    children = _inline_children(row)
    shown = _shown(text)
    if not shown:
        assert children == [
            ("text", "head"),
            ("text", "tail"),
            ("text", "(empty)"),
            ("text", "end"),
        ]
        return
    assert children == [("text", "head"), ("text", "tail"), ("code_inline", shown), ("text", "end")]


@settings(max_examples=300)
@given(HOSTILE)
def test_code_span_in_a_paragraph_shows_exactly_the_text(text: str) -> None:
    children = _inline_children(f"- before {code_span(text)} after\n")
    shown = _shown(text)
    if shown:
        assert children == [("text", "before "), ("code_inline", shown), ("text", " after")]


@pytest.mark.parametrize("text", CORPUS)
def test_code_span_renders_no_html_link_or_mention_from_the_corpus(text: str) -> None:
    html = MARKDOWN.render(f"| a |\n|---|\n| {code_span(text, table=True)} |\n")
    assert "<code>" in html
    assert not re.search(r"<(?!/?(table|thead|tbody|tr|th|td|code)\b)", html)


@given(HOSTILE)
def test_mermaid_label_keeps_only_domain_characters(text: str) -> None:
    assert re.fullmatch(r"[A-Za-z0-9._-]*", mermaid_label(text))


def test_mermaid_label_keeps_a_real_domain() -> None:
    assert mermaid_label("xn--bcher-kva.example.co.uk") == "xn--bcher-kva.example.co.uk"
    assert mermaid_label("%%{init: }%% --> ```") == "___init______--_____"
