"""Every reason code is published everywhere a reader meets it: the JSON schema, the
guidance (and so the SARIF rule built from it) and the README's table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from checker.model import REASON_RISK, ReasonCode
from checker.report.guidance import GUIDANCE
from tests.schema import report_schema

README = Path(__file__).resolve().parents[1] / "README.md"


def _code_enums(node: Any) -> list[list[str]]:
    found: list[list[str]] = []
    if isinstance(node, dict):
        code = node.get("properties", {}).get("code") if "properties" in node else None
        if isinstance(code, dict) and "enum" in code:
            found.append(code["enum"])
        for value in node.values():
            found.extend(_code_enums(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_code_enums(value))
    return found


def test_the_schema_lists_exactly_the_reason_codes() -> None:
    enums = _code_enums(report_schema())
    assert enums
    for enum in enums:
        assert sorted(enum) == sorted(code.value for code in ReasonCode)


def test_every_reason_code_has_a_risk_and_guidance() -> None:
    assert set(REASON_RISK) == set(ReasonCode)
    assert set(GUIDANCE) == set(ReasonCode)


def test_the_readme_table_lists_every_reason_code() -> None:
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", README.read_text(encoding="utf-8"), re.M))
    missing = {code.value for code in ReasonCode} - listed
    assert not missing
