"""scan --metadata-dump: PyPI distribution_metadata exports, streamed into aggregates."""

from __future__ import annotations

import csv
import gc
import gzip
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from checker.cli import app
from checker.contacts import build_contacts
from checker.domains import DomainClassifier
from checker.model import ContactKind, Role, SourceKind
from checker.sources.base import Extraction, FieldText, PersonFields
from checker.sources.metadata_dump import (
    MAX_LISTED_BAD_ROWS,
    DumpReader,
    parse_upload_time,
    read_metadata_dumps,
)

runner = CliRunner()
ROWS = [
    {"name": "demo", "version": "1.0", "author": "Jane Doe", "author_email": "jane@janedoe.dev",
     "maintainer": None, "maintainer_email": "Bob <bob@mail.bobs.org>, x@gmail.com",
     "upload_time": "2019-03-01 10:00:00 UTC", "summary": "ignored"},
    {"name": "demo", "version": "2.0", "author": "Jane Doe", "author_email": "jane@janedoe.dev",
     "maintainer": None, "maintainer_email": "Bob <bob@mail.bobs.org>, x@gmail.com",
     "upload_time": "2021-06-01T08:30:00.123456Z"},
    {"name": "other", "version": "0.1", "author": "bob at bobs dot org", "author_email": None,
     "maintainer": None, "maintainer_email": "root@localhost", "upload_time": None},
]  # fmt: skip


def _jsonl(rows: list[object]) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)


def test_jsonl_dump_gives_sampled_contacts_and_every_domain(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    path.write_text(_jsonl(ROWS))
    result = read_metadata_dumps([path])
    assert (result.rows, result.bad_rows, result.errors) == (3, 0, ())
    assert dict(result.domains) == {"bobs.org": ("bobs.org", "mail.bobs.org"),
                                    "janedoe.dev": ("janedoe.dev",)}  # fmt: skip
    assert dict(result.counts) == {"bobs.org": 3, "janedoe.dev": 2}
    jane = [c for c in result.contacts if c.email == "jane@janedoe.dev"]
    assert len(jane) == 1  # the same address in two releases is one contact ...
    (contact,) = jane
    assert contact.name == "Jane Doe"
    assert contact.role is Role.AUTHOR
    assert contact.source.kind is SourceKind.PYPI
    # ... carrying the latest release it was seen in, for the re-registered check
    assert (contact.source.package, contact.source.version) == ("demo", "2.0")
    assert contact.source.uploaded == datetime(2021, 6, 1, 8, 30, 0, 123456, timezone.utc)
    kinds = {c.email: c.kind for c in result.contacts}
    assert kinds["x@gmail.com"] is ContactKind.PROVIDER
    assert kinds["root@localhost"] is ContactKind.INVALID
    assert kinds["bob@bobs.org"] is ContactKind.LOOKUP  # obfuscated, in a name field
    assert result.addresses == 8


def test_csv_and_gzip_read_the_same_as_jsonl(tmp_path: Path) -> None:
    columns = ["name", "version", "author", "author_email", "maintainer", "maintainer_email",
               "upload_time"]  # fmt: skip
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([c.upper() for c in columns])
    writer.writerows([[row.get(c) or "" for c in columns] for row in ROWS])
    plain = tmp_path / "dump.jsonl"
    plain.write_text(_jsonl(ROWS))
    expected = read_metadata_dumps([plain])
    (tmp_path / "dump.csv").write_text(text.getvalue())
    (tmp_path / "dump.csv.gz").write_bytes(gzip.compress(text.getvalue().encode()))
    (tmp_path / "export-000").write_bytes(gzip.compress(_jsonl(ROWS).encode()))  # sniffed
    for name in ("dump.csv", "dump.csv.gz", "export-000"):
        got = read_metadata_dumps([tmp_path / name])
        assert (got.contacts, got.domains, got.counts, got.errors) == (
            expected.contacts, expected.domains, expected.counts, expected.errors,
        ), name  # fmt: skip


def test_bad_rows_are_counted_and_the_first_few_listed_with_lines(
    tmp_path: Path,
) -> None:
    junk = ["not json", "[1, 2]", json.dumps({"name": "x", "author_email": 7}),
            json.dumps({"name": "y", "author_email": "a@b.org", "upload_time": "soon"}),
            "x" * 1024 * 1024 + "y"]  # fmt: skip
    rows: list[object] = [ROWS[0], *junk * 3, ROWS[1]]
    path = tmp_path / "dump.jsonl"
    path.write_text(_jsonl(rows))
    result = read_metadata_dumps([path])
    assert result.bad_rows == 15
    assert result.rows == 17
    listed = [e for e in result.errors if e.line is not None]
    assert len(listed) == MAX_LISTED_BAD_ROWS
    assert [e.line for e in listed[:5]] == [2, 3, 4, 5, 6]
    assert "invalid" in listed[0].message.lower() or "expecting" in listed[0].message.lower()
    assert "author_email: expected a string, got int" in listed[2].message
    assert "upload_time: not a date" in listed[3].message
    assert "longer than" in listed[4].message
    assert result.errors[-1].message == "5 more bad rows not listed (15 in all)"
    assert "janedoe.dev" in result.domains  # good rows around the junk still count


def test_csv_row_with_the_wrong_width_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        'name,author_email\nok,a@alpha.org\nbad,b@beta.org,extra\n"multi\nline",c@gamma.net\n'
    )
    result = read_metadata_dumps([path])
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "bad row: 3 fields, the header has 2")
    ]
    assert sorted(result.domains) == ["alpha.org", "gamma.net"]


def test_a_file_that_is_not_an_export_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    (error,) = read_metadata_dumps([path]).errors
    assert "not a distribution_metadata export" in error.message
    broken = tmp_path / "d.jsonl.gz"
    broken.write_bytes(gzip.compress(_jsonl(ROWS).encode())[:-20])
    result = read_metadata_dumps([broken])
    assert "cannot read the metadata dump" in result.errors[-1].message


def test_memory_stays_bounded_a_sample_per_domain_and_true_counts(
    tmp_path: Path,
) -> None:
    rows = [
        {"name": f"p{i}", "version": "1", "author_email": f"dev{i}@bigcorp.com",
         "upload_time": f"2020-01-01T00:00:{i % 60:02d}Z"}
        for i in range(300)
    ]  # fmt: skip
    rows.append({"name": "late", "version": "9", "author_email": "last@bigcorp.com",
                 "upload_time": "2024-01-01 00:00:00 UTC"})  # fmt: skip
    path = tmp_path / "dump.jsonl"
    path.write_text(_jsonl(rows))
    reader = DumpReader(sample=5)
    reader.read(path)
    result = reader.result()
    sampled = [c for c in result.contacts if c.registrable_domain == "bigcorp.com"]
    # five distinct addresses, plus the latest use of the domain, whatever came first
    assert len(sampled) == 6
    assert sampled[-1].email == "last@bigcorp.com"
    assert result.counts["bigcorp.com"] == 301


def test_upload_time_formats() -> None:
    utc = timezone.utc
    assert parse_upload_time("2020-01-02 03:04:05 UTC") == datetime(2020, 1, 2, 3, 4, 5, tzinfo=utc)
    assert parse_upload_time("2020-01-02T03:04:05+02:00") == datetime(
        2020, 1, 2, 1, 4, 5, tzinfo=utc
    )
    assert parse_upload_time("2020-01-02T03:04:05") == datetime(2020, 1, 2, 3, 4, 5, tzinfo=utc)
    with pytest.raises(ValueError, match="not a date"):
        parse_upload_time("2020-13-02")


_FIELD = st.text(st.sampled_from("aAtT@. <>,\"'()[]=?_-+éMatthew0x"), max_size=24)
_WRITTEN = r"[a-zA-Z0-9_+-]{1,6}(\.[a-z0-9]{1,3})?@[a-zA-Z0-9-]{1,5}(\.[a-z0-9-]{1,4}){1,2}"
_ADDRESS = st.from_regex(_WRITTEN, fullmatch=True) | st.sampled_from(
    ["jane@janedoe.dev", "Jane@JaneDoe.DEV", "x@gmail.com", "you@example.com"]
)
# Address lists in the shapes the dump reader short-cuts (``Name <addr>``, ``"Name" <addr>``,
# bare addresses), with names and separators that must send it to the general parser.
_DISPLAY = st.text(st.sampled_from("Jan e\"'.(),;<>@=?\\\t\né"), max_size=10)
_POOL = st.sampled_from(["jane@janedoe.dev", "jane@JaneDoe.DEV", "x@gmail.com"])
_ITEM = (
    _ADDRESS
    | st.builds("{}<{}>".format, _DISPLAY, _POOL)
    | st.builds("{}<{}>{}".format, _DISPLAY, _ADDRESS, st.sampled_from(["", " ", "\t", " x"]))
    | st.builds('"{}" <{}>'.format, _DISPLAY, _ADDRESS)
    | st.builds(" {} ".format, _ADDRESS)
)
_LIST = st.builds(
    str.join, st.sampled_from([",", ", ", " ,", ";", ",,", "\n"]), st.lists(_ITEM, min_size=1,
                                                                          max_size=3)
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(name=st.none() | _FIELD | st.sampled_from(["Matthew Kat", "unknown", " Jane  Doe "]),
       email=st.none() | _ADDRESS | _FIELD | _LIST)  # fmt: skip
@example(name="Jane", email="jane@janedoe.dev, J. Doe <jane@JaneDoe.dev>, <x@gmail.com>")
@example(name=None, email='"Doe, Jane" <jane@janedoe.dev>;b@bobs.org')
@example(name=None, email="Jane; Doe <jane@janedoe.dev>")
@example(name=None, email="=?utf-8?q?Jos=C3=A9?= <jane@janedoe.dev>")
def test_the_short_cut_for_plain_fields_agrees_with_build_contacts(
    name: str | None, email: str | None
) -> None:
    classifier = DomainClassifier()
    name, email = name or None, email or None
    fields = PersonFields(Role.AUTHOR, FieldText(name, None) if name else None,
                          FieldText(email, None) if email else None)  # fmt: skip
    slow = build_contacts(Extraction("", SourceKind.PYPI, (fields,)), classifier)
    fast = DumpReader(classifier)._parse_person(name, email)
    assert [
        (
            c.role,
            c.email,
            c.name,
            c.kind,
            c.domain,
            c.registrable_domain,
            c.note,
            c.obfuscated,
        )
        for c in slow
    ] == list(fast)


def test_a_lookup_domain_sharing_its_registrable_domain_with_a_provider_is_looked_up(
    tmp_path: Path,
) -> None:
    # mail.corpmail.com is a configured provider; corpmail.com itself is not, and whichever
    # address comes first, the domain still needs its lookup.
    rows = [{"name": "a", "author_email": "a@mail.corpmail.com"},
            {"name": "b", "author_email": "b@corpmail.com"}]  # fmt: skip
    for order in (rows, rows[::-1]):
        path = tmp_path / "dump.jsonl"
        path.write_text(_jsonl(list(order)))
        result = read_metadata_dumps([path], DomainClassifier(["mail.corpmail.com"]))
        assert dict(result.domains) == {"corpmail.com": ("corpmail.com",)}
        assert dict(result.counts) == {"corpmail.com": 1}
        kinds = {c.email: c.kind for c in result.contacts}
        assert kinds == {"a@mail.corpmail.com": ContactKind.PROVIDER,
                         "b@corpmail.com": ContactKind.LOOKUP}  # fmt: skip


def test_json_lines_are_read_exactly_as_json_loads_reads_them(tmp_path: Path) -> None:
    good = json.dumps(ROWS[0])
    lines = [f"  {good}", f"{good} \t", f"{good} x", "\ufeff" + good, f"{good}\x0b", "[]"]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_metadata_dumps([path])
    expected = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError as exc:
            expected.append((number, f"bad row: {exc}"))
            continue
        if not isinstance(record, dict):
            expected.append((number, "bad row: expected a JSON object, got list"))
    assert [(e.line, e.message) for e in result.errors] == expected
    assert len(expected) == 4  # trailing data, a byte order mark, a vertical tab, a list
    assert result.counts["janedoe.dev"] == 2


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_a_dump_leaves_the_garbage_collector_as_it_was(
    tmp_path: Path, enabled: bool
) -> None:
    path = tmp_path / "dump.jsonl"
    path.write_text(_jsonl(ROWS))
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        reader = DumpReader()
        reader.read(path)
        assert gc.isenabled() is enabled
        reader.result()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_scan_metadata_dump_reports_true_counts_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("dump.jsonl").write_text(_jsonl(ROWS))
    result = runner.invoke(
        app,
        [
            "scan",
            "--metadata-dump",
            "dump.jsonl",
            "--offline",
            "--no-cache",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {d["domain"]: d["contacts"] for d in report["domains"]} == {
        "bobs.org": 3, "janedoe.dev": 2
    }  # fmt: skip
    assert report["roots"] == ["dump.jsonl"]
    assert report["contacts"][0]["source"]["kind"] == "pypi"
    assert "3 rows (0 bad)" in result.stderr
    missing = runner.invoke(app, ["scan", "--metadata-dump", "nope.jsonl", "--offline"])
    assert missing.exit_code == 2


def test_hostile_rows_are_bad_rows_and_never_stop_or_swell_the_read(tmp_path: Path) -> None:
    """An upload time past the calendar, megabyte-long fields, a line of a million commas:
    each is one bad row with its line number; the good rows around them are still read."""
    import csv as csv_module
    import json as json_module

    from checker.sources.metadata_dump import read_metadata_dumps

    rows = [
        {
            "name": "a",
            "version": "1",
            "author_email": "a@firstwidgets.com",
            "upload_time": "0001-01-01T00:30:00+01:00",
        },
        {"name": "b", "version": "1", "author_email": "x" * 70_000 + "@longwidgets.net"},
        {
            "name": "c",
            "version": "1",
            "author_email": "c@thirdwidgets.org",
            "upload_time": "2024-05-01T12:00:00Z",
        },
    ]
    jsonl = tmp_path / "dump.jsonl"
    jsonl.write_text("".join(json_module.dumps(r) + "\n" for r in rows))
    result = read_metadata_dumps([jsonl])
    assert set(result.domains) == {"firstwidgets.com", "thirdwidgets.org"}  # first: kept, undated
    assert [(e.line, e.message.split(":")[1].strip()) for e in result.errors] == [
        (1, "upload_time"),
        (2, "author_email"),
    ]
    assert result.bad_rows == 2

    table = tmp_path / "dump.csv"
    with table.open("w", newline="") as handle:
        writer = csv_module.writer(handle)
        writer.writerow(["name", "version", "author_email", "upload_time"])
        writer.writerow(["a", "1", "a@firstwidgets.com", "2024-05-01 12:00:00.123 UTC"])
        handle.write("," * 1_100_000 + "\n")
        writer.writerow(["c", "1", "c@thirdwidgets.org", "2024-05-01T12:00:00.1234567Z"])
    result = read_metadata_dumps([table])
    assert set(result.domains) == {"firstwidgets.com", "thirdwidgets.org"}
    assert [e.line for e in result.errors] == [3]
    assert "longer than" in result.errors[0].message


def test_a_dump_without_upload_times_warns_that_re_registration_cannot_be_checked(
    tmp_path: Path,
) -> None:
    table = tmp_path / "dump.csv"
    table.write_text(
        "\ufeffname,version,author_email\nwidgets,1.0,a@widgetworks.org\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["scan", "--metadata-dump", str(table), "--offline", "-f", "json"])
    assert "1 addresses (0 with an upload time)" in result.stderr
    assert "re-registered check cannot" in result.stderr
    assert [d["domain"] for d in json.loads(result.stdout)["domains"]] == ["widgetworks.org"]


@given(
    moment=st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(9998, 12, 30),
        timezones=st.just(timezone.utc),
    ),
    separator=st.sampled_from(["T", " "]),
    digits=st.sampled_from([0, 1, 3, 6, 9]),
    zone=st.sampled_from(["", "Z", " UTC", "UTC", "+00:00", "+05:30", "-0800"]),
)
def test_upload_times_read_the_same_in_every_spelling(
    moment: datetime, separator: str, digits: int, zone: str
) -> None:
    """The fast path (fromisoformat) and the general one agree with the written instant."""
    from datetime import timedelta

    from checker.sources.metadata_dump import parse_upload_time

    offset = {"+05:30": timedelta(hours=5, minutes=30), "-0800": timedelta(hours=-8)}.get(
        zone, timedelta(0)
    )
    local = (moment + offset).replace(tzinfo=None)
    text = local.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    if digits:
        text += "." + f"{local.microsecond:06d}{'0' * 3}"[:digits]
    kept = int(f"{local.microsecond:06d}"[:digits].ljust(6, "0")) if digits else 0
    expected = moment.replace(microsecond=kept)
    assert parse_upload_time(text + zone) == expected
