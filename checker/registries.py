"""Second-level registries: ``foo.uk.com`` is a registration at CentralNic's ``uk.com``.

The ICANN section of the Public Suffix List makes ``uk.com`` the registrable domain of
``jane@foo.uk.com``: a .com name that CentralNic holds and keeps renewed. But ``foo.uk.com``
is itself registered, at CentralNic's ``uk.com`` registry, and anyone can register it once
it lapses. Likewise ``ox.ac.uk`` is held by Jisc's ``ac.uk`` registry, not by Nominet's
.uk registry. For the suffixes in ``checker/data/second-level-registries.json`` the name
one label below the suffix is the registrable domain, looked up at that registry's own
service and never at the TLD's registry, which does not hold it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


SECTIONS = ("private", "icann")  # where the Public Suffix List lists the suffix


@dataclass(frozen=True)
class SecondLevelRegistry:
    """A second-level registry and the services that answer for names under it."""

    suffix: str  # "uk.com"
    section: str  # "private": outside the PSL's ICANN section, so not registrable there
    operator: str
    whois: str | None  # port-43 host
    rdap: tuple[str, ...]  # RDAP base URLs, each ending in "/"; () when none is published
    sources: tuple[str, ...]


def registries_from_json(data: object) -> Mapping[str, SecondLevelRegistry]:
    """Suffix -> registry from the data file's document; ValueError when malformed."""
    if not isinstance(data, dict):
        raise ValueError("second-level registries: expected an object")
    cited = data.get("sources")
    entries = data.get("registries")
    if not isinstance(cited, dict) or not isinstance(entries, dict):
        raise ValueError("second-level registries: 'sources' and 'registries' must be objects")
    result: dict[str, SecondLevelRegistry] = {}
    for suffix, entry in entries.items():
        where = f"second-level registries: {suffix!r}"
        if not isinstance(suffix, str) or not _NAME.match(suffix) or suffix.count(".") < 1:
            raise ValueError(f"{where}: not a lower-case multi-label suffix")
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object")
        whois, rdap, sources = entry.get("whois"), entry.get("rdap", []), entry.get("sources")
        operator, section = entry.get("operator"), entry.get("section")
        if section not in SECTIONS:
            raise ValueError(f"{where}: 'section' must be one of {', '.join(SECTIONS)}")
        if whois is not None and not (isinstance(whois, str) and _NAME.match(whois)):
            raise ValueError(f"{where}: 'whois' must be a host name")
        if not isinstance(rdap, list) or not all(
            isinstance(url, str) and url.startswith("https://") for url in rdap
        ):
            raise ValueError(f"{where}: 'rdap' must be a list of https URLs")
        if whois is None and not rdap:
            raise ValueError(f"{where}: a registry without a WHOIS or RDAP service is no use")
        if not isinstance(operator, str) or not operator:
            raise ValueError(f"{where}: 'operator' is required")
        if not isinstance(sources, list) or not sources or not set(sources) <= set(cited):
            raise ValueError(f"{where}: every source must be one listed in 'sources'")
        result[suffix] = SecondLevelRegistry(
            suffix=suffix,
            section=section,
            operator=operator,
            whois=whois,
            rdap=tuple(url if url.endswith("/") else url + "/" for url in rdap),
            sources=tuple(sources),
        )
    return result


@functools.lru_cache(maxsize=1)
def second_level_registries() -> Mapping[str, SecondLevelRegistry]:
    """The shipped table (``checker/data/second-level-registries.json``), read once."""
    text = (
        resources.files("checker")
        .joinpath("data")
        .joinpath("second-level-registries.json")
        .read_text(encoding="utf-8")
    )
    return registries_from_json(json.loads(text))


def registry_for(domain: str) -> SecondLevelRegistry | None:
    """The second-level registry that holds names like ``domain`` (an A-label name
    strictly below one of the suffixes), or None."""
    table = second_level_registries()
    labels = domain.lower().rstrip(".").split(".")
    for start in range(1, len(labels) - 1):  # the longest suffix that leaves a label
        registry = table.get(".".join(labels[start:]))
        if registry is not None:
            return registry
    return None


def private_registrable(domain: str) -> str | None:
    """``foo.uk.com`` for ``mail.foo.uk.com``: the name one label below a private
    registry's suffix; None when ``domain`` is not under one (an ``icann`` registry's
    names are registrable by the Public Suffix List already)."""
    registry = registry_for(domain)
    if registry is None or registry.section != "private":
        return None
    labels = domain.lower().rstrip(".").split(".")
    keep = registry.suffix.count(".") + 2
    return ".".join(labels[-keep:])
