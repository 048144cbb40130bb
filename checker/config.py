"""Configuration files: ``[tool.domain-guard]`` in pyproject.toml, or ``.domain-guard.yml``.

Keys (kebab-case): ``fail-on``, ``fail-on-unknown``, ``expiry-window``, ``exclude``,
``providers``, ``ignore`` and ``registry-concurrency``. A file is read whole, bounded to
:data:`MAX_CONFIG_BYTES`, and every problem is a :class:`ConfigError` whose one-line
message names the file, the line where known and the key path (``ignore[2].until``,
list indexes counted from 0).

Discovery (:func:`load_config`) looks in one directory only, never above it: the
directory domain-guard runs in (the repository root under GitHub Actions and
pre-commit). Settings come from where the tool is run, not from what it scans, so
``domain-guard scan ../their-project`` cannot be relaxed by that project's own file.

Precedence is command line > ``DOMAIN_GUARD_*`` environment > config file > defaults.
typer already merges the first two when an option has ``envvar=`` and a default of
``None``, so the CLI hands :func:`merge` the option values as they arrive (``None`` means
"not given") and the file's :class:`Config`. A list given on a higher level replaces the
file's list; it does not extend it. Intended wiring in ``checker/cli.py``::

    config_option = typer.Option("--config", envvar=_env("config"), dir_okay=False)
    # fail_on: FailOn | None = None, fail_on_unknown: bool | None = None
    #   ("--fail-on-unknown/--no-fail-on-unknown"), expiry_window: int | None = None, ...
    try:
        file_config = load_config(Path("."), explicit=config)  # relative names in messages
    except ConfigError as exc:
        _usage_error(str(exc))
    options = merge(
        file_config,
        fail_on=fail_on.value if fail_on else None,
        fail_on_unknown=fail_on_unknown,
        expiry_window=expiry_window,
        exclude=exclude,
    )
    ...  # scan with options.exclude / options.providers, assess with options.expiry_window
    # the run applies options.ignore (checker.ignores) to the report it makes
"""

from __future__ import annotations

import difflib
import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from checker.domains import DomainClassifier, InvalidDomain, to_a_label
from checker.errors import UsageError
from checker.ignores import Ignore
from checker.settings import DEFAULT_EXPIRY_WINDOW, DEFAULT_FAIL_ON, FAIL_ON_CHOICES
from checker.toml_lines import TableLines

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import MappingNode, Node

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: Largest configuration file read (pyproject.toml included).
MAX_CONFIG_BYTES = 1024 * 1024
#: Deepest YAML nesting accepted; a valid file needs three levels.
MAX_YAML_DEPTH = 32
#: Longest string value (glob, domain, reason) accepted.
MAX_STRING_CHARS = 1000

YAML_NAMES = (".domain-guard.yml", ".domain-guard.yaml")
PYPROJECT = "pyproject.toml"
TABLE = ("tool", "domain-guard")
KEYS = (
    "fail-on",
    "fail-on-unknown",
    "expiry-window",
    "exclude",
    "providers",
    "ignore",
    "registry-concurrency",
)
IGNORE_KEYS = ("domain", "address", "reason", "until")
#: Most requests in flight one registry may be sent (``registry-concurrency``).
MAX_REGISTRY_CONCURRENCY = 64
_REGISTRY_HOST = re.compile(r"^(?:default|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(?::[0-9]{1,5})?)$")

KeyPath = tuple[str | int, ...]
T = TypeVar("T")


class ConfigError(UsageError):
    """A configuration file is missing, unreadable or invalid. The message is one line."""


@dataclass(frozen=True)
class Config:
    """What one configuration file says; ``None`` is "not set"."""

    fail_on: str | None = None
    fail_on_unknown: bool | None = None
    expiry_window: int | None = None
    exclude: tuple[str, ...] | None = None
    providers: tuple[str, ...] | None = None
    ignore: tuple[Ignore, ...] | None = None
    registry_concurrency: tuple[tuple[str, int], ...] | None = None
    path: str | None = None  # the file read; None when there was none


@dataclass(frozen=True)
class Options:
    """The settings of a run once every layer was merged. The defaults are the tool's."""

    fail_on: str = DEFAULT_FAIL_ON
    fail_on_unknown: bool = False
    expiry_window: int = DEFAULT_EXPIRY_WINDOW
    exclude: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    ignore: tuple[Ignore, ...] = ()
    registry_concurrency: tuple[tuple[str, int], ...] = ()


DEFAULTS = Options()


# --- precedence -----------------------------------------------------------------------


def resolve(*layers: T | None, default: T) -> T:
    """The first layer that is set, highest precedence first, else ``default``.

    ``resolve(cli_value, env_value, file_value, default=...)``; ``None`` is "not set".
    """
    for value in layers:
        if value is not None:
            return value
    return default


def merge(
    config: Config,
    *,
    fail_on: str | None = None,
    fail_on_unknown: bool | None = None,
    expiry_window: int | None = None,
    exclude: Sequence[str] | None = None,
    providers: Sequence[str] | None = None,
) -> Options:
    """Options from the command line or environment (``None``: not given) over ``config``."""
    return Options(
        fail_on=resolve(fail_on, config.fail_on, default=DEFAULTS.fail_on),
        fail_on_unknown=resolve(
            fail_on_unknown, config.fail_on_unknown, default=DEFAULTS.fail_on_unknown
        ),
        expiry_window=resolve(expiry_window, config.expiry_window, default=DEFAULTS.expiry_window),
        exclude=resolve(
            tuple(exclude) if exclude is not None else None,
            config.exclude,
            default=DEFAULTS.exclude,
        ),
        providers=resolve(
            tuple(providers) if providers is not None else None,
            config.providers,
            default=DEFAULTS.providers,
        ),
        ignore=config.ignore or (),
        registry_concurrency=config.registry_concurrency or (),
    )


# --- finding and reading files --------------------------------------------------------


def load_config(start: Path, explicit: Path | None = None) -> Config:
    """The configuration for a run in ``start``: ``explicit`` if given, else the one found.

    Only ``start`` itself is searched. When both ``[tool.domain-guard]`` in pyproject.toml
    and a ``.domain-guard.yml`` (or both YAML spellings) exist, that is an error rather than
    a silent pick: either choice would quietly drop settings - an ignore, a stricter
    ``fail-on`` - that the user believes apply. ``--config`` settles it.
    """
    if explicit is not None:
        return load_file(explicit)
    found: list[tuple[Path, str]] = []
    for name in YAML_NAMES:
        candidate = start / name
        if candidate.exists() or candidate.is_symlink():
            found.append((candidate, _read_bounded(_confined(candidate, start))))
    pyproject = start / PYPROJECT
    if pyproject.exists():
        text = _read_bounded(_confined(pyproject, start))
        if _configures_domain_guard(text, str(pyproject)):
            found.append((pyproject, text))
    if not found:
        return Config()
    if len(found) > 1:
        names = " and ".join(str(path) for path, _ in found)
        raise ConfigError(
            f"{names} both configure domain-guard: keep one, or choose with --config FILE"
        )
    path, text = found[0]
    if path.name == PYPROJECT:
        return parse_toml(text, str(path))
    return parse_yaml(text, str(path))


def _confined(path: Path, start: Path) -> Path:
    """``path`` when it resolves inside ``start``. A file found there (in the Action, the
    checked-out repository) that links elsewhere is refused before a byte of it is read,
    so no error can quote what lies outside."""
    if not path.resolve().is_relative_to(start.resolve()):
        raise ConfigError(f"{path}: a symlink to a file outside {start}; not read")
    return path


def load_file(path: Path) -> Config:
    """Read one configuration file, TOML or YAML by its extension. It must exist."""
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yml", ".yaml"):
        raise ConfigError(f"{path}: not a configuration file name (use .toml, .yml or .yaml)")
    if not (path.exists() or path.is_symlink()):
        raise ConfigError(f"{path}: configuration file not found")
    text = _read_bounded(path)
    if suffix == ".toml":
        return parse_toml(text, str(path))
    return parse_yaml(text, str(path))


def _read_bounded(path: Path) -> str:
    from checker.sources.base import NotRegularFile, TooLarge, read_limited

    try:
        data = read_limited(path, MAX_CONFIG_BYTES)  # no FIFO swapped in after a check
    except NotRegularFile:
        raise ConfigError(f"{path}: not a regular file") from None
    except TooLarge:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; not read") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None


_NAMES_TABLE = re.compile(r"tool[\"' \t]*\.[\"' \t]*domain-guard|\[\s*tool\s*\]")


def _configures_domain_guard(text: str, source: str) -> bool:
    """Whether a pyproject.toml has a ``[tool.domain-guard]`` table.

    A text that never names the table is not parsed: if it is broken TOML, that is the
    scan's finding to report, not a configuration error.
    """
    if not _NAMES_TABLE.search(text):
        return False
    data = _load_toml(text, source)
    tool = data.get("tool")
    return isinstance(tool, dict) and "domain-guard" in tool


def _load_toml(text: str, source: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{source}: invalid TOML: nested too deeply") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer beyond int()'s digit limit
        message = _one_line(str(exc))
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        if found:
            message = message.replace(found.group(0), "").strip()
            raise ConfigError(f"{source}:{found.group(1)}: invalid TOML: {message}") from None
        raise ConfigError(f"{source}: invalid TOML: {message}") from None
    return data


# --- TOML -----------------------------------------------------------------------------


def parse_toml(text: str, source: str) -> Config:
    """A TOML configuration: ``[tool.domain-guard]`` if the document has it, else its root.

    A file named pyproject.toml must have the table.
    """
    data = _load_toml(text, source)
    tool = data.get("tool")
    if isinstance(tool, dict) and "domain-guard" in tool:
        table = tool["domain-guard"]
        lines = TableLines(text, TABLE)
        check = _Check(source, lines.line, prefix="[tool.domain-guard] ")
        if not isinstance(table, dict):
            check.fail((), f"must be a table, not {_describe(table)}")
        return _build(table, check)
    if Path(source).name == PYPROJECT:
        raise ConfigError(f"{source}: has no [tool.domain-guard] table")
    lines = TableLines(text, ())
    return _build(data, _Check(source, lines.line))


# --- YAML -----------------------------------------------------------------------------


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


@functools.cache
def _loader_class() -> type[yaml.SafeLoader]:
    """The safe loader with bounded nesting; dates stay text (validated by us, with lines).

    Built on first use: PyYAML is imported only when a YAML file is read.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0

        def compose_node(self, parent: Node | None, index: int) -> Node | None:
            self._depth += 1
            try:
                if self._depth > MAX_YAML_DEPTH:
                    event = self.peek_event()  # type: ignore[no-untyped-call]
                    raise _TooDeep(event.start_mark.line + 1)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    def scalar_text(loader: yaml.SafeLoader, node: Node) -> str:
        return str(loader.construct_scalar(node))  # type: ignore[arg-type]

    Loader.add_constructor("tag:yaml.org,2002:timestamp", scalar_text)
    return Loader


def parse_yaml(text: str, source: str) -> Config:
    """A ``.domain-guard.yml`` document. Only YAML's safe types are built; tags are refused."""
    import yaml

    try:
        # The reader checks characters as it is built: a NUL byte raises here.
        loader = _loader_class()(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {_one_line(str(exc))}") from None
    try:
        root = loader.get_single_node()
        if root is None:
            return Config(path=source)
        lines = _YamlLines(source)
        lines.walk(root)
        data = loader.construct_document(root)
    except _TooDeep as exc:
        raise ConfigError(
            f"{source}:{exc.line}: nested deeper than {MAX_YAML_DEPTH} levels"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigError(f"{where}: invalid YAML: {_one_line(problem)}") from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{source}: invalid YAML: {_one_line(str(exc))}") from None
    finally:
        loader.dispose()
    check = _Check(source, lines.line)
    if not isinstance(data, dict):
        check.fail((), f"must be a mapping of settings, not {_describe(data)}")
    return _build(data, check)


class _YamlLines:
    """Lines of the keys and list items that settings can have, from the node marks.

    Also refuses duplicate keys, which the YAML loader would silently collapse into one.
    Each node is walked once, so aliases cannot multiply the work.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[KeyPath, int] = {}
        self._seen: set[int] = set()

    def line(self, path: KeyPath) -> int | None:
        return self.lines.get(path)

    def walk(self, root: Node) -> None:
        from yaml.nodes import MappingNode, SequenceNode

        self.lines[()] = root.start_mark.line + 1
        if not isinstance(root, MappingNode):
            return
        for key, value in self._entries(root, ()):
            if key not in KEYS or id(value) in self._seen:
                continue
            self._seen.add(id(value))
            if not isinstance(value, SequenceNode):
                continue
            for index, item in enumerate(value.value):
                self.lines[(key, index)] = item.start_mark.line + 1
                if isinstance(item, MappingNode) and id(item) not in self._seen:
                    self._seen.add(id(item))
                    list(self._entries(item, (key, index)))  # records lines, refuses duplicates

    def _entries(self, mapping: MappingNode, path: KeyPath) -> Iterable[tuple[str, Node]]:
        from yaml.nodes import ScalarNode

        for key_node, value in mapping.value:
            if not isinstance(key_node, ScalarNode):
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            key_path: KeyPath = (*path, key)
            if key_path in self.lines:
                raise ConfigError(
                    f"{self.source}:{line}: {_dotted(key_path)}: "
                    f"duplicate key (first set on line {self.lines[key_path]})"
                )
            self.lines[key_path] = line
            yield key, value


# --- validation -----------------------------------------------------------------------


class _Check:
    """Raises errors that say where: file, line (of the path or its nearest parent), key."""

    def __init__(
        self, source: str, line_of: Callable[[KeyPath], int | None], prefix: str = ""
    ) -> None:
        self.source = source
        self.line_of = line_of
        self.prefix = prefix

    def where(self, path: KeyPath) -> str:
        for length in range(len(path), -1, -1):
            line = self.line_of(path[:length])
            if line is not None:
                return f"{self.source}:{line}"
        return self.source

    def fail(self, path: KeyPath, problem: str) -> NoReturn:
        name = _dotted(path)
        label = f"{self.prefix}{name}: " if name else self.prefix
        raise ConfigError(f"{self.where(path)}: {label}{problem}")


def _build(data: Mapping[Any, Any], check: _Check) -> Config:
    _known_keys(data, (), KEYS, check)
    fail_on = data.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON_CHOICES:
        check.fail(
            ("fail-on",), f"must be one of {', '.join(FAIL_ON_CHOICES)}, not {_describe(fail_on)}"
        )
    fail_on_unknown = data.get("fail-on-unknown")
    if fail_on_unknown is not None and not isinstance(fail_on_unknown, bool):
        check.fail(("fail-on-unknown",), f"must be true or false, not {_describe(fail_on_unknown)}")
    window = data.get("expiry-window")
    if window is not None and (
        isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 3650
    ):
        check.fail(
            ("expiry-window",),
            f"must be a whole number of days from 0 to 3650, not {_describe(window)}",
        )
    exclude = _strings(data, "exclude", check)
    providers = _strings(data, "providers", check)
    if providers is not None:
        providers = tuple(
            _provider(name, ("providers", index), check) for index, name in enumerate(providers)
        )
    return Config(
        fail_on=fail_on,
        fail_on_unknown=fail_on_unknown,
        expiry_window=window,
        exclude=exclude,
        providers=providers,
        ignore=_ignores(data, check),
        registry_concurrency=_registry_concurrency(data, check),
        path=check.source,
    )


def _known_keys(
    data: Mapping[Any, Any], path: KeyPath, allowed: Sequence[str], check: _Check
) -> None:
    for key in data:
        if key in allowed:
            continue
        if not isinstance(key, str):
            check.fail(path, f"unknown key {_describe(key)}")
        close = difflib.get_close_matches(key.replace("_", "-").lower(), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
        check.fail((*path, key), f"unknown key ({hint})")


def _registry_concurrency(
    data: Mapping[Any, Any], check: _Check
) -> tuple[tuple[str, int], ...] | None:
    """``{host: N}``: at most N requests in flight to that registry host (``default``: others)."""
    table = data.get("registry-concurrency")
    if table is None:
        return None
    if not isinstance(table, dict):
        check.fail(
            ("registry-concurrency",),
            f"must be a mapping of registry host to a number, not {_describe(table)}",
        )
    caps = []
    for host, value in table.items():
        path: KeyPath = ("registry-concurrency", str(host))
        if not isinstance(host, str) or not _REGISTRY_HOST.match(host):
            check.fail(path, "must be a lower-case host name (host or host:port) or 'default'")
        if isinstance(value, bool) or not isinstance(value, int):
            check.fail(path, f"must be a whole number, not {_describe(value)}")
        if not 1 <= value <= MAX_REGISTRY_CONCURRENCY:
            check.fail(path, f"must be from 1 to {MAX_REGISTRY_CONCURRENCY}, not {value}")
        caps.append((host, value))
    return tuple(caps)


def _strings(data: Mapping[Any, Any], key: str, check: _Check) -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        check.fail((key,), f"must be a list of strings, not {_describe(value)}")
    return tuple(_text(item, (key, index), check) for index, item in enumerate(value))


def _text(value: object, path: KeyPath, check: _Check) -> str:
    if not isinstance(value, str) or not value.strip():
        check.fail(path, f"must be a non-empty string, not {_describe(value)}")
    if len(value) > MAX_STRING_CHARS:
        check.fail(path, f"longer than {MAX_STRING_CHARS} characters")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        check.fail(path, "must be one line without control characters")
    return value.strip()


@functools.lru_cache(maxsize=1)
def _classifier() -> DomainClassifier:
    return DomainClassifier()


def _registrable(name: str) -> str | None:
    """One classifier for the whole file: building one per entry made a long ``ignore``
    list (or one entry aliased 120,000 times) quadratic in start-up work."""
    return _classifier().registrable(name)


def _domain(value: str, path: KeyPath, check: _Check) -> str:
    """A-label form of a name at or below a registrable domain (not a public suffix)."""
    try:
        name = to_a_label(value)
    except InvalidDomain as exc:
        check.fail(path, f"not a valid domain name: {exc}")
    if _registrable(name) is None:
        check.fail(
            path,
            f"{_describe(value)} is a public suffix or has no known TLD; "
            "name a registrable domain such as example.org",
        )
    return name


def _provider(value: str, path: KeyPath, check: _Check) -> str:
    if "*" in value:
        # "live.*" would also match live.io or live.dev, which anyone may register, and
        # addresses there would never be looked up: list each domain instead.
        check.fail(path, "wildcards are not allowed: list each provider domain (e.g. yahoo.co.uk)")
    return _domain(value, path, check)


def _ignores(data: Mapping[Any, Any], check: _Check) -> tuple[Ignore, ...] | None:
    entries = data.get("ignore")
    if entries is None:
        return None
    if not isinstance(entries, list):
        check.fail(("ignore",), f"must be a list of entries, not {_describe(entries)}")
    return tuple(_ignore(entry, ("ignore", index), check) for index, entry in enumerate(entries))


def _ignore(entry: object, path: KeyPath, check: _Check) -> Ignore:
    if not isinstance(entry, dict):
        check.fail(
            path, f"must be a mapping with domain or address and reason, not {_describe(entry)}"
        )
    _known_keys(entry, path, IGNORE_KEYS, check)
    if ("domain" in entry) == ("address" in entry):
        check.fail(path, "give exactly one of domain and address")
    domain = address = None
    if "domain" in entry:
        domain = _domain(_text(entry["domain"], (*path, "domain"), check), (*path, "domain"), check)
    else:
        address = _address(_text(entry["address"], (*path, "address"), check), path, check)
    if entry.get("reason") is None:
        check.fail((*path, "reason"), "is required: say why this finding is accepted")
    reason = _text(entry["reason"], (*path, "reason"), check)
    until = _until(entry.get("until"), (*path, "until"), check)
    return Ignore(domain, address, reason, until, check.where(path))


def _address(value: str, path: KeyPath, check: _Check) -> str:
    local, at, raw_domain = value.rpartition("@")
    where = (*path, "address")
    if not at or not local or any(char.isspace() for char in local):
        check.fail(where, f"not an e-mail address: {_describe(value)}")
    return f"{local}@{_domain(raw_domain, where, check)}"


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _until(value: object, path: KeyPath, check: _Check) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            check.fail(path, f"not a date: {exc}")
    return check.fail(path, f"must be a date YYYY-MM-DD, not {_describe(value)}")


def _dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _describe(value: object) -> str:
    """A short, safe description of a value from a file (never a whole container)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, (str, int, float, date)):
        text = repr(value) if isinstance(value, str) else str(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return f"a {type(value).__name__}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
