"""The ``html`` format, read back with the standard library's HTML parser."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.escape import ZERO_WIDTH_SPACE, one_line
from checker.model import Reason, ReasonCode, Risk, SourceKind
from checker.report import html
from checker.report.guidance import guidance
from tests.browser.dom import ATTRIBUTES, TAGS, Element, Tree, parse
from tests.browser.pages import DOMAINS, org_report
from tests.report import actions_runner
from tests.report.reports import (
    NOW,
    contact,
    corpus,
    corpus_report,
    hostile_report,
    make_report,
    result,
)


def _section(tree: Tree, name: str) -> Element:
    return next(s for s in tree.root.find("section") if s.attrs.get("id") == name)


def _counts(tree: Tree) -> dict[str, int]:
    cards = tree.root.find("div", "card")
    return {c.attrs["data-risk"]: int(c.find("span", "count")[0].text) for c in cards}


# --- content --------------------------------------------------------------------------------


def test_risk_cards_count_the_domains_at_each_risk() -> None:
    tree = parse(html.render(org_report()))
    expected = {risk.value: 0 for risk in Risk}
    for risk, _ in DOMAINS.values():
        expected[risk.value] += 1
    assert _counts(tree) == expected


def test_chart_has_one_bar_per_dated_domain_most_urgent_first() -> None:
    tree = parse(html.render(org_report()))
    bars = tree.root.find("rect", "bar")
    dated = sorted((days, d) for d, (_, days) in DOMAINS.items() if days is not None)
    assert [bar.find("title")[0].text.split(":")[0] for bar in bars] == [d for _, d in dated]
    for bar, (days, domain) in zip(bars, dated, strict=True):
        assert f"({days} days)" in bar.find("title")[0].text
        assert f"r-{DOMAINS[domain][0].value}" in bar.attrs["class"]


def test_chart_draws_expired_bars_left_of_zero_and_clips_far_expiries() -> None:
    tree = parse(html.render(org_report()))
    zero = tree.root.find("line", "zero")
    assert len(zero) == 1
    zero_x = float(zero[0].attrs["x1"])
    bars = {b.find("title")[0].text.split(":")[0]: b for b in tree.root.find("rect", "bar")}
    expired = bars["oldproject.org"]
    assert float(expired.attrs["x"]) + float(expired.attrs["width"]) == pytest.approx(zero_x)
    assert float(bars["soon-gone.dev"].attrs["x"]) == pytest.approx(zero_x)
    assert "clipped" in bars["healthy-org.com"].attrs["class"]
    assert "clipped" not in bars["parked-name.net"].attrs["class"]
    # Longer time left, longer bar.
    widths = [float(bars[d].attrs["width"]) for d in ("soon-gone.dev", "parked-name.net")]
    assert widths[0] < widths[1]


def test_domains_without_an_expiry_date_are_listed_beside_the_chart() -> None:
    tree = parse(html.render(org_report()))
    undated = tree.root.find("ul", "undated")[0]
    names = [li.find("bdi")[0].text for li in undated.find("li")]
    assert names == ["lapsed-corp.com", "flaky-registry.co"]  # worst first
    assert "not registered" in undated.text


def test_report_without_expiry_dates_has_no_chart() -> None:
    report = make_report(
        [contact("a@x.org", "x.org")], [result("x.org", Reason(ReasonCode.OFFLINE, "offline"))]
    )
    tree = parse(html.render(report))
    assert tree.root.find("svg") == []
    assert "No registry published an expiry date." in tree.root.text


def test_findings_are_grouped_by_repository_worst_first() -> None:
    tree = parse(html.render(org_report()))
    section = _section(tree, "groups")
    assert "Findings by repository" in section.text
    rows = section.find("tbody")[0].find("tr")
    table = [
        (row.find("td")[0].text, [chip.text for chip in row.find("span", "chip")]) for row in rows
    ]
    assert table == [
        ("repository acme/web", ["lapsed-corp.com", "soon-gone.dev", "flaky-registry.co"]),
        ("repository acme/api", ["lapsed-corp.com", "oldproject.org"]),
        ("repository acme/cli", ["parked-name.net", "quiet-mail.io"]),
    ]
    assert [row.find("span", "badge")[0].text for row in rows] == ["critical", "critical", "medium"]


def test_local_scan_groups_by_package_then_by_file() -> None:
    contacts = [
        contact("a@one.org", "one.org", package="demo", path="pyproject.toml"),
        contact("b@two.org", "two.org", path="legacy/setup.cfg"),
        contact("c@two.org", "two.org", path=None, kind=SourceKind.ARGUMENT),
    ]
    domains = [
        result("one.org", Reason(ReasonCode.EXPIRED, "gone"), expires=NOW - timedelta(days=1)),
        result("two.org", Reason(ReasonCode.INACTIVE, "no NS")),
    ]
    tree = parse(html.render(make_report(contacts, domains)))
    section = _section(tree, "groups")
    assert "Findings by package or file" in section.text
    assert [row.find("td")[0].text for row in section.find("tr")[1:]] == [
        "package demo",
        "file legacy/setup.cfg",
        "command line",
    ]


def test_findings_table_shows_reasons_evidence_and_addresses() -> None:
    tree = parse(html.render(org_report()))
    rows = tree.root.find("tr", "finding")
    assert [row.find("td", "domain")[0].text for row in rows] == [
        "lapsed-corp.com",
        "oldproject.org",
        "parked-name.net",
        "soon-gone.dev",
        "flaky-registry.co",
        "quiet-mail.io",
    ]
    first = rows[0]
    assert first.find("span", "code")[0].text == "unregistered"
    assert "RDAP 404 from https://rdap.example/domain/x" in first.text
    assert "jane@lapsed-corp.com (Jane Doe)" in first.text
    assert "ops@lapsed-corp.com" in first.text
    assert "expires: 2026-11-09" in rows[1].text  # NOW - 12 days
    assert "healthy-org.com" not in " ".join(row.text for row in rows)


def test_advice_covers_exactly_the_reasons_present() -> None:
    tree = parse(html.render(org_report()))
    advice = _section(tree, "advice")
    codes = [dt.find("span", "code")[0].text for dt in advice.find("dt")]
    assert codes == [
        "unregistered",
        "expired",
        "expiring-soon",
        "parked",
        "no-mail-route",
        "lookup-failed",
    ]
    assert guidance(ReasonCode.PARKED).action in advice.text


def test_healthy_report_says_so() -> None:
    report = make_report(
        [contact("a@x.org", "x.org")], [result("x.org", expires=NOW + timedelta(days=90))]
    )
    tree = parse(html.render(report))
    assert "No domain at risk" in tree.root.text
    assert _counts(tree)["none"] == 1
    assert len(tree.root.find("rect", "bar")) == 1


def test_cli_writes_an_html_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = CliRunner().invoke(
        app,
        ["domain", "jane@janedoe.dev", "--offline", "--no-cache", "-f", "html", "-o", str(out)],
    )
    assert done.exit_code == 0, done.output
    tree = parse(out.read_text(encoding="utf-8"))
    assert _counts(tree)["unknown"] == 1
    assert "janedoe.dev" in tree.root.find("tr", "finding")[0].text


# --- a page that loads nothing ---------------------------------------------------------------


def test_page_is_self_contained_under_a_strict_content_security_policy() -> None:
    document = html.render(org_report())
    tree = parse(document)
    policy = [m for m in tree.all if m.tag == "meta" and m.attrs.get("http-equiv")]
    assert [m.attrs["content"] for m in policy] == [html.CSP]
    assert "default-src 'none'" in html.CSP
    assert "script-src" not in html.CSP  # falls back to default-src 'none'
    for element in tree.all:
        assert {"src", "href", "srcset", "action", "style"}.isdisjoint(element.attrs)
        for name, value in element.attrs.items():
            assert "://" not in value or (name, value) == ("xmlns", "http://www.w3.org/2000/svg")
    (style,) = [e for e in tree.all if e.tag == "style"]
    assert not re.search(r"url\(|@import|@font-face", style.text)


# --- hostile input ---------------------------------------------------------------------------


def _assert_only_our_markup(tree: Tree) -> None:
    for element in tree.all:
        assert element.tag in TAGS, f"<{element.tag}> came from the input"
        assert set(element.attrs) <= ATTRIBUTES, f"{element.attrs} came from the input"
        for value in element.attrs.values():
            assert "javascript:" not in value.lower()


@pytest.mark.parametrize("entry", corpus(), ids=lambda e: e["id"])
def test_hostile_text_is_shown_as_text_and_makes_no_markup(entry: dict[str, str]) -> None:
    document = html.render(hostile_report(entry["text"]))
    lowered = document.lower()
    for raw in ("<script", "<img", "<a ", "<iframe", "<link", "<details", "<b>", "<!--"):
        assert raw not in lowered
    tree = parse(document)
    _assert_only_our_markup(tree)
    shown = one_line(entry["text"], 200).replace("##[", "##" + ZERO_WIDTH_SPACE + "[")
    findings = tree.root.find("tr", "finding")
    assert any(shown in row.text for row in findings)  # the text itself, readable


def test_corpus_report_holds_only_our_markup_and_no_control_character() -> None:
    document = html.render(corpus_report())
    _assert_only_our_markup(parse(document))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", document)


def test_hostile_attribute_quotes_cannot_close_an_attribute() -> None:
    text = '" onmouseover="alert(1)" x=\''
    tree = parse(html.render(hostile_report(text)))
    _assert_only_our_markup(tree)
    # The hostile domain's bar tooltip (an SVG <title>) holds the text verbatim.
    titles = [t.text for t in tree.root.find("title")]
    assert any(t.startswith(text + ".org: expires") for t in titles)


def test_html_report_forges_no_workflow_command() -> None:
    output = html.render(corpus_report())
    assert actions_runner.forged_lines(output, set()) == []
