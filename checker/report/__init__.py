"""Report formats: one registry of ``name -> writer``, one signature for every format.

A new format is a module under ``checker/report/`` and one line in :data:`FORMATS`; the
command line (``--format``) and the Action (``format:``) both offer what is listed here.
Format modules are imported only when used: several cost start-up time.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from checker.model import Report


@dataclass(frozen=True)
class Style:
    """How a report is drawn where a format lets it vary (the text report): colour,
    healthy domains listed one by one, and the width to wrap at (None: a terminal's)."""

    color: bool = False
    verbose: bool = False
    width: int | None = None


#: Writes ``report`` to ``out`` in one format.
Writer = Callable[["Report", TextIO, Style], None]


def _text(report: Report, out: TextIO, style: Style) -> None:
    from checker.report import text

    text.render(report, out, color=style.color, verbose=style.verbose, width=style.width)


def _json(report: Report, out: TextIO, style: Style) -> None:
    from checker.report import json

    json.write(report, out)  # streamed: memory does not grow with the report


def _rendered(module: str) -> Writer:
    """The writer of a format whose module renders the whole text (``render(report)``)."""

    def write(report: Report, out: TextIO, style: Style) -> None:
        out.write(import_module(module).render(report))

    return write


#: Every report format, in the order ``--help`` lists them; ``text`` is the default.
FORMATS: dict[str, Writer] = {
    "text": _text,
    "json": _json,
    "sarif": _rendered("checker.report.sarif"),
    "markdown": _rendered("checker.report.markdown"),
    "github": _rendered("checker.report.github"),
    "html": _rendered("checker.report.html"),
}


def render(name: str, report: Report, style: Style = Style()) -> str:
    """``report`` in format ``name``, as one string."""
    out = io.StringIO()
    FORMATS[name](report, out, style)
    return out.getvalue()
