"""From the raw fields a source found to classified :class:`~checker.model.Contact` records."""

from __future__ import annotations

from dataclasses import replace

from checker.addresses import ParsedAddress, parse_addresses, single_label_addresses
from checker.domains import Classification, DomainClassifier
from checker.model import Contact, ContactKind, Role, SourceRef
from checker.sources.base import Extraction, FieldText, PersonFields


def _find(text: str, needle: str) -> int:
    """Where ``needle`` starts as a whole address (not inside ``jbob@`` for ``bob@``)."""
    offset = text.find(needle)
    while offset > 0 and (text[offset - 1].isalnum() or text[offset - 1] in "._+-"):
        offset = text.find(needle, offset + 1)
    return offset


def _located(field: FieldText, address: ParsedAddress) -> int | None:
    offset = _find(field.text, address.email) if not address.obfuscated else -1
    if offset < 0:
        offset = _find(field.text, address.local)
    return field.line_at(max(offset, 0))


def _person_addresses(person: PersonFields) -> list[tuple[ParsedAddress, int | None]]:
    found: list[tuple[ParsedAddress, int | None]] = []
    email_addresses = parse_addresses(person.email.text) if person.email else []
    name_addresses = parse_addresses(person.name.text) if person.name else []
    name_hint = None
    if person.name and not name_addresses:
        name_hint = " ".join(person.name.text.split()) or None
        if name_hint and name_hint.lower() in {"unknown", "none", "null"}:
            name_hint = None
    for address in email_addresses:
        named = address
        if address.bare and name_hint and len(email_addresses) == 1:
            named = ParsedAddress(
                address.email, address.local, address.domain, name_hint, address.obfuscated
            )
        assert person.email is not None
        found.append((named, _located(person.email, address)))
    for address in name_addresses:
        assert person.name is not None
        found.append((address, _located(person.name, address)))
    for field in (person.email, person.name):
        if field is None:
            continue
        for text in single_label_addresses(field.text):
            local, _, domain = text.partition("@")
            found.append((ParsedAddress(text, local, domain, None), _located_text(field, text)))
    return found


def _located_text(field: FieldText, text: str) -> int | None:
    return field.line_at(max(_find(field.text, text), 0))


def spell(local: str | None, domain: str) -> str:
    """An address as every report writes it: the local part as found (it may be case
    sensitive), the domain as written but lower-cased; a bare domain lower-cased."""
    return domain.lower() if local is None else f"{local}@{domain.lower()}"


def new_contact(
    local: str | None,
    domain: str,
    *,
    name: str | None,
    role: Role,
    classification: Classification,
    source: SourceRef,
    obfuscated: bool = False,
) -> Contact:
    """The one constructor of a found :class:`Contact`, so that the same address is
    spelled the same from every input. ``domain`` is as written; ``local`` is None for a
    bare domain name (the ``domain`` command's argument)."""
    return Contact(
        email=spell(local, domain),
        name=name,
        role=role,
        kind=classification.kind,
        obfuscated=obfuscated,
        domain=classification.domain,
        registrable_domain=classification.registrable,
        source=source,
        note=classification.note,
    )


def build_contacts(extraction: Extraction, classifier: DomainClassifier) -> list[Contact]:
    """Every address of one extraction, classified, once per role."""
    contacts: list[Contact] = []
    seen: dict[tuple[str, str], int] = {}
    for person in extraction.people:
        for address, line in _person_addresses(person):
            classification = classifier.classify(address.domain)
            if address.obfuscated and classification.kind is ContactKind.INVALID:
                continue  # "meet at the lobby dot" is prose, not an address
            email = spell(address.local, address.domain)
            key = (person.role.value, email)
            if key in seen:
                # The same address in the name and the e-mail field: one contact, and
                # the name written beside it in either place.
                index = seen[key]
                if contacts[index].name is None and address.name is not None:
                    contacts[index] = replace(contacts[index], name=address.name)
                continue
            seen[key] = len(contacts)
            source = SourceRef(
                kind=extraction.kind,
                path=extraction.path,
                line=line,
                package=extraction.package,
                version=extraction.version,
                member=extraction.member,
            )
            contacts.append(
                new_contact(
                    address.local,
                    address.domain,
                    name=address.name,
                    role=person.role,
                    classification=classification,
                    source=source,
                    obfuscated=address.obfuscated,
                )
            )
    return contacts
