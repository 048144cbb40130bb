"""Every parser of outside input, fuzzed: only its documented error, well-formed output.

The contracts live in ``fuzz/targets.py`` (shared with the atheris harness); here
hypothesis feeds them text built from the pieces each format is made of (so the search
reaches past the first syntax check) as well as arbitrary bytes. Examples are bounded
so the suite stays fast; run ``fuzz/fuzz_parsers.py`` for long campaigns.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.targets import (
    TARGETS,
    check_addresses,
    check_config_toml,
    check_config_yaml,
    check_pkg_info,
    check_pyproject,
    check_rdap,
    check_setup_cfg,
    check_setup_py,
    check_whois,
)

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- building blocks ----------------------------------------------------------------------

_SPECIALS = [
    "@",
    "<",
    ">",
    '"',
    "'",
    "(",
    ")",
    ",",
    ";",
    ":",
    "\\",
    ".",
    "..",
    " at ",
    " dot ",
    "[at]",
    "(at)",
    "[dot]",
    "_at_",
    "mailto:",
    "=?utf-8?q?J=C3=A9?=",
    "=?x?b?===?=",
    "\x85",
    "\u2028",
    "\x0c",
    "\r",
    "\t",
    "\n",
    "\x00",
    "\ufeff",
    "\u3002",
    "\uff0e",
    "\u202e",
    "::",
    "##[",
    "${{",
    "*",
    "[",
    "]",
    "{",
    "}",
    "#",
    "=",
    "-",
    "\u00a0",
]
_local = st.text(alphabet="abjXZ09._+-", min_size=1, max_size=10)
_label = st.text(alphabet="abz09-", min_size=1, max_size=8)
_domain = st.one_of(
    st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(_label, min_size=1, max_size=3),
        st.sampled_from(["org", "com", "dev", "io", "de", "co.uk"]),
    ),
    st.sampled_from(
        [
            "bücher.de",
            "xn--bcher-kva.de",
            "gmail.com",
            "example.com",
            "localhost",
            "x.invalid",
            "co.uk",
            "com",
            "a..b.org",
            "-x.org",
            "x.org.",
            "ÄÖÜ.ДЕТИ",
        ]
    ),
)
_address = st.builds(lambda local, domain: f"{local}@{domain}", _local, _domain)
_noise = st.text(max_size=12)
_piece = st.one_of(_address, _noise, st.sampled_from(_SPECIALS), st.sampled_from(["Jane", " "]))
_value = st.lists(_piece, max_size=6).map("".join)
_one_line_value = _value.map(lambda v: v.replace("\n", " ").replace("\r", " "))


def _encoded(texts: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Text as a file would hold it (UTF-8, UTF-16 with BOM, or Latin-1), or raw bytes."""
    encodings = st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"])
    encoded = st.tuples(texts, encodings).map(lambda p: p[0].encode(p[1], errors="replace"))
    return st.one_of(encoded, st.binary(max_size=300))


def _document(lines: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    newline = st.sampled_from(["\n", "\r\n", "\r"])
    return st.tuples(st.lists(lines, max_size=10), newline).map(lambda p: p[1].join(p[0]))


# --- per format -----------------------------------------------------------------------------

_pkg_info = _document(
    st.one_of(
        st.builds(
            lambda key, value: f"{key}:{value}",
            st.sampled_from(
                [
                    "Author",
                    "Author-email",
                    "Maintainer",
                    "Maintainer-Email",
                    "Name",
                    "Version",
                    "Metadata-Version",
                    "Summary",
                    "X y",
                    "",
                ]
            ),
            _one_line_value,
        ),
        _one_line_value.map(lambda v: " " + v),
        st.just(""),
        st.just("   "),
        _one_line_value,
    )
)

_setup_cfg = _document(
    st.one_of(
        st.sampled_from(["[metadata]", "[options]", "[ metadata ]", "[", "[metadata", "#x", ";x"]),
        st.builds(
            lambda key, sep, value: f"{key}{sep}{value}",
            st.sampled_from(
                [
                    "author",
                    "author_email",
                    "author-email",
                    "maintainer",
                    "maintainer_email",
                    "name",
                    "version",
                    "",
                    " x",
                ]
            ),
            st.sampled_from([" = ", "=", ": ", " :"]),
            _one_line_value,
        ),
        _one_line_value.map(lambda v: "    " + v),
        _one_line_value,
    )
)


def _toml_string(value: str) -> st.SearchStrategy[str]:
    quoted = [json.dumps(value, ensure_ascii=False), json.dumps(value)]
    if "'" not in value and "\n" not in value:
        quoted.append(f"'{value}'")
    quoted.append('"""' + value.replace("\\", "\\\\").replace('"', '\\"') + '"""')
    return st.sampled_from(quoted)


_toml_value = _value.flatmap(_toml_string)
_pyproject = _document(
    st.one_of(
        st.sampled_from(
            [
                "[project]",
                "[tool.poetry]",
                "[tool.flit.metadata]",
                "[[project.authors]]",
                "[[project.maintainers]]",
                "[tool]",
                "[x",
            ]
        ),
        st.builds(
            lambda key, name, email: f"{key} = [{{name = {name}, email = {email}}}]",
            st.sampled_from(["authors", "maintainers"]),
            _toml_value,
            _toml_value,
        ),
        st.builds(
            lambda key, v: f"{key} = [{v}, {v}]",
            st.sampled_from(["authors", "maintainers"]),
            _toml_value,
        ),
        st.builds(
            lambda key, v: f"{key} = {v}",
            st.sampled_from(
                [
                    "name",
                    "email",
                    "author",
                    "author-email",
                    "maintainer",
                    "maintainer-email",
                    "version",
                    "module",
                    "authors",
                ]
            ),
            _toml_value,
        ),
        _one_line_value,
    )
)


def _py_expr(depth: int = 0) -> st.SearchStrategy[str]:
    leaf = st.one_of(_value.map(repr), st.sampled_from(["A", "B", "EMAIL", "x.y", "f(1)", "1"]))
    if depth >= 2:
        return leaf
    sub = _py_expr(depth + 1)
    return st.one_of(
        leaf,
        st.builds(lambda a, b: f"{a} + {b}", sub, sub),
        st.builds(lambda a, b: f"{a}.join([{b}, {b}])", leaf, sub),
        _noise.map(lambda v: 'f"{A}' + v.replace('"', "").replace("\n", "") + '{B!r}"'),
        st.builds(lambda a: f"dict(author_email={a})", sub),
    )


_setup_py = _document(
    st.one_of(
        st.builds(
            lambda name, e: f"{name} = {e}", st.sampled_from(["A", "B", "EMAIL"]), _py_expr()
        ),
        st.builds(
            lambda key, e: f"setup({key}={e})",
            st.sampled_from(["author", "author_email", "maintainer", "maintainer_email", "name"]),
            _py_expr(),
        ),
        st.builds(lambda e: f"setuptools.setup(**{e})", _py_expr()),
        st.sampled_from(["import os", "if __name__ == '__main__':", "    pass", "(", "def f(:"]),
        _one_line_value,
    )
)

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    _value,
    st.sampled_from(
        [
            "domain",
            "example.com",
            "EXAMPLE.COM.",
            "registrar",
            "expiration",
            "registration",
            "2030-01-01T00:00:00Z",
            "9999-99-99",
            "active",
            "clientHold",
            "pending delete",
            "related",
            "rdap+json",
        ]
    ),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "objectClassName",
                    "ldhName",
                    "status",
                    "events",
                    "eventAction",
                    "eventDate",
                    "entities",
                    "roles",
                    "vcardArray",
                    "nameservers",
                    "links",
                    "rel",
                    "href",
                    "type",
                    "handle",
                    "errorCode",
                    "title",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
_rdap_domain = st.fixed_dictionaries(
    {
        "objectClassName": st.just("domain"),
        "ldhName": st.sampled_from(["example.com", "EXAMPLE.com."]),
    },
    optional={
        "status": _json,
        "events": _json,
        "entities": _json,
        "nameservers": _json,
        "links": _json,
    },
)
_rdap = st.one_of(
    _rdap_domain.map(lambda d: json.dumps(d).encode()),
    _json.map(lambda d: json.dumps(d).encode()),
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
    st.binary(max_size=200),
)

_whois = _document(
    st.one_of(
        st.builds(
            lambda key, value: f"{key}: {value}",
            st.sampled_from(
                [
                    "Domain Name",
                    "domain",
                    "Registry Expiry Date",
                    "Creation Date",
                    "Domain Status",
                    "Status",
                    "Name Server",
                    "Registrar",
                    "nserver",
                    "Expiration Date",
                    "[Domain Name]",
                    "Updated Date",
                ]
            ),
            st.one_of(
                _one_line_value,
                st.sampled_from(
                    [
                        "example.com",
                        "EXAMPLE.COM",
                        "example.de",
                        "example.jp",
                        "2030-01-01T00:00:00Z",
                        "2030.01.01",
                        "clientHold",
                        "ok https://icann.org/epp#ok",
                        "free",
                        "ns1.example.net",
                    ]
                ),
            ),
        ),
        st.sampled_from(
            [
                'No match for "EXAMPLE.COM".',
                "Status: free",
                "% Quota exceeded",
                "NOT FOUND",
                "No match!!",
                ">>> Last update of WHOIS database",
            ]
        ),
        _one_line_value,
    )
)

_config_toml = _document(
    st.one_of(
        st.sampled_from(
            [
                "[tool.domain-guard]",
                "[[tool.domain-guard.ignore]]",
                "[tool]",
                "[[ignore]]",
                'fail-on = "medium"',
                "fail-on-unknown = true",
                "expiry-window = 45",
                "until = 2027-01-31",
                'until = "2027-01-31"',
            ]
        ),
        st.builds(
            lambda key, v: f"{key} = {v}",
            st.sampled_from(
                [
                    "fail-on",
                    "expiry-window",
                    "exclude",
                    "providers",
                    "domain",
                    "address",
                    "reason",
                    "until",
                    "fail_on",
                    "x",
                ]
            ),
            st.one_of(_toml_value, st.integers().map(str), _toml_value.map(lambda v: f"[{v}]")),
        ),
        _one_line_value,
    )
)
_config_yaml = _document(
    st.one_of(
        st.sampled_from(
            [
                "fail-on: medium",
                "fail-on-unknown: yes",
                "expiry-window: 45",
                "exclude:",
                "providers:",
                "ignore:",
                "  - domain: x.org",
                "    reason: held",
                "    until: 2027-01-31",
                "- a",
                "&a [*a, *a]",
                "!!python/object:os.system",
                "{",
                "key: !!binary AAAA",
            ]
        ),
        st.builds(
            lambda key, v: f"{key}: {v}",
            st.sampled_from(
                [
                    "fail-on",
                    "expiry-window",
                    "exclude",
                    "providers",
                    "  - domain",
                    "    reason",
                    "x",
                ]
            ),
            _one_line_value.map(json.dumps),
        ),
        _one_line_value,
    )
)

# --- the tests ------------------------------------------------------------------------------


@given(_encoded(_value))
@FUZZ
def test_address_parser_finds_only_addresses_written_in_the_text(data: bytes) -> None:
    check_addresses(data)


@given(_encoded(_pkg_info))
@FUZZ
def test_pkg_info_reader_raises_only_source_errors_and_lines_stay_in_the_file(data: bytes) -> None:
    check_pkg_info(data)


@given(_encoded(_setup_cfg))
@FUZZ
def test_setup_cfg_reader_raises_only_source_errors_and_lines_stay_in_the_file(data: bytes) -> None:
    check_setup_cfg(data)


@given(_encoded(_pyproject))
@FUZZ
def test_pyproject_reader_raises_only_source_errors_and_lines_stay_in_the_file(data: bytes) -> None:
    check_pyproject(data)


@given(_encoded(_setup_py))
@FUZZ
def test_setup_py_reader_raises_only_source_errors_and_lines_stay_in_the_file(data: bytes) -> None:
    check_setup_py(data)


@given(_rdap)
@FUZZ
def test_rdap_bodies_are_answers_or_reasons_never_exceptions(data: bytes) -> None:
    check_rdap(data)


@given(_encoded(_whois))
@FUZZ
def test_whois_answers_are_registrations_or_one_line_failures(data: bytes) -> None:
    check_whois(data)


@given(_encoded(_config_toml))
@FUZZ
def test_toml_config_raises_only_one_line_config_errors(data: bytes) -> None:
    check_config_toml(data)


@given(_encoded(_config_yaml))
@FUZZ
def test_yaml_config_raises_only_one_line_config_errors(data: bytes) -> None:
    check_config_yaml(data)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_takes_the_empty_input_and_a_deep_nest(name: str) -> None:
    target: Callable[[bytes], None] = TARGETS[name]
    target(b"")
    target(b"[" * 50_000 + b"{" * 50_000)
