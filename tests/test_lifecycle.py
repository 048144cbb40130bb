"""The lifecycle vocabulary (checker/data/lifecycle.json) and what the verdict makes of it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.lifecycle import load_vocabulary, status_key, vocabulary_from_json
from checker.model import EvidenceSource, ReasonCode, Registration, Risk
from checker.verdict import judge

NOW = datetime(2026, 12, 6, tzinfo=timezone.utc)
RAW = json.loads(
    (resources.files("checker") / "data" / "lifecycle.json").read_text(encoding="utf-8")
)

# Every spelling issue 10 names, with the domain it was seen under and the state it is.
ISSUE_SPELLINGS = [
    ("[State] Deleted", "Deleted", "example.co.jp", "pending-delete"),
    ("JPRS", "To be suspended", "example.jp", "redemption"),
    ("JPRS", "Suspended", "example.jp", "expired"),
    ("AFNIC", "REDEMPTION", "example.fr", "redemption"),
    ("AFNIC pending:", "DELETE", "example.fr", "pending-delete"),
    ("SIDN", "in quarantine", "example.nl", "redemption"),
    (".it", "REDEMPTION-NO-PROVIDER", "example.it", "redemption"),
    ("DK", "Deactivated", "example.dk", "expired"),
    ("CIRA", "to be released", "example.ca", "pending-delete"),
    ("CIRA", "redemption", "example.ca", "redemption"),
    ("CIRA", "auto-renew grace", "example.ca", "auto-renew-grace"),
    (".fi", "grace period", "example.fi", "expired"),
    ("Nominet", "*** This registration has been SUSPENDED ***", "example.co.uk", "hold"),
    ("RDAP", "redemption", "example.com", "redemption"),
    ("RDAP", "pending_delete", "example.com", "pending-delete"),
    ("RDAP", "PENDING DELETE", "example.com", "pending-delete"),
    ("RDAP", "pending delete", "example.com", "pending-delete"),
    ("RDAP", "redemption period", "example.com", "redemption"),
    ("RDAP", "auto renew period", "example.com", "auto-renew-grace"),
    ("RDAP", "client hold", "example.com", "hold"),
    ("RDAP", "server hold", "example.com", "hold"),
    ("RDAP", "inactive", "example.com", "inactive"),
    ("EPP", "pendingDelete", "example.com", "pending-delete"),
    ("EPP", "redemptionPeriod", "example.com", "redemption"),
    ("EPP", "pendingRestore", "example.com", "redemption"),
    ("EPP", "autoRenewPeriod", "example.com", "auto-renew-grace"),
    ("EPP", "clientHold", "example.com", "hold"),
    ("EPP", "ok", "example.com", "active"),
    ("EPP", "clientTransferProhibited", "example.com", "prohibited"),
    ("EPP", "addPeriod", "example.com", "grace"),
    ("EPP", "renewPeriod", "example.com", "grace"),
    ("EPP", "transferPeriod", "example.com", "grace"),
    ("RDAP", "reserved", "example.com", "reserved"),
    ("status", "Expired", "example.rs", "expired"),
]


@pytest.mark.parametrize(("where", "word", "domain", "state"), ISSUE_SPELLINGS)
def test_every_spelling_named_in_the_issue_maps_to_its_state(
    where: str, word: str, domain: str, state: str
) -> None:
    assert load_vocabulary().state(word, domain) == state, where


@pytest.mark.parametrize(
    "spelling",
    ["pendingDelete", "PENDING DELETE", "pending_delete", "pending-delete", "Pending  Delete"],
)
def test_case_spacing_hyphens_underscores_and_camel_case_are_one_spelling(spelling: str) -> None:
    assert status_key(spelling) == "pendingdelete"
    assert load_vocabulary().state(spelling) == "pending-delete"


def test_a_local_word_means_its_local_state_only_under_its_registry() -> None:
    vocabulary = load_vocabulary()
    assert vocabulary.state("Suspended", "example.jp") == "expired"
    assert vocabulary.state("Suspended", "example.com") == "hold"
    assert vocabulary.state("grace period", "example.fi") == "expired"
    assert vocabulary.state("grace period", "example.com") is None


def test_a_trailing_date_or_note_does_not_hide_the_word() -> None:
    vocabulary = load_vocabulary()
    assert vocabulary.state("OK-UNTIL 20140903121852", "example.ua") == "active"
    assert vocabulary.state("serverHold (Expired)") == "hold"
    assert vocabulary.state("Deleted (2013/01/31)", "example.co.jp") == "pending-delete"


def test_every_group_names_its_source_and_a_known_state() -> None:
    states = set(RAW["states"])
    groups = list(RAW["statuses"]) + [g for entries in RAW["tld"].values() for g in entries]
    for group in groups:
        assert group["source"].strip(), group
        assert group["state"] in states, group
    for state in RAW["states"].values():
        assert state["reason"] is None or ReasonCode(state["reason"])


def test_a_group_without_a_source_is_refused() -> None:
    doc = json.loads(json.dumps(RAW))
    del doc["statuses"][0]["source"]
    with pytest.raises(ValueError, match="source"):
        vocabulary_from_json(doc)


def test_a_word_listed_under_two_states_is_refused() -> None:
    doc = json.loads(json.dumps(RAW))
    doc["statuses"].append({"source": "test", "state": "active", "words": ["pending-delete"]})
    with pytest.raises(ValueError, match="listed twice"):
        vocabulary_from_json(doc)


def _registration(*statuses: str) -> Registration:
    return Registration(
        registered=True,
        source=EvidenceSource.WHOIS,
        url="whois://whois.example:43/example.com",
        statuses=statuses,
        expires=NOW + timedelta(days=300),
        nameservers=("ns1.example.net",),
    )


@pytest.mark.parametrize(
    ("status", "domain", "code"),
    [
        ("to be suspended", "example.jp", ReasonCode.REDEMPTION),
        ("deleted", "example.co.jp", ReasonCode.PENDING_DELETE),
        ("in quarantine", "example.nl", ReasonCode.REDEMPTION),
        ("deactivated", "example.dk", ReasonCode.EXPIRED),
        ("to be released", "example.ca", ReasonCode.PENDING_DELETE),
        ("*** this registration has been suspended ***", "example.co.uk", ReasonCode.ON_HOLD),
        ("unassignable", "example.it", ReasonCode.REGISTRY_RESERVED),
        ("tech pro", "example.pt", ReasonCode.INACTIVE),
    ],
)
def test_a_lifecycle_word_raises_its_reason(status: str, domain: str, code: ReasonCode) -> None:
    result = judge(domain, registration=_registration(status), now=NOW)
    assert code in [r.code for r in result.reasons]
    assert result.risk is not Risk.NONE


def test_an_unrecognised_word_is_unknown_and_named() -> None:
    result = judge("example.com", registration=_registration("ok", "frobnicated"), now=NOW)
    assert result.risk is Risk.UNKNOWN
    [reason] = [r for r in result.reasons if r.code is ReasonCode.UNRECOGNISED_STATUS]
    assert "'frobnicated'" in reason.message


_GENERIC = {status_key(w) for g in RAW["statuses"] for w in g["words"]}
_KNOWN = _GENERIC | {
    status_key(w) for entries in RAW["tld"].values() for g in entries for w in g["words"]
}


@settings(max_examples=300)
@given(
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs", "Pd")), max_size=30)
)
def test_any_status_word_absent_from_the_table_is_unrecognised_never_none(word: str) -> None:
    vocabulary = load_vocabulary()
    if vocabulary.state(word, "example.com") is not None or not status_key(word):
        return  # a spelling the table holds (or no word at all)
    assert status_key(word) not in _GENERIC  # words of other registries may be, not these
    result = judge("example.com", registration=_registration(word), now=NOW)
    codes = [r.code for r in result.reasons]
    assert ReasonCode.UNRECOGNISED_STATUS in codes
    assert result.risk is Risk.UNKNOWN


@given(st.sampled_from(sorted(_KNOWN)), st.sampled_from(["x", "zz", "9"]))
def test_a_known_word_with_extra_letters_is_not_taken_for_it(word: str, extra: str) -> None:
    judged = judge("example.com", registration=_registration(word + extra), now=NOW)
    known = load_vocabulary().state(word + extra, "example.com")
    if known is None:
        assert judged.risk is Risk.UNKNOWN


def test_every_rdap_status_value_has_a_state() -> None:
    # RFC 9083 section 10.2.2 and RFC 8056: none of them may read as unrecognised
    from checker.lookup.whois_parse import RDAP_STATUSES

    vocabulary = load_vocabulary()
    assert [s for s in RDAP_STATUSES if vocabulary.state(s) is None] == []


def test_a_word_local_to_one_registry_is_unrecognised_under_another() -> None:
    # CIRA's "unavailable" means reserved at .ca; elsewhere nobody said what it means
    assert load_vocabulary().state("UNAVAILABLE", "example.ca") == "reserved"
    result = judge("example.com", registration=_registration("UNAVAILABLE"), now=NOW)
    assert result.risk is Risk.UNKNOWN


@pytest.mark.parametrize(
    ("word", "domain", "state"),
    [
        # held-out real answers (richardpenman/whois test/samples/whois), see lifecycle.json
        ("OKDelegated", "google.md", "active"),
        ("Administratively blocked", "google.cr", "prohibited"),  # FRED serverBlocked: a lock
        ("administratively kept out of zone", "example.cz", "hold"),
    ],
)
def test_held_out_registry_words_map_to_their_state(word: str, domain: str, state: str) -> None:
    assert load_vocabulary().state(word, domain) == state
