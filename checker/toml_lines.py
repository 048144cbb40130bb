"""Where things are in a TOML text: tomllib keeps no positions, so the text is searched.

The one locator for both readers of TOML: ``pyproject.toml`` metadata
(:mod:`checker.sources.pyproject`: the line of a key, of a value) and the configuration
(:mod:`checker.config`: the line of a key path, for error messages). Lines are counted at
``"\n"`` only, like tomllib and every source.
"""

from __future__ import annotations

import re
from bisect import bisect_right

#: A path of keys and array indexes into a parsed document.
KeyPath = tuple[str | int, ...]


class TomlText:
    """A TOML text and the offsets of its lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line_of(self, offset: int) -> int:
        """The 1-based line that holds ``offset``."""
        return max(1, bisect_right(self._line_starts, offset))

    def region(self, start: int) -> tuple[int, int]:
        """From ``start`` to the next table header."""
        following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(self.text, start)
        return start, following.start() if following else len(self.text)

    def key_offset(self, table: str, key: str) -> int:
        """Offset where ``table.key`` is defined (``[[table.key]]``, ``key =`` under
        ``[table]``, or ``table.key =``); 0 when it cannot be found."""
        parts = tuple(table.split("."))
        text = self.text
        found = re.search(header_pattern((*parts, key), array=True), text, re.MULTILINE)
        if found:
            return found.start()
        header = re.search(header_pattern(parts), text, re.MULTILINE)
        if header:
            assign = key_at(text, key, self.region(header.end()))
            if assign:
                return assign[0]
        found = re.search(rf"^[ \t]*{_dotted((*parts, key))}[ \t]*=", text, re.MULTILINE)
        return found.start() if found else 0

    def value_offset(self, value: str, cursor: int) -> tuple[int, int] | None:
        """Where the parsed string ``value`` is written, at or after ``cursor`` if it is
        there, and the offset after the part searched for; None if not found."""
        # The value as written may differ from the parsed one by escapes: search the
        # longest prefix that cannot contain an escape.
        needle = re.split(r"[\n\"'\\]", value, maxsplit=1)[0][:200]
        if not needle:
            return None
        offset = self.text.find(needle, cursor)
        if offset < 0:
            offset = self.text.find(needle)
        return None if offset < 0 else (offset, offset + len(needle))


class TableLines:
    """Lines of key paths (``ignore``, 0, ``domain``) under ``table`` of a TOML text.

    Handles ``key = value`` under the table's header, ``[[table.key]]`` arrays of tables
    and inline arrays; anything else is None (the configuration then names a shorter
    path's line).
    """

    def __init__(self, text: str, table: tuple[str, ...]) -> None:
        self.text = text
        self.table = table
        self.locator = TomlText(text)
        self.header_line: int | None = None
        self.region: tuple[int, int] | None = self.locator.region(0) if not table else None
        header = re.search(header_pattern(table), text, re.MULTILINE) if table else None
        if header is not None:
            self.header_line = self.locator.line_of(header.start())
            self.region = self.locator.region(header.end())

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, or None where it cannot be found."""
        if not path:
            return self.header_line
        offset = self._offset(path)
        return None if offset is None else self.locator.line_of(offset)

    def _offset(self, path: KeyPath) -> int | None:
        key = path[0]
        if not isinstance(key, str):
            return None
        pattern = header_pattern((*self.table, key), array=True)
        headers = [m.start() for m in re.finditer(pattern, self.text, re.MULTILINE)]
        assign = key_at(self.text, key, self.region) if self.region else None
        if len(path) == 1:
            if assign is not None:
                return assign[0]
            return headers[0] if headers else None
        index = path[1]
        if not isinstance(index, int):
            return None
        if headers:
            if index >= len(headers):
                return None
            item = (headers[index], self.locator.region(headers[index] + 1)[1])
        else:
            items = array_items(self.text, assign[1]) if assign else []
            if index >= len(items):
                return None
            item = items[index]
        if len(path) == 2:
            return item[0]
        sub = path[2]
        if not isinstance(sub, str):
            return None
        found = key_at(self.text, sub, item, inline=not headers)
        return found[0] if found else None


def key_pattern(key: str) -> str:
    """The pattern of ``key`` bare or quoted."""
    quoted = re.escape(key)
    return rf"(?:{quoted}|\"{quoted}\"|'{quoted}')"


def _dotted(table: tuple[str, ...]) -> str:
    return r"[ \t]*\.[ \t]*".join(key_pattern(part) for part in table)


def header_pattern(table: tuple[str, ...], *, array: bool = False) -> str:
    """The pattern of ``[table]`` (or ``[[table]]``) at a line start."""
    dotted = _dotted(table)
    if array:
        return rf"^[ \t]*\[\[[ \t]*{dotted}[ \t]*\]\]"
    return rf"^[ \t]*\[[ \t]*{dotted}[ \t]*\]"


def key_at(
    text: str, key: str, span: tuple[int, int], *, inline: bool = False
) -> tuple[int, int] | None:
    """Where ``key =`` starts, and where its value starts, within ``span``.

    At a line start, or (``inline``) also after ``{`` or ``,`` of an inline table.
    """
    lead = r"(?:^|[{,])[ \t\r\n]*" if inline else r"^[ \t]*"
    pattern = re.compile(lead + "(?P<key>" + key_pattern(key) + r")[ \t]*=", re.MULTILINE)
    found = pattern.search(text, *span)
    return (found.start("key"), found.end()) if found else None


def array_items(text: str, pos: int) -> list[tuple[int, int]]:
    """Start and end offsets of the items of the inline array that begins at ``pos``."""
    n = len(text)
    while pos < n and text[pos] in " \t":
        pos += 1
    if pos >= n or text[pos] != "[":
        return []
    pos += 1
    depth, item_start = 1, None
    items: list[tuple[int, int]] = []
    while pos < n:
        char = text[pos]
        if char == "#":
            newline = text.find("\n", pos)
            pos = n if newline < 0 else newline
            continue
        if depth == 1 and item_start is None and not char.isspace() and char not in ",]":
            item_start = pos
        if char in "\"'":
            pos = _skip_string(text, pos)
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                if item_start is not None:
                    items.append((item_start, pos))
                break
        elif char == "," and depth == 1 and item_start is not None:
            items.append((item_start, pos))
            item_start = None
        pos += 1
    return items


def _skip_string(text: str, pos: int) -> int:
    """The offset after the TOML string starting at ``pos``."""
    quote = text[pos]
    if text.startswith(quote * 3, pos):
        close = text.find(quote * 3, pos + 3)
        while close >= 0 and quote == '"' and _escaped(text, close):
            close = text.find(quote * 3, close + 1)
        return len(text) if close < 0 else close + 3
    pos += 1
    while pos < len(text) and text[pos] not in (quote, "\n"):
        pos += 2 if quote == '"' and text[pos] == "\\" else 1
    return pos + 1


def _escaped(text: str, pos: int) -> bool:
    backslashes = 0
    while pos - backslashes - 1 >= 0 and text[pos - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
