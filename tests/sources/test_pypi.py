"""Release metadata from the PyPI JSON API, played back from real PyPI answers (vcrpy)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import vcr

from checker.contacts import build_contacts
from checker.domains import DomainClassifier
from checker.lookup.cache import Cache
from checker.model import ContactKind, Role, SourceKind
from checker.settings import LookupSettings
from checker.sources.pkginfo import parse_pkg_info
from checker.sources.pypi import (
    Release,
    Requirement,
    fetch_releases,
    normalize_name,
    pypi_contacts,
    release_contacts,
    release_url,
)

CASSETTES = Path(__file__).parents[1] / "cassettes" / "pypi"
PLAYBACK = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    serializer="json",
    match_on=("method", "scheme", "host", "port", "path", "query"),
)


def settings(tmp_path: Path, **changes: object) -> LookupSettings:
    base = LookupSettings(cache_dir=tmp_path / "cache", timeout=5.0)
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def test_names_are_normalised_and_pins_ask_for_the_release() -> None:
    assert normalize_name("Python_Dateutil") == "python-dateutil"
    assert normalize_name("zope.interface") == "zope-interface"
    base = "https://pypi.org/pypi/"
    assert release_url(base, Requirement("Requests")) == "https://pypi.org/pypi/requests/json"
    assert (
        release_url(base, Requirement("PyCrypto", "2.6.1"))
        == "https://pypi.org/pypi/pycrypto/2.6.1/json"
    )


def test_contacts_of_latest_and_pinned_releases_carry_package_version_and_upload(
    tmp_path: Path,
) -> None:
    wanted = [
        Requirement("Requests"),
        Requirement("attrs", path="requirements.txt", line=2),
        Requirement("Python_Dateutil"),
        Requirement("pycrypto", "2.6.1"),
    ]
    with PLAYBACK.use_cassette("pypi.json") as played:
        contacts, errors, _ = pypi_contacts(wanted, settings(tmp_path, cache=False))
        # Four releases, and pycrypto's latest: does it still carry the pinned address?
        assert played.play_count == 5
    assert errors == []
    found = {
        (c.email, c.name, c.role, c.kind, c.source.package, c.source.version) for c in contacts
    }
    assert found == {
        ("me@kennethreitz.org", "Kenneth Reitz", Role.AUTHOR, ContactKind.LOOKUP,
         "requests", "2.34.2"),
        ("graffatcolmingov@gmail.com", "Ian Stapleton Cordasco", Role.MAINTAINER,
         ContactKind.PROVIDER, "requests", "2.34.2"),
        ("nate.prewitt@gmail.com", "Nate Prewitt", Role.MAINTAINER, ContactKind.PROVIDER,
         "requests", "2.34.2"),
        ("hs@ox.cx", "Hynek Schlawack", Role.AUTHOR, ContactKind.LOOKUP, "attrs", "26.1.0"),
        ("gustavo@niemeyer.net", "Gustavo Niemeyer", Role.AUTHOR, ContactKind.LOOKUP,
         "python-dateutil", "4.0.0"),
        ("dateutil@python.org", "Paul Ganssle", Role.MAINTAINER, ContactKind.LOOKUP,
         "python-dateutil", "4.0.0"),
        ("dlitz@dlitz.net", "Dwayne C. Litzenberger", Role.AUTHOR, ContactKind.LOOKUP,
         "pycrypto", "2.6.1"),
    }  # fmt: skip
    by_email = {c.email: c.source for c in contacts}
    pycrypto = by_email["dlitz@dlitz.net"]
    assert pycrypto.kind is SourceKind.PYPI
    assert pycrypto.path is None
    # the earliest upload among the release's files
    assert pycrypto.uploaded == datetime(2014, 6, 20, 8, 10, 20, tzinfo=timezone.utc)
    assert by_email["hs@ox.cx"].uploaded == datetime(2026, 3, 19, 14, 22, 23, tzinfo=timezone.utc)


def test_unknown_project_and_release_are_per_package_errors(tmp_path: Path) -> None:
    wanted = [
        Requirement("no_such_package_zzq", path="requirements.txt", line=7),
        Requirement("requests", "0.0.0"),
        Requirement("attrs"),
    ]
    with PLAYBACK.use_cassette("pypi.json"):
        contacts, errors, _ = pypi_contacts(wanted, settings(tmp_path, cache=False))
    assert {c.source.package for c in contacts} == {"attrs"}
    assert [(e.path, e.line) for e in errors] == [("requirements.txt", 7), ("<arguments>", None)]
    assert "no_such_package_zzq is not on the index (404)" in errors[0].message
    assert "version 0.0.0 of requests is not on the index (404)" in errors[1].message


def test_pypi_fields_read_exactly_like_the_same_pkg_info_headers() -> None:
    tricky = Release(
        name="demo",
        version="1.0",
        url="https://pypi.org/pypi/demo/json",
        author="=?utf-8?q?J=C3=BCrgen_M=C3=BCller?=",
        author_email='"Doe, Jane" <jane@janedoe.dev>, bob at example-project dot org',
        maintainer="Team <team@lists.example-project.org>",
        maintainer_email="",
    )
    pkg_info = (
        "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        f"Author: {tricky.author}\nAuthor-email: {tricky.author_email}\n"
        f"Maintainer: {tricky.maintainer}\nMaintainer-email: \n"
    )
    classifier = DomainClassifier()
    from_pypi = release_contacts(tricky, classifier)
    from_file = build_contacts(parse_pkg_info(pkg_info, "PKG-INFO"), classifier)
    assert len(from_pypi) >= 3

    def shape(contacts: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
        return [(c.email, c.name, c.role, c.kind, c.obfuscated, c.domain) for c in contacts]

    assert shape(from_pypi) == shape(from_file)


def test_second_run_reads_the_cache_and_offline_uses_only_the_cache(tmp_path: Path) -> None:
    wanted = [Requirement("attrs"), Requirement("pycrypto", "2.6.1")]
    config = settings(tmp_path)
    with PLAYBACK.use_cassette("pypi.json") as played:
        with Cache.open(config.cache_dir) as cache:
            first, errors = fetch_releases(wanted, config, cache=cache)
        assert played.play_count == 2
        assert errors == []
        with Cache.open(config.cache_dir) as cache:
            second, errors = fetch_releases(wanted, config, cache=cache)
        assert played.play_count == 2  # nothing asked again
    assert second == first
    offline = settings(tmp_path, offline=True)
    with Cache.open(config.cache_dir) as cache:
        cached, errors = fetch_releases([*wanted, Requirement("requests")], offline, cache=cache)
    assert [r.name for r in cached] == ["attrs", "pycrypto"]
    assert [e.message for e in errors] == ["requests: offline, and its metadata is not cached"]


def test_a_cached_release_reads_back_exactly_and_a_foreign_entry_is_a_miss() -> None:
    import json as _json

    from checker.sources.pypi import Release, release_from_json, release_to_json

    release = Release(
        "widgets", "1.0", "https://pypi.test/pypi/widgets/1.0/json",
        author_email="jane@widgets.org", uploaded=datetime(2024, 5, 1, 12, tzinfo=timezone.utc),
    )  # fmt: skip
    blob = release_to_json(release)
    assert release_from_json(blob) == release
    data = _json.loads(blob)
    for foreign in (
        {**data, "maintainer_url": "x"},  # a key this version does not write
        {k: v for k, v in data.items() if k != "maintainer"},  # a key it always writes
        {**data, "author": 7},
        {**data, "uploaded": "2024-05-01"},  # no zone
        [data],
    ):
        assert release_from_json(_json.dumps(foreign).encode()) is None
