"""A self-contained HTML page for the organisation view.

Risk counts, an inline SVG bar chart of the days left before each registration expires,
the findings grouped by repository (or package, or file for a local scan), the findings
table with its evidence, and what to do about each reason. One file: inline CSS, inline
SVG, no script, nothing loaded from anywhere, and a Content-Security-Policy that forbids
loading anything but inline styles and ``data:`` images.

Every piece of outside text goes through :func:`_text`: control characters and bidi
overrides are made visible (:func:`~checker.escape.one_line`), then
:func:`html.escape` with ``quote=True``, and it is isolated in ``<bdi>`` so right-to-left
text cannot reorder the page around it. No URL from outside becomes a link.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from checker import __version__
from checker.escape import guard_output, one_line
from checker.model import (
    RISK_ORDER,
    Contact,
    ContactKind,
    DomainResult,
    ReasonCode,
    Report,
    Risk,
    SourceKind,
)
from checker.report.findings import Finding, findings, where
from checker.report.guidance import guidance

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
#: Bars in the expiry chart; the most urgent are kept.
MAX_BARS = 200
#: Addresses listed per finding.
MAX_ADDRESSES = 10
MAX_ERRORS = 50
#: The chart's right edge is at most this many days ahead; later expiries are clipped.
MAX_CHART_DAYS = 365
_MESSAGE_LIMIT = 500

# Chart geometry (SVG user units; the SVG scales to the page width).
_WIDTH = 1000
_LABEL_END = 290
_PLOT_LEFT = 300
_PLOT_RIGHT = 900
_ROW = 22
_BAR = 14
_TOP = 10
_AXIS = 34

_COLOURS = {
    Risk.CRITICAL: "#b42318",
    Risk.HIGH: "#e8590c",
    Risk.MEDIUM: "#d4a106",
    Risk.LOW: "#1c64d1",
    Risk.UNKNOWN: "#7048e8",
    Risk.NONE: "#2b8a3e",
}

_GROUP_LABELS = {"repository": "repository", "package": "package", "path": "file", "other": ""}


def _text(value: str, limit: int | None = None) -> str:
    """Outside text, safe as HTML element content or a quoted attribute value."""
    return f"<bdi>{html.escape(one_line(value, limit), quote=True)}</bdi>"


def _plain(value: str, limit: int | None = None) -> str:
    """Outside text for places that take no markup (SVG ``<title>``, ``title=``)."""
    return html.escape(one_line(value, limit), quote=True)


def _badge(risk: Risk) -> str:
    return f'<span class="badge r-{risk.value}">{risk.value}</span>'


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def days_left(expires: datetime, now: datetime) -> int:
    """Whole days from ``now`` to ``expires``; negative once the registration has expired.

    Counted as the verdict's messages count them (whole days elapsed, towards zero), so
    the chart's "-40 d" is the text and JSON's "expired ... (40 days ago)"."""
    delta = expires - now
    return delta.days if delta >= timedelta(0) else -(-delta).days


# --- header and counts ----------------------------------------------------------------------


def _counts(report: Report) -> str:
    cards = []
    for risk in RISK_ORDER:
        count = sum(1 for d in report.domains if d.risk is risk)
        label = "healthy" if risk is Risk.NONE else risk.value
        cards.append(
            f'<div class="card r-{risk.value}{" zero" if not count else ""}" '
            f'data-risk="{risk.value}"><span class="count">{count}</span>'
            f'<span class="label">{label}</span></div>'
        )
    return '<section class="counts" aria-label="Domains by risk">' + "".join(cards) + "</section>"


def _summary(report: Report, found: list[Finding]) -> str:
    providers = sum(1 for c in report.contacts if c.kind is ContactKind.PROVIDER)
    invalid = sum(1 for c in report.contacts if c.kind is ContactKind.INVALID)
    verdict = (
        f"<strong>{len(found)} of {len(report.domains)} domain(s) need attention.</strong>"
        if found
        else f"<strong>No domain at risk</strong> among {len(report.domains)} checked."
    )
    return (
        f'<p class="summary">{verdict} {report.files_scanned} file(s) scanned, '
        f"{len(report.contacts)} address(es): {providers} at mail providers (not looked up), "
        f"{invalid} invalid. Highest risk: {_badge(report.highest_risk)}</p>"
    )


# --- expiry chart ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bar:
    domain: str
    risk: Risk
    days: int
    expires: datetime


def _nice_step(span: int) -> int:
    for step in (7, 15, 30, 60, 90, 120, 180):
        if span / step <= 8:
            return step
    return 365


def _chart(report: Report) -> str:
    now = report.generated_at
    bars: list[_Bar] = []
    undated: list[DomainResult] = []
    for result in report.domains:
        registration = result.registration
        if registration is not None and registration.registered and registration.expires:
            expires = registration.expires
            bars.append(_Bar(result.domain, result.risk, days_left(expires, now), expires))
        else:
            undated.append(result)
    bars.sort(key=lambda b: (b.days, b.domain))
    parts = ['<section id="expiry"><h2>Days to expiry</h2>']
    if bars:
        parts.append(_svg(bars[:MAX_BARS], now))
        if len(bars) > MAX_BARS:
            parts.append(
                f'<p class="note">{len(bars) - MAX_BARS} later expiry date(s) not drawn; '
                "the findings table and the JSON report list every domain.</p>"
            )
        legend = "".join(
            f'<span class="key"><span class="swatch r-{risk.value}"></span>{risk.value}</span>'
            for risk in RISK_ORDER
        )
        parts.append(
            f'<p class="legend">{legend}</p><p class="note">Bar colour is the domain\'s risk. '
            "Bars left of 0 have expired. Expiries beyond the right edge are clipped "
            "(marked \u203a; the label gives the real figure).</p>"
        )
    else:
        parts.append('<p class="note">No registry published an expiry date.</p>')
    if undated:
        items = "".join(
            f"<li>{_text(r.domain, 253)} {_badge(r.risk)} "
            f'<span class="muted">{_undated_why(r)}</span></li>'
            for r in sorted(undated, key=lambda r: (-r.risk.rank, r.domain))
        )
        parts.append(
            f'<h3>Without an expiry date ({len(undated)})</h3><ul class="undated">{items}</ul>'
        )
    parts.append("</section>")
    return "".join(parts)


def _undated_why(result: DomainResult) -> str:
    if result.registration is not None and not result.registration.registered:
        return "not registered"
    if result.registration is None:
        codes = ", ".join(r.code.value for r in result.reasons) or "no registration answer"
        return html.escape(codes)
    return "the registry published no expiry date"


def _svg(bars: list[_Bar], now: datetime) -> str:
    low = max(min(0, bars[0].days), -MAX_CHART_DAYS)
    high = min(max(30, bars[-1].days), MAX_CHART_DAYS)
    step = _nice_step(high - low)
    low = -math.ceil(-low / step) * step
    high = math.ceil(high / step) * step

    def x(days: int) -> float:
        days = max(low, min(high, days))
        return _PLOT_LEFT + (days - low) * (_PLOT_RIGHT - _PLOT_LEFT) / (high - low)

    plot_bottom = _TOP + len(bars) * _ROW
    height = plot_bottom + _AXIS
    zero = x(0)
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-label="Days to expiry of {len(bars)} domain(s) as of {_day(now)}">'
    ]
    if low < 0:
        out.append(
            f'<path class="expired-zone" d="M{_PLOT_LEFT} {_TOP}H{zero:.1f}'
            f'V{plot_bottom}H{_PLOT_LEFT}Z"/>'
        )
    for tick in range(low, high + 1, step):
        tx = x(tick)
        out.append(
            f'<line class="grid{" zero" if tick == 0 else ""}" x1="{tx:.1f}" y1="{_TOP}" '
            f'x2="{tx:.1f}" y2="{plot_bottom}"/>'
            f'<text class="tick" x="{tx:.1f}" y="{plot_bottom + 16}">{tick}</text>'
        )
    out.append(
        f'<text class="axis-title" x="{(_PLOT_LEFT + _PLOT_RIGHT) / 2:.0f}" '
        f'y="{plot_bottom + 31}">days until the registration expires (as of {_day(now)})</text>'
    )
    for index, bar in enumerate(bars):
        top = _TOP + index * _ROW
        end = x(bar.days)
        left, right = min(zero, end), max(zero, end)
        width = max(right - left, 2.0)
        if bar.days < 0 and width == 2.0:
            left = zero - 2.0
        clipped = not low <= bar.days <= high
        mid = top + _ROW / 2
        label = f"{bar.days} d" + (" \u203a" if clipped else "")
        value_x = right + 5 if bar.days >= 0 else left - 5
        anchor = "start" if bar.days >= 0 else "end"
        if bar.days < 0 and value_x < _PLOT_LEFT + 40:  # no room on the left: inside the bar
            value_x, anchor = right + 5, "start"
        tip = _plain(
            f"{bar.domain}: expires {_day(bar.expires)} ({bar.days} days), {bar.risk.value}"
        )
        out.append(
            f'<text class="name" x="{_LABEL_END}" y="{mid + 4:.1f}">{_plain(bar.domain, 42)}'
            f"</text>"
            f'<rect class="bar r-{bar.risk.value}{" clipped" if clipped else ""}" '
            f'x="{left:.1f}" y="{top + (_ROW - _BAR) / 2:.1f}" width="{width:.1f}" '
            f'height="{_BAR}" rx="2"><title>{tip}</title></rect>'
            f'<text class="value" x="{value_x:.1f}" y="{mid + 4:.1f}" '
            f'text-anchor="{anchor}">{label}</text>'
        )
    out.append("</svg>")
    return "".join(out)


# --- findings by repository -----------------------------------------------------------------


def group_of(contact: Contact) -> tuple[str, str]:
    """The group an address is counted under: its repository, else package, else file."""
    source = contact.source
    if source.repository:
        return ("repository", source.repository)
    if source.package:
        return ("package", source.package)
    if source.path:
        return ("path", source.path)
    if source.kind is SourceKind.ARGUMENT:
        return ("other", "command line")
    return ("other", source.kind.value)


def _groups(found: list[Finding]) -> str:
    domains: dict[tuple[str, str], dict[str, Risk]] = defaultdict(dict)
    addresses: dict[tuple[str, str], int] = defaultdict(int)
    for finding in found:
        for contact in finding.contacts:
            key = group_of(contact)
            domains[key][finding.result.domain] = finding.result.risk
            addresses[key] += 1
    if not domains:
        return ""
    by_repo = any(kind == "repository" for kind, _ in domains)
    title = "Findings by repository" if by_repo else "Findings by package or file"

    kinds = list(_GROUP_LABELS)

    def order(key: tuple[str, str]) -> tuple[int, int, int, str]:
        worst = Risk.worst(domains[key].values())
        return (-worst.rank, -len(domains[key]), kinds.index(key[0]), key[1])

    rows = []
    for key in sorted(domains, key=order):
        kind, name = key
        worst = Risk.worst(domains[key].values())
        listed = " ".join(
            f'<span class="chip r-{risk.value}">{_text(domain, 253)}</span>'
            for domain, risk in sorted(domains[key].items(), key=lambda i: (-i[1].rank, i[0]))
        )
        kind_label = f'<span class="muted">{_GROUP_LABELS[kind]}</span> ' if kind != "other" else ""
        rows.append(
            f"<tr><td>{kind_label}{_text(name, 300)}</td><td>{_badge(worst)}</td>"
            f'<td class="num">{len(domains[key])}</td><td class="num">{addresses[key]}</td>'
            f"<td>{listed}</td></tr>"
        )
    return (
        f'<section id="groups"><h2>{title}</h2><table class="groups"><thead><tr>'
        '<th>Where</th><th>Worst</th><th class="num">Domains</th><th class="num">Addresses</th>'
        "<th>At-risk domains</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


# --- findings table -------------------------------------------------------------------------


def _evidence(result: DomainResult) -> str:
    items: list[str] = []
    registration = result.registration
    if registration is not None:
        asked = f"{registration.source.value} <code>{_text(registration.url, 300)}</code>"
        items.append(f"asked: {asked}")
        if registration.expires:
            items.append(f"expires: {_day(registration.expires)}")
        if registration.statuses:
            items.append("status: " + _text(", ".join(registration.statuses), 300))
        if registration.registrar:
            items.append("registrar: " + _text(registration.registrar, 200))
    elif result.failure is not None and result.failure.url:
        items.append(f"asked: <code>{_text(result.failure.url, 300)}</code>")
    if result.dns is not None and result.dns.parked_by:
        items.append("parked at: " + _text(result.dns.parked_by, 200))
    if result.cached:
        items.append("from cache")
    if not items:
        return ""
    return '<div class="evidence">' + " · ".join(items) + "</div>"


def _addresses(contacts: tuple[Contact, ...]) -> str:
    if not contacts:
        return '<span class="muted">no address in the scanned files</span>'
    rows = []
    for contact in contacts[:MAX_ADDRESSES]:
        name = f" ({_text(contact.name, 200)})" if contact.name else ""
        rows.append(
            f"<li>{_text(contact.email, 320)}{name} "
            f'<span class="muted">{contact.role.value} in</span> '
            f"<code>{_text(where(contact), 300)}</code></li>"
        )
    if len(contacts) > MAX_ADDRESSES:
        rows.append(f'<li class="muted">and {len(contacts) - MAX_ADDRESSES} more</li>')
    return '<ul class="addresses">' + "".join(rows) + "</ul>"


def _finding_row(finding: Finding) -> str:
    result = finding.result
    reasons = "".join(
        f'<li><span class="code">{reason.code.value}</span> '
        f"{_text(reason.message, _MESSAGE_LIMIT)}</li>"
        for reason in finding.reasons
    )
    return (
        f'<tr class="finding r-{result.risk.value}"><td>{_badge(result.risk)}</td>'
        f'<td class="domain">{_text(result.domain, 253)}</td>'
        f'<td><ul class="reasons">{reasons}</ul>{_evidence(result)}</td>'
        f"<td>{_addresses(finding.contacts)}</td></tr>"
    )


def _findings_table(found: list[Finding]) -> str:
    if not found:
        return '<section id="findings"><h2>Findings</h2><p>No domain at risk.</p></section>'
    rows = "".join(_finding_row(f) for f in found)
    return (
        '<section id="findings"><h2>Findings</h2><table class="findings"><thead><tr>'
        "<th>Risk</th><th>Domain</th><th>Reasons and evidence</th><th>Addresses</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _advice(found: list[Finding]) -> str:
    codes = {reason.code for finding in found for reason in finding.reasons}
    if not codes:
        return ""
    items = []
    for code in ReasonCode:  # a fixed order, worst first
        if code in codes:
            help_ = guidance(code)
            items.append(
                f'<dt><span class="code">{code.value}</span> {_badge(code.risk)} '
                f"{html.escape(help_.title)}</dt>"
                f"<dd>{html.escape(help_.meaning)} <strong>What to do:</strong> "
                f"{html.escape(help_.action)}</dd>"
            )
    return f'<section id="advice"><h2>What to do</h2><dl>{"".join(items)}</dl></section>'


def _ignored(report: Report) -> str:

    items = [
        f"<li>{_text(item.result.domain, 253)} {_badge(item.result.risk)} "
        f"{_text('; '.join(i.reason for i in item.ignores), 300)}</li>"
        for item in report.ignored
    ]
    if not items:
        return ""
    return (
        f'<section id="ignored"><h2>Ignored by configuration ({len(items)})</h2>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _errors(report: Report) -> str:
    if not report.errors:
        return ""
    items = []
    for error in report.errors[:MAX_ERRORS]:
        place = f"{error.path}:{error.line}" if error.line else error.path
        items.append(f"<li><code>{_text(place, 300)}</code>: {_text(error.message, 300)}</li>")
    if len(report.errors) > MAX_ERRORS:
        items.append(f"<li>and {len(report.errors) - MAX_ERRORS} more</li>")
    return (
        f'<section id="errors"><h2>Inputs that could not be read ({len(report.errors)})</h2>'
        f"<ul>{''.join(items)}</ul></section>"
    )


_STYLE = """
:root { color-scheme: light; --fg: #1d2430; --muted: #5b6474; --line: #dfe3ea; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
    "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 40px; }
header h1 { font-size: 22px; margin: 0 0 2px; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 16px 18px; margin-top: 18px; }
.summary { margin: 14px 0 0; }
.counts { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; padding: 12px; }
.card { border-radius: 6px; padding: 10px 14px; border-left: 6px solid; background: #fafbfc; }
.card .count { display: block; font-size: 28px; font-weight: 700; line-height: 1.1; }
.card .label { color: var(--muted); text-transform: uppercase; font-size: 12px;
  letter-spacing: .04em; }
.card.zero .count { color: #aab1bd; }
.card.r-critical { border-color: #b42318; } .card.r-high { border-color: #e8590c; }
.card.r-medium { border-color: #d4a106; } .card.r-low { border-color: #1c64d1; }
.card.r-none { border-color: #2b8a3e; } .card.r-unknown { border-color: #7048e8; }
.badge { display: inline-block; white-space: nowrap; min-width: 64px; text-align: center;
  border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.r-critical { background: #b42318; } .badge.r-high { background: #e8590c; }
.badge.r-medium { background: #f2c12e; color: #3d2f00; } .badge.r-low { background: #1c64d1; }
.badge.r-none { background: #2b8a3e; } .badge.r-unknown { background: #7048e8; }
.chip { display: inline-block; margin: 1px 4px 1px 0; padding: 0 6px; border-radius: 4px;
  background: #f1f3f6; border-left: 4px solid; font-size: 13px; }
.chip.r-critical { border-color: #b42318; } .chip.r-high { border-color: #e8590c; }
.chip.r-medium { border-color: #d4a106; } .chip.r-low { border-color: #1c64d1; }
.chip.r-unknown { border-color: #7048e8; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 7px 8px;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { white-space: nowrap; font-size: 12px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); background: #fafbfc; }
tbody tr:nth-child(even) { background: #fcfcfd; }
tr.finding td:first-child { border-left: 4px solid transparent; width: 90px; }
tr.finding.r-critical td:first-child { border-left-color: #b42318; }
tr.finding.r-high td:first-child { border-left-color: #e8590c; }
tr.finding.r-medium td:first-child { border-left-color: #d4a106; }
tr.finding.r-low td:first-child { border-left-color: #1c64d1; }
tr.finding.r-unknown td:first-child { border-left-color: #7048e8; }
td.domain { font-weight: 600; width: 20%; }
th.num, td.num { text-align: right; width: 1%; white-space: nowrap; }
ul { margin: 0; padding-left: 18px; }
ul.reasons, ul.addresses { list-style: none; padding: 0; }
ul.reasons li + li, ul.addresses li + li { margin-top: 3px; }
.code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 12px; background: #eef1f5; border-radius: 3px; padding: 0 4px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 12px; overflow-wrap: anywhere; }
.evidence { margin-top: 5px; color: var(--muted); font-size: 12px; }
.muted { color: var(--muted); }
.note, .legend { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
.key { white-space: nowrap; margin-right: 8px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 3px; vertical-align: -1px; }
.swatch.r-critical { background: #b42318; } .swatch.r-high { background: #e8590c; }
.swatch.r-medium { background: #d4a106; } .swatch.r-low { background: #1c64d1; }
.swatch.r-none { background: #2b8a3e; } .swatch.r-unknown { background: #7048e8; }
svg.chart { display: block; width: 100%; height: auto; font-size: 12px; }
svg .name { text-anchor: end; fill: var(--fg); }
svg .value { fill: var(--muted); font-size: 11px; }
svg .tick { text-anchor: middle; fill: var(--muted); font-size: 11px; }
svg .axis-title { text-anchor: middle; fill: var(--muted); font-size: 11px; }
svg .grid { stroke: #e8ebf0; stroke-width: 1; }
svg .grid.zero { stroke: #1d2430; stroke-width: 1.5; }
svg .expired-zone { fill: #fdecea; }
svg .bar.r-critical { fill: #b42318; } svg .bar.r-high { fill: #e8590c; }
svg .bar.r-medium { fill: #d4a106; } svg .bar.r-low { fill: #1c64d1; }
svg .bar.r-none { fill: #2b8a3e; } svg .bar.r-unknown { fill: #7048e8; }
ul.undated { columns: 2; }
dl { margin: 0; } dt { margin-top: 10px; font-weight: 600; } dd { margin: 3px 0 0 0; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; text-align: center; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
"""


def render(report: Report) -> str:
    """The report as one self-contained HTML document."""
    found = findings(report)
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    roots = ", ".join(one_line(root, 200) for root in report.roots)
    scanned = f" · scanned: {_text(roots, 600)}" if roots else ""
    body = [
        "<header><h1>domain-guard report</h1>",
        f"<p>Generated {generated} by domain-guard {__version__}{scanned}</p>",
        _summary(report, found),
        "</header>",
        _counts(report),
        _chart(report),
        _groups(found),
        _findings_table(found),
        _advice(found),
        _ignored(report),
        _errors(report),
        "<footer>Addresses, names, paths and registry answers are shown as text; "
        "nothing on this page loads from the network.</footer>",
    ]
    document = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>domain-guard report {html.escape(generated)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body><main>",
            *(part for part in body if part),
            "</main></body>",
            "</html>",
            "",
        ]
    )
    return guard_output(document)
