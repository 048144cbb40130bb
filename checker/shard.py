"""``--shard K/N``: a deterministic split of the work by registrable domain.

N jobs (a CI matrix) each look up a disjoint part of the domains, so registries that
rate-limit per client see N clients. The shard of a domain is a stable hash of its name
(SHA-256, never Python's salted ``hash()``), the same on every machine and run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from checker.model import Contact, Report

#: Most shards a run may be split into.
MAX_SHARDS = 1000

T = TypeVar("T")

_SHARD = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", re.ASCII)


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``total``."""

    index: int
    total: int

    def __post_init__(self) -> None:
        if not 1 <= self.total <= MAX_SHARDS:
            raise ValueError(f"N must be 1 to {MAX_SHARDS}, got {self.total}")
        if not 1 <= self.index <= self.total:
            raise ValueError(f"K must be 1 to N ({self.total}), got {self.index}")

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def holds(self, key: str) -> bool:
        """True when ``key`` (a registrable domain) belongs to this shard."""
        return shard_of(key, self.total) == self.index


@dataclass(frozen=True)
class ShardCoverage:
    """Which shards of ``total`` a report covers (``indexes`` sorted, 1-based)."""

    total: int
    indexes: tuple[int, ...]

    @property
    def missing(self) -> tuple[int, ...]:
        present = set(self.indexes)
        return tuple(i for i in range(1, self.total + 1) if i not in present)

    @property
    def complete(self) -> bool:
        return not self.missing


def parse_shard(text: str) -> Shard:
    """``"K/N"`` as a :class:`Shard`; ValueError with a message for the user if not."""
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ValueError(f"expected K/N, e.g. 2/4, got {text[:40]!r}")
    return Shard(int(match.group(1)), int(match.group(2)))


def shard_of(key: str, total: int) -> int:
    """The 1-based shard of ``key`` among ``total``: the first 8 hex digits of its SHA-256."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return int(digest[:8], 16) % total + 1


def contact_key(contact: Contact) -> str:
    """What decides a contact's shard: its registrable domain, so all contacts of a domain
    land in the shard that looks it up; contacts without one go by domain or address."""
    return contact.registrable_domain or contact.domain or contact.email.lower()


def select_contacts(contacts: Iterable[Contact], shard: Shard) -> list[Contact]:
    """The contacts that belong to ``shard``."""
    return [contact for contact in contacts if shard.holds(contact_key(contact))]


def select_domains(domains: Mapping[str, T], shard: Shard) -> dict[str, T]:
    """The registrable domains (mapped to anything) that belong to ``shard``."""
    return {name: value for name, value in domains.items() if shard.holds(name)}


def mark_shard(report: Report, shard: Shard) -> Report:
    """``report`` recorded as covering ``shard`` only (the JSON report's ``shard``)."""
    coverage = ShardCoverage(shard.total, (shard.index,))
    return replace(report, shard=coverage)
