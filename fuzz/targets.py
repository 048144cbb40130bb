# Plain asserts are the contract checks here, under hypothesis and atheris alike.
# ruff: noqa: PT017, PT018
"""Fuzz targets: one function per parser that checks its contract on arbitrary bytes.

Each target decodes the bytes the way domain-guard does (:func:`decode_text`), runs one
parser, and asserts its documented contract: only the documented error type escapes,
and what comes out is well formed (every extracted address's line lies within the
file, messages are one bounded line, and so on). Any other exception, or a failed
assertion, is a finding.

The same targets run in the test suite under hypothesis
(``tests/hardening/test_parser_fuzz.py``) and for as long as you like under atheris
(``fuzz/fuzz_parsers.py``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime

import httpx

from checker.addresses import (
    MAX_FIELD_CHARS,
    decode_encoded_words,
    parse_addresses,
    single_label_addresses,
)
from checker.config import ConfigError, parse_toml, parse_yaml
from checker.contacts import build_contacts
from checker.domains import DomainClassifier
from checker.lookup import rdap
from checker.lookup.whois_parse import parse_whois
from checker.model import ContactKind, LookupFailure, Registration
from checker.net.http import FetchResult
from checker.sources.base import Extraction, SourceError, decode_text
from checker.sources.pkginfo import parse_pkg_info
from checker.sources.pyproject import parse_pyproject
from checker.sources.setupcfg import parse_setup_cfg
from checker.sources.setuppy import parse_setup_py

#: Longest message a parser may produce about hostile input.
MAX_MESSAGE_CHARS = 2000


@functools.lru_cache(maxsize=1)
def _classifier() -> DomainClassifier:
    return DomainClassifier()


def _line_count(text: str) -> int:
    """Lines as the text sources count them: split on ``\\n`` only."""
    return text.count("\n") + 1


def _python_line_count(text: str) -> int:
    """Lines as Python (and so the setup.py reader) counts them: a lone CR ends one too."""
    return len(re.split(r"\r\n|\r|\n", text))


def check_addresses(data: bytes) -> None:
    """parse_addresses never raises; every plain address is written in the text."""
    text = decode_text(data)
    decoded = decode_encoded_words(text[:MAX_FIELD_CHARS])
    for address in parse_addresses(text):
        assert address.local, address
        assert address.domain, address
        assert address.email == f"{address.local}@{address.domain}", address
        if not address.obfuscated:
            assert address.email in decoded, (address, decoded[:200])
    for found in single_label_addresses(text):
        assert "@" in found
        assert found in text


def _check_extraction(
    text: str, parse: Callable[[str, str], Extraction], count: Callable[[str], int] = _line_count
) -> None:
    """Run a source parser; only SourceError may escape; every line lies within the file."""
    lines = count(text)
    try:
        extraction = parse(text, "fuzzed")
    except SourceError as exc:
        assert exc.line is None or 1 <= exc.line <= lines, (exc.line, lines, exc.message)
        assert len(exc.message) <= MAX_MESSAGE_CHARS, exc.message[:200]
        return
    assert extraction.path == "fuzzed"
    for person in extraction.people:
        for field in (person.name, person.email):
            if field is not None and field.line is not None:
                assert 1 <= field.line <= lines, (field, lines)
    for contact in build_contacts(extraction, _classifier()):
        assert "@" in contact.email, contact
        line = contact.source.line
        assert line is None or 1 <= line <= lines, (contact.email, line, lines)
        if contact.kind is ContactKind.LOOKUP:
            assert contact.registrable_domain is not None, contact
            assert contact.registrable_domain.isascii(), contact


def check_pyproject(data: bytes) -> None:
    """pyproject.toml reader."""
    _check_extraction(decode_text(data), parse_pyproject)


def check_setup_cfg(data: bytes) -> None:
    """setup.cfg reader."""
    _check_extraction(decode_text(data), parse_setup_cfg)


def check_setup_py(data: bytes) -> None:
    """setup.py AST reader (the file is parsed, never run)."""
    _check_extraction(decode_text(data), parse_setup_py, _python_line_count)


def check_pkg_info(data: bytes) -> None:
    """PKG-INFO / METADATA reader."""
    _check_extraction(decode_text(data), parse_pkg_info)


RDAP_NAME = "example.com"
RDAP_URL = "https://rdap.test/domain/example.com"


def _check_registration(registration: Registration) -> None:
    assert isinstance(registration.registered, bool)
    for moment in (registration.created, registration.expires, registration.updated):
        assert moment is None or (isinstance(moment, datetime) and moment.tzinfo is not None)
    for status in registration.statuses:
        assert status and status == status.strip() and status.isprintable(), status
    for host in registration.nameservers:
        assert host == host.lower() and " " not in host and host.isascii(), host
    if registration.registrar is not None:
        assert registration.registrar.isprintable(), registration.registrar
    for note in registration.notes:
        assert "\n" not in note and len(note) <= MAX_MESSAGE_CHARS, note[:200]


def check_rdap(data: bytes) -> None:
    """An RDAP body read as a 200 answer and as a 404 answer."""
    try:
        document = rdap._load_json(data)
    except rdap._BadJson as exc:
        assert len(str(exc)) <= MAX_MESSAGE_CHARS
    else:
        answer = rdap._domain_answer(document, RDAP_NAME, RDAP_URL)
        if isinstance(answer, str):
            assert "\n" not in answer and len(answer) <= MAX_MESSAGE_CHARS, answer[:200]
        else:
            assert answer.registration.registered
            assert answer.registration.url == RDAP_URL
            _check_registration(answer.registration)
    result = FetchResult(404, httpx.Headers({"content-type": "application/rdap+json"}), data, "")
    not_found = rdap._not_found_answer(result, RDAP_URL)
    if isinstance(not_found, str):
        assert "\n" not in not_found
    else:
        assert not not_found.registered
        _check_registration(not_found)


def check_whois(data: bytes) -> None:
    """A WHOIS answer about ``example.com`` (and about a name at a ccTLD profile)."""
    text = decode_text(data)
    for domain in ("example.com", "example.de", "example.jp"):
        outcome = parse_whois(
            text, domain=domain, server="whois.test", url=f"whois://whois.test/{domain}"
        )
        if isinstance(outcome, LookupFailure):
            assert "\n" not in outcome.message, outcome.message[:200]
            assert len(outcome.message) <= MAX_MESSAGE_CHARS
        else:
            _check_registration(outcome)


def _check_config(text: str, parse: Callable[[str, str], object]) -> None:
    try:
        parse(text, "fuzzed.cfg")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("fuzzed.cfg"), message[:200]
        assert "\n" not in message and "\r" not in message, message[:200]
        assert len(message) <= MAX_MESSAGE_CHARS, message[:200]


def check_config_toml(data: bytes) -> None:
    """A TOML configuration file."""
    _check_config(decode_text(data), parse_toml)


def check_config_yaml(data: bytes) -> None:
    """A YAML configuration file."""
    _check_config(decode_text(data), parse_yaml)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "addresses": check_addresses,
    "pyproject": check_pyproject,
    "setup-cfg": check_setup_cfg,
    "setup-py": check_setup_py,
    "pkg-info": check_pkg_info,
    "rdap": check_rdap,
    "whois": check_whois,
    "config-toml": check_config_toml,
    "config-yaml": check_config_yaml,
}
