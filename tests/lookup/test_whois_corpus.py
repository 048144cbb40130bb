"""The WHOIS reader and the verdict against the whois-parser corpus, read in place.

``../shared/fixtures/whois-parser/`` (relative to the project root; MIT, provenance in its
README) holds real answers from about 300 servers with whois-parser's reading of each;
``tests/lookup/whois_corpus.py`` judges them, each as of its own capture time. Nothing of the
corpus is copied into the repository; where it is absent the test skips and says why.
"""

from __future__ import annotations

import pytest

from tests.lookup.whois_corpus import CORPUS, LIFECYCLE_CLASSES, Outcome, judge_corpus, summary

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"the shared whois-parser corpus is not at {CORPUS} (../shared from the project root)",
)

EXACT_SHARE = 0.95
EXPIRY_SHARE = 0.98


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return judge_corpus()


def _listed(outcomes: list[Outcome]) -> str:
    return "\n".join(
        f"{o.path}: want {o.expected.verdict} got {o.reading} [{o.detail[:120]}]" for o in outcomes
    )


def test_the_corpus_is_there_and_states_verdicts(outcomes: list[Outcome]) -> None:
    counts = summary(outcomes)
    assert counts["answers"] >= 700
    assert counts["stating a verdict"] >= 600


def test_no_answer_is_misread(outcomes: list[Outcome]) -> None:
    misread = [o for o in outcomes if o.misread]
    assert not misread, _listed(misread)


def test_every_lifecycle_state_the_registry_shows_is_a_risk(outcomes: list[Outcome]) -> None:
    shown = [o for o in outcomes if o.expected.verdict in LIFECYCLE_CLASSES]
    assert len(shown) >= 40
    healthy = [o for o in shown if o.reading in ("registered", "available")]
    assert not healthy, _listed(healthy)


def test_at_least_95_percent_are_judged_exactly(outcomes: list[Outcome]) -> None:
    stated = [o for o in outcomes if o.expected.verdict is not None]
    inexact = [o for o in stated if not o.exact]
    assert len(inexact) <= (1 - EXACT_SHARE) * len(stated), _listed(inexact)


def test_stated_expiry_dates_are_found(outcomes: list[Outcome]) -> None:
    stating = [o for o in outcomes if o.expiry_found is not None]
    missed = [o for o in stating if not o.expiry_found]
    assert len(stating) >= 180
    assert len(missed) <= (1 - EXPIRY_SHARE) * len(stating), "\n".join(
        f"{o.path}: want {o.expected.expires} [{o.detail[:120]}]" for o in missed
    )


def test_throttled_answers_are_never_a_verdict(outcomes: list[Outcome]) -> None:
    throttled = [o for o in outcomes if o.expected.verdict == "throttled"]
    assert len(throttled) >= 15
    judged = [o for o in throttled if o.reading not in ("throttled", "failure", "unknown")]
    assert not judged, _listed(judged)
