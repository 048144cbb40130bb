"""The provider and reserved lists match a domain and its parents, the first listed entry first."""

from __future__ import annotations

from importlib import resources

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.domains import DomainClassifier
from checker.model import ContactKind


def _data_lines(name: str) -> list[str]:
    text = resources.files("checker").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip()
            and not line.lstrip().startswith("#")]  # fmt: skip


def _first_listed(domain: str, entries: list[str]) -> str | None:
    """The rule as the lists state it: the first entry equal to the domain or a parent."""
    for entry in entries:
        if domain == entry or domain.endswith("." + entry):
            return entry
    return None


_LABEL = st.sampled_from(["a", "b", "mail", "corp", "gmail", "outlook", "qq", "example"])
_NAME = st.lists(_LABEL, min_size=1, max_size=4).map(".".join)


def test_the_first_listed_provider_names_the_match() -> None:
    domain = "a.b.corp-mail.com"
    first = DomainClassifier(extra_providers=["b.corp-mail.com", "corp-mail.com"])
    assert first.classify(domain).note == "mail provider (b.corp-mail.com)"
    other = DomainClassifier(extra_providers=["corp-mail.com", "b.corp-mail.com"])
    assert other.classify(domain).note == "mail provider (corp-mail.com)"
    # a suffix that is not a whole label does not match
    assert DomainClassifier(extra_providers=["rp-mail.com"]).classify(domain).kind is (
        ContactKind.LOOKUP
    )


@settings(max_examples=300, deadline=None)
@given(name=_NAME, tld=st.sampled_from(["com", "org", "co.uk", "example", "test"]),
       extra=st.lists(st.builds("{}.{}".format, _NAME, st.sampled_from(["com", "co.uk"])),
                      max_size=4))  # fmt: skip
def test_provider_and_reserved_matches_agree_with_scanning_the_lists(
    name: str, tld: str, extra: list[str]
) -> None:
    domain = f"{name}.{tld}"
    found = DomainClassifier(extra_providers=extra).classify(domain)
    reserved = _first_listed(domain, _data_lines("reserved.txt"))
    if reserved is not None:
        assert found.note == f"{reserved} is reserved and cannot be registered"
        return
    provider = _first_listed(domain, [*_data_lines("providers.txt"), *extra])
    if found.registrable is None:
        return  # a public suffix: the provider list is never consulted
    if provider is None:
        assert found.kind is ContactKind.LOOKUP
    else:
        assert (found.kind, found.note) == (ContactKind.PROVIDER, f"mail provider ({provider})")
