"""Escaping for untrusted text (names, addresses, paths, registry messages, domains).

Every report sink passes outside text through these helpers before printing it:

* :func:`one_line` makes text safe to show on one line anywhere: line breaks, terminal
  control sequences and bidirectional overrides become visible ``\\xNN`` escapes.
* GitHub workflow commands: :func:`command_data` and :func:`command_property` apply the
  Actions toolkit's escaping; :func:`neutralise_commands` and :func:`guard_output` keep
  any printed line from being read as a command (``::cmd::`` at the start of a line, or the
  runner's legacy ``##[cmd]`` anywhere in it); :func:`stop_commands` wraps a raw block.
* Markdown: :func:`code_span` renders text as an inline code span that cannot be broken
  out of (no HTML, links, autolinks or ``@mentions`` are rendered inside one);
  :func:`mermaid_label` keeps text to a character set that cannot escape a Mermaid block.
* JSON: :func:`guard_json` rewrites serialised JSON losslessly so that it forges nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

#: Inserted between ``##`` and ``[``: invisible, not whitespace, and breaks the runner's
#: ``IndexOf("##[")`` so the legacy command parser finds nothing.
ZERO_WIDTH_SPACE = "\u200b"

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates,
# LRM/RLM/ALM, the BOM, and lone surrogates (undecodable file names; they cannot be
# written as UTF-8): anything that moves the cursor, breaks a line, reorders what a
# reader sees or cannot be printed.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufeff]"
)
_ELLIPSIS = "…"


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``…`` when cut."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    return text[: limit - 1] + _ELLIPSIS


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` with every control character shown as an escape, then clipped to ``limit``.

    The result holds no line break of any kind (``\\n``, ``\\r``, U+0085, U+2028, U+2029),
    no terminal escape sequence and no bidirectional override.
    """
    if limit is not None:
        text = clip(text, 4 * limit)  # bound the work on huge input; escapes only grow it
    text = _UNSAFE.sub(_visible, text)
    return text if limit is None else clip(text, limit)


# --- GitHub workflow commands -------------------------------------------------------------


def neutralise_commands(line: str) -> str:
    """One line of output that the Actions runner cannot read as a workflow command.

    The runner trims leading whitespace and takes a line starting with ``::`` as a command;
    its legacy parser takes ``##[`` anywhere in a line. A zero-width space goes in front of
    such a line and inside every ``##[``.
    """
    line = line.replace("##[", "##" + ZERO_WIDTH_SPACE + "[")
    if line.lstrip().startswith("::"):
        line = ZERO_WIDTH_SPACE + line
    return line


def guard_output(text: str) -> str:
    """Multi-line output with :func:`neutralise_commands` applied to every line.

    For sinks that print free text (a table, a log): nothing in it can be taken as a
    workflow command, whatever the untrusted text in it and however it was wrapped.
    """
    return "".join(neutralise_commands(line) for line in text.splitlines(keepends=True))


def command_data(text: str) -> str:
    """The message part of a workflow command, escaped as the Actions toolkit does."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace("##[", "##" + ZERO_WIDTH_SPACE + "[")


def command_property(text: str) -> str:
    """A property value of a workflow command (``file=``, ``title=``), escaped."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(name: str, message: str, **properties: str | int | None) -> str:
    """``::name key=value,...::message`` with every property and the message escaped.

    ``name`` and the property keys are the caller's own constants; properties that are
    None are left out.
    """
    props = ",".join(
        f"{key}={command_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    head = f"::{name} {props}" if props else f"::{name}"
    return f"{head}::{command_data(message)}"


def stop_commands(lines: Iterable[str], token: str | None = None) -> str:
    """``lines`` wrapped so that the runner processes no command in them.

    Uses ``::stop-commands::TOKEN`` with a random token (as GitHub recommends) and resumes
    with ``::TOKEN::``. Each line is also neutralised, in case the block is shown where
    the stop is not honoured.
    """
    body = [neutralise_commands(one_line(line)) for line in lines]
    while token is None or any(token in line for line in body):
        token = secrets.token_hex(16)
    return "\n".join([f"::stop-commands::{token}", *body, f"::{token}::"]) + "\n"


# --- JSON ---------------------------------------------------------------------------------

_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff]"
)


def guard_json(text: str) -> str:
    """Serialised JSON that decodes to the same value but forges no workflow command.

    ``##[`` can only occur inside a JSON string, where ``[`` may be written ``\\u005b``.
    Characters json.dumps leaves raw with ``ensure_ascii=False`` but that a terminal or a
    log viewer acts on (DEL, C1 controls, line separators, bidi overrides), and lone
    surrogates (which cannot be written as UTF-8), are escaped the same way. JSON lines
    never start with ``::``: a string always starts with a quote.
    """
    text = text.replace("##[", "##\\u005b")
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# --- Markdown -----------------------------------------------------------------------------

_BACKTICK_RUN = re.compile("`+")


def code_span(text: str, *, table: bool = False, limit: int | None = None) -> str:
    """``text`` as a Markdown code span that shows it verbatim and renders nothing in it.

    Inside a code span GitHub renders no HTML, link, autolink, emphasis or @mention. The
    text is made one line (:func:`one_line`), the fence is one backtick longer than the
    longest run in it, and it is padded with spaces when it starts or ends with a backtick
    or a space (the padding is stripped again by the renderer). In a table cell,
    ``table=True`` escapes ``|``, which GFM splits cells on even inside code spans.
    Empty text becomes ``(empty)``, outside any span.
    """
    text = one_line(text, limit).replace("##[", "##" + ZERO_WIDTH_SPACE + "[")
    if not text:
        return "(empty)"
    if table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # The renderer strips one space from each end unless the text is all spaces.
    if (text[0] in "` " or text[-1] in "` ") and text.strip(" "):
        text = f" {text} "
    return f"{fence}{text}{fence}"


_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")


def mermaid_label(text: str, limit: int = 80) -> str:
    """``text`` reduced to letters, digits, ``.`` and ``-`` (anything else becomes ``_``).

    Domains are A-labels, so real names pass unchanged; nothing else can carry Mermaid
    syntax (``:``, ``;``, ``#``, ``%%`` directives), HTML, or a Markdown fence.
    """
    return _MERMAID_UNSAFE.sub("_", clip(text, limit).replace(_ELLIPSIS, "."))
