"""``setup.py``, read statically with :mod:`ast`. It is never executed or imported."""

from __future__ import annotations

import ast
import re

from checker.model import Role, SourceKind
from checker.sources.base import Extraction, FieldText, PersonFields, SourceError

_SETUP_NAMES = {"setup"}
_MAX_DEPTH = 50
_MAX_NODES = 10_000  # expressions resolved per file
_MAX_VALUE = 64 * 1024  # characters of one resolved string
_KEYWORDS = ("name", "version", "author", "author_email", "maintainer", "maintainer_email")


class _Value:
    """A string value resolved statically, with the line it is written on."""

    __slots__ = ("line", "text")

    def __init__(self, text: str, line: int | None) -> None:
        self.text = text
        self.line = line


class _Resolver:
    def __init__(self, tree: ast.Module) -> None:
        self._memo: dict[int, _Value | None] = {}
        self._budget = _MAX_NODES
        self.names: dict[str, ast.expr] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    self.names[target.id] = node.value
            elif (
                isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value
            ):
                self.names[node.target.id] = node.value

    def string(self, node: ast.expr, depth: int = 0) -> _Value | None:
        # Memoised per node, with a budget of nodes and a cap on lengths: "a = a + a"
        # repeated 30 times would otherwise take exponential time and memory.
        key = id(node)
        if key in self._memo:
            return self._memo[key]
        self._budget -= 1
        if depth > _MAX_DEPTH or self._budget < 0:
            return None
        value = self._string(node, depth)
        if value is not None and len(value.text) > _MAX_VALUE:
            value = None
        self._memo[key] = value
        return value

    def _string(self, node: ast.expr, depth: int) -> _Value | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return _Value(node.value, node.lineno)
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.string(self.names[node.id], depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.string(node.left, depth + 1), self.string(node.right, depth + 1)
            if left and right:
                return _Value(left.text + right.text, left.line)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    if value.format_spec is not None or value.conversion not in (-1, 115):
                        return None
                    part = self.string(value.value, depth + 1)
                else:
                    part = self.string(value, depth + 1)
                if part is None:
                    return None
                parts.append(part.text)
            return _Value("".join(parts), node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "join"
            and len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], (ast.List, ast.Tuple))
        ):
            separator = self.string(node.func.value, depth + 1)
            items = [self.string(e, depth + 1) for e in node.args[0].elts]
            if separator and all(items):
                return _Value(separator.text.join(i.text for i in items if i), node.lineno)
        return None

    def mapping(self, node: ast.expr, depth: int = 0) -> dict[str, ast.expr]:
        """Keyword arguments passed as ``**kwargs`` from a literal dict or ``dict(...)``."""
        if depth > _MAX_DEPTH:
            return {}
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.mapping(self.names[node.id], depth + 1)
        if isinstance(node, ast.Dict):
            return {
                k.value: v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "dict"
        ):
            return {kw.arg: kw.value for kw in node.keywords if kw.arg}
        return {}


def _is_setup_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _SETUP_NAMES
    return isinstance(func, ast.Attribute) and func.attr in _SETUP_NAMES


def _field(value: _Value | None) -> FieldText | None:
    if value is None:
        return None
    breaks = tuple(m.end() for m in re.finditer(r"\n", value.text))
    return FieldText(value.text, value.line, breaks)


def parse_setup_py(text: str, path: str) -> Extraction:
    """Contacts of the ``setup(...)`` call's literal keyword arguments."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise SourceError(f"invalid Python: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SourceError(f"cannot parse: {type(exc).__name__}") from None
    resolver = _Resolver(tree)
    people: list[PersonFields] = []
    package = version = None
    try:
        calls = [node for node in ast.walk(tree) if _is_setup_call(node)]
    except RecursionError:
        raise SourceError("cannot parse: nesting too deep") from None
    for call in calls:
        assert isinstance(call, ast.Call)
        arguments: dict[str, ast.expr] = {}
        for keyword in call.keywords:
            if keyword.arg is None:
                arguments.update(resolver.mapping(keyword.value))
            else:
                arguments[keyword.arg] = keyword.value
        values = {key: resolver.string(arguments[key]) for key in _KEYWORDS if key in arguments}
        for role in (Role.AUTHOR, Role.MAINTAINER):
            name = _field(values.get(role.value))
            email = _field(values.get(f"{role.value}_email"))
            if name or email:
                people.append(PersonFields(role, name, email))
        name_value, version_value = values.get("name"), values.get("version")
        package = package or (name_value.text if name_value else None)
        version = version or (version_value.text if version_value else None)
    return Extraction(
        path=path, kind=SourceKind.SETUP_PY, people=tuple(people), package=package, version=version
    )
