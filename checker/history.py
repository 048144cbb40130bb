"""When an address first appeared in a project file, from the git history of a checkout.

The date dates the address for the ``re-registered`` check: a domain registered after
its maintainer committed the address has changed hands since. git is run only for
files inside a work tree, a bounded number of times, with every argument passed as an
argv element (never through a shell), and without pagers, external diff drivers or
text conversion filters. No git, no repository, no commit: no date.

The scanned tree is hostile, ``.git`` included. git can start programs on its own: a
partial clone lazily fetches a missing blob from its promisor remote (running
``remote.<name>.uploadpack`` or ``core.sshCommand``), and a committed folder holding
``HEAD``, ``config``, ``objects/`` and ``refs/`` is taken for a bare repository whose
``config`` git obeys. So every transport and lazy fetch is off, bare repositories are used
only when named explicitly (never here), and only a work tree whose git directory is
``<toplevel>/.git`` is trusted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from checker.codec import parse_datetime
from checker.model import Contact, ContactKind
from checker.sources.registry import DATED_KINDS

#: Most git commands one run starts (one per file and address, plus one per directory).
MAX_GIT_CALLS = 64
GIT_TIMEOUT = 10.0

# No pager, no prompts, no lock files written by a read-only command.
_GIT_ENV = {
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    # Never fetch a missing object from a promisor remote (git 2.44+; older git is held by
    # protocol.allow=never below, which refuses every transport a fetch would start).
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "LC_ALL": "C",
}
#: The scanned repository's own .git/config is hostile: it can name programs for git to run
#: (a signature verifier run for every signed commit with log.showSignature, an fsmonitor
#: hook, external diff drivers). Command-line settings win over every config file.
_GIT_SAFE_CONFIG = (
    "log.showSignature=false",
    "gpg.program=false",
    "gpg.openpgp.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "core.fsmonitor=false",
    "core.pager=cat",
    "diff.external=",
    # No transport at all (a lazy fetch would run uploadpack / sshCommand / a helper).
    "protocol.allow=never",
    "core.sshCommand=false",
    # A folder of the scanned tree that looks like a bare repository is not one.
    "safe.bareRepository=explicit",
)
_SAFE_ARGS = tuple(item for setting in _GIT_SAFE_CONFIG for item in ("-c", setting))


class GitHistory:
    """Asks git, at most ``max_calls`` times, when addresses entered files."""

    def __init__(self, *, max_calls: int = MAX_GIT_CALLS, timeout: float = GIT_TIMEOUT) -> None:
        self.git = shutil.which("git")
        self.max_calls = max_calls
        self.timeout = timeout
        self.calls = 0
        self._work_trees: dict[Path, Path | None] = {}
        self._dates: dict[tuple[Path, str], datetime | None] = {}

    def _run(self, cwd: Path, *args: str) -> str | None:
        if self.git is None or self.calls >= self.max_calls:
            return None
        self.calls += 1
        # GIT_DIR, GIT_CONFIG_* and the like from our own environment would steer git too.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | _GIT_ENV
        try:
            done = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
                [self.git, "--no-pager", *_SAFE_ARGS, *args],
                cwd=cwd,
                capture_output=True,
                timeout=self.timeout,
                check=False,
                env=env,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", "replace")

    def work_tree(self, directory: Path) -> Path | None:
        """The top of the work tree holding ``directory``; None outside one, in a shallow
        clone (its oldest commit would pass for the date an address first came), and when
        the git directory is anything but ``<toplevel>/.git`` (a planted repository, a
        ``core.worktree`` pointing elsewhere, a ``.git`` file naming another directory)."""
        if directory not in self._work_trees:
            output = self._run(
                directory,
                "rev-parse", "--is-shallow-repository", "--show-toplevel", "--absolute-git-dir",
            )  # fmt: skip
            lines = [line.strip() for line in output.split("\n")] if output else []
            trusted = None
            if len(lines) > 2 and lines[0] == "false" and lines[1] and lines[2]:
                top, git_dir = Path(lines[1]), Path(lines[2])
                if (
                    git_dir == top / ".git"
                    and (top / ".git").is_dir()
                    and not (top / ".git").is_symlink()
                ):
                    trusted = top
            self._work_trees[directory] = trusted
        return self._work_trees[directory]

    def first_seen(self, path: Path, address: str) -> datetime | None:
        """The committer date of the first commit that added ``address`` to ``path``."""
        path = path.absolute()
        key = (path, address.lower())
        if key in self._dates:
            return self._dates[key]
        when = None
        if path.is_file() and self.work_tree(path.parent) is not None:
            output = self._run(
                path.parent,
                "log", "--reverse", "--format=%cI", "--no-ext-diff", "--no-textconv",
                "--no-show-signature",
                "--regexp-ignore-case", f"-S{address}", "--", path.name,
            )  # fmt: skip
            first = output.split("\n", 1)[0].strip() if output else ""
            try:
                when = parse_datetime(first) if first else None
            except ValueError:
                when = None
        self._dates[key] = when
        return when


def _locate(display: str, roots: Sequence[Path], base: Path) -> Path | None:
    """The file a report path names: relative to the working directory, else to a root;
    always inside a scanned root (a same-named file elsewhere is not the one scanned)."""
    anchors = [base] + [r if r.is_dir() else r.parent for r in roots]
    for anchor in anchors:
        candidate = anchor / display
        if candidate.is_file() and any(
            candidate == root or candidate.is_relative_to(root) for root in roots
        ):
            return candidate
    return None


def date_contacts(
    contacts: Sequence[Contact],
    roots: Sequence[Path],
    *,
    base: Path | None = None,
    history: GitHistory | None = None,
) -> list[Contact]:
    """``contacts`` with ``source.uploaded`` set to when git first saw each address.

    Only looked-up addresses in project files are dated; the rest pass through.
    """
    history = history or GitHistory()
    if history.git is None:
        return list(contacts)
    base = (base or Path.cwd()).absolute()
    absolute_roots = [r.absolute() for r in roots]
    dated: list[Contact] = []
    for contact in contacts:
        source = contact.source
        if (
            contact.kind is not ContactKind.LOOKUP
            or source.kind not in DATED_KINDS
            or source.member is not None
            or source.path is None
            or source.uploaded is not None
            or contact.obfuscated  # git searches the literal text, which differs
        ):
            dated.append(contact)
            continue
        path = _locate(source.path, absolute_roots, base)
        when = history.first_seen(path, contact.email) if path is not None else None
        dated.append(
            contact if when is None else replace(contact, source=replace(source, uploaded=when))
        )
    return dated
