"""One spelling of an address, whichever input it came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.arguments import contacts_from_arguments
from checker.domains import DomainClassifier
from checker.model import Contact
from checker.scan import scan_paths
from checker.sources.environment import read_environment
from checker.sources.metadata_dump import read_metadata_dumps
from checker.sources.pypi import Requirement, parse_release, release_contacts

_FILES = {
    "pyproject.toml": '[project]\nname = "demo"\nauthors = [{{name = "Jane", email = "{a}"}}]\n',
    "setup.cfg": "[metadata]\nname = demo\nauthor = Jane\nauthor_email = {a}\n",
    "setup.py": 'from setuptools import setup\nsetup(name="demo", author_email="{a}")\n',
    "PKG-INFO": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nAuthor-email: {a}\n",
}


def _from_every_input(address: str, tmp_path: Path) -> dict[str, list[Contact]]:
    classifier = DomainClassifier()
    found: dict[str, list[Contact]] = {}
    for name, template in _FILES.items():
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / name).write_text(template.format(a=address), encoding="utf-8")
        scanned = scan_paths([folder], base=tmp_path, classifier=classifier)
        assert not scanned.errors
        found[name] = list(scanned.contacts)
    contacts, errors = contacts_from_arguments([address], classifier)
    assert not errors
    found["domain argument"] = contacts
    info = {"name": "demo", "version": "1.0", "author_email": address}
    body = json.dumps({"info": info, "urls": []}).encode()
    url = "https://pypi.org/pypi/demo/1.0/json"
    release = parse_release(body, Requirement("demo", "1.0"), url)
    found["PyPI JSON"] = release_contacts(release, classifier)
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps(info) + "\n", encoding="utf-8")
    found["dump row"] = list(read_metadata_dumps([dump], classifier).contacts)
    site = tmp_path / "site-packages"
    (site / "demo-1.0.dist-info").mkdir(parents=True)
    metadata = _FILES["PKG-INFO"].format(a=address)
    (site / "demo-1.0.dist-info" / "METADATA").write_text(metadata, encoding="utf-8")
    found["installed environment"] = list(read_environment([site], classifier).contacts)
    return found


@pytest.mark.parametrize(
    ("address", "spelled", "domain"),
    [
        ("jane@Bücher.DE", "jane@bücher.de", "xn--bcher-kva.de"),
        ("Jane.Doe@Janes-Widgets.COM", "Jane.Doe@janes-widgets.com", "janes-widgets.com"),
    ],
)
def test_the_same_address_is_spelled_the_same_from_every_input(
    address: str, spelled: str, domain: str, tmp_path: Path
) -> None:
    found = _from_every_input(address, tmp_path)
    assert len(found) == 8
    for where, contacts in found.items():
        assert [(c.email, c.domain, c.registrable_domain) for c in contacts] == [
            (spelled, domain, domain)
        ], where


def test_a_bare_domain_argument_is_spelled_in_lower_case() -> None:
    contacts, errors = contacts_from_arguments(["Bücher.DE"])
    assert not errors
    assert [(c.email, c.domain) for c in contacts] == [("bücher.de", "xn--bcher-kva.de")]
