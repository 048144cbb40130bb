"""Release metadata from the PyPI JSON API, for the ``deps`` command.

``{base}/{name}/json`` answers for a project's latest release, ``{base}/{name}/{version}/json``
for one release. Only the ``info`` contact fields and the upload time of the release's
files are read; everything in the answer is hostile and checked. Answers are cached as
the small :class:`Release` record, not the body, and a package whose metadata could not be
had becomes a :class:`~checker.model.ScanError` (its contacts are unknown, never assumed
healthy).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from checker.codec import Shape, format_datetime, loads_bounded, parse_datetime
from checker.contacts import build_contacts
from checker.domains import DomainClassifier
from checker.model import Contact, Role, ScanError, SourceKind
from checker.sources.base import Collected, Extraction, FieldText, PersonFields

if TYPE_CHECKING:
    import httpx

    from checker.lookup.cache import Cache
    from checker.net.http import HostLimiter
    from checker.settings import LookupSettings

DEFAULT_PYPI_URL = "https://pypi.org/pypi"
#: How long a release's contact fields are kept: a pinned release never changes its
#: metadata, a project's latest release changes when a new one is uploaded.
PINNED_TTL = 7 * 86400
LATEST_TTL = 6 * 3600
#: A project answer lists every release's files; large projects reach a few MiB.
MAX_BODY = 32 * 1024 * 1024
MAX_FIELD_CHARS = 64 * 1024
#: Objects and arrays in one answer: the largest projects' answers hold ~200,000.
MAX_CONTAINERS = 1_000_000
#: Requests to the index in flight at once.
CONCURRENCY = 16

_PERSON_FIELDS = ("author", "author_email", "maintainer", "maintainer_email")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", re.ASCII)
#: The cache form of a :class:`Release`, read by the codec's one strictness rule.
_CACHED_RELEASE = Shape(("name", "version", "url", "uploaded", *_PERSON_FIELDS))


def normalize_name(name: str) -> str:
    """The PEP 503 normalised form of a project name (``Foo_Bar`` -> ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_valid_name(name: str) -> bool:
    """True for a PEP 508 project name."""
    return _NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class Requirement:
    """A package to look up: its name, an exact version when pinned, and where it was named."""

    name: str
    version: str | None = None
    path: str = "<arguments>"  # the file (or "<arguments>") that named it
    line: int | None = None

    @property
    def key(self) -> str:
        """The normalised name."""
        return normalize_name(self.name)


@dataclass(frozen=True)
class Release:
    """The contact fields of one release as PyPI publishes them."""

    name: str
    version: str
    url: str  # the JSON API URL that was read
    author: str | None = None
    author_email: str | None = None
    maintainer: str | None = None
    maintainer_email: str | None = None
    uploaded: datetime | None = None  # the earliest upload among the release's files


def release_url(base_url: str, requirement: Requirement) -> str:
    """The JSON API URL for a requirement (its release when pinned, else the latest)."""
    base = base_url.rstrip("/")
    name = quote(requirement.key, safe="")
    if requirement.version is None:
        return f"{base}/{name}/json"
    return f"{base}/{name}/{quote(requirement.version, safe='')}/json"


def _text_field(info: Mapping[str, Any], key: str) -> str | None:
    value = info.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"info.{key} is a {type(value).__name__}, not a string")
    if len(value) > MAX_FIELD_CHARS:
        raise ValueError(f"info.{key} is over {MAX_FIELD_CHARS} characters")
    return value


def _earliest_upload(files: object) -> datetime | None:
    if not isinstance(files, list):
        raise ValueError("urls is not a list")
    times = []
    for item in files:
        if not isinstance(item, Mapping):
            raise ValueError("urls holds a non-object")
        stamp = item.get("upload_time_iso_8601")
        if stamp is None:
            continue
        times.append(parse_datetime(stamp))  # raises ValueError on anything odd
    earliest = min(times, default=None)
    # Whole seconds, like every date in reports and the cache.
    return None if earliest is None else earliest.replace(microsecond=0)


def parse_release(body: bytes, requirement: Requirement, url: str) -> Release:
    """Read a JSON API answer; raises ValueError when it is not a usable answer for it."""
    try:
        data = loads_bounded(body, max_containers=MAX_CONTAINERS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not JSON ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("info"), Mapping):
        raise ValueError("no 'info' object")
    info = data["info"]
    name = _text_field(info, "name")
    version = _text_field(info, "version")
    if not name or not version:
        raise ValueError("info has no name or version")
    if normalize_name(name) != requirement.key:
        raise ValueError(f"the answer describes another project ({name[:100]!r})")
    if requirement.version is not None and version != requirement.version:
        raise ValueError(f"the answer describes another version ({version[:100]!r})")
    fields = {key: _text_field(info, key) for key in _PERSON_FIELDS}
    return Release(
        name=name, version=version, url=url, uploaded=_earliest_upload(data.get("urls", [])),
        **fields,
    )  # fmt: skip


def release_to_json(release: Release) -> bytes:
    """The cache form of a release."""
    data: dict[str, Any] = {key: getattr(release, key) for key in _CACHED_RELEASE.keys}
    data["uploaded"] = None if release.uploaded is None else format_datetime(release.uploaded)
    return json.dumps(data, separators=(",", ":")).encode()


def release_from_json(blob: bytes) -> Release | None:
    """A cached release, or None when the entry is not one this version wrote."""
    try:
        fields = _CACHED_RELEASE.read(json.loads(blob), "release")
        return Release(
            name=fields.text("name"), version=fields.text("version"), url=fields.text("url"),
            uploaded=fields.optional_date("uploaded"),
            **{key: fields.optional_text(key) for key in _PERSON_FIELDS},
        )  # fmt: skip
    except (ValueError, RecursionError):
        return None


def _field(text: str | None) -> FieldText | None:
    if text is None:
        return None
    # Core metadata headers are unfolded with spaces: the same text PKG-INFO would give.
    return FieldText(" ".join(part.strip() for part in text.splitlines()), None)


def release_contacts(release: Release, classifier: DomainClassifier) -> list[Contact]:
    """Every address of a release, read exactly as the same PKG-INFO headers would be."""
    people = []
    for role, name_key, email_key in (
        (Role.AUTHOR, "author", "author_email"),
        (Role.MAINTAINER, "maintainer", "maintainer_email"),
    ):
        name, email = getattr(release, name_key), getattr(release, email_key)
        if name is not None or email is not None:
            people.append(PersonFields(role, _field(name), _field(email)))
    extraction = Extraction(
        path="", kind=SourceKind.PYPI, people=tuple(people),
        package=release.name, version=release.version,
    )  # fmt: skip
    return [
        replace(c, source=replace(c.source, path=None, uploaded=release.uploaded))
        for c in build_contacts(extraction, classifier)
    ]


def _failure_message(status: int, requirement: Requirement) -> str:
    if status == 404:
        if requirement.version is not None:
            return f"version {requirement.version} of {requirement.name} is not on the index (404)"
        return f"{requirement.name} is not on the index (404)"
    return f"the index answered HTTP {status}"


async def fetch_release(
    client: httpx.AsyncClient,
    requirement: Requirement,
    *,
    base_url: str,
    limiter: HostLimiter,
    timeout: float,
) -> Release | str:
    """One release's metadata, or why it could not be had."""
    from checker.net.http import FetchFailure, fetch

    url = release_url(base_url, requirement)
    answer = await fetch(client, url, limiter=limiter, timeout=timeout, max_body=MAX_BODY)
    if isinstance(answer, FetchFailure):
        return f"no answer from {url}: {answer.message}"
    if answer.status != 200:
        return f"{_failure_message(answer.status, requirement)} ({url})"
    try:
        return parse_release(answer.body, requirement, url)
    except ValueError as exc:
        return f"unusable answer from {url}: {exc}"


def _cache_key(base_url: str, requirement: Requirement) -> str:
    return f"pypi:{release_url(base_url, requirement)}"


def _error(requirement: Requirement, message: str) -> ScanError:
    return ScanError(path=requirement.path, line=requirement.line, message=message)


async def _fetch_all(
    wanted: Sequence[Requirement], base_url: str, settings: LookupSettings
) -> list[Release | str]:
    import asyncio
    import time

    from checker.net.http import HostLimiter, make_client

    deadline = None if settings.deadline is None else time.monotonic() + settings.deadline
    limiter = HostLimiter(
        total=max(1, min(settings.concurrency, CONCURRENCY)),
        per_host=CONCURRENCY,
        initial_per_host=8,
        deadline=deadline,
    )
    async with make_client() as client:
        return await asyncio.gather(
            *(
                fetch_release(
                    client, item, base_url=base_url, limiter=limiter, timeout=settings.timeout
                )
                for item in wanted
            )
        )


def fetch_releases(
    requirements: Sequence[Requirement],
    settings: LookupSettings,
    *,
    base_url: str = DEFAULT_PYPI_URL,
    cache: Cache | None = None,
) -> tuple[list[Release], list[ScanError]]:
    """The release of every requirement (once per name and version), from the cache or PyPI.

    Offline, only cached releases are used and every other one is an error.
    """
    unique: dict[tuple[str, str | None], Requirement] = {}
    for requirement in requirements:
        unique.setdefault((requirement.key, requirement.version), requirement)
    releases: list[Release] = []
    errors: list[ScanError] = []
    missing: list[Requirement] = []
    for requirement in unique.values():
        blob = cache.get_blob(_cache_key(base_url, requirement)) if cache else None
        cached = None if blob is None else release_from_json(blob)
        if cached is not None:
            releases.append(cached)
        elif settings.offline:
            errors.append(
                _error(requirement, f"{requirement.name}: offline, and its metadata is not cached")
            )
        else:
            missing.append(requirement)
    if missing:
        import asyncio

        answers = asyncio.run(_fetch_all(missing, base_url, settings))
        for requirement, answer in zip(missing, answers, strict=True):
            if isinstance(answer, str):
                errors.append(_error(requirement, answer))
                continue
            releases.append(answer)
            if cache is not None:
                ttl = LATEST_TTL if requirement.version is None else PINNED_TTL
                cache.put_blob(_cache_key(base_url, requirement), release_to_json(answer), ttl)
    return releases, errors


def pypi_contacts(
    requirements: Sequence[Requirement],
    settings: LookupSettings,
    *,
    base_url: str = DEFAULT_PYPI_URL,
    classifier: DomainClassifier | None = None,
) -> tuple[list[Contact], list[ScanError], list[str]]:
    """Contacts of every requirement's release, errors for those not had, and cache warnings."""
    from checker.lookup.run import open_cache

    classifier = classifier or DomainClassifier()
    cache = open_cache(settings)
    try:
        releases, errors = fetch_releases(requirements, settings, base_url=base_url, cache=cache)
        # A pinned release is not the last use of its addresses when the project's latest
        # release still carries them: ask for the latest too (cached like any release).
        pinned = {r.key: r for r in requirements if r.version is not None}
        latest, _ = fetch_releases(
            [Requirement(r.name, None, r.path, r.line) for r in pinned.values()],
            settings, base_url=base_url, cache=cache,
        )  # fmt: skip
    finally:
        warnings = list(cache.warnings)
        cache.close()
    contacts = [c for release in releases for c in release_contacts(release, classifier)]
    return later_uses(contacts, latest, classifier), errors, warnings


@dataclass(frozen=True)
class Dependencies:
    """What ``deps`` was asked for (specifiers, requirements files, lockfiles), looked up
    on the index at ``base_url``, as a :class:`~checker.sources.base.Source`; the cache's
    warnings go to ``say``."""

    specs: Sequence[str]
    requirement_files: Sequence[Path]
    lockfiles: Sequence[Path]
    settings: LookupSettings
    say: Callable[[str], None]
    base_url: str = DEFAULT_PYPI_URL
    classifier: DomainClassifier | None = None

    def collect(self) -> Collected:
        """The releases' contacts; the files named are the roots."""
        from checker.sources.requirements import collect

        files = (*self.requirement_files, *self.lockfiles)
        wanted = collect(self.specs, self.requirement_files, self.lockfiles, pypi_url=self.base_url)
        contacts, errors, warnings = pypi_contacts(
            wanted.requirements, self.settings, base_url=self.base_url, classifier=self.classifier
        )
        for warning in warnings:
            self.say(f"warning: {warning}")
        return Collected(
            tuple(contacts), (*wanted.errors, *errors), wanted.files,
            tuple(p.as_posix() for p in files),
        )  # fmt: skip


def later_uses(
    contacts: Sequence[Contact], latest: Sequence[Release], classifier: DomainClassifier
) -> list[Contact]:
    """``contacts`` with ``uploaded`` moved to a later release of the same project that still
    carries the same address (the latest use is what ``re-registered`` compares with).

    Without it, a pinned old release would date an address that the project still
    publishes today, and a domain registered since would read re-registered."""
    carried: dict[tuple[str, str], datetime] = {}
    for release in latest:
        if release.uploaded is None:
            continue
        for contact in release_contacts(release, classifier):
            carried[(normalize_name(release.name), contact.email.lower())] = release.uploaded
    moved = []
    for contact in contacts:
        source = contact.source
        later = carried.get((normalize_name(source.package or ""), contact.email.lower()))
        if later is not None and source.uploaded is not None and later > source.uploaded:
            moved.append(replace(contact, source=replace(source, uploaded=later)))
        else:
            moved.append(contact)
    return moved
