"""The ``html`` format in a real headless Chromium: what it shows, and that it loads nothing.

Skipped when Chromium is not installed (Debian package ``chromium``), unless
``DOMAIN_GUARD_REQUIRE_BROWSER=1`` makes that a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.model import Risk
from checker.report import html
from tests.browser.canary import Canary
from tests.browser.chromium import chromium, dump_dom, screenshot
from tests.browser.dom import ATTRIBUTES, TAGS, parse
from tests.browser.pages import DOMAINS, REPOSITORIES, org_report
from tests.browser.png import read_png
from tests.report.reports import hostile_report

#: Bar colours (RGB) of the risks whose bars are long in the known report (200, 400 and
#: 3000 days). No badge, card or swatch paints a run of 100 pixels in them.
LONG_BARS = {
    "parked-name.net": b"\xd4\xa1\x06",
    "quiet-mail.io": b"\x1c\x64\xd1",
    "healthy-org.com": b"\x2b\x8a\x3e",
}


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


def test_chromium_shows_counts_chart_repositories_and_findings(
    browser: str, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(html.render(org_report()), encoding="utf-8")
    shot = tmp_path / "report.png"
    tree = parse(screenshot(browser, page, shot, tmp_path / "profile"))

    counts = {
        card.attrs["data-risk"]: int(card.find("span", "count")[0].text)
        for card in tree.root.find("div", "card")
    }
    assert counts == {risk.value: sum(r is risk for r, _ in DOMAINS.values()) for risk in Risk}
    dated = [d for d, (_, days) in DOMAINS.items() if days is not None]
    assert len(tree.root.find("rect")) == len(dated) == 5
    assert len(tree.root.find("rect", "bar")) == len(dated)
    groups = next(s for s in tree.root.find("section") if s.attrs.get("id") == "groups")
    for repository in REPOSITORIES:
        assert repository in groups.text
    findings = " ".join(row.text for row in tree.root.find("tr", "finding"))
    for domain, (risk, _) in DOMAINS.items():
        assert (domain in findings) is (risk is not Risk.NONE)

    # The header, the counts and the chart fit in the top 700 pixels.
    image = read_png(shot.read_bytes(), max_rows=700)
    assert (image.width, image.height) == (1280, 2000)
    assert shot.stat().st_size > 50_000
    assert len(image.colours()) > 100  # text, cards and bars: not a flat page
    for domain, colour in LONG_BARS.items():
        run = colour * 100  # 100 pixels of one colour in a row: the bar was painted
        assert any(run in row for row in image.rows), f"the bar of {domain} is not painted"


def test_chromium_loads_nothing_from_hostile_names(browser: str, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    with Canary() as canary:
        # The control: the same browser does fetch an image from the canary.
        control = tmp_path / "control.html"
        control.write_text(f'<!DOCTYPE html><img src="{canary.url}/control.png">')
        dump_dom(browser, control, profile)
        assert canary.paths == ["/control.png"]

        hostile = (
            f"<img src={canary.url}/img onerror=alert(1)><script src={canary.url}/js></script>"
            f"<link rel=stylesheet href={canary.url}/css><iframe src={canary.url}/frame>"
        )
        page = tmp_path / "hostile.html"
        page.write_text(html.render(hostile_report(hostile)), encoding="utf-8")
        tree = parse(dump_dom(browser, page, profile))

        # Defence in depth: were the escaping ever broken, the policy still blocks loads.
        broken = tmp_path / "broken.html"
        document = html.render(hostile_report("x"))
        broken.write_text(document.replace("<main>", f"<main>{hostile}", 1), encoding="utf-8")
        dump_dom(browser, broken, profile)
    assert canary.paths == ["/control.png"]
    for element in tree.all:
        assert element.tag in TAGS, f"<{element.tag}> in the browser's DOM"
        assert set(element.attrs) <= ATTRIBUTES
    names = [row.text for row in tree.root.find("tr", "finding")]
    assert any(f"({hostile})" in text for text in names)  # the maintainer's name, as text
