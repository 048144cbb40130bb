"""The ``markdown`` format, read back with a CommonMark + GFM-tables parser."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from checker.escape import ZERO_WIDTH_SPACE, one_line
from checker.model import Reason, ReasonCode, Risk
from checker.report import markdown
from tests.report import actions_runner
from tests.report.reports import NOW, contact, corpus, hostile_report, make_report, result

PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
GANTT_LINE = re.compile(
    r"gantt"
    r"|    title Expiry dates as of \d{4}-\d\d-\d\d"
    r"|    dateFormat YYYY-MM-DD"
    r"|    axisFormat %Y-%m-%d"
    r"|    section (Expired|Expiring)"
    r"|    (critical|high|medium|low|none|unknown) [A-Za-z0-9._-]+ "
    r":(crit, )?(milestone, )?\d{4}-\d\d-\d\d, (\d{4}-\d\d-\d\d|0d)"
)
# What GitHub would turn into a tag, link, autolink or mention if it were outside code.
ACTIVE_TEXT = re.compile(r"[<>@\[\]]|://|www\.|&\w+;|&#|evil", re.IGNORECASE)


def _shown(text: str, limit: int) -> str:
    return one_line(text, limit).replace("##[", "##" + ZERO_WIDTH_SPACE + "[")


def _walk(tokens: list[Token]) -> list[Token]:
    flat = []
    for token in tokens:
        flat.append(token)
        flat.extend(_walk(token.children or []))
    return flat


def _parse(document: str) -> dict[str, Any]:
    tokens = PARSER.parse(document)
    flat = _walk(tokens)
    rows: list[int] = []
    for token in flat:
        if token.type == "tr_open":
            rows.append(0)
        elif token.type in ("th_open", "td_open"):
            rows[-1] += 1
    return {
        "types": {t.type for t in flat},
        "code": [t.content for t in flat if t.type == "code_inline"],
        "text": [t.content for t in flat if t.type == "text"],
        "fences": [(t.info, t.content) for t in flat if t.type == "fence"],
        "rows": rows,
    }


def _assert_inert(document: str) -> dict[str, Any]:
    """Nothing outside code is active, the table is whole, the gantt is only our syntax."""
    assert "\r" not in document
    assert "##[" not in document
    assert actions_runner.forged_lines(document, set()) == []
    parsed = _parse(document)
    assert not parsed["types"] & {"html_block", "html_inline", "link_open", "image"}
    for text in parsed["text"]:
        assert not ACTIVE_TEXT.search(text), text
    assert all(cells == 4 for cells in parsed["rows"]), parsed["rows"]
    for info, content in parsed["fences"]:
        assert info == "mermaid"
        for line in content.splitlines():
            assert GANTT_LINE.fullmatch(line), line
    return parsed


@pytest.mark.parametrize("entry", corpus(), ids=lambda e: e["id"])
def test_hostile_text_stays_inside_code_spans(entry: dict[str, str]) -> None:
    text = entry["text"]
    document = markdown.render(hostile_report(text))
    parsed = _assert_inert(document)

    assert parsed["rows"] == [4, 4, 4, 4]  # header and the three findings
    code = parsed["code"]
    assert _shown(f"{text}@evil.example", 320) in code
    assert _shown(text, 300) in code or not text  # the registry message
    assert _shown(text, 253) in code or not text  # the domain
    assert _shown(f"{text}:2", 300) in code  # the unreadable input
    assert len(parsed["fences"]) == 1
    assert len(parsed["fences"][0][1].splitlines()) == 9  # 3 domains expire within a year


def test_every_corpus_string_at_once_keeps_the_table_whole() -> None:
    from tests.report.reports import corpus_report

    report = corpus_report()
    parsed = _assert_inert(markdown.render(report))
    assert parsed["rows"] == [4] * (1 + len(report.domains))


def test_what_to_do_covers_each_reason_present_once() -> None:
    document = markdown.render(hostile_report("x"))
    advice = document.split("### What to do", 1)[1].split("###", 1)[0]
    listed = re.findall(r"^- \*\*`([a-z-]+)`\*\*", advice, re.MULTILINE)
    assert listed == ["unregistered", "expiring-soon", "no-mail-route", "lookup-failed"]
    assert "Register the domain again now" in advice


def test_timeline_shows_registrations_expiring_within_a_year() -> None:
    domains = [
        result("gone.example", Reason(ReasonCode.EXPIRED, "m"), expires=NOW - timedelta(days=3)),
        result("soon.example", Reason(ReasonCode.EXPIRING_SOON, "m"), expires=NOW + timedelta(9)),
        result("later.example", expires=NOW + timedelta(days=300)),
        result("far.example", expires=NOW + timedelta(days=400)),
        result("unknown.example", Reason(ReasonCode.LOOKUP_FAILED, "m")),
    ]
    contacts = [contact(f"a@{d.domain}", d.domain) for d in domains]
    document = markdown.render(make_report(contacts, domains))
    (_, content), *_ = _assert_inert(document)["fences"]
    assert content.splitlines()[4:] == [
        "    section Expired",
        "    high gone.example :crit, milestone, 2026-11-18, 0d",
        "    section Expiring",
        "    medium soon.example :crit, 2026-11-21, 2026-11-30",
        "    none later.example :2026-11-21, 2027-09-17",
    ]


def test_timeline_is_capped_with_a_note() -> None:
    domains = [result(f"d{i:02d}.example", expires=NOW + timedelta(days=i)) for i in range(40)]
    document = markdown.render(make_report([], domains))
    (_, content), *_ = _assert_inert(document)["fences"]
    assert sum(" :" in line for line in content.splitlines()) == markdown.MAX_TIMELINE
    assert "10 more registration(s) expire within a year (not shown)." in document


def test_output_stays_under_the_size_limit_with_a_visible_note() -> None:
    big = "x" * 2000
    domains = [
        result(f"d{i:04d}.example", Reason(ReasonCode.UNREGISTERED, big)) for i in range(3000)
    ]
    contacts = [contact(f"{big}@{d.domain}", d.domain) for d in domains]
    report = make_report(contacts, domains)
    limit = 200_000
    document = markdown.render(report, max_bytes=limit)
    assert len(document.encode("utf-8")) <= limit
    parsed = _assert_inert(document)
    shown = len(parsed["rows"]) - 1
    assert 100 < shown < 3000
    assert f"**{3000 - shown} more finding(s) not shown**" in document
    assert document.rstrip().endswith("_domain-guard 0.1.0_")  # the tail is kept

    full = markdown.render(report)
    assert len(full.encode("utf-8")) <= markdown.MAX_BYTES < 1024 * 1024
    with pytest.raises(ValueError, match="max_bytes"):
        markdown.render(report, max_bytes=1000)


def test_a_report_without_findings_says_so_and_has_no_table() -> None:
    domains = [result("ok.example", expires=NOW + timedelta(days=800))]
    document = markdown.render(make_report([contact("a@ok.example", "ok.example")], domains))
    assert "No domain at risk: 1 domain(s) checked" in document
    parsed = _assert_inert(document)
    assert parsed["rows"] == []
    assert parsed["fences"] == []


def test_findings_are_listed_worst_first_with_bold_high_risks() -> None:
    domains = [
        result("b.example", Reason(ReasonCode.LOOKUP_FAILED, "m")),
        result("a.example", Reason(ReasonCode.EXPIRED, "m")),
        result("c.example", Reason(ReasonCode.NO_MAIL_ROUTE, "m")),
    ]
    document = markdown.render(make_report([], domains))
    rows = [line for line in document.splitlines() if line.startswith("| ") and "`" in line]
    assert [row.split(" | ")[0] for row in rows] == ["| **high**", "| unknown", "| low"]
    assert Risk.HIGH.value in rows[0]


def test_a_healthy_domain_whose_registry_publishes_no_expiry_is_counted_apart() -> None:
    undated = result("undated.ch", Reason(ReasonCode.NO_EXPIRY_PUBLISHED, "no expiry"))
    dated = result("dated.org", expires=NOW + timedelta(days=400))
    text = markdown.render(make_report([], [undated, dated]))
    assert "2 domain(s) checked" in text
    assert "1 of them: the registry publishes no expiry date" in text
