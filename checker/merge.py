"""``domain-guard merge``: shard reports (``--shard K/N``) back into one report.

Contacts, domains and errors are united; a domain that two reports judge differently
keeps the worse verdict. Reports of shards of one run scanned the same inputs, so their
``files_scanned`` is counted once; whole reports add up. Ignores that a report applied
are handed back so that the merged report applies them again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.codec import domain_to_dict, loads_bounded, report_from_dict
from checker.errors import UsageError
from checker.ignores import Ignore
from checker.model import Contact, DomainResult, Report, ScanError
from checker.pipeline import ignored, say_unchecked, sort_results
from checker.shard import ShardCoverage

#: Largest report read (a metadata-dump report of many domains is large, not unbounded).
MAX_REPORT_BYTES = 512 * 1024 * 1024
#: Objects and arrays in one report (a contact takes 2, a verdict up to ~10).
MAX_REPORT_CONTAINERS = 5_000_000


class MergeError(UsageError, ValueError):
    """The reports cannot be merged (shards of different splits)."""


@dataclass(frozen=True)
class MergeResult:
    """The merged report, the ignores its inputs applied, and what to warn about.

    ``coverage`` is None when no input was a shard report.
    """

    report: Report
    ignores: tuple[Ignore, ...]
    warnings: tuple[str, ...]
    coverage: ShardCoverage | None


def _coverage(named: Sequence[tuple[str, Report]], warnings: list[str]) -> ShardCoverage | None:
    total: int | None = None
    seen: dict[int, str] = {}
    for name, report in named:
        shard = report.shard
        if shard is None:
            continue
        if total is not None and shard.total != total:
            raise MergeError(f"{name} covers shards of {shard.total}, the others of {total}")
        total = shard.total
        for index in shard.indexes:
            if index in seen:
                warnings.append(f"shard {index}/{total} is in both {seen[index]} and {name}")
            seen.setdefault(index, name)
    return None if total is None else ShardCoverage(total, tuple(sorted(seen)))


def _verdict_key(result: DomainResult) -> tuple[int, str]:
    # Worse risk first; the serialised verdict breaks ties so the choice never depends on
    # the order the files were given in.
    return (result.risk.rank, json.dumps(domain_to_dict(result), sort_keys=True))


def _contact_key(contact: Contact) -> tuple[object, ...]:
    source = contact.source
    return (
        source.path or "",
        source.line or 0,
        source.package or "",
        source.version or "",
        source.kind.value,
        contact.role.value,
        contact.email,
        contact.name or "",
        repr(contact),
    )


def _error_key(error: ScanError) -> tuple[str, int, str]:
    return (error.path, error.line or 0, error.message)


def merge_reports(
    named: Sequence[tuple[str, Report]], *, allow_partial: bool = False
) -> MergeResult:
    """One report from ``(name, report)`` pairs; ``name`` (a file name) is for messages.

    Missing shards are a warning; without ``allow_partial`` each is also an error of the
    merged report (exit code 3), and a partial report keeps its ``shard`` coverage.
    Raises :class:`MergeError` when shard reports come from splits of different sizes.
    """
    if not named:
        raise MergeError("no reports to merge")
    warnings: list[str] = []
    coverage = _coverage(named, warnings)
    contacts: set[Contact] = set()
    errors: set[ScanError] = set()
    roots: dict[str, None] = {}
    verdicts: dict[str, tuple[DomainResult, str]] = {}
    ignores: dict[Ignore, None] = {}
    shard_files = whole_files = 0
    for name, report in named:
        contacts.update(report.contacts)
        errors.update(report.errors)
        roots.update(dict.fromkeys(report.roots))
        if report.shard is None:
            whole_files += report.files_scanned
        else:
            shard_files = max(shard_files, report.files_scanned)
        results = list(report.domains)
        for entry in report.ignored:
            results.append(entry.result)
            ignores.update(dict.fromkeys(entry.ignores))
        for result in results:
            if result.domain not in verdicts:
                verdicts[result.domain] = (result, name)
                continue
            kept, where = verdicts[result.domain]
            if result == kept:
                continue
            worse = max(kept, result, key=_verdict_key)
            warnings.append(
                f"{result.domain} is judged in both {where} ({kept.risk.value}) and {name} "
                f"({result.risk.value}); keeping {worse.risk.value}"
            )
            verdicts[result.domain] = (worse, where if worse is kept else name)
    # A merged report that missed shards carries "shard K/N" errors; drop those for the
    # shards this merge now has (re-merging a partial merge with the missing shard).
    if coverage is not None:
        errors = {e for e in errors if not _covered_shard_error(e, coverage)}
    if coverage is not None and coverage.missing:
        missing = ", ".join(f"{i}/{coverage.total}" for i in coverage.missing)
        warnings.append(
            f"merged {len(coverage.indexes)} of {coverage.total} shards; missing: {missing}"
        )
        if not allow_partial:
            errors.update(
                ScanError(f"shard {i}/{coverage.total}", _MISSING_SHARD) for i in coverage.missing
            )
    merged = Report(
        contacts=tuple(sorted(contacts, key=_contact_key)),
        domains=tuple(sort_results([result for result, _ in verdicts.values()])),
        errors=tuple(sorted(errors, key=_error_key)),
        generated_at=max(report.generated_at for _, report in named),
        roots=tuple(roots),
        files_scanned=shard_files + whole_files,
        shard=coverage if coverage is not None and not coverage.complete else None,
    )
    return MergeResult(merged, tuple(ignores), tuple(warnings), coverage)


_MISSING_SHARD = "no report for this shard was merged"


def _covered_shard_error(error: ScanError, coverage: ShardCoverage) -> bool:
    if error.message != _MISSING_SHARD or not error.path.startswith("shard "):
        return False
    index, _, total = error.path.removeprefix("shard ").partition("/")
    return total == str(coverage.total) and index.isdigit() and int(index) in coverage.indexes


def merge_files(
    paths: Sequence[Path],
    ignores: Sequence[Ignore],
    *,
    allow_partial: bool,
    say: Callable[[str], None],
) -> tuple[Report, ShardCoverage | None]:
    """``domain-guard merge``: the reports in ``paths`` read, merged (warnings and the
    unchecked summary said) and with ``ignores`` applied, and their shard coverage.

    The ignores the inputs applied apply again, after ``ignores`` (the merge's own
    configuration). Raises :class:`~checker.errors.UsageError` for a file that is not a
    report, :class:`MergeError` for reports that cannot be merged."""
    named = []
    for path in paths:
        try:
            named.append((path.as_posix(), read_report(path)))
        except ValueError as exc:
            raise UsageError(f"{path}: {exc}") from None
    merged = merge_reports(named, allow_partial=allow_partial)
    for warning in merged.warnings:
        say(f"warning: {warning}")
    say_unchecked(merged.report, say)
    again = tuple(ignores) + tuple(i for i in merged.ignores if i not in ignores)
    return ignored(merged.report, again, say), merged.coverage


def read_report(path: Path) -> Report:
    """The JSON report in ``path``, read strictly; ValueError saying what is wrong."""
    from checker.sources.base import SourceError, read_limited

    try:
        data = read_limited(path, MAX_REPORT_BYTES)  # regular files only: no FIFO, no device
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from None
    except SourceError as exc:
        raise ValueError(exc.message) from None
    try:
        data.decode("utf-8")  # strict: a report is UTF-8 text
        document = loads_bounded(data, max_containers=MAX_REPORT_CONTAINERS)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    except RecursionError:
        raise ValueError("not a report: JSON nested too deeply") from None
    return report_from_dict(document)
