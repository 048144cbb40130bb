"""The lifecycle vocabulary (``checker/data/lifecycle.json``): status words to states.

Registries spell the same state many ways (``pendingDelete``, ``PENDING DELETE``,
``pending_delete``) and use words of their own (JPRS ``To be suspended``, SIDN
``in quarantine``). Every spelling is normalised once by :func:`status_key` and looked up
in one table; a word the table does not hold is *unrecognised*, which the verdict
reports as ``unrecognised-status`` (risk ``unknown``), never as healthy.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from checker.model import ReasonCode

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_URL = re.compile(r"\(?\bhttps?://\S*\)?", re.IGNORECASE)
_TRAILER = re.compile(r"\s*(?:\(.*\)|until\s.*|since\s.*|\d[\d\s:./-]*)\s*$", re.IGNORECASE)


def status_key(word: str) -> str:
    """The one normalised form of a status spelling: camelCase split, case folded,
    spaces, hyphens, underscores and punctuation removed (``pendingDelete`` ->
    ``pendingdelete``, ``PENDING_DELETE`` -> ``pendingdelete``)."""
    return _NOT_WORD.sub("", _CAMEL.sub(" ", _URL.sub(" ", word)).casefold())


@dataclass(frozen=True)
class Vocabulary:
    """The lifecycle table: spellings (by :func:`status_key`) -> state, per TLD and generic."""

    reasons: Mapping[str, ReasonCode | None]  # state -> the reason it raises
    generic: Mapping[str, str]
    by_tld: Mapping[str, Mapping[str, str]]
    expiry_events: frozenset[str]
    registrar_expiry_events: frozenset[str]

    def state(self, word: str, domain: str = "") -> str | None:
        """The lifecycle state of a status ``word`` under ``domain``; None when unrecognised.

        A registry's own entries win over the generic ones. A word with a trailing
        qualifier (``ok until 2014-09-03``, ``serverHold (Expired)``) is read by its head
        when the whole is not in the table.
        """
        local = self._local(domain)
        for candidate in (word, _TRAILER.sub("", word)):
            key = status_key(candidate)
            if not key:
                continue
            for table in (*local, self.generic):
                if key in table:
                    return table[key]
        return None

    def reason(self, state: str) -> ReasonCode | None:
        """The reason code a state raises (None for a healthy state)."""
        return self.reasons.get(state)

    def _local(self, domain: str) -> list[Mapping[str, str]]:
        labels = domain.lower().rstrip(".").split(".")
        return [
            self.by_tld[".".join(labels[i:])]
            for i in range(1, len(labels))
            if ".".join(labels[i:]) in self.by_tld
        ]


def event_key(action: str) -> str:
    """An RDAP event action, case folded, whitespace and punctuation as single spaces."""
    return " ".join(_NOT_WORD.sub(" ", action.casefold()).split())


@functools.lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The shipped table, read once."""
    text = (resources.files("checker") / "data" / "lifecycle.json").read_text(encoding="utf-8")
    return vocabulary_from_json(json.loads(text))


def vocabulary_from_json(doc: object) -> Vocabulary:
    """Build the vocabulary from its JSON document; ValueError when it is malformed."""
    if not isinstance(doc, dict):
        raise ValueError("lifecycle table: expected an object")
    states = doc.get("states")
    if not isinstance(states, dict):
        raise ValueError("lifecycle table: 'states' must be an object")
    reasons: dict[str, ReasonCode | None] = {}
    for state, entry in states.items():
        reason = entry.get("reason") if isinstance(entry, dict) else None
        reasons[state] = ReasonCode(reason) if reason is not None else None
    generic = _words(doc.get("statuses"), reasons, "statuses")
    tlds = doc.get("tld", {})
    if not isinstance(tlds, dict):
        raise ValueError("lifecycle table: 'tld' must be an object")
    by_tld = {tld.lower(): _words(groups, reasons, f"tld.{tld}") for tld, groups in tlds.items()}
    return Vocabulary(
        reasons=reasons,
        generic=generic,
        by_tld=by_tld,
        expiry_events=_actions(doc.get("expiry_events"), "expiry_events"),
        registrar_expiry_events=_actions(
            doc.get("registrar_expiry_events"), "registrar_expiry_events"
        ),
    )


def _words(groups: object, reasons: Mapping[str, object], where: str) -> dict[str, str]:
    if not isinstance(groups, list):
        raise ValueError(f"lifecycle table: '{where}' must be a list")
    table: dict[str, str] = {}
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("source"), str):
            raise ValueError(f"lifecycle table: every group in '{where}' needs a source")
        state, words = group.get("state"), group.get("words")
        if state not in reasons:
            raise ValueError(f"lifecycle table: {where}: unknown state {state!r}")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"lifecycle table: {where}: 'words' must be a list of strings")
        for word in words:
            key = status_key(word)
            if table.get(key, state) != state:
                raise ValueError(f"lifecycle table: {where}: {word!r} is listed twice")
            table[key] = str(state)
    return table


def _actions(entries: object, where: str) -> frozenset[str]:
    if not isinstance(entries, list):
        raise ValueError(f"lifecycle table: '{where}' must be a list")
    actions = set()
    for entry in entries:
        if not (isinstance(entry, dict) and isinstance(entry.get("source"), str)):
            raise ValueError(f"lifecycle table: every entry in '{where}' needs a source")
        action = entry.get("action")
        if not isinstance(action, str):
            raise ValueError(f"lifecycle table: {where}: 'action' must be text")
        actions.add(event_key(action))
    return frozenset(actions)
