"""Contacts from the ``domain`` command's arguments: bare domain names or addresses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.addresses import parse_addresses
from checker.contacts import new_contact
from checker.domains import DomainClassifier
from checker.model import Contact, ContactKind, Role, ScanError, SourceKind, SourceRef
from checker.sources.base import Collected


def contacts_from_arguments(
    arguments: Sequence[str], classifier: DomainClassifier | None = None
) -> tuple[list[Contact], list[ScanError]]:
    """One contact per argument; an argument that is neither a domain nor an address is an error."""
    classifier = classifier or DomainClassifier()
    contacts: list[Contact] = []
    errors: list[ScanError] = []
    for index, argument in enumerate(arguments, start=1):
        text = argument.strip()
        if "@" in text:
            found = parse_addresses(text)
            if len(found) != 1:
                errors.append(ScanError(path=argument, message="not one e-mail address"))
                continue
            local, raw_domain, name = found[0].local, found[0].domain, found[0].name
        else:
            local, raw_domain, name = None, text, None
        classification = classifier.classify(raw_domain)
        if classification.kind is ContactKind.INVALID:
            errors.append(ScanError(path=argument, message=classification.note or "invalid"))
            continue
        contacts.append(
            new_contact(
                local,
                raw_domain,
                name=name,
                role=Role.MAINTAINER,
                classification=classification,
                source=SourceRef(kind=SourceKind.ARGUMENT, path=None, line=index),
            )
        )
    return contacts, errors


@dataclass(frozen=True)
class Arguments:
    """The ``domain`` command's arguments as a :class:`~checker.sources.base.Source`."""

    arguments: Sequence[str]
    classifier: DomainClassifier | None = None

    def collect(self) -> Collected:
        """One contact per argument; no file is read."""
        contacts, errors = contacts_from_arguments(self.arguments, self.classifier)
        return Collected(tuple(contacts), tuple(errors))
