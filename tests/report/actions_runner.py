"""How the GitHub Actions runner reads workflow commands from a step's output.

A port of ``ActionCommand.TryParseV2`` / ``TryParse`` and the line splitting of
actions/runner (src/Runner.Common/ActionCommand.cs), used to check that report output
forges no command. Registered commands are matched case-insensitively, as the runner does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGISTERED = frozenset(
    {
        "stop-commands",
        "set-env",
        "set-output",
        "save-state",
        "add-mask",
        "add-path",
        "add-matcher",
        "remove-matcher",
        "warning",
        "error",
        "notice",
        "debug",
        "group",
        "endgroup",
        "echo",
    }
)

_DATA_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
_LEGACY_ESCAPES = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))


@dataclass
class Command:
    name: str
    data: str
    properties: dict[str, str] = field(default_factory=dict)
    legacy: bool = False


def _unescape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for escaped, char in table:
        text = text.replace(escaped, char)
    return text


def split_lines(output: str) -> list[str]:
    """Lines as .NET's StreamReader.ReadLine sees them: split on CR, LF and CRLF only."""
    return re.split(r"\r\n|\r|\n", output)


def parse_v2(line: str, registered: frozenset[str] = REGISTERED) -> Command | None:
    """``::name k=v,...::data`` after leading whitespace, as TryParseV2 reads it."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in registered:
        return None
    command = Command(name, _unescape(line[end + 2 :], _DATA_ESCAPES))
    if space > 0:
        for item in info[space + 1 :].strip().split(","):
            key, sep, value = item.partition("=")
            if item and sep and key and value:
                command.properties[key] = _unescape(value, _PROPERTY_ESCAPES)
    return command


def parse_legacy(line: str, registered: frozenset[str] = REGISTERED) -> Command | None:
    """``##[name k=v;...]data`` anywhere in the line, as TryParse reads it."""
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    info = line[start + 3 : close]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in registered:
        return None
    command = Command(name, _unescape(line[close + 1 :], _LEGACY_ESCAPES), legacy=True)
    if space > 0:
        for item in info[space + 1 :].split(";"):
            key, sep, value = item.partition("=")
            if item and sep and key and value:
                command.properties[key] = _unescape(value, _LEGACY_ESCAPES)
    return command


def parse_line(line: str, registered: frozenset[str] = REGISTERED) -> Command | None:
    """The command the runner would process for ``line``, or None."""
    return parse_v2(line, registered) or parse_legacy(line, registered)


def commands(output: str) -> list[tuple[int, Command]]:
    """Every (line index, command) the runner would process, honouring stop-commands."""
    found: list[tuple[int, Command]] = []
    registered = REGISTERED
    stop_token: str | None = None
    for index, line in enumerate(split_lines(output)):
        command = parse_line(line, registered)
        if command is None:
            continue
        if stop_token is not None:
            if command.name.lower() == stop_token.lower():
                found.append((index, command))
                registered = REGISTERED
                stop_token = None
            continue
        found.append((index, command))
        if command.name == "stop-commands":
            stop_token = command.data
            registered = REGISTERED | {stop_token.lower()}
    return found


def forged_lines(output: str, allowed: set[int]) -> list[str]:
    """Lines other than ``allowed`` ones that start like a command or hold ``##[``.

    Stricter than the runner: any ``::`` at the start counts, registered or not, and a stop
    is not trusted to hold (the runner may not be the only reader).
    """
    return [
        line
        for index, line in enumerate(split_lines(output))
        if index not in allowed and (line.lstrip().startswith("::") or "##[" in line)
    ]
