"""Coverage-guided fuzzing of domain-guard's parsers with atheris (libFuzzer).

    python fuzz/fuzz_parsers.py TARGET [libFuzzer options] [CORPUS_DIR ...]
    python fuzz/fuzz_parsers.py pkg-info -max_total_time=3600 fuzz/corpus/pkg-info
    python fuzz/fuzz_parsers.py --list
    python fuzz/fuzz_parsers.py --smoke          # every target on the seeds, plain Python

TARGET is one of the names in ``fuzz.targets.TARGETS``. Each input is raw bytes, decoded
the way the scanner decodes files. A crash is any exception other than the parser's
documented error, or a broken output contract (see ``fuzz/targets.py``). ``--smoke`` runs
without atheris, so the harness is checked even where atheris does not install.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = ("addresses", "pyproject", "setup-cfg", "setup-py", "pkg-info", "rdap", "whois",
         "config-toml", "config-yaml")  # fmt: skip

SEEDS: dict[str, list[bytes]] = {
    "addresses": [
        b'"Doe, Jane" <jane@janedoe.dev>, bob at example dot org',
        b"=?utf-8?q?J=C3=A9?=",
    ],
    "pyproject": [b'[project]\nauthors = [{name = "Jane", email = "jane@janedoe.dev"}]\n'],
    "setup-cfg": [b"[metadata]\nauthor = Jane\nauthor_email = jane@janedoe.dev\n"],
    "setup-py": [b"A = 'jane@' + 'janedoe.dev'\nsetup(author_email=A, **dict(maintainer='M'))\n"],
    "pkg-info": [b"Metadata-Version: 2.1\nName: x\nAuthor-email: Jane <jane@janedoe.dev>\n"],
    "rdap": [
        b'{"objectClassName": "domain", "ldhName": "example.com", "status": ["active"],'
        b' "events": [{"eventAction": "expiration", "eventDate": "2030-01-01T00:00:00Z"}]}',
        b'{"errorCode": 404, "title": "Not Found"}',
    ],
    "whois": [b"Domain Name: EXAMPLE.COM\nRegistry Expiry Date: 2030-01-01T00:00:00Z\n"],
    "config-toml": [b'[tool.domain-guard]\nfail-on = "medium"\n[[tool.domain-guard.ignore]]\n'],
    "config-yaml": [b"fail-on: medium\nignore:\n  - domain: x.org\n    reason: held\n"],
}


def smoke() -> int:
    """Run every target on its seeds and some edge cases, without atheris."""
    from fuzz.targets import TARGETS

    edge = [b"", b"\x00", b"\xff\xfe" + "é".encode("utf-16-le"), b"[" * 10_000, b"\r" * 100]
    for name, target in TARGETS.items():
        for data in [*SEEDS.get(name, []), *edge]:
            target(data)
        print(f"{name}: ok")
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    if sys.argv[1] == "--list":
        print("\n".join(NAMES))
        return 0
    if sys.argv[1] == "--smoke":
        return smoke()
    name = sys.argv[1]
    if name not in NAMES:
        print(f"unknown target {name!r}; one of: {', '.join(NAMES)}", file=sys.stderr)
        return 2
    import atheris

    # Imported under instrumentation: coverage feedback needs checker's code instrumented.
    with atheris.instrument_imports(include=["checker", "fuzz"]):
        from fuzz.targets import TARGETS
    atheris.Setup([sys.argv[0], *sys.argv[2:]], TARGETS[name])
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
