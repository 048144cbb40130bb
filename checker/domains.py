"""Domain names: IDNA normalisation, registrable domains, and the kind of address each makes."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import idna

from checker.errors import DomainGuardError
from checker.model import ContactKind
from checker.registries import private_registrable

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


#: Domains (as written) whose classification is remembered.
CLASSIFY_CACHE_SIZE = 1 << 17


class InvalidDomain(DomainGuardError, ValueError):
    """The text is not a valid domain name."""


def to_a_label(domain: str) -> str:
    """Lower-case A-label form of ``domain`` using UTS #46 (not the stdlib's IDNA 2003 codec)."""
    name = domain.strip().rstrip(".")
    if not name:
        raise InvalidDomain("empty domain")
    if name.isascii():
        name = name.lower()
        labels = name.split(".")
        if all(0 < len(label) <= 63 for label in labels) and len(name) <= 253:
            for label in labels:
                if label.startswith("xn--"):
                    _check_a_label(label)
                elif not _is_ldh(label):
                    raise InvalidDomain(
                        f"{domain!r}: label {label!r} is not letters, digits, hyphens"
                    )
            return name
    try:
        encoded = idna.encode(name, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise InvalidDomain(f"{domain!r}: {exc}") from None
    return encoded.lower().rstrip(".")  # "example.com。" maps to a trailing dot


def _is_ldh(label: str) -> bool:
    return (
        all(c.isalnum() or c == "-" for c in label)
        and not label.startswith("-")
        and not label.endswith("-")
    )


def _check_a_label(label: str) -> None:
    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise InvalidDomain(f"{label!r} is not a valid A-label: {exc}") from None


_ICANN_BEGIN, _ICANN_END = "// ===BEGIN ICANN DOMAINS===", "// ===END ICANN DOMAINS==="


def prepare_icann_rules(text: str) -> str:
    """The ICANN section of a Public Suffix List, with an A-label twin of every IDN rule.

    Parsing this with ``accept_encoded_idn=False`` gives the same answers as the full list
    with ``only_icann=True`` in a sixth of the time (no IDNA encoding of 7,000 rules).
    """
    start, end = text.find(_ICANN_BEGIN), text.find(_ICANN_END)
    section = text[start:end] if start >= 0 and end > start else text
    rules = []
    for line in section.splitlines():
        rule = line.strip()
        if not rule or rule.startswith("//"):
            continue
        rules.append(rule)
        if not rule.isascii():
            bang = "!" if rule.startswith("!") else ""
            try:
                rules.append(bang + rule.lstrip("!").encode("idna").decode("ascii"))
            except UnicodeError:
                continue
    return "\n".join([_ICANN_BEGIN, *rules, _ICANN_END, ""])


@functools.lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    import publicsuffixlist
    from publicsuffixlist import PublicSuffixList

    # The list ships inside the publicsuffixlist package: no fetch at run time. It is
    # prepared from that copy on every start (about 13 ms), never kept in the user cache:
    # a cached copy is one more file anyone who can write the cache could edit to turn a
    # lapsed domain into a public suffix.
    text = Path(publicsuffixlist.PSLFILE).read_text(encoding="utf-8")
    return PublicSuffixList(
        source=prepare_icann_rules(text).splitlines(), only_icann=True, accept_encoded_idn=False
    )


def _read_data_lines(name: str) -> tuple[str, ...]:
    text = resources.files("checker").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return tuple(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def _first_match(domain: str, entries: Mapping[str, int]) -> str | None:
    """The earliest-listed entry equal to ``domain`` or to a suffix after one of its dots.

    The same answer as scanning the list for ``domain == entry or domain.endswith("." +
    entry)``, with one dict probe per label instead of a comparison per entry.
    """
    best: str | None = None
    rank = -1
    candidate = domain
    while True:
        index = entries.get(candidate)
        if index is not None and (best is None or index < rank):
            best, rank = candidate, index
        dot = candidate.find(".")
        if dot < 0:
            return best
        candidate = candidate[dot + 1 :]


def _ranked(entries: Iterable[str]) -> dict[str, int]:
    """Each entry with the position it first appears at."""
    ranks: dict[str, int] = {}
    for index, entry in enumerate(entries):
        ranks.setdefault(entry, index)
    return ranks


@dataclass(frozen=True)
class Classification:
    """What an address's domain needs: a lookup, nothing (provider), or nothing (invalid)."""

    kind: ContactKind
    domain: str | None
    registrable: str | None
    note: str | None = None


class DomainClassifier:
    """Classifies mail domains; the provider list can be extended by configuration."""

    def __init__(self, extra_providers: Iterable[str] = ()) -> None:
        self._providers = _ranked(
            _read_data_lines("providers.txt")
            + tuple(p.strip().lower().rstrip(".") for p in extra_providers if p.strip())
        )
        self._reserved = _ranked(_read_data_lines("reserved.txt"))
        # Bounded: a dump of millions of rows brings hundreds of thousands of domains.
        self._cached = functools.lru_cache(maxsize=CLASSIFY_CACHE_SIZE)(self._classify)

    def registrable(self, domain: str) -> str | None:
        """The registrable domain of an A-label name, or None for a public suffix / unknown TLD.

        Under a private second-level registry (``checker/registries.py``) it is the name one
        label below the registry's suffix (``foo.uk.com``), not the ICANN one (``uk.com``).
        """
        private = private_registrable(domain)
        if private is not None:
            return private
        result = _psl().privatesuffix(domain, accept_unknown=False)
        return result if isinstance(result, str) else None

    def tld_exists(self, domain: str) -> bool:
        return _psl().publicsuffix(domain, accept_unknown=False) is not None

    def _provider(self, domain: str) -> str | None:
        return _first_match(domain, self._providers)

    def classify(self, raw_domain: str) -> Classification:
        """Classify the domain of an address as written."""
        return self._cached(raw_domain)

    def _classify(self, raw_domain: str) -> Classification:
        try:
            domain = to_a_label(raw_domain)
        except InvalidDomain as exc:
            return Classification(ContactKind.INVALID, None, None, str(exc))
        reserved = _first_match(domain, self._reserved)
        if reserved is not None:
            return Classification(
                ContactKind.INVALID,
                domain,
                None,
                f"{reserved} is reserved and cannot be registered",
            )
        if "." not in domain:
            return Classification(ContactKind.INVALID, domain, None, "a single-label name")
        if not self.tld_exists(domain):
            tld = domain.rsplit(".", 1)[-1]
            return Classification(
                ContactKind.INVALID, domain, None, f"the TLD .{tld} does not exist"
            )
        registrable = self.registrable(domain)
        if registrable is None:
            return Classification(
                ContactKind.INVALID,
                domain,
                None,
                f"{domain} is a public suffix, not a registrable name",
            )
        provider = self._provider(domain)
        if provider is not None:
            return Classification(
                ContactKind.PROVIDER, domain, registrable, f"mail provider ({provider})"
            )
        return Classification(ContactKind.LOOKUP, domain, registrable)
