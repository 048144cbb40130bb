"""The published JSON schema of the report, as the tests read it."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def report_schema() -> dict[str, Any]:
    """``checker/data/report.schema.json``, parsed."""
    text = resources.files("checker").joinpath("data", "report.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
