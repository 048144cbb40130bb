"""The text report: findings first, worst first, whole locations at any width, healthy
domains counted, each error once in input order; and days to expiry that every format
(text, JSON, HTML) agrees on."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from checker.model import ContactKind, Reason, ReasonCode, Report, ScanError, SourceKind
from checker.report import html, text
from checker.report import json as json_report
from checker.verdict import judge
from tests.report.reports import NOW, contact, make_report, registration, result

LONG = "packages/" + "nested-directory/" * 6 + "pexpect-4.9.0.tar.gz"


def _report() -> Report:
    contacts = [
        contact("a@soon.org", "soon.org", path=LONG, kind=SourceKind.SDIST,
                member="pexpect-4.9.0/PKG-INFO", line=None),
        contact("b@gone.org", "gone.org", path="pyproject.toml", line=9),
        contact("c@fine.org", "fine.org", path="setup.cfg", line=3),
        contact("d@site.org", "site.org", path="/usr/lib/python3/site-packages/"
                "requests-2.31.0.dist-info/METADATA", kind=SourceKind.ENVIRONMENT,
                package="requests"),
        contact("x@gmail.com", "gmail.com", contact_kind=ContactKind.PROVIDER),
    ]  # fmt: skip
    domains = [
        result("fine.org", expires=NOW + timedelta(days=400)),
        result("soon.org", Reason(ReasonCode.EXPIRING_SOON, "expires in 3 days")),
        result("gone.org", Reason(ReasonCode.UNREGISTERED, "the registry does not hold it")),
        result("site.org", expires=NOW + timedelta(days=400)),
    ]
    errors = [ScanError("z/setup.cfg", "bad", 2), ScanError("a/setup.cfg", "worse")]
    return make_report(contacts, domains, errors)


def test_findings_come_first_worst_first_and_healthy_domains_are_counted() -> None:
    output = text.render(_report())
    gone, soon = output.index("critical  gone.org"), output.index("medium    soon.org")
    assert gone < soon < output.index("2 domains healthy")
    assert "fine.org" not in output
    assert "site.org" not in output


def test_verbose_lists_healthy_domains_with_the_package_of_an_installed_one() -> None:
    output = text.render(_report(), verbose=True)
    assert "none      fine.org (setup.cfg:3)" in output
    assert (
        "(requests, /usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA:7)" in output
    )


def test_each_error_once_in_input_order() -> None:
    output = text.render(_report())
    assert output.count("z/setup.cfg:2: bad") == 1
    assert output.index("z/setup.cfg") < output.index("a/setup.cfg: worse")


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_locations_are_wrapped_never_cut_at_any_terminal_width(width: int) -> None:
    output = text.render(_report(), width=width)
    location = f"{LONG}!pexpect-4.9.0/PKG-INFO"
    assert location in output
    assert "…" not in output
    for line in output.splitlines():
        # Only a line holding a single unbreakable word may be wider than the terminal.
        assert len(line) <= width or len(line.split()) <= 2, line


def test_piped_output_is_never_wrapped() -> None:
    output = text.render(_report())
    assert f"a@soon.org ({LONG}!pexpect-4.9.0/PKG-INFO)" in output


@pytest.mark.parametrize("offset", [timedelta(days=-40, hours=-12), timedelta(days=10, hours=12),
                                    timedelta(days=-1, hours=-1), timedelta(hours=-3)])  # fmt: skip
def test_days_to_expiry_agree_across_text_json_and_html(offset: timedelta) -> None:
    expires = NOW + offset
    verdict = judge("lapsing.org", registration=registration("lapsing.org", expires=expires),
                    now=NOW, expiry_window_days=30)  # fmt: skip
    report = make_report([contact("a@lapsing.org", "lapsing.org")], [verdict])
    message = json.loads(json_report.render(report))["domains"][0]["reasons"][0]["message"]
    match = re.search(r"\((\d+) days ago\)|in (\d+) days", message)
    assert match, message
    days = int(match.group(1)) * -1 if match.group(1) else int(match.group(2))
    assert message in text.render(report)
    assert f">{days} d<" in html.render(report)
