"""The JSON report (``schema_version`` 1) as a stream of text: a contract other tools read.

Which members each object has, and how they are written and read back, is
:mod:`checker.codec` (beside ``checker/data/report.schema.json``); this module lays the
codec's dicts out as text without holding the whole report in memory.
"""

from __future__ import annotations

import io
import json
from typing import TextIO

from checker.codec import (
    SCHEMA_VERSION,
    contact_to_dict,
    domain_to_dict,
    error_to_dict,
    ignored_to_dict,
    report_from_dict,
    report_head,
    report_lists,
    report_tail,
    report_to_dict,
    shard_to_dict,
    summary,
)
from checker.escape import guard_json
from checker.model import Report

__all__ = [
    "SCHEMA_VERSION",
    "contact_to_dict",
    "domain_to_dict",
    "error_to_dict",
    "ignored_to_dict",
    "read",
    "render",
    "report_to_dict",
    "shard_to_dict",
    "summary",
    "write",
]

_ITEM = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def write(report: Report, out: TextIO) -> None:
    """Write the report to ``out`` as a stream: the contract :func:`report_to_dict` describes.

    Small parts are indented; each entry of the long lists is written on a line of its own
    as it is made (Python's indenting encoder is pure Python and holds the whole text),
    so memory does not grow with the report. :func:`guard_json` is applied to each part:
    every part is a complete JSON value, so ``##[`` cannot span two of them.
    """
    out.write("{")
    first = True
    for key, value in report_head(report).items():
        out.write(f"{'' if first else ','}\n  {_indented(key, value)}")
        first = False
    for key, items in report_lists(report).items():
        out.write(f",\n  {json.dumps(key)}: [")
        empty = True
        for item in items:
            out.write(f"{'' if empty else ','}\n    {guard_json(_ITEM.encode(item))}")
            empty = False
        out.write("]" if empty else "\n  ]")
    for key, value in report_tail(report).items():
        out.write(f",\n  {_indented(key, value)}")
    out.write("\n}\n")


def _indented(key: str, value: object) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    return f"{json.dumps(key)}: {guard_json(text)}"


def render(report: Report) -> str:
    """The report as JSON text (non-ASCII kept as is); see :func:`write`."""
    out = io.StringIO()
    write(report, out)
    return out.getvalue()


def read(document: object) -> Report:
    """The :class:`Report` a parsed JSON report holds, read strictly (see :mod:`checker.codec`)."""
    return report_from_dict(document)
