"""Regenerate the real-world metadata corpus in ``tests/fixtures/corpus/``.

Asks PyPI (and nothing else) for the metadata of a fixed list of popular packages with
``pip install --dry-run --ignore-installed --no-deps --report``, which downloads
metadata only, and writes the ``Author``, ``Author-email``, ``Maintainer`` and
``Maintainer-email`` fields exactly as published.

The ``expected`` addresses of each package are reviewed by hand. This script never
overwrites a reviewed entry: when a package's raw fields are unchanged since the
previous fixture, its ``expected`` list is carried over; otherwise a draft is made with a
deliberately simple regular expression (independent of ``checker``), marked
``"draft": true``, and listed on stderr for review. The test refuses drafts.

Not part of the test suite. Usage::

    python tools/fetch_corpus.py [--previous tests/fixtures/corpus/pypi-metadata-DATE.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

INDEX_URL = "https://pypi.org/simple"
CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
FIELDS = ("author", "author_email", "maintainer", "maintainer_email")
BATCH_SIZE = 40

# Popular packages (all within PyPI's 15,000 most downloaded), chosen for a spread of
# metadata styles: PEP 621 ``Name <addr>`` lists, setup.py-era bare addresses, several
# maintainers, names-only fields, addresses in name fields, UNKNOWN placeholders,
# obfuscated addresses, non-ASCII names.
# fmt: off
PACKAGES = (
    # the most downloaded
    "boto3", "botocore", "s3transfer", "awscli", "aiobotocore", "urllib3", "requests",
    "certifi", "idna", "charset-normalizer", "typing-extensions", "setuptools", "pip",
    "wheel", "packaging", "six", "python-dateutil", "pyyaml", "cryptography", "cffi",
    "pycparser", "pydantic", "pydantic-core", "annotated-types", "click", "numpy",
    "pandas", "pluggy", "pytest", "iniconfig", "attrs", "protobuf", "grpcio",
    "grpcio-status", "googleapis-common-protos", "google-api-core", "google-auth",
    "google-cloud-storage", "google-api-python-client", "fsspec", "s3fs", "h11",
    "httpx", "httpcore", "anyio", "sniffio", "markupsafe", "jinja2", "platformdirs",
    "python-dotenv", "pathspec", "pyjwt", "rich", "jmespath", "markdown-it-py", "mdurl",
    "aiohttp", "yarl", "multidict", "frozenlist", "aiosignal", "propcache",
    "filelock", "importlib-metadata", "zipp", "starlette", "fastapi", "uvicorn",
    "jsonschema", "referencing", "rpds-py", "pyasn1", "pyasn1-modules", "rsa", "pytz",
    "tzdata", "tqdm", "pillow", "virtualenv", "distlib", "greenlet", "colorama", "typer",
    "shellingham", "tenacity", "wrapt", "requests-oauthlib", "oauthlib", "pyarrow",
    "websockets", "scipy", "sqlalchemy", "pyparsing", "tomli", "tomlkit", "lxml",
    "beautifulsoup4", "soupsieve", "psutil", "regex", "cachetools", "exceptiongroup",
    "more-itertools", "requests-toolbelt", "distro", "websocket-client",
    "mypy-extensions", "mypy", "openpyxl", "et-xmlfile", "wcwidth", "coverage",
    "docutils", "dnspython", "werkzeug", "flask", "itsdangerous", "blinker",
    "networkx", "redis", "gitpython", "gitdb", "smmap", "msgpack", "psycopg2-binary",
    "psycopg2", "pyopenssl", "decorator", "pexpect", "ptyprocess", "docker", "pynacl",
    "bcrypt", "paramiko", "sortedcontainers", "keyring", "jaraco-classes", "tabulate",
    "matplotlib", "kiwisolver", "contourpy", "cycler", "fonttools", "isodate",
    "prompt-toolkit", "azure-core", "msal", "scikit-learn", "joblib", "threadpoolctl",
    "dill", "pytest-cov", "pytest-mock", "pytest-xdist", "execnet", "alembic", "mako",
    "orjson", "deprecated", "chardet", "ruamel-yaml", "defusedxml", "kubernetes",
    "tzlocal", "toml", "sympy", "mpmath", "jsonpointer", "jsonpatch", "nodeenv",
    "ipython", "traitlets", "jedi", "parso", "uritemplate", "httplib2", "asn1crypto",
    "pre-commit", "identify", "cfgv", "backoff", "marshmallow", "sqlparse", "gunicorn",
    "babel", "cloudpickle", "black", "isort", "sentry-sdk", "asgiref", "tornado",
    "xmltodict", "webencodings", "cython", "termcolor", "markdown", "pyzmq",
    "pymongo", "watchdog", "structlog", "pycryptodome", "pymysql", "mccabe",
    "pycodestyle", "pyflakes", "flake8", "pylint", "astroid", "pyperclip", "xlsxwriter",
    "sphinx", "invoke", "loguru", "python-slugify", "text-unidecode", "arrow", "cattrs",
    "mistune", "simplejson", "ujson", "html5lib", "bleach", "nltk", "h5py", "seaborn",
    "plotly", "statsmodels", "numba", "shapely", "pyproj", "xlrd", "python-docx",
    "pypdf2", "future", "ecdsa", "passlib",
    # older, setup.py-era metadata and long-lived projects
    "pycurl", "mock", "nose", "ply", "docopt", "enum34", "ipaddress", "funcsigs",
    "argparse", "appdirs", "pycrypto", "netifaces", "pyserial", "webob", "paste",
    "pyramid", "zope-interface", "zope-deprecation", "twisted", "reportlab", "xlwt",
    "gensim", "dask", "xarray", "pyodbc", "pymssql", "unidecode", "pbr", "stevedore",
    "netaddr", "ldap3", "scapy", "feedparser", "configobj", "pygame", "pyopengl",
    "pyqt5", "urwid", "scrapy", "mysqlclient", "gevent", "eventlet", "cherrypy",
    "bottle", "waitress", "falcon", "trio", "pyenchant", "python-gnupg", "bitarray",
    "pefile", "icalendar", "retrying", "contextlib2", "pathlib2", "funcy", "blessed",
    "sh", "plumbum", "fabric", "autopep8", "yapf", "bandit", "mutagen", "polib", "py",
    "tox", "kombu", "celery", "amqp", "billiard", "vine", "django",
    "djangorestframework", "thrift", "avro", "cassandra-driver", "pika", "kafka-python",
    "paho-mqtt", "peewee", "graphql-core", "jsonpickle", "cbor2", "inflection",
    "freezegun", "responses", "requests-mock", "vcrpy", "factory-boy", "faker",
    "testfixtures", "pytest-timeout", "lazy-object-proxy", "typing-inspect",
    "pyrsistent", "setproctitle", "python-magic", "pywavelets", "scikit-image",
    "imageio", "opencv-python", "tensorboard", "humanize", "pendulum", "environs",
    "ansible-core", "pywinrm", "zope-event", "persistent", "transaction",
    "pytest-runner", "singledispatch", "scandir", "backports-ssl-match-hostname",
    "jupyter", "texttable", "pydot", "python-daemon", "pyxdg", "rdflib", "pysocks",
    "selenium", "mycli", "pgcli",
    # older releases, still pinned in lock files, with shapes current releases lack
    "boto3==1.10.9",  # Author-email: UNKNOWN
    "botocore==1.13.9",  # Author-email: UNKNOWN
    "selenium==3.141.0",  # Author: UNKNOWN, Author-email: UNKNOWN
    "pexpect==4.2.1",  # addresses separated by semicolons
    "mycli==1.9.0",  # amjith[dot]r[at]gmail.com
    "texttable==0.8.8",  # jef(at)foutaise.org
    "pip==9.0.1",  # python-virtualenv@groups.google.com
    "markdown==3.1.1",
)
# fmt: on

# A deliberately naive reading, only to draft ``expected`` for human review.
_ADDR = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_NAMED = re.compile(r'(?:"([^"]*)"|([^,<>"]*?))\s*<(' + _ADDR + r")>")
_BARE = re.compile(_ADDR)
_PLACEHOLDERS = {"", "UNKNOWN", "None"}
_OBFUSCATION_HINT = re.compile(r"\S\s*(?:\[at\]|\(at\)|\bat\b)\s*\S", re.IGNORECASE)


def _addresses(value: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for match in _NAMED.finditer(value):
        name = match.group(1) if match.group(1) is not None else match.group(2)
        found.append((match.group(3), name.strip() or None))
    rest = _NAMED.sub(" ", value)
    found.extend((addr, None) for addr in _BARE.findall(rest))
    return found


def _normalise(email: str) -> str:
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def draft_expected(fields: dict[str, str | None]) -> tuple[list[dict[str, Any]], bool]:
    """Draft the expected contacts; True when a field hints at an obfuscated address."""
    expected: list[dict[str, Any]] = []
    hint = False
    for role in ("author", "maintainer"):
        name_field = fields[role]
        email_field = fields[f"{role}_email"]
        found: list[tuple[str, str | None]] = []
        for value in (email_field, name_field):
            if value is None or value.strip() in _PLACEHOLDERS:
                continue
            hint = hint or bool(_OBFUSCATION_HINT.search(value) and "@" not in value)
            found.extend(_addresses(value))
        bare_alone = (
            email_field is not None
            and _BARE.fullmatch(email_field.strip()) is not None
            and name_field is not None
            and name_field.strip() not in _PLACEHOLDERS
            and "@" not in name_field
        )
        entries: dict[str, dict[str, Any]] = {}
        for email, display in found:
            key = _normalise(email)
            name = display
            if bare_alone and name is None and name_field is not None:
                name = name_field.strip()
            if key in entries:
                entries[key]["name"] = entries[key]["name"] or name
            else:
                entries[key] = {"role": role, "email": email, "name": name}
        expected.extend(entries.values())
    return expected, hint


def _pip_report(names: list[str]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        command = [sys.executable, "-m", "pip", *pip_arguments(str(report)), *names]
        subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    found = []
    for item in data["install"]:
        metadata = dict(item["metadata"])
        metadata["file"] = item["download_info"]["url"].rsplit("/", 1)[-1]
        found.append(metadata)
    return found


def pip_arguments(report: str) -> list[str]:
    """The pip arguments used, before the package names."""
    return [
        "install",
        "--isolated",  # no user config: PyPI only, no local wheel directories
        "--disable-pip-version-check",
        "--index-url",
        INDEX_URL,
        "--dry-run",
        "--ignore-installed",
        "--no-deps",
        "--quiet",
        "--report",
        report,
    ]


def fetch(names: list[str], batch_size: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Metadata for every name that resolves, and the names that did not."""
    found: list[dict[str, Any]] = []
    skipped: list[str] = []
    for start in range(0, len(names), batch_size):
        batch = names[start : start + batch_size]
        try:
            found.extend(_pip_report(batch))
            continue
        except subprocess.CalledProcessError:
            pass
        for name in batch:
            try:
                found.extend(_pip_report([name]))
            except subprocess.CalledProcessError as exc:
                print(f"skipped {name}: {exc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
                skipped.append(name)
    return found, skipped


def _review_key(entry: dict[str, Any]) -> tuple[str | None, ...]:
    """Reviewed expectations carry over while a package's raw fields stay the same."""
    return (str(entry["name"]).lower(), *(entry.get(field) for field in FIELDS))


def _previous_entries(path: Path | None) -> dict[tuple[str | None, ...], dict[str, Any]]:
    if path is None or not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {_review_key(e): e for e in data["packages"] if not e.get("draft")}


def previous_note(path: Path | None) -> str:
    """The review note of the fixture whose reviewed lists were all carried over."""
    if path is None or not path.exists():
        return "drafts pending review"
    return str(json.loads(path.read_text(encoding="utf-8")).get("reviewed"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previous", type=Path, help="reviewed fixture to carry over")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args()

    previous = _previous_entries(args.previous)
    names = list(dict.fromkeys(PACKAGES))
    metadata, skipped = fetch(names, args.batch_size)
    packages: list[dict[str, Any]] = []
    needs_review: list[str] = []
    for meta in sorted(metadata, key=lambda m: (str(m["name"]).lower(), str(m["version"]))):
        entry: dict[str, Any] = {
            "name": meta["name"],
            "version": meta["version"],
            "metadata_version": meta["metadata_version"],
            "file": meta["file"],
        }
        entry.update({field: meta.get(field) for field in FIELDS})
        old = previous.get(_review_key(entry))
        if old is not None:
            entry["expected"] = old["expected"]
        else:
            entry["expected"], hint = draft_expected(entry)
            entry["draft"] = True
            needs_review.append(entry["name"] + (" (obfuscation?)" if hint else ""))
        packages.append(entry)

    pip_version = _pip_version()
    reviewed = "drafts pending review" if needs_review else previous_note(args.previous)
    fixture = {
        "fetched": args.date,
        "command": (
            f"python{sys.version_info.major}.{sys.version_info.minor} -m pip "
            + " ".join(pip_arguments("r.json"))
            + f" NAME ... (pip {pip_version}; tools/fetch_corpus.py)"
        ),
        "reviewed": reviewed,
        "skipped": skipped,
        "packages": packages,
    }
    out = CORPUS_DIR / f"pypi-metadata-{args.date}.json"
    out.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(packages)} packages, {len(skipped)} skipped", file=sys.stderr)
    if needs_review:
        print("review and remove 'draft' from: " + ", ".join(needs_review), file=sys.stderr)
    return 0


def _pip_version() -> str:
    from importlib.metadata import version

    return version("pip")


if __name__ == "__main__":
    sys.exit(main())
