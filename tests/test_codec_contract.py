"""One contract in one place: each object's keys (``codec.Shape``), the writer, the strict
reader and the published schema agree, so none of them can drift from the others."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker import codec
from checker.report import json as json_report
from tests.report.test_json_stream import _full_report
from tests.schema import report_schema

_SCHEMA = report_schema()
_IGNORED_BY = _SCHEMA["properties"]["ignored"]["items"]["allOf"][1]["properties"]["ignored_by"]

SHAPES_IN_SCHEMA: list[tuple[str, codec.Shape, dict[str, Any]]] = [
    ("report", codec.REPORT, _SCHEMA),
    ("tool", codec.TOOL, _SCHEMA["properties"]["tool"]),
    ("shard", codec.SHARD, _SCHEMA["properties"]["shard"]),
    ("contact", codec.CONTACT, _SCHEMA["$defs"]["contact"]),
    ("source", codec.SOURCE, _SCHEMA["$defs"]["contact"]["properties"]["source"]),
    ("reason", codec.REASON, _SCHEMA["$defs"]["reason"]),
    ("registration", codec.REGISTRATION, _SCHEMA["$defs"]["registration"]),
    ("dns", codec.DNS, _SCHEMA["$defs"]["dns"]),
    ("domain", codec.DOMAIN, _SCHEMA["$defs"]["domain"]),
    ("error", codec.ERROR, _SCHEMA["$defs"]["error"]),
    ("summary", codec.SUMMARY, _SCHEMA["$defs"]["summary"]),
    ("ignore", codec.IGNORE, _IGNORED_BY["items"]),
]


@pytest.mark.parametrize(
    ("shape", "schema"),
    [(s, d) for _, s, d in SHAPES_IN_SCHEMA],
    ids=[n for n, *_ in SHAPES_IN_SCHEMA],
)
def test_each_shape_lists_the_members_the_schema_publishes(
    shape: codec.Shape, schema: dict[str, Any]
) -> None:
    assert shape.names == set(schema["properties"])
    # What the schema promises is always there: never only "with a value".
    assert set(schema.get("required", ())) <= set(shape.keys)


def test_an_ignored_entry_is_a_domain_and_the_ignores_that_cover_it() -> None:
    assert codec.IGNORED.names == codec.DOMAIN.names | {"ignored_by"}


def test_the_strict_reader_takes_back_exactly_what_the_writer_wrote() -> None:
    # Any key the writer adds or drops that its shape does not list fails here.
    written = json.loads(json_report.render(_full_report()))
    assert all(written[part] for part in ("contacts", "domains", "errors", "ignored", "shard"))
    assert codec.report_to_dict(json_report.read(written)) == written


def test_an_optional_member_is_absent_or_holds_a_value_never_null() -> None:
    written = json.loads(json_report.render(_full_report()))
    written["contacts"][0]["source"]["version"] = None
    with pytest.raises(
        ValueError, match=r"contacts\[0\]\.source\.version: written only with a value"
    ):
        json_report.read(written)
