"""Counters of one run's lookups (kept apart so offline runs need not import asyncio)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LookupStats:
    """What a run did, for progress and for benchmarks."""

    domains: int = 0
    registry_lookups: int = 0
    failures: int = 0
    warnings: list[str] = field(default_factory=list)
