"""The one list of metadata files domain-guard reads, keyed by file name.

The walk (which files to pick up), the scan (which parser reads them), the organisation
scan (which files to fetch at each repository's HEAD), git history (which files' commits
date an address), the JSON schema's source kinds and the pre-commit hook's ``files``
pattern all come from :data:`METADATA_FILES`; the tests hold the schema and the hook to
it. Archives (wheels and sdists) are recognised by suffix in
:mod:`checker.sources.archives`, not here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from checker.model import SourceKind
from checker.sources.base import Extraction
from checker.sources.pkginfo import parse_pkg_info
from checker.sources.pyproject import parse_pyproject
from checker.sources.setupcfg import parse_setup_cfg
from checker.sources.setuppy import parse_setup_py


@dataclass(frozen=True)
class MetadataFile:
    """One metadata file: its exact name, what it is and how it is read."""

    name: str
    kind: SourceKind
    #: ``(text, display path) -> Extraction``; raises ``SourceError`` for a bad file.
    parse: Callable[[str, str], Extraction]
    #: Its git history dates the addresses in it (a file written by hand).
    dated: bool
    #: GraphQL alias under which the organisation scan reads it at each HEAD; None: not read.
    org_alias: str | None


def _pkg_info(text: str, path: str) -> Extraction:
    return parse_pkg_info(text, path, SourceKind.PKG_INFO)


def _metadata(text: str, path: str) -> Extraction:
    return parse_pkg_info(text, path, SourceKind.METADATA)


#: Every metadata file read by name. Order is the order reports and queries list them in.
METADATA_FILES: tuple[MetadataFile, ...] = (
    MetadataFile("pyproject.toml", SourceKind.PYPROJECT, parse_pyproject, True, "pyproject"),
    MetadataFile("setup.cfg", SourceKind.SETUP_CFG, parse_setup_cfg, True, "setupCfg"),
    MetadataFile("setup.py", SourceKind.SETUP_PY, parse_setup_py, True, "setupPy"),
    MetadataFile("PKG-INFO", SourceKind.PKG_INFO, _pkg_info, True, "pkgInfo"),
    MetadataFile("METADATA", SourceKind.METADATA, _metadata, True, None),
)

_BY_NAME = {entry.name: entry for entry in METADATA_FILES}
_BY_KIND = {entry.kind: entry for entry in METADATA_FILES}

#: Kinds whose addresses git history dates.
DATED_KINDS = frozenset(entry.kind for entry in METADATA_FILES if entry.dated)
#: Files the organisation scan reads at each repository's HEAD.
ORG_FILES = tuple(entry for entry in METADATA_FILES if entry.org_alias is not None)


def by_name(name: str) -> MetadataFile | None:
    """The entry for a file name, or None when it is not a metadata file read by name."""
    return _BY_NAME.get(name)


def for_kind(kind: SourceKind) -> MetadataFile:
    """The entry for a kind. A kind without one is a bug in the caller (``KeyError``)."""
    return _BY_KIND[kind]


def hook_files_pattern() -> str:
    """The pre-commit hook's ``files`` regex: any path whose last part is a metadata file."""
    # A hyphen needs no escape outside a character class; the hook file spells it bare.
    names = "|".join(re.escape(entry.name).replace(r"\-", "-") for entry in METADATA_FILES)
    return f"(^|/)({names})$"
